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


def test_recall_is_undefined_without_positives():
    # Nothing to find: recall is not 0 (it was), it is undefined. Precision
    # is always defined, as at least one row is inspected.
    y = np.zeros(20, dtype=int)
    s = np.linspace(1, 0, 20)
    assert precision_recall_at(y, s, 10) == (0.0, None)
    m = inspection_metrics(y, s)
    assert [m[f"recall@{k}%"] for k in (1, 2, 5, 10)] == [None] * 4
    assert [m[f"precision@{k}%"] for k in (1, 2, 5, 10)] == [0.0] * 4
    assert m["auc"] is None and m["positives"] == 0


def test_the_report_shows_an_undefined_recall_as_n_a(tmp_path):
    import pyarrow as pa

    from sarap.report import write_queue_report

    queue = pa.table({"declaration_id": ["A", "B"], "risk": [0.9, 0.1]})
    for y, shown in (([0, 0], "recall n/a"), ([1, 0], "recall 1.00")):
        m = inspection_metrics(np.array(y), np.array([0.9, 0.1]))
        page = write_queue_report(queue, tmp_path / "r.html", top=0, metrics=m)
        assert f"top 10 % → precision {y[0]:.2f}, {shown}." in page.read_text()
