from __future__ import annotations

import datetime
import platform

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sarap.agents import DeclarationRiskRanker, NotFittedError, inspection_metrics
from sarap.agents._queue import read_lines
from tests.conftest import KCS_TRAIN, KCS_VALID, need_kcs

FAST = {"n_estimators": 120, "learning_rate": 0.1}


def _split(lines: pa.Table) -> tuple[pa.Table, pa.Table]:
    """First ten months to learn from, last two to judge on."""
    dates = lines.column("date").cast(pa.date32())
    cut = pa.scalar(datetime.date(2024, 11, 1), pa.date32())
    early = pc.less(dates, cut)
    return lines.filter(early), lines.filter(pc.invert(early))


@pytest.fixture(scope="module")
def fitted(sim_lines):  # type: ignore[no-untyped-def]
    train, test = _split(sim_lines)
    return DeclarationRiskRanker(**FAST).fit(train), train, test


def _y(t: pa.Table) -> np.ndarray:
    return t.column("fraud").to_numpy(zero_copy_only=False).astype(int)


def test_quality_floor_on_later_months(fitted):
    model, _, test = fitted
    m = inspection_metrics(_y(test), model.score_samples(test))
    assert m["auc"] >= 0.85, m
    assert m["precision@5%"] >= 0.6, m
    # far above the base rate of the simulated months
    assert m["precision@5%"] >= 4 * m["positives"] / m["n"], m


def test_scoring_is_pure_and_repeatable(fitted):
    model, _, test = fitted
    before = (
        model.booster_.model_to_string(),
        model.threshold_,
        {k: v.to_pylist() for k, v in model.references_.groups.items()},
    )
    a = model.score_samples(test)
    b = model.score_samples(test)
    np.testing.assert_array_equal(a, b)
    after = (
        model.booster_.model_to_string(),
        model.threshold_,
        {k: v.to_pylist() for k, v in model.references_.groups.items()},
    )
    assert before == after


def test_fit_is_deterministic(sim_lines):
    train, test = _split(sim_lines.slice(0, 6000))
    a = DeclarationRiskRanker(n_estimators=30).fit(train).score_samples(test)
    b = DeclarationRiskRanker(n_estimators=30).fit(train).score_samples(test)
    np.testing.assert_array_equal(a, b)


def test_the_same_lines_in_another_order_fit_the_same_model(sim_lines):
    # Bagging draws rows by position: the file's order must not matter.
    train, test = _split(sim_lines.slice(0, 6000))
    shuffled = train.take(np.random.default_rng(3).permutation(train.num_rows))
    a = DeclarationRiskRanker(n_estimators=30).fit(train)
    b = DeclarationRiskRanker(n_estimators=30).fit(shuffled)
    np.testing.assert_array_equal(a.score_samples(test), b.score_samples(test))
    assert a.training_fingerprint_ == b.training_fingerprint_


def test_predict_flags_about_the_inspection_share(fitted):
    model, train, _ = fitted
    share = model.predict(train).mean()
    assert 0.02 < share < 0.10  # inspect_percent=5 on the training scores


def test_reasons_are_in_words_and_add_up(fitted):
    model, _, test = fitted
    table = model.score_table(test.slice(0, 500))
    top = table.sort_by([("risk", "descending")]).slice(0, 20).to_pylist()
    assert all(r["reasons"] for r in top)
    words = " ".join(r["reasons"] for r in top)
    assert any(w in words for w in ("unit price", "inspected declarations", "origin"))
    # the path attributions add up to the model's raw score
    names, attributor = model._attributor()
    _, feats = model._features(test.slice(0, 50))
    M = model._matrix(feats)
    leaves = attributor.flat(model.booster_.predict(M, pred_leaf=True))
    raw = model.booster_.predict(M, raw_score=True)
    total = attributor.contributions(leaves).sum(axis=1) + attributor.base
    np.testing.assert_allclose(total, raw, atol=1e-4)
    np.testing.assert_allclose(attributor.raw_score(leaves), raw, atol=1e-9)
    # scoring with reasons for every line gives the scores of score_samples
    np.testing.assert_allclose(
        table.column("risk").to_numpy(),
        model.score_samples(test.slice(0, 500)),
        atol=1e-12,
    )


