"""Text and code normalisation for the goods agent, and its TF-IDF spaces.

Goods descriptions in customs declarations are mostly upper-case Russian with
abbreviations (``А/М``, ``З/Ч``), brands, models, quantities and units. The
vectorisers see one normal form: lower case, ``ё`` as ``е``, the commonest
abbreviations spelt out, and every number reduced to ``0`` so that
``3654.00 КГ`` and ``12 КГ`` share their features.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from sarap.errors import SarapError

# Customs shorthand, written out so that it meets the nomenclature's words.
_ABBREVIATIONS = (
    ("а/м", " автомобиль "),
    ("т/с", " транспортное средство "),
    ("з/ч", " запасные части "),
    ("зап.ч", " запасные ч"),
    ("с/х", " сельскохозяйственный "),
    ("ж/д", " железнодорожный "),
    ("п/э", " полиэтилен "),
    ("х/б", " хлопчатобумажный "),
    ("н/д", " "),
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NON_WORD = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\D")


def normalise_text(text: str) -> str:
    """The normal form every goods text is vectorised in.

    Examples
    --------
    >>> normalise_text("ЗАПЧАСТИ ДЛЯ А/М, 12 ШТ., ВЕС 3654.00 КГ; Ёлка")
    'запчасти для автомобиль 0 шт вес 0 кг елка'
    """
    t = text.lower().replace("ё", "е")
    for short, full in _ABBREVIATIONS:
        if short in t:
            t = t.replace(short, full)
    t = _NUMBER.sub(" 0 ", t)
    return " ".join(_NON_WORD.sub(" ", t).replace("_", " ").split())


def stem_text(normal: str, size: int = 5) -> str:
    """Words cut to ``size`` letters: a crude stemmer that serves Russian well."""
    return " ".join(w[:size] for w in normal.split() if len(w) > 2)


def normalise_code(code: Any) -> str:
    """Digits of an HS / TN VED code: ``'0101 21'`` and ``'8471.30'`` -> digits.

    A code of odd length lost its leading zero (read as a number somewhere
    upstream) and gets it back: ``10121`` -> ``010121``.

    Raises
    ------
    ValueError
        When the code has letters, or fewer than 2 or more than 10 digits.

    Examples
    --------
    >>> normalise_code("0101 21"), normalise_code("8471.30"), normalise_code(10121)
    ('010121', '847130', '010121')
    """
    raw = str(code).strip()
    if isinstance(code, float) and code.is_integer():
        raw = str(int(code))
    digits = _DIGITS.sub("", raw)
    leftover = re.sub(r"[\s.\-/]", "", raw)
    if leftover != digits or not 2 <= len(digits) + len(digits) % 2 <= 10:
        raise ValueError(f"not an HS / TN VED code: {code!r}")
    return digits.zfill(len(digits) + len(digits) % 2)


# -- the vector spaces -------------------------------------------------------


def _word_vectoriser(**kw: Any) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"(?u)\b\w+\b",
        sublinear_tf=True,
        norm=None,
        dtype=np.float32,
        **kw,
    )


def _char_vectoriser(**kw: Any) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", sublinear_tf=True, norm=None, dtype=np.float32, **kw
    )


class TextSpace:
    """Word and character n-gram TF-IDF, side by side, rows L2-normalised.

    A second, smaller space of stemmed words serves the nearest-name search
    over the nomenclature, where it is as good and several times faster.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        max_features: int = 300_000,
    ):
        self.word = _word_vectoriser(ngram_range=word_ngrams, max_features=max_features)
        self.char = _char_vectoriser(
            ngram_range=char_ngrams, min_df=2, max_features=max_features
        )
        # Words in more than 2 % of the texts ("для", "прочие", "of") say
        # little about which name matches, and make every search touch most
        # of the nomenclature.
        self.stem = _word_vectoriser(ngram_range=(1, 2), max_df=0.02)

    def fit(self, normal: list[str]) -> TextSpace:
        self.word.fit(normal)
        self.char.fit(normal)
        self.stem.fit([stem_text(t) for t in normal])
        return self

    @property
    def n_features(self) -> int:
        return len(self.word.vocabulary_) + len(self.char.vocabulary_)

    def full(self, normal: list[str]) -> sp.csr_matrix:
        m = sp.hstack([self.word.transform(normal), self.char.transform(normal)])
        return normalize(m.tocsr())

    def stems(self, normal: list[str]) -> sp.csr_matrix:
        return normalize(self.stem.transform([stem_text(t) for t in normal]))

    # Saved as vocabularies (JSON) and idf weights (npz): no pickle.
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = {}, {}
        for name in ("word", "char", "stem"):
            vec: TfidfVectorizer = getattr(self, name)
            vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            meta[name] = {"params": _vec_params(vec), "vocabulary": vocab}
            arrays[f"idf_{name}"] = np.asarray(vec.idf_, dtype=np.float64)
        return meta, arrays

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> TextSpace:
        space = cls.__new__(cls)
        for name, make in (
            ("word", _word_vectoriser),
            ("char", _char_vectoriser),
            ("stem", _word_vectoriser),
        ):
            params = dict(meta[name]["params"])
            params["ngram_range"] = tuple(params["ngram_range"])
            vocab = {t: i for i, t in enumerate(meta[name]["vocabulary"])}
            vec = make(vocabulary=vocab, **params)
            vec.idf_ = arrays[f"idf_{name}"]
            setattr(space, name, vec)
        return space


def _vec_params(vec: TfidfVectorizer) -> dict[str, Any]:
    # min_df, max_df and max_features were applied: the vocabulary is fixed.
    return {"ngram_range": vec.get_params()["ngram_range"]}


def save_csr(prefix: str, m: sp.csr_matrix, arrays: dict[str, np.ndarray]) -> None:
    m = m.tocsr()
    arrays[f"{prefix}_data"] = m.data.astype(np.float32)
    arrays[f"{prefix}_indices"] = m.indices.astype(np.int32)
    arrays[f"{prefix}_indptr"] = m.indptr.astype(np.int64)
    arrays[f"{prefix}_shape"] = np.asarray(m.shape, dtype=np.int64)


def load_csr(prefix: str, arrays: Any) -> sp.csr_matrix:
    try:
        shape = tuple(int(v) for v in arrays[f"{prefix}_shape"])
        return sp.csr_matrix(
            (
                arrays[f"{prefix}_data"],
                arrays[f"{prefix}_indices"],
                arrays[f"{prefix}_indptr"],
            ),
            shape=shape,
        )
    except KeyError as exc:
        raise SarapError(f"model arrays lack {exc.args[0]}") from None
