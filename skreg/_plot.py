"""Display objects, following scikit-learn's conventions.

A Display stores the data of a plot as attributes, ``from_estimator`` computes
them from a fitted estimator, and ``plot(ax=...)`` draws them, returning the
display with its matplotlib artists (``ax_``, ``figure_``, lines). matplotlib is
an optional dependency (the ``plot`` extra), imported only when plotting.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from ._cv import _NetCV
from ._path import _is_lasso_family, _is_network, regularization_path
from ._stability import StabilitySelection

__all__ = ["LossCurveDisplay", "RegularizationPathDisplay", "StabilityPathDisplay"]


def _fitted_net(estimator):
    """Return the fitted network behind ``estimator`` (a CV's ``estimator_``)."""
    check_is_fitted(estimator)
    return getattr(estimator, "estimator_", estimator)


def _feature_lines(coefs: np.ndarray) -> np.ndarray:
    """``(n_features, n_alphas)`` from a path's ``([n_outputs,] n_features,
    n_alphas)``: one output's (a binary classifier's logit) signed
    coefficients; with several, the norm of each feature's weights.
    """
    if coefs.ndim == 3:
        coefs = coefs[0] if len(coefs) == 1 else np.linalg.norm(coefs, axis=0)
    return coefs


def _mean_fold_paths(cv, row) -> tuple:
    """``(coefs, n_selected)`` of a fitted CV estimator: the means over folds
    of its stored paths (``row``: the chosen ``l1_ratio``'s, when there are
    several), each None if absent.
    """
    coef_path = getattr(cv, "coef_path_", None)
    n_selected = getattr(cv, "n_features_path_", None)
    if row is not None:
        coef_path = None if coef_path is None else coef_path[row]
        n_selected = None if n_selected is None else n_selected[row]
    return (
        None
        if coef_path is None
        else np.mean([_feature_lines(c) for c in coef_path], axis=0),
        None if n_selected is None else n_selected.mean(axis=1),
    )


class RegularizationPathDisplay:
    """Regularisation path: coefficients or selected features, and CV score.

    Use :meth:`from_estimator` to compute the path of a fitted CV estimator
    (:class:`~skreg.RidgeNetCV`, :class:`~skreg.LassoNetCV`, ...) or of a plain
    estimator. All parameters are stored as attributes.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The alphas of the path.

    coefs : ndarray of shape (n_features, n_alphas) or None
        Coefficient of every feature along the path (for several outputs, the
        norm of the feature's weights). None when the model has no linear part.

    n_selected : ndarray of shape (n_alphas,) or None
        Number of features in use along the path.

    scores : ndarray of shape (n_alphas, n_folds) or None
        Held-out scores of every fold along the path.

    alpha : float or None
        The chosen alpha, marked on every panel.

    score_name : str or None
        Label of the score axis.

    estimator_name : str or None
        Name shown in the title.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        One Axes per panel: the path (coefficients, else selected features),
        then the score when ``scores`` is given.

    figure_ : matplotlib Figure
        Figure holding the panels.

    lines_ : list of matplotlib Line2D
        The path's lines.

    score_line_ : matplotlib Line2D or None
        Mean held-out score.

    See Also
    --------
    skreg.regularization_path : Computes the path.
    sklearn.model_selection.ValidationCurveDisplay : A score against one
        parameter, from independent fits.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg import LassoNetCV, RegularizationPathDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LassoNetCV(alphas=20).fit(X, y)
    >>> display = RegularizationPathDisplay.from_estimator(model, X, y)
    >>> len(display.ax_)
    2
    """

    def __init__(
        self,
        alphas,
        *,
        coefs=None,
        n_selected=None,
        scores=None,
        alpha=None,
        score_name=None,
        estimator_name=None,
    ):
        self.alphas = alphas
        self.coefs = coefs
        self.n_selected = n_selected
        self.scores = scores
        self.alpha = alpha
        self.score_name = score_name
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls, estimator, X=None, y=None, *, alphas=None, sample_weight=None, ax=None
    ):
        """Plot the path of a fitted CV estimator, or compute one on ``(X, y)``.

        Parameters
        ----------
        estimator : estimator instance
            A fitted CV estimator, whose grid, held-out scores and chosen alpha
            are shown, or an skreg estimator with an ``alpha`` parameter, whose
            path is computed on ``alphas``. A RidgeNet network has no
            coefficients and keeps every feature, so only its CV estimator's
            scores can be shown: given the plain estimator, this raises a
            ValueError before fitting anything.

        X : {array-like, sparse matrix} of shape (n_samples, n_features), \
default=None
            Data for the path, usually the training data of ``estimator``.
            For a fitted CV estimator, ``None`` fits nothing: the path shown
            is the folds' mean (``coef_path_``, else ``n_features_path_``);
            given ``X`` and ``y``, the path is refitted on them at the CV
            estimator's parameters. Required for a plain estimator.

        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
default=None
            Targets, with ``X``.

        alphas : int or array-like, default=None
            The path's grid for a plain estimator (``None``: 30 alphas on the
            automatic grid); ignored for a fitted CV estimator.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the path fits.

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel; ``None`` creates a figure.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        scores, alpha, score_name, row = None, None, None, None
        cv = isinstance(estimator, _NetCV)
        if cv:
            check_is_fitted(estimator)
            base = estimator._make_estimator(getattr(estimator, "l1_ratio_", None))
            grid, scores = estimator.alphas_, estimator.score_path_
            if grid.ndim == 2:  # several l1_ratios: show the chosen one's path
                row = list(np.atleast_1d(estimator.l1_ratio)).index(estimator.l1_ratio_)
                grid, scores = grid[row], scores[row]
            alpha = estimator.alpha_
            score_name = estimator.scoring or estimator._default_scoring()
        else:
            base, grid = estimator, 30 if alphas is None else alphas
        lasso = _is_lasso_family(base)
        # A RidgeNet network's path has no coef_ and keeps every feature: only a
        # CV estimator's scores are left to show, and no path needs fitting.
        empty_path = (
            not lasso
            and "hidden_layer_sizes" in base.get_params()
            and _is_network(base)
        )
        if empty_path and not cv:
            raise ValueError(
                f"The regularization path of {type(estimator).__name__} with "
                "hidden layers has no coefficients and keeps every feature: "
                "there is nothing to plot. Pass its fitted CV estimator "
                "(RidgeNetCV, RidgeNetClassifierCV) to plot held-out scores, or "
                "use regularization_path for the training objectives."
            )
        if (X is None) != (y is None) or (X is None and not cv):
            raise ValueError(
                "X and y are needed together, and both for an estimator that is "
                "not a fitted CV estimator."
            )
        coefs = n_selected = None
        if empty_path:
            path_alphas = grid
        elif X is None:  # the folds' paths, as the CV estimator stored them
            path_alphas = grid
            coefs, n_selected = _mean_fold_paths(estimator, row)
        else:
            path = regularization_path(
                base, X, y, alphas=grid, sample_weight=sample_weight
            )
            path_alphas, coefs = path.alphas, path.coefs
            if coefs is not None:
                coefs = _feature_lines(coefs)
            n_selected = path.n_selected if lasso else None
        return cls(
            path_alphas,
            coefs=coefs,
            n_selected=n_selected,
            scores=scores,
            alpha=alpha,
            score_name=score_name,
            estimator_name=type(estimator).__name__,
        ).plot(ax=ax)

    def plot(self, ax=None):
        """Plot the path and, when available, the held-out score.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel (path, then score); ``None`` creates a figure
            with the panels side by side.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, with ``ax_``, ``figure_``, ``lines_`` and
            ``score_line_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        panels = []
        if self.coefs is not None:
            panels.append("coefficients")
        elif self.n_selected is not None:
            panels.append("n_selected")
        if self.scores is not None:
            panels.append("score")
        if not panels:
            raise ValueError(
                "Nothing to plot: the display has no coefs, n_selected or scores."
            )
        if ax is None:
            _, ax = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4))
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        if len(axes) != len(panels):
            raise ValueError(
                f"Expected {len(panels)} Axes for the panels {panels}, got {len(axes)}."
            )
        self.lines_, self.score_line_ = [], None
        for a, panel in zip(axes, panels, strict=True):
            if panel == "coefficients":
                self.lines_ = a.plot(self.alphas, np.atleast_2d(self.coefs).T)
                a.set_ylabel("coefficients")
            elif panel == "n_selected":
                self.lines_ = a.step(self.alphas, self.n_selected, where="post")
                a.set_ylabel("selected features")
            else:
                mean, std = self.scores.mean(axis=1), self.scores.std(axis=1)
                (self.score_line_,) = a.plot(self.alphas, mean, color="k")
                a.fill_between(self.alphas, mean - std, mean + std, alpha=0.2)
                a.set_ylabel(self.score_name or "score")
            a.set_xscale("log")
            a.set_xlabel("alpha")
            if self.alpha is not None:
                a.axvline(self.alpha, color="k", linestyle="--", label="chosen alpha")
                a.legend(loc="best")
        if self.estimator_name:
            axes[0].set_title(self.estimator_name)
        self.ax_, self.figure_ = axes, axes[0].figure
        return self


