"""The solvers, and :func:`select_solver`: the one place a solver is chosen.

One module per solver family (``newton``, ``lbfgs``, ``lbfgsb``, ``fista``,
``linprog``, ``minibatch``), the inner L1 solvers of proximal Newton
(``_l1_qp``) and the update rules of the mini-batch loop (``_optim``). Each
solver declares what it can train (:class:`~skreg._solvers._base.Solver`);
:func:`select_solver` checks those declarations against the
:class:`~skreg._solvers._base.Problem`.
"""

from __future__ import annotations

from ._base import Problem, Solver
from .fista import FISTA
from .lbfgs import LBFGS
from .lbfgsb import LBFGSB
from .linprog import LinearProgram
from .minibatch import MiniBatch, MiniBatchSGD
from .newton import Newton

__all__ = ["SOLVERS", "Problem", "Solver", "select_solver"]

# Every solver, in the order ``solver='auto'`` prefers them when it trains full
# batch. Two share a name: 'lbfgs' is scipy's L-BFGS-B for linear models and
# skreg's own L-BFGS for networks.
SOLVERS: tuple[type[Solver], ...] = (
    Newton,
    LBFGSB,
    LBFGS,
    FISTA,
    LinearProgram,
    MiniBatch,
    MiniBatchSGD,
)

# ``solver='auto'`` trains a network full batch up to this many samples; beyond,
# a mini-batch epoch costs less than an iteration over every sample.
AUTO_FULL_BATCH_MAX_SAMPLES = 2000


def select_solver(requested: str, problem: Problem) -> type[Solver]:
    """The solver that trains ``problem``: the one named ``requested``, or for
    ``'auto'`` the first that accepts it.

    ``'auto'`` trains with mini-batch Adam whenever dropout is active or a
    network has more than ``AUTO_FULL_BATCH_MAX_SAMPLES`` samples; otherwise it
    takes the first full-batch solver of :data:`SOLVERS` whose declarations
    accept the problem (Newton only up to its ``auto_max_coefs``), and Adam
    where none does. A named solver that cannot train the problem raises a
    ``ValueError`` that names the ``solver`` parameter, says why and lists the
    solvers that can.
    """
    if requested == "auto":
        return _auto(problem)
    named = [s for s in SOLVERS if s.name == requested]
    # Where a name covers two solvers, the one for this kind of model speaks.
    named.sort(key=lambda s: not (s.linear if problem.linear else s.networks))
    reasons = [s.refusal(problem) for s in named]
    for solver, reason in zip(named, reasons, strict=True):
        if reason is None:
            return solver
    able = [repr(s.name) for s in SOLVERS if s.refusal(problem) is None]
    able = list(dict.fromkeys(able))  # in order, once each
    advice = " or ".join([", ".join(able[:-1]), able[-1]] if able[1:] else able)
    raise ValueError(f"solver={requested!r} {reasons[0]}; use solver={advice}.")


def _auto(problem: Problem) -> type[Solver]:
    """``solver='auto'`` (see :func:`select_solver`)."""
    stochastic = problem.dropout or (
        not problem.linear and problem.n_samples > AUTO_FULL_BATCH_MAX_SAMPLES
    )
    for solver in SOLVERS:
        if stochastic and solver.full_batch:
            continue
        limit = solver.auto_max_coefs
        if limit is not None and problem.n_coefs > limit:
            continue
        if solver.refusal(problem) is None:
            return solver
    raise ValueError(f"No solver can train this model: {problem}.")
