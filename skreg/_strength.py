"""Penalty strengths read off the data: where a model collapses, and where it
would collapse if the targets had nothing to do with the inputs.

Both start from the residual ``R`` of the best constant model (the centred
targets; for a classifier the one-hot labels, one column for two classes,
minus the class proportions; :func:`skreg._path._target_residual` for every
loss): ``-X^T R / n`` is the gradient of the data loss at the constant
prediction, ``n`` the sum of sample weights.

- A network's ``alpha_max`` (ridge family): the largest singular value of
  ``X^T R``. Above it the all-zero network is a local minimum of a RidgeNet
  objective with one hidden layer, and fits collapse to a constant.
- The Lasso's ``alpha_max`` (LassoNet family): ``max_j ||X_j^T R||_2 / n``, the
  smallest alpha at which every coefficient of the linear model is zero, as
  scikit-learn's ``_alpha_grid`` computes it.

:func:`noise_alpha_max` is the mean of ``alpha_max`` over shuffles of the rows
of ``R`` against those of ``X``: the strength at which a model of targets
unrelated to the inputs, of the same size and spread, is the constant one. It
is what ``alpha='auto'`` scales (``docs/defaults.md``).
"""

from __future__ import annotations

import numpy as np

from ._groups import lasso_alpha_max
from ._path import _target_residual
from ._rows import merge_duplicates

__all__ = ["alpha_max", "auto_alpha", "noise_alpha_max"]

# Shuffles averaged by noise_alpha_max, from a fixed seed: the estimate is a
# function of the data alone. Their spread on realdata.py's 30 data sets was a
# few per cent of the mean.
N_SHUFFLES = 20


def _products(X, WR: np.ndarray) -> np.ndarray:
    return np.asarray(X.T @ WR).reshape(X.shape[1], -1)


def alpha_max(Xr: np.ndarray, n: float, kind: str, groups=None) -> float:
    """``alpha_max`` of ``Xr = X^T (w R)``: ``kind`` is ``'network'`` (ridge
    family) or ``'lasso'`` (with the penalty's weighted ``groups``, a
    :class:`~skreg.penalties.FeatureGroups`, see
    :func:`~skreg._groups.lasso_alpha_max`); ``n`` the sum of sample weights.
    """
    if not np.all(np.isfinite(Xr)):  # overflowed: the caller raises
        return np.inf
    if kind == "network":
        return float(np.linalg.norm(Xr, ord=2)) if Xr.size else 0.0
    return lasso_alpha_max(Xr, n, groups)


def noise_alpha_max(
    estimator, X, Y: np.ndarray, sample_weight, *, kind: str, groups=None
) -> tuple[float, float]:
    """``alpha_max`` (see :func:`alpha_max`) of ``estimator`` on ``X`` and
    ``Y`` (regression targets, or class indices), and its mean
    over :data:`N_SHUFFLES` shuffles of the rows of ``R`` against those of
    ``X`` (from seed 0).

    Identical rows are merged first and the rest put in a canonical order
    (:func:`~skreg._rows.merge_duplicates`), so the values do not depend on
    the order of the rows, and integer sample weights give the values of
    repeated rows.
    """
    X, Y, w, order = merge_duplicates(X, Y, sample_weight)
    if order is not None:
        X, Y = X[order], Y[order]
        w = None if w is None else w[order]
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    WR = w[:, None] * _target_residual(estimator, Y, w)
    n = w.sum()
    rng = np.random.RandomState(0)
    shuffled = [
        alpha_max(_products(X, WR[rng.permutation(X.shape[0])]), n, kind, groups)
        for _ in range(N_SHUFFLES)
    ]
    return alpha_max(_products(X, WR), n, kind, groups), float(np.mean(shuffled))


# alpha='auto' (docs/defaults.md), chosen on benchmarks/realdata.py
# (benchmarks/results/realdata_defaults.md): noise**2 / alpha_max for the
# ridge family's networks, AUTO_LASSO * noise for the LassoNet family.
AUTO_LASSO = 1.0


def auto_alpha(estimator, prep, *, lasso: bool, linear: bool, groups=None) -> float:
    """``alpha='auto'`` of ``estimator`` on the training set ``prep`` (a
    ``_Prepared``), with
    ``noise`` the ``alpha_max`` of shuffled targets (see
    :func:`noise_alpha_max`): ``noise**2 / alpha_max`` for a ridge-family
    network, ``AUTO_LASSO * noise`` for the LassoNet family; 1.0 for a linear
    RidgeNet. ``groups``: the LassoNet family's weighted feature groups
    (``groups``, ``penalty_factor``): its ``alpha_max`` is the group-weighted
    one.
    """
    if linear and not lasso:  # Ridge's and LogisticRegression's default
        return 1.0
    kind = "lasso" if lasso else "network"
    with np.errstate(over="ignore", invalid="ignore"):
        signal, noise = noise_alpha_max(
            estimator, prep.X, prep.Y, prep.sample_weight, kind=kind, groups=groups
        )
    if not (np.isfinite(signal) and np.isfinite(noise)):
        raise ValueError(
            "alpha='auto' overflowed on this data: its inputs or targets are too "
            "large. Scale the data (for example with StandardScaler) or pass a "
            "number as alpha."
        )
    if lasso:
        return AUTO_LASSO * noise
    if signal <= 0:  # constant targets: every alpha gives the constant model
        return 0.0
    return noise * (noise / signal)
