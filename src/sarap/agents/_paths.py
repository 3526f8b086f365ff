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

import numpy as np


class PathAttributor:
    """Per-family contributions for a fitted booster.

    Parameters
    ----------
    model_text : str
        The booster as LightGBM writes it (``model_to_string``, the saved
        file): read here without LightGBM.
    feature_family : list of int
        For each model feature, the index of its family.
    n_families : int
    """

    def __init__(self, model_text: str, feature_family: list[int], n_families: int):
        fam = np.asarray(feature_family)
        tables: list[np.ndarray] = []
        values: list[np.ndarray] = []
        self.base = 0.0
        for tree in _trees(model_text):
            leaf_value = tree["leaf_value"]
            table = np.zeros((len(leaf_value), n_families), dtype=np.float32)
            if len(leaf_value) == 1:  # a single-leaf tree
                self.base += float(leaf_value[0])
            else:
                self.base += float(tree["internal_value"][0])
                _walk(tree, 0, np.zeros(n_families), table, fam)
            tables.append(table)
            values.append(leaf_value)
        sizes = np.array([t.shape[0] for t in tables])
        # int32 indices: half the memory traffic of int64, and far more room
        # than any booster's leaves take.
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
        self.table = np.vstack(tables)
        self.values = np.concatenate(values)
        if len(self.values) >= 2**31:
            raise ValueError(f"{len(self.values):,} leaves: too many for int32")

    def flat(self, leaves: np.ndarray) -> np.ndarray:
        """Per-tree leaf numbers (``pred_leaf``) as indices into the tables
        (int32; ``leaves`` itself is changed when it is int32 already)."""
        flat = np.asarray(leaves, dtype=np.int32)
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


def _trees(model_text: str) -> list[dict[str, np.ndarray]]:
    """The trees of a LightGBM model text: per tree, its split features,
    children (a negative child ``c`` is leaf ``~c``), leaf values and
    internal node values, as LightGBM holds them once loaded."""
    trees = []
    for block in model_text.split("\nTree=")[1:]:
        fields = dict(
            line.split("=", 1) for line in block.split("\n\n", 1)[0].splitlines()[1:]
        )
        tree = {
            "leaf_value": np.array(fields["leaf_value"].split(), dtype=np.float64),
            "internal_value": np.array(
                fields.get("internal_value", "").split(), dtype=np.float64
            ),
        }
        for name in ("split_feature", "left_child", "right_child"):
            tree[name] = np.array(fields.get(name, "").split(), dtype=np.int64)
        trees.append(tree)
    return trees


def _walk(
    tree: dict[str, np.ndarray],
    node: int,
    acc: np.ndarray,
    table: np.ndarray,
    fam: np.ndarray,
) -> None:
    """Credit each step's change of value to the family split on there."""
    f = fam[tree["split_feature"][node]]
    here = tree["internal_value"][node]
    for child in (tree["left_child"][node], tree["right_child"][node]):
        step = acc.copy()
        if child < 0:  # a leaf
            step[f] += tree["leaf_value"][~child] - here
            table[~child] = step
        else:
            step[f] += tree["internal_value"][child] - here
            _walk(tree, int(child), step, table, fam)
