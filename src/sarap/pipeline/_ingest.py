"""Load a source file into a workspace: validate, normalise, quarantine.

All checks are one SQL statement over the staged text columns, so the same
pipeline can run on another engine; the load is one transaction, so an
interrupted import leaves the workspace as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sarap.backends import get_backend
from sarap.backends.duckdb import Backend as DuckDBBackend
from sarap.errors import SarapError
from sarap.pipeline._mapping import (
    EXTRA_FIELDS,
    Mapping,
    detect_mapping,
    load_mapping,
)
from sarap.pipeline._readers import (
    Staged,
    check_readable,
    csv_header,
    file_format,
    header_hint,
    sep_hint,
    sql_literal,
    stage,
    staged_column,
)
from sarap.store._schema import ENTITIES, HS_FLOAT, HS_HEADING_00, OUTCOMES, Field
from sarap.store._workspace import Workspace


@dataclass
class IngestResult:
    """What an import did: counts and the reasons rows were set aside."""

    file: str
    mapping: str
    encoding: str | None
    rows_read: int = 0
    loaded: int = 0
    outcomes_loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    unmatched_columns: list[str] = field(default_factory=list)
    """Columns a mapping file or built-in layout names that the file lacks:
    '<column>' (<field>)."""
    warnings: list[str] = field(default_factory=list)
    """What the file's reader saw that the user should know, one line each."""
    batch_id: str = ""
    stored: bool = True  # False for validate_file: checked, not imported

    def summary(self) -> str:
        """One readable paragraph for the terminal."""
        if not self.stored:
            lines = [
                f"{self.file}: read {self.rows_read:,} rows, {self.loaded:,} "
                f"valid, rejected {self.quarantined:,}"
            ]
            lines += [f"  {n:>8,}  {r}" for r, n in self.reasons.most_common(10)]
            return "\n".join(lines + self._unmatched())
        parts = [f"{self.file}: read {self.rows_read:,} rows, loaded {self.loaded:,}"]
        if self.outcomes_loaded:
            parts.append(f"{self.outcomes_loaded:,} inspection outcomes")
        parts.append(f"{self.duplicates:,} already in workspace")
        parts.append(f"quarantined {self.quarantined:,}")
        lines = [", ".join(parts)]
        for reason, n in self.reasons.most_common(10):
            lines.append(f"  {n:>8,}  {reason}")
        if len(self.reasons) > 10:
            lines.append(
                f"  ... and {len(self.reasons) - 10} other reasons "
                "(see the quarantine table)"
            )
        return "\n".join(lines + self._unmatched())

    def _unmatched(self) -> list[str]:
        lines = [f"  warning: {w}" for w in self.warnings]
        if not self.unmatched_columns:
            return lines
        lines += [
            "  warning: the mapping names column(s) this file lacks, left empty: "
            + ", ".join(self.unmatched_columns)
        ]
        if self.ignored_columns:
            lines.append(
                "  the file's columns the mapping does not take: "
                + ", ".join(f"'{c}'" for c in self.ignored_columns)
            )
        return lines

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["reasons"] = dict(self.reasons)
        return d


def _named(column: str, name: str) -> str:
    """A file's column as messages name it: ``'ИНН' (importer_id)``."""
    return f"'{column}' ({name})" if column != name else f"'{column}'"


def _resolve_columns(mapping: Mapping, staged: Staged, path: Path) -> dict[str, str]:
    """Data-model field -> staged column (see :func:`staged_column`)."""
    resolved: dict[str, str] = {}
    missing: list[str] = []
    wanted: list[str] = []  # their names, to look for further down the file
    required = {f.name for f in ENTITIES[mapping.entity].fields if f.required}
    for fname, col in mapping.columns.items():
        found = staged_column(staged, col, path)
        if found is not None:
            resolved[fname] = found
        elif fname in required and fname not in mapping.constants:
            missing.append(_named(col, fname))
            wanted.append(col)
    if missing:
        hint = header_hint(path, wanted, staged.encoding)
        raise SarapError(
            f"{path}: missing required column(s) {', '.join(missing)} "
            f"for mapping '{mapping.name}'" + (f"; {hint}" if hint else "")
        )
    return resolved


