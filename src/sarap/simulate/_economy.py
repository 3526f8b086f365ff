"""A simulated multi-country e-invoice economy with planted tax fraud.

The simulation runs in vectorised passes over arrays of parties, invoices and
shipments (no Python loop over either):

1. *Taxpayers*: country, sector, goods sector, size, registration, director,
   address and bank account, with honest oddities (holdings under one
   director, business-centre addresses, thin-margin distributors, new big
   firms, firms that close).
2. *Roles*: the members of every fraud ring are cast and rewritten for their
   role (shells become young firms without staff that take no part in
   honest trade).
3. *Honest trade*: sticky supplier relationships along supply chains,
   amounts balanced to each firm's turnover and margin, spread over monthly
   invoices; imports and exports with the rest of the world.
4. *Schemes*: the rings' invoices and shipments.
5. *Tables*: invoices as ledger records, customs declarations, VAT returns
   computed from the ledgers and customs, and the ground truth.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from sarap.simulate._compiled import Floats, Ints, compiled
from sarap.simulate._declarations import start_day
from sarap.simulate._economy_customs import Customs, declarations
from sarap.simulate._economy_schemes import cast_roles, plant_schemes, settle_shells
from sarap.simulate._economy_trade import active_share, honest_trade, rest_of_world
from sarap.simulate._economy_world import (
    ECONOMY_COUNTRIES,
    ECONOMY_SCHEMES,
    ROLES,
    SECTOR_NAMES,
    SELL_ECON,
    SIZE_NAMES,
    USD,
    Flows,
    Pickers,
    World,
    activity_codes,
    bin_numbers,
    build_world,
)

DEFAULT_COUNTRIES: tuple[str, ...] = ("KZ", "KG", "RU", "BY", "AM", "UZ", "CN", "TR")
MIN_TAXPAYERS = 100
# Honest invoices between the economy's taxpayers, per taxpayer and year;
# each is recorded by both sides. With exports and the schemes, the invoices
# table has about 50 records per taxpayer and year.
_INVOICES_PER_TAXPAYER_YEAR = 22.0


@dataclass(frozen=True)
class Economy:
    """The tables of a simulated economy (see :func:`simulate_economy`).

    Attributes
    ----------
    parties, invoices, vat_returns, declarations, labels, invoice_labels,
    exchange_rates : pyarrow.Table
        The economy's taxpayers, e-invoice ledger records, monthly VAT
        returns, customs declarations, the ground truth per taxpayer and per
        invoice, and the (fixed) exchange rates of its currencies.
    """

    parties: pa.Table
    invoices: pa.Table
    vat_returns: pa.Table
    declarations: pa.Table
    labels: pa.Table
    invoice_labels: pa.Table
    exchange_rates: pa.Table

    def tables(self) -> dict[str, pa.Table]:
        """The tables by name, in the order they are written."""
        return {
            "parties": self.parties,
            "invoices": self.invoices,
            "vat_returns": self.vat_returns,
            "declarations": self.declarations,
            "labels": self.labels,
            "invoice_labels": self.invoice_labels,
            "exchange_rates": self.exchange_rates,
        }

    def scheme_sizes(self) -> dict[str, int]:
        """Taxpayers per planted scheme, in the order of ``ECONOMY_SCHEMES``."""
        counts = pc.value_counts(self.labels.column("scheme").drop_null())
        got = {str(x["values"]): int(x["counts"]) for x in counts.to_pylist()}
        return {s: got[s] for s in ECONOMY_SCHEMES if s in got}

    def summary(self) -> list[str]:
        """A few lines: rows per table, taxpayers per scheme."""
        lines = [
            f"{name:<16}{t.num_rows:>14,} rows" for name, t in self.tables().items()
        ]
        sizes = self.scheme_sizes()
        n, fraud = self.parties.num_rows, sum(sizes.values())
        share = 100 * fraud / max(n, 1)
        lines.append(f"fraudulent taxpayers: {fraud:,} of {n:,} ({share:.1f} %)")
        lines += [f"  {scheme:<20}{count:>10,}" for scheme, count in sizes.items()]
        return lines


def simulate_economy(
    taxpayers: int,
    months: int = 12,
    seed: int = 0,
    start: str = "2024-01-01",
    countries: tuple[str, ...] | list[str] = DEFAULT_COUNTRIES,
) -> Economy:
    """Simulate an e-invoice economy of several countries with planted fraud.

    Taxpayers import (through customs), wholesale, retail, produce, serve and
    export; they invoice each other monthly along supply chains with sticky
    counterparties, both sides record each invoice (the seller in its sales
    book, the buyer in its purchase book) and file monthly VAT returns. A few
    percent of them run one of six schemes, with the truth recorded per
    taxpayer and per invoice.

    Parameters
    ----------
    taxpayers : int
        Number of taxpayers (at least 100).
    months : int, default 12
        Length of the period in calendar months.
    seed : int, default 0
        Seed of the random generator; the same arguments give the same
        tables.
    start : str, default "2024-01-01"
        First day of the period, ISO format.
    countries : sequence of str, default KZ, KG, RU, BY, AM, UZ, CN, TR
        ISO codes of the economy's countries (two or more of
        ``ECONOMY_COUNTRIES``). Trade partners outside them appear only in
        customs declarations and export invoices.

    Returns
    -------
    Economy
        Six pyarrow tables:

        - ``parties``: party_id, country, name, registration_date,
          activity_code, sector (import, wholesale, retail, producer,
          services, export), size (micro, small, medium, large), employees,
          director_id, address_id, bank_account; sorted by party_id.
        - ``invoices``: one row per ledger record: invoice_id, line_no (1),
          reported_by (``seller``: in the seller's sales book, ``buyer``: in
          the buyer's purchase book), issued_on, seller_id, buyer_id,
          seller_country, buyer_country, hs_code (null for services), amount
          (net), vat_rate (percent, 0 across borders), vat, currency. An
          honest invoice between two taxpayers has two records with the same
          figures; exports outside the economy only the seller's. Sorted by
          issued_on and invoice_id, the seller's record first. reported_by,
          seller_country, buyer_country and currency are dictionary-encoded
          (text in DuckDB, CSV, Parquet and pandas; a fraction of the
          memory).
        - ``vat_returns``: party_id, period (first day of the month),
          output_vat, input_vat, vat_payable (negative: refund claimed),
          vat_paid, in the party's currency; one row per month in which the
          party was active.
        - ``declarations``: customs declarations (IM40 imports, EX10
          exports) of the economy's taxpayers, with the columns of
          :func:`simulate_declarations` (``importer_id`` is the declaring
          taxpayer; for exports ``seller_id`` is the foreign buyer).
        - ``labels``: party_id, fraud (0/1), scheme (null when honest) and
          role in the scheme; one row per taxpayer.
        - ``invoice_labels``: invoice_id, scheme; one row per invoice of a
          scheme.

    Notes
    -----
    Domestic invoices are in the national currency at the national VAT rate
    (``ECONOMY_COUNTRIES``); invoices across borders are in US dollars at
    rate 0, and the buyer's country then charges import VAT at customs
    (declarations) or, inside the customs union, not at all in this model.
    ``output_vat`` is the VAT of the sales-book records plus the VAT on
    sales to final consumers, which are not invoiced (none for shells);
    ``input_vat`` is the VAT of the purchase-book records plus the import
    VAT of the month's import declarations, ``(customs_value + duty) *
    vat_rate / 100`` converted at the fixed rates; ``vat_paid`` is the
    positive part of ``vat_payable`` (a few honest late payers pay part of
    it in some months; missing traders pay nothing).

    Planted schemes (``ECONOMY_SCHEMES``), about 3 % of taxpayers:

    - ``carousel``: conduit (country Y) -> missing trader (X, cross-border,
      VAT 0) -> 1-3 buffers -> broker -> conduit (export, VAT 0), every 5-14
      days with the same valuable goods and near-equal amounts; missing
      traders pay no VAT and are replaced every few months; the broker
      claims refunds. Mostly inside the customs union.
    - ``missing_trader``: young shells that sell with VAT to real buyers for
      a few months, buy little (some VAT-free across a border), pay nothing,
      and are succeeded by a firm sharing their director or address.
    - ``one_day_firm``: young firms without staff issue fictitious invoices
      to beneficiaries (labelled too) and "buy" nearly as much from a
      technical firm that mostly never reports the sales; 30 % of the
      fictitious invoices appear only in the beneficiary's purchase book,
      a quarter of the others at a higher amount there.
    - ``export_refund``: exporters declare and invoice exports at 2.5-6
      times their value, buy at the inflated price from missing suppliers
      and claim the VAT back; a buyer inside the economy records the true
      amount.
    - ``undervalued_import``: imports declared at 20-50 % of their value,
      resold at the market price by the importer or a related reseller.
    - ``circular_trading``: related firms pass the same amount round a
      cycle within days, several times.

    Rings share directors, addresses and bank accounts far more often than
    honest firms do (honest holdings and business centres share them too).

    Examples
    --------
    >>> eco = simulate_economy(2000, months=3, seed=1)
    >>> eco.parties.num_rows
    2000
    >>> sorted(set(eco.invoices.column("reported_by").to_pylist()))
    ['buyer', 'seller']
    """
    codes, t0, n_days = _validate(taxpayers, months, start, countries)
    rng = np.random.default_rng(seed)
    c = compiled()
    w = build_world(rng, c, int(taxpayers), codes, n_days, t0)
    plan = cast_roles(rng, c, w)
    alive = active_share(w)
    pick = Pickers(
        w,
        sell_weight=w.turnover * SELL_ECON[w.sector] * w.trades * alive,
        buy_weight=w.turnover * w.buy_ratio * w.buys * alive,
    )
    flows = Flows()
    honest = _INVOICES_PER_TAXPAYER_YEAR * w.n * n_days / 365
    honest_trade(rng, c, w, pick, flows, honest)
    rest_of_world(rng, c, w, flows)
    plant_schemes(rng, c, w, plan, pick, flows)
    del pick

    inv = flows.take_invoices(w)
    settle_shells(rng, w, inv["seller"], inv["buyer"], inv["day"])
    ids = _party_ids(rng, w)
    country_codes = pa.array(list(w.countries))
    invoices, invoice_labels, books = _invoices(rng, w, inv, ids, country_codes)
    del inv
    customs = declarations(rng, c, w, flows.take_shipments(w), ids, country_codes)
    order = pc.sort_indices(ids.slice(0, w.n)).to_numpy().astype(np.int64)
    vat_returns = _vat_returns(w, ids, order, books, customs)
    return Economy(
        parties=_parties(rng, w, ids, country_codes, order),
        invoices=invoices,
        vat_returns=vat_returns,
        declarations=customs.table,
        labels=_labels(w, ids, order),
        invoice_labels=invoice_labels,
        exchange_rates=_exchange_rates(w, t0),
    )


def _exchange_rates(w: World, start: np.datetime64) -> pa.Table:
    """The fixed rates the economy was simulated with, from its first day."""
    codes = [
        ECONOMY_COUNTRIES[c].currency for c in w.countries[: w.n_economy_countries]
    ]
    rates = [
        ECONOMY_COUNTRIES[c].usd_per_unit for c in w.countries[: w.n_economy_countries]
    ]
    pairs = dict(zip(codes, rates, strict=True)) | {"USD": 1.0}
    day = start.astype("datetime64[D]")
    return pa.table(
        {
            "currency": pa.array(list(pairs)),
            "valid_from": pa.array(np.full(len(pairs), day)),
            "usd_per_unit": pa.array(list(pairs.values()), pa.float64()),
        }
    )


def _validate(
    taxpayers: int, months: int, start: str, countries: tuple[str, ...] | list[str]
) -> tuple[tuple[str, ...], np.datetime64, int]:
    if not isinstance(taxpayers, int | np.integer) or taxpayers < MIN_TAXPAYERS:
        raise ValueError(
            f"taxpayers must be an integer of at least {MIN_TAXPAYERS}, "
            f"got {taxpayers!r}"
        )
    if not isinstance(months, int | np.integer) or not 1 <= months <= 120:
        raise ValueError(f"months must be an integer from 1 to 120, got {months!r}")
    t0 = start_day(start)
    if isinstance(countries, str):
        countries = [x.strip() for x in countries.split(",") if x.strip()]
    codes = tuple(dict.fromkeys(str(x).upper() for x in countries))
    unknown = [x for x in codes if x not in ECONOMY_COUNTRIES]
    if unknown:
        raise ValueError(
            f"countries must be some of {', '.join(ECONOMY_COUNTRIES)}; "
            f"unknown: {', '.join(unknown)}"
        )
    if len(codes) < 2:
        got = ", ".join(codes) or "none"  # "KZ,KZ" names one country
        raise ValueError(f"countries must name two or more different ones, got {got}")
    month0 = t0.astype("datetime64[M]")
    offset = t0 - month0.astype("datetime64[D]")
    t_end = (month0 + int(months)).astype("datetime64[D]") + offset
    return codes, t0, int((t_end - t0).astype(np.int64))


def _digits(values: Ints, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def _party_ids(rng: np.random.Generator, w: World) -> pa.Array:
    """Party IDs: country code and a national-style taxpayer number (a
    BIN with the registration month for Kazakhstan), then the foreign
    parties' country code and 7 digits."""
    parts: list[pa.Array] = []
    where: list[Ints] = []
    for k, code in enumerate(w.countries[: w.n_economy_countries]):
        sel = np.flatnonzero(w.country == k)
        if len(sel) == 0:
            continue
        if code == "KZ":
            reg = (w.t0 + w.reg_day[sel].astype("timedelta64[D]")).astype(
                "datetime64[M]"
            )
            year = reg.astype("datetime64[Y]").astype(np.int64) + 1970
            month = reg.astype(np.int64) % 12 + 1
            number = bin_numbers(rng, year, month)
            width = 12
        else:
            width = ECONOMY_COUNTRIES[code].id_digits
            span = 9 * 10 ** (width - 1)
            # An affine map of the ranks: distinct numbers, no leading zero.
            rank = rng.permutation(len(sel)).astype(np.int64)
            number = 10 ** (width - 1) + (rank * 982_451_653 + k * 7_919) % span
        parts.append(pc.binary_join_element_wise(code, _digits(number, width), ""))
        where.append(sel)
    foreign = w.foreign_country
    local = np.arange(w.n_foreign) - w.foreign_start[foreign - w.n_economy_countries]
    salt = np.array([zlib.crc32(x.encode()) % 10_000_000 for x in w.countries])
    number = (local * 7919 + salt[foreign]) % 10_000_000
    codes = pa.array(list(w.countries)).take(pa.array(foreign))
    parts.append(pc.binary_join_element_wise(codes, _digits(number, 7), ""))
    where.append(w.n + np.arange(w.n_foreign))
    position = np.empty(w.n + w.n_foreign, dtype=np.int64)
    position[np.concatenate(where)] = np.arange(w.n + w.n_foreign)
    return pa.concat_arrays(parts).take(pa.array(position))


def _month_of_day(w: World) -> tuple[Ints, np.datetime64, int]:
    month0 = w.t0.astype("datetime64[M]")
    days = w.t0 + np.arange(w.n_days).astype("timedelta64[D]")
    month = (days.astype("datetime64[M]") - month0).astype(np.int64)
    return month, month0, int(month[-1]) + 1


@dataclass
class _Books:
    """Per month and economy party: VAT of the sales-book records, of the
    purchase-book records (plus import VAT), and whether any was recorded."""

    output: Floats  # (months, n)
    input: Floats
    recorded: NDArray[np.bool_]


def _invoices(
    rng: np.random.Generator,
    w: World,
    inv: dict[str, np.ndarray],
    ids: pa.Array,
    country_codes: pa.Array,
) -> tuple[pa.Table, pa.Table, _Books]:
    """The invoices table (ledger records), the invoice labels and the VAT
    books, built month by month to bound the memory of big economies."""
    all_country = w.all_country()
    month, month0, n_months = _month_of_day(w)
    # Date order, then seller's country; ties in random order, so that
    # invoice numbers say nothing about how an invoice was made.
    key = (inv["day"].astype(np.int64) * len(w.countries)) + all_country[inv["seller"]]
    key = (key << 32) + rng.integers(0, 2**32, len(key))
    order = np.argsort(key)
    del key
    for k in list(inv):
        inv[k] = inv[k][order]
    del order
    bounds = np.searchsorted(month[inv["day"]], np.arange(n_months + 1))
    books = _Books(
        output=np.zeros((n_months, w.n)),
        input=np.zeros((n_months, w.n)),
        recorded=np.zeros((n_months, w.n), dtype=bool),
    )
    ym = (month0 + np.arange(n_months)).astype("datetime64[M]")
    yymm = ((ym.astype("datetime64[Y]").astype(np.int64) + 1970) % 100) * 100 + (
        ym.astype(np.int64) % 12 + 1
    )
    money = _Money(w)
    tables, labels = [], []
    for m in range(n_months):
        part = {k: v[bounds[m] : bounds[m + 1]] for k, v in inv.items()}
        table, label = _invoice_month(
            w, part, ids, country_codes, all_country, money, books, m, int(yymm[m])
        )
        tables.append(table)
        labels.append(label)
    return pa.concat_tables(tables), pa.concat_tables(labels), books


@dataclass
class _Money:
    """Currencies and VAT rates: national at home, US dollars and 0 % across
    borders (index ``k``, the number of economy countries)."""

    k: int
    currencies: pa.Array
    usd_per: Floats
    vat: Floats

    def __init__(self, w: World) -> None:
        self.k = w.n_economy_countries
        econ = [ECONOMY_COUNTRIES[x] for x in w.countries[: self.k]]
        self.currencies = pa.array([x.currency for x in econ] + [USD])
        self.usd_per = np.array([x.usd_per_unit for x in econ] + [1.0])
        self.vat = np.array([x.vat_rate for x in econ] + [0.0])


def _invoice_month(
    w: World,
    inv: dict[str, np.ndarray],
    ids: pa.Array,
    country_codes: pa.Array,
    all_country: Ints,
    money: _Money,
    books: _Books,
    month: int,
    yymm: int,
) -> tuple[pa.Table, pa.Table]:
    seller = inv["seller"].astype(np.int64)
    buyer = inv["buyer"].astype(np.int64)
    m = len(seller)
    s_country, b_country = all_country[seller], all_country[buyer]
    # Invoice numbers: seller's country, YYMM, serial per country and month.
    by_country = np.argsort(s_country, kind="stable")
    counts = np.bincount(s_country, minlength=len(w.countries))
    serial = np.empty(m, dtype=np.int64)
    serial[by_country] = np.arange(m) - np.repeat(np.cumsum(counts) - counts, counts)
    invoice_id = pc.binary_join_element_wise(
        country_codes.take(pa.array(s_country)),
        f"{yymm:04d}",
        _digits(serial + 1, 8),
        "",
    )
    del by_country, serial

    currency = np.where(s_country == b_country, s_country, money.k)
    amount = np.round(inv["usd"] / money.usd_per[currency], 2)
    vat_rate = money.vat[currency]
    vat = np.round(amount * vat_rate / 100, 2)
    b_amount = np.round(amount * inv["buyer_factor"], 2)
    b_vat = np.round(b_amount * vat_rate / 100, 2)

    # Records: the seller's, then the buyer's.
    s_rec = inv["seller_rec"]
    b_rec = inv["buyer_rec"] & (buyer < w.n)
    count = s_rec.astype(np.int64) + b_rec
    rec = np.repeat(np.arange(m), count)
    first = np.cumsum(count) - count
    by_buyer = (np.arange(len(rec)) > first[rec]) | ~s_rec[rec]
    del first, count
    at = pa.array(rec)
    good = inv["good"][rec].astype(np.int64)
    columns = {
        "invoice_id": invoice_id.take(at),
        "line_no": pa.array(np.ones(len(rec), dtype=np.int32)),
        "reported_by": _codes(by_buyer, _REPORTED_BY),
        "issued_on": pa.array((w.t0 + inv["day"].astype("timedelta64[D]"))[rec]),
        "seller_id": ids.take(pa.array(seller[rec])),
        "buyer_id": ids.take(pa.array(buyer[rec])),
        "seller_country": _codes(s_country[rec], country_codes),
        "buyer_country": _codes(b_country[rec], country_codes),
        "hs_code": pa.array(compiled().hs6).take(
            pa.array(np.maximum(good, 0), mask=good < 0)
        ),
        "amount": pa.array(np.where(by_buyer, b_amount[rec], amount[rec])),
        "vat_rate": pa.array(vat_rate[rec]),
        "vat": pa.array(np.where(by_buyer, b_vat[rec], vat[rec])),
        "currency": _codes(currency[rec], money.currencies),
    }
    del good, at
    schemed = np.flatnonzero(inv["scheme"] >= 0)
    labels = pa.table(
        {
            "invoice_id": invoice_id.take(pa.array(schemed)),
            "scheme": pa.array(list(ECONOMY_SCHEMES)).take(
                pa.array(inv["scheme"][schemed].astype(np.int64))
            ),
        }
    )
    # The VAT books: output on sales records, input on purchase records.
    mine = s_rec & (seller < w.n)
    books.output[month] += np.bincount(seller[mine], weights=vat[mine], minlength=w.n)
    books.recorded[month, seller[mine]] = True
    books.input[month] += np.bincount(buyer[b_rec], weights=b_vat[b_rec], minlength=w.n)
    books.recorded[month, buyer[b_rec]] = True
    return pa.table(columns), labels


_REPORTED_BY = pa.array(["seller", "buyer"])


def _codes(
    index: NDArray[np.integer] | NDArray[np.bool_], values: pa.Array
) -> pa.Array:
    """A dictionary-encoded text column (reads as text in DuckDB, CSV and
    Parquet; a fraction of the memory of plain strings)."""
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int8)), values)


