"""StabilitySelection: known truth, complementary pairs, pipelines, errors."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_friedman1, make_regression
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, LassoNetClassifier, RidgeNet, StabilitySelection

LINEAR = LassoNet(hidden_layer_sizes=())


@pytest.fixture(scope="module")
def sparse_linear():
    X, y = make_regression(
        200, 20, n_informative=3, noise=10.0, shuffle=False, random_state=0
    )
    return X, y


def test_linear_known_truth_and_attributes(sparse_linear):
    X, y = sparse_linear
    sel = StabilitySelection(LINEAR, n_resampling=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(sel.get_support(indices=True), [0, 1, 2])
    n_alphas = len(sel.alphas_)
    assert sel.selection_probabilities_.shape == (20, n_alphas)
    # 20 fits: probabilities are multiples of 1/20.
    np.testing.assert_allclose(sel.selection_probabilities_ * 20 % 1, 0, atol=1e-12)
    region = sel.selection_probabilities_[:, sel.region_]
    np.testing.assert_array_equal(sel.stability_scores_, region.max(axis=1))
    q = int(np.ceil(np.sqrt(0.8 * 20)))
    assert sel.pfer_bound_ <= q**2 / ((2 * 0.75 - 1) * 20)
    assert sel.transform(X).shape == (200, 3)


def test_network_mean_rule_keeps_an_input_the_support_loses():
    """make_friedman1's x2 acts only through 20 (x2 - 0.5)^2: a network keeps
    noise inputs in use with tiny weights after x2 has left, so the lasso's
    support never selects it at the sparse end; the 'mean' rule does."""
    X, y = make_friedman1(n_samples=400, n_features=15, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    params = dict(n_resampling=5, alphas=15, n_features_per_fit=6, random_state=0)
    est = LassoNet(hidden_layer_sizes=(10,), max_iter=100)
    mean = StabilitySelection(est, **params).fit(X, y)
    np.testing.assert_array_equal(mean.get_support(indices=True), [0, 1, 2, 3, 4])
    support = StabilitySelection(est, base_selection="support", **params).fit(X, y)
    assert support.stability_scores_[2] < 0.5
    assert set(support.get_support(indices=True)) == {0, 1, 3, 4}


def test_classifier_known_truth():
    X, y = make_classification(
        300,
        15,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=2.0,
        shuffle=False,
        random_state=0,
    )
    sel = StabilitySelection(
        LassoNetClassifier(hidden_layer_sizes=()), n_resampling=5, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(sel.get_support(indices=True), [0, 1, 2])


def test_halves_are_complementary_and_stratified():
    X, y = make_classification(101, 4, weights=[0.8], random_state=0)
    sel = StabilitySelection(LassoNetClassifier(hidden_layer_sizes=()), n_resampling=3)
    sel.estimator_ = sel._make_estimator()
    halves = sel._halves(X, y, np.random.RandomState(0))
    assert len(halves) == 6
    for a, b in zip(halves[::2], halves[1::2], strict=True):
        np.testing.assert_array_equal(np.sort(np.concatenate([a, b])), np.arange(101))
        assert abs(len(a) - len(b)) <= 1
        assert abs(y[a].mean() - y[b].mean()) < 0.03  # the classes split evenly
    assert not np.array_equal(halves[0], halves[2])  # a new split per pair


def test_reproducible_and_parallel():
    X, y = make_regression(100, 20, n_informative=5, noise=100.0, random_state=0)
    params = dict(n_resampling=3, alphas=8, random_state=1)
    a = StabilitySelection(LINEAR, **params).fit(X, y)
    b = StabilitySelection(LINEAR, n_jobs=2, **params).fit(X, y)
    np.testing.assert_array_equal(
        a.selection_probabilities_, b.selection_probabilities_
    )
    c = StabilitySelection(LINEAR, **{**params, "random_state": 2}).fit(X, y)
    assert not np.array_equal(a.selection_probabilities_, c.selection_probabilities_)


def test_pipeline_and_feature_names(sparse_linear):
    pd = pytest.importorskip("pandas")
    X, y = sparse_linear
    X = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    pipe = make_pipeline(
        StandardScaler(),
        StabilitySelection(LINEAR, n_resampling=5, random_state=0),
        LinearRegression(),
    ).fit(X, y)
    np.testing.assert_array_equal(pipe[:-1].get_feature_names_out(), ["f0", "f1", "f2"])
    assert pipe.score(X, y) > 0.95


def test_empty_region_warns(sparse_linear):
    X, y = sparse_linear
    # Every alpha of this grid keeps all 20 inputs in every fit.
    sel = StabilitySelection(
        LINEAR, alphas=[1e-6, 1e-5], n_features_per_fit=5, base_selection="support"
    )
    with pytest.warns(UserWarning, match="no input is kept"):
        sel.fit(X, y)
    assert not sel.get_support().any()


def test_errors(sparse_linear):
    X, y = sparse_linear
    with pytest.raises(TypeError, match="needs a skreg LassoNet estimator"):
        StabilitySelection(RidgeNet()).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be > 0"):
        StabilitySelection(LassoNet(l1_ratio=0.0)).fit(X, y)
    with pytest.raises(ValueError, match="n_samples = 1"):
        StabilitySelection(LINEAR).fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="alphas must be"):
        StabilitySelection(LINEAR, alphas=[-1.0]).fit(X, y)


def test_default_estimator_keeps_the_purely_quadratic_input():
    """make_friedman1 (n=1000, 45 noise inputs): x2 acts only through
    20 (x2 - 0.5)^2. The default base estimator, the LassoNet paper's network
    (M=10, gamma=0), keeps it; LassoNet's own defaults (M=1, gamma='auto',
    chosen for one fit at alpha='auto') let it leave the paths early."""
    X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    params = dict(n_resampling=8, alphas=15, random_state=0)
    default = StabilitySelection(**params).fit(X, y)
    np.testing.assert_array_equal(default.get_support(indices=True), [0, 1, 2, 3, 4])
    own = StabilitySelection(LassoNet(hidden_layer_sizes=(20,)), **params).fit(X, y)
    assert own.stability_scores_[2] < own.threshold <= default.stability_scores_[2]
