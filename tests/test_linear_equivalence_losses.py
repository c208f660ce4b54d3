"""With no hidden layer, the Poisson and pinball losses give scikit-learn's GLMs.

As ``tests/test_linear_equivalence.py`` for the squared error and the log-loss:
every case fits with default settings and compares against scikit-learn run to
a tight tolerance, with and without ``sample_weight``, over alphas spanning at
least three decades. The scalings are those of docs/objectives.md:
``RidgeNet(loss='poisson', alpha)`` is ``PoissonRegressor(alpha / n)`` (the
ridge family divides its penalty by ``n``, the sum of the sample weights), and
``LassoNet(loss='quantile', quantile=q, alpha, l1_ratio=1)`` is
``QuantileRegressor(quantile=q, alpha)``, whose linear program skreg solves
with the same HiGHS solver, laid out the same way.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_linnerud, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor, QuantileRegressor
from sklearn.preprocessing import StandardScaler

from skreg import DropoutMLP, LassoNet, RidgeNet
from skreg._path import _alpha_grid

RTOL = 1e-4
TIGHT_GLM = {"solver": "newton-cholesky", "tol": 1e-10, "max_iter": 1000}


def _counts():
    """Poisson counts of a known log-linear model on uncentred, unevenly scaled
    features."""
    rng = np.random.RandomState(0)
    scale, shift = rng.uniform(0.1, 10, 8), rng.uniform(-5, 5, 8)
    X = rng.standard_normal((400, 8)) * scale + shift
    coef = rng.uniform(-0.3, 0.3, 8) / scale
    y = rng.poisson(np.exp((X - shift) @ coef + 1.0))
    return X, y.astype(float)


def _diabetes():
    """Positive real targets (the Poisson deviance takes any y >= 0), raw
    features."""
    return load_diabetes(return_X_y=True)


def _diabetes_scaled():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sparse_truth():
    """Uncentred, unevenly scaled features; 5 of 20 coefficients non-zero;
    Laplace noise."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 20)) * rng.uniform(0.1, 10, 20) + rng.uniform(
        -5, 5, 20
    )
    coef = np.zeros(20)
    coef[[1, 4, 7, 12, 18]] = [3.0, -2.0, 1.5, 0.5, -1.0]
    y = X @ coef + 4.0 + rng.laplace(size=300)
    return X, y


def _make_regression():
    return make_regression(
        n_samples=200,
        n_features=15,
        n_informative=8,
        bias=3.0,
        noise=5.0,
        random_state=0,
    )


POISSON = {"counts": _counts, "diabetes": _diabetes}
QUANTILE = {
    "diabetes": _diabetes_scaled,
    "sparse_truth": _sparse_truth,
    "make_regression": _make_regression,
}


def _weights(n, seed=0):
    return np.random.RandomState(seed).uniform(0.2, 3.0, n)


def _assert_same(ours, ref, X, *, sparse):
    """Coefficients, intercepts and predictions equal to RTOL of their scale;
    for L1 fits also exactly the same zero set."""
    scale = max(np.abs(ref.coef_).max(), 1e-8 / RTOL)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=RTOL * scale)
    intercept_scale = max(abs(ref.intercept_), scale)
    assert abs(ours.intercept_ - ref.intercept_) <= RTOL * intercept_scale
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=RTOL)
    if sparse:
        np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def _fit(model, X, y, sample_weight=None):
    """Fit with defaults; a ConvergenceWarning would mean max_iter was too low."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sample_weight)


# -- Poisson ----------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data", sorted(POISSON))
def test_ridgenet_poisson_is_poisson_regressor(data, weighted, solver):
    X, y = POISSON[data]()
    sw = _weights(len(X)) if weighted else None
    n = len(X) if sw is None else sw.sum()
    for alpha in [1e-2, 1.0, 1e2, 1e4]:
        ours = _fit(RidgeNet((), loss="poisson", alpha=alpha, solver=solver), X, y, sw)
        ref = PoissonRegressor(alpha=alpha / n, **TIGHT_GLM).fit(X, y, sample_weight=sw)
        # 'auto' is Newton with the loss's closed-form derivatives.
        assert ours.solver_ == ("newton" if solver == "auto" else "lbfgs")
        _assert_same(ours, ref, X, sparse=False)
        assert np.all(ours.predict(X) > 0)


def test_ridgenet_poisson_with_several_outputs_is_one_glm_per_output():
    """The outputs decouple under a ridge penalty: each column of a two-column
    count target is PoissonRegressor's fit of that column."""
    X, Y = load_linnerud(return_X_y=True)
    ours = _fit(RidgeNet((), loss="poisson", alpha=10.0), X, Y)
    assert ours.coef_.shape == (3, 3) and ours.predict(X).shape == Y.shape
    for k in range(3):
        ref = PoissonRegressor(alpha=10.0 / len(X), **TIGHT_GLM).fit(X, Y[:, k])
        scale = np.abs(ref.coef_).max()
        np.testing.assert_allclose(ours.coef_[k], ref.coef_, rtol=0, atol=RTOL * scale)
        np.testing.assert_allclose(ours.predict(X)[:, k], ref.predict(X), rtol=RTOL)


