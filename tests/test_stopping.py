"""The stopping contract (docs/stopping.md), once over every solver and estimator:
``max_iter``, ``tol`` (``tol=0`` never stops on it), ``n_iter_no_change``
(an int or ``np.inf``), ``early_stopping`` and ``validation_fraction`` for every
solver, ``max_fun`` for L-BFGS, and a ``ConvergenceWarning`` whenever a fit ends
at ``max_iter`` or ``max_fun`` without meeting ``tol``."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skreg import (
    DropoutMLP,
    DropoutMLPClassifier,
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
)

FAMILIES = {
    "RidgeNet": RidgeNet(alpha=1.0),
    "LassoNet": LassoNet(alpha=0.01),
    "DropoutMLP": DropoutMLP(dropout=0.0, alpha=1.0),
    "RidgeNetClassifier": RidgeNetClassifier(alpha=1.0),
    "LassoNetClassifier": LassoNetClassifier(alpha=0.01),
    "DropoutMLPClassifier": DropoutMLPClassifier(dropout=0.0, alpha=1.0),
}
# Every solver on every family that it can train; linear (()) and a network.
CASES = [
    (family, solver, hidden)
    for family in FAMILIES
    for solver, hidden in [
        ("newton", ()),
        ("lbfgs", ()),
        ("lbfgs", (8,)),
        ("fista", ()),
        ("fista", (8,)),
        ("adam", (8,)),
        ("sgd", (8,)),
    ]
    # The hierarchy needs a proximal step; the three classes of iris make the
    # linear LassoNetClassifier's L1 part a group norm, not elementwise.
    if not (family.startswith("LassoNet") and solver == "lbfgs")
]
NETWORKS = [case for case in CASES if case[2]]
IDS = [f"{f}-{s}-{'net' if h else 'linear'}" for f, s, h in CASES]
NETWORK_IDS = [f"{f}-{s}" for f, s, _ in NETWORKS]


def _data(estimator):
    if is_classifier(estimator):
        X, y = load_iris(return_X_y=True)
    else:
        X, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
    return StandardScaler().fit_transform(X), y


def _estimator(family, solver, hidden, **params):
    est = clone(FAMILIES[family]).set_params(
        solver=solver, hidden_layer_sizes=hidden, random_state=0, batch_size=64
    )
    return est.set_params(**params)


def _fit(est, X, y):
    """Fit; return the estimator and whether it raised a ConvergenceWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(X, y)
    return est, [w for w in caught if w.category is ConvergenceWarning]


@pytest.mark.parametrize("family, solver, hidden", NETWORKS, ids=NETWORK_IDS)
def test_tol_zero_runs_a_network_to_max_iter(family, solver, hidden):
    """``tol=0`` never stops a fit on ``tol``: every solver runs a network to
    ``max_iter`` (Newton, L-BFGS and network L-BFGS once stopped at iteration
    0), and says so."""
    est = _estimator(family, solver, hidden, tol=0.0, max_iter=8)
    est, caught = _fit(est, *_data(est))
    assert est.n_iter_ == 8 and len(est.loss_curve_) == 8
    assert caught and "Maximum iterations (8)" in str(caught[0].message)


@pytest.mark.parametrize(
    "family, solver, hidden",
    [c for c in CASES if not c[2]],
    ids=[i for i, c in zip(IDS, CASES, strict=True) if not c[2]],
)
def test_tol_zero_solves_a_linear_model_to_working_precision(family, solver, hidden):
    """A linear model at ``tol=0`` runs until no step changes the objective in
    floating point (or ``max_iter``): never less than the default ``tol``."""
    X, y = _data(FAMILIES[family])
    default, _ = _fit(_estimator(family, solver, hidden, max_iter=500), X, y)
    exact, _ = _fit(_estimator(family, solver, hidden, tol=0.0, max_iter=500), X, y)
    assert exact.n_iter_ >= max(default.n_iter_, 1)
    assert exact.loss_curve_[-1] <= default.loss_curve_[-1] + 1e-12


def test_tol_zero_ridge_is_ridge():
    # The issue's example: n_iter_ was 0 and R² -3.9.
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    net = RidgeNet(hidden_layer_sizes=(), tol=0).fit(X, y)
    assert net.n_iter_ >= 1
    np.testing.assert_allclose(net.coef_, Ridge().fit(X, y).coef_, rtol=1e-8)


@pytest.mark.parametrize("family, solver, hidden", CASES, ids=IDS)
def test_early_stopping_is_honoured_by_every_solver(family, solver, hidden):
    """Every solver scores the validation split after each iteration, stops
    when it has stalled for more than ``n_iter_no_change`` iterations, and ends
    on the weights of its best iteration: those of the same fit stopped there."""
    params = dict(early_stopping=True, n_iter_no_change=3, max_iter=40, tol=1e-3)
    est = _estimator(family, solver, hidden, **params)
    X, y = _data(est)
    est, _ = _fit(est, X, y)
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ >= 1
    assert est.best_validation_score_ == max(scores)
    best = int(np.argmax(scores)) + 1
    if est.n_iter_ < 40:  # stopped by the stall rule, unless it converged first
        assert est.n_iter_ >= best
    stopped_there, _ = _fit(clone(est).set_params(max_iter=best), X, y)
    method = "predict_proba" if is_classifier(est) else "predict"
    np.testing.assert_allclose(
        getattr(est, method)(X), getattr(stopped_there, method)(X), rtol=1e-10
    )


