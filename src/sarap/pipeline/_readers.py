"""Read a source file into a staging table of text columns.

Every format ends up the same way: a DuckDB relation whose columns are the
file's own column names, all ``VARCHAR``, plus ``_row`` (1 = the first row
after the header, blank lines counted; in JSON Lines, the line; in a JSON
array, the record), and a list of rows that could not even be parsed.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
CYRILLIC_CANDIDATES = ("cp1251", "kz1048", "koi8_r", "cp866", "mac_cyrillic")
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
    header: list[str] = field(default_factory=list)
    """The file's own column names, by position (``columns`` by default):
    ``columns`` are unique, ``value`` and ``value_1`` for a repeated name."""
    serials: dict[str, str] = field(default_factory=dict)
    """Column -> a hidden DATE column of the relation: where the cell is a
    plain number that can be an Excel serial date, that date (Excel); where
    the value is a JSON number of epoch milliseconds, that day (JSON)."""
    merged: dict[str, str] = field(default_factory=dict)
    """Column -> a hidden column of the relation: where a merged range
    covers the cell but does not start at it, the range ("A2:A4") (Excel)."""
    warnings: list[str] = field(default_factory=list)
    """What the reader saw that the user should know, one line each."""

    def __post_init__(self) -> None:
        if not self.cleanup:
            self.cleanup = f'DROP TABLE IF EXISTS "{self.relation}"'
        if not self.header:
            self.header = list(self.columns)

    @property
    def source(self) -> str:
        """The relation as SQL to select from, without its hidden columns."""
        if not self.serials and not self.merged:
            return f'"{self.relation}"'
        columns = [*self.serials.values(), *self.merged.values()]
        hidden = ", ".join(f'"{c}"' for c in columns)
        return f'(SELECT * EXCLUDE ({hidden}) FROM "{self.relation}")'


def header_key(name: str) -> str:
    """A header name as it is matched when not exactly: in lower case, its
    spaces, line breaks (a wrapped header cell: 'Таможенная\\nстоимость')
    and no-break spaces as one space."""
    return " ".join(name.split()).lower()


def staged_column(staged: Staged, name: str, path: Path) -> str | None:
    """The staged column of the header name ``name`` (by :func:`header_key`
    when none is exact), None when the file has none. A name the header
    repeats is refused: which column is meant would be a guess."""
    header = staged.header
    at = [i for i, h in enumerate(header) if h == name] or [
        i for i, h in enumerate(header) if header_key(h) == header_key(name)
    ]
    if len(at) > 1:
        times = "twice" if len(at) == 2 else f"{len(at)} times"
        where = ", ".join(str(i + 1) for i in at[:-1]) + f" and {at[-1] + 1}"
        raise SarapError(
            f"{path}: column '{name}' appears {times} in the header "
            f"(columns {where}); rename one of them"
        )
    return staged.columns[at[0]] if at else None


def file_format(path: Path) -> str:
    if path.is_dir():  # before its name: a folder has no file type
        raise SarapError(f"{path}: is a folder, not a file")
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
    size = path.stat().st_size
    if size == 0:
        raise SarapError(f"{path}: file is empty")
    if size < 4096 and file_format(path) in ("csv", "json"):
        # An editor saves an empty sheet as a byte-order mark and line ends:
        # there is no header to be missing columns.
        text = path.read_bytes().replace(codecs.BOM_UTF8, b"")
        if not text.strip():
            raise SarapError(f"{path}: file is empty (only blank lines)")


def detect_encoding(path: Path) -> str:
    """``utf-8`` when the file is UTF-8, else a Cyrillic guess.

    A file that reads as UTF-8, Cyrillic letters included, up to a byte
    that does not is UTF-8 with a broken line (the broken lines are then
    quarantined); decoding all of it in a single-byte code page would turn
    every other line into nonsense.
    """
    with path.open("rb") as fh:
        if fh.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"  # Excel's "Unicode text"
    scan = _scan_utf8(path)
    if scan.bad_at is None or scan.letters >= _UTF8_EVIDENCE:
        return "utf-8"
    guess = _guess_at(path, scan.bad_at)
    if guess is None:
        raise SarapError(
            f"{path}: not UTF-8 (bad byte at offset {scan.bad_at}) and the "
            "encoding could not be detected; pass --encoding"
        )
    return guess


_UTF8_EVIDENCE = 16
_NAMES = {
    "cp1251": "Windows-1251",
    "kz1048": "KZ-1048",
    "koi8_r": "KOI8-R",
    "cp866": "DOS 866",
    "mac_cyrillic": "Mac Cyrillic",
}


def _guess_at(path: Path, bad_at: int) -> str | None:
    """The Cyrillic code page of the text around the byte ``bad_at``."""
    with path.open("rb") as fh:
        fh.seek(max(0, bad_at - 4096))
        sample = fh.read(64 * 1024)
    return _guess_legacy(sample)


def _check_utf8(path: Path) -> None:
    """Refuse a file said to be UTF-8 that is another encoding: read as
    UTF-8, each of its lines with a Cyrillic letter would be set aside as a
    malformed line. (A UTF-8 file with a broken line passes, as when the
    encoding is detected: that line alone is set aside.)"""
    scan = _scan_utf8(path)
    if scan.bad_at is None or scan.letters >= _UTF8_EVIDENCE:
        return
    where = f"{path}: not valid UTF-8 (line {scan.line}, byte {scan.bad_at})"
    guess = _guess_at(path, scan.bad_at)
    if guess is None:
        raise SarapError(f"{where}; check --encoding, or leave it out to detect it")
    raise SarapError(
        f"{where}; it reads as {_NAMES[guess]}: pass --encoding {guess}, "
        "or leave --encoding out to detect it"
    )


@dataclass
class _Utf8Scan:
    bad_at: int | None  # offset of the first byte that is not UTF-8
    line: int  # its line (1-based)
    letters: int  # non-ASCII characters read before it (counted up to 16)


def _scan_utf8(path: Path) -> _Utf8Scan:
    """Read ``path`` as UTF-8 up to its first bad byte, if any."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines, letters = 0, 1, 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                good = chunk[: exc.start]
                letters += _non_ascii(good.decode("utf-8", "ignore"))
                return _Utf8Scan(offset + exc.start, lines + good.count(b"\n"), letters)
            if letters < _UTF8_EVIDENCE:
                letters += _non_ascii(text)
            offset += len(chunk)
            lines += chunk.count(b"\n")
    return _Utf8Scan(None, lines, letters)


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_KK = "әғқңөұүһі"  # Kazakh's own letters (Kyrgyz uses ң, ө, ү)
_LETTERS = frozenset(_RU + _KK + (_RU + _KK).upper())
_LOWER = frozenset(_RU + _KK)
# Letter pairs frequent in Russian: a wrong code page scrambles the letters,
# and with them these pairs, even where every byte still decodes to a letter
# (Windows-1251 upper case read as KOI8-R: ПРОЧИЕ becomes опнвхе).
_COMMON_PAIRS = frozenset(
    "ст но то на ен ов ни ра во ко ро ре ос пр ер не по ал ли ан ет ол ор ом "
    "ка ва ат ри ес ит те ел ин ле ло ск ви де ть ие ия ой ый ая ых ым ед ль "
    "ис ак ны ди ма ча ще ци ем ев ив".split()
)