def _vat_returns(
    w: World, ids: pa.Array, order: Ints, books: _Books, customs: Customs
) -> pa.Table:
    """One return per party and month of activity (or of any record),
    summing its books, the import VAT of its declarations and the VAT on
    its sales to consumers."""
    month, month0, n_months = _month_of_day(w)
    m_imp = month[customs.vat_day]
    np.add.at(books.input, (m_imp, customs.vat_party), customs.vat_local)
    books.recorded[m_imp, customs.vat_party] = True
    recorded = books.recorded
    any_record = recorded.any(axis=0)
    first = np.where(any_record, recorded.argmax(axis=0), n_months)
    last = np.where(any_record, n_months - 1 - recorded[::-1].argmax(axis=0), -1)
    active = w.active_to > w.active_from
    m_lo = np.minimum(
        first,
        np.where(active, month[np.minimum(w.active_from, w.n_days - 1)], n_months),
    )
    m_hi = np.maximum(
        last + 1, np.where(active, month[np.maximum(w.active_to - 1, 0)] + 1, 0)
    )
    count = np.maximum(m_hi - m_lo, 0)[order]
    row_party = np.repeat(order, count)
    start = np.cumsum(count) - count
    row_month = m_lo[row_party] + np.arange(len(row_party)) - np.repeat(start, count)
    output = books.output[row_month, row_party]
    output += _consumer_vat(w, row_party, row_month, month)
    output = np.round(output, 2)
    inputs = np.round(books.input[row_month, row_party], 2)
    payable = np.round(output - inputs, 2)
    due = np.maximum(payable, 0.0)
    # Honest late payers pay part of what is due in some months.
    late = w.late_payer[row_party] & ((row_party * 7 + row_month * 3) % 7 < 2)
    share = np.where(late, ((row_party * 13 + row_month * 29) % 90) / 100, 1.0)
    paid = np.where(w.pays[row_party], np.round(due * share, 2), 0.0)
    return pa.table(
        {
            "party_id": ids.take(pa.array(row_party)),
            "period": pa.array((month0 + row_month).astype("datetime64[D]")),
            "output_vat": pa.array(output),
            "input_vat": pa.array(inputs),
            "vat_payable": pa.array(payable),
            "vat_paid": pa.array(paid),
        }
    )


