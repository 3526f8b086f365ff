from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from sarap.agents._network import NetworkRiskScorer, ranking_metrics
from sarap.agents._transfers_io import read_labels, read_transfers
from sarap.cli import main
from sarap.errors import SarapError
from sarap.simulate._transfers import simulate_transfers


def _edges(graph):
    tr = graph.transfers
    days = pc.cast(tr.column("time"), pa.int64()).to_numpy() / 86_400
    return pa.table(
        {
            "src": tr.column("source"),
            "dst": tr.column("target"),
            "amount": tr.column("amount"),
            "t": days,
        }
    )


def _labels(graph):
    return graph.labels.select(["party_id", "label"]).rename_columns(["party", "label"])


@pytest.fixture(scope="module")
def graph():
    return simulate_transfers(4_000, 24_000, seed=5)


@pytest.fixture(scope="module")
def halves(graph):
    labels = _labels(graph)
    pick = np.random.default_rng(0).random(labels.num_rows) < 0.5
    return labels.filter(pa.array(pick)), labels.filter(pa.array(~pick))


def test_every_planted_cycle_is_found_and_nothing_else(graph):
    f = NetworkRiskScorer().features(_edges(graph))
    pattern = dict(
        zip(
            graph.labels.column("party_id").to_pylist(),
            graph.labels.column("pattern").to_pylist(),
            strict=True,
        )
    )
    on_cycle = f.loc[f["cycles"] > 0, "party"].map(pattern)
    assert (on_cycle == "cycle").all()
    planted = sum(p == "cycle" for p in pattern.values())
    assert len(on_cycle) == planted > 0


def test_patterns_alone_rank_launderers_first(graph, halves):
    _, test = halves
    scores = NetworkRiskScorer().score_table(_edges(graph))
    m = ranking_metrics(scores, test)
    assert m["average_precision"] >= 0.75  # about 0.1 would be chance (3 %)
    assert m["positives"] == int(pc.sum(test.column("label")).as_py())


def test_a_group_that_pays_again_and_again_is_no_burst():
    """A club: eight members pay its account every 30 days at unrelated
    amounts, except once, when they all pay about 500 (a burst to the eye).
    A one-off fan-in: eight other accounts pay one account about 500 within
    three days, once. Only the one-off is a burst and a risk."""
    rng = np.random.default_rng(1)
    rows = []
    for month in range(6):
        for m in range(8):
            amount = 500 + rng.normal(0, 10) if month == 3 else rng.uniform(100, 900)
            rows.append((f"member{m}", "club", amount, month * 30.0 + m % 3))
    for m in range(8):
        rows.append((f"mule{m}", "hub", 500 + rng.normal(0, 10), 100.0 + m % 3))
    columns = zip(*rows, strict=True)
    edges = pa.table(dict(zip(("src", "dst", "amount", "t"), columns, strict=True)))
    f = NetworkRiskScorer().features(edges).set_index("party")
    assert f.loc["hub", "in_burst"] == 8 and f.loc["club", "in_burst"] == 0
    assert f.loc["mule0", "in_member_of"] == 8
    assert f.loc["member0", "in_member_of"] == 0
    assert f.loc["member0", "in_routine_pairs"] == 1
    score = NetworkRiskScorer().score_table(edges).to_pandas().set_index("party_id")
    assert score.loc["hub", "score"] > 0.5 and score.loc["mule0", "score"] > 0.5
    assert score.loc["club", "score"] == score.loc["member0", "score"] == 0


def test_labels_of_half_lift_the_other_half(graph, halves):
    train, test = halves
    edges = _edges(graph)
    alone = ranking_metrics(NetworkRiskScorer().score_table(edges), test)
    model = NetworkRiskScorer(n_estimators=150).fit(edges, train)
    learned = ranking_metrics(model.score_table(edges), test)
    assert learned["average_precision"] >= 0.9
    assert learned["average_precision"] > alone["average_precision"]


def test_reasons_are_words_and_save_load_keeps_scores(graph, halves, tmp_path):
    train, _ = halves
    edges = _edges(graph)
    model = NetworkRiskScorer(n_estimators=50).fit(edges, train)
    first = model.score_table(edges)
    top = first.slice(0, 20).column("reasons").to_pylist()
    assert all(top)
    assert any("payers of similar amounts" in r or "money cycle" in r for r in top)
    model.save(tmp_path / "m")
    again = NetworkRiskScorer.load(tmp_path / "m").score_table(edges)
    np.testing.assert_allclose(
        again.column("score").to_numpy(), first.column("score").to_numpy()
    )
    assert again.column("party_id").to_pylist() == first.column("party_id").to_pylist()
    # A model saved in an older format is refused with what to do.
    meta = tmp_path / "m" / "model.json"
    meta.write_text(meta.read_text().replace('"format": 2', '"format": 1'))
    with pytest.raises(SarapError, match="model of format 1; .* fit it again"):
        NetworkRiskScorer.load(tmp_path / "m")


