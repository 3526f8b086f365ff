"""The declarations agent: rank customs declarations by fraud risk."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import sarap
from sarap.agents._base import (
    BaseAgent,
    Interval,
    damaged_model,
    model_files,
    model_folder,
    read_model_info,
    write_model_info,
)
from sarap.agents._compiled import compiled_leaves, compiled_predict
from sarap.agents._features import FeatureBuilder, References
from sarap.agents._paths import PathAttributor
from sarap.agents._reasons import explain as explain_rows
from sarap.agents._reasons import families
from sarap.backends import get_backend
from sarap.errors import SarapError
from sarap.store._schema import DECLARATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import lightgbm as lgb

REQUIRED = ("declaration_id", "importer_id", "hs_code", "customs_value")
# Requests up to this many lines share one connection; bigger ones get their own.
SMALL = 50_000
# Lines in a batch that repay compiling the boosters (about 20 s, once per
# model and machine; they then save about 3 s a million lines).
COMPILE_AT = 2_000_000
# Lines per pass over the trees when explaining (bounds the leaf-index array).
CHUNK = 100_000
MODEL_FORMAT = 1


def _as_table(X: Any) -> pa.Table:
    """Declaration lines as Arrow, with every data-model column present."""
    if isinstance(X, pd.DataFrame):
        X = pa.Table.from_pandas(X, preserve_index=False)
    if not isinstance(X, pa.Table):
        raise TypeError(
            f"expected a pyarrow Table or pandas DataFrame, got {type(X).__name__}"
        )
    missing = [c for c in REQUIRED if c not in X.column_names]
    if missing:
        raise ValueError(
            f"declaration lines lack required column(s): {', '.join(missing)}"
        )
    cols = {}
    for f in DECLARATIONS.fields:
        arrow_type = {
            "VARCHAR": pa.string(),
            "DOUBLE": pa.float64(),
            "INTEGER": pa.int32(),
            "DATE": pa.date32(),
        }[f.type]
        if f.name in X.column_names:
            cols[f.name] = X.column(f.name).cast(arrow_type)
        else:
            cols[f.name] = pa.nulls(X.num_rows, arrow_type)
    return pa.table(cols)


def _canonical(
    X: pa.Table, y: np.ndarray, revenue: np.ndarray
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The lines, labels and revenue in an order set by their content alone
    (declaration, item, then every other column and the label), so that the
    same inspected lines fit the same model whatever order the file had:
    LightGBM's bagging draws rows by position."""
    first = ["declaration_id", "item_no"]
    keys = first + [c for c in X.column_names if c not in first]
    order = pc.sort_indices(
        X.append_column("_label", pa.array(y)).append_column(
            "_revenue", pa.array(revenue)
        ),
        sort_keys=[(k, "ascending", "at_end") for k in [*keys, "_label", "_revenue"]],
    )
    rows = order.to_numpy()
    return X.take(order), y[rows], revenue[rows]


def _fingerprint(X: pa.Table, y: np.ndarray) -> str:
    h = hashlib.sha256()
    ids = X.column("declaration_id").to_pylist()
    items = X.column("item_no").to_pylist()
    for i, item, label in zip(ids, items, y.tolist(), strict=True):
        h.update(f"{i}\x1f{item}\x1f{label}\x1e".encode())
    return h.hexdigest()


