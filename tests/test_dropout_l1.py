"""DropoutMLP's ``l1_ratio``: an elastic net on every weight matrix, with exact
zeros from proximal steps and ``sparsity_``.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, LogisticRegression
from sklearn.preprocessing import scale

from skreg import DropoutMLP, DropoutMLPClassifier
from skreg.penalties import ElementwiseElasticNet


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return scale(X), (y - y.mean()) / y.std()


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "fista"])
def test_linear_l1_ratio_is_elastic_net(diabetes, solver):
    """No hidden layer, no dropout: ``ElasticNet(alpha / n, l1_ratio)``."""
    X, y = diabetes
    n = len(y)
    model = DropoutMLP(
        hidden_layer_sizes=(), dropout=0.0, alpha=20.0, l1_ratio=0.7, solver=solver
    ).fit(X, y)
    ref = ElasticNet(alpha=20.0 / n, l1_ratio=0.7, tol=1e-12, max_iter=100_000)
    ref.fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(model.sparsity_, [np.mean(ref.coef_ == 0)])
    assert 0 < model.sparsity_[0] < 1


def test_linear_l1_ratio_classifier_is_logistic_regression():
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)
    alpha = 5.0
    clf = DropoutMLPClassifier(
        hidden_layer_sizes=(), dropout=0.0, alpha=alpha, l1_ratio=0.5
    ).fit(X, y)
    ref = LogisticRegression(
        C=1 / alpha, l1_ratio=0.5, solver="saga", tol=1e-10, max_iter=50_000
    ).fit(X, y)
    np.testing.assert_allclose(clf.coef_.ravel(), ref.coef_.ravel(), atol=2e-4)
    assert (clf.coef_ == 0).sum() == (ref.coef_ == 0).sum() > 0


def test_l1_ratio_zero_is_todays_l2_penalty(diabetes):
    X, y = diabetes
    params = dict(hidden_layer_sizes=(16,), dropout=0.0, alpha=3.0, random_state=0)
    a = DropoutMLP(**params).fit(X, y)
    b = DropoutMLP(l1_ratio=0.0, **params).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert (a.sparsity_ == 0).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dropout, solver", [(0.0, "fista"), (0.2, "adam")])
def test_network_l1_prunes_weights_to_exact_zeros(diabetes, dropout, solver):
    """Every layer loses weights to exact zeros; more L1, more zeros."""
    X, y = diabetes
    sparsity = []
    for alpha in (1.0, 10.0):
        model = DropoutMLP(
            hidden_layer_sizes=(32,),
            dropout=dropout,
            alpha=alpha,
            l1_ratio=1.0,
            solver=solver,
            random_state=0,
            max_iter=100,
        ).fit(X, y)
        zeros = [float((w == 0).double().mean()) for w in model.module_.weights()]
        np.testing.assert_allclose(model.sparsity_, zeros)
        sparsity.append(model.sparsity_)
        assert model.score(X, y) > 0.3
    assert (sparsity[0] > 0).all() and (sparsity[1] > sparsity[0]).all()


def test_elementwise_prox_is_soft_thresholding():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 4, generator=gen), torch.randn(2, 3, generator=gen)
    penalty = ElementwiseElasticNet(0.5, 0.0)
    new = [a.clone(), b.clone()]
    penalty.prox(new, [0.4, torch.full((2, 3), 2.0)])
    for old, out, t in ((a, new[0], 0.2), (b, new[1], 1.0)):
        expected = torch.sign(old) * torch.clamp(old.abs() - t, min=0)
        torch.testing.assert_close(out, expected)
    value = penalty.value([a, b])
    torch.testing.assert_close(value, 0.5 * (a.abs().sum() + b.abs().sum()))


def test_l1_ratio_is_validated(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="l1_ratio"):
        DropoutMLP(l1_ratio=1.5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DropoutMLP(hidden_layer_sizes=(4,), l1_ratio=0.5, max_iter=2)
        model.fit(X[:50], y[:50])
    assert model.sparsity_.shape == (2,)
