"""Penalty objects against closed forms and brute-force proximal problems.

Hier-Prox has its own brute-force tests (tests/test_lassonet.py); here are
``L2``, ``ElasticNet`` and ``group_soft_threshold``.
"""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from skreg.penalties import L2, ElasticNet, HierarchicalElasticNet, group_soft_threshold


def _tensor(shape, seed):
    return torch.as_tensor(np.random.RandomState(seed).standard_normal(shape))


def _grad(fun, tensors):
    tensors = [t.clone().requires_grad_(True) for t in tensors]
    fun(tensors).backward()
    return [t.grad for t in tensors]


# -- closed forms ---------------------------------------------------------------
def test_l2_value_smooth_and_prox():
    W1, W2 = _tensor((3, 4), 0), _tensor((2, 3), 1)
    penalty = L2(0.7)
    expected = 0.35 * (W1.pow(2).sum() + W2.pow(2).sum())
    torch.testing.assert_close(penalty.value([W1, W2]), expected)
    torch.testing.assert_close(penalty.smooth([W1, W2]), expected)
    g1, g2 = _grad(penalty.smooth, [W1, W2])
    torch.testing.assert_close(g1, 0.7 * W1)
    torch.testing.assert_close(g2, 0.7 * W2)
    before = [W1.clone(), W2.clone()]
    penalty.prox([W1, W2], step=0.5)  # smooth: nothing left for the prox
    torch.testing.assert_close(W1, before[0])
    torch.testing.assert_close(W2, before[1])
    assert penalty.kind([W1, W2]) == "smooth"


@pytest.mark.parametrize("n_out", [1, 3])
def test_elastic_net_value_and_smooth(n_out):
    theta = _tensor((n_out, 6), 2)
    penalty = ElasticNet(l1=0.3, l2=0.8)
    group = torch.sqrt((theta**2).sum(0)).sum()
    torch.testing.assert_close(
        penalty.value([theta]), 0.3 * group + 0.4 * (theta**2).sum()
    )
    torch.testing.assert_close(penalty.smooth([theta]), 0.4 * (theta**2).sum())
    (g,) = _grad(penalty.smooth, [theta])
    torch.testing.assert_close(g, 0.8 * theta)
    if n_out == 1:  # the group norm of one row is scikit-learn's |theta|_1
        torch.testing.assert_close(group, theta.abs().sum())


def test_penalty_kinds_and_l1_parts():
    """Solvers are chosen by the penalties' kinds: the elastic net's L1 part is
    elementwise with one output row (L-BFGS-B can split it), a group norm per
    feature with several (proximal Newton, FISTA); the hierarchy only has a
    proximal step."""
    penalty = ElasticNet(l1=0.3, l2=0.0)
    theta = _tensor((1, 5), 3)
    assert penalty.kind([theta]) == "l1"
    tensor, index, lam = penalty.l1_part([theta])
    assert tensor is theta and (lam[index] == 0.3).all() and index.shape == (1, 5)
    assert penalty.kind([_tensor((2, 5), 3)]) == "group_l1"
    hier = HierarchicalElasticNet(l1=0.3, l2=0.0, M=10.0)
    assert hier.kind([theta, _tensor((4, 5), 4)]) == "hierarchical"
    assert hier.l1_part([theta, _tensor((4, 5), 4)]) is None


@pytest.mark.parametrize("n_out", [1, 3])
def test_group_soft_threshold_closed_form(n_out):
    theta = _tensor((n_out, 8), 5)
    lam = float(np.median(torch.linalg.vector_norm(theta, dim=0)))
    out = group_soft_threshold(theta, lam)
    for j in range(theta.shape[1]):
        norm = float(torch.linalg.vector_norm(theta[:, j]))
        if norm <= lam:
            assert torch.all(out[:, j] == 0)  # exactly zero, not small
        else:
            torch.testing.assert_close(out[:, j], theta[:, j] * (1 - lam / norm))
    assert (out == 0).all(0).any() and (out != 0).all(0).any()
    if n_out == 1:  # elementwise soft-thresholding
        expected = torch.sign(theta) * torch.clamp(theta.abs() - lam, min=0)
        torch.testing.assert_close(out, expected)


