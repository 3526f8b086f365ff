"""Tax-fraud schemes planted in a simulated economy.

Each scheme runs in rings of a few taxpayers. Members are cast first, before
any trade is drawn, so that shells (missing traders, one-day firms) take no
part in honest trade and real firms caught up in a scheme keep theirs; the
scheme's invoices and shipments are drawn afterwards, for all rings of a
scheme at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sarap.simulate._catalogue import SECTORS
from sarap.simulate._compiled import Bools, Compiled, Floats, Ints
from sarap.simulate._economy_trade import customs_of_invoices, other_country
from sarap.simulate._economy_world import (
    CAROUSEL,
    CIRCULAR,
    ECONOMY_COUNTRIES,
    EXPORT,
    IMPORT,
    MISSING,
    NON_SPECIALISED,
    ONE_DAY,
    PRODUCER,
    R_BENEFICIARY,
    R_BROKER,
    R_BUFFER,
    R_CONDUIT,
    R_EXPORTER,
    R_IMPORTER,
    R_MEMBER,
    R_MISSING,
    R_ONE_DAY,
    R_RESELLER,
    R_SUPPLIER,
    R_TECHNICAL,
    REFUND,
    RETAIL,
    SERVICES,
    UNDERVALUED,
    WHOLESALE,
    Flows,
    Pickers,
    World,
    activity_codes,
    choice,
    cross_customs,
    goods_of,
    run_cumsum,
    runs,
)

_MONTH = 30.44
_CYCLE_DAYS = 20  # the longest a carousel cycle takes to go round
# Rings per taxpayer, per scheme.
_RINGS_PER_TAXPAYER = {
    CAROUSEL: 0.0008,
    MISSING: 0.0015,
    ONE_DAY: 0.0011,
    REFUND: 0.001,
    UNDERVALUED: 0.002,
    CIRCULAR: 0.0012,
}


@dataclass
class Ring:
    """The rings of one scheme: per ring a country, a second country (-1
    when none) and the scheme's window (per member for missing traders,
    who follow one another); per role the members in ring order, with the
    ring of each."""

    country: Ints
    other: Ints
    start: Ints
    end: Ints
    members: dict[int, tuple[Ints, Ints]]
    # Carousels: days between cycles, and cycles, per ring.
    period: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cycles: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def role(self, role: int) -> tuple[Ints, Ints]:
        return self.members.get(role, (np.zeros(0, np.int64), np.zeros(0, np.int64)))

    def first(self, role: int) -> Ints:
        """The member of ``role`` of each ring (rings with one such member)."""
        return self.members[role][1]

    def offsets(self, role: int) -> Ints:
        ring, _ = self.members[role]
        counts = np.bincount(ring, minlength=len(self.country))
        return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


class _Casting:
    """Chooses free taxpayers for scheme roles and rewrites what the role
    needs (country, age, size, shell status)."""

    def __init__(self, rng: np.random.Generator, w: World) -> None:
        self.rng = rng
        self.w = w
        self.free = np.ones(w.n, dtype=bool)
        self.codes = activity_codes()

    def cast(
        self, scheme: int, role: int, ring: Ints, country: Ints, mask: Bools | None
    ) -> Ints:
        w, k = self.w, len(ring)
        cand = np.flatnonzero(self.free & mask) if mask is not None else None
        if cand is None or len(cand) < k:
            cand = np.flatnonzero(self.free)
        if len(cand) < k:
            raise ValueError(
                f"too few taxpayers ({w.n}) for the planted schemes; use more"
            )
        picked = self.rng.choice(cand, k, replace=False)
        self.free[picked] = False
        w.scheme[picked] = scheme
        w.role[picked] = role
        w.country[picked] = country
        return np.asarray(picked, dtype=np.int64)

    def shells(self, parties: Ints, *, services: float = 0.0) -> None:
        """Make parties shells: no staff, no honest trade, a goods sector for
        their paper trade, registered shortly before they act."""
        w, rng, m = self.w, self.rng, len(parties)
        w.shell[parties] = True
        w.trades[parties] = False
        w.buys[parties] = False
        w.row_imports[parties] = False
        w.row_exports[parties] = False
        w.employees[parties] = (rng.random(m) < 0.35).astype(np.int64)
        w.turnover[parties] = 20_000.0
        w.sector[parties] = WHOLESALE
        w.gsec[parties] = rng.integers(0, len(SECTORS), m)
        # Wholesale of their goods, non-specialised wholesale or consulting.
        u = rng.random(m)
        consulting = self.codes.index("70220")
        w.activity[parties] = np.select(
            [u < services, u < services + 0.4],
            [consulting, self.codes.index(NON_SPECIALISED)],
            w.gsec[parties],
        )
        w.late_payer[parties] = False

    def young(self, parties: Ints, start: Ints, lo: int, hi: int) -> None:
        """Registered ``lo``-``hi`` days before ``start``, in business from
        then to the end of the window."""
        w = self.w
        reg = start - self.rng.integers(lo, hi, len(parties))
        w.reg_day[parties] = reg
        w.active_from[parties] = np.clip(reg + 3, 0, w.n_days - 1)
        w.active_to[parties] = w.n_days


def _rings(w: World, scheme: int) -> int:
    return max(1, round(w.n * _RINGS_PER_TAXPAYER[scheme]))


def _countries(rng: np.random.Generator, w: World, r: int) -> Ints:
    k = w.n_economy_countries
    weights = np.array([ECONOMY_COUNTRIES[x].weight for x in w.countries[:k]])
    return choice(rng, weights, r)


def _window(
    rng: np.random.Generator,
    w: World,
    r: int,
    start: float,
    length: tuple[float, float],
) -> tuple[Ints, Ints]:
    s = (rng.random(r) * start * w.n_days).astype(np.int64)
    span = np.maximum(10, rng.uniform(*length, r) * w.n_days).astype(np.int64)
    return s, np.minimum(s + span, w.n_days)


def _established(w: World) -> Bools:
    return np.asarray((w.reg_day < -365) & (w.active_to == w.n_days), dtype=bool)


def _share_identity(
    rng: np.random.Generator,
    w: World,
    ring: Ints,
    parties: Ints,
    p_director: float,
    p_address: float,
    p_bank: float,
) -> None:
    """Members of a ring (sorted by ring) take the first member's director,
    address or bank account, each with its probability per ring."""
    if len(parties) == 0:
        return
    n_rings = int(ring.max()) + 1
    _, pos = runs(np.bincount(ring, minlength=n_rings))
    first = parties[np.searchsorted(ring, ring)]
    join = (pos < 2) | (rng.random(len(parties)) < 0.8)
    for attr, p in (("director", p_director), ("address", p_address), ("bank", p_bank)):
        values = getattr(w, attr)
        on = (rng.random(n_rings) < p)[ring] & join
        values[parties[on]] = values[first[on]]


def _spread(
    rng: np.random.Generator, lo: Ints, hi: Ints, count: Ints
) -> tuple[Ints, Ints]:
    """``count`` days uniform in ``[lo, hi)`` per entry: (entry, day)."""
    entry = np.repeat(np.arange(len(lo)), count)
    span = np.maximum(hi - lo, 1)[entry]
    day = lo[entry] + (rng.random(len(entry)) * span).astype(np.int64)
    return entry, day


def _split(rng: np.random.Generator, total: Floats, entry: Ints, sd: float) -> Floats:
    """Split each entry's total over its rows with log-normal shares."""
    share = np.exp(sd * rng.standard_normal(len(entry)))
    return np.asarray(
        total[entry] * share / np.bincount(entry, weights=share)[entry],
        dtype=np.float64,
    )