@pytest.mark.parametrize("seed", range(5))
def test_dropout_mlp_poisson_without_hidden_layer_is_poisson_regressor(seed):
    """scikit-learn's own test_mlp_vs_poisson_glm_equivalent, which needs a
    hidden unit with the identity activation for MLPRegressor; skreg's network
    is the GLM itself."""
    rng = np.random.default_rng(seed)
    X = np.linspace(0, 1, 100)
    y = rng.poisson(np.exp(X + 1))
    X = X.reshape(100, -1)
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    mlp = DropoutMLP((), loss="poisson", dropout=0.0, alpha=0.0, tol=1e-7).fit(X, y)
    assert mlp.solver_ == "newton"
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)
    # scikit-learn's own network for it: one hidden unit, identity activation,
    # L-BFGS (the test's parameters, skreg's names).
    mlp = DropoutMLP(
        (1,),
        activation="identity",
        loss="poisson",
        dropout=0.0,
        alpha=0.0,
        solver="lbfgs",
        tol=1e-7,
        random_state=np.random.RandomState(seed + 1),
    ).fit(X, y)
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)
    # The squared error fits another model (an identity link).
    squared = DropoutMLP((), dropout=0.0, alpha=0.0).fit(X, y)
    assert not np.allclose(squared.predict(X), glm.predict(X), rtol=1e-4)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_lassonet_poisson_meets_the_kkt_conditions(l1_ratio):
    """scikit-learn has no L1 Poisson GLM: the optimality conditions of
    ``1/n sum_i s_i (mu_i - y_i log mu_i) + alpha (rho ||w||_1 + (1 - rho) / 2
    ||w||^2)`` hold at the solution instead, with exact zeros."""
    X, y = _counts()
    sw = _weights(len(X), seed=1)
    alpha_max = _alpha_grid(LassoNet((), loss="poisson", l1_ratio=l1_ratio), X, y, sw)[
        0
    ]
    model = _fit(
        LassoNet((), loss="poisson", alpha=0.2 * alpha_max, l1_ratio=l1_ratio),
        X,
        y,
        sw,
    )
    l1, l2 = 0.2 * alpha_max * l1_ratio, 0.2 * alpha_max * (1 - l1_ratio)
    w = sw / sw.sum()
    residual = np.exp(X @ model.coef_ + model.intercept_) - y
    grad = (w * residual) @ X + l2 * model.coef_
    zero = model.coef_ == 0
    assert zero.any() and not zero.all()
    assert np.all(np.abs(grad[zero]) <= l1 * (1 + 1e-5))
    np.testing.assert_allclose(
        grad[~zero], -l1 * np.sign(model.coef_[~zero]), rtol=0, atol=1e-5 * l1
    )
    assert abs(w @ residual) <= 1e-6 * y.mean()
    # Above alpha_max every coefficient is zero, the intercept log(mean y).
    empty = _fit(LassoNet((), loss="poisson", alpha=1.01 * alpha_max), X, y, sw)
    assert not empty.coef_.any()
    np.testing.assert_allclose(empty.intercept_, np.log(np.average(y, weights=sw)))


