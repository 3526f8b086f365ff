from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sarap.cli import main
from sarap.simulate import simulate_goods


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("goods")
    cat = simulate_goods(900, seed=2)
    cat.nomenclature.rename(columns={"name": "text"}).to_csv(
        d / "nomenclature.csv", index=False
    )
    cat.examples[["text", "code"]].to_json(
        d / "examples.jsonl", orient="records", lines=True, force_ascii=False
    )
    test = simulate_goods(200, seed=3).examples
    test.rename(columns={"text": "description", "code": "hs"}).to_json(
        d / "test.json", orient="records", force_ascii=False
    )
    r = run(
        "goods",
        "fit",
        "--nomenclature",
        str(d / "nomenclature.csv"),
        "--examples",
        str(d / "examples.jsonl"),
        "--model",
        str(d / "model"),
        "--json",
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["examples"] == 900 and summary["ranker"] is True
    return d


def test_classify_prints_top5_with_names(files):
    r = run(
        "goods",
        "classify",
        "--model",
        str(files / "model"),
        "FROZEN CHICKEN CUTS WINGS IQF 1KG",
        "ноутбук",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [len(o["suggestions"]) for o in out] == [5, 5]
    top = out[0]["suggestions"][0]
    assert top["code"] == "0207140200" and top["name"] == "WINGS"
    assert 0 < top["confidence"] <= 1
    r = run("goods", "classify", "--model", str(files / "model"), "FROZEN SHRIMPS")
    assert r.exit_code == 0 and "030617" in r.stdout


def test_evaluate_json_has_exactly_the_contract_keys(files):
    r = run(
        "goods",
        "evaluate",
        str(files / "test.json"),
        "--model",
        str(files / "model"),
        "--text-column",
        "description",
        "--code-column",
        "hs",
        "--json",
    )
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout)
    assert set(m) == {"top1", "top5", "n"}
    assert m["n"] == 200 and m["top1"] >= 0.9 and m["top5"] >= m["top1"]
    r = run(
        "goods",
        "evaluate",
        str(files / "test.json"),
        "--model",
        str(files / "model"),
        "--text-column",
        "description",
        "--code-column",
        "hs",
    )
    assert r.exit_code == 0 and "top-1" in r.stdout


_NOM = ("--nomenclature", "{d}/nomenclature.csv")


def test_text_without_words_gets_no_codes(files):
    r = run("goods", "classify", "--model", str(files / "model"), "", "12 345")
    assert r.exit_code == 0
    assert "'': no words to classify, no codes" in r.stdout
    assert "'12 345': no words to classify" in r.stdout
    r = run("goods", "classify", "--model", str(files / "model"), "--json", "")
    assert json.loads(r.stdout)[0]["suggestions"] == []
    # letters, but no word the model knows: it was answered with the prior
    r = run("goods", "classify", "--model", str(files / "model"), "笔记本电脑")
    assert r.exit_code == 0
    assert "'笔记本电脑': no word the model knows, no codes" in r.stdout


def test_null_texts_in_json_are_no_texts_not_the_word_nan(files, tmp_path):
    rows = json.loads((files / "test.json").read_text())[:40]
    for r in rows[:10]:
        r["description"] = None
    (tmp_path / "nulls.json").write_text(json.dumps(rows, ensure_ascii=False))
    r = run(
        "goods", "evaluate", str(tmp_path / "nulls.json"),
        "--model", str(files / "model"), "--text-column", "description",
        "--code-column", "hs", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["n"] == 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("classify", "--model", "{d}/nowhere", "x"), "no such model folder"),
        (("classify", "--model", "{d}", "x"), "not a sarap model folder"),
        (
            ("evaluate", "{d}/test.json", "--model", "{d}/model", "--code-column", "x"),
            "no code column 'x'",
        ),
        (("evaluate", "{d}/missing.csv", "--model", "{d}/model"), "no such file"),
        (
            ("fit", *_NOM, "--examples", "{d}/bad.csv", "--model", "{d}/m2"),
            "without an HS / TN VED code in column 'code', the first at line 2",
        ),
        (
            ("fit", *_NOM, "--examples", "{d}/bad.jsonl", "--model", "{d}/m2"),
            "the first at line 1: 'ABC'",  # no header line in JSON Lines
        ),
        (("fit", "--model", "{d}/m3"), "--nomenclature"),
        (("fit", "--examples", "{d}/examples.jsonl", "--model", "{d}/m4"), "--nomen"),
        (("classify", "--model", "{d}/model", "--top", "11", "x"), "from 1 to 10"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(files, args, message):
    (files / "bad.csv").write_text("text,code\nscrews,ABC\nnuts,XYZ\nbolts,QQ\n")
    (files / "bad.jsonl").write_text(
        "".join(f'{{"text": "t", "code": "{c}"}}\n' for c in ("ABC", "XYZ", "QQ"))
    )
    r = CliRunner().invoke(main, ["goods", *(a.format(d=files) for a in args)])
    assert r.exit_code != 0
    assert "Traceback" not in r.output
    assert message in r.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("folder.csv", None, "folder.csv: is a folder, not a file"),
        ("empty.csv", "", "empty.csv: file is empty"),
        ("blank.json", "\n\n", "blank.json: file is empty (only blank lines)"),
    ],
)
def test_a_folder_or_an_empty_file_is_told_as_such(
    files, tmp_path, name, content, message
):
    # A folder was "no such file"; an empty CSV "cannot read it: No columns
    # to parse from file", an empty JSON "Expecting value: line 3 column 1
    # (char 2)": pandas' and json's words, not what was wrong.
    if content is None:
        (tmp_path / name).mkdir()
    else:
        (tmp_path / name).write_text(content)
    for cmd in ("evaluate", "check"):
        r = run("goods", cmd, str(tmp_path / name), "--model", str(files / "model"))
        assert r.exit_code == 1 and r.output.strip() == f"Error: {tmp_path / message}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mixed.json", '[{"text": "t", "code": "0101"}, 5]', "record 2 is a number"),
        ("one.json", '{"text": "t", "code": "0101"}', "holds one object, not an"),
        (
            "array.jsonl",
            '{"text": "t", "code": "0101"}\n["t", "0101"]\n',
            "line 2 is an",
        ),
        ("cut.jsonl", '{"text": "t", "code": "0101"}\n\n{"text": "t",\n', "line 3, c"),
    ],
)
def test_json_that_is_not_objects_is_one_line_naming_where(
    files, tmp_path, name, content, message
):
    # An array element or a JSON Lines line that is no object was a
    # traceback (TypeError in pandas); a broken line was told by its byte
    # position in the whole file, a lone object by a message of pandas'.
    (tmp_path / name).write_text(content)
    r = CliRunner().invoke(
        main,
        ["goods", "evaluate", str(tmp_path / name), "--model", str(files / "model")],
    )
    assert r.exit_code == 1
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert message in r.output


