"""Saving a model folder: all or nothing, and nothing left of the last one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sarap import errors
from sarap.agents import _base as base
from sarap.agents._base import file_in_place, model_folder

OWNS = {"model.json", "booster.txt", "revenue.txt", "references"}


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _save(path: Path, files: dict[str, str]) -> None:
    with model_folder(path, OWNS) as folder:
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)


def test_a_new_folder_and_its_parents_are_made(tmp_path: Path) -> None:
    _save(tmp_path / "a" / "m", {"model.json": "{}", "references/x": "1"})
    assert _files(tmp_path / "a" / "m") == {"model.json": "{}", "references/x": "1"}
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["m"]  # no scratch left


def test_a_saved_model_is_replaced_whole(tmp_path: Path) -> None:
    old = {"model.json": "old", "booster.txt": "old", "revenue.txt": "old"}
    _save(tmp_path / "m", old)
    _save(tmp_path / "m", {"model.json": "new", "booster.txt": "new"})
    # The old revenue model would have been read with the new one.
    assert _files(tmp_path / "m") == {"model.json": "new", "booster.txt": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


@pytest.mark.parametrize("during", ["writing", "before"])
def test_an_interrupted_save_leaves_the_folder_as_it_was(
    tmp_path: Path, during: str
) -> None:
    _save(tmp_path / "m", {"model.json": "old", "booster.txt": "old"})
    with pytest.raises(KeyboardInterrupt), model_folder(tmp_path / "m", OWNS) as f:
        if during == "writing":
            (f / "booster.txt").write_text("half")
        raise KeyboardInterrupt
    assert _files(tmp_path / "m") == {"model.json": "old", "booster.txt": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_ctrl_c_duckdb_dropped_saves_no_model(tmp_path: Path) -> None:
    # The CLI's handler recorded it; nothing raised it.
    _save(tmp_path / "m", {"model.json": "old", "booster.txt": "old"})
    errors._interrupted.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            _save(tmp_path / "m", {"model.json": "new", "booster.txt": "new"})
    finally:
        errors._interrupted.clear()
    assert _files(tmp_path / "m") == {"model.json": "old", "booster.txt": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


@pytest.mark.parametrize("how", ["raised while writing", "dropped by DuckDB"])
def test_an_interrupted_file_is_left_as_it_was(tmp_path: Path, how: str) -> None:
    # It was written in place: cut short, it looked complete.
    (tmp_path / "q.csv").write_text("old\n")
    try:
        with pytest.raises(KeyboardInterrupt), file_in_place(tmp_path / "q.csv") as f:
            f.write_text("half")
            if how == "raised while writing":
                raise KeyboardInterrupt
            errors._interrupted.set()
    finally:
        errors._interrupted.clear()
    assert [p.name for p in tmp_path.iterdir()] == ["q.csv"]
    assert (tmp_path / "q.csv").read_text() == "old\n"
    with file_in_place(tmp_path / "q.csv") as f:
        f.write_text("new\n")
    assert (tmp_path / "q.csv").read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["q.csv"]


def test_a_file_is_written_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "real.csv").write_text("old\n")
    (tmp_path / "q.csv").symlink_to(tmp_path / "real.csv")
    with file_in_place(tmp_path / "q.csv") as f:
        f.write_text("new\n")
    assert (tmp_path / "q.csv").is_symlink()
    assert (tmp_path / "real.csv").read_text() == "new\n"


def test_a_folder_with_other_things_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "notes.txt").write_text("mine")
    (tmp_path / "m" / "booster.txt").write_text("old")
    _save(tmp_path / "m", {"model.json": "new", "booster.txt": "new"})
    assert _files(tmp_path / "m") == {
        "booster.txt": "new",
        "model.json": "new",
        "notes.txt": "mine",
    }


def test_the_working_folder_is_written_in_place(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text("old")
    (tmp_path / "m" / "references").mkdir()
    monkeypatch.chdir(tmp_path / "m")
    _save(Path("."), {"model.json": "new"})
    assert Path.cwd() == (tmp_path / "m").resolve()
    assert _files(tmp_path / "m") == {"model.json": "new"}
    monkeypatch.chdir(tmp_path / "m" / "references")  # one inside it
    _save(tmp_path / "m", {"model.json": "newer"})
    assert Path.cwd() == (tmp_path / "m" / "references").resolve()
    assert _files(tmp_path / "m") == {"model.json": "newer"}


def test_a_linked_folder_stays_linked(tmp_path: Path) -> None:
    _save(tmp_path / "real", {"model.json": "old", "revenue.txt": "old"})
    (tmp_path / "link").symlink_to(tmp_path / "real")
    _save(tmp_path / "link", {"model.json": "new"})
    assert (tmp_path / "link").is_symlink()
    assert _files(tmp_path / "real")["model.json"] == "new"


def test_a_saved_folder_is_as_readable_as_before(tmp_path: Path) -> None:
    # A model folder is read by other users too (the web application's).
    import os

    old = os.umask(0o022)
    try:
        _save(tmp_path / "m", {"model.json": "1"})
        assert (tmp_path / "m").stat().st_mode & 0o777 == 0o755
        (tmp_path / "m").chmod(0o750)  # the administrator's choice stays
        _save(tmp_path / "m", {"model.json": "2"})
        assert (tmp_path / "m").stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)


def test_an_interrupt_between_the_two_renames_puts_the_old_model_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save(tmp_path / "m", {"model.json": "old"})
    monkeypatch.setattr(base, "_exchange", lambda a, b: False)  # two renames
    real = Path.rename
    calls: list[Path] = []

    def interrupted_second(self: Path, target: Path) -> Path:
        calls.append(self)
        if len(calls) == 2:  # old folder moved aside, new one not yet in
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", interrupted_second)
    with pytest.raises(KeyboardInterrupt):
        _save(tmp_path / "m", {"model.json": "new"})
    assert len(calls) == 3  # the third put the old one back
    assert _files(tmp_path / "m") == {"model.json": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_saved_model_is_swapped_in_one_step_where_the_system_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader of the folder (the web application loading the model) must
    # find the old model or the new one, never no folder: so no rename of
    # the model folder itself may happen, only the exchange.
    _save(tmp_path / "m", {"model.json": "old", "revenue.txt": "r"})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    if not base._exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("no renameat2 / RENAME_EXCHANGE on this system")
    (tmp_path / "a").rmdir()
    (tmp_path / "b").rmdir()
    renamed: list[str] = []
    real = Path.rename

    def watched(self: Path, target: Path) -> Path:
        renamed.append(self.name)
        return real(self, target)

    monkeypatch.setattr(Path, "rename", watched)
    _save(tmp_path / "m", {"model.json": "new"})
    assert renamed == []
    assert _files(tmp_path / "m") == {"model.json": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_without_the_exchange_two_renames_do_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "_libc", lambda: None)  # not Linux, say
    _save(tmp_path / "m", {"model.json": "old", "revenue.txt": "r"})
    _save(tmp_path / "m", {"model.json": "new"})
    assert _files(tmp_path / "m") == {"model.json": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_model_with_a_file_lost_or_cut_short_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    import json

    from sarap.agents._base import read_model_info, write_model_info
    from sarap.errors import SarapError

    with model_folder(tmp_path / "m", OWNS) as folder:
        (folder / "booster.txt").write_text("trees " * 100)
        (folder / "references").mkdir()
        (folder / "references" / "group-importer.parquet").write_text("x" * 50)
        write_model_info(folder, {"agent": "A", "format": 1})
    m = tmp_path / "m"
    assert json.loads((m / "model.json").read_text())["files"] == {
        "booster.txt": 600,
        "references/group-importer.parquet": 50,
    }
    assert read_model_info(m, "A", 1)["agent"] == "A"
    (m / "booster.txt").write_text("trees " * 50)  # a copy stopped half-way
    with pytest.raises(SarapError, match="damaged model, booster.txt has 300 bytes"):
        read_model_info(m, "A", 1)
    (m / "booster.txt").write_text("trees " * 100)
    (m / "references" / "group-importer.parquet").unlink()
    with pytest.raises(SarapError, match="group-importer.parquet is missing"):
        read_model_info(m, "A", 1)
    (m / "model.json").write_text('{"agent": "A", "form')
    with pytest.raises(SarapError, match="damaged model.json"):
        read_model_info(m, "A", 1)


def test_beside_the_users_files_only_the_old_models_own_files_go(
    tmp_path: Path,
) -> None:
    # A folder the user keeps other things in, one of them in a folder whose
    # name the model also writes. That folder used to be deleted whole.
    from sarap.agents._base import model_files, write_model_info

    def save(files: dict[str, str]) -> None:
        with model_folder(tmp_path / "m", OWNS) as folder:
            for name, text in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(text)
            write_model_info(folder, {"agent": "A"})

    m = tmp_path / "m"
    (m / "references").mkdir(parents=True)
    (m / "references" / "contract.pdf").write_text("mine")
    (m / "notes.txt").write_text("mine")
    save({"booster.txt": "1", "revenue.txt": "1", "references/group-a.parquet": "1"})
    save({"booster.txt": "2", "references/group-b.parquet": "2"})
    files = _files(m)
    assert files.pop("model.json")
    assert files == {
        "booster.txt": "2",
        "notes.txt": "mine",
        "references/contract.pdf": "mine",
        "references/group-b.parquet": "2",
    }
    info = json.loads((m / "model.json").read_text())
    assert model_files(m, info, "references/*.parquet") == [
        m / "references" / "group-b.parquet"
    ]
    assert model_files(m, info, "revenue.txt") == []


def test_a_pipe_or_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    # --out /dev/null (or a pipe) was renamed over: run as root, /dev/null
    # became a plain file for the whole machine.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with file_in_place(pipe) as f:
            f.write_text("rank,party_id\n")
        assert pipe.is_fifo()
        assert os.read(reader, 100) == b"rank,party_id\n"
    finally:
        os.close(reader)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_pipe_or_device_is_taken_where_csv_is_written(tmp_path: Path) -> None:
    # declarations score --out /dev/stdout (and goods check's) was refused:
    # "the queue is written as CSV; name it *.csv".
    from sarap.agents._base import check_out_file

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert check_out_file(pipe, "the queue is") == pipe
    assert check_out_file("/dev/null", "the queue is") == Path("/dev/null")
    with pytest.raises(errors.SarapError, match="the queue is written as CSV"):
        check_out_file(tmp_path / "queue.xlsx", "the queue is")


def test_a_folder_given_as_the_file_is_refused_in_one_line(tmp_path: Path) -> None:
    # It failed at the rename, with Python's IsADirectoryError and the
    # scratch file's name.
    (tmp_path / "out").mkdir()
    with pytest.raises(errors.SarapError, match="out: it is a folder; name a file"):
        with file_in_place(tmp_path / "out") as f:
            f.write_text("x")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