def dotted_time(raw: str) -> str:
    """SQL reading the text column ``raw`` as the region's 01.02.2024 (with
    a time, or a two-digit year: 01.02.24 is 2024, not the year 24): a
    TIMESTAMP, NULL when it is not one."""
    short = f"regexp_full_match({raw}, '[0-9]{{1,2}}\\.[0-9]{{1,2}}\\.[0-9]{{2}}')"
    return (
        f"CASE WHEN {short} THEN try_strptime({raw}, '%d.%m.%y') "
        f"ELSE try_strptime({raw}, ['%d.%m.%Y', '%d.%m.%Y %H:%M', "
        "'%d.%m.%Y %H:%M:%S']) END"
    )


def code(raw: str) -> str:
    """SQL for the code or id in the text column ``raw``: spreadsheets and
    data frames turn them into floats, and "30.0" is the code "30"."""
    return (
        f"CASE WHEN {raw} LIKE '%.0%' "
        f"THEN regexp_replace({raw}, '^([0-9]+)\\.0+$', '\\1') ELSE {raw} END"
    )


def number(raw: str) -> str:
    """SQL reading the text column ``raw`` as a DOUBLE, NULL when it is not
    one (NaN and infinities are: the caller says whether they may be)."""
    # Plain numbers take the fast path. Also: "1 234,5" (decimal comma;
    # the space may be a no-break one, as spreadsheets write it), and
    # with both marks the last one is the decimal: "1.234,5", "1,234.5".
    s = f"replace(replace(replace({raw}, ' ', ''), chr(160), ''), chr(8239), '')"
    s = (
        f"CASE WHEN {s} LIKE '%,%' AND {s} LIKE '%.%' THEN CASE "
        f"WHEN {s} NOT LIKE '%,%.%' THEN replace(replace({s}, '.', ''), ',', '.') "
        f"WHEN {s} NOT LIKE '%.%,%' THEN replace({s}, ',', '') END "
        f"ELSE replace({s}, ',', '.') END"
    )
    return f"COALESCE(TRY_CAST({raw} AS DOUBLE), TRY_CAST({s} AS DOUBLE))"


def _typed(f: Field, raw: str, date_format: str | None) -> str:
    """SQL turning the text column ``raw`` into the field's type (NULL when
    invalid). ``raw`` is a column reference, so repeating it costs nothing."""
    if f.type == "DATE":
        if date_format:
            day = f"CAST(try_strptime({raw}, {sql_literal(date_format)}) AS DATE)"
        else:  # ISO dates and times, and the region's 01.02.2024.
            day = (
                f"COALESCE(TRY_CAST({raw} AS DATE), "
                f"CAST(TRY_CAST({raw} AS TIMESTAMP) AS DATE), "
                f"CAST({dotted_time(raw)} AS DATE))"
            )
        if f.kind == "month":  # a return for January may be dated 31.01.2024
            return f"CAST(date_trunc('month', {day}) AS DATE)"
        return day
    if f.type in ("DOUBLE", "INTEGER") and f.kind != "flag":
        num = number(raw)
        if f.type == "INTEGER":  # TRY_CAST: a number past INTEGER is a bad value
            return f"CASE WHEN {num} = floor({num}) THEN TRY_CAST({num} AS INTEGER) END"
        return f"CASE WHEN isfinite({num}) THEN {num} END"
    if f.choices:
        allowed = ", ".join(sql_literal(c) for c in f.choices)
        others = " ".join(
            f"WHEN {sql_literal(w)} THEN {sql_literal(c)}" for w, c in f.synonyms
        )
        other = f"ELSE CASE lower({raw}) {others} END " if others else ""
        return f"CASE WHEN lower({raw}) IN ({allowed}) THEN lower({raw}) {other}END"
    if f.kind == "flag":
        return (
            f"CASE WHEN lower({raw}) IN ('1', '1.0', 'true', 'yes', 'y', 'да') "
            f"THEN 1 WHEN lower({raw}) IN ('0', '0.0', 'false', 'no', 'n', 'нет') "
            "THEN 0 END"
        )
    if f.kind == "country":
        return (
            f"CASE WHEN regexp_full_match(upper({raw}), '[A-Z]{{2}}') "
            f"THEN upper({raw}) END"
        )
    if f.kind == "hs":
        # A code stored as a float (HS_FLOAT) loses its fraction.
        whole = (
            f"CASE WHEN {raw} LIKE '%.0%' "
            f"AND regexp_full_match({raw}, {sql_literal(HS_FLOAT)}) "
            f"AND NOT regexp_full_match({raw}, {sql_literal(HS_HEADING_00)}) "
            f"THEN split_part({raw}, '.', 1) ELSE {raw} END"
        )
        digits = f"replace(replace({whole}, ' ', ''), '.', '')"
        # A code stored as a number loses its leading zero (10121 for
        # 010121); one written with spaces or dots has all its digits.
        even = f"CAST(length({digits}) + length({digits}) % 2 AS INTEGER)"
        padded = (
            f"CASE WHEN {digits} = {whole} THEN lpad({digits}, {even}, '0') "
            f"ELSE {digits} END"
        )
        return (
            f"CASE WHEN regexp_full_match({padded}, '([0-9]{{2}}){{3,5}}') "
            f"THEN {padded} END"
        )
    if f.kind == "code":
        return _no_cell_error(raw, code(raw))
    return _no_cell_error(raw, raw)


