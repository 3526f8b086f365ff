"""The catalogue turned into lookup arrays for vectorised sampling."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from sarap.simulate._catalogue import (
    COUNTRY_REGION,
    FTA_COUNTRIES,
    GOODS,
    GOODS_BY_CODE,
    GSP_COUNTRIES,
    GSP_SHARE,
    REGIONS,
    SECTORS,
    TRANSPORT_PROFILES,
)

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

# Preference regimes, as indices.
MFN, FTA, GSP = 0, 1, 2
MAX_ORIGINS = 8

# Description flavours: plain, used goods, trade samples, and a terse text
# that gives only the brand or model and the details.
PLAIN, USED, SAMPLES, TERSE = 0, 1, 2, 3
_FLAVOUR = (
    ("", ""),
    (", USED", ", Б/У"),
    (", SAMPLES, NOT FOR SALE", ", ОБРАЗЦЫ, НЕ ДЛЯ ПРОДАЖИ"),
)
N_FLAVOURS = 4


@dataclass(frozen=True)
class Compiled:
    """Per-good, per-country and per-sector arrays (G goods, C countries)."""

    hs6: list[str]
    sector: Ints
    log_price: Floats
    price_sd: Floats
    log_mass: Floats
    mass_sd: Floats
    rate: Floats
    units: list[str]
    unit: Ints  # index into units, -1 when the good has none
    kg_per_unit: Floats  # nan when the good has none
    origin: Ints  # G x MAX_ORIGINS country indices, -1 padded
    origin_cum: Floats  # G x MAX_ORIGINS cumulative weights, 1.0 padded
    transport: Floats  # G x 5 weights over MODES
    decoy: Ints  # index of the lower-duty good, -1 when none
    bulk: NDArray[np.bool_]  # bulk commodities (no trade samples)
    sector_cum: Floats  # S x G cumulative weights of goods in each sector
    global_cum: Floats  # G cumulative popularity
    var_start: Ints
    var_count: Ints
    var_log_mult: Floats  # flat over all variants
    spec_count: Ints
    desc_start: Ints  # first description of each good in `descriptions`
    descriptions: list[str]
    countries: list[str]
    country_region: Ints
    country_regime: Ints
    sectors: list[str]


def description_index(
    c: Compiled, good: Ints, variant: Ints, spec: Ints, flavour: Ints, lang: Ints
) -> Ints:
    """Row index into ``c.descriptions``."""
    return c.desc_start[good] + (
        ((variant * c.spec_count[good] + spec) * N_FLAVOURS + flavour) * 2 + lang
    )


@lru_cache(maxsize=1)
def compiled() -> Compiled:
    g_n = len(GOODS)
    countries = sorted(COUNTRY_REGION)
    cidx = {c: i for i, c in enumerate(countries)}
    sectors = list(SECTORS)
    units = sorted({g.unit for g in GOODS if g.unit is not None})
    code_idx = {g.hs6: i for i, g in enumerate(GOODS)}

    origin = np.full((g_n, MAX_ORIGINS), -1, dtype=np.int64)
    origin_cum = np.ones((g_n, MAX_ORIGINS))
    sector_w = np.zeros((len(sectors), g_n))
    var_count = np.array([len(g.variants) for g in GOODS], dtype=np.int64)
    spec_count = np.array([len(g.specs) for g in GOODS], dtype=np.int64)
    var_start = np.concatenate([[0], np.cumsum(var_count)[:-1]]).astype(np.int64)
    var_log_mult = np.log([m for g in GOODS for _, m in g.variants])
    descriptions: list[str] = []
    desc_start = np.zeros(g_n, dtype=np.int64)
    for i, g in enumerate(GOODS):
        w = np.array([wt for _, wt in g.origins])
        origin[i, : len(w)] = [cidx[c] for c, _ in g.origins]
        origin_cum[i, : len(w)] = np.cumsum(w) / w.sum()
        sector_w[sectors.index(g.sector), i] = g.popularity
        desc_start[i] = len(descriptions)
        for name, _ in g.variants:
            for spec in g.specs:
                for flav_en, flav_ru in _FLAVOUR:
                    descriptions.append(f"{g.name_en} {name} {spec}{flav_en}")
                    descriptions.append(f"{g.name_ru} {name} {spec}{flav_ru}")
                descriptions += [f"{name} {spec}"] * 2
    sector_cum = np.cumsum(sector_w, axis=1)
    sector_cum /= sector_cum[:, -1:]
    pop = np.array([g.popularity for g in GOODS])
    regime = [
        FTA if c in FTA_COUNTRIES else GSP if c in GSP_COUNTRIES else MFN
        for c in countries
    ]
    return Compiled(
        hs6=[g.hs6 for g in GOODS],
        sector=np.array([sectors.index(g.sector) for g in GOODS], dtype=np.int64),
        log_price=np.log([g.price_usd_kg for g in GOODS]),
        price_sd=np.array([g.price_spread for g in GOODS]),
        log_mass=np.log([g.mass_kg for g in GOODS]),
        mass_sd=np.array([g.mass_spread for g in GOODS]),
        rate=np.array([g.mfn_rate for g in GOODS]),
        units=units,
        unit=np.array(
            [units.index(g.unit) if g.unit else -1 for g in GOODS], dtype=np.int64
        ),
        kg_per_unit=np.array(
            [g.kg_per_unit if g.kg_per_unit else np.nan for g in GOODS]
        ),
        origin=origin,
        origin_cum=origin_cum,
        transport=np.array([TRANSPORT_PROFILES[g.transport] for g in GOODS]),
        decoy=np.array(
            [
                code_idx[GOODS_BY_CODE[g.lower_duty_code].hs6]
                if g.lower_duty_code
                else -1
                for g in GOODS
            ],
            dtype=np.int64,
        ),
        bulk=np.array([g.transport == "bulk" for g in GOODS]),
        sector_cum=sector_cum,
        global_cum=np.cumsum(pop) / pop.sum(),
        var_start=var_start,
        var_count=var_count,
        var_log_mult=np.asarray(var_log_mult, dtype=np.float64),
        spec_count=spec_count,
        desc_start=desc_start,
        descriptions=descriptions,
        countries=countries,
        country_region=np.array(
            [REGIONS.index(COUNTRY_REGION[c]) for c in countries], dtype=np.int64
        ),
        country_regime=np.array(regime, dtype=np.int64),
        sectors=sectors,
    )


def rows_pick(cum: Floats, u: Floats) -> Ints:
    """Inverse-CDF draw per row: ``cum`` is (m, k) cumulative, ``u`` is (m,)."""
    out = (cum < u[:, None]).sum(axis=1)
    return np.asarray(np.minimum(out, cum.shape[1] - 1), dtype=np.int64)


def weighted_rows(rng: np.random.Generator, w: Floats) -> Ints:
    """One draw per row of the non-negative weights ``w`` (m, k)."""
    cum = np.cumsum(w, axis=1)
    cum /= cum[:, -1:]
    return rows_pick(cum, rng.random(len(w)))


def applied_rate(mfn: Floats, tax_type: Ints) -> Floats:
    """Duty rate for a tax type: 0 MFN, 1 FTA, 2 GSP, 3 suspended."""
    return np.select(
        [tax_type == MFN, tax_type == GSP],
        [mfn, np.round(mfn * GSP_SHARE, 2)],
        0.0,
    )
