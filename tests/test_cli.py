from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sarap.cli import main
from sarap.store import Workspace
from tests.conftest import KCS_TRAIN, KCS_VALID, held_open, need_kcs


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sim_files(tmp_path_factory):  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("sim")
    assert (
        run(
            "simulate",
            "declarations",
            "--rows",
            "6000",
            "--seed",
            "3",
            "--months",
            "6",
            "--start",
            "2024-01-01",
            "--out",
            str(d / "all.csv"),
        ).exit_code
        == 0
    )
    rows = list(csv.DictReader((d / "all.csv").open()))
    train = [r for r in rows if r["date"] < "2024-05-01"]
    test = [r for r in rows if r["date"] >= "2024-05-01"]
    for name, part in (("train.csv", train), ("test.csv", test)):
        with (d / name).open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(part)
    return d


def test_fit_score_evaluate_contract(sim_files):
    d = sim_files
    r = run(
        "declarations",
        "fit",
        "--train",
        str(d / "train.csv"),
        "--model",
        str(d / "model"),
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["train_rows"] > 0
    r = run(
        "declarations",
        "score",
        str(d / "test.csv"),
        "--model",
        str(d / "model"),
        "--out",
        str(d / "queue.csv"),
        "--top",
        "3",
    )
    assert r.exit_code == 0, r.output
    queue = list(csv.DictReader((d / "queue.csv").open()))
    assert {"declaration_id", "risk", "rank", "reasons"} <= set(queue[0])
    assert [int(q["rank"]) for q in queue] == list(range(1, len(queue) + 1))
    risks = [float(q["risk"]) for q in queue]
    assert risks == sorted(risks, reverse=True)
    assert queue[0]["reasons"]
    score = ["declarations", "score", str(d / "test.csv"), "--model", str(d / "model")]
    r = run(*score, "--out", str(d / "q10.csv"), "--explain", "10%", "-q")
    assert r.exit_code == 0, r.output
    explained = [bool(q["reasons"]) for q in csv.DictReader((d / "q10.csv").open())]
    assert explained == [i < math.ceil(len(queue) / 10) for i in range(len(queue))]
    for bad in ("a few", "-5", "150%"):
        r = run(*score, "--out", str(d / "qx.csv"), "--explain", bad)
        assert r.exit_code == 2 and "--explain" in r.output
    assert not (d / "qx.csv").exists()
    r = run(*score, "--out", str(d / "q.xlsx"))  # CSV under another name, before
    assert r.exit_code == 1 and "name it *.csv" in r.output
    assert not (d / "q.xlsx").exists()
    r = run(
        "declarations",
        "evaluate",
        str(d / "test.csv"),
        "--model",
        str(d / "model"),
        "--json",
    )
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout.strip().splitlines()[-1])
    for k in (1, 2, 5, 10):
        assert 0 <= m[f"precision@{k}%"] <= 1 and 0 <= m[f"recall@{k}%"] <= 1
    assert m["n"] == len(queue) and m["positives"] > 0


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _dropping_ctrl_c(fn):  # type: ignore[no-untyped-def]
    """``fn`` as if a Ctrl-C came while it ran and DuckDB dropped it: the
    CLI's handler records it, nothing raises it."""
    from sarap import errors

    def dropped(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = fn(*args, **kwargs)
        errors._interrupted.set()
        return result

    return dropped


@pytest.fixture
def no_ctrl_c_left():  # type: ignore[no-untyped-def]
    from sarap import errors

    yield
    errors._interrupted.clear()


def test_a_ctrl_c_duckdb_dropped_stops_fit_score_and_evaluate(
    sim_files, tmp_path, monkeypatch, no_ctrl_c_left
):  # type: ignore[no-untyped-def]
    # They went on to the end and exited 0, as if never interrupted.
    import sarap.agents._declarations as decl
    import sarap.agents._queue as jobs
    import sarap.cli

    d = sim_files
    fit = ["declarations", "fit", "--train", str(d / "train.csv")]
    model = tmp_path / "model"
    assert run(*fit, "--model", str(model)).exit_code == 0
    saved = _files(model)
    score = ["declarations", "score", str(d / "test.csv"), "--model", str(model)]
    queue = tmp_path / "queue.csv"
    queue.write_text("the queue of last week\n")
    with monkeypatch.context() as m:  # while fitting: no model saved
        m.setattr(
            decl.DeclarationRiskRanker,
            "fit",
            _dropping_ctrl_c(decl.DeclarationRiskRanker.fit),
        )
        r = CliRunner().invoke(main, [*fit, "--model", str(model), "--seed", "1"])
    assert r.exit_code == 130 and "interrupted: nothing was changed" in r.stderr
    assert _files(model) == saved
    with monkeypatch.context() as m:  # while ranking: no queue written
        m.setattr(jobs, "rank_declarations", _dropping_ctrl_c(jobs.rank_declarations))
        r = CliRunner().invoke(main, [*score, "--out", str(queue)])
        assert r.exit_code == 130 and "interrupted: nothing was changed" in r.stderr
        assert queue.read_text() == "the queue of last week\n"
        r = CliRunner().invoke(
            main,
            [
                "declarations",
                "evaluate",
                str(d / "test.csv"),
                "--model",
                str(model),
                "--json",
            ],
        )
        assert r.exit_code == 130 and r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "queue.csv"]
    with monkeypatch.context() as m:  # once written: it says so
        m.setattr(sarap.cli, "print_queue", _dropping_ctrl_c(sarap.cli.print_queue))
        r = CliRunner().invoke(main, [*score, "--out", str(queue)])
    assert r.exit_code == 130
    said = r.stderr[r.stderr.rindex("interrupted:") :]
    # Compared without whitespace: stderr is wrapped, long paths mid-word.
    assert "".join(said.split()) == f"interrupted:thequeuewaswrittento{queue}"
    assert len(list(csv.DictReader(queue.open()))) > 0  # the whole queue


