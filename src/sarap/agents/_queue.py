"""The declarations agent's jobs: fit from files or a workspace, score, evaluate.

Each function here is what one ``sarap declarations`` command does; the CLI
only parses options and prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sarap.agents._declarations import DeclarationRiskRanker
from sarap.agents._metrics import inspection_metrics
from sarap.backends import SupportsTempTables, get_backend
from sarap.errors import SarapError
from sarap.pipeline import IngestResult, validate_file
from sarap.store import Workspace

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Lines:
    """Declaration lines read from files, with what each import did."""

    table: pa.Table
    imports: list[IngestResult] = field(default_factory=list)


def read_lines(
    paths: Sequence[str | Path],
    *,
    mapping: str | Path | None = None,
    encoding: str | None = None,
    labelled_only: bool = False,
) -> Lines:
    """Validate files (the checks of ``sarap ingest``) and return their lines.

    Nothing is stored: rejected rows are counted by reason in the returned
    summaries, valid rows come back in file order. A declaration line that
    appears in an earlier file is kept from there only.
    """
    tables, imports = [], []
    for p in paths:
        table, result = validate_file(p, mapping=mapping, encoding=encoding)
        tables.append(table)
        imports.append(result)
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if len(tables) > 1:
        keys = pa.table(
            {"d": table.column("declaration_id"), "i": table.column("item_no")}
        ).to_pandas()
        table = table.filter(pa.array(~keys.duplicated().to_numpy()))
    if labelled_only:
        table = table.filter(pc.is_valid(table.column("fraud")))
    if table.num_rows == 0:
        what = "labelled declaration" if labelled_only else "valid declaration"
        raise SarapError(f"{', '.join(map(str, paths))}: no {what} rows to use")
    return Lines(table, imports)


def workspace_lines(workspace: Workspace, *, labelled: bool) -> pa.Table:
    """Inspected (``labelled=True``) or not-yet-inspected lines of a workspace."""
    cond = "IS NOT NULL" if labelled else "IS NULL"
    return workspace.sql(
        f"SELECT * FROM declaration_lines WHERE fraud {cond} "
        "ORDER BY date, declaration_id, item_no"
    )


def fit_model(
    train: pa.Table,
    model_dir: str | Path,
    *,
    valid: pa.Table | None = None,
    params: dict[str, Any] | None = None,
    callbacks: list[Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[DeclarationRiskRanker, dict[str, Any]]:
    """Fit the declarations agent and save it; returns it with a fit summary."""
    model = DeclarationRiskRanker(**(params or {}))
    started = time.perf_counter()
    eval_set = (valid, None) if valid is not None else None
    model.fit(train, eval_set=eval_set, callbacks=callbacks)
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {
        "model": str(model_dir),
        "train_rows": int(train.num_rows),
        "train_positives": int(np.nansum(_labels(train))),
        "valid_rows": int(valid.num_rows) if valid is not None else 0,
        "rounds": model.best_iteration_ or model.n_estimators,
        "fit_seconds": round(seconds, 1),
    }
    model.save(model_dir, **{"fit": summary, **(meta or {})})
    return model, summary


def _labels(table: pa.Table) -> np.ndarray:
    return np.asarray(table.column("fraud").to_numpy(zero_copy_only=False), dtype=float)


def load_model(model_dir: str | Path) -> DeclarationRiskRanker:
    return DeclarationRiskRanker.load(model_dir)


def rank_declarations(
    model: DeclarationRiskRanker,
    lines: pa.Table,
    *,
    explain: int | None = None,
    top_reasons: int = 3,
) -> pa.Table:
    """The inspection queue: one row per declaration, riskiest first.

    A declaration's risk is that of its riskiest goods item, whose reasons
    it shows; expected revenue at stake adds up over its items.
    """
    scored = model.score_table(lines, top_reasons=top_reasons, explain=explain)
    ctx = lines.select(["importer_id", "hs_code", "customs_value", "currency", "date"])
    both = pa.Table.from_arrays(
        scored.columns + ctx.columns + [pa.array(np.arange(lines.num_rows))],
        names=scored.column_names + ctx.column_names + ["_pos"],
    )
    ids = lines.column("declaration_id")
    if pc.count_distinct(ids).as_py() == lines.num_rows:
        return _rank_single_items(both)
    backend = get_backend("duckdb", threads=model.n_jobs)
    assert isinstance(backend, SupportsTempTables)
    backend.register("_scored", both)
    try:
        return backend.sql(RANK_SQL)
    finally:
        backend.close()


def _rank_single_items(scored: pa.Table) -> pa.Table:
    """RANK_SQL's answer when every declaration has one line (no grouping)."""
    order = pc.sort_indices(scored, [("risk", "descending"), ("_pos", "ascending")])
    t = scored.take(order)
    n = t.num_rows
    return pa.table(
        {
            "rank": pa.array(np.arange(1, n + 1)),
            "declaration_id": t.column("declaration_id"),
            "risk": t.column("risk"),
            "expected_revenue": t.column("expected_revenue"),
            "reasons": t.column("reasons"),
            "date": t.column("date"),
            "importer_id": t.column("importer_id"),
            "hs_code": t.column("hs_code"),
            "customs_value": t.column("customs_value"),
            "currency": t.column("currency"),
            "items": pa.array(np.ones(n, dtype=np.int64)),
        }
    )


# One row per declaration, riskiest first; ties keep the input order.
RANK_SQL = """
SELECT row_number() OVER (ORDER BY risk DESC, _first) AS rank, * EXCLUDE (_first)
FROM (
    SELECT declaration_id,
           max(risk) AS risk,
           sum(expected_revenue) AS expected_revenue,
           arg_max(reasons, risk) AS reasons,
           min(date) AS date,
           arg_max(importer_id, risk) AS importer_id,
           arg_max(hs_code, risk) AS hs_code,
           sum(customs_value) AS customs_value,
           arg_max(currency, risk) AS currency,
           count(*) AS items,
           min(_pos) AS _first
    FROM _scored
    GROUP BY declaration_id
)
ORDER BY rank
"""


def write_queue(queue: pa.Table, out: str | Path) -> None:
    out = Path(out)
    if not out.parent.is_dir():
        raise SarapError(f"cannot write {out}: folder {out.parent} does not exist")
    pacsv.write_csv(queue, out)


def evaluate_queue(queue: pa.Table, lines: pa.Table) -> dict[str, Any]:
    """Back-test figures of a queue against the declarations' known outcomes."""
    labels = (
        pd.DataFrame(
            {
                "declaration_id": lines.column("declaration_id").to_pylist(),
                "fraud": _labels(lines),
            }
        )
        .groupby("declaration_id")["fraud"]
        .max()
    )
    ranked = queue.select(["declaration_id", "risk"]).to_pandas()
    joined = ranked.join(labels, on="declaration_id")
    joined = joined[joined["fraud"].notna()]
    if joined.empty:
        raise SarapError(
            "no declaration in the file has an inspection outcome "
            "(fraud column) to evaluate against"
        )
    return inspection_metrics(
        joined["fraud"].to_numpy(dtype=int), joined["risk"].to_numpy()
    )