def test_explain_limits_reasons_to_the_riskiest(fitted):
    model, _, test = fitted
    table = model.score_table(test.slice(0, 300), explain=10)
    have = [r is not None for r in table.column("reasons").to_pylist()]
    assert sum(have) == 10
    risk = table.column("risk").to_numpy()
    assert risk[np.array(have)].min() >= risk[~np.array(have)].max()


def test_expected_revenue_when_revenue_is_known(fitted):
    model, _, test = fitted
    assert model.revenue_booster_ is not None
    rev = model.score_table(test.slice(0, 200)).column("expected_revenue")
    assert pc.min(rev).as_py() >= 0


def test_save_and_load_give_the_same_scores(fitted, tmp_path):
    model, _, test = fitted
    model.save(tmp_path / "m")
    again = DeclarationRiskRanker.load(tmp_path / "m")
    np.testing.assert_allclose(again.score_samples(test), model.score_samples(test))
    assert again.training_fingerprint_ == model.training_fingerprint_
    assert again.get_params() == model.get_params()


def test_a_refit_without_revenue_leaves_no_old_revenue_model(fitted, tmp_path):
    import copy

    model, _, test = fitted
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "revenue.txt").is_file()
    plain = copy.copy(model)
    plain.revenue_booster_ = None  # as a fit on data without revenue
    plain.save(tmp_path / "m")
    assert not (tmp_path / "m" / "revenue.txt").exists()
    again = DeclarationRiskRanker.load(tmp_path / "m")
    assert again.revenue_booster_ is None
    assert (
        again.score_table(test.slice(0, 50)).column("expected_revenue").null_count == 50
    )


def test_an_interrupted_save_keeps_the_model_there(fitted, tmp_path, monkeypatch):
    import sarap.agents._declarations as module

    model, _, test = fitted
    model.save(tmp_path / "m")
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir() if p.is_file()}

    def ctrl_c(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(module.pq, "write_table", ctrl_c)  # mid-way through
    with pytest.raises(KeyboardInterrupt):
        model.save(tmp_path / "m", note="never written")
    after = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir() if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_older_models_fraud_counts_give_the_same_table(fitted, tmp_path):
    """Models saved before the fraud counts were DOUBLE kept DuckDB's 128-bit
    sums (decimal128 in Parquet); they load and score as before, reasons
    included."""
    model, _, test = fitted
    groups = model.references_.groups
    assert all(t.schema.field("fraud").type == pa.float64() for t in groups.values())
    model.save(tmp_path / "m")
    old = DeclarationRiskRanker.load(tmp_path / "m")
    for name, table in old.references_.groups.items():
        i = table.schema.get_field_index("fraud")
        old.references_.groups[name] = table.set_column(
            i, "fraud", table.column(i).cast(pa.decimal128(38, 0))
        )
    assert old.score_table(test).equals(model.score_table(test))


def test_bad_parameter_is_named():
    with pytest.raises(ValueError, match="'learning_rate' parameter"):
        DeclarationRiskRanker(learning_rate=5.0).fit(pa.table({}))
    with pytest.raises(ValueError, match="'n_estimators' parameter"):
        DeclarationRiskRanker(n_estimators=0).fit(pa.table({}))


def test_unfitted_agent_says_so(sim_lines):
    with pytest.raises(NotFittedError):
        DeclarationRiskRanker().score_samples(sim_lines.slice(0, 5))


def test_labels_must_be_complete(sim_lines):
    t = sim_lines.slice(0, 100)
    y = _y(t).astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        DeclarationRiskRanker(n_estimators=5).fit(t, y)


def test_constructor_stores_params_only():
    m = DeclarationRiskRanker(num_leaves=7)
    assert m.get_params()["num_leaves"] == 7
    assert not hasattr(m, "booster_")
    assert repr(m) == "DeclarationRiskRanker(num_leaves=7)"


@pytest.mark.slow
def test_public_kcs_dataset_beats_the_published_baseline():
    """Fit on the 2020 train split only; judge on the 2021 valid split."""
    need_kcs()
    train = read_lines([KCS_TRAIN], mapping="kcs", labelled_only=True).table
    valid = read_lines([KCS_VALID], mapping="kcs", labelled_only=True).table
    model = DeclarationRiskRanker().fit(train)
    m = inspection_metrics(_y(valid), model.score_samples(valid))
    assert m["n"] == 8134
    assert m["precision@5%"] >= 0.90, m  # paper's LightGBM: .762 on its test split
    assert m["precision@10%"] >= 0.80, m  # paper's LightGBM: .641


def test_queue_is_the_one_rank_sql_gives(fitted):
    """rank_declarations works the queue out on scores alone and explains the
    shown lines only; RANK_SQL over every line's scores and reasons is the
    specification."""
    from sarap.agents import _queue
    from sarap.backends import get_backend

    model, _, test = fitted
    lines = test.slice(0, 900)  # multi-item declarations among them
    fast = _queue.rank_declarations(model, lines)
    scored = model.score_table(lines)
    ctx = lines.select(["importer_id", "hs_code", "customs_value", "currency", "date"])
    both = pa.Table.from_arrays(
        scored.columns + ctx.columns + [pa.array(np.arange(lines.num_rows))],
        names=scored.column_names + ctx.column_names + ["_pos"],
    )
    be = get_backend("duckdb")
    be.register("_scored", both)
    by_sql = be.sql(_queue.RANK_SQL)
    assert fast.column_names == by_sql.column_names
    assert fast.num_rows == by_sql.num_rows < lines.num_rows
    for name in fast.column_names:
        got, want = fast.column(name).to_pylist(), by_sql.column(name).to_pylist()
        if name in ("risk", "expected_revenue", "customs_value"):
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)
        else:
            assert got == want, name
    top = _queue.rank_declarations(model, lines, explain=25).column("reasons")
    assert top.null_count == fast.num_rows - 25
    assert top.slice(0, 25).to_pylist() == fast.column("reasons").to_pylist()[:25]


