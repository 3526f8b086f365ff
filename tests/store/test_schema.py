from __future__ import annotations

from pathlib import Path

import pytest

from sarap.errors import SarapError
from sarap.store import ENTITIES, SCHEMA_VERSION, Workspace, data_model_markdown
from tests.conftest import held_open

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_documentation_matches_the_schema():
    assert DOC.read_text(encoding="utf-8") == data_model_markdown(), (
        "docs/data-model.md is stale: run `make docs`"
    )


def test_every_field_is_documented_with_type_unit_and_requiredness():
    text = data_model_markdown()
    for entity in ENTITIES.values():
        for f in entity.fields:
            assert f"| `{f.name}` | {f.type} | {f.unit} |" in text


def test_workspace_tables_follow_the_model():
    with Workspace() as ws:
        for entity in ENTITIES.values():
            cols = ws.sql(f"DESCRIBE {entity.name}").column(0).to_pylist()
            assert cols == entity.field_names


def test_newer_workspace_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    with Workspace(path) as ws:
        ws.backend.execute(
            "UPDATE sarap_meta SET value = ? WHERE key = 'schema_version'",
            [str(SCHEMA_VERSION + 1)],
        )
    with pytest.raises(SarapError, match="upgrade sarap"):
        Workspace(path)


def test_workspace_in_missing_folder_is_one_line(tmp_path):
    with pytest.raises(SarapError, match="does not exist"):
        Workspace(tmp_path / "no" / "w.duckdb")


@pytest.mark.parametrize("name", ["lines.csv", "lines.parquet", "notes.txt"])
def test_a_data_file_given_as_the_workspace_is_refused(tmp_path, name):
    # DuckDB would open a CSV as an in-memory database with the file as a
    # view: an import would say "loaded" and keep nothing.
    path = tmp_path / name
    path.write_text("declaration_id,item_no\nD1,1\n")
    with pytest.raises(SarapError, match="not a DuckDB database file"):
        Workspace(path)
    assert path.read_text() == "declaration_id,item_no\nD1,1\n"


def test_a_new_workspace_file_may_have_any_name(tmp_path):
    with Workspace(tmp_path / "w.db") as ws:
        ws.backend.execute("INSERT INTO parties (party_id) VALUES ('P1')")
    with Workspace(tmp_path / "w.db") as ws:
        assert ws.count("parties") == 1


def test_older_workspace_gains_the_new_fields(tmp_path):
    path = tmp_path / "v1.duckdb"
    _v1_workspace(path)
    with Workspace(path) as ws:
        row = ws.sql("SELECT * FROM parties").to_pylist()[0]
        assert row["party_id"] == "P1" and row["director_id"] is None
        assert ws.count("invoices") == 0 and ws.count("vat_returns") == 0
        version = ws.sql("SELECT value FROM sarap_meta WHERE key = 'schema_version'")
        assert version.column(0)[0].as_py() == str(SCHEMA_VERSION)


def test_older_import_records_gain_the_details(tmp_path, fixture_csv):
    # Version 2's ingest_batches had no details column: its records stay,
    # told by their counts, and a new import records its reasons.
    import duckdb

    from sarap.pipeline import ingest
    from sarap.pipeline._ingest import last_import

    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE ingest_batches (batch_id VARCHAR PRIMARY KEY, "
        "file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, mapping VARCHAR NOT NULL, "
        "started_at TIMESTAMP NOT NULL, rows_read BIGINT NOT NULL, "
        "rows_loaded BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL, "
        "rows_quarantined BIGINT NOT NULL)"
    )
    con.execute(
        "INSERT INTO ingest_batches VALUES ('b1', 'old.csv', 'x', 'identity', "
        "TIMESTAMP '2024-01-01', 5, 4, 0, 1)"
    )
    con.execute("CREATE TABLE sarap_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO sarap_meta VALUES ('schema_version', '2')")
    con.close()
    with Workspace(path) as ws:
        old = last_import(ws)
        assert old is not None and not old.reasons
        assert (old.file, old.loaded, old.quarantined) == ("old.csv", 4, 1)
        new = ingest(ws, fixture_csv)
        assert last_import(ws) == new and new.reasons


def test_a_workspace_another_process_holds_is_told_in_one_line(tmp_path):
    # DuckDB's own words named only the Python program and a web page.
    path = tmp_path / "w.duckdb"
    Workspace(path).close()
    with held_open(path) as pid, pytest.raises(SarapError) as caught:
        Workspace(path)
    msg = str(caught.value)
    assert "\n" not in msg and "duckdb.org" not in msg
    assert f"another process has it open (PID {pid}: " in msg
    assert "admin page" in msg


def test_a_newer_workspace_is_refused_before_anything_is_written(tmp_path):
    # A newer sarap may have renamed or dropped a table: this one must not
    # put its own back.
    import duckdb

    path = tmp_path / "v99.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sarap_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO sarap_meta VALUES ('schema_version', '99')")
    con.close()
    with pytest.raises(SarapError, match="version 99; .* upgrade sarap"):
        Workspace(path)
    con = duckdb.connect(str(path))
    assert con.sql("SHOW TABLES").fetchall() == [("sarap_meta",)]
    con.close()


