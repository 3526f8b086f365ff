"""Honest trade of a simulated economy: supply chains on e-invoices, and
imports and exports with the rest of the world through customs."""

from __future__ import annotations

import numpy as np

from sarap.simulate._compiled import Compiled, Floats, Ints
from sarap.simulate._economy_world import (
    ECONOMY_COUNTRIES,
    EXPORT,
    IMPORT,
    PRODUCER,
    RETAIL,
    ROW_BUY,
    ROW_SELL,
    SELL_ECON,
    SERVICES,
    WHOLESALE,
    Flows,
    Pickers,
    World,
    choice,
    cross_customs,
    goods_of,
    unique_sorted,
    weekday_shift,
)

# Who buys from whom: per buyer sector, (supplier sector, cross-border,
# weight) for each supplier slot.
_SUPPLY: dict[int, tuple[tuple[int, bool, float], ...]] = {
    IMPORT: (
        (SERVICES, False, 0.55),
        (WHOLESALE, False, 0.1),
        (PRODUCER, True, 0.2),
        (EXPORT, True, 0.15),
    ),
    WHOLESALE: (
        (IMPORT, False, 0.32),
        (PRODUCER, False, 0.25),
        (WHOLESALE, False, 0.1),
        (SERVICES, False, 0.2),
        (PRODUCER, True, 0.06),
        (EXPORT, True, 0.07),
    ),
    RETAIL: (
        (WHOLESALE, False, 0.45),
        (IMPORT, False, 0.12),
        (PRODUCER, False, 0.15),
        (SERVICES, False, 0.28),
    ),
    PRODUCER: (
        (WHOLESALE, False, 0.22),
        (IMPORT, False, 0.15),
        (PRODUCER, False, 0.25),
        (SERVICES, False, 0.3),
        (PRODUCER, True, 0.08),
    ),
    SERVICES: (
        (SERVICES, False, 0.6),
        (WHOLESALE, False, 0.15),
        (RETAIL, False, 0.25),
    ),
    EXPORT: (
        (PRODUCER, False, 0.5),
        (WHOLESALE, False, 0.25),
        (SERVICES, False, 0.25),
    ),
}
# Mean number of suppliers beyond the first, per buyer sector.
_SLOTS = np.array([2.0, 4.0, 3.5, 3.5, 2.0, 3.0])
# Sectors whose turnover is what their customers buy from them.
DEMAND_DRIVEN = (IMPORT, WHOLESALE)
# Producers buy inputs from these goods sectors.
_INPUT_SECTORS = ("chemicals", "plastics", "metals", "paper", "machinery", "textiles")
_DAYS_PER_MONTH = 30.44


def active_share(w: World) -> Floats:
    return np.asarray((w.active_to - w.active_from) / w.n_days, dtype=np.float64)


def other_country(rng: np.random.Generator, w: World, country: Ints) -> Ints:
    """Another economy country for each given one, by the countries' weights."""
    k = w.n_economy_countries
    weights = np.array([ECONOMY_COUNTRIES[x].weight for x in w.countries[:k]])
    out = choice(rng, weights, len(country))
    same = out == country
    out[same] = (country[same] + 1 + rng.integers(0, k - 1, int(same.sum()))) % k
    return out