def _consumer_vat(w: World, party: Ints, row_month: Ints, month: Ints) -> Floats:
    """VAT on sales to final consumers in each return's month: the party's
    yearly consumer sales over its active days that month, with noise."""
    n_months = int(month[-1]) + 1
    first_day = np.searchsorted(month, np.arange(n_months))
    last_day = np.r_[first_day[1:], w.n_days]
    lo = np.maximum(w.active_from[party], first_day[row_month])
    hi = np.minimum(w.active_to[party], last_day[row_month])
    days = np.maximum(hi - lo, 0)
    k = w.n_economy_countries
    usd_per = np.array([ECONOMY_COUNTRIES[x].usd_per_unit for x in w.countries[:k]])
    vat = np.array([ECONOMY_COUNTRIES[x].vat_rate for x in w.countries[:k]])
    # A steady seasonal-looking wobble, deterministic per party and month.
    wobble = 1 + 0.15 * np.sin(party * 1.7 + row_month * 0.9)
    usd = w.consumer[party] / 365 * days * wobble
    country = w.country[party]
    return np.asarray(usd / usd_per[country] * vat[country] / 100, dtype=np.float64)


_CYRILLIC_WORDS = (
    "АЛТЫН", "АСТАНА", "ЕВРАЗИЯ", "НУР", "ЖОЛ", "СТЕПЬ", "ТРАНС", "ТЕХНО", "ДАЛА",
    "БАРЫС", "КЕРУЕН", "ТУРАН", "АЛМА", "ВОСТОК", "СЕВЕР", "ЮГ", "ЗАПАД", "ВОЛГА",
    "УРАЛ", "СИБИРЬ", "НЕВА", "ПРИМА", "ГРАНД", "ИМПУЛЬС", "ВЕКТОР", "СТАНДАРТ",
)  # fmt: skip
_CYRILLIC_TAILS = (
    "ТРЕЙД", "ГРУПП", "СНАБ", "ЛОГИСТИК", "КОМПАНИ", "ДИСТРИБЬЮШН", "ИМПОРТ", "ПЛЮС",
    "СЕРВИС", "ХОЛДИНГ", "МАРКЕТ", "СТРОЙ", "АГРО", "ФАРМ", "АВТО", "ИНВЕСТ", "ПРОМ",
)  # fmt: skip
_LATIN_WORDS = (
    "GOLDEN", "STAR", "GLOBAL", "UNITED", "BRIGHT", "SILK", "NEW", "EAST", "GREAT",
    "PRIME", "OCEAN", "GREEN", "ROYAL", "SUMMIT", "DELTA", "NOVA", "ATLAS", "ORIENT",
    "ANADOLU", "TURAN", "SAMARKAND", "HUAXIN", "ZHONGDA",
)  # fmt: skip
_LATIN_TAILS = (
    "TRADING", "INDUSTRIAL", "IMPORT EXPORT", "MANUFACTURING", "INTERNATIONAL",
    "TECHNOLOGY", "COMMERCE", "SUPPLY", "FOODS", "ELECTRONICS", "LOGISTICS", "GROUP",
)  # fmt: skip
_LEGAL_FORM = {
    "KZ": ("ТОО «", "»"),
    "KG": ("ОсОО «", "»"),
    "RU": ("ООО «", "»"),
    "BY": ("ООО «", "»"),
    "AM": ("ООО «", "»"),
    "TJ": ("ООО «", "»"),
    "UZ": ("", " MCHJ"),
    "CN": ("", " CO., LTD"),
    "TR": ("", " LTD. ŞTİ."),
    "AZ": ("", " MMC"),
    "GE": ("", " LLC"),
    "MN": ("", " LLC"),
}


