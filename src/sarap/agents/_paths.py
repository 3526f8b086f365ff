"""Fast per-family attributions of a LightGBM score along tree paths.

For each tree, the change in node value from a node to the child a row
takes is credited to the feature split on there (the tree-path, or
"Saabas", attribution). The credits of every leaf are summed per feature
family once, when the model is loaded, so explaining a row costs one
leaf look-up per tree instead of TreeSHAP's much longer walk. The credits
of a row add up exactly to its raw score minus the model's base value.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import lightgbm as lgb
import numpy as np


class PathAttributor:
    """Per-family contributions for a fitted booster.

    Parameters
    ----------
    booster : lightgbm.Booster
    feature_family : list of int
        For each model feature, the index of its family.
    n_families : int
    """

    def __init__(
        self, booster: lgb.Booster, feature_family: list[int], n_families: int
    ):
        self.booster = booster
        fam = np.asarray(feature_family)
        tables: list[np.ndarray] = []
        values: list[np.ndarray] = []
        self.base = 0.0
        for tree in booster.dump_model()["tree_info"]:
            root = tree["tree_structure"]
            table = np.zeros((tree["num_leaves"], n_families), dtype=np.float32)
            value = np.zeros(tree["num_leaves"], dtype=np.float64)
            if "leaf_index" in root:  # a single-leaf tree
                self.base += float(root["leaf_value"])
                value[0] = float(root["leaf_value"])
            else:
                self.base += float(root["internal_value"])
                _walk(root, np.zeros(n_families), table, value, fam)
            tables.append(table)
            values.append(value)
        sizes = np.array([t.shape[0] for t in tables])
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.table = np.vstack(tables)
        self.values = np.concatenate(values)

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """(rows, trees) indices into the flattened per-leaf tables."""
        return self.flat(np.asarray(self.booster.predict(X, pred_leaf=True)))

    def flat(self, leaves: np.ndarray) -> np.ndarray:
        """Per-tree leaf numbers (``pred_leaf``) as indices into the tables."""
        flat = np.asarray(leaves, dtype=np.int64)
        flat += self.offsets[: flat.shape[1]]
        return flat

    def raw_score(self, leaves: np.ndarray) -> np.ndarray:
        """The booster's raw score (log-odds) from the leaves rows fall in."""
        return np.asarray(self.values[leaves].sum(axis=1))

    def contributions(self, leaves: np.ndarray, n_jobs: int = 1) -> np.ndarray:
        """(rows, families) contributions to each row's raw score (log-odds).

        Row blocks are shared out over ``n_jobs`` threads (NumPy's gathers
        and sums run without the GIL).
        """
        out = np.empty((leaves.shape[0], self.table.shape[1]), dtype=np.float32)
        parts = np.array_split(np.arange(leaves.shape[0]), max(1, n_jobs))
        parts = [p for p in parts if p.size]
        if len(parts) <= 1:
            self._sum_into(leaves, out)
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                for f in [
                    pool.submit(
                        self._sum_into,
                        leaves[p[0] : p[-1] + 1],
                        out[p[0] : p[-1] + 1],
                    )
                    for p in parts
                ]:
                    f.result()
        return out

    def _sum_into(self, leaves: np.ndarray, out: np.ndarray) -> None:
        by_tree = np.ascontiguousarray(leaves.T)  # each tree's leaves contiguous
        out[:] = 0.0
        step = 4096  # rows per block: the running sums stay in cache
        gathered = np.empty((step, self.table.shape[1]), dtype=np.float32)
        for start in range(0, by_tree.shape[1], step):
            stop = min(by_tree.shape[1], start + step)
            acc, tmp = out[start:stop], gathered[: stop - start]
            for t in range(by_tree.shape[0]):
                np.take(self.table, by_tree[t, start:stop], axis=0, out=tmp)
                acc += tmp


def _value(node: dict[str, Any]) -> float:
    return float(node["leaf_value"] if "leaf_index" in node else node["internal_value"])


def _walk(
    node: dict[str, Any],
    acc: np.ndarray,
    table: np.ndarray,
    value: np.ndarray,
    fam: np.ndarray,
) -> None:
    if "leaf_index" in node:
        table[node["leaf_index"]] = acc
        value[node["leaf_index"]] = node["leaf_value"]
        return
    f = fam[node["split_feature"]]
    here = _value(node)
    for side in ("left_child", "right_child"):
        child = node[side]
        step = acc.copy()
        step[f] += _value(child) - here
        _walk(child, step, table, value, fam)
