"""Newton's method for linear models; proximal Newton with an L1 term."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from .._monitor import Monitor
from .._objective import Flat, Objective
from ._base import EPS, Solver, full_batch_threshold
from ._l1_qp import Groups, active_set_solve, group_active_set, spd_solve


class Newton(Solver):
    """Newton's method for a linear model: an exact Hessian, a Cholesky solve per
    step (a pseudo-inverse one where the Hessian is singular, see
    :func:`spd_solve`) and a backtracking (Armijo) line search, like
    scikit-learn's ``newton-cholesky`` solver; proximal Newton when the
    objective has an L1 term (Lasso, ElasticNet, L1 logistic regression, and
    their multi-output and multinomial forms with a group per feature).

    For ``f(x) = W x + b`` the Hessian of the data loss is
    ``sum_i H_i (x) [x_i, 1] [x_i, 1]^T`` and its gradient
    ``sum_i g_i (x) [x_i, 1]``, where ``g_i`` and ``H_i`` are the loss's
    gradient and Hessian in sample ``i``'s outputs (``Loss.derivatives``,
    closed forms of the loss, or autograd), so the solver knows
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
    run in torch. ``solver='auto'`` picks it up to ``auto_max_coefs`` unknowns; a
    torch call costs a few times a numpy call at that size.

    With an L1 term ``sum_j l1_j |x_j|`` each step minimises the quadratic model
    plus the L1 term exactly, by active sets (:func:`active_set_solve`: they
    stop when the set of non-zero coefficients and their signs repeat, at which
    point the model's optimality conditions hold to rounding error); with
    group norms ``sum_g l1_g ||x_g||_2`` by :func:`group_active_set`. The line
    search is the proximal-Newton one (Lee, Sun & Saunders, 2014). A squared
    loss again takes one step, with exact zeros.
    """

    name, title = "newton", "Newton"
    networks = False
    penalties = frozenset({"smooth", "l1", "group_l1"})
    # Newton forms an (n_coefs x n_coefs) Hessian from every sample at each
    # step; beyond a few hundred coefficients L-BFGS's cheaper steps win.
    auto_max_coefs = 500

    def __init__(self, objective: Objective, flat: Flat, **_):
        self.objective, self.flat = objective, flat
        layer = objective.module.linears[0]
        K, d = layer.weight.shape
        # Newton's coordinates run (output k, input j), the intercept as input d:
        # the layout of :func:`gram_blocks`. They are ``flat.vector[perm]``.
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
            objective.cache["mean"] = weighted_mean(objective.X, objective.weight)
        self.mean = objective.cache["mean"]
        curvature = objective.penalty_curvature(flat).cpu().double().numpy()
        self.curvature = curvature[self.perm]
        self.groups = Groups.of(objective, flat, self.perm)
        self.derivatives = objective.loss.derivatives
        self.model = None
        if objective.loss.quadratic:
            if "model" not in objective.cache:
                # At zero weights the outputs are zero and the smooth penalties
                # and their gradients vanish: the data loss there, its gradient
                # and its (constant) Hessian are the whole model, from one pass.
                f0, g0, H_out = self._derivatives(
                    objective.Y.new_zeros(objective.Y.shape)
                )
                objective.cache["model"] = (
                    f0,
                    -gram_vector(objective.X, g0, self.mean),
                    gram_blocks(objective.X, H_out, self.mean),
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
            grad = gram_vector(obj.X, g, self.mean) + curved
            value += 0.5 * float(x @ curved)
        violation = self.groups.violation(x, grad)
        return value + self.groups.value(x), grad, violation, H_out

    def _hessian(self, H_out: Tensor | None) -> np.ndarray:
        if H_out is None:
            data = self.model[2]
        else:
            data = gram_blocks(self.objective.X, H_out, self.mean)
        return data + np.diag(self.curvature)

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        groups = self.groups
        x = self._read()
        value, grad, violation, H_out = self._state(x)
        if not math.isfinite(value):
            return monitor(value)
        if violation == 0:  # already optimal
            return True
        gtol = full_batch_threshold(self.objective, tol, violation)
        smooth = not groups.strength.any()
        # A step below the parameters' resolution changes nothing: float32
        # weights cannot meet a float64 tolerance.
        resolution = torch.finfo(self.flat.vector.dtype).eps
        for _ in range(max_iter):
            H = self._hessian(H_out)
            if not np.isfinite(H).all():  # inputs too large for float64
                return monitor(math.inf)
            if smooth:
                step = spd_solve(H, -grad)
                decrease = float(grad @ step)
            else:
                b = H @ x - grad
                if groups.singletons:
                    step = active_set_solve(H, b, groups.strength, x) - x
                else:
                    step = group_active_set(H, b, x, groups) - x
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
                if new[0] <= value + 1e-4 * t * decrease + 64 * EPS * abs(value):
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


def weighted_mean(X, weight: Tensor | None) -> np.ndarray:
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


def gram_blocks(X, H_out: Tensor, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
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


def gram_vector(X, g: Tensor, mean: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``sum_i g[i] (x) x1_i`` with ``x1_i = (x_i - mean, 1)``, in float64,
    ordered (output, input) like :func:`gram_blocks`: the gradient in the
    centred coordinates of :class:`Newton` of a loss whose gradient in the
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
