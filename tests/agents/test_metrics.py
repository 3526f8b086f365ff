from __future__ import annotations

import numpy as np
import pytest

from sarap.agents import inspection_metrics, precision_recall_at


def test_precision_recall_at_counts_the_top_share():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    s = np.arange(10, 0, -1, dtype=float)  # row 0 riskiest
    assert precision_recall_at(y, s, 10) == (1.0, pytest.approx(1 / 3))
    assert precision_recall_at(y, s, 30) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    # at least one row is inspected, and the count rounds up
    assert precision_recall_at(y, s, 1)[0] == 1.0
    assert precision_recall_at(y, s, 11) == (0.5, pytest.approx(1 / 3))


def test_ties_keep_input_order():
    y = np.array([0, 1])
    assert precision_recall_at(y, np.array([0.5, 0.5]), 50)[0] == 0.0


def test_inspection_metrics_keys():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    m = inspection_metrics(y, rng.random(500))
    for k in (1, 2, 5, 10):
        assert f"precision@{k}%" in m and f"recall@{k}%" in m
    assert m["n"] == 500 and m["positives"] == int(y.sum())
    assert 0.4 < m["auc"] < 0.6  # random scores


def test_empty_labels_fail_clearly():
    with pytest.raises(ValueError, match="no labelled rows"):
        precision_recall_at([], np.array([]), 5)