def test_fit_needs_both_kinds_of_label(graph):
    only_clean = pa.table({"party": ["AC1"], "label": [0]})
    with pytest.raises(SarapError, match="labelled party"):
        NetworkRiskScorer().fit(_edges(graph), only_clean)


def test_transfer_file_rows_that_cannot_be_used_are_counted(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        "payer,payee,sum,day\n"
        "A,B,10.5,1\n"
        'B,C,"9,5",2\n'
        "C,,3,3\n"
        "C,A,abc,4\n"
        "C,A,-1,4\n"
        "D,A,5,later\n"
    )
    read = read_transfers(f, source="payer", target="payee", amount="sum", time="day")
    assert read.table.num_rows == 2
    assert read.table.column("amount").to_pylist() == [10.5, 9.5]
    assert read.table.column("t").to_pylist() == [1.0, 2.0]  # numbers are days
    assert read.rejected == {
        "missing target": 1,
        "bad amount": 1,
        "negative amount": 1,
        "bad time": 1,
    }
    assert "left out 4" in read.summary(f)


def test_timestamps_become_days_and_missing_columns_are_named(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        "source,target,amount,time\nA,B,1,2024-01-01\nB,A,1,2024-01-03 12:00\n"
    )
    t = read_transfers(f).table.column("t").to_pylist()
    assert t[1] - t[0] == pytest.approx(2.5)
    with pytest.raises(SarapError, match="--amount-col 'value'"):
        read_transfers(f, amount="value")
    labels = tmp_path / "l.csv"
    labels.write_text("id,sar\nA,1\nB,false\nC,maybe\n")
    read = read_labels(labels, party="id", label="sar")
    assert read.table.to_pylist() == [
        {"party": "A", "label": 1},
        {"party": "B", "label": 0},
    ]
    assert read.rejected == {"label not 0/1": 1}


def test_a_column_named_twice_is_refused_and_names_match_any_case(tmp_path):
    # DuckDB renames a repeated name (amount_1): the first column was taken
    # without a word, and an option naming a real 'amount_1' got the second.
    f = tmp_path / "t.csv"
    f.write_text("source,target,amount,time,amount\nA,B,1,1,2\n")
    with pytest.raises(SarapError, match=r"'amount' appears twice .*columns 3 and 5"):
        read_transfers(f)
    labels = tmp_path / "l.csv"
    labels.write_text("ID,Label,label_1\nA,1,0\n")
    read = read_labels(labels, party="id", label="label_1")
    assert read.table.to_pylist() == [{"party": "A", "label": 0}]


