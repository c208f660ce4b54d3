"""select_solver (skreg/_solvers/__init__.py): the one place a solver is chosen,
from the solvers' declarations."""

import pytest

from skreg import LassoNet
from skreg._loss import Loss, PinballLoss, PoissonLoss, SquaredError
from skreg._solvers import SOLVERS, Problem, select_solver
from skreg._solvers.fista import FISTA
from skreg._solvers.lbfgs import LBFGS
from skreg._solvers.lbfgsb import LBFGSB
from skreg._solvers.linprog import LinearProgram
from skreg._solvers.minibatch import MiniBatch, MiniBatchSGD
from skreg._solvers.newton import Newton


class _Pinball(Loss):
    """A non-smooth loss (its value is never evaluated here)."""

    smooth = False


def _problem(linear=True, n_samples=100, n_coefs=11, dropout=False, **kwargs):
    penalties = kwargs.pop("penalties", (("smooth", "L2"),))
    return Problem(
        linear=linear,
        n_samples=n_samples,
        n_coefs=n_coefs,
        dropout=dropout,
        sparse=kwargs.pop("sparse", False),
        loss=kwargs.pop("loss", SquaredError()),
        penalties=penalties,
        smooth_penalty=kwargs.pop("smooth_penalty", False),
    )


L1 = (("l1", "ElasticNet"),)
GROUP = (("group_l1", "ElasticNet"),)
HIER = (("hierarchical", "HierarchicalElasticNet"),)


@pytest.mark.parametrize(
    "problem, expected",
    [
        (_problem(), Newton),
        (_problem(penalties=L1, sparse=True), Newton),
        (_problem(penalties=GROUP), Newton),
        (_problem(n_coefs=501), LBFGSB),
        (_problem(n_coefs=501, penalties=L1), LBFGSB),
        (_problem(n_coefs=501, penalties=GROUP), FISTA),
        (_problem(linear=False, n_coefs=10_000), LBFGS),
        (_problem(linear=False, n_samples=2000), LBFGS),
        (_problem(linear=False, penalties=HIER), FISTA),
        (_problem(linear=False, n_samples=2001), MiniBatch),
        (_problem(linear=False, dropout=True), MiniBatch),
        (_problem(loss=_Pinball()), MiniBatch),
        (_problem(penalties=()), Newton),
        (_problem(loss=PoissonLoss(), penalties=L1), Newton),
        (_problem(loss=PinballLoss(0.5), penalties=L1), LinearProgram),
        (_problem(loss=PinballLoss(0.5), sparse=True), LinearProgram),
        (_problem(loss=PinballLoss(0.5), smooth_penalty=True), MiniBatch),
        (_problem(loss=PinballLoss(0.5), penalties=GROUP), MiniBatch),
        (_problem(loss=PinballLoss(0.5), linear=False), MiniBatch),
    ],
    ids=[
        "linear",
        "lasso-sparse",
        "multitask-lasso",
        "wide",
        "wide-lasso",
        "wide-multitask-lasso",
        "network",
        "network-2000",
        "lassonet-network",
        "network-2001",
        "dropout",
        "non-smooth-loss",
        "no-penalty",
        "poisson-lasso",
        "quantile-lasso",
        "quantile-sparse",
        "quantile-ridge",
        "quantile-multitask-lasso",
        "quantile-network",
    ],
)
def test_auto_picks_the_first_solver_whose_declarations_accept(problem, expected):
    assert select_solver("auto", problem) is expected


@pytest.mark.parametrize(
    "requested, problem, expected",
    [
        ("lbfgs", _problem(), LBFGSB),
        ("lbfgs", _problem(linear=False), LBFGS),
        ("newton", _problem(n_coefs=10_000, penalties=GROUP), Newton),
        ("fista", _problem(linear=False, penalties=HIER), FISTA),
        ("adam", _problem(), MiniBatch),
        ("sgd", _problem(linear=False, dropout=True), MiniBatchSGD),
    ],
)
def test_a_named_solver_is_taken_where_it_applies(requested, problem, expected):
    assert select_solver(requested, problem) is expected