def honest_trade(
    rng: np.random.Generator,
    c: Compiled,
    w: World,
    pick: Pickers,
    flows: Flows,
    invoices: float,
) -> None:
    """Sticky supplier relationships and their monthly invoices, about
    ``invoices`` in all; amounts balanced so that each firm's sales and
    purchases fit its turnover, sector and margin."""
    # -- relationships: each buyer's suppliers ------------------------------
    alive = w.active_to > w.active_from
    buyers = np.flatnonzero(w.buys & alive)
    size = w.turnover[buyers] / np.median(w.turnover)
    k = 1 + rng.poisson(_SLOTS[w.sector[buyers]] * np.clip(size, 0.2, 50) ** 0.2)
    b = np.repeat(buyers, k)
    del buyers, size, k
    b_sector = w.sector[b]
    kinds = [(s, x) for row in _SUPPLY.values() for s, x, _ in row]
    kind = np.zeros(len(b), dtype=np.int64)
    offset = 0
    for sector, row in _SUPPLY.items():
        sel = np.flatnonzero(b_sector == sector)
        kind[sel] = offset + choice(rng, tuple(wt for _, _, wt in row), len(sel))
        offset += len(row)
    s_sector = np.array([s for s, _ in kinds])[kind]
    cross = np.array([x for _, x in kinds])[kind]
    del kind
    country = w.country[b].copy()
    country[cross] = other_country(rng, w, country[cross])
    gsec = _wanted_goods(rng, c, w, b, b_sector, s_sector)
    s = pick.draw(rng, s_sector, country, gsec)
    del s_sector, country, gsec, cross, b_sector
    ok = (s >= 0) & (s != b)
    pair = unique_sorted(s[ok] * w.n + b[ok])
    s, b = pair // w.n, pair % w.n
    lo = np.maximum(w.active_from[s], w.active_from[b])
    hi = np.minimum(w.active_to[s], w.active_to[b])
    ok = hi > lo
    s, b, lo, hi = s[ok], b[ok], lo[ok], hi[ok]

    # -- yearly amounts: demand-driven, to each firm's turnover and margin ---
    amount = _balance(rng, w, s, b)

    # -- invoices: monthly frequency grows slowly with the amount ------------
    months = (hi - lo) / _DAYS_PER_MONTH
    freq = (amount / 12 / 4000) ** 0.4 * np.exp(0.5 * rng.standard_normal(len(s)))
    lam = freq * months
    lam *= invoices / max(lam.sum(), 1e-9)
    count = rng.poisson(lam)
    keep = count > 0
    s, b, lo, hi, count = s[keep], b[keep], lo[keep], hi[keep], count[keep]
    # Each invoice carries the expected amount per invoice, so that a
    # relationship's amount is right on average whatever the count drawn.
    per_invoice = amount[keep] * (hi - lo) / 365 / lam[keep]
    del amount, freq, lam, months, keep
    main = goods_of(rng, c, w.gsec[s])
    edge = np.repeat(np.arange(len(s)), count)
    del count
    day = lo[edge] + (rng.random(len(edge)) * (hi - lo)[edge]).astype(np.int64)
    day = np.minimum(weekday_shift(rng, w.t0, day), hi[edge] - 1)
    usd = per_invoice[edge] * np.exp(0.5 * rng.standard_normal(len(edge)) - 0.125)
    seller, buyer = s[edge], b[edge]
    good = np.where(
        rng.random(len(edge)) < 0.7, main[edge], goods_of(rng, c, w.gsec[seller])
    )
    del edge
    flows.add_invoices(seller=seller, buyer=buyer, day=day, usd=usd, good=good)
    customs_of_invoices(w, flows, seller, buyer, day, usd, good)


def customs_of_invoices(
    w: World,
    flows: Flows,
    seller: Ints,
    buyer: Ints,
    day: Ints,
    usd: Floats,
    good: Ints,
) -> None:
    """Goods crossing a customs border inside the economy: the seller lodges
    an export declaration and the buyer an import declaration."""
    sel = np.flatnonzero(cross_customs(w, seller, buyer) & (good >= 0))
    for export in (True, False):
        flows.add_shipments(
            declarant=(seller if export else buyer)[sel],
            partner=(buyer if export else seller)[sel],
            day=day[sel],
            usd=usd[sel],
            good=good[sel],
            export=export,
        )


def _wanted_goods(
    rng: np.random.Generator,
    c: Compiled,
    w: World,
    b: Ints,
    b_sector: Ints,
    s_sector: Ints,
) -> Ints:
    """Goods sector wanted from each supplier slot (-1 for services)."""
    m = len(b)
    n_sec = len(c.sectors)
    any_sector = rng.integers(0, n_sec, m)
    inputs = np.array([c.sectors.index(x) for x in _INPUT_SECTORS])
    own = w.gsec[b]
    gsec = np.where((own >= 0) & (rng.random(m) < 0.85), own, any_sector)
    producer = b_sector == PRODUCER
    use_input = producer & (rng.random(m) < 0.6)
    gsec[use_input] = inputs[rng.integers(0, len(inputs), int(use_input.sum()))]
    gsec[s_sector == RETAIL] = any_sector[s_sector == RETAIL]
    gsec[s_sector == SERVICES] = -1
    return np.asarray(gsec, dtype=np.int64)


