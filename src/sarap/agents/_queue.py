"""The declarations agent's jobs: fit from files or a workspace, score, evaluate.

Each function here is what one ``sarap declarations`` command does; the CLI
only parses options and prints.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sarap.agents._base import check_out_file, file_in_place
from sarap.agents._declarations import SMALL, DeclarationRiskRanker
from sarap.agents._metrics import inspection_metrics
from sarap.errors import SarapError
from sarap.pipeline import IngestResult, load_mapping, validate_file
from sarap.store import ENTITIES, Workspace

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
        _not_a_queue(p, result)
        _declarations_only(p, table)
        if labelled_only and 0 < table.num_rows == table.column("fraud").null_count:
            raise SarapError(
                f"{p}: no inspection outcomes: {_outcomes_from(mapping, result)}"
            )
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
        said = f"{', '.join(map(str, paths))}: no {what} rows to use"
        # why, as ingest would tell: the summary is printed only on success
        reasons = sum((r.reasons for r in imports), Counter())
        if reasons:
            reason, n = reasons.most_common(1)[0]
            said += (
                f"; {sum(reasons.values()):,} rows rejected, the most ({n:,}) "
                f"for {reason}"
            )
        raise SarapError(said)
    return Lines(table, imports)


# Columns of the queue that score writes and no declarations file has.
QUEUE_COLUMNS = ("rank", "risk", "reasons")


def _not_a_queue(path: str | Path, result: IngestResult) -> None:
    """Refuse a queue given for declarations: it has their ids, dates and
    values, so it read as declarations, one goods item each."""
    ignored = {c.strip().lower() for c in result.ignored_columns}
    if set(QUEUE_COLUMNS) <= ignored:
        raise SarapError(
            f"{path}: this is an inspection queue (columns "
            f"{', '.join(QUEUE_COLUMNS)}), not declarations; give the "
            "declarations file it was scored from"
        )


def _declarations_only(path: str | Path, table: pa.Table) -> None:
    """Refuse a file whose columns read as another table of the data model
    (parties, invoices, outcomes...): it has no declaration lines."""
    if set(ENTITIES["declarations"].field_names) <= set(table.column_names):
        return
    what = next(
        (
            {"outcomes": "inspection outcomes", "vat_returns": "VAT returns"}.get(
                e.name, e.name.replace("_", " ")
            )
            for e in ENTITIES.values()
            if table.column_names[: len(e.fields)] == e.field_names
        ),
        "another table",
    )
    raise SarapError(f"{path}: its columns are those of {what}, not declarations")


def _outcomes_from(mapping: str | Path | None, result: IngestResult) -> str:
    """Where the mapping in use reads the outcomes from, for a file that
    has none."""
    m = load_mapping(mapping or result.mapping)
    column = m.columns.get("fraud")
    if column is None:
        return f"mapping '{m.name}' names no column for fraud (1 or 0)"
    return (
        f"mapping '{m.name}' reads them from column '{column}' (1 fraud, 0 none "
        "found), which is missing or empty"
    )


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
    for_batches: bool = False,
) -> tuple[DeclarationRiskRanker, dict[str, Any]]:
    """Fit the declarations agent and save it; returns it with a fit summary.

    ``for_batches``: a model learnt from more than ``SMALL`` lines is also
    compiled for big batches now (what ``sarap declarations fit`` does,
    as its models are for scoring files).
    """
    both = "frauds and non-frauds"
    _both_outcomes(
        train, "the training declarations", f"a model learns from both {both}"
    )
    if valid is not None:
        # With one outcome, average precision never improves: boosting
        # stopped after one round, a model that ranks nothing, without a word.
        why = f"boosting stops when their ranking stops improving, which needs {both}"
        _both_outcomes(valid, "the validation declarations", why)
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
    if for_batches and train.num_rows > SMALL:
        started = time.perf_counter()
        if model.compile_for_batches():
            summary["compile_seconds"] = round(time.perf_counter() - started, 1)
    return model, summary


SAME_LINE = (
    "declaration_id",
    "item_no",
    "date",
    "importer_id",
    "hs_code",
    "customs_value",
)


def shared_lines(train: pa.Table, valid: pa.Table) -> int:
    """How many of ``valid``'s lines are in ``train``: the same declaration,
    item, date, importer, code and value (simulations with other seeds share
    some ids)."""

    def keys(t: pa.Table) -> pa.Array:
        cols = [t.column(c).cast(pa.string()).fill_null("") for c in SAME_LINE]
        return pc.binary_join_element_wise(*cols, "\x1f")

    return int(pc.sum(pc.is_in(keys(valid), value_set=keys(train))).as_py() or 0)


def _both_outcomes(lines: pa.Table, what: str, why: str) -> None:
    """Frauds and non-frauds among ``lines``, or one line that says which
    is missing (the model learns to tell them apart)."""
    y = _labels(lines)
    n, frauds = int(np.isfinite(y).sum()), int(np.nansum(y))
    if 0 < frauds < n:
        return
    found = f"none of {n:,} lines is fraud" if frauds == 0 else f"all {n:,} are fraud"
    raise SarapError(f"{what}: {found}; {why}")


def _labels(table: pa.Table) -> np.ndarray:
    return np.asarray(table.column("fraud").to_numpy(zero_copy_only=False), dtype=float)


def load_model(model_dir: str | Path) -> DeclarationRiskRanker:
    return DeclarationRiskRanker.load(model_dir)


def rank_declarations(
    model: DeclarationRiskRanker,
    lines: pa.Table,
    *,
    explain: int | Callable[[int], int | None] | None = None,
    top_reasons: int = 3,
) -> pa.Table:
    """The inspection queue: one row per declaration, riskiest first.

    A declaration's risk is that of its riskiest goods item, whose reasons
    it shows; expected revenue at stake adds up over its items. Ties keep
    the order in which declarations first appear. ``explain`` gives reasons
    for that many of the riskiest declarations only (the ones an inspector
    will open); all when None; a function is given the number of
    declarations and answers with that count. Only the line whose reasons
    are shown is explained: the other lines' reasons would never be read.

    The same queue as :data:`RANK_SQL` over every line's scores and reasons,
    worked out on the scores alone with NumPy.
    """
    ids = lines.column("declaration_id")
    if ids.null_count:
        raise SarapError(f"declaration_id is missing on {ids.null_count:,} lines")
    encoded = pc.dictionary_encode(ids.combine_chunks())
    code = np.asarray(encoded.indices)  # numbered in order of first appearance
    declarations = len(encoded.dictionary)
    if callable(explain):
        explain = explain(declarations)
    picked: dict[str, np.ndarray] = {}

    def shown(risk: np.ndarray) -> np.ndarray:
        """Each declaration's riskiest line (ties: the first), riskiest
        declaration first; the first ``explain`` of them get reasons."""
        highest = np.full(declarations, -np.inf)
        np.maximum.at(highest, code, risk)
        riskiest = np.flatnonzero(risk == highest[code])  # ascending
        top = np.full(declarations, len(risk))
        np.minimum.at(top, code[riskiest], riskiest)
        picked["queue"] = np.argsort(-risk[top], kind="stable")
        picked["top"] = top[picked["queue"]]
        return picked["top"][: len(top) if explain is None else max(0, explain)]

    scored = model.score_table(lines, explain=shown, top_reasons=top_reasons)
    queue, top = picked["queue"], picked["top"]
    n = len(top)
    expected = scored.column("expected_revenue")
    days = lines.column("date").cast(pa.date32()).cast(pa.int32())
    first_day = np.full(n, np.nan)  # the earliest date of each, as SQL's min
    np.fmin.at(first_day, code, days.to_numpy(zero_copy_only=False).astype(float))
    value = lines.column("customs_value").to_numpy(zero_copy_only=False)
    return pa.table(
        {
            "rank": pa.array(np.arange(1, n + 1)),
            "declaration_id": lines.column("declaration_id").take(top),
            "risk": scored.column("risk").take(top),
            "expected_revenue": pa.nulls(n, pa.float64())
            if expected.null_count == len(expected)
            else pa.array(_sums(code, expected.to_numpy(zero_copy_only=False))[queue]),
            "reasons": scored.column("reasons").take(top),
            "date": pa.array(first_day[queue], from_pandas=True)
            .cast(pa.int32())
            .cast(pa.date32()),
            "importer_id": lines.column("importer_id").take(top),
            "hs_code": lines.column("hs_code").take(top),
            "customs_value": pa.array(_sums(code, value)[queue]),
            "currency": lines.column("currency").take(top),
            "items": pa.array(np.bincount(code)[queue]),
        }
    )


def _sums(code: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per declaration sums, missing values left out (as SQL's sum does)."""
    values = np.asarray(values, dtype=np.float64)
    return np.bincount(code, weights=np.nan_to_num(values, nan=0.0))


# The queue as SQL over every line's scores and reasons (``_scored``, with
# ``_pos`` the line's position): what rank_declarations gives. One row per
# declaration, riskiest first; ties keep the input order.
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


def check_queue_path(out: str | Path) -> Path:
    """Where the queue will be written, refused (one line) if it cannot be."""
    return check_out_file(out, "the queue is")


def write_queue(queue: pa.Table, out: str | Path) -> None:
    """The queue as CSV, in place once whole (an interrupted write leaves
    ``out`` as it was)."""
    with file_in_place(check_queue_path(out)) as scratch:
        pacsv.write_csv(queue, scratch)


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
