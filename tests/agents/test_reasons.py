from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from sarap.agents._features import GROUP_KEYS, PRICE_KEYS
from sarap.agents._reasons import (
    LABELS,
    explain,
    in_russian,
    sentence_sql,
    top_families,
)
from sarap.backends import get_backend

NAMES = ["importer", "price", "value", "tax_rate", "origin_differs"]


@pytest.fixture
def backend():
    be = get_backend("duckdb", threads=2)
    yield be
    be.close()


def _context(n: int, **cols: list[object]) -> pa.Table:
    base: dict[str, list[object]] = {
        "importer_id": [f"IMP{i}" for i in range(n)],
        "importer_n": [6] * n,
        "importer_fraud": [5] * n,
        "hs6": ["851712"] * n,
        "country_origin": ["CN"] * n,
        "country_departure": ["KZ"] * n,
        "customs_value": [1_234_567.0] * n,
        "net_mass_kg": [0.5] * n,
        "currency": ["USD"] * n,
        "tax_rate": [6.5] * n,
        "origin_differs": [1] * n,
    }
    for name in PRICE_KEYS:
        base[f"price_{name}_logratio"] = [float(np.log(0.21))] * n
        base[f"price_{name}_n"] = [40] * n
    base.update(cols)
    return pa.table(base)


def _one_hot(n: int, family: str) -> np.ndarray:
    w = np.zeros((n, len(NAMES)), dtype=np.float32)
    w[:, NAMES.index(family)] = 1.0
    return w


@pytest.mark.parametrize(
    ("family", "cols", "expected"),
    [
        ("importer", {}, "importer IMP0: 5 of 6 inspected declarations were fraud"),
        (
            "importer",
            {"importer_n": [2], "importer_fraud": [1]},
            "importer IMP0: little history (1 fraud in 2 inspected)",
        ),
        (
            "importer",
            {"importer_id": [None], "importer_n": [0], "importer_fraud": [0]},
            "importer (none): no inspection history",
        ),
        ("price", {}, "unit price 0.21 of the median for HS 851712 from CN"),
        (
            "price",
            {"price_hs6_origin_n": [2]},
            "unit price 0.21 of the median for HS 851712",
        ),
        (
            "price",
            {"price_hs6_origin_n": [2], "price_hs6_n": [None]},
            "unit price 2,469,134 USD/kg with little price history for HS 851712",
        ),
        ("value", {}, "declared value 1,234,567 USD, net mass 0.5 kg"),
        ("tax_rate", {}, "duty rate 6.5%"),
        ("origin_differs", {}, "origin CN differs from departure country KZ"),
        ("origin_differs", {"origin_differs": [0]}, "origin CN same as departure"),
    ],
)
def test_each_family_in_words(backend, family, cols, expected):
    ctx = _context(1, **cols)
    out = explain(_one_hot(1, family), NAMES, ctx, 3, backend)
    assert out.to_pylist() == [expected]


def test_strongest_positive_reasons_first_and_only_positive(backend):
    w = np.array([[0.1, 2.0, -1.0, 0.5, 0.0]], dtype=np.float32)
    out = explain(w, NAMES, _context(1), 3, backend).to_pylist()[0]
    parts = out.split("; ")
    assert len(parts) == 3
    assert parts[0].startswith("unit price") and parts[1].startswith("duty rate")
    assert parts[2].startswith("importer")
    nothing = np.full((1, len(NAMES)), -1.0, dtype=np.float32)
    assert explain(nothing, NAMES, _context(1), 3, backend).to_pylist() == [""]


def test_rows_keep_their_order_on_a_big_batch(backend):
    n = 200_000
    out = explain(_one_hot(n, "importer"), NAMES, _context(n), 1, backend)
    got = np.array(out.to_pylist())
    want = np.array(
        [f"importer IMP{i}: 5 of 6 inspected declarations were fraud" for i in range(n)]
    )
    assert (got == want).all()


def test_top_families_breaks_ties_by_family_order():
    w = np.array([[1.0, 1.0, 3.0, 0.0]], dtype=np.float32)
    assert top_families(w, 3).tolist() == [[2, 0, 1]]
    assert top_families(w, 10).tolist() == [[2, 0, 1, -1]]


def test_top_families_is_a_stable_sort_of_each_row():
    rng = np.random.default_rng(0)
    # Few distinct values: many ties, zeros and negatives.
    w = rng.integers(-2, 4, size=(2000, 23)).astype(np.float32) / 2
    for k in (1, 3, 23):
        order = np.lexsort((np.broadcast_to(np.arange(23), w.shape), -w), axis=1)
        want = np.where(np.take_along_axis(w, order, axis=1) > 0, order, -1)[:, :k]
        assert (top_families(w, k) == want).all()
    assert top_families(w[:0], 3).shape == (0, 3)


