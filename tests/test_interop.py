"""skreg estimators inside scikit-learn's meta-estimators, searches and tools.

Small linear models (``hidden_layer_sizes=()``, full-batch L-BFGS) keep every
fit deterministic and fast, so each test can compare values, not just run.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import StackingClassifier, VotingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_validate,
    train_test_split,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skreg import LassoNetClassifier, RidgeNet, RidgeNetClassifier


def linear(alpha=1.0, **params):
    return RidgeNet(alpha=alpha, hidden_layer_sizes=(), **params)


@pytest.fixture(scope="module")
def regression():
    """y = 3 x0 - 2 x1 + small noise; features 2-4 are irrelevant."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((120, 5))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(120)
    return X, y


@pytest.fixture(scope="module")
def frame():
    rng = np.random.RandomState(1)
    df = pd.DataFrame(
        {
            "size": rng.uniform(50, 150, 90),
            "age": rng.uniform(0, 40, 90),
            "city": rng.choice(["paris", "oslo", "rome"], 90),
        }
    )
    effect = df["city"].map({"paris": 2.0, "oslo": -1.0, "rome": 0.0})
    y = 0.05 * df["size"] - 0.1 * df["age"] + effect + 0.05 * rng.standard_normal(90)
    return df, y.to_numpy()


def test_pipeline_column_transformer_on_dataframe(frame):
    df, y = frame
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["size", "age"]),
            ("cat", OneHotEncoder(sparse_output=False), ["city"]),
        ]
    ).set_output(transform="pandas")
    pipe = Pipeline([("pre", pre), ("net", linear(alpha=0.1))]).fit(df, y)
    names = pipe["pre"].get_feature_names_out()
    np.testing.assert_array_equal(pipe["net"].feature_names_in_, names)
    assert pipe["net"].n_features_in_ == 5
    # The same model as RidgeNet on the transformed array, and as sklearn's Ridge.
    Z = pre.fit_transform(df)
    direct = linear(alpha=0.1).fit(Z.to_numpy(), y)
    np.testing.assert_allclose(pipe.predict(df), direct.predict(Z.to_numpy()))
    ridge = Ridge(alpha=0.1).fit(Z, y)
    np.testing.assert_allclose(pipe["net"].coef_, ridge.coef_, rtol=1e-5, atol=1e-8)
    assert pipe.score(df, y) > 0.99
    # Columns in another order are refused, as by scikit-learn's estimators.
    with pytest.raises(ValueError, match="feature names"):
        pipe["net"].predict(Z[Z.columns[::-1]])


def test_cross_validate_equals_manual_folds(regression):
    X, y = regression
    cv = KFold(4, shuffle=True, random_state=0)
    result = cross_validate(linear(), X, y, cv=cv, return_estimator=True)
    manual = [
        clone(linear()).fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in cv.split(X)
    ]
    np.testing.assert_allclose(result["test_score"], manual, rtol=1e-12)
    assert all(est.n_iter_ > 0 for est in result["estimator"])


def test_randomized_search_picks_the_best_sampled_alpha(regression):
    X, y = regression
    search = RandomizedSearchCV(
        linear(), {"alpha": loguniform(1e-3, 1e3)}, n_iter=4, cv=3, random_state=0
    ).fit(X, y)
    alphas = np.array([p["alpha"] for p in search.cv_results_["params"]])
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_["alpha"] == alphas[np.argmax(scores)]
    # Low-noise linear data: the least regularised candidate generalises best.
    assert search.best_params_["alpha"] == alphas.min()
    refit = linear(alpha=alphas.min()).fit(X, y)
    np.testing.assert_allclose(search.predict(X), refit.predict(X))


