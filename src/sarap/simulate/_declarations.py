"""Synthetic customs declarations with planted fraud.

The simulation runs in four vectorised passes:

1. *Parties*: importers with a heavy-tailed size, a home region, a sector, a
   basket of usual goods each with a usual origin, a usual broker and a few
   hidden traits (price level, fraud propensity, repeat offender, risky
   newcomer).
2. *Declarations*: a header per declaration (date, office, broker, route,
   transport, currency), sorted and numbered the way customs numbers them.
3. *Goods items*: the honest truth of each item (goods, origin, mass,
   quantity, value, duty).
4. *Fraud*: chosen declarations get one manipulation applied to their
   eligible items; the outcome columns record the duty evaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sarap.simulate._catalogue import (
    CURRENCIES,
    DEFAULT_CURRENCY,
    HOME_REGIONS,
    MODES,
    OFFICES,
    REGION_CURRENCY,
    REGION_MODE_FACTOR,
    REGION_ROUTE,
    REGION_TRANSIT,
    REGIONS,
    SECTORS,
    SOUTHERN_HOME_REGIONS,
    USD_PER_UNIT,
)
from sarap.simulate._compiled import (
    GSP,
    MFN,
    PLAIN,
    SAMPLES,
    TERSE,
    USED,
    Bools,
    Compiled,
    Floats,
    Ints,
    applied_rate,
    compiled,
    description_index,
    rows_pick,
    weighted_rows,
)
from sarap.simulate._fraud import (
    MISCLASS,
    MISSED,
    NEWCOMER,
    ORIGIN,
    P_NEWCOMER,
    P_REPEAT,
    REPEAT,
    SCHEMES,
    SHARE_NEWCOMER,
    SHARE_REPEAT,
    UNDERVALUATION,
    fake_origins,
    false_hits,
    plan_fraud,
)
from sarap.simulate._ids import make_bins, seller_id

OUTCOME_COLUMNS: tuple[str, ...] = ("fraud", "additional_revenue", "scheme")

PROCEDURES = ("IM40", "IM51", "IM53")
IMPORT_TYPES = ("GEN", "EXP", "POST")
IMPORT_USES = ("RESALE", "PRODUCTION", "OWN_USE")
PAYMENT_TYPES = ("TT", "PREPAY", "LC", "DEFER", "NONE")
TAX_TYPES = ("MFN", "FTA", "GSP", "SUSP")
ORIGIN_INDICATORS = ("FTA_CERT", "GSP_CERT", "GEN_CERT", "INVOICE")
_NO_INDICATOR = -1
FTA_CERT, GSP_CERT, GEN_CERT, INVOICE = range(4)
_PIECE_UNITS = frozenset({"H87", "NPR"})
_PRODUCTION_SECTORS = frozenset({"chemicals", "plastics", "metals", "paper"})
_DURABLE_SECTORS = frozenset(
    {
        "auto",
        "machinery",
        "electronics",
        "computers",
        "appliances",
        "furniture",
        "toys_sports",
        "medical",
    }
)
# Slightly pricier goods from some regions (brand and quality mix).
_REGION_PRICE = {"europe": 0.25, "east_asia": 0.15, "americas": 0.05, "china": -0.1}

_MAX_BASKET = 8


@dataclass
class _Importers:
    n: int
    region: Ints
    sector: Ints
    size: Floats
    start: Ints  # first day of activity, relative to the window start
    reg_year: Ints
    reg_month: Ints
    basket: Ints  # n x _MAX_BASKET good indices
    basket_origin: Ints  # n x _MAX_BASKET country indices
    basket_variant: Ints  # n x _MAX_BASKET preferred variant
    k: Ints  # basket size
    broker: Ints  # main broker, -1 when the importer declares itself
    price_level: Floats
    propensity: Floats
    payment: Ints
    use: Ints
    repeat: Bools
    newcomer: Bools
    seed: Ints


def _validate(
    n: int, start: str, months: int, fraud_rate: float, n_importers: int | None
) -> np.datetime64:
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    # Ids carry a two-digit year: past a century they repeat (and past
    # NumPy's dates, written as "<value out of range>").
    if not isinstance(months, int | np.integer) or not 1 <= months <= 1200:
        raise ValueError(
            f"months must be a positive integer of at most 1200, got {months!r}"
        )
    if not 0.0 <= fraud_rate <= 0.5:
        raise ValueError(f"fraud_rate must be between 0 and 0.5, got {fraud_rate!r}")
    if n_importers is not None and (
        not isinstance(n_importers, int | np.integer) or n_importers < 1
    ):
        raise ValueError(
            f"n_importers must be a positive integer or None, got {n_importers!r}"
        )
    return start_day(start)


def start_day(start: str) -> np.datetime64:
    """The simulation's first day, ``start`` (ISO); ValueError when it is
    not a date from 1900 to 2099."""
    day: np.datetime64 | None
    try:
        day = np.datetime64(start, "D")
    except ValueError:
        day = None
    # NumPy reads "NaT" and years such as 20244 (a slip): files with no dates,
    # or dates few readers take.
    if (
        day is None
        or np.isnat(day)
        or not np.datetime64("1900-01-01") <= day < np.datetime64("2100")
    ):
        raise ValueError(
            f"start must be an ISO date from 1900-01-01 to 2099-12-31, got {start!r}"
        )
    return day


def _choice(rng: np.random.Generator, p: tuple[float, ...] | Floats, size: int) -> Ints:
    p_arr = np.asarray(p, dtype=np.float64)
    return rng.choice(len(p_arr), size=size, p=p_arr / p_arr.sum()).astype(np.int64)


def _first_in_group(group: Ints, mask: Bools, n_groups: int) -> Ints:
    """Index of the first row with ``mask`` in each group, -1 if none."""
    out = np.full(n_groups, -1, dtype=np.int64)
    rows = np.flatnonzero(mask)
    g, first = np.unique(group[rows], return_index=True)
    out[g] = rows[first]
    return out


def _importers(
    rng: np.random.Generator,
    c: Compiled,
    n_imp: int,
    n_days: int,
    t0: np.datetime64,
    fraud_rate: float,
    n_brokers: int,
) -> _Importers:
    region = _choice(rng, tuple(w for _, w in HOME_REGIONS), n_imp)
    sector = _choice(rng, tuple(w for w, _ in SECTORS.values()), n_imp)
    size = np.exp(1.4 * rng.standard_normal(n_imp))

    # Who starts trading inside the window: ordinary entrants, and a few
    # risky newcomers that start late and ship large values.
    start = np.full(n_imp, -1, dtype=np.int64)
    entrant = rng.random(n_imp) < 0.10
    start[entrant] = (rng.uniform(0.05, 0.85, entrant.sum()) * n_days).astype(np.int64)
    # Risk groups need a crowd to hide in: none among a handful of importers.
    n_new = max(1, round(0.012 * n_imp)) if fraud_rate > 0 and n_imp >= 20 else 0
    newcomer = np.zeros(n_imp, dtype=bool)
    newcomer[rng.choice(n_imp, n_new, replace=False)] = True
    start[newcomer] = (rng.uniform(0.35, 0.9, n_new) * n_days).astype(np.int64)
    entrant &= ~newcomer

    # Repeat offenders: ordinary established firms, not the giants.
    established = start < 0
    cand = np.flatnonzero(established & (size < np.quantile(size, 0.98)))
    n_rep = max(1, round(0.02 * n_imp)) if fraud_rate > 0 and n_imp >= 10 else 0
    n_rep = min(n_rep, len(cand))
    repeat = np.zeros(n_imp, dtype=bool)
    repeat[rng.choice(cand, n_rep, replace=False)] = True

    # Registration: years before the window for established firms, weeks to
    # months before the first declaration for newcomers (a whole month before,
    # so the date read back from the ID is never after the first declaration).
    age_days = np.where(
        established,
        np.clip(365 * np.exp(np.log(6) + 0.7 * rng.standard_normal(n_imp)), 60, 9000),
        np.where(newcomer, rng.uniform(35, 90, n_imp), rng.uniform(35, 400, n_imp)),
    )
    reg_day = np.maximum(start, 0) - age_days.astype(np.int64)
    reg = (t0 + reg_day.astype("timedelta64[D]")).astype("datetime64[M]")
    reg_year = reg.astype("datetime64[Y]").astype(np.int64) + 1970
    reg_month = reg.astype(np.int64) % 12 + 1

    # Baskets: usual goods, mostly from the importer's sector, each with a
    # usual origin and a usual brand.
    k = np.clip(1 + rng.poisson(np.exp(0.4 + 0.25 * np.log(size))), 1, _MAX_BASKET)
    m = n_imp * _MAX_BASKET
    u = rng.random(m)
    rows_sector = np.repeat(sector, _MAX_BASKET)
    basket = np.searchsorted(c.global_cum, u, side="right").astype(np.int64)
    own = rng.random(m) < 0.85
    for s in range(len(c.sectors)):
        sel = own & (rows_sector == s)
        basket[sel] = np.searchsorted(c.sector_cum[s], u[sel], side="right")
    basket = np.minimum(basket, len(c.hs6) - 1)
    o_slot = rows_pick(c.origin_cum[basket], rng.random(m))
    basket_origin = c.origin[basket, o_slot]
    basket_variant = (rng.random(m) * c.var_count[basket]).astype(np.int64)

    self_declared = rng.random(n_imp) < 0.08
    broker_w = np.asarray(1.0 / np.arange(1, n_brokers + 1) ** 0.8, dtype=np.float64)
    broker = _choice(rng, broker_w, n_imp)
    broker[self_declared] = -1

    production = np.isin(sector, [c.sectors.index(s) for s in _PRODUCTION_SECTORS])
    use = np.where(
        production,
        _choice(rng, (0.35, 0.6, 0.05), n_imp),
        _choice(rng, (0.85, 0.03, 0.12), n_imp),
    )
    return _Importers(
        n=n_imp,
        region=region,
        sector=sector,
        size=size,
        start=start,
        reg_year=reg_year.astype(np.int64),
        reg_month=reg_month.astype(np.int64),
        basket=basket.reshape(n_imp, _MAX_BASKET),
        basket_origin=basket_origin.reshape(n_imp, _MAX_BASKET),
        basket_variant=basket_variant.reshape(n_imp, _MAX_BASKET),
        k=k,
        broker=broker,
        price_level=0.12 * rng.standard_normal(n_imp),
        propensity=np.exp(0.8 * rng.standard_normal(n_imp)),
        payment=_choice(rng, (0.55, 0.2, 0.08, 0.12, 0.05), n_imp),
        use=use,
        repeat=repeat,
        newcomer=newcomer,
        seed=rng.integers(0, 2**31, n_imp),
    )


def _activity_weights(imp: _Importers, n_days: int, fraud_rate: float) -> Floats:
    """Expected share of declarations per importer, with the risk groups sized
    so that they carry their intended share of the planted fraud."""
    active = (n_days - np.maximum(imp.start, 0)) / n_days
    w = imp.size * active
    base = w[~imp.repeat & ~imp.newcomer].sum()
    for group, share, p in (
        (imp.repeat, SHARE_REPEAT, P_REPEAT),
        (imp.newcomer, SHARE_NEWCOMER, P_NEWCOMER),
    ):
        if group.any() and base > 0:
            # Share of all rows; about 70 % of declarations have an item
            # that some manipulation can touch.
            target = min(0.3, share * fraud_rate / (p * 0.7))
            g = w[group] / w[group].sum()
            w[group] = g * target / (1 - target) * base
    return np.asarray(w / w.sum(), dtype=np.float64)


def simulate_declarations(
    n: int,
    *,
    seed: int = 0,
    start: str = "2024-01-01",
    months: int = 12,
    fraud_rate: float = 0.08,
    n_importers: int | None = None,
) -> pa.Table:
    """Simulate customs declaration items with planted, labelled fraud.

    One row per goods item, with the columns of the ``declarations`` entity of
    the common data model followed by the outcome columns ``fraud``
    (inspection label, 0/1), ``additional_revenue`` (duty evaded, in the row's
    currency; 0 for rows labelled honest) and ``scheme`` (the planted scheme,
    null for honest rows). ``scheme`` is the ground truth; ``fraud`` is what
    an inspection recorded, with a little label noise: about 3 % of planted
    fraud is missed (``fraud`` 0, ``scheme`` set) and about 0.3 % of honest
    items carry a procedural finding (``fraud`` 1, ``scheme`` null).

    Parameters
    ----------
    n : int
        Number of rows (goods items).
    seed : int, default 0
        Seed of the random generator; the same seed gives the same table.
    start : str, default "2024-01-01"
        First date of the period, ISO format.
    months : int, default 12
        Length of the period in calendar months.
    fraud_rate : float, default 0.08
        Target share of rows labelled ``fraud`` = 1 (0 to 0.5).
    n_importers : int or None, default None
        Number of importers; ``max(30, n // 40)`` when None.

    Returns
    -------
    pyarrow.Table
        Rows sorted by date, declaration_id and item_no.

    Notes
    -----
    The declaring country is Kazakhstan-like: importers, brokers and couriers
    have 12-digit BIN-like IDs that encode their registration month; sellers
    are foreign (country code + 7 digits). About two thirds of declarations
    have one item, the rest up to nine; header fields repeat on every item.
    Amounts are in the row's ``currency`` (mostly USD, some EUR, CNY, KZT and
    RUB) at the fixed rates of ``USD_PER_UNIT``; convert before comparing
    values across rows. Duty is ``customs_value * tax_rate / 100``;
    ``tax_type`` is MFN, FTA (rate 0, origins in ``FTA_COUNTRIES``), GSP
    (75 % of MFN, origins in ``GSP_COUNTRIES``) or SUSP (suspended,
    procedures IM51/IM53).

    Planted schemes (a declaration gets one; its eligible items are changed):

    - ``undervaluation``: value declared at 10-50 % of the true value, so
      value per kg falls far below the HS6 norm (a few invoices also show
      honest discounts: used goods, samples, clearance lots).
    - ``origin_misdeclaration``: goods from a non-preferential country
      declared as from a preferential one, paying the preferential rate;
      departure usually stays the true origin, the origin proof is often
      missing or invoice-only, and the claimed country often does not make
      such goods.
    - ``misclassification``: the declared code is a lower-duty neighbour;
      the description and the value per kg remain those of the true goods
      (half the time the text is terse: brand, model and details only).
    - ``repeat_offender``: a few ordinary importers commit any of the three
      above, more mildly, on about half their declarations; the signal is
      their history (and that of their usual sellers).
    - ``new_importer_high_value``: a few importers registered weeks before
      their first declaration, late in the period, ship 2.5-7 times the usual
      mass and commit any of the three on half their declarations.

    Besides, fraud is likelier for some importers and brokers, for high-duty
    goods and for some payment terms.

    Examples
    --------
    >>> t = simulate_declarations(1000, seed=1)
    >>> t.num_rows
    1000
    >>> t.column("hs_code")[0].as_py().isdigit()
    True
    """
    t0 = _validate(n, start, months, fraud_rate, n_importers)
    rng = np.random.default_rng(seed)
    c = compiled()
    month0 = t0.astype("datetime64[M]")
    offset = t0 - month0.astype("datetime64[D]")
    t_end = (month0 + months).astype("datetime64[D]") + offset
    n_days = int((t_end - t0).astype(np.int64))

    n_imp = int(n_importers) if n_importers is not None else max(30, n // 40)
    n_brokers = max(5, n_imp // 120)
    imp = _importers(rng, c, n_imp, n_days, t0, fraud_rate, n_brokers)
    # Brokers mostly write in Russian; some prefer English.
    broker_english = np.where(rng.random(n_brokers) < 0.3, 0.65, 0.1)
    broker_complicit = np.where(rng.random(n_brokers) < 0.08, 3.0, 1.0)

    # ---- declaration headers -------------------------------------------
    p_items = np.array([0.66, 0.13, 0.08, 0.05, 0.03, 0.02, 0.015, 0.01, 0.005])
    k_est = float((p_items * np.arange(1, 10)).sum() / p_items.sum())
    n_decl = int(n / k_est * 1.1) + 16
    items = 1 + _choice(rng, p_items, n_decl)
    cum = np.cumsum(items)
    while cum[-1] < n:  # pragma: no cover - the margin above makes this rare
        items = np.concatenate([items, np.ones(n, dtype=np.int64)])
        cum = np.cumsum(items)
    n_decl = int(np.searchsorted(cum, n) + 1)
    items = items[:n_decl]
    items[-1] -= int(cum[n_decl - 1] - n)

    weights = _activity_weights(imp, n_days, fraud_rate)
    d_imp = np.searchsorted(np.cumsum(weights), rng.random(n_decl) * (1 - 1e-12))
    d_imp = np.minimum(d_imp, n_imp - 1).astype(np.int64)
    first = np.maximum(imp.start[d_imp], 0)
    day = first + (rng.random(n_decl) * (n_days - first)).astype(np.int64)
    # Fewer declarations at weekends: most move to the next Monday.
    weekday = ((t0 + day.astype("timedelta64[D]")).astype(np.int64) + 3) % 7
    shift = (weekday >= 5) & (rng.random(n_decl) < 0.75)
    moved = day + (7 - weekday)
    day = np.where(shift & (moved < n_days), moved, day)

    slot0 = (rng.random(n_decl) * imp.k[d_imp]).astype(np.int64)
    good0 = imp.basket[d_imp, slot0]
    origin0 = imp.basket_origin[d_imp, slot0]
    other = rng.random(n_decl) < 0.12
    alt = c.origin[good0, rows_pick(c.origin_cum[good0], rng.random(n_decl))]
    origin0 = np.where(other, alt, origin0)

    departure = _departures(rng, c, origin0)
    dep_region = c.country_region[departure]
    mode_w = (
        c.transport[good0]
        * np.array([REGION_MODE_FACTOR[r] for r in REGIONS])[dep_region]
        + 1e-9
    )
    mode = weighted_rows(rng, mode_w)

    office = _offices(rng, c, imp.region[d_imp], mode, dep_region)
    # Number declarations the way customs does: office/DDMMYY/serial, the
    # serial counting up per office and year in date order.
    order = np.lexsort((rng.random(n_decl), office, day))
    d_imp, day, items, slot0, origin0, departure, dep_region, mode, office = (
        a[order]
        for a in (
            d_imp,
            day,
            items,
            slot0,
            origin0,
            departure,
            dep_region,
            mode,
            office,
        )
    )
    dates = t0 + day.astype("timedelta64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64)
    key = office * 10_000 + (year - year.min())
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run = np.arange(n_decl) - np.repeat(starts, np.diff(np.r_[starts, n_decl]))
    serial = np.empty(n_decl, dtype=np.int64)
    serial[by_key] = run + 1

    broker = imp.broker[d_imp]
    other_broker = rng.random(n_decl) < 0.15
    broker = np.where(
        (broker >= 0) & other_broker, rng.integers(0, n_brokers, n_decl), broker
    )
    english = np.where(broker >= 0, broker_english[np.maximum(broker, 0)], 0.3)
    lang = (rng.random(n_decl) >= english).astype(np.int64)  # 0 en, 1 ru
    procedure = _choice(rng, (0.94, 0.035, 0.025), n_decl)
    payment = np.where(
        rng.random(n_decl) < 0.8,
        imp.payment[d_imp],
        _choice(rng, (0.55, 0.2, 0.08, 0.12, 0.05), n_decl),
    )
    use = np.where(
        rng.random(n_decl) < 0.9, imp.use[d_imp], _choice(rng, (0.8, 0.1, 0.1), n_decl)
    )
    currency = _currencies(rng, dep_region)

    # ---- goods items: the honest truth -----------------------------------
    it_decl = np.repeat(np.arange(n_decl), items)
    item_no = np.arange(n) - np.repeat(_cum_start(items), items) + 1
    it_imp = d_imp[it_decl]
    # Further items mostly come from the same supplier country: prefer the
    # basket slots whose usual origin is the shipment's origin.
    ship_origin = origin0[it_decl]
    slot = slot0[it_decl]
    later = np.flatnonzero(item_no > 1)
    imp_l = it_imp[later]
    in_basket = np.arange(_MAX_BASKET)[None, :] < imp.k[imp_l][:, None]
    same = in_basket & (imp.basket_origin[imp_l] == ship_origin[later, None])
    keep = same.any(axis=1) & (rng.random(len(later)) < 0.85)
    slot[later] = weighted_rows(rng, np.where(keep[:, None], same, in_basket) * 1.0)
    del in_basket, same, keep
    good = imp.basket[it_imp, slot]
    origin = ship_origin.copy()
    typical = (c.origin[good[later]] == ship_origin[later, None]).any(axis=1)
    own = ~typical | (rng.random(len(later)) >= 0.85)
    origin[later[own]] = imp.basket_origin[it_imp[later[own]], slot[later[own]]]
    variant = np.where(
        rng.random(n) < 0.6,
        imp.basket_variant[it_imp, slot],
        (rng.random(n) * c.var_count[good]).astype(np.int64),
    )
    spec = (rng.random(n) * c.spec_count[good]).astype(np.int64)

    size_term = 0.15 * np.log(imp.size[it_imp])
    log_mass = c.log_mass[good] + c.mass_sd[good] * rng.standard_normal(n) + size_term
    newcomer_item = imp.newcomer[it_imp]
    log_mass += np.where(newcomer_item, rng.uniform(np.log(2.5), np.log(7.0), n), 0.0)

    # Small consignments: express air parcels and post.
    it_mode = mode[it_decl]
    express = (mode == 3) & (rng.random(n_decl) < 0.35)
    log_mass -= np.select(
        [express[it_decl], it_mode == 4], [np.log(40), np.log(100)], 0.0
    )

    # Honest oddities: used goods and trade samples say so in the text;
    # some cheap lots (clearance, seconds) do not.
    r = rng.random(n)
    durable = np.isin(c.sector[good], [c.sectors.index(x) for x in _DURABLE_SECTORS])
    flavour = np.where(
        (r < 0.012) & durable,
        USED,
        np.where((r > 0.994) & ~c.bulk[good], SAMPLES, PLAIN),
    )
    cheap_factor = np.ones(n)
    cheap_factor[flavour == USED] = rng.uniform(0.25, 0.6, (flavour == USED).sum())
    is_sample = flavour == SAMPLES
    cheap_factor[is_sample] = rng.uniform(0.1, 0.4, is_sample.sum())
    log_mass[is_sample] -= np.log(50)
    quiet = (flavour == PLAIN) & (rng.random(n) < 0.015)
    cheap_factor[quiet] = rng.uniform(0.3, 0.65, quiet.sum())
    flavour[(flavour == PLAIN) & (rng.random(n) < 0.08)] = TERSE

    mass = np.maximum(np.round(np.exp(log_mass), 3), 0.01)
    region_price = np.array([_REGION_PRICE.get(rg, 0.0) for rg in REGIONS])
    log_price = (
        c.log_price[good]
        + c.var_log_mult[c.var_start[good] + variant]
        + imp.price_level[it_imp]
        + region_price[c.country_region[origin]]
        + c.price_sd[good] * rng.standard_normal(n)
    )
    value_usd = mass * np.exp(log_price) * cheap_factor

    quantity = _quantity(rng, c, good, mass)
    unit = c.unit[good]

    mfn = c.rate[good]
    regime = c.country_regime[origin]
    it_proc = procedure[it_decl]
    claim = (regime != MFN) & (mfn > 0) & (rng.random(n) < 0.9)
    tax_type = np.where(claim, regime, MFN)  # 0 MFN, 1 FTA, 2 GSP
    tax_type = np.where(it_proc != 0, 3, tax_type)
    rate = applied_rate(mfn, tax_type)
    indicator = _indicators(rng, regime, claim)
    honest_rate = rate.copy()

    # ---- fraud -----------------------------------------------------------
    plan = plan_fraud(
        rng,
        c,
        fraud_rate=fraud_rate,
        it_decl=it_decl,
        d_imp=d_imp,
        repeat=imp.repeat,
        newcomer=imp.newcomer,
        propensity=imp.propensity,
        it_proc=it_proc,
        good=good,
        origin=origin,
        tax_type=tax_type,
        rate=rate,
        payment=payment[it_decl],
        complicity=np.where(broker >= 0, broker_complicit[np.maximum(broker, 0)], 1.0)[
            it_decl
        ],
    )
    mech = plan.mechanic
    declared_good = good.copy()
    declared_origin = origin.copy()
    declared_value = value_usd.copy()
    # Undervaluation: one invoice factor per declaration, a little jitter.
    uv = mech == UNDERVALUATION
    factor = np.select(
        [plan.scheme == REPEAT, plan.scheme == NEWCOMER],
        [
            rng.uniform(0.35, 0.75, n_decl)[it_decl],
            rng.uniform(0.3, 0.7, n_decl)[it_decl],
        ],
        rng.uniform(0.1, 0.5, n_decl)[it_decl],
    )
    declared_value[uv] *= factor[uv] * np.exp(0.05 * rng.standard_normal(uv.sum()))
    # Origin misdeclaration: claim a preferential origin and its rate, with
    # a real, a missing or an invoice-only proof; some re-ship the goods
    # through the claimed country so that departure matches.
    om = mech == ORIGIN
    fake = np.full(n, -1, dtype=np.int64)
    fake[om] = fake_origins(rng, c, good[om], origin[om], it_decl[om])
    declared_origin[om] = fake[om]
    fake_regime = c.country_regime[declared_origin]
    tax_type[om] = fake_regime[om]
    cert = np.where(fake_regime == GSP, GSP_CERT, FTA_CERT)
    ind_pick = _choice(rng, (0.40, 0.35, 0.25), n)
    indicator[om] = np.select(
        [ind_pick == 0, ind_pick == 1], [cert, INVOICE], _NO_INDICATOR
    )[om]
    first_om = _first_in_group(it_decl, om, n_decl)
    tranship = (first_om >= 0) & (rng.random(n_decl) < 0.4)
    departure[tranship] = fake[first_om[tranship]]
    # Misclassification: declare the lower-duty subheading; the text and the
    # value per kg still belong to the true goods.
    mc = mech == MISCLASS
    declared_good[mc] = c.decoy[good[mc]]
    rate = applied_rate(c.rate[declared_good], tax_type)
    flavour[mc & (flavour == PLAIN) & (rng.random(n) < 0.5)] = TERSE
    quantity, unit = _requantify(c, good, declared_good, mass, quantity, unit, mc)

    # ---- money -------------------------------------------------------------
    usd = np.array([USD_PER_UNIT[k] for k in CURRENCIES])[currency[it_decl]]
    customs_value = np.maximum(np.round(declared_value / usd, 2), 0.01)
    duty = np.round(customs_value * rate / 100, 2)
    true_duty = value_usd / usd * honest_rate / 100
    evaded = np.round(true_duty - duty, 2)
    planted = mech >= 0
    evaded = np.where(planted, np.maximum(evaded, 0.01), 0.0)

    label = planted.copy()
    # An inspection misses a whole declaration, not one of its items.
    missed = planted & (rng.random(n_decl) < MISSED)[it_decl]
    label[missed] = False
    false_hit = ~planted & (it_proc == 0) & (rng.random(n) < false_hits(fraud_rate))
    label[false_hit] = True
    revenue = np.where(planted & ~missed, evaded, 0.0)
    revenue = np.where(
        false_hit, np.round(duty * rng.uniform(0.02, 0.2, n), 2), revenue
    )

    # Express couriers carry the small air consignments; the post, the post.
    import_type = np.where(mode == 4, 2, np.where(express, 1, 0))
    n_couriers = 5
    courier = np.where(
        mode == 4,
        n_couriers,
        np.where(express, _choice(rng, (0.35, 0.25, 0.2, 0.12, 0.08), n_decl), -1),
    )

    # ---- identifiers and strings -------------------------------------------
    home = make_bins(
        rng,
        np.concatenate([imp.reg_year, rng.integers(1996, 2020, n_brokers + 6)]),
        np.concatenate([imp.reg_month, rng.integers(1, 13, n_brokers + 6)]),
    )
    importer_ids = home[:n_imp]
    broker_ids = home[n_imp : n_imp + n_brokers]
    courier_ids = home[n_imp + n_brokers :]
    declarant_ids = pa.array(broker_ids + importer_ids)
    declarant = np.where(broker >= 0, broker, n_brokers + d_imp)

    seller_local = _sellers(rng, imp, d_imp, departure)
    sellers = np.unique(np.stack([departure, seller_local]), axis=1)
    seller_code = np.searchsorted(
        sellers[0] * 1_000_000 + sellers[1], departure * 1_000_000 + seller_local
    )
    seller_strings = pa.array(
        [seller_id(c.countries[int(a)], int(b)) for a, b in sellers.T]
    )

    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    month_no = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    yy = (year + 1970) % 100
    office_codes = pa.array([o.code for o in OFFICES])
    decl_id = pc.binary_join_element_wise(
        office_codes.take(pa.array(office)),
        pc.utf8_lpad(
            pc.cast(pa.array(day_of_month * 10_000 + month_no * 100 + yy), pa.string()),
            6,
            "0",
        ),
        pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 7, "0"),
        "/",
    )
    at = pa.array(it_decl)

    def strings(values: list[str], idx: Ints) -> pa.Array:
        mask = idx < 0
        return pa.array(values).take(
            pa.array(np.maximum(idx, 0), mask=mask if mask.any() else None)
        )

    desc = description_index(c, good, variant, spec, flavour, lang[it_decl])
    countries = c.countries
    columns: dict[str, pa.Array] = {
        "declaration_id": decl_id.take(at),
        "item_no": pa.array(item_no.astype(np.int32)),
        "date": pa.array(dates.astype("datetime64[D]")[it_decl]),
        "office_id": office_codes.take(pa.array(office[it_decl])),
        "procedure": strings(list(PROCEDURES), procedure[it_decl]),
        "import_type": strings(list(IMPORT_TYPES), import_type[it_decl]),
        "import_use": strings(list(IMPORT_USES), use[it_decl]),
        "payment_type": strings(list(PAYMENT_TYPES), payment[it_decl]),
        "transport_mode": strings(list(MODES), mode[it_decl]),
        "declarant_id": declarant_ids.take(pa.array(declarant[it_decl])),
        "importer_id": pa.array(importer_ids).take(pa.array(it_imp)),
        "seller_id": seller_strings.take(pa.array(seller_code[it_decl])),
        "courier_id": strings(courier_ids, courier[it_decl]),
        "hs_code": strings(c.hs6, declared_good),
        "description": strings(c.descriptions, desc),
        "country_origin": strings(countries, declared_origin),
        "country_departure": strings(countries, departure[it_decl]),
        "origin_indicator": strings(list(ORIGIN_INDICATORS), indicator),
        "net_mass_kg": pa.array(mass),
        "quantity": pa.array(quantity, mask=np.isnan(quantity)),
        "quantity_unit": strings(c.units, unit),
        "customs_value": pa.array(customs_value),
        "currency": strings(list(CURRENCIES), currency[it_decl]),
        "tax_rate": pa.array(np.round(rate, 2)),
        "tax_type": strings(list(TAX_TYPES), tax_type),
        "duty": pa.array(duty),
        "fraud": pa.array(label.astype(np.int32)),
        "additional_revenue": pa.array(revenue),
        "scheme": strings(list(SCHEMES), plan.scheme),
    }
    return pa.table(columns)


def _cum_start(counts: Ints) -> Ints:
    """Start offset of each run of ``counts``."""
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _departures(rng: np.random.Generator, c: Compiled, origin: Ints) -> Ints:
    """Country of dispatch: the origin, or for some goods a transit hub."""
    cidx = {code: i for i, code in enumerate(c.countries)}
    out = origin.copy()
    region = c.country_region[origin]
    u, pick = rng.random(len(origin)), rng.random(len(origin))
    for r, name in enumerate(REGIONS):
        p, hubs = REGION_TRANSIT[name]
        rows = (region == r) & (u < p)
        if rows.any():
            codes = np.array([cidx[h] for h in hubs])
            out[rows] = codes[(pick[rows] * len(codes)).astype(np.int64)]
    return out


def _offices(
    rng: np.random.Generator, c: Compiled, home: Ints, mode: Ints, dep_region: Ints
) -> Ints:
    """Clearance office: the importer's inland office or the border post."""
    code = {o.code: i for i, o in enumerate(OFFICES)}
    inland = np.array(
        [
            next(i for i, o in enumerate(OFFICES) if o.region == region)
            for region, _ in HOME_REGIONS
        ]
    )
    route = np.array([REGION_ROUTE.get(r, "north") for r in REGIONS])[dep_region]
    south_home = np.isin(
        home, [i for i, (r, _) in enumerate(HOME_REGIONS) if r in SOUTHERN_HOME_REGIONS]
    )
    u = rng.random(len(home))
    airport = np.where(
        south_home,
        np.where(u < 0.85, code["56201"], code["56202"]),
        np.where(u < 0.6, code["56202"], code["56201"]),
    )
    rail_east = np.where(u < 0.5, code["56102"], code["56103"])
    land_east = np.where(mode == 1, rail_east, code["56101"])
    border = np.select(
        [mode == 0, mode == 4, mode == 3, route == "east", route == "south"],
        [code["56401"], code["56601"], airport, land_east, code["56301"]],
        code["56501"],
    )
    at_home = (rng.random(len(home)) < 0.55) & (mode != 4)
    return np.where(at_home, inland[home], border).astype(np.int64)


