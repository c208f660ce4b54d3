"""The numpydoc docstrings of the CV estimators, filled from one template."""

import re

from ._docstrings import COMMON_PARAMS_DOC
from ._regressor import LOSS_PARAMS_DOC

__all__ = ["cv_doc"]

# The base estimators' parameter docs, without warm_start (paths always warm
# start) and with this module's default network.
_ENGINE_DOC = re.sub(
    r"\n    warm_start : bool.*?\n\n", "\n", COMMON_PARAMS_DOC, flags=re.S
).replace(
    "hidden_layer_sizes : array-like of shape (n_layers,), default=(100,)",
    "hidden_layer_sizes : array-like of shape (n_layers,), default=()",
)

_CV_DOC = """{summary}

    Fits one warm-started regularisation path per fold (and per ``l1_ratio``):
    each alpha starts from the weights at the previous one, so a path of
    ``n_alphas`` fits costs a fraction of ``n_alphas`` fits from scratch. Linear
    models go from the largest alpha down, as
    :class:`~sklearn.linear_model.LassoCV`; networks from the smallest up (dense
    to sparse), since a network collapsed by a strong penalty stays near the
    collapsed model at weaker ones.
    The alpha with the best mean held-out score (or, with
    ``selection="1se"``, the largest alpha within one standard error of it) is
    refitted on all the data:
    a network along the same path, so the final model is the one the folds
    scored; a linear model (convex, one solution) in one fit at that alpha, as
    :class:`~sklearn.linear_model.LassoCV` does. {linear}

    Unlike :class:`{base}`, the default network is linear
    (``hidden_layer_sizes=()``), a drop-in replacement for :class:`{sk}`; pass
    ``hidden_layer_sizes=(100,)`` for a network.

    Parameters
    ----------
    {engine}

    {extra}alphas : int or array-like, default={alphas_default}
        The alphas to try, or how many on the automatic grid. {grid}

    eps : float, default=1e-3
        Length of the automatic grid, ``alpha_min / alpha_max``.

    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy, as in :func:`~sklearn.model_selection.check_cv`:
        ``None`` is 5-fold ({kfold}).

    scoring : str or callable, default=None
        Held-out score to maximise (see :ref:`scoring_parameter`). ``None``
        uses {scoring_default}.

    n_jobs : int, default=None
        Folds (and ``l1_ratio`` values) fitted in parallel with joblib;
        ``None`` means 1, ``-1`` all processors.

    path_max_iter : int, default=None
        Iteration limit of every fit after the first along a path (the first starts
        from scratch with ``max_iter``). ``None``: ``max_iter`` for linear models,
        which converge by ``tol``. A network's warm-started fits only refine the
        previous one: a tenth of ``max_iter`` epochs each with a mini-batch solver
        (as lassonet's ``n_iters=(1000, 100)``); with L-BFGS and FISTA the later
        fits share ``3 * max_iter`` iterations, with at least a tenth of
        ``max_iter`` each (L-BFGS) or a fifth and 10 (FISTA), never more than
        ``max_iter``. Whatever the limit, those later full-batch fits of a
        network (L-BFGS, FISTA) run with ``n_iter_no_change=max(1,
        n_iter_no_change // 10)`` and stop when their objective has not
        improved by ``tol`` for that many iterations: they start at the
        previous solution and their objective is deterministic
        (``docs/stopping.md``).

    selection : {{"min", "1se"}}, default="min"
        ``"min"``: the alpha with the best mean held-out score. ``"1se"``: the
        largest alpha whose mean score is within one standard error of the
        best (glmnet's ``lambda.1se``; the standard error is the standard
        deviation of the best alpha's fold scores divided by
        ``sqrt(n_folds)``), on the best ``l1_ratio``'s grid: a sparser or
        smoother model that scores as well within the folds' noise.

    Attributes
    ----------
    alpha_ : float
        The chosen alpha.
{l1_attr}
    alphas_ : ndarray of shape (n_alphas,){alphas_shape}
        The grid, in the order of the path: decreasing for linear models,
        increasing (dense to sparse) for networks.

    score_path_ : ndarray of shape {score_shape}
        Held-out score of every alpha on every fold; greater is better. With
        the default regression scoring it is ``-mse_path_`` of
        :class:`~sklearn.linear_model.LassoCV`.

    best_score_ : float
        Mean held-out score at the chosen parameters.
{path_attrs}
    estimator_ : {base}
        The model refitted on all the data at ``alpha_``; ``predict`` and the
        attributes below come from it.

    coef_ : ndarray
        Linear part of ``estimator_`` (linear models{coef_note}).

    intercept_ : float or ndarray
        Intercept of ``estimator_`` (linear models).
{support_attr}
    n_iter_ : int
        Iterations of the refit's last fit (at ``alpha_``).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, for pandas input with string
        column names.
{classes_attr}
    See Also
    --------
    {see_also}
"""

