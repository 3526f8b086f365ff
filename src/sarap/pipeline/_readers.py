"""Read a source file into a staging table of text columns.

Every format ends up the same way: a DuckDB relation whose columns are the
file's own column names, all ``VARCHAR``, plus ``_row`` (1 = first data row),
and a list of rows that could not even be parsed.
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sarap.errors import SarapError

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
# Single-byte and legacy encodings seen in the region's exports.
CYRILLIC_CANDIDATES = ("cp1251", "koi8_r", "cp866", "mac_cyrillic")
_CHUNK = 1 << 20


@dataclass
class Staged:
    """A source file read into ``relation`` (all text columns plus ``_row``)."""

    relation: str
    columns: list[str]
    rows: int
    encoding: str | None
    broken: list[tuple[int, str, str]] = field(default_factory=list)
    """Rows that could not be parsed: (row, reason, raw text)."""
    cleanup: str = ""
    """SQL that drops what staging made (the relation's table by default)."""

    def __post_init__(self) -> None:
        if not self.cleanup:
            self.cleanup = f'DROP TABLE IF EXISTS "{self.relation}"'


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        if path.suffix.lower() == ".xls":
            raise SarapError(
                f"{path}: old Excel .xls is not supported; save it as .xlsx or CSV"
            )
        raise SarapError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
            "use CSV, Parquet, Excel (.xlsx) or JSON"
        )
    return fmt


def check_readable(path: Path) -> None:
    if not path.exists():
        raise SarapError(f"{path}: no such file")
    if path.is_dir():
        raise SarapError(f"{path}: is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise SarapError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise SarapError(f"{path}: file is empty")


def detect_encoding(path: Path) -> str:
    """``utf-8`` when the whole file decodes as UTF-8, else a Cyrillic guess."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_at = offset + exc.start
                break
            offset += len(chunk)
        else:
            return "utf-8"
        fh.seek(max(0, bad_at - 4096))
        sample = fh.read(256 * 1024)
    guess = _guess_legacy(sample)
    if guess is None:
        raise SarapError(
            f"{path}: not UTF-8 (bad byte at offset {bad_at}) and the "
            "encoding could not be detected; pass --encoding"
        )
    return guess


def _guess_legacy(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(CYRILLIC_CANDIDATES)).best()
    if best is not None:
        return str(best.encoding)
    # Too little text for a statistical guess: Windows-1251 is the region's
    # default when most high bytes fall in its Cyrillic letter range.
    high = np.frombuffer(sample, dtype=np.uint8)
    high = high[high >= 0x80]
    if high.size and np.mean(high >= 0xC0) > 0.6:
        return "cp1251"
    return None


@contextmanager
def _utf8_copy(path: Path, encoding: str) -> Iterator[Path]:
    """The file itself when UTF-8, else a transcoded temporary copy."""
    if codecs.lookup(encoding).name == "utf-8":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="sarap-") as tmp:
        out = Path(tmp) / (path.stem + ".utf8" + path.suffix)
        try:
            with (
                path.open("r", encoding=encoding, newline="") as src,
                out.open("w", encoding="utf-8", newline="") as dst,
            ):
                shutil.copyfileobj(src, dst, _CHUNK)
        except UnicodeDecodeError as exc:
            raise SarapError(
                f"{path}: cannot decode as {encoding} at byte "
                f"{exc.start}; check --encoding"
            ) from None
        yield out


@contextmanager
def stage(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    encoding: str | None = None,
    relation: str = "_staging",
) -> Iterator[Staged]:
    """Read ``path`` into a temporary table named ``relation``.

    Raises :class:`SarapError` with one line when the file cannot be read.
    """
    path = Path(path)
    fmt = file_format(path)
    check_readable(path)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SarapError(f"unknown encoding {encoding!r}") from None
    try:
        if fmt in ("csv", "json"):
            enc = encoding or detect_encoding(path)
            with _utf8_copy(path, enc) as utf8:
                staged = (_stage_csv if fmt == "csv" else _stage_json)(
                    con, utf8, relation
                )
                staged.encoding = codecs.lookup(enc).name
        elif fmt == "parquet":
            staged = _stage_parquet(con, path, relation)
        else:
            staged = _stage_excel(con, path, relation)
    except duckdb.Error as exc:
        msg = str(exc).strip().splitlines()[0]
        raise SarapError(f"{path}: cannot read as {fmt}: {msg}") from None
    try:
        yield staged
    finally:
        con.execute(staged.cleanup)


def sql_literal(value: object) -> str:
    """A SQL string literal (for the few statements that take no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    rows = con.execute(f'DESCRIBE "{relation}"').fetchall()
    return [r[0] for r in rows if r[0] != "_row"]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{relation}"').fetchall()[0][0])


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    text = f"{rel}_text"
    # ignore_errors + store_rejects: malformed lines are set aside with their
    # line number instead of failing the whole file. Rows are stored in file
    # order, so a row's position (rowid) numbers it; a row_number() window
    # would cost as much again as reading the file.
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{text}" AS SELECT * '
        "FROM read_csv(?, all_varchar = true, header = true, ignore_errors = true, "
        "store_rejects = true, null_padding = false)",
        [str(path)],
    )
    rejects = con.execute(
        "SELECT line, any_value(error_type), any_value(error_message), "
        "any_value(csv_line) FROM reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    broken = [
        (int(line) - 1, f"malformed CSV line: {msg}", str(raw))
        for line, _, msg, raw in rejects
    ]
    n = _count(con, text)
    if broken:
        # Number the good rows as they stand in the file, around the bad ones.
        bad = np.array([b[0] for b in broken], dtype=np.int64)
        rows = np.setdiff1d(np.arange(1, n + len(bad) + 1, dtype=np.int64), bad)[:n]
        con.register("_rowmap", pa.table({"_k": np.arange(1, n + 1), "_row": rows}))
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{text}" AS SELECT m._row, s.* '
            f'FROM (SELECT rowid + 1 AS _k, * FROM "{text}") s '
            "JOIN _rowmap m USING (_k) ORDER BY _k"
        )
        con.unregister("_rowmap")
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{rel}" AS SELECT * EXCLUDE (_k) '
            f'FROM "{text}"'
        )
    else:
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{rel}" AS SELECT rowid + 1 AS _row, * '
            f'FROM "{text}"'
        )
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    cleanup = f'DROP VIEW IF EXISTS "{rel}"; DROP TABLE IF EXISTS "{text}"'
    return Staged(rel, _columns(con, rel), n + len(broken), None, broken, cleanup)


