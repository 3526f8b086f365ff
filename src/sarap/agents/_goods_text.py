"""Text and code normalisation for the goods agent, and its TF-IDF spaces.

Goods descriptions in customs declarations are mostly upper-case Russian with
abbreviations (``А/М``, ``З/Ч``), brands, models, quantities and units. The
vectorisers see one normal form: lower case, ``ё`` as ``е``, the commonest
abbreviations spelt out, and every number reduced to ``0`` so that
``3654.00 КГ`` and ``12 КГ`` share their features. A Kazakh or Kyrgyz text
gets the Russian for the words it has (:mod:`sarap.agents._goods_turkic`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from sarap.agents._goods_turkic import with_russian
from sarap.agents._kernels import KeyTable
from sarap.errors import SarapError
from sarap.store._schema import HS_FLOAT, HS_HEADING_00

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
_DIGITS = re.compile(r"[^0-9]")  # not \D: "８４７１" is no code to ingest either
_FLOAT_CODE = re.compile(HS_FLOAT)
_HEADING_00 = re.compile(HS_HEADING_00)


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
    return with_russian(" ".join(_NON_WORD.sub(" ", t).replace("_", " ").split()))


def stem_text(normal: str, size: int = 5) -> str:
    """Words cut to ``size`` letters: a crude stemmer that serves Russian well."""
    return " ".join(w[:size] for w in normal.split() if len(w) > 2)


def normalise_code(code: Any) -> str:
    """Digits of an HS / TN VED code: ``'0101 21'`` and ``'8471.30'`` -> digits.

    A code of odd length lost its leading zero (read as a number somewhere
    upstream) and gets it back: ``10121`` -> ``010121``; so does one stored
    as a float (``10121.0``). A code written with spaces or dots has all
    its digits: an odd number of them is not a code (``8471.3``).

    Raises
    ------
    ValueError
        When the code has letters, or fewer than 2 or more than 10 digits.

    Examples
    --------
    >>> normalise_code("0101 21"), normalise_code("8471.30"), normalise_code(10121)
    ('010121', '847130', '010121')
    >>> normalise_code("851713.0"), normalise_code("0409.00")
    ('851713', '040900')
    """
    raw = str(code).strip()
    if isinstance(code, float) and code.is_integer():
        raw = str(int(code))
    elif _FLOAT_CODE.fullmatch(raw) and not _HEADING_00.fullmatch(raw):
        raw = raw.partition(".")[0]
    digits = _DIGITS.sub("", raw)
    leftover = re.sub(r"[\s.\-/]", "", raw)
    if (
        leftover != digits
        or not 2 <= len(digits) + len(digits) % 2 <= 10
        or (digits != raw and len(digits) % 2)
    ):
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


_CHAR_BITS = 12  # bits per character in a packed n-gram key


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _tfidf_rows(
    doc: np.ndarray, feature: np.ndarray, n: int, n_features: int, idf: np.ndarray
) -> sp.csr_matrix:
    """Rows of sublinear TF-IDF from (document, feature) occurrences, with the
    arithmetic of TfidfTransformer: float32 counts, 1 + log, times idf."""
    cell, counts = np.unique(doc * n_features + feature, return_counts=True)
    rows, cols = np.divmod(cell, n_features)
    data = np.log(counts.astype(np.float32))
    data += 1.0
    data *= idf[cols]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data, cols.astype(np.int32), indptr), shape=(n, n_features))


class _Grams:
    """What both n-gram vectorisers share: the vocabulary's integer keys in a
    hash table (a key's feature is its place in the vocabulary), and the idf
    weights."""

    def __init__(self, vec: TfidfVectorizer, keys: np.ndarray):
        self.lo, self.hi = vec.ngram_range
        self.table = KeyTable(keys, np.arange(len(keys)))
        self.n_features = len(keys)
        self.idf = np.asarray(vec.idf_)

    def _find(self, query: np.ndarray) -> np.ndarray:
        """Feature of each query key (-1: not in the vocabulary)."""
        return self.table.get(query)

    def _rows(
        self, doc: list[np.ndarray], feature: list[np.ndarray], n: int
    ) -> sp.csr_matrix:
        return _tfidf_rows(
            np.concatenate(doc), np.concatenate(feature), n, self.n_features, self.idf
        )


class WordGrams(_Grams):
    """Word n-gram TF-IDF of a fitted ``word`` vectoriser, in NumPy.

    The vectoriser's own ``transform``, value for value, faster: each token
    is looked up once, and its n-grams are integers made of token numbers,
    looked up in a hash table of the vocabulary's keys all at once (the
    vectoriser joins every n-gram into a string and looks that up).
    Use :meth:`build`: None for settings it does not cover.
    """

    def __init__(self, vec: TfidfVectorizer, tokens: dict[str, int], keys: np.ndarray):
        super().__init__(vec, keys)
        self.pattern = re.compile(vec.token_pattern)
        self.tokens = tokens
        self.base = len(tokens) + 1  # token numbers 0..len-1, len: unknown

    @classmethod
    def build(cls, vec: TfidfVectorizer) -> WordGrams | None:
        lo, hi = vec.ngram_range
        plain = (
            vec.analyzer == "word"
            and vec.lowercase
            and vec.preprocessor is None
            and vec.tokenizer is None
            and vec.stop_words is None
            and not vec.strip_accents
            and 1 <= lo <= hi <= 3
        )
        if not plain or not vec.vocabulary_:
            return None
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        grams = [g.split(" ") for g in vocab]
        tokens: dict[str, int] = {}
        for g in grams:
            for t in g:
                tokens.setdefault(t, len(tokens))
        base = len(tokens) + 1
        if base**hi >= 2**62:
            return None
        keys = np.array(
            [cls._key([tokens[t] for t in g], base) for g in grams], dtype=np.int64
        )
        return cls(vec, tokens, keys)

    @staticmethod
    def _key(ids: list[int], base: int) -> int:
        # n-grams of different lengths never share a key: offset by length
        key = 0
        for i in ids:
            key = key * base + i
        return key + sum(int(base**k) for k in range(1, len(ids)))

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        n = len(docs)
        toks = [self.pattern.findall(d.lower()) for d in docs]
        per_doc = np.fromiter(map(len, toks), dtype=np.int64, count=n)
        unknown = self.base - 1
        get = self.tokens.get
        ids = np.fromiter(
            (get(t, unknown) for ts in toks for t in ts),
            dtype=np.int64,
            count=int(per_doc.sum()),
        )
        doc = np.repeat(np.arange(n, dtype=np.int64), per_doc)
        first = np.repeat(np.cumsum(per_doc) - per_doc, per_doc)
        at = np.arange(len(ids)) - first  # position of each token in its text
        left = per_doc[doc] - at  # tokens from here to the end of the text
        docs_of, feats_of = [], []
        key: np.ndarray[Any, np.dtype[np.int64]] = np.zeros(len(ids), dtype=np.int64)
        offset = 0
        for g in range(1, self.hi + 1):
            if g > 1:
                offset += self.base ** (g - 1)
            starts = np.flatnonzero(left >= g)
            if g == 1:
                key = ids.copy()
            else:
                key = key[: len(ids) - g + 1] * self.base + ids[g - 1 :]
            if g < self.lo:
                continue
            feat = self._find(key[starts] + offset)
            found = feat >= 0
            docs_of.append(doc[starts][found])
            feats_of.append(feat[found])
        return self._rows(docs_of, feats_of, n)


class CharGrams(_Grams):
    """Character n-gram TF-IDF of a fitted ``char_wb`` vectoriser, in NumPy.

    Gives the vectoriser's own ``transform`` (the same matrix, value for
    value) several times faster: the n-grams of a whole batch are packed
    into integers (``_CHAR_BITS`` per character) and looked up in a hash
    table of the vocabulary's keys at once, instead of one string at a
    time. ``char_wb`` n-grams are every window of 2..5 characters within a
    word padded with a space on each side; a word shorter than the window
    counts once, as a whole, which is the same thing.

    Use :meth:`build`: it returns None when the vocabulary has too many
    distinct characters or windows too long to pack.
    """

    def __init__(self, vec: TfidfVectorizer, chars: np.ndarray, keys: np.ndarray):
        super().__init__(vec, keys)
        self.chars = chars  # sorted code points of the vocabulary; id = index + 1

    @classmethod
    def build(cls, vec: TfidfVectorizer) -> CharGrams | None:
        lo, hi = vec.ngram_range
        if vec.analyzer != "char_wb" or lo < 1 or hi * _CHAR_BITS > 64:
            return None
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        if not vocab:
            return None
        cp = _codepoints("".join(vocab))
        chars = np.unique(cp)
        if len(chars) + 2 > 2**_CHAR_BITS:  # ids 1..len, and one for unknown
            return None
        lens = np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))
        ids = (np.searchsorted(chars, cp) + 1).astype(np.uint64)
        start = np.cumsum(lens) - lens
        keys = np.zeros(len(vocab), dtype=np.uint64)
        for k in range(int(lens.max())):
            has = lens > k
            keys[has] |= ids[start[has] + k] << np.uint64(_CHAR_BITS * k)
        return cls(vec, chars, keys)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        n = len(docs)
        words = [d.lower().split() for d in docs]
        per_doc = np.fromiter(map(len, words), dtype=np.int64, count=n)
        flat = [w for ws in words for w in ws]
        if not flat:
            return sp.csr_matrix((n, self.n_features), dtype=np.float32)
        cp = _codepoints("".join(f" {w} " for w in flat))
        at = np.searchsorted(self.chars, cp)
        known = self.chars[np.minimum(at, len(self.chars) - 1)] == cp
        unknown = len(self.chars) + 1
        ids = np.where(known, at + 1, unknown).astype(np.uint64)
        size = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat)) + 2
        first = np.cumsum(size) - size
        word_doc = np.repeat(np.arange(n), per_doc)
        docs_of, feats_of = [], []
        for g in range(self.lo, self.hi + 1):
            count = np.maximum(size - g + 1, 0)  # windows of g within each word
            total = int(count.sum())
            if total == 0:
                break
            pos = np.arange(total) - np.repeat(np.cumsum(count) - count - first, count)
            key = np.zeros(total, dtype=np.uint64)
            for k in range(g):
                key |= ids[pos + k] << np.uint64(_CHAR_BITS * k)
            feat = self._find(key)
            found = feat >= 0
            docs_of.append(np.repeat(word_doc, count)[found])
            feats_of.append(feat[found])
        return self._rows(docs_of, feats_of, n)


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
        self._fast: dict[str, CharGrams | WordGrams | None] = {}

    def fit(self, normal: list[str]) -> TextSpace:
        # 2 % as a count of texts (the same cut for any length), at least
        # one: a list of fewer than 50 texts had none, which sklearn refuses.
        self.stem.set_params(max_df=max(1, int(0.02 * len(normal))))
        self.word.fit(normal)
        self.char.fit(normal)
        self.stem.fit([stem_text(t) for t in normal])
        self._fast = self._fast_paths()
        return self

    def _fast_paths(self) -> dict[str, CharGrams | WordGrams | None]:
        return {
            "word": WordGrams.build(self.word),
            "char": CharGrams.build(self.char),
            "stem": WordGrams.build(self.stem),
        }

    def _transform(self, name: str, docs: list[str]) -> sp.csr_matrix:
        fast = self._fast.get(name)
        if fast is not None:
            return fast.transform(docs)
        vec: TfidfVectorizer = getattr(self, name)
        return sp.csr_matrix(vec.transform(docs))

    @property
    def n_features(self) -> int:
        return len(self.word.vocabulary_) + len(self.char.vocabulary_)

    def full(self, normal: list[str]) -> sp.csr_matrix:
        m = sp.hstack(
            [self._transform("word", normal), self._transform("char", normal)]
        )
        return normalize(m.tocsr())

    def stems(self, normal: list[str]) -> sp.csr_matrix:
        return normalize(self._transform("stem", [stem_text(t) for t in normal]))

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
        space._fast = space._fast_paths()
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