def test_check_finds_declared_codes_that_do_not_fit(files, tmp_path):
    rows = [
        "id,description,hs_code",
        "D1,ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ ECCO MEN 39-45,6406 10",
        "D2,ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ ECCO MEN 39-45,6403 99",
        "D3,FROZEN CHICKEN CUTS WINGS IQF,0207.14",
    ]
    (tmp_path / "decl.csv").write_text("\n".join(rows) + "\n")
    r = run(
        "goods",
        "check",
        str(tmp_path / "decl.csv"),
        "--model",
        str(files / "model"),
        "--code-column",
        "hs_code",
        "--id-column",
        "id",
        "--out",
        str(tmp_path / "found.csv"),
        "--json",
    )
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    assert [f["id"] for f in found] == ["D1"]
    assert found[0]["suggested"].split(";")[0] == "6403"
    assert (tmp_path / "found.csv").read_text().startswith("line,id,declared_code")


def test_check_leaves_the_old_findings_when_writing_them_stops(
    files, tmp_path, monkeypatch
):
    import pandas as pd

    (tmp_path / "decl.csv").write_text(
        "id,description,hs_code\nD1,ОБУВЬ ИЗ НАТУРАЛЬНОЙ КОЖИ ECCO,6406 10\n"
    )
    out = tmp_path / "found.csv"
    out.write_text("last week's findings\n")
    write = pd.DataFrame.to_csv

    def cut_short(self, path, **kw):  # type: ignore[no-untyped-def]
        Path(path).write_text("row,id,decl")  # half a file, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", cut_short)
    args = ["goods", "check", str(tmp_path / "decl.csv"), "--model"]
    args += [str(files / "model"), "--code-column", "hs_code", "--out", str(out)]
    r = run(*args)
    assert r.exit_code == 130
    assert out.read_text() == "last week's findings\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decl.csv", "found.csv"]
    monkeypatch.setattr(pd.DataFrame, "to_csv", write)
    assert run(*args).exit_code == 0
    assert out.read_text().startswith("line,declared_code,score")


