"""Risk agents: scikit-learn-style estimators over workspace tables.

The names below are imported on first use: the goods agent brings in
scikit-learn, and scoring declarations from a file needs neither it nor
LightGBM (their import takes longer than scoring a big batch spends in them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sarap.agents._base import BaseAgent, Interval, NotFittedError, Options
    from sarap.agents._declarations import DeclarationRiskRanker
    from sarap.agents._goods import GoodsClassifier, GoodsFinding, Suggestion
    from sarap.agents._metrics import inspection_metrics, precision_recall_at

_WHERE = {
    "BaseAgent": "_base",
    "Interval": "_base",
    "NotFittedError": "_base",
    "Options": "_base",
    "DeclarationRiskRanker": "_declarations",
    "GoodsClassifier": "_goods",
    "GoodsFinding": "_goods",
    "Suggestion": "_goods",
    "inspection_metrics": "_metrics",
    "precision_recall_at": "_metrics",
}

__all__ = [
    "BaseAgent",
    "DeclarationRiskRanker",
    "GoodsClassifier",
    "GoodsFinding",
    "Interval",
    "NotFittedError",
    "Options",
    "Suggestion",
    "inspection_metrics",
    "precision_recall_at",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
