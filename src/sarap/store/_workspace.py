from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pyarrow as pa

from sarap.backends import Backend, SupportsTransactions, get_backend
from sarap.errors import SarapError
from sarap.store._schema import ENTITIES, SCHEMA_VERSION, SYSTEM_DDL, entity_ddl

# The agents read declarations joined with their outcome, one row per item.
LINES_VIEW = """
CREATE OR REPLACE VIEW declaration_lines AS
SELECT d.*, o.fraud, o.additional_revenue
FROM declarations d
LEFT JOIN outcomes o USING (declaration_id)
"""


class Workspace:
    """A Sarap workspace: the tables of the common data model in one database.

    Parameters
    ----------
    path : str or Path, default ":memory:"
        A ``.duckdb`` file, created on first use; ``":memory:"`` keeps the
        workspace in memory (used by ``sarap declarations fit FILE``).
    backend : str, default "duckdb"
        The engine that holds it.

    Examples
    --------
    >>> ws = Workspace()
    >>> ws.count("declarations")
    0
    """

    def __init__(self, path: str | Path = ":memory:", backend: str = "duckdb"):
        self.path = str(path)
        if not self.path.strip():
            # DuckDB takes "" for an in-memory database: all would be lost.
            raise SarapError(
                "the workspace path is empty (an unset variable?): name a "
                ".duckdb file, such as demo/sarap.duckdb"
            )
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise SarapError(
                    f"cannot create workspace {self.path}: "
                    f"folder {parent} does not exist"
                )
        self.backend: Backend = get_backend(backend, path=self.path)
        try:
            self._migrate()
        except BaseException:
            self.backend.close()
            raise

    def _version(self) -> int:
        if not self.backend.has_table("sarap_meta"):
            return 0
        found = self.backend.sql(
            "SELECT value FROM sarap_meta WHERE key = 'schema_version'"
        )
        return int(found.column(0)[0].as_py()) if found.num_rows else 0

    def _some_table(self) -> str | None:
        found = self.backend.sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY table_name LIMIT 1"
        )
        return str(found.column(0)[0].as_py()) if found.num_rows else None

    def _migrate(self) -> None:
        be = self.backend
        # Read before anything is written: a newer sarap's workspace is left
        # exactly as it is.
        version = self._version()
        if not be.has_table("sarap_meta") and (other := self._some_table()):
            # Another application's database: leave it as it is.
            raise SarapError(
                f"cannot use {self.path} as a workspace: it is a DuckDB database "
                f"of something else (it has a table {other} and no sarap_meta); "
                "name a new file or a sarap workspace"
            )
        if version > SCHEMA_VERSION:
            raise SarapError(
                f"workspace {self.path} has data model version {version}; this "
                f"sarap knows up to {SCHEMA_VERSION}: upgrade sarap"
            )
        # One transaction: an error or a Ctrl-C half-way through an upgrade
        # leaves the workspace as the older version wrote it.
        atomic = (
            be.transaction() if isinstance(be, SupportsTransactions) else nullcontext()
        )
        with atomic:
            be.execute(SYSTEM_DDL)
            for entity in ENTITIES.values():
                be.execute(entity_ddl(entity))
                # Fields added in a later version join the tables of an older
                # workspace (all optional, so existing rows stay valid).
                for f in entity.fields:
                    be.execute(
                        f"ALTER TABLE {entity.name} ADD COLUMN IF NOT EXISTS "
                        f"{f.name} {f.type}"
                    )
            be.execute(LINES_VIEW)
            if version < SCHEMA_VERSION:
                be.execute(
                    "INSERT OR REPLACE INTO sarap_meta VALUES ('schema_version', ?)",
                    [str(SCHEMA_VERSION)],
                )

    def sql(self, query: str, params: list[Any] | None = None) -> pa.Table:
        return self.backend.sql(query, params)

    def count(self, table: str) -> int:
        if table not in ENTITIES and table not in ("quarantine", "ingest_batches"):
            raise ValueError(f"unknown table {table!r}")
        return int(
            self.backend.sql(f"SELECT count(*) FROM {table}").column(0)[0].as_py()
        )

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
