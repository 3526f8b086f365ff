from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sarap.agents._goods import _segment_max
from sarap.agents._kernels import dense_product, product_maxima


def _random(rows: int, cols: int, density: float, seed: int) -> sp.csr_matrix:
    m = sp.random(rows, cols, density=density, format="csr", random_state=seed)
    m.data = m.data.astype(np.float32)
    return m.astype(np.float32)


@pytest.fixture(scope="module")
def pair() -> tuple[sp.csr_matrix, sp.csr_matrix]:
    Q = _random(40, 300, 0.05, 0)
    Q.data[Q.indptr[3] : Q.indptr[4]] = 0  # an empty row
    Q.eliminate_zeros()
    T = _random(300, 120, 0.08, 1)
    return Q, T


def test_dense_product_is_scipys_bit_for_bit(pair) -> None:  # type: ignore[no-untyped-def]
    Q, T = pair
    want = (Q @ T).toarray()
    got = dense_product(Q, T)
    assert got.dtype == want.dtype == np.float32
    assert np.array_equal(got, want)
    assert not got[3].any()


def test_dense_product_follows_stored_order_and_index_types(pair) -> None:  # type: ignore[no-untyped-def]
    Q, T = pair
    # Unsorted column indices and 64-bit index arrays: the same sums as
    # scipy's, which adds each row's entries in their stored order too.
    Qu = Q.copy()
    for r in range(Qu.shape[0]):
        lo, hi = Qu.indptr[r], Qu.indptr[r + 1]
        Qu.indices[lo:hi] = Qu.indices[lo:hi][::-1]
        Qu.data[lo:hi] = Qu.data[lo:hi][::-1]
    Qu.has_sorted_indices = False
    T64 = sp.csr_matrix(
        (T.data, T.indices.astype(np.int64), T.indptr.astype(np.int64)),
        shape=T.shape,
    )
    assert np.array_equal(dense_product(Qu, T64), (Qu @ T64).toarray())
    wide = dense_product(Q, T.astype(np.float64))
    assert wide.dtype == np.float64
    assert np.array_equal(wide, (Q @ T.astype(np.float64)).toarray())


def test_dense_product_of_empty_and_mismatched(pair) -> None:  # type: ignore[no-untyped-def]
    Q, T = pair
    empty = sp.csr_matrix((5, 300), dtype=np.float32)
    assert not dense_product(empty, T).any()
    assert dense_product(empty, T).shape == (5, 120)
    with pytest.raises(ValueError, match="do not multiply"):
        dense_product(Q, T[:10])


def test_product_maxima_are_segment_maxima_of_the_product(pair) -> None:  # type: ignore[no-untyped-def]
    Q, T = pair
    rng = np.random.default_rng(2)
    seg_a = rng.integers(-1, 9, T.shape[1])  # -1: a column of no group
    seg_b = rng.integers(-1, 30, T.shape[1])
    product = Q @ T
    a, b = product_maxima(Q, T, [(seg_a, 9), (seg_b, 30)])
    assert np.array_equal(a, _segment_max(product, seg_a, 9))
    assert np.array_equal(b, _segment_max(product, seg_b, 30))
    (only,) = product_maxima(Q, T, [(seg_a, 9)])
    assert np.array_equal(only, a)
    assert a.any() and not a[3].any()
    # Called again: the work arrays are left clean between rows and calls.
    (again,) = product_maxima(Q, T, [(seg_a, 9)])
    assert np.array_equal(again, a)


def test_product_maxima_refuses_bad_groups(pair) -> None:  # type: ignore[no-untyped-def]
    Q, T = pair
    seg = np.zeros(T.shape[1], dtype=np.int64)
    with pytest.raises(ValueError, match="one or two"):
        product_maxima(Q, T, [])
    with pytest.raises(ValueError, match="under 1"):
        product_maxima(Q, T, [(seg + 1, 1)])
    with pytest.raises(ValueError, match="for each of 120"):
        product_maxima(Q, T, [(seg[:5], 1)])


def test_ranks_at_refuses_columns_outside_the_rows() -> None:
    from sarap.agents._kernels import ranks_at

    M = np.zeros((3, 4), dtype=np.float32)
    assert ranks_at(M, np.array([[3, 0]] * 3)).tolist() == [[3, 0]] * 3  # ties
    with pytest.raises(ValueError, match="outside 0..3"):
        ranks_at(M, np.array([[4]] * 3))
    with pytest.raises(ValueError, match="for rows"):
        ranks_at(M, np.array([[0]] * 2))


def test_sparse_dense_product_is_scipys_bit_for_bit(pair) -> None:  # type: ignore[no-untyped-def]
    from sarap.agents._kernels import sparse_dense_product

    Q, _ = pair
    W = np.random.default_rng(3).normal(size=(300, 17)).astype(np.float32)
    got = sparse_dense_product(Q, W)
    assert got.dtype == np.float32
    assert np.array_equal(got, Q @ W)
    assert not got[3].any()
    assert np.array_equal(
        sparse_dense_product(Q, W.astype(np.float64)), Q @ W.astype(np.float64)
    )
    with pytest.raises(ValueError, match="do not multiply"):
        sparse_dense_product(Q, W[:10])


def test_key_table_finds_every_key_and_nothing_else() -> None:
    from sarap.agents._kernels import KeyTable

    rng = np.random.default_rng(4)
    keys = np.unique(rng.integers(0, 2**62, 5000, dtype=np.int64))
    values = rng.permutation(len(keys))
    table = KeyTable(keys, values)
    assert table.get(keys).tolist() == values.tolist()
    absent = np.setdiff1d(rng.integers(0, 2**62, 5000, dtype=np.int64), keys)
    assert (table.get(absent) == -1).all()
    assert table.get(np.array([], dtype=np.int64)).shape == (0,)
    assert (
        KeyTable(np.array([], dtype=np.uint64), np.array([])).get(keys[:3]).tolist()
        == [-1] * 3
    )
    with pytest.raises(ValueError, match="distinct"):
        KeyTable(np.array([1, 1]), np.array([0, 1]))
    with pytest.raises(ValueError, match="distinct and below"):
        KeyTable(np.array([2**64 - 1], dtype=np.uint64), np.array([0]))


def test_loops_compile_without_a_writable_cache_folder(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A read-only install run by a user with no home folder: numba finds no
    # folder for its cache and refuses cache=True; the loop compiles anyway.
    from numba import njit
    from numba.core.caching import CacheImpl

    from sarap.agents._kernels import _loop

    def twice(x: np.ndarray) -> np.ndarray:
        return x * 2

    monkeypatch.setattr(CacheImpl, "_locator_classes", [])
    with pytest.raises(RuntimeError, match="no locator"):  # numba's refusal
        njit(cache=True)(twice)
    compiled = _loop(twice)
    assert compiled(np.arange(3)).tolist() == [0, 2, 4]