@dataclass
class Plan:
    carousel: Ring
    missing: Ring
    one_day: Ring
    refund: Ring
    undervalued: Ring
    circular: Ring


def cast_roles(rng: np.random.Generator, c: Compiled, w: World) -> Plan:
    """Choose the members of every ring and give them their roles."""
    cast = _Casting(rng, w)
    return Plan(
        carousel=_cast_carousels(rng, w, cast),
        missing=_cast_missing(rng, w, cast),
        one_day=_cast_one_day(rng, w, cast),
        refund=_cast_refund(rng, w, cast),
        undervalued=_cast_undervalued(rng, w, cast),
        circular=_cast_circular(rng, w, cast),
    )


def plant_schemes(
    rng: np.random.Generator, c: Compiled, w: World, plan: Plan, pick: Pickers, f: Flows
) -> None:
    """Draw the invoices and shipments of every ring."""
    _carousel_flows(rng, c, w, plan.carousel, f)
    _missing_flows(rng, c, w, plan.missing, pick, f)
    _one_day_flows(rng, c, w, plan.one_day, f)
    _refund_flows(rng, c, w, plan.refund, pick, f)
    _undervalued_flows(rng, c, w, plan.undervalued, pick, f)
    _circular_flows(rng, c, w, plan.circular, f)


# -- carousels ---------------------------------------------------------------
#
# Goods go round: a conduit in country Y sells free of VAT across the border
# to a missing trader in X, who sells on with VAT (never paid) through one to
# three buffers to a broker, who exports them back to the conduit free of VAT
# and claims the input VAT back. The missing trader disappears after a few
# months and a new one takes its place.


