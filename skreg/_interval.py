"""IntervalRegressor: prediction intervals from two quantile networks, calibrated."""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._ridge import RidgeNet

__all__ = ["IntervalRegressor"]


class IntervalRegressor(RegressorMixin, BaseEstimator):
    """Prediction intervals from two quantile networks, calibrated on held-out data.

    Fits two clones of ``estimator`` with the pinball loss, at the quantiles
    ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` of ``y`` given ``x``.
    A network that fits its training data closely leaves more held-out
    targets outside its quantiles than the nominal share: on
    ``make_friedman1`` (2000 rows, ``noise=1``) two networks with a 90 %
    nominal interval covered 84-93 % of new targets over five splits, and
    0.89-0.92 once calibrated (``docs/intervals.md``). With ``calibration`` the
    networks train on the rest of the data and the interval is then widened (or
    narrowed) by the conformity scores of the calibration rows, as in
    conformalized quantile regression (Romano, Patterson & Candès, 2019):
    ``[lower(x) - c, upper(x) + c]``, with ``c`` the
    ``coverage * (n_cal + 1) / n_cal`` quantile of
    ``max(lower(x_i) - y_i, y_i - upper(x_i))`` over the calibration rows.
    For exchangeable data this covers a new target with probability at least
    ``coverage`` (and at most ``coverage + 1 / (n_cal + 1)``, when the scores
    are distinct), whatever the networks; their quality sets the width.

    Parameters
    ----------
    estimator : skreg regressor, default=None
        An unfitted regressor with ``loss`` and ``quantile`` parameters
        (:class:`RidgeNet`, :class:`LassoNet`, :class:`DropoutMLP` and their
        CV estimators); cloned twice, with ``loss='quantile'`` and the
        quantile of each bound. ``None``: ``RidgeNet()``.

    coverage : float, default=0.9
        The nominal share of targets inside the interval, in (0, 1).

    calibration : float or None, default=0.25
        Share of the training rows held out to calibrate the interval; None:
        no calibration, the two quantile networks train on every row. Rows go
        to it by a hash of their values (seeded by ``random_state``), so that
        a repeated row goes where its copies go: integer sample weights are
        repetitions. Sample weights also weigh the calibration scores.

    random_state : int, RandomState instance or None, default=None
        Seeds the calibration split, and the two networks when ``estimator``
        has ``random_state=None``.

    Attributes
    ----------
    lower_, upper_ : estimator
        The fitted networks of the two quantiles.

    correction_ : float or ndarray of shape (n_outputs,)
        What calibration adds to each side of the interval (0 without
        calibration; negative where the networks' interval was too wide), for
        each output of a 2-D ``y``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, for pandas input with string
        column names.

    See Also
    --------
    sklearn.linear_model.QuantileRegressor : A linear quantile model.
    DropoutMLP.predict : Monte-Carlo dropout's standard deviation
        (``return_std=True``), whose ``±1.645·std`` band is no calibrated
        interval.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skreg import IntervalRegressor, RidgeNet
    >>> X, y = make_friedman1(1000, noise=1.0, random_state=0)
    >>> net = RidgeNet((32,), batch_size=64, random_state=0)
    >>> model = IntervalRegressor(net, coverage=0.9, random_state=0).fit(X, y)
    >>> model.predict_interval(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "calibration": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator=None, *, coverage=0.9, calibration=0.25, random_state=None
    ):
        self.estimator = estimator
        self.coverage = coverage
        self.calibration = calibration
        self.random_state = random_state

    def _quantile_estimators(self, rng: np.random.RandomState) -> tuple:
        """Two unfitted clones of the estimator, one per quantile; an unseeded
        estimator gets a seed drawn from ``rng`` (the same for both).
        """
        base = RidgeNet() if self.estimator is None else self.estimator
        params = base.get_params()
        if "quantile" not in params:
            raise TypeError(
                "IntervalRegressor needs an estimator with 'loss' and 'quantile' "
                f"parameters (a skreg regressor), got {type(base).__name__}."
            )
        seed = int(rng.randint(np.iinfo(np.int32).max))
        tail = round((1 - self.coverage) / 2, 12)  # 0.05, not 0.04999999999999999
        estimators = []
        for q in (tail, 1 - tail):
            estimator = clone(base).set_params(loss="quantile", quantile=q)
            if params.get("random_state", 0) is None:
                estimator.set_params(random_state=seed)
            estimators.append(estimator)
        return tuple(estimators)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the two quantile networks and calibrate their interval.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; each output gets its own interval.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of every fit and of the calibration scores.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        rng = check_random_state(self.random_state)
        lower, upper = self._quantile_estimators(rng)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        fit_rows = np.ones(len(y), dtype=bool)
        if self.calibration is not None:
            fit_rows = self._split(X, y, rng)
        sw = None if sample_weight is None else sample_weight[fit_rows]
        lower.fit(X[fit_rows], y[fit_rows], sample_weight=sw)
        upper.fit(X[fit_rows], y[fit_rows], sample_weight=sw)
        self.lower_, self.upper_ = lower, upper
        self.correction_ = 0.0 if y.ndim == 1 else np.zeros(y.shape[1])
        if self.calibration is not None:
            held = ~fit_rows
            sw = None if sample_weight is None else sample_weight[held]
            self.correction_ = self._correction(X[held], y[held], sw)
        return self

    def _split(self, X, y, rng: np.random.RandomState) -> np.ndarray:
        """The rows the networks train on; the others calibrate. A row's side
        is a seeded hash of its values (:func:`_row_hashes`); each side gets at
        least the rows of one distinct value.
        """
        hashes = _row_hashes(X, y, rng)
        calibrate = hashes < self.calibration
        if not calibrate.any():
            calibrate = hashes == hashes.min()
        if calibrate.all():
            calibrate = hashes != hashes.max()
        if not calibrate.any():
            raise ValueError(
                f"IntervalRegressor needs two distinct samples (got n_samples="
                f"{len(y)}) to hold out a calibration set and fit on the rest; "
                "give it more data or set calibration=None."
            )
        return ~calibrate

    def _correction(self, X, y, sample_weight) -> float | np.ndarray:
        """The weighted ``coverage * (n + 1) / n`` quantile of the calibration
        rows' conformity scores (their largest score when there are too few
        rows for it), ``n`` the sum of their weights; one per output.
        """
        lower, upper = self.lower_.predict(X), self.upper_.predict(X)
        scores = np.maximum(lower - y, y - upper).reshape(len(y), -1)
        w = np.ones(len(y)) if sample_weight is None else sample_weight
        correction = np.empty(scores.shape[1])
        for k, column in enumerate(scores.T):
            order = np.argsort(column, kind="stable")
            cumulated = np.cumsum(w[order])
            rank = np.searchsorted(cumulated, self.coverage * (cumulated[-1] + 1))
            correction[k] = column[order[min(rank, len(order) - 1)]]
        return float(correction[0]) if y.ndim == 1 else correction

    def predict_interval(self, X):
        """The interval's lower and upper bounds.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        bounds : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
            Lower and upper bounds (of each output), sorted: two separately
            trained networks may cross, and the interval is then between them.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        lower, upper = self.lower_.predict(X), self.upper_.predict(X)
        bounds = np.stack([lower - self.correction_, upper + self.correction_], -1)
        return np.sort(bounds.astype(lower.dtype, copy=False), axis=-1)

    def predict(self, X):
        """The middle of the interval.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The midpoint of :meth:`predict_interval`'s bounds.
        """
        return self.predict_interval(X).mean(axis=-1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base = get_tags(RidgeNet() if self.estimator is None else self.estimator)
        tags.input_tags.sparse = base.input_tags.sparse
        tags.target_tags.multi_output = base.target_tags.multi_output
        return tags


def _row_hashes(X, y, rng: np.random.RandomState) -> np.ndarray:
    """A number in [0, 1) per row of ``(X, y)``, the same for equal rows and as
    good as uniform otherwise: the bits of the float64 values times random odd
    multipliers, summed modulo 2**64 (zeros add nothing, so a sparse row hashes
    as its dense copy), then mixed by splitmix64's finaliser.
    """
    Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    d = X.shape[1]
    m = rng.randint(0, 2**63, size=d + Y.shape[1], dtype=np.uint64) * 2 + 1
    with np.errstate(over="ignore"):
        if sp.issparse(X):
            bits = X.data.astype(np.float64).view(np.uint64) * m[X.indices]
            cumulated = np.concatenate([[np.uint64(0)], np.cumsum(bits)])
            h = cumulated[X.indptr[1:]] - cumulated[X.indptr[:-1]]
        else:
            h = (np.asarray(X, dtype=np.float64).view(np.uint64) * m[:d]).sum(axis=1)
        h = h + (Y.view(np.uint64) * m[d:]).sum(axis=1)
        for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            h = (h ^ (h >> np.uint64(shift))) * np.uint64(factor)
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(11)).astype(np.float64) / 2.0**53
