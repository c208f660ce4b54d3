"""Stability selection (Meinshausen & Bühlmann, 2010) with complementary pairs
(Shah & Samworth, 2013) around any skreg LassoNet estimator.

Every pair of subsamples is a random split of the rows into two halves; each
half is fitted along one warm-started regularisation path
(:func:`skreg._path._fit_path`) on a grid shared by all of them, and each fit
selects inputs. An input's selection probability at an alpha is the fraction
of the ``2 * n_resampling`` fits that select it there; inputs whose largest
probability over the sparse end of the path (the region where the fits select
about ``n_features_per_fit`` inputs) reaches ``threshold`` are kept.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectorMixin
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._groups import auto_groups
from ._importance import theta_norms
from ._lasso import LassoNet, _LassoNetFamily
from ._path import _fit_path, _grid, _is_network, _validate_Xy

__all__ = ["StabilitySelection"]


def _fit_selections(estimator, X, y, alphas, base_selection) -> np.ndarray:
    """Inputs selected at every alpha of one warm-started path on ``(X, y)``,
    ``(n_alphas, n_features)``; a network's path stops once no input is left.
    """
    selected = []

    def on_alpha(est):
        norms = theta_norms(est.module_)
        keep = norms > 0
        if base_selection == "mean":
            keep &= norms >= norms.mean()
        selected.append(keep)
        return _is_network(est) and not keep.any()

    with warnings.catch_warnings():
        # Fits that use their whole budget are the rule on a path (see
        # regularization_path); one warning per path would say nothing.
        warnings.simplefilter("ignore", ConvergenceWarning)
        _fit_path(estimator, X, y, None, alphas, record=False, on_alpha=on_alpha)
    out = np.zeros((len(alphas), X.shape[1]), dtype=bool)
    out[: len(selected)] = selected
    return out


class StabilitySelection(SelectorMixin, MetaEstimatorMixin, BaseEstimator):
    """Stability selection around a LassoNet path, with complementary pairs.

    Meinshausen & Bühlmann (2010) with the complementary pairs of Shah &
    Samworth (2013): ``n_resampling`` times, the rows are split at random into
    two halves (stratified by class for a classifier), and a clone of
    ``estimator`` is fitted on each half along one warm-started
    regularisation path (:func:`~skreg.regularization_path`) over a grid
    shared by all fits. At every alpha, each fit selects inputs
    (``base_selection``), and the selection probability of input ``j`` at
    alpha is the fraction of the ``2 * n_resampling`` fits that select it.

    The probabilities are read over the sparse end of the path: the region
    ``region_`` of alphas where the union of the inputs a fit selects at that
    alpha and every larger one holds on average at most
    ``n_features_per_fit`` inputs. An input whose largest probability there
    reaches ``threshold`` is kept. Under Meinshausen & Bühlmann's
    exchangeability assumption the expected number of noise inputs kept is
    at most ``q^2 / ((2 * threshold - 1) * n_features)``, ``q`` being that
    average at the region's densest alpha (``pfer_bound_``).

    Parameters
    ----------
    estimator : estimator instance, default=None
        A skreg LassoNet estimator (:class:`~skreg.LassoNet`,
        :class:`~skreg.LassoNetClassifier`), linear or with hidden layers;
        it is cloned. ``None``: ``LassoNet(hidden_layer_sizes=(20,), M=10,
        gamma=0)``, the LassoNet paper's network: along a path an input that
        acts only through the hidden layer stays in use longer with ``M=10``
        (with LassoNet's own defaults, ``M=1`` and ``gamma='auto'``,
        ``make_friedman1``'s purely quadratic ``x2`` scored 0.70 on one seed,
        below the 0.75 threshold; :doc:`/selection`). Its ``alpha`` and
        ``warm_start`` are set along the paths and its ``random_state`` from
        ``random_state``.

    alphas : int or array-like, default=30
        The path's alphas, or how many on the automatic grid of
        :func:`~skreg.regularization_path` (from ``alpha_max * eps`` up to
        ``alpha_max / eps`` for a network, fitted dense to sparse; from
        ``alpha_max`` down to ``alpha_max * eps`` for a linear model),
        computed on all the rows.

    eps : float, default=1e-3
        Length of the automatic grid.

    n_resampling : int, default=50
        Number of complementary pairs of half-samples: ``2 * n_resampling``
        paths are fitted (Shah & Samworth's ``B = 50``).

    threshold : float, default=0.75
        Keep the inputs whose largest selection probability over the region
        is at least this; Meinshausen & Bühlmann suggest 0.6 to 0.9.

    n_features_per_fit : int, default=None
        Average number of inputs a fit may select over the region (``q``).
        ``None``: ``ceil(sqrt(0.8 * n_features))``, with which Meinshausen
        & Bühlmann's bound is about 1 expected noise input at threshold 0.9
        (1.6 at 0.75).

    base_selection : {"mean", "support"}, default="mean"
        The inputs a fit selects at an alpha: ``"mean"``, those whose
        ``||theta_j||`` is nonzero and at least the mean over inputs
        (:class:`~sklearn.feature_selection.SelectFromModel`'s
        ``threshold="mean"``); ``"support"``, those in use (``theta_j != 0``,
        the lasso's support, the original method). A network keeps noise
        inputs in use with tiny weights long after an input acting only
        through its hidden layer has left, so ``"support"`` loses such inputs
        (see :doc:`/selection`).

    n_jobs : int, default=None
        Paths fitted in parallel with joblib; ``None`` means 1.

    random_state : int, RandomState instance or None, default=None
        Draws the half-samples and every fit's ``random_state``.

    Attributes
    ----------
    estimator_ : estimator instance
        The unfitted clone of ``estimator`` that every path fits.

    alphas_ : ndarray of shape (n_alphas,)
        The grid, in the order of the paths.

    selection_probabilities_ : ndarray of shape (n_features, n_alphas)
        Fraction of the fits that select each input at each alpha.

    region_ : ndarray of shape (n_alphas,) of bool
        The alphas over which the probabilities are read.

    stability_scores_ : ndarray of shape (n_features,)
        Largest selection probability of each input over the region.

    pfer_bound_ : float
        Meinshausen & Bühlmann's bound on the expected number of noise inputs
        kept (``inf`` for ``threshold <= 0.5``).

    support_ : ndarray of shape (n_features,) of bool
        The inputs kept (``stability_scores_ >= threshold``).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, for pandas input with string
        column names.

    See Also
    --------
    sklearn.feature_selection.SelectFromModel : Select by one fitted model's
        importances (``feature_importances_`` of a LassoNet path).
    skreg.StabilityPathDisplay : Plot the selection probabilities.

    References
    ----------
    N. Meinshausen and P. Bühlmann, "Stability selection", JRSS-B 72(4), 2010.
    R. D. Shah and R. J. Samworth, "Variable selection with error control:
    another look at stability selection", JRSS-B 75(1), 2013.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import LassoNet, StabilitySelection
    >>> X, y = make_regression(200, 20, n_informative=3, shuffle=False,
    ...                        random_state=0)
    >>> selector = StabilitySelection(LassoNet(hidden_layer_sizes=()),
    ...                               n_resampling=10, random_state=0)
    >>> selector.fit(X, y).get_support(indices=True)
    array([0, 1, 2])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "n_resampling": [Interval(Integral, 1, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="right")],
        "n_features_per_fit": [Interval(Integral, 1, None, closed="left"), None],
        "base_selection": [StrOptions({"mean", "support"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        alphas=30,
        eps=1e-3,
        n_resampling=50,
        threshold=0.75,
        n_features_per_fit=None,
        base_selection="mean",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.alphas = alphas
        self.eps = eps
        self.n_resampling = n_resampling
        self.threshold = threshold
        self.n_features_per_fit = n_features_per_fit
        self.base_selection = base_selection
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make_estimator(self):
        est = (
            LassoNet(hidden_layer_sizes=(20,), M=10.0, gamma=0.0)
            if self.estimator is None
            else clone(self.estimator)
        )
        if not isinstance(est, _LassoNetFamily):
            raise TypeError(
                "StabilitySelection needs a skreg LassoNet estimator (LassoNet, "
                f"LassoNetClassifier), got {type(est).__name__}."
            )
        if est.get_params()["l1_ratio"] == 0:
            raise ValueError(
                "StabilitySelection needs an L1 penalty to remove inputs; the "
                "estimator's l1_ratio must be > 0."
            )
        return est

    def _halves(self, X, y, rng):
        """``2 * n_resampling`` row indices: complementary random halves."""
        split = StratifiedKFold if is_classifier(self.estimator_) else KFold
        halves = []
        for _ in range(self.n_resampling):
            seed = rng.randint(np.iinfo(np.int32).max)
            cv = split(2, shuffle=True, random_state=seed)
            halves += [test for _, test in cv.split(X, y)]
        return halves

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the paths on the half-samples and select the stable inputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values (class labels for a classifier).

        Returns
        -------
        self : object
            Fitted selector.
        """
        self.estimator_ = self._make_estimator()
        classifier = is_classifier(self.estimator_)
        X, y = _validate_Xy(self, X, y, classifier=classifier)
        if X.shape[0] < 2:
            raise ValueError(
                f"StabilitySelection needs at least 2 samples to split in halves, "
                f"got n_samples = {X.shape[0]}."
            )
        if isinstance(self.estimator_.get_params().get("groups"), str):
            # groups='auto': the halves are fitted without feature names.
            names = getattr(self, "feature_names_in_", None)
            self.estimator_.set_params(groups=auto_groups(names))
        rng = check_random_state(self.random_state)
        alphas = _grid(self.estimator_, X, y, None, self.alphas, self.eps)
        halves = self._halves(X, y, rng)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(halves))
        selections = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_selections)(
                clone(self.estimator_).set_params(random_state=int(seed)),
                X[rows],
                y[rows],
                alphas,
                self.base_selection,
            )
            for rows, seed in zip(halves, seeds, strict=True)
        )
        self._summarise(np.asarray(selections), alphas)
        return self

    def _summarise(self, selections: np.ndarray, alphas: np.ndarray) -> None:
        """Set the fitted attributes from ``(n_fits, n_alphas, n_features)``."""
        n_features = selections.shape[2]
        q = self.n_features_per_fit
        if q is None:
            q = math.ceil(math.sqrt(0.8 * n_features))
        # The union of a fit's selections at every alpha at least as sparse:
        # the path's order runs from dense to sparse for a network.
        sparse_first = np.argsort(-alphas, kind="stable")
        union = np.logical_or.accumulate(selections[:, sparse_first], axis=1)
        mean_union = np.empty(len(alphas))
        mean_union[sparse_first] = union.sum(axis=2).mean(axis=0)
        self.alphas_ = alphas
        self.selection_probabilities_ = selections.mean(axis=0).T
        self.region_ = mean_union <= q
        if not self.region_.any():
            warnings.warn(
                f"Even at the sparsest alpha ({alphas.max():.3g}) the fits select "
                f"{mean_union.min():.1f} inputs on average, more than "
                f"n_features_per_fit={q}: no input is kept. Raise "
                "n_features_per_fit or extend the grid to larger alphas.",
                UserWarning,
                stacklevel=3,
            )
            self.stability_scores_ = np.zeros(n_features)
            q_region = 0.0
        else:
            probs = self.selection_probabilities_[:, self.region_]
            self.stability_scores_ = probs.max(axis=1)
            q_region = mean_union[self.region_].max()
        self.pfer_bound_ = (
            q_region**2 / ((2 * self.threshold - 1) * n_features)
            if self.threshold > 0.5
            else np.inf
        )
        self.support_ = self.stability_scores_ >= self.threshold

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        return tags