_SEPARATORS = "\u00a0\u202f\u2009"  # no-break, narrow no-break, thin space
_DIGIT_GROUPS = re.compile(r"(?<=[0-9])[^\x00-\x7f](?=[0-9])")


def _plausibility(text: str) -> tuple[float, float]:
    """How much ``text`` looks like Cyrillic writing: the share of its
    non-ASCII characters that are letters, and the share of its letter
    pairs that are frequent in Russian."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 0.0, 0.0
    # Between two digits, a thousands separator (Excel in Russian writes
    # 1 234,50 with a no-break space, byte A0 in Windows-1251) is plausible
    # and a letter is not (DOS 866 reads that byte as "а": 1а234,50).
    grouped = _DIGIT_GROUPS.findall(text)
    plausible = sum(c in _LETTERS for c in high) - sum(c in _LETTERS for c in grouped)
    share = (plausible + sum(c in _SEPARATORS for c in grouped)) / len(high)
    t = text.lower()
    pairs = [t[i : i + 2] for i in range(len(t) - 1) if t[i] in _LOWER]
    pairs = [p for p in pairs if p[1] in _LOWER]
    common = sum(p in _COMMON_PAIRS for p in pairs) / len(pairs) if pairs else 0.0
    return share, common


def _guess_legacy(sample: bytes) -> str | None:
    """The single-byte code page in which ``sample`` reads most like
    Cyrillic writing; None when none does.

    First the code pages in which (nearly) every non-ASCII character is a
    letter; among those, Windows-1251 (the region's default, first in
    ``CYRILLIC_CANDIDATES``) unless another gives clearly more frequent
    letter pairs: on a few words, chance alone can favour a wrong one.
    """
    scores = [
        (*_plausibility(sample.decode(enc, errors="replace")), enc)
        for enc in CYRILLIC_CANDIDATES
    ]
    top = max(share for share, _, _ in scores)
    if top < 0.8:
        return None
    close = [s for s in scores if s[0] >= top - 0.02]  # in candidate order
    best = max(close, key=lambda s: s[1])
    return best[2] if best[1] > close[0][1] + 0.2 else close[0][2]


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
        except UnicodeError:  # "UTF-16 stream does not start with BOM"
            raise SarapError(_no_mark(path, encoding)) from None
        yield out


def _no_mark(path: Path, encoding: str) -> str:
    """The error for a file said to be UTF-16 (or UTF-32) that does not
    start with the byte-order mark that says which byte comes first."""
    name = codecs.lookup(encoding).name.upper()
    said = f"{path}: no {name} byte-order mark at its start"
    with path.open("rb") as fh:
        head = fh.read(4096)
    pairs = len(head) // 2
    # UTF-16 text in a Latin or Cyrillic script: every other byte is 0 (an
    # ASCII character) or 4 (Cyrillic), the high byte of each character.
    for order, high in (("little", head[1::2]), ("big", head[0::2])):
        if name == "UTF-16" and pairs and sum(b in (0, 4) for b in high) > pairs * 0.9:
            return (
                f"{said}; it reads as UTF-16 {order}-endian: pass --encoding "
                f"utf-16-{order[0]}e"
            )
    return f"{said}, and it does not read as {name}; leave --encoding out to detect it"


# The line Excel writes above a CSV file's header (and reads) to name its
# delimiter: "sep=;". Excel does not show it: the header is its row 1.
_SEP_LINE = re.compile(r"(?:\ufeff)?sep=([^\r\n])\r?\n", re.I)


def sep_hint(path: Path) -> str | None:
    """The delimiter a UTF-8 CSV file's first line names ("sep=;"), else None."""
    with path.open("rb") as fh:
        head = fh.read(16).decode("utf-8", "ignore")
    m = _SEP_LINE.match(head)
    return m.group(1) if m else None


