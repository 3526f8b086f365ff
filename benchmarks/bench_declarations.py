"""Benchmarks of the declarations agent (``make bench``).

1. Batch scoring end to end: ``sarap declarations score`` on a CSV of
   1,000,000 simulated declaration lines (goods items; about 536,000
   declarations) (read, validate, featurise, score,
   explain, write the queue), in a fresh process; wall time and peak memory.
2. Single-declaration latency through the library (p50, p99).
3. Fit time and quality on the public KCS dataset when ../shared is there
   (fit on the 2020 train split only, judged on the 2021 valid split), beside
   the paper-style baseline (plain LightGBM on the raw columns).

Prints one JSON object per figure and a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "customs"
SARAP = Path(sys.executable).with_name("sarap")


def machine() -> str:
    cpus = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpus} cores ({model}), {mem:.0f} GiB, Python {platform.python_version()}"


def report(name: str, **figures: object) -> dict[str, object]:
    row = {"benchmark": name, **figures}
    print(json.dumps(row), flush=True)
    return row


def bench_batch(tmp: Path, rows: int) -> list[dict[str, object]]:
    from sarap.simulate import simulate_declarations, write_table

    train = simulate_declarations(200_000, seed=11, start="2023-01-01", months=12)
    write_table(train, tmp / "train.csv")
    new = simulate_declarations(rows, seed=12, start="2024-01-01", months=1)
    new = new.drop_columns(["fraud", "additional_revenue", "scheme"])
    declarations = len(set(new.column("declaration_id").to_pylist()))
    write_table(new, tmp / "new.csv")
    size_mb = (tmp / "new.csv").stat().st_size / 2**20
    # Compiled boosters go to a cache of this run's own, so the fit below
    # pays for compiling them, as a user's first fit of this model does.
    os.environ["SARAP_CACHE"] = str(tmp / "cache")
    t = time.perf_counter()
    fit = subprocess.run(
        [
            str(SARAP),
            "declarations",
            "fit",
            "--train",
            str(tmp / "train.csv"),
            "--model",
            str(tmp / "model"),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    fit_wall = time.perf_counter() - t
    fit_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    summary = json.loads(fit.stdout.strip().splitlines()[-1])
    out = [
        report(
            "fit, 200k simulated declarations (sarap declarations fit)",
            seconds=round(fit_wall, 1),
            of_which_learning=summary["fit_seconds"],
            of_which_compiling_for_batches=summary.get("compile_seconds"),
            peak_gib=round(fit_peak, 2),
        )
    ]
    for name, explain in [("new.csv", "all"), ("new.csv", "10%")]:
        # Each run in a fresh process, so its peak memory is its own.
        code = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
            "check=True, stdout=subprocess.DEVNULL); print(resource.getrusage("
            "resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        t = time.perf_counter()
        res = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(SARAP),
                "declarations",
                "score",
                str(tmp / name),
                "--model",
                str(tmp / "model"),
                "--out",
                str(tmp / "queue.csv"),
                "--explain",
                explain,
                "-q",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t
        peak = int(res.stdout.strip()) / 2**20
        out.append(
            report(
                f"batch score {rows:,} declaration lines "
                f"({declarations:,} declarations) from {name}, reasons for "
                + ("every declaration" if explain == "all" else f"the top {explain}"),
                csv_mb=round(size_mb),
                seconds=round(wall, 1),
                lines_per_second=round(rows / wall),
                declarations_per_second=round(declarations / wall),
                peak_gib=round(peak, 2),
            )
        )
    return out


def bench_latency(tmp: Path, n: int = 300) -> dict[str, object]:
    from sarap.agents._queue import load_model, rank_declarations
    from sarap.simulate import simulate_declarations

    model = load_model(tmp / "model")
    lines = simulate_declarations(n, seed=13, start="2024-02-01", months=1)
    rank_declarations(model, lines.slice(0, 1))  # warm up
    times = []
    for i in range(n):
        one = lines.slice(i, 1)
        t = time.perf_counter()
        rank_declarations(model, one)
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return report(
        "single declaration, library, with reasons",
        p50_ms=round(float(np.percentile(ms, 50)), 1),
        p99_ms=round(float(np.percentile(ms, 99)), 1),
        calls=n,
    )


def bench_kcs() -> list[dict[str, object]]:
    from benchmarks.kcs_baseline import paper_style_baseline
    from sarap.agents import DeclarationRiskRanker, inspection_metrics
    from sarap.agents._queue import read_lines

    train_f, valid_f = SHARED / "df_syn_train_eng.csv", SHARED / "df_syn_valid_eng.csv"
    if not train_f.is_file():
        return [report("kcs", skipped=f"{train_f} not found")]
    train = read_lines([train_f], mapping="kcs", labelled_only=True).table
    valid = read_lines([valid_f], mapping="kcs", labelled_only=True).table
    y = valid.column("fraud").to_numpy().astype(int)
    t = time.perf_counter()
    model = DeclarationRiskRanker().fit(train)
    fit_s = time.perf_counter() - t
    ours = inspection_metrics(y, model.score_samples(valid))
    t = time.perf_counter()
    DeclarationRiskRanker().fit(train, eval_set=(valid, None))
    fit_tv = time.perf_counter() - t
    base = paper_style_baseline(train_f, valid_f)
    return [
        report(
            "kcs valid, sarap (fit on train only)", fit_seconds=round(fit_s, 1), **ours
        ),
        report(
            "kcs fit --train --valid (early stop + refit)", fit_seconds=round(fit_tv, 1)
        ),
        report("kcs valid, paper-style LightGBM baseline", **base),
    ]


def main() -> None:
    # As the sarap command does: idle OpenMP threads sleep rather than spin.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-kcs", action="store_true")
    args = ap.parse_args()
    print(json.dumps({"machine": machine()}), flush=True)
    with tempfile.TemporaryDirectory(prefix="sarap-bench-") as tmp:
        bench_batch(Path(tmp), args.rows)
        bench_latency(Path(tmp))
    if not args.skip_kcs:
        bench_kcs()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