# What a spreadsheet holds (and writes to CSV) where a formula failed: no
# value at all. Typed fields turn them away as any other bad value; a text
# field would take "#N/A" for an id or a description. They are bad values in
# optional fields too: a failed lookup of the duty or the description is to
# be mended in the workbook, not loaded as if the value were not known.
_CELL_ERRORS = (
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#DIV/0!",
    "#NUM!",
    "#NAME?",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)


def _no_cell_error(raw: str, expr: str) -> str:
    """``expr``, NULL where the text column ``raw`` is a cell error."""
    errors = ", ".join(sql_literal(e) for e in _CELL_ERRORS)
    return (
        f"CASE WHEN {raw} LIKE '#%' AND upper({raw}) IN ({errors}) THEN NULL "
        f"ELSE {expr} END"
    )


_RANGE = {
    "net_mass_kg": ">= 0",
    "quantity": ">= 0",
    "customs_value": ">= 0",
    "tax_rate": ">= 0",
    "duty": ">= 0",
    "additional_revenue": ">= 0",
    "item_no": ">= 1",
    "line_no": ">= 1",
    "amount": ">= 0",
    "vat": ">= 0",
    "employees": ">= 0",
    "usd_per_unit": "> 0",
}
# Dates outside these years are typing slips (01.02.0024), not data.
_YEARS = "BETWEEN DATE '1900-01-01' AND DATE '2099-12-31'"
# Numbering fields that default to 1 (one goods item / invoice line per row).
_FIRST = ("item_no", "line_no")


def _trimmed(text: str) -> str:
    """``text`` without its leading and trailing spaces, NULL when empty.

    Most values have neither: they are passed on as they are, two to three
    times as fast as trimming every one (DuckDB copies a trimmed string)."""
    return (
        f"CASE WHEN {text} LIKE ' %' OR {text} LIKE '% ' OR {text} = '' "
        f"THEN NULLIF(trim({text}), '') ELSE {text} END"
    )


