"""Reports a person can open: the inspection queue as one HTML file."""

from __future__ import annotations

from sarap.report._html import write_queue_report

__all__ = ["write_queue_report"]
