"""CV estimators: sklearn's choices in the linear case, behaviour for networks."""

import re
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_friedman1,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV, lasso_path
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skreg import (
    LassoNet,
    LassoNetClassifierCV,
    LassoNetCV,
    RidgeNet,
    RidgeNetClassifierCV,
    RidgeNetCV,
    regularization_path,
)
from skreg._importance import path_importances
from skreg._plot import _mean_fold_paths

CV = KFold(5, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def sparse_problem():
    X, y = make_regression(
        200, 20, n_informative=4, noise=5.0, random_state=0, shuffle=False
    )
    return X, y


def test_lassonetcv_equals_lassocv(sparse_problem):
    X, y = sparse_problem
    model = LassoNetCV(alphas=20, cv=CV).fit(X, y)
    ref = LassoCV(alphas=20, cv=CV, tol=1e-10, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(model.alphas_, ref.alphas_, rtol=1e-12)
    assert model.alpha_ == ref.alpha_
    assert model.score_path_.shape == (20, 5)
    np.testing.assert_allclose(-model.score_path_, ref.mse_path_, rtol=1e-4)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4, atol=1e-4)
    assert model.best_score_ == pytest.approx(-ref.mse_path_.mean(1).min(), rel=1e-4)
    np.testing.assert_array_equal(model.support_, ref.coef_ != 0)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-4, atol=1e-3)


def test_lassonetcv_l1_ratio_list_equals_elasticnetcv(sparse_problem):
    X, y = sparse_problem
    ratios = [0.3, 0.9]
    model = LassoNetCV(alphas=10, l1_ratio=ratios, cv=CV).fit(X, y)
    ref = ElasticNetCV(alphas=10, l1_ratio=ratios, cv=CV, tol=1e-10).fit(X, y)
    assert model.alphas_.shape == (2, 10) and model.score_path_.shape == (2, 10, 5)
    np.testing.assert_allclose(model.alphas_, ref.alphas_, rtol=1e-12)
    assert (model.alpha_, model.l1_ratio_) == (ref.alpha_, ref.l1_ratio_)
    assert model.estimator_.l1_ratio == model.l1_ratio_


def test_ridgenetcv_equals_ridgecv(sparse_problem):
    X, y = sparse_problem
    grid = np.geomspace(1e-2, 1e3, 12)
    model = RidgeNetCV(alphas=grid, cv=CV, scoring="neg_mean_squared_error").fit(X, y)
    ref = RidgeCV(alphas=grid, cv=CV, scoring="neg_mean_squared_error").fit(X, y)
    assert model.alpha_ == ref.alpha_
    assert model.best_score_ == pytest.approx(ref.best_score_, rel=1e-6)
    np.testing.assert_allclose(model.alphas_, np.sort(grid)[::-1])
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-5)