def test_multi_item_declaration_takes_its_riskiest_item(fitted):
    from sarap.agents._queue import rank_declarations

    model, _, test = fitted
    queue = rank_declarations(model, test.slice(0, 600))
    lines = model.score_table(test.slice(0, 600)).to_pandas()
    worst = lines.groupby("declaration_id")["risk"].max()
    got = queue.to_pandas().set_index("declaration_id")["risk"]
    assert len(got) == len(worst) < 600  # the simulator makes multi-item ones
    np.testing.assert_allclose(got.sort_index(), worst.sort_index(), rtol=1e-12)
    items = queue.to_pandas().set_index("declaration_id")["items"]
    assert (items.sort_index() == lines.groupby("declaration_id").size()).all()


@pytest.mark.slow  # fits a goods model first (about 10 s in all)
def test_goods_mismatch_is_a_feature_and_a_reason(sim_lines, tmp_path):
    from sarap.agents._goods import GoodsClassifier
    from sarap.simulate import simulate_goods

    cat = simulate_goods(600, seed=0)
    GoodsClassifier().fit(
        cat.examples["text"], cat.examples["code10"], nomenclature=cat.nomenclature
    ).save(tmp_path / "goods")
    train, test = _split(sim_lines)
    train, test = train.slice(0, 5000), test.slice(0, 1500)
    model = DeclarationRiskRanker(
        n_estimators=60, goods_model=str(tmp_path / "goods")
    ).fit(train)
    assert "goods_mismatch" in model.feature_names_
    assert "goods_reason" not in model.feature_names_
    table = model.score_table(test)
    scheme = test.column("scheme").to_pylist()
    reasons = table.column("reasons").to_pylist()
    quoted = [r for r, s in zip(reasons, scheme, strict=True) if "declared code" in r]
    assert quoted, "no reason quotes the goods agent"
    planted = [
        r for r, s in zip(reasons, scheme, strict=True) if s == "misclassification"
    ]
    assert any("fits the goods text poorly" in r for r in planted)
    model.save(tmp_path / "m")
    again = DeclarationRiskRanker.load(tmp_path / "m")
    assert again.goods_model == str(tmp_path / "goods")
    np.testing.assert_allclose(again.score_samples(test), model.score_samples(test))