def _balance(rng: np.random.Generator, w: World, s: Ints, b: Ints) -> Floats:
    """Yearly amount per relationship, demand-driven as in an input-output
    model: each buyer spreads its purchases (a share of its turnover) over
    its suppliers. An importer's or wholesaler's turnover is what its
    customers buy from it; other firms add what they sell outside the
    invoiced economy (to consumers, abroad) to that. Iterated to the fixed
    point; the turnovers are updated in place."""
    n = w.n
    split = np.exp(rng.standard_normal(len(s)))
    split /= np.bincount(b, weights=split, minlength=n)[b]
    traders = np.isin(w.sector, DEMAND_DRIVEN)
    # Traders sell (almost) only to taxpayers; the others sell part of their
    # turnover to consumers or abroad whatever their customers buy.
    own = np.where(traders, 0.002, 1 - SELL_ECON[w.sector]) * w.turnover
    w.abroad = np.where(w.row_exports, ROW_SELL[w.sector], 0.0) * w.turnover
    per_sale = np.where(traders, 1 / SELL_ECON[w.sector], 1.0)
    turnover = w.turnover.copy()
    # Purchases are below sales everywhere, so the iteration contracts.
    for _ in range(30):
        amount = split * (w.buy_ratio * turnover)[b]
        turnover = own + per_sale * np.bincount(s, weights=amount, minlength=n)
    w.turnover[:] = turnover
    # Sales to final consumers (not on e-invoices, but in the VAT return).
    w.consumer = np.where(w.trades | w.buys, np.maximum(own - w.abroad, 0.0), 0.0)
    return np.asarray(split * (w.buy_ratio * turnover)[b], dtype=np.float64)


def rest_of_world(
    rng: np.random.Generator, c: Compiled, w: World, flows: Flows
) -> None:
    """Exports to and imports from parties outside the economy: export
    invoices (only the seller's record exists) with export declarations, and
    import declarations of goods bought abroad."""
    alive = w.active_to > w.active_from
    days = w.active_to - w.active_from
    # Exports: a few sticky foreign customers each.
    ex = np.flatnonzero(w.row_exports & alive)
    value = w.abroad[ex] * days[ex] / 365
    rel, share = _relationships(rng, ex, 1.2)
    partner = w.foreign(rng, w.row_country(rng, len(rel)))
    seller, buyer, day, usd, good = _shipping(
        rng, c, w, ex[rel], partner, value[rel] * share, per_month=0.4
    )
    flows.add_invoices(
        seller=seller, buyer=buyer, day=day, usd=usd, good=good, buyer_rec=False
    )
    flows.add_shipments(
        declarant=seller, partner=buyer, day=day, usd=usd, good=good, export=True
    )
    # Imports: usual foreign suppliers, from the goods' usual origins.
    im = np.flatnonzero(w.row_imports & alive)
    value = w.turnover[im] * ROW_BUY[w.sector[im]] * days[im] / 365
    rel, share = _relationships(rng, im, 0.8)
    partner = w.foreign(rng, w.row_country(rng, len(rel)))
    supplier, importer, day, usd, good = _shipping(
        rng, c, w, partner, im[rel], value[rel] * share, per_month=0.5
    )
    flows.add_shipments(
        declarant=importer, partner=supplier, day=day, usd=usd, good=good, export=False
    )


def _relationships(
    rng: np.random.Generator, parties: Ints, extra: float
) -> tuple[Ints, Floats]:
    """1 + Poisson(extra) relationships per party: the party's position for
    each, and each relationship's share of the party's volume."""
    k = 1 + rng.poisson(extra, len(parties))
    rel = np.repeat(np.arange(len(parties)), k)
    share = np.exp(rng.standard_normal(len(rel)))
    share /= np.bincount(rel, weights=share)[rel]
    return rel, share


def _shipping(
    rng: np.random.Generator,
    c: Compiled,
    w: World,
    seller: Ints,
    buyer: Ints,
    value: Floats,
    *,
    per_month: float,
) -> tuple[Ints, Ints, Ints, Floats, Ints]:
    """Shipments of each relationship over its economy party's active days:
    more of them for bigger volumes, a usual good, heavy-tailed values."""
    home = np.where(seller < w.n, seller, buyer)
    lo, hi = w.active_from[home], w.active_to[home]
    months = (hi - lo) / _DAYS_PER_MONTH
    freq = np.clip(per_month * (value / np.maximum(months, 0.1) / 30000) ** 0.5, 0.1, 3)
    count = np.maximum(1, rng.poisson(freq * months))
    main = goods_of(rng, c, w.gsec[home])
    edge = np.repeat(np.arange(len(seller)), count)
    day = lo[edge] + (rng.random(len(edge)) * (hi - lo)[edge]).astype(np.int64)
    day = np.minimum(weekday_shift(rng, w.t0, day), hi[edge] - 1)
    share = np.exp(0.6 * rng.standard_normal(len(edge)))
    usd = value[edge] * share / np.bincount(edge, weights=share)[edge]
    other = goods_of(rng, c, w.gsec[home[edge]])
    good = np.where(rng.random(len(edge)) < 0.75, main[edge], other)
    return seller[edge], buyer[edge], day, usd, good