@contextmanager
def _after_sep_line(path: Path) -> Iterator[tuple[Path, str | None]]:
    """The UTF-8 CSV file and None, or, when its first line names its
    delimiter (:func:`sep_hint`), a temporary copy without that line and
    the delimiter: every reader of the file then sees the header first."""
    delimiter = sep_hint(path)
    if delimiter is None:
        yield path, None
        return
    with tempfile.TemporaryDirectory(prefix="sarap-") as tmp:
        out = Path(tmp) / path.name
        with path.open("rb") as src, out.open("wb") as dst:
            src.readline()
            shutil.copyfileobj(src, dst, _CHUNK)
        yield out, delimiter


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
    enc = None
    try:
        if fmt in ("csv", "json"):
            if encoding is not None and codecs.lookup(encoding).name == "utf-8":
                _check_utf8(path)
            enc = encoding or detect_encoding(path)
            with _utf8_copy(path, enc) as utf8:
                if fmt == "csv":
                    with _after_sep_line(utf8) as (text, delimiter):
                        staged = _stage_csv(con, text, relation, delimiter)
                else:
                    staged = _stage_json(con, utf8, relation)
                staged.encoding = codecs.lookup(enc).name
        elif fmt == "parquet":
            staged = _stage_parquet(con, path, relation)
        else:
            staged = _stage_excel(con, path, relation)
    except (duckdb.Error, UnicodeDecodeError) as exc:  # the latter: JSON Lines
        msg = str(exc).strip().splitlines()[0]
        if too_long := re.search(r"Maximum line size of (\d+) bytes", str(exc)):
            msg = _longest_line(path, int(too_long.group(1)))
        if enc is not None and codecs.lookup(enc).name == "utf-8":
            scan = _scan_utf8(path)
            if scan.bad_at is not None:
                raise SarapError(
                    f"{path}: UTF-8 but for line {scan.line}, which is not "
                    "(another encoding pasted in?): fix that line, or pass "
                    "--encoding"
                ) from None
        raise SarapError(f"{path}: cannot read as {fmt}: {msg}") from None
    try:
        yield staged
    finally:
        con.execute(staged.cleanup)


def _longest_line(path: Path, limit: int) -> str:
    """Which line is past DuckDB's line size: its error says line 1."""
    number, size = 0, 0
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            if len(line) > size:
                number, size = n, len(line)
    return (
        f"line {number} is {size:,} bytes long, more than the {limit:,} a line may have"
    )


def sql_literal(value: object) -> str:
    """A SQL string literal (for the few statements that take no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    rows = con.execute(f'DESCRIBE "{relation}"').fetchall()
    return [r[0] for r in rows if r[0] != "_row"]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{relation}"').fetchall()[0][0])


def _stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, delimiter: str | None = None
) -> Staged:
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    text = f"{rel}_text"
    # ignore_errors + store_rejects: malformed lines are set aside with their
    # line number instead of failing the whole file. Rows are stored in file
    # order, so a row's position (rowid) numbers it; a row_number() window
    # would cost as much again as reading the file.
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{text}" AS SELECT * '
        f"FROM read_csv(?, all_varchar = true, {_LENIENT}{_new_line(path)}"
        f"{_delim(delimiter)})",
        [str(path)],
    )
    quoting, names = None, None
    if _quotes_kept(con, text) and not (sniffed := _quoting(con, path, delimiter))[0]:
        quoting, names = _read_quoted(con, path, text, sniffed[2] or b",")
    rejects = con.execute(
        "SELECT line, any_value(error_type), any_value(error_message), "
        "any_value(csv_line) FROM reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    # DuckDB skips blank lines and counts them in a rejected line's number:
    # rows are numbered counting them, as a spreadsheet shows the file. With
    # a single column, DuckDB reads a blank line after the header as an
    # empty value: it is dropped, as it is no row in any other file.
    blank = _blank_lines(con, path, quoting, delimiter)
    single = len(_columns(con, text)) == 1
    header = 1  # the header's record
    while header in blank:
        header += 1
    blank_rows = [b - header for b in blank if b > header]
    broken = [
        (int(line) - header, f"malformed CSV line: {msg}", str(raw))
        for line, _, msg, raw in rejects
    ]
    n = _count(con, text)
    if broken or blank_rows:
        # Number the good rows as they stand in the file, around the bad ones.
        skip = [b[0] for b in broken] + ([] if single else blank_rows)
        bad = np.array(skip, dtype=np.int64)
        rows: np.ndarray = np.setdiff1d(
            np.arange(1, n + len(bad) + 1, dtype=np.int64), bad
        )[:n]
        read: np.ndarray = np.arange(1, n + 1, dtype=np.int64)
        if single:  # the blank lines' empty values go (the join drops them)
            kept = ~np.isin(rows, blank_rows)
            read, rows, n = read[kept], rows[kept], int(kept.sum())
        con.register("_rowmap", pa.table({"_k": read, "_row": rows}))
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
    columns = _columns(con, rel)
    return Staged(
        rel,
        columns,
        n + len(broken),
        None,
        broken,
        cleanup,
        names or csv_header(con, path, columns, delimiter),
    )


_LENIENT = (
    "header = true, ignore_errors = true, store_rejects = true, null_padding = false"
)


def _new_line(path: Path) -> str:
    """The option that names the CSV file's line end, where DuckDB would not
    find it: a header cell wrapped over two lines in Excel is saved with a
    bare line feed inside quotes, the lines ending in CR LF, and DuckDB then
    finds no way to read the file at all ("Error when sniffing file")."""
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    first, crlf, _ = head.partition(b"\r\n")
    return ", new_line = '\\r\\n'" if crlf and b"\n" in first else ""


def _delim(delimiter: str | None) -> str:
    """The read_csv option naming ``delimiter``, '' to have DuckDB find it."""
    return f", delim = {sql_literal(delimiter)}" if delimiter else ""


def _quotes_kept(con: duckdb.DuckDBPyConnection, text: str) -> bool:
    """Whether DuckDB read a quoted CSV file as one without quotes: a quote
    that never closes, among the lines it samples, makes it do so, and
    every quoted name and value would keep its quotes."""
    first = con.execute(f'SELECT * FROM "{text}" LIMIT 1').fetchall()
    cells = _columns(con, text) + [str(v) for v in (first[0] if first else ())]
    return any(len(c) > 1 and c[0] == c[-1] == '"' for c in cells)


def _read_quoted(
    con: duckdb.DuckDBPyConnection, path: Path, text: str, delimiter: bytes
) -> tuple[tuple[bytes, bytes, bytes], list[str]]:
    """Read the CSV file into ``text`` again with " as its quote, the line
    whose quote never closes then rejected alone; its quoting and header."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh, delimiter=delimiter.decode())
        header = next((row for row in rows if row), [])
    columns = ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in _unique(header))
    con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{text}" AS SELECT * FROM read_csv(?, '
        f"{_LENIENT}, auto_detect = false, delim = {sql_literal(delimiter.decode())}, "
        f"quote = '\"', escape = '\"', columns = {{{columns}}})",
        [str(path)],
    )
    return (b'"', b"", delimiter), header


