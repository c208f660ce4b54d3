"""Regularisation paths: one estimator fitted along a grid of alphas, warm-started.

A path is a sequence of ordinary ``fit`` calls on one estimator with
``warm_start=True``: each alpha starts from the solution at the previous one, so
the one training loop of :mod:`skreg._training` does all the work and a fit on a
path costs a fraction of a fit from scratch. :func:`regularization_path` is the
public entry point; the CV estimators of :mod:`skreg._cv` run :func:`_fit_path`
on every fold.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    _get_feature_names,
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._groups import estimator_groups, lasso_alpha_max
from ._loss import Loss, regression_loss
from ._threads import one_blas_thread

__all__ = ["regularization_path"]


def _is_lasso_family(estimator) -> bool:
    return "l1_ratio" in estimator.get_params()


def _is_network(estimator) -> bool:
    sizes = estimator.get_params()["hidden_layer_sizes"]
    return len(sizes) > 0 if hasattr(sizes, "__len__") else True


def _path_order(estimator, alphas: np.ndarray) -> np.ndarray:
    """Sort a grid in the order the path fits it.

    Linear models go from strong to weak penalty (sparse to dense), as
    :func:`~sklearn.linear_model.lasso_path`: every fit is convex, so the
    order only changes the cost. Networks go the other way, dense to sparse, as
    the LassoNet paper recommends: the all-zero network is a stationary point
    of every RidgeNet and LassoNet objective (with zero weights every layer's
    gradient vanishes), so a path that starts at a strong alpha, where the
    network collapses to a constant, stays there, or leaves it only slowly, at
    the weaker alphas.
    """
    alphas = np.sort(alphas)
    return alphas if _is_network(estimator) else alphas[::-1]


def _path_max_iter(estimator, solver: str, path_max_iter, n_alphas):
    """Return the iteration limit of every fit after the first along a path of
    ``n_alphas``, the first having trained with ``solver``.

    A network's warm fit only refines the previous one. Mini-batch solvers get a
    tenth of ``max_iter`` (an epoch is many steps). The full-batch ones share
    ``3 * max_iter`` iterations over the later fits, never more than
    ``max_iter`` each and at least a fifth of it and 10 for FISTA, a tenth for
    L-BFGS, which goes on from the previous alpha with its curvature memory
    (:class:`skreg._solvers.lbfgs.LBFGS`).
    Along a dense-to-sparse path the network goes on training, so fewer
    iterations cost accuracy, more so on a coarse grid. LassoNet networks with
    FISTA on make_friedman1 (1600 x 50, hidden layer of 100): with 30 alphas and
    ``max_iter=30``, 4 and 6 iterations per alpha chose networks scoring a
    held-out R² of 0.697 and 0.838 against 0.902 with 10; at the default
    ``max_iter``, 40 instead of 66 per alpha moved the best validation R² of 3
    folds by less than 0.001 in 0.87x the time on 30 alphas, but on 10 alphas
    (``LassoNetCV``'s default grid) chose a network scoring 0.900 against 0.937
    (60: 0.934). RidgeNet networks with L-BFGS, same data, ``max_iter=30``, 30
    alphas: the best validation MSE of the standardised target was 0.143, 0.130
    and 0.121 with 3, 5 and 10 iterations per alpha, against 0.137 for fits from
    scratch (0.209, 0.181 and 0.138 with the memory restarted at every alpha); on
    10 alphas (400 x 10, hidden layer of 16), 4, 8 and 12 iterations per alpha
    chose models with held-out R² of 0.874, 0.908 and 0.915, against 0.908 for
    GridSearchCV.
    """
    if path_max_iter is not None:
        return path_max_iter
    max_iter = estimator.get_params()["max_iter"]
    if not _is_network(estimator):
        return max_iter
    shared = math.ceil(3 * max_iter / n_alphas)
    if solver == "lbfgs":
        return min(max_iter, max(1, max_iter // 10, shared))
    if solver == "fista":
        return min(max_iter, max(10, max_iter // 5, shared))
    return max(1, max_iter // 10)


def _path_patience(estimator, solver: str) -> int | float:
    """Return ``n_iter_no_change`` for every fit after the first along a path,
    the first having trained with ``solver``.

    A network trained full batch (L-BFGS, FISTA) stops when its objective has
    not improved for ``n_iter_no_change`` iterations (by the fraction ``tol``
    of itself in a cold fit; by ``tol`` itself in these later fits, which
    start at the previous alpha's solution: ``refine`` of
    :meth:`BaseNet._fit_prepared`). Its objective is deterministic, so a tenth
    of that window (one iteration by default) tells a stall as well. Along
    30-alpha paths (make_friedman1 and a sparse linear problem, 1600 training
    rows, hidden layer of 100, default ``max_iter``, 3 folds) a window of 1
    instead of 10 made RidgeNet's paths 1.6x and 2.0x faster and LassoNet's
    1.3x and 1.2x, and moved their best validation R² by at most 0.0015 (a
    window of 3: 1.35x, 1.7x, 1.15x, 1.2x). Mini-batch losses are noisy: their
    window is kept.
    """
    patience = estimator.get_params()["n_iter_no_change"]
    if not _is_network(estimator):
        return patience
    return max(1, patience // 10) if solver in ("lbfgs", "fista") else patience


def _regression_loss(estimator) -> Loss | None:
    """The loss a regressor's parameters name (None for a classifier)."""
    if is_classifier(estimator):
        return None
    params = estimator.get_params()
    return regression_loss(
        params.get("loss", "squared_error"), params.get("quantile", 0.5)
    )


def _neg_mean_loss(estimator, X, y, sample_weight=None) -> float:
    """Minus the mean of the fitted regressor's loss on ``(X, y)``: the mean
    squared error, Poisson deviance or pinball loss (``Loss.deviance``),
    averaged over outputs; scikit-learn's ``neg_mean_squared_error`` and
    ``neg_mean_poisson_deviance`` scorers, and ``mean_pinball_loss`` negated.
    A scorer: ``predict`` validates ``X``.
    """
    return _neg_mean_deviance(estimator, estimator.predict(X), y, sample_weight)


def _neg_mean_loss_unchecked(estimator, X, y, sample_weight=None) -> float:
    """:func:`_neg_mean_loss` without the input checks of ``predict``: ``X``
    and ``y`` are folds of data a CV estimator has validated. 150 scores of a
    linear model on 400 x 200 took 0.091 s through scikit-learn's scorer,
    0.017 s here.
    """
    pred = estimator._decode(estimator._output(X))
    return _neg_mean_deviance(estimator, pred, y, sample_weight)


def _neg_mean_deviance(estimator, pred, y, sample_weight) -> float:
    y = np.asarray(y).reshape(len(y), -1)
    errors = estimator._loss.deviance(y, pred.reshape(len(y), -1)).mean(axis=1)
    return -float(np.average(errors, weights=sample_weight))


def _target_residual(estimator, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return the per-sample residual of the best constant model: minus the
    gradient of the data loss in the network output there, centred (weighted).

    ``Y - weighted mean(Y)`` for the squared error and the Poisson deviance (at
    the outputs ``log mean(Y)``) and for classifiers, on the one-hot labels (on
    the indicator matrix of multilabel targets); for
    the pinball loss ``q - 1[y < y_q]`` at the weighted ``q``-quantile ``y_q``,
    whose ties with ``y_q`` could take any value in ``[q - 1, q]`` and take
    the mean instead.
    """
    loss = _regression_loss(estimator)
    if loss is None and np.ndim(y) == 2:  # multilabel: one sigmoid per label
        Y = np.asarray(y, dtype=np.float64)
    elif loss is None:
        classes, y_idx = np.unique(y, return_inverse=True)
        Y = np.eye(len(classes))[y_idx]
        if len(classes) == 2:  # one logit, as the estimators encode binary targets
            Y = Y[:, 1:]
    else:
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if loss.piecewise_linear:
            q = loss.quantile
            y_q = loss.baseline(torch.from_numpy(Y), torch.from_numpy(w)).numpy()
            R, tie = np.where(Y > y_q, q, q - 1.0), Y == y_q
            # The ties take the one value that makes the residual sum to zero,
            # which lies in [q - 1, q] as y_q is a weighted q-quantile: a
            # subgradient, so every coefficient is zero from alpha_max on.
            rest = np.where(tie, 0.0, R).T @ w
            Y = np.where(tie, -rest / np.maximum(tie.T @ w, np.finfo(float).tiny), R)
    return Y - (w @ Y) / w.sum()


def _curvature(estimator, y: np.ndarray, w: np.ndarray) -> float:
    """The data loss's second derivative in the outputs at the best constant,
    averaged over outputs: one for the squared error (and for the pinball loss,
    which has none), the weighted mean of ``y`` for the Poisson deviance.
    """
    loss = _regression_loss(estimator)
    if loss is None or loss.quadratic or loss.piecewise_linear:
        return 1.0
    Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return float(np.mean(w @ Y) / w.sum())


def _alpha_grid(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    l1_ratio=None,
    n_alphas=30,
    eps=1e-3,
    feature_names=None,
) -> np.ndarray:
    """Automatic grid of ``n_alphas`` log-spaced alphas, in path order.

    Both families start from the residual ``R`` of the best constant model (the
    centred targets; for classifiers the one-hot labels minus the class
    proportions; see :func:`_target_residual` for every loss), whose
    correlations ``X^T R`` with the features are, up to ``-1/n``, the gradient
    of the data loss at a constant prediction; ``n`` is the sum of sample
    weights.

    LassoNet family: from ``alpha_max``, the smallest alpha at which every
    feature of the linear model is zero, down to ``alpha_max * eps``, exactly as
    scikit-learn's ``_alpha_grid``: ``alpha_max = max_j ||X_j^T R||_2 / (n * rho)``
    (with ``groups`` or ``penalty_factor``, the group-weighted
    ``max_g ||X_g^T R||_F / (n * rho * w_g)``).
    A LassoNet network needs larger alphas to drop features (its hidden layer
    adds to each feature's gradient), so its grid runs up from
    ``alpha_max * eps`` to ``alpha_max / eps``.

    RidgeNet network: up from ``alpha_max * eps`` to ``alpha_max``, the largest
    singular value of ``X^T R``. Above it the all-zero network is a local
    minimum of the objective of a network with one hidden layer (near zero the
    network acts through products ``W_2 W_1``, the data loss falls at most by
    ``alpha_max * t / n`` when ``||W_1||^2 + ||W_2||^2 = 2 t`` while the penalty
    grows by ``alpha * t / n``), and fits collapse to a constant: larger alphas
    only repeat that model. RidgeNet, linear: from ``s / eps`` down to
    ``s * eps`` where ``s = trace(X_c^T X_c) / n_features`` is the mean
    eigenvalue of the centred Gram matrix, the alpha at which a direction of
    average variance is shrunk by half; times the loss's curvature at the best
    constant (:func:`_curvature`) where it is not one (Poisson: the mean
    count). ``feature_names``: those of ``X``, for ``groups='auto'``.
    """
    n_samples = X.shape[0]
    w = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    w = w.astype(np.float64)
    tiny = np.finfo(np.float64).resolution
    if not _is_lasso_family(estimator) and not _is_network(estimator):
        mean = np.asarray(X.T @ w).ravel() / w.sum()
        sq = X.multiply(X) if sp.issparse(X) else X * X
        total = float(np.asarray(sq.T @ w).sum() - w.sum() * (mean @ mean))
        total *= _curvature(estimator, y, w)
        scale = max(total / X.shape[1], np.finfo(np.float64).tiny)
        return scale * np.geomspace(1 / eps, eps, n_alphas)
    # sum_i w_i (x_i - x_mean) r_i = X^T (w r) because sum_i w_i r_i = 0, so
    # sparse X needs no centring.
    R = _target_residual(estimator, y, w)
    Xr = np.asarray(X.T @ (w[:, None] * R)).reshape(X.shape[1], -1)
    if not _is_lasso_family(estimator):
        alpha_max = np.linalg.norm(Xr, ord=2)
        if alpha_max <= tiny:
            return np.full(n_alphas, tiny)
        return np.geomspace(alpha_max * eps, alpha_max, num=n_alphas)
    rho = estimator.get_params()["l1_ratio"] if l1_ratio is None else l1_ratio
    if rho == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the "
            "appropriate `alphas=` argument."
        )
    groups = estimator_groups(estimator, X.shape[1], feature_names)
    alpha_max = lasso_alpha_max(Xr, w.sum(), groups) / rho
    loss = _regression_loss(estimator)
    if loss is not None and loss.piecewise_linear:
        # At alpha_max itself the linear program is degenerate: a vertex with
        # one non-zero coefficient is as optimal as zero, and HiGHS may end
        # there (a coefficient of 1e-13 on load_diabetes at q = 0.9; none from
        # 1.0001 alpha_max on).
        alpha_max *= 1 + 1e-4
    if alpha_max <= tiny:
        return np.full(n_alphas, tiny)
    if _is_network(estimator):
        return np.geomspace(alpha_max * eps, alpha_max / eps, num=n_alphas)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _validate_Xy(owner, X, y, *, classifier: bool, reset: bool = True):
    """``validate_data`` for the path's users (CV estimators, selectors):
    sparse CSR or float arrays, labels for a classifier, numbers otherwise.
    """
    return validate_data(
        owner,
        X,
        y,
        reset=reset,
        accept_sparse="csr",
        dtype=[np.float64, np.float32],
        multi_output=not classifier,
        y_numeric=not classifier,
    )


def _grid(estimator, X, y, sample_weight, alphas, eps) -> np.ndarray:
    """The automatic grid of ``alphas`` alphas (an int), or the given ones
    checked and put in path order.
    """
    if isinstance(alphas, Integral):
        return _alpha_grid(estimator, X, y, sample_weight, n_alphas=alphas, eps=eps)
    grid = np.asarray(alphas, dtype=np.float64).ravel()
    if len(grid) == 0 or not np.all(np.isfinite(grid) & (grid >= 0)):
        raise ValueError(
            "alphas must be a positive int or a non-empty array of "
            f"finite, non-negative floats, got {alphas!r}."
        )
    return _path_order(estimator, grid)


def _path_record(estimator) -> tuple[np.ndarray | None, int]:
    """Linear part (or None) and number of inputs in use of a fitted estimator."""
    coef = getattr(estimator, "coef_", None)
    support = getattr(estimator, "support_", None)
    n_selected = int(support.sum()) if support is not None else estimator.n_features_in_
    return (None if coef is None else np.array(coef, copy=True)), n_selected


def _fit_path(
    estimator,
    X,
    y,
    sample_weight,
    alphas,
    *,
    X_val=None,
    y_val=None,
    sample_weight_val=None,
    scorer=None,
    record=True,
    path_max_iter=None,
    feature_names=None,
    grid_size=None,
    on_alpha=None,
    warn=True,
):
    """Fit a clone of ``estimator`` at every alpha in order, warm-started.

    The first fit runs up to ``max_iter`` iterations, the next ones up to
    ``path_max_iter`` (see :func:`_path_max_iter`; ``grid_size``: the length of
    the grid whose first alphas ``alphas`` are, as in a CV estimator's refit).
    Returns the estimator fitted at the last alpha (with the original
    ``max_iter``) and a dict of per-alpha arrays (``scores`` given ``scorer``;
    ``coefs``, ``n_selected``, ``objectives`` and ``n_iter`` when ``record``),
    with ``n_unconverged``, the fits that reached their iteration limit or
    diverged, and ``converged``, whether the last one converged.
    ``warn``: raise one ``ConvergenceWarning`` for the path when fits did not
    converge (a CV estimator sums its paths' counts and warns once itself).
    ``feature_names`` are the names of the columns of ``X`` before the caller
    validated it into an array; the estimator gets them as
    ``feature_names_in_``. ``on_alpha(est)``, if given, is called with the
    estimator after every alpha's fit; a true return ends the path there (the
    arrays then hold the alphas fitted so far).
    """
    est = clone(estimator).set_params(warm_start=True)
    est._validate_params()
    max_iter, patience = est.max_iter, est.n_iter_no_change
    scores, coefs, n_selected, objectives, n_iter = [], [], [], [], []
    not_converged, converged = 0, True
    # Validated and prepared once; each alpha only trains, warm-started, and the
    # solvers reuse what they derived from the data.
    prepared = est._prepare(
        X, y, sample_weight, callbacks=False, feature_names=feature_names
    )
    with one_blas_thread():  # for every fit and score of the path
        for k, alpha in enumerate(alphas):
            params = {"alpha": float(alpha)}
            if k == 1:  # the first fit told which solver trains the path
                solver, n_alphas = est.solver_, grid_size or len(alphas)
                params["max_iter"] = _path_max_iter(
                    estimator, solver, path_max_iter, n_alphas
                )
                params["n_iter_no_change"] = _path_patience(estimator, solver)
            est.set_params(**params)
            converged = _fit_prepared_counting(est, prepared, refine=k > 0, warn=warn)
            not_converged += not converged
            if scorer is not None:
                kwargs = (
                    {}
                    if sample_weight_val is None
                    else {"sample_weight": sample_weight_val}
                )
                scores.append(scorer(est, X_val, y_val, **kwargs))
            if record:
                coef, selected = _path_record(est)
                coefs.append(coef)
                n_selected.append(selected)
                objectives.append(est.loss_curve_[-1] if est.loss_curve_ else np.nan)
                n_iter.append(est.n_iter_)
            if on_alpha is not None and on_alpha(est):
                alphas = alphas[: k + 1]
                break
    if not_converged and warn:
        warnings.warn(
            f"{not_converged} of {len(alphas)} fits along the regularization path "
            "reached their iteration limit before converging. Consider "
            "increasing max_iter (path_max_iter) or tol.",
            ConvergenceWarning,
            stacklevel=3,
        )
    # The solvers' state (L-BFGS's memory: 20 parameter vectors) went with
    # ``prepared``: the estimator keeps only what its own ``fit`` stores.
    est.set_params(max_iter=max_iter, n_iter_no_change=patience)
    out = {
        "scores": np.asarray(scores, dtype=np.float64),
        "n_unconverged": not_converged,
        "converged": converged,
    }
    if record:
        has_coef = coefs and coefs[0] is not None
        # scikit-learn's layout: alphas on the last axis.
        out["coefs"] = np.moveaxis(np.asarray(coefs), 0, -1) if has_coef else None
        out["n_selected"] = np.asarray(n_selected)
        out["objectives"] = np.asarray(objectives)
        out["n_iter"] = np.asarray(n_iter)
    return est, out


def _fit_prepared_counting(est, prepared, *, refine: bool, warn: bool = True) -> bool:
    """Fit ``est`` on ``prepared``; whether it converged.

    A fit that reached its iteration limit is counted by the caller, which
    warns once per path; with ``warn=False`` any other ``ConvergenceWarning``
    (a diverging fit) is counted too, and silenced; other warnings pass on.
    """
    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est._fit_prepared(prepared, refine=refine)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning) and (
            "Maximum " in str(w.message) or not warn
        ):
            converged = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return converged


_PARAMETER_CONSTRAINTS = {
    "estimator": [object],
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like"],
    "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "eps": [Interval(Real, 0, 1, closed="neither")],
    "sample_weight": ["array-like", None],
    "X_val": ["array-like", "sparse matrix", None],
    "y_val": ["array-like", None],
    "scoring": [StrOptions(set(get_scorer_names())), callable, None],
    "path_max_iter": [Interval(Integral, 1, None, closed="left"), None],
}


def regularization_path(
    estimator,
    X,
    y,
    *,
    alphas=30,
    eps=1e-3,
    sample_weight=None,
    X_val=None,
    y_val=None,
    scoring=None,
    path_max_iter=None,
):
    """Fit an skreg estimator along a grid of alphas, each fit warm-started.

    The fits run in the order of ``alphas``; each starts from the weights of
    the previous one (``warm_start=True``), so the whole path costs a fraction
    of separate fits. With ``hidden_layer_sizes=()`` the coefficients are those
    of :func:`~sklearn.linear_model.enet_path` (LassoNet) or of
    :class:`~sklearn.linear_model.Ridge` at each alpha (RidgeNet).

    Parameters
    ----------
    estimator : estimator instance
        An unfitted skreg estimator with an ``alpha`` parameter (``RidgeNet``,
        ``LassoNet`` and their classifiers). It is cloned, not modified.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.

    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values.

    alphas : int or array-like, default=30
        The alphas, fitted in the given order, or how many to put on the
        automatic grid: decreasing from ``alpha_max`` (every coefficient of the
        linear model zero) to ``alpha_max * eps`` for a linear LassoNet, as
        :func:`~sklearn.linear_model.lasso_path`; increasing from
        ``alpha_max * eps`` to ``alpha_max / eps`` (dense to sparse) for a
        LassoNet network; increasing from ``alpha_max * eps`` to ``alpha_max``,
        the largest singular value of ``X_c^T (y - mean(y))`` (above it a
        network with one hidden layer collapses to a constant), for a RidgeNet
        network; decreasing from ``s / eps`` to ``s * eps`` for a linear
        RidgeNet, where ``s`` is the mean eigenvalue of the centred Gram matrix
        ``X_c^T X_c``. Networks are fitted from the weakest alpha up: the
        all-zero network is a stationary point of their objective, so a path
        from a strong alpha would stay near the collapsed model.

    eps : float, default=1e-3
        Length of the automatic grid, ``alpha_min / alpha_max``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, used by every fit and by the automatic grid.

    X_val, y_val : array-like, default=None
        Validation data scored at every alpha.

    scoring : str or callable, default=None
        Score on the validation data (see :ref:`scoring_parameter`); ``None``
        uses the estimator's ``score`` (R² or accuracy), or with
        ``loss='poisson'`` and ``loss='quantile'`` minus the mean Poisson
        deviance or pinball loss (as ``'neg_mean_poisson_deviance'`` and
        ``mean_pinball_loss`` at the estimator's ``quantile``).

    path_max_iter : int, default=None
        Iteration limit of every fit after the first, which starts from scratch with
        ``max_iter``. ``None``: ``max_iter`` for linear models, which converge by
        ``tol``. A network's warm-started fits only refine the previous one: a tenth
        of ``max_iter`` epochs each with a mini-batch solver (as lassonet's
        ``n_iters=(1000, 100)``); with L-BFGS and FISTA the later fits share ``3 *
        max_iter`` iterations, with at least a tenth of ``max_iter`` each (L-BFGS)
        or a fifth and 10 (FISTA), never more than ``max_iter``. Whatever the
        limit, those later full-batch fits of a network (L-BFGS, FISTA) run with
        ``n_iter_no_change=max(1, n_iter_no_change // 10)`` and stop when their
        objective has not improved by ``tol`` for that many iterations: they
        start at the previous solution and their objective is deterministic
        (``docs/stopping.md``).

    Returns
    -------
    path : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes

        alphas : ndarray of shape (n_alphas,)
            The alphas, in the order fitted.
        coefs : ndarray of shape (n_features, n_alphas) or \
(n_outputs, n_features, n_alphas), or None
            The linear part (``coef_``) at every alpha: the whole model when
            ``hidden_layer_sizes=()``, LassoNet's skip connection otherwise;
            None for a RidgeNet with hidden layers.
        n_selected : ndarray of shape (n_alphas,)
            Number of inputs in use (``support_.sum()`` for LassoNet, all
            features otherwise).
        objectives : ndarray of shape (n_alphas,)
            Training objective (data loss + penalty) at the end of every fit.
        n_iter : ndarray of shape (n_alphas,)
            Iterations (epochs) run at every alpha.
        scores : ndarray of shape (n_alphas,) or None
            Validation scores, given ``X_val`` and ``y_val``.
        estimator : estimator instance
            The estimator fitted at the last alpha (with ``feature_names_in_``
            when ``X`` has feature names).

    See Also
    --------
    sklearn.linear_model.enet_path : The linear LassoNet path.
    RidgeNetCV, LassoNetCV : Choose alpha by cross-validation along paths.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg import LassoNet, regularization_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> path = regularization_path(LassoNet(hidden_layer_sizes=()), X, y, alphas=5)
    >>> path.coefs.shape
    (10, 5)
    >>> path.n_selected
    array([ 0,  4,  7,  9, 10])
    """
    # Not @validate_params: it renames the function's parameter errors, and
    # would rename the estimator's too ("The 'M' parameter of
    # regularization_path"), which are not parameters of this function.
    if not get_config()["skip_parameter_validation"]:
        validate_parameter_constraints(
            _PARAMETER_CONSTRAINTS,
            {
                "estimator": estimator,
                "X": X,
                "y": y,
                "alphas": alphas,
                "eps": eps,
                "sample_weight": sample_weight,
                "X_val": X_val,
                "y_val": y_val,
                "scoring": scoring,
                "path_max_iter": path_max_iter,
            },
            caller_name="regularization_path",
        )
    if "alpha" not in estimator.get_params():
        raise TypeError(
            f"regularization_path needs an estimator with an 'alpha' parameter, "
            f"got {type(estimator).__name__}."
        )
    # Before the alpha grid, which reads the estimator's parameters.
    estimator._validate_params()
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together.")
    feature_names = _get_feature_names(X)
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    # Labels as ``fit`` takes them: a column vector is raveled, with a warning
    # (its one-hot grid would otherwise fail with a shape error).
    y = column_or_1d(y, warn=True) if is_classifier(estimator) else np.asarray(y)
    # Before the alpha grid, whose products of X and y would fail with a
    # shape error.
    check_consistent_length(X, y)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if isinstance(alphas, Integral):
        alphas = _alpha_grid(
            estimator,
            X,
            y,
            sample_weight,
            n_alphas=alphas,
            eps=eps,
            feature_names=feature_names,
        )
    else:
        alphas = column_or_1d(alphas, dtype=np.float64)
        if not np.all(np.isfinite(alphas) & (alphas >= 0)):
            raise ValueError(f"alphas must be finite and non-negative, got {alphas}.")
    scorer = None
    if X_val is not None:
        loss = _regression_loss(estimator)
        if scoring is None and loss is not None and not loss.quadratic:
            scorer = _neg_mean_loss  # the mean Poisson deviance or pinball loss
        else:
            scorer = check_scoring(estimator, scoring=scoring)
    est, out = _fit_path(
        estimator,
        X,
        y,
        sample_weight,
        alphas,
        X_val=X_val,
        y_val=y_val,
        scorer=scorer,
        path_max_iter=path_max_iter,
        feature_names=feature_names,
    )
    return Bunch(
        alphas=alphas,
        coefs=out["coefs"],
        n_selected=out["n_selected"],
        objectives=out["objectives"],
        n_iter=out["n_iter"],
        scores=out["scores"] if scorer is not None else None,
        estimator=est,
    )