# -- quantile ---------------------------------------------------------------------
@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data", sorted(QUANTILE))
def test_lassonet_quantile_is_quantile_regressor(data, weighted, quantile):
    X, y = QUANTILE[data]()
    sw = _weights(len(X)) if weighted else None
    model = LassoNet((), loss="quantile", quantile=quantile)
    alpha_max = _alpha_grid(model, X, y, sw)[0]
    n_zero = []
    # Four decades below alpha_max, and one point above it.
    for alpha in alpha_max * np.array([1e-4, 1e-3, 1e-2, 1e-1, 0.5, 1.01]):
        ours = _fit(model.set_params(alpha=alpha), X, y, sw)
        ref = QuantileRegressor(quantile=quantile, alpha=alpha)
        ref.fit(X, y, sample_weight=sw)
        assert ours.solver_ == "highs" and ours.n_iter_ == 1
        _assert_same(ours, ref, X, sparse=True)
        np.testing.assert_array_equal(ours.support_, ours.coef_ != 0)
        n_zero.append(int(np.sum(ours.coef_ == 0)))
    assert n_zero[-1] == X.shape[1]  # above alpha_max
    assert n_zero[0] < n_zero[-2]  # the support shrinks along the path


@pytest.mark.parametrize(
    "model",
    [
        RidgeNet((), loss="quantile", quantile=0.8, alpha=0.0),
        DropoutMLP((), loss="quantile", quantile=0.8, dropout=0.0, alpha=0.0),
    ],
    ids=["ridgenet", "dropout_mlp"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_unpenalised_quantile_models_are_quantile_regressor(model, weighted):
    X, y = _sparse_truth()
    sw = _weights(len(X)) if weighted else None
    ours = _fit(model, X, y, sw)
    ref = QuantileRegressor(quantile=0.8, alpha=0.0).fit(X, y, sample_weight=sw)
    assert ours.solver_ == "highs"
    _assert_same(ours, ref, X, sparse=False)
    # The training data's share below the 0.8-quantile's predictions: at most
    # 0.8 strictly below, at least 0.8 below or on the plane (to rounding).
    residual = y - ours.predict(X)
    on_plane = np.abs(residual) <= 1e-9 * np.abs(y).max()
    assert np.average((residual < 0) & ~on_plane, weights=sw) <= 0.8
    assert np.average((residual < 0) | on_plane, weights=sw) >= 0.8


def test_quantile_linear_program_on_sparse_input_equals_dense():
    X, y = _diabetes_scaled()
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    sw = _weights(len(X))
    model = LassoNet((), loss="quantile", quantile=0.3, alpha=0.05)
    dense = _fit(model, X, y, sw)
    coef = dense.coef_.copy()
    sparse = _fit(model, sp.csr_matrix(X), y, sw)
    np.testing.assert_allclose(sparse.coef_, coef, rtol=1e-10, atol=1e-12)
    ref = QuantileRegressor(quantile=0.3, alpha=0.05).fit(
        sp.csc_matrix(X), y, sample_weight=sw
    )
    np.testing.assert_array_equal(coef == 0, ref.coef_ == 0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_quantile_solvers_refuse_what_they_cannot_train():
    X, y = _diabetes_scaled()
    with pytest.raises(ValueError, match="solver='newton' needs a differentiable"):
        LassoNet((), loss="quantile", solver="newton").fit(X, y)
    with pytest.raises(ValueError, match="solver='highs' solves a linear program.*"):
        RidgeNet((), loss="quantile", solver="highs").fit(X, y)  # alpha=1: L2
    with pytest.raises(ValueError, match="needs a piecewise-linear loss"):
        RidgeNet((), alpha=0.0, solver="highs").fit(X, y)
    with pytest.raises(ValueError, match="solver='highs' needs a linear model"):
        LassoNet((4,), loss="quantile", solver="highs").fit(X, y)
    # Without an exact solver (an L2 part), 'auto' trains by mini-batch steps.
    assert RidgeNet((), loss="quantile", max_iter=5).fit(X, y).solver_ == "adam"
