from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from sarap.simulate._transfers import PATTERNS, simulate_transfers


def test_same_seed_same_graph_other_seed_other_graph():
    a = simulate_transfers(1_000, 6_000, seed=3)
    b = simulate_transfers(1_000, 6_000, seed=3)
    c = simulate_transfers(1_000, 6_000, seed=4)
    assert a.transfers.equals(b.transfers) and a.labels.equals(b.labels)
    assert not a.transfers.equals(c.transfers)


def test_every_pattern_is_planted_and_its_members_labelled():
    g = simulate_transfers(5_000, 30_000, seed=1)
    pattern = np.array(g.labels.column("pattern").to_pylist())
    label = g.labels.column("label").to_numpy()
    assert set(pattern[label == 1]) == set(PATTERNS)
    assert set(pattern[label == 0]) == {""}
    assert 0.02 < label.mean() < 0.05
    t = g.transfers
    assert t.num_rows == pytest.approx(30_000, rel=0.1)
    assert pc.min(t.column("amount")).as_py() > 0
    assert pc.sum(pc.equal(t.column("source"), t.column("target"))).as_py() == 0
    times = t.column("time").to_numpy()
    assert (np.diff(times.astype("int64")) >= 0).all()  # in time order


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="accounts"):
        simulate_transfers(10, 100)
    with pytest.raises(ValueError, match="patterns"):
        simulate_transfers(1_000, 6_000, patterns=("smurfing",))
