"""Read transfer lists and party labels from files, for the network agent.

Any file ``sarap ingest`` reads (CSV, Parquet, Excel, JSON), any column
names (given by option); times as ingest reads dates (ISO or 01.02.2024),
with their time of day, or numbers. Rows that cannot be used are counted by reason and
left out; the rest come back as ``src, dst, amount, t`` with ``t`` in days.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sarap.backends import get_backend
from sarap.backends.duckdb import Backend as DuckDBBackend
from sarap.errors import SarapError
from sarap.pipeline._ingest import code, dotted_time, number
from sarap.pipeline._readers import Staged, stage, staged_column

# Numeric times spanning more than this are taken as Unix seconds, else as days
# (or the simulation steps of public benchmarks, which count days).
SECONDS_SPAN = 100_000


@dataclass
class Read:
    table: pa.Table
    rows: int
    rejected: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # said after the counts

    def summary(self, path: str | Path) -> str:
        text = f"{path}: read {self.rows:,} rows, {self.table.num_rows:,} used"
        if self.rejected:
            why = ", ".join(f"{n:,} {r}" for r, n in self.rejected.most_common())
            text += f", left out {sum(self.rejected.values()):,} ({why})"
        return "; ".join([text, *self.notes])


@contextmanager
def _staged(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Staged]]:
    """The file staged on a connection of its own, closed after."""
    backend = get_backend("duckdb")
    assert isinstance(backend, DuckDBBackend)
    try:
        with stage(backend.con, path) as st:
            yield backend.con, st
    finally:
        backend.close()


def _count_by(con: duckdb.DuckDBPyConnection, sql: str) -> Counter[str]:
    return Counter({str(r): int(n) for r, n in con.execute(sql).fetchall()})


def _result(
    path: Path, st: Staged, table: pa.Table, rejected: Counter[str], what: str
) -> Read:
    for _, reason, _ in st.broken:  # lines the CSV reader could not parse
        rejected[reason.split(":")[0]] += 1
    read = Read(table, st.rows, rejected)
    if table.num_rows == 0:  # the summary says why: it is not printed after
        raise SarapError(f"{read.summary(path)}: no usable {what} rows")
    return read


def _need(path: Path, st: Staged, wanted: dict[str, str]) -> dict[str, str]:
    """Each option's column, quoted for SQL; the file must have them all,
    once each."""
    found = {opt: staged_column(st, name, path) for opt, name in wanted.items()}
    missing = [f"{opt} {wanted[opt]!r}" for opt, col in found.items() if col is None]
    if missing:
        names = st.header
        raise SarapError(
            f"{path}: no column {', '.join(missing)}; the file has "
            f"{', '.join(names[:12])}{' ...' if len(names) > 12 else ''}"
        )
    return {opt: '"' + str(col).replace('"', '""') + '"' for opt, col in found.items()}


def read_transfers(
    path: str | Path,
    *,
    source: str = "source",
    target: str = "target",
    amount: str = "amount",
    time: str = "time",
) -> Read:
    path = Path(path)
    with _staged(path) as (con, st):
        opts = ("--source-col", "--target-col", "--amount-col", "--time-col")
        cols = _need(
            path, st, dict(zip(opts, (source, target, amount, time), strict=True))
        )
        q = dict(zip("sdat", (cols[o] for o in opts), strict=True))
        con.execute(f"""
            CREATE TEMP TABLE _t AS SELECT
                {code(f"NULLIF(trim({q['s']}), '')")} AS src,
                {code(f"NULLIF(trim({q['d']}), '')")} AS dst,
                {number(f"trim({q['a']})")} AS amount,
                CASE WHEN isfinite(TRY_CAST(trim({q["t"]}) AS DOUBLE))
                     THEN TRY_CAST(trim({q["t"]}) AS DOUBLE) END AS t_num,
                epoch(COALESCE(TRY_CAST(trim({q["t"]}) AS TIMESTAMP),
                               {dotted_time(f"trim({q['t']})")})) AS t_sec,
                {q["a"]} AS a_raw, {q["t"]} AS t_raw
            FROM "{st.relation}" """)
        span = con.execute("SELECT max(t_num) - min(t_num) FROM _t").fetchall()[0][0]
        scale = 86_400.0 if span is not None and span > SECONDS_SPAN else 1.0
        con.execute(f"""
            CREATE TEMP TABLE _c AS SELECT src, dst, amount,
                COALESCE(t_num / {scale}, t_sec / 86400.0) AS t,
                CASE WHEN src IS NULL THEN 'missing source'
                     WHEN dst IS NULL THEN 'missing target'
                     WHEN amount IS NULL OR NOT isfinite(amount) THEN 'bad amount'
                     WHEN amount < 0 THEN 'negative amount'
                     WHEN t_num IS NULL AND t_sec IS NULL THEN 'bad time'
                     -- The graph has no use for them: told, not lost there.
                     WHEN src = dst THEN 'self-transfer'
                END AS why
            FROM _t""")
        rejected = _count_by(
            con,
            "SELECT why, count(*) FROM _c WHERE why IS NOT NULL GROUP BY why",
        )
        table = con.sql(
            "SELECT src, dst, amount, t FROM _c WHERE why IS NULL"
        ).to_arrow_table()
        return _result(path, st, table, rejected, "transfer")


def read_labels(
    path: str | Path, *, party: str = "party_id", label: str = "label"
) -> Read:
    path = Path(path)
    with _staged(path) as (con, st):
        q = _need(path, st, {"--id-col": party, "--label-col": label})
        p, lab = q["--id-col"], q["--label-col"]
        con.execute(f"""
            CREATE TEMP TABLE _l AS SELECT {code(f"NULLIF(trim({p}), '')")} AS party,
                CASE WHEN lower(trim({lab})) IN ('1', '1.0', 'true', 'yes', 'y')
                     THEN 1
                     WHEN lower(trim({lab})) IN ('0', '0.0', 'false', 'no', 'n')
                     THEN 0 END AS label
            FROM "{st.relation}" """)
        rejected = _count_by(
            con,
            "SELECT CASE WHEN party IS NULL THEN 'missing party id' "
            "ELSE 'label not 0/1' END, count(*) FROM _l "
            "WHERE party IS NULL OR label IS NULL GROUP BY 1",
        )
        # A party listed twice counts once: an offender if either says so.
        table = con.sql(
            "SELECT party, CAST(max(label) AS INTEGER) AS label FROM _l "
            "WHERE party IS NOT NULL AND label IS NOT NULL "
            "GROUP BY party ORDER BY party"
        ).to_arrow_table()
        repeated, both = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE lo < hi) FROM ("
            "SELECT min(label) AS lo, max(label) AS hi FROM _l "
            "WHERE party IS NOT NULL AND label IS NOT NULL "
            "GROUP BY party HAVING count(*) > 1)"
        ).fetchall()[0]
        read = _result(path, st, table, rejected, "label")
        if repeated:
            note = f"{repeated:,} parties listed more than once, counted once"
            if both:
                note += f" ({both:,} labelled both 0 and 1: taken as offenders)"
            read.notes.append(note)
        return read


def absent(
    labels: pa.Table, edges: pa.Table
) -> tuple[list[str], tuple[str, str] | None]:
    """The labelled parties (``party``) that neither pay nor are paid in
    ``edges``, in the labels' order; and the first of them that the transfers
    write otherwise (``('007', '7')``, ``('7', '7.0')``), if any."""
    seen = set(pc.unique(edges.column("src")).to_pylist())
    seen |= set(pc.unique(edges.column("dst")).to_pylist())
    missing = [p for p in labels.column("party").to_pylist() if p not in seen]
    if not missing:
        return missing, None
    written = {_plain(p): p for p in seen}
    alike = next(
        ((p, written[_plain(p)]) for p in missing if _plain(p) in written), None
    )
    return missing, alike


def _plain(party: str) -> str:
    """An id without leading zeros or a float's '.0', to find look-alikes."""
    return re.sub(r"\.0+$", "", party).lstrip("0")
