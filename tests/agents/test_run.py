"""The coordinator and the tax findings, on a small economy written by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sarap.agents._run import OUTPUT_DDL, _profiles, run_all
from sarap.agents._tax import plural_ru
from sarap.cli import main
from sarap.store import Workspace

PARTIES = """INSERT INTO parties (party_id, country, registration_date, employees,
    director_id, address_id) VALUES
    ('M', 'KZ', '2024-01-01', 0, 'D1', 'A1'),
    ('B', 'KZ', '2020-01-01', 10, 'D1', 'A2'),
    ('R', 'KZ', '2019-01-01', 50, 'D1', 'A3'),
    ('H', 'KZ', '2015-01-01', 20, 'D9', 'A9'),
    ('X', 'KG', '2018-01-01', 5, 'D2', 'A4'),
    ('C1', 'KZ', '2018-01-01', 5, 'D3', 'A5'),
    ('C2', 'RU', '2018-01-01', 5, 'D4', 'A6'),
    ('C3', 'KG', '2018-01-01', 5, 'D5', 'A7'),
    ('Q', 'KZ', '2010-01-01', 80, 'D6', 'A8')"""

# M: a missing trader (sells, never pays VAT); B deducts M's VAT and sells to
# R; H never declares an invoice B deducts; C1 -> C2 -> C3 -> C1 go round
# across borders; Q is honest.
INVOICES = [
    ("I1", "M", "B", "2024-02-01", 1000, 120, "both"),
    ("I2", "H", "B", "2024-02-05", 500, 60, "buyer"),
    ("I3", "B", "R", "2024-02-10", 1100, 132, "both"),
    ("I4", "X", "M", "2024-02-01", 990, 0, "both"),
    ("I5", "C1", "C2", "2024-03-01", 5000, 0, "both"),
    ("I6", "C2", "C3", "2024-03-08", 4900, 0, "both"),
    ("I7", "C3", "C1", "2024-03-15", 4800, 0, "both"),
    ("I8", "Q", "R", "2024-03-15", 300, 36, "both"),
]


def _economy(ws: Workspace) -> None:
    be = ws.backend
    be.execute(PARTIES)
    for inv, s, b, day, amount, vat, side in INVOICES:
        for who in ("seller", "buyer") if side == "both" else (side,):
            be.execute(
                "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
                "seller_id, buyer_id, amount, vat) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                [inv, who, day, s, b, amount, vat],
            )
    be.execute(
        "INSERT INTO vat_returns VALUES ('M', '2024-02-01', 120, 0, 120, 0), "
        "('Q', '2024-03-01', 36, 0, 36, 36)"
    )


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "w.duckdb")
    _economy(w)
    yield w
    w.close()


def _kinds(ws: Workspace, party: str) -> set[str]:
    got = ws.sql("SELECT kind FROM findings WHERE party_id = ?", [party])
    return set(got.column(0).to_pylist())


def test_each_scheme_gives_its_finding(ws, tmp_path):
    run_all(ws, model_dir=tmp_path / "models")
    assert {"unpaid_vat", "one_day_firm"} <= _kinds(ws, "M")
    assert {"chain_beneficiary", "unmatched_deduction"} <= _kinds(ws, "B")
    assert "chain_beneficiary" in _kinds(ws, "R")  # two steps down the chain
    assert _kinds(ws, "H") == {"unreported_sales"}
    for c in ("C1", "C2", "C3"):
        assert "carousel" in _kinds(ws, c)
    # Q is honest; it sells to R, a flagged firm: a weak signal only.
    assert _kinds(ws, "Q") == {"risky_counterparties"}
    evidence = (
        ws.sql(
            "SELECT evidence FROM findings WHERE party_id = 'C1' AND kind = 'carousel'"
        )
        .column(0)[0]
        .as_py()
    )
    assert set(json.loads(evidence)["path"]) == {"C1", "C2", "C3"}


def test_profiles_have_score_band_reasons_in_two_languages(ws, tmp_path):
    run_all(ws, model_dir=tmp_path / "models")
    prof = {r["party_id"]: r for r in ws.sql("SELECT * FROM profiles").to_pylist()}
    assert set(prof) == {"M", "B", "R", "H", "X", "C1", "C2", "C3", "Q"}
    assert prof["M"]["band"] == "high" and prof["Q"]["band"] == "low"
    assert prof["Q"]["band"] == prof["X"]["band"] == "low"
    assert prof["M"]["score"] > prof["H"]["score"] > 0
    assert "VAT" in prof["M"]["reasons_en"] and "НДС" in prof["M"]["reasons_ru"]
    history = ws.sql("SELECT * FROM profile_history WHERE party_id = 'M'").to_pylist()
    assert [str(h["period"]) for h in history] == ["2024-02-01"]


def test_a_second_run_redoes_only_what_changed(ws, tmp_path):
    first = run_all(ws, model_dir=tmp_path / "models")
    assert first.ran["network"].endswith("findings")
    again = run_all(ws, model_dir=tmp_path / "models")
    assert {again.ran[a] for a in ("network", "declarations", "taxpayers")} == {
        "up to date"
    }
    assert again.ran["goods"].startswith("skipped: no goods model")
    ws.backend.execute(
        "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
        "seller_id, buyer_id, amount, vat) "
        "VALUES ('I9', 1, 'buyer', '2024-03-20', 'Q', 'X', 100, 12)"
    )
    third = run_all(ws, model_dir=tmp_path / "models")
    assert third.ran["declarations"] == "up to date"
    assert "unmatched_deduction" in _kinds(ws, "X")
    # Only the taxpayers whose findings changed were rebuilt.
    assert third.profiles < first.profiles


def test_a_carousel_that_goes_round_twice_reads_the_same_run_after_run(tmp_path):
    # C1 -> C2 -> C3 -> C1 twice, every three days: each firm starts a cycle
    # of the same six days. Which of them the reason started from depended on
    # the order of the rows, so an incremental run rewrote these findings
    # and rebuilt their profiles though nothing about them had changed.
    hops = [("C1", "C2"), ("C2", "C3"), ("C3", "C1")] * 2
    rows = [
        (f"I{i}", who, f"2024-03-{1 + 3 * i:02d}", s, b)
        for i, (s, b) in enumerate(hops)
        for who in ("seller", "buyer")
    ]
    found = []
    for name, order in (("a", rows), ("b", rows[::-1])):
        w = Workspace(tmp_path / f"{name}.duckdb")
        w.backend.execute(
            "INSERT INTO parties (party_id, country) "
            "VALUES ('C1', 'KZ'), ('C2', 'RU'), ('C3', 'KG')"
        )
        for row in order:
            w.backend.execute(
                "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
                "seller_id, buyer_id, amount, vat) VALUES (?, 1, ?, ?, ?, ?, 5000, 0)",
                list(row),
            )
        run_all(w, model_dir=tmp_path / f"models-{name}")
        found.append(
            w.sql(
                "SELECT party_id, kind, score, reason_en, reason_ru, evidence "
                "FROM findings ORDER BY ALL"
            ).to_pylist()
        )
        w.close()
    assert found[0] == found[1]
    carousels = [f for f in found[0] if f["kind"] == "carousel"]
    assert len(carousels) == 3
    for f in carousels:  # told from the smallest id
        assert f["reason_en"].endswith(": C1 -> C2 -> C3 -> C1")
        assert json.loads(f["evidence"])["path"] == ["C1", "C2", "C3"]


def test_a_profile_is_the_noisy_or_of_its_weighted_findings(ws):
    """Score, band, the three strongest kinds' reasons, and each month's score
    (that month's findings plus the undated ones), worked out by hand."""
    be = ws.backend
    be.execute(OUTPUT_DDL)
    rows = [  # party, kind (weight), score, period, reason
        ("M", "unpaid_vat", 0.5, "2024-02-01", "a"),  # w .5
        ("M", "unpaid_vat", 0.2, "2024-03-01", "b"),  # w .2, not its kind's best
        ("M", "refund_claim", 1.0, None, "c"),  # w .3, undated
        ("M", "fan_in", 0.5, "2024-03-01", "d"),  # w .15
        ("M", "unknown_kind", 0.5, None, "e"),  # weight .5: w .25
        ("B", "shared_identity", 0.4, None, "f"),  # w .2
        ("H", "unmatched_deduction", 0.9, "2024-02-01", "g"),  # w .9
    ]
    for party, kind, score, period, reason in rows:
        be.execute(
            "INSERT INTO findings VALUES ('r', 'network', ?, ?, ?, ?, ?, ?, NULL)",
            [party, kind, score, period, reason, reason.upper()],
        )
    with be.transaction():
        # Nine profiles made, six of them low: all are counted (it said 3, and
        # a first sarap run "97 profiles rebuilt" of 300 taxpayers).
        assert _profiles(ws, None) == 9
    prof = ws.sql(
        "SELECT party_id, score, band, reasons_en, reasons_ru, kinds FROM profiles"
    ).to_pylist()
    by = {r["party_id"]: r for r in prof}
    m = 100 * (1 - 0.5 * 0.8 * 0.7 * 0.85 * 0.75)
    assert by["M"]["score"] == pytest.approx(round(m, 1))
    assert by["M"]["band"] == "high" and m >= 70
    assert by["M"]["reasons_en"] == "a; c; e"
    assert by["M"]["reasons_ru"] == "A; C; E"
    assert json.loads(by["M"]["kinds"]) == [
        "unpaid_vat",
        "refund_claim",
        "unknown_kind",
    ]
    assert (by["B"]["score"], by["B"]["band"]) == (20.0, "low")
    assert (by["H"]["score"], by["H"]["band"]) == (90.0, "high")
    # Every party has a profile; those without findings are low with none.
    assert by["Q"]["score"] == 0 and by["Q"]["band"] == "low"
    assert by["Q"]["kinds"] == "[]" and len(prof) == 9
    hist = {
        (r["party_id"], str(r["period"])): (r["score"], r["band"])
        for r in ws.sql("SELECT * FROM profile_history").to_pylist()
    }
    undated = 0.7 * 0.75
    assert hist == {
        ("M", "2024-02-01"): (round(100 * (1 - 0.5 * undated), 1), "high"),
        ("M", "2024-03-01"): (round(100 * (1 - 0.8 * 0.85 * undated), 1), "medium"),
        ("H", "2024-02-01"): (90.0, "high"),
    }
    # Rebuilding one party leaves the others as they were.
    be.execute("DELETE FROM findings WHERE party_id = 'M'")
    with be.transaction():
        assert _profiles(ws, {"M"}) == 1
    after = {
        r["party_id"]: r
        for r in ws.sql("SELECT party_id, score, band FROM profiles").to_pylist()
    }
    assert (after["M"]["score"], after["M"]["band"]) == (0.0, "low")
    assert after["H"]["score"] == 90.0 and len(after) == 9
    left = ws.sql("SELECT DISTINCT party_id FROM profile_history").to_pylist()
    assert left == [{"party_id": "H"}]


def test_cli_run_and_show(ws, tmp_path):
    path = ws.path
    ws.close()
    r = CliRunner().invoke(main, ["run", "-w", path, "--models", str(tmp_path / "m")])
    assert r.exit_code == 0, r.output
    assert "riskiest taxpayers" in r.stdout
    r = CliRunner().invoke(
        main, ["taxpayers", "show", "M", "-w", path, "--lang", "ru", "--json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["band"] == "high" and "НДС" in doc["reasons"]
    assert doc["findings"][0]["evidence"] is not None
    r = CliRunner().invoke(main, ["taxpayers", "show", "NOPE", "-w", path])
    assert r.exit_code == 1 and "no taxpayer 'NOPE'" in r.output


@pytest.mark.parametrize(
    ("stop_at", "said", "saved"),
    [
        ("_network", "interrupted: nothing was changed", []),
        (
            "_declarations",
            "interrupted: the network step was saved; the declarations step "
            "was not (run sarap run again to finish)",
            ["network"],
        ),
        (
            "_profiles",
            "interrupted: the network and declarations steps were saved; the "
            "taxpayers step was not (run sarap run again to finish)",
            ["declarations", "network"],
        ),
    ],
)
def test_an_interrupted_run_says_what_it_saved(
    ws, tmp_path, monkeypatch, stop_at, said, saved
):  # type: ignore[no-untyped-def]
    # Each step commits on its own, so a Ctrl-C in a later one leaves the
    # earlier ones saved: the message says so instead of "nothing changed".
    import sarap.agents._run as run_module

    def ctrl_c(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, stop_at, ctrl_c)
    path = ws.path
    ws.close()
    r = CliRunner().invoke(main, ["run", "-w", path, "--models", str(tmp_path / "m")])
    assert r.exit_code == 130
    last = r.stderr[r.stderr.rindex("interrupted:") :]
    assert " ".join(last.split()) == said  # rich wraps it at 80 columns here
    with Workspace(path) as again:
        runs = again.sql("SELECT agent FROM agent_runs ORDER BY agent").column(0)
        assert runs.to_pylist() == saved


def test_a_ctrl_c_duckdb_dropped_after_the_last_step_still_stops_the_run(
    ws, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    # The CLI's handler records every Ctrl-C; one that DuckDB swallowed in the
    # last query, after the last commit, must still end the run with exit
    # 130, saying that every step was saved, not print the profiles and exit
    # 0. (One dropped before a step's commit rolls that step back.)
    import sarap.agents._run as run_module
    from sarap import errors

    run_all = run_module.run_all

    def dropped(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = run_all(*args, **kwargs)
        errors._interrupted.set()
        return result

    monkeypatch.setattr(run_module, "run_all", dropped)
    path = ws.path
    ws.close()
    try:
        r = CliRunner().invoke(
            main, ["run", "-w", path, "--models", str(tmp_path / "m")]
        )
    finally:
        errors._interrupted.clear()
    assert r.exit_code == 130
    last = r.stderr[r.stderr.rindex("interrupted:") :]
    assert " ".join(last.split()) == (
        "interrupted: the network, declarations and taxpayers steps were saved"
    )
    assert "riskiest taxpayers" not in r.stdout
    with Workspace(path) as again:
        runs = again.sql("SELECT agent FROM agent_runs ORDER BY agent").column(0)
        assert runs.to_pylist() == ["declarations", "network", "taxpayers"]
        assert again.sql("SELECT count(*) FROM profiles").column(0)[0].as_py() > 0


@pytest.mark.slow  # fits a goods model (about 5 s)
def test_goods_codes_that_do_not_fit_give_a_finding(ws, tmp_path):
    from sarap.agents._goods import GoodsClassifier
    from sarap.simulate import simulate_goods

    cat = simulate_goods(600, seed=0)
    model = GoodsClassifier().fit(
        cat.examples["text"], cat.examples["code10"], nomenclature=cat.nomenclature
    )
    model.save(tmp_path / "models" / "goods")
    beer = cat.examples[cat.examples["code"] == "2203"]["text"].iloc[0]
    be = ws.backend
    for i, (importer, code) in enumerate((("B", "220300"), ("R", "940161"))):
        be.execute(
            "INSERT INTO declarations (declaration_id, item_no, date, importer_id, "
            "hs_code, description, customs_value) VALUES (?, 1, '2024-03-01', ?, ?, "
            "?, 1000)",
            [f"D{i}", importer, code, beer],
        )
    report = run_all(ws, model_dir=tmp_path / "models")
    assert report.ran["goods"].startswith("2 goods lines checked")
    assert "goods_code_mismatch" in _kinds(ws, "R")  # beer declared as furniture
    assert "goods_code_mismatch" not in _kinds(ws, "B")
    again = run_all(ws, model_dir=tmp_path / "models")
    assert again.ran["goods"] == "up to date"


def test_a_taxpayer_whose_findings_all_went_gets_a_low_profile(ws):
    from sarap.agents._run import _profiles

    ws.backend.execute("INSERT INTO parties (party_id, country) VALUES ('Z', 'KZ')")
    run_all(ws)
    # Z did nothing: no findings. Rebuilding only its profile (as a run does
    # for a taxpayer whose last finding went away) leaves it low, not an error.
    assert _profiles(ws, {"Z"}) == 1
    got = ws.sql("SELECT score, band FROM profiles WHERE party_id = 'Z'").to_pylist()
    assert got == [{"score": 0.0, "band": "low"}]


def test_a_firm_selling_far_beyond_its_size_is_named_but_not_scored(tmp_path):
    """25 shops of 10 staff sell about 1,000 each; one shop with no staff
    sells 30,000, and a month-old one sells the most of all."""
    w = Workspace(tmp_path / "size.duckdb")
    be = w.backend
    for k in range(27):
        staff = 0 if k == 25 else 10
        registered = "2024-02-01" if k == 26 else "2015-01-01"
        be.execute(
            "INSERT INTO parties (party_id, country, registration_date, employees, "
            "sector) VALUES (?, 'KZ', ?, ?, 'retail')",
            [f"S{k}", registered, staff],
        )
        sold = {25: 30_000, 26: 50_000}.get(k, 1_000 + 10 * k)
        be.execute(
            "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
            "seller_id, buyer_id, amount, vat) "
            "VALUES (?, 1, 'seller', '2024-03-01', ?, 'B', ?, 0)",
            [f"I{k}", f"S{k}", sold],
        )
    run_all(w, model_dir=tmp_path / "m")
    found = w.sql(
        "SELECT party_id, reason_en, reason_ru, evidence FROM findings "
        "WHERE kind = 'size_anomaly' ORDER BY party_id"
    ).to_pylist()
    assert [f["party_id"] for f in found] == ["S25", "S26"]
    assert found[0]["reason_en"].startswith("sold 30,000 with 0 staff: ")
    assert found[0]["reason_ru"].startswith("продажи 30\xa0000 без сотрудников: в ")
    assert found[1]["reason_ru"].startswith("продажи 50\xa0000 при 10 сотрудниках: ")
    assert json.loads(found[0]["evidence"])["times_sector_per_head"] > 10
    assert found[1]["reason_en"].endswith("29 days after registering")
    # Evidence only: the profile's score does not move.
    score = w.sql("SELECT score FROM profiles WHERE party_id = 'S25'").to_pylist()
    assert score == [{"score": 0.0}]
    w.close()


def test_russian_reasons_write_numbers_and_counts_as_russian_does(ws, tmp_path):
    # They wrote money as "12,321,994" (an English habit; Russian groups
    # thousands with spaces, as the web page does) and counts as "1
    # сотрудников", "участник 1 замкнутых цепочек".
    be = ws.backend
    be.execute("UPDATE parties SET employees = 1 WHERE party_id = 'M'")
    be.execute(
        "INSERT INTO vat_returns VALUES ('H', '2024-02-01', 12321994, 0, 12321994, 0)"
    )
    run_all(ws, model_dir=tmp_path / "models")

    def reason(party: str, kind: str, lang: str = "ru") -> str:
        got = ws.sql(
            f"SELECT reason_{lang} FROM findings WHERE party_id = ? AND kind = ?",
            [party, kind],
        )
        return str(got.column(0)[0].as_py())

    assert reason("H", "unpaid_vat") == (
        "уплачено 0 из 12\xa0321\xa0994 НДС к уплате за 1 мес."
    )
    assert reason("H", "unpaid_vat", "en") == (
        "paid 0 of 12,321,994 VAT declared payable over 1 month(s)"
    )
    assert ", 1 сотрудник, " in reason("M", "one_day_firm")
    assert reason("C1", "carousel").startswith(
        "участник 1 замкнутой цепочки счетов-фактур за 14 дн. через 3 страны: "
    )


def test_a_burst_says_its_firms_in_russian_as_russian_does(tmp_path):
    import pyarrow as pa

    from sarap.agents._run import _burst_findings

    w = Workspace(tmp_path / "b.duckdb")
    w.backend.execute(OUTPUT_DDL)
    feats = pa.table(
        {
            "party": ["A", "B"],
            "in_burst": [21, 8],
            "in_burst_windows": [1, 1],
            "out_burst": [22, 0],
            "out_burst_windows": [1, 0],
        }
    )
    _burst_findings(w, "r", feats)
    got = w.sql("SELECT reason_ru FROM findings ORDER BY ALL").column(0).to_pylist()
    assert [r.split(" за неделю")[0] for r in got] == [
        "закупки у 21 фирмы",
        "закупки у 8 фирм",
        "продажи 22 фирмам",
    ]
    w.close()


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (0, "фирм"),
        (1, "фирма"),
        (2, "фирмы"),
        (4, "фирмы"),
        (5, "фирм"),
        (11, "фирм"),
        (12, "фирм"),
        (14, "фирм"),
        (21, "фирма"),
        (22, "фирмы"),
        (111, "фирм"),
        (101, "фирма"),
    ],
)
def test_russian_counts_take_their_plural_form(ws, n, word):
    sql = plural_ru("n", "фирма", "фирмы", "фирм")
    got = ws.sql(f"SELECT {sql} AS w FROM (SELECT ? AS n)", [n])
    assert got.column(0)[0].as_py() == word


def test_a_taxpayer_registered_since_the_last_run_gets_a_profile(ws, tmp_path):
    # It has no finding to change, so the taxpayers step was 'up to date' and
    # taxpayers show said there was no such taxpayer.
    run_all(ws, model_dir=tmp_path / "models")
    ws.backend.execute("INSERT INTO parties (party_id, country) VALUES ('N', 'KZ')")
    again = run_all(ws, model_dir=tmp_path / "models")
    assert again.ran["taxpayers"] == "1 profiles rebuilt"
    got = ws.sql("SELECT score, band FROM profiles WHERE party_id = 'N'").to_pylist()
    assert got == [{"score": 0.0, "band": "low"}]
    assert run_all(ws, model_dir=tmp_path / "models").ran["taxpayers"] == "up to date"


def test_a_run_stopped_before_its_profiles_is_finished_by_the_next(
    ws, tmp_path, monkeypatch
):
    # The network step's new findings were saved, the profiles not; the next
    # run found every step up to date and left those profiles behind.
    from sarap.agents import _run

    run_all(ws, model_dir=tmp_path / "models")
    ws.backend.execute(
        "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
        "seller_id, buyer_id, amount, vat) "
        "VALUES ('I9', 1, 'buyer', '2024-03-20', 'Q', 'X', 100, 12)"
    )

    def stopped(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(_run, "_profiles", stopped)
        with pytest.raises(KeyboardInterrupt):
            run_all(ws, model_dir=tmp_path / "models")
    again = run_all(ws, model_dir=tmp_path / "models")
    assert again.ran["taxpayers"] != "up to date"
    got = ws.sql("SELECT kinds FROM profiles WHERE party_id = 'X'").column(0)
    assert "unmatched_deduction" in json.loads(got[0].as_py())
    assert run_all(ws, model_dir=tmp_path / "models").ran["taxpayers"] == "up to date"


def test_inspections_that_all_found_nothing_skip_the_declarations_step(ws, tmp_path):
    # The first inspections may all be clean: fitting on them failed the
    # whole run at the declarations step, every time it was run.
    be = ws.backend
    for i in range(120):
        be.execute(
            "INSERT INTO declarations (declaration_id, item_no, date, importer_id, "
            "hs_code, customs_value) VALUES (?, 1, '2024-03-01', 'B', '940161', 1000)",
            [f"D{i}"],
        )
        be.execute(
            "INSERT INTO outcomes (declaration_id, fraud) VALUES (?, 0)", [f"D{i}"]
        )
    report = run_all(ws, model_dir=tmp_path / "models")
    assert report.ran["declarations"] == (
        "skipped: none of the 120 inspected declaration lines are fraud; "
        "a model learns from both"
    )
    assert report.ran["taxpayers"].endswith("profiles rebuilt")


def test_an_invoice_of_several_lines_counts_once(ws, tmp_path):
    # B deducts VAT on H's invoice I2 of three lines, which H never declared:
    # the reasons said "on 3 invoice(s)" and listed I2 three times.
    for line in (2, 3):
        ws.backend.execute(
            "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
            "seller_id, buyer_id, amount, vat) "
            "VALUES ('I2', ?, 'buyer', '2024-02-05', 'H', 'B', 500, 60)",
            [line],
        )
    run_all(ws, model_dir=tmp_path / "models")
    got = ws.sql(
        "SELECT kind, reason_en, reason_ru, evidence FROM findings "
        "WHERE kind IN ('unmatched_deduction', 'unreported_sales') ORDER BY kind"
    ).to_pylist()
    deduction, sales = got
    assert deduction["reason_en"] == (
        "deducts 180 VAT on 1 invoice(s) from 1 seller(s) that never declared them"
    )
    assert "(1 шт.)" in deduction["reason_ru"]
    assert sales["reason_en"] == (
        "issued 1 invoice(s) with 180 VAT that buyers deducted and it never declared"
    )
    for f in got:
        assert json.loads(f["evidence"]) == {"invoices": ["I2"], "vat": 180.0}


def test_a_finished_stopped_run_clears_the_profile_whose_findings_went(
    ws, tmp_path, monkeypatch
):
    # Q's one finding (all its trade is with R, a flagged firm) goes when it
    # sells far more to X; the run that saved that was stopped before its
    # profiles, and the next one rebuilt only taxpayers with findings: Q kept
    # its old reason and score.
    from sarap.agents import _run

    run_all(ws, model_dir=tmp_path / "models")
    assert _kinds(ws, "Q") == {"risky_counterparties"}
    for who in ("seller", "buyer"):
        ws.backend.execute(
            "INSERT INTO invoices (invoice_id, line_no, reported_by, issued_on, "
            "seller_id, buyer_id, amount, vat) "
            "VALUES ('I9', 1, ?, '2024-04-05', 'Q', 'X', 5000, 600)",
            [who],
        )

    def stopped(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(_run, "_profiles", stopped)
        with pytest.raises(KeyboardInterrupt):
            run_all(ws, model_dir=tmp_path / "models")
    run_all(ws, model_dir=tmp_path / "models")
    assert _kinds(ws, "Q") == set()
    got = ws.sql(
        "SELECT score, band, reasons_en FROM profiles WHERE party_id = 'Q'"
    ).to_pylist()
    assert got == [{"score": 0.0, "band": "low", "reasons_en": ""}]
    history = ws.sql("SELECT * FROM profile_history WHERE party_id = 'Q'")
    assert history.num_rows == 0


def test_a_refund_claim_without_sales_invoices_says_so(ws, tmp_path):
    # H claims VAT back and its sales book has nothing in the workspace: the
    # reason said "0% of sales exported", a figure nobody measured.
    ws.backend.execute(
        "INSERT INTO vat_returns VALUES ('H', '2024-02-01', 0, 500, -500, 0)"
    )
    run_all(ws, model_dir=tmp_path / "models")
    got = ws.sql(
        "SELECT reason_en, reason_ru FROM findings "
        "WHERE party_id = 'H' AND kind = 'refund_claim'"
    ).to_pylist()
    assert got == [
        {
            "reason_en": "claims 500 VAT back against 0 output VAT, no sales invoices",
            "reason_ru": "к возмещению 500 НДС при исчисленном 0, "
            "счетов-фактур на продажу нет",
        }
    ]


def test_a_vat_return_without_its_payment_is_not_unpaid(ws, tmp_path):
    # Returns exported without payments (vat_paid empty) were read as paid 0:
    # every taxpayer with VAT payable became a missing trader ("paid 0 of
    # 12"). M, whose return says it paid nothing, still is one.
    ws.backend.execute(
        "INSERT INTO vat_returns VALUES ('R', '2024-02-01', 132, 120, 12, NULL), "
        "('Q', '2024-04-01', 36, 0, 36, NULL)"
    )
    run_all(ws, model_dir=tmp_path / "models")
    assert "unpaid_vat" not in _kinds(ws, "R")
    assert "unpaid_vat" not in _kinds(ws, "Q")
    assert "unpaid_vat" in _kinds(ws, "M")
    got = ws.sql(
        "SELECT reason_en FROM findings WHERE party_id = 'M' AND kind = 'unpaid_vat'"
    ).column(0)
    assert got.to_pylist() == ["paid 0 of 120 VAT declared payable over 1 month(s)"]


def test_a_vat_return_without_vat_payable_is_output_minus_input(ws, tmp_path):
    # Returns exported with output and input VAT but no payable column were
    # read as nothing payable and no refund: R's unpaid 12 and H's claim of
    # 500 gave no finding.
    ws.backend.execute(
        "INSERT INTO vat_returns VALUES ('R', '2024-02-01', 132, 120, NULL, 0), "
        "('H', '2024-02-01', 0, 500, NULL, 0)"
    )
    run_all(ws, model_dir=tmp_path / "models")
    got = ws.sql(
        "SELECT party_id, kind, reason_en FROM findings "
        "WHERE kind IN ('unpaid_vat', 'refund_claim') AND party_id IN ('R', 'H') "
        "ORDER BY party_id"
    ).to_pylist()
    assert got == [
        {
            "party_id": "H",
            "kind": "refund_claim",
            "reason_en": "claims 500 VAT back against 0 output VAT, no sales invoices",
        },
        {
            "party_id": "R",
            "kind": "unpaid_vat",
            "reason_en": "paid 0 of 12 VAT declared payable over 1 month(s)",
        },
    ]