_RIDGE_GRID = (
    "The automatic grid of a linear model is log-spaced from ``s / eps`` down "
    "to ``s * eps``, where ``s`` is the mean eigenvalue of the centred Gram "
    "matrix (the alpha at which a direction of average variance is shrunk by "
    "half). A network's runs up from ``alpha_max * eps`` to ``alpha_max``, the "
    "largest singular value of ``X^T R`` (``R``: the centred targets, or the "
    "one-hot labels minus the class proportions), above which a network with "
    "one hidden layer collapses to a constant. Either spans the collapsed "
    "(constant) model to a nearly unregularised one. The default used to be "
    ":class:`~sklearn.linear_model.RidgeCV`'s ``(0.1, 1.0, 10.0)``: on the 28 "
    "data sets of ``benchmarks/realdata.py`` the choice "
    "sat at an end of that grid in 112 of 136 fits (26 of 28 sets); the "
    "automatic grid of 30 alphas met every goal of that benchmark there."
)
_LASSO_GRID = (
    "The automatic grid is log-spaced from ``alpha_max``, the smallest alpha "
    "at which every feature of the linear model is zero (computed as "
    ":class:`~sklearn.linear_model.ElasticNetCV` does, per ``l1_ratio``), down "
    "to ``alpha_max * eps``. A network needs larger alphas to drop features "
    "(its hidden layer adds to every feature's gradient): its grid runs from "
    "``alpha_max * eps`` up to ``alpha_max / eps``, fitted dense to sparse as "
    "the LassoNet paper recommends."
)
_COEF_PATH_ATTR = """
    coef_path_ : ndarray of shape (n_folds, [n_outputs,] n_features, n_alphas)
        Linear part (LassoNet networks: the skip connection) along every fold's
        path, as :func:`~sklearn.linear_model.enet_path` returns it for that
        fold's training set; absent for networks without one, and for a
        classifier whose training folds do not all see every class. A
        LassoNet's list of ``l1_ratio`` adds an axis in front.
"""
_LASSO_PATH_ATTRS = (
    _COEF_PATH_ATTR
    + """
    n_features_path_ : ndarray of shape ([n_l1_ratio,] n_alphas, n_folds)
        Number of inputs in use at every alpha of every fold's path.

    feature_importances_ : ndarray of shape (`n_features_in_`,)
        Area under each input's ``||theta_j||`` against alpha along each
        fold's path (the chosen ``l1_ratio``'s), normalised to sum to 1 and
        averaged over the folds (see :class:`LassoNet`).
"""
)
_LASSO_EXTRA = """l1_ratio : float or array-like of float, default=1.0
        Mix between the L1 (``1.0``) and L2 (``0.0``) parts; a list is
        searched too, as in :class:`~sklearn.linear_model.ElasticNetCV`.

    M : float, default=1.0
        Hierarchy multiplier of LassoNet.

    gamma : float or 'auto', default='auto'
        L2 strength on the weights of LassoNet's MLP after its first layer
        (see :class:`LassoNet`);
        ``'auto'`` is computed on each training fold. No effect on the default
        linear model.

    groups : list of lists of int or 'auto', default=None
        Features that enter and leave together (see :class:`LassoNet`);
        ``'auto'`` reads them from the feature names of the ``X`` given to
        ``fit``. Not the sample ``groups`` that ``fit`` may route to the CV
        splitter (:class:`~sklearn.model_selection.GroupKFold`).

    penalty_factor : array-like of float, default=None
        Non-negative weight of each feature's (or group's) L1 penalty, as
        glmnet's ``penalty.factor`` (see :class:`LassoNet`).

    """


_CV_CLASS_WEIGHT_DOC = """

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{label: weight}``: each sample's weight is
        multiplied by its class's in every fit, exactly as passing those
        products as ``sample_weight``. ``'balanced'`` weighs class ``c`` by
        ``n_samples / (n_classes * n_c)``, ``n_c`` the (sample-weighted) count
        of ``c`` in the whole training set, for every fold's fit, as
        :class:`~sklearn.linear_model.LogisticRegressionCV`. Held-out scores
        weigh samples by ``sample_weight`` only."""


def cv_doc(*, summary, base, sk, linear, ridge, classifier, see_also, example):
    lasso = not ridge
    loss = "" if classifier else LOSS_PARAMS_DOC + "\n\n    "
    return _CV_DOC.format(
        summary=summary,
        base=base,
        sk=sk,
        linear=linear,
        engine=_ENGINE_DOC + (_CV_CLASS_WEIGHT_DOC if classifier else ""),
        extra=loss + ("" if ridge else _LASSO_EXTRA),
        alphas_default="30" if ridge else "10",
        grid=_RIDGE_GRID if ridge else _LASSO_GRID,
        kfold="stratified for classifiers" if classifier else "unshuffled KFold",
        scoring_default="the log-loss (``'neg_log_loss'``), smoother than accuracy"
        if classifier
        else "minus the mean of the loss: the squared error "
        "(``'neg_mean_squared_error'``, as\n        "
        ":class:`~sklearn.linear_model.LassoCV`), the Poisson deviance\n        "
        "(``'neg_mean_poisson_deviance'``) or the pinball loss at ``quantile``",
        l1_attr="\n    l1_ratio_ : float\n        The chosen ``l1_ratio``.\n"
        if lasso
        else "",
        alphas_shape=" or (n_l1_ratio, n_alphas)" if lasso else "",
        path_attrs=_LASSO_PATH_ATTRS if lasso else _COEF_PATH_ATTR,
        score_shape="(n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)"
        if lasso
        else "(n_alphas, n_folds)",
        coef_note="; LassoNet's skip connection for networks" if lasso else "",
        support_attr="\n    support_ : ndarray of shape (`n_features_in_`,) of bool\n"
        "        Inputs in use.\n"
        if lasso
        else "",
        classes_attr="\n    classes_ : ndarray of shape (n_classes,)\n"
        "        Class labels.\n"
        if classifier
        else "",
        see_also=see_also
        + "\n    skreg.regularization_path : The path of one estimator."
        + "\n\n    Examples\n    --------\n"
        + example,
    )
