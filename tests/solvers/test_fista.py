"""Full-batch accelerated proximal gradient (skreg/_solvers/fista.py): the
inputs in use, the momentum point's affine parts, convergence."""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import Lasso
from sklearn.preprocessing import scale

from skreg import LassoNet, LassoNetClassifier, penalties
from skreg._modules import Net
from skreg._solvers.fista import FISTA

# Short fits on purpose: the tests check structure (exact zeros), not convergence.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize(
    "alpha, sparse",
    [(8.0, True), (0.01, False)],  # 4 of 40 inputs in use; all 40
)
def test_fista_steps_read_only_the_inputs_in_use(monkeypatch, alpha, sparse):
    """Between full steps FISTA evaluates a LassoNet network on the inputs in
    use only, when at most half are: an input out of use stays exactly zero,
    and only a full step (every tenth, the last one allowed, one that would
    converge) may bring it back, so the fit may part from the one that reads
    every input at every step, but not by much; with most inputs in use every
    step is full and the fits are the same."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 40))
    y = scale(X[:, 0] + np.sin(2 * X[:, 1]) + 0.1 * rng.normal(size=300))
    # No stall rule and no tolerance: every fit runs its 35 iterations.
    params = dict(
        hidden_layer_sizes=(8,),
        M=10.0,
        gamma=0.0,
        solver="fista",
        tol=0.0,
        random_state=0,
    )
    model = LassoNet(alpha=alpha, max_iter=35, n_iter_no_change=100, **params)
    step, full_steps = FISTA._step, []

    def checked_step(solver, **kwargs):
        loss = step(solver, **kwargs)
        full_steps.append(solver.full)
        # Both FISTA points are zero on every input left out of the evaluations.
        if solver.objective.columns is not None:
            out = torch.ones(X.shape[1], dtype=torch.bool)
            out[solver.objective.columns] = False
            for point, (where, shape) in itertools.product(
                (solver.x, solver.y), solver.tied
            ):
                assert torch.all(point[where].view(shape)[:, out] == 0)
        return loss

    prox, restricted_prox = penalties.HierarchicalElasticNet.prox, []

    def recorded_prox(penalty, tensors, step, columns=None):
        restricted_prox.append(columns is not None)
        return prox(penalty, tensors, step, columns=columns)

    monkeypatch.setattr(FISTA, "_step", checked_step)
    monkeypatch.setattr(penalties.HierarchicalElasticNet, "prox", recorded_prox)
    screened = model.fit(X, y)
    monkeypatch.setattr(penalties.HierarchicalElasticNet, "prox", prox)
    assert screened.n_iter_ == len(full_steps) == 35
    if sparse:
        assert 0 < screened.support_.sum() <= 4
        assert full_steps[0] and full_steps[-1] and not all(full_steps)
        # The proximal steps of the restricted steps skip the inputs out of use.
        assert any(restricted_prox) and not all(restricted_prox)
    else:
        assert screened.support_.all() and all(full_steps)
        assert not any(restricted_prox)
    predictions = screened.predict(X)

    monkeypatch.setattr(FISTA, "_tied_inputs", lambda self: None)
    full = LassoNet(**model.get_params()).fit(X, y)
    np.testing.assert_array_equal(full.support_, screened.support_)
    if sparse:  # 0.9 % above here, where the paths part at an input's return
        assert screened.loss_curve_[-1] <= 1.02 * full.loss_curve_[-1]
    else:
        np.testing.assert_allclose(full.predict(X), predictions, rtol=1e-10)
    # Evaluated on the inputs in use, the network gives the same outputs.
    X_t, used = torch.as_tensor(X), torch.as_tensor(np.flatnonzero(full.support_))
    with torch.no_grad():
        np.testing.assert_allclose(
            full.module_(X_t[:, used], used), full.module_(X_t), rtol=1e-12
        )


@pytest.mark.parametrize("estimator", [LassoNet, LassoNetClassifier])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fista_gradient_from_affine_parts_gives_the_same_fit(
    monkeypatch, estimator, activation
):
    """FISTA takes the first layer's (and the skip's) outputs at its momentum
    point from those at its last two iterates instead of a product with X:
    the same fit to rounding. float32 keeps the direct products."""
    X, y = load_breast_cancer(return_X_y=True)
    X = scale(X)
    if estimator is LassoNet:
        y = scale(X[:, 0] * X[:, 1] + X[:, 2])
    alpha = 2.0 if estimator is LassoNet else 0.4  # some inputs leave
    params = dict(
        hidden_layer_sizes=(16,), activation=activation, alpha=alpha, solver="fista"
    )
    params.update(max_iter=60, tol=0.0, n_iter_no_change=100, random_state=0)
    given = []
    backward = Net.backward_

    def recorded(net, x, loss_gradient, columns=None, affine=None):
        given.append(affine is not None)
        return backward(net, x, loss_gradient, columns, affine)

    monkeypatch.setattr(Net, "backward_", recorded)
    combined = estimator(**params).fit(X, y)
    assert sum(given) > 40  # every step but the first two, and restarts
    given.clear()
    monkeypatch.setattr(FISTA, "AFFINE_SIZE", -1)
    direct = estimator(**params).fit(X, y)
    assert not any(given)
    np.testing.assert_array_equal(combined.support_, direct.support_)
    assert 0 < combined.support_.sum() < X.shape[1]
    np.testing.assert_allclose(combined.coef_, direct.coef_, rtol=1e-7, atol=1e-10)
    monkeypatch.undo()
    monkeypatch.setattr(Net, "backward_", recorded)
    estimator(**params).fit(X.astype(np.float32), y)
    assert given and not any(given)


def test_inputs_in_use_cover_both_fista_points():
    """An input that left ``x`` this step may still be non-zero in the
    extrapolated point ``y`` (momentum): it stays in the evaluations."""
    # theta (1 x 4) then W (2 x 4); x is all zero, y uses input 2 through W only.
    x, y = torch.zeros(12), torch.zeros(12)
    y[4 + 2] = 0.5
    solver = SimpleNamespace(
        x=x, y=y, tied=[(slice(0, 4), (1, 4)), (slice(4, 12), (2, 4))]
    )
    used = FISTA._inputs_in_use(solver)
    assert used.tolist() == [2]


def test_fista_lasso_meets_the_optimality_conditions():
    """On a linear lasso FISTA (in its rescaled coordinates, with backtracking
    and restarts) ends at scikit-learn's solution, zeros included."""
    X, y = load_diabetes(return_X_y=True)
    X = scale(X)
    y = (y - y.mean()) / y.std()
    model = LassoNet(hidden_layer_sizes=(), alpha=0.05, solver="fista", tol=1e-6)
    model.set_params(max_iter=5000).fit(X, y)
    reference = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(X, y)
    assert model.solver_ == "fista"
    np.testing.assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