def _as_text(con: duckdb.DuckDBPyConnection, rel: str, source: str) -> None:
    cols = [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()]
    cols = [c for c in cols if c not in ("_row", "file_row_number")]
    casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in cols)
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{rel}" AS SELECT _row, {casts} FROM {source}'
    )


def _stage_query(con: duckdb.DuckDBPyConnection, rel: str, select: str) -> Staged:
    """Stage ``select`` (a query with a ``_row`` column) as text columns."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _src AS {select}")
    _as_text(con, rel, "_src")
    con.execute("DROP VIEW _src")
    return Staged(rel, _columns(con, rel), _count(con, rel), None)


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    return _stage_query(
        con,
        rel,
        "SELECT row_number() OVER () AS _row, * FROM "
        f"read_json({sql_literal(path)}, format = 'auto', sample_size = -1)",
    )


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    return _stage_query(
        con,
        rel,
        "SELECT file_row_number + 1 AS _row, * FROM "
        f"read_parquet({sql_literal(path)}, file_row_number = true)",
    )


def _stage_excel(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise SarapError(f"{path}: cannot read as Excel: {exc}") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SarapError(f"{path}: first sheet is empty")
        names = [
            str(h).strip() if h is not None else f"column{i + 1}"
            for i, h in enumerate(header)
        ]
        data: list[list[str | None]] = [[] for _ in names]
        numbers: list[int] = []
        for number, row in enumerate(rows, start=1):
            if row is None or all(v is None for v in row):
                continue
            numbers.append(number)
            for i in range(len(names)):
                v = row[i] if i < len(row) else None
                data[i].append(_excel_text(v))
    finally:
        wb.close()
    n = len(numbers)
    table = pa.table(
        {
            "_row": pa.array(numbers, pa.int64()),
            **{
                c: pa.array(col, pa.string())
                for c, col in zip(names, data, strict=True)
            },
        }
    )
    con.register("_xl_src", table)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{rel}" AS SELECT * FROM _xl_src')
    con.unregister("_xl_src")
    return Staged(rel, names, n, None)


def _excel_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)
