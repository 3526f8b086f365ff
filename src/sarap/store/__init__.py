"""The workspace: the common data model in one DuckDB file."""

from __future__ import annotations

from sarap.store._schema import (
    ENTITIES,
    SCHEMA_VERSION,
    Entity,
    Field,
    data_model_markdown,
)
from sarap.store._workspace import Workspace

__all__ = [
    "ENTITIES",
    "SCHEMA_VERSION",
    "Entity",
    "Field",
    "Workspace",
    "data_model_markdown",
]
