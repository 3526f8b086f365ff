from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

LEVELS = (1, 2, 5, 10)


def top_k_order(scores: np.ndarray) -> np.ndarray:
    """Indices from riskiest to safest; ties keep their input order."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def precision_recall_at(
    y_true: Sequence[int] | np.ndarray, scores: np.ndarray, percent: float
) -> tuple[float, float | None]:
    """Precision and recall when the riskiest ``percent`` % are inspected.

    The inspected count is ``ceil(percent / 100 * n)``, at least one, so
    precision is always defined; recall is None when there is no positive
    to find (it is undefined, not 0).

    Examples
    --------
    >>> precision_recall_at([0, 1, 0, 1], np.array([0.1, 0.9, 0.2, 0.3]), 50)
    (1.0, 1.0)
    """
    y = np.asarray(y_true, dtype=int)
    n = len(y)
    if n == 0:
        raise ValueError("no labelled rows to evaluate")
    k = max(1, math.ceil(percent / 100 * n))
    hits = int(y[top_k_order(scores)[:k]].sum())
    positives = int(y.sum())
    return hits / k, (hits / positives if positives else None)


def inspection_metrics(
    y_true: Sequence[int] | np.ndarray, scores: np.ndarray
) -> dict[str, Any]:
    """The back-test figures of ``sarap declarations evaluate``.

    Returns a dict with ``precision@1%`` ... ``precision@10%``, the same for
    ``recall@`` (None when there are no positives), ``auc`` (None when only
    one class is present), ``n`` and ``positives``.
    """
    y = np.asarray(y_true, dtype=int)
    out: dict[str, Any] = {}
    for level in LEVELS:
        p, r = precision_recall_at(y, scores, level)
        out[f"precision@{level}%"] = round(p, 4)
        out[f"recall@{level}%"] = None if r is None else round(r, 4)
    from sklearn.metrics import roc_auc_score  # here: scikit-learn loads slowly

    out["auc"] = (
        round(float(roc_auc_score(y, scores)), 4) if 0 < y.sum() < len(y) else None
    )
    out["n"] = int(len(y))
    out["positives"] = int(y.sum())
    return out
