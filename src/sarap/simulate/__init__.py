"""Synthetic customs declarations with planted fraud, for demos, tests and
benchmarks.

:func:`simulate_declarations` generates goods items in the ``declarations``
entity of the common data model, plus the outcome columns ``fraud``,
``additional_revenue`` and the ground-truth ``scheme``;
:func:`simulate_parties` gives the parties behind them, and
:func:`write_table` saves either as CSV, Parquet or JSON.

:func:`simulate_economy` generates a whole multi-country e-invoice economy
(parties, invoices as ledger records, VAT returns, customs declarations) with
planted tax-fraud schemes and their ground truth, as an :class:`Economy`.
"""

from __future__ import annotations

from sarap.simulate._catalogue import (
    FTA_COUNTRIES,
    GOODS,
    GSP_COUNTRIES,
    OFFICES,
    USD_PER_UNIT,
    Good,
    Office,
)
from sarap.simulate._declarations import OUTCOME_COLUMNS, simulate_declarations
from sarap.simulate._economy import Economy, simulate_economy
from sarap.simulate._economy_world import (
    ECONOMY_COUNTRIES,
    ECONOMY_SCHEMES,
    EconomyCountry,
)
from sarap.simulate._fraud import SCHEMES
from sarap.simulate._goods import GoodsCatalogue, simulate_goods
from sarap.simulate._io import write_table
from sarap.simulate._parties import simulate_parties

__all__ = [
    "ECONOMY_COUNTRIES",
    "ECONOMY_SCHEMES",
    "FTA_COUNTRIES",
    "GOODS",
    "GSP_COUNTRIES",
    "OFFICES",
    "OUTCOME_COLUMNS",
    "SCHEMES",
    "USD_PER_UNIT",
    "Economy",
    "EconomyCountry",
    "Good",
    "GoodsCatalogue",
    "Office",
    "simulate_declarations",
    "simulate_economy",
    "simulate_goods",
    "simulate_parties",
    "write_table",
]