def _validation_sql(mapping: Mapping, cols: dict[str, str], staged: Staged) -> str:
    """One SELECT: typed data-model columns, ``_reason`` and ``_kind`` per row.

    Three layers, so that each value is trimmed, then typed, once: raw text
    (``"~field"``), typed values, then the checks over both.
    """
    raws: list[str] = []
    typed: list[str] = []
    checks: list[tuple[str, str, str]] = []  # (condition, kind, detail expr)
    own = set(ENTITIES[mapping.entity].field_names)  # extras are never required
    for f in mapping.fields():
        raw = f'"~{f.name}"'
        if f.name in cols:
            col = cols[f.name].replace('"', '""')
            text = _trimmed(f'CAST("{col}" AS VARCHAR)')
            raws.append(f"{text} AS {raw}")
            name = staged.header[staged.columns.index(cols[f.name])]
            where = f" (column '{' '.join(name.split())}')"  # one line
        elif f.name in mapping.constants:
            raws.append(f"{sql_literal(mapping.constants[f.name])} AS {raw}")
            where = " (mapping constant)"
        elif f.name in _FIRST:  # one goods item per row unless numbered
            typed.append(f"1 AS {f.name}")
            continue
        else:
            typed.append(f"CAST(NULL AS {f.type}) AS {f.name}")
            continue
        expr = _typed(f, raw, mapping.date_format)
        if f.type == "DATE" and cols.get(f.name) in staged.serials:
            # An Excel date cell formatted as a number: its serial's date.
            serial = staged.serials[cols[f.name]].replace('"', '""')
            raws.append(f'"{serial}" AS "#{f.name}"')
            expr = f'COALESCE({expr}, "#{f.name}")'
        if f.name in _FIRST:
            expr = f"COALESCE({expr}, CASE WHEN {raw} IS NULL THEN 1 END)"
        typed.append(f"{expr} AS {f.name}")
        missing = f"{raw} IS NULL"
        if cols.get(f.name) in staged.merged:
            # A cell under the first of merged cells shows their value and
            # holds none: told as such, for any field, rather than guessed.
            ref = staged.merged[cols[f.name]].replace('"', '""')
            raws.append(f'"{ref}" AS "@{f.name}"')
            checks.append(
                (
                    f'{raw} IS NULL AND "@{f.name}" IS NOT NULL',
                    f"merged cells leave {f.name} empty{where}",
                    f"""': ' || "@{f.name}" """.strip(),
                )
            )
            missing += f' AND "@{f.name}" IS NULL'
        if f.required and f.name in own:
            checks.append((missing, f"missing {f.name}{where}", "''"))
        bad = f"bad {f.name}{where}"
        if f.choices:  # tells what is expected: "seller or buyer"
            *first, last = f.choices
            bad = f"{f.name} must be {', '.join(first)} or {last}{where}"
        checks.append(
            (
                f"{raw} IS NOT NULL AND {f.name} IS NULL",
                bad,
                f"': ' || left({raw}, 40)",
            )
        )
        if f.type == "DATE":
            checks.append(
                (
                    f"NOT ({f.name} {_YEARS})",
                    f"{f.name} must be from 1900 to 2099{where}",
                    f"': ' || left({raw}, 40)",
                )
            )
        if f.name in _RANGE:
            checks.append(
                (
                    f"NOT ({f.name} {_RANGE[f.name]})",
                    f"{f.name} must be {_RANGE[f.name]}{where}",
                    f"': ' || left({raw}, 40)",
                )
            )
    reason = ", ".join(
        f"CASE WHEN {c} THEN {sql_literal(k)} || {d} END" for c, k, d in checks
    )
    kind = ", ".join(f"CASE WHEN {c} THEN {sql_literal(k)} END" for c, k, _ in checks)
    names = ", ".join(f.name for f in mapping.fields())
    raw_cols = ", ".join(["_row", *raws])
    return (
        f"SELECT _row, {names}, "
        f"NULLIF(concat_ws('; ', {reason}), '') AS _reason, "
        f"NULLIF(concat_ws('; ', {kind}), '') AS _kind "
        f"FROM (SELECT *, {', '.join(typed)} "
        f'FROM (SELECT {raw_cols} FROM "{staged.relation}"))'
    )


@contextmanager
def _opened(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping | str | Path | None,
    encoding: str | None,
    failure: str,
) -> Iterator[tuple[Staged, Mapping, dict[str, str], IngestResult]]:
    """Stage a file and resolve its mapping; DuckDB errors become one line."""
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    with stage(con, path, encoding=encoding) as staged:
        mapping, cols, result = _resolved(mapping, staged, path)
        try:
            yield staged, mapping, cols, result
        except duckdb.Error as exc:
            msg = str(exc).strip().splitlines()[0]
            raise SarapError(f"{path}: {failure}: {msg}") from None


