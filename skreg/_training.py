"""The one training loop.

:func:`train` runs a solver over an :class:`Objective`. A solver only knows how to
iterate ((proximal) Newton for linear models, L-BFGS (scipy's L-BFGS-B for
linear models, skreg's own for networks), FISTA, or epochs
of mini-batch Adam/SGD followed by proximal steps) and when *it* has converged;
after every iteration it hands the objective value to the one :class:`_Monitor`,
which owns everything else: the loss curve, ``verbose`` output, the mini-batch
stopping rule, early stopping with best-weight restore, and divergence and
interrupt handling.
"""

from __future__ import annotations

import functools
import math
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import torch
from scipy.linalg.lapack import dpotrf, dpotrs
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.sparsefuncs import mean_variance_axis
from threadpoolctl import ThreadpoolController
from torch import Tensor, nn

from ._modules import Net

if TYPE_CHECKING:
    from scipy.sparse import csr_array, csr_matrix

# Full-batch solvers are cheap per digit of accuracy: they stop when the largest
# (projected) gradient entry has shrunk by ``tol * FULL_BATCH_TOL_FACTOR``
# relative to its value at the start. At the default ``tol=1e-4`` this solves
# convex problems to about six significant digits, even ill-conditioned ones such
# as ``load_diabetes`` at small alpha.
FULL_BATCH_TOL_FACTOR = 1e-4


def _full_batch_tol(objective: Objective, tol: float) -> float:
    """Relative tolerance of the full-batch solvers. Convex (linear) problems have
    one solution, which skreg promises to reach to about six digits (scikit-learn's
    own); a network's optimum is not unique, so ``tol`` is used as given there,
    as scikit-learn's MLP does with L-BFGS.
    """
    linear = getattr(objective.module, "is_linear", False)
    return tol * FULL_BATCH_TOL_FACTOR if linear else tol


