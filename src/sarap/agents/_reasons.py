"""Turn a score's feature contributions into words a customs officer reads.

Features are grouped into families (all of an importer's history features
are one "importer" reason); a family's weight is the sum of its features'
tree-path contributions to the log-odds. Only families that push the risk up
are shown, strongest first.

Each family's sentence is one SQL expression over the line's fields and its
histories, and the reasons of every line are one query: the engine builds a
million rows of text in a second or two, on all its threads, where Python
string operations take tens of seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from sarap.agents._features import GROUP_KEYS, PRICE_KEYS
from sarap.backends import Backend, SupportsTempTables

# Each group family: literal text and the column that follows it.
LABELS: dict[str, list[tuple[str, str]]] = {
    "importer": [("importer ", "importer_id")],
    "declarant": [("declarant ", "declarant_id")],
    "seller": [("seller ", "seller_id")],
    "courier": [("courier ", "courier_id")],
    "hs6": [("goods code HS ", "hs6")],
    "hs4": [("heading ", "hs4")],
    "hs2": [("chapter ", "hs2")],
    "office": [("customs office ", "office_id")],
    "origin": [("origin ", "country_origin")],
    "departure": [("departure country ", "country_departure")],
    "route": [("route ", "country_departure"), ("->", "country_origin")],
    "tax_type": [("duty rate type ", "tax_type")],
    "origin_indicator": [("origin evidence ", "origin_indicator")],
    "procedure": [("procedure ", "procedure")],
    "import_type": [("import type ", "import_type")],
    "import_use": [("intended use ", "import_use")],
    "payment_type": [("payment type ", "payment_type")],
    "transport_mode": [("transport mode ", "transport_mode")],
    "importer_hs6": [("importer ", "importer_id"), (" with HS ", "hs6")],
    "declarant_importer": [
        ("declarant ", "declarant_id"),
        (" for importer ", "importer_id"),
    ],
    "hs6_origin": [("HS ", "hs6"), (" from ", "country_origin")],
    "importer_seller": [
        ("importer ", "importer_id"),
        (" buying from seller ", "seller_id"),
    ],
}
assert set(LABELS) == set(GROUP_KEYS)


def families(feature_names: list[str]) -> dict[str, list[int]]:
    """Family name -> indices of its features."""
    by_length = sorted(GROUP_KEYS, key=len, reverse=True)
    fam: dict[str, list[int]] = {}
    for i, f in enumerate(feature_names):
        if f.startswith("price_") or f == "log_unit_price":
            key = "price"
        elif f in ("log_value", "log_mass"):
            key = "value"
        elif f in ("tax_rate", "origin_differs"):
            key = f
        else:
            key = next((g for g in by_length if f.startswith(g + "_")), f)
        fam.setdefault(key, []).append(i)
    return fam


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(col: str) -> str:
    return f"COALESCE(CAST({col} AS VARCHAR), '(none)')"


def _num(col: str) -> str:
    """1,234,567 for large figures, three significant digits for small ones."""
    x = f"COALESCE(CAST({col} AS DOUBLE), 0)"
    return (
        f"CASE WHEN abs({x}) >= 100 THEN format('{{:,.0f}}', {x}) "
        f"ELSE format('{{:,.3g}}', {x}) END"
    )


def _count(col: str) -> str:
    return f"CAST(COALESCE({col}, 0) AS BIGINT)"


def sentence_sql(family: str) -> str:
    """The reason of one family, in words, as a SQL expression of one line."""
    if family in GROUP_KEYS:
        who = " || ".join(f"{_lit(t)} || {_text(c)}" for t, c in LABELS[family])
        n, s = _count(f"{family}_n"), _count(f"{family}_fraud")
        return (
            f"{who} || CASE WHEN {n} <= 0 THEN ': no inspection history' "
            f"WHEN {n} >= 5 THEN ': ' || {s} || ' of ' || {n} "
            "|| ' inspected declarations were fraud' "
            f"ELSE ': little history (' || {s} || ' fraud in ' || {n} "
            "|| ' inspected)' END"
        )
    if family == "price":
        return _price_sql()
    if family == "value":
        return (
            f"replace('declared value ' || {_num('customs_value')} || ' ' || "
            f"COALESCE(currency, '') || ', net mass ' || {_num('net_mass_kg')} "
            "|| ' kg', '  ', ' ')"
        )
    if family == "tax_rate":
        return (
            "'duty rate ' || COALESCE(format('{:g}%', CAST(tax_rate AS DOUBLE)), "
            "'(none)')"
        )
    if family == "goods_mismatch":
        fit = "format('{:.0f}', 100 * (1 - goods_mismatch))"
        return (
            "COALESCE(goods_reason, 'the description fits declared code HS ' || "
            f"{_text('hs6')} || ' at ' || {fit} || '%')"
        )
    if family == "origin_differs":
        origin = _text("country_origin")
        return (
            f"CASE WHEN origin_differs = 1 THEN 'origin ' || {origin} || "
            f"' differs from departure country ' || {_text('country_departure')} "
            f"ELSE 'origin ' || {origin} || ' same as departure' END"
        )
    return _lit(family)


def _price_sql() -> str:
    hs6 = _text("hs6")
    unit = "customs_value / CASE WHEN net_mass_kg > 0 THEN net_mass_kg END"
    cases = []
    for name in reversed(list(PRICE_KEYS)):  # the most specific first
        ratio = f"price_{name}_logratio"
        where = f"'HS ' || {hs6}"
        if name == "hs6_origin":
            where += f" || ' from ' || {_text('country_origin')}"
        cases.append(
            f"WHEN {ratio} IS NOT NULL AND NOT isnan({ratio}) "
            f"AND price_{name}_n >= 5 THEN 'unit price ' || "
            f"format('{{:.2f}}', exp({ratio})) || ' of the median for ' || {where}"
        )
    fallback = (
        f"'unit price ' || {_num(unit)} || ' ' || COALESCE(currency, '') || "
        f"'/kg with little price history for HS ' || {hs6}"
    )
    return f"CASE {' '.join(cases)} ELSE {fallback} END"


def top_families(weights: np.ndarray, top: int) -> np.ndarray:
    """(rows, k) family indices of the ``top`` strongest positive weights,
    strongest first; -1 where fewer than ``top`` families push the risk up.

    Equal weights keep the family order: each pick is the first maximum of
    what is left (a few passes of argmax, several times faster than sorting
    or partitioning every row for the three reasons shown)."""
    n, f = weights.shape
    k = min(top, f)
    out = np.full((n, k), -1, dtype=np.int16)
    if n == 0 or k == 0:
        return out
    left = np.array(weights, dtype=np.float32)
    rows = np.arange(n)
    for p in range(k):
        best = np.argmax(left, axis=1)
        strength = left[rows, best]
        out[:, p] = np.where(strength > 0, best, -1)
        left[rows, best] = -np.inf
    return out


def explain(
    weights: np.ndarray,
    names: list[str],
    context: pa.Table,
    top: int,
    backend: Backend,
) -> pa.Array:
    """The ``top`` strongest positive reasons of every row, joined with "; ".

    ``context`` holds, row for row with ``weights``, every column a sentence
    quotes; ``backend`` runs the one query that words them all.
    """
    if not isinstance(backend, SupportsTempTables):
        raise TypeError(f"backend {backend.name} cannot register temp tables")
    chosen = top_families(weights, top)
    cols = dict(zip(context.column_names, context.columns, strict=True))
    parts = []
    for p in range(chosen.shape[1]):
        col = chosen[:, p]
        cols[f"_r{p}"] = pa.array(col, mask=col < 0)
        # Only the families some row needs: a short query plans in a blink
        # (most of a single declaration's time otherwise).
        used = np.unique(col[col >= 0])
        if used.size == 0:
            continue
        whens = " ".join(f"WHEN {j} THEN {sentence_sql(names[j])}" for j in used)
        parts.append(f"CASE _r{p} {whens} END")
    if not parts:
        return pa.array([""] * len(weights), pa.string())
    backend.register("_why", pa.table(cols))
    try:
        out = backend.sql(f"SELECT concat_ws('; ', {', '.join(parts)}) AS r FROM _why")
    finally:
        backend.unregister("_why")
    return out.column("r").combine_chunks()


# The same sentences in Russian, for the pages of the web application. The
# agent words its reasons in English (one SQL query for a million rows); a
# page translates the few it shows, template by template.
LABELS_RU: dict[str, list[str]] = {
    "importer": ["импортёр "],
    "declarant": ["декларант "],
    "seller": ["продавец "],
    "courier": ["перевозчик "],
    "hs6": ["код ТН ВЭД "],
    "hs4": ["товарная позиция "],
    "hs2": ["группа ТН ВЭД "],
    "office": ["таможенный пост "],
    "origin": ["происхождение "],
    "departure": ["страна отправления "],
    "route": ["маршрут ", "->"],
    "tax_type": ["вид ставки пошлины "],
    "origin_indicator": ["подтверждение происхождения "],
    "procedure": ["процедура "],
    "import_type": ["тип ввоза "],
    "import_use": ["назначение ввоза "],
    "payment_type": ["вид оплаты "],
    "transport_mode": ["вид транспорта "],
    "importer_hs6": ["импортёр ", " с кодом ТН ВЭД "],
    "declarant_importer": ["декларант ", " для импортёра "],
    "hs6_origin": ["ТН ВЭД ", " из "],
    "importer_seller": ["импортёр ", " у продавца "],
}
assert set(LABELS_RU) == set(LABELS)
assert all(len(LABELS_RU[k]) == len(v) for k, v in LABELS.items())

_HISTORY_RU = [
    (r": no inspection history$", lambda m: ": досмотров не было"),
    (
        r": (\d+) of (\d+) inspected declarations were fraud$",
        lambda m: f": нарушения в {m[1]} из {m[2]} досмотренных деклараций",
    ),
    (
        r": little history \((\d+) fraud in (\d+) inspected\)$",
        lambda m: f": мало истории (нарушений {m[1]} из {m[2]} досмотренных)",
    ),
]


def _templates_ru() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    out: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = []

    # The more specific first: "importer X with HS Y" before "importer X",
    # "origin evidence X" before "origin X".
    def specific(f: str) -> tuple[int, int]:
        return -len(LABELS[f]), -len("".join(t for t, _ in LABELS[f]))

    for family in sorted(LABELS, key=specific):
        texts = [t for t, _ in LABELS[family]]
        who = "".join(re.escape(t) + r"(.+?)" for t in texts)
        for tail, words in _HISTORY_RU:

            def ru(m: re.Match[str], family: str = family, words: Any = words) -> str:
                parts = LABELS_RU[family]
                head = "".join(p + m[i + 1] for i, p in enumerate(parts))
                return head + str(words(_Shifted(m, len(parts))))

            out.append((re.compile("^" + who + tail), ru))
    simple = [
        (
            r"^unit price ([\d.,]+) of the median for HS (\S+)(?: from (\S+))?$",
            lambda m: (
                f"цена за единицу {m[1]} от медианы для ТН ВЭД {m[2]}"
                + (f" из {m[3]}" if m[3] else "")
            ),
        ),
        (
            r"^unit price (.+)/kg with little price history for HS (\S+)$",
            lambda m: f"цена за единицу {m[1]}/кг, мало истории цен по ТН ВЭД {m[2]}",
        ),
        (
            r"^declared value (.+), net mass (.+) kg$",
            lambda m: f"заявленная стоимость {m[1]}, масса нетто {m[2]} кг",
        ),
        (r"^duty rate (.+)$", lambda m: f"ставка пошлины {m[1]}"),
        (
            r"^origin (\S+) differs from departure country (\S+)$",
            lambda m: f"происхождение {m[1]} отличается от страны отправления {m[2]}",
        ),
        (
            r"^origin (\S+) same as departure$",
            lambda m: f"происхождение {m[1]} совпадает со страной отправления",
        ),
        (
            r"^the description fits declared code HS (\S+) at (\d+)%$",
            lambda m: (
                f"описание соответствует заявленному коду ТН ВЭД {m[1]} на {m[2]}%"
            ),
        ),
        (
            r"^declared code (\S+) fits the goods text poorly \((\d+)% at (\d+) "
            r"digits\)$",
            lambda m: (
                f"заявленный код {m[1]} плохо соответствует описанию товара "
                f"({m[2]}% на уровне {m[3]} знаков)"
            ),
        ),
        (
            r"^declared code (\S+) is not in the nomenclature at (\d+) digits$",
            lambda m: (
                f"заявленного кода {m[1]} нет в номенклатуре (на уровне {m[2]} знаков)"
            ),
        ),
        (
            r"^declared code '(.*)' is not an HS / TN VED code$",
            lambda m: f"заявленный код '{m[1]}' не является кодом ТН ВЭД",
        ),
        (r"^no declared code$", lambda m: "код товара не заявлен"),
        (
            r"^the text reads as (\S+)( .*)? \((\d+)%\)$",  # a code may be nameless
            lambda m: f"по описанию это {m[1]}{m[2] or ''} ({m[3]}%)",
        ),
    ]
    out += [(re.compile(p), f) for p, f in simple]
    return out


class _Shifted:
    """A match whose groups are read after the first ``by`` of them."""

    def __init__(self, match: re.Match[str], by: int):
        self.match, self.by = match, by

    def __getitem__(self, i: int) -> str:
        return str(self.match[i + self.by])


_RU = _templates_ru()


def in_russian(reason: str) -> str:
    """One reason of :func:`explain` in Russian; unknown wording stays as is."""
    for pattern, words in _RU:
        if m := pattern.match(reason):
            return words(m)
    return reason