def _blank_lines(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    quoting: tuple[bytes, bytes, bytes] | None = None,
    hinted: str | None = None,
) -> list[int]:
    """The blank lines of a CSV file, numbered as DuckDB numbers records
    (1 = the first; a quoted value over several lines is one record), read
    with ``quoting`` (quote, escape, delimiter) or the one DuckDB detects
    (with the delimiter ``hinted``, when a sep= line named it)."""
    tail = b"\n"  # the file's start, as a line end before its first line
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\n\n" in tail + chunk or b"\n\r\n" in tail + chunk:
                break
            tail = chunk[-2:]
        else:
            return []  # most files: no blank line, no line-by-line reading
        quote, escape, delimiter = quoting or _quoting(con, path, hinted)
        fh.seek(0)
        blank: list[int] = []
        record, quoted = 0, False
        for line in fh:
            if not quoted:
                record += 1
                if line in (b"\n", b"\r\n"):
                    blank.append(record)
            if not quote:
                continue
            if escape:  # an escaped quote (or escape) neither opens nor closes
                line = line.replace(escape + escape, b"").replace(escape + quote, b"")
            # Only a line with an odd number of quotes can open or close a
            # value (a doubled quote is one inside it); such a line is read
            # value by value, as a quote amid a value (12" for inches) is a
            # plain character.
            if line.count(quote) % 2:
                quoted = _ends_quoted(line, quote, delimiter, quoted)
    return blank


def _ends_quoted(line: bytes, quote: bytes, delimiter: bytes, quoted: bool) -> bool:
    """Whether a CSV line ends inside a quoted value, ``quoted`` telling
    whether it starts inside one: a quote opens a value only at its start,
    and inside one a doubled quote is one quote."""
    at, end = 0, len(line)
    while at < end:
        if quoted:
            close = line.find(quote, at)
            if close < 0:
                return True
            if line[close + 1 : close + 2] == quote:
                at = close + 2
                continue
            quoted, at = False, close + 1
        elif line[at : at + len(quote)] == quote:
            quoted, at = True, at + len(quote)
            continue
        # an unquoted value, or what follows a closing quote: to the next one
        nxt = line.find(delimiter, at) if delimiter else -1
        if nxt < 0:
            return False
        at = nxt + len(delimiter)
    return quoted


def _quoting(
    con: duckdb.DuckDBPyConnection, path: Path, delimiter: str | None = None
) -> tuple[bytes, bytes, bytes]:
    """The quote, escape and delimiter characters DuckDB reads the CSV file
    with (b"" for none, and for an escape that is the quote doubled): it
    detects them (a file may quote with ', or not at all), from a sample
    (0.1 s on a 256 MB file)."""
    try:
        quote, escape, delimiter = con.execute(
            "SELECT Quote, Escape, Delimiter FROM sniff_csv(?, all_varchar = true, "
            f"header = true, ignore_errors = true, null_padding = false"
            f"{_new_line(path)}{_delim(delimiter)})",
            [str(path)],
        ).fetchall()[0]
    except duckdb.Error:
        return b'"', b"", b","
    quote = "" if quote == "(empty)" else quote
    escape = "" if escape in ("(empty)", quote) else escape
    delimiter = "" if delimiter == "(empty)" else delimiter
    return quote.encode(), escape.encode(), delimiter.encode()


# DuckDB's names for a repeated header name (value_1) and an empty one (column3).
_RENAMED = re.compile(r".+_[0-9]+|column[0-9]+")


