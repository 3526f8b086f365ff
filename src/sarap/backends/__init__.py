"""Execution engines, looked up by name.

Pipeline code calls :func:`get_backend` and never imports an engine directly.
"""

from __future__ import annotations

import importlib
from typing import Any

from sarap.backends.base import Backend, SupportsTempTables, SupportsTransactions

# name -> module holding a class called ``Backend``
BACKENDS: dict[str, str] = {"duckdb": "sarap.backends.duckdb"}

__all__ = [
    "BACKENDS",
    "Backend",
    "SupportsTempTables",
    "SupportsTransactions",
    "get_backend",
]


def get_backend(name: str = "duckdb", **kwargs: Any) -> Backend:
    """Create the backend registered as ``name``.

    Parameters
    ----------
    name : str, default "duckdb"
        One of :data:`BACKENDS`.
    **kwargs
        Passed to the backend's constructor (for DuckDB: ``path``, ``threads``).
    """
    try:
        module = BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {name!r}; known: {known}") from None
    cls: type[Backend] = importlib.import_module(module).Backend
    return cls(**kwargs)
