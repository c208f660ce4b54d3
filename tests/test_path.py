"""Regularisation paths: sklearn's grid and coefficients in the linear case."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
)
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import Ridge, enet_path
from sklearn.linear_model._coordinate_descent import _alpha_grid as sk_alpha_grid
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skreg import (
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
    regularization_path,
)
from skreg._path import _alpha_grid, _path_max_iter, _path_patience
from skreg._solvers.fista import FISTA
from skreg._solvers.lbfgs import LBFGS


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_linear_path_equals_enet_path(diabetes, l1_ratio):
    X, y = diabetes
    est = LassoNet(hidden_layer_sizes=(), l1_ratio=l1_ratio)
    path = regularization_path(est, X, y, alphas=15)
    expected = sk_alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=15)
    np.testing.assert_allclose(path.alphas, expected, rtol=1e-12)
    _, coefs, _ = enet_path(
        X - X.mean(0),
        y - y.mean(),
        l1_ratio=l1_ratio,
        alphas=path.alphas,
        tol=1e-12,
        max_iter=100000,
    )
    assert path.coefs.shape == (X.shape[1], 15)
    np.testing.assert_allclose(
        path.coefs, coefs, rtol=1e-4, atol=1e-6 * np.abs(coefs).max()
    )
    # The first alpha is alpha_max: every coefficient is exactly zero there.
    assert path.n_selected[0] == 0 and path.n_selected[-1] == X.shape[1]
    assert np.all(np.diff(path.objectives) < 0)


def test_alpha_grid_weights_equal_repetition(diabetes):
    X, y = diabetes
    sw = np.random.RandomState(0).randint(0, 4, len(y))
    est = LassoNet(hidden_layer_sizes=())
    weighted = _alpha_grid(est, X, y, sw, n_alphas=5)
    repeated = _alpha_grid(est, X.repeat(sw, 0), y.repeat(sw), n_alphas=5)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-12)
    np.testing.assert_allclose(
        weighted, sk_alpha_grid(X, y, sample_weight=sw, n_alphas=5), rtol=1e-12
    )
    for ridge in [RidgeNet(hidden_layer_sizes=()), RidgeNet(hidden_layer_sizes=(8,))]:
        np.testing.assert_allclose(
            _alpha_grid(ridge, X, y, sw, n_alphas=5),
            _alpha_grid(ridge, X.repeat(sw, 0), y.repeat(sw), n_alphas=5),
            rtol=1e-12,
        )


def test_ridge_path_equals_ridge(diabetes):
    X, y = diabetes
    path = regularization_path(RidgeNet(hidden_layer_sizes=()), X, y, alphas=6)
    # Standardised features: the mean Gram eigenvalue is n_samples.
    np.testing.assert_allclose(path.alphas[[0, -1]], [len(y) * 1e3, len(y) * 1e-3])
    for k, alpha in enumerate(path.alphas):
        np.testing.assert_allclose(
            path.coefs[:, k], Ridge(alpha=alpha).fit(X, y).coef_, rtol=1e-5, atol=1e-6
        )


def test_classifier_alpha_max_is_first_empty_model():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = LassoNetClassifier(hidden_layer_sizes=())
    alpha_max = _alpha_grid(est, X, y, n_alphas=1)[0]
    assert est.set_params(alpha=alpha_max * 1.001).fit(X, y).support_.sum() == 0
    assert est.set_params(alpha=alpha_max * 0.95).fit(X, y).support_.sum() >= 1


@pytest.mark.parametrize(
    "cls, load", [(RidgeNet, load_diabetes), (RidgeNetClassifier, load_iris)]
)
def test_ridge_network_grid_ends_where_the_network_collapses(cls, load):
    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    # No stall rule: the last steps towards the zero network change the
    # objective by less than tol of itself (unscaled y: predictions still
    # spread by 0.5 % of y's after 56 iterations); the gradient test ends it.
    est = cls(
        hidden_layer_sizes=(20,), max_iter=300, n_iter_no_change=np.inf, random_state=0
    )
    grid = _alpha_grid(est, X, y, n_alphas=4, eps=1e-2)
    alpha_max = grid[-1]
    # Increasing (dense to sparse), up to alpha_max.
    np.testing.assert_allclose(grid, alpha_max * np.geomspace(1e-2, 1, 4))

    def spread(alpha):
        fitted = est.set_params(alpha=alpha).fit(X, y)
        out = fitted.predict(X) if cls is RidgeNet else fitted.predict_proba(X)
        return np.ptp(out, axis=0).max() / (np.std(y) if cls is RidgeNet else 1)

    # Above alpha_max the zero network is a local minimum and the fit collapses
    # to a constant; below it the network still uses its inputs.
    assert spread(1.2 * alpha_max) < 1e-4
    assert spread(0.7 * alpha_max) > 0.2


def test_network_path_goes_dense_to_sparse(friedman_split):
    X, y, X_val, y_val = friedman_split
    est = RidgeNet(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    # Ten iterations per alpha, so that the strongest alpha's fit has collapsed
    # (with the default, nine here, it still predicts a little).
    path = regularization_path(
        est, X, y, alphas=10, X_val=X_val, y_val=y_val, path_max_iter=10
    )
    assert np.all(np.diff(path.alphas) > 0)
    # The strongest alpha collapses the network: a constant predictor.
    assert abs(path.scores[-1]) < 0.02
    cold = [est.set_params(alpha=a).fit(X, y).score(X_val, y_val) for a in path.alphas]
    assert max(path.scores) > max(cold) - 0.02
    # Started from the collapsed network, near the all-zero stationary point,
    # the reverse path stays far below.
    down = regularization_path(
        est,
        X,
        y,
        alphas=path.alphas[::-1],
        X_val=X_val,
        y_val=y_val,
        path_max_iter=10,
    )
    assert abs(down.scores[0]) < 0.02
    assert max(down.scores) < max(path.scores) - 0.05


@pytest.mark.parametrize(
    "est, solver, n_alphas, later",
    [
        (
            RidgeNet(hidden_layer_sizes=(32,), max_iter=30, random_state=0),
            LBFGS,
            10,
            3,
        ),
        # FISTA's defaults: 10 iterations per alpha on a grid of 30.
        (
            LassoNet(hidden_layer_sizes=(32,), max_iter=30, random_state=0),
            FISTA,
            30,
            None,
        ),
    ],
    ids=["lbfgs", "fista"],
)
def test_network_path_keeps_the_solver_state(
    friedman_split, monkeypatch, est, solver, n_alphas, later
):
    """Along a path L-BFGS goes on with the curvature memory of the previous
    alpha (corrected for the new penalty), FISTA with its step size and
    momentum; restarted at every alpha, the same few iterations per alpha leave
    the later fits with a higher objective."""
    X, y, _, _ = friedman_split
    kept = regularization_path(est, X, y, alphas=n_alphas, path_max_iter=later)
    cls = solver
    init = cls.__init__

    def forgetful(self, objective, flat, **kw):
        objective.state.clear()
        init(self, objective, flat, **kw)

    monkeypatch.setattr(cls, "__init__", forgetful)
    restarted = regularization_path(est, X, y, alphas=n_alphas, path_max_iter=later)
    np.testing.assert_array_equal(kept.objectives[0], restarted.objectives[0])
    # The path frees the memory when it ends.
    assert not hasattr(kept.estimator, "_solver_state")
    # Ahead at the weak alphas, where the network is still learning.
    assert np.all(kept.objectives[1:5] < restarted.objectives[1:5])
    assert kept.objectives.sum() < restarted.objectives.sum()


def test_warm_path_needs_fewer_iterations_than_cold_fits(diabetes):
    X, y = diabetes
    est = LassoNet(hidden_layer_sizes=(), solver="lbfgs")
    path = regularization_path(est, X, y, alphas=10)
    cold = [est.set_params(alpha=a).fit(X, y).n_iter_ for a in path.alphas]
    assert path.n_iter.sum() < sum(cold)
    # Proximal Newton (the default) solves each lasso in one step, warm or cold.
    newton = regularization_path(LassoNet(hidden_layer_sizes=()), X, y, alphas=10)
    np.testing.assert_array_equal(newton.n_iter, 1)
    np.testing.assert_allclose(newton.coefs, path.coefs, rtol=1e-4, atol=1e-6)


def test_validation_scores_and_deep_network(diabetes):
    X, y = diabetes
    est = LassoNet(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    path = regularization_path(
        est, X[:300], y[:300], alphas=4, X_val=X[300:], y_val=y[300:]
    )
    assert path.scores.shape == (4,)
    assert path.scores[-1] == pytest.approx(path.estimator.score(X[300:], y[300:]))
    assert path.coefs.shape == (X.shape[1], 4)  # the skip connection
    # Networks go dense to sparse, up to 1000 times the linear alpha_max.
    assert np.all(np.diff(path.alphas) > 0)
    assert path.n_selected[0] == X.shape[1] and path.n_selected[-1] < X.shape[1]
    # Deep LassoNet on small data trains with FISTA: the later fits share
    # 3 * max_iter iterations, ceil(90 / 4) = 23 each.
    assert path.n_iter[0] <= 30 and np.all(path.n_iter[1:] <= 23)
    assert path.estimator.alpha == path.alphas[-1] and path.estimator.max_iter == 30
    ridge = regularization_path(RidgeNet((8,), max_iter=20), X, y, alphas=[1.0, 0.1])
    assert ridge.coefs is None and list(ridge.alphas) == [1.0, 0.1]


def test_errors(diabetes):
    X, y = diabetes
    with pytest.raises(TypeError, match="'alpha' parameter"):
        regularization_path(_NoAlpha(), X, y)
    with pytest.raises(ValueError, match="X_val and y_val"):
        regularization_path(LassoNet(hidden_layer_sizes=()), X, y, X_val=X)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        regularization_path(LassoNet(hidden_layer_sizes=(), l1_ratio=0.0), X, y)
    with pytest.raises(ValueError, match="non-negative"):
        regularization_path(LassoNet(hidden_layer_sizes=()), X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="alphas must be finite"):
        regularization_path(LassoNet(hidden_layer_sizes=()), X, y, alphas=[np.nan])
    with pytest.raises(InvalidParameterError, match="'scoring' parameter of regu"):
        regularization_path(RidgeNet(), X, y, X_val=X, y_val=y, scoring="no-such")


@pytest.mark.parametrize(
    "est",
    [
        LassoNet(hidden_layer_sizes=()),
        LassoNet(hidden_layer_sizes=(4,)),
        RidgeNet(hidden_layer_sizes=()),
        RidgeNet(hidden_layer_sizes=(4,)),
        LassoNetClassifier(hidden_layer_sizes=()),
        RidgeNetClassifier(hidden_layer_sizes=(4,)),
    ],
)
def test_inconsistent_lengths_are_checked_before_the_grid(diabetes, est):
    X, y = diabetes
    y = y[:20] > y.mean() if is_classifier(est) else y[:20]
    with pytest.raises(ValueError, match=r"inconsistent numbers .*: \[30, 20\]"):
        regularization_path(est, X[:30], y, alphas=3)


def test_estimator_parameter_errors_name_the_estimator(diabetes):
    X, y = diabetes
    est = LassoNet(hidden_layer_sizes=(), M=-1)
    with pytest.raises(InvalidParameterError, match="'M' parameter of LassoNet must"):
        regularization_path(est, X, y, alphas=3)
    with pytest.raises(InvalidParameterError, match="'eps' parameter of regulari"):
        regularization_path(LassoNet(hidden_layer_sizes=()), X, y, eps=2.0)


def test_path_keeps_feature_names(diabetes):
    pd = pytest.importorskip("pandas")
    X, y = diabetes
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        path = regularization_path(
            LassoNet(hidden_layer_sizes=()),
            df[:300],
            y[:300],
            alphas=3,
            X_val=df[300:],
            y_val=y[300:],
        )
        score = path.estimator.score(df[300:], y[300:])
    np.testing.assert_array_equal(path.estimator.feature_names_in_, df.columns)
    assert path.scores[-1] == pytest.approx(score)


class _NoAlpha:
    def get_params(self, deep=True):
        return {"C": 1.0}


@pytest.mark.parametrize(
    "est",
    [
        LassoNet(hidden_layer_sizes=(), l1_ratio=0.7),
        LassoNet(hidden_layer_sizes=(8,), max_iter=12, random_state=0),
        RidgeNet(hidden_layer_sizes=(8,), max_iter=12, random_state=0),
        RidgeNet(
            hidden_layer_sizes=(8,),
            solver="adam",
            early_stopping=True,
            max_iter=12,
            random_state=0,
        ),
        LassoNetClassifier(hidden_layer_sizes=()),
        RidgeNetClassifier(hidden_layer_sizes=(8,), max_iter=12, random_state=0),
    ],
    ids=[
        "linear",
        "lassonet_network",
        "ridgenet_network",
        "early_stopping",
        "linear_classifier",
        "network_classifier",
    ],
)
def test_path_equals_warm_started_fits(diabetes, est):
    """The path validates and prepares the data once and only trains at each
    alpha; the result is that of calling ``fit`` at each alpha, warm-started."""
    X, y = diabetes
    X = X[:200]
    y = (y[:200] - y[:200].mean()) / y[:200].std()
    if is_classifier(est):
        y = np.digitize(y, [-0.5, 0.5])  # three classes
    path = regularization_path(est, X, y, alphas=4, path_max_iter=5)
    manual = clone(est).set_params(warm_start=True)
    patience = _path_patience(est, path.estimator.solver_)
    for k, alpha in enumerate(path.alphas):
        manual.set_params(
            alpha=alpha,
            max_iter=est.max_iter if k == 0 else 5,
            n_iter_no_change=est.n_iter_no_change if k == 0 else patience,
        )
        # As fit does, with the later fits' refinement stall rule.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            prep = manual._prepare(X, y, None)
            manual._fit_prepared(prep, refine=k > 0)
        manual._solver_state = prep.objective.state  # as a warm fit keeps it
    np.testing.assert_array_equal(manual.predict(X), path.estimator.predict(X))
    assert manual.n_iter_ == path.n_iter[-1]


@pytest.mark.parametrize(
    "est, solver, n_alphas, expected",
    [
        # FISTA: 3 * max_iter shared, at least max_iter // 5 and 10 each.
        (LassoNet((100,), max_iter=200), "fista", 30, 40),
        (LassoNet((100,), max_iter=200), "fista", 10, 60),
        (LassoNet((100,), max_iter=30), "fista", 30, 10),
        (LassoNet((100,), max_iter=5), "fista", 30, 5),
        # L-BFGS: 3 * max_iter shared, at least max_iter // 10 each.
        (RidgeNet((100,), max_iter=30), "lbfgs", 30, 3),
        (RidgeNet((100,), max_iter=200), "lbfgs", 10, 60),
        # Mini-batch: a tenth of max_iter; linear models: max_iter.
        (RidgeNet((100,), solver="adam", max_iter=200), "adam", 30, 20),
        (LassoNet(hidden_layer_sizes=(), max_iter=200), "newton", 30, 200),
    ],
)
def test_later_fits_of_a_path_get_their_share_of_max_iter(
    est, solver, n_alphas, expected
):
    assert _path_max_iter(est, solver, None, n_alphas) == expected
    assert _path_max_iter(est, solver, 7, n_alphas) == 7


@pytest.mark.parametrize(
    "cls, solver, later",
    [(RidgeNet, "lbfgs", 2), (LassoNet, "fista", 2), (LassoNet, "adam", 20)],
)
def test_later_fits_of_a_full_batch_path_stop_on_a_shorter_stall(
    diabetes, monkeypatch, cls, solver, later
):
    """A warm fit of a deterministic (full-batch) network path starts at the
    previous solution: a tenth of ``n_iter_no_change`` iterations without a
    gain of ``tol`` stop it (``refine``). Mini-batch losses are noisy and keep
    the whole window."""
    import skreg._base as base

    windows, train = [], base.train

    def recording_train(objective, **kwargs):
        windows.append((kwargs["n_iter_no_change"], kwargs["refine"]))
        return train(objective, **kwargs)

    monkeypatch.setattr(base, "train", recording_train)
    X, y = diabetes
    y = (y - y.mean()) / y.std()
    est = cls(
        hidden_layer_sizes=(4,), solver=solver, n_iter_no_change=20, random_state=0
    )
    path = regularization_path(est, X[:100], y[:100], alphas=3, path_max_iter=5)
    assert windows == [(20, False), (later, True), (later, True)]
    assert path.estimator.get_params()["n_iter_no_change"] == 20


def test_linear_path_reads_the_data_once(diabetes, monkeypatch):
    """A squared loss is its own quadratic model: along a linear path Newton forms
    its Hessian and linear term once (two passes over the data), then solves
    every alpha from them, so the passes do not grow with the grid."""
    import skreg._solvers.newton as newton
    from skreg._modules import Net

    X, y = diabetes
    passes = []

    def counted(function, name):
        return lambda *args, **kw: passes.append(name) or function(*args, **kw)

    monkeypatch.setattr(Net, "forward", counted(Net.forward, "forward"))
    for name in ("gram_blocks", "gram_vector"):
        monkeypatch.setattr(newton, name, counted(getattr(newton, name), name))
    for n_alphas in (5, 20):
        passes.clear()
        path = regularization_path(
            LassoNet(hidden_layer_sizes=()), X, y, alphas=n_alphas
        )
        assert np.all(path.n_iter == 1)
        assert sorted(passes) == ["gram_blocks", "gram_vector"]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_path_takes_a_column_of_labels_as_fit_does(n_classes):
    # fit ravels a column vector of labels (with a DataConversionWarning); so
    # does the path, whose automatic grid failed on it with a shape error.
    X, y = load_iris(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[y < n_classes]), y[y < n_classes]
    est = LassoNetClassifier(hidden_layer_sizes=())
    flat = regularization_path(est, X, y, alphas=4)
    with pytest.warns(DataConversionWarning):
        column = regularization_path(est, X, y[:, None], alphas=4)
    np.testing.assert_array_equal(column.alphas, flat.alphas)
    np.testing.assert_allclose(column.coefs, flat.coefs)