def sparse_tensor(X: csr_matrix | csr_array, dtype: torch.dtype, device) -> Tensor:
    """A torch CSR tensor with the rows of the scipy CSR matrix ``X``.

    The network's first ``Linear`` layer multiplies it directly: nothing is
    densified. On a 10000x1000 matrix at 1 % density this was 3-5x faster than
    densifying 1024-row chunks for a full-batch evaluation and 1.2-1.5x faster per
    Adam epoch than densifying each batch (``benchmarks/sparse_input.py``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
        return torch.sparse_csr_tensor(
            torch.as_tensor(X.indptr, dtype=torch.int64, device=device),
            torch.as_tensor(X.indices, dtype=torch.int64, device=device),
            torch.as_tensor(X.data, dtype=dtype, device=device),
            size=X.shape,
            check_invariants=False,
        )


@dataclass
class Objective:
    """``data loss + sum of penalties`` for one module and one training set.

    ``weight`` holds sample weights rescaled to mean one (None: uniform), so the
    mean over any batch is an unbiased estimate of the full weighted mean loss and
    the objective does not depend on the batch size. ``X`` is a tensor or a scipy
    CSR matrix; a sparse ``X`` reaches the network as torch CSR tensors, a batch at
    a time for mini-batch solvers.
    """

    module: nn.Module
    X: Tensor | csr_matrix | csr_array
    Y: Tensor
    weight: Tensor | None
    loss: Callable[[Tensor, Tensor, Tensor | None], Tensor]  # weighted mean
    terms: list = field(default_factory=list)  # [(penalty, [tensors]), ...]
    # The loss is quadratic in the outputs (squared error): its Hessian in them
    # is constant.
    quadratic: bool = False
    # ``(out, Y, weight) -> (loss, gradient (n, K), Hessian (n, K, K))`` in the
    # outputs, in closed form, for Newton's method; None: by autograd
    # (:func:`autograd_derivatives`).
    derivatives: Callable | None = None
    # ``(out, Y, weight) -> gradient (n, K)`` of ``loss`` in the outputs, in
    # closed form: with skreg's Net, a gradient without autograd
    # (``data_gradient``); None: by autograd.
    gradient: Callable | None = None
    # The rows in a canonical order, which mini-batches follow (None: as stored),
    # so that the batches do not depend on how the rows were given.
    order: Tensor | None = None
    # What solvers derive from the data alone, kept while the objective is (a
    # regularisation path changes only ``terms`` from one fit to the next).
    cache: dict = field(default_factory=dict)
    # What a solver hands on to the next fit of a warm start (L-BFGS's
    # curvature memory); the estimator keeps it between fits.
    state: dict = field(default_factory=dict)
    # The input columns the full-batch loss reads (None: all; see ``restrict``).
    columns: Tensor | None = field(default=None, init=False)
    _X_columns: tuple[Tensor, Tensor] | None = field(
        default=None, init=False, repr=False
    )

    @property
    def smooth_only(self) -> bool:
        return all(p.smooth_only for p, _ in self.terms)

    @functools.cached_property
    def _zero(self) -> Tensor:
        return next(self.module.parameters()).new_zeros(())

    @functools.cached_property
    def _X_full(self) -> Tensor:
        if sp.issparse(self.X):
            return sparse_tensor(self.X, self._zero.dtype, self._zero.device)
        return self.X

    def restrict(self, columns: Tensor | None) -> None:
        """Evaluate the full-batch data loss on the input ``columns`` only, the
        weights of the others being zero (None: every column; see :class:`_FISTA`).
        The copy of those columns of ``X`` is kept until other columns are asked.
        """
        self.columns = columns
        kept = self._X_columns
        if columns is not None and (kept is None or not torch.equal(kept[0], columns)):
            self._X_columns = (columns, self.X.index_select(1, columns))

    def _batch(self, idx: Tensor | None) -> tuple:
        """``X``, ``Y`` and the weights of the rows ``idx`` (None: all), and the
        input columns the network reads them on (None: all; see ``restrict``).
        """
        X, Y, w = self._X_full, self.Y, self.weight
        if self.columns is not None and idx is None:
            return self._X_columns[1], Y, w, self.columns
        if idx is not None:
            if sp.issparse(self.X):
                X = sparse_tensor(self.X[idx.cpu().numpy()], X.dtype, X.device)
            else:  # index_select: 3x faster than ``X[idx]`` for a 1024-row batch
                X = X.index_select(0, idx)
            Y = Y.index_select(0, idx)
            w = None if w is None else w.index_select(0, idx)
        return X, Y, w, None

    def data(self, idx: Tensor | None = None) -> Tensor:
        """The data loss on the rows ``idx`` (None: all)."""
        X, Y, w, columns = self._batch(idx)
        out = self.module(X) if columns is None else self.module(X, columns)
        return self.loss(out, Y, w)

    @property
    def closed_form(self) -> bool:
        """Whether :meth:`data_gradient` takes the closed form of skreg's
        :class:`~skreg._modules.Net` rather than autograd: for a loss with a
        closed-form gradient in the outputs, dense inputs and no dropout.
        """
        module = self.module
        return (
            self.gradient is not None
            and isinstance(module, Net)
            and not module.mode_dependent
            and not sp.issparse(self.X)
        )

    def data_affine(self) -> tuple[Tensor, tuple]:
        """The full-batch data loss and the affine part of the network's outputs
        there (:meth:`~skreg._modules.Net.outputs`); for :attr:`closed_form`.
        """
        X, Y, w, columns = self._batch(None)
        out, affine = self.module.outputs(X, columns)
        return self.loss(out, Y, w), affine

    def data_gradient(self, idx: Tensor | None = None, affine=None) -> Tensor:
        """The data loss on the rows ``idx``; its gradient is written into the
        parameters' ``.grad``, which the caller has zeroed. ``affine``: the
        affine part of the full-batch outputs at the parameters, when known
        (see :meth:`data_affine`).
        """
        if self.closed_form:
            X, Y, w, columns = self._batch(idx)
            return self.module.backward_(
                X,
                lambda out: (self.loss(out, Y, w), self.gradient(out, Y, w)),
                columns,
                affine,
            )
        with torch.enable_grad():
            data = self.data(idx)
            data.backward()
        return data.detach()

    def backward(self, idx: Tensor | None = None, affine=None) -> Tensor:
        """:meth:`data_gradient`, with the gradient of the smooth penalties added
        in closed form: cheaper per step than sending them through autograd.
        """
        data = self.data_gradient(idx, affine)
        with torch.no_grad():
            for p, ts in self.terms:
                p.smooth_grad_(ts)
        return data

    def smooth_penalty(self) -> Tensor:
        return sum((p.smooth(ts) for p, ts in self.terms), self._zero)

    def penalty(self) -> Tensor:
        return sum((p.value(ts) for p, ts in self.terms), self._zero)

    def prox(self, step: float | Callable[[Tensor], Tensor | float]) -> None:
        """Proximal steps of every penalty; ``step`` may map a penalty's first
        tensor to its (per-column) step size.
        """
        for p, ts in self.terms:
            size = step(ts[0]) if callable(step) else step
            if self.columns is not None and getattr(p, "ties_inputs", False):
                # Restricted (see ``restrict``): the other inputs' weights are zero.
                p.prox(ts, size, columns=self.columns)
            else:
                p.prox(ts, size)


class _Flat:
    """The trainable parameters as views into one vector, and their gradients as
    views into another, while :func:`train` runs.

    Full-batch solvers read and write every parameter at once, and the monitor
    snapshots them every iteration: with views each is one copy instead of a loop
    over tensors (a 200-iteration L-BFGS fit on 100x10 data with one hidden layer
    of 100 went from 113 to 89 ms of CPU time, measured side by side). Autograd
    accumulates into an existing ``.grad`` in place, so the views stay views
    through ``backward``.
    """

    def __init__(self, params: list[Tensor]):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params])
        with torch.no_grad():
            self.vector = torch.cat([p.reshape(-1) for p in params])
        self.grad = torch.zeros_like(self.vector)
        for i, p in enumerate(params):
            p.data = self.vector[self.slice(i)].view_as(p)
            p.grad = self.grad[self.slice(i)].view_as(p)

    def slice(self, i: int) -> slice:
        """Where parameter ``i`` lies in :attr:`vector`."""
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def index(self, tensor: Tensor) -> int:
        """The position of ``tensor`` in :attr:`params`."""
        return next(i for i, p in enumerate(self.params) if p is tensor)

    def release(self) -> None:
        """Give every parameter its own storage again (pickles stay per tensor)."""
        for p in self.params:
            p.data = p.data.clone()
            p.grad = None


class _Groups:
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
    def of(cls, objective: Objective, flat: _Flat, order: np.ndarray) -> _Groups:
        """The groups of ``objective``'s L1 terms, over the coordinates
        ``flat.vector[order]``.
        """
        index, lam = np.full(int(flat.offsets[-1]), -1), []
        for penalty, tensors in objective.terms:
            if penalty.smooth_only:
                continue
            # A linear model's (Newton needs one): an elastic net on its weights.
            tensor, l1 = penalty.group_form(tensors)
            i = flat.index(tensor)
            columns = tensor.shape[1]
            index[flat.slice(i)] = len(lam) + np.arange(tensor.numel()) % columns
            lam += [l1] * columns
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


def _penalty_curvature(objective: Objective, flat: _Flat) -> Tensor:
    """Hessian diagonal of the smooth penalties, shaped like ``flat.vector``.

    They are separable quadratics centred at zero: their gradient at a vector of
    ones is their Hessian diagonal.
    """
    with torch.no_grad():
        x = flat.vector.clone()
        flat.vector.fill_(1.0)
        flat.grad.zero_()
        try:
            for penalty, tensors in objective.terms:
                penalty.smooth_grad_(tensors)
            return flat.grad.clone()
        finally:
            flat.vector.copy_(x)


class _Coordinates:
    """The variables ``u = T(x)`` a full-batch solver iterates on.

    ``x`` is the flat parameter vector.

    For a network with hidden layers ``T`` is the identity. For a linear model
    ``f(x) = W x + b`` it is the change of variables of scikit-learn's linear
    solvers: ``b`` is replaced by the intercept of centred inputs,
    ``c = b + W x_mean``, and every coordinate is divided by the square root of
    a diagonal curvature estimate (the weighted variance of feature ``j`` plus
    the smooth penalty's curvature for ``W[:, j]``; one for ``c``). Gradient
    methods are not invariant to either (a first step along the gradient, a
    first Hessian guess proportional to the identity): without it an uncentred
    or unscaled feature costs hundreds of iterations. The minimiser is the same.
    """

    def __init__(self, objective: Objective, flat: _Flat):
        self.flat = flat
        self.scale = torch.ones_like(flat.vector)
        self.mean = None
        module = objective.module
        if not getattr(module, "is_linear", False):
            return
        layer = module.linears[0]
        ids = [id(p) for p in flat.params]
        if id(layer.weight) not in ids or id(layer.bias) not in ids:
            return
        self.w = flat.slice(ids.index(id(layer.weight)))
        self.b = flat.slice(ids.index(id(layer.bias)))
        self.shape = layer.weight.shape
        X, weight = objective.X, objective.weight
        with torch.no_grad():
            if sp.issparse(X):  # weighted moments without densifying X
                w = None if weight is None else weight.cpu().numpy()
                moments = mean_variance_axis(X, axis=0, weights=w)
                self.mean, variance = (
                    torch.as_tensor(m).to(flat.vector) for m in moments
                )
            else:
                w = torch.ones_like(X[:, 0]) if weight is None else weight
                self.mean = (w @ X) / w.sum()
                centred = X - self.mean
                variance = (w @ centred.mul_(centred)) / w.sum()  # 4x ``** 2``
                del centred
        curvature = _penalty_curvature(objective, flat)
        curvature[self.w] += variance.expand(self.shape).reshape(-1)
        curvature[self.b] += 1.0
        # A constant, unpenalised feature has no curvature: leave it unscaled.
        self.scale = torch.where(curvature > 0, curvature, 1.0).sqrt()

    def to_params(self, u: Tensor) -> Tensor:
        """``x = T^-1(u)``; ``u`` itself when ``T`` is the identity."""
        if self.mean is None:
            return u
        x = u / self.scale
        x[self.b] -= x[self.w].view(self.shape) @ self.mean
        return x

    def from_params(self, x: Tensor) -> Tensor:
        """``u = T(x)``, a new tensor."""
        x = x.clone()
        if self.mean is not None:
            x[self.b] += x[self.w].view(self.shape) @ self.mean
            x *= self.scale
        return x

    def gradient(self, g: Tensor) -> Tensor:
        """Map the gradient ``g`` in ``x`` to the gradient in ``u`` (chain rule);
        ``g`` itself when ``T`` is the identity.
        """
        if self.mean is None:
            return g
        g = g.clone()
        g[self.w] -= torch.outer(g[self.b], self.mean).reshape(-1)
        return g / self.scale

    def set(self, u: Tensor) -> None:
        """Write ``T^-1(u)`` into the parameters."""
        self.flat.vector.copy_(self.to_params(u))

    def steps(self, step: float) -> list[Tensor | float]:
        """Per-parameter step sizes in ``x`` of a proximal step ``step`` in ``u``.

        Penalties act on weight columns, whose scale is shared down the column,
        so their proximal operators stay closed-form.
        """
        params = self.flat.params
        if self.mean is None:
            return [step] * len(params)
        inverse = step / self.scale**2
        return [inverse[self.flat.slice(i)].view_as(p) for i, p in enumerate(params)]


def _elementwise_l1(
    objective: Objective, flat: _Flat, advice: str, solver: str
) -> list[tuple[int, float]]:
    """``(parameter index, l1)`` of every non-smooth penalty, each of which must be
    an elementwise L1 term (see the penalties' ``bound_form``).
    """
    found = []
    for penalty, tensors in objective.terms:
        if penalty.smooth_only:
            continue
        form = penalty.bound_form(tensors)
        if form is None:
            reason = (
                "its hierarchy constraint needs a proximal step, whatever alpha"
                if penalty.ties_inputs
                else "its L1 part is not elementwise"
            )
            raise ValueError(
                f"solver={solver!r} cannot handle the {type(penalty).__name__} "
                f"penalty of this model ({reason}); {advice}."
            )
        found.append((flat.index(form[0]), form[1]))
    return found


def _smooth_value_and_grad(
    objective: Objective, flat: _Flat, affine=None
) -> tuple[Tensor, Tensor]:
    """Full-batch ``data + smooth penalties`` and its gradient, ``flat.grad``
    (overwritten by the next call); ``affine`` as in ``Objective.data_gradient``.
    """
    flat.grad.zero_()
    data = objective.backward(affine=affine)
    with torch.no_grad():
        value = data + objective.smooth_penalty()
    return value, flat.grad


class _LBFGSB:
    """Full-batch L-BFGS-B from scipy, in the coordinates of :class:`_Coordinates`.

    The solver of scikit-learn's MLP and LogisticRegression.

    An elementwise L1 term ``l1 * |theta|`` becomes smooth through the split
    ``u_theta = u_plus - u_minus`` with both halves bounded below by zero: active
    bounds give exact zeros.
    """

    full_batch = True

    def __init__(self, objective: Objective, flat: _Flat, **_):
        self.objective, self.flat, self.params = objective, flat, flat.params
        self.offsets = flat.offsets
        # (parameter index, l1 strength)
        self.split = _elementwise_l1(
            objective, flat, "use solver='fista', 'adam' or 'sgd'", "lbfgs"
        )
        self.coords = _Coordinates(objective, flat)  # in the parameters' dtype
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
        loss, grad = _smooth_value_and_grad(self.objective, self.flat)
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

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        u = self.coords.from_params(self.flat.vector).cpu().double().numpy()
        z = self._canonical(u)
        value, grad = self._fun(z)
        if not math.isfinite(value):
            return monitor(value)
        gtol = _full_batch_tol(self.objective, tol) * self._projected(z, grad)
        if gtol == 0:
            return True

        def callback(intermediate_result):
            self._set(intermediate_result.x)
            if monitor(float(intermediate_result.fun)):
                raise StopIteration

        bounds = [(None, None)] * self.offsets[-1] + [(0, None)] * (
            len(z) - self.offsets[-1]
        )
        for i, _ in self.split:
            bounds[self.flat.slice(i)] = [(0, None)] * self.params[i].numel()
        used = 0
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
                    "maxfun": max(15000, 2 * max_iter),
                    "gtol": gtol,
                    "ftol": 64 * np.finfo(float).eps,
                },
            )
            if monitor.stopped:
                return False
            used += result.nit
            self._set(result.x)
            if result.status == 1:  # iteration or evaluation limit
                return False
            if not self.split or result.status != 0 or used >= max_iter:
                # status 2: no further progress possible in floating point,
                # which counts as converged (as scipy's ftol does).
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


class _LBFGS:
    """Full-batch L-BFGS (Nocedal & Wright, 2006, algorithm 7.5) with a strong
    Wolfe line search (:func:`_wolfe_search`), for networks with a smooth
    objective.

    scipy's L-BFGS-B (:class:`_LBFGSB`, kept for linear models and their
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

    full_batch = True
    memory = 10

    def __init__(self, objective: Objective, flat: _Flat, **_):
        self.objective, self.flat = objective, flat
        self.pairs = objective.state.setdefault("lbfgs_pairs", [])
        if self.pairs and self.pairs[0][0].device != flat.vector.device:
            self.pairs.clear()  # the model moved since: start afresh
        self.curvature = _penalty_curvature(objective, flat).double()

    def _evaluate(self, x: Tensor) -> tuple[float, Tensor]:
        """Write ``x`` into the parameters; return the objective and its
        gradient there, and keep their data loss parts in ``latest``.
        """
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
            return torch.from_numpy(_two_loop(g.numpy(), S, Y, rho))
        return _two_loop(g, S, Y, rho)

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        value, g = self._start()
        if not (math.isfinite(value) and torch.isfinite(g).all()):
            return monitor(math.inf)
        here = self.latest
        gtol = _full_batch_tol(self.objective, tol) * float(g.abs().max())
        if gtol == 0:
            return True
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
            if sy > _EPS * float(y @ y):  # still positive curvature
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

            t, new, new_g = _wolfe_search(phi, value, slope)
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
            if sy > _EPS * float(y @ y):  # keeps H positive definite
                remember(s, y, sy)
                self.pairs.append((s, y - self.curvature * s))
                if len(S) > self.memory:
                    del S[0], Y[0], rho[0], self.pairs[0]
            previous, value, g, x = value, new, new_g, x_new
            n_iter += 1
            if monitor(value):
                break
            if float(g.abs().max()) <= gtol:
                converged = True
                break
            if previous - value <= 64 * _EPS * max(abs(value), 1.0):
                converged = True  # scipy's ftol test
                break
        # The data loss and its gradient where this fit ended: the next fit of a
        # path begins there and needs no evaluation of its own (one in six of a
        # path's, at a few iterations per alpha). In the cache, as they hold for
        # this training set only.
        self.objective.cache["lbfgs_end"] = (self.flat.vector.clone(), *here)
        return converged


def _two_loop(g, S: list, Y: list, rho: list[float]):
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


def _wolfe_search(
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


def _lbfgs(objective: Objective, flat: _Flat, **kwargs):
    """L-BFGS for a network with a smooth objective (:class:`_LBFGS`), scipy's
    L-BFGS-B otherwise (:class:`_LBFGSB`).
    """
    linear = getattr(objective.module, "is_linear", False)
    smooth = objective.smooth_only
    return (_LBFGSB if linear or not smooth else _LBFGS)(objective, flat, **kwargs)


# ``full_batch`` of the factory, which ``train`` reads before building a runner.
_lbfgs.full_batch = True

_EPS = float(np.finfo(np.float64).eps)


def autograd_derivatives(
    loss: Callable, out: Tensor, Y: Tensor, weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """``loss(out, Y, weight)``, its gradient ``(n, K)`` and its Hessian
    ``(n, K, K)`` in the outputs, by autograd: one backward pass per output
    column. Newton's method for a loss without closed-form derivatives, and the
    reference the estimators' closed forms are tested against.
    """
    with torch.enable_grad():
        out = out.detach().requires_grad_()
        value = loss(out, Y, weight)
        (g,) = torch.autograd.grad(value, out, create_graph=True)
        K = out.shape[1]
        rows = [
            torch.autograd.grad(g[:, k].sum(), out, retain_graph=k < K - 1)[0]
            for k in range(K)
        ]
    return value.detach(), g.detach(), torch.stack(rows, dim=1)


class _Newton:
    """Newton's method for a linear model: an exact Hessian, a Cholesky solve per
    step (a pseudo-inverse one where the Hessian is singular, see
    :func:`_spd_solve`) and a backtracking (Armijo) line search, like
    scikit-learn's ``newton-cholesky`` solver; proximal Newton when the
    objective has an L1 term (Lasso, ElasticNet, L1 logistic regression, and
    their multi-output and multinomial forms with a group per feature).

    For ``f(x) = W x + b`` the Hessian of the data loss is
    ``sum_i H_i (x) [x_i, 1] [x_i, 1]^T`` and its gradient
    ``sum_i g_i (x) [x_i, 1]``, where ``g_i`` and ``H_i`` are the loss's
    gradient and Hessian in sample ``i``'s outputs (``Objective.derivatives``,
    closed forms the estimators supply, or autograd), so the solver knows
    nothing of the loss and nothing passes back through the network. The
    smooth penalties add a constant diagonal. A squared loss is quadratic: one
    step solves it.

    Newton's method is affine invariant in exact arithmetic, not in floating
    point: a feature with a large mean makes ``[x_i, 1]`` nearly collinear
    with the intercept (a condition number of 1e16 for a mean of 1e4 against
    a spread of one) and a constant feature makes it exactly so. So the solver
    works, as scikit-learn's linear models do, on centred inputs: its
    coordinates are ``W`` and the intercept ``c = b + W x_mean`` of
    ``f(x) = W (x - x_mean) + c`` (``x_mean`` the weighted mean of the
    inputs), which leaves a squared loss's Hessian block-diagonal between ``W``
    and ``c`` and a constant feature a zero column.

    The iterates, gradients and Hessians are numpy float64 arrays, whatever the
    parameters' dtype and device: only the outputs and the two sums over samples
    run in torch. A system has at most ``NEWTON_MAX_COEFS`` unknowns, and a
    torch call costs a few times a numpy call at that size.

    With an L1 term ``sum_j l1_j |x_j|`` each step minimises the quadratic model
    plus the L1 term exactly, by active sets (:func:`_active_set_solve`: they
    stop when the set of non-zero coefficients and their signs repeat, at which
    point the model's optimality conditions hold to rounding error); with
    group norms ``sum_g l1_g ||x_g||_2`` by :func:`_group_active_set`. The line
    search is the proximal-Newton one (Lee, Sun & Saunders, 2014). A squared
    loss again takes one step, with exact zeros.
    """

    full_batch = True

    def __init__(self, objective: Objective, flat: _Flat, **_):
        self.objective, self.flat = objective, flat
        layer = objective.module.linears[0]
        K, d = layer.weight.shape
        # Newton's coordinates run (output k, input j), the intercept as input d:
        # the layout of :func:`_gram_blocks`. They are ``flat.vector[perm]``.
        w, b = (flat.slice(flat.index(p)) for p in (layer.weight, layer.bias))
        self.perm = np.hstack(
            [
                np.arange(w.start, w.stop).reshape(K, d),
                np.arange(b.start, b.stop)[:, None],
            ]
        ).ravel()
        self.inverse = np.argsort(self.perm)
        self.shape = (K, d + 1)
        if "mean" not in objective.cache:
            objective.cache["mean"] = _weighted_mean(objective.X, objective.weight)
        self.mean = objective.cache["mean"]
        curvature = _penalty_curvature(objective, flat).cpu().double().numpy()
        self.curvature = curvature[self.perm]
        self.groups = _Groups.of(objective, flat, self.perm)
        self.derivatives = objective.derivatives or functools.partial(
            autograd_derivatives, objective.loss
        )
        self.model = None
        if objective.quadratic:
            if "model" not in objective.cache:
                # At zero weights the outputs are zero and the smooth penalties
                # and their gradients vanish: the data loss there, its gradient
                # and its (constant) Hessian are the whole model, from one pass.
                f0, g0, H_out = self._derivatives(
                    objective.Y.new_zeros(objective.Y.shape)
                )
                objective.cache["model"] = (
                    f0,
                    -_gram_vector(objective.X, g0, self.mean),
                    _gram_blocks(objective.X, H_out, self.mean),
                )
            self.model = objective.cache["model"]

    def _derivatives(self, out: Tensor) -> tuple[float, Tensor, Tensor]:
        obj = self.objective
        with torch.no_grad():
            value, g, H_out = self.derivatives(out, obj.Y, obj.weight)
        return float(value), g.double(), H_out.double()

    def _centred(self, params: np.ndarray) -> np.ndarray:
        """Newton's coordinates of ``params`` (``flat.vector[perm]``):
        ``c = b + W x_mean`` in place of ``b``.
        """
        x = params.reshape(self.shape).copy()
        x[:, -1] += x[:, :-1] @ self.mean
        return x.ravel()

    def _read(self) -> np.ndarray:
        return self._centred(self.flat.vector.cpu().double().numpy()[self.perm])

    def _set(self, x: np.ndarray) -> np.ndarray:
        """Write ``x`` into the parameters; ``x`` as they hold it (float32
        parameters round it).
        """
        params = x.reshape(self.shape).copy()
        params[:, -1] -= params[:, :-1] @ self.mean
        vector = self.flat.vector
        vector.copy_(torch.from_numpy(params.ravel()[self.inverse]))
        if vector.dtype == torch.float64 and vector.device.type == "cpu":
            return x
        return self._read()

    def _state(self, x: np.ndarray) -> tuple[float, np.ndarray, float, Tensor | None]:
        """Objective, smooth gradient and KKT violation at ``x``, which the
        parameters hold, and the loss's Hessian in the outputs there (None for a
        quadratic loss).

        A quadratic objective is its own second-order model: value and gradient
        come from the Hessian, the gradient at zero weights and the value there,
        without a pass over the data. Along a path of ridge or lasso fits the
        data is then read once per training set, as by scikit-learn's
        ``precompute=True`` Gram matrix.
        """
        H_out, curved = None, self.curvature * x
        if self.model is not None:
            f0, c, H = self.model
            with np.errstate(invalid="ignore", over="ignore"):  # run() checks H
                Hx = H @ x
                grad = Hx - c + curved
                value = f0 - float(c @ x) + 0.5 * float(x @ (Hx + curved))
        else:
            obj = self.objective
            with torch.no_grad():
                out = obj.module(obj._X_full)
            value, g, H_out = self._derivatives(out)
            grad = _gram_vector(obj.X, g, self.mean) + curved
            value += 0.5 * float(x @ curved)
        violation = self.groups.violation(x, grad)
        return value + self.groups.value(x), grad, violation, H_out

    def _hessian(self, H_out: Tensor | None) -> np.ndarray:
        if H_out is None:
            data = self.model[2]
        else:
            data = _gram_blocks(self.objective.X, H_out, self.mean)
        return data + np.diag(self.curvature)

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        groups = self.groups
        x = self._read()
        value, grad, violation, H_out = self._state(x)
        if not math.isfinite(value):
            return monitor(value)
        gtol = _full_batch_tol(self.objective, tol) * violation
        if gtol == 0:
            return True
        smooth = not groups.strength.any()
        # A step below the parameters' resolution changes nothing: float32
        # weights cannot meet a float64 tolerance.
        resolution = torch.finfo(self.flat.vector.dtype).eps
        for _ in range(max_iter):
            H = self._hessian(H_out)
            if not np.isfinite(H).all():  # inputs too large for float64
                return monitor(math.inf)
            if smooth:
                step = _spd_solve(H, -grad)
                decrease = float(grad @ step)
            else:
                b = H @ x - grad
                if groups.singletons:
                    step = _active_set_solve(H, b, groups.strength, x) - x
                else:
                    step = _group_active_set(H, b, x, groups) - x
                # The proximal-Newton decrease: gradient term plus the L1 change.
                decrease = float(grad @ step) + groups.value(x + step) - groups.value(x)
            if np.abs(step).max() <= 4 * resolution * np.abs(x).max():
                return True
            t = 1.0
            while True:
                trial = self._set(x + t * step)
                # The gradient comes with the value: the full step is almost
                # always taken, and the next iteration needs it.
                new = self._state(trial)
                # Armijo, with room for rounding at the optimum.
                if new[0] <= value + 1e-4 * t * decrease + 64 * _EPS * abs(value):
                    break
                t *= 0.5
                if t < 1e-10:
                    self._set(x)
                    return True  # no progress possible in floating point
            x = trial
            previous = value
            value, grad, violation, H_out = new
            if monitor(value):
                return False
            # The violation of float32 outputs stalls near their resolution,
            # above a float64 target: stop when the objective does too.
            if violation <= gtol or previous - value <= 4 * resolution * abs(value):
                return True
        return False


def _weighted_mean(X, weight: Tensor | None) -> np.ndarray:
    """The (sample-weighted) mean of the rows of ``X``, in float64."""
    if sp.issparse(X):
        if weight is None:
            return np.asarray(X.sum(axis=0, dtype=np.float64)).ravel() / X.shape[0]
        w = weight.cpu().double().numpy()
        return np.asarray(X.T @ w, dtype=np.float64).ravel() / w.sum()
    with torch.no_grad():
        if weight is None:
            return X.double().mean(dim=0).cpu().numpy()
        w = weight.double()
        return ((w @ X.double()) / w.sum()).cpu().numpy()


def _gram_blocks(X, H_out: Tensor, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``sum_i H_out[i] (x) x1_i x1_i^T`` with ``x1_i = (x_i - mean, 1)``, in
    float64: block ``(k, l)`` is ``X1^T diag(H_out[:, k, l]) X1``, rows ordered
    (output, input).

    Dense ``X`` is converted to float64 and centred a chunk of rows at a time
    (a float64 copy of a 1,000,000 x 100 float32 set is 800 MB, twice the
    set); a scipy sparse ``X`` goes through scipy's sparse products and is
    never densified: its blocks are centred afterwards, ``P B P^T`` with
    ``P = [[I, -mean], [0, 1]]``.
    """
    n, K = H_out.shape[0], H_out.shape[1]
    pairs, shared = [(0, 0)], False
    if K > 1:
        # Blocks (k, l) and (l, k) are transposes, and a squared loss's are zero
        # off the diagonal: one matrix product per block needed. (``amax`` of
        # the magnitudes: torch's ``any`` over a dimension is 5x slower.)
        needed = (H_out.abs().amax(dim=0) > 0).cpu().numpy()
        pairs = [(k, m) for k in range(K) for m in range(k, K) if needed[k][m]]
        # A squared loss weighs every output alike: its diagonal blocks are equal.
        diagonal = H_out.diagonal(dim1=1, dim2=2)
        shared = len(pairs) == K and bool((diagonal == diagonal[:, :1]).all())
        if shared:
            pairs = [(0, 0)]
    d1 = X.shape[1] + 1
    H = np.zeros((K, d1, K, d1))
    if sp.issparse(X):
        h = H_out.cpu().numpy()
        P = np.eye(d1)
        P[:-1, -1] = -mean
        block = np.empty((d1, d1))
        for k, m in pairs:
            # ``[X, 1]^T diag(w) [X, 1]`` by parts: stacking the column of ones
            # onto X cost as much as a third of the product (5000 x 100 at 5 %).
            w = h[:, k, m]
            block[:-1, :-1] = (X.T @ X.multiply(w[:, None])).toarray()
            block[:-1, -1] = block[-1, :-1] = X.T @ w
            block[-1, -1] = w.sum()
            H[k, :, m] = P @ block @ P.T
    else:
        shift = torch.from_numpy(mean).to(X.device)
        for start in range(0, n, chunk):
            rows = X[start : start + chunk]
            X1 = torch.ones((len(rows), d1), dtype=torch.float64, device=X.device)
            torch.sub(rows, shift, out=X1[:, :-1])  # centred: one copy
            h = H_out[start : start + chunk]
            for k, m in pairs:
                H[k, :, m] += (X1.T @ (h[:, k, m, None] * X1)).cpu().numpy()
    for k, m in pairs:
        if k != m:
            H[m, :, k] = H[k, :, m].T
    if shared:
        for k in range(1, K):
            H[k, :, k] = H[0, :, 0]
    return H.reshape(K * d1, K * d1)


def _gram_vector(X, g: Tensor, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``sum_i g[i] (x) x1_i`` with ``x1_i = (x_i - mean, 1)``, in float64,
    ordered (output, input) like :func:`_gram_blocks`: the gradient in the
    centred coordinates of :class:`_Newton` of a loss whose gradient in the
    outputs is ``g``.
    """
    if sp.issparse(X):
        g_np = g.cpu().numpy()
        Xg = np.vstack([np.asarray(X.T @ g_np), g_np.sum(axis=0, keepdims=True)])
        # sum_i g_i (x_i - mean) = X^T g - mean sum_i g_i: sparse X stays sparse.
        Xg[:-1] -= np.outer(mean, Xg[-1])
        return Xg.T.reshape(-1)
    # Dense rows are centred before the product: the formula above would lose
    # |mean| / spread digits, and a constant feature's gradient would not be 0.
    shift = torch.from_numpy(mean).to(g.device)
    Xg = g.new_zeros((X.shape[1] + 1, g.shape[1]))
    for start in range(0, g.shape[0], chunk):
        rows = g[start : start + chunk]
        Xg[:-1] += torch.sub(X[start : start + chunk], shift).T @ rows
        Xg[-1] += rows.sum(dim=0)
    return Xg.T.reshape(-1).cpu().numpy()


def _active_set_solve(
    A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """Minimise ``1/2 z^T A z - b^T z + sum_j l1_j |z_j|`` for a symmetric positive
    semi-definite ``A``, starting from ``z``.

    The primal-dual active-set method (:func:`_pdas`) changes many coordinates
    at once and converges in a few solves from a nearby start, as along a path
    or in the last steps of proximal Newton; it has no global guarantee and
    cycles on correlated features (``load_diabetes`` from zero). There the
    monotone active-set method of :func:`_working_set` takes over, which
    changes one coordinate at a time and cannot cycle.
    """
    found, converged = _pdas(A, b, l1, z)
    return found if converged else _working_set(A, b, l1, found)


def _working_set(A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray):
    """Lawson and Hanson's active-set method (for non-negative least squares,
    1974) on the problem of :func:`_active_set_solve`, in sign-oriented
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
    tol = _rounding(b, l1)
    for _ in range(4 * len(b) + 10):
        while True:
            idx = working.nonzero()[0]
            target = np.zeros(len(x))
            if len(idx):
                rhs = (b - l1 * signs)[idx]
                target[idx] = _spd_solve(_submatrix(A, idx), rhs, _ridge_solve)
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


def _group_active_set(
    A: np.ndarray, b: np.ndarray, z: np.ndarray, groups: _Groups
) -> np.ndarray:
    """Minimise ``1/2 z^T A z - b^T z + sum_g lam_g ||z_g||_2`` (groups of
    :class:`_Groups`) for a symmetric positive semi-definite ``A``, from ``z``.

    Rounds of a block-coordinate sweep (:func:`_group_sweep`: it sets groups
    to zero and brings them back, and cannot stall) followed by Newton's method
    on the non-zero groups (:func:`_group_newton`, where the objective is
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
    lipschitz = np.maximum(largest, _EPS)
    free = np.flatnonzero(~groups.penalised)
    tol = 1e-10 * max(float(np.abs(b).max()), float(groups.lam.max()))
    x = z.copy()
    support = groups.norms(x) > 0
    for _ in range(100):
        x = _group_sweep(A, b, x, groups, lipschitz, free, rows)
        # Newton once a sweep leaves the non-zero groups unchanged: on a wrong
        # set it stalls on the groups heading for zero.
        previous, support = support, groups.norms(x) > 0
        if np.array_equal(support, previous):
            x = _group_newton(A, b, x, groups, tol)
        if groups.violation(x, A @ x - b) <= tol:
            return x
    return _group_fista(A, b, x, groups, tol)


def _group_fista(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: _Groups,
    tol: float,
    max_iter: int = 20000,
) -> np.ndarray:
    """Accelerated proximal gradient (FISTA with adaptive restart) for the
    problem of :func:`_group_active_set`, from ``x``, until the optimality
    conditions hold to ``tol`` or ``max_iter`` iterations.

    The fallback where sweeps and Newton stall: an ill-posed problem (more
    features than samples, at a tiny alpha) whose flat quadratic makes every
    block step short and every Newton set wrong. An iteration is one product
    with ``A`` and a vectorised group soft-threshold (a few microseconds at a
    hundred coefficients), so it can afford the tens of thousands of
    iterations that scikit-learn's coordinate descent also spends there.
    """
    L = max(float(np.linalg.eigvalsh(A)[-1]), _EPS)
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


def _group_sweep(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: _Groups,
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
        A_ff = _submatrix(A, free)
        new = _spd_solve(A_ff, r[free] + A_ff @ x[free])
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


def _quadratic_l1(
    A: np.ndarray, b: np.ndarray, x: np.ndarray, groups: _Groups
) -> float:
    """The objective of :func:`_group_active_set` at ``x``."""
    return 0.5 * float(x @ (A @ x)) - float(b @ x) + groups.value(x)


def _group_newton(
    A: np.ndarray,
    b: np.ndarray,
    x: np.ndarray,
    groups: _Groups,
    tol: float,
    max_iter: int = 50,
) -> np.ndarray:
    """Newton's method with an Armijo line search for the problem of
    :func:`_group_active_set` over the unpenalised coordinates and the non-zero
    groups of ``x``, the others held at zero.

    There the group norms are smooth: ``lam_g u_g`` (``u_g = x_g / ||x_g||``)
    adds to the gradient and ``lam_g / ||x_g|| (I - u_g u_g^T)`` to the
    Hessian. It stops when the optimality conditions hold to ``tol`` (rounding
    error would fail every line search from there on), or where the line
    search needs short steps (a group heading through zero, where the norm is
    not smooth): the sweeps handle that.
    """
    lam = groups.lam
    value = _quadratic_l1(A, b, x, groups)
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
        grad, H = gradient[S], _submatrix(A, S)
        k = np.flatnonzero(groups.penalised[S])  # positions in S of group members
        of = groups.index[S[k]]
        norms = groups.norms(x)[of]
        u, scale = x[S[k]] / norms, lam[of] / norms
        grad[k] += lam[of] * u
        same = of[:, None] == of[None, :]
        H[np.ix_(k, k)] += np.diag(scale) - np.where(
            same, scale[:, None] * np.outer(u, u), 0.0
        )
        step = _spd_solve(H, -grad)
        slope = float(grad @ step)
        if not slope < 0:
            return x
        t = 1.0
        while True:
            trial = x.copy()
            trial[S] += t * step
            new = _quadratic_l1(A, b, trial, groups)
            if new <= value + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-3:
                return x
        x, value = trial, new
        if np.abs(t * step).max() <= 4 * _EPS * np.abs(x).max():
            return x
    return x


def _rounding(b: np.ndarray, l1: np.ndarray) -> float:
    """How far a gradient entry may exceed its L1 strength by rounding alone: a
    coordinate at exactly the threshold (a lasso at ``alpha_max``) stays zero.
    """
    return 1e-12 * max(float(np.abs(b).max()), float(l1.max()))


def _pdas(
    A: np.ndarray, b: np.ndarray, l1: np.ndarray, z: np.ndarray, max_iter: int = 20
) -> tuple[np.ndarray, bool]:
    """Primal-dual active-set iterations (Ito & Kunisch, 2008; for the lasso Fan,
    Jiao & Lu, 2014) for the problem of :func:`_active_set_solve`: ``(solution,
    True)``, or, if they revisit an active set without converging, ``(best,
    False)`` with ``best`` the iterate (``z`` included) of lowest objective, a
    start for :func:`_working_set` that is often nearer than ``z``.

    With the residual ``r = b - A z``, coordinate ``j`` is active when
    ``|A_jj z_j + r_j| > l1_j``, with that sign ``s_j``; the active coordinates
    solve ``A_AA z_A = b_A - l1_A s_A`` and the others are zero. When the
    active set and its signs repeat at once, the optimality conditions hold
    (``r_j = l1_j s_j`` on it, ``|r_j| <= l1_j`` off it, both to rounding) and
    the zeros are exact.
    """
    diagonal = A.diagonal()
    c = np.maximum(diagonal, _EPS * float(np.abs(diagonal).max()))
    free = l1 == 0
    r = b - A @ z
    tol = _rounding(b, l1)
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
            z[idx] = _spd_solve(_submatrix(A, idx), (b - l1 * signs)[idx])
        r = b - A @ z
    return best, False


def _submatrix(A: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``A[np.ix_(idx, idx)]``, in a sixth of its time (0.5 us against 3 us at
    ten coordinates): the active-set loops take one per linear solve.
    """
    return A.take(idx, axis=0).take(idx, axis=1)


def _spd_solve(
    A: np.ndarray, b: np.ndarray, singular: Callable | None = None
) -> np.ndarray:
    """Solve ``A x = b`` for a symmetric positive semi-definite ``A``: by Cholesky
    (LAPACK's ``dpotrf``/``dpotrs``), or by :func:`_pinv_solve` where ``A`` is
    singular to working precision.

    A singular direction shows as a vanishing Cholesky pivot (the Schur
    complement of the first coordinate it involves); the test is on the
    symmetrically scaled matrix ``D^-1/2 A D^-1/2`` (``D`` its diagonal), so
    that a feature measured in tiny units is not taken for a singular one: a
    scaled pivot below ``1e-10`` sends the solve to ``singular(A, b)``, by
    default the pseudo-inverse, which costs an eigendecomposition (16x a
    Cholesky solve at 200 coefficients). Newton's systems have at most
    ``NEWTON_MAX_COEFS`` unknowns, so they are solved in numpy on the CPU
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
    return (singular or _pinv_solve)(A, b)


def _pinv_solve(H: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of ``H x = b`` for a symmetric positive semi-definite
    ``H``. A multinomial model's intercepts are only defined up to a common shift
    (the Hessian is singular along it, the gradient orthogonal to it): a Cholesky
    solve would move along that direction by rounding error, the pseudo-inverse
    does not, so the intercepts keep summing to zero as scikit-learn's do.
    """
    eigenvalues, V = np.linalg.eigh(H)
    cutoff = eigenvalues[-1] * len(b) * _EPS
    positive = eigenvalues > cutoff
    inverse = np.where(positive, 1 / np.where(positive, eigenvalues, 1), 0.0)
    return V @ (inverse * (V.T @ b))


def _ridge_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``(A + delta I) x = b`` with ``delta = 1e-12 max(diag(A))``, for a
    singular ``A`` in the active-set methods: along a direction in which the
    quadratic is flat the solution is huge, ``(b . v) / delta``, so the step
    towards it is a step along that direction, which is where the L1 problem
    restricted to fixed signs decreases without bound, until a coordinate
    reaches zero and leaves the set. The pseudo-inverse would instead stop at
    the smallest such solution, which is not optimal.
    """
    delta = 1e-12 * max(float(A.diagonal().max()), _EPS)
    L, info = dpotrf(A + delta * np.eye(len(b)), lower=1, clean=0)
    return dpotrs(L, b, lower=1)[0] if info == 0 else _pinv_solve(A, b)


# Newton forms an (n_coefs x n_coefs) Hessian from every sample at each step;
# beyond a few hundred coefficients L-BFGS's cheaper steps win.
NEWTON_MAX_COEFS = 500


def full_batch_solver(objective: Objective) -> str:
    """The full-batch solver for a linear model.

    Newton (proximal Newton with an L1 term) with at most ``NEWTON_MAX_COEFS``
    coefficients when every non-smooth part is a sum of weight-column norms
    (elementwise with one output, a group per feature with several); else
    L-BFGS-B when it is elementwise (or absent); else FISTA.
    """
    n_coefs = sum(p.numel() for p in objective.module.parameters())
    terms = [(p, ts) for p, ts in objective.terms if not p.smooth_only]
    if n_coefs <= NEWTON_MAX_COEFS and all(
        p.group_form(ts) is not None for p, ts in terms
    ):
        return "newton"
    elementwise = all(p.bound_form(ts) is not None for p, ts in terms)
    return "lbfgs" if elementwise else "fista"


class _FISTA:
    """Full-batch accelerated proximal gradient (FISTA) in :class:`_Coordinates`.

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

    full_batch = True

    def __init__(self, objective: Objective, flat: _Flat, **_):
        self.objective, self.flat = objective, flat
        self.coords = _Coordinates(objective, flat)
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
            if getattr(penalty, "ties_inputs", False):
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
        f, g = _smooth_value_and_grad(self.objective, self.flat, affine)
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
            self.objective.prox(lambda tensor: steps.get(id(tensor), step))
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
        self.L *= 0.9  # let the step grow back after a conservative phase
        while True:
            x_new = self._prox(self.y - g_y / self.L, 1.0 / self.L)
            d = x_new - self.y
            f_new, affine_new = self._value(x_new)
            bound = f_y + g_y @ d + 0.5 * self.L * (d @ d)
            if not torch.isfinite(f_new) or f_new <= bound + 1e-12 * abs(float(f_y)):
                break
            if not d.any():  # no step left to shrink: rounding noise at y
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

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        try:
            return self._run(max_iter, tol, monitor)
        finally:
            if self.tied is not None:
                self.objective.restrict(None)
            if self.inherits:
                momentum = self.y - self.x
                self.state["fista"] = {"t": self.t, "L": self.L, "momentum": momentum}

    def _run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        threshold, previous = None, math.inf
        eps = 64 * torch.finfo(self.x.dtype).eps
        for k in range(max_iter):
            loss = self._step(last=k == max_iter - 1)
            if loss > previous:
                # Function-value restart (O'Donoghue & Candes): the momentum,
                # perhaps inherited from a much weaker alpha, overshot.
                self._restart()
            if threshold is None:
                threshold = _full_batch_tol(self.objective, tol) * self.gap
            if monitor(loss):
                return False
            if self.gap <= threshold or abs(previous - loss) <= eps * max(abs(loss), 1):
                if self.full:
                    return True
                self.since_full = self.REFRESH  # confirm it on every input
            previous = loss
        return False


class _Adam:
    """Adam (Kingma & Ba, 2015) with torch's defaults, on the flat parameter vector.

    The same update, element by element, as ``torch.optim.Adam`` (tested to the
    bit); written out because torch's optimizers import ``torch._dynamo`` (and
    sympy) on first use, a one-off 1-3 s per process that dominated small fits
    and every joblib worker (measured here). One vector instead of a list of
    tensors makes the update one call of torch's fused Adam kernel (or, where
    this torch has none, seven vector operations), and gradients are written in
    place into ``flat.grad`` instead of being allocated per batch.
    """

    def __init__(self, flat: _Flat, lr: float, betas=(0.9, 0.999), eps=1e-8):
        self.flat, self.lr, self.betas, self.eps = flat, lr, betas, eps
        self._index = {id(p): i for i, p in enumerate(flat.params)}
        self.m = torch.zeros_like(flat.vector)
        self.v = torch.zeros_like(flat.vector)
        self.t = 0
        self._t = torch.zeros(1, device=flat.vector.device)  # the fused kernel's

    def zero_grad(self) -> None:
        self.flat.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        grad = self.flat.grad
        beta1, beta2 = self.betas
        self.t += 1
        if _has_fused_adam(grad.device.type):
            # torch's fused kernel (what ``Adam(fused=True)`` calls): the same
            # update in one pass over the vectors instead of seven (tested).
            torch._fused_adam_(
                [self.flat.vector],
                [grad],
                [self.m],
                [self.v],
                [],
                [self._t.fill_(self.t)],
                lr=self.lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=0.0,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )
            return
        self.m.lerp_(grad, 1 - beta1)
        self.v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = self.v.sqrt().div_(math.sqrt(1 - beta2**self.t)).add_(self.eps)
        step = -self.lr / (1 - beta1**self.t)
        self.flat.vector.addcdiv_(self.m, denom, value=step)

    @torch.no_grad()
    def prox_step(self, tensor: Tensor) -> Tensor:
        """Step size of a proximal step in Adam's metric, per column of ``tensor``.

        The usual prox after Adam thresholds by ``lr * l1``, but Adam scales every
        coordinate's move to about ``lr``, so an L1 pull below one never wins and
        nothing becomes zero. In Adam's metric, ``lr / (sqrt(v_hat) + eps)``, the
        fixed points are the L1 optimality conditions ``|grad_j| <= l1``.
        """
        v = self.v[self.flat.slice(self._index[id(tensor)])].view_as(tensor)
        v_hat = v / (1 - self.betas[1] ** self.t)
        return (self.lr / (v_hat.sqrt() + self.eps)).mean(dim=0, keepdim=True)


@functools.cache
def _has_fused_adam(device_type: str) -> bool:
    """Whether this torch has a fused Adam kernel for ``device_type`` (CPU:
    torch 2.4 and later).
    """
    x = [torch.ones(1, device=device_type) for _ in range(5)]
    try:
        torch._fused_adam_(
            *([t] for t in x[:4]),
            [],
            [x[4]],
            lr=1e-3,
            beta1=0.9,
            beta2=0.999,
            weight_decay=0.0,
            eps=1e-8,
            amsgrad=False,
            maximize=False,
        )
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return True


class _SGD(_Adam):
    """SGD with Nesterov momentum 0.9, as ``torch.optim.SGD(momentum=0.9,
    nesterov=True)`` and scikit-learn's MLP defaults.
    """

    def __init__(self, flat: _Flat, lr: float, momentum: float = 0.9):
        self.flat, self.lr, self.momentum = flat, lr, momentum
        self.buffer: Tensor | None = None

    @torch.no_grad()
    def step(self) -> None:
        grad = self.flat.grad
        if self.buffer is None:
            self.buffer = grad.clone()
        else:
            self.buffer.mul_(self.momentum).add_(grad)
        update = grad.add(self.buffer, alpha=self.momentum)
        self.flat.vector.add_(update, alpha=-self.lr)

    def prox_step(self, tensor: Tensor) -> float:
        """Proximal SGD: the step size is the learning rate."""
        return self.lr


class _MiniBatch:
    """Epochs of shuffled mini-batch Adam or SGD; every update is followed by
    the penalties' proximal steps with the learning rate as step size.
    """

    full_batch = False

    def __init__(
        self,
        objective: Objective,
        flat: _Flat,
        *,
        solver: str,
        learning_rate: float,
        batch_size: int,
    ):
        self.objective, self.batch_size = objective, batch_size
        optimizer = _SGD if solver == "sgd" else _Adam
        self.optimizer = optimizer(flat, learning_rate)

    def _epoch(self) -> float:
        obj = self.objective
        n = obj.X.shape[0]
        full = self.batch_size >= n
        rows = None if full else torch.randperm(n, device=obj.Y.device)
        if obj.order is not None:  # dropout masks follow the rows too
            rows = obj.order if full else obj.order[rows]
        total = obj._zero.clone()
        for start in range(0, n, self.batch_size):
            idx = None if rows is None else rows[start : start + self.batch_size]
            self.optimizer.zero_grad()
            data = obj.backward(idx)
            self.optimizer.step()
            if not obj.smooth_only:
                obj.prox(self.optimizer.prox_step)
            total.add_(data, alpha=n if idx is None else idx.shape[0])
        with torch.no_grad():
            return float(total / n + obj.penalty())

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        for _ in range(max_iter):
            if monitor(self._epoch()):
                return monitor.converged
        return False


SOLVERS = {
    "newton": _Newton,
    "lbfgs": _lbfgs,
    "fista": _FISTA,
    "adam": _MiniBatch,
    "sgd": _MiniBatch,
}
_SOLVER_NAMES = {"newton": "Newton", "lbfgs": "L-BFGS", "fista": "FISTA"}


@dataclass
class History:
    """What a call of :func:`train` did; plain data, stored on the estimator."""

    n_iter: int = 0
    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] | None = None
    best_loss: float = math.inf
    best_validation_score: float | None = None
    converged: bool = False


class _Monitor:
    """The body of the training loop, called once per iteration with the
    objective value; returns True to stop.

    ``hooks`` are progress reporters (``skreg/_progress.py``): after every
    iteration each one's ``iteration_end(history)`` is called, and a True return
    stops training early without a convergence warning.
    """

    def __init__(
        self,
        params: list[Tensor],
        *,
        full_batch: bool,
        tol: float,
        n_iter_no_change: int,
        validation: Callable[[], float] | None,
        verbose: int,
        hooks: tuple = (),
        convex: bool = False,
    ):
        self.params, self.full_batch = params, full_batch
        # A network's optimum is not unique: like scikit-learn's MLP, stop when
        # the loss stalls, whatever the solver. Convex (linear) models are left
        # to their solver's optimality test, which is far stricter.
        self.patience = not full_batch or not convex
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.validation = validation if not full_batch else None
        self.verbose, self.hooks = verbose, hooks
        self.stop_requested = False
        self.history = History(validation_scores=[] if self.validation else None)
        self.last_good = [p.detach().clone() for p in params]
        # A mini-batch epoch's loss is averaged over weights seen during the epoch,
        # so the weights after its last update are unchecked: keep the ones before.
        self.previous = None if full_batch else [p.detach().clone() for p in params]
        self.best_weights = (
            [p.detach().clone() for p in params] if self.validation else None
        )
        self.best_score, self.stalled = -math.inf, 0
        self.stopped = self.converged = False
        self.diverged: float | None = None

    def __call__(self, loss: float) -> bool:
        h = self.history
        if not math.isfinite(loss):
            _copy(self.params, self.last_good)
            self.diverged, self.stopped = loss, True
            return True
        h.n_iter += 1
        h.loss_curve.append(loss)
        h.best_loss = min(h.best_loss, loss)
        if self.previous is not None:
            _copy(self.previous, self.last_good)
        _copy(self.last_good, self.params)
        if self.verbose:
            print(f"Iteration {h.n_iter}, loss = {loss:.8f}")
        stop = self._stopping_rule(loss)
        # Every hook sees every iteration, the last one included.
        requests = [hook.iteration_end(h) for hook in self.hooks]
        if any(requests) and not stop:
            self.stopped = self.stop_requested = True
            return True
        return stop

    def _stopping_rule(self, loss: float) -> bool:
        """Validation score, patience and best weights."""
        h = self.history
        if not self.patience:
            return False
        if self.validation is not None:
            score = self.validation()
            h.validation_scores.append(score)
            if self.verbose:
                print(f"Validation score: {score:.6f}")
            self.stalled = (
                0 if score >= self.best_score + self.tol else self.stalled + 1
            )
            if score > self.best_score:
                self.best_score = score
                _copy(self.best_weights, self.params)
        else:
            improved = loss <= min(h.loss_curve[:-1], default=math.inf) - self.tol
            self.stalled = 0 if improved else self.stalled + 1
        if self.stalled > self.n_iter_no_change:
            self.stopped = self.converged = True
            if self.verbose:
                what = "Validation score" if self.validation else "Training loss"
                print(
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            return True
        return False


def _final_objective(objective: Objective, rows: int = 8192) -> float:
    """Return the objective on the first ``rows`` training samples (all of them on
    smaller data sets): whether the last mini-batch update left a usable network.

    A full pass would cost a third of an epoch of arithmetic on large data (a
    one-epoch fit of 1,000,000 x 100 samples spent a third of its time there, and
    its 65536-row chunks of hidden activations were a third of the fit's peak
    memory), and weights that overflow the outputs overflow them on every row.
    """
    n, device = objective.X.shape[0], objective.Y.device
    with torch.no_grad():
        idx = None if n <= rows else torch.arange(rows, device=device)
        return float(objective.data(idx) + objective.penalty())


def _is_out_of_memory(exc: BaseException) -> bool:
    """Whether torch failed to allocate memory (CUDA, MPS or CPU allocators)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    message = str(exc)
    return "out of memory" in message or "can't allocate memory" in message


def _copy(dst: list[Tensor], src: list[Tensor]) -> None:
    with torch.no_grad():
        for d, s in zip(dst, src, strict=True):
            d.copy_(s)


# Below this many floating-point operations per forward pass, torch's worker
# threads cost more in wake-ups than they save.
_PARALLEL_FLOPS = 1e7


@contextmanager
def _threads(module: nn.Module, batch_size: int) -> Iterator[None]:
    """Run numpy's and scipy's BLAS on one thread, and torch too on small problems.

    Training does only vector work in numpy/scipy (L-BFGS-B's updates,
    conversions), but a multi-threaded OpenBLAS spin-waits after every call and
    takes the cores from torch's own threads: on 2 cores, full-batch L-BFGS on
    2000x50 with one hidden layer of 100 ran 9x faster with OpenBLAS on one
    thread (0.66 s -> 0.07 s; (256, 256): 2.8 s -> 0.56 s, and 1.6x faster than
    torch on one thread too), while Adam epochs were unchanged. Torch's matmuls
    (MKL, driven by torch's own thread count) are left alone on large problems,
    so they keep the caller's settings (which joblib workers already limit).
    """
    if hasattr(module, "weights"):  # skreg's Net: no walk of the module tree
        weights = module.weights()
    else:
        weights = [p for p in module.parameters() if p.dim() > 1]
    flops = 2 * batch_size * sum(w.numel() for w in weights)
    with one_blas_thread():
        if flops >= _PARALLEL_FLOPS:
            yield
        else:
            with _TORCH_ONE_THREAD.hold():
                yield


class _SharedSetting:
    """A process-wide setting held while any thread needs it.

    ``apply()`` runs on the first entry and returns what ``restore`` takes on the
    last exit. Thread counts belong to the process, not to a thread: with each
    thread saving and restoring its own view, concurrent fits (or ``predict``
    from several threads) could leave the process on one thread for good.
    Nested entries cost a lock and a counter, no call into threadpoolctl
    (20-50 us) or torch.
    """

    def __init__(self, apply: Callable[[], object], restore: Callable[[object], None]):
        self.apply, self.restore = apply, restore
        self.lock, self.users, self.saved = threading.Lock(), 0, None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self.lock:
            if self.users == 0:
                self.saved = self.apply()
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    self.restore(self.saved)


def _torch_one_thread() -> int:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    return previous


_TORCH_ONE_THREAD = _SharedSetting(_torch_one_thread, torch.set_num_threads)
_BLAS_ONE_THREAD = _SharedSetting(
    lambda: _blas_controller().limit(limits=1, user_api="blas"),
    lambda limiter: limiter.restore_original_limits(),
)


def one_blas_thread() -> AbstractContextManager[None]:
    """Run numpy's and scipy's BLAS on one thread (see :func:`_threads`). Inside
    another such block it costs nothing: a regularisation path holds it across
    its fits and scores, instead of paying threadpoolctl's 20-50 us per call.
    """
    return _BLAS_ONE_THREAD.hold()


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Threadpoolctl's view of the loaded BLAS/OpenMP libraries, built once: a
    fresh ``threadpool_limits`` rescans them (about 1 ms per fit).
    """
    return ThreadpoolController()


def train(
    objective: Objective,
    *,
    solver: str,
    max_iter: int,
    tol: float,
    n_iter_no_change: int,
    learning_rate: float,
    batch_size: int,
    validation: Callable[[], float] | None = None,
    verbose: int = 0,
    hooks: tuple = (),
) -> History:
    """Minimise ``objective`` in place and return the :class:`History`.

    Full-batch solvers ('newton', 'lbfgs', 'fista') stop when their optimality
    measure (the KKT violation, the largest projected-gradient entry, the
    proximal-gradient mapping) has shrunk by ``tol * 1e-4`` relative to the start
    (``tol`` for networks), or when the objective no longer changes in floating
    point. Mini-batch solvers ('adam',
    'sgd') stop, like scikit-learn's MLP, when the training loss (or, given
    ``validation``, the validation score) has not improved by ``tol`` for more
    than ``n_iter_no_change`` epochs; with ``validation`` the best weights are
    restored at the end. A non-finite objective restores the last finite weights
    and warns; an interrupt (Ctrl-C) keeps them and warns. ``hooks`` (see
    :class:`_Monitor`) are closed when training ends, however it ends.
    """
    flat = _Flat([p for p in objective.module.parameters() if p.requires_grad])
    batch = objective.X.shape[0] if SOLVERS[solver].full_batch else batch_size
    try:
        with _threads(objective.module, batch):
            return _train(
                objective,
                flat,
                solver=solver,
                max_iter=max_iter,
                tol=tol,
                n_iter_no_change=n_iter_no_change,
                learning_rate=learning_rate,
                batch_size=batch_size,
                validation=validation,
                verbose=verbose,
                hooks=hooks,
            )
    finally:
        flat.release()


def _train(
    objective: Objective,
    flat: _Flat,
    *,
    solver: str,
    max_iter: int,
    tol: float,
    n_iter_no_change: int,
    learning_rate: float,
    batch_size: int,
    validation: Callable[[], float] | None,
    verbose: int,
    hooks: tuple,
) -> History:
    """:func:`train` on the parameters of ``flat``."""
    params = [flat.vector]  # every parameter at once, for the monitor's copies
    runner = SOLVERS[solver](
        objective,
        flat,
        solver=solver,
        learning_rate=learning_rate,
        batch_size=batch_size,
    )
    monitor = _Monitor(
        params,
        full_batch=runner.full_batch,
        convex=getattr(objective.module, "is_linear", False),
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        validation=validation,
        verbose=verbose,
        hooks=hooks,
    )
    history = monitor.history
    # Only dropout behaves differently in training: a network without it stays
    # in eval mode (switching walks the module tree, twice per fit of a path).
    toggle = getattr(objective.module, "mode_dependent", True)
    if toggle:
        objective.module.train()
    try:
        history.converged = runner.run(max_iter, tol, monitor) or monitor.converged
    except RuntimeError as exc:  # torch's OutOfMemoryError is one
        if not _is_out_of_memory(exc):
            raise
        n = objective.X.shape[0]
        held = f"all {n} samples (full-batch solver {solver!r})"
        if not runner.full_batch:
            held = f"batch_size={batch_size} samples"
        raise MemoryError(
            f"Out of memory on {objective.X.device} while training on {held} at "
            "once. Lower batch_size (with solver='adam' or 'sgd'), use smaller "
            "hidden_layer_sizes, or train on another device."
        ) from exc
    except KeyboardInterrupt:
        _copy(params, monitor.last_good)
        warnings.warn(
            f"Training interrupted after {history.n_iter} iterations; the weights of "
            "the last completed iteration were kept. Fit again with warm_start=True "
            "to continue.",
            ConvergenceWarning,
            stacklevel=3,
        )
        return history
    finally:
        if toggle:
            objective.module.eval()
        for hook in hooks:
            hook.close()
    if monitor.best_weights is not None and history.validation_scores:
        _copy(params, monitor.best_weights)
        history.best_validation_score = monitor.best_score
    if monitor.previous is not None and history.n_iter:
        final = _final_objective(objective)
        if not math.isfinite(final):
            # The last update overflowed the network: step back one epoch.
            _copy(params, monitor.previous)
            monitor.diverged = final
            history.n_iter -= 1
            history.loss_curve.pop()
            history.best_loss = min(history.loss_curve, default=math.inf)
            if history.n_iter and not math.isfinite(_final_objective(objective)):
                history.n_iter = 0
    if monitor.diverged is not None:
        if history.n_iter == 0:
            raise ValueError(
                f"The training objective is {monitor.diverged} from the first "
                "iteration: the inputs or targets are too large for the network, or "
                "learning_rate_init is too high. Scale the data (e.g. with "
                "StandardScaler) or lower learning_rate_init."
            )
        warnings.warn(
            f"The training objective became {monitor.diverged} after iteration "
            f"{history.n_iter}; training stopped and the weights of iteration "
            f"{history.n_iter} were restored. Lower learning_rate_init or scale the "
            "inputs.",
            ConvergenceWarning,
            stacklevel=3,
        )
    elif not history.converged and not monitor.stop_requested:
        warnings.warn(
            f"{_SOLVER_NAMES.get(solver, 'Stochastic Optimizer')}: Maximum iterations "
            f"({max_iter}) reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return history
