"""partial_fit, the optimiser parameters and the fitted attributes that
scikit-learn's MLP has: one epoch per call, the update rule's state kept
between calls, scikit-learn's errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from skreg import (
    DropoutMLP,
    DropoutMLPClassifier,
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
)

REGRESSORS = [RidgeNet, LassoNet, DropoutMLP]
CLASSIFIERS = [RidgeNetClassifier, LassoNetClassifier, DropoutMLPClassifier]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(200, 5, noise=1.0, random_state=0)
    return X, y / 100


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def _data(Est, regression, iris):
    return iris if Est in CLASSIFIERS else regression


def _partial_fit(est, X, y, **kwargs):
    if is_classifier(est):
        kwargs.setdefault("classes", np.unique(y))
    return est.partial_fit(X, y, **kwargs)


@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
def test_partial_fit_is_one_epoch_of_fit(Est, regression, iris):
    """The first call is ``fit`` with ``max_iter=1`` (same network, same
    batches); the next ones go on with Adam's moments, as further epochs of one
    fit (full batches: no shuffle to differ)."""
    X, y = _data(Est, regression, iris)
    params = dict(hidden_layer_sizes=(8,), solver="adam", random_state=0)
    with pytest.warns(ConvergenceWarning):
        one = Est(**params, batch_size=64, max_iter=1).fit(X, y)
    first = _partial_fit(Est(**params, batch_size=64), X, y)
    np.testing.assert_array_equal(first.coefs_[0], one.coefs_[0])
    assert first.n_iter_ == 1 and first.t_ == len(X)

    params = {**params, "dropout": 0.0} if "dropout" in Est().get_params() else params
    fit = Est(**params, batch_size=len(X), max_iter=3, tol=0)
    with pytest.warns(ConvergenceWarning):
        fit.fit(X, y)
    est = Est(**params, batch_size=len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no convergence warning per call
        for _ in range(3):
            _partial_fit(est, X, y)
    # To rounding: fit sums the rows in a canonical order (merge_duplicates), a
    # call of partial_fit taken in one batch as they come.
    for a, b in zip(
        est.coefs_ + est.intercepts_, fit.coefs_ + fit.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(est.loss_curve_, fit.loss_curve_, rtol=1e-12)
    assert (
        est.n_iter_ == 1 and est.t_ == 3 * len(X) and est.loss_ == est.loss_curve_[-1]
    )


@pytest.mark.parametrize("Est", [RidgeNet, RidgeNetClassifier])
def test_partial_fit_goes_on_from_fit_and_sample_weight_counts(Est, regression, iris):
    X, y = _data(Est, regression, iris)
    w = np.random.RandomState(0).randint(0, 3, len(X)).astype(float)
    est = Est(hidden_layer_sizes=(8,), solver="sgd", batch_size=len(X), random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.set_params(max_iter=2).fit(X, y, sample_weight=w)
    before = list(est.loss_curve_)
    _partial_fit(est, X, y, sample_weight=w)
    # The same as a third epoch of the weighted fit, momentum included.
    with pytest.warns(ConvergenceWarning):
        three = Est(**{**est.get_params(), "max_iter": 3, "tol": 0}).fit(
            X, y, sample_weight=w
        )
    np.testing.assert_allclose(est.predict(X[:20]), three.predict(X[:20]), rtol=1e-12)
    assert est.loss_curve_[:2] == before and len(est.loss_curve_) == 3
    # Integer weights are repeated rows.
    rows = np.repeat(np.arange(len(X)), w.astype(int))
    a = _partial_fit(Est(**est.get_params()), X, y, sample_weight=w)
    b = _partial_fit(Est(**est.get_params()), X[rows], y[rows])
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-10)


def test_partial_fit_exists_only_for_mini_batch_solvers():
    for solver in ("lbfgs", "newton", "fista"):
        est = RidgeNet(solver=solver)
        assert not hasattr(est, "partial_fit")
        with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as e:
            getattr(est, "partial_fit")  # noqa: B009
        assert "only available for the mini-batch solvers" in str(e.value.__cause__)
    for solver in ("auto", "adam", "sgd"):
        assert hasattr(RidgeNetClassifier(solver=solver), "partial_fit")


def test_partial_fit_solver_auto_trains_with_adam(regression):
    X, y = regression
    est = RidgeNet(hidden_layer_sizes=()).partial_fit(X, y)
    assert est.solver_ == "adam"
    # An int batch_size asks fit for mini-batches too.
    assert RidgeNet(hidden_layer_sizes=(), batch_size=32).fit(X, y).solver_ == "adam"
    assert RidgeNet(hidden_layer_sizes=()).fit(X, y).solver_ == "newton"


def test_partial_fit_refuses_early_stopping(iris):
    X, y = iris
    est = DropoutMLPClassifier(early_stopping=True, max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        est.partial_fit(X, y)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        RidgeNet(early_stopping=True).partial_fit(X, y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_partial_fit_classes(Est, iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica", "unseen"])[y]
    est = Est(hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, labels)
    assert not hasattr(est, "classes_")
    with pytest.raises(ValueError, match="`y` has classes not in `classes`"):
        est.partial_fit(X, labels, classes=["setosa", "versicolor"])
    # Classes of the whole stream, not all of them in the first chunk.
    classes = ["virginica", "unseen", "setosa", "versicolor"]
    est.partial_fit(X[:100], labels[:100], classes=classes)
    np.testing.assert_array_equal(est.classes_, sorted(classes))
    assert est.predict_proba(X).shape == (len(X), 4)
    est.partial_fit(X[100:], labels[100:])
    est.partial_fit(X, labels, classes=sorted(classes))
    with pytest.raises(ValueError, match="is not the same as on last call"):
        est.partial_fit(X, labels, classes=["setosa", "versicolor", "virginica"])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        est.partial_fit(X, np.where(y == 0, "other", labels))
    with pytest.raises(ValueError, match="X has 3 features"):
        est.partial_fit(X[:, :3], labels)
    assert len(est.loss_curve_) == 3 and est.t_ == 2 * len(X)


def test_fit_after_partial_fit_starts_afresh(iris):
    X, y = iris
    est = RidgeNetClassifier(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(X, y, classes=[0, 1, 2, 3])
    fresh = RidgeNetClassifier(hidden_layer_sizes=(4,), random_state=0).fit(X, y)
    est.fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    np.testing.assert_array_equal(est.predict_proba(X), fresh.predict_proba(X))
    assert est.loss_curve_ == fresh.loss_curve_


def test_the_worked_example_of_sklearn_test_fit():
    """scikit-learn's ``test_fit``: one SGD step (no momentum, alpha 0.1 with
    one sample) from given weights, worked out by hand in its comments. The
    weights are set in ``module_``, which the next call goes on from."""
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    clf = DropoutMLPClassifier(
        hidden_layer_sizes=2,
        activation="logistic",
        dropout=0.0,
        solver="sgd",
        learning_rate_init=0.1,
        alpha=0.1,
        momentum=0,
        random_state=1,
    )
    clf.partial_fit(X, y, classes=[0, 1])
    hidden, out = clf.module_.linears
    with __import__("torch").no_grad():
        hidden.weight.copy_(hidden.weight.new_tensor([[0.1, 0.3, 0.5], [0.2, 0.1, 0]]))
        hidden.bias.fill_(0.1)
        out.weight.copy_(out.weight.new_tensor([[0.1, 0.2]]))
        out.bias.fill_(1.0)
    clf.partial_fit(X, y)
    expected = [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]]
    np.testing.assert_almost_equal(clf.coefs_[0], expected, decimal=3)
    np.testing.assert_almost_equal(clf.coefs_[1], [[0.04706], [0.154089]], decimal=3)
    np.testing.assert_almost_equal(clf.intercepts_[0], [0.098333, 0.09626], decimal=3)
    np.testing.assert_almost_equal(clf.intercepts_[1], [0.9235], decimal=3)
    np.testing.assert_almost_equal(clf.predict_proba(X)[0, 1], 0.739, decimal=3)


def test_invscaling_lowers_the_rate_with_the_samples_seen():
    """One sample, linear model, plain SGD: the first step uses
    ``learning_rate_init``, the second ``learning_rate_init / (t + 1) **
    power_t`` with ``t = 1`` sample seen; a warm-started fit goes on the same."""
    params = dict(
        hidden_layer_sizes=(),
        alpha=0.0,
        solver="sgd",
        momentum=0,
        learning_rate="invscaling",
        power_t=0.5,
        learning_rate_init=0.1,
    )
    est = RidgeNet(**params)
    est.partial_fit([[1.0]], [1.0])  # w = b = 0.1 (residual -1, rate 0.1)
    est.partial_fit([[1.0]], [1.0])  # residual -0.8, rate 0.1 / sqrt(2)
    expected = 0.1 + 0.1 / np.sqrt(2) * 0.8
    np.testing.assert_allclose([est.coef_[0], est.intercept_], expected, rtol=1e-12)
    est.partial_fit([[1.0]], [1.0])  # residual 2 w - 1, rate 0.1 / sqrt(3)
    expected += 0.1 / np.sqrt(3) * (1 - 2 * expected)
    np.testing.assert_allclose(est.coef_[0], expected, rtol=1e-12)
    constant = RidgeNet(**{**params, "learning_rate": "constant"})
    constant.partial_fit([[1.0]], [1.0]).partial_fit([[1.0]], [1.0])
    np.testing.assert_allclose(constant.coef_, 0.1 + 0.1 * 0.8, rtol=1e-12)
    # A warm-started fit starts its update rule afresh, at learning_rate_init,
    # as scikit-learn's MLP; the schedule then goes on from the t_ = 2 samples
    # seen: w = 0.1, 0.18, then 0.18 + 0.64 * 0.1 / sqrt(3).
    warm = RidgeNet(**params, max_iter=1, warm_start=True)
    with pytest.warns(ConvergenceWarning):
        warm.fit([[1.0]], [1.0]).set_params(max_iter=2).fit([[1.0]], [1.0])
    expected = 0.18 + 0.64 * 0.1 / np.sqrt(3)
    np.testing.assert_allclose(warm.coef_, expected, rtol=1e-12)
    assert warm.t_ == 3


def test_adaptive_divides_the_rate_by_5_until_1e_6(iris):
    """With a tolerance no epoch meets, every epoch after the first stalls:
    'constant' stops at the first stall (after ``n_iter_no_change + 1`` epochs),
    'adaptive' divides the rate by 5 instead, and stops once it is at most
    1e-6: from 0.01, after 6 divisions, so 7 stalls."""
    X, y = iris
    params = dict(solver="sgd", tol=1e9, n_iter_no_change=2, max_iter=100)
    constant = RidgeNetClassifier(**params).fit(X, y)
    adaptive = RidgeNetClassifier(**params, learning_rate="adaptive").fit(X, y)
    assert constant.n_iter_ == 1 + 3
    assert adaptive.n_iter_ == 1 + 7 * 3
    # Adam has no schedule: 'adaptive' changes nothing there.
    adam = RidgeNetClassifier(**{**params, "solver": "adam"}, learning_rate="adaptive")
    assert adam.fit(X, y).n_iter_ == 1 + 3


@pytest.mark.parametrize("nesterov", [True, False])
def test_momentum_and_nesterov(regression, nesterov):
    """SGD with momentum m: velocity v = m v + g; the step is g + m v (Nesterov)
    or v. Two full-batch steps of a linear model from zero, checked by hand."""
    import torch

    X, y = regression
    params = dict(
        hidden_layer_sizes=(),
        alpha=0.0,
        solver="sgd",
        momentum=0.5,
        nesterovs_momentum=nesterov,
        learning_rate_init=0.05,
        batch_size=len(X),
    )
    est = RidgeNet(**params)
    est.partial_fit(X, y).partial_fit(X, y)
    X1 = np.hstack([X, np.ones((len(X), 1))])
    w, v = np.zeros(6), np.zeros(6)
    for step in range(2):
        g = X1.T @ (X1 @ w - y) / len(X)
        v = g if step == 0 else 0.5 * v + g
        w = w - 0.05 * (g + 0.5 * v if nesterov else v)
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], w, rtol=1e-10)
    assert torch.is_tensor(est._solver_state["minibatch"]["buffer"])


def test_adam_parameters_reach_the_update(regression):
    X, y = regression
    base = dict(hidden_layer_sizes=(), alpha=0.0, solver="adam", batch_size=len(X))
    est = RidgeNet(**base, beta_1=0.5, beta_2=0.9, epsilon=1e-3)
    est.partial_fit(X, y).partial_fit(X, y)
    X1 = np.hstack([X, np.ones((len(X), 1))])
    w, m, v = np.zeros(6), np.zeros(6), np.zeros(6)
    for t in (1, 2):
        g = X1.T @ (X1 @ w - y) / len(X)
        m, v = 0.5 * m + 0.5 * g, 0.9 * v + 0.1 * g**2
        w = w - 0.01 / (1 - 0.5**t) * m / (np.sqrt(v / (1 - 0.9**t)) + 1e-3)
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], w, rtol=1e-10)


def test_shuffle(regression):
    X, y = regression
    params = dict(hidden_layer_sizes=(3,), batch_size=10, max_iter=1, random_state=0)

    def fit(**kwargs):
        with pytest.warns(ConvergenceWarning):
            return RidgeNet(**params, **kwargs).fit(X, y).coefs_[0]

    np.testing.assert_array_equal(fit(shuffle=False), fit(shuffle=False))
    assert not np.array_equal(fit(shuffle=True), fit(shuffle=False))
    # Without shuffling, the batches follow the rows as given.
    order = np.random.RandomState(1).permutation(len(X))
    with pytest.warns(ConvergenceWarning):
        permuted = RidgeNet(**params, shuffle=False).fit(X[order], y[order])
    assert not np.array_equal(permuted.coefs_[0], fit(shuffle=False))


@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
def test_mlp_fitted_attributes(Est, regression, iris):
    X, y = _data(Est, regression, iris)
    est = Est(hidden_layer_sizes=(7, 5), random_state=0, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X.astype(np.float32), y)
    check_is_fitted(est)
    assert [c.shape for c in est.coefs_] == [
        (X.shape[1], 7),
        (7, 5),
        (5, est.n_outputs_),
    ]
    assert [b.shape for b in est.intercepts_] == [(7,), (5,), (est.n_outputs_,)]
    assert all(a.dtype == np.float32 for a in est.coefs_ + est.intercepts_)
    assert est.n_layers_ == 4
    expected = "softmax" if Est in CLASSIFIERS else "identity"
    assert est.out_activation_ == expected
    # coefs_ are the network's weights (copies): the forward pass from them is
    # the prediction.
    a = X.astype(np.float32)
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        a = a @ W + b
        if i < 2:
            a = np.maximum(a, 0)
    if Est in CLASSIFIERS:
        if Est is LassoNetClassifier:  # the skip connection
            a = a + X.astype(np.float32) @ est.coef_.T
        a = np.exp(a - a.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        np.testing.assert_allclose(
            est.predict_proba(X.astype(np.float32)), a, rtol=1e-4
        )
    else:
        skip = X.astype(np.float32) @ est.coef_ if Est is LassoNet else 0
        np.testing.assert_allclose(
            est.predict(X.astype(np.float32)), a[:, 0] + skip, rtol=1e-4, atol=1e-5
        )
    est.coefs_[0][:] = 0  # copies: the model is unchanged
    assert np.any(est.module_.linears[0].weight.detach().numpy() != 0)


def test_binary_and_multilabel_out_activation(iris):
    X, y = iris
    binary = RidgeNetClassifier(hidden_layer_sizes=(3,)).fit(X, y == 1)
    assert binary.out_activation_ == "logistic" and binary.coefs_[-1].shape == (3, 1)
    Y = np.c_[y == 0, y == 1, y == 2].astype(int)
    multilabel = RidgeNetClassifier(hidden_layer_sizes=(3,)).fit(X, Y)
    assert multilabel.out_activation_ == "logistic"


@pytest.mark.parametrize(
    "param, value",
    [
        ("learning_rate", "optimal"),
        ("power_t", -1.0),
        ("momentum", 1.5),
        ("nesterovs_momentum", "yes"),
        ("beta_1", 1.0),
        ("beta_2", -0.1),
        ("epsilon", 0.0),
        ("shuffle", 1.5),
    ],
)
def test_optimiser_parameters_are_validated(param, value, regression):
    X, y = regression
    with pytest.raises(ValueError, match=f"The '{param}' parameter"):
        RidgeNet(**{param: value}).fit(X, y)


def test_partial_fit_draws_new_masks_and_batches_per_call(regression):
    """With an int random_state, each call shuffles and drops out differently
    (the seed moves on with the samples seen), and the same calls give the same
    model."""
    X, y = regression
    params = dict(hidden_layer_sizes=(16,), dropout=0.5, batch_size=20, random_state=0)

    def two_calls():
        est = DropoutMLP(**params)
        first = est.partial_fit(X, y).loss_curve_[-1]
        return est, first, est.partial_fit(X, y).loss_curve_[-1]

    a, *losses_a = two_calls()
    b, *losses_b = two_calls()
    assert losses_a == losses_b
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    # The second call's masks and batches differ from the first's: replaying
    # the first call's seed from the first call's weights gives another model.
    c = DropoutMLP(**params).partial_fit(X, y)
    c.t_ = 0  # what the seed moves on with
    c.partial_fit(X, y)
    assert not np.array_equal(c.coefs_[0], a.coefs_[0])


def test_partial_fit_goes_on_the_same_after_a_pickle(regression):
    """The update rule's state travels with a pickle (dask-ml's Incremental
    sends the model to a worker at every block); L-BFGS's memory does not."""
    import pickle

    X, y = regression
    params = dict(hidden_layer_sizes=(8,), solver="adam", batch_size=50, random_state=0)
    here = RidgeNet(**params).partial_fit(X, y)
    there = pickle.loads(pickle.dumps(here))
    here.partial_fit(X, y)
    there.partial_fit(X, y)
    np.testing.assert_array_equal(here.coefs_[0], there.coefs_[0])
    warm = RidgeNet(hidden_layer_sizes=(8,), solver="lbfgs", warm_start=True)
    warm.set_params(max_iter=5)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    assert "lbfgs_pairs" in warm._solver_state
    assert not hasattr(pickle.loads(pickle.dumps(warm)), "_solver_state")


def test_out_activation_of_the_poisson_loss():
    X = np.random.RandomState(0).standard_normal((100, 3))
    y = np.random.RandomState(1).poisson(np.exp(X[:, 0] / 2))
    est = DropoutMLP(dropout=0.0, loss="poisson", hidden_layer_sizes=(4,)).fit(X, y)
    assert est.out_activation_ == "exp"
