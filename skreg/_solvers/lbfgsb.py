"""scipy's L-BFGS-B for linear models, with an elementwise L1 term through bounds."""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.optimize import minimize

from .._monitor import Monitor
from .._objective import Flat, Objective
from ..penalties import entry_strengths
from ._base import Solver, full_batch_threshold
from ._coordinates import Coordinates


class LBFGSB(Solver):
    """Full-batch L-BFGS-B from scipy, in the coordinates of :class:`Coordinates`.

    The solver of scikit-learn's MLP and LogisticRegression.

    An elementwise L1 term ``l1 * |theta|`` becomes smooth through the split
    ``u_theta = u_plus - u_minus`` with both halves bounded below by zero: active
    bounds give exact zeros.
    """

    name, title = "lbfgs", "L-BFGS"
    networks = False  # skreg's own L-BFGS trains them (``lbfgs.py``)
    penalties = frozenset({"smooth", "l1"})

    def __init__(self, objective: Objective, flat: Flat, *, max_fun: int = 15000, **_):
        self.objective, self.flat, self.params = objective, flat, flat.params
        self.max_fun = max_fun
        self.offsets = flat.offsets
        # (parameter index, l1 strength per entry) of every elementwise L1 term
        self.split = [
            (flat.index(tensor), l1.ravel())
            for tensor, l1 in (
                entry_strengths(p, ts)
                for p, ts in objective.terms
                if p.kind(ts) == "l1"
            )
        ]
        self.coords = Coordinates(objective, flat)  # in the parameters' dtype
        self._last: np.ndarray | None = None  # the point the parameters hold
        scale = self.coords.scale.cpu().double().numpy()
        # d|theta|/du_plus = 1 / scale: the L1 term's gradient in ``u``.
        self.l1_grad = [l1 / scale[self.flat.slice(i)] for i, l1 in self.split]

    def _tails(self, z: np.ndarray) -> list[np.ndarray]:
        """Split off the ``u_minus`` halves stored after ``u``."""
        sizes = [self.params[i].numel() for i, _ in self.split]
        return np.split(z[self.offsets[-1] :], np.cumsum(sizes)[:-1]) if sizes else []

    def _set(self, z: np.ndarray) -> None:
        if self._last is not None and np.array_equal(z, self._last):
            return  # the parameters already hold it
        u = z[: self.offsets[-1]]
        if self.split:
            u = u.copy()
            for (i, _), minus in zip(self.split, self._tails(z), strict=True):
                u[self.flat.slice(i)] -= minus
        vector = self.flat.vector
        self.coords.set(
            torch.from_numpy(u).to(device=vector.device, dtype=vector.dtype)
        )
        self._last = z.copy()

    def _fun(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        self._set(z)
        loss, grad = self.objective.smooth_value_and_grad(self.flat)
        # A copy in float64: ``flat.grad`` is overwritten by the next evaluation.
        grad = self.coords.gradient(grad).cpu().numpy().astype(np.float64)
        value, tails = float(loss), []
        if not self.split:
            return value, grad
        parts = zip(self.split, self.l1_grad, self._tails(z), strict=True)
        for (i, _), l1_grad, minus in parts:
            g = grad[self.flat.slice(i)].copy()
            grad[self.flat.slice(i)] += l1_grad
            tails.append(l1_grad - g)
            value += l1_grad @ (z[self.flat.slice(i)] + minus)
        return value, np.concatenate([grad, *tails])

    def _canonical(self, u: np.ndarray) -> np.ndarray:
        """Split ``u`` into ``[u with u_plus, u_minus]``, at most one non-zero."""
        u, tails = u.copy(), []
        for i, _ in self.split:
            theta = u[self.flat.slice(i)].copy()
            u[self.flat.slice(i)] = np.maximum(theta, 0)
            tails.append(np.maximum(-theta, 0))
        return np.concatenate([u, *tails])

    def _projected(self, z: np.ndarray, grad: np.ndarray) -> float:
        """Largest entry of the projected gradient (bounds ``z >= 0`` on splits)."""
        bounded = np.zeros(len(z), dtype=bool)
        bounded[self.offsets[-1] :] = True
        for i, _ in self.split:
            bounded[self.flat.slice(i)] = True
        return float(
            np.abs(np.where(bounded & (z <= 0), np.minimum(grad, 0), grad)).max()
        )

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        u = self.coords.from_params(self.flat.vector).cpu().double().numpy()
        z = self._canonical(u)
        value, grad = self._fun(z)
        if not math.isfinite(value):
            return monitor(value)
        start = self._projected(z, grad)
        if start == 0:  # already optimal
            return True
        gtol = full_batch_threshold(self.objective, tol, start)

        def callback(intermediate_result):
            self._set(intermediate_result.x)
            if monitor(float(intermediate_result.fun)):
                raise StopIteration

        bounds = [(None, None)] * self.offsets[-1] + [(0, None)] * (
            len(z) - self.offsets[-1]
        )
        for i, _ in self.split:
            bounds[self.flat.slice(i)] = [(0, None)] * self.params[i].numel()
        used, n_fun = 0, 1  # iterations, evaluations (the one above)
        while True:
            result = minimize(
                self._fun,
                z,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds if self.split else None,
                callback=callback,
                options={
                    "maxiter": max_iter - used,
                    "maxfun": self.max_fun - n_fun,
                    "gtol": gtol,
                    "ftol": 64 * np.finfo(float).eps,
                },
            )
            if monitor.stopped:
                return False
            self._set(result.x)
            if result.status == 1:  # iteration or evaluation limit
                self.max_fun_reached = result.nit < max_iter - used
                return False
            used, n_fun = used + result.nit, n_fun + result.nfev + 1
            if (
                not self.split
                or result.status != 0
                or used >= max_iter
                or n_fun >= self.max_fun
            ):
                # status 2: no further progress possible in floating point,
                # which counts as converged (as scipy's ftol does); so does a
                # stop by ftol with no budget left to restart.
                return True
            # At small l1 the split has a direction of zero curvature (both
            # halves growing together) along which L-BFGS-B crawls until its ftol
            # test stops it short of the gtol test. Removing the common part of
            # the halves lowers the objective; restart from there while that
            # leaves the projected gradient above gtol and still makes progress.
            z_new = self._canonical(
                result.x[: self.offsets[-1]] - self._minus(result.x)
            )
            value_new, grad_new = self._fun(z_new)
            if self._projected(z_new, grad_new) <= gtol or not value_new < result.fun:
                self._set(z_new if value_new <= result.fun else result.x)
                return True
            z = z_new

    def _minus(self, z: np.ndarray) -> np.ndarray:
        """Scatter the ``u_minus`` halves back to the positions of ``u``."""
        out = np.zeros(self.offsets[-1])
        for (i, _), minus in zip(self.split, self._tails(z), strict=True):
            out[self.flat.slice(i)] = minus
        return out
