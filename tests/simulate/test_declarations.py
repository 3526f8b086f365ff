from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from sarap.simulate import (
    FTA_COUNTRIES,
    GOODS,
    GSP_COUNTRIES,
    OUTCOME_COLUMNS,
    SCHEMES,
    USD_PER_UNIT,
    simulate_declarations,
    simulate_parties,
    write_table,
)
from sarap.store import ENTITIES

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
}
GOODS_BY_CODE = {g.hs6: g for g in GOODS}


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return simulate_declarations(20_000, seed=11)


@pytest.fixture(scope="module")
def df(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    frame["usd"] = frame["customs_value"] * frame["currency"].map(USD_PER_UNIT)
    frame["log_unit_price"] = np.log(frame["usd"] / frame["net_mass_kg"])
    return frame


def test_same_seed_gives_the_same_table() -> None:
    a = simulate_declarations(3000, seed=4)
    b = simulate_declarations(3000, seed=4)
    assert a.equals(b)


def test_different_seeds_differ() -> None:
    a = simulate_declarations(3000, seed=4)
    b = simulate_declarations(3000, seed=5)
    assert a.num_rows == b.num_rows
    assert not a.equals(b)
    assert a.column("customs_value") != b.column("customs_value")


def test_columns_and_types_follow_the_data_model(table: pa.Table) -> None:
    entity = ENTITIES["declarations"]
    assert table.column_names == entity.field_names + list(OUTCOME_COLUMNS)
    for f in entity.fields:
        assert table.schema.field(f.name).type == ARROW_TYPES[f.type], f.name
    assert table.schema.field("fraud").type == pa.int32()
    assert table.schema.field("additional_revenue").type == pa.float64()
    assert table.schema.field("scheme").type == pa.string()


def test_required_fields_are_never_null(table: pa.Table) -> None:
    for f in ENTITIES["declarations"].fields:
        if f.required:
            assert table.column(f.name).null_count == 0, f.name
    for name in ("item_no", "office_id", "fraud", "additional_revenue"):
        assert table.column(name).null_count == 0, name


def test_exact_row_count_and_key(df: pd.DataFrame) -> None:
    assert len(df) == 20_000
    assert not df.duplicated(["declaration_id", "item_no"]).any()
    # Items are numbered 1..k within each declaration.
    counts = df.groupby("declaration_id")["item_no"].agg(["min", "max", "size"])
    assert (counts["min"] == 1).all()
    assert (counts["max"] == counts["size"]).all()


def test_sorted_by_date_then_declaration(df: pd.DataFrame) -> None:
    ordered = df.sort_values(["date", "declaration_id", "item_no"], kind="stable")
    assert (ordered.index == df.index).all()


def test_declaration_header_is_shared_by_its_items(df: pd.DataFrame) -> None:
    header = [
        "date",
        "office_id",
        "importer_id",
        "declarant_id",
        "seller_id",
        "transport_mode",
        "country_departure",
        "currency",
        "procedure",
    ]
    assert (df.groupby("declaration_id")[header].nunique(dropna=False) == 1).all().all()


def test_declaration_id_format(df: pd.DataFrame) -> None:
    assert df["declaration_id"].str.fullmatch(r"\d{5}/\d{6}/\d{7}").all()
    assert (df["declaration_id"].str[:5] == df["office_id"]).all()
    ddmmyy = pd.to_datetime(df["date"]).dt.strftime("%d%m%y")
    assert (df["declaration_id"].str[6:12] == ddmmyy).all()


def test_dates_cover_the_requested_window() -> None:
    t = simulate_declarations(4000, seed=2, start="2023-03-15", months=3)
    dates = pd.to_datetime(t.column("date").to_pandas())
    assert dates.min() >= pd.Timestamp("2023-03-15")
    assert dates.max() < pd.Timestamp("2023-06-15")
    assert dates.dt.month.nunique() == 4  # March to June


def test_fraud_rate_is_close_to_the_target(df: pd.DataFrame) -> None:
    assert abs(df["fraud"].mean() - 0.08) < 0.01
    high = simulate_declarations(20_000, seed=3, fraud_rate=0.2)
    assert abs(pc_mean(high, "fraud") - 0.2) < 0.02


def pc_mean(table: pa.Table, column: str) -> float:
    return float(np.mean(table.column(column).to_numpy()))


def test_no_fraud_when_rate_is_zero() -> None:
    t = simulate_declarations(5000, seed=1, fraud_rate=0.0)
    assert pc_mean(t, "fraud") == 0
    assert t.column("scheme").null_count == t.num_rows
    assert pc_mean(t, "additional_revenue") == 0


def test_every_scheme_is_planted(df: pd.DataFrame) -> None:
    assert set(df["scheme"].dropna()) == set(SCHEMES)
    shares = df["scheme"].value_counts(normalize=True)
    assert shares.min() > 0.03


def test_labels_and_revenue_are_consistent(df: pd.DataFrame) -> None:
    assert set(df["fraud"].unique()) <= {0, 1}
    assert (df["additional_revenue"] >= 0).all()
    caught = df["scheme"].notna() & (df["fraud"] == 1)
    assert (df.loc[caught, "additional_revenue"] > 0).all()
    assert (df.loc[df["fraud"] == 0, "additional_revenue"] == 0).all()
    # Label noise is small: most planted fraud is labelled, few honest are.
    assert df.loc[df["scheme"].notna(), "fraud"].mean() > 0.95
    assert df.loc[df["scheme"].isna(), "fraud"].mean() < 0.01


def test_hs_codes_are_six_digit_strings(df: pd.DataFrame) -> None:
    codes = df["hs_code"]
    assert codes.str.fullmatch(r"\d{6}").all()
    assert codes.str.startswith("0").any()  # leading zeros kept
    assert set(codes) <= set(GOODS_BY_CODE)


def test_values_are_positive_and_duty_follows_the_rate(df: pd.DataFrame) -> None:
    assert (df["customs_value"] > 0).all()
    assert (df["net_mass_kg"] > 0).all()
    assert (df["quantity"].dropna() > 0).all()
    assert (df["quantity"].isna() == df["quantity_unit"].isna()).all()
    assert (df["tax_rate"] >= 0).all()
    expected = df["customs_value"] * df["tax_rate"] / 100
    assert np.allclose(df["duty"], expected, atol=0.011)


def test_codes_countries_and_currencies(df: pd.DataFrame) -> None:
    for col in ("country_origin", "country_departure"):
        assert df[col].str.fullmatch(r"[A-Z]{2}").all()
    assert set(df["currency"]) <= set(USD_PER_UNIT)
    assert (df["currency"] == "USD").mean() > 0.7
    assert set(df["tax_type"]) <= {"MFN", "FTA", "GSP", "SUSP"}
    assert df["importer_id"].str.fullmatch(r"\d{12}").all()
    assert df["importer_id"].nunique() > 100
    # Brokers serve many importers each.
    per_broker = df.groupby("declarant_id")["importer_id"].nunique()
    assert per_broker.max() > 20


def test_preference_follows_origin(df: pd.DataFrame) -> None:
    honest = df[df["scheme"].isna()]
    fta = honest[honest["tax_type"] == "FTA"]
    assert fta["country_origin"].isin(FTA_COUNTRIES).all()
    assert (fta["tax_rate"] == 0).all()
    gsp = honest[honest["tax_type"] == "GSP"]
    assert gsp["country_origin"].isin(GSP_COUNTRIES).all()
    mfn = honest[honest["tax_type"] == "MFN"]
    rates = mfn["hs_code"].map({c: g.mfn_rate for c, g in GOODS_BY_CODE.items()})
    assert (mfn["tax_rate"] == rates).all()


def test_undervalued_items_are_cheap_for_their_code(df: pd.DataFrame) -> None:
    honest = df[df["scheme"].isna()]
    reference = honest.groupby("hs_code")["log_unit_price"].median()
    under = df[df["scheme"] == "undervaluation"]
    gap = under["log_unit_price"] - under["hs_code"].map(reference)
    assert gap.median() < -0.8
    per_code = gap.groupby(under["hs_code"]).median()
    assert (per_code < 0).mean() > 0.9


def test_misclassified_items_keep_the_true_description(df: pd.DataFrame) -> None:
    mis = df[df["scheme"] == "misclassification"]
    assert len(mis) > 50
    declared = mis["hs_code"].map(GOODS_BY_CODE)
    own_names = [(g.name_en, g.name_ru) for g in declared]
    says_declared = [
        d.startswith(names)
        for d, names in zip(mis["description"], own_names, strict=True)
    ]
    assert not any(says_declared)
    # Declared code is the lower-duty code of some other good.
    decoys = {g.lower_duty_code for g in GOODS if g.lower_duty_code}
    assert mis["hs_code"].isin(decoys).all()
    # Their value per kg is not that of the declared code.
    honest = df[df["scheme"].isna()]
    reference = honest.groupby("hs_code")["log_unit_price"].median()
    gap = (mis["log_unit_price"] - mis["hs_code"].map(reference)).abs()
    assert gap.median() > 0.4


def test_origin_misdeclaration_claims_a_preference(df: pd.DataFrame) -> None:
    om = df[df["scheme"] == "origin_misdeclaration"]
    assert len(om) > 50
    assert om["country_origin"].isin(FTA_COUNTRIES | GSP_COUNTRIES).all()
    assert om["tax_type"].isin(["FTA", "GSP"]).all()
    honest_pref = df[df["scheme"].isna() & df["tax_type"].isin(["FTA", "GSP"])]

    def moved(d: pd.DataFrame) -> float:
        return float((d["country_origin"] != d["country_departure"]).mean())

    def certified(d: pd.DataFrame) -> float:
        return float(d["origin_indicator"].isin(["FTA_CERT", "GSP_CERT"]).mean())

    assert moved(om) > moved(honest_pref) + 0.2
    assert certified(om) < certified(honest_pref) - 0.3


def test_repeat_offenders_offend_repeatedly(df: pd.DataFrame) -> None:
    offenders = df.loc[df["scheme"] == "repeat_offender", "importer_id"].unique()
    rate = df[df["importer_id"].isin(offenders)]["fraud"].mean()
    assert rate > 0.25
    assert df[~df["importer_id"].isin(offenders)]["fraud"].mean() < 0.08


def test_new_importers_start_late_and_ship_large_values(df: pd.DataFrame) -> None:
    new = df.loc[df["scheme"] == "new_importer_high_value", "importer_id"].unique()
    first = pd.to_datetime(df.groupby("importer_id")["date"].min())
    start = pd.to_datetime(df["date"]).min()
    assert ((first[new] - start).dt.days > 90).all()
    newcomers = df[df["importer_id"].isin(new)]
    assert newcomers["usd"].median() > 2 * df["usd"].median()
    assert newcomers["fraud"].mean() > 0.25


def test_honest_oddities_exist(df: pd.DataFrame) -> None:
    honest = df[df["scheme"].isna()]
    assert (honest["country_origin"] != honest["country_departure"]).mean() > 0.05
    assert honest["description"].str.contains("USED|Б/У|SAMPLES|ОБРАЗЦЫ").any()
    assert honest["description"].str.contains("[А-Я]").mean() > 0.25


def test_signals_are_learnable_but_not_perfect(df: pd.DataFrame) -> None:
    lightgbm = pytest.importorskip("lightgbm")
    d = df.copy()
    d["price_gap"] = d["log_unit_price"] - d.groupby("hs_code")[
        "log_unit_price"
    ].transform("median")
    d["moved"] = (d["country_origin"] != d["country_departure"]).astype(int)
    d["log_value"] = np.log(d["usd"])
    pair = d.groupby(["hs_code", "country_origin"])["hs_code"].transform("size")
    d["origin_share"] = pair / d.groupby("hs_code")["hs_code"].transform("size")
    for col in ("hs_code", "tax_type", "origin_indicator", "importer_id"):
        d[col] = d[col].astype("category")
    features = [
        "price_gap",
        "moved",
        "log_value",
        "origin_share",
        "hs_code",
        "tax_type",
        "origin_indicator",
        "tax_rate",
    ]
    train = d["date"] < d["date"].quantile(0.7)
    model = lightgbm.LGBMClassifier(n_estimators=150, verbose=-1, random_state=0)
    model.fit(d.loc[train, features], d.loc[train, "fraud"])
    test = d[~train].copy()
    test["p"] = model.predict_proba(test[features])[:, 1]
    top = test.nlargest(int(0.05 * len(test)), "p")
    precision = top["fraud"].mean()
    assert 0.6 < precision < 0.99


def test_parties_cover_every_party(table: pa.Table, df: pd.DataFrame) -> None:
    parties = simulate_parties(table)
    assert parties.column_names == ENTITIES["parties"].field_names
    p = parties.to_pandas()
    assert p["party_id"].is_unique
    ids = set(p["party_id"])
    for col in ("importer_id", "declarant_id", "seller_id", "courier_id"):
        assert set(df[col].dropna()) <= ids, col
    home = p[p["party_id"].isin(df["importer_id"])]
    assert (home["country"] == "KZ").all()
    assert home["activity_code"].str.fullmatch(r"\d{5}").all()
    foreign = p[p["party_id"].isin(df["seller_id"])]
    assert (foreign["country"] == foreign["party_id"].str[:2]).all()


def test_parties_registered_before_their_first_declaration(
    table: pa.Table, df: pd.DataFrame
) -> None:
    p = simulate_parties(table).to_pandas().set_index("party_id")
    first = df.groupby("importer_id")["date"].min()
    registered = p.loc[first.index, "registration_date"]
    assert (registered <= first).all()
    new = df.loc[df["scheme"] == "new_importer_high_value", "importer_id"].unique()
    age = pd.to_datetime(first[new]) - pd.to_datetime(registered[new])
    assert (age.dt.days < 200).all()
    old = first.index.difference(df.loc[df["scheme"].notna(), "importer_id"])
    old_age = pd.to_datetime(first[old]) - pd.to_datetime(registered[old])
    assert old_age.dt.days.median() > 365


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".jsonl"])
def test_write_table_round_trips(tmp_path: Path, suffix: str) -> None:
    t = simulate_declarations(300, seed=9)
    path = write_table(t, tmp_path / f"decl{suffix}")
    assert path.exists()
    if suffix == ".csv":
        options = pacsv.ConvertOptions(
            column_types=t.schema,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        back = pacsv.read_csv(path, convert_options=options)
        assert back.equals(t)
        assert path.read_text(encoding="utf-8").startswith('"declaration_id"')
    elif suffix == ".parquet":
        assert pq.read_table(path).equals(t)
    elif suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        assert len(rows) == 300
        assert rows[0]["hs_code"] == t.column("hs_code")[0].as_py()
    else:
        got = duckdb.sql(f"SELECT count(*), min(hs_code) FROM read_json('{path}')")
        count, code = got.fetchall()[0]
        assert count == 300
        assert isinstance(code, str) and len(code) == 6


def test_write_table_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        write_table(simulate_declarations(10), tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="does not exist"):
        write_table(simulate_declarations(10), tmp_path / "no" / "x.csv")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n must"),
        ({"n": 10, "months": 0}, "months must"),
        ({"n": 10, "fraud_rate": 0.9}, "fraud_rate must"),
        ({"n": 10, "n_importers": 0}, "n_importers must"),
        ({"n": 10, "start": "yesterday"}, "start must"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_declarations(**kwargs)  # type: ignore[arg-type]


def test_tiny_and_skewed_sizes_work() -> None:
    for n, importers in ((1, None), (7, 1), (500, 3), (200, 1000)):
        t = simulate_declarations(n, seed=0, n_importers=importers)
        assert t.num_rows == n