def run_sarap(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_contract(tmp_path):
    folder = tmp_path / "g"
    r = run_sarap(
        "simulate",
        "transfers",
        "--accounts",
        "3000",
        "--transfers",
        "18000",
        "--seed",
        "2",
        "--out",
        str(folder),
    )
    assert r.exit_code == 0, r.stderr
    edges, labels = folder / "transfers.csv", folder / "labels.csv"
    r = run_sarap(
        "network", "evaluate", "--edges", str(edges), "--labels", str(labels), "--json"
    )
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert set(got) == {"average_precision", "precision@k", "n", "positives"}
    assert got["n"] == 3000
    r = run_sarap(
        "network",
        "fit",
        "--edges",
        str(edges),
        "--labels",
        str(labels),
        "--model",
        str(tmp_path / "m"),
        "-q",
    )
    assert r.exit_code == 0, r.stderr
    r = run_sarap(
        "network",
        "score",
        "--edges",
        str(edges),
        "--model",
        str(tmp_path / "m"),
        "--out",
        str(tmp_path / "s.csv"),
        "-q",
    )
    assert r.exit_code == 0, r.stderr
    head = (tmp_path / "s.csv").read_text().splitlines()[0]
    assert head == '"rank","party_id","score","pattern_score","reasons"'
    r = run_sarap(
        "network",
        "score",
        "--edges",
        str(edges),
        "--out",
        str(tmp_path / "s.csv"),
        "--source-col",
        "payer",
    )
    assert r.exit_code == 1
    assert "--source-col 'payer'" in r.stderr and "Traceback" not in r.stderr


def test_a_ctrl_c_duckdb_dropped_stops_fit_score_and_evaluate(tmp_path, monkeypatch):
    # Reading transfers runs on DuckDB, which may drop a Ctrl-C: the commands
    # went on to the end and exited 0. Now nothing is written, exit 130.
    from sarap import errors
    from sarap.agents import _transfers_io as transfers_io

    folder = tmp_path / "g"
    args = ["--accounts", "800", "--transfers", "4000", "--out", str(folder)]
    assert run_sarap("simulate", "transfers", *args).exit_code == 0
    edges = ["--edges", str(folder / "transfers.csv")]
    labels = ["--labels", str(folder / "labels.csv")]
    real = transfers_io.read_transfers

    def dropped(*args, **kwargs):  # type: ignore[no-untyped-def]
        read = real(*args, **kwargs)
        errors._interrupted.set()  # what the CLI's handler does on Ctrl-C
        return read

    monkeypatch.setattr(transfers_io, "read_transfers", dropped)
    try:
        for cmd in (
            ["network", "score", *edges, "--out", str(tmp_path / "s.csv")],
            ["network", "fit", *edges, *labels, "--model", str(tmp_path / "m")],
            ["network", "evaluate", *edges, *labels, "--json"],
        ):
            r = CliRunner().invoke(main, cmd)
            assert r.exit_code == 130, cmd
            assert r.stderr.strip().endswith("interrupted: nothing was changed")
            assert r.stdout == ""
    finally:
        errors._interrupted.clear()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]


def test_a_self_transfer_is_told_not_lost_in_the_graph(tmp_path):
    # The graph drops a payment to oneself: the summary said it was used, and
    # a party seen only in such payments vanished from the scores unsaid.
    f = tmp_path / "t.csv"
    f.write_text("source,target,amount,time\nA,A,100,1\nB,C,5,2\n")
    read = read_transfers(f)
    assert read.table.num_rows == 1
    assert read.rejected == {"self-transfer": 1}
    assert "left out 1 (1 self-transfer)" in read.summary(f)


def test_a_file_without_usable_rows_says_why(tmp_path):
    # The error was "no usable transfer rows" alone: the summary with the
    # reasons is printed only once the file is read.
    f = tmp_path / "t.csv"
    f.write_text("source,target,amount,time\nA,B,1,soon\nB,C,2,later\n")
    with pytest.raises(SarapError, match=r"left out 2 \(2 bad time\): no usable"):
        read_transfers(f)
    labels = tmp_path / "l.csv"
    labels.write_text("party_id,label\nA,maybe\n")
    with pytest.raises(SarapError, match=r"1 label not 0/1\): no usable label"):
        read_labels(labels)


def test_the_regions_dotted_dates_are_times(tmp_path):
    # Ingest reads 01.02.2024; the transfers reader left every such row out
    # as a bad time.
    f = tmp_path / "t.csv"
    f.write_text(
        "source,target,amount,time\n"
        "A,B,1,2024-01-01\nB,C,1,03.01.2024\nC,A,1,03.01.2024 12:00\nA,C,1,05.01.24\n"
    )
    read = read_transfers(f)
    assert read.rejected == {}
    t = read.table.column("t").to_pylist()
    assert [d - t[0] for d in t] == pytest.approx([0, 2, 2.5, 4])


def test_amounts_are_read_as_ingest_reads_them(tmp_path):
    # Thousands marks ("1,234.5", "1 234,5") were bad amounts here though
    # ingest reads them; "nan" and "inf" were used and spoilt the sums.
    f = tmp_path / "t.csv"
    f.write_text(
        "source,target,amount,time\n"
        'A,B,"1,234.5",1\nB,C,"1 234,5",2\nC,D,1.234,3\nD,E,nan,4\nE,F,inf,5\n'
    )
    read = read_transfers(f)
    assert read.table.column("amount").to_pylist() == [1234.5, 1234.5, 1.234]
    assert read.rejected == {"bad amount": 2}


def test_an_infinite_or_nan_time_is_a_bad_time(tmp_path):
    # They were used: '-inf' made the times' span infinite, so every other
    # time, in days, was read as seconds.
    f = tmp_path / "t.csv"
    f.write_text("source,target,amount,time\nA,B,1,1\nB,C,1,2\nC,A,1,-inf\nC,B,1,nan\n")
    read = read_transfers(f)
    assert read.table.column("t").to_pylist() == [1.0, 2.0]
    assert read.rejected == {"bad time": 2}


