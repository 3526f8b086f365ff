"""The default engine: embedded DuckDB, one file per workspace."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from sarap.backends.base import Backend as BaseBackend
from sarap.backends.base import SupportsTempTables, SupportsTransactions
from sarap.errors import SarapError, WorkspaceInUse, raise_if_interrupted

CUT_SHORT = (
    "the file is cut short (a partial copy or a full disk?); "
    "restore it from a backup or copy it again"
)


class Backend(BaseBackend, SupportsTempTables, SupportsTransactions):
    """DuckDB backend.

    Parameters
    ----------
    path : str or Path, default ":memory:"
        The database file; ``":memory:"`` for a throw-away workspace.
    threads : int or None, default None
        Worker threads; DuckDB's default (all cores) when None.

    Examples
    --------
    >>> from sarap.backends import get_backend
    >>> be = get_backend("duckdb")
    >>> be.sql("SELECT 1 AS x").to_pylist()
    [{'x': 1}]
    """

    name: ClassVar[str] = "duckdb"
    _closed: bool = False

    def __init__(self, path: str | Path = ":memory:", threads: int | None = None):
        self.path = str(path)
        self._file = "" if self.path == ":memory:" else os.path.realpath(self.path)
        if not _open_here[self._file]:
            # Only a file this process does not hold yet: reading it would
            # drop DuckDB's lock on it (POSIX locks belong to the process and
            # go with any close), and another process could then write to
            # the workspace a `sarap serve` holds.
            _check_database_file(self.path)
        try:
            self.con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            msg = str(exc).splitlines()[0]
            if held := re.search(r"Conflicting lock is held in .* \(PID (\d+)\)", msg):
                holder = _process(int(held[1]))
                raise WorkspaceInUse(
                    f"cannot open workspace {self.path}: another process has it "
                    f"open ({holder}); wait for it to end or stop it (while sarap "
                    "serve runs, import and run from the web app's admin page)",
                    holder,
                ) from None
            if "Could not read enough bytes" in msg:
                msg = CUT_SHORT
            raise SarapError(f"cannot open workspace {self.path}: {msg}") from None
        if self.path != ":memory:" and _cut_short(self.con, self.path):
            self.con.close()
            raise SarapError(f"cannot open workspace {self.path}: {CUT_SHORT}")
        if self._file:
            _open_here[self._file] += 1
        # Progress is ours to show (the CLI's own bars), not DuckDB's.
        self.con.execute("SET enable_progress_bar = false")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self.con.sql(query, params=params).to_arrow_table()

    def execute(self, query: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(query, params)

    def table(self, name: str) -> pa.Table:
        return self.con.table(name).to_arrow_table()

    def write(self, name: str, data: pa.Table, *, mode: str = "append") -> None:
        if mode not in ("append", "replace"):
            raise ValueError(f"mode must be 'append' or 'replace', got {mode!r}")
        self.con.register("__sarap_write", data)
        try:
            if mode == "replace" or not self.has_table(name):
                self.con.execute(
                    f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM __sarap_write'
                )
            else:
                self.con.execute(f'INSERT INTO "{name}" SELECT * FROM __sarap_write')
        finally:
            self.con.unregister("__sarap_write")

    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
            "UNION ALL SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
            [name, name],
        ).fetchall()
        return any(r[0] for r in row)

    def register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            raise_if_interrupted()  # never commit after a Ctrl-C
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            # The journal is written beside the file, in its folder.
            wal = re.search(r'Cannot open file "([^"]+\.wal)": (.+)', str(exc))
            if wal is None:
                raise
            raise SarapError(
                f"cannot write to workspace {self.path}: cannot create its "
                f"journal {wal[1]} ({wal[2]}); the workspace's folder must be "
                "writable, not only its file"
            ) from None

    def close(self) -> None:
        if self._file and _open_here[self._file] > 0 and not self._closed:
            _open_here[self._file] -= 1
        self._closed = True
        self.con.close()


def _process(pid: int) -> str:
    """``PID 123: sarap serve -w w.duckdb`` (its command line where we can
    read it): DuckDB names only the Python program, the same for every
    sarap command."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().decode(errors="replace").split("\0")
    except OSError:
        return f"PID {pid}"
    args = [a for a in args if a]
    for i, a in enumerate(args):
        if a == "sarap.cli" or Path(a).name == "sarap":
            args = ["sarap", *args[i + 1 :]]
            break
    return f"PID {pid}: {' '.join(args)}" if args else f"PID {pid}"


def _cut_short(con: duckdb.DuckDBPyConnection, path: str) -> bool:
    """Whether the file is too short to hold the blocks it says are in use.

    DuckDB opens such a file and fails only when a query reaches a missing
    block, with a traceback, or worse half-way through a command. Free
    blocks may lie past the end of a sound file, so only used ones count.
    """
    found = con.execute(
        "SELECT block_size * used_blocks FROM pragma_database_size()"
    ).fetchone()
    return found is not None and Path(path).stat().st_size < found[0]


# Database files this process has open, with how many connections: checked
# when first opened.
_open_here: Counter[str] = Counter()


def _check_database_file(path: str) -> None:
    """Refuse an existing file that is not a DuckDB database.

    DuckDB opens a CSV, JSON or Parquet file given as a database as an
    empty in-memory database with the file as a view: everything written
    to that "workspace" would be lost on close, without a word.
    """
    if path == ":memory:":
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except (FileNotFoundError, IsADirectoryError):
        return  # created here; a folder gets DuckDB's own error
    except OSError as exc:
        raise SarapError(f"cannot open workspace {path}: {exc.strerror}") from None
    if head and head[8:12] != b"DUCK":
        raise SarapError(
            f"cannot open workspace {path}: not a DuckDB database file "
            "(a workspace is one, such as demo/sarap.duckdb)"
        )
