"""Feature importances from a LassoNet regularisation path, and the path that
stops at a given number of inputs (``n_features_to_select``).

The importance of input ``j`` is the area under its ``||theta_j||`` against
alpha along a dense-to-sparse path, ``integral ||theta_j(alpha)|| d alpha``,
normalised to sum to one. For an orthogonal linear lasso ``theta_j(alpha) =
(|z_j| - alpha)_+``, whose area ``z_j^2 / 2`` ranks inputs as the alpha at
which they leave (the lassonet package's ``feature_importances_``) does; on a
network the area also counts how large ``theta_j`` stays before it leaves, which
is what separates an input acting only through the hidden layer (held up by the
hierarchy, leaving early with a large ``theta_j``) from noise inputs that linger
with tiny weights. ``docs/selection.md`` has the measurements behind the choice.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import _check_sample_weight

from ._path import _alpha_grid, _fit_path, _validate_Xy

# The path behind ``n_features_to_select``: from ``_START * alpha_max`` (nearly
# dense) up by ``_FACTOR`` per step, to at most ``alpha_max * _START *
# _FACTOR**(_MAX_STEPS - 1)`` (about 2.5e6 * alpha_max). On make_friedman1 and
# load_digits factors of 1.2, 1.3 and 1.5 ranked the inputs equally well
# (docs/selection.md); 1.3 takes 70 % of 1.2's steps.
_START = 1e-2
_FACTOR = 1.3
_MAX_STEPS = 80


def theta_norms(module) -> np.ndarray:
    """``||theta_j||_2`` over outputs, one per input, of a fitted skreg module."""
    theta = module.theta.detach().cpu().numpy()
    return np.sqrt((theta.astype(np.float64) ** 2).sum(axis=0))


def normalised(scores: np.ndarray) -> np.ndarray:
    """``scores`` divided by their sum (left as they are when it is 0)."""
    scores = np.asarray(scores, dtype=np.float64)
    total = scores.sum()
    return scores / total if total > 0 else scores


def path_importances(norms: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Area under every input's ``||theta_j||`` against alpha, normalised.

    ``norms`` is ``(n_alphas, n_features)`` (or ``(..., n_alphas,
    n_features)``), along ``alphas`` in either order; the area is the
    trapezoid rule's. A path of one alpha has no area: its importances are the
    normalised norms there.
    """
    norms, alphas = np.asarray(norms, dtype=np.float64), np.asarray(alphas)
    if len(alphas) < 2:
        return normalised(norms[..., -1, :])
    order = np.argsort(alphas, kind="stable")
    norms, alphas = norms[..., order, :], alphas[order]
    # The trapezoid rule (np.trapezoid needs numpy 2).
    mid = (norms[..., 1:, :] + norms[..., :-1, :]) / 2
    area = (mid * np.diff(alphas)[:, None]).sum(axis=-2)
    total = area.sum(axis=-1, keepdims=True)
    return np.divide(area, total, out=np.array(area), where=total > 0)


def n_features_to_select(estimator, n_features: int) -> int:
    """The number of inputs ``estimator.n_features_to_select`` asks for."""
    k = estimator.n_features_to_select
    if not isinstance(k, Integral):  # a fraction, as RFE's
        k = max(1, int(k * n_features))
    if k > n_features:
        raise ValueError(
            f"n_features_to_select={k} must be <= n_features={n_features}."
        )
    return int(k)


def fit_to_n_features(estimator, X, y, sample_weight):
    """Fit ``estimator`` along a dense-to-sparse path until at most
    ``n_features_to_select`` inputs remain; store that model and the path's
    importances on ``estimator``.

    Every parameter but ``alpha`` and ``warm_start`` is the estimator's: the
    path's first fit runs ``max_iter`` iterations, the later ones the budget of
    :func:`skreg._path._path_max_iter`.
    """
    if estimator.l1_ratio == 0:
        raise ValueError(
            "n_features_to_select needs an L1 penalty to remove inputs; "
            "l1_ratio must be > 0."
        )
    classifier = isinstance(estimator, ClassifierMixin)
    X, y = _validate_Xy(estimator, X, y, classifier=classifier)
    k = n_features_to_select(estimator, X.shape[1])
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    # One alpha from ``alpha_max`` to ``alpha_max / eps``: alpha_max itself.
    alpha_max = _alpha_grid(estimator, X, y, sample_weight, n_alphas=1, eps=1.0)[0]
    grid = alpha_max * _START * _FACTOR ** np.arange(_MAX_STEPS)
    norms, reached = [], []

    def on_alpha(est):
        norms.append(theta_norms(est.module_))
        reached.append(est.support_.sum() <= k)
        return reached[-1]

    feature_names = getattr(estimator, "feature_names_in_", None)
    fitted, _ = _fit_path(
        estimator,
        X,
        y,
        sample_weight,
        grid,
        record=False,
        on_alpha=on_alpha,
        feature_names=feature_names,
    )
    if not reached[-1]:
        warnings.warn(
            f"The path ended at alpha={grid[-1]:.3g} with "
            f"{fitted.support_.sum()} inputs in use, more than "
            f"n_features_to_select={k}; the last model is kept.",
            UserWarning,
            stacklevel=4,
        )
    params = estimator.get_params(deep=False)
    for name, value in vars(fitted).items():
        if name not in params:
            setattr(estimator, name, value)
    estimator.alpha_ = float(fitted.alpha)
    estimator.feature_importances_ = path_importances(
        np.asarray(norms), grid[: len(norms)]
    )
    return estimator