def test_labelled_parties_the_transfers_lack_are_told(tmp_path):
    # '007' in the labels and 7 in the transfers matched nothing, in silence:
    # evaluate ranked them last and fit left them out.
    edges = tmp_path / "t.csv"
    edges.write_text("source,target,amount,time\n7,8,10,1\n8,9,10,2\n9,7,10,3\n")
    labels = tmp_path / "l.csv"
    labels.write_text("party_id,label\n007,1\n8,0\n9,0\n")
    r = run_sarap("network", "evaluate", "--edges", str(edges), "--labels", str(labels))
    assert r.exit_code == 0, r.stderr
    assert (
        "1 of 3 labelled parties are not in the transfers (such as '007'): they "
        "count as scored lowest; ids are compared as written: '007' in the "
        "labels, '7' in the transfers"
    ) in r.stderr
    r = run_sarap(
        "network",
        "fit",
        "--edges",
        str(edges),
        "--labels",
        str(labels),
        "--model",
        str(tmp_path / "m"),
    )
    assert "the model does not learn from them" in r.stderr


def test_ids_a_data_frame_made_floats_are_read_as_ingest_reads_codes(tmp_path):
    # A Parquet id column with one gap is float: 7.0 was the party '7.0' and
    # matched no label '7'.
    import pyarrow.parquet as pq

    edges = tmp_path / "t.parquet"
    pq.write_table(
        pa.table(
            {
                "source": [7.0, 8.0, None],
                "target": [8.0, 7.0, 7.0],
                "amount": [1.0, 2.0, 3.0],
                "time": [1, 2, 3],
            }
        ),
        edges,
    )
    read = read_transfers(edges)
    assert read.table.column("src").to_pylist() == ["7", "8"]
    assert read.table.column("dst").to_pylist() == ["8", "7"]
    labels = tmp_path / "l.parquet"
    pq.write_table(pa.table({"party_id": [7.0, 8.5], "label": [1, 0]}), labels)
    assert read_labels(labels).table.column("party").to_pylist() == ["7", "8.5"]


def test_a_party_labelled_twice_is_told_and_disagreement_named(tmp_path):
    # Rows repeating a party vanished from the count ('read 5 rows, 2 used'),
    # and a party labelled both 0 and 1 became an offender unsaid.
    f = tmp_path / "l.csv"
    f.write_text("party_id,label\nA,1\nA,0\nB,0\nB,0\nC,1\n")
    read = read_labels(f)
    assert read.table.to_pylist() == [
        {"party": "A", "label": 1},
        {"party": "B", "label": 0},
        {"party": "C", "label": 1},
    ]
    assert read.summary(f).endswith(
        "read 5 rows, 3 used; 2 parties listed more than once, counted once "
        "(1 labelled both 0 and 1: taken as offenders)"
    )


def test_party_ids_in_brackets_are_printed_as_written(tmp_path):
    # The riskiest parties' table read ids as rich markup: "[/b]" stopped
    # network score with a traceback after the scores were written.
    f = tmp_path / "t.csv"
    rows = [f"[/b]A,B{i},{100 + i},{i}" for i in range(6)]
    f.write_text("source,target,amount,time\n" + "\n".join(rows) + "\n")
    r = run_sarap(
        "network", "score", "--edges", str(f), "--out", str(tmp_path / "s.csv")
    )
    assert r.exit_code == 0, r.output
    assert "[/b]A" in r.stdout


@pytest.mark.parametrize(
    "label, message",
    [
        (0, "no offender (label 1) to measure"),
        (1, "no clean party (label 0): average precision would be 1 whatever"),
    ],
)
def test_evaluate_refuses_labels_all_alike(tmp_path, label, message):
    edges = tmp_path / "t.csv"
    edges.write_text("source,target,amount,time\nA,B,10,2024-01-01\nB,C,5,2024-01-02\n")
    labels = tmp_path / "l.csv"
    labels.write_text(f"party_id,label\nA,{label}\nB,{label}\nC,{label}\n")
    cmd = ["network", "evaluate", "--edges", str(edges), "--labels", str(labels)]
    r = CliRunner().invoke(main, cmd)
    assert r.exit_code == 1 and "average_precision" not in r.stdout
    assert r.stderr.splitlines()[-1].startswith(f"Error: the labels file has {message}")
