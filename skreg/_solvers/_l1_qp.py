"""The inner solvers of proximal Newton: L1-penalised quadratic programs.

Each minimises ``1/2 z^T A z - b^T z + L1(z)`` for a symmetric positive
semi-definite ``A`` (the Hessian of the smooth part), exactly enough that the
zeros are exact and the optimality conditions hold to rounding:
:func:`active_set_solve` for an elementwise L1 term (primal-dual active sets,
with Lawson and Hanson's working-set method where they cycle) and
:func:`group_active_set` for group norms (block sweeps, then Newton on the
non-zero groups, with accelerated proximal gradient as the last resort).
:class:`Groups` describes the L1 term; :func:`spd_solve` and its fallbacks
solve the linear systems. Pure numpy, float64.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs

from ._base import EPS

if TYPE_CHECKING:
    from .._objective import Flat, Objective


class Groups:
    """The L1 term of proximal Newton, ``sum_g lam_g ||x_g||_2`` over disjoint
    groups of coordinates: the columns of each penalised weight matrix (one
    feature across every output), single coordinates with one output, where
    it is the elementwise ``sum_j lam_j |x_j|`` of Lasso and ElasticNet.

    ``index`` holds each coordinate's group, -1 where unpenalised.
    """

    def __init__(self, index: np.ndarray, lam: np.ndarray):
        self.index, self.lam = index, lam
        self.penalised = index >= 0
        self._of = index[self.penalised]
        self.singletons = bool(np.bincount(self._of, minlength=1).max(initial=0) <= 1)
        # Each coordinate's group strength, zero where unpenalised.
        self.strength = np.zeros(len(index))
        self.strength[self.penalised] = lam[self._of]

    @classmethod
    def of(cls, objective: Objective, flat: Flat, order: np.ndarray) -> Groups:
        """The groups of ``objective``'s L1 terms, over the coordinates
        ``flat.vector[order]``.
        """
        index, lam = np.full(int(flat.offsets[-1]), -1), []
        for penalty, tensors in objective.terms:
            if penalty.kind(tensors) == "smooth":
                continue
            # A linear model's (Newton needs one): an elastic net on its weights.
            tensor, groups, strengths = penalty.l1_part(tensors)
            # Groups of strength zero are unpenalised; the others are renumbered.
            kept = strengths > 0
            number = np.where(kept, len(lam) + np.cumsum(kept) - 1, -1)
            index[flat.slice(flat.index(tensor))] = number[np.ravel(groups)]
            lam += list(strengths[kept])
        return cls(index[order], np.asarray(lam, dtype=np.float64))

    @functools.cached_property
    def members(self) -> list[np.ndarray]:
        """The coordinates of each group."""
        order = np.argsort(self.index, kind="stable")
        bounds = np.searchsorted(self.index[order], np.arange(len(self.lam) + 1))
        return [order[bounds[g] : bounds[g + 1]] for g in range(len(self.lam))]

    def norms(self, x: np.ndarray) -> np.ndarray:
        """``||x_g||_2`` of every group."""
        squares = x[self.penalised] ** 2
        return np.sqrt(np.bincount(self._of, squares, minlength=len(self.lam)))

    def value(self, x: np.ndarray) -> float:
        if self.singletons:
            return float(self.strength @ np.abs(x))
        return float(self.lam @ self.norms(x))

    def violation(self, x: np.ndarray, grad: np.ndarray) -> float:
        """Largest entry of the minimum-norm subgradient of ``f + L1`` at ``x``,
        given ``grad`` of ``f``: ``grad_g + lam_g x_g / ||x_g||`` on a non-zero
        group, ``max(||grad_g|| - lam_g, 0)`` on a zero one, ``grad`` where
        unpenalised; zero exactly at the optimum.
        """
        if self.singletons:  # |x_g| = |x_j|: the elementwise conditions
            at_zero = np.maximum(np.abs(grad) - self.strength, 0.0)
            pulled = np.abs(grad + self.strength * np.sign(x))
            return float(np.where(x != 0, pulled, at_zero).max(initial=0.0))
        out = np.abs(grad)
        of, lam = self._of, self.lam[self._of]
        norms = self.norms(x)[of]
        nonzero = norms > 0
        pulled = grad[self.penalised] + lam * x[self.penalised] / np.where(
            nonzero, norms, 1.0
        )
        excess = np.maximum(self.norms(grad) - self.lam, 0.0)[of]
        out[self.penalised] = np.where(nonzero, np.abs(pulled), excess)
        return float(out.max())


def active_set_solve(
    A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """Minimise ``1/2 z^T A z - b^T z + sum_j l1_j |z_j|`` for a symmetric positive
    semi-definite ``A``, starting from ``z``.

    The primal-dual active-set method (:func:`pdas`) changes many coordinates
    at once and converges in a few solves from a nearby start, as along a path
    or in the last steps of proximal Newton; it has no global guarantee and
    cycles on correlated features (``load_diabetes`` from zero). There the
    monotone active-set method of :func:`working_set` takes over, which
    changes one coordinate at a time and cannot cycle.
    """
    found, converged = pdas(A, b, l1, z)
    return found if converged else working_set(A, b, l1, found)


def working_set(A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray):
    """Lawson and Hanson's active-set method (for non-negative least squares,
    1974) on the problem of :func:`active_set_solve`, in sign-oriented
    coordinates.

    The working set holds the unpenalised coordinates and the non-zero ones,
    each with its sign. Each step solves the problem on the working set with
    the signs fixed; if a coordinate's solution changes sign it moves only as
    far as the first coordinate reaching zero, which leaves the set. When the
    solution is consistent, the zero coordinate whose gradient most exceeds its
    L1 strength joins the set. The objective decreases at every step, so no set
    repeats; the loop stops when no zero coordinate violates its optimality
    condition ``|r_j| <= l1_j`` (to rounding).
    """
    free = l1 == 0
    penalised = ~free
    signs = np.where(free, 0.0, np.sign(z))
    working = free | (z != 0)
    x = z.copy()
    tol = rounding(b, l1)
    for _ in range(4 * len(b) + 10):
        while True:
            idx = working.nonzero()[0]
            target = np.zeros(len(x))
            if len(idx):
                rhs = (b - l1 * signs)[idx]
                target[idx] = spd_solve(submatrix(A, idx), rhs, ridge_solve)
            crossing = working & penalised & (target * signs <= 0)
            if not crossing.any():
                x = target
                break
            # Move toward the solution until the first coordinate reaches zero.
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(crossing, x / (x - target), np.inf)
            t = float(np.clip(ratio.min(), 0, 1))
            x = x + t * (target - x)
            left = crossing & (ratio <= t)
            x[left], working[left], signs[left] = 0.0, False, 0.0
        r = b - A @ x
        excess = np.where(working, -np.inf, np.abs(r) - l1)
        j = int(excess.argmax())
        if excess[j] <= tol:
            return x
        working[j], signs[j] = True, np.sign(r[j])
    return x


def group_active_set(
    A: np.ndarray, b: np.ndarray, z: np.ndarray, groups: Groups
) -> np.ndarray:
    """Minimise ``1/2 z^T A z - b^T z + sum_g lam_g ||z_g||_2`` (groups of
    :class:`Groups`) for a symmetric positive semi-definite ``A``, from ``z``.

    Rounds of a block-coordinate sweep (:func:`group_sweep`: it sets groups
    to zero and brings them back, and cannot stall) followed by Newton's method
    on the non-zero groups (:func:`group_newton`, where the objective is
    smooth and convergence quadratic), until the optimality conditions hold to
    rounding: ``||(b - A z)_g|| <= lam_g`` on every zero group, a zero gradient
    elsewhere. Zeros are exact. Both steps lower the objective.
    """
    # Each group's rows of A (its columns: A is symmetric), copied once, and
    # the largest eigenvalue of its diagonal block.
    members = groups.members
    order = np.concatenate(members)
    stacked = A[order]
    bounds = np.cumsum([0] + [len(m) for m in members])
    rows = [stacked[i:j] for i, j in zip(bounds[:-1], bounds[1:], strict=True)]
    if len(set(np.diff(bounds))) == 1:  # groups of equal size, in one call
        size = int(bounds[1])
        diagonal = stacked[:, order].reshape(len(members), size, len(members), size)
        blocks = diagonal[np.arange(len(members)), :, np.arange(len(members))]
        largest = np.linalg.eigvalsh(blocks)[:, -1]
    else:
        pairs = zip(rows, members, strict=True)
        largest = [np.linalg.eigvalsh(r[:, m])[-1] for r, m in pairs]
    lipschitz = np.maximum(largest, EPS)
    free = np.flatnonzero(~groups.penalised)
    tol = 1e-10 * max(float(np.abs(b).max()), float(groups.lam.max()))
    x = z.copy()
    support = groups.norms(x) > 0
    for _ in range(100):
        x = group_sweep(A, b, x, groups, lipschitz, free, rows)
        # Newton once a sweep leaves the non-zero groups unchanged: on a wrong
        # set it stalls on the groups heading for zero.
        previous, support = support, groups.norms(x) > 0
        if np.array_equal(support, previous):
            x = group_newton(A, b, x, groups, tol)
        if groups.violation(x, A @ x - b) <= tol:
            return x
    return group_fista(A, b, x, groups, tol)


def group_fista(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: Groups,
    tol: float,
    max_iter: int = 20000,
) -> np.ndarray:
    """Accelerated proximal gradient (FISTA with adaptive restart) for the
    problem of :func:`group_active_set`, from ``x``, until the optimality
    conditions hold to ``tol`` or ``max_iter`` iterations.

    The fallback where sweeps and Newton stall: an ill-posed problem (more
    features than samples, at a tiny alpha) whose flat quadratic makes every
    block step short and every Newton set wrong. An iteration is one product
    with ``A`` and a vectorised group soft-threshold (a few microseconds at a
    hundred coefficients), so it can afford the tens of thousands of
    iterations that scikit-learn's coordinate descent also spends there.
    """
    L = max(float(np.linalg.eigvalsh(A)[-1]), EPS)
    thresholds, penalised, of = groups.lam / L, groups.penalised, groups._of

    def prox(v: np.ndarray) -> np.ndarray:
        norms = groups.norms(v)
        v[penalised] *= np.maximum(1 - thresholds / np.maximum(norms, 1e-300), 0)[of]
        return v

    y, t = x.copy(), 1.0
    for k in range(max_iter):
        new = prox(y - (A @ y - b) / L)
        if (y - new) @ (new - x) > 0:  # momentum points uphill: restart
            y, t = new.copy(), 1.0
        else:
            t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
            y, t = new + ((t - 1) / t_new) * (new - x), t_new
        x = new
        if k % 100 == 99 and groups.violation(x, A @ x - b) <= tol:
            break
    return x


def group_sweep(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: Groups,
    lipschitz: np.ndarray,
    free: np.ndarray,
    rows: list[np.ndarray],
) -> np.ndarray:
    """One Gauss-Seidel pass: the unpenalised coordinates by a linear solve,
    then a proximal-gradient step on each non-zero group and each zero group
    that violates its optimality condition, in turn (``rows[g]``: group
    ``g``'s rows of ``A``), with the largest
    eigenvalue ``L_g`` of its diagonal block of ``A`` as step:
    ``z_g = S(z_g + r_g / L_g, lam_g / L_g)`` (``r = b - A z``, ``S`` group
    soft-thresholding). Each step minimises a majoriser of the objective in its
    block, exactly the block minimum when the block is ``L_g I`` (a squared loss:
    scikit-learn's ``MultiTaskLasso`` update).
    """
    x = x.copy()
    r = b - A @ x
    if len(free):
        A_ff = submatrix(A, free)
        new = spd_solve(A_ff, r[free] + A_ff @ x[free])
        r -= A[:, free] @ (new - x[free])
        x[free] = new
    thresholds = groups.lam / lipschitz
    # A zero group that meets its optimality condition now is likely to after
    # the others move: it waits for the next pass (the caller checks them all).
    visit = (groups.norms(x) > 0) | (groups.norms(r) > groups.lam)
    members = groups.members
    for g in np.flatnonzero(visit):
        m = members[g]
        old = x[m]
        v = old + r[m] / lipschitz[g]
        squared, threshold = float(v @ v), thresholds[g]
        if squared > threshold * threshold:
            new = v * (1 - threshold / math.sqrt(squared))
        elif old.any():
            new = np.zeros_like(v)
        else:
            continue  # zero stays zero
        r -= (new - old) @ rows[g]
        x[m] = new
    return x


def quadratic_l1(A: np.ndarray, b: np.ndarray, x: np.ndarray, groups: Groups) -> float:
    """The objective of :func:`group_active_set` at ``x``."""
    return 0.5 * float(x @ (A @ x)) - float(b @ x) + groups.value(x)


def group_newton(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: Groups,
    tol: float,
    max_iter: int = 50,
) -> np.ndarray:
    """Newton's method with an Armijo line search for the problem of
    :func:`group_active_set` over the unpenalised coordinates and the non-zero
    groups of ``x``, the others held at zero.

    There the group norms are smooth: ``lam_g u_g`` (``u_g = x_g / ||x_g||``)
    adds to the gradient and ``lam_g / ||x_g|| (I - u_g u_g^T)`` to the
    Hessian. It stops when the optimality conditions hold to ``tol`` (rounding
    error would fail every line search from there on), or where the line
    search needs short steps (a group heading through zero, where the norm is
    not smooth): the sweeps handle that.
    """
    lam = groups.lam
    value = quadratic_l1(A, b, x, groups)
    for _ in range(max_iter):
        gradient = A @ x - b
        if groups.violation(x, gradient) <= tol:
            return x
        active = groups.norms(x) > 0
        in_set = ~groups.penalised
        in_set[groups.penalised] = active[groups.index[groups.penalised]]
        S = np.flatnonzero(in_set)
        if len(S) == 0:
            return x
        grad, H = gradient[S], submatrix(A, S)
        k = np.flatnonzero(groups.penalised[S])  # positions in S of group members
        of = groups.index[S[k]]
        norms = groups.norms(x)[of]
        u, scale = x[S[k]] / norms, lam[of] / norms
        grad[k] += lam[of] * u
        same = of[:, None] == of[None, :]
        H[np.ix_(k, k)] += np.diag(scale) - np.where(
            same, scale[:, None] * np.outer(u, u), 0.0
        )
        step = spd_solve(H, -grad)
        slope = float(grad @ step)
        if not slope < 0:
            return x
        t = 1.0
        while True:
            trial = x.copy()
            trial[S] += t * step
            new = quadratic_l1(A, b, trial, groups)
            if new <= value + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-3:
                return x
        x, value = trial, new
        if np.abs(t * step).max() <= 4 * EPS * np.abs(x).max():
            return x
    return x


def rounding(b: np.ndarray, l1: np.ndarray) -> float:
    """How far a gradient entry may exceed its L1 strength by rounding alone: a
    coordinate at exactly the threshold (a lasso at ``alpha_max``) stays zero.
    """
    return 1e-12 * max(float(np.abs(b).max()), float(l1.max()))


def pdas(
    A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray, max_iter: int = 20
) -> tuple[np.ndarray, bool]:
    """Primal-dual active-set iterations (Ito & Kunisch, 2008; for the lasso Fan,
    Jiao & Lu, 2014) for the problem of :func:`active_set_solve`: ``(solution,
    True)``, or, if they revisit an active set without converging, ``(best,
    False)`` with ``best`` the iterate (``z`` included) of lowest objective, a
    start for :func:`working_set` that is often nearer than ``z``.

    With the residual ``r = b - A z``, coordinate ``j`` is active when
    ``|A_jj z_j + r_j| > l1_j``, with that sign ``s_j``; the active coordinates
    solve ``A_AA z_A = b_A - l1_A s_A`` and the others are zero. When the
    active set and its signs repeat at once, the optimality conditions hold
    (``r_j = l1_j s_j`` on it, ``|r_j| <= l1_j`` off it, both to rounding) and
    the zeros are exact.
    """
    diagonal = A.diagonal()
    c = np.maximum(diagonal, EPS * float(np.abs(diagonal).max()))
    free = l1 == 0
    r = b - A @ z
    tol = rounding(b, l1)
    seen, previous = set(), None
    best, lowest = z, math.inf
    for _ in range(max_iter):
        # The objective, with ``z^T A z = z^T (b - r)``.
        value = float(l1 @ np.abs(z)) - 0.5 * float(z @ (b + r))
        if value < lowest:
            best, lowest = z, value
        u = c * z + r
        active = free | (np.abs(u) > l1 + tol)
        signs = np.where(active & ~free, np.sign(u), 0.0)
        key = (active.tobytes(), signs.tobytes())
        if key == previous:
            # Optimal if the solve was exact; on a singular set (more active
            # coordinates than the data's rank) it was not.
            on = np.flatnonzero(active)
            exact = np.abs(r[on] - (l1 * signs)[on]).max(initial=0.0)
            return (z, True) if exact <= 1e3 * tol else (best, False)
        if key in seen:
            return best, False
        seen.add(key)
        previous = key
        idx = active.nonzero()[0]
        z = np.zeros(len(z))
        if len(idx):
            z[idx] = spd_solve(submatrix(A, idx), (b - l1 * signs)[idx])
        r = b - A @ z
    return best, False


def submatrix(A: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``A[np.ix_(idx, idx)]``, in a sixth of its time (0.5 us against 3 us at
    ten coordinates): the active-set loops take one per linear solve.
    """
    return A.take(idx, axis=0).take(idx, axis=1)


def spd_solve(
    A: np.ndarray, b: np.ndarray, singular: Callable | None = None
) -> np.ndarray:
    """Solve ``A x = b`` for a symmetric positive semi-definite ``A``: by Cholesky
    (LAPACK's ``dpotrf``/``dpotrs``), or by :func:`pinv_solve` where ``A`` is
    singular to working precision.

    A singular direction shows as a vanishing Cholesky pivot (the Schur
    complement of the first coordinate it involves); the test is on the
    symmetrically scaled matrix ``D^-1/2 A D^-1/2`` (``D`` its diagonal), so
    that a feature measured in tiny units is not taken for a singular one: a
    scaled pivot below ``1e-10`` sends the solve to ``singular(A, b)``, by
    default the pseudo-inverse, which costs an eigendecomposition (16x a
    Cholesky solve at 200 coefficients). Newton's systems have at most
    ``Newton.auto_max_coefs`` unknowns, so they are solved in numpy on the CPU
    whatever the device.
    """
    diagonal = A.diagonal()
    scale = 1 / np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    # LAPACK directly: scipy.linalg's cho_factor/cho_solve wrappers cost 14 us
    # per solve of 30 unknowns, these 4 us, and a path makes a few per alpha.
    L, info = dpotrf(A * scale[:, None] * scale, lower=1, clean=0)
    # (The pivots are positive when ``info == 0``: the smallest squared is the
    # smallest square.)
    if info == 0 and float(L.diagonal().min()) ** 2 > 1e-10:
        return scale * dpotrs(L, scale * b, lower=1)[0]
    return (singular or pinv_solve)(A, b)


def pinv_solve(H: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of ``H x = b`` for a symmetric positive semi-definite
    ``H``. A multinomial model's intercepts are only defined up to a common shift
    (the Hessian is singular along it, the gradient orthogonal to it): a Cholesky
    solve would move along that direction by rounding error, the pseudo-inverse
    does not, so the intercepts keep summing to zero as scikit-learn's do.
    """
    eigenvalues, V = np.linalg.eigh(H)
    cutoff = eigenvalues[-1] * len(b) * EPS
    positive = eigenvalues > cutoff
    inverse = np.where(positive, 1 / np.where(positive, eigenvalues, 1), 0.0)
    return V @ (inverse * (V.T @ b))


def ridge_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``(A + delta I) x = b`` with ``delta = 1e-12 max(diag(A))``, for a
    singular ``A`` in the active-set methods: along a direction in which the
    quadratic is flat the solution is huge, ``(b . v) / delta``, so the step
    towards it is a step along that direction, which is where the L1 problem
    restricted to fixed signs decreases without bound, until a coordinate
    reaches zero and leaves the set. The pseudo-inverse would instead stop at
    the smallest such solution, which is not optimal.
    """
    delta = 1e-12 * max(float(A.diagonal().max()), EPS)
    L, info = dpotrf(A + delta * np.eye(len(b)), lower=1, clean=0)
    return dpotrs(L, b, lower=1)[0] if info == 0 else pinv_solve(A, b)
