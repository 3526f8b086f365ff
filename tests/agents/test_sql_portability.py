"""The feature SQL stays within what transpiles to Spark SQL.

A guard, not a parity proof: sqlglot must translate every statement the
feature builder runs from DuckDB's dialect to Spark's without anything it
reports as unsupported, and the Spark text may call no function sqlglot
does not know for Spark (it passes unknown ones through unchanged). Running
the result on Spark comes with the Spark backend.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from sarap.agents._declarations import _as_table
from sarap.agents._features import FeatureBuilder
from sarap.backends.duckdb import Backend


def to_spark(statement: str) -> str:
    spark = sqlglot.transpile(
        statement, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE
    )[0]
    unknown = {
        f.name for f in sqlglot.parse_one(spark, read="spark").find_all(exp.Anonymous)
    }
    if unknown:
        raise sqlglot.errors.UnsupportedError(f"not Spark functions: {unknown}")
    return spark


class RecordingBackend(Backend):
    """The real DuckDB backend, keeping every statement it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: list[str] = []

    def sql(self, query: str, params: Any = None) -> Any:
        self.statements.append(query)
        return super().sql(query, params)

    def execute(self, query: str, params: Any = None) -> None:
        self.statements.append(query)
        super().execute(query, params)


def test_feature_sql_transpiles_to_spark(sim_lines):
    lines = _as_table(sim_lines.slice(0, 3000))
    backend = RecordingBackend()
    builder = FeatureBuilder(backend)
    refs, _ = builder.fit_transform(lines, sim_lines.column("fraud").slice(0, 3000))
    builder.transform(lines, refs)
    assert len(backend.statements) > 40
    for statement in backend.statements:
        to_spark(statement)


def test_the_guard_catches_duckdb_only_syntax():
    with pytest.raises(sqlglot.errors.UnsupportedError, match="TRY_STRPTIME"):
        to_spark("SELECT try_strptime(a, '%d.%m.%Y') FROM t")
    assert to_spark("SELECT arg_max(a, b) FROM t") == "SELECT MAX_BY(a, b) FROM t"
