"""Compiled loops (numba) for the goods agent: sparse products, ranks and
n-gram lookups.

scipy multiplies two sparse matrices in two passes (one to size the result,
one to fill it) and returns a sparse matrix, which the goods agent then
turns dense or reduces to per-code maxima. These loops write the dense
result, or its maxima, directly: the same sums in the same order as
scipy's (each output row adds ``Q``'s entries in their stored order), so
the values are identical, bit for bit. A sparse matrix times a dense one
goes column by column, so that each row of the dense one is read once. The
ranks of a few columns of each row are counted against the row, and the
n-gram vocabularies' keys are looked up in a hash table (:class:`KeyTable`).

Only the goods agent imports this module (numba takes a third of a second
to import; the agents load on first use). The loops are compiled once per
machine into numba's cache (``cache=True``: the package's ``__pycache__``,
or the user's cache folder when that is read-only; in each process when
neither is writable). They let go of the GIL, so the goods agent's batches
run them on its threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import NDArray

A = NDArray[Any]
F = TypeVar("F", bound=Callable[..., Any])


def _loop(fn: F) -> F:
    """``fn`` compiled (numba, no GIL), cached on disk where numba finds a
    writable folder; where it finds none (a read-only install run by a user
    with no home folder), compiled in each process instead of failing."""
    try:
        compiled: F = njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # numba: "cannot cache function ...: no locator"
        compiled = njit(nogil=True)(fn)
    return compiled


@_loop
def _product_into(qp: A, qi: A, qd: A, tp: A, ti: A, td: A, out: A) -> A:
    for r in range(len(qp) - 1):
        row = out[r]
        for a in range(qp[r], qp[r + 1]):
            j = qi[a]
            v = qd[a]
            for b in range(tp[j], tp[j + 1]):
                row[ti[b]] += v * td[b]
    return out


@_loop
def _maxima_into(
    qp: A,
    qi: A,
    qd: A,
    tp: A,
    ti: A,
    td: A,
    acc: A,
    seg_a: A,
    out_a: A,
    seg_b: A,
    out_b: A,
) -> A:
    n_cols = len(acc)
    seen = np.zeros(n_cols, np.bool_)
    touched = np.empty(n_cols, np.int64)
    for r in range(len(qp) - 1):
        n_touched = 0
        for a in range(qp[r], qp[r + 1]):
            j = qi[a]
            v = qd[a]
            for b in range(tp[j], tp[j + 1]):
                c = ti[b]
                if not seen[c]:
                    seen[c] = True
                    touched[n_touched] = c
                    n_touched += 1
                acc[c] += v * td[b]
        for t in range(n_touched):
            c = touched[t]
            x = acc[c]
            s = seg_a[c]
            if s >= 0 and x > out_a[r, s]:
                out_a[r, s] = x
            s = seg_b[c]
            if s >= 0 and x > out_b[r, s]:
                out_b[r, s] = x
            acc[c] = 0
            seen[c] = False
    return out_a


@_loop
def _columns_into(cp: A, ci: A, cd: A, W: A, out: A) -> A:
    for j in range(len(cp) - 1):
        w = W[j]
        for a in range(cp[j], cp[j + 1]):
            row = out[ci[a]]
            v = cd[a]
            for c in range(W.shape[1]):  # vectorised
                row[c] += v * w[c]
    return out


@_loop
def _ranks_into(M: A, cols: A, out: A) -> A:
    n, m = M.shape
    for r in range(n):
        row = M[r]
        for j in range(cols.shape[1]):
            c = cols[r, j]
            v = row[c]
            above = 0
            for x in range(m):  # a loop the compiler vectorises
                above += row[x] > v
            for x in range(c):
                above += row[x] == v
            out[r, j] = above
    return out


_EMPTY = np.uint64(2**64 - 1)  # a free slot of a KeyTable
_GOLDEN = np.uint64(11400714819323198485)  # 2**64 / golden ratio


@_loop
def _table_put(keys: A, values: A, shift: A, slot_keys: A, slot_values: A) -> None:
    mask = len(slot_keys) - 1
    for i in range(len(keys)):
        s = np.int64((keys[i] * _GOLDEN) >> shift[0])
        while slot_keys[s] != _EMPTY:
            s = (s + 1) & mask
        slot_keys[s] = keys[i]
        slot_values[s] = values[i]


@_loop
def _table_get(slot_keys: A, slot_values: A, shift: A, query: A, out: A) -> A:
    mask = len(slot_keys) - 1
    for i in range(len(query)):
        k = query[i]
        s = np.int64((k * _GOLDEN) >> shift[0])
        found = -1
        while True:
            at = slot_keys[s]
            if at == k:
                found = slot_values[s]
                break
            if at == _EMPTY:
                break
            s = (s + 1) & mask
        out[i] = found
    return out


class KeyTable:
    """A hash table from distinct integer keys (below 2**64 - 1) to integers:
    open addressing, Fibonacci hashing, at most half full.

    The n-gram vocabularies look their keys up here: a batch's 236,000
    character n-grams in under 1 ms, against 20 ms by binary search in the
    sorted keys.
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray):
        keys = np.asarray(keys).astype(np.uint64)
        values = np.asarray(values, dtype=np.int64)
        if keys.shape != values.shape or keys.ndim != 1:
            raise ValueError("one value for each key")
        if len(np.unique(keys)) != len(keys) or (keys == _EMPTY).any():
            raise ValueError("keys must be distinct and below 2**64 - 1")
        bits = max(1, int(2 * len(keys)).bit_length())
        self._shift = np.array([64 - bits], dtype=np.uint64)
        self._keys = np.full(2**bits, _EMPTY, dtype=np.uint64)
        self._values = np.full(2**bits, -1, dtype=np.int64)
        _table_put(keys, values, self._shift, self._keys, self._values)

    def get(self, query: np.ndarray) -> np.ndarray:
        """The value of each query key; -1 for a key not in the table."""
        query = np.ascontiguousarray(query).astype(np.uint64, copy=False)
        out = np.empty(len(query), dtype=np.int64)
        if len(query):
            _table_get(self._keys, self._values, self._shift, query, out)
        return out


