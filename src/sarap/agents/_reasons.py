"""Turn a score's feature contributions into words a customs officer reads.

Features are grouped into families (all of an importer's history features
are one "importer" reason); a family's weight is the sum of its features'
tree-path contributions to the log-odds. Only families that push the risk up
are shown, strongest first. Sentences are built a family at a time over all
the rows that need it (column-wise string operations), so explaining a
million declarations stays a matter of seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sarap.agents._features import GROUP_KEYS, PRICE_KEYS

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


def _text(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), "(none)").astype(str)


def _num(values: pd.Series) -> pd.Series:
    """1,234,567 for large figures, three significant digits for small ones."""
    x = values.astype(float).fillna(0.0)
    big = x.abs() >= 100
    out = pd.Series(np.empty(len(x), dtype=object), index=x.index)
    out[big] = x[big].map("{:,.0f}".format)
    out[~big] = x[~big].map("{:,.3g}".format)
    return out


def sentences(family: str, rows: pd.DataFrame) -> pd.Series:
    """The reason of one family, in words, for each of ``rows``."""
    if family in GROUP_KEYS:
        who = pd.Series("", index=rows.index)
        for text, col in LABELS[family]:
            who = who + text + _text(rows[col])
        n = rows[f"{family}_n"].fillna(0).astype(np.int64)
        s = rows[f"{family}_fraud"].fillna(0).astype(np.int64)
        seen = who + ": " + s.astype(str) + " of " + n.astype(str)
        seen = seen + " inspected declarations were fraud"
        thin = who + ": little history (" + s.astype(str) + " fraud in "
        thin = thin + n.astype(str) + " inspected)"
        seen = seen.where(n >= 5, thin)
        return seen.where(n > 0, who + ": no inspection history")
    if family == "price":
        return _price(rows)
    if family == "value":
        cur = rows["currency"].fillna("").astype(str)
        return (
            "declared value "
            + _num(rows["customs_value"])
            + " "
            + cur
            + ", net mass "
            + _num(rows["net_mass_kg"])
            + " kg"
        ).str.replace("  ", " ")
    if family == "tax_rate":
        return "duty rate " + rows["tax_rate"].map("{:g}%".format)
    if family == "origin_differs":
        same = "origin " + _text(rows["country_origin"]) + " same as departure"
        differs = (
            "origin "
            + _text(rows["country_origin"])
            + " differs from departure country "
            + _text(rows["country_departure"])
        )
        return differs.where(rows["origin_differs"] == 1, same)
    return pd.Series(family, index=rows.index)


def _price(rows: pd.DataFrame) -> pd.Series:
    hs6 = _text(rows["hs6"])
    mass = rows["net_mass_kg"].astype(float)
    unit = rows["customs_value"].astype(float) / mass.where(mass > 0)
    out = (
        "unit price "
        + _num(unit)
        + " "
        + rows["currency"].fillna("").astype(str)
        + "/kg with little price history for HS "
        + hs6
    )
    done = pd.Series(False, index=rows.index)
    for name in reversed(list(PRICE_KEYS)):  # the most specific first
        ratio = rows[f"price_{name}_logratio"]
        ok = ratio.notna() & (rows[f"price_{name}_n"] >= 5) & ~done
        if not ok.any():
            continue
        where = "HS " + hs6[ok]
        if name == "hs6_origin":
            where = where + " from " + _text(rows.loc[ok, "country_origin"])
        text = "unit price " + np.exp(ratio[ok]).map("{:.2f}".format)
        out[ok] = text + " of the median for " + where
        done |= ok
    return out


def needs(family: str) -> list[str]:
    """The context columns a family's sentence quotes."""
    if family in GROUP_KEYS:
        return [c for _, c in LABELS[family]] + [f"{family}_n", f"{family}_fraud"]
    if family == "price":
        cols = ["hs6", "country_origin", "net_mass_kg", "customs_value", "currency"]
        for name in PRICE_KEYS:
            cols += [f"price_{name}_logratio", f"price_{name}_n"]
        return cols
    if family == "value":
        return ["customs_value", "net_mass_kg", "currency"]
    if family == "tax_rate":
        return ["tax_rate"]
    if family == "origin_differs":
        return ["origin_differs", "country_origin", "country_departure"]
    return []


def explain(
    weights: np.ndarray, names: list[str], context: pa.Table, top: int
) -> list[str]:
    """Join the ``top`` strongest positive reasons of every row with "; "."""
    n = len(weights)
    k = min(top, weights.shape[1])
    if n == 0 or k == 0:
        return [""] * n
    order = np.argsort(-weights, axis=1, kind="stable")[:, :k]
    strength = np.take_along_axis(weights, order, axis=1)
    texts = np.full((n, k), "", dtype=object)
    for j, family in enumerate(names):
        hit_row, hit_pos = np.nonzero((order == j) & (strength > 0))
        if hit_row.size:
            # Only the rows and columns this family quotes leave Arrow.
            rows = context.select(needs(family)).take(hit_row).to_pandas()
            texts[hit_row, hit_pos] = sentences(family, rows).to_numpy()
    joined = pd.Series(texts[:, 0])
    for p in range(1, k):
        nxt = pd.Series(texts[:, p])
        joined = joined.where(nxt == "", joined + "; " + nxt)
    return list(joined)