def _names(rng: np.random.Generator, w: World, country_codes: pa.Array) -> pa.Array:
    n = w.n
    econ = w.countries[: w.n_economy_countries]
    cyr = np.array([x in _LEGAL_FORM and _LEGAL_FORM[x][0] != "" for x in econ])
    cyrillic = cyr[w.country]
    word = np.where(
        cyrillic,
        rng.integers(0, len(_CYRILLIC_WORDS), n),
        len(_CYRILLIC_WORDS) + rng.integers(0, len(_LATIN_WORDS), n),
    )
    tail = np.where(
        cyrillic,
        rng.integers(0, len(_CYRILLIC_TAILS), n),
        len(_CYRILLIC_TAILS) + rng.integers(0, len(_LATIN_TAILS), n),
    )
    forms = [_LEGAL_FORM.get(x, ("", " LLC")) for x in econ]
    at = pa.array(w.country)
    return pc.binary_join_element_wise(
        pa.array([f[0] for f in forms]).take(at),
        pa.array(_CYRILLIC_WORDS + _LATIN_WORDS).take(pa.array(word)),
        " ",
        pa.array(_CYRILLIC_TAILS + _LATIN_TAILS).take(pa.array(tail)),
        pa.array([f[1] for f in forms]).take(at),
        "",
    )


