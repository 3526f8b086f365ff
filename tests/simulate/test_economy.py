from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sarap.cli import main
from sarap.simulate import (
    ECONOMY_COUNTRIES,
    ECONOMY_SCHEMES,
    USD_PER_UNIT,
    Economy,
    simulate_economy,
    write_table,
)
from sarap.store import ENTITIES

COLUMNS = {
    "parties": [
        "party_id",
        "country",
        "name",
        "registration_date",
        "activity_code",
        "sector",
        "size",
        "employees",
        "director_id",
        "address_id",
        "bank_account",
    ],
    "invoices": [
        "invoice_id",
        "line_no",
        "reported_by",
        "issued_on",
        "seller_id",
        "buyer_id",
        "seller_country",
        "buyer_country",
        "hs_code",
        "amount",
        "vat_rate",
        "vat",
        "currency",
    ],
    "vat_returns": [
        "party_id",
        "period",
        "output_vat",
        "input_vat",
        "vat_payable",
        "vat_paid",
    ],
    "declarations": ENTITIES["declarations"].field_names
    + ["fraud", "additional_revenue", "scheme"],
    "labels": ["party_id", "fraud", "scheme", "role"],
    "invoice_labels": ["invoice_id", "scheme"],
    "exchange_rates": ["currency", "valid_from", "usd_per_unit"],
}
SHELLS = ("missing_trader", "one_day_firm", "technical_firm", "missing_supplier")


@pytest.fixture(scope="module")
def economy() -> Economy:
    return simulate_economy(4000, seed=7)


@pytest.fixture(scope="module")
def frames(economy: Economy) -> dict[str, pd.DataFrame]:
    out = {name: t.to_pandas() for name, t in economy.tables().items()}
    inv = out["invoices"]
    for col in ("reported_by", "seller_country", "buyer_country", "currency"):
        inv[col] = inv[col].astype(str)
    inv["month"] = pd.to_datetime(inv["issued_on"]).dt.strftime("%Y-%m")
    out["vat_returns"]["month"] = pd.to_datetime(
        out["vat_returns"]["period"]
    ).dt.strftime("%Y-%m")
    return out


def roles(frames: dict[str, pd.DataFrame], *names: str) -> pd.Series:
    lab = frames["labels"]
    return lab.loc[lab["role"].isin(names), "party_id"]


def records(frames: dict[str, pd.DataFrame], side: str) -> pd.DataFrame:
    inv = frames["invoices"]
    return inv[inv["reported_by"] == side]


def test_same_seed_gives_the_same_economy() -> None:
    a = simulate_economy(600, months=3, seed=4)
    b = simulate_economy(600, months=3, seed=4)
    for name, table in a.tables().items():
        assert table.equals(b.tables()[name]), name


def test_different_seeds_differ() -> None:
    a = simulate_economy(600, months=3, seed=4)
    b = simulate_economy(600, months=3, seed=5)
    assert not a.invoices.equals(b.invoices)
    assert not a.parties.equals(b.parties)


def test_tables_and_columns(economy: Economy) -> None:
    tables = economy.tables()
    assert list(tables) == list(COLUMNS)
    for name in ("parties", "invoices", "vat_returns", "exchange_rates"):
        assert COLUMNS[name] == ENTITIES[name].field_names, name
    for name, columns in COLUMNS.items():
        assert tables[name].column_names == columns, name
    inv = economy.invoices.schema
    assert inv.field("issued_on").type == pa.date32()
    for col in ("amount", "vat_rate", "vat"):
        assert inv.field(col).type == pa.float64()
    assert economy.vat_returns.schema.field("period").type == pa.date32()
    assert economy.parties.schema.field("registration_date").type == pa.date32()
    assert economy.labels.schema.field("fraud").type == pa.int32()
    assert economy.parties.num_rows == economy.labels.num_rows == 4000