def _resolved(
    mapping: Mapping | None, staged: Staged, path: Path
) -> tuple[Mapping, dict[str, str], IngestResult]:
    """The mapping (detected from the columns when None), the columns it
    takes, and the import's summary so far."""
    if mapping is None:
        mapping = detect_mapping(staged.header)
    cols = _resolve_columns(mapping, staged, path)
    result = IngestResult(
        str(path),
        mapping.name,
        staged.encoding,
        rows_read=staged.rows,
        warnings=list(staged.warnings),
    )
    used = set(cols.values())
    result.ignored_columns = [
        h for h, c in zip(staged.header, staged.columns, strict=True) if c not in used
    ]
    if mapping.expects_all:
        missing = [name for name in mapping.columns if name not in cols]
        outcomes = {f.name for f in EXTRA_FIELDS.get(mapping.entity, [])}
        if not result.ignored_columns and not outcomes & cols.keys():
            # New declarations, not yet inspected: no outcome is expected.
            missing = [name for name in missing if name not in outcomes]
        result.unmatched_columns = [
            _named(mapping.columns[name], name) for name in missing
        ]
    return mapping, cols, result


def ingest(
    workspace: Workspace,
    path: str | Path,
    *,
    mapping: Mapping | str | Path | None = None,
    encoding: str | None = None,
) -> IngestResult:
    """Import one file into ``workspace``.

    Valid rows load; rows that fail a check go to the ``quarantine`` table
    with their row number and reason; rows already in the workspace (same
    key) are skipped, so importing a file twice adds nothing. All of it
    happens in one transaction: on any error or interrupt the workspace is
    left as it was.

    Parameters
    ----------
    workspace : Workspace
        Where the rows go.
    path : str or Path
        A CSV, Parquet, Excel (.xlsx) or JSON / JSON Lines file.
    mapping : Mapping, str, Path or None, default None
        A :class:`Mapping`, the name of a built-in one (``"kcs"``), a mapping
        file, or None to detect it: the data-model names, else the built-in
        mapping whose columns the file has.
    encoding : str or None, default None
        The text encoding of CSV/JSON; detected (UTF-8 or a Cyrillic code
        page such as Windows-1251) when None.

    Returns
    -------
    IngestResult
    """
    path = Path(path)
    backend = workspace.backend
    if not isinstance(backend, DuckDBBackend):
        raise SarapError(f"ingest runs on the duckdb backend, not {backend.name}")
    failure = "import failed, nothing loaded"
    with _opened(backend.con, path, mapping, encoding, failure) as opened:
        staged, mapping, cols, result = opened
        _load(backend, mapping, cols, staged, path, result)
    return result


def _prepare(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    cols: dict[str, str],
    staged: Staged,
) -> None:
    """Create ``_final``: typed rows with ``_reason`` (NULL when valid)."""
    key = ENTITIES[mapping.entity].key
    keys = ", ".join(key)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _checked AS "
        + _validation_sql(mapping, cols, staged)
    )
    # Within the file, the first valid row with a key wins; later ones are
    # set aside. Keys that repeat are few: found by one aggregate, and
    # joined back in a view rather than copying every row again.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _repeated AS
        SELECT {keys}, min(_row) AS _first FROM _checked
        WHERE _reason IS NULL GROUP BY {keys} HAVING count(*) > 1""")
    same = " AND ".join(f"c.{k} = r.{k}" for k in key)
    later = "c._reason IS NULL AND c._row <> r._first"
    dup = f"'duplicate of row ' || r._first || ' (same {keys.replace(', ', ' and ')})'"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _final AS
        SELECT c.* EXCLUDE (_reason, _kind),
               CASE WHEN {later} THEN {dup} ELSE c._reason END AS _reason,
               CASE WHEN {later} THEN 'duplicate key within the file'
                    ELSE c._kind END AS _kind
        FROM _checked c LEFT JOIN _repeated r ON {same}""")


def _drop_prepared(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "DROP VIEW IF EXISTS _final; DROP TABLE IF EXISTS _repeated; "
        "DROP TABLE IF EXISTS _checked"
    )


def _reasons_of(con: duckdb.DuckDBPyConnection, staged: Staged) -> Counter[str]:
    kinds = con.execute(
        # Ordered: reasons of equal count are told in the same order each time.
        "SELECT _kind, count(*) FROM _final WHERE _reason IS NOT NULL "
        "GROUP BY _kind ORDER BY 2 DESC, 1"
    ).fetchall()
    reasons = Counter({str(k): int(n) for k, n in kinds})
    for _, reason, _ in staged.broken:
        reasons[reason.split(":")[0]] += 1
    return reasons


