"""Cross-validated estimators: choose alpha along warm-started regularisation paths.

``RidgeNetCV``, ``LassoNetCV`` and their classifiers fit one warm-started path
(:func:`skreg._path._fit_path`) per fold and per ``l1_ratio``, score every alpha on
the held-out fold, pick the alpha with the best mean score and refit on all the
data: a network along the path, a linear model once at that alpha. Like
:class:`~sklearn.linear_model.LassoCV`, the grid is computed once on the whole
training set and shared by the folds.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names, log_loss
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._classifier import ClassifierNet, with_class_weight
from ._cv_docs import cv_doc
from ._groups import auto_groups
from ._importance import normalised, path_importances
from ._lasso import LassoNet, LassoNetClassifier
from ._path import (
    _fit_path,
    _grid,
    _is_network,
    _neg_mean_loss_unchecked,
    _regression_loss,
    _validate_Xy,
)
from ._regressor import with_loss_parameters
from ._ridge import RidgeNet, RidgeNetClassifier
from ._rollback import unchanged_on_error

__all__ = ["RidgeNetCV", "RidgeNetClassifierCV", "LassoNetCV", "LassoNetClassifierCV"]


def _fold_path(
    estimator, X, y, sample_weight, train, test, alphas, scorer, path_max_iter
):
    """Held-out scores, inputs in use, linear parts (or None) and the number
    of fits that did not converge along the path fitted on one training fold.
    """
    sw = None if sample_weight is None else sample_weight[train]
    sw_test = None if sample_weight is None else sample_weight[test]
    _, out = _fit_path(
        estimator,
        X[train],
        y[train],
        sw,
        alphas,
        X_val=X[test],
        y_val=y[test],
        sample_weight_val=sw_test,
        scorer=scorer,
        path_max_iter=path_max_iter,
        warn=False,
    )
    return out["scores"], out["n_selected"], out["coefs"], out["n_unconverged"]


def _warn_unconverged(alpha, n_unconverged, n_fits, n_folds):
    """The one ``ConvergenceWarning`` of a CV fit whose refitted model did not
    converge, with how many fits of every path did not.
    """
    warnings.warn(
        f"The model refitted at alpha_={alpha:.4g} stopped at its iteration "
        f"limit (or diverged) before converging, as did {n_unconverged - 1} of "
        f"the other {n_fits - 1} fits along the regularization paths of the "
        f"{n_folds} folds and of the refit. Consider increasing max_iter "
        "(path_max_iter) or tol.",
        ConvergenceWarning,
        stacklevel=4,
    )


def _warn_grid_end(alpha, grid, *, automatic):
    """Warn when the chosen ``alpha`` is the smallest or largest of ``grid``:
    the best alpha may lie beyond it.
    """
    grid = np.asarray(grid)
    if alpha == grid.min():
        advice = (
            "a weaker penalty may score better. Try smaller values with the "
            "`alphas` parameter" + (" (or a smaller `eps`)." if automatic else ".")
        )
        end = "smallest"
    elif alpha == grid.max():
        end = "largest"
        advice = (
            "the model there is (close to) a constant: on held-out data nothing "
            "predicted better than the mean target or class proportions. Pass "
            "other values with the `alphas` parameter to search elsewhere."
            if automatic
            else "a stronger penalty may score better. Try larger values with the "
            "`alphas` parameter."
        )
    else:
        return
    warnings.warn(
        f"alpha_={alpha:.4g} is the {end} of the {len(grid)} alphas tried: " + advice,
        UserWarning,
        stacklevel=4,
    )


def _per_fold(values, n_ratios: int) -> np.ndarray:
    """The jobs' per-alpha values, ``(n_l1_ratio, n_alphas, n_folds)``."""
    values = np.asarray(values)
    return np.moveaxis(values.reshape(n_ratios, -1, values.shape[-1]), 1, 2)


