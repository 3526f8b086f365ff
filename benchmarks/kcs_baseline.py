"""The paper-style baseline on the KCS dataset, for comparison only.

Jeong et al. (arXiv:2208.02484, Table 3) train off-the-shelf gradient boosting
on the declaration's own columns. This reproduces that kind of model: LightGBM
with default settings on the raw columns, codes label-encoded on the train
split (a code unseen in training gets -1), fit on train only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from sarap.agents import inspection_metrics

CATEGORICAL = [
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Type",
    "Country of Origin Indicator",
]
NUMERIC = ["Tax Rate", "Net Mass", "Item Price"]


def _encode(train: pd.DataFrame, other: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    cols_tr, cols_ot = [], []
    for c in CATEGORICAL:
        codes = {v: i for i, v in enumerate(train[c].astype(str).unique())}
        cols_tr.append(train[c].astype(str).map(codes).to_numpy(float))
        cols_ot.append(other[c].astype(str).map(codes).fillna(-1).to_numpy(float))
    for c in NUMERIC:
        cols_tr.append(train[c].to_numpy(float))
        cols_ot.append(other[c].to_numpy(float))
    return np.column_stack(cols_tr), np.column_stack(cols_ot)


def paper_style_baseline(
    train_csv: Path,
    valid_csv: Path,
    seed: int = 0,
) -> dict[str, Any]:
    train, valid = pd.read_csv(train_csv), pd.read_csv(valid_csv)
    X, Xv = _encode(train, valid)
    model = lgb.LGBMClassifier(random_state=seed, n_jobs=2, verbose=-1)
    model.fit(X, train["Fraud"].to_numpy())
    return inspection_metrics(valid["Fraud"].to_numpy(), model.predict_proba(Xv)[:, 1])


if __name__ == "__main__":
    import json
    import sys

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "customs"
    print(
        json.dumps(
            paper_style_baseline(
                root / "df_syn_train_eng.csv", root / "df_syn_valid_eng.csv"
            )
        )
    )
    sys.exit(0)