def test_compiled_trees_score_as_lightgbm_does(fitted, tmp_path, monkeypatch):
    """A big batch goes through the boosters compiled by lleaves: the same
    scores, revenue and reasons as LightGBM gives, and the compiled object
    is cached for the next process."""
    from sarap.agents import _compiled, _declarations

    model, _, test = fitted
    monkeypatch.setenv("SARAP_CACHE", str(tmp_path))
    monkeypatch.setattr(_compiled, "_loaded", {})
    lightgbm = model.score_table(test, explain=50)  # small: LightGBM
    monkeypatch.setattr(_declarations, "SMALL", 100)
    model.save(tmp_path / "m")
    again = DeclarationRiskRanker.load(tmp_path / "m")  # nothing compiled yet
    again.score_table(test, explain=50)  # big, but too small to repay compiling
    assert not (tmp_path / "compiled").exists()
    monkeypatch.setattr(_declarations, "COMPILE_AT", 1000)
    compiled = again.score_table(test, explain=50)
    assert again._compiled(["booster_"]) is not None  # it did compile
    assert len(list((tmp_path / "compiled").glob("*.so"))) == 2  # risk, revenue
    np.testing.assert_allclose(
        compiled.column("risk").to_numpy(),
        lightgbm.column("risk").to_numpy(),
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        compiled.column("expected_revenue").to_numpy(),
        lightgbm.column("expected_revenue").to_numpy(),
        rtol=1e-9,
    )
    assert compiled.column("reasons").equals(lightgbm.column("reasons"))
    assert again.compile_for_batches()  # and the leaf finder for reasons
    assert len(list((tmp_path / "compiled").glob("*.so"))) == 3
    every = again.score_table(test)  # every line explained: compiled leaves
    np.testing.assert_allclose(
        every.column("risk").to_numpy(), lightgbm.column("risk").to_numpy(), atol=1e-12
    )
    monkeypatch.setattr(_declarations, "SMALL", 10**9)
    assert every.column("reasons").equals(again.score_table(test).column("reasons"))


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 only"
)
def test_compiled_trees_outlive_a_change_of_host_processor(
    fitted, tmp_path, monkeypatch
):
    """Compiled for baseline x86-64, the cached trees are still found when
    the machine reports another processor (a virtual machine moved to
    another host)."""
    import llvmlite.binding as llvm

    from sarap.agents import _compiled

    model, _, _ = fitted
    text = model._text("revenue_booster_")  # the smaller booster
    monkeypatch.setenv("SARAP_CACHE", str(tmp_path))
    monkeypatch.setattr(_compiled, "_loaded", {})
    assert _compiled.compiled_predict(text, 1) is not None
    monkeypatch.setattr(_compiled, "_loaded", {})
    monkeypatch.setattr(llvm, "get_host_cpu_name", lambda: "elsewhere")
    monkeypatch.setattr(
        llvm, "get_host_cpu_features", lambda: type("F", (), {"flatten": str})()
    )
    assert _compiled.compiled_predict(text, 1, build=False) is not None


def test_scoring_falls_back_to_lightgbm_without_a_compiler(fitted, monkeypatch):
    from sarap.agents import _compiled, _declarations

    model, _, test = fitted
    expected = model.score_samples(test)
    monkeypatch.setattr(_declarations, "SMALL", 100)
    monkeypatch.setattr(_declarations, "COMPILE_AT", 1000)
    monkeypatch.setattr(_compiled, "_compile", _raise)
    monkeypatch.setattr(_compiled, "_loaded", {})
    again = DeclarationRiskRanker(**model.get_params())
    again.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
    np.testing.assert_array_equal(again.score_samples(test), expected)
    assert again._compiled(["booster_"]) is None


def _raise(*args: object) -> None:
    raise RuntimeError("no compiler here")


def test_queue_refuses_lines_without_a_declaration_id(fitted):
    from sarap.agents._queue import rank_declarations
    from sarap.errors import SarapError

    model, _, test = fitted
    lines = test.slice(0, 20)
    ids = lines.column("declaration_id").to_pylist()
    ids[3] = None
    lines = lines.set_column(
        lines.column_names.index("declaration_id"), "declaration_id", pa.array(ids)
    )
    with pytest.raises(SarapError, match="declaration_id is missing on 1 lines"):
        rank_declarations(model, lines)