def _choose_alpha(grids, score_path, selection):
    """``(i_ratio, i_alpha)`` of the best mean score (``"min"``), or of the
    largest alpha whose mean score is within one standard error of the best
    (``"1se"``, glmnet's ``lambda.1se``: the standard deviation over folds
    divided by ``sqrt(n_folds)``), on the best ``l1_ratio``'s row.
    """
    mean = score_path.mean(axis=2)
    if np.all(np.isnan(mean)):
        raise ValueError(
            "Every cross-validation score is NaN; check the data and scoring."
        )
    i_ratio, i_alpha = np.unravel_index(np.nanargmax(mean), mean.shape)
    if selection == "1se":
        n_folds = score_path.shape[2]
        se = np.std(score_path[i_ratio, i_alpha], ddof=1) / np.sqrt(n_folds)
        close = mean[i_ratio] >= mean[i_ratio, i_alpha] - se
        candidates = np.flatnonzero(close)
        i_alpha = candidates[np.argmax(grids[i_ratio][candidates])]
    return int(i_ratio), int(i_alpha)


class _NegLogLoss:
    """Negative log-loss scorer over every class of the whole training set.

    A test fold may lack a class and a training fold may lack one (its model
    then predicts probability zero for it); scoring against all labels keeps
    every fold's loss defined, as ``LogisticRegressionCV`` does.
    """

    def __init__(self, labels):
        self.labels = labels

    def __call__(self, estimator, X, y, sample_weight=None):
        # ``X`` is a fold of data the CV estimator has validated: no checks.
        log_proba = estimator._log_proba(estimator._output(X)).cpu().numpy()
        proba = np.zeros((X.shape[0], len(self.labels)))
        columns = np.searchsorted(self.labels, estimator.classes_)
        proba[:, columns] = np.exp(log_proba.astype(np.float64))
        # A float32 model's rows sum to one only to float32 precision, and
        # log_loss checks float64 input at float64's (a warning per call).
        proba /= proba.sum(axis=1, keepdims=True)
        return -log_loss(y, proba, labels=self.labels, sample_weight=sample_weight)


