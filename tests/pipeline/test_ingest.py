from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sarap.errors import SarapError
from sarap.pipeline import ingest
from sarap.store import Workspace
from tests.conftest import BAD, GOOD, HEADER, KCS_TRAIN, need_kcs, write_csv


@pytest.fixture
def ws():  # type: ignore[no-untyped-def]
    with Workspace() as w:
        yield w


def test_valid_rows_load_and_bad_rows_are_quarantined(ws, fixture_csv):
    r = ingest(ws, fixture_csv)
    assert r.rows_read == len(GOOD) + len(BAD)
    assert r.loaded == len(GOOD)
    assert r.quarantined == len(BAD)
    assert ws.count("declarations") == len(GOOD)
    q = ws.sql("SELECT row_number, reason, raw FROM quarantine ORDER BY row_number")
    rows = q.to_pylist()
    assert [x["row_number"] for x in rows] == list(
        range(len(GOOD) + 1, len(GOOD) + len(BAD) + 1)
    )
    for got, (raw, expected) in zip(rows, BAD, strict=True):
        assert expected.split()[0] in got["reason"] or expected in got["reason"]
        assert json.loads(got["raw"])["declaration_id"] == raw[0]
    dup = rows[[b for _, b in BAD].index("duplicate key within the file")]
    assert "duplicate of row 1" in dup["reason"]


def test_summary_names_each_reason(ws, fixture_csv):
    r = ingest(ws, fixture_csv)
    text = r.summary()
    assert f"loaded {len(GOOD)}" in text and f"quarantined {len(BAD)}" in text
    assert "bad date (column 'date')" in text
    assert "missing importer_id (column 'importer_id')" in text


def test_values_are_normalised(ws, fixture_csv):
    ingest(ws, fixture_csv)
    got = {
        (r["declaration_id"], r["item_no"]): r
        for r in ws.sql("SELECT * FROM declarations").to_pylist()
    }
    assert got[("D002", 1)]["hs_code"] == "010121"  # "0101 21"
    assert got[("D003", 1)]["hs_code"] == "847130"  # "8471.30"
    assert got[("D007", 1)]["hs_code"] == "010121"  # lost its leading zero
    assert str(got[("D003", 1)]["date"]) == "2024-01-07"  # 07.01.2024
    assert got[("D003", 1)]["customs_value"] == 22000.5  # decimal comma
    assert got[("D001", 2)]["item_no"] == 2


@pytest.mark.parametrize(
    "field, raw, stored",
    [
        # codes written by a program that read them as floats
        ("hs_code", "851713.0", "851713"),
        ("hs_code", "10121.0", "010121"),
        ("hs_code", "0409.00", "040900"),  # a heading with no subheadings
        ("hs_code", "7318.15.100.0", "7318151000"),
        ("hs_code", "8471.3", None),  # a digit short: not guessed
        # numbers as the region's spreadsheets and 1C write them
        ("customs_value", "1.234,56", 1234.56),
        ("customs_value", "1,234.56", 1234.56),
        ("customs_value", "42\u00a0664,21", 42664.21),
        ("customs_value", "1\u202f234,5", 1234.5),
        ("customs_value", "1.234,567.8", None),
        # dates
        ("date", "01.02.24", "2024-02-01"),
        ("date", "01.02.2024 10:30", "2024-02-01"),
        ("date", "0024-02-01", None),  # a typing slip
        # spaces around a value are not part of it; a value of spaces is none
        ("importer_id", "  IMP9 ", "IMP9"),
        ("importer_id", "IMP9  ", "IMP9"),
        ("importer_id", "   ", None),
        ("customs_value", " 1234,5", 1234.5),
        ("description", " два  слова ", "два  слова"),
    ],
)
def test_values_as_found_in_the_region(ws, tmp_path, field, raw, stored):
    row = dict(zip(HEADER, GOOD[0], strict=True))
    row[field] = raw
    r = ingest(ws, write_csv(tmp_path / "one.csv", [[row[h] for h in HEADER]]))
    got = ws.sql(f"SELECT {field} FROM declarations").column(0).to_pylist()
    if stored is None:
        assert got == [] and r.quarantined == 1
        (reason,) = ws.sql("SELECT reason FROM quarantine").column(0).to_pylist()
        assert field in reason and (raw in reason or "missing" in reason)
    else:
        assert [str(v) if field == "date" else v for v in got] == [stored]


def test_a_whole_number_too_big_for_its_field_is_quarantined(ws, tmp_path):
    """An item number past the data model's INTEGER is one bad value, not a
    file that fails to import (nor one that cannot be scored)."""
    from sarap.pipeline import validate_file

    row = dict(zip(HEADER, GOOD[0], strict=True), declaration_id="D020")
    row["item_no"] = "3000000000"
    path = write_csv(tmp_path / "d.csv", GOOD + [[row[h] for h in HEADER]])
    r = ingest(ws, path)
    assert r.loaded == len(GOOD)
    assert r.reasons == {"bad item_no (column 'item_no')": 1}
    (row,) = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert row == {
        "row_number": len(GOOD) + 1,
        "reason": "bad item_no (column 'item_no'): 3000000000",
    }
    valid, result = validate_file(path)
    assert valid.num_rows == len(GOOD) and result.reasons == r.reasons


def test_outcomes_load_once_per_declaration(ws, fixture_csv):
    r = ingest(ws, fixture_csv)
    # D006 has no outcome (not inspected); D001 has two items, one outcome.
    assert r.outcomes_loaded == len({g[0] for g in GOOD}) - 1
    assert (
        ws.sql("SELECT count(*) FROM declaration_lines WHERE fraud IS NULL")
        .column(0)[0]
        .as_py()
        == 1
    )


def test_reingest_adds_nothing(ws, fixture_csv):
    ingest(ws, fixture_csv)
    before = {t: ws.count(t) for t in ("declarations", "outcomes", "quarantine")}
    r = ingest(ws, fixture_csv)
    assert r.loaded == 0 and r.duplicates == len(GOOD)
    assert {t: ws.count(t) for t in before} == before


def test_a_ctrl_c_that_duckdb_dropped_still_stops_the_commit(
    ws, fixture_csv, monkeypatch
):
    """The CLI records every Ctrl-C; an import never commits after one,
    even when DuckDB dropped it as a query ended and the work ran on."""
    import signal

    from sarap import errors

    before = {t: ws.count(t) for t in ("declarations", "outcomes", "quarantine")}
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # keep pytest's
    errors.record_interrupts()
    errors._interrupted.set()  # what the recording handler does on Ctrl-C
    try:
        with pytest.raises(KeyboardInterrupt):
            ingest(ws, fixture_csv)
    finally:
        errors._interrupted.clear()
    assert {t: ws.count(t) for t in before} == before
    assert ingest(ws, fixture_csv).loaded == len(GOOD)  # and the next one loads


def test_a_recorded_ctrl_c_is_raised_and_kept():
    import signal
    import threading

    from sarap import errors

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are set from the main thread only")
    previous = signal.getsignal(signal.SIGINT)
    try:
        errors.record_interrupts()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            errors.raise_if_interrupted()  # still there for the commit
    finally:
        signal.signal(signal.SIGINT, previous)
        errors._interrupted.clear()
    errors.raise_if_interrupted()  # nothing recorded: nothing raised


def test_windows_1251_is_detected(ws, tmp_path):
    rows = [list(r) for r in GOOD]
    for r in rows:
        r[7] = "ТЕЛЕФОН СОТОВЫЙ, КОРПУС ЧЁРНЫЙ"
    path = write_csv(tmp_path / "cp1251.csv", rows, encoding="cp1251")
    r = ingest(ws, path)
    assert r.encoding == "cp1251"
    assert r.loaded == len(GOOD)
    desc = ws.sql("SELECT DISTINCT description FROM declarations").column(0)
    assert desc.to_pylist() == ["ТЕЛЕФОН СОТОВЫЙ, КОРПУС ЧЁРНЫЙ"]


def test_upper_case_windows_1251_is_not_taken_for_koi8(ws, tmp_path):
    # Declarations are mostly upper case, which KOI8-R reads as lower-case
    # letters (ПРОЧИЕ -> опнвхе): every byte still decodes to a letter.
    rows = [list(r) for r in GOOD]
    for i, r in enumerate(rows):
        r[7] = f"ПРОЧИЕ {i}"
    r = ingest(ws, write_csv(tmp_path / "w.csv", rows, encoding="cp1251"))
    assert r.encoding == "cp1251"
    desc = ws.sql("SELECT description FROM declarations ORDER BY 1").column(0)
    assert desc.to_pylist() == sorted(f"ПРОЧИЕ {i}" for i in range(len(GOOD)))


def test_kazakh_windows_code_page_is_detected(ws, tmp_path):
    rows = [list(r) for r in GOOD]
    for r in rows:
        r[7] = "СҮТ ӨНІМДЕРІ, ІРІМШІК ҚАТТЫ"
    r = ingest(ws, write_csv(tmp_path / "kz.csv", rows, encoding="kz1048"))
    assert r.encoding == "kz1048"
    desc = ws.sql("SELECT DISTINCT description FROM declarations").column(0)
    assert desc.to_pylist() == ["СҮТ ӨНІМДЕРІ, ІРІМШІК ҚАТТЫ"]


