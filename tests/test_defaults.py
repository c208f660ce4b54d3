"""The defaults chosen on benchmarks/realdata.py (issue 23): alpha='auto', the
LassoNet family's M=1 and gamma='auto'. Each test fails with the old defaults.
"""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_classification, make_friedman1
from sklearn.linear_model import ElasticNet
from sklearn.metrics import log_loss, r2_score
from sklearn.preprocessing import StandardScaler

from skreg import (
    DropoutMLP,
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
)
from skreg._strength import noise_alpha_max


@pytest.fixture(scope="module")
def noise_data():
    """Targets unrelated to the inputs: 120 rows to train on, 200 to test."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((320, 10))
    y = rng.standard_normal(320)
    return X[:120], y[:120], X[120:], y[120:]


@pytest.fixture(scope="module")
def diabetes_perm():
    """load_diabetes (standardised) and 20 permuted copies of its columns,
    irrelevant to the target by construction."""
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.RandomState(0)
    extra = np.column_stack(
        [rng.permutation(X[:, j]) for j in rng.choice(X.shape[1], 20)]
    )
    X = StandardScaler().fit_transform(np.hstack([X, extra]))
    return X, (y - y.mean()) / y.std()


@pytest.mark.parametrize("Est", [RidgeNet, DropoutMLP])
def test_auto_alpha_does_not_fit_noise(noise_data, Est):
    """On targets unrelated to the inputs the network stays near the constant
    model; at the old defaults (RidgeNet alpha=1, DropoutMLP alpha=0) it fits
    the noise (held-out R² -1.06 and -0.15)."""
    X, y, X_test, y_test = noise_data
    model = Est(hidden_layer_sizes=(50,), random_state=0).fit(X, y)
    assert r2_score(y_test, model.predict(X_test)) > -0.1


def test_auto_alpha_is_noise_squared_over_alpha_max(noise_data):
    X, y, _, _ = noise_data
    model = RidgeNet(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with pytest.warns(Warning):  # five iterations do not converge
        model.fit(X, y)
    signal, noise = noise_alpha_max(model, X, y, None, kind="network")
    assert model.alpha_ == pytest.approx(noise**2 / signal, rel=1e-12)
    # On pure noise the data's alpha_max is about the noise level.
    assert 0.5 < noise / signal < 2


def test_auto_alpha_is_a_fixed_penalty_per_sample(diabetes_perm):
    """alpha='auto' scales with n: every row repeated twice gives the same
    network (the old alpha=1.0 halved the penalty per sample)."""
    X, y = diabetes_perm
    X, y = X[:150], y[:150]
    once = RidgeNet(hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    twice = RidgeNet(hidden_layer_sizes=(8,), random_state=0).fit(
        np.vstack([X, X]), np.concatenate([y, y])
    )
    assert twice.alpha_ == pytest.approx(2 * once.alpha_, rel=1e-10)
    np.testing.assert_allclose(twice.predict(X), once.predict(X), atol=1e-6)


def test_auto_alpha_of_a_linear_ridge_is_ridges_default():
    X, y = load_diabetes(return_X_y=True)
    assert RidgeNet(hidden_layer_sizes=()).fit(X, y).alpha_ == 1.0


def weak_signal(random_state):
    """A weak two-class problem of 150 rows (about birthwt's size and signal)."""
    X, y = make_classification(
        450,
        8,
        n_informative=2,
        flip_y=0.45,
        class_sep=0.5,
        random_state=random_state,
    )
    return X[:150], y[:150], X[150:], y[150:]


@pytest.mark.parametrize("Est", [RidgeNetClassifier, LassoNetClassifier])
def test_classifiers_are_not_overconfident_on_weak_signal(Est):
    """Held-out log-loss at most 1.1 times the constant model's, where the old
    defaults gave 1.34 and 7.1 times (RidgeNetClassifier alpha=1;
    LassoNetClassifier alpha=0.01, M=10, no penalty on its hidden weights)."""
    X, y, X_test, y_test = weak_signal(0)
    model = Est(hidden_layer_sizes=(50,), random_state=0).fit(X, y)
    constant = log_loss(y_test, np.full(len(y_test), y.mean()))
    assert log_loss(y_test, model.predict_proba(X_test)[:, 1]) < 1.1 * constant


def test_lassonet_drops_irrelevant_inputs(diabetes_perm):
    """LassoNet() keeps fewer inputs than it is given, and drops most of the
    permuted ones; the old defaults (alpha=0.01, M=10) kept all 30."""
    X, y = diabetes_perm
    model = LassoNet(hidden_layer_sizes=(20,), random_state=0).fit(X, y)
    assert model.support_.sum() < X.shape[1]
    assert model.support_[10:].sum() <= 10
    assert model.support_[:10].sum() >= 3


def test_gamma_penalises_the_hidden_weights_only():
    """gamma adds gamma / (2 n) * sum ||W_l||^2 over the MLP's weights after
    the first layer (bounded by the hierarchy): the linear model is ElasticNet
    whatever gamma, and a network's objective grows by exactly that term."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    linear = LassoNet(hidden_layer_sizes=(), alpha=0.05, gamma=100.0, tol=1e-10)
    linear.fit(X, y)
    ref = ElasticNet(alpha=0.05, l1_ratio=1.0, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(linear.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert linear.gamma_ == 0.0
    n, gamma, alpha = len(y), 3.0, 0.05
    net = LassoNet(hidden_layer_sizes=(4,), alpha=alpha, gamma=gamma, max_iter=3)
    with pytest.warns(Warning):  # three iterations do not converge
        net.fit(X, y)
    data = 0.5 * np.mean((y - net.predict(X)) ** 2)
    lasso = alpha * np.abs(net.coef_).sum()
    hidden = sum(float((lin.weight**2).sum()) for lin in net.module_.linears[1:])
    expected = data + lasso + gamma / (2 * n) * hidden
    assert net.loss_curve_[-1] == pytest.approx(expected, rel=1e-10)


def test_auto_alpha_needs_an_l1_part():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="alpha='auto' is not supported for l1"):
        LassoNet(l1_ratio=0.0).fit(X, y)


def test_gamma_keeps_an_input_that_acts_only_nonlinearly():
    """make_friedman1's x2 acts only through 20 (x2 - 0.5)^2: with gamma on the
    first layer too it fell out of the top 5 importances (41st-47th)."""
    X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    model = LassoNet(hidden_layer_sizes=(20,), n_features_to_select=5, random_state=0)
    model.fit(X, y)
    assert model.gamma_ > 0
    assert set(np.argsort(-model.feature_importances_)[:5]) == set(range(5))


@pytest.mark.parametrize("Est", [RidgeNet, DropoutMLP, LassoNet])
def test_partial_fit_keeps_the_auto_alpha_of_its_first_call(Est, diabetes_perm):
    """alpha='auto' is computed on the call that builds the network and kept
    by later calls of partial_fit (one objective for the stream); a chunk
    of other rows would give another value."""
    X, y = diabetes_perm
    model = Est(hidden_layer_sizes=(8,), random_state=0)
    model.partial_fit(X[:200], y[:200])
    first = (model.alpha_, getattr(model, "gamma_", None))
    model.partial_fit(X[200:], y[200:])
    assert (model.alpha_, getattr(model, "gamma_", None)) == first
    other = Est(hidden_layer_sizes=(8,), random_state=0).partial_fit(X[200:], y[200:])
    assert other.alpha_ != first[0]