def test_every_group_family_has_words(backend):
    names = list(GROUP_KEYS)
    ctx = _context(1)
    extra = {}
    for f in names:
        extra[f"{f}_n"] = pa.array([0])
        extra[f"{f}_fraud"] = pa.array([0])
    for c in (
        "declarant_id",
        "seller_id",
        "courier_id",
        "hs4",
        "hs2",
        "office_id",
        "tax_type",
        "origin_indicator",
        "procedure",
        "import_type",
        "import_use",
        "payment_type",
        "transport_mode",
    ):
        extra[c] = pa.array(["x"])
    for k, v in extra.items():
        ctx = ctx.drop_columns([k]) if k in ctx.column_names else ctx
        ctx = ctx.append_column(k, v)
    for j, f in enumerate(names):
        w = np.zeros((1, len(names)), dtype=np.float32)
        w[0, j] = 1.0
        text = explain(w, names, ctx, 1, backend).to_pylist()[0]
        assert text.endswith(": no inspection history"), (f, text)


ENGLISH = re.compile(
    r"\b(inspected|declarations|fraud|history|importer|declarant|seller|courier|"
    r"heading|chapter|office|origin|departure|route|duty|rate|type|evidence|"
    r"procedure|import|intended|use|payment|transport|mode|unit|price|median|"
    r"declared|value|net|mass|from|with|for|buying|same|differs|description)\b"
)


def _every_sentence(backend) -> list[str]:
    """What the agent's own SQL says for every family, in each history case."""
    row: dict[str, list[object]] = {
        c: [f"V{i}"]
        for i, c in enumerate(
            sorted({c for parts in LABELS.values() for _, c in parts} - {"hs6"})
        )
    }
    row |= {"hs6": ["851712"], "customs_value": [12.5], "net_mass_kg": [2.0]}
    row |= {"currency": ["USD"], "tax_rate": [6.5], "origin_differs": [1]}
    row |= {"goods_mismatch": [0.2], "goods_reason": [None]}
    for name in PRICE_KEYS:
        row[f"price_{name}_logratio"] = [float(np.log(0.21))]
        row[f"price_{name}_n"] = [40]
    families = [*GROUP_KEYS, "price", "value", "tax_rate", "origin_differs"]
    families.append("goods_mismatch")
    out = []
    for n, s in ((0, 0), (2, 1), (9, 4)):
        for g in GROUP_KEYS:
            row[f"{g}_n"], row[f"{g}_fraud"] = [n], [s]
        backend.register("_one", pa.table(row))
        sql = ", ".join(f"{sentence_sql(f)} AS f{i}" for i, f in enumerate(families))
        out += list(backend.sql(f"SELECT {sql} FROM _one").to_pylist()[0].values())
        backend.unregister("_one")
    return out


def test_every_reason_has_a_russian_wording(backend):
    sentences = _every_sentence(backend)
    assert len(sentences) == 3 * (len(GROUP_KEYS) + 5)
    for en in sentences:
        ru = in_russian(en)
        assert ru != en, en
        assert not ENGLISH.search(ru), (en, ru)
    # Codes, names and figures carry over unchanged.
    assert in_russian(
        "importer IMP1 with HS 851712: 4 of 9 inspected declarations were fraud"
    ) == (
        "импортёр IMP1 с кодом ТН ВЭД 851712: нарушения в 4 из 9 досмотренных "
        "деклараций"
    )
    assert in_russian("a sentence we never wrote") == "a sentence we never wrote"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        # official names may hold "; ", the separator of a declaration's reasons
        (
            "МОНИТОРЫ И ПРОЕКТОРЫ; АППАРАТУРА ПРИЕМНАЯ",
            "the text reads as 8528 МОНИТОРЫ И ПРОЕКТОРЫ, АППАРАТУРА ПРИЕМНАЯ (97%)",
        ),
        ("", "the text reads as 8528 (97%)"),  # a code the names lack
    ],
)
def test_a_goods_reason_stays_two_reasons_whatever_the_name(name, said):
    from sarap.agents._goods import GoodsFinding, Suggestion

    f = GoodsFinding("t", "0101", 4, 0.01, 0.99, (Suggestion("8528", name, 0.97),))
    parts = f.reason.split("; ")
    assert parts == [
        "declared code 0101 fits the goods text poorly (1% at 4 digits)",
        said,
    ]
    assert [in_russian(p) for p in parts][1].startswith("по описанию это 8528")
