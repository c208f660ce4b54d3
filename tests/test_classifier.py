"""Classification targets (skreg/_classifier.py): multilabel indicator matrices,
class weights, and probabilities that agree with their logarithms."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_class_weight

from skreg import (
    DropoutMLPClassifier,
    LassoNetClassifier,
    LassoNetClassifierCV,
    RidgeNetClassifier,
    RidgeNetClassifierCV,
)

CLASSIFIERS = [RidgeNetClassifier, LassoNetClassifier, DropoutMLPClassifier]


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=120, n_features=8, n_classes=4, random_state=0
    )
    return (X - X.mean(0)) / X.std(0), Y


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=240, centers=3, cluster_std=3.0, random_state=0)
    return (X - X.mean(0)) / X.std(0), y


# -- multilabel ----------------------------------------------------------------


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_multilabel_one_sigmoid_per_label(Est, multilabel):
    X, Y = multilabel
    est = Est(hidden_layer_sizes=(16,), alpha=1e-3, random_state=0, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    np.testing.assert_array_equal(est.classes_, np.arange(4))
    assert est.n_outputs_ == 4 and est.out_activation_ == "logistic"
    proba = est.predict_proba(X)
    pred = est.predict(X)
    assert proba.shape == pred.shape == Y.shape and pred.dtype == np.int64
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert np.ptp(proba.sum(1)) > 0.1  # independent labels, not a softmax
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba))
    assert est.score(X, Y) > 0.4  # subset accuracy (0.025 by chance)
    assert (pred == Y).mean() > 0.8


def test_multilabel_linear_model_is_one_logistic_regression_per_label(multilabel):
    """With no hidden layer the objective separates over the labels: each
    column of coef_ is LogisticRegression's on that label, C = 1 / alpha."""
    X, Y = multilabel
    est = RidgeNetClassifier(hidden_layer_sizes=(), alpha=2.0).fit(X, Y)
    for k in range(Y.shape[1]):
        ref = LogisticRegression(C=0.5, tol=1e-10).fit(X, Y[:, k])
        np.testing.assert_allclose(est.coef_[k], ref.coef_[0], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(est.intercept_[k], ref.intercept_[0], rtol=1e-4)


@pytest.mark.parametrize("hidden", [(), (8,)])
def test_multilabel_lassonet_drops_a_feature_for_every_label(hidden):
    """Label k is decided by input k (k = 0, 1); inputs 2-7 are noise. A feature
    stays as long as one label uses it: theta_j is one group over the labels."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 8))
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0.5].astype(int)
    est = LassoNetClassifier(hidden_layer_sizes=hidden, alpha=0.05, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    theta = est.module_.theta.detach().numpy()
    assert theta.shape == (2, 8)
    np.testing.assert_array_equal(est.support_, np.any(theta != 0, axis=0))
    assert est.score(X, Y) > 0.9
    if not hidden:  # a network drops features along a path (docs/lassonet.md)
        np.testing.assert_array_equal(est.support_, [True, True] + [False] * 6)
        # Each label's own input carries it; the other's weight is small.
        assert np.all(np.abs(theta[[0, 1], [0, 1]]) > 5 * np.abs(theta[[0, 1], [1, 0]]))


def test_multilabel_partial_fit_and_warm_start(multilabel):
    X, Y = multilabel
    est = DropoutMLPClassifier(dropout=0.0, solver="adam", random_state=0)
    with pytest.raises(ValueError, match="does not match the 4 columns"):
        est.partial_fit(X, Y, classes=[0, 1])
    for _ in range(30):
        est.partial_fit(X, Y, classes=range(4))
    assert est.score(X, Y) > 0.3 and len(est.loss_curve_) == 30
    with pytest.raises(ValueError, match="`y` has classes not in"):
        est.partial_fit(X, Y[:, 0])
    warm = RidgeNetClassifier(warm_start=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, Y)
        with pytest.raises(ValueError, match="warm_start can only be used"):
            warm.fit(X, Y[:, :3])


def test_multilabel_early_stopping_does_not_stratify(multilabel):
    X, Y = multilabel
    est = RidgeNetClassifier(early_stopping=True, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_classification_targets_are_checked(blobs):
    X, y = blobs
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        col = RidgeNetClassifier(random_state=0).fit(X, y[:, None])
    flat = RidgeNetClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(col.predict_proba(X), flat.predict_proba(X))
    multiclass_multioutput = np.c_[y, 2 - y]
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        RidgeNetClassifier().fit(X, multiclass_multioutput)
    with pytest.raises(ValueError, match="Unknown label type"):
        RidgeNetClassifier().fit(X, X[:, 0])


# -- class weights -------------------------------------------------------------


ALL_CLASSIFIERS = CLASSIFIERS + [RidgeNetClassifierCV, LassoNetClassifierCV]


@pytest.mark.parametrize("Est", ALL_CLASSIFIERS)
@pytest.mark.parametrize("class_weight", [{0: 3.0, 1: 0.5, 2: 1.0}, "balanced"])
def test_class_weight_is_the_equivalent_sample_weight(Est, class_weight, blobs):
    """The fit with class weights is the fit with those products as sample
    weights, to the bit (the CV estimators at one alpha, whose held-out scores
    weigh samples by sample_weight only, as LogisticRegressionCV's); 'balanced'
    is scikit-learn's compute_class_weight, sample weights counted."""
    X, y = blobs
    X, y = X[:200], y[:200]  # unbalanced classes
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    if Est in (RidgeNetClassifierCV, LassoNetClassifierCV):
        params = dict(alphas=[0.01], cv=3)  # linear: the weights reach the folds
    else:
        params = dict(hidden_layer_sizes=(4,), random_state=0)
    if class_weight == "balanced":  # n / (n_classes * n_c), n_c weighted counts
        weights = compute_class_weight(
            "balanced", classes=np.arange(3), y=y, sample_weight=sw
        )
        np.testing.assert_allclose(weights, sw.sum() / (3 * np.bincount(y, sw)))
        weights = weights[y]
    else:
        weights = np.array([class_weight[c] for c in y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Est(**params, class_weight=class_weight).fit(X, y, sample_weight=sw)
        b = Est(**params).fit(X, y, sample_weight=sw * weights)
        c = Est(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X), rtol=1e-3)


def test_class_weight_errors(blobs, multilabel):
    X, y = blobs
    est = RidgeNetClassifier(class_weight="balanced")
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_f"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    # A dict is the same weights in every call.
    a = RidgeNetClassifier(class_weight={0: 2.0}, random_state=0)
    a.partial_fit(X, y, classes=[0, 1, 2])
    b = RidgeNetClassifier(random_state=0)
    b.partial_fit(X, y, sample_weight=np.where(y == 0, 2.0, 1.0), classes=[0, 1, 2])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    with pytest.raises(ValueError, match="not supported for multilabel"):
        RidgeNetClassifier(class_weight="balanced").fit(*multilabel)
    with pytest.raises(ValueError, match="must have the class labels as keys"):
        RidgeNetClassifierCV(class_weight={5: 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="The 'class_weight' parameter"):
        RidgeNetClassifier(class_weight="uniform").fit(X, y)


# -- probabilities -------------------------------------------------------------


@pytest.mark.parametrize(
    "est",
    [
        RidgeNetClassifier(alpha=1e-4, random_state=0),
        DropoutMLPClassifier(dropout=0.0, alpha=1e-4, random_state=0),
        LassoNetClassifier(alpha=1e-4, gamma=0.0, random_state=0),
    ],
)
def test_log_proba_is_the_log_of_proba_even_where_it_underflows(est):
    """Far from the boundary of well-separated classes a probability rounds to
    0: predict_log_proba says -inf there too (it once stayed finite, about
    -958, and scikit-learn's check_classifiers_train failed)."""
    X, y = make_blobs(n_samples=300, random_state=0)
    X = X.astype(np.float32) * 300  # float32 probabilities are 0 below 1e-45
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    proba, log_proba = est.predict_proba(X), est.predict_log_proba(X)
    assert np.any(proba == 0)
    np.testing.assert_array_equal(proba == 0, np.isneginf(log_proba))
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(log_proba, np.log(proba))
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
