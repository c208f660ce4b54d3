"""Epochs of shuffled mini-batch updates (Adam or SGD), each followed by the
penalties' proximal steps.
"""

from __future__ import annotations

import torch

from .._monitor import Monitor
from .._objective import Flat, Objective
from ._base import Solver
from ._optim import SGD, Adam


class MiniBatch(Solver):
    """Epochs of shuffled mini-batch Adam; every update is followed by the
    penalties' proximal steps (in Adam's metric, see :meth:`Adam.prox_step`).

    It handles every penalty kind, dropout and non-smooth losses, and stops
    where its :class:`~skreg._monitor.Monitor` says (scikit-learn's MLP rule).
    """

    name, title = "adam", "Stochastic Optimizer"
    full_batch = False
    smooth_loss = False
    dropout = True
    update_rule = Adam

    def __init__(
        self,
        objective: Objective,
        flat: Flat,
        *,
        learning_rate: float,
        batch_size: int,
        **_,
    ):
        self.objective, self.batch_size = objective, batch_size
        self.optimizer = self.update_rule(flat, learning_rate)

    def _epoch(self) -> float:
        obj = self.objective
        n = obj.X.shape[0]
        full = self.batch_size >= n
        rows = None if full else torch.randperm(n, device=obj.Y.device)
        if obj.order is not None:  # dropout masks follow the rows too
            rows = obj.order if full else obj.order[rows]
        total = obj._zero.clone()
        smooth = obj.smooth_only
        for start in range(0, n, self.batch_size):
            idx = None if rows is None else rows[start : start + self.batch_size]
            self.optimizer.zero_grad()
            data = obj.backward(idx)
            self.optimizer.step()
            if not smooth:
                obj.prox(self.optimizer.prox_step)
            total.add_(data, alpha=n if idx is None else idx.shape[0])
        with torch.no_grad():
            return float(total / n + obj.penalty())

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        for _ in range(max_iter):
            if monitor(self._epoch()):
                return monitor.converged
        return False


class MiniBatchSGD(MiniBatch):
    """:class:`MiniBatch` with SGD (Nesterov momentum) and proximal SGD steps."""

    name = "sgd"
    update_rule = SGD
