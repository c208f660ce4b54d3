"""LassoNet's feature_importances_ and n_features_to_select, on known truth."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skreg import LassoNet, LassoNetClassifier
from skreg._importance import _FACTOR, _START, path_importances


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def test_importances_rank_friedman1_informative_first():
    """make_friedman1, n=1000, 5 informative + 45 noise inputs: the top 5 by
    the path's area are the informative ones, x2 (which acts only through
    20 (x2 - 0.5)^2) included, although x2 leaves the path before the last
    noise inputs, so that the chosen 5-input model lacks it."""
    X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    model = LassoNet(hidden_layer_sizes=(20,), n_features_to_select=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    ranking = np.argsort(-model.feature_importances_)
    assert set(ranking[:5]) == set(range(5))
    assert not model.support_[2] and model.support_.sum() <= 5
    # Far above every noise input, not by a hair.
    assert (
        model.feature_importances_[:5].min() > 5 * model.feature_importances_[5:].max()
    )


def test_importances_of_an_orthogonal_lasso_path_are_its_exact_areas():
    """With X^T X = n I the lasso path is theta_j(alpha) = (|z_j| - alpha)_+,
    z = X^T y / n: the importances are the trapezoid areas under it on the
    path's grid, ranked as |z_j| (as the alpha at which each input leaves)."""
    rng = np.random.RandomState(0)
    n, p = 200, 6
    # Orthonormal columns spanned by centred ones are centred: X_c^T X_c = n I.
    Z = rng.standard_normal((n, p))
    X = np.linalg.qr(Z - Z.mean(axis=0))[0] * np.sqrt(n)
    z_true = np.array([3.0, -2.0, 1.5, 0.8, -0.4, 0.1])
    y = X @ z_true + 0.5 * rng.standard_normal(n)
    model = LassoNet(hidden_layer_sizes=(), n_features_to_select=1).fit(X, y)
    z = X.T @ (y - y.mean()) / n
    alpha_max = np.abs(z).max()
    grid = alpha_max * _START * _FACTOR ** np.arange(100)
    grid = grid[: np.searchsorted(grid, model.alpha_) + 1]
    expected = np.maximum(np.abs(z)[None, :] - grid[:, None], 0)
    np.testing.assert_allclose(
        model.feature_importances_, path_importances(expected, grid), rtol=1e-6
    )
    np.testing.assert_array_equal(
        np.argsort(-model.feature_importances_), np.argsort(-np.abs(z))
    )
    assert model.support_.sum() == 1


def test_path_importances_area():
    norms = np.array([[2.0, 1.0, 0.0], [1.0, 0.0, 0.0]])  # at alphas 1 and 3
    np.testing.assert_allclose(path_importances(norms, [1.0, 3.0]), [0.75, 0.25, 0])
    # The order of the alphas does not matter; one alpha gives the norms.
    np.testing.assert_allclose(
        path_importances(norms[::-1], [3.0, 1.0]), [0.75, 0.25, 0]
    )
    np.testing.assert_allclose(path_importances(norms[:1], [1.0]), [2 / 3, 1 / 3, 0])
    np.testing.assert_array_equal(path_importances(np.zeros((2, 3)), [1, 2]), 0)


def test_n_features_to_select_keeps_the_first_model_with_at_most_k(diabetes):
    X, y = diabetes
    model = LassoNet(hidden_layer_sizes=(), n_features_to_select=4).fit(X, y)
    assert model.support_.sum() <= 4
    # The model one step less penalised had more inputs.
    before = LassoNet(hidden_layer_sizes=(), alpha=model.alpha_ / _FACTOR).fit(X, y)
    assert before.support_.sum() > 4
    # A linear path's model is the fit at its alpha (one convex solution).
    ref = LassoNet(hidden_layer_sizes=(), alpha=model.alpha_).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), atol=1e-8)
    assert model.alpha == "auto"  # the parameter is untouched
    half = LassoNet(hidden_layer_sizes=(), n_features_to_select=0.5).fit(X, y)
    assert 0 < half.support_.sum() <= 5


def test_single_fit_importances_are_normalised_norms(diabetes):
    X, y = diabetes
    model = LassoNet(hidden_layer_sizes=(), alpha=0.05).fit(X, y)
    norms = np.abs(model.coef_)
    np.testing.assert_allclose(model.feature_importances_, norms / norms.sum())
    assert model.alpha_ == 0.05
    # A refit without n_features_to_select replaces the path's alpha_.
    model.set_params(n_features_to_select=3).fit(X, y)
    assert model.alpha_ != 0.05
    model.set_params(n_features_to_select=None).fit(X, y)
    assert model.alpha_ == 0.05


@pytest.mark.parametrize("k", [2, 5])
def test_select_from_model_takes_the_top_k(diabetes, k):
    X, y = diabetes
    est = LassoNet(hidden_layer_sizes=(), n_features_to_select=3)
    selector = SelectFromModel(
        est, max_features=k, threshold=-np.inf, importance_getter="feature_importances_"
    ).fit(X, y)
    top = np.argsort(-selector.estimator_.feature_importances_)[:k]
    np.testing.assert_array_equal(selector.get_support(indices=True), np.sort(top))
    # The spelling, with the default threshold (1e-5 for a "Lasso"):
    # every input was in the path's dense start, so each has an area above it.
    default = SelectFromModel(
        est, max_features=k, importance_getter="feature_importances_"
    ).fit(X, y)
    np.testing.assert_array_equal(default.get_support(indices=True), np.sort(top))
    pipe = make_pipeline(
        SelectFromModel(
            est,
            max_features=k,
            threshold=-np.inf,
            importance_getter="feature_importances_",
        ),
        LinearRegression(),
    ).fit(X, y)
    assert pipe[-1].coef_.shape == (k,)


def test_classifier_n_features_to_select_and_feature_names():
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std()
    clf = LassoNetClassifier(
        hidden_layer_sizes=(8,), n_features_to_select=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, data.target)
    assert isinstance(X, pd.DataFrame)
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    assert 0 < clf.support_.sum() <= 5
    assert clf.feature_importances_.sum() == pytest.approx(1.0)
    # The inputs in the model are among the most important ones of the path.
    top = set(np.argsort(-clf.feature_importances_)[:10])
    assert set(np.flatnonzero(clf.support_)) <= top
    assert clf.score(X, data.target) > 0.9
    selector = SelectFromModel(
        clf, max_features=3, threshold=-np.inf, importance_getter="feature_importances_"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        names = selector.fit(X, data.target).get_feature_names_out()
    assert len(names) == 3 and set(names) <= set(X.columns)


def test_n_features_to_select_errors(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="must be <= n_features=10"):
        LassoNet(hidden_layer_sizes=(), n_features_to_select=11).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be > 0"):
        LassoNet(hidden_layer_sizes=(), l1_ratio=0.0, n_features_to_select=2).fit(X, y)
    for bad in (0, -1, 1.5, "3"):
        with pytest.raises(InvalidParameterError, match="n_features_to_select"):
            LassoNet(n_features_to_select=bad).fit(X, y)