def _currencies(rng: np.random.Generator, dep_region: Ints) -> Ints:
    w = np.array([REGION_CURRENCY.get(r, DEFAULT_CURRENCY) for r in REGIONS])
    return weighted_rows(rng, w[dep_region])


def _quantity(
    rng: np.random.Generator, c: Compiled, good: Ints, mass: Floats
) -> Floats:
    """Supplementary quantity from the net mass; NaN for goods without one."""
    q = mass / c.kg_per_unit[good] * np.exp(0.05 * rng.standard_normal(len(good)))
    return _round_quantity(c, c.unit[good], q)


def _round_quantity(c: Compiled, unit: Ints, q: Floats) -> Floats:
    pieces = np.isin(unit, [c.units.index(u) for u in _PIECE_UNITS if u in c.units])
    rounded = np.where(
        pieces, np.maximum(np.round(q), 1.0), np.maximum(np.round(q, 2), 0.01)
    )
    return np.where(unit < 0, np.nan, rounded).astype(np.float64)


def _requantify(
    c: Compiled,
    good: Ints,
    declared: Ints,
    mass: Floats,
    quantity: Floats,
    unit: Ints,
    rows: Bools,
) -> tuple[Floats, Ints]:
    """Quantity and unit in terms of the declared (not the true) subheading."""
    new_unit = np.where(rows, c.unit[declared], unit)
    changed = rows & (new_unit != unit)
    q = quantity.copy()
    q[changed] = _round_quantity(
        c, new_unit[changed], mass[changed] / c.kg_per_unit[declared[changed]]
    )
    return q, new_unit