def _cast_carousels(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, CAROUSEL)
    k = w.n_economy_countries
    union = np.array([ECONOMY_COUNTRIES[x].customs_union for x in w.countries[:k]])
    x = _countries(rng, w, r)
    y = other_country(rng, w, x)
    if union.sum() >= 2:
        # Mostly inside the customs union, where no customs border checks
        # the goods: the classic ground of missing-trader fraud.
        inside = rng.random(r) < 0.9
        members = np.flatnonzero(union)
        x[inside] = members[rng.integers(0, len(members), int(inside.sum()))]
        shift = rng.integers(1, len(members), int(inside.sum()))
        pos = np.searchsorted(members, x[inside])
        y[inside] = members[(pos + shift) % len(members)]
    start, end = _window(rng, w, r, 0.5, (0.35, 0.8))
    # Cycles start every `period` days and take up to three weeks to close;
    # each missing trader lives through a few of them.
    start = np.maximum(0, np.minimum(start, w.n_days - _CYCLE_DAYS - 5))
    end = np.maximum(end, start + 5)
    period = rng.integers(5, 15, r)
    n_cycles = np.maximum(
        1, (np.minimum(end, w.n_days - _CYCLE_DAYS) - start) // period
    )
    life = np.maximum(15, rng.uniform(0.15, 0.35, r) * w.n_days).astype(np.int64)
    n_missing = np.clip(np.ceil((end - start) / life), 1, 4).astype(np.int64)
    n_missing = np.minimum(n_missing, n_cycles)
    n_buffers = rng.integers(1, 4, r)
    est = _established(w)
    ring = np.arange(r)
    trader = np.isin(w.sector, (WHOLESALE, EXPORT))
    conduit = cast.cast(CAROUSEL, R_CONDUIT, ring, y, est & trader & (w.employees >= 3))
    broker = cast.cast(CAROUSEL, R_BROKER, ring, x, est & trader & (w.employees >= 5))
    b_ring, _ = runs(n_buffers)
    buffers = cast.cast(
        CAROUSEL, R_BUFFER, b_ring, x[b_ring], (w.sector == WHOLESALE) & ~est
    )
    w.sector[buffers] = WHOLESALE
    w.employees[buffers] = rng.integers(1, 7, len(buffers))
    cast.young(buffers, start[b_ring], 90, 600)
    m_ring, _ = runs(n_missing)
    missing = cast.cast(CAROUSEL, R_MISSING, m_ring, x[m_ring], None)
    cast.shells(missing)
    w.pays[missing] = False
    _share_identity(rng, w, m_ring, missing, 0.6, 0.5, 0.3)
    # Buffers often sit at the missing traders' address.
    first_missing = missing[np.searchsorted(m_ring, b_ring)]
    same = rng.random(len(buffers)) < 0.3
    w.address[buffers[same]] = w.address[first_missing[same]]
    return Ring(
        country=x,
        other=y,
        start=start,
        end=end,
        period=period,
        cycles=n_cycles,
        members={
            R_CONDUIT: (ring, conduit),
            R_BROKER: (ring, broker),
            R_BUFFER: (b_ring, buffers),
            R_MISSING: (m_ring, missing),
        },
    )


def _valuable_goods(c: Compiled) -> Ints:
    """Small, valuable goods that carousels favour (phones, laptops, ...)."""
    sectors = [c.sectors.index(s) for s in ("electronics", "computers", "jewellery")]
    return np.flatnonzero(np.isin(c.sector, sectors) & (c.log_price > np.log(60)))


def _carousel_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, f: Flows
) -> None:
    r = len(ring.country)
    conduit, broker = ring.first(R_CONDUIT), ring.first(R_BROKER)
    b_ring, buffers = ring.role(R_BUFFER)
    m_ring, missing = ring.role(R_MISSING)
    n_buffers = np.bincount(b_ring, minlength=r)
    n_missing = np.bincount(m_ring, minlength=r)
    m_first = ring.offsets(R_MISSING)
    # The chain of each ring: conduit, missing trader (-2, filled per cycle),
    # buffers, broker, conduit.
    chain = np.full((r, 7), -1, dtype=np.int64)
    chain[:, 0] = conduit
    chain[:, 1] = -2
    _, b_pos = runs(n_buffers)
    chain[b_ring, 2 + b_pos] = buffers
    chain[np.arange(r), 2 + n_buffers] = broker
    chain[np.arange(r), 3 + n_buffers] = conduit

    period, n_cycles = ring.period, ring.cycles
    cyc_ring, cyc_no = runs(n_cycles)
    t = (
        ring.start[cyc_ring]
        + cyc_no * period[cyc_ring]
        + rng.integers(0, 3, len(cyc_ring))
    )
    # The cycles are shared out among the ring's missing traders in turn.
    which = cyc_no * n_missing[cyc_ring] // n_cycles[cyc_ring]
    trader = missing[m_first[cyc_ring] + which]
    value = np.exp(np.log(150_000) + 0.8 * rng.standard_normal(r))[cyc_ring]
    value *= np.exp(0.15 * rng.standard_normal(len(cyc_ring)))
    valuable = _valuable_goods(c)
    ring_good = valuable[rng.integers(0, len(valuable), r)]
    good = np.where(
        rng.random(len(cyc_ring)) < 0.85,
        ring_good[cyc_ring],
        valuable[rng.integers(0, len(valuable), len(cyc_ring))],
    )

    hops = (n_buffers + 3)[cyc_ring]
    cyc, h = runs(hops)
    rh = cyc_ring[cyc]
    seller, buyer = chain[rh, h], chain[rh, h + 1]
    seller = np.where(seller == -2, trader[cyc], seller)
    buyer = np.where(buyer == -2, trader[cyc], buyer)
    gap = rng.integers(1, 4, len(cyc))
    gap[h == 0] = 0
    day = t[cyc] + run_cumsum(gap.astype(np.float64), cyc).astype(np.int64)
    last = h == hops[cyc] - 1
    step = np.select(
        [h == 0, h == 1, last],
        [0.0, np.log(0.985), np.log1p(rng.uniform(0.005, 0.02, len(cyc)))],
        np.log1p(rng.uniform(0.002, 0.015, len(cyc))),
    )
    usd = value[cyc] * np.exp(run_cumsum(step, cyc))
    # Only whole cycles: the last hop of each inside the window.
    last = day[np.cumsum(hops) - 1]
    keep = (last < w.n_days)[cyc]
    args = (seller[keep], buyer[keep], day[keep], usd[keep], good[cyc][keep])
    f.add_invoices(
        seller=args[0],
        buyer=args[1],
        day=args[2],
        usd=args[3],
        good=args[4],
        scheme=CAROUSEL,
    )
    customs_of_invoices(w, f, *args)