def test_classifier_cvs_select_and_predict():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = LassoNetClassifierCV(alphas=8, cv=3).fit(X, y)
    assert 0 < clf.support_.sum() < X.shape[1]
    assert clf.alpha_ in clf.alphas_ and clf.score_path_.shape == (8, 3)
    assert clf.score(X, y) > 0.95
    np.testing.assert_allclose(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    X, y = load_iris(return_X_y=True)
    clf = RidgeNetClassifierCV(alphas=[0.01, 1.0, 100.0], cv=3).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    # Strong shrinkage underfits iris; the log-loss rules it out.
    assert clf.alpha_ < 100.0
    assert clf.predict_log_proba(X).shape == (150, 3)


@pytest.mark.parametrize(
    "cv_cls, cls", [(LassoNetCV, LassoNet), (RidgeNetCV, RidgeNet)]
)
def test_linear_cv_refits_once_at_alpha(sparse_problem, monkeypatch, cv_cls, cls):
    """A linear model's objective is convex: the refit is one fit at alpha_
    (as LassoCV's), and it is the path's solution."""
    import skreg._cv as cv_module

    X, y = sparse_problem
    fit_path, grids = cv_module._fit_path, []

    def recording_fit_path(estimator, X, y, sample_weight, alphas, **kwargs):
        grids.append(np.asarray(alphas))
        return fit_path(estimator, X, y, sample_weight, alphas, **kwargs)

    monkeypatch.setattr(cv_module, "_fit_path", recording_fit_path)
    model = cv_cls(hidden_layer_sizes=(), alphas=12, cv=3).fit(X, y)
    assert len(grids) == 4  # three folds, then the refit
    np.testing.assert_array_equal(grids[-1], [model.alpha_])
    path = regularization_path(
        cls(hidden_layer_sizes=()),
        X,
        y,
        alphas=grids[0][: list(grids[0]).index(model.alpha_) + 1],
    )
    np.testing.assert_allclose(model.coef_, path.coefs[..., -1], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize(
    "cv_cls, cls, later",
    # Iterations per alpha after the first: 3 * max_iter / n_alphas, at least
    # max_iter // 5 and 10 for FISTA (LassoNet), max_iter // 10 for L-BFGS
    # (RidgeNet).
    [(LassoNetCV, LassoNet, 30), (RidgeNetCV, RidgeNet, 30)],
)
def test_network_cv_refits_along_the_path(cv_cls, cls, later):
    X, y = make_friedman1(150, n_features=8, random_state=0)
    params = dict(hidden_layer_sizes=(16,), max_iter=40, random_state=0)
    model = cv_cls(alphas=4, cv=3, **params).fit(X, y)
    # A network's path runs dense to sparse.
    assert np.all(np.diff(model.alphas_) > 0)
    i = list(model.alphas_).index(model.alpha_)
    # The refit is the warm-started path on all the data, stopped at alpha_:
    # the same iterations per alpha as the folds' paths over the whole grid,
    # and the later fits run with n_iter_no_change=1.
    ref = cls(**params, warm_start=True)
    for k, alpha in enumerate(model.alphas_[: i + 1]):
        first = k == 0
        ref.set_params(
            alpha=alpha,
            max_iter=40 if first else later,
            n_iter_no_change=10 if first else 1,
        ).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ref.predict(X))
    assert model.estimator_.warm_start is False
    assert model.estimator_.module_.first_hidden is not None


def test_ridgenetcv_network_beats_collapse_and_matches_grid_search(friedman_split):
    X, y, X_test, y_test = friedman_split
    params = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    model = RidgeNetCV(alphas=10, cv=3, **params).fit(X, y)
    # The grid's top is where the network collapses: the constant model scores
    # an R² of about 0 there, far below the chosen alpha.
    assert model.alpha_ < model.alphas_[-1]
    assert np.all(model.score_path_[-1] < -0.9)
    assert model.best_score_ > -0.2
    search = GridSearchCV(
        RidgeNet(**params),
        {"alpha": list(model.alphas_)},
        cv=3,
        scoring="neg_mean_squared_error",
    ).fit(X, y)
    cold = search.best_estimator_.score(X_test, y_test)
    assert model.score(X_test, y_test) > cold - 0.02


def test_n_jobs_gives_same_scores(sparse_problem):
    X, y = sparse_problem
    one = RidgeNetCV(cv=3).fit(X, y)
    two = RidgeNetCV(cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(one.score_path_, two.score_path_, rtol=1e-10)
    assert one.alpha_ == two.alpha_


def test_sample_weight_equals_repetition(sparse_problem):
    X, y = sparse_problem
    sw = np.random.RandomState(0).randint(1, 3, len(y))
    groups = np.arange(len(y)) % 3
    folds = [
        (np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in range(3)
    ]
    rep = np.repeat(np.arange(len(y)), sw)
    folds_rep = [
        (np.flatnonzero(groups[rep] != g), np.flatnonzero(groups[rep] == g))
        for g in range(3)
    ]
    weighted = LassoNetCV(alphas=6, cv=folds).fit(X, y, sample_weight=sw)
    repeated = LassoNetCV(alphas=6, cv=folds_rep).fit(X[rep], y[rep])
    np.testing.assert_allclose(weighted.alphas_, repeated.alphas_, rtol=1e-12)
    np.testing.assert_allclose(weighted.score_path_, repeated.score_path_, rtol=1e-6)
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-12)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"alphas": [-1.0, 1.0]}, ValueError, "non-negative"),
        ({"alphas": [np.nan]}, ValueError, "alphas must be .* finite, non-negative"),
        ({"alphas": [np.inf, 1.0]}, ValueError, "alphas must be .* finite"),
        ({"l1_ratio": [0.5, 1.5]}, ValueError, r"l1_ratio must be"),
        ({"scoring": "no-such-score"}, InvalidParameterError, "scoring"),
        ({"alphas": 0}, InvalidParameterError, "alphas"),
    ],
)
def test_errors(sparse_problem, params, error, match):
    X, y = sparse_problem
    with pytest.raises(error, match=match):
        LassoNetCV(**params).fit(X, y)