def csv_header(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns: list[str],
    delimiter: str | None = None,
) -> list[str]:
    """The header of the CSV file ``path`` as written, for the ``columns``
    DuckDB read it with (which it renames when a name repeats)."""
    if not any(_RENAMED.fullmatch(c) for c in columns):
        return columns
    first = con.execute(
        "SELECT * FROM read_csv(?, all_varchar = true, header = false, "
        f"ignore_errors = true, null_padding = false{_new_line(path)}"
        f"{_delim(delimiter)}) LIMIT 1",
        [str(path)],
    ).fetchall()
    if not first or len(first[0]) != len(columns):
        return columns  # read another way: keep DuckDB's names
    return [c if h is None else str(h) for c, h in zip(columns, first[0], strict=True)]


def _as_text(
    con: duckdb.DuckDBPyConnection, rel: str, source: str, *, epochs: bool = False
) -> dict[str, str]:
    """Stage ``source`` into ``rel`` as text columns; with ``epochs`` (JSON),
    also a hidden DATE column for each column that holds whole numbers: the
    day of each that reads as epoch milliseconds (:data:`_EPOCH_MS`).
    Returns column -> its hidden column."""
    described = con.execute(f"DESCRIBE {source}").fetchall()
    kinds = {r[0]: r[1] for r in described}
    cols = [c for c in kinds if c not in ("_row", "file_row_number")]

    def text(c: str) -> str:
        # A JSON key holding numbers in some records and strings in others
        # is typed JSON: its strings would keep their quotes ("0101 21").
        if kinds[c] == "JSON":
            return f"""json_extract_string("{c}", '$')"""
        # Parquet strings written without their UTF-8 annotation are bytes:
        # decoded, else (not UTF-8) kept as escaped bytes, as DuckDB casts.
        if kinds[c] == "BLOB":
            return f'coalesce(TRY(decode("{c}")), CAST("{c}" AS VARCHAR))'
        return f'CAST("{c}" AS VARCHAR)'

    def epoch(c: str) -> str:
        whole = f'TRY_CAST("{c}" AS BIGINT)'
        if kinds[c] == "JSON":  # a number, not text that holds one
            number = f"""json_type("{c}") IN ('BIGINT', 'UBIGINT')"""
            whole = f"CASE WHEN {number} THEN {whole} END"
        low, high = _EPOCH_MS
        return (
            f"CASE WHEN abs({whole}) >= {_EPOCH_MS_LEAST} AND {whole} BETWEEN "
            f"{low} AND {high} THEN CAST(epoch_ms({whole}) AS DATE) END"
        )

    numbers = [c for c in cols if epochs and kinds[c] in _WHOLE]
    hidden = _unique([*cols, *(f"#epoch {c}" for c in numbers)])[len(cols) :]
    casts = ", ".join(
        [f'{text(c)} AS "{c}"' for c in cols]
        + [f'{epoch(c)} AS "{h}"' for c, h in zip(numbers, hidden, strict=True)]
    )
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "{rel}" AS SELECT _row, {casts} FROM {source}'
    )
    return dict(zip(numbers, hidden, strict=True))


# pandas' to_json writes dates as epoch milliseconds (its default
# date_format='epoch'): 1704412800000 is 2024-01-05. A JSON whole number in
# a date field is read so when it is a day from 1900 to 2099 of 12 digits or
# more; a shorter one is more likely a year, a 20240105 or epoch seconds,
# which would become a day of 1970: it stays a bad date.
_EPOCH_MS = (-2208988800000, 4102444799999)  # 1900-01-01 to 2099-12-31
_EPOCH_MS_LEAST = 10**11  # 12 digits: before 1966-10-31 or from 1973-03-04
_WHOLE = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UBIGINT", "HUGEINT", "JSON")