def test_windows_1251_with_only_no_break_spaces_is_not_taken_for_dos(ws, tmp_path):
    # Excel in Russian writes 1 234,50 with a no-break space (byte A0 in
    # Windows-1251), which DOS 866 reads as the letter "а": with no other
    # byte above 127 the file was taken for DOS 866, and every value over
    # 999 was quarantined as a bad customs_value ("1а234,50").
    rows = [list(r) for r in GOOD]
    for r in rows:
        whole = int(float(r[11].replace(",", ".")))
        r[11] = f"{whole:,}".replace(",", "\u00a0") + ",50"
    r = ingest(ws, write_csv(tmp_path / "nbsp.csv", rows, encoding="cp1251"))
    assert (r.encoding, r.loaded, r.quarantined) == ("cp1251", len(GOOD), 0)
    values = ws.sql("SELECT customs_value FROM declarations ORDER BY 1").column(0)
    assert values.to_pylist()[-1] == 35000.5


def test_utf16_with_its_mark_is_detected(ws, tmp_path):
    # What Excel writes as "Unicode text" (tab-separated, UTF-16).
    rows = [list(r) for r in GOOD]
    for r in rows:
        r[7] = "ТЕЛЕФОН"
    text = "\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n"
    path = tmp_path / "u16.csv"
    path.write_bytes(text.encode("utf-16"))
    r = ingest(ws, path)
    assert (r.encoding, r.loaded) == ("utf-16", len(GOOD))


@pytest.mark.parametrize(
    "written, told",
    [
        ("utf-16-le", "; it reads as UTF-16 little-endian: pass --encoding utf-16-le"),
        ("utf-16-be", "; it reads as UTF-16 big-endian: pass --encoding utf-16-be"),
        (
            "utf-8",
            ", and it does not read as UTF-16; leave --encoding out to detect it",
        ),
    ],
)
def test_utf16_said_of_a_file_without_its_mark_is_one_clear_line(
    ws, tmp_path, written, told
):
    """--encoding utf-16 on a file without a byte-order mark printed Python's
    'UnicodeError: UTF-16 stream does not start with BOM'."""
    rows = [[*r[:7], "ТЕЛЕФОН", *r[8:]] for r in GOOD]
    text = "\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n"
    path = tmp_path / "u16.csv"
    path.write_bytes(text.encode(written))
    with pytest.raises(SarapError) as e:
        ingest(ws, path, encoding="utf-16")
    assert str(e.value) == f"{path}: no UTF-16 byte-order mark at its start{told}"
    if written != "utf-8":
        assert ingest(ws, path, encoding=written).loaded == len(GOOD)


def test_a_utf8_file_with_one_foreign_line_is_not_decoded_as_another(ws, tmp_path):
    # One line pasted in from a Windows-1251 file. Decoding the whole file
    # in a single-byte code page (as before) turned every Cyrillic letter of
    # the other lines into nonsense, silently. Now that line is named.
    rows = [list(r) for r in GOOD]
    for r in rows:
        r[7] = "ТЕЛЕФОН СОТОВЫЙ"
    path = write_csv(tmp_path / "mixed.csv", rows)
    with path.open("ab") as fh:
        fh.write(",".join([*GOOD[0][:7], "ТЕЛЕФОН"]).encode("cp1251") + b",")
        fh.write(",".join(GOOD[0][8:]).replace("D001", "D099").encode() + b"\n")
    with pytest.raises(SarapError, match=f"line {len(GOOD) + 2}, which is not"):
        ingest(ws, path)
    assert ws.count("declarations") == 0


def test_wrong_explicit_encoding_is_one_clear_error(ws, tmp_path):
    path = write_csv(tmp_path / "u.csv", [[*GOOD[0][:7], "ТЕЛЕФОН", *GOOD[0][8:]]])
    with pytest.raises(SarapError, match="cannot decode as ascii"):
        ingest(ws, path, encoding="ascii")


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8"])
def test_a_windows_1251_file_said_to_be_utf8_is_told_so(ws, tmp_path, encoding):
    """Every line with a Cyrillic letter was quarantined as a 'malformed CSV
    line', which pointed at the file's layout, not at --encoding."""
    from sarap.pipeline import validate_file

    rows = [list(r) for r in GOOD]
    for r in rows:
        r[7] = "ТЕЛЕФОН СОТОВЫЙ"
    path = write_csv(tmp_path / "w.csv", rows, encoding="cp1251")
    byte = len(",".join(HEADER) + "\r\n" + ",".join(rows[0][:7]) + ",")
    told = (
        f"{path}: not valid UTF-8 (line 2, byte {byte}); "
        "it reads as Windows-1251: pass --encoding cp1251, or leave --encoding "
        "out to detect it"
    )
    for read in (lambda p, **kw: ingest(ws, p, **kw), validate_file):
        with pytest.raises(SarapError) as e:
            read(path, encoding=encoding)
        assert str(e.value) == told
    assert ws.count("declarations") == 0


def test_missing_required_columns_are_named(ws, tmp_path):
    header = [h for h in HEADER if h not in ("importer_id", "hs_code")]
    rows = [[v for h, v in zip(HEADER, r, strict=True) if h in header] for r in GOOD]
    path = write_csv(tmp_path / "x.csv", rows, header=header)
    with pytest.raises(SarapError) as e:
        ingest(ws, path)
    msg = str(e.value)
    assert "'importer_id'" in msg and "'hs_code'" in msg and "x.csv" in msg
    assert "\n" not in msg


@pytest.mark.parametrize("title", ["Реестр деклараций за март", "Реестр,,,"])
def test_a_title_row_above_the_header_is_pointed_at(ws, tmp_path, title):
    path = tmp_path / "t.csv"
    path.write_text(
        "\n".join([title, ",".join(HEADER), *(",".join(r) for r in GOOD[:2])]),
        encoding="cp1251",
    )
    with pytest.raises(SarapError) as e:
        ingest(ws, path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: missing required column(s) 'declaration_id'")
    assert msg.endswith("; the header seems to be on row 2") and "\n" not in msg


@pytest.mark.parametrize("first", ["Реестр деклараций за март", "Выгрузка 1С,,"])
def test_a_file_to_score_with_a_line_above_the_header_is_told_as_ingest(
    ws, tmp_path, first
):
    """declarations score read such a file with DuckDB's row skipping, which
    ingest's reading does not do: it scored a file that ingest refused."""
    from sarap.pipeline import validate_file
    from sarap.simulate import simulate_declarations, write_table

    path = write_table(simulate_declarations(20, seed=1), tmp_path / "t.csv")
    path.write_text(f"{first}\n{path.read_text(encoding='utf-8')}", encoding="utf-8")
    with pytest.raises(SarapError) as ingested:
        ingest(ws, path)
    with pytest.raises(SarapError) as validated:
        validate_file(path)
    assert str(validated.value) == str(ingested.value)
    assert str(ingested.value).endswith("; the header seems to be on row 2")


@pytest.mark.parametrize(
    "sheets, hint",
    [
        ({"Лист1": [["Реестр"], HEADER]}, "; the header seems to be on row 2"),
        (
            {"Титул": [["Реестр деклараций"]], "Данные": [HEADER]},
            "; sheet 'Данные' has these columns, but only the first sheet is read",
        ),
        (
            {"Титул": [["Реестр деклараций"]], "Данные": [[], [], HEADER]},
            "; sheet 'Данные' has these columns (row 3), "
            "but only the first sheet is read",
        ),
        (
            {"Пусто": [], "Данные": [HEADER], "Итог": [["1"]]},
            "first sheet is empty; only the first sheet is read "
            "(not empty: 'Данные', 'Итог')",
        ),
    ],
)
def test_an_excel_header_elsewhere_is_pointed_at(ws, tmp_path, sheets, hint):
    _workbook(tmp_path / "d.xlsx", sheets)
    with pytest.raises(SarapError) as e:
        ingest(ws, tmp_path / "d.xlsx")
    assert str(e.value).endswith(hint) and "\n" not in str(e.value)


def _workbook(
    path: Path, sheets: dict[str, list[list[str]]], hidden: tuple[str, ...] = ()
) -> None:
    """A workbook of ``sheets``, GOOD[:2] below a HEADER; ``hidden`` ones."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        sheet = wb.create_sheet(title)
        for row in [*rows, *(GOOD[:2] if HEADER in rows else [])]:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    wb.active = next(i for i, t in enumerate(sheets) if t not in hidden)
    wb.save(path)


def test_a_hidden_first_sheet_is_not_the_one_read(ws, tmp_path):
    """A clerk sees the first visible sheet as the first: the hidden one
    before it (lists, lookups) was read, and the error said 'sheet
    'Данные' has these columns, but only the first sheet is read'."""
    sheets = {"Списки": [["Код", "Страна"], ["CN", "Китай"]], "Данные": [HEADER]}
    _workbook(tmp_path / "d.xlsx", sheets, hidden=("Списки",))
    assert ingest(ws, tmp_path / "d.xlsx").loaded == 2
    sheets = {"Данные": [HEADER], "Титул": [["Реестр деклараций"]]}
    _workbook(tmp_path / "e.xlsx", sheets, hidden=("Данные",))
    with pytest.raises(SarapError) as e:
        ingest(ws, tmp_path / "e.xlsx")
    assert str(e.value).endswith(
        "; sheet 'Данные' (hidden) has these columns, but only the first sheet is read"
    )


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("nope.csv", None, "no such file"),
        ("empty.csv", b"", "file is empty"),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", "file is empty \\(only blank lines\\)"),
        ("blank.jsonl", b"\n \n", "file is empty \\(only blank lines\\)"),
        ("bad.xlsx", b"this is not a spreadsheet", "cannot read as Excel"),
        ("data.xml", b"<a/>", "unsupported file type"),
        ("bad.parquet", b"PAR1garbage", "cannot read as parquet"),
    ],
)
def test_unreadable_files_get_one_line(ws, tmp_path, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SarapError, match=expected) as e:
        ingest(ws, path)
    assert "\n" not in str(e.value)
    assert ws.count("declarations") == 0


