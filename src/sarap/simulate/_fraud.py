"""Choosing which declarations are fraudulent, and how.

Fraud is decided per declaration (one scheme, one manipulation) and applied
to the declaration's items that the manipulation can touch, so item labels
and a per-declaration roll-up (max of ``fraud``, sum of revenue) agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sarap.simulate._catalogue import (
    DEFAULT_FAKE_ORIGINS,
    FAKE_ORIGINS,
    REGIONS,
)
from sarap.simulate._compiled import (
    MFN,
    Bools,
    Compiled,
    Floats,
    Ints,
    applied_rate,
    weighted_rows,
)

# Scheme codes (index into SCHEMES) and manipulations (the first three).
UNDERVALUATION, ORIGIN, MISCLASS, REPEAT, NEWCOMER = range(5)
SCHEMES: tuple[str, ...] = (
    "undervaluation",
    "origin_misdeclaration",
    "misclassification",
    "repeat_offender",
    "new_importer_high_value",
)

P_REPEAT = 0.45  # chance that a repeat offender's declaration is fraudulent
P_NEWCOMER = 0.5  # ... and a risky newcomer's
SHARE_REPEAT = 0.15  # intended shares of planted fraud items
SHARE_NEWCOMER = 0.10
_BASE_SHARES = {MISCLASS: 0.30, ORIGIN: 0.25, UNDERVALUATION: 0.45}
_GROUP_MECHANICS = {REPEAT: (0.5, 0.25, 0.25), NEWCOMER: (0.6, 0.2, 0.2)}
MISSED = 0.03  # planted fraud that the inspection missed (label 0)
FALSE_HIT = 0.003  # honest items labelled fraud (procedural findings)
# Fraudsters favour some payment terms (TT, PREPAY, LC, DEFER, NONE) ...
_PAYMENT_FACTOR = np.array([1.0, 1.2, 0.6, 1.5, 2.0])
# ... and fake the origin of goods from these regions most.
_ORIGIN_REGION_FACTOR = np.array(
    [
        {"china": 1.5, "turkey": 1.2, "east_asia": 1.0, "europe": 0.6}.get(r, 0.8)
        for r in REGIONS
    ]
)


@dataclass
class Plan:
    """Per item: the manipulation applied (-1 none) and the scheme label."""

    mechanic: Ints
    scheme: Ints


def plan_fraud(
    rng: np.random.Generator,
    c: Compiled,
    *,
    fraud_rate: float,
    it_decl: Ints,
    d_imp: Ints,
    repeat: Bools,
    newcomer: Bools,
    propensity: Floats,
    it_proc: Ints,
    good: Ints,
    origin: Ints,
    tax_type: Ints,
    rate: Floats,
    payment: Ints,
    complicity: Floats,
) -> Plan:
    """Pick fraudulent declarations and the manipulation of each item."""
    n, n_decl = len(it_decl), len(d_imp)
    mechanic = np.full(n, -1, dtype=np.int64)
    scheme = np.full(n, -1, dtype=np.int64)
    if fraud_rate <= 0:
        return Plan(mechanic, scheme)

    im40 = it_proc == 0
    decoy = c.decoy[good]
    decoy_rate = applied_rate(c.rate[np.maximum(decoy, 0)], tax_type)
    mfn = c.rate[good]
    elig = np.stack(
        [
            im40 & (rate > 0),
            im40 & (c.country_regime[origin] == MFN) & (mfn > 0),
            im40 & (decoy >= 0) & (decoy_rate < rate),
        ],
        axis=1,
    )
    prop = propensity[d_imp][it_decl] * complicity
    weight = (
        np.stack(
            [
                prop * (rate / 10) ** 0.8 * _PAYMENT_FACTOR[payment],
                prop * mfn / 10 * _ORIGIN_REGION_FACTOR[c.country_region[origin]],
                prop * np.maximum(rate - decoy_rate, 0) / 10,
            ],
            axis=1,
        )
        * elig
    )
    n_elig = np.stack(
        [np.bincount(it_decl, weights=elig[:, s], minlength=n_decl) for s in range(3)],
        axis=1,
    )
    w_decl = np.stack(
        [
            np.bincount(it_decl, weights=weight[:, s], minlength=n_decl)
            for s in range(3)
        ],
        axis=1,
    )
    d_scheme = np.full(n_decl, -1, dtype=np.int64)
    d_mech = np.full(n_decl, -1, dtype=np.int64)

    # Risk groups: a share of their declarations, any manipulation they can do.
    realised = 0.0
    groups = ((repeat, P_REPEAT, REPEAT), (newcomer, P_NEWCOMER, NEWCOMER))
    for group, p, code in groups:
        can = n_elig > 0
        chosen = group[d_imp] & can.any(axis=1) & (rng.random(n_decl) < p)
        mw = np.asarray(_GROUP_MECHANICS[code])[None, :] * can[chosen]
        m = weighted_rows(rng, mw)
        d_scheme[chosen] = code
        d_mech[chosen] = m
        realised += float(n_elig[chosen, m].sum())

    # Base schemes fill the rest, exact in items, drawn by weight (an
    # exponential race: smallest E / w first).
    planted = (fraud_rate - false_hits(fraud_rate) * (1 - fraud_rate)) * n
    planted /= 1 - MISSED
    remaining = max(0.0, planted - realised)
    free = (d_scheme < 0) & ~repeat[d_imp] & ~newcomer[d_imp]
    carry = 0.0
    for s, share in _BASE_SHARES.items():
        target = remaining * share + carry
        cand = np.flatnonzero(free & (n_elig[:, s] > 0) & (w_decl[:, s] > 0))
        key = rng.exponential(size=len(cand)) / w_decl[cand, s]
        ordered = cand[np.argsort(key, kind="stable")]
        got = np.cumsum(n_elig[ordered, s])
        take = _closest(got, target)
        sel = ordered[:take]
        carry = max(0.0, target - float(n_elig[sel, s].sum()))
        d_scheme[sel] = s
        d_mech[sel] = s
        free[sel] = False

    m_item = d_mech[it_decl]
    hit = m_item >= 0
    hit[hit] = elig[np.flatnonzero(hit), m_item[hit]]
    mechanic[hit] = m_item[hit]
    scheme[hit] = d_scheme[it_decl][hit]
    return Plan(mechanic, scheme)


def false_hits(fraud_rate: float) -> float:
    """Share of honest items labelled fraud, scaled down for low fraud rates."""
    return FALSE_HIT * min(1.0, fraud_rate / 0.08)


def _closest(cumulative: Floats, target: float) -> int:
    """How many leading entries bring ``cumulative`` closest to ``target``."""
    i = int(np.searchsorted(cumulative, target))
    below = float(cumulative[i - 1]) if i > 0 else 0.0
    if i < len(cumulative) and cumulative[i] - target <= target - below:
        return i + 1
    return i


def fake_origins(
    rng: np.random.Generator, c: Compiled, good: Ints, origin: Ints, it_decl: Ints
) -> Ints:
    """The preferential origin a fraudster would claim for each item.

    Some claim a preferential country that really makes such goods (harder to
    spot); the rest claim a regional favourite whether or not it makes them.
    """
    # One draw per declaration, so a declaration's items tell one story.
    decl, it_decl = np.unique(it_decl, return_inverse=True)
    u_plausible = rng.random(len(decl))[it_decl]
    u_pick = rng.random(len(decl))[it_decl]
    cand = c.origin[good]
    w = np.diff(np.concatenate([np.zeros((len(good), 1)), c.origin_cum[good]], axis=1))
    pref = (cand >= 0) & (c.country_regime[np.maximum(cand, 0)] != MFN)
    w = w * pref
    has = w.sum(axis=1) > 0
    cum = np.cumsum(w, axis=1) / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    plausible = cand[
        np.arange(len(good)),
        np.minimum((cum < u_pick[:, None]).sum(axis=1), cand.shape[1] - 1),
    ]

    cidx = {code: i for i, code in enumerate(c.countries)}
    out = np.empty(len(good), dtype=np.int64)
    region = c.country_region[origin]
    for r, name in enumerate(REGIONS):
        rows = region == r
        if not rows.any():
            continue
        table = FAKE_ORIGINS.get(name, DEFAULT_FAKE_ORIGINS)
        codes = np.array([cidx[code] for code, _ in table])
        p = np.cumsum([wt for _, wt in table])
        out[rows] = codes[
            np.minimum(
                np.searchsorted(p / p[-1], u_pick[rows], side="right"), len(codes) - 1
            )
        ]
    return np.where(has & (u_plausible < 0.55), plausible, out)