def test_params_mirror_the_plain_estimators():
    # A path chooses alpha; LassoNet's n_features_to_select is a path of its own.
    plain_only = {RidgeNet: set(), LassoNet: {"n_features_to_select"}}
    for cv_cls, cls in [(RidgeNetCV, RidgeNet), (LassoNetCV, LassoNet)]:
        cv_params = set(cv_cls().get_params())
        assert (
            set(cls().get_params()) - cv_params
            == {
                "alpha",
                "warm_start",
            }
            | plain_only[cls]
        )
        assert cv_params - set(cls().get_params()) == {
            "alphas",
            "eps",
            "cv",
            "scoring",
            "n_jobs",
            "path_max_iter",
            "selection",
        }


def test_classifier_folds_missing_a_class_are_scored():
    X, y = load_iris(return_X_y=True)
    X, y = X[:101], y[:101]  # a single sample of class 2
    folds = [(np.arange(50, 101), np.arange(0, 50)), (np.arange(0, 100), [100])]
    clf = RidgeNetClassifierCV(alphas=[0.1, 1.0], cv=folds).fit(X, y)
    assert np.all(np.isfinite(clf.score_path_))
    # Fold 0 never saw class 0, fold 1 never saw class 2: both score badly.
    assert np.all(clf.score_path_ < -1)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_float32_classifier_log_loss_sums_to_one():
    """A float32 model's probabilities are renormalised in float64 before the
    log-loss, which would otherwise warn that they do not sum to one."""
    X, y = load_iris(return_X_y=True)
    params = dict(alphas=[0.1, 10.0], cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", "alpha_=.* alphas tried", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        single = RidgeNetClassifierCV(**params).fit(X.astype(np.float32), y)
    double = RidgeNetClassifierCV(**params).fit(X, y)
    np.testing.assert_allclose(single.score_path_, double.score_path_, rtol=1e-4)


def test_refitted_estimator_keeps_feature_names():
    pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", "alpha_=.* alphas tried", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LassoNetClassifierCV(alphas=3, cv=2).fit(X, y)
        proba = model.estimator_.predict_proba(X)
        # The CV estimator validates the frame, then runs estimator_ on the
        # array, which must not be checked (and warned about) again.
        np.testing.assert_allclose(model.predict_proba(X), proba)
        np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))
    np.testing.assert_array_equal(model.estimator_.feature_names_in_, X.columns)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X.to_numpy())
    with pytest.raises(ValueError, match="X has 3 features, but LassoNetClassifierCV"):
        model.predict(X.iloc[:, :3].to_numpy())