class _Booster:
    """A fitted booster attribute that a loaded model keeps as the booster's
    text until something needs the LightGBM object: compiled scoring and
    the reasons' path tables read the text alone. LightGBM is imported when
    first needed: with scikit-learn, which it loads, that takes longer
    (1.3-1.7 s here) than scoring a big batch spends in it."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.object_key, self.text_key = f"_{name}", f"_{name}_text"

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        if self.object_key not in d:
            text = d.get(self.text_key)
            if text is None:
                raise AttributeError(self.name)
            import lightgbm

            d[self.object_key] = lightgbm.Booster(model_str=text)
        return d[self.object_key]

    def __set__(self, obj: Any, value: Any) -> None:
        self._forget_derived(obj)
        obj.__dict__[self.object_key] = value
        obj.__dict__.pop(self.text_key, None)

    def set_text(self, obj: Any, text: str) -> None:
        """Give ``obj`` the booster as its LightGBM text (a saved model)."""
        self._forget_derived(obj)
        obj.__dict__[self.text_key] = text
        obj.__dict__.pop(self.object_key, None)

    def text(self, obj: Any) -> str | None:
        """The booster's LightGBM text (None for no booster)."""
        text = obj.__dict__.get(self.text_key)
        if text is not None:
            return str(text)
        booster = self.__get__(obj)
        return None if booster is None else str(booster.model_to_string())

    def has(self, obj: Any) -> bool:
        """Whether ``obj`` has the booster, without loading LightGBM."""
        d = obj.__dict__
        return self.text_key in d or d.get(self.object_key) is not None

    @staticmethod
    def _forget_derived(obj: Any) -> None:
        obj.__dict__.pop("_compiled_boosters", None)  # derived from the boosters
        obj.__dict__.pop("_path_attributor", None)