def test_fit_to_a_model_that_is_a_file_is_refused_before_the_work(files, tmp_path):
    # It fitted the whole model first, then said "NotADirectoryError: [Errno
    # 20] Not a directory".
    (tmp_path / "model").write_text("not a model\n")
    r = CliRunner().invoke(
        main,
        ["goods", "fit", "--nomenclature", str(files / "nomenclature.csv"),
         "--model", str(tmp_path / "model")],
    )  # fmt: skip
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"cannot save the model to {tmp_path / 'model'}: it is a file" in r.output
    assert "learning goods codes" not in r.output
    assert (tmp_path / "model").read_text() == "not a model\n"


def test_check_out_to_a_folder_is_refused_before_the_work(files, tmp_path):
    # It was told after the work as "IsADirectoryError: [Errno 21] Is a
    # directory: '.../.found.saving-1a2b3c4d' -> '.../found'".
    (tmp_path / "decl.csv").write_text("text,code\nОБУВЬ ИЗ КОЖИ ECCO,6406 10\n")
    (tmp_path / "found").mkdir()
    r = CliRunner().invoke(
        main,
        ["goods", "check", str(tmp_path / "decl.csv"), "--model",
         str(files / "model"), "--out", str(tmp_path / "found")],
    )  # fmt: skip
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"cannot write {tmp_path / 'found'}: it is a folder" in r.output
    assert ".saving" not in r.output and not any((tmp_path / "found").iterdir())


@pytest.mark.parametrize("name", ["found.json", "found.xlsx", "found"])
def test_check_out_other_than_csv_is_refused(files, tmp_path, name):
    # The findings were written as CSV whatever the name: found.json held
    # CSV, found.xlsx a file Excel calls damaged. As the queue's --out.
    (tmp_path / "decl.csv").write_text("text,code\nОБУВЬ ИЗ КОЖИ ECCO,6406 10\n")
    r = CliRunner().invoke(
        main,
        ["goods", "check", str(tmp_path / "decl.csv"), "--model",
         str(files / "model"), "--out", str(tmp_path / name)],
    )  # fmt: skip
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "the findings are written as CSV; name it *.csv" in r.output
    assert not (tmp_path / name).exists()


