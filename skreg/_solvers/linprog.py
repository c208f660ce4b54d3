"""A linear model under the pinball loss as a linear program, solved by HiGHS."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

from .._monitor import Monitor
from .._objective import Flat, Objective
from ..penalties import entry_strengths
from ._base import Solver


class LinearProgram(Solver):
    """The exact solution of a linear model under a piecewise-linear loss (the
    pinball loss) and an elementwise L1 penalty, or none: the linear program of
    scikit-learn's ``QuantileRegressor``, solved by scipy's HiGHS.

    With ``n`` the sum of sample weights, ``(1/n) sum_i s_i pinball_q(r_i) + l1
    ||w||_1`` times ``n`` is the program in ``x = (b+, w+, b-, w-, u, v) >= 0``::

        min  l1 n (1'w+ + 1'w-) + q s'u + (1 - q) s'v
        s.t. b+ - b- + X (w+ - w-) + u - v = y

    laid out as ``QuantileRegressor`` lays it out (intercept first, rows of
    zero weight left out), so that HiGHS walks the same vertices and a
    degenerate problem ends at the same one: the same zero coefficients. The
    weights it sees are the objective's, rescaled to mean one, and ``l1`` is
    scaled with them. Several outputs without a penalty are one program each.
    ``max_iter`` and ``tol`` do not apply: HiGHS solves to its own tolerances,
    as ``QuantileRegressor`` leaves them, and the fit counts one iteration.
    """

    name, title = "highs", "HiGHS"
    networks = False
    penalties = frozenset({"smooth", "l1"})
    smooth_loss = False
    piecewise_linear_loss = True
    smooth_penalty = False

    def __init__(self, objective: Objective, flat: Flat, **_):
        self.objective = objective
        self.layer = objective.module.linears[0]
        # The L1 strength of every weight, (n_outputs, n_features).
        self.l1 = np.zeros(tuple(self.layer.weight.shape))
        for penalty, tensors in objective.terms:
            if penalty.smooth_strength != 0:
                raise ValueError(
                    "solver='highs' solves a linear program: the penalty cannot "
                    "have an L2 part (alpha > 0 with RidgeNet, l1_ratio < 1 with "
                    "LassoNet)."
                )
            if penalty.kind(tensors) == "l1":
                self.l1 += entry_strengths(penalty, tensors)[1]

    def _program(self, keep: np.ndarray, weight: np.ndarray) -> tuple:
        """``c`` (its L1 part zero: :meth:`run` sets it per output) and ``A_eq``
        of the program on the rows ``keep``, of weights ``weight``, and the
        number of coefficients with the intercept.
        """
        X = self.objective.X
        X = X[keep] if sp.issparse(X) else X.cpu().double().numpy()[keep]
        X = sp.csc_array(X, dtype=np.float64)
        n, p = X.shape[0], X.shape[1] + 1
        q = self.objective.loss.quantile
        c = np.concatenate([np.zeros(2 * p), weight * q, weight * (1 - q)])
        ones = sp.csc_array(np.ones((n, 1)))
        eye = sp.eye_array(n, format="csc")
        A_eq = sp.hstack([ones, X, -ones, -X, eye, -eye], format="csc")
        return c, A_eq, p

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        obj = self.objective
        Y = obj.Y.cpu().double().numpy()
        n = Y.shape[0]
        weight = np.ones(n) if obj.weight is None else obj.weight.cpu().double().numpy()
        # As QuantileRegressor: rows of zero weight are left out.
        keep = np.flatnonzero(weight)
        c, A_eq, p = self._program(keep, weight[keep])
        coef = np.zeros((Y.shape[1], p))
        for k in range(Y.shape[1]):
            # The L1 strengths of output k's weights; the intercept's is zero.
            c[1:p] = c[p + 1 : 2 * p] = self.l1[k] * weight[keep].sum()
            result = linprog(c=c, A_eq=A_eq, b_eq=Y[keep, k], method="highs")
            if result.x is None:  # infeasible or unbounded: cannot happen here
                warnings.warn(
                    f"HiGHS found no solution: {result.message}",
                    ConvergenceWarning,
                    stacklevel=4,
                )
                return True
            if not result.success:
                warnings.warn(
                    f"HiGHS did not succeed: {result.message}",
                    ConvergenceWarning,
                    stacklevel=4,
                )
            coef[k] = result.x[:p] - result.x[p : 2 * p]
        with torch.no_grad():
            self.layer.bias.copy_(torch.from_numpy(coef[:, 0]))
            self.layer.weight.copy_(torch.from_numpy(coef[:, 1:]))
            value = obj.data() + obj.penalty()
        monitor(float(value))
        return True
