"""The inner solvers of proximal Newton (skreg/_solvers/_l1_qp.py): L1- and
group-L1-penalised quadratic programs, and the linear solves under them."""

import numpy as np
import pytest

from skreg._solvers._l1_qp import (
    Groups,
    active_set_solve,
    group_active_set,
    group_fista,
    pdas,
    pinv_solve,
    ridge_solve,
    spd_solve,
)


@pytest.mark.parametrize("seed", range(6))
def test_active_set_solve_meets_optimality_conditions(seed):
    """The inner solver of proximal Newton, on random problems: correlated
    features (where plain primal-dual active sets cycle), singular ``A``,
    unpenalised coordinates, cold and warm starts."""
    rng = np.random.RandomState(seed)
    n, p = (40, 25) if seed % 2 else (15, 25)  # p > n: A is singular
    common = rng.standard_normal((n, 1))
    X = rng.standard_normal((n, p)) + 3 * common  # strongly correlated columns
    X = np.hstack([X, np.ones((n, 1))])
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + rng.standard_normal(n)
    A, b = X.T @ X / n, X.T @ y / n
    if seed >= 4:
        A += 0.1 * np.eye(p + 1)
    scale = float(np.abs(b[:-1]).max())
    l1 = np.full(p + 1, 0.05 * scale)
    l1[-1] = 0.0  # an intercept
    cycled = False
    for start in [np.zeros(p + 1), None]:
        if start is None:  # warm start from the solution at a larger l1
            start = active_set_solve(A, b, 2 * l1, np.zeros_like(b))
        cycled |= not pdas(A, b, l1, start)[1]
        z = active_set_solve(A, b, l1, start)
        r = b - A @ z
        tol = 1e-9 * scale
        nonzero = z != 0
        np.testing.assert_allclose(
            r[nonzero], l1[nonzero] * np.sign(z[nonzero]), atol=tol
        )
        assert np.all(np.abs(r[~nonzero]) <= l1[~nonzero] + tol)
        assert 0 < nonzero[:-1].sum() < p
    if seed == 0:
        assert cycled  # the fallback was exercised


@pytest.mark.parametrize("seed", range(6))
def test_group_active_set_meets_optimality_conditions(seed):
    """The group inner solver of proximal Newton on random problems: groups of
    three correlated coordinates with non-isotropic blocks (a softmax's),
    unpenalised coordinates, singular ``A``, cold and warm starts."""
    rng = np.random.RandomState(seed)
    n_groups, K = 12, 3
    n = 20 if seed % 2 else 60  # 20 < 39 coordinates: A is singular
    common = rng.standard_normal((n, 1))
    X = rng.standard_normal((n, n_groups * K + K)) + 2 * common
    A = X.T @ X / n
    b = A @ np.concatenate([rng.standard_normal(2 * K), np.zeros(10 * K + K)])
    b += 0.1 * rng.standard_normal(len(b))
    # Coordinates (output k, input j) in row-major order, the intercepts last.
    index = np.concatenate([np.tile(np.arange(n_groups), K), -np.ones(K, int)])
    # A fraction of the smallest strength that zeroes every group (after fitting
    # the unpenalised coordinates alone): larger where A is singular, whose
    # weakly penalised solutions are huge and dense.
    free = index < 0
    r0 = b - A[:, free] @ np.linalg.lstsq(A[np.ix_(free, free)], b[free])[0]
    lam_max = Groups(index, np.zeros(n_groups)).norms(r0).max()
    groups = Groups(index, np.full(n_groups, (0.5 if seed % 2 else 0.1) * lam_max))
    cold = group_active_set(A, b, np.zeros_like(b), groups)
    warm_start = group_active_set(A, b, np.zeros_like(b), Groups(index, 2 * groups.lam))
    for z in [cold, group_active_set(A, b, warm_start, groups)]:
        r = b - A @ z
        norms = groups.norms(z)
        assert 0 < (norms > 0).sum() < n_groups
        assert groups.violation(z, -r) <= 1e-9 * np.abs(b).max()
        # Zero groups: exactly zero, with ||r_g|| <= lam_g.
        for g, m in enumerate(groups.members):
            if norms[g] == 0:
                assert np.all(z[m] == 0)
                assert np.linalg.norm(r[m]) <= groups.lam[g] * (1 + 1e-9)
            else:  # r_g = lam_g z_g / ||z_g||
                np.testing.assert_allclose(
                    r[m], groups.lam[g] * z[m] / norms[g], atol=1e-9 * np.abs(b).max()
                )


def test_spd_solve_handles_singular_and_badly_scaled_systems():
    """Cholesky on the diagonally scaled matrix: a feature in tiny units is not
    singular; a singular system (a multinomial's intercept shift) gets the
    minimum-norm solution, the active-set methods' fallback a step along the
    flat direction."""
    rng = np.random.RandomState(0)
    B = rng.standard_normal((6, 6))
    A = B @ B.T + np.eye(6)
    scale = np.array([1e-8, 1, 1, 1, 1, 1e6])
    scaled = A * scale[:, None] * scale
    b = rng.standard_normal(6)
    exact = np.linalg.solve(A, b / scale) / scale
    np.testing.assert_allclose(spd_solve(scaled, b), exact, rtol=1e-9)
    v = np.ones(4) / 2  # A v = 0
    P = np.eye(4) - np.outer(v, v)
    b = P @ rng.standard_normal(4)  # orthogonal to the null direction
    x = spd_solve(P, b)
    np.testing.assert_allclose(P @ x, b, atol=1e-12)
    assert abs(x @ v) < 1e-12  # the minimum-norm solution
    ridge = ridge_solve(P, v + b)  # b . v > 0: a long step along v
    assert ridge @ v > 1e6
    np.testing.assert_allclose(pinv_solve(P, b), x, atol=1e-12)


def test_group_fista_reaches_the_optimality_conditions():
    """The group solver's last resort on its own: accelerated proximal gradient
    on an ill-posed problem (more coordinates than rows) meets the same
    optimality conditions."""
    rng = np.random.RandomState(3)
    X = rng.standard_normal((8, 20))
    A = X.T @ X / 8
    b = A @ np.r_[np.ones(4), np.zeros(16)] + 0.01 * rng.standard_normal(20)
    index = np.repeat(np.arange(10), 2)
    groups = Groups(index, np.full(10, 0.05))
    tol = 1e-8 * np.abs(b).max()
    x = group_fista(A, b, np.zeros(20), groups, tol, max_iter=100000)
    assert groups.violation(x, A @ x - b) <= tol
    assert 0 < (groups.norms(x) > 0).sum() < 10