@pytest.mark.parametrize("name", ["exports", "d.csv", "d.parquet"])
def test_a_folder_given_as_a_file_is_told_so(ws, tmp_path, name):
    """A folder without a file type was 'unsupported file type '(none)''."""
    from sarap.pipeline import validate_file

    (tmp_path / name).mkdir()
    for read in (lambda p: ingest(ws, p), validate_file):
        with pytest.raises(SarapError, match="is a folder, not a file"):
            read(tmp_path / name)


def _good_table() -> pa.Table:
    return pa.table({h: [r[i] for r in GOOD] for i, h in enumerate(HEADER)})


def test_parquet_json_and_excel_load_the_same(ws, tmp_path):
    from openpyxl import Workbook

    table = _good_table()
    pq.write_table(table, tmp_path / "d.parquet")
    (tmp_path / "d.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in table.to_pylist())
    )
    wb = Workbook()
    sheet = wb.active
    sheet.append(HEADER)
    for r in GOOD:
        sheet.append(r)
    wb.save(tmp_path / "d.xlsx")
    results = []
    for name in ("d.parquet", "d.jsonl", "d.xlsx"):
        with Workspace() as w:
            r = ingest(w, tmp_path / name)
            results.append(w.sql("SELECT * FROM declarations ORDER BY ALL").to_pylist())
            assert r.loaded == len(GOOD), name
    assert results[0] == results[1] == results[2]


@pytest.mark.parametrize("open_", [True, False])
def test_excel_s_lock_file_is_told_as_such(ws, tmp_path, open_):
    """While d.xlsx is open, Excel keeps "~$d.xlsx" (who has it open) beside
    it, and "*.xlsx" picks it up: it failed as 'cannot read as Excel: File
    is not a zip file'."""
    if open_:
        write_csv(tmp_path / "d.csv", GOOD)  # any file: the workbook is there
        (tmp_path / "d.csv").rename(tmp_path / "d.xlsx")
    user = "Айгерим".encode("utf-16-le")
    (tmp_path / "~$d.xlsx").write_bytes(b"\x07Aigerim" + b" " * 47 + user)
    with pytest.raises(SarapError) as e:
        ingest(ws, tmp_path / "~$d.xlsx")
    which = "'d.xlsx'" if open_ else "a workbook"
    assert str(e.value).startswith(
        f"{tmp_path / '~$d.xlsx'}: is the lock file Excel keeps while {which} "
        "is open, not a workbook; close "
    )
    assert "\n" not in str(e.value)


def test_parquet_text_written_as_bytes_reads_as_text(tmp_path):
    """Writers that store strings without their UTF-8 annotation (older Hive,
    Impala, some Spark jobs) give BYTE_ARRAY columns: their text is read,
    not its escaped bytes (\\xD0\\xA2...)."""
    table = _good_table()
    table = table.set_column(0, HEADER[0], [[f"Д{r[0]}" for r in GOOD]])
    pq.write_table(table, tmp_path / "text.parquet")
    as_bytes = table.cast(pa.schema([(h, pa.binary()) for h in HEADER]))
    pq.write_table(as_bytes, tmp_path / "bytes.parquet")
    results = []
    for name in ("text.parquet", "bytes.parquet"):
        with Workspace() as w:
            r = ingest(w, tmp_path / name)
            assert r.loaded == len(GOOD), r.summary()
            results.append(w.sql("SELECT * FROM declarations ORDER BY ALL").to_pylist())
    assert results[1] == results[0]
    assert results[1][0]["declaration_id"] == "ДD001"


def test_an_excel_percent_cell_reads_as_the_percent_it_shows(ws, tmp_path):
    """A rate typed as 5% is the number 0.05 formatted as a percent: it is
    the 5 it shows (the data model's rates are percents), not 0.05."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append(HEADER)
    rate = HEADER.index("tax_rate") + 1
    cells = [(0.05, "0%"), (0.0225, "0.00%"), (7, "0")]
    for r, (value, shown) in zip(GOOD[:3], cells, strict=True):
        sheet.append(r)
        cell = sheet.cell(row=sheet.max_row, column=rate, value=value)
        cell.number_format = shown
    wb.save(tmp_path / "d.xlsx")
    ingest(ws, tmp_path / "d.xlsx")
    got = ws.sql("SELECT tax_rate FROM declarations ORDER BY declaration_id, item_no")
    assert got.column(0).to_pylist() == [5, 2.25, 7]


@pytest.mark.parametrize("system, day", [(1900, "2024-01-05"), (1904, "2028-01-06")])
def test_an_excel_date_held_as_a_number_reads_as_its_date(ws, tmp_path, system, day):
    """A date cell formatted General or Number shows (and holds) its serial
    number, 45296: such rows were quarantined as bad dates. A number in a
    date column is read as a serial date, in the workbook's date system; a
    year typed as a number (2024) or a text "45296" stays a bad date."""
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    if system == 1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.active.append(HEADER)
    at = HEADER.index("date")
    for r, date in zip(GOOD[:5], [45296, 45296.75, 2024, "45296", None], strict=True):
        wb.active.append([*r[:at], date, *r[at + 1 :]])
    wb.save(tmp_path / "d.xlsx")
    r = ingest(ws, tmp_path / "d.xlsx")
    assert r.reasons == {
        "bad date (column 'date')": 2,
        "missing date (column 'date')": 1,
    }
    got = ws.sql("SELECT DISTINCT CAST(date AS VARCHAR) FROM declarations")
    assert got.column(0).to_pylist() == [day]
    raw = ws.sql("SELECT raw FROM quarantine ORDER BY row_number").column(0)
    rows = [json.loads(x) for x in raw.to_pylist()]
    assert [x["date"] for x in rows] == ["2024", "45296", None]
    assert list(rows[0]) == ["_row", *HEADER]  # the file's cells, no more


@pytest.mark.parametrize("name", ["d.xlsx", "d.csv"])
def test_cell_errors_are_bad_values_not_values(ws, tmp_path, name):
    """A formula that failed leaves #N/A, #REF! (as Excel writes them to CSV
    too): in a text field they loaded as the id "#N/A" or a description
    "#VALUE!". They are bad values of the field, optional ones included,
    and the quarantine names the error."""
    rows = [list(r) for r in GOOD[:4]]
    rows[0][HEADER.index("declaration_id")] = "#N/A"
    rows[1][HEADER.index("description")] = "#VALUE!"
    rows[2][HEADER.index("customs_value")] = "#DIV/0!"
    path = _write(tmp_path / name, HEADER, rows)
    r = ingest(ws, path)
    assert (r.loaded, r.quarantined) == (1, 3), r.summary()
    got = ws.sql("SELECT row_number, reason FROM quarantine ORDER BY 1").to_pylist()
    assert [q["reason"] for q in got] == [
        "bad declaration_id (column 'declaration_id'): #N/A",
        "bad description (column 'description'): #VALUE!",
        "bad customs_value (column 'customs_value'): #DIV/0!",
    ]


def _sheets_rewritten(src: Path, dst: Path, change: Callable[[bytes], bytes]) -> None:
    """``src`` written to ``dst`` with each sheet's XML passed through
    ``change``: a workbook as some program, not openpyxl, would save it."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = change(data)
            zout.writestr(item, data)


