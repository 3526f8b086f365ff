"""Taxpayer profiles on a simulated economy, scheme by scheme (``make bench``).

``sarap simulate economy`` plants tax-fraud schemes with their ground truth;
this imports its files into a fresh workspace with ``sarap ingest`` (a fifth
of the customs declarations come with their inspection outcome, the rest are
new), runs ``sarap run`` and compares the profiles with the truth:

- per scheme, recall: the share of the scheme's taxpayers whose profile is in
  the high band, and in the medium band or above;
- per kind of finding, precision: the share of the taxpayers it names that
  take part in some scheme;
- overall: precision of the high band, average precision of the 0-100 score
  over all taxpayers, and how many honest taxpayers land in the high band;
- wall time of the import and of the run.

Our own simulator's economy, scored by rules and models built knowing what
it plants: the figures show the schemes are found, not how Sarap does on a
real tax administration's data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SARAP = Path(sys.executable).with_name("sarap")


def run(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([str(SARAP), *args], check=True, capture_output=True)
    return time.perf_counter() - t


def economy_files(econ: Any, seed: int) -> dict[str, pa.Table]:
    """The economy's tables to import, with the outcome of about a fifth of
    the customs declarations kept (all items of a declaration or none) and
    the rest hidden, as for declarations not inspected yet."""
    decl = econ.declarations
    inspected = np.random.default_rng(seed).random(decl.num_rows) < 0.2
    ids = decl.column("declaration_id").to_numpy(zero_copy_only=False)
    # A declaration takes the draw of its last item.
    last = pd.Series(np.arange(len(ids))).groupby(ids).transform("max")
    known = pa.array(inspected[last.to_numpy()])
    hidden = {
        c: pc.if_else(known, decl.column(c), pa.nulls(len(ids), decl.column(c).type))
        for c in ("fraud", "additional_revenue")
    }
    decl = decl.drop_columns(["fraud", "additional_revenue", "scheme"])
    for c, col in hidden.items():
        decl = decl.append_column(c, col)
    return {
        "parties": econ.parties,
        "invoices": econ.invoices,
        "vat_returns": econ.vat_returns,
        "declarations": decl,
        "exchange_rates": econ.exchange_rates,
    }


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--taxpayers", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args()

    from sklearn.metrics import average_precision_score

    from sarap.simulate import write_table
    from sarap.simulate._economy import simulate_economy
    from sarap.store import Workspace

    econ = simulate_economy(args.taxpayers, months=args.months, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="sarap-tax-") as tmp:
        d = Path(tmp)
        files = economy_files(econ, args.seed)
        for name, table in files.items():
            write_table(table, d / f"{name}.csv")
        ws = d / "w.duckdb"
        t_import = sum(
            run("ingest", str(d / f"{name}.csv"), "-w", str(ws)) for name in files
        )
        t_run = run("run", "-w", str(ws), "-q")
        t_again = run("run", "-w", str(ws), "-q")
        with Workspace(ws) as w:
            prof = w.sql("SELECT party_id, score, band FROM profiles").to_pandas()
            kinds = w.sql("SELECT DISTINCT party_id, kind FROM findings").to_pandas()
    labels = econ.labels.to_pandas()
    merged = labels.merge(prof, on="party_id", how="left")
    merged["score"] = merged["score"].fillna(0)
    merged["band"] = merged["band"].fillna("low")
    y = merged["fraud"].astype(int).to_numpy()
    high = merged["band"] == "high"
    raised = merged["band"].isin(["high", "medium"])
    per_scheme = {}
    for scheme, g in merged[merged["fraud"] == 1].groupby("scheme"):
        per_scheme[scheme] = {
            "taxpayers": len(g),
            "recall_high": round(float((g["band"] == "high").mean()), 3),
            "recall_medium_or_high": round(
                float(g["band"].isin(["high", "medium"]).mean()), 3
            ),
        }
    fired = kinds.merge(labels, on="party_id")
    per_kind = {
        kind: {
            "taxpayers": len(g),
            "precision": round(float(g["fraud"].astype(int).mean()), 3),
        }
        for kind, g in fired.groupby("kind")
    }
    print(
        json.dumps(
            {
                "benchmark": f"taxpayer profiles, simulated economy of "
                f"{args.taxpayers:,} taxpayers, {args.months} months",
                "invoice_rows": econ.invoices.num_rows,
                "fraudulent_taxpayers": int(y.sum()),
                "average_precision": round(
                    float(average_precision_score(y, merged["score"])), 3
                ),
                "precision_high": round(float(y[high].mean()), 3)
                if high.any()
                else None,
                "precision_medium_or_high": round(float(y[raised].mean()), 3)
                if raised.any()
                else None,
                "honest_in_high": int(((y == 0) & high).sum()),
                "per_scheme": per_scheme,
                "per_finding": per_kind,
                "import_seconds": round(t_import, 1),
                "run_seconds": round(t_run, 1),
                "second_run_seconds": round(t_again, 1),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
