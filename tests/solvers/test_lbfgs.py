"""skreg's own L-BFGS for networks (skreg/_solvers/lbfgs.py): the line search,
the two-loop recursion, the curvature memory a path or warm start inherits."""

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import RidgeNet, regularization_path
from skreg._solvers.lbfgs import LBFGS, two_loop, wolfe_search


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 6, n_informative=4, noise=1.0, random_state=1)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def test_wolfe_search_meets_the_strong_wolfe_conditions():
    # phi(t) = (t - c)^2 along a descent direction from t = 0: the search
    # lengthens a short first trial (c = 7), shortens a long one (c = 0.1), and
    # backs off where the objective is not finite (NaN beyond t = 0.3).
    for c, nan_beyond in [(7.0, None), (0.1, None), (7.0, 0.3)]:

        def phi(t, c=c, nan_beyond=nan_beyond):
            if nan_beyond is not None and t > nan_beyond:
                return math.nan, math.nan, None
            return (t - c) ** 2, 2 * (t - c), torch.tensor(2 * (t - c))

        f0, slope = c**2, -2 * c
        t, f, _ = wolfe_search(phi, f0, slope)
        assert t > 0 and f == (t - c) ** 2
        assert f <= f0 + 1e-4 * t * slope
        if nan_beyond is None:
            assert abs(2 * (t - c)) <= 0.9 * abs(slope)
        else:
            assert t <= nan_beyond


def test_two_loop_recursion_applies_the_inverse_bfgs_update():
    """With as many A-conjugate pairs as dimensions from a quadratic, the
    two-loop recursion returns ``-A^{-1} g`` (BFGS's hereditary property);
    torch tensors (CUDA's branch) and numpy arrays (the CPU's) give the same
    direction."""
    rng = np.random.default_rng(0)
    B = rng.normal(size=(6, 6))
    A = B @ B.T + 6 * np.eye(6)
    S = list(np.linalg.eigh(A)[1].T)  # eigenvectors: conjugate directions
    Y = [A @ s for s in S]
    g = rng.normal(size=6)
    rho = [1 / (s @ y) for s, y in zip(S, Y, strict=True)]
    reference = two_loop(g, S, Y, rho)
    np.testing.assert_allclose(reference, -np.linalg.solve(A, g), rtol=1e-8)
    tensors = [torch.as_tensor(v) for v in [g, *S, *Y]]
    direction = two_loop(tensors[0], tensors[1:7], tensors[7:], rho)
    np.testing.assert_allclose(direction.numpy(), reference, rtol=1e-12)
    on_cpu = LBFGS._direction(tensors[0], S, Y, rho)  # the CPU's numpy pairs
    np.testing.assert_allclose(on_cpu.numpy(), reference, rtol=1e-12)
    np.testing.assert_array_equal(tensors[0].numpy(), g)  # g is left as it was


def test_network_lbfgs_reaches_its_tolerance(regression):
    # skreg's L-BFGS (networks) stops on the largest gradient entry relative to
    # the start: at tol=1e-7 the documented objective's gradient is that small
    # (tanh: ReLU's kinks leave no gradient to vanish at some minima; the loss
    # stall rule of networks, as in scikit-learn's MLP, is switched off).
    X, y = regression
    est = RidgeNet(
        hidden_layer_sizes=(4,),
        activation="tanh",
        alpha=1.0,
        tol=1e-7,
        n_iter_no_change=5000,
        max_iter=5000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.solver_ == "lbfgs" and 10 < est.n_iter_ < 5000
    module = est.module_
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    initial = clone(est).set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        initial.fit(X, y)

    def gradient(m):
        ps = list(m.parameters())
        data = 0.5 * ((m(Xt).squeeze(1) - yt) ** 2).mean()
        penalty = sum((w**2).sum() for w in m.weights()) / (2 * len(y))
        grads = torch.autograd.grad(data + est.alpha * penalty, ps)
        return max(float(g.abs().max()) for g in grads)

    # (the reference is after one iteration: within 1e-5 of it.)
    assert gradient(module) <= 1e-5 * gradient(initial.module_)


def test_float32_network_on_huge_inputs_trains(regression):
    # float32 sums of squares of the gradient overflow at these scales; the
    # L-BFGS algebra runs in float64, so the fit trains instead of stopping at
    # once as "converged".
    X, y = regression
    est = RidgeNet(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit((X * 1e16).astype(np.float32), y)
    assert est.n_iter_ > 5
    # 0.0003-0.03 of the first loss over random_state 0-7 (20 iterations)
    assert est.loss_curve_[-1] < 0.1 * est.loss_curve_[0]


def test_warm_lbfgs_drops_pairs_without_positive_curvature(regression, monkeypatch):
    # A warm start at a much smaller alpha removes most of the penalty's
    # curvature from the inherited pairs: those left with s'y <= 0 would make
    # the inverse Hessian indefinite, so they are dropped.
    X, y = regression
    seen = []
    direction = LBFGS._direction

    def spy(g, S, Y, rho):
        seen.extend(float(s @ y_) for s, y_ in zip(S, Y, strict=True))
        return direction(g, S, Y, rho)

    est = RidgeNet(hidden_layer_sizes=(16,), alpha=1000.0, max_iter=50)
    est.set_params(random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        monkeypatch.setattr(LBFGS, "_direction", staticmethod(spy))
        est.set_params(alpha=0.0, max_iter=5).fit(X, y)
    assert seen and min(seen) > 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_path_lbfgs_starts_where_the_previous_fit_ended(regression, monkeypatch):
    """Each later fit of a path starts from the data loss and gradient cached
    where the previous fit ended, with no evaluation of its own, and adds the
    new alpha's penalty: the start is the objective evaluated afresh."""
    X, y = regression
    starts, start = [], LBFGS._start

    def checked_start(solver):
        calls, evaluate = [], solver._evaluate
        solver._evaluate = lambda x: calls.append(1) or evaluate(x)
        value, grad = start(solver)
        fresh_value, fresh_grad = evaluate(solver.flat.vector.double())
        starts.append(len(calls))
        assert value == pytest.approx(fresh_value, rel=1e-12)
        torch.testing.assert_close(grad, fresh_grad, rtol=1e-10, atol=1e-12)
        return value, grad

    monkeypatch.setattr(LBFGS, "_start", checked_start)
    est = RidgeNet(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    path = regularization_path(est, X, y, alphas=[0.01, 0.1, 1.0], path_max_iter=5)
    assert path.estimator.solver_ == "lbfgs"
    assert starts == [1, 0, 0]