def test_a_ctrl_c_while_compiling_says_the_model_was_saved(
    sim_files, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # fit saves the model, then compiles it for big batches: a Ctrl-C there
    # said "nothing was changed".
    import sarap.agents._declarations as decl
    import sarap.agents._queue as jobs

    model = tmp_path / "model"
    monkeypatch.setattr(jobs, "SMALL", 0)  # compile after any fit
    monkeypatch.setattr(decl, "SMALL", 0)
    monkeypatch.setattr(decl.DeclarationRiskRanker, "compile_for_batches", _ctrl_c)
    r = CliRunner().invoke(
        main,
        [
            "declarations",
            "fit",
            "--train",
            str(sim_files / "train.csv"),
            "--model",
            str(model),
        ],
    )
    assert r.exit_code == 130
    said = " ".join(r.stderr[r.stderr.rindex("interrupted:") :].split())
    assert said == (
        f"interrupted: the model was saved to {model}; compiling it for big "
        "batches was cut short (sarap declarations score --compile does it)"
    )
    assert (model / "model.json").is_file()


def test_fit_and_score_through_a_workspace(sim_files, tmp_path):
    ws = str(tmp_path / "w.duckdb")
    assert run("ingest", str(sim_files / "train.csv"), "-w", ws).exit_code == 0
    test_rows = list(csv.DictReader((sim_files / "test.csv").open()))
    for r in test_rows:  # not inspected yet
        r["fraud"] = r["additional_revenue"] = ""
    with (tmp_path / "new.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(test_rows[0]))
        w.writeheader()
        w.writerows(test_rows)
    r = run("ingest", str(tmp_path / "new.csv"), "-w", ws, "--json")
    assert json.loads(r.stdout)[0]["outcomes_loaded"] == 0
    assert (
        run("declarations", "fit", "-w", ws, "--model", str(tmp_path / "m")).exit_code
        == 0
    )
    r = run(
        "declarations",
        "score",
        "-w",
        ws,
        "--model",
        str(tmp_path / "m"),
        "--out",
        str(tmp_path / "q.csv"),
        "-q",
    )
    assert r.exit_code == 0, r.output
    ids = {q["declaration_id"] for q in csv.DictReader((tmp_path / "q.csv").open())}
    assert ids == {r["declaration_id"] for r in test_rows}


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["ingest", "missing.csv", "-w", "{tmp}/w.duckdb"],
            "missing.csv: no such file",
        ),
        (
            [
                "declarations",
                "score",
                "{tmp}/x.csv",
                "--model",
                "{tmp}/nomodel",
                "--out",
                "{tmp}/q.csv",
            ],
            "not a sarap model folder",
        ),
        (
            ["declarations", "fit", "--train", "{tmp}/bad.csv", "--model", "{tmp}/m"],
            "missing required column(s) 'importer_id'",
        ),
        (
            ["ingest", "{tmp}/bad.csv", "-w", "{tmp}/w.duckdb", "--encoding", "nope"],
            "unknown encoding 'nope'",
        ),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    (tmp_path / "bad.csv").write_text("declaration_id,date\nA,2024-01-01\n")
    (tmp_path / "x.csv").write_text("declaration_id\nA\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = CliRunner().invoke(main, args)
    assert r.exit_code != 0
    assert "Traceback" not in r.output
    err_lines = [line for line in r.stderr.splitlines() if line.startswith("Error")]
    assert len(err_lines) == 1 and message in err_lines[0], r.output


def _tiny_model(folder: Path) -> None:
    """A declarations model fitted on ten lines, in a second."""
    rows = "declaration_id,date,importer_id,hs_code,customs_value,fraud\n"
    rows += "".join(
        f"D{i},2024-01-01,I{i % 3},8517{i:02},{i}00,{i % 2}\n" for i in range(10)
    )
    (folder.parent / "tiny.csv").write_text(rows)
    fit = ["declarations", "fit", "--train", str(folder.parent / "tiny.csv")]
    assert run(*fit, "--model", str(folder)).exit_code == 0


@pytest.mark.parametrize("command", ["fit", "score"])
def test_a_workspace_that_is_not_there_is_told_and_not_made(tmp_path, command):
    # A slip in -w made a new, empty workspace file and said it had no
    # declarations to learn from or to score.
    ws = tmp_path / "slip.duckdb"
    args = ["declarations", command, "-w", str(ws), "--model", str(tmp_path / "m")]
    if command == "score":
        _tiny_model(tmp_path / "m")
        args += ["--out", str(tmp_path / "q.csv")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1 and not ws.exists()
    assert r.output.splitlines()[-1] == (
        f"Error: {ws}: no such workspace (create it with sarap ingest)"
    )


def test_score_does_not_write_the_queue_over_the_declarations(sim_files, tmp_path):
    # --out naming the file scored: the queue replaced the declarations.
    d = tmp_path / "d.csv"
    d.write_bytes((sim_files / "test.csv").read_bytes())
    _tiny_model(tmp_path / "m")
    r = CliRunner().invoke(
        main,
        ["declarations", "score", str(d), "--model", str(tmp_path / "m"),
         "--out", str(tmp_path / "." / "d.csv")],
    )  # fmt: skip
    assert r.exit_code == 1
    assert r.output == (
        f"Error: cannot write {tmp_path / '.' / 'd.csv'}: it is a file to score; "
        "name another file\n"
    )
    assert d.read_bytes() == (sim_files / "test.csv").read_bytes()


def test_real_command_exits_nonzero_with_one_line(tmp_path):
    exe = Path(sys.executable).with_name("sarap")
    p = subprocess.run(
        [
            str(exe),
            "ingest",
            str(tmp_path / "nope.csv"),
            "-w",
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "no such file" in p.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_ingest_leaves_the_workspace_as_it_was(tmp_path, sig):
    from sarap.pipeline import ingest
    from sarap.simulate import simulate_declarations, write_table

    write_table(simulate_declarations(2000, seed=1), tmp_path / "small.csv")
    write_table(simulate_declarations(1_500_000, seed=2), tmp_path / "big.csv")
    ws_path = tmp_path / "w.duckdb"
    with Workspace(ws_path) as ws:
        ingest(ws, tmp_path / "small.csv")
        before = {
            t: ws.count(t)
            for t in ("declarations", "outcomes", "quarantine", "ingest_batches")
        }
    exe = Path(sys.executable).with_name("sarap")
    proc = subprocess.Popen(
        [str(exe), "ingest", str(tmp_path / "big.csv"), "-w", str(ws_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "120"},
    )
    time.sleep(3.0)
    assert proc.poll() is None, "ingest finished before it could be interrupted"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in stderr
    with Workspace(ws_path) as ws:
        after = {t: ws.count(t) for t in before}
    assert after == before


def _ctrl_c(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Stands in for a function a Ctrl-C interrupts."""
    raise KeyboardInterrupt


def _simulated_files(folder: Path, n: int) -> list[str]:
    """``n`` CSV files of 300 simulated declaration lines each, d0.csv ..."""
    from sarap.simulate import simulate_declarations, write_table

    files = [str(folder / f"d{i}.csv") for i in range(n)]
    for i, f in enumerate(files):
        write_table(simulate_declarations(300, seed=i), f)
    return files


def test_messages_keep_a_long_path_on_one_line_in_a_log(tmp_path):
    # Written to a log or a pipe, rich folded each message at 80 columns, a
    # path too: it could not be copied, and two tests failed whenever
    # pytest's temporary folder had a long enough name.
    folder = tmp_path / ("таможня_" * 12)
    folder.mkdir()
    (file,) = _simulated_files(folder, 1)
    r = CliRunner().invoke(main, ["ingest", file, "-w", str(tmp_path / "w.duckdb")])
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert f"✓ importing {file}" in lines
    assert any(x.startswith(f"{file}: read 300 rows, loaded 300, ") for x in lines)


def test_ingest_interrupted_in_a_later_file_says_what_was_imported(
    tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # Each file is its own transaction: the first stays imported, the
    # message says so instead of "nothing was changed".
    import sarap.pipeline

    files = _simulated_files(tmp_path, 3)
    real = sarap.pipeline.ingest
    calls = []

    def interrupted_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    def interrupted_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(sarap.pipeline, "ingest", interrupted_second)
    ws_path = str(tmp_path / "w.duckdb")
    r = CliRunner().invoke(main, ["ingest", *files, "-w", ws_path])
    assert r.exit_code == 130
    said = " ".join(r.stderr[r.stderr.rindex("interrupted:") :].split())
    assert said == (
        f"interrupted: {files[0]} was imported; {files[1]} and any after it were "
        "not (the same command again skips the rows already in)"
    )
    with Workspace(ws_path) as ws:
        files_in = ws.sql("SELECT DISTINCT file FROM ingest_batches").column(0)
        assert [Path(f).name for f in files_in.to_pylist()] == ["d0.csv"]
    calls.clear()  # interrupted in its first file: nothing was imported
    monkeypatch.setattr(sarap.pipeline, "ingest", interrupted_first)
    r = CliRunner().invoke(main, ["ingest", files[1], files[2], "-w", ws_path])
    assert r.exit_code == 130 and "interrupted: nothing was changed" in r.stderr


def test_ingest_interrupted_just_after_its_commit_says_it_was_imported(
    tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # A Ctrl-C can land a moment after the commit: the file is in, and the
    # message must say so (it said "nothing was changed").
    import sarap.backends.duckdb
    import sarap.pipeline._ingest

    files = _simulated_files(tmp_path, 3)

    ws_path = str(tmp_path / "w.duckdb")
    with monkeypatch.context() as m:  # runs right after the commit
        m.setattr(sarap.pipeline._ingest, "_drop_prepared", _ctrl_c)
        r = CliRunner().invoke(main, ["ingest", *files[:2], "-w", ws_path])
    assert r.exit_code == 130
    stderr = " ".join(r.stderr.split())
    assert f"{files[0]}: read 300 rows, loaded 300, " in stderr
    assert "inspection outcomes, 0 already in workspace, quarantined 0" in stderr
    said = stderr[stderr.rindex("interrupted:") :]
    assert said == (
        f"interrupted: {files[0]} was imported (the interrupt came just after it "
        f"was saved); {files[1]} and any after it were not (the same command "
        "again skips the rows already in)"
    )
    with monkeypatch.context() as m:  # runs right before the commit
        m.setattr(sarap.backends.duckdb, "raise_if_interrupted", _ctrl_c)
        r = CliRunner().invoke(main, ["ingest", files[1], "-w", ws_path])
    assert r.exit_code == 130 and "interrupted: nothing was changed" in r.stderr
    with Workspace(ws_path) as ws:
        files_in = ws.sql("SELECT file FROM ingest_batches").column(0).to_pylist()
        assert [Path(f).name for f in files_in] == ["d0.csv"]
        assert ws.count("declarations") == 300
    with monkeypatch.context() as m:  # a Ctrl-C DuckDB dropped after the commit
        from sarap import errors

        m.setattr(
            sarap.pipeline._ingest,
            "_drop_prepared",
            lambda *a, **k: errors._interrupted.set(),
        )
        try:
            r = CliRunner().invoke(main, ["ingest", files[2], "-w", ws_path])
        finally:
            errors._interrupted.clear()
    assert r.exit_code == 130  # it exited 0, its summary as if not interrupted
    assert f"interrupted: {files[2]} was imported (the interrupt came just" in (
        " ".join(r.stderr.split())
    )


def test_ingest_json_tells_a_file_saved_just_before_the_interrupt(
    tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # The file is in: --json lists it as it lists any saved file (it listed
    # only the files saved before it), and the exit is still 130.
    import sarap.pipeline._ingest

    files = _simulated_files(tmp_path, 2)

    ws_path = str(tmp_path / "w.duckdb")
    assert run("ingest", files[0], "-w", ws_path, "--json").exit_code == 0
    with monkeypatch.context() as m:  # runs right after the commit
        m.setattr(sarap.pipeline._ingest, "_drop_prepared", _ctrl_c)
        r = CliRunner().invoke(main, ["ingest", files[1], "-w", ws_path, "--json"])
    assert r.exit_code == 130
    [told] = json.loads(r.stdout)
    assert (told["file"], told["rows_read"]) == (files[1], 300)
    assert told["loaded"] + told["duplicates"] == 300 and told["loaded"] > 0
    with Workspace(ws_path) as ws:
        last = ws.sql("SELECT batch_id FROM ingest_batches WHERE file = ?", [files[1]])
        assert told["batch_id"] == last.column(0)[0].as_py()


def test_a_file_saved_just_before_the_interrupt_is_told_in_full(
    fixture_csv, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # Its summary comes from the import record: the same as an import that
    # was not interrupted, reasons and outcomes included (it had neither).
    import sarap.pipeline._ingest

    told = {}
    for how in ("normal", "late"):
        with monkeypatch.context() as m:
            if how == "late":  # runs right after the commit
                m.setattr(sarap.pipeline._ingest, "_drop_prepared", _ctrl_c)
            for fmt in ("text", "json"):
                ws_path = str(tmp_path / f"{how}-{fmt}.duckdb")
                args = ["ingest", str(fixture_csv), "-w", ws_path]
                r = CliRunner().invoke(main, args + ["--json"] * (fmt == "json"))
                assert r.exit_code == (130 if how == "late" else 0)
                if fmt == "json":
                    [told[how, fmt]] = json.loads(r.stdout)
                    del told[how, fmt]["batch_id"]
                else:  # the summary, up to the line on the interrupt
                    # without whitespace: stderr is wrapped, long paths mid-word
                    said = "".join(r.stderr.split())
                    said = said[said.index(f"{fixture_csv}:read") :]
                    told[how, fmt] = said.split("interrupted:")[0]
    assert told["late", "json"] == told["normal", "json"]
    assert told["normal", "json"]["reasons"]["bad date (column 'date')"] == 1
    assert told["normal", "json"]["outcomes_loaded"] > 0
    assert told["late", "text"] == told["normal", "text"]


def test_ingest_of_several_files_tells_those_saved_before_one_failed(tmp_path):
    # Each file is its own transaction: the ones before the failure stay in,
    # and their summaries were lost with the error.
    from sarap.simulate import simulate_declarations, write_table

    a, bad, c = (str(tmp_path / n) for n in ("a.csv", "bad.csv", "c.csv"))
    write_table(simulate_declarations(300, seed=1), a)
    write_table(simulate_declarations(300, seed=2), c)
    (tmp_path / "bad.csv").write_text("declaration_id,date\nA,2024-01-01\n")
    ws_path = str(tmp_path / "w.duckdb")
    r = CliRunner().invoke(main, ["ingest", a, bad, c, "-w", ws_path])
    assert r.exit_code == 1 and "Traceback" not in r.output
    stderr = " ".join(r.stderr.split())
    assert f"{a}: read 300 rows, loaded 300," in stderr
    assert (
        f"{a} was imported; {bad} and {c} were not (the same command again skips "
        "the rows already in)"
    ) in stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error")]
    assert errors == [
        f"Error: {bad}: missing required column(s) 'importer_id', 'hs_code', "
        "'customs_value' for mapping 'identity'"
    ]
    r = CliRunner().invoke(main, ["ingest", c, "nope.csv", "-w", ws_path, "--json"])
    assert r.exit_code == 1
    assert [d["file"] for d in json.loads(r.stdout)] == [c]
    assert "Error: nope.csv: no such file" in r.stderr
    with Workspace(ws_path) as ws:
        files_in = ws.sql("SELECT file FROM ingest_batches").column(0).to_pylist()
        assert files_in == [a, c]


@pytest.mark.parametrize("given", [[], ["--mapping", "kcs"]])
def test_a_kcs_file_short_of_a_column_is_told_which(tmp_path, given):
    # Without --mapping it was told it lacked the data-model names
    # (declaration_id, importer_id, ...), as if it were not a KCS file.
    from sarap.pipeline import load_mapping

    header = [*load_mapping("kcs").columns.values(), "Critical Fraud"]
    header.remove("Importer ID")
    path = tmp_path / "kcs.csv"
    path.write_text(",".join(header) + "\n" + ",".join("1" * len(header)) + "\n")
    r = CliRunner().invoke(
        main, ["ingest", str(path), "-w", str(tmp_path / "w.duckdb"), *given]
    )
    assert r.exit_code == 1 and "Traceback" not in r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error")]
    assert errors == [
        f"Error: {path}: missing required column(s) 'Importer ID' (importer_id) "
        "for mapping 'kcs'"
    ]


@pytest.mark.slow
def test_contract_on_the_public_dataset(tmp_path):
    need_kcs()
    model = str(tmp_path / "kcs")
    r = run(
        "declarations",
        "fit",
        "--train",
        str(KCS_TRAIN),
        "--mapping",
        "kcs",
        "--model",
        model,
        "--json",
    )
    assert r.exit_code == 0, r.output
    r = run("declarations", "evaluate", str(KCS_VALID), "--model", model, "--json")
    m = json.loads(r.stdout.strip().splitlines()[-1])
    assert m["n"] == 8134 and m["positives"] == 1704
    assert m["precision@5%"] >= 0.90 and m["precision@10%"] >= 0.80, m
    r = run(
        "declarations",
        "score",
        str(KCS_VALID),
        "--model",
        model,
        "--out",
        str(tmp_path / "q.csv"),
        "-q",
    )
    assert r.exit_code == 0
    assert sum(1 for _ in (tmp_path / "q.csv").open()) == 8134 + 1


def test_demo_writes_queue_and_report(tmp_path):
    r = run("demo", "--dir", str(tmp_path), "--rows", "8000")
    assert r.exit_code == 0, r.output
    queue = list(csv.DictReader((tmp_path / "queue.csv").open()))
    html = (tmp_path / "report.html").read_text()
    # the report lists the top of the queue, with its reasons
    for q in queue[:5]:
        assert q["declaration_id"] in html
        assert q["reasons"].split("; ")[0] in html.replace("&gt;", ">")
    assert "Back-test" in r.stdout and "report.html" in r.stdout
    with Workspace(tmp_path / "sarap.duckdb") as ws:
        assert ws.count("declarations") > 7000
        assert ws.count("parties") > 0


def test_an_interrupted_demo_says_it_is_incomplete(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import sarap.demo

    (tmp_path / "sarap.duckdb").write_text("a previous demo")

    def ctrl_c(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(sarap.demo, "simulate_declarations", ctrl_c)
    r = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 130
    said = " ".join(r.stderr[r.stderr.rindex("interrupted:") :].split())
    assert said == (
        f"interrupted: the demo in {tmp_path} is incomplete (sarap demo again "
        "rebuilds it)"
    )
    assert not (tmp_path / "sarap.duckdb").exists()  # the previous one is gone


def test_evaluate_warns_on_a_file_the_model_learnt_from(sim_files, tmp_path):
    d = sim_files
    model = str(tmp_path / "m")
    assert (
        run(
            "declarations",
            "fit",
            "--train",
            str(d / "train.csv"),
            "--model",
            model,
            "--json",
        ).exit_code
        == 0
    )
    r = run(
        "declarations", "evaluate", str(d / "train.csv"), "--model", model, "--json"
    )
    assert (
        f"warning: {d / 'train.csv'} was used to fit this model; these figures are "
        "in-sample, not a back-test"
    ) in r.stderr.splitlines()  # one line, not cut at 80 columns
    r = run("declarations", "evaluate", str(d / "test.csv"), "--model", model, "--json")
    assert "in-sample" not in r.stderr


def test_evaluate_on_a_file_without_fraud_leaves_recall_undefined(sim_files, tmp_path):  # type: ignore[no-untyped-def]
    # No fraud to find: recall was reported as 0.0, as if the model missed it.
    d = sim_files
    model = str(tmp_path / "m")
    r = run("declarations", "fit", "--train", str(d / "train.csv"), "--model", model)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader((d / "test.csv").open()))
    with (tmp_path / "clean.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**row, "fraud": "0"} for row in rows)
    evaluate = ["declarations", "evaluate", str(tmp_path / "clean.csv")]
    evaluate += ["--model", model]
    r = run(*evaluate, "--json")
    assert r.exit_code == 0, r.output
    m = json.loads(r.stdout.strip().splitlines()[-1])
    assert m["positives"] == 0 and m["auc"] is None
    for k in (1, 2, 5, 10):
        assert m[f"recall@{k}%"] is None and m[f"precision@{k}%"] == 0.0
    r = run(*evaluate)
    assert r.exit_code == 0, r.output
    row = [line for line in r.stdout.splitlines() if "top 10%" in line][0]
    assert [c.strip() for c in row.split("│")[1:-1]] == ["top 10%", "0.000", "n/a"]
    assert "recall n/a: no fraud in the file to find" in r.stdout


@pytest.mark.slow  # compiles three boosters (about 15 s)
def test_score_says_when_trees_are_not_compiled_here(sim_files, tmp_path, monkeypatch):
    """A model fitted on another machine (or whose cache was cleared) scores
    big batches with LightGBM: the command says so, and --compile fixes it
    for later runs, with the same queue."""
    from sarap.agents import _compiled, _declarations

    d = sim_files
    model = str(tmp_path / "m")
    fit = ["declarations", "fit", "--train", str(d / "train.csv"), "--model", model]
    assert run(*fit).exit_code == 0  # too small to be compiled at fit
    monkeypatch.setenv("SARAP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(_compiled, "_loaded", {})
    monkeypatch.setattr(_declarations, "SMALL", 100)  # the test file is "big"
    score = ["declarations", "score", str(d / "test.csv"), "--model", model]
    r = run(*score, "--out", str(tmp_path / "q1.csv"), "--top", "0")
    assert r.exit_code == 0, r.output
    assert "not compiled on this machine" in r.stderr and "--compile" in r.stderr
    r = run(*score, "--out", str(tmp_path / "q2.csv"), "--top", "0", "--compile")
    assert r.exit_code == 0, r.output
    assert "not compiled" not in r.stderr
    assert len(list((tmp_path / "cache" / "compiled").glob("*.so"))) == 3
    r = run(*score, "--out", str(tmp_path / "q3.csv"), "--top", "0")
    assert "not compiled" not in r.stderr  # found in the cache from now on
    q1, q3 = (list(csv.DictReader((tmp_path / q).open())) for q in ("q1.csv", "q3.csv"))
    assert [q["declaration_id"] for q in q1] == [q["declaration_id"] for q in q3]
    assert [q["reasons"] for q in q1] == [q["reasons"] for q in q3]
    risks = [(float(a["risk"]), float(b["risk"])) for a, b in zip(q1, q3, strict=True)]
    assert max(abs(a - b) for a, b in risks) < 1e-12


def test_the_queue_shows_ids_and_reasons_as_written():
    # Rich read them as markup: an id or reason with "[/b]" stopped the
    # table with a MarkupError, and "[red]" vanished from it.
    import pyarrow as pa
    from rich.console import Console

    from sarap._console import print_queue

    queue = pa.table(
        {
            "rank": [1],
            "declaration_id": ["D[/b]1"],
            "importer_id": ["[red]IMP"],
            "hs_code": ["851712"],
            "customs_value": [1000.0],
            "currency": ["USD"],
            "risk": [0.5],
            "reasons": ["seller [/x] new; route CN->KZ"],
        }
    )
    console = Console(width=200, record=True)
    print_queue(queue, 5, console)
    shown = console.export_text()
    assert "D[/b]1" in shown and "[red]IMP" in shown and "seller [/x] new" in shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["transfers", "--accounts", "5"], "--accounts must be at least 100, got 5"),
        (["transfers", "--accounts", "500", "--transfers", "-5"], "--transfers must"),
        (["economy", "--taxpayers", "5"], "--taxpayers must be an integer of at least"),
        (["economy", "--months", "0"], "--months must be an integer from 1 to 120"),
        (
            ["economy", "--start", "soon"],
            "--start must be an ISO date from 1900-01-01 to 2099-12-31, got 'soon'",
        ),
        (["economy", "--countries", ""], "--countries must name two or more"),
        (
            ["economy", "--countries", "KZ,kz"],
            "--countries must name two or more different ones, got KZ",
        ),
        (["economy", "--countries", "KZ,XX"], "--countries must be some of"),
        (["declarations", "--rows", "0"], "--rows must be a positive integer, got 0"),
        (["declarations", "--months", "0"], "--months must be a positive integer"),
        # dates "<value out of range>", ids that repeat
        (
            ["declarations", "--months", "100000000"],
            "--months must be a positive integer of at most 1200, got 100000000",
        ),
        (["declarations", "--fraud-rate", "2"], "--fraud-rate must be between 0"),
        (["declarations", "--start", "soon"], "--start must be an ISO date"),
        (["goods", "--examples", "0"], "--examples must be at least 1, got 0"),
        # NumPy's words, "ValueError: expected non-negative integer", before
        (["declarations", "--seed", "-1"], "--seed must be 0 or more, got -1"),
        (["transfers", "--seed", "-2"], "--seed must be 0 or more, got -2"),
        (["economy", "--seed", "-1"], "--seed must be 0 or more, got -1"),
        (["goods", "--seed", "-1"], "--seed must be 0 or more, got -1"),
        # NumPy reads both: year 20244 dates were written, no dates at all,
        # or (the economy) an OverflowError traceback
        (
            ["declarations", "--start", "20244-01-01"],
            "--start must be an ISO date from",
        ),
        (["declarations", "--start", "NaT"], "--start must be an ISO date from"),
        (["economy", "--start", "NaT"], "--start must be an ISO date from 1900"),
        (["economy", "--start", "20244-01-01"], "--start must be an ISO date from"),
        # "wrote d.csv and d.csv": the parties, over the declarations
        (
            ["declarations", "--rows", "50", "--parties", "{out}"],
            "--parties {out} is the --out file; name another file",
        ),
    ],
)
def test_simulate_names_the_option_in_one_line(tmp_path, args, message):
    out = str(tmp_path / ("d.csv" if args[0] == "declarations" else "d"))
    args = [a.replace("{out}", out) for a in args]
    message = message.replace("{out}", out)
    r = CliRunner().invoke(main, ["simulate", *args, "--out", out])
    assert r.exit_code == 1
    assert r.output.count("\n") == 1 and "Traceback" not in r.output
    assert r.output.startswith(f"Error: {message}"), r.output


@pytest.mark.parametrize("command", ["economy", "transfers"])
def test_simulate_into_a_file_is_refused_before_the_work(
    tmp_path, monkeypatch, command
):
    # "it is a file; name a folder" came after the simulation (minutes for a
    # big economy).
    import sarap.simulate
    import sarap.simulate._transfers

    def not_now(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("simulated before the check")

    monkeypatch.setattr(sarap.simulate, "simulate_economy", not_now)
    monkeypatch.setattr(sarap.simulate._transfers, "simulate_transfers", not_now)
    (tmp_path / "x.csv").write_text("kept")
    r = CliRunner().invoke(
        main, ["simulate", command, "--out", str(tmp_path / "x.csv")]
    )
    assert r.exit_code == 1
    assert r.output == (
        f"Error: cannot write to {tmp_path / 'x.csv'}: it is a file; name a folder\n"
    )


def test_simulate_past_the_memory_says_so_in_one_line(tmp_path, monkeypatch):
    # --rows 10000000000000 ended with NumPy's MemoryError traceback
    # ("Unable to allocate 1.82 TiB ..."); raised here rather than tried.
    import sarap.simulate

    def too_big(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise MemoryError("Unable to allocate 1.82 TiB for an array")

    monkeypatch.setattr(sarap.simulate, "simulate_declarations", too_big)
    out = tmp_path / "d.csv"
    r = CliRunner().invoke(main, ["simulate", "declarations", "--out", str(out)])
    assert r.exit_code == 1 and not out.exists()
    assert r.stderr.splitlines()[-1] == (
        "Error: not enough memory (Unable to allocate 1.82 TiB for an array)"
    )


@pytest.mark.parametrize(
    "args, files",
    [
        (["transfers", "--accounts", "100", "--transfers", "300"], 2),
        (["economy", "--taxpayers", "100", "--months", "1"], 7),
        (["goods", "--examples", "20"], 2),
        (["declarations", "--rows", "50", "--parties", "{tmp}/p.csv"], 2),
    ],
)
def test_simulate_interrupted_half_way_leaves_the_earlier_files(
    tmp_path, monkeypatch, args, files
):
    import pandas as pd
    import pyarrow.csv as pacsv

    out = tmp_path / ("d.csv" if args[0] == "declarations" else "out")
    args = [a.replace("{tmp}", str(tmp_path)) for a in ["simulate", *args]]
    assert run(*args, "--seed", "1", "--out", str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert len(before) == files
    written = []

    def ctrl_c_at_the_second(write):  # type: ignore[no-untyped-def]
        def once(*a, **kw):  # type: ignore[no-untyped-def]
            written.append(a)
            if len(written) == 2:
                raise KeyboardInterrupt
            return write(*a, **kw)

        return once

    monkeypatch.setattr(pacsv, "write_csv", ctrl_c_at_the_second(pacsv.write_csv))
    monkeypatch.setattr(
        pd.DataFrame, "to_csv", ctrl_c_at_the_second(pd.DataFrame.to_csv)
    )
    r = CliRunner().invoke(main, [*args, "--seed", "2", "--out", str(out)])
    assert r.exit_code == 130, r.output
    after = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(
    "fraud, found",
    [("0", "none of {n:,} lines is fraud"), ("1", "all {n:,} are fraud")],
)
def test_fit_on_one_outcome_says_which_in_one_line(sim_files, tmp_path, fraud, found):
    rows = list(csv.DictReader((sim_files / "train.csv").open()))
    with (tmp_path / "one.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "fraud": fraud} for r in rows)
    cmd = ["declarations", "fit", "--train", str(tmp_path / "one.csv")]
    r = CliRunner().invoke(main, [*cmd, "--model", str(tmp_path / "m")])
    assert r.exit_code == 1 and not (tmp_path / "m").exists()
    assert r.stderr.splitlines()[-1] == (
        f"Error: the training declarations: {found.format(n=len(rows))}; "
        "a model learns from both frauds and non-frauds"
    )


def test_fit_refuses_a_valid_file_without_fraud(sim_files, tmp_path):
    rows = list(csv.DictReader((sim_files / "test.csv").open()))
    with (tmp_path / "clean.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "fraud": "0"} for r in rows)
    cmd = ["declarations", "fit", "--train", str(sim_files / "train.csv")]
    cmd += ["--valid", str(tmp_path / "clean.csv"), "--model", str(tmp_path / "m")]
    r = CliRunner().invoke(main, cmd)
    assert r.exit_code == 1 and not (tmp_path / "m").exists()
    assert r.stderr.splitlines()[-1] == (
        f"Error: the validation declarations: none of {len(rows):,} lines is "
        "fraud; boosting stops when their ranking stops improving, which needs "
        "frauds and non-frauds"
    )


@pytest.mark.parametrize("explain", ["0", "2", "1%"])
def test_score_prints_the_queue_beyond_the_explained(sim_files, tmp_path, explain):
    d = sim_files
    m, q = str(tmp_path / "m"), str(tmp_path / "q.csv")
    fit = run("declarations", "fit", "--train", str(d / "train.csv"), "--model", m)
    assert fit.exit_code == 0, fit.output
    r = run("declarations", "score", str(d / "test.csv"), "--model", m, "--out", q,
            "--explain", explain)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Inspection queue: top 10 of" in r.stdout
    queue = list(csv.DictReader(open(q)))
    explained = [row for row in queue if row["reasons"]]
    assert (
        len(explained) == {"0": 0, "2": 2, "1%": math.ceil(len(queue) / 100)}[explain]
    )


@pytest.mark.parametrize("top", ["-1", "-10"])
def test_score_refuses_a_negative_top_before_the_work(sim_files, tmp_path, top):
    # It printed no rows and said nothing of why; 0 is for no rows.
    q = tmp_path / "q.csv"
    r = run("declarations", "score", str(sim_files / "test.csv"), "--model",
            str(tmp_path / "no_model"), "--out", str(q), "--top", top)  # fmt: skip
    assert r.exit_code == 2 and not q.exists()
    assert r.stderr.splitlines()[-1] == (
        f"Error: Invalid value for --top: {top}: use a number of rows, or 0 for none"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rows", "10"], "--rows must be at least 1,000 for the demo"),
        (["--taxpayers", "5"], "--taxpayers must be at least 100"),
        (
            ["--dir", "{tmp}/a_file"],
            "cannot use {tmp}/a_file for the demo: it is a file",
        ),
    ],
)
def test_demo_refuses_what_it_cannot_run_before_any_work(tmp_path, args, message):
    (tmp_path / "a_file").write_text("kept")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--dir" not in args:
        args += ["--dir", str(tmp_path / "demo")]
    r = CliRunner().invoke(main, ["demo", *args])
    assert r.exit_code == 1
    assert r.output == f"Error: {message.replace('{tmp}', str(tmp_path))}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]


def test_a_fit_does_not_replace_another_agents_model(sim_files, tmp_path):
    # A slip in --model replaced the network model kept there with a
    # declarations model, without a word (score and evaluate refuse it).
    folder = tmp_path / "network_model"
    folder.mkdir()
    (folder / "model.json").write_text('{"agent": "NetworkRiskScorer"}')
    (folder / "booster.txt").write_text("the network model")
    train = str(sim_files / "train.csv")
    r = run("declarations", "fit", "--train", train, "--model", str(folder))
    assert r.exit_code == 1
    assert "holds a NetworkRiskScorer model" in r.output
    assert "learning" not in r.output  # refused before the work
    assert (folder / "booster.txt").read_text() == "the network model"
    r = run(
        "goods", "fit", "--nomenclature", train, "--text-column", "description",
        "--code-column", "hs_code", "--model", str(folder),
    )  # fmt: skip
    assert r.exit_code == 1 and "holds a NetworkRiskScorer model" in r.output
    # The library refuses it as well, at save.
    from sarap.agents._queue import fit_model, read_lines
    from sarap.errors import SarapError

    with pytest.raises(SarapError, match="holds a NetworkRiskScorer model"):
        fit_model(read_lines([train]).table, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["booster.txt", "model.json"]


def test_fit_warns_when_valid_lines_are_training_lines(sim_files, tmp_path):
    # --valid the training file, a copy re-saved by Excel (";" and decimal
    # commas) or a month of it: boosting stopped by in-sample figures,
    # without a word.
    train = sim_files / "train.csv"
    rows = list(csv.DictReader(train.open()))
    month = [
        {**r, "customs_value": r["customs_value"].replace(".", ",")}
        for r in rows
        if r["date"] >= "2024-04-01"
    ]
    with (tmp_path / "april.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(month)
    cmd = ["declarations", "fit", "--train", str(train), "--model", str(tmp_path / "m")]
    r = run(*cmd, "--valid", str(tmp_path / "april.csv"), "--json")
    assert r.exit_code == 0, r.output
    warning = (
        f"warning: {len(month):,} of the {len(month):,} --valid lines are training "
        "lines too: their figures are in-sample, so boosting stops by them, not by "
        "later declarations"
    )
    assert warning in r.stderr.splitlines()


def _workspace_with_admin(path: Path) -> Path:
    from sarap.web import WebStore

    with Workspace(path) as ws:
        WebStore(ws).add_user("admin", "admin-pass-123", "admin")
    return path


def test_serve_on_a_port_in_use_says_so_before_any_work(tmp_path):
    import socket

    ws = _workspace_with_admin(tmp_path / "w.duckdb")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        r = CliRunner().invoke(main, ["serve", "-w", str(ws), "--port", port])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "preparing" not in r.output
    assert r.stderr.strip().splitlines() == [
        f"Error: cannot serve on 127.0.0.1:{port}: the port is in use (another "
        "sarap serve?); stop that or choose another port with --port"
    ]


@pytest.mark.parametrize(
    ("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True), ("::1", False)]
)
def test_serve_warns_when_it_is_open_to_the_network(
    tmp_path, monkeypatch, host, warned
):  # type: ignore[no-untyped-def]
    import socket

    import uvicorn

    if host == "::1":
        try:
            socket.create_server(("::1", 0), family=socket.AF_INET6).close()
        except OSError:
            pytest.skip("no IPv6 loopback here")
    served = []
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, sockets=None: served.append(sockets)
    )
    ws = _workspace_with_admin(tmp_path / "w.duckdb")
    r = CliRunner().invoke(
        main, ["serve", "-w", str(ws), "--host", host, "--port", "0"]
    )
    assert r.exit_code == 0, r.output
    port = served[0][0].getsockname()[1]
    served[0][0].close()
    url_host = "[::1]" if host == "::1" else host  # http://::1:8000 is no URL
    assert f"Sarap is at http://{url_host}:{port} " in r.stderr
    assert (f"warning: {host} is open to the network" in r.stderr) is warned
    assert "https proxy" in r.stderr or not warned


def test_the_commands_suggested_for_a_workspace_can_be_pasted(tmp_path):
    # A folder named as people name them: spaces, Cyrillic.
    import shlex

    folder = tmp_path / "Таможня Бишкек"
    folder.mkdir()
    ws = str(folder / "рабочее.duckdb")
    Workspace(ws).close()
    for args, suggested in (
        (["taxpayers", "show", "P1", "-w", ws], "sarap run"),
        (["serve", "-w", ws, "--port", "0"], "sarap users add"),
    ):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1, r.output
        command = r.stderr[r.stderr.index(suggested) :].strip()
        words = shlex.split(command)
        assert ws == words[words.index("-w" if "-w" in words else "--workspace") + 1]


def test_demo_does_not_replace_a_workspace_being_served(tmp_path):
    # sarap serve on demo/sarap.duckdb, and make demo again in another shell:
    # the server went on writing to the removed file, and lost it all.
    ws = tmp_path / "sarap.duckdb"
    with Workspace(ws) as w:
        w.backend.execute("INSERT INTO parties (party_id) VALUES ('P1')")
    with held_open(ws) as pid:
        inode = ws.stat().st_ino
        r = run("demo", "--dir", str(tmp_path), "--rows", "1000", "--taxpayers", "100")
        assert r.exit_code == 1 and ws.stat().st_ino == inode
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: cannot rebuild the demo in {tmp_path}: its workspace is open in "
        f"another process (PID {pid}: "
    )
    assert line.endswith("); stop that first")
    with Workspace(ws) as w:
        assert w.count("parties") == 1


def test_users_are_added_and_listed_by_their_names_as_written(tmp_path, monkeypatch):
    # Square brackets are rich markup: "[/b]" crashed add (after adding the
    # user) and every list after it; "[red]Иван" was listed as "Иван".
    ws = str(_workspace_with_admin(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SARAP_PASSWORD", "long-enough-1")
    names = ["[/b]", "[red]Иван Петров"]
    for name in names:
        r = CliRunner().invoke(
            main, ["users", "add", "-w", ws, "--username", name, "--role", "analyst"]
        )
        assert r.exit_code == 0, r.output
        assert r.stdout == f"user {name} (analyst) added to {ws}\n"
    r = CliRunner().invoke(main, ["users", "list", "-w", ws])
    assert r.exit_code == 0, r.output
    listed = [line.rsplit(None, 2)[:2] for line in r.stdout.splitlines()]
    assert listed == [[n, "analyst"] for n in names] + [["admin", "admin"]]


def test_users_differing_only_in_case_are_refused(tmp_path, monkeypatch):
    ws = str(_workspace_with_admin(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SARAP_PASSWORD", "long-enough-1")
    r = CliRunner().invoke(
        main, ["users", "add", "-w", ws, "--username", "ADMIN", "--role", "admin"]
    )
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: user 'admin' exists already; 'ADMIN' differs from it only in case: "
        "choose another name\n"
    )
    r = CliRunner().invoke(main, ["users", "list", "-w", ws])
    assert [line.split()[0] for line in r.stdout.splitlines()] == ["admin"]


def test_users_remove_and_password_for_the_admin(tmp_path, monkeypatch):
    # Someone leaves the service, someone forgets a password: before, there
    # was no command for either; the user kept signing in.
    from sarap.web import WebStore

    ws = str(_workspace_with_admin(tmp_path / "w.duckdb"))
    with Workspace(ws) as w:
        store = WebStore(w)
        store.add_user("Айгуль", "aigul-pass-1", "analyst")
        token, _ = store.open_session("Айгуль", "analyst")

    def users(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["users", *args, "-w", ws])

    monkeypatch.setenv("SARAP_PASSWORD", "aigul-new-pass")
    r = users("password", "--username", "Айгуль")
    assert r.exit_code == 0 and r.stdout == f"password of Айгуль changed in {ws}\n"
    with Workspace(ws) as w:
        store = WebStore(w)
        assert store.authenticate("Айгуль", "aigul-pass-1") is None
        assert store.authenticate("Айгуль", "aigul-new-pass") == "analyst"
        assert store.session(token) is None  # signed out everywhere
        token, _ = store.open_session("Айгуль", "analyst")
    monkeypatch.setenv("SARAP_PASSWORD", "short")
    r = users("password", "--username", "Айгуль")
    assert r.exit_code == 1
    assert "a password needs at least 10 characters" in r.stderr

    r = users("remove", "--username", "Айгуль")
    assert r.exit_code == 0 and r.stdout == f"user Айгуль removed from {ws}\n"
    with Workspace(ws) as w:
        store = WebStore(w)
        assert [u["username"] for u in store.users()] == ["admin"]
        assert store.query("SELECT * FROM web_sessions") == []
    for name, message in (
        ("Айгуль", "Error: no user 'Айгуль'"),
        ("admin", "Error: 'admin' is the only admin: add another admin before "),
    ):
        r = users("remove", "--username", name)
        assert r.exit_code == 1 and r.stderr.startswith(message), r.output
    with Workspace(ws) as w:
        assert [u["username"] for u in WebStore(w).users()] == ["admin"]


def test_users_changed_from_the_shell_are_in_the_audit_log(tmp_path, monkeypatch):
    # The web page logged who added a user; the same change from the shell
    # left no trace, so the log could not say who let a user in.
    from sarap.web import WebStore

    ws = str(_workspace_with_admin(tmp_path / "w.duckdb"))
    with Workspace(ws) as w:
        WebStore(w).audit("admin", "sign_in", "session")  # entries made before
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setenv("LOGNAME", "nurlan")
    monkeypatch.setenv("SARAP_PASSWORD", "long-enough-1")
    for args in (
        ["add", "--username", "Бакыт", "--role", "auditor"],
        ["password", "--username", "Бакыт"],
        ["remove", "--username", "Бакыт"],
    ):
        r = CliRunner().invoke(main, ["users", *args, "-w", ws])
        assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["users", "remove", "-w", ws, "--username", "no"])
    assert r.exit_code == 1  # refused: nothing is logged
    with Workspace(ws) as w:
        store = WebStore(w)
        logged = store.query(
            "SELECT username, action, object_type, object_id, detail "
            "FROM audit_log WHERE seq > 1 ORDER BY seq"
        )
        assert logged == [
            {
                "username": "cli:nurlan",
                "action": "add_user",
                "object_type": "user",
                "object_id": "Бакыт",
                "detail": '{"role": "auditor"}',
            },
            *(
                {
                    "username": "cli:nurlan",
                    "action": action,
                    "object_type": "user",
                    "object_id": "Бакыт",
                    "detail": None,
                }
                for action in ("set_password", "remove_user")
            ),
        ]
        assert store.verify_audit()["ok"] is True
        assert "long-enough-1" not in str(store.query("FROM audit_log"))

    def nobody() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr("getpass.getuser", nobody)  # a container's unnamed uid
    r = CliRunner().invoke(
        main, ["users", "add", "-w", ws, "--username", "Ерлан", "--role", "analyst"]
    )
    assert r.exit_code == 0, r.output
    with Workspace(ws) as w:
        store = WebStore(w)
        last = store.query("SELECT username FROM audit_log ORDER BY seq DESC LIMIT 1")
        assert last == [{"username": "cli"}]
        assert store.verify_audit()["ok"] is True


def test_demo_does_not_replace_a_workspace_of_real_imports(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    # sarap demo --dir /srv/sarap, where the service keeps its workspace:
    # the demo removed it, imports and all, without a word.
    import sarap.demo
    from sarap.pipeline import ingest

    ws = tmp_path / "sarap.duckdb"
    for name in ("parties.csv", "customs_2024.csv"):
        (tmp_path / name).write_text("party_id,name\nP1,ТОО Ак Жол\n")
    with Workspace(ws) as w:
        ingest(w, tmp_path / "parties.csv")  # as the demo names its own
    monkeypatch.setattr(sarap.demo, "simulate_declarations", _ctrl_c)
    r = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 130 and not ws.exists()  # its own: rebuilt

    with Workspace(ws) as w:
        ingest(w, tmp_path / "parties.csv")
        ingest(w, tmp_path / "customs_2024.csv")
    r = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"Error: cannot rebuild the demo in {tmp_path}: {ws} holds imports of "
        f"other files ({tmp_path / 'customs_2024.csv'}), which the demo would "
        "remove; give it another --dir, or remove that workspace yourself if "
        "it may go"
    ]
    with Workspace(ws) as w:
        assert w.count("parties") == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--session-minutes", "0"),  # signed in, and out at once: 401 after 200
        ("--session-minutes", "99999999999"),  # a 500 at every sign-in
        ("--max-upload-mb", "0"),
    ],
)
def test_serve_refuses_options_no_server_can_work_with(
    tmp_path, monkeypatch, option, value
):  # type: ignore[no-untyped-def]
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: None)
    ws = _workspace_with_admin(tmp_path / "w.duckdb")
    r = CliRunner().invoke(main, ["serve", "-w", str(ws), "--port", "0", option, value])
    assert r.exit_code == 2 and "preparing" not in r.output
    assert f"Invalid value for '{option}': {value} is not in the range" in r.stderr