@pytest.mark.parametrize("family, solver, hidden", CASES, ids=IDS)
def test_n_iter_no_change_stops_on_a_stalled_validation_score(family, solver, hidden):
    """With a ``tol`` no score can beat, every solver stops once the
    ``n_iter_no_change + 1`` iterations after the first have not improved on
    it, without a warning; ``np.inf`` turns the rule off."""
    est = _estimator(
        family, solver, hidden, early_stopping=True, tol=1e6, n_iter_no_change=2
    )
    X, y = _data(est)
    est, caught = _fit(est.set_params(max_iter=20), X, y)
    assert est.n_iter_ == min(4, est.n_iter_) and not caught
    if est.n_iter_ == 4:  # (a linear model may converge before)
        never, _ = _fit(clone(est).set_params(n_iter_no_change=np.inf), X, y)
        assert never.n_iter_ > 4


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_n_iter_no_change_stops_a_mini_batch_fit_on_its_training_loss(solver):
    X, y = _data(RidgeNet())
    params = dict(hidden_layer_sizes=(8,), solver=solver, tol=1e6, random_state=0)
    est, caught = _fit(RidgeNet(n_iter_no_change=4, max_iter=30, **params), X, y)
    assert est.n_iter_ == 6 and not caught
    est, caught = _fit(RidgeNet(n_iter_no_change=np.inf, max_iter=12, **params), X, y)
    assert est.n_iter_ == 12 and caught


@pytest.mark.parametrize("value", [0, 1.5, -1, "10", np.nan, -np.inf])
def test_n_iter_no_change_is_an_int_or_inf(value):
    X, y = _data(RidgeNet())
    with pytest.raises(InvalidParameterError, match="n_iter_no_change"):
        RidgeNet(n_iter_no_change=value).fit(X, y)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_validation_split_too_small_to_score_raises(family):
    """As scikit-learn's MLP: fewer than 2 validation samples is an error that
    names ``validation_fraction`` (it returned the untrained network); for a
    classifier, fewer than one per class (the stratified split fails)."""
    est = clone(FAMILIES[family]).set_params(early_stopping=True, random_state=0)
    if is_classifier(est):
        X, y = load_iris(return_X_y=True)  # 150 samples, 3 classes
        est.set_params(validation_fraction=0.01)  # 2 validation samples
    else:
        X, y = make_regression(n_samples=10, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="validation_fraction=0.*too small|too "):
        est.fit(X, y)
    with pytest.raises(ValueError, match="Increase 'validation_fraction'"):
        est.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_issue_dropout_example_raises_instead_of_returning_an_untrained_model():
    X, y = make_regression(n_samples=10, n_features=3, random_state=0)
    model = DropoutMLP(dropout=0.1, early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="The validation set is too small"):
        model.fit(X, y)
    model.set_params(validation_fraction=0.2).fit(X, y)  # 2 samples: enough
    assert np.isfinite(model.best_validation_score_)


@pytest.mark.parametrize("hidden", [(), (8,)], ids=["L-BFGS-B", "network"])
def test_max_fun_limits_lbfgs_evaluations(hidden):
    """``max_fun`` counts objective evaluations (several per iteration in a
    line search), as scikit-learn's MLP; a fit it stops warns."""
    X, y = _data(RidgeNet())
    est = RidgeNet(hidden_layer_sizes=hidden, solver="lbfgs", tol=0.0, max_fun=10)
    est, caught = _fit(est.set_params(max_iter=150), X, y)
    assert 1 <= est.n_iter_ <= 10
    assert caught and "max_fun=10" in str(caught[0].message)
    with pytest.raises(InvalidParameterError, match="max_fun"):
        est.set_params(max_fun=0).fit(X, y)


@pytest.mark.parametrize("family, solver, hidden", CASES, ids=IDS)
def test_a_fit_that_ends_at_max_iter_warns(family, solver, hidden):
    """Every solver warns when ``max_iter`` ends a fit that has not met
    ``tol``; a fit that met it does not."""
    est = _estimator(family, solver, hidden, tol=1e-12, max_iter=2)
    X, y = _data(est)
    est, caught = _fit(est, X, y)
    if solver == "newton" and not is_classifier(est):
        # A squared loss: one step solves it, the next finds nothing to change.
        assert est.n_iter_ <= 2 and not caught
    else:
        assert est.n_iter_ == 2 and len(caught) == 1
        assert "Maximum iterations (2)" in str(caught[0].message)
    converged, caught = _fit(_estimator(family, solver, hidden, tol=1e10), X, y)
    assert converged.n_iter_ < 200 and not caught


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_scikit_learn_test_lbfgs_regression(activation):
    """scikit-learn's own ``test_lbfgs_regression``: the network L-BFGS once
    stopped on a hidden stall of the training loss (R² 0.9695 for the logistic
    activation, where MLPRegressor reaches 0.9937)."""
    from sklearn.preprocessing import scale

    X, y = make_regression(
        n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7
    )
    y = scale(y)
    mlp = DropoutMLP(
        dropout=0.0,
        alpha=1e-4,  # the MLP's default
        solver="lbfgs",
        hidden_layer_sizes=50,
        max_iter=150,
        tol=1e-3,
        random_state=1,
        activation=activation,
    )
    mlp, _ = _fit(mlp, X, y)
    assert mlp.score(X, y) > 0.98
