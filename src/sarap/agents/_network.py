"""The network agent: risk of every party in a graph of transfers.

Without labels it scores by patterns alone (money cycles, bursts of similar
payments into or out of one account that do not repeat like a payroll);
given the outcome of some parties it learns how much each signal is worth
and lets the risk of known offenders spread to those who trade with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sarap
from sarap.agents._base import (
    BaseAgent,
    Interval,
    damaged_model,
    model_folder,
    read_model_info,
    write_model_info,
)
from sarap.agents._graph import GraphSettings, graph_features
from sarap.backends import get_backend
from sarap.errors import SarapError

# 2: routine pairs left out of bursts (``*_routine_pairs`` features).
MODEL_FORMAT = 2
# A burst counts from this many counterparties; one that comes back in more
# windows than REPEATS is a routine (a payroll, a standing order).
BURST = 5
REPEATS = 2


def pattern_score(f: pd.DataFrame) -> np.ndarray:
    """0-1 risk from the patterns alone (no labels needed): on a money cycle,
    or the hub or a member of one-off bursts of similar payments (a slow or
    uneven burst counts for a little less). Signals add up as independent
    evidence: a mule both paid by one burst and paying into another ranks
    above a party with one of them."""
    parts = [np.where(f["cycles"].fillna(0) > 0, 1.0, 0.0)]
    for sfx, weight in (("", 1.0), ("_wide", 0.85)):
        for side in ("in", "out"):
            burst = f[f"{side}{sfx}_burst"].fillna(0).to_numpy()
            once = f[f"{side}{sfx}_burst_windows"].fillna(0).to_numpy() <= REPEATS
            hub = (burst >= BURST) & once
            parts.append(weight * hub * (0.5 + 0.5 * (1 - np.exp(-burst / 10))))
            # Memberships are one-off by construction (see _graph).
            member = f[f"{side}{sfx}_member_of"].fillna(0).to_numpy()
            parts.append(
                weight * (member >= BURST) * (0.4 + 0.5 * (1 - np.exp(-member / 10)))
            )
    # The tight and the wide look at one burst see the same evidence: take
    # the stronger of each pair, then combine the distinct signals.
    cycle, rest = parts[0], parts[1:]
    signals = [cycle] + [
        np.maximum(a, b) for a, b in zip(rest[:4], rest[4:], strict=True)
    ]
    return np.asarray(1 - np.prod([1 - x for x in signals], axis=0), dtype=float)


def reasons(
    f: pd.DataFrame, window_days: float, wide: float = 4.0, top: int = 3
) -> list[str]:
    """The evidence behind each party's score, in words, strongest first."""
    out = []
    looks = (("", f"{window_days:g} days"), ("_wide", f"{window_days * wide:g} days"))
    w = looks[0][1]
    for r in f.to_dict("records"):
        said: list[str] = []
        if r["cycles"] and r["cycles"] > 0:
            said.append(
                f"on {int(r['cycles'])} money cycle(s) of {int(r['cycle_length'])} "
                f"transfers that came back within {r['cycle_days']:.0f} days, "
                f"{r['cycle_fee']:.0%} kept back on the way"
            )
        for sfx, span in looks:
            for side, hub, member in (
                (
                    "in",
                    "received similar amounts from {} payers within " + span,
                    "one of {} payers of similar amounts into one account within "
                    + span,
                ),
                (
                    "out",
                    "paid similar amounts to {} payees within " + span,
                    "one of {} payees of similar amounts from one account within "
                    + span,
                ),
            ):
                burst = r[f"{side}{sfx}_burst"]
                if burst >= BURST and r[f"{side}{sfx}_burst_windows"] <= REPEATS:
                    said.append(hub.format(int(burst)))
                mem = r[f"{side}{sfx}_member_of"]
                if mem >= BURST:
                    said.append(member.format(int(mem)))
        bad = r.get("known_bad") or 0
        if bad > 0:
            said.append(f"trades directly with {int(bad)} known offender(s)")
        co = max(r.get("co_payers_bad") or 0, r.get("co_payees_bad") or 0)
        if co > 0:
            said.append(
                f"pays or is paid alongside {int(co)} known offender(s) within {w}"
            )
        pt = r["pass_through"]
        if pt is not None and pt >= 0.9 and r["in_n"] >= 3 and r["out_n"] >= 3:
            said.append(f"passes on {pt:.0%} of what it receives")
        # Each look at bursts may say the same thing twice: keep the first.
        seen: list[str] = []
        for text in said:
            stem = text.split(" within ")[0]
            if all(s.split(" within ")[0] != stem for s in seen):
                seen.append(text)
        out.append("; ".join(seen[:top]))
    return out


