"""Customs declarations of a simulated economy's importers and exporters.

Every shipment (import from or export to a party across a customs border)
becomes one declaration of one to three goods items, in the columns of the
``declarations`` entity plus the outcome columns, like the declarations
simulator's output. The goods, their value per kg, duty rates and
descriptions come from the same catalogue, so the declarations agent scores
them on the same footing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sarap.simulate._catalogue import MODES, USD_PER_UNIT
from sarap.simulate._compiled import (
    FTA,
    GSP,
    MFN,
    PLAIN,
    Compiled,
    Floats,
    Ints,
    applied_rate,
    description_index,
    rows_pick,
    weighted_rows,
)
from sarap.simulate._economy_world import (
    CUSTOMS_BROKER,
    ECONOMY_COUNTRIES,
    ECONOMY_SCHEMES,
    PRODUCER,
    SERVICE_CODES,
    World,
    activity_codes,
    choice,
    goods_of,
    runs,
    russian_docs,
)

# ISO 3166 numeric codes, the first digits of each country's office codes.
_NUMERIC = {
    "KZ": "398",
    "KG": "417",
    "RU": "643",
    "BY": "112",
    "AM": "051",
    "UZ": "860",
    "CN": "156",
    "TR": "792",
    "TJ": "762",
    "AZ": "031",
    "GE": "268",
    "MN": "496",
}
_OFFICES_PER_COUNTRY = 6
_CURRENCIES = tuple(USD_PER_UNIT)  # USD, EUR, CNY, RUB, KZT
_PIECE_UNITS = frozenset({"H87", "NPR"})


@dataclass
class Customs:
    """The declarations table and, per import item, the import VAT that the
    declarant deducts (in its national currency) and when."""

    table: pa.Table
    vat_party: Ints
    vat_day: Ints
    vat_local: Floats


def declarations(
    rng: np.random.Generator,
    c: Compiled,
    w: World,
    ship: dict[str, np.ndarray],
    ids: pa.Array,
    country_codes: pa.Array,
) -> Customs:
    """Declarations of the shipments ``ship`` (see ``Flows.add_shipments``)."""
    n_ship = len(ship.get("day", ()))
    if n_ship == 0:
        return _empty(c)
    declarant = ship["declarant"].astype(np.int64)
    partner = ship["partner"].astype(np.int64)
    day = ship["day"].astype(np.int64)
    export = ship["export"].astype(bool)
    home = w.country[declarant]

    # Offices: each declarant mostly uses one of its country's offices.
    usual = (declarant * 2_654_435_761) % _OFFICES_PER_COUNTRY
    office = np.where(
        rng.random(n_ship) < 0.75, usual, rng.integers(0, _OFFICES_PER_COUNTRY, n_ship)
    )
    office = home * _OFFICES_PER_COUNTRY + office
    offices = [
        f"{_NUMERIC.get(x, '999')}{k + 1:02d}"
        for x in w.countries[: w.n_economy_countries]
        for k in range(_OFFICES_PER_COUNTRY)
    ]
    # Date, then office code, as the declaration numbers sort.
    rank = np.argsort(np.argsort(offices))
    key = (day * len(offices) + rank[office]) << 32
    order = np.argsort(key + rng.integers(0, 2**32, n_ship))
    del key
    declarant, partner, day, export, home, office = (
        a[order] for a in (declarant, partner, day, export, home, office)
    )
    usd = ship["usd"][order]
    factor = ship["declared_factor"][order]
    scheme = ship["scheme"][order].astype(np.int64)
    good0 = ship["good"][order].astype(np.int64)
    dates = w.t0 + day.astype("timedelta64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64)
    key = office * 1000 + (year - year.min())
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run = np.arange(n_ship) - np.repeat(starts, np.diff(np.r_[starts, n_ship]))
    serial = np.empty(n_ship, dtype=np.int64)
    serial[by_key] = run + 1

    # -- goods items --------------------------------------------------------
    u = rng.random(n_ship)
    items = 1 + (u < 0.25) + (u < 0.08)
    it, pos = runs(items)
    n = len(it)
    good = np.where(pos == 0, good0[it], goods_of(rng, c, c.sector[good0[it]]))
    share = np.exp(0.6 * rng.standard_normal(n))
    true_usd = usd[it] * share / np.bincount(it, weights=share)[it]
    log_price = c.log_price[good] + c.price_sd[good] * rng.standard_normal(n)
    mass = np.maximum(np.round(true_usd / np.exp(log_price), 3), 0.01)
    declared_usd = true_usd * factor[it]

    k_econ = w.n_economy_countries
    cur_home = np.array(
        [
            _CURRENCIES.index(ECONOMY_COUNTRIES[x].currency)
            if ECONOMY_COUNTRIES[x].currency in _CURRENCIES
            else 0
            for x in w.countries[:k_econ]
        ]
    )[home]
    pick = choice(rng, (0.86, 0.06, 0.04, 0.04), n_ship)
    currency = np.select([pick == 1, pick == 2, pick == 3], [1, 2, cur_home], 0).astype(
        np.int64
    )
    usd_per = np.array([USD_PER_UNIT[k] for k in _CURRENCIES])[currency][it]
    value = np.maximum(np.round(declared_usd / usd_per, 2), 0.01)
    true_value = true_usd / usd_per

    # -- origin and duty ----------------------------------------------------
    all_country = w.all_country()
    partner_country = all_country[partner]
    cat_index = {code: i for i, code in enumerate(c.countries)}
    to_cat = np.array([cat_index.get(code, -1) for code in w.countries])
    typical = c.origin[good, rows_pick(c.origin_cum[good], rng.random(n))]
    # Goods bought outside the economy come from their usual origins (some
    # from the seller's country); goods of economy firms are their own.
    typical_origin = (partner[it] >= w.n) & ~export[it] & (rng.random(n) >= 0.15)
    origin_at = np.where(export[it], home[it], partner_country[it])
    origin_cat = np.where(typical_origin, typical, to_cat[origin_at])
    regime = np.where(origin_cat >= 0, c.country_regime[np.maximum(origin_cat, 0)], MFN)
    mfn = c.rate[good]
    claim = (regime != MFN) & (mfn > 0) & (rng.random(n) < 0.9) & ~export[it]
    tax_type = np.where(claim, regime, MFN)
    rate = np.where(export[it], 0.0, applied_rate(mfn, tax_type))
    duty = np.round(value * rate / 100, 2)
    vat_home = np.array([ECONOMY_COUNTRIES[x].vat_rate for x in w.countries[:k_econ]])[
        home[it]
    ]

    # -- outcomes: the planted over- and undervaluation ---------------------
    planted = scheme[it] >= 0
    gap = np.abs(true_value - value)
    evaded = np.where(
        export[it],
        gap * vat_home / 100,  # VAT refund claimed on the inflated part
        gap * rate / 100 + gap * (1 + rate / 100) * vat_home / 100,
    )
    revenue = np.where(planted, np.maximum(np.round(evaded, 2), 0.01), 0.0)

    # -- import VAT, deducted by the importer in its own currency -----------
    imp = np.flatnonzero(~export[it])
    home_usd = np.array(
        [ECONOMY_COUNTRIES[x].usd_per_unit for x in w.countries[:k_econ]]
    )[home[it[imp]]]
    vat_local = (value[imp] + duty[imp]) * vat_home[imp] / 100 * usd_per[imp] / home_usd

    # -- declarants: customs brokers of the country, or the firm itself -----
    codes = activity_codes()
    broker_code = codes.index(SERVICE_CODES[CUSTOMS_BROKER])
    brokers = np.flatnonzero(w.activity == broker_code)
    brokers = brokers[np.argsort(w.country[brokers], kind="stable")]
    per = np.bincount(w.country[brokers], minlength=k_econ)
    first = np.concatenate([[0], np.cumsum(per)[:-1]])
    usual_broker = first[home] + (declarant * 40_503) % np.maximum(per[home], 1)
    via = (per[home] > 0) & ((declarant * 7_919) % 10 < 6)
    lodged_by = declarant.copy()
    lodged_by[via] = brokers[usual_broker[via]]

    # -- strings --------------------------------------------------------------
    at = pa.array(it)
    office_codes = pa.array(offices)
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    month_no = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    yy = (year + 1970) % 100
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
    lang = russian_docs(w)[home[it]].astype(np.int64)
    variant = (rng.random(n) * c.var_count[good]).astype(np.int64)
    spec = (rng.random(n) * c.spec_count[good]).astype(np.int64)
    desc = description_index(c, good, variant, spec, np.full(n, PLAIN), lang)
    mode = weighted_rows(rng, c.transport[good0] + 1e-9)
    quantity, unit = _quantity(rng, c, good, mass)
    use = np.where(w.sector[declarant] == PRODUCER, 1, 0)
    payment = choice(rng, (0.6, 0.2, 0.08, 0.12), n_ship)
    indicator = np.select(
        [tax_type == FTA, tax_type == GSP, rng.random(n) < 0.4],
        [0, 1, 2],
        3,
    )
    cat_countries = pa.array(c.countries)
    origin = pc.if_else(
        pa.array(typical_origin),
        cat_countries.take(pa.array(typical)),
        country_codes.take(pa.array(origin_at)),
    )
    departure_idx = np.where(export[it], home[it], partner_country[it])

    def strings(values: list[str] | tuple[str, ...], idx: Ints) -> pa.Array:
        mask = idx < 0
        return pa.array(list(values)).take(
            pa.array(np.maximum(idx, 0), mask=mask if mask.any() else None)
        )

    exp_item = export[it]
    nulls = np.where(exp_item, -1, 0)
    columns: dict[str, pa.Array] = {
        "declaration_id": decl_id.take(at),
        "item_no": pa.array((pos + 1).astype(np.int32)),
        "date": pa.array(dates.astype("datetime64[D]")[it]),
        "office_id": office_codes.take(pa.array(office[it])),
        "procedure": strings(("IM40", "EX10"), exp_item.astype(np.int64)),
        "import_type": strings(("GEN",), nulls),
        "import_use": strings(
            ("RESALE", "PRODUCTION"), np.where(exp_item, -1, use[it])
        ),
        "payment_type": strings(("TT", "PREPAY", "LC", "DEFER"), payment[it]),
        "transport_mode": strings(MODES, mode[it]),
        "declarant_id": ids.take(pa.array(lodged_by[it])),
        "importer_id": ids.take(pa.array(declarant[it])),
        "seller_id": ids.take(pa.array(partner[it])),
        "courier_id": pa.nulls(n, pa.string()),
        "hs_code": strings(c.hs6, good),
        "description": strings(c.descriptions, desc),
        "country_origin": origin,
        "country_departure": country_codes.take(pa.array(departure_idx)),
        "origin_indicator": strings(
            ("FTA_CERT", "GSP_CERT", "GEN_CERT", "INVOICE"),
            np.where(exp_item, -1, indicator),
        ),
        "net_mass_kg": pa.array(mass),
        "quantity": pa.array(quantity, mask=np.isnan(quantity)),
        "quantity_unit": strings(c.units, unit),
        "customs_value": pa.array(value),
        "currency": strings(_CURRENCIES, currency[it]),
        "tax_rate": pa.array(np.round(rate, 2)),
        "tax_type": strings(("MFN", "FTA", "GSP"), np.where(exp_item, -1, tax_type)),
        "duty": pa.array(duty),
        "fraud": pa.array(planted.astype(np.int32)),
        "additional_revenue": pa.array(revenue),
        "scheme": strings(ECONOMY_SCHEMES, scheme[it]),
    }
    return Customs(
        table=pa.table(columns),
        vat_party=declarant[it[imp]],
        vat_day=day[it[imp]],
        vat_local=np.asarray(vat_local, dtype=np.float64),
    )


def _quantity(
    rng: np.random.Generator, c: Compiled, good: Ints, mass: Floats
) -> tuple[Floats, Ints]:
    """Supplementary quantity from the net mass (NaN when the goods have no
    supplementary unit) and its unit."""
    unit = c.unit[good]
    q = mass / c.kg_per_unit[good] * np.exp(0.05 * rng.standard_normal(len(good)))
    pieces = np.isin(unit, [c.units.index(u) for u in _PIECE_UNITS if u in c.units])
    rounded = np.where(
        pieces, np.maximum(np.round(q), 1.0), np.maximum(np.round(q, 2), 0.01)
    )
    return np.where(unit < 0, np.nan, rounded).astype(np.float64), unit


def _empty(c: Compiled) -> Customs:
    from sarap.simulate._declarations import OUTCOME_COLUMNS
    from sarap.store import ENTITIES

    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DATE": pa.date32()}
    fields = [
        pa.field(f.name, types.get(f.type, pa.float64()))
        for f in ENTITIES["declarations"].fields
    ]
    fields += [
        pa.field(OUTCOME_COLUMNS[0], pa.int32()),
        pa.field(OUTCOME_COLUMNS[1], pa.float64()),
        pa.field(OUTCOME_COLUMNS[2], pa.string()),
    ]
    empty = np.zeros(0, dtype=np.int64)
    return Customs(
        table=pa.schema(fields).empty_table(),
        vat_party=empty,
        vat_day=empty,
        vat_local=np.zeros(0),
    )