def test_parties(frames: dict[str, pd.DataFrame]) -> None:
    p = frames["parties"]
    assert p["party_id"].is_unique
    assert (p["party_id"].str[:2] == p["country"]).all()
    assert set(p["country"]) <= set(ECONOMY_COUNTRIES)
    kz = p.loc[p["country"] == "KZ", "party_id"]
    assert kz.str.fullmatch(r"KZ\d{12}").all()
    assert set(p["sector"]) == {
        "import",
        "wholesale",
        "retail",
        "producer",
        "services",
        "export",
    }
    assert set(p["size"]) <= {"micro", "small", "medium", "large"}
    assert (p["size"] == "micro").mean() > 0.5
    assert p["activity_code"].str.fullmatch(r"\d{5}").all()
    assert p["bank_account"].str.fullmatch(r"[A-Z]{2}\d{18}").all()
    assert (p["employees"] >= 0).all()
    # Firms are registered before they first invoice.
    inv = frames["invoices"]
    first = pd.concat(
        [
            inv.groupby("seller_id")["issued_on"].min(),
            inv.groupby("buyer_id")["issued_on"].min(),
        ]
    )
    first = first.groupby(level=0).min()
    reg = p.set_index("party_id")["registration_date"]
    known = first.index.intersection(reg.index)
    assert (reg[known] <= first[known]).all()


def test_invoices_cover_the_window_and_both_books(
    frames: dict[str, pd.DataFrame],
) -> None:
    inv = frames["invoices"]
    assert str(inv["issued_on"].min()) >= "2024-01-01"
    assert str(inv["issued_on"].max()) <= "2024-12-31"
    assert set(inv["reported_by"]) == {"seller", "buyer"}
    assert (inv["line_no"] == 1).all()
    assert (inv["amount"] >= 0).all()
    assert not inv.duplicated(["invoice_id", "reported_by"]).any()
    # About 50 records per taxpayer and year, heavy-tailed per taxpayer.
    assert 30 < len(inv) / 4000 < 70
    per = pd.concat([inv["seller_id"], inv["buyer_id"]]).value_counts()
    assert per.max() > 20 * per.median()
    usd = inv["amount"] * inv["currency"].map(USD_RATES)
    assert usd.quantile(0.99) > 10 * usd.median()


USD_RATES = {c.currency: c.usd_per_unit for c in ECONOMY_COUNTRIES.values()} | {
    "USD": 1.0
}


def test_money_follows_the_countries(frames: dict[str, pd.DataFrame]) -> None:
    inv = frames["invoices"]
    cross = inv["seller_country"] != inv["buyer_country"]
    assert cross.mean() > 0.02
    assert (inv.loc[cross, "vat_rate"] == 0).all()
    assert (inv.loc[cross, "currency"] == "USD").all()
    home = inv[~cross]
    rate = home["seller_country"].map(
        {k: c.vat_rate for k, c in ECONOMY_COUNTRIES.items()}
    )
    assert (home["vat_rate"] == rate).all()
    cur = home["seller_country"].map(
        {k: c.currency for k, c in ECONOMY_COUNTRIES.items()}
    )
    assert (home["currency"] == cur).all()
    assert np.allclose(inv["vat"], inv["amount"] * inv["vat_rate"] / 100, atol=0.011)
    # Sales outside the economy have only the seller's record.
    outside = ~inv["buyer_country"].isin(frames["parties"]["country"])
    assert outside.any()
    assert (inv.loc[outside, "reported_by"] == "seller").all()


def test_honest_invoices_match_in_both_books(frames: dict[str, pd.DataFrame]) -> None:
    inv = frames["invoices"]
    planted = set(frames["invoice_labels"]["invoice_id"])
    inside = inv["buyer_id"].isin(frames["parties"]["party_id"])
    honest = inv[~inv["invoice_id"].isin(planted) & inside]
    per = honest.groupby("invoice_id").agg(
        n=("reported_by", "size"),
        sides=("reported_by", "nunique"),
        amounts=("amount", "nunique"),
        vats=("vat", "nunique"),
        sellers=("seller_id", "nunique"),
        buyers=("buyer_id", "nunique"),
        days=("issued_on", "nunique"),
    )
    assert (per == 1).drop(columns=["n", "sides"]).all().all()
    assert (per["n"] == 2).all() and (per["sides"] == 2).all()


