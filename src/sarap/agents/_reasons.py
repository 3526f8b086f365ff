"""Turn a score's feature contributions into words a customs officer reads.

Features are grouped into families (all the importer's history features are
one "importer" reason); a family's weight is the sum of its features'
contributions to the log-odds (LightGBM's TreeSHAP). Only families that push
the risk up are shown, strongest first.
"""

from __future__ import annotations

import math
from typing import Any

from sarap.agents._features import GROUP_KEYS, PRICE_KEYS

LABELS: dict[str, str] = {
    "importer": "importer {importer_id}",
    "declarant": "declarant {declarant_id}",
    "seller": "seller {seller_id}",
    "courier": "courier {courier_id}",
    "hs6": "goods code HS {hs6}",
    "hs4": "heading {hs4}",
    "hs2": "chapter {hs2}",
    "office": "customs office {office_id}",
    "origin": "origin {country_origin}",
    "departure": "departure country {country_departure}",
    "route": "route {country_departure}->{country_origin}",
    "tax_type": "duty rate type {tax_type}",
    "origin_indicator": "origin evidence {origin_indicator}",
    "procedure": "procedure {procedure}",
    "import_type": "import type {import_type}",
    "import_use": "intended use {import_use}",
    "payment_type": "payment type {payment_type}",
    "transport_mode": "transport mode {transport_mode}",
    "importer_hs6": "importer {importer_id} with HS {hs6}",
    "declarant_importer": "declarant {declarant_id} for importer {importer_id}",
    "hs6_origin": "HS {hs6} from {country_origin}",
    "importer_seller": "importer {importer_id} buying from seller {seller_id}",
}


def families(feature_names: list[str]) -> dict[str, list[int]]:
    """Family name -> indices of its features."""
    fam: dict[str, list[int]] = {}
    for i, f in enumerate(feature_names):
        if f.startswith("price_") or f == "log_unit_price":
            key = "price"
        elif f in ("log_value", "log_mass"):
            key = "value"
        elif f in ("tax_rate", "origin_differs"):
            key = f
        else:
            key = next((g for g in sorted(GROUP_KEYS, key=len, reverse=True)
                        if f.startswith(g + "_")), f)
        fam.setdefault(key, []).append(i)
    return fam


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def sentence(family: str, row: dict[str, Any]) -> str:
    """The reason in words for one family and one declaration line."""
    if family in GROUP_KEYS:
        who = LABELS[family].format(**{k: row.get(k) or "(none)" for k in
                                       ("importer_id", "declarant_id", "seller_id",
                                        "courier_id", "hs6", "hs4", "hs2", "office_id",
                                        "country_origin", "country_departure",
                                        "tax_type", "origin_indicator", "procedure",
                                        "import_type", "import_use", "payment_type",
                                        "transport_mode")})
        n = int(row.get(f"{family}_n") or 0)
        if n == 0:
            return f"{who}: no inspection history"
        s = int(row.get(f"{family}_fraud") or 0)
        return f"{who}: {s} of {n} inspected declarations were fraud"
    if family == "price":
        for name in reversed(list(PRICE_KEYS)):  # the most specific first
            ratio = row.get(f"price_{name}_logratio")
            if ratio is not None and (row.get(f"price_{name}_n") or 0) >= 5:
                where = (f"HS {row.get('hs6')} from {row.get('country_origin')}"
                         if name == "hs6_origin" else f"HS {row.get('hs6')}")
                r = math.exp(ratio)
                return f"unit price {r:.2f} of the median for {where}"
        return (f"unit price {_fmt_num(_unit_price(row))} {row.get('currency') or ''}"
                f"/kg with little price history for HS {row.get('hs6')}").replace(
                    "  ", " ")
    if family == "value":
        cur = row.get("currency") or ""
        return (f"declared value {_fmt_num(row.get('customs_value') or 0)} {cur}, "
                f"net mass {_fmt_num(row.get('net_mass_kg') or 0)} kg").replace("  ", " ")
    if family == "tax_rate":
        return f"duty rate {row.get('tax_rate')}%"
    if family == "origin_differs":
        if row.get("origin_differs"):
            return (f"origin {row.get('country_origin')} differs from departure "
                    f"country {row.get('country_departure')}")
        return (f"origin {row.get('country_origin')} same as departure country")
    return family


def _unit_price(row: dict[str, Any]) -> float:
    mass = row.get("net_mass_kg") or 0
    return float(row.get("customs_value") or 0) / mass if mass else 0.0