def test_fit_takes_several_files_after_one_option(files, tmp_path):
    extra = tmp_path / "more.csv"
    extra.write_text("code,text\n0207 14,FROZEN CHICKEN WINGS\n")
    r = run(
        "goods",
        "fit",
        "--nomenclature",
        str(files / "nomenclature.csv"),
        str(extra),
        "--examples",
        str(files / "examples.jsonl"),
        str(files / "test.json").replace("test.json", "examples.jsonl"),
        "--model",
        str(tmp_path / "m"),
        "--json",
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["examples"] == 1800


@pytest.mark.parametrize("listed", [True, False])
def test_a_damaged_model_is_one_line(files, tmp_path, listed):
    # A copy stopped half-way. Models saved since they list their files are
    # refused on reading model.json; older ones when the cut file is read.
    import shutil

    model = tmp_path / "model"
    shutil.copytree(files / "model", model)
    npz = model / "arrays.npz"
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    if not listed:
        info = json.loads((model / "model.json").read_text())
        del info["files"]
        (model / "model.json").write_text(json.dumps(info))
    r = CliRunner().invoke(main, ["goods", "classify", "--model", str(model), "x"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert ("arrays.npz has" if listed else "damaged model (BadZipFile") in r.output


def test_a_model_without_its_names_is_refused_before_reading(files, tmp_path):
    # names.json was written after model.json, so it was not in its list:
    # a lost names.json was told as a FileNotFoundError, once the arrays
    # had been read.
    import shutil

    listed = json.loads((files / "model" / "model.json").read_text())["files"]
    on_disk = {f.name for f in (files / "model").iterdir()} - {"model.json"}
    assert set(listed) == on_disk
    model = tmp_path / "model"
    shutil.copytree(files / "model", model)
    (model / "names.json").unlink()
    r = CliRunner().invoke(main, ["goods", "classify", "--model", str(model), "x"])
    assert r.exit_code == 1
    assert "incomplete model, names.json is missing; fit it again" in r.output


def test_a_folder_with_another_programs_model_json_is_not_a_sarap_model(tmp_path):
    # A TensorFlow.js model is a model.json too: it was told "holds a None
    # model, not a GoodsClassifier".
    (tmp_path / "model.json").write_text('{"format": "layers-model"}')
    r = CliRunner().invoke(main, ["goods", "classify", "--model", str(tmp_path), "x"])
    assert r.exit_code == 1
    assert "not a sarap model folder (its model.json names no agent)" in r.output


def test_fit_and_evaluate_tell_the_rows_they_skip(files, tmp_path):
    # A total line or two is tolerated, as before, but no longer in silence:
    # how many, why, and the first few by file and line.
    ex = tmp_path / "ex.csv"
    ex.write_text(
        "text,code\n"
        "FROZEN CHICKEN CUTS WINGS IQF,0207 14\n"
        "TOTAL,ИТОГО\n"
        "FROZEN SHRIMPS,\n"
        ",0306 17\n"
        "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ,6403 99\n"
        "see the note,XX\n"
    )
    r = run(
        "goods", "fit", "--nomenclature", str(files / "nomenclature.csv"),
        "--examples", str(ex), "--model", str(tmp_path / "m"), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["examples"] == 2
    assert summary["skipped_example_rows"] == {
        "count": 4,
        "why": {"not an HS / TN VED code": 2, "no code": 1, "no text": 1},
        "first": [
            f"{ex} line 3: not an HS / TN VED code 'ИТОГО'",
            f"{ex} line 4: no code",
            f"{ex} line 5: no text",
        ],
    }
    assert summary["skipped_nomenclature_rows"]["count"] == 0
    assert r.stderr.count("warning:") == 1
    assert "warning: skipped 4 example rows (2 not an HS / TN VED code" in r.stderr
    assert f"{ex} line 3: not an HS / TN VED code 'ИТОГО'; " in r.stderr
    assert r.stderr.rstrip().endswith("; ...")  # the fourth is not named
    r = run(
        "goods", "evaluate", str(ex), "--model", str(files / "model"), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 2
    assert "warning: skipped 4 labelled rows" in r.stderr


def test_skipped_rows_are_named_by_their_line_after_blank_lines(files, tmp_path):
    # Lines were counted as one a row: a blank line, or a quoted value over
    # several lines, put every later row's line too early.
    shoes = "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ"
    (tmp_path / "ex.csv").write_text(
        f'text,code\n"{shoes},\nECCO",6403 99\n\n   \nTOTAL,ИТОГО\n{shoes},\n'
    )
    (tmp_path / "ex.jsonl").write_text(
        f'{{"text": "{shoes}", "code": "6403 99"}}\n\n'
        '{"text": "TOTAL", "code": "ИТОГО"}\n'
    )
    model = str(files / "model")
    r = run("goods", "evaluate", str(tmp_path / "ex.csv"), "--model", model)
    assert r.exit_code == 0, r.output
    assert "ex.csv line 6: not an HS / TN VED code 'ИТОГО'" in r.stderr
    assert "ex.csv line 7: no code" in r.stderr
    r = run("goods", "evaluate", str(tmp_path / "ex.jsonl"), "--model", model)
    assert r.exit_code == 0, r.output
    assert "ex.jsonl line 3: not an HS / TN VED code 'ИТОГО'" in r.stderr


def test_a_csv_with_semicolons_is_read(files, tmp_path):
    # Excel saves CSV with semicolons in Russian, often in Windows-1251;
    # such a file was one column 'text;code', told to name it --text-column.
    (tmp_path / "ex.csv").write_bytes(
        "text;code\n"
        '"ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ; ECCO, 39-45";6403 99\n'
        "FROZEN CHICKEN CUTS WINGS IQF 1KG;0207 14\n".encode("cp1251")
    )
    r = run(
        "goods", "evaluate", str(tmp_path / "ex.csv"),
        "--model", str(files / "model"), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 2  # both rows, codes and all


def test_a_semicolon_csv_whose_header_names_hold_commas_is_read(files, tmp_path):
    # The header held as many commas as semicolons ("Вес нетто, кг"), and
    # the first of equals, the comma, was taken: "no text column
    # 'Наименование, описание' (columns: Наименование, описание;Вес нетто,
    # кг;Код)".
    (tmp_path / "ex.csv").write_text(
        "Наименование, описание;Вес нетто, кг;Код\n"
        "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ, ECCO;1,5;6403 99\n"
        "FROZEN CHICKEN CUTS WINGS IQF 1KG;12;0207 14\n"
    )
    r = run(
        "goods", "evaluate", str(tmp_path / "ex.csv"), "--model",
        str(files / "model"), "--text-column", "Наименование, описание",
        "--code-column", "Код", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 2


def test_a_header_with_spaces_names_its_columns(files, tmp_path):
    # "text, code" was refused with "no code column 'code' (columns: text,
    # code)", the space hidden in the list.
    (tmp_path / "ex.csv").write_text(
        "text, code ,  id\n"
        "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ, 6403 99,D1\n"
        "FROZEN CHICKEN CUTS WINGS IQF 1KG, 6403 99,D2\n"
    )
    model = str(files / "model")
    r = run("goods", "evaluate", str(tmp_path / "ex.csv"), "--model", model, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 2
    r = run("goods", "check", str(tmp_path / "ex.csv"), "--model", model,
            "--id-column", "id", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert [f["id"] for f in json.loads(r.stdout)] == ["D2"]


def test_excel_unicode_text_is_read(files, tmp_path):
    # Excel's "Unicode text" is UTF-16 with tabs; it was read as
    # Windows-1251, its columns 'яюt e x t ...', told to name --text-column.
    (tmp_path / "ex.txt").write_text(
        "text\tcode\r\nОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ\t6403 99\r\n"
        "FROZEN CHICKEN CUTS WINGS IQF 1KG\t0207 14\r\n\r\nTOTAL\tИТОГО\r\n",
        encoding="utf-16",
        newline="",
    )
    r = run(
        "goods", "evaluate", str(tmp_path / "ex.txt"),
        "--model", str(files / "model"), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n"] == 2
    assert "ex.txt line 5: not an HS / TN VED code 'ИТОГО'" in r.stderr


@pytest.mark.parametrize("encoding", ["koi8_r", "cp866", "kz1048"])
def test_a_file_in_another_cyrillic_code_page_is_read(files, tmp_path, encoding):
    # Goods files were read as UTF-8, else Windows-1251: a KOI8-R file came
    # out as nonsense ('пвхчш у четипн ...') and was judged as such, without
    # a word; a CP866 one was refused ('neither UTF-8 nor Windows-1251').
    from sarap.agents._goods_jobs import read_table

    text = "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ"
    if encoding == "kz1048":  # Kazakh letters, where it is not Windows-1251
        text = "ЕТІК, ТАБИҒИ БЫЛҒАРЫДАН"
    rows = f'text,code\n"{text}",6403 99\nКОФЕ ЖАРЕНЫЙ В ЗЕРНАХ,0901 21\n'
    (tmp_path / "ex.csv").write_bytes(rows.encode(encoding))
    (tmp_path / "utf8.csv").write_text(rows, encoding="utf-8")
    table = read_table(tmp_path / "ex.csv")
    assert table["text"].tolist() == [text, "КОФЕ ЖАРЕНЫЙ В ЗЕРНАХ"]
    model = str(files / "model")
    found = [
        run("goods", "check", str(tmp_path / f), "--model", model, "--json")
        for f in ("ex.csv", "utf8.csv")
    ]
    assert found[0].exit_code == 0, found[0].output
    assert found[0].stdout == found[1].stdout


def test_goods_commands_take_encoding(files, tmp_path):
    # Without Cyrillic letters to go by (a '№' and a '±' in Windows-1251)
    # the code page cannot be told: the goods commands had no --encoding
    # for the message to point at.
    rows = "text,code\nSCREWS M6 №5 ±0.1,7318 15\nFROZEN CHICKEN WINGS,0207 14\n"
    (tmp_path / "ex.csv").write_bytes(rows.encode("cp1251"))
    model = str(files / "model")
    r = run("goods", "evaluate", str(tmp_path / "ex.csv"), "--model", model)
    assert r.exit_code == 1
    assert "the encoding could not be detected; pass --encoding" in r.output
    for cmd in ("evaluate", "check"):
        r = run("goods", cmd, str(tmp_path / "ex.csv"), "--model", model,
                "--encoding", "cp1251", "--json")  # fmt: skip
        assert r.exit_code == 0, r.output
    r = run("goods", "fit", "--nomenclature", str(tmp_path / "ex.csv"),
            "--encoding", "cp1251", "--model", str(tmp_path / "m"))  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("goods", "check", str(tmp_path / "ex.csv"), "--model", model,
            "--encoding", "utf-8")  # fmt: skip
    assert r.exit_code == 1
    assert "ex.csv: line 2 is not utf-8 text (byte 20); check --encoding" in r.output
    r = run("goods", "check", str(tmp_path / "ex.csv"), "--model", model,
            "--encoding", "nope")  # fmt: skip
    assert r.exit_code == 1 and "unknown encoding 'nope'" in r.output
    # UTF-8 with one line in another encoding: that line is named, not the
    # whole file read as Windows-1251 (every Cyrillic letter scrambled).
    (tmp_path / "mixed.csv").write_bytes(
        "text,code\nОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ,6403 99\n".encode()
        + "КРЫЛЬЯ КУРИНЫЕ,0207 14\n".encode("cp1251")
    )
    r = run("goods", "check", str(tmp_path / "mixed.csv"), "--model", model)
    assert r.exit_code == 1
    assert "mixed.csv: UTF-8 but for line 3, which is not" in r.output


def test_check_reports_declared_codes_that_are_not_codes(files, tmp_path):
    shoes = "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ ECCO MEN 39-45"
    rows = ["id,description,hs_code"] + [
        f"D{i},{shoes},{code}"
        for i, code in enumerate(["6403 99", "64AB", "", "9999 10", "6406 10"], 1)
    ]
    (tmp_path / "decl.csv").write_text("\n".join(rows) + "\n")
    args = ["goods", "check", str(tmp_path / "decl.csv"), "--model"]
    args += [str(files / "model"), "--code-column", "hs_code", "--id-column", "id"]
    r = run(*args, "--json")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    # the codes that are no codes first (no score: nothing to judge)
    assert [f["id"] for f in found] == ["D2", "D3", "D4", "D5"]
    assert [f["declared_code"] for f in found] == ["64AB", "", "999910", "640610"]
    assert [f["score"] for f in found[:3]] == [None, None, 1.0]
    assert all(f["suggested"].split(";")[0] == "6403" for f in found)
    assert found[0]["reason"].startswith("declared code '64AB' is not an HS / TN")
    assert found[1]["reason"].startswith("no declared code; the text reads as 6403")
    assert "999910 is not in the nomenclature at 4 digits" in found[2]["reason"]
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert "4 declared codes" in r.stdout and "64AB" in r.stdout
    assert not re.search(r"\bnan\b", r.stdout)


@pytest.mark.parametrize("name", ["line", "score", "reason"])
def test_check_id_column_named_as_a_findings_column(files, tmp_path, name):
    # The id took the findings' own column's place: 'ValueError: DataFrame
    # columns must be unique for orient='records'' (or 'The column label
    # 'score' is not unique'), after the whole check.
    (tmp_path / "decl.csv").write_text(
        f"{name},description,hs_code\nD1,ОБУВЬ ИЗ НАТУРАЛЬНОЙ КОЖИ ECCO,6406 10\n"
    )
    args = ["goods", "check", str(tmp_path / "decl.csv"), "--model"]
    args += [str(files / "model"), "--code-column", "hs_code", "--id-column", name]
    r = run(*args, "--json", "--out", str(tmp_path / "found.csv"))
    assert r.exit_code == 0, r.output
    [found] = json.loads(r.stdout)
    assert found["line"] == 2 and found["id"] == "D1"
    assert found["declared_code"] == "640610" and found["score"] > 0.95
    header = (tmp_path / "found.csv").read_text().splitlines()[0]
    assert header == "line,id,declared_code,score,suggested,reason"


def test_evaluate_tells_in_sample_by_content_not_by_path(files, tmp_path, monkeypatch):
    # The examples' paths were kept as given, relative to where fit ran, and
    # resolved against where evaluate runs: another folder's ex.csv was
    # called in-sample, and the very file, named from elsewhere, was not.
    import shutil

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(files / "nomenclature.csv", tmp_path / "a" / "nom.csv")
    (tmp_path / "a" / "ex.csv").write_text(
        "text,code\nFROZEN CHICKEN CUTS WINGS IQF,0207 14\n"
        "ОБУВЬ С ВЕРХОМ ИЗ НАТУРАЛЬНОЙ КОЖИ,6403 99\n"
    )
    (tmp_path / "b" / "ex.csv").write_text("text,code\nFROZEN SHRIMPS,0306 17\n")
    monkeypatch.chdir(tmp_path / "a")
    r = run("goods", "fit", "--nomenclature", "nom.csv", "--examples", "ex.csv",
            "--model", "m")  # fmt: skip
    assert r.exit_code == 0, r.output
    monkeypatch.chdir(tmp_path / "b")
    r = run("goods", "evaluate", "ex.csv", "--model", "../a/m")
    assert r.exit_code == 0, r.output
    assert "in-sample" not in r.stderr
    r = run("goods", "evaluate", "../a/ex.csv", "--model", "../a/m")
    assert r.exit_code == 0, r.output
    assert "warning: ../a/ex.csv was used to fit this model" in r.stderr


def test_simulate_goods_out_to_a_file_is_one_line(tmp_path):
    # It was "FileExistsError: [Errno 17] File exists: 'found.csv'".
    (tmp_path / "found.csv").write_text("kept\n")
    out = str(tmp_path / "found.csv")
    r = CliRunner().invoke(main, ["simulate", "goods", "-n", "5", "--out", out])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"cannot write to {out}: it is a file; name a folder" in r.output
    assert (tmp_path / "found.csv").read_text() == "kept\n"


def test_texts_with_brackets_are_shown_as_written(files, tmp_path):
    # Rich read them as markup: "[/b]" failed with a traceback (MarkupError:
    # closing tag '[/b]' doesn't match any open tag), "[red]" vanished.
    text = "НОУТБУК [/b] LENOVO [red] IDEAPAD"
    r = run("goods", "classify", "--model", str(files / "model"), text, "[/] 12")
    assert r.exit_code == 0, r.output
    assert text in r.stdout and "'[/] 12': no words to classify" in r.stdout
    (tmp_path / "decl.csv").write_text(f"id,text,code\n[/i],{text},[/b]\n")
    r = run("goods", "check", str(tmp_path / "decl.csv"), "--model",
            str(files / "model"), "--id-column", "id")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "[/i]" in r.stdout and "'[/b]' is not an HS / TN VED code" in r.stdout


def test_evaluate_with_every_row_skipped_says_why(files, tmp_path):
    # An unlabelled file (meant for check) was told only "no rows with a
    # code and text": the warning of what was skipped, and why, never came.
    (tmp_path / "decl.csv").write_text(
        "text,code\nОБУВЬ ИЗ КОЖИ,\nFROZEN SHRIMPS,\n,0306 17\n"
    )
    r = CliRunner().invoke(
        main,
        ["goods", "evaluate", str(tmp_path / "decl.csv"), "--model",
         str(files / "model")],
    )  # fmt: skip
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert "no rows with a code and text; skipped 3 rows (2 no code, 1 no text)" in (
        r.output
    )
    assert "decl.csv line 2: no code" in r.output


def test_check_passes_over_rows_with_nothing_in_them(files, tmp_path):
    # A spreadsheet leaves ",," rows below its data; each was a finding,
    # "no declared code", as if a declaration line had lost its code.
    (tmp_path / "decl.csv").write_text(
        "id,text,code\nD1,ОБУВЬ ИЗ КОЖИ ECCO,0207 14\n,,\nD3,FROZEN SHRIMPS,\n , ,\n"
    )
    r = run("goods", "check", str(tmp_path / "decl.csv"), "--model",
            str(files / "model"), "--id-column", "id", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert [(f["line"], f["id"]) for f in json.loads(r.stdout)] == [
        (4, "D3"),
        (2, "D1"),
    ]


def test_check_names_rows_by_their_line_as_the_warnings_do(files, tmp_path):
    # check said "row 2" (the second data row) of what evaluate's warning
    # called "line 5": a blank line, a text over two lines and the header
    # were not counted, so the row was not where an editor shows it.
    (tmp_path / "decl.csv").write_text(
        'id,text,code\nD1,ОБУВЬ ИЗ КОЖИ ECCO,6403 99\n\nD2,"ОБУВЬ\nИЗ КОЖИ",XX\n'
        "D3,FROZEN SHRIMPS,6403 99\n"
    )
    model = str(files / "model")
    r = run("goods", "check", str(tmp_path / "decl.csv"), "--model", model,
            "--id-column", "id", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert [(f["line"], f["id"]) for f in json.loads(r.stdout)] == [
        (4, "D2"),
        (6, "D3"),
    ]
    r = run("goods", "evaluate", str(tmp_path / "decl.csv"), "--model", model)
    assert "decl.csv line 4: not an HS / TN VED code 'XX'" in r.stderr
    r = run("goods", "check", str(tmp_path / "decl.csv"), "--model", model)
    assert "┃ line" in r.stdout and "┃ row" not in r.stdout
    # a JSON array's rows are its records, as the warnings name them
    (tmp_path / "decl.json").write_text(
        '[{"text": "ОБУВЬ ИЗ КОЖИ ECCO", "code": "6403 99"},\n'
        ' {"text": "FROZEN SHRIMPS", "code": "6403 99"}]'
    )
    r = run("goods", "check", str(tmp_path / "decl.json"), "--model", model,
            "--json")  # fmt: skip
    assert [f["record"] for f in json.loads(r.stdout)] == [2]