@pytest.mark.parametrize(
    "requested, problem, message",
    [
        (
            "newton",
            _problem(linear=False),
            "solver='newton' needs a linear model \\(hidden_layer_sizes=\\(\\)\\); "
            "use solver='lbfgs', 'fista', 'adam' or 'sgd'.",
        ),
        (
            "lbfgs",
            _problem(penalties=GROUP),
            "solver='lbfgs' cannot handle the ElasticNet penalty of this model "
            "\\(its L1 part is not elementwise\\); use solver='newton', 'fista', ",
        ),
        (
            "lbfgs",
            _problem(linear=False, penalties=HIER),
            "solver='lbfgs' cannot handle the HierarchicalElasticNet penalty .*"
            "hierarchy constraint.*; use solver='fista', 'adam' or 'sgd'.",
        ),
        (
            "fista",
            _problem(linear=False, dropout=True),
            "solver='fista' is deterministic and cannot train with dropout; use "
            "solver='adam' or 'sgd'.",
        ),
        (
            "newton",
            _problem(loss=_Pinball()),
            "solver='newton' needs a differentiable loss, not _Pinball\\(\\); use "
            "solver='adam' or 'sgd'.",
        ),
        (
            "highs",
            _problem(penalties=L1),
            "solver='highs' solves a linear program and needs a piecewise-linear "
            "loss \\(loss='quantile'\\), not SquaredError\\(\\); use "
            "solver='newton', 'lbfgs', 'fista', 'adam' or 'sgd'.",
        ),
        (
            "highs",
            _problem(loss=PinballLoss(0.5), smooth_penalty=True),
            "solver='highs' solves a linear program and cannot handle the L2 "
            "part of this model's penalty; use solver='adam' or 'sgd'.",
        ),
    ],
    ids=[
        "newton-network",
        "lbfgs-group",
        "lbfgs-hier",
        "fista-dropout",
        "pinball",
        "highs-squared",
        "highs-ridge",
    ],
)
def test_a_named_solver_that_cannot_train_the_model_says_why(
    requested, problem, message
):
    with pytest.raises(ValueError, match=message):
        select_solver(requested, problem)


def test_every_solver_has_a_name_the_estimators_accept():
    (options,) = LassoNet._parameter_constraints["solver"]
    assert {s.name for s in SOLVERS} | {"auto"} == options.options
    for solver in SOLVERS:  # declared, not inherited by accident
        assert solver.penalties <= {"smooth", "l1", "group_l1", "hierarchical"}
        assert solver.linear or solver.networks


def test_an_estimator_reports_the_selected_solver():
    """The estimator's error is select_solver's, raised at fit."""
    import numpy as np

    X, y = np.random.RandomState(0).standard_normal((20, 3)), np.arange(20.0)
    with pytest.raises(ValueError, match="solver='lbfgs' cannot handle the Hier"):
        LassoNet(hidden_layer_sizes=(4,), solver="lbfgs").fit(X, y)
    assert LassoNet(hidden_layer_sizes=(), alpha=0.1).fit(X, y).solver_ == "newton"


def test_every_solver_declares_early_stopping_and_a_refusal_names_it():
    """The monitor scores the validation split after every iteration of any
    solver, so each declares early stopping; one that did not would be refused
    with a reason."""
    problem = Problem(
        linear=False,
        n_samples=100,
        n_coefs=50,
        dropout=False,
        sparse=False,
        loss=SquaredError(),
        penalties=(("smooth", "L2"),),
        early_stopping=True,
    )
    assert all(solver.early_stopping for solver in SOLVERS)
    assert select_solver("auto", problem) is LBFGS

    class Unmonitored(LBFGS):
        early_stopping = False

    assert Unmonitored.refusal(problem) == "cannot stop early on a validation split"
