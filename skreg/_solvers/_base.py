"""What every solver declares and shares: the :class:`Solver` protocol, the
:class:`Problem` it is checked against, and the full-batch tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from .._loss import Loss
    from .._monitor import Monitor
    from .._objective import Flat, Objective

EPS = float(np.finfo(np.float64).eps)

# Full-batch solvers are cheap per digit of accuracy: on a linear (convex)
# model they stop when their optimality measure has shrunk by
# ``tol * LINEAR_TOL_FACTOR`` relative to its value at the start. At the
# default ``tol=1e-4`` this solves convex problems to about six significant
# digits, even ill-conditioned ones such as ``load_diabetes`` at small alpha.
LINEAR_TOL_FACTOR = 1e-4

# The kinds of penalty (see skreg.penalties).
PENALTY_KINDS = frozenset({"smooth", "l1", "group_l1", "hierarchical"})


def full_batch_threshold(objective: Objective, tol: float, start: float) -> float:
    """The value of a full-batch solver's optimality measure (the largest entry
    of a gradient, ``start`` where it began) at which it stops.

    A convex (linear) problem has one solution, which skreg promises to reach
    to about six digits (scikit-learn's own): ``tol * 1e-4`` relative to the
    start. A network's optimum is not unique: ``tol`` as given, in absolute
    terms, as scikit-learn's MLP gives it to L-BFGS (``gtol``).
    """
    if getattr(objective.module, "is_linear", False):
        return tol * LINEAR_TOL_FACTOR * start
    return tol


@dataclass(frozen=True)
class Problem:
    """What :func:`~skreg._solvers.select_solver` checks the solvers'
    declarations against.

    ``penalties`` maps each penalty kind in the objective to the name of a
    penalty of that kind (for error messages); ``smooth_penalty`` says whether
    any penalty has a non-zero smooth (L2) part.
    """

    linear: bool
    n_samples: int  # the rows given to ``fit``
    n_coefs: int  # trainable parameters
    dropout: bool
    sparse: bool
    loss: Loss
    penalties: tuple[tuple[str, str], ...]
    early_stopping: bool = False
    smooth_penalty: bool = False

    @classmethod
    def of(
        cls, module, terms: list, loss: Loss, X, n_samples: int, **options
    ) -> Problem:
        """The problem of training ``module`` under ``terms`` on ``X``;
        ``options``: the other fields (``early_stopping``).
        """
        return cls(
            linear=getattr(module, "is_linear", False),
            n_samples=n_samples,
            n_coefs=sum(p.numel() for p in module.parameters() if p.requires_grad),
            dropout=getattr(module, "mode_dependent", True),
            sparse=sp.issparse(X),
            loss=loss,
            penalties=tuple((p.kind(ts), type(p).__name__) for p, ts in terms),
            **options,
            smooth_penalty=any(p.smooth_strength != 0 for p, _ in terms),
        )

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(kind for kind, _ in self.penalties)


class Solver:
    """A solver: ``Solver(objective, flat, **options).run(max_iter, tol,
    monitor)`` minimises ``objective`` over the parameters of ``flat`` in place,
    calls ``monitor(objective value)`` after every iteration (and stops when it
    returns True), and returns whether its own stopping test was met.

    A subclass declares what it can train; :func:`~skreg._solvers.select_solver`
    checks the declarations (:meth:`refusal`) and never probes the objective.
    """

    #: The value of the ``solver`` parameter that names it.
    name: ClassVar[str]
    #: How ``ConvergenceWarning`` names it.
    title: ClassVar[str]
    #: Every iteration sees the whole training set.
    full_batch: ClassVar[bool] = True
    #: Trains linear models (``hidden_layer_sizes=()``) / networks.
    linear: ClassVar[bool] = True
    networks: ClassVar[bool] = True
    #: The penalty kinds it handles (see :mod:`skreg.penalties`).
    penalties: ClassVar[frozenset[str]] = PENALTY_KINDS
    #: Needs a differentiable loss (gradients, Hessians).
    smooth_loss: ClassVar[bool] = True
    #: Needs a piecewise-linear loss (a linear program).
    piecewise_linear_loss: ClassVar[bool] = False
    #: Handles a smooth (L2) part of the penalties.
    smooth_penalty: ClassVar[bool] = True
    #: Trains with dropout (a stochastic objective).
    dropout: ClassVar[bool] = False
    #: Takes sparse ``X``.
    sparse_input: ClassVar[bool] = True
    #: Can stop on a validation split (``early_stopping=True``): the monitor
    #: scores it after every iteration of any solver that hands it each one.
    early_stopping: ClassVar[bool] = True
    #: ``solver='auto'`` picks it up to this many coefficients (None: any).
    auto_max_coefs: ClassVar[int | None] = None

    #: Set by a solver whose run ``max_fun`` objective evaluations ended.
    max_fun_reached: bool = False

    def __init__(self, objective: Objective, flat: Flat, **options):
        raise NotImplementedError

    def run(self, max_iter: int, tol: float, monitor: Monitor) -> bool:
        raise NotImplementedError

    @classmethod
    def refusal(cls, problem: Problem) -> str | None:
        """Why this solver cannot train ``problem`` (None: it can)."""
        if problem.linear and not cls.linear:
            return "needs a network (hidden_layer_sizes with at least one layer)"
        if not problem.linear and not cls.networks:
            return "needs a linear model (hidden_layer_sizes=())"
        if problem.dropout and not cls.dropout:
            return "is deterministic and cannot train with dropout"
        if problem.sparse and not cls.sparse_input:
            return "does not take sparse input"
        if problem.early_stopping and not cls.early_stopping:
            return "cannot stop early on a validation split"
        if not problem.loss.smooth and cls.smooth_loss:
            return f"needs a differentiable loss, not {problem.loss!r}"
        if cls.piecewise_linear_loss and not problem.loss.piecewise_linear:
            return (
                "solves a linear program and needs a piecewise-linear loss "
                f"(loss='quantile'), not {problem.loss!r}"
            )
        if problem.smooth_penalty and not cls.smooth_penalty:
            return (
                "solves a linear program and cannot handle the L2 part of this "
                "model's penalty"
            )
        for kind, name in problem.penalties:
            if kind not in cls.penalties:
                return f"cannot handle the {name} penalty of this model ({_WHY[kind]})"
        return None


_WHY = {
    "l1": "its L1 part needs a proximal step",
    "group_l1": "its L1 part is not elementwise",
    "hierarchical": "its hierarchy constraint needs a proximal step, whatever alpha",
}