def _indicators(rng: np.random.Generator, regime: Ints, claim: Bools) -> Ints:
    """How origin is evidenced: certificates for claims, weaker proof else."""
    n = len(regime)
    cert = np.where(regime == GSP, GSP_CERT, FTA_CERT)
    claimed = np.select(
        [rng.random(n) < 0.88, rng.random(n) < 0.7], [cert, INVOICE], _NO_INDICATOR
    )
    plain = _choice(rng, (0.3, 0.55, 0.15), n)
    plain = np.select([plain == 0, plain == 1], [GEN_CERT, INVOICE], _NO_INDICATOR)
    return np.where(claim, claimed, plain).astype(np.int64)


def _sellers(
    rng: np.random.Generator, imp: _Importers, d_imp: Ints, departure: Ints
) -> Ints:
    """Seller per declaration, local to the departure country: each importer
    has a usual seller per country and sometimes buys elsewhere."""
    n_decl = len(d_imp)
    per_country = np.bincount(departure)
    pool = np.maximum(2, np.ceil(per_country / 25)).astype(np.int64)[departure]
    usual = (imp.seed[d_imp] * 2_654_435_761 + departure * 97) % (2**31)
    other = rng.integers(0, 2**31, n_decl)
    seller: Ints = np.where(rng.random(n_decl) < 0.2, other, usual) % pool
    return seller
