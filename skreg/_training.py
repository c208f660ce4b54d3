"""The one training loop.

:func:`train` runs a solver over an :class:`Objective`. A solver only knows how to
iterate (scipy's L-BFGS-B, FISTA, or epochs of mini-batch Adam/SGD followed by
proximal steps) and when *it* has converged; after every iteration it hands the
objective value to the one :class:`_Monitor`, which owns everything else: the
loss curve, ``verbose`` output, the mini-batch stopping rule, early stopping with
best-weight restore, and divergence and interrupt handling.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits
from torch import Tensor, nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

# Full-batch solvers are cheap per digit of accuracy: they stop when the largest
# (projected) gradient entry has shrunk by ``tol * FULL_BATCH_TOL_FACTOR``
# relative to its value at the start. At the default ``tol=1e-4`` this solves
# convex problems to about six significant digits, even ill-conditioned ones such
# as ``load_diabetes`` at small alpha.
FULL_BATCH_TOL_FACTOR = 1e-4


@dataclass
class Objective:
    """``data loss + sum of penalties`` for one module and one training set.

    ``weight`` holds sample weights rescaled to mean one (None: uniform), so the
    mean over any batch is an unbiased estimate of the full weighted mean loss and
    the objective does not depend on the batch size.
    """

    module: nn.Module
    X: Tensor
    Y: Tensor
    weight: Tensor | None
    loss: Callable[[Tensor, Tensor], Tensor]
    terms: list = field(default_factory=list)  # [(penalty, [tensors]), ...]

    @property
    def smooth_only(self) -> bool:
        return all(p.smooth_only for p, _ in self.terms)

    def data(self, idx: Tensor | None = None) -> Tensor:
        X, Y, w = self.X, self.Y, self.weight
        if idx is not None:
            X, Y, w = X[idx], Y[idx], None if w is None else w[idx]
        losses = self.loss(self.module(X), Y)
        return (losses if w is None else losses * w).mean()

    def smooth_penalty(self) -> Tensor:
        return sum((p.smooth(ts) for p, ts in self.terms), self.X.new_zeros(()))

    def penalty(self) -> Tensor:
        return sum((p.value(ts) for p, ts in self.terms), self.X.new_zeros(()))

    def prox(self, step: float) -> None:
        for p, ts in self.terms:
            p.prox(ts, step)


class _LBFGSB:
    """Full-batch L-BFGS-B from scipy, the solver of scikit-learn's MLP and
    LogisticRegression. An elementwise L1 term ``l1 * |theta|`` becomes smooth
    through the split ``theta = theta_plus - theta_minus`` with both halves
    bounded below by zero: active bounds give exact zeros.

    A linear model is solved in diagonally rescaled variables ``z = D * theta``
    (see :func:`_diagonal_scale`), which leaves the solution unchanged but makes
    the iteration count independent of the scale of the features.
    """

    full_batch = True

    def __init__(self, objective: Objective, params: list[Tensor], **_):
        self.objective, self.params = objective, params
        self.offsets = np.cumsum([0] + [p.numel() for p in params])
        self.split: list[tuple[int, float]] = []  # (parameter index, l1 strength)
        for penalty, tensors in objective.terms:
            if penalty.smooth_only:
                continue
            form = penalty.bound_form(tensors)
            if form is None:
                raise ValueError(
                    f"solver='lbfgs' cannot handle the {type(penalty).__name__} "
                    "penalty of this network; use solver='fista', 'adam' or 'sgd'."
                )
            index = next(i for i, p in enumerate(params) if p is form[0])
            self.split.append((index, form[1]))
        scale = _diagonal_scale(objective, params)
        self.scale = np.concatenate(
            [scale, *(scale[self._slice(i)] for i, _ in self.split)]
        )

    def _slice(self, i: int) -> slice:
        return slice(self.offsets[i], self.offsets[i + 1])

    def _tails(self, z: np.ndarray) -> list[np.ndarray]:
        """The ``theta_minus`` halves stored after the parameters."""
        sizes = [self.params[i].numel() for i, _ in self.split]
        return np.split(z[self.offsets[-1] :], np.cumsum(sizes)[:-1]) if sizes else []

    def _set(self, z: np.ndarray) -> None:
        x = z / self.scale
        flat = x[: self.offsets[-1]]
        for (i, _), minus in zip(self.split, self._tails(x)):
            flat[self._slice(i)] -= minus
        p = self.params[0]
        vector_to_parameters(
            torch.as_tensor(flat, dtype=p.dtype, device=p.device), self.params
        )

    def _fun(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        self._set(z)
        for p in self.params:
            p.grad = None
        with torch.enable_grad():
            loss = self.objective.data() + self.objective.smooth_penalty()
            loss.backward()
        grad = torch.cat([p.grad.reshape(-1) for p in self.params]).cpu().double()
        grad = grad.numpy()
        value, tails = float(loss.detach()), []
        x = z / self.scale
        for (i, l1), minus in zip(self.split, self._tails(x)):
            g = grad[self._slice(i)].copy()
            grad[self._slice(i)] += l1
            tails.append(l1 - g)
            value += l1 * (x[self._slice(i)].sum() + minus.sum())
        return value, np.concatenate([grad, *tails]) / self.scale

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        flat = parameters_to_vector(self.params).detach().cpu().double().numpy()
        lower = np.full(flat.shape, -np.inf)
        tails = []
        for i, _ in self.split:
            theta = flat[self._slice(i)].copy()
            flat[self._slice(i)] = np.maximum(theta, 0)
            lower[self._slice(i)] = 0
            tails.append(np.maximum(-theta, 0))
        z0 = np.concatenate([flat, *tails]) * self.scale
        lower = np.concatenate([lower, np.zeros(len(z0) - len(flat))])
        value, grad = self._fun(z0)
        if not math.isfinite(value):
            return monitor(value)
        projected = np.where((lower == 0) & (z0 <= 0), np.minimum(grad, 0), grad)
        gtol = tol * FULL_BATCH_TOL_FACTOR * np.abs(projected).max()
        if gtol == 0:
            return True

        def callback(intermediate_result):
            self._set(intermediate_result.x)
            if monitor(float(intermediate_result.fun)):
                raise StopIteration

        bounds = [(lo if lo == 0 else None, None) for lo in lower]
        result = minimize(
            self._fun,
            z0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds if self.split else None,
            callback=callback,
            options={
                "maxiter": max_iter,
                "maxfun": max(15000, 2 * max_iter),
                "gtol": gtol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        if monitor.stopped:
            return False
        self._set(result.x)
        # status 1: iteration or evaluation limit; 2: no further progress possible
        # in floating point, which counts as converged (as scipy's ftol does).
        return result.status != 1


def _diagonal_scale(objective: Objective, params: list[Tensor]) -> np.ndarray:
    """Square root of a diagonal curvature estimate for every entry of
    ``params``: ones, except for a linear model, where it is the Gauss-Newton
    diagonal of the data term (the weighted mean of ``x_j ** 2`` for weight
    column ``j``, one for the bias) plus the curvature of the smooth penalty.

    Full-batch solvers are not invariant to a rescaling of the features (a first
    step along the gradient, a first Hessian guess proportional to the
    identity); with this scaling their iterates are, so an unscaled feature does
    not cost hundreds of iterations. Only a change of variables: the minimiser
    is the same.
    """
    flat = parameters_to_vector(params).detach()
    module = objective.module
    if not getattr(module, "is_linear", False):
        return np.ones(flat.numel())
    layer = module.linears[0]
    with torch.no_grad():
        X = objective.X
        sq = X * X if objective.weight is None else objective.weight[:, None] * X * X
        column = sq.mean(dim=0)
        curvature = {id(layer.weight): column.expand_as(layer.weight)}
        curvature[id(layer.bias)] = torch.ones_like(layer.bias)
        # The smooth penalties are separable quadratics centred at zero: their
        # gradient at a tensor of ones is their Hessian diagonal.
        vector_to_parameters(torch.ones_like(flat), params)
    try:
        for p in params:
            p.grad = None
        with torch.enable_grad():
            penalty = objective.smooth_penalty()
            if penalty.requires_grad:
                penalty.backward()
    finally:
        vector_to_parameters(flat, params)
    diag = [
        curvature.get(id(p), torch.zeros_like(p))
        + (p.grad if p.grad is not None else 0)
        for p in params
    ]
    for p in params:
        p.grad = None
    d = torch.cat([t.reshape(-1) for t in diag]).double().cpu().numpy()
    # A constant feature without penalty has no curvature: leave it unscaled.
    return np.sqrt(np.where(d > 0, d, 1.0))


class _FISTA:
    """Full-batch accelerated proximal gradient (FISTA) with backtracking on the
    step size and adaptive restart (O'Donoghue & Candes, 2015); handles any
    penalty with a proximal operator."""

    full_batch = True

    def __init__(self, objective: Objective, params: list[Tensor], **_):
        self.objective, self.params = objective, params
        self.x = parameters_to_vector(params).detach().clone()
        self.y = self.x.clone()
        self.t, self.L, self.gap = 1.0, 1.0, math.inf

    def _smooth(self, v: Tensor, grad: bool) -> tuple[Tensor, Tensor | None]:
        vector_to_parameters(v, self.params)
        for p in self.params:
            p.grad = None
        with torch.enable_grad() if grad else torch.no_grad():
            f = self.objective.data() + self.objective.smooth_penalty()
            if not grad:
                return f.detach(), None
            f.backward()
        return f.detach(), torch.cat([p.grad.reshape(-1) for p in self.params])

    def _step(self) -> float:
        f_y, g_y = self._smooth(self.y, grad=True)
        self.L *= 0.9  # let the step grow back after a conservative phase
        while True:
            vector_to_parameters(self.y - g_y / self.L, self.params)
            self.objective.prox(1.0 / self.L)
            x_new = parameters_to_vector(self.params).detach().clone()
            d = x_new - self.y
            f_new, _ = self._smooth(x_new, grad=False)
            bound = f_y + g_y @ d + 0.5 * self.L * (d @ d)
            if not torch.isfinite(f_new) or f_new <= bound + 1e-12 * abs(float(f_y)):
                break
            self.L *= 2.0
        self.gap = float(self.L * d.abs().max())  # proximal-gradient mapping
        if (self.y - x_new) @ (x_new - self.x) > 0:  # momentum points uphill
            self.t, self.y = 1.0, x_new.clone()
        else:
            t_new = (1 + math.sqrt(1 + 4 * self.t * self.t)) / 2
            self.y = x_new + ((self.t - 1) / t_new) * (x_new - self.x)
            self.t = t_new
        self.x = x_new
        vector_to_parameters(x_new, self.params)
        with torch.no_grad():
            return float(self.objective.data() + self.objective.penalty())

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        threshold, previous = None, math.inf
        eps = 64 * torch.finfo(self.x.dtype).eps
        for _ in range(max_iter):
            loss = self._step()
            if threshold is None:
                threshold = tol * FULL_BATCH_TOL_FACTOR * self.gap
            if monitor(loss):
                return False
            if self.gap <= threshold or abs(previous - loss) <= eps * max(abs(loss), 1):
                return True
            previous = loss
        return False


class _MiniBatch:
    """Epochs of shuffled mini-batch Adam or SGD; every update is followed by
    the penalties' proximal steps with the learning rate as step size."""

    full_batch = False

    def __init__(
        self,
        objective: Objective,
        params: list[Tensor],
        *,
        solver: str,
        learning_rate: float,
        batch_size: int,
    ):
        self.objective, self.lr, self.batch_size = objective, learning_rate, batch_size
        if solver == "sgd":
            self.optimizer = torch.optim.SGD(
                params, lr=learning_rate, momentum=0.9, nesterov=True
            )
        else:
            self.optimizer = torch.optim.Adam(params, lr=learning_rate)

    def _epoch(self) -> float:
        obj = self.objective
        n = obj.X.shape[0]
        full = self.batch_size >= n
        perm = None if full else torch.randperm(n, device=obj.X.device)
        total = obj.X.new_zeros(())
        with torch.enable_grad():
            for start in range(0, n, self.batch_size):
                idx = None if full else perm[start : start + self.batch_size]
                self.optimizer.zero_grad(set_to_none=True)
                data = obj.data(idx)
                (data + obj.smooth_penalty()).backward()
                self.optimizer.step()
                if not obj.smooth_only:
                    obj.prox(self.lr)
                total += data.detach() * (n if full else idx.shape[0])
        with torch.no_grad():
            return float(total / n + obj.penalty())

    def run(self, max_iter: int, tol: float, monitor: _Monitor) -> bool:
        for _ in range(max_iter):
            if monitor(self._epoch()):
                return monitor.converged
        return False


SOLVERS = {"lbfgs": _LBFGSB, "fista": _FISTA, "adam": _MiniBatch, "sgd": _MiniBatch}
_SOLVER_NAMES = {"lbfgs": "L-BFGS", "fista": "FISTA"}


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
    objective value; returns True to stop."""

    def __init__(
        self,
        params: list[Tensor],
        *,
        full_batch: bool,
        tol: float,
        n_iter_no_change: int,
        validation: Callable[[], float] | None,
        verbose: int,
    ):
        self.params, self.full_batch = params, full_batch
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.validation = validation if not full_batch else None
        self.verbose = verbose
        self.history = History(validation_scores=[] if self.validation else None)
        self.last_good = [p.detach().clone() for p in params]
        self.best_weights = [p.detach().clone() for p in params] if self.validation else None
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
        _copy(self.last_good, self.params)
        if self.verbose:
            print(f"Iteration {h.n_iter}, loss = {loss:.8f}")
        if self.full_batch:
            return False
        if self.validation is not None:
            score = self.validation()
            h.validation_scores.append(score)
            if self.verbose:
                print(f"Validation score: {score:.6f}")
            self.stalled = 0 if score >= self.best_score + self.tol else self.stalled + 1
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


def _copy(dst: list[Tensor], src: list[Tensor]) -> None:
    with torch.no_grad():
        for d, s in zip(dst, src):
            d.copy_(s)


# Below this many floating-point operations per forward pass, torch's worker
# threads cost more in wake-ups and spinning than they save (measured on a 2-core
# machine: full-batch L-BFGS on 2000x50 data ran 7x faster on one thread).
_PARALLEL_FLOPS = 1e7


@contextmanager
def _threads(module: nn.Module, batch_size: int) -> Iterator[None]:
    """Train small problems on one thread, torch and BLAS alike; large ones keep
    the caller's thread settings (which joblib workers already limit)."""
    weights = [p for name, p in module.named_parameters() if name.endswith("weight")]
    flops = 2 * batch_size * sum(w.numel() for w in weights)
    if flops >= _PARALLEL_FLOPS:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(previous)


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
) -> History:
    """Minimise ``objective`` in place and return the :class:`History`.

    Full-batch solvers ('lbfgs', 'fista') stop when the largest (projected)
    gradient entry has shrunk by ``tol * 1e-4`` relative to the start, or when the
    objective no longer changes in floating point. Mini-batch solvers ('adam',
    'sgd') stop, like scikit-learn's MLP, when the training loss (or, given
    ``validation``, the validation score) has not improved by ``tol`` for more
    than ``n_iter_no_change`` epochs; with ``validation`` the best weights are
    restored at the end. A non-finite objective restores the last finite weights
    and warns; an interrupt (Ctrl-C) keeps them and warns.
    """
    params = [p for p in objective.module.parameters() if p.requires_grad]
    runner = SOLVERS[solver](
        objective, params, solver=solver, learning_rate=learning_rate, batch_size=batch_size
    )
    monitor = _Monitor(
        params,
        full_batch=runner.full_batch,
        tol=tol,
        n_iter_no_change=n_iter_no_change,
        validation=validation,
        verbose=verbose,
    )
    history = monitor.history
    objective.module.train()
    try:
        batch = objective.X.shape[0] if runner.full_batch else batch_size
        with _threads(objective.module, batch):
            history.converged = runner.run(max_iter, tol, monitor)
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
        objective.module.eval()
    if monitor.best_weights is not None and history.validation_scores:
        _copy(params, monitor.best_weights)
        history.best_validation_score = monitor.best_score
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
    elif not history.converged:
        warnings.warn(
            f"{_SOLVER_NAMES.get(solver, 'Stochastic Optimizer')}: Maximum iterations "
            f"({max_iter}) reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return history