def test_excel_formulas_saved_without_values_are_told(ws, tmp_path):
    """A workbook written by a program keeps a formula's text alone, not its
    value as Excel saves it: the cell read as empty, and the rows were
    quarantined as missing a value with no word on why."""
    from openpyxl import Workbook

    from sarap.pipeline._ingest import last_import

    wb = Workbook()
    wb.active.title = "Лист1"
    wb.active.append(HEADER)
    at = HEADER.index("customs_value")
    for r in GOOD[:4]:
        wb.active.append([*r[:at], "=2*500", *r[at + 1 :]])
    wb.save(tmp_path / "f.xlsx")

    # As Excel saves them: a value, or an empty text where the formula gave "".
    def two_saved(data: bytes) -> bytes:
        cells = re.findall(rb'((<c r="\w+")(><f>[^<]*</f>)<v ?/>)', data)
        saved = [b"%s%s<v>1000</v>", b'%s t="str"%s<v></v>']
        for (cell, c, f), as_saved in zip(cells, saved, strict=False):
            data = data.replace(cell, as_saved % (c, f), 1)
        return data

    _sheets_rewritten(tmp_path / "f.xlsx", tmp_path / "d.xlsx", two_saved)
    r = ingest(ws, tmp_path / "d.xlsx")
    told = (
        "sheet 'Лист1': 2 formula cells saved without their values, read as "
        "empty: open the file in Excel and save it again"
    )
    assert r.warnings == [told]
    assert r.summary().splitlines()[-1] == f"  warning: {told}"
    assert r.loaded == 1
    recorded = last_import(ws)
    assert recorded is not None and recorded.warnings == [told]


def test_excel_cells_under_merged_ones_are_told_as_merged(ws, tmp_path):
    """A declaration's number and date merged over its goods items show on
    every item and are held by the first alone: the other items were
    quarantined as 'missing declaration_id', which sent the clerk looking
    for a value the sheet shows. Now the merged cells are named, for an
    optional field too (its value would be lost without a word)."""
    from openpyxl import Workbook

    from sarap.pipeline._ingest import reason_in_russian

    wb = Workbook()
    for row in [HEADER, *GOOD[:3]]:
        wb.active.append(row)
    assert HEADER[7:9] == ["description", "country_origin"]
    for cells in ("A2:A3", "C2:C3", "H4:I4"):
        wb.active.merge_cells(cells)
    wb.save(tmp_path / "d.xlsx")
    r = ingest(ws, tmp_path / "d.xlsx")
    assert (r.loaded, r.quarantined) == (1, 2), r.summary()
    got = ws.sql("SELECT row_number, reason FROM quarantine ORDER BY 1").to_pylist()
    assert got == [
        {
            "row_number": 2,
            "reason": "merged cells leave declaration_id empty (column "
            "'declaration_id'): A2:A3; merged cells leave date empty "
            "(column 'date'): C2:C3",
        },
        {
            "row_number": 3,
            "reason": "merged cells leave country_origin empty (column "
            "'country_origin'): H4:I4",
        },
    ]
    assert reason_in_russian(got[1]["reason"]) == (
        "объединённые ячейки оставляют country_origin пустым "
        "(столбец «country_origin»): H4:I4"
    )


def test_an_excel_sheet_that_misstates_its_size_is_read_whole(ws, tmp_path):
    """Some programs write a sheet's used range as A1 (its <dimension>):
    every row and column is read all the same, not column A alone."""
    from openpyxl import Workbook

    wb = Workbook()
    for row in [HEADER, *GOOD]:
        wb.active.append(row)
    wb.save(tmp_path / "right.xlsx")
    _sheets_rewritten(
        tmp_path / "right.xlsx",
        tmp_path / "d.xlsx",
        lambda data: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data),
    )
    r = ingest(ws, tmp_path / "d.xlsx")
    assert (r.rows_read, r.loaded) == (len(GOOD), len(GOOD)), r.summary()


def _jsonl(rows: list[list[str]]) -> list[str]:
    return [
        json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False) for r in rows
    ]


def test_a_bad_json_line_is_quarantined_with_its_line(ws, tmp_path):
    # One broken record made the whole file fail, naming the wrong line.
    # A JSON Lines record's row number is its line in the file, blank lines
    # counted (DuckDB skips them).
    lines = _jsonl(GOOD[:6] + [BAD[0][0]])  # the last has a bad date
    lines[2] = lines[2][:30]  # cut short
    lines[4] = "[1, 2]"
    lines.insert(5, "")
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = ingest(ws, path)
    assert (r.rows_read, r.loaded, r.quarantined) == (7, 4, 3)
    assert r.reasons == {
        "invalid JSON": 1,
        "not a JSON object": 1,
        "bad date (column 'date')": 1,
    }
    q = ws.sql("SELECT row_number, reason, raw FROM quarantine ORDER BY 1")
    got = [(x["row_number"], x["reason"]) for x in q.to_pylist()]
    assert got == [
        (3, "invalid JSON: Unterminated string starting at (column 28)"),
        (5, "not a JSON object"),
        (8, "bad date (column 'date'): 2024-13-45"),
    ]
    assert json.loads(q.to_pylist()[0]["raw"]) == {"line": lines[2]}
    assert ws.count("declarations") == 4
    from sarap.pipeline._ingest import reason_in_russian

    assert reason_in_russian(got[0][1]).startswith("неверный JSON: ")
    assert reason_in_russian(got[1][1]) == "строка не объект JSON"


def test_json_lines_named_json_with_a_broken_first_line_keep_the_others(ws, tmp_path):
    """JSON Lines in a .json file were told from their first line: one cut
    short there failed the whole file ('Malformed JSON ... in record/value
    2'), where a .jsonl file has that line quarantined."""
    lines = _jsonl(GOOD)
    lines[0] = lines[0][:30]
    path = tmp_path / "d.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest(ws, path)
    assert (r.loaded, r.quarantined) == (len(GOOD) - 1, 1)
    q = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert q[0]["row_number"] == 1 and q[0]["reason"].startswith("invalid JSON: ")


def test_a_json_lines_file_with_a_foreign_line_names_it(ws, tmp_path):
    lines = [
        line.encode() for line in _jsonl([[*r[:7], "ТЕЛЕФОН", *r[8:]] for r in GOOD])
    ]
    lines[3] = lines[3].decode().encode("cp1251")
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(SarapError, match="UTF-8 but for line 4, which is not"):
        ingest(ws, path)


def test_json_lines_rows_are_numbered_by_line_around_blank_lines(ws, tmp_path):
    lines = _jsonl([GOOD[0], BAD[0][0]])
    path = tmp_path / "d.jsonl"
    path.write_text(f"\n{lines[0]}\n\n{lines[1]}\n")
    assert ingest(ws, path).loaded == 1
    assert ws.sql("SELECT row_number FROM quarantine").column(0).to_pylist() == [4]