# -- missing traders -----------------------------------------------------------
#
# A young shell sells goods with VAT to real buyers for a few months, buys
# little or nothing with VAT (some of it free of VAT across a border), files
# returns, pays nothing and disappears; a successor at the same address or
# with the same director takes over.


def _cast_missing(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, MISSING)
    x = _countries(rng, w, r)
    start, _ = _window(rng, w, r, 0.6, (0.2, 0.3))
    life = np.maximum(15, rng.uniform(0.12, 0.3, r) * w.n_days).astype(np.int64)
    room = np.maximum(1, (w.n_days - start) // life)
    count = np.minimum(1 + (rng.random(r) < 0.5) + (rng.random(r) < 0.2), room)
    m_ring, m_pos = runs(count)
    traders = cast.cast(MISSING, R_MISSING, m_ring, x[m_ring], None)
    cast.shells(traders)
    w.pays[traders] = False
    _share_identity(rng, w, m_ring, traders, 0.6, 0.5, 0.2)
    t_start = start[m_ring] + m_pos * life[m_ring]
    return Ring(
        country=x,
        other=np.full(r, -1, dtype=np.int64),
        start=t_start,  # per trader, not per ring
        end=np.minimum(t_start + life[m_ring], w.n_days),
        members={R_MISSING: (m_ring, traders)},
    )


def _missing_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, pick: Pickers, f: Flows
) -> None:
    _, traders = ring.role(R_MISSING)
    lo, hi = ring.start, ring.end
    n_buyers = rng.integers(3, 9, len(traders))
    link, _ = runs(n_buyers)
    trader = traders[link]
    sector = np.array([WHOLESALE, RETAIL, PRODUCER])[
        choice(rng, (0.5, 0.3, 0.2), len(link))
    ]
    gsec = np.where(
        rng.random(len(link)) < 0.7,
        w.gsec[trader],
        rng.integers(0, len(c.sectors), len(link)),
    )
    buyer = pick.draw(rng, sector, w.country[trader], gsec, buyers=True)
    ok = buyer >= 0
    link, trader, buyer = link[ok], trader[ok], buyer[ok]
    rate = rng.uniform(1, 4, len(link))
    count = 1 + rng.poisson(rate * (hi - lo)[link] / _MONTH)
    inv, day = _spread(rng, lo[link], hi[link], count)
    scale = np.exp(np.log(25_000) + 0.8 * rng.standard_normal(len(traders)))
    usd = scale[link[inv]] * np.exp(0.6 * rng.standard_normal(len(inv)))
    main = goods_of(rng, c, w.gsec[traders])
    good = np.where(
        rng.random(len(inv)) < 0.75,
        main[link[inv]],
        goods_of(rng, c, w.gsec[trader[inv]]),
    )
    f.add_invoices(
        seller=trader[inv],
        buyer=buyer[inv],
        day=day,
        usd=usd,
        good=good,
        scheme=MISSING,
    )
    # Half of them buy part of what they sell free of VAT across a border.
    sales = np.bincount(link[inv], weights=usd, minlength=len(traders))
    n_sales = np.bincount(link[inv], minlength=len(traders))
    abroad = np.flatnonzero((rng.random(len(traders)) < 0.5) & (n_sales > 0))
    supplier = pick.draw(
        rng,
        np.where(rng.random(len(abroad)) < 0.5, PRODUCER, EXPORT),
        other_country(rng, w, w.country[traders[abroad]]),
        w.gsec[traders[abroad]],
    )
    ok = supplier >= 0
    abroad, supplier = abroad[ok], supplier[ok]
    count = np.maximum(1, n_sales[abroad] // 3)
    inv, day = _spread(rng, lo[abroad], hi[abroad], count)
    usd = _split(rng, sales[abroad] * rng.uniform(0.6, 0.9, len(abroad)), inv, 0.5)
    args = (supplier[inv], traders[abroad][inv], day, usd, main[abroad][inv])
    f.add_invoices(
        seller=args[0],
        buyer=args[1],
        day=args[2],
        usd=args[3],
        good=args[4],
        scheme=MISSING,
    )
    customs_of_invoices(w, f, *args)


# -- one-day firms -----------------------------------------------------------
#
# Real firms (beneficiaries) buy fictitious invoices from one-day firms to
# claim input VAT. The one-day firms are young, have no staff and pass almost
# all they "sell" on from a technical firm at the top of the chain, which
# mostly never reports those sales. Some fictitious invoices are claimed by
# the beneficiary without the one-day firm reporting them at all, others at a
# higher amount than the seller reported.


def _cast_one_day(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, ONE_DAY)
    x = _countries(rng, w, r)
    start, _ = _window(rng, w, r, 0.7, (0.1, 0.2))
    ring = np.arange(r)
    technical = cast.cast(ONE_DAY, R_TECHNICAL, ring, x, None)
    n_firms = rng.integers(2, 5, r)
    o_ring, _ = runs(n_firms)
    firms = cast.cast(ONE_DAY, R_ONE_DAY, o_ring, x[o_ring], None)
    n_ben = rng.integers(3, 9, r)
    b_ring, _ = runs(n_ben)
    real = np.isin(w.sector, (PRODUCER, RETAIL, WHOLESALE, SERVICES))
    ben = cast.cast(
        ONE_DAY,
        R_BENEFICIARY,
        b_ring,
        x[b_ring],
        real & _established(w) & (w.employees >= 3),
    )
    cast.shells(technical)
    cast.shells(firms, services=0.4)
    w.pays[technical] = False
    # Nominee directors, mass-registration addresses and a common account.
    group = np.concatenate([ring, o_ring])
    parties = np.concatenate([technical, firms])
    order = np.argsort(group, kind="stable")
    _share_identity(rng, w, group[order], parties[order], 0.7, 0.6, 0.4)
    # Some register at a business centre of their country that honest firms
    # use too.
    centre = np.flatnonzero(w.address >= w.n)
    centre = centre[np.argsort(w.country[centre], kind="stable")]
    per = np.bincount(w.country[centre], minlength=w.n_economy_countries)
    use = (rng.random(r) < 0.3) & (per[x] > 0)
    pick = (np.cumsum(per) - per)[x] + rng.integers(0, 1 << 30, r) % np.maximum(
        per[x], 1
    )
    at = centre[np.minimum(pick, len(centre) - 1)] if len(centre) else pick
    on = use[o_ring]
    w.address[firms[on]] = w.address[at[o_ring[on]]]
    return Ring(
        country=x,
        other=np.full(r, -1, dtype=np.int64),
        start=start,
        end=np.full(r, w.n_days, dtype=np.int64),
        members={
            R_TECHNICAL: (ring, technical),
            R_ONE_DAY: (o_ring, firms),
            R_BENEFICIARY: (b_ring, ben),
        },
    )


def _one_day_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, f: Flows
) -> None:
    r = len(ring.country)
    o_ring, firms = ring.role(R_ONE_DAY)
    b_ring, ben = ring.role(R_BENEFICIARY)
    technical = ring.first(R_TECHNICAL)
    n_firms = np.bincount(o_ring, minlength=r)
    n_ben = np.bincount(b_ring, minlength=r)
    o_first, b_first = ring.offsets(R_ONE_DAY), ring.offsets(R_BENEFICIARY)
    # Each one-day firm lives a few weeks, the later ones after the first.
    o_lo = ring.start[o_ring] + (rng.random(len(firms)) * 0.25 * w.n_days).astype(
        np.int64
    )
    o_lo = np.minimum(o_lo, w.n_days - 10)
    life = np.maximum(10, rng.uniform(0.06, 0.25, len(firms)) * w.n_days).astype(
        np.int64
    )
    o_hi = np.minimum(o_lo + life, w.n_days)

    # Which beneficiaries each one-day firm "supplies".
    p_ring, p_pos = runs(n_firms * n_ben)
    oi, bi = p_pos // n_ben[p_ring], p_pos % n_ben[p_ring]
    keep = (rng.random(len(p_ring)) < 0.6) | (bi == oi % n_ben[p_ring])
    firm = o_first[p_ring[keep]] + oi[keep]  # position in `firms`
    buyer = ben[b_first[p_ring[keep]] + bi[keep]]
    rate = rng.uniform(0.5, 2.5, len(firm))
    count = 1 + rng.poisson(rate * (o_hi - o_lo)[firm] / _MONTH)
    inv, day = _spread(rng, o_lo[firm], o_hi[firm], count)
    usd = np.exp(np.log(12_000) + 0.9 * rng.standard_normal(len(inv)))
    goods = goods_of(rng, c, w.gsec[firms[firm[inv]]])
    good = np.where(rng.random(len(inv)) < 0.5, -1, goods)
    reported = rng.random(len(inv)) < 0.7
    inflate = np.where(
        reported & (rng.random(len(inv)) < 0.25), rng.uniform(1.2, 2.0, len(inv)), 1.0
    )
    f.add_invoices(
        seller=firms[firm[inv]],
        buyer=buyer[inv],
        day=day,
        usd=usd,
        good=good,
        scheme=ONE_DAY,
        seller_rec=reported,
        buyer_factor=inflate,
    )
    # What each one-day firm reported selling, it "bought" from the technical
    # firm, less a thin margin: pass-through close to 100 %.
    pos = firm[inv]
    sold = np.bincount(pos, weights=usd * reported, minlength=len(firms))
    n_sold = np.bincount(pos, weights=reported, minlength=len(firms)).astype(np.int64)
    has = np.flatnonzero(sold > 0)
    count = np.maximum(1, n_sold[has] // 2)
    inv, day = _spread(rng, o_lo[has], o_hi[has], count)
    usd = _split(rng, sold[has] * rng.uniform(0.97, 0.995, len(has)), inv, 0.4)
    tech_reports = rng.random(r) < 0.3
    seller = technical[o_ring[has][inv]]
    f.add_invoices(
        seller=seller,
        buyer=firms[has][inv],
        day=day,
        usd=usd,
        good=goods_of(rng, c, w.gsec[firms[has][inv]]),
        scheme=ONE_DAY,
        seller_rec=tech_reports[o_ring[has][inv]],
    )


# -- refund fraud through inflated exports ---------------------------------
#
# An exporter declares exports at several times their value, "buys" the
# goods at the inflated price from missing suppliers (who charge VAT and
# never pay it) and claims the input VAT back. Where the foreign buyer is a
# taxpayer of the economy, its purchase record shows the true value.


def _cast_refund(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, REFUND)
    x = _countries(rng, w, r)
    start, end = _window(rng, w, r, 0.55, (0.2, 0.45))
    ring = np.arange(r)
    exporter = cast.cast(REFUND, R_EXPORTER, ring, x, w.sector == EXPORT)
    w.sector[exporter] = EXPORT
    w.gsec[exporter] = np.where(w.gsec[exporter] >= 0, w.gsec[exporter], 0)
    w.activity[exporter] = w.gsec[exporter]
    w.employees[exporter] = rng.integers(1, 6, r)
    w.trades[exporter] = False
    w.buys[exporter] = False
    w.row_exports[exporter] = False
    w.row_imports[exporter] = False
    cast.young(exporter, start, 60, 540)
    n_sup = 1 + (rng.random(r) < 0.5)
    s_ring, _ = runs(n_sup)
    suppliers = cast.cast(REFUND, R_SUPPLIER, s_ring, x[s_ring], None)
    cast.shells(suppliers)
    w.pays[suppliers] = False
    group = np.concatenate([ring, s_ring])
    order = np.argsort(group, kind="stable")
    _share_identity(
        rng,
        w,
        group[order],
        np.concatenate([exporter, suppliers])[order],
        0.2,
        0.4,
        0.2,
    )
    return Ring(
        country=x,
        other=other_country(rng, w, x),
        start=start,
        end=end,
        members={R_EXPORTER: (ring, exporter), R_SUPPLIER: (s_ring, suppliers)},
    )


def _refund_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, pick: Pickers, f: Flows
) -> None:
    r = len(ring.country)
    exporter = ring.first(R_EXPORTER)
    s_ring, suppliers = ring.role(R_SUPPLIER)
    n_sup = np.bincount(s_ring, minlength=r)
    s_first = ring.offsets(R_SUPPLIER)
    # The foreign buyer: an importer of another economy country, or a firm
    # outside the economy.
    buyer = pick.draw(
        rng, np.full(r, IMPORT), ring.other, w.gsec[exporter], buyers=True
    )
    steady = (w.active_from[buyer] <= ring.start) & (w.active_to[buyer] >= ring.end)
    buyer[(rng.random(r) < 0.5) | ~steady] = -1
    outside = buyer < 0
    buyer[outside] = w.foreign(rng, w.row_country(rng, int(outside.sum())))

    gap = rng.integers(10, 26, r)
    n_exports = np.maximum(1, (ring.end - ring.start) // gap)
    x_ring, x_no = runs(n_exports)
    day = ring.start[x_ring] + x_no * gap[x_ring] + rng.integers(0, 4, len(x_ring))
    day = np.minimum(day, w.n_days - 1)
    true = np.exp(np.log(25_000) + 0.7 * rng.standard_normal(r))[x_ring]
    true *= np.exp(0.3 * rng.standard_normal(len(x_ring)))
    factor = rng.uniform(2.5, 6.0, r)[x_ring] * np.exp(
        0.1 * rng.standard_normal(len(x_ring))
    )
    main = goods_of(rng, c, w.gsec[exporter])
    good = np.where(
        rng.random(len(x_ring)) < 0.85,
        main[x_ring],
        goods_of(rng, c, w.gsec[exporter[x_ring]]),
    )
    seller, to = exporter[x_ring], buyer[x_ring]
    f.add_invoices(
        seller=seller,
        buyer=to,
        day=day,
        usd=true * factor,
        good=good,
        scheme=REFUND,
        buyer_rec=to < w.n,
        buyer_factor=1 / factor,
    )
    f.add_shipments(
        declarant=seller,
        partner=to,
        day=day,
        usd=true,
        good=good,
        export=True,
        declared_factor=factor,
        scheme=REFUND,
    )
    # The importer abroad declares what it really received.
    cross = np.flatnonzero(cross_customs(w, seller, to))
    f.add_shipments(
        declarant=to[cross],
        partner=seller[cross],
        day=day[cross],
        usd=true[cross],
        good=good[cross],
        export=False,
    )
    # The inflated "purchases" from the missing suppliers, before each export.
    count = 1 + (rng.random(len(x_ring)) < 0.5)
    inv = np.repeat(np.arange(len(x_ring)), count)
    usd = _split(rng, true * factor * rng.uniform(0.9, 0.97, len(x_ring)), inv, 0.2)
    bought = np.maximum(
        day[inv] - rng.integers(2, 21, len(inv)), ring.start[x_ring[inv]]
    )
    pick_sup = (
        s_first[x_ring[inv]] + rng.integers(0, 1_000_000, len(inv)) % n_sup[x_ring[inv]]
    )
    f.add_invoices(
        seller=suppliers[pick_sup],
        buyer=seller[inv],
        day=np.maximum(bought, 0),
        usd=usd,
        good=good[inv],
        scheme=REFUND,
    )


# -- undervalued imports -------------------------------------------------------
#
# An importer declares its goods at 20-50 % of their value (less duty, less
# import VAT) and sells them on at the market price, itself or through a
# related reseller to which it first sells at about the declared value.


def _cast_undervalued(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, UNDERVALUED)
    x = _countries(rng, w, r)
    start = (rng.random(r) * 0.3 * w.n_days).astype(np.int64)
    ring = np.arange(r)
    importer = cast.cast(UNDERVALUED, R_IMPORTER, ring, x, w.sector == IMPORT)
    w.sector[importer] = IMPORT
    w.gsec[importer] = np.where(w.gsec[importer] >= 0, w.gsec[importer], 0)
    w.activity[importer] = w.gsec[importer]
    w.trades[importer] = False
    w.buys[importer] = False
    w.row_imports[importer] = False
    w.row_exports[importer] = False
    young = rng.random(r) < 0.5
    cast.young(importer[young], start[young], 60, 365)
    has = np.flatnonzero(rng.random(r) < 0.5)
    reseller = cast.cast(UNDERVALUED, R_RESELLER, has, x[has], w.sector == WHOLESALE)
    w.sector[reseller] = WHOLESALE
    w.gsec[reseller] = w.gsec[importer[has]]
    w.activity[reseller] = w.gsec[reseller]
    w.trades[reseller] = False
    w.buys[reseller] = False
    w.row_imports[reseller] = False
    w.row_exports[reseller] = False
    group = np.concatenate([ring, has])
    order = np.argsort(group, kind="stable")
    _share_identity(
        rng, w, group[order], np.concatenate([importer, reseller])[order], 0.5, 0.3, 0.1
    )
    return Ring(
        country=x,
        other=np.full(r, -1, dtype=np.int64),
        start=np.maximum(start, w.active_from[importer]),
        end=np.full(r, w.n_days, dtype=np.int64),
        members={R_IMPORTER: (ring, importer), R_RESELLER: (has, reseller)},
    )


def _undervalued_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, pick: Pickers, f: Flows
) -> None:
    r = len(ring.country)
    importer = ring.first(R_IMPORTER)
    has, reseller = ring.role(R_RESELLER)
    seller_of = importer.copy()
    seller_of[has] = reseller
    gap = rng.integers(7, 31, r)
    n_ship = np.maximum(1, (ring.end - ring.start) // gap)
    s_ring, s_no = runs(n_ship)
    day = np.minimum(
        ring.start[s_ring] + s_no * gap[s_ring] + rng.integers(0, 4, len(s_ring)),
        w.n_days - 1,
    )
    value = np.exp(np.log(40_000) + 0.8 * rng.standard_normal(r))[s_ring]
    value *= np.exp(0.4 * rng.standard_normal(len(s_ring)))
    factor = rng.uniform(0.2, 0.5, r)[s_ring] * np.exp(
        0.05 * rng.standard_normal(len(s_ring))
    )
    goods = np.stack([goods_of(rng, c, w.gsec[importer]) for _ in range(3)], axis=1)
    good = goods[s_ring, rng.integers(0, 3, len(s_ring))]
    supplier = w.foreign(rng, w.row_country(rng, r))
    f.add_shipments(
        declarant=importer[s_ring],
        partner=supplier[s_ring],
        day=day,
        usd=value,
        good=good,
        export=False,
        declared_factor=factor,
        scheme=UNDERVALUED,
    )
    # Sold on at the market price to a few usual customers.
    n_cust = rng.integers(2, 6, r)
    c_ring, _ = runs(n_cust)
    sector = np.where(rng.random(len(c_ring)) < 0.6, WHOLESALE, RETAIL)
    cust = pick.draw(
        rng, sector, ring.country[c_ring], w.gsec[importer[c_ring]], buyers=True
    )
    cust = np.where(
        cust >= 0,
        cust,
        pick.draw(
            rng,
            np.full(len(c_ring), RETAIL),
            ring.country[c_ring],
            np.full(len(c_ring), -1),
            buyers=True,
        ),
    )
    c_first = np.concatenate([[0], np.cumsum(n_cust)[:-1]])
    count = 1 + (rng.random(len(s_ring)) < 0.4) + (rng.random(len(s_ring)) < 0.2)
    inv = np.repeat(np.arange(len(s_ring)), count)
    # Sold 3-25 days after the goods arrive (sooner near the window's end).
    room = np.maximum(w.n_days - 1 - day[inv], 0)
    sale_day = day[inv] + np.minimum(rng.integers(3, 26, len(inv)), room)
    usd = _split(rng, value * rng.uniform(1.1, 1.35, len(s_ring)), inv, 0.3)
    to = cust[
        c_first[s_ring[inv]]
        + rng.integers(0, 1_000_000, len(inv)) % n_cust[s_ring[inv]]
    ]
    ok = to >= 0
    f.add_invoices(
        seller=seller_of[s_ring[inv]][ok],
        buyer=to[ok],
        day=sale_day[ok],
        usd=usd[ok],
        good=good[inv][ok],
        scheme=UNDERVALUED,
    )
    # The importer's books: sold to the related reseller at the declared value.
    via = np.flatnonzero(np.isin(s_ring, has))
    lag = np.minimum(rng.integers(1, 4, len(via)), w.n_days - 1 - day[via])
    f.add_invoices(
        seller=importer[s_ring[via]],
        buyer=seller_of[s_ring[via]],
        day=day[via] + lag,
        usd=value[via] * factor[via] * rng.uniform(1.02, 1.1, len(via)),
        good=good[via],
        scheme=UNDERVALUED,
    )


# -- circular trading ------------------------------------------------------
#
# Related real firms pass the same amount round a cycle within days, again
# and again, to inflate their turnover; VAT nets out along the cycle.


def _cast_circular(rng: np.random.Generator, w: World, cast: _Casting) -> Ring:
    r = _rings(w, CIRCULAR)
    x = _countries(rng, w, r)
    size = rng.integers(3, 7, r)
    m_ring, _ = runs(size)
    kinds = np.isin(w.sector, (WHOLESALE, PRODUCER, SERVICES))
    members = cast.cast(
        CIRCULAR,
        R_MEMBER,
        m_ring,
        x[m_ring],
        kinds & _established(w) & (w.employees >= 2),
    )
    _share_identity(rng, w, m_ring, members, 0.6, 0.4, 0.15)
    return Ring(
        country=x,
        other=np.full(r, -1, dtype=np.int64),
        start=np.zeros(r, dtype=np.int64),
        end=np.full(r, w.n_days, dtype=np.int64),
        members={R_MEMBER: (m_ring, members)},
    )


def _circular_flows(
    rng: np.random.Generator, c: Compiled, w: World, ring: Ring, f: Flows
) -> None:
    r = len(ring.country)
    m_ring, members = ring.role(R_MEMBER)
    size = np.bincount(m_ring, minlength=r)
    first = ring.offsets(R_MEMBER)
    months = w.n_days / _MONTH
    n_rounds = np.maximum(
        2, np.round(rng.uniform(4, 12, r) * min(1.0, months / 12))
    ).astype(np.int64)
    q_ring, _ = runs(n_rounds)
    t = (rng.random(len(q_ring)) * max(1, w.n_days - 14)).astype(np.int64)
    amount = np.exp(np.log(60_000) + 0.7 * rng.standard_normal(r))[q_ring]
    amount *= np.exp(0.2 * rng.standard_normal(len(q_ring)))
    ring_good = np.where(
        rng.random(r) < 0.5, -1, goods_of(rng, c, np.maximum(w.gsec[members[first]], 0))
    )
    q, h = runs(size[q_ring])
    rq = q_ring[q]
    seller = members[first[rq] + h]
    buyer = members[first[rq] + (h + 1) % size[rq]]
    gap = rng.integers(0, 3, len(q))
    gap[h == 0] = 0
    day = t[q] + run_cumsum(gap.astype(np.float64), q).astype(np.int64)
    usd = amount[q] * (1 + 0.005 * rng.standard_normal(len(q)))
    keep = day < w.n_days
    f.add_invoices(
        seller=seller[keep],
        buyer=buyer[keep],
        day=day[keep],
        usd=usd[keep],
        good=ring_good[rq][keep],
        scheme=CIRCULAR,
    )


def settle_shells(
    rng: np.random.Generator, w: World, seller: Ints, buyer: Ints, day: Ints
) -> None:
    """Shells live from their first invoice to their last (then vanish),
    registered a few weeks before the first."""
    shells = np.flatnonzero(w.shell)
    if len(shells) == 0:
        return
    first = np.full(w.n + w.n_foreign, w.n_days, dtype=np.int64)
    last = np.full(w.n + w.n_foreign, -1, dtype=np.int64)
    for side in (seller, buyer):
        on = np.flatnonzero(w.shell[np.minimum(side, w.n - 1)] & (side < w.n))
        np.minimum.at(first, side[on], day[on])
        np.maximum.at(last, side[on], day[on])
    lo, hi = first[shells], last[shells]
    idle = hi < 0  # no invoice inside the window: registered, never active
    lo = np.where(idle, rng.integers(0, w.n_days, len(shells)), lo)
    hi = np.where(idle, lo, hi)
    w.active_from[shells] = lo
    w.active_to[shells] = np.minimum(hi + 1 + rng.integers(0, 8, len(shells)), w.n_days)
    w.reg_day[shells] = lo - rng.integers(7, 90, len(shells))