def _v1_workspace(path: Path) -> None:
    """A workspace as the first release left it: parties and its version."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE parties (party_id VARCHAR NOT NULL PRIMARY KEY, "
        "country VARCHAR, name VARCHAR, registration_date DATE, "
        "activity_code VARCHAR)"
    )
    con.execute("INSERT INTO parties VALUES ('P1', 'KZ', 'Old LLP', NULL, NULL)")
    con.execute("CREATE TABLE sarap_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO sarap_meta VALUES ('schema_version', '1')")
    con.close()


def test_an_upgrade_stopped_half_way_leaves_the_workspace_as_it_was(
    tmp_path, monkeypatch
):
    import duckdb

    from sarap.store import _workspace

    path = tmp_path / "v1.duckdb"
    _v1_workspace(path)

    def ctrl_c_at_invoices(entity):  # type: ignore[no-untyped-def]
        if entity.name == "invoices":
            raise KeyboardInterrupt
        return real(entity)

    real = _workspace.entity_ddl
    monkeypatch.setattr(_workspace, "entity_ddl", ctrl_c_at_invoices)
    with pytest.raises(KeyboardInterrupt):
        Workspace(path)
    con = duckdb.connect(str(path))
    assert sorted(con.sql("SHOW TABLES").fetchall()) == [
        ("parties",),
        ("sarap_meta",),
    ]
    assert len(con.sql("DESCRIBE parties").fetchall()) == 5
    con.close()
    monkeypatch.undo()
    with Workspace(path) as ws:
        assert ws.count("parties") == 1 and ws.count("invoices") == 0


@pytest.mark.parametrize("keep", [100, 0.5])
def test_a_workspace_cut_short_is_told_in_one_line(tmp_path, keep):
    # A copy that stopped half-way (a full disk, a dropped connection): DuckDB
    # opened it and failed at the first query reaching a missing block, with
    # a traceback; cut very short, with its own words on bytes and offsets.
    whole, cut = tmp_path / "w.duckdb", tmp_path / "copy.duckdb"
    with Workspace(whole) as ws:
        ws.backend.execute(
            "INSERT INTO parties (party_id, name) "
            "SELECT 'P' || range, 'ТОО ' || range FROM range(300000)"
        )
    data = whole.read_bytes()
    cut.write_bytes(data[: keep if isinstance(keep, int) else int(len(data) * keep)])
    with pytest.raises(SarapError) as caught:
        Workspace(cut)
    assert str(caught.value) == (
        f"cannot open workspace {cut}: the file is cut short (a partial copy or "
        "a full disk?); restore it from a backup or copy it again"
    )


def test_another_applications_duckdb_file_is_left_as_it_is(tmp_path):
    # An analyst's own DuckDB file given by mistake gained some twenty
    # tables of ours, the web app's users among them, without a word.
    import duckdb

    path = tmp_path / "analytics.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (region VARCHAR, amount DOUBLE)")
    con.close()
    with pytest.raises(SarapError) as caught:
        Workspace(path)
    assert str(caught.value) == (
        f"cannot use {path} as a workspace: it is a DuckDB database of "
        "something else (it has a table sales and no sarap_meta); name a new "
        "file or a sarap workspace"
    )
    con = duckdb.connect(str(path))
    assert con.sql("SHOW TABLES").fetchall() == [("sales",)]
    con.close()
    empty = tmp_path / "empty.duckdb"  # made with the duckdb shell, say
    duckdb.connect(str(empty)).close()
    with Workspace(empty) as ws:
        assert ws.count("parties") == 0


@pytest.mark.parametrize("path", ["", " "])
def test_an_empty_workspace_path_is_refused(path):
    # sarap ingest f.csv -w "$WS" with WS unset: DuckDB took "" for an
    # in-memory database; the import said "loaded" and kept nothing.
    with pytest.raises(SarapError) as caught:
        Workspace(path)
    assert str(caught.value) == (
        "the workspace path is empty (an unset variable?): name a .duckdb "
        "file, such as demo/sarap.duckdb"
    )


def test_a_workspace_whose_journal_cannot_be_written_is_told_in_one_line(tmp_path):
    # A workspace in a folder the service may not write to (a read-only
    # mount, another owner's folder) opens, and its first commit fails on
    # the journal DuckDB writes beside it: that was a TransactionException
    # traceback. Root writes anywhere, so a journal path that cannot be
    # created stands in for the folder here.
    path = tmp_path / "w.duckdb"
    Workspace(path).close()
    (tmp_path / "w.duckdb.wal").symlink_to(tmp_path / "gone" / "w.wal")
    with pytest.raises(SarapError) as caught:
        Workspace(path)
    assert str(caught.value) == (
        f"cannot write to workspace {path}: cannot create its journal "
        f"{path}.wal (No such file or directory); the workspace's folder must "
        "be writable, not only its file"
    )


def test_a_workspace_opened_twice_stays_locked_to_other_processes(tmp_path):
    # The web application opens its workspace again for each upload and run;
    # a `sarap ingest` from another shell must still be kept out, not write
    # into the file the server holds.
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    intrude = [
        sys.executable,
        "-c",
        "import duckdb, sys; duckdb.connect(sys.argv[1]).execute("
        "'CREATE TABLE intruder (x INT)')",
        str(path),
    ]
    with Workspace(path) as held:
        with Workspace(path) as again:
            again.backend.execute("CREATE TABLE mine (x INT)")
            # Written through to the file: no write-ahead log left to lock.
            again.backend.execute("CHECKPOINT")
            inside = subprocess.run(intrude, capture_output=True, text=True)
        after = subprocess.run(intrude, capture_output=True, text=True)
        assert inside.returncode != 0 and "lock" in inside.stderr
        assert after.returncode != 0 and "lock" in after.stderr
        assert not held.backend.has_table("intruder")