def test_a_json_lines_file_without_a_record_is_one_line(ws, tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('["D001", 1]\n{"declaration_id": \n')
    with pytest.raises(SarapError, match="no JSON object") as e:
        ingest(ws, path)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name", ["d.json", "d.jsonl"])
def test_a_utf8_mark_before_json_is_skipped(ws, tmp_path, name):
    # Windows tools start UTF-8 files with a byte-order mark; DuckDB read a
    # JSON array after one as a single value (one column, nothing loaded).
    records = _good_table().to_pylist()
    if name == "d.json":
        text = json.dumps(records, ensure_ascii=False, indent=1)
    else:
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    r = ingest(ws, path)
    assert (r.loaded, r.quarantined, r.encoding) == (len(GOOD), 0, "utf-8")


def test_a_json_array_element_that_is_no_object_is_quarantined(ws, tmp_path):
    # DuckDB read such an array as one 'json' column: every required
    # column was missing and nothing loaded.
    records: list[object] = list(_good_table().to_pylist())
    records[1:1] = [42]
    records.insert(4, [1, 2])
    path = tmp_path / "d.json"
    path.write_text(json.dumps(records, ensure_ascii=False))
    r = ingest(ws, path)
    assert (r.rows_read, r.loaded, r.quarantined) == (len(GOOD) + 2, len(GOOD), 2)
    q = ws.sql("SELECT row_number, reason, raw FROM quarantine ORDER BY 1").to_pylist()
    assert [(x["row_number"], x["reason"]) for x in q] == [
        (2, "not a JSON object"),
        (5, "not a JSON object"),
    ]
    path.write_text("[1, 2]")
    with pytest.raises(SarapError, match="no JSON object in the array"):
        ingest(ws, path)


@pytest.mark.parametrize("indent", [None, 2])
def test_json_records_inside_an_object_are_pointed_at(ws, tmp_path, indent):
    """An API export wraps its records ({"declarations": [...]}): the error
    said only that every required column was missing."""
    records = _good_table().to_pylist()
    path = tmp_path / "d.json"
    wrapped = {"count": len(records), "declarations": records}
    path.write_text(json.dumps(wrapped, indent=indent), encoding="utf-8")
    with pytest.raises(SarapError) as e:
        ingest(ws, path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: missing required column(s) 'declaration_id'")
    assert msg.endswith(
        "; the records seem to be the list under 'declarations': "
        "give that list alone, as a JSON array or JSON Lines"
    )


@pytest.mark.parametrize("name", ["d.json", "d.jsonl"])
def test_a_json_record_with_a_key_twice_is_quarantined(ws, tmp_path, name):
    """DuckDB refuses such an object: the whole file failed, its error naming
    a temporary file and a line of it (JSON Lines), or the file (array)."""
    records = [json.dumps(r, ensure_ascii=False) for r in _good_table().to_pylist()]
    records[2] = records[2][:-1] + ', "customs_value": "1"}'
    text = "\n".join(records) if name == "d.jsonl" else f"[{', '.join(records)}]"
    (tmp_path / name).write_text(text, encoding="utf-8")
    r = ingest(ws, tmp_path / name)
    assert (r.rows_read, r.loaded, r.quarantined) == (len(GOOD), len(GOOD) - 1, 1)
    q = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert q == [{"row_number": 3, "reason": "invalid JSON: key 'customs_value' twice"}]


@pytest.mark.parametrize("name", ["d.json", "d.jsonl"])
def test_a_json_key_with_numbers_and_strings_keeps_both(ws, tmp_path, name):
    # DuckDB types such a key JSON, and its strings kept their quotes:
    # "0101 21" was quarantined as a bad hs_code.
    records = _good_table().to_pylist()
    for r in records:
        if r["hs_code"].isdigit():
            r["hs_code"] = int(r["hs_code"])
            r["customs_value"] = float(r["customs_value"])
    assert {type(r["hs_code"]) for r in records} == {int, str}
    if name == "d.json":
        text = json.dumps(records, ensure_ascii=False)
    else:
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (tmp_path / name).write_text(text)
    r = ingest(ws, tmp_path / name)
    assert (r.loaded, r.quarantined) == (len(GOOD), 0), r.reasons
    got = ws.sql("SELECT hs_code FROM declarations ORDER BY ALL").column(0)
    assert "010121" in got.to_pylist() and "847130" in got.to_pylist()


@pytest.mark.parametrize("name", ["d.json", "d.jsonl"])
def test_a_json_date_of_epoch_milliseconds_reads_as_its_day(ws, tmp_path, name):
    """pandas' to_json writes dates as epoch milliseconds (1704412800000):
    every row was quarantined as a bad date."""
    records = _good_table().to_pylist()
    day = 1704412800000  # 2024-01-05
    for r in records:
        r["date"] = day + 86_400_000 * int(r["declaration_id"][1:])
    records[1]["date"] = "2024-03-01"  # a date written as text beside them
    records[2]["date"] = str(day)  # text, not a JSON number: not a date
    records[3]["date"] = 20240105  # too short for milliseconds: not 1970
    records[4]["date"] = 5_000_000_000_000  # past 2099
    if name == "d.json":
        text = json.dumps(records)
    else:
        text = "\n".join(json.dumps(r) for r in records)
    (tmp_path / name).write_text(text)
    r = ingest(ws, tmp_path / name)
    assert (r.loaded, r.quarantined) == (len(GOOD) - 3, 3), r.reasons
    assert r.reasons == {"bad date (column 'date')": 3}
    got = ws.sql(
        "SELECT declaration_id, item_no, CAST(date AS VARCHAR) FROM declarations"
    ).to_pylist()
    days = {
        (g["declaration_id"], g["item_no"]): g["CAST(date AS VARCHAR)"] for g in got
    }
    assert days[("D001", 1)] == "2024-01-06"
    assert days[("D001", 2)] == "2024-03-01"
    q = ws.sql("SELECT row_number, raw FROM quarantine ORDER BY 1").to_pylist()
    assert [x["row_number"] for x in q] == [3, 4, 5]
    assert json.loads(q[1]["raw"])["date"] == "20240105"  # as the file has it


def test_a_csv_line_too_long_to_read_is_named(ws, tmp_path):
    """DuckDB's error for a line past its 2 MB limit begins 'CSV Error on
    Line: 1', whatever the line: the error names the line and its size."""
    rows = [list(r) for r in GOOD]
    rows[2][HEADER.index("description")] = "X" * 3_000_000
    path = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(SarapError) as e:
        ingest(ws, path)
    size = len(path.read_bytes().splitlines(keepends=True)[3])
    assert str(e.value) == (
        f"{path}: cannot read as csv: line 4 is {size:,} bytes long, "
        "more than the 2,000,000 a line may have"
    )


def test_malformed_csv_line_is_quarantined_with_its_row(ws, tmp_path):
    path = tmp_path / "m.csv"
    lines = (
        [",".join(HEADER)]
        + [",".join(GOOD[0])]
        + ["D099,1,2024-01-01"]
        + [",".join(GOOD[2])]
    )
    path.write_text("\n".join(lines) + "\n")
    r = ingest(ws, path)
    assert r.loaded == 2 and r.quarantined == 1
    q = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert q[0]["row_number"] == 2 and "malformed CSV line" in q[0]["reason"]
    from sarap.pipeline._ingest import reason_in_russian

    assert reason_in_russian(q[0]["reason"]).startswith("повреждённая строка CSV: ")
    # the good row after the broken one keeps its own row number
    assert ws.count("declarations") == 2


@pytest.mark.parametrize("header_quoted", [True, False])
def test_a_quote_that_never_closes_is_one_malformed_line(ws, tmp_path, header_quoted):
    """A quoted value whose closing quote is missing, among the lines
    DuckDB samples, made it read the whole file without quotes: every value
    kept its quotes ('"CN"', a bad country) and every row was rejected, or
    the header's quoted names were 'missing required columns'."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([HEADER, *GOOD])
    lines = out.getvalue().splitlines()
    if not header_quoted:
        lines[0] = ",".join(HEADER)
    lines[3] = lines[3].replace('"HORSES"', '"HORSES')  # row 3, no closing quote
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest(ws, path)
    assert (r.rows_read, r.loaded, r.quarantined) == (len(GOOD), len(GOOD) - 1, 1)
    q = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert q[0]["row_number"] == 3 and q[0]["reason"].startswith("malformed CSV")
    got = ws.sql("SELECT DISTINCT country_origin FROM declarations ORDER BY 1")
    assert '"' not in "".join(got.column(0).to_pylist())


def test_a_value_in_double_quotes_within_single_quotes_stays_as_it_is(ws, tmp_path):
    # A file DuckDB reads with ' as its quote is not read again with ".
    import duckdb

    from sarap.pipeline._readers import stage

    path = tmp_path / "q.csv"
    rows = [f"'{r[0]}','{r[4]}','{r[7]}'" for r in GOOD]
    rows[0] = rows[0].replace("'SMARTPHONE'", "'\"SMARTPHONE\"'")
    rows[1] = rows[1].replace("'ROUTER'", "'ROUTER, WIFI'")
    path.write_text(
        "\n".join(["declaration_id,importer_id,description", *rows]) + "\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    with stage(con, path) as staged:
        got = con.execute(f"SELECT * FROM {staged.relation} ORDER BY _row LIMIT 2")
        assert got.fetchall() == [
            (1, "D001", "IMP1", '"SMARTPHONE"'),
            (2, "D001", "IMP1", "ROUTER, WIFI"),
        ]


@pytest.mark.parametrize("lead", ["", "\n"])
def test_csv_rows_are_numbered_around_blank_lines(ws, tmp_path, lead):
    # A row's number counts the records after the header, blank lines
    # included, as a spreadsheet shows the file (row 1 is the line after the
    # header; a quoted value over two lines is one row). DuckDB skips blank
    # lines: the rows after one were numbered one short while a broken line
    # was not, so the two could swap numbers.
    _ingest_rows_4_5_8_rejected(ws, tmp_path, '"ROUTER\nWIFI"', lead)


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_a_sep_line_above_the_header_names_the_delimiter(ws, tmp_path, sep):
    """Excel writes (and reads) "sep=;" above a CSV file's header to name its
    delimiter, and does not show it: the file was refused as one whose
    header is on row 2. Rows are numbered as Excel shows them."""
    from sarap.pipeline import validate_file

    def line(row: list[str]) -> str:
        text = io.StringIO()
        csv.writer(text, delimiter=sep, lineterminator="").writerow(row)
        return text.getvalue()

    rows = [[*r[:7], f"{r[7]}, 128 GB", *r[8:]] for r in GOOD[:4]]
    lines = [
        f"sep={sep}",
        line(HEADER),
        *map(line, rows[:2]),
        "",  # row 3
        line(BAD[0][0]),  # row 4: bad date
        *map(line, rows[2:]),
    ]
    path = tmp_path / "d.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1251")
    r = ingest(ws, path)
    assert (r.rows_read, r.loaded, r.quarantined) == (5, 4, 1), r.summary()
    q = ws.sql("SELECT row_number, reason FROM quarantine").to_pylist()
    assert q == [{"row_number": 4, "reason": "bad date (column 'date'): 2024-13-45"}]
    got = ws.sql("SELECT description FROM declarations ORDER BY ALL").column(0)
    assert got.to_pylist()[0] == "HORSES, 128 GB"
    valid, checked = validate_file(path)
    assert (valid.num_rows, checked.reasons) == (4, r.reasons)
    path.write_text("\n".join(lines).replace("importer_id", "ИНН"), encoding="utf-8")
    for read in (lambda: ingest(ws, path), lambda: validate_file(path)):
        with pytest.raises(SarapError) as e:
            read()
        assert str(e.value) == (
            f"{path}: missing required column(s) 'importer_id' for mapping 'identity'"
        )


def _ingest_rows_4_5_8_rejected(  # type: ignore[no-untyped-def]
    ws, tmp_path, description, lead="", quote_row_1=False
):
    """Import a file whose rows 3 and 7 are blank lines, row 2 has
    ``description`` (a value over two lines, say) and rows 4, 5 and 8 are
    rejected; check the rows the quarantine names. Row 1's values are in
    double quotes if ``quote_row_1``."""
    routes = [*GOOD[1][:7], description, *GOOD[1][8:]]
    first = [f'"{v}"' for v in GOOD[0]] if quote_row_1 else GOOD[0]
    lines = [
        ",".join(HEADER),
        ",".join(first),  # row 1
        ",".join(routes),  # row 2
        "",  # row 3
        ",".join(BAD[0][0]),  # row 4: bad date
        "D099,1,2024-01-01",  # row 5: too few fields
        ",".join(GOOD[2]),
        "",
        ",".join(BAD[1][0]),  # row 8: missing importer_id
    ]
    path = tmp_path / "b.csv"
    path.write_text(lead + "\n".join(lines) + "\n")
    r = ingest(ws, path)
    assert (r.loaded, r.quarantined) == (3, 3)
    # Reasons of equal count in one order every time (the checks' by name,
    # then the lines DuckDB could not parse); they came in any order.
    assert [k.split(" (")[0] for k in r.reasons] == [
        "bad date",
        "missing importer_id",
        "malformed CSV line",
    ]
    q = ws.sql("SELECT row_number, reason FROM quarantine ORDER BY 1").to_pylist()
    got = [(x["row_number"], x["reason"].split(" (")[0][:18]) for x in q]
    assert got == [
        (4, "bad date"),
        (5, "malformed CSV line"),
        (8, "missing importer_i"),
    ]


_ROUTER = {  # a description as the file holds it, and as read
    "'": ("'ROUTER\nWIFI'", "ROUTER\nWIFI"),
    "none": ('12" ROUTER', '12" ROUTER'),  # 12 inches: a lone "
    "backslash": ('"12\\" ROUTER\nWIFI"', '12" ROUTER\nWIFI'),
}


@pytest.mark.parametrize("quote", list(_ROUTER))
def test_csv_rows_are_numbered_with_the_quote_duckdb_found(ws, tmp_path, quote):
    # DuckDB detects the quote and escape characters: a value over two lines
    # quoted with ' is one row, in a file read without quotes a " is a plain
    # character, and \" is a quote inside a value. The blank lines were found
    # counting every " as a quote, so the rows after such a value were
    # numbered one off.
    written, read = _ROUTER[quote]
    _ingest_rows_4_5_8_rejected(ws, tmp_path, written)
    rows = ws.sql("SELECT description FROM declarations WHERE declaration_id = 'D001'")
    assert read in rows.column(0).to_pylist()


def test_a_quote_amid_a_value_opens_none(ws, tmp_path):
    # In a file that quotes values with ", a " amid an unquoted one (12
    # inches) is a plain character to DuckDB. The blank lines were found
    # taking it for an opening quote: the rows after it were numbered one
    # off, and a blank line two rows on was missed.
    _ingest_rows_4_5_8_rejected(ws, tmp_path, '12" ROUTER', quote_row_1=True)
    rows = ws.sql("SELECT description FROM declarations WHERE declaration_id = 'D001'")
    assert '12" ROUTER' in rows.column(0).to_pylist()


@pytest.mark.parametrize(
    ("line", "quoted", "ends"),
    [
        (b'1,"a,b",2\n', False, False),
        (b'1,12" TV,"x\n', False, True),  # the 12" is no quote; "x opens one
        (b'1,"say ""hi"" \n', False, True),  # doubled quotes inside
        (b'b" and 12" TV,2\n', True, False),  # closes, then a plain "
        (b'still inside""\n', True, True),
        (b'1,"a"junk,2\n', False, False),
    ],
)
def test_lines_end_inside_a_quoted_value_or_not(line, quoted, ends):
    from sarap.pipeline._readers import _ends_quoted

    assert _ends_quoted(line, b'"', b",", quoted) is ends


@pytest.mark.parametrize("lead", ["", "\n"])
def test_a_blank_line_is_no_row_in_a_single_column_csv(ws, tmp_path, lead):
    # DuckDB reads a blank line of a one-column file as an empty value: each
    # was quarantined as 'missing party_id'. It is no row, as in any other
    # file, and the rows keep their numbers as a spreadsheet shows them.
    path = tmp_path / "parties.csv"
    path.write_text(lead + "party_id\nP1\n\nP2\n\n\nP3,x\nP1\n\n")
    r = ingest(ws, path)
    assert (r.rows_read, r.loaded, r.quarantined) == (4, 2, 2)
    q = ws.sql("SELECT row_number, reason FROM quarantine ORDER BY 1").to_pylist()
    assert [(x["row_number"], x["reason"][:18]) for x in q] == [
        (6, "malformed CSV line"),
        (7, "duplicate of row 1"),
    ]
    assert ws.sql("SELECT party_id FROM parties ORDER BY 1").column(0).to_pylist() == [
        "P1",
        "P2",
    ]


def test_workspace_file_persists(tmp_path, fixture_csv):
    path = tmp_path / "w.duckdb"
    with Workspace(path) as w:
        ingest(w, fixture_csv)
    with Workspace(path) as w:
        assert w.count("declarations") == len(GOOD)
        assert w.count("quarantine") == len(BAD)
        assert w.count("ingest_batches") == 1


def test_kcs_mapping_on_the_public_dataset(ws):
    need_kcs()
    r = ingest(ws, KCS_TRAIN, mapping="kcs")
    assert r.rows_read == 37_385
    assert r.loaded + r.quarantined == 37_385
    assert r.quarantined == 0
    assert r.ignored_columns == ["Critical Fraud"]
    assert r.outcomes_loaded == 37_385
    rate = ws.sql("SELECT avg(fraud) FROM outcomes").column(0)[0].as_py()
    assert 0.2 < rate < 0.23  # SOURCES.md: about 21.6 %
    short = ws.sql("SELECT count(*) FROM declarations WHERE length(hs_code) <> 6")
    assert short.column(0)[0].as_py() == 0


def test_kcs_mapping_is_detected(ws):
    need_kcs()
    r = ingest(ws, KCS_TRAIN)
    assert r.mapping == "kcs"


def _ru_mapping(folder: Path, more: str) -> Path:
    """A mapping file for a Russian export's five columns, ``more`` after."""
    mapping = folder / "ru.toml"
    mapping.write_text(
        'name = "ru-export"\n[columns]\ndeclaration_id = "No"\ndate = "Дата"\n'
        'importer_id = "ИНН"\nhs_code = "Код ТН ВЭД"\ncustoms_value = "Стоимость"\n'
        + more,
        encoding="utf-8",
    )
    return mapping


def test_mapping_file_with_constants(ws, tmp_path):
    header = ["No", "Дата", "ИНН", "Код ТН ВЭД", "Стоимость"]
    rows = [["A1", "05.02.2024", "7701234567", "8517 12 000 0", "1 500,00"]]
    path = write_csv(tmp_path / "ru.csv", rows, header=header, encoding="cp1251")
    mapping = _ru_mapping(tmp_path, '[constants]\ncurrency = "RUB"\n')
    r = ingest(ws, path, mapping=mapping)
    assert r.loaded == 1, r.summary()
    row = ws.sql("SELECT * FROM declarations").to_pylist()[0]
    assert row["hs_code"] == "8517120000"
    assert row["customs_value"] == 1500.0
    assert row["currency"] == "RUB"


def test_columns_a_mapping_file_names_and_the_file_lacks_are_told(ws, tmp_path):
    # A typo in a mapping file (the label's column, here) left the field
    # empty on every row without a word; the rows loaded, so a corrected
    # mapping could not fill it in later.
    header = ["No", "Дата", "ИНН", "Код ТН ВЭД", "Стоимость", "Нарушение"]
    rows = [["A1", "05.02.2024", "7701234567", "8517 12 000 0", "150", "1"]]
    path = write_csv(tmp_path / "ru.csv", rows, header=header)
    mapping = _ru_mapping(tmp_path, 'fraud = "Нарушения"\n')
    r = ingest(ws, path, mapping=mapping)
    assert r.unmatched_columns == ["'Нарушения' (fraud)"]
    text = r.summary()
    assert "lacks, left empty: 'Нарушения' (fraud)" in text
    assert "does not take: 'Нарушение'" in text
    # the identity mapping expects no optional column: no warning
    assert "warning" not in ingest(ws, write_csv(tmp_path / "g.csv", GOOD)).summary()


def test_columns_a_built_in_layout_names_and_the_file_lacks_are_told(ws, tmp_path):
    # A KCS file without 'Tax Rate' loaded with the rate empty, without a word.
    from sarap.pipeline import load_mapping

    header = list(load_mapping("kcs").columns.values())
    header.remove("Tax Rate")
    row = {h: "1" for h in header}
    row |= {"Date": "2021-01-02", "HS6 Code": "851712", "Fraud": "0"}
    row |= {"Country of Origin": "CN", "Country of Departure": "CN"}
    path = write_csv(tmp_path / "k.csv", [list(row.values())], header=header)
    r = ingest(ws, path)
    assert (r.mapping, r.loaded) == ("kcs", 1), r.summary()
    assert r.unmatched_columns == ["'Tax Rate' (tax_rate)"]
    # New declarations lack the label: no news. With a column the mapping
    # does not take (the label's name written otherwise), it is told.
    del row["Fraud"]
    row["Tax Rate"] = "8"
    r = ingest(ws, write_csv(tmp_path / "n.csv", [list(row.values())], header=[*row]))
    assert r.unmatched_columns == []
    row["Violation"] = "0"
    r = ingest(ws, write_csv(tmp_path / "v.csv", [list(row.values())], header=[*row]))
    assert r.unmatched_columns == ["'Fraud' (fraud)"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV or Excel file with these cells."""
    if path.suffix == ".csv":
        return write_csv(path, rows, header=header)
    from openpyxl import Workbook

    wb = Workbook()
    for row in [header, *rows]:
        wb.active.append(row)
    wb.save(path)
    return path


_RU_MAPPING = (
    '[columns]\ndeclaration_id = "No"\ndate = "Дата"\nimporter_id = "ИНН"\n'
    'hs_code = "Код ТН ВЭД"\ncustoms_value = "{}"\n'
)


@pytest.mark.parametrize("name", ["d.xlsx", "d.csv"])
def test_a_wrapped_header_cell_matches_the_mapping(ws, tmp_path, name):
    """A header cell wrapped over two lines (Alt+Enter in Excel) or spaced
    with a no-break space shows as the mapping's name: the file was refused
    for 'missing required column(s)' that the clerk could see in it. Saved
    as CSV by Excel (a bare line feed in the quoted cell, lines ending in CR
    LF), DuckDB could not read the file at all ('Error when sniffing')."""
    header = ["No", "Дата", "ИНН", "Код\nТН ВЭД", "Таможенная\u00a0\nстоимость"]
    rows = [
        ["A1", "05.02.2024", "7701234567", "851712", "100"],
        ["A2", "05.02.2024", "7701234567", "851712", "сто"],
    ]
    path = _write(tmp_path / name, header, rows)
    mapping = tmp_path / "m.toml"
    mapping.write_text(_RU_MAPPING.format("Таможенная стоимость"), encoding="utf-8")
    r = ingest(ws, path, mapping=mapping)
    assert (r.loaded, r.quarantined) == (1, 1)
    assert r.reasons == {"bad customs_value (column 'Таможенная стоимость')": 1}


@pytest.mark.parametrize("name", ["d.csv", "d.xlsx"])
def test_a_column_the_mapping_takes_twice_in_the_header_is_refused(ws, tmp_path, name):
    # The CSV reader took the first of the two, Excel the last.
    header = ["No", "Дата", "Стоимость", "ИНН", "Код ТН ВЭД", "Стоимость"]
    rows = [["A1", "05.02.2024", "100", "7701234567", "851712", "200"]]
    path = _write(tmp_path / name, header, rows)
    mapping = tmp_path / "m.toml"
    mapping.write_text(_RU_MAPPING.format("Стоимость"), encoding="utf-8")
    with pytest.raises(SarapError) as e:
        ingest(ws, path, mapping=mapping)
    assert str(e.value) == (
        f"{path}: column 'Стоимость' appears twice in the header "
        "(columns 3 and 6); rename one of them"
    )
    assert ws.count("declarations") == 0


@pytest.mark.parametrize("name", ["d.csv", "d.xlsx"])
def test_a_repeated_column_the_mapping_does_not_take_is_ignored(ws, tmp_path, name):
    # DuckDB names the second 'Стоимость' 'Стоимость_1': the mapping's
    # 'Стоимость_1' is the file's own column of that name all the same.
    header = ["No", "Дата", "Стоимость", "ИНН", "Код ТН ВЭД", "Стоимость"]
    header.append("Стоимость_1")
    rows = [["A1", "05.02.2024", "100", "7701234567", "851712", "200", "300"]]
    rows.append(["A2", "05.02.2024", "100", "7701234567", "851712", "200", "x"])
    path = _write(tmp_path / name, header, rows)
    mapping = tmp_path / "m.toml"
    mapping.write_text(_RU_MAPPING.format("Стоимость_1"), encoding="utf-8")
    r = ingest(ws, path, mapping=mapping)
    assert r.loaded == 1, r.summary()
    assert ws.sql("SELECT customs_value FROM declarations").column(0)[0].as_py() == 300
    assert r.ignored_columns == ["Стоимость", "Стоимость"]
    assert r.reasons == {"bad customs_value (column 'Стоимость_1')": 1}


def test_bad_mapping_file_is_one_line(ws, tmp_path, fixture_csv):
    m = tmp_path / "m.toml"
    m.write_text('[columns]\nimporter = "x"\n')
    with pytest.raises(SarapError, match="unknown data-model field"):
        ingest(ws, fixture_csv, mapping=m)
    with pytest.raises(SarapError, match="not a built-in"):
        ingest(ws, fixture_csv, mapping=Path("nope"))


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("m.toml", 'columns = "ИНН"\n', "'columns' must be a table"),
        (
            "m.toml",
            '[constants]\ncurrency = ["KZT"]\n',
            "constants.currency must be one value",
        ),
        (
            "m.toml",
            '[columns]\ndate = ["Дата", "Date"]\n',
            "columns.date must be a column name",
        ),
        ("m.toml", 'constants = ["KZT"]\n', "'constants' must be a table"),
        ("m.toml", 'entity = ["parties"]\n', "'entity' must be a text"),
        ("m.toml", "date_format = 5\n[columns]\n", "'date_format' must be a text"),
        ("m.json", "[1, 2]", "must be an object"),
        ("m.json", '{"columns": [["date", "Дата"]]}', "'columns' must be a table"),
    ],
)
def test_a_mapping_file_of_the_wrong_shape_is_one_line(
    ws, tmp_path, name, text, expected
):
    """Values of the wrong kind are told as mistakes in the file, not met
    with a traceback."""
    m = tmp_path / name
    m.write_text(text, encoding="utf-8")
    with pytest.raises(SarapError, match=expected) as e:
        ingest(ws, write_csv(tmp_path / "d.csv", GOOD), mapping=m)
    assert str(e.value).startswith(f"mapping {m}: ") and "\n" not in str(e.value)


def test_a_mapping_date_format_duckdb_cannot_read_is_told_as_the_mapping_s(
    ws, tmp_path
):
    """It failed the import as 'import failed, nothing loaded: Invalid Input
    Error: Failed to parse format specifier %Q ...', naming no mapping."""
    m = _ru_mapping(tmp_path, "")
    m.write_text('date_format = "%d/%Q/%Y"\n' + m.read_text(encoding="utf-8"))
    with pytest.raises(SarapError) as e:
        ingest(ws, write_csv(tmp_path / "d.csv", GOOD), mapping=m)
    assert str(e.value) == (
        f"mapping {m}: date_format '%d/%Q/%Y' is not a date format "
        "(%d day, %m month, %Y year, %H:%M:%S time): %Q"
    )


@pytest.mark.parametrize(
    "more, unknown",
    [
        ('[constant]\ncurrency = "KZT"\n', "constant"),  # for [constants]
        ('date_fromat = "%d/%m/%Y"\n', "date_fromat"),
    ],
)
def test_a_mapping_file_key_of_no_use_is_refused(ws, tmp_path, more, unknown):
    """A misspelt key was ignored: the currency left empty, or every date
    quarantined, with nothing said of the key."""
    m = tmp_path / "m.toml"
    m.write_text(
        more + '[columns]\ndeclaration_id = "declaration_id"\ndate = "date"\n'
        'importer_id = "importer_id"\nhs_code = "hs_code"\n'
        'customs_value = "customs_value"\n',
        encoding="utf-8",
    )
    with pytest.raises(SarapError, match=rf"unknown key\(s\) '{unknown}'"):
        ingest(ws, write_csv(tmp_path / "d.csv", GOOD), mapping=m)


def test_outcomes_arriving_later_label_the_declarations(ws, tmp_path):
    rows = [r[:-1] for r in GOOD]  # declarations before inspection
    ingest(ws, write_csv(tmp_path / "d.csv", rows, header=HEADER[:-1]))
    assert (
        ws.sql("SELECT count(*) FROM declaration_lines WHERE fraud IS NOT NULL")
        .column(0)[0]
        .as_py()
        == 0
    )
    outcomes = write_csv(
        tmp_path / "o.csv",
        [
            ["D002", "1", "1500.5", "2024-02-01"],
            ["D004", "0", "", ""],
            ["D099", "2", "", ""],
        ],
        header=["declaration_id", "fraud", "additional_revenue", "inspected_on"],
    )
    r = ingest(ws, outcomes)
    assert r.mapping == "identity" and r.loaded == 2 and r.quarantined == 1
    got = ws.sql(
        "SELECT declaration_id, fraud, additional_revenue FROM "
        "declaration_lines WHERE fraud IS NOT NULL ORDER BY 1"
    ).to_pylist()
    assert got == [
        {"declaration_id": "D002", "fraud": 1, "additional_revenue": 1500.5},
        {"declaration_id": "D004", "fraud": 0, "additional_revenue": None},
    ]


def test_parties_file_is_recognised(ws, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        [["IMP1", "KZ", "2019-05-01"]],
        header=["party_id", "country", "registration_date"],
    )
    r = ingest(ws, path)
    assert r.loaded == 1 and ws.count("parties") == 1


def test_invoices_and_vat_returns_are_recognised_and_checked(ws, tmp_path):
    inv = tmp_path / "invoices.csv"
    inv.write_text(
        "invoice_id,reported_by,issued_on,seller_id,buyer_id,amount,vat_rate,vat\n"
        "INV1,seller,2024-03-01,A,B,100,12,12\n"
        "INV1,BUYER,2024-03-01,A,B,100,12,12\n"
        "INV2,broker,2024-03-02,A,C,50,12,6\n"
        "INV3,buyer,2024-03-02,B,C,-5,12,0\n"
    )
    result = ingest(ws, inv)
    assert result.mapping == "identity" and result.loaded == 2
    assert result.reasons == {
        "reported_by must be seller or buyer (column 'reported_by')": 1,
        "amount must be >= 0 (column 'amount')": 1,
    }
    rows = ws.sql("SELECT reported_by, line_no FROM invoices ORDER BY 1").to_pylist()
    assert rows == [
        {"reported_by": "buyer", "line_no": 1},
        {"reported_by": "seller", "line_no": 1},
    ]
    vat = tmp_path / "vat.csv"
    vat.write_text(
        "party_id,period,output_vat,input_vat,vat_payable,vat_paid\n"
        "A,2024-03-01,12,0,12,0\n"
    )
    assert ingest(ws, vat).loaded == 1
    assert ws.count("vat_returns") == 1


def test_a_ledger_named_in_words_is_read_and_a_bad_one_says_what_is_expected(
    ws, tmp_path
):
    # Accounting exports name the ledger ("Книга": продажи / покупки): all
    # rows were quarantined as "bad reported_by (column 'Книга'): продажи",
    # which did not say that seller or buyer was expected.
    from sarap.pipeline._ingest import reason_in_russian

    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'name = "1c"\nentity = "invoices"\n[columns]\n'
        'invoice_id = "Номер"\nreported_by = "Книга"\nissued_on = "Дата"\n'
        'seller_id = "Продавец"\nbuyer_id = "Покупатель"\namount = "Сумма"\n'
        'vat_rate = "Ставка"\nvat = "НДС"\n',
        encoding="utf-8",
    )
    inv = tmp_path / "invoices.csv"
    inv.write_text(
        "Номер;Книга;Дата;Продавец;Покупатель;Сумма;Ставка;НДС\n"
        "1;Продажи;01.03.2024;A;B;100;20;20\n"
        "1;покупки;01.03.2024;A;B;100;20;20\n"
        "2;продавец;02.03.2024;A;C;50;20;10\n"
        "2;Покупатель;02.03.2024;A;C;50;20;10\n"
        "3;Книга продаж;03.03.2024;B;C;10;20;2\n"
        "3;книга покупок;03.03.2024;B;C;10;20;2\n"
        "4;Sales;04.03.2024;B;C;10;20;2\n"
        "4;purchases;04.03.2024;B;C;10;20;2\n"
        "5;брокер;05.03.2024;B;C;10;20;2\n",
        encoding="utf-8",
    )
    result = ingest(ws, inv, mapping=str(mapping))
    assert result.loaded == 8
    got = ws.sql(
        "SELECT invoice_id, list(reported_by ORDER BY reported_by) AS sides "
        "FROM invoices GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert [r["sides"] for r in got] == [["buyer", "seller"]] * 4
    (reason,) = ws.sql("SELECT reason FROM quarantine").column(0).to_pylist()
    assert reason == "reported_by must be seller or buyer (column 'Книга'): брокер"
    assert reason_in_russian(reason) == (
        "reported_by должно быть seller или buyer (столбец «Книга»): брокер"
    )


def test_a_vat_return_dated_within_its_month_is_that_month(ws, tmp_path):
    # Returns exported with the period's last day (31.01.2024) were kept on
    # that day: the same month filed again as 01.01.2024 loaded twice (VAT
    # payable counted twice), and a profile's history showed the month twice.
    vat = tmp_path / "vat.csv"
    vat.write_text(
        "party_id,period,output_vat,input_vat,vat_payable,vat_paid\n"
        "A,31.01.2024,12,0,12,0\n"
        "A,2024-02-29,12,0,12,0\n"
    )
    assert ingest(ws, vat).loaded == 2
    again = tmp_path / "again.csv"
    again.write_text(
        "party_id,period,output_vat,input_vat,vat_payable,vat_paid\n"
        "A,2024-01-01,12,0,12,0\n"
    )
    assert ingest(ws, again).duplicates == 1
    got = ws.sql("SELECT CAST(period AS VARCHAR) FROM vat_returns ORDER BY 1")
    assert got.column(0).to_pylist() == ["2024-01-01", "2024-02-01"]


def test_every_quarantine_reason_has_a_russian_wording(ws, fixture_csv):
    from sarap.pipeline._ingest import reason_in_russian

    ingest(ws, fixture_csv)
    reasons = ws.sql("SELECT reason FROM quarantine").column(0).to_pylist()
    assert len(reasons) == len(BAD)
    english = re.compile(r"\b(missing|bad|must be|duplicate|column|same|of row)\b")
    for en in reasons:
        ru = reason_in_russian(en)
        assert not english.search(ru), (en, ru)
    assert reason_in_russian("bad date (column 'D'): 2020-13-45 and more") == (
        "неверное значение date (столбец «D»): 2020-13-45 and more"
    )
    assert reason_in_russian(
        "date must be from 1900 to 2099 (column 'Дата'): 01.02.0024"
    ) == ("date должно быть с 1900 по 2099 год (столбец «Дата»): 01.02.0024")
    assert reason_in_russian("words we never wrote") == "words we never wrote"


def _files_to_validate(tmp_path: Path) -> dict[str, tuple[Path, bool]]:
    """Files, and whether the one-pass path can take each."""
    bad_no_repeat = [r for r, why in BAD if not why.startswith("duplicate")]
    malformed = tmp_path / "malformed.csv"
    malformed.write_text(
        "\n".join([",".join(HEADER), ",".join(GOOD[0]), "D099,1,2024-01-01"]) + "\n"
    )
    return {
        "clean": (write_csv(tmp_path / "clean.csv", GOOD), True),
        "rejects": (write_csv(tmp_path / "rejects.csv", GOOD + bad_no_repeat), True),
        "repeated key": (write_csv(tmp_path / "rep.csv", GOOD + [BAD[5][0]]), False),
        "cp1251": (
            write_csv(
                tmp_path / "w.csv",
                [r[:7] + ["ТЕЛЕФОН"] + r[8:] for r in GOOD],
                encoding="cp1251",
            ),
            False,
        ),
        "malformed line": (malformed, False),
    }


def test_validate_file_one_pass_agrees_with_staging(tmp_path, monkeypatch):
    import duckdb

    from sarap.pipeline import _ingest

    for name, (path, one_pass) in _files_to_validate(tmp_path).items():
        con = duckdb.connect()
        taken = _ingest._validate_streamed(con, path, None, None) is not None
        con.close()
        assert taken == one_pass, name
        table, result = _ingest.validate_file(path)
        with monkeypatch.context() as m:
            m.setattr(_ingest, "_validate_streamed", lambda *a: None)
            staged_table, staged_result = _ingest.validate_file(path)
        assert table.equals(staged_table), name
        assert result.as_dict() == staged_result.as_dict(), name
        assert result.loaded > 0, name


def test_one_pass_keeps_file_order_on_a_big_file(tmp_path, monkeypatch):
    """Big enough for DuckDB to read in parallel, with a flag column (fraud)
    whose check is an IN list: rows must still come back in file order."""
    import duckdb

    from sarap.pipeline import _ingest
    from sarap.simulate import simulate_declarations, write_table

    path = write_table(simulate_declarations(150_000, seed=3), tmp_path / "big.csv")
    con = duckdb.connect()
    assert _ingest._validate_streamed(con, path, None, None) is not None
    con.close()
    table, _ = _ingest.validate_file(path)
    with monkeypatch.context() as m:
        m.setattr(_ingest, "_validate_streamed", lambda *a: None)
        staged, _ = _ingest.validate_file(path)
    assert table.equals(staged)
