"""How ``sarap run`` grows with the economy (``make bench``).

For each size, ``sarap simulate economy`` draws an economy (27 months, 8
countries: about 50 invoices per taxpayer, the issue's 10M invoices for 200k
taxpayers), a fifth of its customs declarations keep their inspection
outcome (as in ``bench_taxpayers.py``), the tables are written as Parquet
and imported into a fresh workspace with ``sarap ingest``, and then ``sarap
run`` runs every agent on it. Each command runs in its own process; its wall
time and peak resident memory (``ru_maxrss`` of that process) are printed,
one JSON object per size, with the invoice count: ``invoices`` (distinct
invoices) and ``invoice_records`` (rows of the ``invoices`` table: each line
as the seller and as the buyer reported it).

Target of the issue: 10M invoices / 200k taxpayers in <= 10 minutes and
<= 12 GB peak memory on this 2-core machine, with near-linear growth.

    .venv/bin/python benchmarks/bench_run_scale.py --taxpayers 20000 60000 200000
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

SARAP = Path(sys.executable).with_name("sarap")

TABLES = ("parties", "invoices", "vat_returns", "declarations", "exchange_rates")


def timed(*args: str) -> tuple[float, float]:
    """Run ``args`` in a child process: (wall seconds, peak RSS in GiB).

    A fresh Python wraps each command, so ``RUSAGE_CHILDREN`` holds that one
    command's peak and no earlier one's."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    wall, kib = done.stdout.split()
    return float(wall), int(kib) / 2**20


def write_economy(taxpayers: int, months: int, seed: int, folder: Path) -> dict:
    """Simulate, hide four fifths of the outcomes, write Parquet files."""
    import pyarrow.compute as pc
    from bench_taxpayers import economy_files

    from sarap.simulate import simulate_economy, write_table

    t = time.perf_counter()
    econ = simulate_economy(taxpayers, months=months, seed=seed)
    simulated = time.perf_counter() - t
    tables = economy_files(econ, seed)
    for name, table in tables.items():
        write_table(table, folder / f"{name}.parquet")
    decl = tables["declarations"]
    inv = econ.invoices
    return {
        "taxpayers": taxpayers,
        "invoices": len(pc.unique(inv.column("invoice_id"))),
        "invoice_records": inv.num_rows,
        "declaration_lines": decl.num_rows,
        "simulate_seconds": round(simulated, 1),
    }


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--taxpayers", type=int, nargs="+", default=[20_000, 60_000, 200_000]
    )
    ap.add_argument("--months", type=int, default=27)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="Keep the files and workspaces in this folder.")
    args = ap.parse_args()

    for n in args.taxpayers:
        with tempfile.TemporaryDirectory(prefix="sarap-scale-") as tmp:
            d = Path(args.keep) / f"economy-{n}" if args.keep else Path(tmp)
            d.mkdir(parents=True, exist_ok=True)
            row = write_economy(n, args.months, args.seed, d)
            ws = d / "w.duckdb"
            ws.unlink(missing_ok=True)
            ingest_s = ingest_gb = 0.0
            for name in TABLES:
                s, gb = timed(
                    str(SARAP), "ingest", str(d / f"{name}.parquet"), "-w", str(ws)
                )
                ingest_s += s
                ingest_gb = max(ingest_gb, gb)
            run_s, run_gb = timed(str(SARAP), "run", "-w", str(ws), "-q")
            again_s, _ = timed(str(SARAP), "run", "-w", str(ws), "-q")
            row |= {
                "ingest_seconds": round(ingest_s, 1),
                "ingest_peak_gib": round(ingest_gb, 2),
                "run_seconds": round(run_s, 1),
                "run_peak_gib": round(run_gb, 2),
                "second_run_seconds": round(again_s, 1),
                "workspace_mib": round(ws.stat().st_size / 2**20),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
