"""The one training loop.

:func:`train` runs a solver (chosen by :func:`skreg._solvers.select_solver`)
over an :class:`~skreg._objective.Objective`. A solver only knows how to
iterate and when *it* has converged; after every iteration it hands the
objective value to the one :class:`~skreg._monitor.Monitor`, which owns
everything else: the loss curve, ``verbose`` output, the stopping rules, early
stopping with best-weight restore, divergence. This module adds what wraps a
run: the flat parameters, thread limits, out-of-memory errors, interrupts and
the warnings that end a fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import scipy.sparse as sp
import torch
from sklearn.exceptions import ConvergenceWarning

from ._monitor import History, Monitor, copy_, final_objective
from ._objective import Flat, Objective, sparse_tensor
from ._solvers import Solver
from ._threads import limit_threads

__all__ = ["History", "train"]


def train(
    objective: Objective,
    *,
    solver: type[Solver],
    max_iter: int,
    tol: float,
    n_iter_no_change: int | float,
    learning_rate: float,
    batch_size: int,
    max_fun: int = 15000,
    validation: Callable[[], float] | None = None,
    verbose: int = 0,
    hooks: tuple = (),
    refine: bool = False,
    options: dict | None = None,
    incremental: bool = False,
) -> History:
    """Minimise ``objective`` in place with ``solver`` and return the
    :class:`~skreg._monitor.History`.

    The stopping contract (``docs/stopping.md``): full-batch solvers ('newton',
    'lbfgs', 'fista') stop when their optimality measure (the KKT violation,
    the largest projected-gradient entry, the proximal-gradient mapping) has
    shrunk by ``tol * 1e-4`` relative to the start on a linear model, or is at
    most ``tol`` on a network, or when the objective no longer changes in
    floating point; 'lbfgs' also after ``max_fun`` objective evaluations.
    Mini-batch solvers ('adam', 'sgd') stop, like scikit-learn's MLP, when the
    training loss has not improved by ``tol`` for more than
    ``n_iter_no_change`` epochs, and full-batch network fits when their
    objective has not improved by the fraction ``tol`` of itself for more
    than ``n_iter_no_change`` iterations. Given ``validation`` (early
    stopping) every solver scores it after each iteration, stops when it has
    not improved by ``tol`` for more than ``n_iter_no_change`` iterations, and
    ends on the best weights. Every solver stops after ``max_iter`` iterations;
    a fit that ends at ``max_iter`` or ``max_fun`` without meeting its test
    warns. A non-finite objective restores the last finite weights and warns;
    an interrupt (Ctrl-C) keeps them and warns. ``hooks`` (see
    :class:`~skreg._monitor.Monitor`) are closed when training ends, however it
    ends. ``refine``: a warm refinement (the later fits of a regularisation
    path), whose full-batch stall rule asks an improvement by ``tol`` itself.
    ``options`` go to the solver (see
    :class:`~skreg._solvers.minibatch.MiniBatch`). ``incremental``: one call of
    ``partial_fit``, which runs its epochs without a warning at ``max_iter``.
    """
    flat = Flat([p for p in objective.module.parameters() if p.requires_grad])
    batch = objective.X.shape[0] if solver.full_batch else batch_size
    try:
        # Mini-batch epochs do no BLAS work in numpy or scipy (see limit_threads).
        with limit_threads(objective.module, batch, blas=solver.full_batch):
            runner = solver(
                objective,
                flat,
                learning_rate=learning_rate,
                batch_size=batch_size,
                max_fun=max_fun,
                **(options or {}),
            )
            monitor = Monitor(
                [flat.vector],  # every parameter at once, for the monitor's copies
                full_batch=solver.full_batch,
                tol=tol,
                n_iter_no_change=n_iter_no_change,
                validation=validation,
                verbose=verbose,
                hooks=hooks,
                convex=getattr(objective.module, "is_linear", False),
                refine=refine,
                on_stall=runner.stalled,
            )
            if _run(runner, objective, monitor, max_iter, tol, batch_size):
                _finish(objective, monitor, runner, max_iter, max_fun, incremental)
            return monitor.history
    finally:
        flat.release()


def _run(
    runner: Solver,
    objective: Objective,
    monitor: Monitor,
    max_iter: int,
    tol: float,
    batch_size: int,
) -> bool:
    """Run the solver; False when an interrupt (Ctrl-C) ended it, after keeping
    the weights of the last completed iteration.
    """
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
        held = f"all {n} samples (full-batch solver {runner.name!r})"
        if not runner.full_batch:
            held = f"batch_size={batch_size} samples"
        raise MemoryError(
            f"Out of memory on {objective.X.device} while training on {held} at "
            "once. Lower batch_size (with solver='adam' or 'sgd'), use smaller "
            "hidden_layer_sizes, or train on another device."
        ) from exc
    except KeyboardInterrupt:
        copy_(monitor.params, monitor.last_good)
        warnings.warn(
            f"Training interrupted after {history.n_iter} iterations; the weights of "
            "the last completed iteration were kept. Fit again with warm_start=True "
            "to continue.",
            ConvergenceWarning,
            stacklevel=3,
        )
        return False
    finally:
        if toggle:
            objective.module.eval()
        for hook in monitor.hooks:
            hook.close()
    return True


def _finish(
    objective: Objective,
    monitor: Monitor,
    runner: Solver,
    max_iter: int,
    max_fun: int,
    incremental: bool = False,
) -> None:
    """After a run: restore the best (early stopping) or last finite weights,
    and warn on divergence or on a run that did not converge.
    """
    history, params = monitor.history, monitor.params
    if monitor.best_weights is not None and history.validation_scores:
        copy_(params, monitor.best_weights)
        history.best_validation_score = monitor.best_score
    if monitor.previous is not None and history.n_iter:
        # Weights that overflow the outputs overflow them on every row: a call of
        # partial_fit (one epoch of a chunk) checks a few.
        if incremental:
            final = 0.0 if finite_outputs(objective) else math.inf
        else:
            final = final_objective(objective)
        if not math.isfinite(final):
            # The last update overflowed the network: step back one epoch.
            copy_(params, monitor.previous)
            monitor.diverged = final
            history.n_iter -= 1
            history.loss_curve.pop()
            history.best_loss = min(history.loss_curve, default=math.inf)
            if history.n_iter and not math.isfinite(final_objective(objective)):
                history.n_iter = 0
    if monitor.diverged is not None:
        if history.n_iter == 0:
            # scikit-learn's MLP words first: code written for it matches them.
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed. The training "
                f"objective is {monitor.diverged} from the first iteration: the "
                "inputs or targets are too large for the network, or "
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
    elif not (history.converged or monitor.stop_requested or incremental):
        limit = (
            f"Maximum function evaluations (max_fun={max_fun})"
            if runner.max_fun_reached
            else f"Maximum iterations ({max_iter})"
        )
        warnings.warn(
            f"{runner.title}: {limit} reached and the optimization hasn't "
            "converged yet.",
            ConvergenceWarning,
            stacklevel=3,
        )


def finite_outputs(objective: Objective, rows: int = 16) -> bool:
    """Whether the network's outputs on the first ``rows`` training samples are
    finite: the test of :func:`~skreg._monitor.final_objective` in a third of
    its time (no loss, no penalty), for a call of ``partial_fit``, whose one
    epoch may take a millisecond.
    """
    X = objective.X[:rows]
    p = objective._zero
    if sp.issparse(X):
        X = sparse_tensor(X, p.dtype, p.device)
    with torch.no_grad():
        return bool(torch.isfinite(objective.module(X)).all())


def _is_out_of_memory(exc: BaseException) -> bool:
    """Whether torch failed to allocate memory (CUDA, MPS or CPU allocators)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    message = str(exc)
    return "out of memory" in message or "can't allocate memory" in message
