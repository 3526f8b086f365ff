"""The few operations the pipeline needs from an execution engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import pyarrow as pa


class Backend(ABC):
    """An engine that runs the pipeline's relational work.

    SQL handed to a backend is plain ANSI-style SQL (window functions,
    ``GROUP BY``, ``QUALIFY``-free) so that it can be transpiled to another
    engine, such as Spark SQL, without change of meaning.
    """

    name: ClassVar[str]

    @abstractmethod
    def sql(self, query: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    @abstractmethod
    def execute(self, query: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement for its effect."""

    @abstractmethod
    def table(self, name: str) -> pa.Table:
        """Read a whole table."""

    @abstractmethod
    def write(self, name: str, data: pa.Table, *, mode: str = "append") -> None:
        """Write ``data`` to table ``name`` (``mode`` is append or replace)."""

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether a table or view of that name exists."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""


class SupportsTempTables(ABC):
    """Opt-in: register in-memory Arrow data as a named temporary relation."""

    @abstractmethod
    def register(self, name: str, data: pa.Table) -> None:
        """Make ``data`` queryable as ``name`` for this session."""

    @abstractmethod
    def unregister(self, name: str) -> None:
        """Forget a relation made by :meth:`register`."""


class SupportsTransactions(ABC):
    """Opt-in: all-or-nothing groups of statements."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Commit on normal exit, roll back on any exception (Ctrl-C too)."""