def _stage_query(
    con: duckdb.DuckDBPyConnection, rel: str, select: str, *, epochs: bool = False
) -> Staged:
    """Stage ``select`` (a query with a ``_row`` column) as text columns
    (``epochs``: see :func:`_as_text`)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _src AS {select}")
    serials = _as_text(con, rel, "_src", epochs=epochs)
    con.execute("DROP VIEW _src")
    hidden = set(serials.values())
    columns = [c for c in _columns(con, rel) if c not in hidden]
    return Staged(rel, columns, _count(con, rel), None, serials=serials)


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    """A JSON array (row = record), or JSON Lines (row = line in the file)."""
    shape = _json_shape(path)
    if shape != "lines":
        select = (
            "SELECT row_number() OVER () AS _row, * FROM "
            f"read_json({sql_literal(path)}, format = '{shape}', sample_size = -1)"
        )
        if shape != "array":
            return _stage_query(con, rel, select, epochs=True)
        # An element that is not an object makes DuckDB read the array as
        # one value per element, one with a key twice fails it: the objects
        # are taken one by one instead.
        try:
            staged = _stage_query(con, rel, select, epochs=True)
        except duckdb.Error:
            con.execute("DROP VIEW IF EXISTS _src")
        else:
            if staged.columns != ["json"]:
                return staged
            con.execute(staged.cleanup)
        return _stage_json_array(con, path, rel)
    # DuckDB reads a clean file whole. One line that is not a JSON object
    # fails it, and DuckDB skips blank lines, which would shift the row
    # numbers: such a file is read line by line instead.
    try:
        staged = _stage_query(
            con,
            rel,
            f"SELECT row_number() OVER () AS _row, * FROM {_read_lines(path)}",
            epochs=True,
        )
    except duckdb.Error:
        con.execute("DROP VIEW IF EXISTS _src")
    else:
        if staged.rows == _line_count(path):
            return staged
        con.execute(staged.cleanup)
    return _stage_json_by_line(con, path, rel)


def _read_lines(path: Path) -> str:
    return (
        f"read_json({sql_literal(path)}, format = 'newline_delimited', "
        "records = 'true', sample_size = -1)"
    )


def _json_shape(path: Path) -> str:
    """``lines`` for JSON Lines (by its name, or one of its first three
    lines a whole JSON object: the first may be cut short), ``array`` for a
    JSON array, else ``auto``.

    An array is named as such because DuckDB's ``auto`` reads one after a
    UTF-8 byte-order mark as a single value.
    """
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "lines"
    looked = 0  # the first few lines: the first may be cut short
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for line in iter(lambda: fh.readline(_CHUNK), ""):
            if not line.strip():
                continue
            if looked == 0 and line.lstrip().startswith("["):
                return "array"
            try:
                if isinstance(json.loads(line), dict):
                    return "lines"
            except ValueError:
                pass
            looked += 1
            if looked == _SHAPE_LINES:
                break
    return "auto"


_SHAPE_LINES = 3


def _line_count(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _stage_json_by_line(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    """Stage the JSON objects of a JSON Lines file, each numbered by its
    line; other lines (bad JSON, not an object) are set aside."""
    numbers: list[int] = []
    broken: list[tuple[int, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="sarap-") as tmp:
        objects = Path(tmp) / "objects.jsonl"
        with path.open("rb") as src, objects.open("w", encoding="utf-8") as dst:
            for number, raw in enumerate(src, start=1):  # lines end at \n only
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                try:
                    record = json.loads(
                        line, parse_constant=_not_json, object_pairs_hook=_object
                    )
                except ValueError as exc:
                    why = (
                        f"{exc.msg} (column {exc.colno})"
                        if isinstance(exc, json.JSONDecodeError)
                        else str(exc)
                    )
                    broken.append((number, f"invalid JSON: {why}", line))
                    continue
                if not isinstance(record, _Object):
                    broken.append((number, "not a JSON object", line))
                    continue
                if record.twice:
                    why = f"invalid JSON: key '{record.twice}' twice"
                    broken.append((number, why, line))
                    continue
                dst.write(line + "\n")
                numbers.append(number)
        if not numbers:
            first = f" (line {broken[0][0]}: {broken[0][1]})" if broken else ""
            raise SarapError(f"{path}: no JSON object on any line{first}")
        return _stage_objects(con, rel, objects, numbers, broken)


def _stage_json_array(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> Staged:
    """Stage the objects of a JSON array, each numbered by its place in the
    array; other elements are set aside."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            records = json.load(fh, parse_constant=_not_json, object_pairs_hook=_object)
    except ValueError as exc:
        raise SarapError(f"{path}: cannot read as JSON: {exc}") from None
    numbers: list[int] = []
    broken: list[tuple[int, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="sarap-") as tmp:
        objects = Path(tmp) / "objects.jsonl"
        with objects.open("w", encoding="utf-8") as dst:
            for number, record in enumerate(records, start=1):
                text = json.dumps(record, ensure_ascii=False)
                if not isinstance(record, _Object):
                    broken.append((number, "not a JSON object", text))
                elif record.twice:
                    why = f"invalid JSON: key '{record.twice}' twice"
                    broken.append((number, why, text))
                else:
                    dst.write(text + "\n")
                    numbers.append(number)
        if not numbers:
            raise SarapError(f"{path}: no JSON object in the array")
        return _stage_objects(con, rel, objects, numbers, broken)


def _stage_objects(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    objects: Path,
    numbers: list[int],
    broken: list[tuple[int, str, str]],
) -> Staged:
    """Stage a JSON Lines file of objects alone, the k-th numbered
    ``numbers[k]``, with the ``broken`` rows set aside from it."""
    con.register(
        "_rowmap",
        pa.table({"_k": np.arange(1, len(numbers) + 1), "_row": numbers}),
    )
    try:
        staged = _stage_query(
            con,
            rel,
            "SELECT m._row, s.* EXCLUDE (_k) FROM (SELECT row_number() OVER () "
            f"AS _k, * FROM {_read_lines(objects)}) s JOIN _rowmap m "
            "ON s._k = m._k",
            epochs=True,
        )
    finally:
        con.unregister("_rowmap")
    staged.broken = broken
    staged.rows += len(broken)
    return staged


class _Object(dict[str, Any]):
    """A JSON object, and a key it (or an object in it) has twice: DuckDB
    refuses such an object, and with it the whole file."""

    twice: str = ""


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        keys = [k for k, _ in pairs]
        obj.twice = next(k for i, k in enumerate(keys) if k in keys[:i])
        return obj
    for v in obj.values():
        for inner in v if isinstance(v, list) else [v]:
            if isinstance(inner, _Object) and inner.twice:
                obj.twice = inner.twice
                return obj
    return obj


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # Python reads NaN; JSON has none


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
        if path.name.startswith("~$"):
            raise SarapError(_lock_file(path)) from None
        raise SarapError(f"{path}: cannot read as Excel: {exc}") from None
    try:
        sheets = _sheets(wb)
        rows = (tuple(map(_cell_value, row)) for row in sheets[0].iter_rows())
        header = next(rows, None)
        if header is None:
            others = [
                _sheet_name(sheet)
                for sheet in sheets[1:]
                if any(v is not None for row in _top(sheet) for v in row)
            ]
            hint = f"; only the first sheet is read (not empty: {', '.join(others)})"
            raise SarapError(f"{path}: first sheet is empty{hint if others else ''}")
        header_names = [
            str(h).strip() if h is not None else f"column{i + 1}"
            for i, h in enumerate(header)
        ]
        names = _unique(header_names)
        warnings = []
        unvalued, merged = _scan_sheet(sheets[0])
        if unvalued:
            cells = f"{unvalued:,} formula cell{'s' if unvalued > 1 else ''}"
            warnings.append(
                f"sheet '{sheets[0].title}': {cells} saved without their values, "
                "read as empty: open the file in Excel and save it again"
            )
        data: list[list[str | None]] = [[] for _ in names]
        numbers: list[int] = []
        epoch = wb.epoch.date()  # 1899-12-30, or 1904-01-01 (the 1904 system)
        low, high = (
            (d - epoch).days for d in (_SERIALS[0], _SERIALS[1] + timedelta(1))
        )
        serial: dict[int, dict[int, date]] = {}  # column -> row index -> date
        for number, row in enumerate(rows, start=1):
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                v = row[i] if i < len(row) else None
                data[i].append(_excel_text(v))
                if (
                    isinstance(v, (int, float))
                    and not isinstance(v, bool)
                    and low <= v < high
                ):
                    day = epoch + timedelta(days=int(v))
                    serial.setdefault(i, {})[len(numbers)] = day
            numbers.append(number)
    finally:
        wb.close()
    n = len(numbers)
    covered = _covered(merged, len(names), numbers[-1] if numbers else 0)
    hidden = _unique(
        [
            *names,
            *(f"#serial {names[i]}" for i in serial),
            *(f"#merged {names[i]}" for i in covered),
        ]
    )[len(names) :]
    dates, refs = hidden[: len(serial)], hidden[len(serial) :]
    table = pa.table(
        {
            "_row": pa.array(numbers, pa.int64()),
            **{
                c: pa.array(col, pa.string())
                for c, col in zip(names, data, strict=True)
            },
            **{
                h: pa.array([days.get(k) for k in range(n)], pa.date32())
                for h, days in zip(dates, serial.values(), strict=True)
            },
            **{
                h: pa.array([at.get(number) for number in numbers], pa.string())
                for h, at in zip(refs, covered.values(), strict=True)
            },
        }
    )
    con.register("_xl_src", table)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{rel}" AS SELECT * FROM _xl_src')
    con.unregister("_xl_src")
    return Staged(
        rel,
        names,
        n,
        None,
        header=header_names,
        serials={names[i]: h for i, h in zip(serial, dates, strict=True)},
        merged={names[i]: h for i, h in zip(covered, refs, strict=True)},
        warnings=warnings,
    )


def _lock_file(path: Path) -> str:
    """The error for Excel's lock file ("~$d.xlsx", a few bytes naming who
    has d.xlsx open), which a "*.xlsx" picks up beside the workbook.

    Refused rather than skipped: while it is there, the workbook is open,
    and what is imported of it may not be what the clerk sees."""
    workbook = path.with_name(path.name[2:])
    which = f"'{workbook.name}'" if workbook.exists() else "a workbook"
    return (
        f"{path}: is the lock file Excel keeps while {which} is open, not a "
        f"workbook; close {'it' if workbook.exists() else 'the workbook'} in "
        "Excel (changes not saved are not in the file) and import without "
        "this file"
    )


def _covered(merged: list[str], columns: int, last: int) -> dict[int, dict[int, str]]:
    """Column -> row -> merged range, for each cell of the data (rows 1 to
    ``last`` below the header) that a merged range covers but does not
    start at: such a cell shows the range's value and holds none."""
    from openpyxl.utils import range_boundaries

    covered: dict[int, dict[int, str]] = {}
    for ref in merged:
        left, top, right, bottom = range_boundaries(ref)
        for column in range(left, min(right, columns) + 1):
            for row in range(max(top, 2), min(bottom, last + 1) + 1):
                if (column, row) != (left, top):
                    covered.setdefault(column - 1, {})[row - 1] = ref
    return covered


# The dates a plain number in an Excel cell is read as, when the cell feeds a
# date: Excel holds a date as its serial number, shown as one when the cell
# is formatted General or Number. Numbers for earlier days are more likely a
# year (2024) or a code than a date.
_SERIALS = (date(1950, 1, 1), date(2099, 12, 31))


# A formula cell: its attributes, and the rest (a formula comes first).
_FORMULA = re.compile(
    rb"<(?:\w+:)?c(\s[^>]*)?>\s*(<(?:\w+:)?f[\s>/].*?)</(?:\w+:)?c>", re.S
)
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")  # a value saved with it
_TEXT = re.compile(rb"""\st=["']str["']""")  # a text result, which may be ""


_MERGED = re.compile(
    rb"""<(?:\w+:)?mergeCell\s[^>]*ref=["']([A-Z]+[0-9]+:[A-Z]+[0-9]+)"""
)


def _scan_sheet(sheet: Any) -> tuple[int, list[str]]:
    """How many formula cells of a (read-only) sheet have no value saved,
    and its merged ranges ("A2:A4"): openpyxl's read-only sheets tell
    neither, so the sheet's XML is scanned for them.

    Excel saves each formula's last value, which is what is read; programs
    that write workbooks (openpyxl, some exports) save the formula alone,
    and its cell reads as empty."""
    count, merged, tail = 0, [], b""
    with sheet._get_source() as src:
        while True:
            chunk = src.read(_CHUNK)
            text = tail + chunk
            cut = text.rfind(b"row>") + 4 if chunk else len(text)  # whole rows
            text, tail = text[: max(cut, 0)], text[max(cut, 0) :]
            count += sum(
                not _VALUE.search(m[2]) and not _TEXT.search(m[1] or b"")
                for m in _FORMULA.finditer(text)
            )
            merged += [m.decode() for m in _MERGED.findall(text)]
            if not chunk:
                return count, merged


def _unique(names: list[str]) -> list[str]:
    """``names`` with a repeated one renamed as DuckDB does (``value_1``),
    to a name the file does not have; DuckDB ignores case in names."""
    taken = {n.lower() for n in names}
    seen: set[str] = set()
    out = []
    for name in names:
        if name.lower() in seen:
            i = 1
            while f"{name}_{i}".lower() in taken:
                i += 1
            name = f"{name}_{i}"
            taken.add(name.lower())
        seen.add(name.lower())
        out.append(name)
    return out


_HINT_ROWS = 10  # how far down a header is looked for when it is not on row 1


def _sheets(wb: Any) -> list[Any]:
    """The workbook's sheets, the visible ones first (the first of them is
    the one read: the clerk sees it as the first sheet, where a hidden one
    before it holds lists or lookups), read to their last cell: some
    programs write a sheet's used range (its dimension) as A1, which
    read-only mode would take as the whole sheet."""
    for sheet in wb.worksheets:
        sheet.reset_dimensions()
    shown = [s for s in wb.worksheets if s.sheet_state == "visible"]
    return shown + [s for s in wb.worksheets if s.sheet_state != "visible"]


def _sheet_name(sheet: Any) -> str:
    """A sheet as messages name it: 'Списки' (hidden) for one not shown."""
    hidden = " (hidden)" if sheet.sheet_state != "visible" else ""
    return f"'{sheet.title}'{hidden}"


def _top(sheet: Any) -> Iterator[tuple[Any, ...]]:
    rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(
        max_row=_HINT_ROWS, values_only=True
    )
    return rows


def header_hint(path: Path, names: list[str], encoding: str | None) -> str:
    """Where a row holding all of ``names`` is, when the first row of the
    first sheet does not: a few words for an error, else ''."""
    want = {header_key(n) for n in names}

    def has(cells: Iterable[object]) -> bool:
        return want <= {header_key(str(c)) for c in cells if c is not None}

    fmt = file_format(path)
    if fmt == "csv":
        with path.open(
            encoding=encoding or "utf-8", errors="replace", newline=""
        ) as fh:
            lines = [line for _, line in zip(range(_HINT_ROWS), fh, strict=False)]
        hinted = _SEP_LINE.match(lines[0]) if lines else None
        if hinted:  # not shown as a row: the header is row 1
            lines = lines[1:]
        for delimiter in hinted.group(1) if hinted else ",;\t|":
            try:
                rows = list(csv.reader(lines, delimiter=delimiter))
            except csv.Error:  # a NUL byte, say: no hint
                break
            for number, cells in enumerate(rows[1:], 2):
                if has(cells):
                    return f"the header seems to be on row {number}"
    elif fmt == "excel":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for k, sheet in enumerate(_sheets(wb)):
                for number, row in enumerate(_top(sheet), 1):
                    if (k, number) == (0, 1) or not has(row):
                        continue
                    if k == 0:
                        return f"the header seems to be on row {number}"
                    where = f" (row {number})" if number > 1 else ""
                    return (
                        f"sheet {_sheet_name(sheet)} has these columns{where}, "
                        "but only the first sheet is read"
                    )
        finally:
            wb.close()
    elif fmt == "json" and codecs.lookup(encoding or "utf-8").name == "utf-8":
        key = _records_key(path, sorted(want))
        if key:
            return (
                f"the records seem to be the list under '{key}': give that "
                "list alone, as a JSON array or JSON Lines"
            )
    return ""


def _records_key(path: Path, names: list[str]) -> str | None:
    """The key of a JSON file's first object that holds a list of objects
    with all of ``names`` (lower case), as an API export wraps its records."""
    key = "'$.\"' || k || '\"'"
    try:
        with duckdb.connect() as con:
            found = con.execute(
                "SELECT k FROM (SELECT json AS j FROM read_json_objects(?) LIMIT 1) "
                f"s, unnest(json_keys(s.j)) t(k) WHERE json_type(s.j, {key}) = "
                f"'ARRAY' AND list_has_all(list_transform(json_keys(s.j, {key} || "
                "'[0]'), lambda x: lower(trim(x))), ?) LIMIT 1",
                [str(path), names],
            ).fetchall()
    except duckdb.Error:
        return None
    return str(found[0][0]) if found else None


def _cell_value(cell: Any) -> object:
    """A cell's value as the sheet shows it: 5% is stored as 0.05, and the
    data model's rates are percents. (Cells cost no more than values.)"""
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "%" in (cell.number_format or ""):
            return round(v * 100, 10)  # 0.0225 * 100 is 2.2499999999999996
    return v


def _excel_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)