def _load(
    backend: DuckDBBackend,
    mapping: Mapping,
    cols: dict[str, str],
    staged: Staged,
    path: Path,
    result: IngestResult,
) -> None:
    con = backend.con
    entity = ENTITIES[mapping.entity]
    names = entity.field_names
    _prepare(con, mapping, cols, staged)
    same_key = " AND ".join(f"t.{k} = f.{k}" for k in entity.key)
    batch = uuid.uuid4().hex[:16]
    file_label = str(path)
    with backend.transaction():
        before = _count(con, entity.name)
        con.execute(f"""
            INSERT INTO {entity.name} ({", ".join(names)})
            SELECT {", ".join("f." + n for n in names)} FROM _final f
            WHERE f._reason IS NULL
              AND NOT EXISTS (SELECT 1 FROM {entity.name} t
                              WHERE {same_key})
            """)
        result.loaded = _count(con, entity.name) - before
        valid = _scalar(con, "SELECT count(*) FROM _final WHERE _reason IS NULL")
        result.duplicates = valid - result.loaded
        if mapping.entity == "declarations" and "fraud" in cols:
            before = _count(con, "outcomes")
            names_o = OUTCOMES.field_names
            # One outcome per declaration: a violation on any item makes it
            # one; additional revenue is assessed per item and adds up.
            con.execute(f"""
                INSERT INTO outcomes ({", ".join(names_o)})
                SELECT declaration_id, max(fraud), sum(additional_revenue),
                       max(inspected_on)
                FROM _final f
                WHERE _reason IS NULL AND fraud IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM outcomes o
                                  WHERE o.declaration_id = f.declaration_id)
                GROUP BY declaration_id""")
            result.outcomes_loaded = _count(con, "outcomes") - before
        # A file imported again is judged again: its earlier rejects give way.
        sha = file_digest(path)
        con.execute(
            "DELETE FROM quarantine WHERE batch_id IN (SELECT batch_id FROM "
            "ingest_batches WHERE sha256 = ? AND mapping = ?)",
            [sha, result.mapping],
        )
        con.execute(
            f"""
            INSERT INTO quarantine
            SELECT ?, ?, f._row, f._reason, to_json(s)
            FROM _final f JOIN {staged.source} s USING (_row)
            WHERE f._reason IS NOT NULL""",
            [batch, file_label],
        )
        for row, reason, raw in staged.broken:
            con.execute(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
                [batch, file_label, row, reason, json.dumps({"line": raw})],
            )
        result.reasons = _reasons_of(con, staged)
        result.quarantined = sum(result.reasons.values())
        result.batch_id = batch
        details = {k: v for k, v in result.as_dict().items() if k in _DETAILS}
        con.execute(
            "INSERT INTO ingest_batches (batch_id, file, sha256, mapping, "
            "started_at, rows_read, rows_loaded, rows_duplicate, rows_quarantined, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch,
                file_label,
                sha,
                result.mapping,
                datetime.now(),
                result.rows_read,
                result.loaded,
                result.duplicates,
                result.quarantined,
                json.dumps(details, ensure_ascii=False),
            ],
        )
    _drop_prepared(con)


# What an import's record keeps of its result beside the counts.
_DETAILS = (
    "encoding",
    "outcomes_loaded",
    "reasons",
    "ignored_columns",
    "unmatched_columns",
    "warnings",
)


