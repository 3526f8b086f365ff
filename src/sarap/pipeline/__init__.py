"""Ingest and derive steps: files in, common data model out."""

from __future__ import annotations

from sarap.pipeline._ingest import IngestResult, ingest, validate_file
from sarap.pipeline._mapping import Mapping, load_mapping

__all__ = ["IngestResult", "Mapping", "ingest", "load_mapping", "validate_file"]
