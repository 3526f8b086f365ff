"""Benchmarks of the network agent (``make bench``).

On simulated transfer graphs of the judged size (20,000 accounts, 120,000
transfers), for several seeds and for harder variants of the planted
patterns (uneven shares, slow fan-ins and cycles):

- patterns alone, no labels: average precision and precision@k over all
  accounts;
- fit on a random half of the labels, measured on the other half;
- wall time of each;
- the issue's reference on the same halves: a LightGBM on each account's raw
  aggregates (about 0.7 AP on the judged graphs), to see how hard these
  graphs are next to those.

These graphs come from our own simulator (``sarap simulate transfers``), so
the figures say how well the agent finds the patterns it was built to find;
they are not a measurement on anyone else's data.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

VARIANTS = {
    "default": {},
    "uneven shares (+-50 %)": {"spread": 0.5},
    "slow (fan-in over 20 days, 10 days a hop)": {"burst_days": 20, "hop_days": 10},
    "uneven and slow": {"spread": 0.5, "burst_days": 20, "hop_days": 10},
}


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from bench_typologies import raw_aggregate_ap

    from sarap.agents._network import NetworkRiskScorer, ranking_metrics
    from sarap.simulate._transfers import simulate_transfers

    for name, knobs in VARIANTS.items():
        rows = []
        for seed in (1, 2, 3):
            g = simulate_transfers(20_000, 120_000, seed=seed, **knobs)
            tr = g.transfers
            days = pc.cast(tr.column("time"), pa.int64()).to_numpy() / 86_400
            edges = pa.table(
                {
                    "src": tr.column("source"),
                    "dst": tr.column("target"),
                    "amount": tr.column("amount"),
                    "t": days,
                }
            )
            labels = g.labels.select(["party_id", "label"]).rename_columns(
                ["party", "label"]
            )
            t = time.perf_counter()
            alone = ranking_metrics(NetworkRiskScorer().score_table(edges), labels)
            t_alone = time.perf_counter() - t
            half = np.random.default_rng(seed).random(labels.num_rows) < 0.5
            t = time.perf_counter()
            model = NetworkRiskScorer().fit(edges, labels.filter(pa.array(half)))
            learned = ranking_metrics(
                model.score_table(edges), labels.filter(pa.array(~half))
            )
            t_learned = time.perf_counter() - t
            rows.append(
                (
                    alone["average_precision"],
                    alone["precision@k"],
                    learned["average_precision"],
                    learned["precision@k"],
                    t_alone,
                    t_learned,
                    raw_aggregate_ap(edges, labels, half),
                )
            )
        a = np.array(rows)
        print(
            json.dumps(
                {
                    "benchmark": f"network, simulated transfers, {name}",
                    "transfers": int(edges.num_rows),
                    "no_labels_ap": round(float(a[:, 0].mean()), 3),
                    "no_labels_p@k": round(float(a[:, 1].mean()), 3),
                    "half_labels_ap": round(float(a[:, 2].mean()), 3),
                    "half_labels_p@k": round(float(a[:, 3].mean()), 3),
                    "score_seconds": round(float(a[:, 4].mean()), 1),
                    "fit_and_score_seconds": round(float(a[:, 5].mean()), 1),
                    "raw_aggregates_lightgbm_half_labels_ap": round(
                        float(a[:, 6].mean()), 3
                    ),
                    "seeds": 3,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