def test_every_scheme_is_planted(frames: dict[str, pd.DataFrame]) -> None:
    lab = frames["labels"]
    assert set(lab["scheme"].dropna()) == set(ECONOMY_SCHEMES)
    assert ((lab["fraud"] == 1) == lab["scheme"].notna()).all()
    assert (lab["role"].notna() == lab["scheme"].notna()).all()
    assert 0.01 < lab["fraud"].mean() < 0.06
    il = frames["invoice_labels"]
    assert il["invoice_id"].is_unique
    assert set(il["scheme"]) == set(ECONOMY_SCHEMES)
    assert set(il["invoice_id"]) <= set(frames["invoices"]["invoice_id"])
    decl = frames["declarations"]
    assert set(decl["scheme"].dropna()) == {"undervalued_import", "export_refund"}
    assert ((decl["fraud"] == 1) == decl["scheme"].notna()).all()
    assert (decl.loc[decl["fraud"] == 1, "additional_revenue"] > 0).all()
    assert (decl.loc[decl["fraud"] == 0, "additional_revenue"] == 0).all()
    # Invoices of a scheme involve its taxpayers.
    inv = frames["invoices"].merge(il, on="invoice_id")
    scheme_of = lab.set_index("party_id")["scheme"]
    ours = (inv["seller_id"].map(scheme_of) == inv["scheme"]) | (
        inv["buyer_id"].map(scheme_of) == inv["scheme"]
    )
    assert ours.all()


def test_carousels_cycle_across_borders(frames: dict[str, pd.DataFrame]) -> None:
    il = frames["invoice_labels"]
    sales = records(frames, "seller")
    car = sales[
        sales["invoice_id"].isin(il.loc[il["scheme"] == "carousel", "invoice_id"])
    ]
    graph: dict[str, set[str]] = defaultdict(set)
    for s, b in zip(car["seller_id"], car["buyer_id"], strict=True):
        graph[s].add(b)
    country = frames["parties"].set_index("party_id")["country"]
    traders = roles(frames, "missing_trader")
    traders = traders[
        traders.isin(frames["labels"].query("scheme == 'carousel'").party_id)
    ]
    assert len(traders) >= 3
    for m in traders:
        path = _cycle(graph, m)
        assert path is not None, m
        assert 4 <= len(path) <= 8
        assert len({country[p] for p in path}) == 2
    # Near-equal amounts go round within days.
    vr = frames["vat_returns"]
    assert (vr[vr["party_id"].isin(traders)]["vat_paid"] == 0).all()
    brokers = roles(frames, "broker")
    assert (vr[vr["party_id"].isin(brokers)]["vat_payable"] < 0).mean() > 0.5