def last_import(workspace: Workspace) -> IngestResult | None:
    """The latest import as ``workspace`` recorded it, None when there is none.

    Its summary is the one :func:`ingest` returned (a record written before
    data model version 3 has only the counts)."""
    rows = workspace.sql(
        "SELECT batch_id, file, mapping, rows_read, rows_loaded, rows_duplicate, "
        "rows_quarantined, details FROM ingest_batches "
        "ORDER BY started_at DESC LIMIT 1"
    ).to_pylist()
    if not rows:
        return None
    r = rows[0]
    details = json.loads(r["details"] or "{}")
    return IngestResult(
        r["file"],
        r["mapping"],
        details.get("encoding"),
        rows_read=r["rows_read"],
        loaded=r["rows_loaded"],
        outcomes_loaded=details.get("outcomes_loaded", 0),
        duplicates=r["rows_duplicate"],
        quarantined=r["rows_quarantined"],
        reasons=Counter(details.get("reasons", {})),
        ignored_columns=details.get("ignored_columns", []),
        unmatched_columns=details.get("unmatched_columns", []),
        warnings=details.get("warnings", []),
        batch_id=r["batch_id"],
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _scalar(con, f"SELECT count(*) FROM {table}")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def validate_file(
    path: str | Path,
    *,
    mapping: Mapping | str | Path | None = None,
    encoding: str | None = None,
) -> tuple[pa.Table, IngestResult]:
    """The same checks as :func:`ingest`, without a workspace.

    Returns the valid rows in file order (data-model columns, with the
    outcome columns for a declarations file) and the summary; rejected rows
    are counted by reason in the summary, and nothing is stored. Used to
    score or learn from a file directly.
    """
    path = Path(path)
    backend = get_backend("duckdb")
    assert isinstance(backend, DuckDBBackend)
    con = backend.con
    try:
        streamed = _validate_streamed(con, path, mapping, encoding)
        if streamed is not None:
            valid, result = streamed
        else:
            with _opened(con, path, mapping, encoding, "cannot validate") as opened:
                staged, mapping, cols, result = opened
                _prepare(con, mapping, cols, staged)
                names = [f.name for f in mapping.fields()]
                valid = con.sql(
                    f"SELECT {', '.join(names)} FROM _final WHERE _reason IS NULL "
                    "ORDER BY _row"
                ).to_arrow_table()
                result.reasons = _reasons_of(con, staged)
                _drop_prepared(con)
    finally:
        backend.close()
    result.loaded = valid.num_rows
    result.quarantined = sum(result.reasons.values())
    result.stored = False
    return valid, result


def _validate_streamed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    mapping: Mapping | str | Path | None,
    encoding: str | None,
) -> tuple[pa.Table, IngestResult] | None:
    """:func:`validate_file`'s valid rows and reasons in one pass, for a CSV
    file that needs no repair.

    The checks of :func:`_validation_sql` run as the file streams in, with no
    staging table: about twice as fast on a big file. None when the file
    needs the staged path: another encoding than UTF-8, a line the CSV
    reader cannot parse (DuckDB's strict reading fails on either), or a key
    that repeats within the file. The staged path then gives the answer
    and the one-line errors.
    """
    if file_format(path) != "csv":
        return None
    if encoding is not None and encoding.lower().replace("-", "") != "utf8":
        return None
    check_readable(path)
    if sep_hint(path):  # its first line is no row: staging reads past it
        return None
    # skip = 0: DuckDB's strict reading would skip a title line above the
    # header (staging's does not), and score a file that ingest refuses.
    source = (
        f"read_csv({sql_literal(path)}, all_varchar = true, header = true, "
        "null_padding = false, skip = 0)"
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW _stream AS SELECT 0 AS _row, * FROM {source}"
        )
        columns = [r[0] for r in con.execute("DESCRIBE _stream").fetchall()][1:]
        header = csv_header(con, path, columns)
    except duckdb.Error:
        return None
    staged = Staged(
        "_stream", columns, 0, "utf-8", cleanup="DROP VIEW _stream", header=header
    )
    try:
        if mapping is not None and not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping)
        mapping, cols, result = _resolved(mapping, staged, path)
        sql = _validation_sql(mapping, cols, staged)
        # Rows come back in file order only through projections: DuckDB
        # turns a long IN list into a hash join, which reorders them, so
        # that rewrite is off here, and any plan with a join goes the
        # staged way (which sorts by row number).
        con.execute("SET disabled_optimizers = 'in_clause'")
        plan = "\n".join(str(r[-1]) for r in con.execute("EXPLAIN " + sql).fetchall())
        if "JOIN" in plan.upper():
            return None
        checked = con.sql(sql).to_arrow_table()
    except (duckdb.Error, SarapError):
        # The staged path answers instead, with its own error if any: a
        # file with a broken line may even be sniffed differently here.
        return None
    finally:
        con.execute(staged.cleanup)
    key = ENTITIES[mapping.entity].key
    con.register("_streamed", checked)
    repeats = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM _streamed WHERE _reason IS NULL "
        f"GROUP BY {', '.join(key)} HAVING count(*) > 1)"
    ).fetchall()[0][0]
    con.unregister("_streamed")
    if repeats:
        return None
    result.rows_read = checked.num_rows
    valid = checked.select([f.name for f in mapping.fields()])
    if checked.column("_reason").null_count < checked.num_rows:  # rows rejected
        ok = pc.is_null(checked.column("_reason"))
        kinds = pc.value_counts(checked.column("_kind").filter(pc.invert(ok)))
        result.reasons = Counter(
            {str(k["values"]): int(k["counts"]) for k in kinds.to_pylist()}
        )
        valid = valid.filter(ok)
    return valid, result


