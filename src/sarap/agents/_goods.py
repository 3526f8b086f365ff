"""The goods agent: goods descriptions -> HS / TN VED codes, and code mismatches."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

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
from sarap.agents._compiled import Predict, compiled_predict
from sarap.agents._goods_text import (
    TextSpace,
    load_csr,
    normalise_code,
    normalise_text,
    save_csr,
)
from sarap.agents._kernels import (
    dense_product,
    product_maxima,
    ranks_at,
    sparse_dense_product,
)

MODEL_FORMAT = 1
DEPTHS = (2, 4, 6, 10)
# Similarity in place of a decision value the example classifier does not
# have (a heading never seen in the examples): about that of a poor match.
_MISSING_SVC = -1.5
_BATCH = 512
# Texts in one call from which the ranker's trees are compiled (about 3 s,
# cached per user) if no compiled copy is cached yet: about the number whose
# ranking that time repays. compile_for_batches() does it at once.
COMPILE_AT = 50_000
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_VIEWS = ("svm", "knn", "cen", "name", "cover", "head")
_BLEND_FEATURE = 3 * len(_VIEWS) + 1  # after three per view and the prior
_HEAD_WORDS = 3


@dataclass(frozen=True)
class Suggestion:
    """One suggested code with its official name and confidence (0..1)."""

    code: str
    name: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "confidence": round(self.confidence, 4),
        }


def _rounded(x: float) -> float | None:
    """For JSON, which has no NaN (nothing judged): None."""
    return None if np.isnan(x) else round(x, 4)


# A finding's problem -> its kind in :meth:`GoodsFinding.as_dict`.
PROBLEMS = {
    "mismatch": "goods_code_mismatch",
    "unknown_code": "goods_code_unknown",
    "malformed_code": "goods_code_malformed",
}


@dataclass(frozen=True)
class GoodsFinding:
    """A declared code that the goods text makes unlikely, or that is no code.

    ``score`` is one minus the probability of the declared code at ``depth``
    digits (higher is riskier); ``suggestions`` are the likelier codes.
    ``problem`` is ``"mismatch"``, ``"unknown_code"`` (a code the model does
    not know at ``depth`` digits: not in the nomenclature nor the examples;
    probability 0) or ``"malformed_code"`` (not an HS / TN VED code at all:
    ``declared_code`` is as written, confidence and score NaN, nothing to
    judge; the suggestions are the text's likeliest codes).
    """

    text: str
    declared_code: str
    depth: int
    declared_confidence: float
    score: float
    suggestions: tuple[Suggestion, ...]
    problem: str = "mismatch"

    @property
    def reason(self) -> str:
        best = self.suggestions[0] if self.suggestions else None
        tail = ""
        if best:
            # Reasons are joined with "; ", and official names may hold one.
            name = " ".join(best.name.replace(";", ",").split())
            said = f"{best.code} {name}" if name else best.code
            tail = f"; the text reads as {said} ({best.confidence:.0%})"
        if self.problem == "malformed_code":
            code = " ".join(self.declared_code.replace(";", ",").split())
            head = (
                f"declared code '{code}' is not an HS / TN VED code"
                if code
                else "no declared code"
            )
        elif self.problem == "unknown_code":
            head = (
                f"declared code {self.declared_code} is not in the nomenclature "
                f"at {self.depth} digits"
            )
        else:
            head = (
                f"declared code {self.declared_code} fits the goods text poorly "
                f"({self.declared_confidence:.0%} at {self.depth} digits)"
            )
        return head + tail

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": PROBLEMS[self.problem],
            "declared_code": self.declared_code,
            "depth": self.depth,
            "declared_confidence": _rounded(self.declared_confidence),
            "score": _rounded(self.score),
            "reason": self.reason,
            "suggestions": [s.as_dict() for s in self.suggestions],
        }


@dataclass
class _Levels:
    """Ranked codes and probabilities at each depth, for one text."""

    codes: dict[int, list[str]] = field(default_factory=dict)
    probs: dict[int, list[float]] = field(default_factory=dict)

    def prob_of(self, code: str) -> float:
        depth = len(code)
        if depth not in self.codes:
            depth = max(d for d in self.codes if d <= depth)
            code = code[:depth]
        for c, p in zip(self.codes[depth], self.probs[depth], strict=True):
            if c == code:
                return p
        return 0.0


def _has_words(normal: str) -> bool:
    """Whether a normalised text has a word with a letter in it."""
    return any(c.isalpha() for c in normal)


def _segment_max(
    S: sp.csr_matrix | np.ndarray, seg: np.ndarray, n_seg: int
) -> np.ndarray:
    """Row-wise maximum of a non-negative similarity matrix over column groups.

    ``seg[j]`` is the group of column ``j`` (-1: none). Zero where a row has
    no similarity with any column of a group. ``S`` is sparse or dense; a
    dense one whose groups are runs of columns needs no scatter.
    """
    n = S.shape[0]
    if not sp.issparse(S):
        starts = np.r_[0, np.flatnonzero(np.diff(seg)) + 1]
        runs = seg[starts]
        kept = runs >= 0
        if len(np.unique(runs[kept])) == kept.sum():  # each group one run
            at = np.maximum.reduceat(np.asarray(S), starts, axis=1)
            out = np.zeros((n, n_seg), dtype=np.float32)
            out[:, runs[kept]] = np.maximum(at[:, kept], 0)
            return out
    S = sp.csr_matrix(S)
    # Columns of no group go to one more, dropped at the end: no masking.
    g = np.where(seg < 0, n_seg, seg)[S.indices]
    g += np.repeat(np.arange(n, dtype=np.int64) * (n_seg + 1), np.diff(S.indptr))
    flat = np.zeros(n * (n_seg + 1), dtype=np.float32)
    # One flat index: numpy's fast path for ufunc.at (a tuple index is slow).
    np.maximum.at(flat, g, S.data)
    return flat.reshape(n, n_seg + 1)[:, :n_seg]


def _coverage(Q: sp.csr_matrix, terms: sp.csr_matrix) -> np.ndarray:
    """Weighted share of each text's terms found in each heading's names.

    ``terms`` is (terms, headings): the transpose of ``heading_terms_``.
    """
    total = np.asarray(Q.sum(axis=1)).ravel()
    hits = dense_product(Q, terms)
    share: np.ndarray = (hits / np.maximum(total, 1e-9)[:, None]).astype(np.float32)
    return share


def _share_down(
    parent: np.ndarray,
    parent_p: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    sims: np.ndarray,
    temperature: float,
    top: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each parent code's probability shared among its children, all texts
    at once; the ``top`` likeliest children of each text.

    ``parent`` (texts, m) holds parent indices (-1: none) with probabilities
    ``parent_p``; a parent's children are ``lo[p]:hi[p]`` and get a softmax
    of their ``sims`` at ``temperature``. Returns (texts, top) child indices
    (-1: none) and probabilities, likeliest first; ties keep parent order,
    then code order. Float32 throughout, as the sims are.
    """
    n, m = parent.shape
    out_c = np.full((n, top), -1, dtype=np.int64)
    out_p = np.zeros((n, top), dtype=np.float32)
    if not len(lo):  # no parent codes at all (a list without subheadings)
        return out_c, out_p
    has = parent >= 0
    start = np.where(has, lo[np.maximum(parent, 0)], 0).ravel()
    size = np.where(has, hi[np.maximum(parent, 0)] - lo[np.maximum(parent, 0)], 0)
    size = size.ravel()
    total = int(size.sum())
    if total == 0:
        return out_c, out_p
    first = np.cumsum(size) - size  # each group's first item
    child = np.arange(total) - np.repeat(first - start, size)
    text = np.repeat(np.arange(n * m) // m, size)
    z = sims[text, child] / np.float32(temperature)
    groups = first[size > 0]
    sized = size[size > 0]
    w = np.exp(z - np.repeat(np.maximum.reduceat(z, groups), sized))
    scale = parent_p.ravel()[size > 0].astype(np.float32) / np.add.reduceat(w, groups)
    w *= np.repeat(scale, sized)
    order = np.lexsort((np.arange(total), -w, text))  # by text, likeliest first
    per_text = np.bincount(text, minlength=n)
    at = np.arange(total) - np.repeat(np.cumsum(per_text) - per_text, per_text)
    keep = order[at < top]
    rank = at[at < top]
    out_c[text[keep], rank] = child[keep]
    out_p[text[keep], rank] = w[keep]
    return out_c, out_p


def _parent_name(names: list[tuple[Any, str]], source: Any, own: str) -> str:
    """The name of a parent to put before a child's short name: one from the
    child's own list, else one in its script (a Russian "прочие" gains little
    from an English heading name); the longest, then the first in text order."""
    same = [t for s, t in names if s == source]
    if not same:
        cyrillic = _CYRILLIC.search(own) is not None
        same = [t for _, t in names if (_CYRILLIC.search(t) is not None) == cyrillic]
    return min(same or [t for _, t in names], key=lambda t: (-len(t), t))


def _head(normal: str) -> str:
    return " ".join(normal.split()[:_HEAD_WORDS])


def _row_keys(M: np.ndarray) -> np.ndarray:
    """One int64 per value, ordering each row as a stable sort of ``-M`` does
    (largest first, ties in column order), rows above one another.

    The key is the float's order-preserving bits (-0.0 as 0.0), then the
    column, then the row in the highest bits.
    """
    n, m = M.shape
    bits = max(1, (m - 1).bit_length())
    key = (np.ascontiguousarray(M, dtype=np.float32) + np.float32(0)).view(np.int32)
    key = key.astype(np.int64)
    np.bitwise_xor(key, 0x7FFFFFFF, out=key, where=key < 0)  # negatives reversed
    np.subtract(2**31 - 1, key, out=key)  # largest first
    key <<= bits
    key |= np.arange(m, dtype=np.int64)
    key += (np.arange(n, dtype=np.int64) << (32 + bits))[:, None]
    return key


def _top_columns(M: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest columns of each row, largest first, ties in column
    order: ``np.argsort(-M, kind="stable")[:, :k]`` without sorting it all
    (``M`` without NaN, as the views are once the SVM's gaps are filled)."""
    m = M.shape[1]
    if k >= m:
        return np.argsort(-M, axis=1, kind="stable")
    key = _row_keys(M)
    part = np.argpartition(key, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(key, part, 1), axis=1)
    top: np.ndarray = np.take_along_axis(part, order, 1)
    return top


class GoodsClassifier(BaseAgent):
    """Classify goods descriptions into HS / TN VED EAEU codes.

    Learns from the nomenclature (codes with their official names, at any
    depth) and from labelled descriptions (text -> code). A description is
    placed in a 4-digit heading by combining six views of it: a linear SVM
    on character and word n-grams trained on the labelled descriptions, the
    nearest labelled descriptions, and four views of the nomenclature (each
    heading's centroid, its best-matching name, and the share of the text's
    words, and of its first three words, that the heading's names use).
    A gradient-boosted
    ranker, fitted on out-of-fold scores of the labelled descriptions, weighs
    the views for the top candidates; its margins become probabilities by a
    temperature fitted out of fold. Chapters (2 digits) add up their headings;
    subheadings (6 digits) and national codes (10 digits) share their
    heading's probability by how well their names and examples match.

    Parameters
    ----------
    C : float, default 0.5
        Regularisation of the linear SVM (larger fits the examples closer).
    svm_features : int, default 60000
        The linear SVM uses the n-grams most frequent in the examples, at
        most this many (its weights are a dense classes x features array).
    max_features : int, default 300000
        Vocabulary size of each of the word and character n-gram spaces.
    n_candidates : int, default 30
        Headings the ranker considers for each text.
    cv : int, default 5
        Folds for the out-of-fold scores the ranker learns from.
    min_confidence : float, default 0.5
        Answers go as deep as the top code keeps this probability; a text
        the model is unsure of gets a shorter code.
    mismatch_threshold : float, default 0.05
        :meth:`check` reports a declared code whose probability is below this.
    mismatch_depth : int, default 4
        Digits on which declared codes are judged (2, 4, 6 or 10).
    deep_temperature : float, default 0.05
        Sharpness of the split of a heading's probability among its
        subheadings by name similarity (smaller is sharper).
    n_jobs : int, default 2
        Threads that classify batches of descriptions side by side (a call
        with more than one batch of 512); fitting uses one.
    random_state : int, default 0

    Attributes
    ----------
    space_ : TextSpace
        The fitted TF-IDF spaces.
    headings_ : ndarray of str
        The 4-digit headings the model knows.
    names_ : dict of str to str
        Official name of each known code.
    ranker_ : lightgbm.Booster or None
        Candidate ranker; None when there were too few labelled examples
        (a fixed blend of the nomenclature views is used then).
    temperature_ : float
        Scale of ranker margins before the softmax over candidates.
    coverage_ : float
        Share of held-out examples whose heading was among the candidates;
        probabilities add up to it.
    n_examples_, n_nomenclature_ : int

    Examples
    --------
    >>> from sarap.simulate import simulate_goods
    >>> cat = simulate_goods(n_examples=600, seed=0)
    >>> model = GoodsClassifier(cv=3).fit(
    ...     cat.examples["text"], cat.examples["code"], nomenclature=cat.nomenclature
    ... )
    >>> model.predict(["FROZEN CHICKEN WINGS IQF 1KG"], depth=4)
    ['0207']
    """

    info_: dict[str, Any]  # set by load(): the saved model.json
    ranker_: lgb.Booster | None
    svm_: dict[str, np.ndarray] | None

    _parameter_constraints: ClassVar = {
        "C": [Interval(float, 0, None, "neither")],
        "svm_features": [Interval(int, 1, None)],
        "max_features": [Interval(int, 1, None)],
        "n_candidates": [Interval(int, 2, None)],
        "cv": [Interval(int, 2, 20)],
        "min_confidence": [Interval(float, 0, 1)],
        "mismatch_threshold": [Interval(float, 0, 1)],
        "mismatch_depth": [Interval(int, 2, 10)],
        "deep_temperature": [Interval(float, 0, None, "neither")],
        "n_jobs": [Interval(int, 1, None)],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        *,
        C: float = 0.5,
        svm_features: int = 60_000,
        max_features: int = 300_000,
        n_candidates: int = 30,
        cv: int = 5,
        min_confidence: float = 0.5,
        mismatch_threshold: float = 0.05,
        mismatch_depth: int = 4,
        deep_temperature: float = 0.05,
        n_jobs: int = 2,
        random_state: int = 0,
    ):
        self.C = C
        self.svm_features = svm_features
        self.max_features = max_features
        self.n_candidates = n_candidates
        self.cv = cv
        self.min_confidence = min_confidence
        self.mismatch_threshold = mismatch_threshold
        self.mismatch_depth = mismatch_depth
        self.deep_temperature = deep_temperature
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- input ------------------------------------------------------------

    @staticmethod
    def _pairs(
        codes: Iterable[Any],
        texts: Iterable[Any],
        what: str,
        sources: Iterable[Any] | None = None,
    ) -> pd.DataFrame:
        codes, texts = list(codes), list(texts)
        if len(codes) != len(texts):
            raise ValueError(f"{what}: {len(texts)} texts but {len(codes)} codes")
        source = [0] * len(codes) if sources is None else list(sources)
        out, bad = [], []
        for i, (c, t) in enumerate(zip(codes, texts, strict=True)):
            if (
                t is None
                or (isinstance(t, float) and np.isnan(t))
                or not str(t).strip()
            ):
                continue
            try:
                out.append((normalise_code(c), str(t), source[i]))
            except ValueError:
                bad.append(i)
        if bad:
            raise ValueError(
                f"{what}: {len(bad)} bad code(s), first at row {bad[0] + 1}: "
                f"{codes[bad[0]]!r}"
            )
        return pd.DataFrame(out, columns=["code", "text", "source"])

    @classmethod
    def _nomenclature(cls, nomenclature: Any) -> pd.DataFrame:
        if nomenclature is None:
            return pd.DataFrame({"code": [], "text": [], "source": []})
        if isinstance(nomenclature, pd.DataFrame):
            name = "name" if "name" in nomenclature.columns else "text"
            if "code" not in nomenclature.columns or name not in nomenclature.columns:
                raise ValueError("nomenclature needs columns 'code' and 'name'")
            return cls._pairs(
                nomenclature["code"],
                nomenclature[name],
                "nomenclature",
                nomenclature.get("source"),
            )
        pairs = list(nomenclature)
        return cls._pairs([p[0] for p in pairs], [p[1] for p in pairs], "nomenclature")

    # -- learning ---------------------------------------------------------

    def fit(
        self, X: Iterable[str] = (), y: Iterable[Any] = (), *, nomenclature: Any = None
    ) -> GoodsClassifier:
        """Learn from labelled descriptions and the nomenclature.

        Parameters
        ----------
        X : iterable of str
            Goods descriptions (may be empty: the nomenclature alone).
        y : iterable of codes
            Their codes, 4 to 10 digits; spaces and dots are ignored.
        nomenclature : DataFrame with ``code`` and ``name``, or (code, name)
            pairs
            Official names at any depth (2, 4, 6, 8, 10 digits); required. A code may
            appear several times (several name lists); the first name is the
            one shown. An optional ``source`` column tells which list a row
            is from: a short name ("прочие") is searched with its parent's
            name from the same list where it has one.

        Returns
        -------
        self
        """
        self._validate_params()
        if self.mismatch_depth not in DEPTHS:
            raise ValueError(
                f"The 'mismatch_depth' parameter of {type(self).__name__} must be "
                f"one of {DEPTHS}; got {self.mismatch_depth!r}."
            )
        started = time.perf_counter()
        ex = self._pairs(y, X, "examples")
        short = ex["code"].str.len() < 4
        # In an order set by content alone: the same examples fit the same
        # model whatever the files' order (the folds draw rows by position).
        ex = ex[~short].sort_values(["code", "text"], kind="stable")
        ex = ex.reset_index(drop=True)
        nom = self._nomenclature(nomenclature)
        if nom.empty:
            # The official names give the headings' names and every code
            # below 4 digits; examples alone cannot.
            raise ValueError(
                "nothing to learn from: a nomenclature (codes with their "
                "official names) is needed, examples are optional"
            )
        self.names_: dict[str, str] = {}
        for c, t in zip(nom["code"], nom["text"], strict=True):
            self.names_.setdefault(c, " ".join(t.split()))
        ex_norm = [normalise_text(t) for t in ex["text"]]
        docs = self._doc_texts(nom)
        if docs.empty:
            raise ValueError(
                "nothing to learn from: the nomenclature names no code of 4 "
                "digits or more (chapters alone give no headings)"
            )
        texts = ex_norm + list(docs["normal"])
        try:
            self.space_ = TextSpace(max_features=self.max_features).fit(texts)
        except ValueError as exc:  # sklearn's, for a list of a name or two
            raise ValueError(
                f"too few words to learn from in {len(texts)} names and examples "
                f"({exc})"
            ) from None
        heads = set(ex["code"].str[:4]) | set(docs["code"].str[:4])
        self.headings_ = np.array(sorted(heads))
        self._index_codes(docs, ex)
        hidx = {h: i for i, h in enumerate(self.headings_)}
        # nomenclature views: name search (stemmed words) and heading centroids
        self.doc_matrix_ = self.space_.stems(list(docs["normal"]))
        # Below a heading, siblings share their parents' words: their own
        # names alone tell them apart, and equally vague names stay equal.
        self.own_matrix_ = self.space_.stems(list(docs["own"]))
        full_docs = self.space_.full(list(docs["normal"]))
        member = sp.csr_matrix(
            (
                np.ones(len(docs), dtype=np.float32),
                (self.doc_heading_, np.arange(len(docs))),
            ),
            shape=(len(self.headings_), len(docs)),
        )
        self.centroids_ = normalize((member @ full_docs).tocsr()).astype(np.float32)
        # Which stemmed words (and pairs) each heading's names use at all.
        terms = (member @ self.doc_matrix_).tocsr()
        terms.data[:] = 1.0
        self.heading_terms_ = terms.astype(np.float32)
        # examples' views
        self.example_matrix_ = self.space_.full(ex_norm) if ex_norm else None
        self.example_heading_ = np.array(
            [hidx[c[:4]] for c in ex["code"]], dtype=np.int64
        )
        self.prior_ = np.bincount(
            self.example_heading_, minlength=len(self.headings_)
        ).astype(np.float32)
        self.ranker_ = None
        self.temperature_ = 8.0
        self.coverage_ = 1.0
        counts = np.bincount(self.example_heading_)
        if len(ex) >= max(30, 2 * self.cv) and (counts >= 2).sum() >= 2:
            self._fit_ranker(
                self.space_.stems(ex_norm),
                self.space_.stems([_head(t) for t in ex_norm]),
            )
        self._fit_svm(np.arange(len(ex)), final=True)
        self.n_examples_ = len(ex)
        self.n_nomenclature_ = len(nom)
        self.n_skipped_short_ = int(short.sum())
        self.fit_seconds_ = round(time.perf_counter() - started, 1)
        return self

    @staticmethod
    def _doc_texts(nom: pd.DataFrame) -> pd.DataFrame:
        """Nomenclature rows to search: 4+ digits, short names with their
        parent's, in an order set by content alone.

        The same lists fit the same model whatever their order; only the
        name shown for a code (the first one given) depends on it.
        """
        normal = [normalise_text(t) for t in nom["text"]]
        # A parent's names: (list, normal form) for each list that names it.
        parents: dict[str, list[tuple[Any, str]]] = {}
        for code, source, text in zip(nom["code"], nom["source"], normal, strict=True):
            if len(code) < 10:
                parents.setdefault(code, []).append((source, text))
        rows = []
        for code, source, own in zip(nom["code"], nom["source"], normal, strict=True):
            if len(code) < 4:
                continue
            text = own
            if len(own.split()) < 4:
                # "прочие", "- - other": only the parent's words say what it is.
                for n in range(len(code) - 2, 1, -2):
                    names = parents.get(code[:n])
                    if names:
                        text = _parent_name(names, source, own) + " " + own
                        break
            rows.append((code, text, own))
        docs = pd.DataFrame(rows, columns=["code", "normal", "own"])
        docs = docs.sort_values(["code", "normal", "own"], kind="stable")
        return docs.drop_duplicates(["code", "normal"]).reset_index(drop=True)

    def _index_codes(self, docs: pd.DataFrame, ex: pd.DataFrame) -> None:
        hidx = {h: i for i, h in enumerate(self.headings_)}
        known = set(docs["code"]) | set(ex["code"])
        self.codes6_ = np.array(sorted({c[:6] for c in known if len(c) >= 6}))
        self.codes10_ = np.array(sorted(c for c in known if len(c) == 10))
        i6 = {c: i for i, c in enumerate(self.codes6_)}
        i10 = {c: i for i, c in enumerate(self.codes10_)}
        self.doc_heading_ = np.array([hidx[c[:4]] for c in docs["code"]])
        self.doc6_ = np.array([i6.get(c[:6], -1) for c in docs["code"]])
        self.doc10_ = np.array([i10.get(c, -1) for c in docs["code"]])
        self.example6_ = np.array([i6.get(c[:6], -1) for c in ex["code"]])
        self.example10_ = np.array([i10.get(c, -1) for c in ex["code"]])

    def _svm_columns(self, rows: np.ndarray) -> np.ndarray:
        assert self.example_matrix_ is not None
        df = np.bincount(
            self.example_matrix_[rows].indices, minlength=self.space_.n_features
        )
        cols = np.flatnonzero(df)
        if len(cols) > self.svm_features:
            cols = cols[np.argsort(-df[cols], kind="stable")[: self.svm_features]]
        return np.sort(cols)

    def _fit_svm(self, rows: np.ndarray, *, final: bool) -> dict[str, Any] | None:
        """Linear SVM on the examples ``rows``; stored when ``final``."""
        y = self.example_heading_[rows] if len(rows) else np.array([])
        if len(np.unique(y)) < 2:
            if final:
                self.svm_ = None
            return None
        assert self.example_matrix_ is not None
        cols = self._svm_columns(rows)
        svm = LinearSVC(C=self.C, random_state=self.random_state)
        svm.fit(self.example_matrix_[rows][:, cols], y)
        coef = svm.coef_.astype(np.float32)
        if len(svm.classes_) == 2:  # binary: one row of weights for class 1
            coef = np.vstack([-coef, coef])
            intercept = np.r_[-svm.intercept_, svm.intercept_]
        else:
            intercept = svm.intercept_
        state = {
            "columns": cols,
            "coef": np.ascontiguousarray(coef.T),
            "intercept": intercept.astype(np.float32),
            "classes": svm.classes_.astype(np.int64),
        }
        if final:
            self.svm_ = state
        return state

    # -- the views and their combination ----------------------------------

    def _derived(self, key: Hashable, source: Any, make: Callable[[], Any]) -> Any:
        """A value derived from fitted state ``source`` (not learned, not
        saved), made once and kept until ``source`` is replaced."""
        cache = self.__dict__.setdefault("_derived_state", {})
        hit = cache.get(key)
        if hit is None or hit[0] is not source:
            hit = (source, make())
            cache[key] = hit
        return hit[1]

    def _t(self, name: str) -> sp.csr_matrix:
        """A fitted matrix transposed, in row-major form, made once.

        Multiplying by ``M.T`` would convert ``M`` on every call, most of a
        single description's time.
        """
        m = getattr(self, name)
        t: sp.csr_matrix = self._derived(("T", name), m, lambda: m.T.tocsr())
        return t

    def _example_layout(self) -> tuple[np.ndarray, ...]:
        """The examples in code order, and their heading, subheading and
        national code in that order: every group is then one run of columns,
        whose maxima need no scatter."""

        def make() -> tuple[np.ndarray, ...]:
            order = np.lexsort((self.example10_, self.example6_, self.example_heading_))
            return (
                order,
                self.example_heading_[order],
                self.example6_[order],
                self.example10_[order],
            )

        layout: tuple[np.ndarray, ...] = self._derived(
            "examples", self.example_heading_, make
        )
        return layout

    def _example_sims(self, Q: sp.csr_matrix) -> np.ndarray:
        """``Q`` against every example, columns in :meth:`_example_layout` order."""
        return self._dense_product(Q, "example_matrix_", self._example_layout()[0])

    def _dense_product(
        self, Q: sp.csr_matrix, name: str, columns: np.ndarray | None = None
    ) -> np.ndarray:
        """``Q`` times a fitted matrix's transpose, as a dense float32 array
        (its columns in ``columns`` order when given: the same each call).

        The n-grams that many rows of the matrix share (most of the work of
        a sparse product: each one of them touches every row that has it)
        are multiplied as dense blocks by BLAS; the rest sparsely. The same
        sums as ``Q @ M.T``, added in another order (within 2e-6 here).
        The dense block is summed in float64 and rounded to float32, so that
        a text gets the same values alone or in any batch, on any number of
        BLAS threads (whose sums differ in the last bits of a float64).
        """
        pos, dense_part, sparse_part = self._split(name, columns)
        Q = sp.csr_matrix(Q)
        at = pos[Q.indices]
        on = at >= 0
        rows = np.repeat(np.arange(Q.shape[0]), np.diff(Q.indptr))
        Qd = np.zeros((Q.shape[0], dense_part.shape[0]), dtype=np.float64)
        Qd[rows[on], at[on]] = Q.data[on]
        out = np.asarray(dense_product(Q, sparse_part), dtype=np.float32)
        out += (Qd @ dense_part).astype(np.float32)
        return out

    def _split(
        self, name: str, columns: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """A fitted matrix's transpose (columns in ``columns`` order) cut in
        two for :meth:`_dense_product`: the rows of n-grams in an eighth or
        more of its rows, dense, with each n-gram's place among them (-1:
        none), and the others, sparse."""

        def make() -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
            T = self._t(name)  # (features, rows of the matrix)
            if columns is not None:
                T = T[:, columns].tocsr()
            df = np.diff(T.indptr)
            dense = df > max(1, T.shape[1] // 8)
            pos = np.full(T.shape[0], -1, dtype=np.int64)
            pos[dense] = np.arange(int(dense.sum()))
            kept = np.repeat(~dense, df)
            indptr = np.zeros(T.shape[0] + 1, dtype=np.int64)
            np.cumsum(np.where(dense, 0, df), out=indptr[1:])
            sparse_part = sp.csr_matrix(
                (T.data[kept], T.indices[kept], indptr), shape=T.shape
            )
            dense_part = np.ascontiguousarray(T[dense].toarray(), dtype=np.float64)
            return pos, dense_part, sparse_part

        split: tuple[np.ndarray, np.ndarray, sp.csr_matrix] = self._derived(
            ("split", name, columns is not None), getattr(self, name), make
        )
        return split

    def _views(
        self,
        Q: sp.csr_matrix,
        Qs: sp.csr_matrix,
        Qh: sp.csr_matrix,
        svm: dict[str, Any] | None,
        example_rows: np.ndarray | None,
        example_sims: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Heading scores of each view: (texts, headings) arrays.

        ``Q`` is the texts in the full space, ``Qs`` in stemmed words and
        ``Qh`` their first words (the head phrase: what the goods are) stemmed.
        ``example_sims`` is ``Q`` against every example when the caller has
        it already (the costliest product here), from :meth:`_example_sims`.
        """
        n, H = Q.shape[0], len(self.headings_)
        views = {
            "cen": self._dense_product(Q, "centroids_"),
            "name": product_maxima(
                Qs, self._t("doc_matrix_"), [(self.doc_heading_, H)]
            )[0],
            "cover": _coverage(Qs, self._t("heading_terms_")),
            "head": _coverage(Qh, self._t("heading_terms_")),
        }
        svm_s = np.full((n, H), np.nan, dtype=np.float32)
        knn = np.zeros((n, H), dtype=np.float32)
        if svm is not None:
            svm_s[:, svm["classes"]] = (
                sparse_dense_product(Q[:, svm["columns"]], svm["coef"])
                + svm["intercept"]
            )
        if self.example_matrix_ is not None and example_rows is not None:
            if len(example_rows) == self.example_matrix_.shape[0]:
                sims = (
                    example_sims if example_sims is not None else self._example_sims(Q)
                )
                knn = _segment_max(sims, self._example_layout()[1], H)
            elif len(example_rows):
                sims = Q @ self.example_matrix_[example_rows].T
                knn = _segment_max(sims, self.example_heading_[example_rows], H)
        views["svm"] = svm_s
        views["knn"] = knn
        return views

    def _candidates(
        self, views: dict[str, np.ndarray], prior: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top headings of a fixed blend, and the ranker's features for them."""
        svm = np.nan_to_num(views["svm"], nan=_MISSING_SVC)
        base = 0.5 * svm + views["cen"] + views["name"] + 0.5 * views["knn"]
        base += 0.5 * (views["cover"] + views["head"])
        k = min(self.n_candidates, base.shape[1])
        cand = _top_columns(base, k)
        cols = []
        for name in _VIEWS:
            v = views[name]
            at = np.take_along_axis(v, cand, 1)
            filled = svm if name == "svm" else v  # the only view with gaps
            cols.append(at)
            cols.append(np.log1p(ranks_at(filled, cand)))
            cols.append(at - filled.max(axis=1, keepdims=True))
        cols.append(np.log1p(prior[cand]))
        at_base = np.take_along_axis(base, cand, 1)
        cols.append(at_base)
        cols.append(at_base - at_base[:, :1])
        # How much of the blend's mass sits in the candidate's chapter.
        chapters = self._derived(
            "chapters",
            self.headings_,
            lambda: np.array([int(h[:2]) for h in self.headings_]),
        )
        chapter = chapters[cand]
        w = np.exp(4.0 * (at_base - at_base[:, :1]))
        share = np.zeros_like(w)
        for j in range(k):
            share[:, j] = (w * (chapter == chapter[:, j : j + 1])).sum(1)
        cols.append(share / w.sum(1, keepdims=True))
        return cand, np.stack(cols, axis=-1).astype(np.float32)

    def _margins(self, feats: np.ndarray) -> np.ndarray:
        n, k, f = feats.shape
        if self.ranker_ is None:
            # The blend's score when there was nothing to rank from.
            return feats[:, :, _BLEND_FEATURE]
        X = feats.reshape(-1, f)
        fast = self._fast_ranker(build=False)
        if fast is not None:
            return fast(np.ascontiguousarray(X, dtype=np.float64)).reshape(n, k)
        return np.asarray(self.ranker_.predict(X)).reshape(n, k)

    def _fast_ranker(self, *, build: bool) -> Predict | None:
        """The ranker's trees compiled (lleaves; the same predictions to
        1e-15, three to four times faster), from the per-user cache, or
        compiled now when ``build``; None when not to be had (LightGBM ranks
        then). Derived from fitted state, looked up once per ranker."""
        if self.ranker_ is None:
            return None
        cache = self.__dict__.setdefault("_compiled_ranker", {})
        hit = cache.get("ranker")
        if hit is not None and hit[0] is self.ranker_:
            fast: Predict | None = hit[1]
            if fast is not None or not build or hit[2]:
                return fast
        fast = compiled_predict(self.ranker_.model_to_string(), 1, build=build)
        cache["ranker"] = (self.ranker_, fast, build)
        return fast

    def compile_for_batches(self) -> bool:
        """Compile the ranker's trees now, for faster batches (about 3 s for
        200 trees, kept in the per-user cache that the declarations agent
        uses too). False when compiling is not available here: LightGBM
        ranks then, slower, with the same answers."""
        self._check_fitted("space_")
        return self._fast_ranker(build=True) is not None

    def _ranker_params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 15,
            "min_data_in_leaf": 20,
            "lambda_l2": 1.0,
            "seed": self.random_state,
            "deterministic": True,
            "num_threads": 1,
            "verbosity": -1,
        }

    def _fit_ranker(self, Qs: sp.csr_matrix, Qh: sp.csr_matrix) -> None:
        """Out-of-fold views of the examples -> candidate ranker + temperature.

        ``Qs`` and ``Qh`` hold the examples and their head phrases stemmed.
        """
        assert self.example_matrix_ is not None
        Q = self.example_matrix_
        n = Q.shape[0]
        parts = []
        folds = KFold(self.cv, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(np.arange(n)):
            svm = self._fit_svm(train, final=False)
            views = self._views(Q[test], Qs[test], Qh[test], svm, train)
            prior = np.bincount(
                self.example_heading_[train], minlength=len(self.headings_)
            ).astype(np.float32)
            parts.append((test, *self._candidates(views, prior)))
        k, f = parts[0][2].shape[1:]
        cand = np.zeros((n, k), dtype=np.int64)
        feats = np.zeros((n, k, f), dtype=np.float32)
        for test, c, x in parts:
            cand[test], feats[test] = c, x
        label = (cand == self.example_heading_[:, None]).astype(np.float32)
        hit = label.any(axis=1)
        self.coverage_ = float(hit.mean())
        # Out-of-fold ranker margins fix the temperature; then one ranker on all.
        oof = np.zeros(label.shape)
        inner = KFold(3, shuffle=True, random_state=self.random_state)
        for train, test in inner.split(np.arange(n)):
            booster = lgb.train(
                self._ranker_params(),
                lgb.Dataset(feats[train].reshape(-1, f), label[train].ravel()),
                num_boost_round=200,
            )
            pred = np.asarray(booster.predict(feats[test].reshape(-1, f)))
            oof[test] = pred.reshape(-1, k)
        self.temperature_ = _fit_temperature(np.log(oof[hit] + 1e-9), label[hit])
        self.ranker_ = lgb.train(
            self._ranker_params(),
            lgb.Dataset(feats.reshape(-1, f), label.ravel()),
            num_boost_round=200,
        )

    # -- scoring ----------------------------------------------------------

    def _levels(self, texts: Sequence[str], top: int = 10) -> list[_Levels]:
        self._check_fitted("space_")
        texts = [str(t) for t in texts]
        batches = [texts[i : i + _BATCH] for i in range(0, len(texts), _BATCH)]

        def run(batch: list[str]) -> list[_Levels]:
            normal = [normalise_text(t) for t in batch]
            Q = self.space_.full(normal)
            # A text with no word or letter group the model has seen (another
            # script: "笔记本电脑") has nothing to go on either: all its views
            # are zero and the answer would be the prior's.
            known = (np.diff(Q.indptr) > 0).tolist()
            worded = [i for i, t in enumerate(normal) if known[i] and _has_words(t)]
            if len(worded) == len(normal):
                return self._levels_batch(normal, top, Q)
            # A text without a word (empty, a number, punctuation) tells
            # nothing of the goods: no codes rather than a guess.
            out = [
                _Levels({d: [] for d in DEPTHS}, {d: [] for d in DEPTHS})
                for _ in normal
            ]
            if worded:
                found = self._levels_batch([normal[i] for i in worded], top, Q[worded])
                for i, lv in zip(worded, found, strict=True):
                    out[i] = lv
            return out

        if len(texts) >= COMPILE_AT:
            self._fast_ranker(build=True)
        if self.n_jobs < 2 or len(batches) < 2:
            return [lv for batch in batches for lv in run(batch)]
        self._warm()
        # The sparse products, sorts and trees let go of the GIL; BLAS keeps
        # to one thread in each, or the threads crowd each other out.
        with (
            threadpool_limits(1, user_api="blas"),
            ThreadPoolExecutor(min(self.n_jobs, len(batches))) as pool,
        ):
            return [lv for part in pool.map(run, batches) for lv in part]

    def _warm(self) -> None:
        """Make the derived caches once, before threads share them."""
        for name in ("doc_matrix_", "own_matrix_", "heading_terms_"):
            self._t(name)
        self._split("centroids_")
        if self.example_matrix_ is not None:
            self._split("example_matrix_", self._example_layout()[0])
        self._child_ranges()
        self._child_ranges(deep=True)
        self._fast_ranker(build=False)

    def _heading_probs(
        self,
        Q: sp.csr_matrix,
        Qs: sp.csr_matrix,
        Qh: sp.csr_matrix,
        example_sims: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = (
            np.arange(self.example_matrix_.shape[0])
            if self.example_matrix_ is not None
            else None
        )
        views = self._views(Q, Qs, Qh, self.svm_, rows, example_sims)
        cand, feats = self._candidates(views, self.prior_)
        m = self._margins(feats)
        mass = np.full((len(m), 1), self.coverage_)
        if self.ranker_ is not None:
            # The ranker's per-candidate probabilities add up to its belief
            # that the answer is among the candidates at all: a text with no
            # evidence for any heading gets little confidence anywhere.
            mass = np.minimum(mass, m.sum(axis=1, keepdims=True))
            m = np.log(np.clip(m, 1e-9, None))
        z = self.temperature_ * (m - m.max(axis=1, keepdims=True))
        p = np.exp(z)
        p *= mass / p.sum(axis=1, keepdims=True)
        order = np.argsort(-p, axis=1, kind="stable")
        return np.take_along_axis(cand, order, 1), np.take_along_axis(p, order, 1)

    def _levels_batch(
        self, normal: list[str], top: int, Q: sp.csr_matrix
    ) -> list[_Levels]:
        """The levels of texts in normal form, ``Q`` their :meth:`TextSpace.full`."""
        Qs = self.space_.stems(normal)
        Qh = self.space_.stems([_head(t) for t in normal])
        ex_sims = None
        if self.example_matrix_ is not None:  # once, for two uses
            ex_sims = self._example_sims(Q)
        cand, prob = self._heading_probs(Q, Qs, Qh, ex_sims)
        s6, s10 = product_maxima(
            Qs,
            self._t("own_matrix_"),
            [(self.doc6_, len(self.codes6_)), (self.doc10_, len(self.codes10_))],
        )
        if ex_sims is not None and (self.example6_ >= 0).any():
            # Labelled examples count for little: their nearest one shares
            # mostly the words of the heading, not of the subheading.
            _, _, seg6, seg10 = self._example_layout()
            s6 += 0.1 * _segment_max(ex_sims, seg6, len(self.codes6_))
            s10 += 0.1 * _segment_max(ex_sims, seg10, len(self.codes10_))
        top4 = cand[:, :top]
        c6, p6 = _share_down(
            top4, prob[:, :top], *self._child_ranges(), s6, self.deep_temperature, top
        )
        c10, p10 = _share_down(
            c6, p6, *self._child_ranges(deep=True), s10, self.deep_temperature, top
        )
        # Whole arrays to Python lists at once: per-row NumPy indexing and
        # per-value float() were a tenth of a batch.
        heads, probs = self.headings_[cand].tolist(), prob.tolist()
        deeper = []
        for depth, codes, ci, pi in (
            (6, self.codes6_, c6, p6),
            (10, self.codes10_, c10, p10),
        ):
            # _share_down puts a text's children first, -1 after them.
            kept = (ci >= 0).sum(axis=1).tolist()
            if not len(codes):  # a list without codes this deep: all -1
                codes = np.array([""])
            deeper.append((depth, codes[np.maximum(ci, 0)].tolist(), pi.tolist(), kept))
        out = []
        for i in range(len(normal)):
            lv = _Levels()
            lv.codes[4] = heads[i][:top]
            lv.probs[4] = probs[i][:top]
            chapters: dict[str, float] = {}
            for h, p in zip(heads[i], probs[i], strict=True):
                chapters[h[:2]] = chapters.get(h[:2], 0.0) + p
            ranked = sorted(chapters.items(), key=lambda kv: -kv[1])[:top]
            lv.codes[2] = [c for c, _ in ranked]
            lv.probs[2] = [p for _, p in ranked]
            for depth, codes, pi, kept in deeper:
                lv.codes[depth] = codes[i][: kept[i]]
                lv.probs[depth] = pi[i][: kept[i]]
            out.append(lv)
        return out

    def _child_ranges(self, *, deep: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Where each heading's subheadings lie in ``codes6_`` (``deep``: each
        subheading's national codes in ``codes10_``), as [lo, hi) ranges."""
        parents, children = (
            (self.codes6_, self.codes10_) if deep else (self.headings_, self.codes6_)
        )

        def make() -> tuple[np.ndarray, np.ndarray]:
            lo = np.searchsorted(children, parents)
            hi = np.searchsorted(children, np.char.add(parents.astype(str), "\uffff"))
            return lo, hi

        ranges: tuple[np.ndarray, np.ndarray] = self._derived(
            ("ranges", deep), children, make
        )
        return ranges

    def _suggest(self, lv: _Levels, depth: int, k: int) -> list[Suggestion]:
        return [
            Suggestion(str(c), self.names_.get(str(c), ""), float(p))
            for c, p in zip(lv.codes[depth][:k], lv.probs[depth][:k], strict=True)
        ]

    def _answer_depth(self, lv: _Levels) -> int:
        """The deepest level whose top code keeps ``min_confidence``."""
        for depth in (10, 6, 4):
            if lv.probs.get(depth) and lv.probs[depth][0] >= self.min_confidence:
                return depth
        return 2

    def predict_topk(
        self, X: Sequence[str], k: int = 5, *, depth: int | None = None
    ) -> list[list[Suggestion]]:
        """The ``k`` likeliest codes of each text, with names and confidence.

        Parameters
        ----------
        X : sequence of str
            Goods descriptions.
        k : int, default 5
        depth : {2, 4, 6, 10} or None, default None
            Digits of the codes; None answers each text as deep as the model
            is sure of it (``min_confidence``).

        Returns
        -------
        list of list of Suggestion
        """
        if depth is not None and depth not in DEPTHS:
            raise ValueError(f"depth must be one of {DEPTHS}; got {depth!r}")
        return [
            self._suggest(lv, depth or self._answer_depth(lv), k)
            for lv in self._levels(X)
        ]

    def predict(self, X: Sequence[str], *, depth: int | None = None) -> list[str]:
        """The likeliest code of each text (see :meth:`predict_topk`)."""
        return [s[0].code if s else "" for s in self.predict_topk(X, 1, depth=depth)]

    def topk_codes(self, X: Sequence[str], depth: int, k: int = 5) -> list[list[str]]:
        """Top-k codes at ``depth`` digits, any depth from 2 to 10.

        An 8-digit request takes 10-digit answers cut to 8 digits.
        """
        level = min(d for d in DEPTHS if d >= depth)
        out = []
        for lv in self._levels(X, top=max(10, k * 3)):
            seen: list[str] = []
            for c in lv.codes[level]:
                if c[:depth] not in seen:
                    seen.append(c[:depth])
            out.append(seen[:k])
        return out

    def score_samples(self, X: Sequence[str], declared: Sequence[Any]) -> np.ndarray:
        """Mismatch risk of declared codes: 1 - their probability given the text.

        Judged on ``mismatch_depth`` digits (higher is riskier); NaN for a
        declared code that is not an HS / TN VED code. Never mutates.
        """
        return np.array([f.score for f in self.judge(X, declared)])

    def _knows(self, code: str) -> bool:
        """Whether the model has ``code`` (2, 4, 6 or 10 digits) among its codes."""
        depth = len(code)
        source = self.codes10_ if depth == 10 else self.codes6_
        if depth <= 4:
            source = self.headings_
        known: set[str] = self._derived(
            ("known", depth), source, lambda: {c[:depth] for c in source.tolist()}
        )
        return code in known

    def judge(self, X: Sequence[str], declared: Sequence[Any]) -> list[GoodsFinding]:
        """How well each declared code fits its text: one GoodsFinding per text.

        Every text gets one, whether or not it passes ``mismatch_threshold``
        (:meth:`check` keeps only those that do). A text without a word says
        nothing of a code the model knows: confidence NaN, score 0, no
        suggestions. A declared code that is not an HS / TN VED code (or
        none) is a ``malformed_code`` finding, and one the model does not
        know at the depth judged an ``unknown_code`` finding with score 1
        (see :class:`GoodsFinding`), whatever the text.
        """
        declared = list(declared)
        X = list(X)
        if len(X) != len(declared):
            raise ValueError(f"{len(X)} texts but {len(declared)} declared codes")
        out = []
        for text, raw, lv in zip(X, declared, self._levels(X), strict=True):
            try:
                code = normalise_code(raw)
            except ValueError:
                missing = raw is None or (isinstance(raw, float) and np.isnan(raw))
                depth = self.mismatch_depth
                out.append(
                    GoodsFinding(
                        text,
                        "" if missing else str(raw).strip(),
                        depth,
                        float("nan"),
                        float("nan"),
                        tuple(self._suggest(lv, depth, 3)),
                        "malformed_code",
                    )
                )
                continue
            depth = min(self.mismatch_depth, max(d for d in DEPTHS if d <= len(code)))
            problem = "mismatch" if self._knows(code[:depth]) else "unknown_code"
            if not lv.codes[4] and problem == "mismatch":
                # a text without words: no evidence either way (a code the
                # model lacks is unknown whatever the text: score 1, below)
                out.append(
                    GoodsFinding(text, code, depth, float("nan"), 0.0, (), problem)
                )
                continue
            p = lv.prob_of(code[:depth]) if problem == "mismatch" else 0.0
            better = [s for s in self._suggest(lv, depth, 3) if s.confidence > p]
            out.append(
                GoodsFinding(text, code, depth, p, 1.0 - p, tuple(better), problem)
            )
        return out

    def check(
        self, X: Sequence[str], declared: Sequence[Any]
    ) -> list[GoodsFinding | None]:
        """A finding for each declared code the text makes unlikely, else None.

        A declared code that is not a code, or one the model does not know,
        is always a finding (see :meth:`judge`).

        Parameters
        ----------
        X : sequence of str
            Goods descriptions.
        declared : sequence of codes
            The codes declared for them.

        Returns
        -------
        list of GoodsFinding or None
        """
        return [f if self.is_finding(f) else None for f in self.judge(X, declared)]

    def is_finding(self, f: GoodsFinding) -> bool:
        """Whether a judged code is reported: one the text makes unlikely
        (under ``mismatch_threshold``), or no code the model knows."""
        return (
            f.problem != "mismatch" or f.declared_confidence < self.mismatch_threshold
        )

    # -- persistence ------------------------------------------------------

    def save(self, path: str | Path, **meta: Any) -> None:
        """Write the model to a folder: JSON, npz arrays, LightGBM text."""
        self._check_fitted("space_")
        with model_folder(path, _MODEL_FILES, type(self).__name__) as folder:
            space_meta, arrays = self.space_.state()
            save_csr("doc_matrix", self.doc_matrix_, arrays)
            save_csr("own_matrix", self.own_matrix_, arrays)
            save_csr("centroids", self.centroids_, arrays)
            save_csr("heading_terms", self.heading_terms_, arrays)
            if self.example_matrix_ is not None:
                save_csr("example_matrix", self.example_matrix_, arrays)
            for name in _INDEX_ARRAYS:
                arrays[name.rstrip("_")] = getattr(self, name)
            if self.svm_ is not None:
                for key, value in self.svm_.items():
                    arrays[f"svm_{key}"] = value
            np.savez_compressed(folder / "arrays.npz", **arrays)  # type: ignore[arg-type]
            if self.ranker_ is not None:
                self.ranker_.save_model(str(folder / "ranker.txt"))
            (folder / "space.json").write_text(
                json.dumps(space_meta, ensure_ascii=False)
            )
            (folder / "names.json").write_text(
                json.dumps(self.names_, ensure_ascii=False, indent=0)
            )
            info = {
                "agent": type(self).__name__,
                "format": MODEL_FORMAT,
                "sarap_version": sarap.__version__,
                "params": self.get_params(),
                "headings": self.headings_.tolist(),
                "codes6": self.codes6_.tolist(),
                "codes10": self.codes10_.tolist(),
                "temperature": self.temperature_,
                "coverage": self.coverage_,
                "n_examples": self.n_examples_,
                "n_nomenclature": self.n_nomenclature_,
                "fit_seconds": self.fit_seconds_,
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **meta,
            }
            write_model_info(folder, info)  # last: it lists the files above

    @classmethod
    def load(cls, path: str | Path) -> GoodsClassifier:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        info = read_model_info(path, cls.__name__, MODEL_FORMAT)
        with damaged_model(path):
            model = cls(**info["params"])
            with np.load(path / "arrays.npz", allow_pickle=False) as npz:
                arrays = dict(npz)
            model.space_ = TextSpace.from_state(
                json.loads((path / "space.json").read_text()), arrays
            )
            model.doc_matrix_ = load_csr("doc_matrix", arrays)
            model.own_matrix_ = load_csr("own_matrix", arrays)
            model.centroids_ = load_csr("centroids", arrays)
            model.heading_terms_ = load_csr("heading_terms", arrays)
            model.example_matrix_ = (
                load_csr("example_matrix", arrays)
                if "example_matrix_shape" in arrays
                else None
            )
            for name in _INDEX_ARRAYS:
                setattr(model, name, arrays[name.rstrip("_")])
            model.svm_ = (
                {
                    k: arrays[f"svm_{k}"]
                    for k in ("columns", "coef", "intercept", "classes")
                }
                if "svm_coef" in arrays
                else None
            )
            ranker = path / "ranker.txt"
            model.ranker_ = (
                lgb.Booster(model_file=str(ranker))
                if model_files(path, info, "ranker.txt")
                else None
            )
            model.headings_ = np.array(info["headings"], dtype=str)
            model.codes6_ = np.array(info["codes6"], dtype=str)
            model.codes10_ = np.array(info["codes10"], dtype=str)
            model.temperature_ = info["temperature"]
            model.coverage_ = info["coverage"]
            model.n_examples_ = info["n_examples"]
            model.n_nomenclature_ = info["n_nomenclature"]
            model.fit_seconds_ = info["fit_seconds"]
            model.n_skipped_short_ = 0
            model.names_ = json.loads((path / "names.json").read_text())
            model.info_ = info
        return model


# The fitted index arrays, saved under their names without the "_".
_INDEX_ARRAYS = (
    "doc_heading_",
    "doc6_",
    "doc10_",
    "example_heading_",
    "example6_",
    "example10_",
    "prior_",
)
# Every file a saved model may hold.
_MODEL_FILES = {
    "model.json",
    "arrays.npz",
    "ranker.txt",
    "space.json",
    "names.json",
}


def _fit_temperature(logits: np.ndarray, label: np.ndarray) -> float:
    """Scale of logits that minimises the negative log-likelihood (grid search)."""
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.05), np.log(50), 60)):
        z = t * (logits - logits.max(axis=1, keepdims=True))
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = -(logp * label).sum() / max(label.sum(), 1)
        if nll < best:
            best, best_t = nll, float(t)
    return best_t
