from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from sarap.backends import Backend, get_backend
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
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.is_dir():
                raise SarapError(
                    f"cannot create workspace {self.path}: "
                    f"folder {parent} does not exist"
                )
        self.backend: Backend = get_backend(backend, path=self.path)
        self._migrate()

    def _migrate(self) -> None:
        be = self.backend
        be.execute(SYSTEM_DDL)
        found = be.sql("SELECT value FROM sarap_meta WHERE key = 'schema_version'")
        version = int(found.column(0)[0].as_py()) if found.num_rows else 0
        if version > SCHEMA_VERSION:
            raise SarapError(
                f"workspace {self.path} has data model version {version}; this "
                f"sarap knows up to {SCHEMA_VERSION}: upgrade sarap"
            )
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