def _parts(M: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return M.indptr, M.indices, M.data


def dense_product(Q: sp.csr_matrix, T: sp.csr_matrix) -> np.ndarray:
    """``(Q @ T).toarray()`` for two CSR matrices, without the sparse result.

    Identical values (scipy's order of sums); the dtype is the two inputs'
    common one, as scipy's.
    """
    Q, T = sp.csr_matrix(Q), sp.csr_matrix(T)
    if Q.shape[1] != T.shape[0]:
        raise ValueError(f"shapes {Q.shape} and {T.shape} do not multiply")
    dtype = np.result_type(Q.dtype, T.dtype)
    out = np.zeros((Q.shape[0], T.shape[1]), dtype=dtype)
    if Q.nnz and T.nnz:
        _product_into(
            *_parts(Q), T.indptr, T.indices, T.data.astype(dtype, copy=False), out
        )
    return out


def product_maxima(
    Q: sp.csr_matrix,
    T: sp.csr_matrix,
    groups: list[tuple[np.ndarray, int]],
) -> list[np.ndarray]:
    """Per-group row maxima of ``Q @ T`` without forming it: for each
    ``(seg, n_seg)`` of ``groups`` (one or two), ``seg[j]`` the group of
    column ``j`` of the product (-1: none), an (rows, n_seg) array.

    The same values as :func:`sarap.agents._goods._segment_max` of the
    sparse product: zero where a row has nothing in a group.
    """
    if not 1 <= len(groups) <= 2:
        raise ValueError("one or two column groupings")
    Q, T = sp.csr_matrix(Q), sp.csr_matrix(T)
    if Q.shape[1] != T.shape[0]:
        raise ValueError(f"shapes {Q.shape} and {T.shape} do not multiply")
    dtype = np.result_type(Q.dtype, T.dtype)
    outs = [np.zeros((Q.shape[0], n), dtype=dtype) for _, n in groups]
    segs = []
    for seg, n in groups:
        seg = np.asarray(seg, dtype=np.int64)
        if seg.shape != (T.shape[1],) or (seg >= n).any():
            raise ValueError(f"a group for each of {T.shape[1]} columns, under {n}")
        segs.append(seg)
    if len(groups) == 1:  # a second grouping that takes nothing
        segs.append(np.full(T.shape[1], -1, dtype=np.int64))
        outs.append(np.zeros((Q.shape[0], 1), dtype=dtype))
    if Q.nnz and T.nnz:
        _maxima_into(
            *_parts(Q),
            T.indptr,
            T.indices,
            T.data.astype(dtype, copy=False),
            np.zeros(T.shape[1], dtype=dtype),
            segs[0],
            outs[0],
            segs[1],
            outs[1],
        )
    return outs[: len(groups)]


def sparse_dense_product(Q: sp.spmatrix, W: np.ndarray) -> np.ndarray:
    """``Q @ W`` for a sparse ``Q`` and a dense ``W``, one column of ``Q``
    at a time: each row of ``W`` is read once, not once per text that has
    the n-gram (the linear SVM's 115 MB of weights: 59 -> 23 ms for 512
    texts). Each output row adds its terms in column order, as scipy does
    for a matrix in canonical form (sorted indices): identical values.
    """
    C = sp.csc_matrix(Q)
    W = np.ascontiguousarray(W)
    if W.ndim != 2 or C.shape[1] != W.shape[0]:
        raise ValueError(f"shapes {C.shape} and {W.shape} do not multiply")
    out = np.zeros((C.shape[0], W.shape[1]), dtype=np.result_type(C.dtype, W.dtype))
    if C.nnz:
        _columns_into(C.indptr, C.indices, C.data, W.astype(out.dtype, copy=False), out)
    return out


def ranks_at(M: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Rank of ``M[i, cols[i, j]]`` in row ``i``: 0 for the largest, ties in
    column order, as a stable sort of ``-M`` ranks it (``M`` without NaN;
    -0.0 and 0.0 tie). Counted, not sorted: ``cols`` is a few columns."""
    M = np.ascontiguousarray(M)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    if cols.ndim != 2 or M.ndim != 2 or cols.shape[0] != M.shape[0]:
        raise ValueError(f"columns {cols.shape} for rows {M.shape}")
    if cols.size and (cols.min() < 0 or cols.max() >= M.shape[1]):
        raise ValueError(f"a column outside 0..{M.shape[1] - 1}")
    out = np.zeros(cols.shape, dtype=np.int64)
    _ranks_into(M, cols, out)
    return out