def test_group_soft_threshold_zero_threshold_and_zero_column():
    theta = _tensor((2, 4), 6)
    theta[:, 1] = 0
    torch.testing.assert_close(group_soft_threshold(theta, 0.0), theta)
    out = group_soft_threshold(theta, 0.5)
    assert torch.isfinite(out).all() and torch.all(out[:, 1] == 0)


def test_group_soft_threshold_per_column_threshold():
    """Full-batch solvers on a rescaled linear model pass one threshold per
    feature column (broadcast over outputs)."""
    theta = _tensor((3, 5), 7)
    lam = torch.linspace(0.1, 2.0, 5).expand(3, 5)
    out = group_soft_threshold(theta, lam)
    for j in range(5):
        expected = group_soft_threshold(theta[:, j : j + 1], float(lam[0, j]))
        torch.testing.assert_close(out[:, j : j + 1], expected)


# -- brute force ----------------------------------------------------------------
def _brute_force_prox(v, fun):
    """argmin_x 1/2 ||x - v||^2 + fun(x), by a derivative-free search from
    several starts (the objective is convex but not differentiable at zero)."""
    best = None
    for start in [v, np.zeros_like(v), 0.5 * v]:
        res = minimize(
            lambda x: 0.5 * np.sum((x - v) ** 2) + fun(x),
            start,
            method="Powell",
            options={"xtol": 1e-10, "ftol": 1e-14, "maxfev": 100_000},
        )
        if best is None or res.fun < best.fun:
            best = res
    return best.x, best.fun


@pytest.mark.parametrize("seed", range(6))
def test_group_soft_threshold_is_prox_of_group_norm(seed):
    rng = np.random.RandomState(seed)
    n_out = 1 + seed % 3
    v = rng.standard_normal((n_out, 3)) * 2
    lam = rng.uniform(0.2, 2.5)
    out = group_soft_threshold(torch.as_tensor(v), lam).numpy()

    def objective(x):
        x = x.reshape(v.shape)
        return 0.5 * np.sum((x - v) ** 2) + lam * np.linalg.norm(x, axis=0).sum()

    x, fun = _brute_force_prox(
        v.ravel(), lambda x: lam * np.linalg.norm(x.reshape(v.shape), axis=0).sum()
    )
    # The closed form is at least as good as anything the search found, and
    # the search lands on it.
    assert objective(out.ravel()) <= fun + 1e-10
    np.testing.assert_allclose(out.ravel(), x, atol=1e-4)


@pytest.mark.parametrize("seed", range(6))
def test_elastic_net_prox_plus_gradient_step_is_prox_of_elastic_net(seed):
    """``ElasticNet.prox`` is the proximal operator of its non-smooth part,
    ``step * l1 * sum_j ||x_j||`` (the L2 part goes through autograd), and the
    prox of the whole penalty is that operator followed by a shrinkage by
    ``1 + step * l2``; both against a brute-force minimisation."""
    rng = np.random.RandomState(100 + seed)
    n_out = 1 + seed % 2
    v = rng.standard_normal((n_out, 3)) * 2
    l1, l2, step = rng.uniform(0.2, 1.5), rng.uniform(0.1, 2.0), rng.uniform(0.3, 1.5)
    penalty = ElasticNet(l1, l2)

    theta = torch.as_tensor(v.copy())
    penalty.prox([theta], step)
    x, _ = _brute_force_prox(
        v.ravel(),
        lambda x: step * l1 * np.linalg.norm(x.reshape(v.shape), axis=0).sum(),
    )
    np.testing.assert_allclose(theta.numpy().ravel(), x, atol=1e-4)

    def whole(x):
        t = torch.as_tensor(x.reshape(v.shape))
        return step * float(penalty.value([t]))

    x, _ = _brute_force_prox(v.ravel(), whole)
    full = group_soft_threshold(torch.as_tensor(v), step * l1) / (1 + step * l2)
    np.testing.assert_allclose(full.numpy().ravel(), x, atol=1e-4)


def test_column_sort_matches_torch_sort():
    """Hier-Prox sorts on the CPU with numpy; other devices use torch.sort."""
    from skreg.penalties import _sort_columns_descending

    A = torch.rand(50, 30, dtype=torch.float64)
    A[:5, 0] = 0.5  # ties
    expected = torch.sort(A, dim=0, descending=True).values
    assert torch.equal(_sort_columns_descending(A), expected)
    assert torch.equal(_sort_columns_descending(A.float()), expected.float())
