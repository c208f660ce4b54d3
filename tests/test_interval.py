"""IntervalRegressor (skreg/_interval.py): two quantile networks, calibrated."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_friedman1
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from skreg import IntervalRegressor, LassoNet, RidgeNet
from skreg._interval import _row_hashes


@pytest.fixture(scope="module")
def friedman():
    """make_friedman1 with noise=1: 1000 training and 2000 held-out rows."""
    X, y = make_friedman1(3000, noise=1.0, random_state=0)
    X = StandardScaler().fit(X[:1000]).transform(X)
    return X[:1000], y[:1000], X[1000:], y[1000:]


def _coverage(model, X, y):
    bounds = model.predict_interval(X)
    return np.mean((bounds[:, 0] <= y) & (y <= bounds[:, 1]))


def test_calibrated_interval_covers_the_nominal_share(friedman):
    """The acceptance measurement of docs/intervals.md, smaller: a 90 % interval
    from two networks covers 0.85-0.95 of held-out targets once calibrated."""
    X, y, X_held, y_held = friedman
    net = RidgeNet((32,), alpha=3.0, batch_size=64, random_state=0)
    model = IntervalRegressor(net, coverage=0.9, random_state=0).fit(X, y)
    assert model.lower_.quantile == 0.05 and model.upper_.quantile == 0.95
    assert 0.85 <= _coverage(model, X_held, y_held) <= 0.95
    width = np.diff(model.predict_interval(X_held), axis=1).mean()
    assert 3.29 < width < 6  # the noise's own 90 % interval is 2 * 1.645 wide
    np.testing.assert_allclose(
        model.predict(X_held), model.predict_interval(X_held).mean(axis=1)
    )


def test_calibration_repairs_an_overfitting_network(friedman):
    """Conformal calibration covers the nominal share whatever the networks: a
    network with a weak penalty fits its training rows' quantiles too
    closely and misses its nominal 90 % on new rows; calibrated it does not,
    at a greater width."""
    X, y, X_held, y_held = friedman
    net = RidgeNet((64,), alpha=1e-3, batch_size=32, random_state=0)
    raw = IntervalRegressor(net, calibration=None).fit(X, y)
    calibrated = IntervalRegressor(net, random_state=0).fit(X, y)
    assert raw.correction_ == 0
    assert _coverage(raw, X_held, y_held) < 0.8
    assert 0.85 <= _coverage(calibrated, X_held, y_held) <= 0.95
    assert calibrated.correction_ > 0


def test_correction_is_the_conformal_quantile_of_the_scores(friedman):
    X, y, _, _ = friedman
    sw = np.random.RandomState(0).randint(1, 4, len(y)).astype(float)
    model = IntervalRegressor(LassoNet((), alpha=0.0), coverage=0.8, random_state=3)
    model.fit(X, y, sample_weight=sw)
    rng = np.random.RandomState(3)  # as fit draws from it: a seed, then the split
    rng.randint(np.iinfo(np.int32).max)
    held = ~model._split(X, y, rng)
    # Integer weights are repetitions: the ceil(0.8 (n + 1))-th smallest score
    # of the repeated calibration rows.
    lower, upper = model.lower_.predict(X[held]), model.upper_.predict(X[held])
    scores = np.repeat(
        np.maximum(lower - y[held], y[held] - upper), sw[held].astype(int)
    )
    k = int(np.ceil(0.8 * (len(scores) + 1)))
    assert model.correction_ == np.sort(scores)[k - 1]
    assert 0.15 < held.mean() < 0.35  # calibration=0.25 of the rows


def test_rows_go_where_their_copies_go():
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((500, 3)), rng.standard_normal(500)
    hashes = _row_hashes(X, y, np.random.RandomState(0))
    again = _row_hashes(
        np.vstack([X, X[:10]]), np.r_[y, y[:10]], np.random.RandomState(0)
    )
    np.testing.assert_array_equal(again[500:], hashes[:10])
    assert 0.2 < np.mean(hashes < 0.25) < 0.3  # as good as uniform
    other = _row_hashes(X, y, np.random.RandomState(1))  # another seed, another split
    assert not np.array_equal(hashes < 0.25, other < 0.25)


def test_uncalibrated_networks_train_on_every_row(friedman):
    X, y, _, _ = friedman
    net = RidgeNet((8,), batch_size=64, max_iter=20)
    model = IntervalRegressor(net, calibration=None, random_state=0).fit(X, y)
    seed = model.lower_.random_state
    assert isinstance(seed, int) and model.upper_.random_state == seed
    alone = clone(net).set_params(loss="quantile", quantile=0.05, random_state=seed)
    np.testing.assert_allclose(
        model.lower_.predict(X), alone.fit(X, y).predict(X), rtol=1e-10
    )


def test_several_outputs_get_an_interval_each(friedman):
    X, y, X_held, y_held = friedman
    Y = np.column_stack([y, 10 * y])
    model = IntervalRegressor(RidgeNet((), alpha=0.0), random_state=0).fit(X, Y)
    assert model.lower_.solver_ == "highs"  # one linear program per output
    bounds = model.predict_interval(X_held)
    assert bounds.shape == (len(X_held), 2, 2) and model.correction_.shape == (2,)
    assert model.predict(X_held).shape == (len(X_held), 2)
    # The second output is the first scaled by 10: so is its interval.
    np.testing.assert_allclose(bounds[:, 1], 10 * bounds[:, 0], rtol=1e-6)


def test_estimator_without_a_quantile_is_refused(friedman):
    X, y, _, _ = friedman
    with pytest.raises(TypeError, match="'loss' and 'quantile' parameters"):
        IntervalRegressor(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="two distinct samples"):
        IntervalRegressor().fit(np.ones((3, 2)), np.ones(3))