# The quarantine reasons in Russian, for the upload page: each ``; ``-separated
# part of a reason is one of the templates of _validation_sql and _prepare.
# The summary by reason tells them without the value, as ``bad date (column
# 'Date')``: the value after ': ' is optional.
_REASONS_RU = [
    (r"^missing (\w+) \(column '(.*)'\)$", "нет значения {0} (столбец «{1}»)"),
    (
        r"^missing (\w+) \(mapping constant\)$",
        "нет значения {0} (константа сопоставления)",
    ),
    (
        r"^bad (\w+) \(column '(.*?)'\)(?:: (.*))?$",
        "неверное значение {0} (столбец «{1}»): {2}",
    ),
    (
        r"^bad (\w+) \(mapping constant\)(?:: (.*))?$",
        "неверное значение {0} (константа сопоставления): {1}",
    ),
    (
        r"^(\w+) must be ([<>]=?) (\S+) \(column '(.*?)'\)(?:: (.*))?$",
        "{0} должно быть {1} {2} (столбец «{3}»): {4}",
    ),
    (
        r"^(\w+) must be ([<>]=?) (\S+) \(mapping constant\)(?:: (.*))?$",
        "{0} должно быть {1} {2} (константа сопоставления): {3}",
    ),
    (
        r"^(\w+) must be ((?:\w+, )*\w+) or (\w+) \(column '(.*?)'\)(?:: (.*))?$",
        "{0} должно быть {1} или {2} (столбец «{3}»): {4}",
    ),
    (
        r"^(\w+) must be ((?:\w+, )*\w+) or (\w+) \(mapping constant\)(?:: (.*))?$",
        "{0} должно быть {1} или {2} (константа сопоставления): {3}",
    ),
    (
        r"^(\w+) must be from (\d+) to (\d+) \(column '(.*?)'\)(?:: (.*))?$",
        "{0} должно быть с {1} по {2} год (столбец «{3}»): {4}",
    ),
    (
        r"^(\w+) must be from (\d+) to (\d+) \(mapping constant\)(?:: (.*))?$",
        "{0} должно быть с {1} по {2} год (константа сопоставления): {3}",
    ),
    (
        r"^merged cells leave (\w+) empty \(column '(.*?)'\)(?:: (.*))?$",
        "объединённые ячейки оставляют {0} пустым (столбец «{1}»): {2}",
    ),
    (r"^duplicate key within the file$", "ключ повторяется в файле"),
    (r"^duplicate of row (\d+) \(same (.*)\)$", "повтор строки {0} (те же {1})"),
    (r"^invalid JSON(?:: (.*))?$", "неверный JSON: {0}"),
    (r"^not a JSON object$", "строка не объект JSON"),
    (r"^malformed CSV line(?:: (.*))?$", "повреждённая строка CSV: {0}"),
]
_REASONS_RU_COMPILED = [(re.compile(p), ru) for p, ru in _REASONS_RU]


def reason_in_russian(reason: str) -> str:
    """A quarantine reason in Russian; a part of unknown wording stays as is."""
    parts = []
    for part in reason.split("; "):
        for pattern, ru in _REASONS_RU_COMPILED:
            if m := pattern.match(part):
                groups = list(m.groups())
                if part.startswith("duplicate of row"):
                    groups[1] = groups[1].replace(" and ", " и ")
                if groups and groups[-1] is None:
                    ru = ru.rsplit(": ", 1)[0]
                part = ru.format(*groups)
                break
        parts.append(part)
    return "; ".join(parts)
