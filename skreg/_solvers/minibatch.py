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

    Options: ``shuffle`` (False: the batches follow the rows as stored),
    ``optimizer`` (the update rule's options: ``betas`` and ``eps`` for Adam;
    ``momentum``, ``nesterov``, ``schedule`` and ``power_t`` for SGD),
    ``samples_seen`` (training samples seen by earlier fits, for a learning-rate
    schedule), ``epoch_samples`` (the training samples one epoch sees; default
    the rows of ``X``) and ``resume`` (go on with the update rule's state, its
    moments or momentum, that the previous run left in ``objective.state``:
    ``partial_fit``).
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
        shuffle: bool = True,
        optimizer: dict | None = None,
        samples_seen: int = 0,
        epoch_samples: int | None = None,
        resume: bool = False,
        **_,
    ):
        self.objective, self.batch_size, self.shuffle = objective, batch_size, shuffle
        self.optimizer = self.update_rule(flat, learning_rate, **(optimizer or {}))
        state = objective.state.get("minibatch")
        if resume and state is not None and state["rule"] is self.update_rule:
            self.optimizer.load(state)
        self.samples_seen = samples_seen
        self.epoch_samples = epoch_samples or objective.X.shape[0]

    def _rows(self, n: int):
        """The order of the rows in this epoch (None: as stored)."""
        obj = self.objective
        if not self.shuffle:
            return None
        if self.batch_size >= n:  # one batch: its order only rounds differently
            return obj.order
        rows = torch.randperm(n, device=obj.Y.device)
        # Through the canonical order, so that the batches do not depend on how
        # the rows were given (dropout masks follow the rows too).
        return rows if obj.order is None else obj.order[rows]

    def _epoch(self) -> float:
        obj = self.objective
        n = obj.X.shape[0]
        rows = self._rows(n)
        total = obj._zero.clone()
        smooth = obj.smooth_only
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            if rows is not None:
                idx = rows[start:stop]
            elif stop - start < n:
                idx = torch.arange(start, stop, device=obj.Y.device)
            else:
                idx = None
            self.optimizer.zero_grad()
            data = obj.backward(idx)
            self.optimizer.step()
            if not smooth:
                obj.prox(self.optimizer.prox_step)
            total.add_(data, alpha=stop - start)
        self.samples_seen += self.epoch_samples
        self.optimizer.epoch_end(self.samples_seen)
        with torch.no_grad():
            return float(total / n + obj.penalty())

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        try:
            for _ in range(max_iter):
                if monitor(self._epoch()):
                    return monitor.converged
            return False
        finally:
            state = {"rule": self.update_rule, **self.optimizer.state()}
            self.objective.state["minibatch"] = state

    def stalled(self) -> bool:
        """Stop, unless the update rule's schedule lowers its rate (see
        :class:`~skreg._solvers._optim.SGD`).
        """
        return self.optimizer.stalled()


class MiniBatchSGD(MiniBatch):
    """:class:`MiniBatch` with SGD (Nesterov momentum) and proximal SGD steps."""

    name = "sgd"
    update_rule = SGD
