"""The rows of a training set: identical rows merged into one with their weight.

Fitting with integer ``sample_weight`` then runs exactly the computation of
repeating rows, as scikit-learn's sample-weight semantics require.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

__all__ = ["merge_duplicates"]


@functools.lru_cache(maxsize=16)
def _key_weights(n: int) -> np.ndarray:
    """Fixed random weights that turn a row into its key (a new RandomState
    costs 0.1 ms, a twentieth of a small linear fit).
    """
    weights = np.random.RandomState(0).standard_normal(n)
    weights.flags.writeable = False
    return weights


def merge_duplicates(X, Y, sample_weight):
    """Merge identical ``(x, y)`` rows into one row carrying their total weight
    and drop rows of zero weight, in a canonical order.

    The objective is unchanged, but fitting with integer ``sample_weight`` then
    runs exactly the same computation as repeating rows (dropout masks and
    batches included), as scikit-learn's sample-weight semantics require, and
    ``sample_weight=None`` the same as unit weights. Returns ``X, Y,
    sample_weight, order``: data with no duplicate and no zero weight comes back
    as is, without a copy, and ``order`` lists its rows in the canonical order
    (mini-batches are drawn through it); otherwise the merged rows come back in
    that order and ``order`` is None. A scipy CSR ``X`` stays sparse.
    """
    n_samples, n_features = X.shape
    Yf = np.asarray(Y, dtype=np.float64).reshape(n_samples, -1)
    r = _key_weights(n_features + Yf.shape[1])
    if sp.issparse(X) and not X.has_canonical_format:
        # Sorted, unique indices: equal rows then store equal entries in the same
        # order, so their keys below are bitwise equal.
        X = X.copy()
        X.sum_duplicates()
    # Row keys with a fixed summation order per row (not BLAS, whose order may
    # depend on the row's position), computed in chunks to bound memory; scipy's
    # CSR product sums each row's stored entries in index order. Equal rows have
    # equal keys; rows with equal keys are compared in full below.
    key = np.concatenate(
        [
            (
                X[i : i + 4096] @ r[:n_features]
                if sp.issparse(X)
                else (X[i : i + 4096] * r[:n_features]).sum(axis=1)
            )
            + (Yf[i : i + 4096] * r[n_features:]).sum(axis=1)
            for i in range(0, n_samples, 4096)
        ]
    )
    if not np.all(np.isfinite(key)):
        return X, Y, sample_weight, None
    rows = np.arange(n_samples)
    if sample_weight is not None and not np.all(sample_weight > 0):
        rows = np.flatnonzero(sample_weight > 0)
        key = key[rows]
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    shared = counts[inverse] > 1
    if shared.any() and not _rows_equal(
        X, Yf, rows[shared], rows[first[inverse[shared]]]
    ):
        # Distinct rows whose keys round to the same value (say, a feature of
        # 1e12 next to a target of 1e-5): group by the rows' bytes instead.
        _, first, inverse = np.unique(
            _row_bytes(X, Yf, rows), return_index=True, return_inverse=True
        )
    if len(first) == n_samples:  # every row kept, none repeated
        return X, Y, sample_weight, rows[first]
    weight = np.ones(len(rows)) if sample_weight is None else sample_weight[rows]
    merged = np.bincount(inverse, weights=weight).astype(X.dtype)
    return X[rows[first]], Y[rows[first]], merged, None


def _rows_equal(X, Yf: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether rows ``a`` of ``(X, Yf)`` equal rows ``b``, pair by pair (in
    chunks, to bound memory).
    """
    for i in range(0, len(a), 4096):
        a_i, b_i = a[i : i + 4096], b[i : i + 4096]
        differ = X[a_i] != X[b_i]
        if (differ.nnz if sp.issparse(X) else differ.any()) or np.any(
            Yf[a_i] != Yf[b_i]
        ):
            return False
    return True


def _row_bytes(X, Yf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One exact key per row of ``rows``: its bytes (CSR: its indices and values)."""
    if sp.issparse(X):
        X = X[rows]
        X.eliminate_zeros()
        ends = zip(X.indptr[:-1], X.indptr[1:], Yf[rows], strict=True)
        keys = [
            X.indices[i:j].tobytes() + X.data[i:j].tobytes() + y.tobytes()
            for i, j, y in ends
        ]
        return np.array(keys, dtype=object)
    block = np.ascontiguousarray(np.hstack([X[rows], Yf[rows]]))
    return block.view(np.dtype((np.void, block.shape[1] * block.itemsize))).ravel()
