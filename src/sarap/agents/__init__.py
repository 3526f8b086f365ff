"""Risk agents: scikit-learn-style estimators over workspace tables."""

from __future__ import annotations

from sarap.agents._base import BaseAgent, Interval, NotFittedError, Options
from sarap.agents._declarations import DeclarationRiskRanker
from sarap.agents._goods import GoodsClassifier, GoodsFinding, Suggestion
from sarap.agents._metrics import inspection_metrics, precision_recall_at

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