class DeclarationRiskRanker(BaseAgent):
    """Rank declaration lines by the probability that inspection finds fraud.

    Learns from inspected declarations: the inspection history of every
    party, goods code, route and office involved (smoothed fraud rates,
    out-of-fold on the training rows), the unit price against the goods
    code's typical price, and the declaration's own fields; a gradient-boosted
    tree model (LightGBM) combines them. Each score comes with its reasons.

    Parameters
    ----------
    n_estimators : int, default 150
        Boosting rounds (the most, when a validation set stops it early).
    learning_rate : float, default 0.12
    num_leaves : int, default 31
    min_child_samples : int, default 20
    smoothing : float, default 20.0
        Pseudo-count of the overall fraud rate in each group's rate; larger
        trusts short histories less.
    inspect_percent : float, default 5.0
        ``predict`` flags the riskiest ``inspect_percent`` % (as measured on
        the training data's out-of-fold scores).
    random_state : int, default 0
    n_jobs : int, default 2
        Threads for LightGBM and DuckDB. On a machine shared with other
    goods_model : str or None, default None
        Folder of a fitted goods agent (``sarap goods fit``). When given,
        each line's declared code is checked against its description and the
        mismatch is a feature, quoted in the reasons. Checking runs at a few
        hundred lines a second: for batches of thousands, not millions.
        work, set ``OMP_WAIT_POLICY=PASSIVE`` (the ``sarap`` command does) so
        that idle LightGBM threads do not spin.

    Attributes
    ----------
    booster_ : lightgbm.Booster
    references_ : References
        Learned inspection histories and typical unit prices.
    feature_names_ : list of str
    threshold_ : float
        Score at and above which ``predict`` returns 1.
    revenue_booster_ : lightgbm.Booster or None
        Predicts additional revenue of a fraud case, when the training data
        had it.
    training_fingerprint_ : str
        SHA-256 of the training ids and labels.

    Examples
    --------
    >>> from sarap.simulate import simulate_declarations
    >>> lines = simulate_declarations(3000, seed=1)
    >>> model = DeclarationRiskRanker(n_estimators=50).fit(lines)
    >>> risk = model.score_samples(lines)
    """

    info_: dict[str, Any]  # set by load(): the saved model.json
    booster_ = _Booster()
    revenue_booster_ = _Booster()

    _parameter_constraints: ClassVar = {
        "n_estimators": [Interval(int, 1, None)],
        "learning_rate": [Interval(float, 0, 1, "right")],
        "num_leaves": [Interval(int, 2, 4096)],
        "min_child_samples": [Interval(int, 1, None)],
        "smoothing": [Interval(float, 0, None)],
        "inspect_percent": [Interval(float, 0, 100, "right")],
        "random_state": [Interval(int, 0, None)],
        "n_jobs": [Interval(int, 1, None)],
    }

    def __init__(
        self,
        *,
        n_estimators: int = 150,
        learning_rate: float = 0.12,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        smoothing: float = 20.0,
        inspect_percent: float = 5.0,
        random_state: int = 0,
        n_jobs: int = 2,
        goods_model: str | None = None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.smoothing = smoothing
        self.inspect_percent = inspect_percent
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.goods_model = goods_model

    # -- learning ---------------------------------------------------------

    def _lgb_params(self, objective: str) -> dict[str, Any]:
        return {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "seed": self.random_state,
            "deterministic": True,
            "num_threads": self.n_jobs,
            "verbosity": -1,
        }

    def _builder(self) -> FeatureBuilder:
        return FeatureBuilder(
            get_backend("duckdb", threads=self.n_jobs), smoothing=self.smoothing
        )

    @staticmethod
    def _labels(X: pa.Table, y: Any, raw: Any) -> np.ndarray:
        if y is None:
            if "fraud" not in raw.column_names:
                raise ValueError("no labels: pass y or a 'fraud' column")
            y = raw.column("fraud").to_numpy(zero_copy_only=False)
        y = np.asarray(y, dtype=float)
        if np.isnan(y).any():
            raise ValueError(
                "labels contain missing values; fit on inspected declarations only"
            )
        if not np.isin(y, (0, 1)).all():
            raise ValueError("labels must be 0 or 1")
        if len(y) != X.num_rows:
            raise ValueError(f"{X.num_rows} rows but {len(y)} labels")
        labels: np.ndarray = y.astype(np.int8)
        return labels

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        eval_set: tuple[Any, Any] | None = None,
        callbacks: list[Any] | None = None,
    ) -> DeclarationRiskRanker:
        """Learn from inspected declaration lines.

        Parameters
        ----------
        X : pyarrow.Table or pandas.DataFrame
            Declaration lines with data-model columns; ``additional_revenue``
            is used when present.
        y : array-like of 0/1, optional
            Fraud labels; taken from ``X["fraud"]`` when None.
        eval_set : (X_valid, y_valid), optional
            Later inspected declarations: boosting stops when their average
            precision stops improving, and the model is then refitted on
            training and validation rows together with that many rounds.
        callbacks : list, optional
            LightGBM callbacks (progress display).

        Returns
        -------
        self
        """
        self._validate_params()
        raw = X if isinstance(X, pa.Table) else pa.Table.from_pandas(X)
        X = _as_table(raw)
        y = self._labels(X, y, raw)
        X, y, revenue = _canonical(X, y, _revenue(raw))
        if y.sum() == 0 or y.sum() == len(y):
            raise ValueError("labels have a single class; need frauds and non-frauds")
        rounds = self.n_estimators
        self.best_iteration_ = None
        goods = self._goods_columns(X)
        if eval_set is not None:
            rawv = (
                eval_set[0]
                if isinstance(eval_set[0], pa.Table)
                else pa.Table.from_pandas(eval_set[0])
            )
            Xv = _as_table(rawv)
            yv = self._labels(Xv, eval_set[1], rawv)
            Xv, yv, revenue_v = _canonical(Xv, yv, _revenue(rawv))
            if yv.sum() == 0 or yv.sum() == len(yv):
                raise ValueError(
                    "eval_set labels have a single class; need frauds and non-frauds"
                )
            goods_v = self._goods_columns(Xv)
            booster, refs, _ = self._train(
                X, y, rounds, goods, valid=(Xv, yv, goods_v), callbacks=callbacks
            )
            rounds = max(1, booster.best_iteration or rounds)
            self.best_iteration_ = rounds
            X = pa.concat_tables([X, Xv])
            y = np.concatenate([y, yv])
            revenue = np.concatenate([revenue, revenue_v])
            if goods is not None and goods_v is not None:
                goods = pa.concat_tables([goods, goods_v])  # checked once
        booster, refs, feats = self._train(X, y, rounds, goods, callbacks=callbacks)
        self.booster_ = booster
        self.references_ = refs
        self.feature_names_ = _feature_columns(feats)
        oof = booster.predict(self._matrix(feats))
        self.threshold_ = float(np.quantile(oof, 1 - self.inspect_percent / 100))
        self.revenue_booster_ = self._fit_revenue(revenue, y, feats)
        self.training_fingerprint_ = _fingerprint(X, y)
        self.n_train_ = int(X.num_rows)
        self.positives_train_ = int(y.sum())
        return self

    def _goods_columns(self, lines: pa.Table) -> pa.Table | None:
        """With a goods model: each line's declared-code mismatch with its
        text (a feature) and the goods agent's reason (quoted, not learned)."""
        if self.goods_model is None:
            return None
        from sarap.agents._goods_jobs import mismatch_table

        return mismatch_table(self._goods(), lines).select(
            ["goods_mismatch", "goods_reason"]
        )

    def _goods(self) -> Any:
        # Derived from the goods_model parameter, loaded once; not learned.
        cached = self.__dict__.get("_goods_cache")
        if cached is None or cached[0] != self.goods_model:
            from sarap.agents._goods_jobs import load_goods

            folder = Path(str(self.goods_model))
            if not (folder / "model.json").is_file():
                raise SarapError(
                    f"goods model {folder} not found (goods_model of this "
                    "declarations model); fit one with sarap goods fit"
                )
            cached = (self.goods_model, load_goods(folder))
            self.__dict__["_goods_cache"] = cached
        return cached[1]

    def _matrix(self, feats: pa.Table) -> np.ndarray:
        """Row-major float64 features, NaN where missing."""
        cols = [
            feats.column(name).to_numpy(zero_copy_only=False)  # nulls: NaN
            for name in self.feature_names_
        ]
        return _rows_into(np.empty((feats.num_rows, len(cols))), cols, self.n_jobs)

    def _train(
        self,
        X: pa.Table,
        y: np.ndarray,
        rounds: int,
        goods: pa.Table | None,
        *,
        valid: tuple[pa.Table, np.ndarray, pa.Table | None] | None = None,
        callbacks: list[Any] | None = None,
    ) -> tuple[lgb.Booster, References, pa.Table]:
        builder = self._builder()
        refs, feats = builder.fit_transform(X, pa.array(y))
        feats = _with_goods(feats, goods)
        self.feature_names_ = _feature_columns(feats)
        import lightgbm as lgb  # when first needed: see _Booster

        train = lgb.Dataset(
            self._matrix(feats), y, feature_name=self.feature_names_, free_raw_data=True
        )
        sets, cbs = [], list(callbacks or [])
        if valid is not None:
            fv = _with_goods(builder.transform(valid[0], refs), valid[2])
            sets = [lgb.Dataset(self._matrix(fv), valid[1], reference=train)]
            cbs.append(lgb.early_stopping(100, verbose=False))
        params = self._lgb_params("binary")
        if valid is not None:
            params["metric"] = "average_precision"
        booster = lgb.train(
            params, train, num_boost_round=rounds, valid_sets=sets, callbacks=cbs
        )
        builder.backend.close()
        return booster, refs, feats

    def _fit_revenue(
        self, rev: np.ndarray, y: np.ndarray, feats: pa.Table
    ) -> lgb.Booster | None:
        mask = (y == 1) & np.isfinite(rev) & (rev > 0)
        if mask.sum() < 50:
            return None
        import lightgbm as lgb  # when first needed: see _Booster

        data = lgb.Dataset(
            self._matrix(feats)[mask],
            np.log1p(rev[mask]),
            feature_name=self.feature_names_,
        )
        # A small model: revenue at stake orders the queue within a risk
        # level, it does not pick it. On simulated data 40 trees of 15
        # leaves rank revenue as well as 100 of 31 (Spearman .935 both on
        # a held-out month) at a third of the scoring time.
        params = self._lgb_params("regression")
        params["num_leaves"] = min(15, self.num_leaves)
        return lgb.train(params, data, num_boost_round=min(40, self.n_estimators))

    # -- scoring ----------------------------------------------------------

    def _features(self, X: Any, *, ordered: bool = True) -> tuple[pa.Table, pa.Table]:
        """The lines as a table, and their features: in the lines' order, or
        (``ordered=False``) in any order with each line's position in
        ``_pos``."""
        self._check_fitted("references_")  # not booster_: that loads LightGBM
        lines = _as_table(X)
        if lines.num_rows > SMALL:
            # A big batch gets a connection of its own, closed after, so that
            # DuckDB's buffers are given back before the model runs.
            builder = self._builder()
            try:
                feats = builder.transform(lines, self.references_, ordered=ordered)
            finally:
                builder.backend.close()
        else:
            builder, lock = self._shared_builder()
            with lock:
                feats = builder.transform(lines, self.references_, ordered=ordered)
        goods = self._goods_columns(lines)
        if goods is not None and not ordered:
            goods = goods.take(feats.column("_pos"))
        return lines, _with_goods(feats, goods)

    def _shared_builder(self) -> tuple[FeatureBuilder, threading.Lock]:
        """One connection per fitted model for small requests, its reference
        tables registered once: most of a single declaration's cost otherwise.
        Derived from references_, not learned state; the lock keeps one query
        at a time on it."""
        cached = self.__dict__.get("_scoring")
        if cached is None or cached[0] is not self.references_:
            cached = (self.references_, self._builder(), threading.Lock())
            self.__dict__["_scoring"] = cached
        return cached[1], cached[2]

    def _data(self, feats: pa.Table) -> pa.Table:
        """The model's input: its features as float64 Arrow columns, in
        order, nulls as missing. LightGBM reads Arrow without a copy into a
        row-major matrix."""
        return pa.table(
            {c: feats.column(c).cast(pa.float64()) for c in self.feature_names_}
        )

    def _text(self, name: str) -> str | None:
        """A booster attribute's LightGBM text (None for no booster)."""
        booster: _Booster = getattr(type(self), name)
        return booster.text(self)

    def _has(self, name: str) -> bool:
        """Whether the model has that booster, without loading LightGBM."""
        booster: _Booster = getattr(type(self), name)
        return booster.has(self)

    def _predict(self, names: list[str], feats: pa.Table) -> list[np.ndarray]:
        """Each named booster's predictions for ``feats`` (the feature table).

        A big batch goes through the boosters compiled to machine code (the
        same predictions, several times faster) when they can be had, one
        record batch at a time through one reused row-major buffer: fresh
        memory is slow to touch on a small virtual machine, and a matrix of
        the whole batch would be hundreds of megabytes of it.
        """
        n = feats.num_rows
        fast = self._compiled(names, rows=n) if n > SMALL else None
        if fast is None:
            data = self._data(feats)
            return [np.asarray(getattr(self, b).predict(data)) for b in names]
        outs = [np.empty(n) for _ in names]
        batches = feats.select(self.feature_names_).to_batches()
        buffer = np.empty((max(b.num_rows for b in batches), len(self.feature_names_)))
        at = 0
        for batch in batches:
            block = _rows_into(
                buffer[: batch.num_rows],
                [c.to_numpy(zero_copy_only=False) for c in batch.columns],
                self.n_jobs,
            )
            for out, predict in zip(outs, fast, strict=True):
                out[at : at + batch.num_rows] = predict(block)
            at += batch.num_rows
        return outs

    def _compiled(
        self, names: list[str], *, leaves: bool = False, rows: int = 0
    ) -> list[Any] | None:
        """The named boosters compiled, as predictors or (``leaves``) leaf
        finders, kept per booster; None if any cannot be had. For a batch of
        ``rows`` lines they are compiled only if that repays it
        (``COMPILE_AT``); below that, only one already in the cache is used."""
        done = self.__dict__.setdefault("_compiled_boosters", {})
        out = []
        for name in names:
            fast = done.get((name, leaves), False)
            if fast is False:
                text = self._text(name)
                compile_ = compiled_leaves if leaves else compiled_predict
                build = rows >= COMPILE_AT
                fast = (
                    None if text is None else compile_(text, self.n_jobs, build=build)
                )
                if fast is not None or build:
                    done[(name, leaves)] = fast
            if fast is None:
                return None
            out.append(fast)
        return out

    def _boosters(self) -> list[str]:
        """The model's boosters: risk, and revenue when it has one."""
        return ["booster_"] + (
            ["revenue_booster_"] if self._has("revenue_booster_") else []
        )

    def compile_for_batches(self) -> bool:
        """Compile the boosters for big batches now rather than at the first
        big batch (seconds: about 15 s for 150 trees of 31 leaves). The
        result is cached per user; False when compiling is not available
        here, and big batches then score with LightGBM."""
        self._check_fitted("references_")
        return (
            self._compiled(self._boosters(), rows=COMPILE_AT) is not None
            and self._compiled(["booster_"], leaves=True, rows=COMPILE_AT) is not None
        )

    def compiled_here(self) -> bool:
        """Whether big batches would score through compiled trees now (found
        in this machine's cache), without compiling anything."""
        self._check_fitted("references_")
        return self._compiled(self._boosters()) is not None

    def _attributions(
        self, attributor: PathAttributor, feats: pa.Table, *, raw: bool = True
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Raw score (None unless ``raw``) and per-family contributions of
        every row of ``feats``, ``CHUNK`` rows at a time (bounds the
        leaf-index array)."""
        n = feats.num_rows
        model_input = feats.select(self.feature_names_)
        scores = np.empty(n) if raw else None
        weights = np.empty((n, attributor.table.shape[1]), dtype=np.float32)
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            leaves = self._leaves(attributor, model_input.slice(start, stop - start), n)
            if scores is not None:
                scores[start:stop] = attributor.raw_score(leaves)
            weights[start:stop] = attributor.contributions(leaves, self.n_jobs)
        return scores, weights

    def _leaves(
        self, attributor: PathAttributor, part: pa.Table, rows: int
    ) -> np.ndarray:
        """Where the rows of ``part`` (model input) end in every tree, as the
        attributor's indices; part of a big batch (``rows`` lines) through
        the compiled leaf finder when it can be had."""
        fast = (
            self._compiled(["booster_"], leaves=True, rows=rows)
            if rows > SMALL
            else None
        )
        if fast is None:
            leaves = self.booster_.predict(self._data(part), pred_leaf=True)
        else:
            leaves = fast[0](self._matrix(part))
        return attributor.flat(np.asarray(leaves))

    def score_samples(self, X: Any) -> np.ndarray:
        """Fraud probability of each line; higher is riskier. Never mutates."""
        _, feats = self._features(X)
        return self._predict(["booster_"], feats)[0]

    def predict(self, X: Any) -> np.ndarray:
        """1 where the score reaches ``threshold_`` (the inspection cut-off)."""
        return (self.score_samples(X) >= self.threshold_).astype(np.int8)

    def score_table(
        self,
        X: Any,
        *,
        top_reasons: int = 3,
        explain: int | Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> pa.Table:
        """Scores, expected revenue at stake and reasons, one row per line.

        Parameters
        ----------
        X : pyarrow.Table or pandas.DataFrame
            Declaration lines.
        top_reasons : int, default 3
            How many reasons to give per line.
        explain : int, callable or None, default None
            Give reasons for the ``explain`` riskiest lines only (the ones
            that reach an inspector), or for the lines (positions) that
            ``explain(risk)`` picks from every line's risk; all lines when
            None.

        Returns
        -------
        pyarrow.Table
            ``declaration_id``, ``item_no``, ``risk``, ``expected_revenue``
            (null without a revenue model), ``reasons`` (``"; "``-joined).
        """
        lines, feats = self._features(X, ordered=explain is None)
        keys = lines.select(["declaration_id", "item_no"])
        names, attributor = self._attributor()
        n = feats.num_rows
        revenue = None
        chosen: np.ndarray | None = None
        if explain is None:
            # One pass over the trees gives every score and its reasons.
            raw, weights = self._attributions(attributor, feats)
            assert raw is not None
            risk = 1.0 / (1.0 + np.exp(-raw))
            context = _context(lines, feats)
            if self._has("revenue_booster_"):
                revenue = self._predict(["revenue_booster_"], feats)[0]
        else:
            # Features come in no set order: scores are put back in the
            # lines' order, and only the chosen lines' features are fetched.
            line_of = feats.column("_pos").to_numpy()
            scores = self._predict(self._boosters(), feats)
            risk, *rest = (_placed(p, line_of) for p in scores)
            revenue = rest[0] if rest else None
            if callable(explain):
                chosen = np.asarray(explain(risk), dtype=np.int64)
            else:
                chosen = np.argsort(-risk, kind="stable")[:explain]
            # The chosen lines in the order of their feature rows, which are
            # then taken a record batch at a time.
            rows = _placed(np.arange(n), line_of)[chosen]
            order = np.argsort(rows)
            chosen = chosen[order]
            feats = _take_ascending(feats, rows[order])
            # Their scores are known: only the contributions are worked out.
            _, weights = self._attributions(attributor, feats, raw=False)
            context = _context(lines.select(_CONTEXT_INPUT).take(chosen), feats)
        reasons = self._words(weights, names, context, top_reasons)
        if chosen is not None:
            at = np.full(n, -1, dtype=np.int64)
            at[chosen] = np.arange(len(chosen))
            reasons = reasons.take(pa.array(at, mask=at < 0))
        expected = None if revenue is None else risk * np.expm1(revenue)
        return pa.table(
            {
                "declaration_id": keys.column("declaration_id"),
                "item_no": keys.column("item_no"),
                "risk": pa.array(risk),
                "expected_revenue": pa.array(expected, pa.float64())
                if expected is not None
                else pa.nulls(n, pa.float64()),
                "reasons": reasons,
            }
        )

    def _words(
        self, weights: np.ndarray, names: list[str], context: pa.Table, top: int
    ) -> pa.Array:
        if context.num_rows == 0:
            return pa.array([], pa.string())
        if context.num_rows > SMALL:
            backend = get_backend("duckdb", threads=self.n_jobs)
            try:
                return explain_rows(weights, names, context, top, backend)
            finally:
                backend.close()
        builder, lock = self._shared_builder()
        with lock:
            return explain_rows(weights, names, context, top, builder.backend)

    def _attributor(self) -> tuple[list[str], PathAttributor]:
        # Derived from booster_ alone, built once and reused; not learned state.
        cached = self.__dict__.get("_path_attributor")
        if cached is None:
            fams = families(self.feature_names_)
            names = list(fams)
            owner = [0] * len(self.feature_names_)
            for j, f in enumerate(names):
                for i in fams[f]:
                    owner[i] = j
            text = self._text("booster_")
            assert text is not None
            cached = (names, PathAttributor(text, owner, len(names)))
            self.__dict__["_path_attributor"] = cached
        return cached

    # -- persistence ------------------------------------------------------

    def save(self, path: str | Path, **meta: Any) -> None:
        """Write the model to a folder: JSON metadata, LightGBM text, Parquet."""
        self._check_fitted("booster_")
        with model_folder(path, _MODEL_FILES, type(self).__name__) as folder:
            (folder / "references").mkdir(parents=True, exist_ok=True)
            self.booster_.save_model(str(folder / "booster.txt"))
            if self.revenue_booster_ is not None:
                self.revenue_booster_.save_model(str(folder / "revenue.txt"))
            for kind, tables in (
                ("group", self.references_.groups),
                ("price", self.references_.prices),
            ):
                for name, table in tables.items():
                    pq.write_table(
                        table, folder / "references" / f"{kind}-{name}.parquet"
                    )
            info = {
                "agent": type(self).__name__,
                "format": MODEL_FORMAT,
                "sarap_version": sarap.__version__,
                "schema_version": SCHEMA_VERSION,
                "params": self.get_params(),
                "feature_names": self.feature_names_,
                "threshold": self.threshold_,
                "prior": self.references_.prior,
                "smoothing": self.references_.smoothing,
                "best_iteration": self.best_iteration_,
                "training_fingerprint": self.training_fingerprint_,
                "n_train": self.n_train_,
                "positives_train": self.positives_train_,
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **meta,
            }
            write_model_info(folder, info)

    @classmethod
    def load(cls, path: str | Path) -> DeclarationRiskRanker:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        info = read_model_info(path, cls.__name__, MODEL_FORMAT)
        with damaged_model(path):
            model = cls(**info["params"])
            # The boosters as text: LightGBM is loaded only if something needs it.
            cls.booster_.set_text(model, (path / "booster.txt").read_text())
            if model_files(path, info, "revenue.txt"):
                rev = path / "revenue.txt"
                cls.revenue_booster_.set_text(model, rev.read_text())
            else:
                model.revenue_booster_ = None
            groups: dict[str, pa.Table] = {}
            prices: dict[str, pa.Table] = {}
            for f in model_files(path, info, "references/*.parquet"):
                kind, name = f.stem.split("-", 1)
                (groups if kind == "group" else prices)[name] = pq.read_table(f)
            model.references_ = References(
                info["prior"], info["smoothing"], groups, prices
            )
            model.feature_names_ = info["feature_names"]
            model.threshold_ = info["threshold"]
            model.best_iteration_ = info.get("best_iteration")
            model.training_fingerprint_ = info["training_fingerprint"]
            model.n_train_ = info["n_train"]
            model.positives_train_ = info["positives_train"]
            model.info_ = info
        return model


# Every file and folder a saved model may hold.
_MODEL_FILES = {"model.json", "booster.txt", "revenue.txt", "references"}


def _revenue(raw: pa.Table) -> np.ndarray:
    if "additional_revenue" not in raw.column_names:
        return np.full(raw.num_rows, np.nan)
    col = raw.column("additional_revenue").cast(pa.float64())
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


CONTEXT = (
    "importer_id",
    "declarant_id",
    "seller_id",
    "courier_id",
    "office_id",
    "country_origin",
    "country_departure",
    "tax_type",
    "origin_indicator",
    "procedure",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "currency",
    "customs_value",
    "net_mass_kg",
    "tax_rate",
)


def _rows_into(out: np.ndarray, cols: list[np.ndarray], threads: int = 1) -> np.ndarray:
    """Columns written into the row-major ``out`` a block of rows at a time,
    each block staying in cache while its columns are written: several
    times faster than writing whole columns, or stacking and transposing.
    With ``threads`` > 1 a big ``out`` is split into that many row ranges,
    written at once (NumPy copies without holding the GIL)."""

    def rows(start: int, stop: int) -> None:
        for at in range(start, stop, 8192):
            end = min(stop, at + 8192)
            block = out[at:end]
            for j, col in enumerate(cols):
                block[:, j] = col[at:end]

    if threads < 2 or len(out) < 65536:
        rows(0, len(out))
        return out
    cuts = np.linspace(0, len(out), threads + 1).astype(int)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(rows, cuts[:-1], cuts[1:]))
    return out


def _placed(values: np.ndarray, line_of: np.ndarray) -> np.ndarray:
    """``values`` of feature rows, put in the order of their lines."""
    out = np.empty_like(values)
    out[line_of] = values
    return out


def _take_ascending(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """``table.take(rows)`` for ascending ``rows``, a record batch at a time:
    several times faster than Arrow's take across a table of many chunks."""
    batches = table.to_batches()
    starts = np.cumsum([0] + [b.num_rows for b in batches])
    cuts = np.searchsorted(rows, starts)
    parts = [
        b.take(pa.array(rows[cuts[i] : cuts[i + 1]] - starts[i]))
        for i, b in enumerate(batches)
        if cuts[i + 1] > cuts[i]
    ]
    return pa.Table.from_batches(parts, schema=table.schema)


def _with_goods(feats: pa.Table, goods: pa.Table | None) -> pa.Table:
    if goods is None:
        return feats
    for name in goods.column_names:
        feats = feats.append_column(name, goods.column(name))
    return feats


def _feature_columns(feats: pa.Table) -> list[str]:
    """The model's inputs: every feature column but those kept for reasons."""
    return [
        c
        for c in feats.column_names
        if not c.endswith("_fraud") and c != "goods_reason"
    ]


_CONTEXT_INPUT = [*CONTEXT, "hs_code"]


def _context(lines: pa.Table, feats: pa.Table) -> pa.Table:
    """What the reason sentences quote: the line's fields and its histories."""
    cols = {c: lines.column(c) for c in CONTEXT}
    for n in (6, 4, 2):
        cols[f"hs{n}"] = pc.utf8_slice_codeunits(lines.column("hs_code"), 0, n)
    for c in feats.column_names:
        if c.endswith(("_n", "_fraud", "_logratio")) or c in (
            "origin_differs",
            "goods_mismatch",
            "goods_reason",
        ):
            cols[c] = feats.column(c)
    return pa.table(cols)