def test_groups_are_routed_to_the_splitter():
    """With metadata routing on, ``groups`` reaches a group splitter and the
    choice equals LassoCV's on the same folds; off, passing it is an error, as
    for scikit-learn's CV estimators."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 5))
    y = X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(60)
    groups = np.repeat(np.arange(6), 10)
    with sklearn.config_context(enable_metadata_routing=True):
        ours = LassoNetCV((), alphas=8, cv=GroupKFold(3)).fit(X, y, groups=groups)
        ref = LassoCV(alphas=ours.alphas_, cv=GroupKFold(3)).fit(X, y, groups=groups)
    assert ours.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(-ours.score_path_, ref.mse_path_, rtol=1e-4, atol=1e-10)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        LassoNetCV((), alphas=8, cv=GroupKFold(3)).fit(X, y, groups=groups)


def test_failed_fit_leaves_the_cv_estimator_as_it_was():
    # A class with one member leaves it out of some fold's training set, whose
    # fit then fails: the estimator keeps its earlier model, never a mix of
    # the new data's attributes and the old refitted model.
    rng = np.random.RandomState(0)
    X, X_other = rng.randn(30, 3), rng.randn(30, 5)
    fails_a_fold = np.array([0] * 29 + [1])
    unfitted = RidgeNetClassifierCV(cv=3)
    with pytest.raises(ValueError):
        unfitted.fit(X, fails_a_fold)
    assert not hasattr(unfitted, "classes_")
    model = RidgeNetClassifierCV(cv=3).fit(X, np.array(["a", "b", "c"] * 10))
    before = model.predict_proba(X)
    with pytest.raises(ValueError):
        model.fit(X_other, fails_a_fold)
    assert model.n_features_in_ == 3
    np.testing.assert_array_equal(model.classes_, ["a", "b", "c"])
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_1se_rule_is_glmnets_lambda_1se(sparse_problem):
    """The largest alpha whose mean held-out error is within one standard error
    (std over folds / sqrt(K)) of the minimum, as glmnet's lambda.1se."""
    X, y = sparse_problem
    best = LassoNetCV(alphas=30, cv=CV).fit(X, y)
    model = LassoNetCV(alphas=30, cv=CV, selection="1se").fit(X, y)
    np.testing.assert_array_equal(model.score_path_, best.score_path_)
    mse = -model.score_path_
    i = mse.mean(axis=1).argmin()
    se = mse[i].std(ddof=1) / np.sqrt(mse.shape[1])
    within = mse.mean(axis=1) <= mse[i].mean() + se
    assert model.alpha_ == model.alphas_[within].max()
    assert model.alpha_ > best.alpha_ and best.alpha_ == model.alphas_[i]
    assert model.support_.sum() < best.support_.sum()
    assert model.best_score_ == pytest.approx(
        model.score_path_[model.alphas_ == model.alpha_].mean()
    )
    ref = LassoNet(hidden_layer_sizes=(), alpha=model.alpha_).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)


def test_1se_rule_ridge_and_l1_ratio_grid(sparse_problem):
    X, y = sparse_problem
    grid = np.geomspace(1e-2, 1e3, 12)
    best = RidgeNetCV(alphas=grid, cv=CV).fit(X, y)
    model = RidgeNetCV(alphas=grid, cv=CV, selection="1se").fit(X, y)
    assert model.alpha_ >= best.alpha_
    enet = LassoNetCV(alphas=10, l1_ratio=[0.3, 0.9], cv=CV, selection="1se").fit(X, y)
    row = [0.3, 0.9].index(enet.l1_ratio_)
    assert enet.alpha_ in enet.alphas_[row]
    with pytest.raises(InvalidParameterError, match="selection"):
        LassoNetCV(selection="max").fit(X, y)


def test_fold_paths_equal_lasso_path(sparse_problem):
    """coef_path_[k] is lasso_path on fold k's training set; n_features_path_
    counts its nonzeros; feature_importances_ are the folds' mean areas."""
    X, y = sparse_problem
    model = LassoNetCV(alphas=15, cv=CV).fit(X, y)
    assert model.coef_path_.shape == (5, 20, 15)
    assert model.n_features_path_.shape == (15, 5)
    for k, (train, _) in enumerate(CV.split(X)):
        Xt, yt = X[train] - X[train].mean(axis=0), y[train] - y[train].mean()
        _, coefs, _ = lasso_path(Xt, yt, alphas=model.alphas_, tol=1e-12)
        np.testing.assert_allclose(model.coef_path_[k], coefs, atol=1e-6)
        np.testing.assert_array_equal(
            model.n_features_path_[:, k], (model.coef_path_[k] != 0).sum(axis=0)
        )
    areas = path_importances(np.abs(model.coef_path_).transpose(0, 2, 1), model.alphas_)
    np.testing.assert_allclose(
        model.feature_importances_, areas.mean(axis=0) / areas.mean(axis=0).sum()
    )
    # make_regression(shuffle=False): the 4 informative inputs come first.
    assert set(np.argsort(-model.feature_importances_)[:4]) == {0, 1, 2, 3}


