"""The taxpayers of a simulated economy, as arrays, and the helpers that the
honest trade and the planted schemes share.

Parties are indexed ``0..n-1``; parties of the rest of the world (foreign
sellers and buyers outside the economy, known only from customs declarations
and export invoices) follow as ``n..n+n_foreign-1``. Every amount is kept in
US dollars until the tables are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from sarap.simulate._catalogue import SECTORS
from sarap.simulate._compiled import Bools, Compiled, Floats, Ints, compiled
from sarap.simulate._ids import _check_digits


@dataclass(frozen=True)
class EconomyCountry:
    """Tax facts of one country of the simulated economy.

    Parameters
    ----------
    vat_rate : float
        Standard VAT rate, percent.
    currency : str
        ISO 4217 code of the national currency (domestic invoices and VAT
        returns are in it).
    usd_per_unit : float
        Fixed, illustrative exchange rate: US dollars per unit of currency.
    customs_union : bool
        Member of the Eurasian customs union: trade between two members
        crosses no customs border, so it leaves no declarations.
    id_digits : int
        Digits of the national taxpayer number that follows the country
        code in ``party_id``.
    weight : float
        Share of the economy's taxpayers registered there (renormalised over
        the countries simulated).
    """

    vat_rate: float
    currency: str
    usd_per_unit: float
    customs_union: bool
    id_digits: int
    weight: float


# Rates are round, illustrative figures, not market data. KZT, RUB and CNY
# match the declarations simulator's USD_PER_UNIT.
ECONOMY_COUNTRIES: dict[str, EconomyCountry] = {
    "KZ": EconomyCountry(12.0, "KZT", 0.0021, True, 12, 0.30),
    "KG": EconomyCountry(12.0, "KGS", 0.0113, True, 14, 0.07),
    "RU": EconomyCountry(20.0, "RUB", 0.011, True, 10, 0.24),
    "BY": EconomyCountry(20.0, "BYN", 0.31, True, 9, 0.06),
    "AM": EconomyCountry(20.0, "AMD", 0.0026, True, 8, 0.05),
    "UZ": EconomyCountry(12.0, "UZS", 0.000079, False, 9, 0.11),
    "CN": EconomyCountry(13.0, "CNY", 0.138, False, 18, 0.10),
    "TR": EconomyCountry(20.0, "TRY", 0.030, False, 10, 0.07),
    "TJ": EconomyCountry(14.0, "TJS", 0.092, False, 9, 0.04),
    "AZ": EconomyCountry(18.0, "AZN", 0.59, False, 10, 0.04),
    "GE": EconomyCountry(18.0, "GEL", 0.37, False, 9, 0.03),
    "MN": EconomyCountry(10.0, "MNT", 0.00029, False, 7, 0.03),
}
# Cross-border invoices are in US dollars.
USD = "USD"
# Russian is the language of the documents in these countries.
_RUSSIAN_DOCS = frozenset({"KZ", "KG", "RU", "BY", "AM", "UZ", "TJ"})

# The rest of the world: countries outside the economy that sell to its
# importers and buy from its exporters, with their weights.
_ROW_WEIGHTS: dict[str, float] = {
    "DE": 0.14,
    "US": 0.08,
    "KR": 0.08,
    "AE": 0.08,
    "IN": 0.07,
    "IT": 0.06,
    "VN": 0.06,
    "PL": 0.05,
    "JP": 0.05,
    "FR": 0.04,
    "NL": 0.04,
    "GB": 0.03,
    "TH": 0.03,
    "MY": 0.03,
    "IR": 0.03,
    "CZ": 0.02,
    "BR": 0.02,
    "CH": 0.02,
    "TM": 0.02,
    "GE": 0.03,
    "AZ": 0.03,
    "TJ": 0.02,
}

SECTOR_NAMES: tuple[str, ...] = (
    "import",
    "wholesale",
    "retail",
    "producer",
    "services",
    "export",
)
IMPORT, WHOLESALE, RETAIL, PRODUCER, SERVICES, EXPORT = range(6)
_SECTOR_SHARE = (0.05, 0.14, 0.33, 0.14, 0.30, 0.04)
# Yearly turnover per employee, USD.
_PRODUCTIVITY = (450e3, 300e3, 70e3, 60e3, 45e3, 350e3)
# Shares of turnover: sold to and bought from the economy's taxpayers (on
# e-invoices), bought abroad through customs, sold to the rest of the world.
SELL_ECON = np.array([0.9, 0.95, 0.04, 0.6, 0.55, 0.25])
BUY_ECON = np.array([0.12, 0.78, 0.72, 0.5, 0.25, 0.8])
ROW_BUY = np.array([0.62, 0.05, 0.0, 0.12, 0.0, 0.0])
ROW_SELL = np.array([0.0, 0.0, 0.0, 0.3, 0.0, 0.7])
SIZE_NAMES: tuple[str, ...] = ("micro", "small", "medium", "large")

ECONOMY_SCHEMES: tuple[str, ...] = (
    "carousel",
    "missing_trader",
    "one_day_firm",
    "export_refund",
    "undervalued_import",
    "circular_trading",
)
CAROUSEL, MISSING, ONE_DAY, REFUND, UNDERVALUED, CIRCULAR = range(6)
ROLES: tuple[str, ...] = (
    "conduit",
    "missing_trader",
    "buffer",
    "broker",
    "technical_firm",
    "one_day_firm",
    "beneficiary",
    "exporter",
    "missing_supplier",
    "importer",
    "reseller",
    "member",
)
(
    R_CONDUIT,
    R_MISSING,
    R_BUFFER,
    R_BROKER,
    R_TECHNICAL,
    R_ONE_DAY,
    R_BENEFICIARY,
    R_EXPORTER,
    R_SUPPLIER,
    R_IMPORTER,
    R_RESELLER,
    R_MEMBER,
) = range(12)

# Activity codes (OKED / NACE style). Goods traders get the wholesale code of
# their goods sector; retailers and producers the matching retail and
# manufacturing codes; service firms one of a few service codes.
_MANUFACTURING = {
    "food": "10890",
    "beverages": "11070",
    "tobacco": "12000",
    "textiles": "14130",
    "footwear": "15200",
    "electronics": "26400",
    "computers": "26200",
    "appliances": "27510",
    "auto": "29320",
    "machinery": "28290",
    "chemicals": "20590",
    "plastics": "22290",
    "construction": "23610",
    "metals": "24100",
    "pharma": "21200",
    "cosmetics": "20420",
    "furniture": "31090",
    "toys_sports": "32400",
    "jewellery": "32120",
    "paper": "17290",
    "medical": "32500",
}
SERVICE_CODES: tuple[str, ...] = (
    "62010",  # software
    "69201",  # accounting
    "70220",  # consulting
    "49410",  # road freight
    "68200",  # renting of real estate
    "43999",  # construction works
    "73110",  # advertising
    "71120",  # engineering
    "52291",  # customs brokers (declarants)
)
CUSTOMS_BROKER = len(SERVICE_CODES) - 1
NON_SPECIALISED = "46900"


def activity_codes() -> list[str]:
    """All activity codes, indexed: wholesale, retail and manufacturing codes
    per goods sector (3 x S), then the service codes, then 46900."""
    wholesale = [code for _, code in SECTORS.values()]
    retail = ["47" + code[2:] for code in wholesale]
    making = [_MANUFACTURING[s] for s in SECTORS]
    return [*wholesale, *retail, *making, *SERVICE_CODES, NON_SPECIALISED]


@dataclass
class World:
    """Parties of the economy as arrays (one entry per taxpayer)."""

    countries: tuple[str, ...]  # economy countries, then rest-of-world ones
    n_economy_countries: int
    n: int
    n_days: int
    t0: np.datetime64
    country: Ints
    sector: Ints
    gsec: Ints  # goods sector (index into catalogue sectors), -1 services
    activity: Ints  # index into activity_codes()
    turnover: Floats  # USD a year
    buy_ratio: Floats  # purchases from the economy / turnover
    employees: Ints
    reg_day: Ints  # registration, days from the window start
    active_from: Ints
    active_to: Ints  # exclusive
    director: Ints
    address: Ints
    bank: Ints
    trades: Bools  # may be chosen as an honest supplier
    buys: Bools  # buys from honest suppliers
    row_imports: Bools  # imports from the rest of the world
    row_exports: Bools
    late_payer: Bools
    scheme: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    role: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shell: Bools = field(default_factory=lambda: np.zeros(0, dtype=bool))
    pays: Bools = field(default_factory=lambda: np.zeros(0, dtype=bool))
    consumer: Floats = field(default_factory=lambda: np.zeros(0))  # USD a year
    abroad: Floats = field(default_factory=lambda: np.zeros(0))  # USD a year
    foreign_country: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    foreign_start: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_foreign(self) -> int:
        return len(self.foreign_country)

    def open(self, party: NDArray[np.integer], day: NDArray[np.integer]) -> Bools:
        """Whether each party is in business on each day: always for foreign
        parties and shells (whose days follow from their invoices), else
        between its first active day and its last."""
        p = np.minimum(party, self.n - 1)
        inside = (day >= self.active_from[p]) & (day < self.active_to[p])
        return np.asarray((party >= self.n) | self.shell[p] | inside, dtype=bool)

    def all_country(self) -> Ints:
        """Country of every party, economy and foreign."""
        return np.concatenate([self.country, self.foreign_country])

    def foreign(self, rng: np.random.Generator, country: Ints) -> Ints:
        """A foreign party (global index) in each given rest-of-world country."""
        start = self.foreign_start[country - self.n_economy_countries]
        size = (
            self.foreign_start[country - self.n_economy_countries + 1]
            - self.foreign_start[country - self.n_economy_countries]
        )
        local = (rng.random(len(country)) ** 1.5 * size).astype(np.int64)
        return np.asarray(self.n + start + local, dtype=np.int64)

    def row_country(self, rng: np.random.Generator, size: int) -> Ints:
        k = self.n_economy_countries
        w = np.array([_ROW_WEIGHTS[c] for c in self.countries[k:]])
        return k + choice(rng, w, size)


def choice(rng: np.random.Generator, p: Floats | tuple[float, ...], size: int) -> Ints:
    """Indices drawn with probabilities proportional to ``p``."""
    w = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(w / w.sum())
    out = np.searchsorted(cum, rng.random(size) * (1 - 1e-12), side="right")
    return np.asarray(np.minimum(out, len(w) - 1), dtype=np.int64)


def runs(counts: Ints) -> tuple[Ints, Ints]:
    """For runs of the given lengths: the run of each element and its
    position within its run."""
    counts = np.asarray(counts, dtype=np.int64)
    run = np.repeat(np.arange(len(counts)), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    pos = np.arange(len(run)) - start[run]
    return run.astype(np.int64), pos.astype(np.int64)


def run_cumsum(values: Floats, run: Ints) -> Floats:
    """Cumulative sum of ``values`` restarting at each new ``run`` (sorted)."""
    total = np.cumsum(values)
    first = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    before = np.repeat(total[first] - values[first], np.diff(np.r_[first, len(run)]))
    return np.asarray(total - before, dtype=np.float64)


def weekday_shift(rng: np.random.Generator, t0: np.datetime64, day: Ints) -> Ints:
    """Move most weekend days to the next Monday (invoices are issued on
    working days), never past the last day already used."""
    weekday = ((t0 + day.astype("timedelta64[D]")).astype(np.int64) + 3) % 7
    move = (weekday >= 5) & (rng.random(len(day)) < 0.85)
    return np.asarray(np.where(move, day + 7 - weekday, day), dtype=np.int64)


def build_world(
    rng: np.random.Generator,
    c: Compiled,
    n: int,
    countries: tuple[str, ...],
    n_days: int,
    t0: np.datetime64,
) -> World:
    """Draw the taxpayers, their honest attributes and the honest oddities
    (shared addresses, holding groups, new big firms, closures)."""
    row = tuple(k for k in _ROW_WEIGHTS if k not in countries)
    k_econ = len(countries)
    weights = np.array([ECONOMY_COUNTRIES[k].weight for k in countries])
    country = choice(rng, weights, n)
    sector = choice(rng, _SECTOR_SHARE, n)
    sector_w = np.array([w for w, _ in SECTORS.values()])
    gsec = choice(rng, sector_w, n)
    gsec[sector == SERVICES] = -1

    # Employees: heavy-tailed; some micro firms have none (owner-run).
    employees = np.exp(np.log(4.0) + 1.5 * rng.standard_normal(n))
    employees = np.where(rng.random(n) < 0.06, 0, np.maximum(1, employees))
    productivity = np.asarray(_PRODUCTIVITY)[sector]
    turnover = (
        np.maximum(employees, 0.5) * productivity * np.exp(0.6 * rng.standard_normal(n))
    )

    # Registration: years before the window for most, inside it for new
    # entrants; a few entrants are big from the start (new subsidiaries).
    age = np.clip(365 * np.exp(np.log(6.0) + 0.8 * rng.standard_normal(n)), 40, 11000)
    reg_day = -age.astype(np.int64)
    entrant = rng.random(n) < 0.06
    reg_day[entrant] = (rng.random(int(entrant.sum())) * 0.9 * n_days).astype(np.int64)
    big_new = entrant & (rng.random(n) < 0.05) & (sector != RETAIL)
    employees[big_new] = np.exp(rng.uniform(np.log(100), np.log(2000), big_new.sum()))
    turnover[big_new] = employees[big_new] * productivity[big_new] * 1.5
    active_from = np.maximum(reg_day, 0)
    active_from[entrant] += rng.integers(5, 45, int(entrant.sum()))
    active_from = np.minimum(active_from, n_days - 1)
    active_to = np.full(n, n_days, dtype=np.int64)
    closing = ~entrant & (rng.random(n) < 0.015)
    active_to[closing] = (rng.uniform(0.15, 0.95, closing.sum()) * n_days).astype(
        np.int64
    )
    employees = np.round(employees).astype(np.int64)

    # Distributors that live on volume: margins of 1-3 %.
    buy_ratio = BUY_ECON[sector] * np.exp(0.08 * rng.standard_normal(n))
    thin = (sector == WHOLESALE) & (rng.random(n) < 0.04)
    buy_ratio[thin] = rng.uniform(0.92, 0.94, thin.sum())  # of sales: 97-99 %
    turnover[thin] *= 4

    n_sec = len(SECTORS)
    activity = np.select(
        [sector == RETAIL, sector == PRODUCER, sector == SERVICES],
        [n_sec + gsec, 2 * n_sec + gsec, 3 * n_sec + rng.integers(0, 8, n)],
        gsec,
    ).astype(np.int64)
    # A few service firms are customs brokers that lodge declarations.
    brokers = (sector == SERVICES) & (rng.random(n) < 0.01)
    activity[brokers] = 3 * n_sec + CUSTOMS_BROKER

    director, address, bank = _shared_identities(rng, n, country, employees)
    trades = np.ones(n, dtype=bool)
    w = World(
        countries=tuple(countries) + row,
        n_economy_countries=k_econ,
        n=n,
        n_days=n_days,
        t0=t0,
        country=country,
        sector=sector,
        gsec=gsec,
        activity=activity,
        turnover=turnover,
        buy_ratio=buy_ratio,
        employees=employees,
        reg_day=reg_day,
        active_from=active_from,
        active_to=active_to,
        director=director,
        address=address,
        bank=bank,
        trades=trades,
        buys=trades.copy(),
        row_imports=(ROW_BUY[sector] > 0)
        & ((sector == IMPORT) | (rng.random(n) < 0.15)),
        row_exports=(ROW_SELL[sector] > 0)
        & ((sector == EXPORT) | (rng.random(n) < 0.3)),
        late_payer=rng.random(n) < 0.03,
        scheme=np.full(n, -1, dtype=np.int64),
        role=np.full(n, -1, dtype=np.int64),
        shell=np.zeros(n, dtype=bool),
        pays=np.ones(n, dtype=bool),
    )
    # Foreign parties: a pool per rest-of-world country, bigger for the
    # bigger trade partners; importers mostly meet the big ones.
    w_row = np.array([_ROW_WEIGHTS[k] for k in row])
    per = np.maximum(3, np.round(w_row / w_row.sum() * max(60, n // 20))).astype(
        np.int64
    )
    w.foreign_start = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    w.foreign_country = k_econ + np.repeat(np.arange(len(row)), per)
    return w


def _shared_identities(
    rng: np.random.Generator, n: int, country: Ints, employees: Ints
) -> tuple[Ints, Ints, Ints]:
    """Directors, addresses and bank accounts, with honest sharing: holding
    groups under one director (a few with one account), and small firms
    registered at accountants' offices and business centres."""
    director = np.arange(n, dtype=np.int64)
    address = np.arange(n, dtype=np.int64)
    bank = np.arange(n, dtype=np.int64)

    # Holdings: 2-4 firms of one country under one director.
    in_group = np.flatnonzero(rng.random(n) < 0.03)
    if len(in_group) >= 2:
        in_group = in_group[np.argsort(country[in_group], kind="stable")]
        size = rng.integers(2, 5, len(in_group))
        cut = np.cumsum(size)
        cut = cut[cut < len(in_group)]
        group: Ints = np.zeros(len(in_group), dtype=np.int64)
        group[cut] = 1
        group = np.cumsum(group)
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        leader = in_group[first][group]
        director[in_group] = director[leader]
        share_bank = (rng.random(int(group.max()) + 1) < 0.15)[group]
        bank[in_group[share_bank]] = bank[leader[share_bank]]

    # Accountants' offices and business centres of each country, a few
    # popular ones hosting dozens of small firms, most a handful.
    small = np.flatnonzero((employees < 10) & (rng.random(n) < 0.08))
    per_country = np.bincount(country[small], minlength=64)
    n_offices = np.maximum(1, per_country // 15)[country[small]]
    office = (n_offices * rng.random(len(small)) ** 2).astype(np.int64)
    address[small] = n + office * 64 + country[small]
    return director, address, bank


def bin_numbers(rng: np.random.Generator, year: Ints, month: Ints) -> Ints:
    """Unique 12-digit BIN-like numbers (Kazakhstan): YYMM of registration,
    entity type 4, attribute 0, a 5-digit serial and the mod-11 check digit."""
    m = len(year)
    yymm = (year % 100) * 100 + month
    serial = rng.integers(0, 100_000, size=m)
    key = np.zeros(m, dtype=np.int64)
    bad = np.ones(m, dtype=bool)
    while bad.any():
        serial[bad] = rng.integers(0, 100_000, size=int(bad.sum()))
        head = yymm * 10_000_000 + 40 * 100_000 + serial
        digits = (head[:, None] // 10 ** np.arange(10, -1, -1)) % 10
        check = _check_digits(digits)
        key = head * 10 + np.minimum(check, 9)
        _, first = np.unique(key, return_index=True)
        bad = np.ones(m, dtype=bool)
        bad[first] = False
        bad |= check == 10
    return key


class Picker:
    """Draw parties from groups (a group key per party) with probability
    proportional to a weight; parties of weight 0 are never drawn."""

    def __init__(self, key: Ints, weight: Floats) -> None:
        keep = np.flatnonzero(weight > 0)
        order = keep[np.argsort(key[keep], kind="stable")]
        self.party = order
        self.cum = np.cumsum(weight[order])
        sorted_key = key[order]
        self.keys, start = np.unique(sorted_key, return_index=True)
        self.start = start.astype(np.int64)
        self.end = np.r_[start[1:], len(order)].astype(np.int64)

    def draw(self, rng: np.random.Generator, wanted: Ints) -> Ints:
        """One party per wanted key; -1 where the group is empty."""
        out = np.full(len(wanted), -1, dtype=np.int64)
        if len(self.keys) == 0:
            return out
        pos = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[pos] == wanted
        g = pos[found]
        lo = np.where(self.start[g] > 0, self.cum[np.maximum(self.start[g] - 1, 0)], 0)
        hi = self.cum[self.end[g] - 1]
        u = lo + rng.random(len(g)) * (hi - lo)
        j = np.searchsorted(self.cum, u, side="right")
        j = np.clip(j, self.start[g], self.end[g] - 1)
        out[found] = self.party[j]
        return out


class Pickers:
    """Pick a supplier or a customer by sector, country and goods sector,
    relaxing the goods sector, then the country, when a group is empty."""

    def __init__(self, w: World, sell_weight: Floats, buy_weight: Floats) -> None:
        self.n_c = len(w.countries)
        self.n_g = len(SECTORS) + 1
        keys = self._keys(w.sector, w.country, w.gsec)
        self.sell = [Picker(k, sell_weight) for k in keys]
        self.buy = [Picker(k, buy_weight) for k in keys]

    def _keys(self, sector: Ints, country: Ints, gsec: Ints) -> list[Ints]:
        return [
            (sector * self.n_c + country) * self.n_g + gsec + 1,
            sector * self.n_c + country,
            np.asarray(sector, dtype=np.int64),
        ]

    def draw(
        self,
        rng: np.random.Generator,
        sector: Ints,
        country: Ints,
        gsec: Ints,
        *,
        buyers: bool = False,
    ) -> Ints:
        pickers = self.buy if buyers else self.sell
        out = np.full(len(sector), -1, dtype=np.int64)
        for picker, key in zip(pickers, self._keys(sector, country, gsec), strict=True):
            todo = np.flatnonzero(out < 0)
            if len(todo) == 0:
                break
            out[todo] = picker.draw(rng, key[todo])
        return out


@dataclass
class Flows:
    """Invoices and customs shipments, appended part by part (USD)."""

    invoices: dict[str, list[np.ndarray]] = field(default_factory=dict)
    shipments: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add_invoices(
        self,
        *,
        seller: Ints,
        buyer: Ints,
        day: Ints,
        usd: Floats,
        good: Ints,
        scheme: int | Ints = -1,
        seller_rec: bool | Bools = True,
        buyer_rec: bool | Bools = True,
        buyer_factor: float | Floats = 1.0,
    ) -> None:
        m = len(seller)
        parts: dict[str, np.ndarray] = {
            "seller": np.asarray(seller, dtype=np.int32),
            "buyer": np.asarray(buyer, dtype=np.int32),
            "day": np.asarray(day, dtype=np.int32),
            "usd": usd,
            "good": np.asarray(good, dtype=np.int16),
            "scheme": np.broadcast_to(np.asarray(scheme, dtype=np.int8), m),
            "seller_rec": np.broadcast_to(np.asarray(seller_rec, dtype=bool), m),
            "buyer_rec": np.broadcast_to(np.asarray(buyer_rec, dtype=bool), m),
            "buyer_factor": np.broadcast_to(np.asarray(buyer_factor, np.float64), m),
        }
        for k, v in parts.items():
            assert len(v) == m, k
            self.invoices.setdefault(k, []).append(np.asarray(v))

    def add_shipments(
        self,
        *,
        declarant: Ints,
        partner: Ints,
        day: Ints,
        usd: Floats,
        good: Ints,
        export: bool,
        declared_factor: float | Floats = 1.0,
        scheme: int | Ints = -1,
    ) -> None:
        m = len(declarant)
        parts: dict[str, np.ndarray] = {
            "declarant": declarant,
            "partner": partner,
            "day": day,
            "usd": usd,
            "good": good,
            "export": np.broadcast_to(np.asarray(export, dtype=bool), m),
            "declared_factor": np.broadcast_to(
                np.asarray(declared_factor, np.float64), m
            ),
            "scheme": np.broadcast_to(np.asarray(scheme, dtype=np.int8), m),
        }
        for k, v in parts.items():
            assert len(v) == m, k
            self.shipments.setdefault(k, []).append(np.asarray(v))

    def take_invoices(self, w: World) -> dict[str, np.ndarray]:
        """All invoices as one array per field (the parts are released),
        less those with a firm outside its active days (see ``World.open``)."""
        out = {k: np.concatenate(v) for k, v in self.invoices.items()}
        self.invoices.clear()
        return _keep(
            out, w.open(out["seller"], out["day"]) & w.open(out["buyer"], out["day"])
        )

    def take_shipments(self, w: World) -> dict[str, np.ndarray]:
        out = {k: np.concatenate(v) for k, v in self.shipments.items()}
        self.shipments.clear()
        if not out:
            return out
        return _keep(
            out,
            w.open(out["declarant"], out["day"]) & w.open(out["partner"], out["day"]),
        )


def _keep(arrays: dict[str, np.ndarray], mask: Bools) -> dict[str, np.ndarray]:
    if mask.all():
        return arrays
    return {k: v[mask] for k, v in arrays.items()}


_BINS = 4096


@lru_cache(maxsize=1)
def _goods_table() -> Ints:
    """Per goods sector, the good at each of ``_BINS`` equal steps of its
    cumulative popularity: an inverse CDF read by one lookup."""
    c = compiled()
    u = (np.arange(_BINS) + 0.5) / _BINS
    table = np.stack([np.searchsorted(cum, u, side="right") for cum in c.sector_cum])
    return np.asarray(np.minimum(table, len(c.hs6) - 1), dtype=np.int64)


def goods_of(rng: np.random.Generator, c: Compiled, gsec: Ints) -> Ints:
    """A good of each goods sector, by popularity (-1 for no sector)."""
    step = (rng.random(len(gsec)) * _BINS).astype(np.int64)
    good = _goods_table()[np.maximum(gsec, 0), step]
    return np.where(gsec >= 0, good, -1).astype(np.int64)


def unique_sorted(values: Ints) -> Ints:
    """Sorted distinct values (a sort, faster than hashing for big arrays)."""
    v = np.sort(values)
    return v[np.r_[True, v[1:] != v[:-1]]] if len(v) else v


def cross_customs(w: World, seller: Ints, buyer: Ints) -> Bools:
    """Invoices whose goods cross a customs border between two economy
    countries (not both in the customs union)."""
    union = np.array(
        [
            ECONOMY_COUNTRIES[k].customs_union
            for k in w.countries[: w.n_economy_countries]
        ]
    )
    econ = (seller < w.n) & (buyer < w.n)
    cs = w.country[np.minimum(seller, w.n - 1)]
    cb = w.country[np.minimum(buyer, w.n - 1)]
    return np.asarray(econ & (cs != cb) & ~(union[cs] & union[cb]), dtype=bool)


def russian_docs(w: World) -> Bools:
    return np.array([k in _RUSSIAN_DOCS for k in w.countries])
