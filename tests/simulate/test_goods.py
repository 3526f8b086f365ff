from __future__ import annotations

import pandas as pd

from sarap.agents._goods_text import normalise_code
from sarap.simulate import GOODS, simulate_goods


def test_same_seed_same_catalogue():
    a, b = simulate_goods(300, seed=4), simulate_goods(300, seed=4)
    pd.testing.assert_frame_equal(a.examples, b.examples)
    pd.testing.assert_frame_equal(a.nomenclature, b.nomenclature)
    assert not a.examples.equals(simulate_goods(300, seed=5).examples)


def test_labels_are_prefixes_of_known_codes():
    cat = simulate_goods(1000, seed=0)
    known = set(cat.nomenclature["code"])
    assert {len(c) for c in known} == {2, 4, 6, 10}
    assert set(cat.examples["code10"]) <= known
    labels = [normalise_code(c) for c in cat.examples["code"]]
    assert {len(c) for c in labels} == {4, 6, 10}
    for label, full in zip(labels, cat.examples["code10"], strict=True):
        assert full.startswith(label)
    # declarants' spellings: some codes carry a space or a dot
    assert cat.examples["code"].str.contains(r"[ .]").any()


def test_two_languages_and_every_good_named():
    cat = simulate_goods(2000, seed=0)
    assert set(cat.examples["lang"]) == {"ru", "en"}
    names = set(cat.nomenclature["name"])
    assert all(g.name_en in names and g.name_ru in names for g in GOODS)