class NetworkRiskScorer(BaseAgent):
    """Scores the parties of a transfer graph; higher is riskier.

    Parameters
    ----------
    window_days : float, default 7
        Window of a burst of payments (fan-in, fan-out).
    cycle_max_length : int, default 8
        Longest money cycle looked for (transfers).
    cycle_gap_days : float, default 15
        Longest wait between two hops of a cycle.
    cycle_min_ratio : float, default 0.5
        Least share of the previous hop's amount a cycle's next hop keeps.
    n_estimators, learning_rate, num_leaves : LightGBM settings.
    n_jobs : int, default 2
    random_state : int, default 0

    Attributes
    ----------
    booster_ : lightgbm.Booster
    known_ : pyarrow.Table
        ``party, label`` of the parties whose outcome the model was fitted on;
        their risk spreads to their counterparties at scoring.
    feature_names_ : list of str
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "window_days": [Interval(float, 0.0, None, closed="neither")],
        "cycle_max_length": [Interval(int, 3, 12)],
        "cycle_gap_days": [Interval(float, 0.0, None, closed="neither")],
        "cycle_min_ratio": [Interval(float, 0.0, 1.0)],
        "n_estimators": [Interval(int, 1, None)],
        "learning_rate": [Interval(float, 0.0, 1.0, closed="right")],
        "num_leaves": [Interval(int, 2, 4096)],
        "n_jobs": [Interval(int, 1, None)],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        window_days: float = 7.0,
        cycle_max_length: int = 8,
        cycle_gap_days: float = 15.0,
        cycle_min_ratio: float = 0.5,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        n_jobs: int = 2,
        random_state: int = 0,
    ):
        self.window_days = window_days
        self.cycle_max_length = cycle_max_length
        self.cycle_gap_days = cycle_gap_days
        self.cycle_min_ratio = cycle_min_ratio
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _settings(self) -> GraphSettings:
        return GraphSettings(
            window_days=float(self.window_days),
            cycle_max_length=int(self.cycle_max_length),
            cycle_gap_days=float(self.cycle_gap_days),
            cycle_min_ratio=float(self.cycle_min_ratio),
        )

    def features(self, edges: pa.Table, known: pa.Table | None = None) -> pd.DataFrame:
        """One row per party: graph features, pattern score (and closeness to
        ``known`` offenders when given)."""
        backend = get_backend("duckdb", threads=self.n_jobs)
        try:
            feats, _ = graph_features(backend, edges, self._settings(), known)
        finally:
            backend.close()
        f = feats.to_pandas()
        f["pattern_score"] = pattern_score(f)
        return f

    def fit(self, edges: pa.Table, labels: pa.Table) -> NetworkRiskScorer:
        """Learn from parties with a known outcome.

        Parameters
        ----------
        edges : pyarrow.Table
            ``src, dst, amount, t`` (t in days).
        labels : pyarrow.Table
            ``party, label`` (1 = offender, 0 = checked and clean).
        """
        self._validate_params()
        known = _labels(labels)
        f = self.features(edges, known)
        y_by_party = dict(
            zip(known["party"].to_pylist(), known["label"].to_pylist(), strict=True)
        )
        y = f["party"].map(y_by_party)
        mask = y.notna().to_numpy()
        if mask.sum() == 0:
            raise SarapError("no labelled party appears in the transfers")
        yv = y[mask].astype(int).to_numpy()
        if yv.min() == yv.max():
            raise SarapError("labels need both offenders (1) and clean parties (0)")
        self.feature_names_ = [c for c in f.columns if c != "party"]
        params = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": 10,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "seed": self.random_state,
            "deterministic": True,
            "num_threads": self.n_jobs,
            "verbose": -1,
        }
        data = lgb.Dataset(
            f.loc[mask, self.feature_names_].to_numpy(dtype=float),
            yv,
            feature_name=self.feature_names_,
        )
        self.booster_ = lgb.train(params, data, num_boost_round=self.n_estimators)
        self.known_ = known
        self.positives_train_ = int(yv.sum())
        self.parties_train_ = int(mask.sum())
        return self

    def score_table(self, edges: pa.Table, *, top_reasons: int = 3) -> pa.Table:
        """``party, score, pattern_score, reasons`` for every party, riskiest
        first. Without a fitted model the score is the pattern score."""
        fitted = hasattr(self, "booster_")
        f = self.features(edges, self.known_ if fitted else None)
        if fitted:
            score = self.booster_.predict(f[self.feature_names_].to_numpy(dtype=float))
        else:
            self._validate_params()
            score = f["pattern_score"].to_numpy()
        f["score"] = score
        f = f.sort_values(["score", "party"], ascending=[False, True], kind="stable")
        return pa.table(
            {
                "rank": pa.array(np.arange(1, len(f) + 1)),
                "party_id": pa.array(f["party"].astype(str).to_numpy()),
                "score": pa.array(f["score"].to_numpy(dtype=float)),
                "pattern_score": pa.array(f["pattern_score"].to_numpy(dtype=float)),
                "reasons": pa.array(reasons(f, float(self.window_days), top_reasons)),
            }
        )

    # -- persistence ------------------------------------------------------

    def save(self, path: str | Path) -> None:
        self._check_fitted("booster_")
        with model_folder(path, _MODEL_FILES, type(self).__name__) as folder:
            self.booster_.save_model(str(folder / "booster.txt"))
            pq.write_table(self.known_, folder / "known.parquet")
            info = {
                "agent": type(self).__name__,
                "format": MODEL_FORMAT,
                "sarap_version": sarap.__version__,
                "params": self.get_params(),
                "feature_names": self.feature_names_,
                "positives_train": self.positives_train_,
                "parties_train": self.parties_train_,
            }
            write_model_info(folder, info)

    @classmethod
    def load(cls, path: str | Path) -> NetworkRiskScorer:
        path = Path(path)
        info = read_model_info(path, cls.__name__, MODEL_FORMAT)
        with damaged_model(path):
            model = cls(**info["params"])
            model.booster_ = lgb.Booster(model_file=str(path / "booster.txt"))
            model.known_ = pq.read_table(path / "known.parquet")
            model.feature_names_ = info["feature_names"]
            model.positives_train_ = info["positives_train"]
            model.parties_train_ = info["parties_train"]
        return model


# Every file a saved model holds.
_MODEL_FILES = {"model.json", "booster.txt", "known.parquet"}


def _labels(labels: pa.Table) -> pa.Table:
    t = labels.select(["party", "label"])
    return pa.table(
        {
            "party": t.column("party").cast(pa.string()),
            "label": t.column("label").cast(pa.int32()),
        }
    )


def ranking_metrics(scores: pa.Table, labels: pa.Table) -> dict[str, Any]:
    """Average precision and precision@k (k = positives) over labelled parties.

    A labelled party that does not appear in the transfers gets the lowest
    score: it is still counted.
    """
    from sklearn.metrics import average_precision_score

    by_party = dict(
        zip(
            scores.column("party_id").to_pylist(),
            scores.column("score").to_pylist(),
            strict=True,
        )
    )
    y = np.asarray(labels.column("label").to_numpy(zero_copy_only=False), dtype=int)
    s = np.array(
        [by_party.get(p, -np.inf) for p in labels.column("party").to_pylist()],
        dtype=float,
    )
    s[~np.isfinite(s)] = np.nanmin(s[np.isfinite(s)]) - 1 if np.isfinite(s).any() else 0
    k = int(y.sum())
    if k == 0:
        raise SarapError("the labels file has no offender (label 1) to measure")
    if k == len(y):  # every order of the parties would score 1
        raise SarapError(
            "the labels file has no clean party (label 0): average precision "
            "would be 1 whatever the scores"
        )
    order = np.argsort(-s, kind="stable")
    return {
        "average_precision": float(average_precision_score(y, s)),
        "precision@k": float(y[order[:k]].mean()),
        "n": int(len(y)),
        "positives": k,
    }