def _bank_accounts(w: World, country_codes: pa.Array) -> pa.Array:
    """IBAN-shaped accounts: country, check digits, 3-digit bank code and a
    13-digit account number, the check digits computed as IBAN's mod 97."""
    owner = w.bank  # a party index, or the index of the party shared with
    account = (owner * 982_451_653 + 77) % 10**13
    bank_code = 100 + owner % 37
    country = w.country[np.minimum(owner, w.n - 1)]
    letters = np.array(
        [(ord(x[0]) - 55) * 100 + (ord(x[1]) - 55) for x in w.countries], dtype=np.int64
    )
    rest = (bank_code * 10**13 + account) % 97
    check = 98 - (rest * 1_000_000 + letters[country] * 100) % 97
    return pc.binary_join_element_wise(
        country_codes.take(pa.array(country)),
        _digits(check, 2),
        _digits(bank_code, 3),
        _digits(account, 13),
        "",
    )


def _parties(
    rng: np.random.Generator,
    w: World,
    ids: pa.Array,
    country_codes: pa.Array,
    order: Ints,
) -> pa.Table:
    size = np.searchsorted([10, 50, 250], w.employees, side="right")
    director = (w.director * 7_919 + 1_000_003) % 10**9
    address = (w.address * 104_729 + 17) % 10**9
    at = pa.array(order)
    table = pa.table(
        {
            "party_id": ids.slice(0, w.n),
            "country": country_codes.take(pa.array(w.country)),
            "name": _names(rng, w, country_codes),
            "registration_date": pa.array(
                w.t0 + w.reg_day.astype("timedelta64[D]")
            ).cast(pa.date32()),
            "activity_code": pa.array(activity_codes()).take(pa.array(w.activity)),
            "sector": pa.array(list(SECTOR_NAMES)).take(pa.array(w.sector)),
            "size": pa.array(list(SIZE_NAMES)).take(pa.array(size)),
            "employees": pa.array(w.employees.astype(np.int32)),
            "director_id": pc.binary_join_element_wise("D", _digits(director, 9), ""),
            "address_id": pc.binary_join_element_wise("A", _digits(address, 9), ""),
            "bank_account": _bank_accounts(w, country_codes),
        }
    )
    return table.take(at)


def _labels(w: World, ids: pa.Array, order: Ints) -> pa.Table:
    scheme = w.scheme[order]
    role = w.role[order]
    return pa.table(
        {
            "party_id": ids.take(pa.array(order)),
            "fraud": pa.array((scheme >= 0).astype(np.int32)),
            "scheme": pa.array(list(ECONOMY_SCHEMES)).take(
                pa.array(np.maximum(scheme, 0), mask=scheme < 0)
            ),
            "role": pa.array(list(ROLES)).take(
                pa.array(np.maximum(role, 0), mask=role < 0)
            ),
        }
    )
