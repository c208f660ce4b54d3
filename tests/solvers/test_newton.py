"""Newton's method for linear models (skreg/_solvers/newton.py)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, RidgeNet, RidgeNetClassifier
from skreg._loss import LogisticLoss, Loss, MultinomialLoss, SquaredError
from skreg._solvers.newton import gram_blocks, gram_vector


@pytest.mark.parametrize("K", [1, 3])
def test_newton_hessian_blocks_chunked_and_sparse(K):
    """Newton's data Hessian ``sum_i H_i (x) x1_i x1_i^T`` and linear term
    ``sum_i g_i (x) x1_i`` in centred inputs ``x1_i = (x_i - mean, 1)``, formed
    a chunk of rows at a time (no float64 copy of the whole X) or by scipy for
    sparse X, equal the direct formulas."""
    rng = np.random.RandomState(K)
    X = (rng.standard_normal((50, 4)) + [0, 3, -50, 0]).astype(np.float32)
    mean = X.astype(np.float64).mean(axis=0) + rng.standard_normal(4)
    A = rng.standard_normal((50, K, K))
    H_out = torch.tensor(A @ A.transpose(0, 2, 1))  # a PSD block per sample
    X1 = np.hstack([X.astype(np.float64) - mean, np.ones((50, 1))])
    expected = np.einsum("ikl,ij,im->kjlm", H_out.numpy(), X1, X1).reshape(5 * K, -1)
    chunked = gram_blocks(torch.from_numpy(X), H_out, mean, chunk=7)
    from_sparse = gram_blocks(sp.csr_matrix(X), H_out, mean)
    np.testing.assert_allclose(chunked, expected, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(from_sparse, expected, rtol=1e-12, atol=1e-10)
    # The linear term (the gradient in the parameters), in the same layout.
    g = torch.tensor(rng.standard_normal((50, K)))
    expected = np.einsum("ik,ij->kj", g.numpy(), X1).reshape(-1)
    for X_ in (torch.from_numpy(X), sp.csr_matrix(X)):
        kwargs = {} if sp.issparse(X_) else {"chunk": 7}
        got = gram_vector(X_, g, mean, **kwargs)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("estimator", [RidgeNet, RidgeNetClassifier, LassoNet])
def test_newton_without_closed_forms_uses_autograd(estimator, monkeypatch):
    """A loss without closed-form derivatives gets them from autograd: the
    same Newton fit, to rounding."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if estimator is not RidgeNetClassifier:
        y = X[:, 0] * 2 + y
    closed = _fit(estimator(hidden_layer_sizes=(), alpha=0.05), X, y)
    for loss in (SquaredError, LogisticLoss, MultinomialLoss):
        monkeypatch.setattr(loss, "derivatives", Loss.derivatives)
    auto = _fit(estimator(hidden_layer_sizes=(), alpha=0.05), X, y)
    assert closed.solver_ == auto.solver_ == "newton"
    assert closed.n_iter_ == auto.n_iter_
    np.testing.assert_allclose(auto.coef_, closed.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(auto.intercept_, closed.intercept_, rtol=1e-9)


def _fit(model, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("estimator", [RidgeNet, LassoNet])
def test_newton_solves_a_squared_loss_in_one_step_at_its_kkt_point(estimator):
    """A squared loss is its own quadratic model: one (proximal) Newton step
    reaches the optimality conditions, zeros exact, from any start."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = _fit(estimator(hidden_layer_sizes=(), alpha=0.3), X, y)
    assert model.solver_ == "newton" and model.n_iter_ == 1
    n = len(y)
    gradient = -X.T @ (y - X @ model.coef_ - model.intercept_) / n
    if estimator is RidgeNet:  # + alpha / n * coef
        np.testing.assert_allclose(gradient + 0.3 / n * model.coef_, 0, atol=1e-9)
    else:  # |g_j| <= alpha at zeros, g_j = -alpha sign(coef_j) elsewhere
        zero = model.coef_ == 0
        assert zero.any() and not zero.all()
        assert np.all(np.abs(gradient[zero]) <= 0.3 + 1e-9)
        np.testing.assert_allclose(
            gradient[~zero], -0.3 * np.sign(model.coef_[~zero]), atol=1e-9
        )
    assert abs(np.mean(y - X @ model.coef_ - model.intercept_)) < 1e-9
