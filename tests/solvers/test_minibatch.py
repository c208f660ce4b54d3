"""The mini-batch loop (skreg/_solvers/minibatch.py): epochs of shuffled batches,
each update followed by the penalties' proximal steps."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from skreg import LassoNet
from skreg._loss import SquaredError
from skreg._modules import Net
from skreg._objective import Flat, Objective
from skreg._solvers._optim import SGD, Adam
from skreg._solvers.minibatch import MiniBatch, MiniBatchSGD
from skreg.penalties import L2


def test_adam_prox_reaches_lasso_zeros():
    # Sparse truth: 3 informative inputs of 12. Adam moves every coordinate by
    # about lr per step, so a prox thresholding by lr * alpha never zeroes the
    # noise inputs; in Adam's metric its fixed points are Lasso's.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 12))
    y = X[:, :3] @ np.array([1.5, -2.0, 1.0]) + 0.1 * rng.standard_normal(400)
    alpha = 0.1
    lasso = Lasso(alpha=alpha).fit(X, y)
    est = LassoNet(
        hidden_layer_sizes=(),
        alpha=alpha,
        solver="adam",
        batch_size=200,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(est.coef_ != 0, lasso.coef_ != 0)
    np.testing.assert_allclose(est.coef_, lasso.coef_, atol=0.1)


def _objective(n=10, batch_seed=0):
    rng = np.random.RandomState(batch_seed)
    X = torch.tensor(rng.standard_normal((n, 3)))
    Y = torch.tensor(rng.standard_normal((n, 1)))
    net = Net(3, 1, ()).double()
    net.reset_parameters(torch.Generator().manual_seed(0))
    return Objective(net, X, Y, None, SquaredError(), terms=[(L2(0.5), [net.theta])])


@pytest.mark.parametrize("batch_size", [3, 10])
def test_an_epoch_visits_every_row_once_and_reports_its_mean_loss(
    batch_size, monkeypatch
):
    """Batches partition a shuffled order of the rows (the canonical order when
    one batch holds them all); the epoch's value is the row-weighted mean of
    the batch losses plus the penalty after the epoch."""
    objective = _objective()
    seen, losses, backward = [], [], Objective.backward

    def recorded(self, idx=None, affine=None):
        seen.append(None if idx is None else idx.tolist())
        loss = backward(self, idx, affine)
        losses.append((float(loss), 10 if idx is None else len(idx)))
        return loss

    monkeypatch.setattr(Objective, "backward", recorded)
    flat = Flat(list(objective.module.parameters()))
    solver = MiniBatch(objective, flat, learning_rate=0.01, batch_size=batch_size)
    value = solver._epoch()
    if batch_size >= 10:
        assert seen == [None]
    else:
        rows = sorted(r for batch in seen for r in batch)
        assert rows == list(range(10)) and [len(b) for b in seen] == [3, 3, 3, 1]
    with torch.no_grad():
        penalty = float(objective.penalty())
    mean = sum(loss * size for loss, size in losses) / 10
    assert value == pytest.approx(mean + penalty, rel=1e-12)
    flat.release()


def test_sgd_solver_takes_nesterov_sgd_steps():
    """One batch of every row: the first step of Nesterov SGD (momentum 0.9) is
    ``-lr (1 + 0.9) g`` with ``g`` the gradient of data loss plus penalty."""
    objective = _objective()
    flat = Flat(list(objective.module.parameters()))
    adam = MiniBatch(objective, flat, learning_rate=0.05, batch_size=10)
    assert isinstance(adam.optimizer, Adam)
    solver = MiniBatchSGD(objective, flat, learning_rate=0.05, batch_size=10)
    assert isinstance(solver.optimizer, SGD)
    before = flat.vector.clone()
    flat.grad.zero_()
    objective.backward()
    expected = before - 0.05 * 1.9 * flat.grad
    solver._epoch()
    torch.testing.assert_close(flat.vector, expected, rtol=1e-14, atol=1e-16)
    flat.release()