class _NetCV:
    """Fit and prediction of every CV estimator (subclasses set the rest)."""

    _estimator_class: type
    _cv_constraints = {
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
        "path_max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "selection": [StrOptions({"min", "1se"})],
    }

    def _make_estimator(self, l1_ratio=None, class_weight=None):
        names = set(self._estimator_class._get_param_names()) - {"alpha", "warm_start"}
        params = {k: v for k, v in self.get_params(deep=False).items() if k in names}
        if l1_ratio is not None:
            params["l1_ratio"] = float(l1_ratio)
        if "class_weight" in params:
            params["class_weight"] = class_weight
        if isinstance(params.get("groups"), str):  # 'auto': the folds get no names
            params["groups"] = auto_groups(getattr(self, "feature_names_in_", None))
        return self._estimator_class(**params)

    def _class_weights(self, y, sample_weight) -> dict | None:
        """``class_weight`` as a dict, ``'balanced'`` computed once on the
        whole training set (as ``LogisticRegressionCV``), so every fold's fit
        weighs the classes alike.
        """
        class_weight = getattr(self, "class_weight", None)
        if isinstance(class_weight, dict):
            if not set(class_weight) <= set(self.classes_):
                raise ValueError(
                    "The given class_weight dict must have the class labels as "
                    f"keys; classes={self.classes_} but key={class_weight.keys()}"
                )
        elif class_weight == "balanced":
            weights = compute_class_weight(
                class_weight, classes=self.classes_, y=y, sample_weight=sample_weight
            )
            class_weight = dict(zip(self.classes_, weights, strict=True))
        return class_weight

    def _l1_ratios(self) -> list:
        if "l1_ratio" not in self._estimator_class._get_param_names():
            return [None]
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or len(ratios) == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                "l1_ratio must be a float or a non-empty list of floats in [0, 1], "
                f"got {self.l1_ratio!r}."
            )
        return list(ratios)

    def _default_scoring(self) -> str:
        """The name of the default score (the plots' label)."""
        if isinstance(self, ClassifierMixin):
            return "neg_log_loss"
        return {
            "squared_error": "neg_mean_squared_error",
            "poisson": "neg_mean_poisson_deviance",
            "quantile": "neg_mean_pinball_loss",
        }[self.loss]

    def _scorer(self, estimator):
        if self.scoring is None:
            if isinstance(self, ClassifierMixin):
                return _NegLogLoss(self.classes_)
            return _neg_mean_loss_unchecked  # of the loss, see _default_scoring
        return check_scoring(estimator, scoring=self.scoring)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation along paths, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values (class labels for classifiers).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, used by every fit, by the held-out scores and by
            the automatic alpha grid.
        **params : dict
            Metadata for the cross-validation splitter, such as ``groups`` for
            :class:`~sklearn.model_selection.GroupKFold`; only with
            ``sklearn.set_config(enable_metadata_routing=True)``, as for
            scikit-learn's ``LassoCV``.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        # Left as it was if any fold's fit fails, as BaseNet.fit is.
        with unchanged_on_error(self):
            return self._fit(X, y, sample_weight, **params)

    def _fit(self, X, y, sample_weight, **params):
        _raise_for_params(params, self, "fit")
        classifier = isinstance(self, ClassifierMixin)
        X, y = _validate_Xy(self, X, y, classifier=classifier)
        if classifier:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
        else:  # before any fold's fit, which would raise the same
            _regression_loss(self).check_target(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        ratios = self._l1_ratios()
        class_weight = self._class_weights(y, sample_weight) if classifier else None
        estimators = [self._make_estimator(r, class_weight) for r in ratios]
        grids = np.array(
            [
                _grid(est, X, y, sample_weight, self.alphas, self.eps)
                for est in estimators
            ]
        )
        folds, paths = self._fold_paths(X, y, sample_weight, estimators, grids, params)
        # (n_l1_ratio, n_alphas, n_folds), as ElasticNetCV's mse_path_.
        score_path = _per_fold([path[0] for path in paths], len(ratios))
        i_ratio, i_alpha = _choose_alpha(grids, score_path, self.selection)
        # A network is refitted along the same path, so the model is the one the
        # folds scored; a linear model's objective is convex, so one fit at
        # alpha_ reaches the path's solution (as LassoCV's refit does).
        first = i_alpha if not _is_network(estimators[i_ratio]) else 0
        refit_alphas = grids[i_ratio][first : i_alpha + 1]
        estimator, out = _fit_path(
            estimators[i_ratio],
            X,
            y,
            sample_weight,
            refit_alphas,
            record=False,
            path_max_iter=self.path_max_iter,
            grid_size=grids.shape[1],
            feature_names=getattr(self, "feature_names_in_", None),
            warn=False,
        )
        self.estimator_ = estimator.set_params(warm_start=False)
        self.alpha_ = float(grids[i_ratio][i_alpha])
        if not out["converged"]:
            _warn_unconverged(
                self.alpha_,
                sum(path[3] for path in paths) + out["n_unconverged"],
                grids.size * len(folds) + len(refit_alphas),
                len(folds),
            )
        if grids.shape[1] > 1:
            _warn_grid_end(
                self.alpha_, grids[i_ratio], automatic=isinstance(self.alphas, Integral)
            )
        if ratios[0] is not None:
            self.l1_ratio_ = float(ratios[i_ratio])
        self.alphas_ = np.squeeze(grids, axis=0) if len(ratios) == 1 else grids
        self.score_path_ = (
            np.squeeze(score_path, axis=0) if len(ratios) == 1 else score_path
        )
        self.best_score_ = float(score_path[i_ratio, i_alpha].mean())
        self._store_paths(ratios, grids[i_ratio], paths, i_ratio, y, folds)
        for name in ("coef_", "intercept_", "support_", "n_iter_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
            else:  # an earlier fit's (say, of a linear model) is stale
                self.__dict__.pop(name, None)
        return self

    def _fold_paths(self, X, y, sample_weight, estimators, grids, params):
        """The CV folds, and each (l1_ratio, fold) job's :func:`_fold_path`."""
        split = (
            process_routing(self, "fit", **params).splitter.split
            if (_routing_enabled())
            else {}
        )
        classifier = isinstance(self, ClassifierMixin)
        cv = check_cv(self.cv, y, classifier=classifier)
        folds = list(cv.split(X, y, **split))
        scorer = self._scorer(estimators[0])
        jobs = [(i, tr, te) for i in range(len(estimators)) for tr, te in folds]
        paths = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_path)(
                estimators[i],
                X,
                y,
                sample_weight,
                train,
                test,
                grids[i],
                scorer,
                self.path_max_iter,
            )
            for i, train, test in jobs
        )
        return folds, paths

    def _store_paths(self, ratios, grid, paths, i_ratio, y, folds):
        """Set ``n_features_path_``, ``coef_path_`` and ``feature_importances_``
        from the folds' paths (``grid``: the chosen ``l1_ratio``'s alphas).
        """
        _, n_selected, coefs, _ = zip(*paths, strict=True)
        # A training fold without some class fits fewer outputs, or as many
        # for other classes: its coefficients do not stack with the others'.
        n_classes = len(getattr(self, "classes_", ()))
        stack = n_classes == 0 or all(
            len(np.unique(y[train])) == n_classes for train, _ in folds
        )
        for name in ("n_features_path_", "coef_path_", "feature_importances_"):
            self.__dict__.pop(name, None)  # an earlier fit's may not apply
        squeeze = (lambda a: a[0]) if len(ratios) == 1 else (lambda a: a)
        lasso = ratios[0] is not None
        if lasso:
            self.n_features_path_ = squeeze(_per_fold(n_selected, len(ratios)))
        if coefs[0] is None:  # a RidgeNet network has no linear part
            return
        if lasso:
            # ||theta_j|| over outputs along each of the chosen l1_ratio's folds.
            n_folds = len(coefs) // len(ratios)
            chosen = coefs[i_ratio * n_folds : (i_ratio + 1) * n_folds]
            norms = [
                np.sqrt((c.reshape(-1, *c.shape[-2:]) ** 2).sum(0)).T for c in chosen
            ]
            importances = path_importances(np.asarray(norms), grid).mean(axis=0)
            self.feature_importances_ = normalised(importances)
        if stack:
            # (n_l1_ratio, n_folds, [n_outputs,] n_features, n_alphas): each
            # fold's as enet_path returns it.
            coef_path = np.asarray(coefs).reshape(len(ratios), -1, *coefs[0].shape)
            self.coef_path_ = squeeze(coef_path)

    def get_metadata_routing(self):
        """Get metadata routing of this object: ``fit``'s metadata go to the
        splitter's ``split``.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` with the
            routing information.
        """
        return MetadataRouter(owner=self).add(
            splitter=check_cv(self.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )

    def _validated_output(self, X):
        """Output of ``estimator_`` on ``X``, validated against this estimator.

        Validated once, here, so that errors name the CV estimator: the public
        methods of ``estimator_`` would validate the array again and, fitted
        with feature names, warn that it has none.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        return self.estimator_._output(X)

    def predict(self, X):
        """Predict with the model refitted at ``alpha_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values or class labels.
        """
        out = self._validated_output(X)  # checks the fit before estimator_ is read
        return self.estimator_._decode(out)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._make_estimator().__sklearn_tags__()
        tags.input_tags = inner.input_tags
        # Multi-output regression; the CV classifiers take single labels only.
        tags.target_tags.multi_output = not isinstance(self, ClassifierMixin)
        tags.target_tags.positive_only = inner.target_tags.positive_only
        return tags


class _ClassifierCVMixin:
    def predict_proba(self, X):
        """Class probabilities of the model refitted at ``alpha_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        out = self._validated_output(X)  # checks the fit before estimator_ is read
        return self.estimator_._proba(out)

    def predict_log_proba(self, X):
        """Log of the class probabilities of the model refitted at ``alpha_``:
        ``np.log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; ``-inf`` where a probability rounds
            to 0.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class _RidgeNetCVFamily(_NetCV):
    _parameter_constraints = {
        **{
            k: v
            for k, v in RidgeNet._parameter_constraints.items()
            if k not in ("alpha", "warm_start")
        },
        **_NetCV._cv_constraints,
    }

    def __init__(
        self,
        hidden_layer_sizes=(),
        activation="relu",
        *,
        alphas=30,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        path_max_iter=None,
        selection="min",
        solver="auto",
        batch_size="auto",
        learning_rate_init=0.01,
        learning_rate="constant",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        shuffle=True,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        max_fun=15000,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.path_max_iter = path_max_iter
        self.selection = selection
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.device = device


class _LassoNetCVFamily(_NetCV):
    _parameter_constraints = {
        **{
            k: v
            for k, v in LassoNet._parameter_constraints.items()
            if k not in ("alpha", "warm_start", "l1_ratio")
        },
        **_NetCV._cv_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(),
        activation="relu",
        *,
        l1_ratio=1.0,
        alphas=10,
        eps=1e-3,
        cv=None,
        scoring=None,
        n_jobs=None,
        path_max_iter=None,
        selection="min",
        M=1.0,
        gamma="auto",
        groups=None,
        penalty_factor=None,
        solver="auto",
        batch_size="auto",
        learning_rate_init=0.01,
        learning_rate="constant",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        shuffle=True,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        max_fun=15000,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.path_max_iter = path_max_iter
        self.selection = selection
        self.M = M
        self.gamma = gamma
        self.groups = groups
        self.penalty_factor = penalty_factor
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.device = device


@with_loss_parameters
class RidgeNetCV(_RidgeNetCVFamily, RegressorMixin, BaseEstimator):
    __doc__ = cv_doc(
        summary="RidgeNet with alpha chosen by cross-validation along a path.",
        base="RidgeNet",
        sk="~sklearn.linear_model.RidgeCV",
        linear="With ``hidden_layer_sizes=()`` every fit is exactly "
        ":class:`~sklearn.linear_model.Ridge`, so ``alpha_`` is "
        ":class:`~sklearn.linear_model.RidgeCV`'s on the same folds, grid and "
        "scoring.",
        ridge=True,
        classifier=False,
        see_also="sklearn.linear_model.RidgeCV : The linear special case.\n"
        "    RidgeNet : The estimator refitted at ``alpha_``.",
        example="    >>> from sklearn.datasets import load_diabetes\n"
        "    >>> from skreg import RidgeNetCV\n"
        "    >>> X, y = load_diabetes(return_X_y=True)\n"
        "    >>> model = RidgeNetCV(alphas=[0.01, 0.1, 1.0]).fit(X, y)\n"
        "    >>> model.alpha_\n    0.01",
    )
    _estimator_class = RidgeNet


class RidgeNetClassifierCV(
    _ClassifierCVMixin, _RidgeNetCVFamily, ClassifierMixin, BaseEstimator
):
    __doc__ = cv_doc(
        summary="RidgeNetClassifier with alpha chosen by cross-validation along "
        "a path.",
        base="RidgeNetClassifier",
        sk="~sklearn.linear_model.LogisticRegressionCV",
        linear="With ``hidden_layer_sizes=()`` every fit is exactly "
        ":class:`~sklearn.linear_model.LogisticRegression` with ``C = 1 / alpha``.",
        ridge=True,
        classifier=True,
        see_also="sklearn.linear_model.LogisticRegressionCV : The linear special "
        "case.\n    RidgeNetClassifier : The estimator refitted at ``alpha_``.",
        example="    >>> from sklearn.datasets import load_iris\n"
        "    >>> from skreg import RidgeNetClassifierCV\n"
        "    >>> X, y = load_iris(return_X_y=True)\n"
        "    >>> import numpy as np\n"
        "    >>> clf = RidgeNetClassifierCV(alphas=np.logspace(-3, 2, 6)).fit(X, y)\n"
        "    >>> float(clf.alpha_)\n    0.01",
    )
    _estimator_class = RidgeNetClassifier
    _parameter_constraints = {
        **_RidgeNetCVFamily._parameter_constraints,
        "class_weight": ClassifierNet._parameter_constraints["class_weight"],
    }
    __init__ = with_class_weight(_RidgeNetCVFamily.__init__)


@with_loss_parameters
class LassoNetCV(_LassoNetCVFamily, RegressorMixin, BaseEstimator):
    __doc__ = cv_doc(
        summary="LassoNet with alpha (and l1_ratio) chosen by cross-validation "
        "along paths.",
        base="LassoNet",
        sk="~sklearn.linear_model.ElasticNetCV",
        linear="With ``hidden_layer_sizes=()`` every fit is exactly "
        ":class:`~sklearn.linear_model.ElasticNet`, so ``alpha_`` is "
        ":class:`~sklearn.linear_model.LassoCV`'s or "
        ":class:`~sklearn.linear_model.ElasticNetCV`'s on the same folds and grid.",
        ridge=False,
        classifier=False,
        see_also="sklearn.linear_model.LassoCV : The linear case with "
        "``l1_ratio=1``.\n    sklearn.linear_model.ElasticNetCV : The linear "
        "special case.\n    LassoNet : The estimator refitted at ``alpha_``.",
        example="    >>> from sklearn.datasets import load_diabetes\n"
        "    >>> from skreg import LassoNetCV\n"
        "    >>> X, y = load_diabetes(return_X_y=True)\n"
        "    >>> model = LassoNetCV(alphas=30).fit(X, y)\n"
        "    >>> int(model.support_.sum())\n    9",
    )
    _estimator_class = LassoNet


class LassoNetClassifierCV(
    _ClassifierCVMixin, _LassoNetCVFamily, ClassifierMixin, BaseEstimator
):
    __doc__ = cv_doc(
        summary="LassoNetClassifier with alpha (and l1_ratio) chosen by "
        "cross-validation along paths.",
        base="LassoNetClassifier",
        sk="~sklearn.linear_model.LogisticRegressionCV",
        linear="With ``hidden_layer_sizes=()`` and two classes every fit is "
        "exactly :class:`~sklearn.linear_model.LogisticRegression` with the same "
        "``l1_ratio`` and ``C = 1 / (n * alpha)``.",
        ridge=False,
        classifier=True,
        see_also="sklearn.linear_model.LogisticRegressionCV : The linear special "
        "case.\n    LassoNetClassifier : The estimator refitted at ``alpha_``.",
        example="    >>> from sklearn.datasets import load_breast_cancer\n"
        "    >>> from sklearn.preprocessing import scale\n"
        "    >>> from skreg import LassoNetClassifierCV\n"
        "    >>> X, y = load_breast_cancer(return_X_y=True)\n"
        "    >>> clf = LassoNetClassifierCV().fit(scale(X), y)\n"
        "    >>> bool(clf.support_.sum() < X.shape[1])\n    True",
    )
    _estimator_class = LassoNetClassifier
    _parameter_constraints = {
        **_LassoNetCVFamily._parameter_constraints,
        "class_weight": ClassifierNet._parameter_constraints["class_weight"],
    }
    __init__ = with_class_weight(_LassoNetCVFamily.__init__)