def test_fold_paths_shapes_for_networks_and_classifiers():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = LassoNetClassifierCV(
        hidden_layer_sizes=(4,), alphas=4, cv=3, max_iter=20, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    # The skip connection's path: (n_folds, n_classes, n_features, n_alphas).
    assert clf.coef_path_.shape == (3, 3, 4, 4)
    assert clf.n_features_path_.shape == (4, 3)
    assert clf.feature_importances_.shape == (4,)
    assert clf.feature_importances_.sum() == pytest.approx(1.0)
    ridge = RidgeNetCV(hidden_layer_sizes=(4,), alphas=[0.1, 1.0], cv=3, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ridge.fit(X, X[:, 0])
    for name in ("coef_path_", "n_features_path_", "feature_importances_"):
        assert not hasattr(ridge, name)


def test_fold_missing_a_class_keeps_importances_not_coef_path():
    """A training fold without some class fits fewer outputs: its coefficients
    cannot stack with the other folds' (no coef_path_), but its inputs'
    norms can (feature_importances_)."""
    X, y = load_iris(return_X_y=True)
    X, y = X[:101], y[:101]  # a single sample of class 2
    folds = [(np.arange(50, 101), np.arange(0, 50)), (np.arange(0, 100), [100])]
    clf = LassoNetClassifierCV(alphas=4, cv=folds).fit(X, y)
    assert not hasattr(clf, "coef_path_")
    assert clf.feature_importances_.shape == (4,)
    assert clf.n_features_path_.shape == (4, 2)
    display_coefs = _mean_fold_paths(clf, None)[0]
    assert display_coefs is None


@pytest.fixture(scope="module")
def diabetes_scaled():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def test_ridgenetcv_default_grid_is_automatic(diabetes_scaled):
    """RidgeNetCV's default is an automatic grid of 30 alphas spanning six
    decades; on load_diabetes the choice lies inside it, where RidgeCV's old
    grid (0.1, 1, 10) put it at an end."""
    X, y = diabetes_scaled
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no grid-end or convergence warning
        model = RidgeNetCV(cv=CV).fit(X, y)
    assert model.alphas_.shape == (30,)
    assert model.alphas_.max() / model.alphas_.min() == pytest.approx(1e6)
    assert model.alphas_.min() < model.alpha_ < model.alphas_.max()
    ref = RidgeCV(alphas=model.alphas_, cv=CV, scoring="neg_mean_squared_error")
    assert model.alpha_ == ref.fit(X, y).alpha_


def test_alpha_at_an_end_of_the_grid_warns(diabetes_scaled):
    X, y = diabetes_scaled
    with pytest.warns(UserWarning, match=r"smallest of the 2 alphas.*`alphas`"):
        RidgeNetCV(alphas=[1e3, 1e4], cv=CV).fit(X, y)
    # Targets unrelated to X: the strongest alpha, the constant model, wins.
    noise = np.random.RandomState(0).standard_normal(len(y))
    with pytest.warns(UserWarning, match=r"largest of the 2 alphas.*`alphas`"):
        RidgeNetCV(alphas=[1e-3, 1e3], cv=CV).fit(X, noise)
    with pytest.warns(UserWarning, match=r"largest of the 10 alphas.*constant"):
        LassoNetCV(cv=CV).fit(X, noise)


def test_one_convergence_warning_per_cv_fit(diabetes_scaled):
    """Path fits that stop at their budget give one ConvergenceWarning per CV
    fit, counting them all, where every path used to warn."""
    X, y = diabetes_scaled
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LassoNetCV(hidden_layer_sizes=(8,), max_iter=3, cv=3, random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1
    assert re.search(r"as did \d+ of the other \d+ fits", messages[0])


def test_no_convergence_warning_when_the_refit_converged(diabetes_scaled):
    """Fold paths that stopped at their budget do not warn when the refitted
    model converged."""
    X, _ = diabetes_scaled
    noise = np.random.RandomState(0).standard_normal(X.shape[0])
    noise -= noise.mean()
    # FISTA cannot solve the weak alpha in two iterations; the strong one
    # (every coefficient zero, the best model of pure noise, whose mean is
    # zero) is solved at once.
    model = LassoNetCV(alphas=[1e-4, 10.0], solver="fista", max_iter=2, cv=CV)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, noise)
    assert model.alpha_ == 10.0
    assert not [w for w in caught if w.category is ConvergenceWarning]
    with pytest.warns(ConvergenceWarning, match="stopped at its iteration limit"):
        LassoNetCV(alphas=[1e-4], solver="fista", max_iter=2, cv=CV).fit(X, noise)
