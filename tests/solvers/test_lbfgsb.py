"""scipy's L-BFGS-B for linear models (skreg/_solvers/lbfgsb.py): the split of an
elementwise L1 term into bounded halves, and its restart."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from sklearn.preprocessing import scale

import skreg._solvers.lbfgsb as lbfgsb
from skreg import LassoNet
from skreg._loss import SquaredError
from skreg._modules import Net
from skreg._objective import Flat, Objective
from skreg.penalties import ElasticNet


def test_lbfgsb_restarts_after_its_ftol_test_and_reaches_the_lasso(monkeypatch):
    """At a small alpha both halves of a coefficient grow together along a flat
    direction until scipy's ftol test stops short of the gradient test; the
    restart from the split without their common part reaches scikit-learn's
    Lasso, zeros included."""
    runs, minimize = [], lbfgsb.minimize

    def recorded(*args, **kwargs):
        result = minimize(*args, **kwargs)
        runs.append(result.status)
        return result

    monkeypatch.setattr(lbfgsb, "minimize", recorded)
    X, y = load_diabetes(return_X_y=True)
    X = scale(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LassoNet(hidden_layer_sizes=(), alpha=1e-4, solver="lbfgs").fit(X, y)
    assert ours.solver_ == "lbfgs" and len(runs) >= 2
    ref = Lasso(alpha=1e-4, tol=1e-12, max_iter=1_000_000).fit(X, y)
    scale_ = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-4 * scale_)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def test_split_into_bounded_halves_and_projected_gradient():
    """``u`` splits into ``[u with u_plus, u_minus]``, both non-negative with at
    most one non-zero; the projected gradient ignores a positive gradient at
    an active bound."""
    net = Net(3, 1, ()).double()
    X, Y = torch.zeros(4, 3, dtype=torch.float64), torch.zeros(4, 1).double()
    objective = Objective(net, X, Y, None, SquaredError())
    objective.terms = [(ElasticNet(0.5, 0.0), [net.theta])]
    flat = Flat(list(net.parameters()))
    solver = lbfgsb.LBFGSB(objective, flat)
    ((index, strengths),) = solver.split
    assert index == flat.index(net.theta)
    np.testing.assert_array_equal(strengths, [0.5, 0.5, 0.5])
    u = np.array([1.5, -2.0, 0.0, 0.25])  # three weights, then the intercept
    z = solver._canonical(u)
    np.testing.assert_array_equal(z, [1.5, 0.0, 0.0, 0.25, 0.0, 2.0, 0.0])
    gradient = np.array([0.1, 3.0, -0.2, 0.5, 4.0, -0.3, 0.7])
    # Bounded and at zero: only a negative gradient counts there.
    assert solver._projected(z, gradient) == pytest.approx(0.5)
    flat.release()