def test_scoring_modules_import_neither_lightgbm_nor_sklearn():
    """They take longer to import than a big batch spends in them: the
    scoring path loads them only when it needs them (small batches, fit)."""
    import subprocess
    import sys

    code = (
        "import sys, sarap.cli; "
        "from sarap.agents._queue import load_model, rank_declarations; "
        "from sarap.agents import DeclarationRiskRanker; "
        "print(sorted(m for m in ('lightgbm', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_take_ascending_is_arrows_take_across_chunks():
    from sarap.agents._declarations import _take_ascending

    schema = pa.schema({"a": pa.int64(), "b": pa.string()})
    table = pa.Table.from_batches(
        [
            pa.record_batch([range(s, s + k), [str(i) for i in range(k)]], schema)
            for s, k in ((0, 5), (5, 0), (5, 7), (12, 3))
        ]
    )
    for rows in ([], [0], [4, 5, 11, 12, 14], list(range(15)), [13]):
        got = _take_ascending(table, np.array(rows, dtype=np.int64))
        assert got.equals(table.take(pa.array(rows, pa.int64())))


@pytest.mark.parametrize("labelled", [False, True])
def test_a_queue_given_for_declarations_is_refused(fitted, tmp_path, labelled):
    # The queue has declaration ids, dates, importers, codes and values: it
    # was scored as declarations of one item each, or refused for evaluate
    # as having "no labelled declaration rows", never told what it was.
    from sarap.agents._queue import rank_declarations, write_queue
    from sarap.errors import SarapError

    model, _, test = fitted
    write_queue(rank_declarations(model, test, explain=5), tmp_path / "queue.csv")
    with pytest.raises(SarapError) as info:
        read_lines([tmp_path / "queue.csv"], labelled_only=labelled)
    assert str(info.value) == (
        f"{tmp_path / 'queue.csv'}: this is an inspection queue (columns rank, "
        "risk, reasons), not declarations; give the declarations file it was "
        "scored from"
    )


@pytest.mark.parametrize(
    "header, row, what",
    [
        ("party_id,country,name", "P1,KZ,Alma", "parties"),
        ("declaration_id,fraud", "D1,1", "inspection outcomes"),
        ("party_id,period,output_vat,input_vat", "P1,2024-01,10,5", "VAT returns"),
    ],
)
def test_another_tables_file_is_refused_as_declarations(tmp_path, header, row, what):
    # Its columns read as another table of the data model: read_lines
    # returned it, and fit, score and evaluate stopped with a KeyError
    # traceback ('Field "declaration_id" does not exist in schema').
    from sarap.errors import SarapError

    path = tmp_path / "other.csv"
    path.write_text(f"{header}\n{row}\n")
    for labelled in (False, True):
        with pytest.raises(SarapError) as info:
            read_lines([path], labelled_only=labelled)
        assert str(info.value) == (
            f"{path}: its columns are those of {what}, not declarations"
        )


@pytest.mark.parametrize("fraud_column", [None, "violation"])
def test_a_file_without_outcomes_names_the_column_and_mapping(
    sim_lines, tmp_path, fraud_column
):
    # evaluate and fit said "no labelled declaration rows to use", leaving
    # the analyst to guess which column, under which name, was looked for.
    import json

    import pyarrow.csv as pacsv

    from sarap.errors import SarapError

    lines = sim_lines.slice(0, 200).drop(["fraud", "additional_revenue", "scheme"])
    pacsv.write_csv(lines, tmp_path / "new.csv")
    mapping, name, column = None, "identity", "fraud"
    if fraud_column:
        names = {c: c for c in lines.column_names} | {"fraud": fraud_column}
        mapping = tmp_path / "ours.json"
        mapping.write_text(json.dumps({"name": "ours", "columns": names}))
        name, column = "ours", fraud_column
    with pytest.raises(SarapError) as info:
        read_lines([tmp_path / "new.csv"], mapping=mapping, labelled_only=True)
    assert str(info.value) == (
        f"{tmp_path / 'new.csv'}: no inspection outcomes: mapping '{name}' reads "
        f"them from column '{column}' (1 fraud, 0 none found), which is missing "
        "or empty"
    )
    assert read_lines([tmp_path / "new.csv"], mapping=mapping).table.num_rows == 200


def test_a_file_with_no_valid_row_says_why(sim_lines, tmp_path):
    # "no valid declaration rows to use", and no more: the rejected rows'
    # reasons are printed only when some rows are read.
    import pyarrow.csv as pacsv

    from sarap.errors import SarapError

    lines = sim_lines.slice(0, 50)
    lines = lines.set_column(
        lines.column_names.index("date"), "date", pa.array(["2024/31/01"] * 50)
    )
    pacsv.write_csv(lines, tmp_path / "bad.csv")
    with pytest.raises(SarapError) as info:
        read_lines([tmp_path / "bad.csv"])
    assert str(info.value) == (
        f"{tmp_path / 'bad.csv'}: no valid declaration rows to use; 50 rows "
        "rejected, the most (50) for bad date (column 'date')"
    )