def test_halving_grid_search(regression):
    X, y = regression
    search = HalvingGridSearchCV(
        linear(), {"alpha": [1e-3, 1.0, 30.0, 1e3]}, cv=3, factor=2, random_state=0
    ).fit(X, y)
    assert (
        search.n_iterations_ >= 2 and search.n_resources_[-1] > search.n_resources_[0]
    )
    assert search.best_params_ == {"alpha": 1e-3}
    np.testing.assert_allclose(
        search.best_estimator_.coef_, linear(alpha=1e-3).fit(X, y).coef_
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_n_jobs_1_and_2_agree(regression):
    X, y = regression
    grid = {"alpha": [0.01, 1.0, 100.0], "hidden_layer_sizes": [(), (4,)]}
    # The CPU by name: joblib's worker processes do not see the tests' CPU
    # default for device="auto" (conftest.py), and would pick a GPU.
    est = RidgeNet(random_state=0, device="cpu")
    runs = [GridSearchCV(est, grid, cv=3, n_jobs=n).fit(X, y) for n in (1, 2)]
    assert runs[0].best_params_ == runs[1].best_params_
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(
            runs[0].cv_results_[key], runs[1].cv_results_[key]
        )


def test_transformed_target_regressor(regression):
    X, _ = regression
    y = np.exp(0.5 * X[:, 0] - 0.3 * X[:, 2])  # log-linear target
    model = TransformedTargetRegressor(
        regressor=linear(alpha=1e-3), func=np.log, inverse_func=np.exp
    ).fit(X, y)
    direct = linear(alpha=1e-3).fit(X, np.log(y))
    np.testing.assert_allclose(model.predict(X), np.exp(direct.predict(X)))
    np.testing.assert_allclose(model.regressor_.coef_, [0.5, 0, -0.3, 0, 0], atol=1e-4)


def test_multi_output_regressor_equals_joint_fit(regression):
    X, y = regression
    Y = np.c_[y, X[:, 2] - y]
    per_output = MultiOutputRegressor(linear(alpha=0.5)).fit(X, Y)
    joint = linear(alpha=0.5).fit(X, Y)  # the ridge objective separates by output
    for k, est in enumerate(per_output.estimators_):
        np.testing.assert_allclose(est.coef_, joint.coef_[k], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(per_output.predict(X), joint.predict(X), rtol=1e-5)


def test_calibrated_classifier_fixes_underconfident_probabilities():
    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    # A strong penalty shrinks the logits: probabilities crowd around 0.5.
    shrunk = RidgeNetClassifier(alpha=300.0, hidden_layer_sizes=())
    raw = clone(shrunk).fit(X_train, y_train).predict_proba(X_test)
    calibrated = CalibratedClassifierCV(shrunk, cv=3, method="sigmoid")
    proba = calibrated.fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.abs(raw[:, 1] - 0.5).max() < 0.3
    assert log_loss(y_test, proba) < 0.8 * log_loss(y_test, raw)


def test_permutation_importance_finds_the_informative_features(regression):
    X, y = regression
    est = linear(alpha=0.1).fit(X, y)
    result = permutation_importance(est, X, y, n_repeats=5, random_state=0)
    imp = result.importances_mean
    assert imp[0] > imp[1] > 0.5  # 3 x0 weighs more than -2 x1
    assert np.all(np.abs(imp[2:]) < 0.01)


def test_voting_regressor_averages_its_members(regression):
    X, y = regression
    vote = VotingRegressor([("net", linear(alpha=10.0)), ("ridge", Ridge(1000.0))])
    vote.fit(X, y)
    members = [est.predict(X) for est in vote.estimators_]
    np.testing.assert_allclose(vote.predict(X), np.mean(members, axis=0))
    np.testing.assert_allclose(
        vote.estimators_[0].coef_, Ridge(10.0).fit(X, y).coef_, rtol=1e-5
    )


def test_stacking_classifier_stacks_predict_proba():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    stack = StackingClassifier(
        [
            ("ridge", RidgeNetClassifier(alpha=1.0, hidden_layer_sizes=())),
            ("lasso", LassoNetClassifier(alpha=0.01, hidden_layer_sizes=())),
        ],
        final_estimator=LogisticRegression(),
        cv=3,
    ).fit(X, y)
    features = np.hstack([est.predict_proba(X) for est in stack.estimators_])
    np.testing.assert_allclose(stack.transform(X), features)
    np.testing.assert_array_equal(
        stack.predict(X), stack.final_estimator_.predict(features)
    )
    assert stack.score(X, y) > 0.9


@pytest.fixture(scope="module")
def weighted(regression):
    X, y = regression
    rng = np.random.RandomState(2)
    # The last 40 samples follow another law; weights decide how much they count.
    y = y.copy()
    y[80:] = -y[80:]
    w = np.r_[np.full(80, 5.0), rng.uniform(0, 0.2, 40)]
    return X, y, w


def test_metadata_routing_through_grid_search(weighted):
    X, y, w = weighted
    with sklearn.config_context(enable_metadata_routing=True):
        est = (
            linear()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        search = GridSearchCV(est, {"alpha": [0.1, 10.0]}, cv=3).fit(
            X, y, sample_weight=w
        )
    best = search.best_params_["alpha"]
    direct = linear(alpha=best).fit(X, y, sample_weight=w)
    unweighted = linear(alpha=best).fit(X, y)
    np.testing.assert_allclose(search.best_estimator_.coef_, direct.coef_)
    assert np.abs(direct.coef_ - unweighted.coef_).max() > 0.5
    # The weighted scorer received the weights of each test fold too.
    tr, te = next(iter(KFold(3).split(X)))
    fold = linear(alpha=best).fit(X[tr], y[tr], sample_weight=w[tr])
    score = fold.score(X[te], y[te], sample_weight=w[te])
    best_index = search.best_index_
    assert search.cv_results_["split0_test_score"][best_index] == pytest.approx(score)


def test_metadata_routing_through_pipeline(weighted):
    X, y, w = weighted
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            linear(alpha=1.0).set_fit_request(sample_weight=True),
        ).fit(X, y, sample_weight=w)
    Z = StandardScaler().fit_transform(X)
    direct = linear(alpha=1.0).fit(Z, y, sample_weight=w)
    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_)
    assert np.abs(pipe[-1].coef_ - linear(alpha=1.0).fit(Z, y).coef_).max() > 0.5
