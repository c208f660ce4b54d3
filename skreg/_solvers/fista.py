"""Full-batch accelerated proximal gradient (FISTA): any penalty with a prox."""

from __future__ import annotations

import math

import scipy.sparse as sp
import torch
from torch import Tensor

from .._monitor import Monitor
from .._objective import Flat, Objective
from ._base import Solver, full_batch_threshold
from ._coordinates import Coordinates


class FISTA(Solver):
    """Full-batch accelerated proximal gradient (FISTA) in :class:`Coordinates`.

    Backtracking on the step size and adaptive restart (O'Donoghue & Candes,
    2015: the momentum is reset where it points uphill or the objective
    rises); handles any penalty with a proximal operator. A network's next fit
    along a path (or warm start) inherits the step size and the momentum
    ``y - x``: on make_friedman1 (2000 x 50, hidden layer of 100, 30 alphas,
    10 iterations per alpha) the LassoNet network that LassoNetCV chose went
    from a held-out R² of 0.737 to 0.902 (0.774 to 0.891 with another seed),
    in 11 % fewer evaluations.

    Each step evaluates the gradient at y and the objective at the new x. The
    first layer's pre-activation and the skip's output are affine in the
    weights, so at ``y = x + beta (x - x_prev)`` they are the same combination
    of their values at the last two x (``Net.outputs``): the gradient at y
    then needs no product with X, one matrix product of the step's three. On
    1600 rows and a hidden layer of 100 (``max_iter`` iterations, same fits to
    rounding) that made LassoNet fits 12 %, 19 % and 18 % faster with 200, 500
    and 1000 inputs, and no faster with 50, where the product costs what the
    combination does.
    """

    name, title = "fista", "FISTA"

    def __init__(self, objective: Objective, flat: Flat, **_):
        self.objective, self.flat = objective, flat
        self.coords = Coordinates(objective, flat)
        self.x = self.coords.from_params(flat.vector)
        self.y = self.x.clone()
        self.t, self.L, self.gap = 1.0, 1.0, math.inf
        # A network's path (or warm start) goes on with the previous fit's step
        # size and momentum: it is still training. A linear model's coordinates
        # change with alpha (their scale includes the penalty's curvature).
        self.state = objective.state
        self.inherits = self.coords.mean is None  # the identity: a network
        last = self.state.get("fista")
        if self.inherits and last is not None:
            m = last["momentum"]
            same = (m.shape, m.dtype, m.device)
            if same == (self.x.shape, self.x.dtype, self.x.device):
                self.t, self.L, self.y = last["t"], last["L"], self.x + m
        self.groups = None  # the tied inputs' groups (see ``_tied_inputs``)
        self.tied = self._tied_inputs()
        self.since_full, self.full = self.REFRESH, True
        # The affine part of the outputs (``Net.outputs``) at x and at y, where
        # known: y's then costs no product with X (see ``_momentum``).
        self.reuse_affine = self._reuses_affine()
        self.affine_x = self.affine_y = None

    # The largest affine part (rows x first hidden width) kept, three times over.
    AFFINE_SIZE = 1 << 22

    def _reuses_affine(self) -> bool:
        """Whether the gradient at y is taken from the affine parts at the two
        last x: for a network in closed form, in float64 (in float32 the
        combination's rounding would reach the backtracking test's slack).
        """
        module, objective = self.objective.module, self.objective
        if not (self.inherits and objective.closed_form) or module.is_linear:
            return False
        size = objective.X.shape[0] * module.linears[0].out_features
        return self.x.dtype == torch.float64 and size <= self.AFFINE_SIZE

    # A LassoNet network's steps read only the inputs in use when at most half
    # are. Every REFRESH-th step reads them all, so that an input may come back,
    # as do the last step ``max_iter`` allows and any step that would end the
    # fit by convergence; a fit stopped by its loss-stall rule keeps the inputs
    # of its last full step, at most REFRESH - 1 iterations earlier.
    REFRESH = 10

    def _tied_inputs(self) -> list[tuple[slice, torch.Size]] | None:
        """Where in ``x`` the weights reading the inputs lie, when a penalty ties
        them (LassoNet: an input whose skip and first-layer columns are zero
        stays out of the network); else None.
        """
        module = self.objective.module
        if not self.inherits or sp.issparse(self.objective.X):
            return None
        if not hasattr(module, "linears"):  # skreg's Net reads column subsets
            return None
        for penalty, tensors in self.objective.terms:
            if penalty.kind(tensors) == "hierarchical":
                self.groups = penalty.groups
                return [(self.flat.slice(self.flat.index(t)), t.shape) for t in tensors]
        return None

    def _inputs_in_use(self) -> Tensor | None:
        """The inputs with a non-zero weight at ``x`` or ``y`` (every later
        step's point lies in their span), or None where more than half are.
        """
        used = None
        for point in (self.x, self.y):
            for where, shape in self.tied:
                nonzero = point[where].view(shape).ne(0).any(dim=0)
                used = nonzero if used is None else used | nonzero
        groups = getattr(self, "groups", None)
        if groups is not None:  # an input in use brings in its group
            used = groups.whole(used)
        if used.sum() > used.numel() // 2:  # not worth a copy of their columns
            return None
        return used.nonzero().squeeze(1)

    def _value(self, u: Tensor) -> tuple[Tensor, tuple | None]:
        """The smooth objective at ``u`` and, where reused, the outputs' affine
        part there.
        """
        self.coords.set(u)
        with torch.no_grad():
            if self.reuse_affine:
                data, affine = self.objective.data_affine()
            else:
                data, affine = self.objective.data(), None
            return data + self.objective.smooth_penalty(), affine

    def _value_and_grad(self, u: Tensor, affine=None) -> tuple[Tensor, Tensor]:
        """The smooth objective at ``u`` and its gradient in ``u``."""
        self.coords.set(u)
        f, g = self.objective.smooth_value_and_grad(self.flat, affine)
        return f, self.coords.gradient(g).clone()

    def _momentum(self, x_new: Tensor, affine_new: tuple | None) -> None:
        """Move to ``x_new`` and set y: x_new, or past it along ``x_new - x``
        (the momentum, unless it points uphill); with the outputs' affine part
        at y, ``A(x_new) + b (A(x_new) - A(x))``, where both are known.
        """
        if (self.y - x_new) @ (x_new - self.x) > 0:  # momentum points uphill
            self.t, self.y, self.affine_y = 1.0, x_new.clone(), affine_new
        else:
            t_new = (1 + math.sqrt(1 + 4 * self.t * self.t)) / 2
            beta = (self.t - 1) / t_new
            self.y = x_new + beta * (x_new - self.x)
            self.t, self.affine_y = t_new, None
            if affine_new is not None and self.affine_x is not None:
                self.affine_y = tuple(
                    None
                    if a is None
                    else torch.lerp(b, a, 1 + beta)  # a + beta (a - b)
                    for a, b in zip(affine_new, self.affine_x, strict=True)
                )
        self.x, self.affine_x = x_new, affine_new

    def _restart(self) -> None:
        """Drop the momentum: y = x."""
        self.t, self.y, self.affine_y = 1.0, self.x.clone(), self.affine_x

    def _prox(self, v: Tensor, step: float) -> Tensor:
        """Take the proximal step in ``u``: in ``x``, a step per weight column."""
        self.coords.set(v)
        params = self.flat.params
        steps = dict(zip(map(id, params), self.coords.steps(step), strict=True))
        with torch.no_grad():
            before = self.flat.vector.clone()
            self.objective.prox(lambda t, entrywise=False: steps.get(id(t), step))
            after = self.flat.vector
        # The penalties do not involve the intercept: in ``u`` the step moves
        # the penalised coordinates only and keeps the centred intercept.
        # Rescaling ``after`` (not adding the move) keeps exact zeros exact.
        moved = after != before
        return torch.where(moved, after * self.coords.scale, v)

    def _step(self, last: bool = False) -> float:
        restricted = self.tied is not None and self.objective.columns is not None
        self.full = not restricted or last or self.since_full >= self.REFRESH
        if self.tied is not None and self.full:
            self.objective.restrict(None)
        f_y, g_y = self._value_and_grad(self.y, self.affine_y)
        diverged = not (torch.isfinite(f_y) and torch.isfinite(g_y).all())
        self.L *= 0.9  # let the step grow back after a conservative phase
        while True:
            x_new = self._prox(self.y - g_y / self.L, 1.0 / self.L)
            d = x_new - self.y
            f_new, affine_new = self._value(x_new)
            bound = f_y + g_y @ d + 0.5 * self.L * (d @ d)
            if f_new <= bound + 1e-12 * abs(float(f_y)):
                break
            # A trial value that overflows (a Poisson loss's exp) asks for a
            # shorter step too, unless y itself has diverged.
            if diverged or not d.any():  # or no step is left to shrink
                break
            self.L *= 2.0
        self.gap = float(self.L * d.abs().max())  # proximal-gradient mapping
        self._momentum(x_new, affine_new)
        if self.tied is not None:
            if self.full:
                self.objective.restrict(self._inputs_in_use())
                self.since_full = 0
            self.since_full += 1
        # The parameters hold x_new from the last evaluation of f_new.
        return float(f_new + self._nonsmooth())

    def _nonsmooth(self) -> Tensor:
        """The non-smooth penalties at the parameters."""
        with torch.no_grad():
            return self.objective.penalty() - self.objective.smooth_penalty()

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        try:
            return self._run(max_iter, tol, monitor)
        finally:
            if self.tied is not None:
                self.objective.restrict(None)
            if self.inherits:
                momentum = self.y - self.x
                self.state["fista"] = {"t": self.t, "L": self.L, "momentum": momentum}

    def _run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        threshold, previous = None, math.inf
        eps = 64 * torch.finfo(self.x.dtype).eps
        for k in range(max_iter):
            loss = self._step(last=k == max_iter - 1)
            if loss > previous:
                # Function-value restart (O'Donoghue & Candes): the momentum,
                # perhaps inherited from a much weaker alpha, overshot.
                self._restart()
            if threshold is None:
                threshold = full_batch_threshold(self.objective, tol, self.gap)
            if monitor(loss):
                return False
            if self.gap <= threshold or abs(previous - loss) <= eps * max(abs(loss), 1):
                if self.full:
                    return True
                self.since_full = self.REFRESH  # confirm it on every input
            previous = loss
        return False
