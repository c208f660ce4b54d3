"""The body of the training loop: history, loss curve, stopping rules, early
stopping with best-weight restore, divergence.

A solver calls its :class:`Monitor` once per iteration with the objective value;
the monitor records it, prints it (``verbose``), runs the progress hooks and
says whether to stop. What a fit did ends up in a :class:`History`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from ._objective import Objective


@dataclass
class History:
    """What a call of :func:`~skreg._training.train` did; plain data, stored on
    the estimator.
    """

    n_iter: int = 0
    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] | None = None
    best_loss: float = math.inf
    best_validation_score: float | None = None
    converged: bool = False


class Monitor:
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
        refine: bool = False,
        on_stall: Callable[[], bool] | None = None,
    ):
        self.params, self.full_batch = params, full_batch
        # The stall rule: with early stopping every solver stops when the
        # validation score stalls; otherwise mini-batch solvers (scikit-learn's
        # MLP's rule) and full-batch network fits when their training
        # objective does. A convex (linear) full-batch fit is left to its
        # solver's optimality test, which is far stricter.
        self.patience = validation is not None or not (full_batch and convex)
        # A full-batch objective must improve by the fraction tol of itself,
        # except in a warm refinement (``refine``: the later fits of a path),
        # which starts at the previous solution and is done when an iteration
        # gains less than tol itself.
        self.relative = full_batch and not refine
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.validation = validation
        self.verbose, self.hooks = verbose, hooks
        # Asked when patience runs out: True stops (see Solver.stalled).
        self.on_stall = on_stall
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
            copy_(self.params, self.last_good)
            self.diverged, self.stopped = loss, True
            if self.validation is not None:
                # The overflowed epoch's score, as scikit-learn's MLP records it.
                h.validation_scores.append(math.nan)
            return True
        h.n_iter += 1
        h.loss_curve.append(loss)
        h.best_loss = min(h.best_loss, loss)
        if self.previous is not None:
            copy_(self.previous, self.last_good)
        copy_(self.last_good, self.params)
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
        """The stall rule: stop when the validation score (early stopping) or
        else the training loss has not improved by ``tol`` on the best so far
        for more than ``n_iter_no_change`` iterations; keep the best weights.

        A mini-batch loss is an average over an epoch of changing weights, as
        noisy as its batches: it must improve by ``tol`` itself, as in
        scikit-learn's MLP. A full-batch objective is exact: it must improve by
        the fraction ``tol`` of itself, which means the same whatever the
        scale of the loss (an absolute ``tol`` stopped scikit-learn's own
        ``test_lbfgs_regression`` at R² 0.97, ``docs/stopping.md``).
        """
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
                copy_(self.best_weights, self.params)
        else:
            best = min(h.loss_curve[:-1], default=math.inf)
            margin = self.tol * abs(best) if self.relative else self.tol
            improved = best == math.inf or loss <= best - margin
            self.stalled = 0 if improved else self.stalled + 1
        if self.stalled > self.n_iter_no_change:
            if self.on_stall is not None and not self.on_stall():
                self.stalled = 0  # a lower learning rate: patience again
                return False
            self.stopped = self.converged = True
            if self.verbose:
                what = "Validation score" if self.validation else "Training loss"
                unit = "iterations" if self.full_batch else "epochs"
                print(
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive {unit}. Stopping."
                )
            return True
        return False


def final_objective(objective: Objective, rows: int = 8192) -> float:
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


def copy_(dst: list[Tensor], src: list[Tensor]) -> None:
    with torch.no_grad():
        for d, s in zip(dst, src, strict=True):
            d.copy_(s)