class LossCurveDisplay:
    """Training objective (and validation score) per iteration of a fit.

    Use :meth:`from_estimator` on a fitted skreg estimator (for a CV
    estimator, its refitted ``estimator_``). All parameters are stored as
    attributes.

    Parameters
    ----------
    loss_curve : list of float
        Objective (data loss + penalty) at the end of every iteration.

    validation_scores : list of float or None
        Validation score per epoch (``early_stopping=True``).

    estimator_name : str or None
        Name shown in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the loss curve.

    figure_ : matplotlib Figure
        Figure holding the Axes.

    line_ : matplotlib Line2D
        The loss curve.

    validation_ax_ : matplotlib Axes or None
        Twin Axes of the validation score.

    validation_line_ : matplotlib Line2D or None
        The validation score curve.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Score against training set
        size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg import LossCurveDisplay, RidgeNet
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = RidgeNet(hidden_layer_sizes=(), alpha=0.1).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(model)
    >>> display.line_.get_xdata()[0]
    np.int64(1)
    """

    def __init__(self, loss_curve, *, validation_scores=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Plot the loss curve of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted skreg estimator or CV estimator.

        ax : matplotlib Axes, default=None
            Axes to plot on; ``None`` creates a figure.

        Returns
        -------
        display : LossCurveDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        net = _fitted_net(estimator)
        return cls(
            net.loss_curve_,
            validation_scores=net.validation_scores_,
            estimator_name=type(estimator).__name__,
        ).plot(ax=ax)

    def plot(self, ax=None):
        """Plot the loss curve, and the validation score on a twin axis.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; ``None`` creates a figure.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``ax_``, ``figure_``, ``line_``,
            ``validation_ax_`` and ``validation_line_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        epochs = np.arange(1, len(self.loss_curve) + 1)
        (self.line_,) = ax.plot(
            epochs, self.loss_curve, label=self.estimator_name or "objective"
        )
        ax.set_xlabel("iteration")
        ax.set_ylabel("training objective")
        self.validation_ax_ = self.validation_line_ = None
        if self.validation_scores:
            self.validation_ax_ = ax.twinx()
            (self.validation_line_,) = self.validation_ax_.plot(
                np.arange(1, len(self.validation_scores) + 1),
                self.validation_scores,
                color="C1",
                label="validation score",
            )
            self.validation_ax_.set_ylabel("validation score")
            ax.legend(
                [self.line_, self.validation_line_],
                [self.line_.get_label(), "validation score"],
                loc="best",
            )
        else:
            ax.legend(loc="best")
        self.ax_, self.figure_ = ax, ax.figure
        return self


class StabilityPathDisplay:
    """Stability paths: each input's selection probability against alpha.

    Use :meth:`from_estimator` on a fitted
    :class:`~skreg.StabilitySelection`. All parameters are stored as
    attributes.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The alphas of the paths.

    probabilities : ndarray of shape (n_features, n_alphas)
        Selection probability of every input at every alpha.

    threshold : float or None
        The probability above which an input is kept, drawn as a line.

    region : ndarray of shape (n_alphas,) of bool or None
        The alphas over which the probabilities are read, shaded.

    support : ndarray of shape (n_features,) of bool or None
        The inputs kept, drawn in colour and labelled; the others in grey.

    feature_names : array-like of str or None
        Labels of the inputs (``x0``, ``x1``, ... when None).

    estimator_name : str or None
        Name shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the plot.

    figure_ : matplotlib Figure
        Figure holding the Axes.

    lines_ : list of matplotlib Line2D
        One line per input, in input order.

    threshold_line_ : matplotlib Line2D or None
        The threshold.

    See Also
    --------
    skreg.StabilitySelection : Computes the selection probabilities.
    RegularizationPathDisplay : Coefficients along one path.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_regression
    >>> from skreg import LassoNet, StabilityPathDisplay, StabilitySelection
    >>> X, y = make_regression(100, 8, n_informative=2, random_state=0)
    >>> selector = StabilitySelection(LassoNet(hidden_layer_sizes=()),
    ...                               n_resampling=5, random_state=0).fit(X, y)
    >>> display = StabilityPathDisplay.from_estimator(selector)
    >>> len(display.lines_)
    8
    """

    def __init__(
        self,
        alphas,
        probabilities,
        *,
        threshold=None,
        region=None,
        support=None,
        feature_names=None,
        estimator_name=None,
    ):
        self.alphas = alphas
        self.probabilities = probabilities
        self.threshold = threshold
        self.region = region
        self.support = support
        self.feature_names = feature_names
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Plot the stability paths of a fitted StabilitySelection.

        Parameters
        ----------
        estimator : StabilitySelection
            A fitted :class:`~skreg.StabilitySelection`; nothing is refitted.

        ax : matplotlib Axes, default=None
            Axes to plot on; ``None`` creates a figure.

        Returns
        -------
        display : StabilityPathDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if not isinstance(estimator, StabilitySelection):
            raise TypeError(
                "StabilityPathDisplay.from_estimator needs a StabilitySelection, "
                f"got {type(estimator).__name__}."
            )
        check_is_fitted(estimator)
        return cls(
            estimator.alphas_,
            estimator.selection_probabilities_,
            threshold=estimator.threshold,
            region=estimator.region_,
            support=estimator.support_,
            feature_names=getattr(estimator, "feature_names_in_", None),
            estimator_name=type(estimator.estimator_).__name__,
        ).plot(ax=ax)

    def plot(self, ax=None):
        """Plot one line per input; kept inputs in colour, the others grey.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; ``None`` creates a figure.

        Returns
        -------
        display : StabilityPathDisplay
            The display, with ``ax_``, ``figure_``, ``lines_`` and
            ``threshold_line_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        probabilities = np.asarray(self.probabilities)
        n_features = len(probabilities)
        names = (
            [f"x{j}" for j in range(n_features)]
            if self.feature_names is None
            else [str(name) for name in self.feature_names]
        )
        support = np.zeros(n_features, bool) if self.support is None else self.support
        self.lines_ = []
        for j in range(n_features):
            style = {"lw": 2, "label": names[j]} if support[j] else {"color": "0.7"}
            self.lines_ += ax.plot(self.alphas, probabilities[j], **style)
        if self.region is not None and np.any(self.region):
            region = np.asarray(self.alphas)[np.asarray(self.region)]
            ax.axvspan(region.min(), region.max(), color="C0", alpha=0.08)
        self.threshold_line_ = None
        if self.threshold is not None:
            self.threshold_line_ = ax.axhline(
                self.threshold, color="k", linestyle="--", label="threshold"
            )
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("alpha")
        ax.set_ylabel("selection probability")
        if self.estimator_name:
            ax.set_title(f"Stability paths ({self.estimator_name})")
        ax.legend(loc="best")
        self.ax_, self.figure_ = ax, ax.figure
        return self