def _cycle(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """Shortest path from ``start`` back to itself (breadth first)."""
    parent: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        u = queue.pop(0)
        for v in graph[u]:
            if v == start:
                path = [u]
                while (prev := parent[path[-1]]) is not None:
                    path.append(prev)
                return path[::-1]
            if v not in parent:
                parent[v] = u
                queue.append(v)
    return None


def test_missing_traders_invoice_then_vanish_unpaid(
    frames: dict[str, pd.DataFrame],
) -> None:
    vr = frames["vat_returns"]
    missing = roles(frames, "missing_trader", "missing_supplier")
    theirs = vr[vr["party_id"].isin(missing)]
    assert (theirs["vat_paid"] == 0).all()
    assert theirs.groupby("party_id")["output_vat"].sum().gt(0).all()
    # A few months, then no more returns.
    months = theirs.groupby("party_id").size()
    assert months.max() <= 7
    assert (theirs.groupby("party_id")["month"].max() < "2024-12").mean() > 0.5
    honest = vr[vr["party_id"].isin(frames["labels"].query("fraud == 0").party_id)]
    assert honest["vat_paid"].sum() > 0.9 * honest["vat_payable"].clip(lower=0).sum()


def test_one_day_firms(frames: dict[str, pd.DataFrame]) -> None:
    firms = roles(frames, "one_day_firm")
    p = frames["parties"].set_index("party_id").loc[firms]
    assert (p["employees"] <= 1).all()
    inv = frames["invoices"]
    sold = records(frames, "seller").groupby("seller_id")["amount"].sum()
    bought = records(frames, "buyer").groupby("buyer_id")["amount"].sum()
    passing = bought.reindex(firms) / sold.reindex(firms)
    assert passing.between(0.95, 1.0).all()
    first = inv[inv["seller_id"].isin(firms)].groupby("seller_id")["issued_on"].min()
    age = pd.to_datetime(first) - pd.to_datetime(
        p.loc[first.index, "registration_date"]
    )
    assert age.dt.days.between(0, 100).all()
    # Beneficiaries claim invoices the one-day firms never reported, and
    # some at more than was reported.
    il = frames["invoice_labels"]
    fake = inv[
        inv["invoice_id"].isin(il.loc[il["scheme"] == "one_day_firm", "invoice_id"])
    ]
    books = fake.groupby("invoice_id").agg(
        n=("reported_by", "size"),
        side=("reported_by", "first"),
        amounts=("amount", "nunique"),
    )
    assert ((books["n"] == 1) & (books["side"] == "buyer")).mean() > 0.2
    assert (books["amounts"] > 1).sum() > 0
    beneficiaries = roles(frames, "beneficiary")
    assert fake["buyer_id"].isin(beneficiaries).any()


def test_refunds_from_inflated_exports(frames: dict[str, pd.DataFrame]) -> None:
    exporters = roles(frames, "exporter")
    vr = frames["vat_returns"]
    mine = vr[vr["party_id"].isin(exporters)]
    assert mine.groupby("party_id")["vat_payable"].sum().lt(0).all()
    assert (mine["vat_paid"] == 0).all()
    decl = _unit_gap(frames["declarations"])
    inflated = decl[decl["scheme"] == "export_refund"]
    assert (inflated["procedure"] == "EX10").all()
    assert inflated["gap"].median() > np.log(2)
    assert inflated["importer_id"].isin(exporters).all()


def test_undervalued_imports_resold_at_market(frames: dict[str, pd.DataFrame]) -> None:
    decl = _unit_gap(frames["declarations"])
    under = decl[decl["scheme"] == "undervalued_import"]
    assert (under["procedure"] == "IM40").all()
    assert under["gap"].median() < -np.log(1.8)
    importers = roles(frames, "importer")
    assert under["importer_id"].isin(importers).all()
    resellers = set(importers) | set(roles(frames, "reseller"))
    il = frames["invoice_labels"]
    sales = records(frames, "seller")
    resale = sales[
        sales["invoice_id"].isin(
            il.loc[il["scheme"] == "undervalued_import", "invoice_id"]
        )
        & ~sales["buyer_id"].isin(resellers)
    ]
    sold = (resale["amount"] * resale["currency"].map(USD_RATES)).sum()
    rates = under["currency"].map(USD_PER_UNIT)
    declared = (under["customs_value"] * rates).sum()
    assert sold > 1.5 * declared


def _unit_gap(decl: pd.DataFrame) -> pd.DataFrame:
    """Log value per kg against the honest median of the same code."""
    d = decl.copy()
    usd = d["customs_value"] * d["currency"].map(USD_PER_UNIT)
    d["unit"] = np.log(usd / d["net_mass_kg"])
    honest = d["unit"].where(d["scheme"].isna())
    d["gap"] = d["unit"] - honest.groupby([d["hs_code"], d["procedure"]]).transform(
        "median"
    )
    return d


def test_circular_trading_goes_round(frames: dict[str, pd.DataFrame]) -> None:
    il = frames["invoice_labels"]
    sales = records(frames, "seller")
    circ = sales[
        sales["invoice_id"].isin(
            il.loc[il["scheme"] == "circular_trading", "invoice_id"]
        )
    ]
    members = set(roles(frames, "member"))
    assert set(circ["seller_id"]) <= members and set(circ["buyer_id"]) <= members
    country = frames["parties"].set_index("party_id")["country"]
    assert (circ["seller_id"].map(country) == circ["buyer_id"].map(country)).all()
    usd = circ["amount"] * circ["currency"].map(USD_RATES)
    out = usd.groupby(circ["seller_id"]).sum()
    back = usd.groupby(circ["buyer_id"]).sum()
    both = out.index.intersection(back.index)
    assert len(both) >= 0.9 * len(out)
    assert (out[both] / back[both]).between(0.8, 1.25).mean() > 0.8


def test_rings_share_identities_more_than_honest_firms(
    frames: dict[str, pd.DataFrame],
) -> None:
    p = frames["parties"].merge(frames["labels"], on="party_id")
    for col in ("director_id", "address_id", "bank_account"):
        shared = p[col].duplicated(keep=False)
        honest, fraud = shared[p["fraud"] == 0].mean(), shared[p["fraud"] == 1].mean()
        assert 0 < honest < fraud / 3, col


def test_vat_returns_add_up(economy: Economy, frames: dict[str, pd.DataFrame]) -> None:
    vr = frames["vat_returns"]
    assert not vr.duplicated(["party_id", "month"]).any()
    assert np.allclose(
        vr["vat_payable"], vr["output_vat"] - vr["input_vat"], atol=0.011
    )
    assert (vr["vat_paid"] >= 0).all()
    assert (vr["vat_paid"] <= vr["vat_payable"].clip(lower=0) + 0.01).all()
    sales = records(frames, "seller").groupby(["seller_id", "month"])["vat"].sum()
    buys = records(frames, "buyer").groupby(["buyer_id", "month"])["vat"].sum()
    decl = frames["declarations"]
    imp = decl[decl["procedure"] == "IM40"].copy()
    country = imp["importer_id"].str[:2]
    home = country.map({k: c.usd_per_unit for k, c in ECONOMY_COUNTRIES.items()})
    vat = country.map({k: c.vat_rate for k, c in ECONOMY_COUNTRIES.items()})
    usd = imp["currency"].map(USD_PER_UNIT)
    imp["vat"] = (imp["customs_value"] + imp["duty"]) * vat / 100 * usd / home
    imp["month"] = pd.to_datetime(imp["date"]).dt.strftime("%Y-%m")
    imports = imp.groupby(["importer_id", "month"])["vat"].sum()
    books = pd.concat(
        {
            "sold": sales.rename_axis(["party_id", "month"]),
            "bought": buys.rename_axis(["party_id", "month"]),
            "imported": imports.rename_axis(["party_id", "month"]),
        },
        axis=1,
    ).fillna(0)
    got = vr.merge(books.reset_index(), on=["party_id", "month"], how="outer")
    # Every month with a record has a return.
    assert got["output_vat"].notna().all()
    got = got.fillna(0)
    assert np.allclose(got["input_vat"], got["bought"] + got["imported"], atol=0.05)
    # Output VAT is the sales book plus sales to consumers (none for shells).
    assert (got["output_vat"] >= got["sold"] - 0.05).all()
    shell = got[got["party_id"].isin(roles(frames, *SHELLS))]
    assert np.allclose(shell["output_vat"], shell["sold"], atol=0.05)


def test_declarations_are_those_of_the_economy(
    economy: Economy, frames: dict[str, pd.DataFrame]
) -> None:
    decl = frames["declarations"]
    assert economy.declarations.column_names == COLUMNS["declarations"]
    assert set(decl["procedure"]) == {"IM40", "EX10"}
    parties = set(frames["parties"]["party_id"])
    assert set(decl["importer_id"]) <= parties
    assert set(decl["declarant_id"]) <= parties
    assert decl["hs_code"].str.fullmatch(r"\d{6}").all()
    assert (decl["customs_value"] > 0).all() and (decl["net_mass_kg"] > 0).all()
    exports = decl[decl["procedure"] == "EX10"]
    assert (exports["duty"] == 0).all()
    assert not decl.duplicated(["declaration_id", "item_no"]).any()
    ordered = decl.sort_values(["date", "declaration_id", "item_no"], kind="stable")
    assert (ordered.index == decl.index).all()


def test_short_window_and_other_countries() -> None:
    eco = simulate_economy(
        800, months=2, seed=1, start="2023-03-15", countries=("KZ", "RU", "CN")
    )
    inv = eco.invoices.to_pandas()
    assert str(inv["issued_on"].min()) >= "2023-03-15"
    assert str(inv["issued_on"].max()) < "2023-05-15"
    assert set(eco.parties.column("country").to_pylist()) == {"KZ", "RU", "CN"}
    periods = {str(d) for d in eco.vat_returns.column("period").to_pylist()}
    assert periods == {"2023-03-01", "2023-04-01", "2023-05-01"}
    assert set(eco.scheme_sizes()) == set(ECONOMY_SCHEMES)
    il = set(eco.invoice_labels.column("scheme").to_pylist())
    assert il == set(ECONOMY_SCHEMES)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"taxpayers": 50}, "taxpayers must"),
        ({"taxpayers": 500, "months": 0}, "months must"),
        ({"taxpayers": 500, "start": "soon"}, "start must"),
        (
            {"taxpayers": 500, "countries": ("KZ", "XX")},
            "countries must be some of .*; unknown: XX",
        ),
        ({"taxpayers": 500, "countries": ("KZ",)}, "two or more"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_economy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_writes_the_tables(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "eco"
    args = ["simulate", "economy", "--taxpayers", "400", "--months", "2"]
    result = CliRunner().invoke(main, [*args, "--out", str(folder), "--format", fmt])
    assert result.exit_code == 0, result.output
    for name in COLUMNS:
        assert (folder / f"{name}.{fmt}").is_file(), name
    assert "fraudulent taxpayers" in result.output
    assert "carousel" in result.output
    if fmt == "parquet":
        back = pq.read_table(folder / "invoices.parquet")
        assert back.column_names == COLUMNS["invoices"]
    else:
        header = (folder / "labels.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header == '"party_id","fraud","scheme","role"'


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_workspace_takes_every_row(tmp_path: Path, fmt: str) -> None:
    from sarap.pipeline import ingest
    from sarap.store import Workspace

    eco = simulate_economy(300, months=2, seed=3)
    with Workspace(tmp_path / "w.duckdb") as ws:
        for name in ("parties", "invoices", "vat_returns", "declarations"):
            path = write_table(eco.tables()[name], tmp_path / f"{name}.{fmt}")
            result = ingest(ws, path)
            assert result.quarantined == 0, name
            assert result.loaded == eco.tables()[name].num_rows, name


def test_cli_errors_in_one_line(tmp_path: Path) -> None:
    args = ["simulate", "economy", "--taxpayers", "5", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "taxpayers must" in result.output


@pytest.mark.slow
def test_scales_linearly() -> None:
    start = time.perf_counter()
    eco = simulate_economy(100_000, seed=2)
    assert time.perf_counter() - start < 60
    rows = eco.invoices.num_rows / 100_000
    assert 35 < rows < 65
    sizes = eco.scheme_sizes()
    assert set(sizes) == set(ECONOMY_SCHEMES)
    assert 0.02 < sum(sizes.values()) / 100_000 < 0.04
