"""Sarap: self-hosted AI risk analysis for customs and tax authorities."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
