"""skreg's own full-batch L-BFGS for networks, whose curvature memory outlives a fit."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from .._monitor import Monitor
from .._objective import Flat, Objective
from ._base import EPS, Solver, full_batch_threshold


class LBFGS(Solver):
    """Full-batch L-BFGS (Nocedal & Wright, 2006, algorithm 7.5) with a strong
    Wolfe line search (:func:`wolfe_search`), for networks with a smooth
    objective.

    scipy's L-BFGS-B (:class:`LBFGSB`, kept for linear models and their
    bounds) cannot be handed a curvature memory, so every fit of a
    regularisation path would start it from the identity. This one keeps its
    last ``memory`` pairs in the objective's ``state``, which every alpha of a
    path, and a fit with ``warm_start=True``, inherits from the previous fit. A
    pair stores ``s`` and the data loss's part of ``y``; the smooth penalties
    are separable quadratics, so their part is ``curvature * s``, added under
    the penalty of the fit at hand (a pair whose curvature is then no longer
    positive is dropped). The memory then describes the new objective exactly
    where it was gathered, and a few iterations per alpha do what ten did from
    a cold start (the CV estimators' benchmark in ``docs/paths.md``). As in
    scipy, the iterates and the algebra are in float64 whatever the parameters'
    dtype: float32 sums of squares overflow on badly scaled data.
    """

    name, title = "lbfgs", "L-BFGS"
    linear = False  # scipy's L-BFGS-B trains them (``lbfgsb.py``)
    penalties = frozenset({"smooth"})
    memory = 10

    def __init__(self, objective: Objective, flat: Flat, *, max_fun: int = 15000, **_):
        self.objective, self.flat = objective, flat
        self.max_fun, self.n_fun = max_fun, 0  # objective evaluations
        self.pairs = objective.state.setdefault("lbfgs_pairs", [])
        if self.pairs and self.pairs[0][0].device != flat.vector.device:
            self.pairs.clear()  # the model moved since: start afresh
        self.curvature = objective.penalty_curvature(flat).double()

    def _evaluate(self, x: Tensor) -> tuple[float, Tensor]:
        """Write ``x`` into the parameters; return the objective and its
        gradient there, and keep their data loss parts in ``latest``.
        """
        self.n_fun += 1
        self.flat.vector.copy_(x)
        self.flat.grad.zero_()
        data = self.objective.data_gradient()
        self.latest = (
            float(data),
            self.flat.grad.to(torch.float64, copy=True),
        )
        return self._total(*self.latest)

    def _total(self, data: float, grad: Tensor) -> tuple[float, Tensor]:
        """Add the smooth penalties at the parameters to the data loss and its
        gradient: ``x' C x / 2`` and ``C x`` for their Hessian diagonal ``C``
        (separable quadratics centred at zero), in two vector operations rather
        than a sum over the penalties' tensors.
        """
        x = self.flat.vector.double()
        curved = self.curvature * x
        return data + 0.5 * float(x @ curved), grad + curved

    def _start(self) -> tuple[float, Tensor]:
        """The objective and its gradient at the parameters; from the previous
        fit's data loss where it ended there, under the penalty at hand.
        """
        end = self.objective.cache.get("lbfgs_end")
        if end is None or not torch.equal(end[0], self.flat.vector):
            return self._evaluate(self.flat.vector.double())
        self.latest = end[1:]
        return self._total(*self.latest)

    @staticmethod
    def _direction(g: Tensor, S: list, Y: list, rho: list[float]) -> Tensor:
        """``-H g`` by the two-loop recursion; without pairs the step along the
        gradient is at most of unit length, as L-BFGS-B's first.

        On the CPU the pairs ``S``, ``Y`` are numpy views of the tensors, made
        once per pair (``run``), and the recursion runs on them: its forty
        small vector operations cost about a microsecond each there against
        torch's 3-5 us of dispatch (68 against 123 us per direction with 10
        pairs of 1201 parameters, a seventh of a small network's iteration).
        """
        if not S:
            return -g / max(1.0, float(g.norm()))
        if g.device.type == "cpu":
            return torch.from_numpy(two_loop(g.numpy(), S, Y, rho))
        return two_loop(g, S, Y, rho)

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        value, g = self._start()
        if not (math.isfinite(value) and torch.isfinite(g).all()):
            return monitor(math.inf)
        here = self.latest
        start = float(g.abs().max())
        if start == 0:  # already stationary
            return True
        gtol = full_batch_threshold(self.objective, tol, start)
        x = self.flat.vector.to(torch.float64, copy=True)  # the iterate
        # The pairs the directions use, with rho = 1 / s'y: numpy views on the
        # CPU (see ``_direction``); ``self.pairs`` keeps them for the next fit.
        S, Y, rho, kept = [], [], [], []
        view = Tensor.numpy if x.device.type == "cpu" else (lambda t: t)

        def remember(s: Tensor, y: Tensor, sy: float) -> None:
            S.append(view(s)), Y.append(view(y)), rho.append(1.0 / sy)

        def forget() -> None:
            S.clear(), Y.clear(), rho.clear(), self.pairs.clear()

        for s, y_data in self.pairs:
            y = y_data + self.curvature * s
            sy = float(s @ y)
            if sy > EPS * float(y @ y):  # still positive curvature
                remember(s, y, sy), kept.append((s, y_data))
        self.pairs[:] = kept
        converged, n_iter = False, 0
        while n_iter < max_iter:
            d = self._direction(g, S, Y, rho)
            slope = float(g @ d)
            if not slope < 0:  # the memory no longer describes the objective
                forget()
                d = self._direction(g, S, Y, rho)
                slope = float(g @ d)

            def phi(t: float, start=x, d=d) -> tuple[float, float, Tensor]:
                f, grad = self._evaluate(start + t * d)
                return f, float(grad @ d), grad

            t, new, new_g = wolfe_search(phi, value, slope)
            if t == 0:
                self.flat.vector.copy_(x)
                if S:  # as L-BFGS-B: forget the memory, try along the gradient
                    forget()
                    continue
                converged = True  # no progress left in floating point
                break
            # The parameters hold the search's answer, evaluated last.
            x_new, here = x + t * d, self.latest
            s, y = x_new - x, new_g - g
            sy = float(s @ y)
            if sy > EPS * float(y @ y):  # keeps H positive definite
                remember(s, y, sy)
                self.pairs.append((s, y - self.curvature * s))
                if len(S) > self.memory:
                    del S[0], Y[0], rho[0], self.pairs[0]
            previous, value, g, x = value, new, new_g, x_new
            n_iter += 1
            if monitor(value):
                break
            if self.n_fun >= self.max_fun:  # as scipy's maxfun, between iterations
                self.max_fun_reached = True
                break
            if float(g.abs().max()) <= gtol:
                converged = True
                break
            if previous - value <= 64 * EPS * max(abs(value), 1.0):
                converged = True  # scipy's ftol test
                break
        # The data loss and its gradient where this fit ended: the next fit of a
        # path begins there and needs no evaluation of its own (one in six of a
        # path's, at a few iterations per alpha). In the cache, as they hold for
        # this training set only.
        self.objective.cache["lbfgs_end"] = (self.flat.vector.clone(), *here)
        return converged


def two_loop(g, S: list, Y: list, rho: list[float]):
    """``-H g`` for the L-BFGS pairs ``S``, ``Y`` (numpy arrays or tensors) and
    ``rho = 1 / s'y``.
    """
    q, coefficients = -g, []  # a new array: ``g`` stays as it is
    for s, y, r in zip(reversed(S), reversed(Y), reversed(rho), strict=True):
        a = float(s @ q) * r
        coefficients.append(a)
        q -= a * y
    q *= 1.0 / (rho[-1] * float(Y[-1] @ Y[-1]))  # s'y / y'y of the last pair
    for s, y, a, r in zip(S, Y, reversed(coefficients), rho, strict=True):
        q += (a - float(y @ q) * r) * s
    return q


def wolfe_search(
    phi: Callable, f0: float, slope: float, c1: float = 1e-4, c2: float = 0.9
) -> tuple[float, float, Tensor | None]:
    """A step ``t`` meeting the strong Wolfe conditions along a descent direction,
    from ``t = 1`` (Nocedal & Wright, 2006, algorithms 3.5 and 3.6, with
    safeguarded quadratic interpolation in the zoom), and ``phi(t)``'s value
    and gradient there. If twenty evaluations find none, the best step found
    that decreases the objective enough (evaluated once more), or ``t = 0``
    where no step does. The returned step is always the last one evaluated.
    ``phi(t)`` returns the objective, its slope along the direction and its
    gradient. Unlike backtracking it also lengthens a short first step, and its
    curvature condition keeps every L-BFGS pair usable.
    """
    # lo: the best step so far (value f_lo, slope d_lo); hi: the bracket's far end.
    lo, f_lo, d_lo, hi, f_hi, t = 0.0, f0, slope, None, math.nan, 1.0
    for _ in range(20):
        f, d, grad = phi(t)
        if not f <= f0 + c1 * t * slope or f >= f_lo:  # too long (or NaN)
            hi, f_hi = t, f
        elif abs(d) <= -c2 * slope:
            return t, f, grad
        elif hi is None and d < 0:  # still steeply descending: go further
            lo, f_lo, d_lo, t = t, f, d, 2 * t
            continue
        else:  # a minimum lies between t and the far end of the bracket
            if hi is None or d * (hi - lo) >= 0:
                hi, f_hi = lo, f_lo
            lo, f_lo, d_lo = t, f, d
        # The minimum of the quadratic through f_lo, d_lo and f_hi, kept off
        # the bracket's ends; bisection where f_hi is not finite.
        width = hi - lo
        curvature = f_hi - f_lo - d_lo * width
        t = lo + 0.5 * width
        if math.isfinite(f_hi) and curvature > 0:
            step = -d_lo * width * width / (2 * curvature)
            t = lo + min(max(step / width, 0.1), 0.9) * width
    if lo > 0:  # the best point found meets the sufficient decrease
        f, _, grad = phi(lo)
        return lo, f, grad
    return 0.0, f0, None
