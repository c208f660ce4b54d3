"""Behaviour of the six estimators: objectives, reproducibility, errors, dropout."""

import math
import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import (
    DropoutMLP,
    DropoutMLPClassifier,
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
    regularization_path,
)

REGRESSORS = [RidgeNet, LassoNet, DropoutMLP]
CLASSIFIERS = [RidgeNetClassifier, LassoNetClassifier, DropoutMLPClassifier]
FAST = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 6, n_informative=4, noise=1.0, random_state=1)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
def test_same_seed_same_predictions_clone_and_pickle(Est, regression, iris):
    X, y = iris if Est in CLASSIFIERS else regression
    method = "predict_proba" if Est in CLASSIFIERS else "predict"
    a = Est(**FAST).fit(X, y)
    b = clone(a).fit(X, y)
    c = pickle.loads(pickle.dumps(a))
    out = getattr(a, method)(X)
    np.testing.assert_array_equal(out, getattr(b, method)(X))
    np.testing.assert_array_equal(out, getattr(c, method)(X))
    other = Est(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.allclose(out, getattr(other, method)(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")
@pytest.mark.parametrize("Est", [RidgeNet, DropoutMLP, DropoutMLPClassifier])
@pytest.mark.parametrize("batch_size", [8, 200])
def test_mini_batches_do_not_depend_on_row_order_or_unit_weights(
    Est, batch_size, regression, iris
):
    """Mini-batches (and dropout masks) follow a canonical order of the rows:
    no weights, unit weights, the rows shuffled, and integer weights against
    repeated rows given in another order all fit the same network (scikit-learn's
    sample-weight semantics; with the rows in their given order the first two
    differed by 0.11 with batches of 8)."""
    X, y = iris if Est is DropoutMLPClassifier else regression
    X, y = X[:60], y[:60]
    est = Est(
        hidden_layer_sizes=(5,), solver="adam", batch_size=batch_size, max_iter=10
    ).set_params(random_state=0)
    method = "predict_proba" if Est is DropoutMLPClassifier else "predict"
    expected = getattr(clone(est).fit(X, y), method)(X)
    perm = np.random.default_rng(0).permutation(len(y))
    for fitted in (
        clone(est).fit(X, y, sample_weight=np.ones(len(y))),
        clone(est).fit(X[perm], y[perm]),
    ):
        np.testing.assert_array_equal(getattr(fitted, method)(X), expected)
    weights = np.random.default_rng(1).integers(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), weights)[::-1]
    a = clone(est).fit(X, y, sample_weight=weights)
    b = clone(est).fit(X[repeated], y[repeated])
    np.testing.assert_array_equal(getattr(a, method)(X), getattr(b, method)(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_refitting_as_a_network_drops_the_linear_models_coef(regression):
    """A fitted attribute describes the last fit only: a RidgeNet network has no
    ``coef_``, even after a linear fit had one (it was once left, stale)."""
    from skreg import RidgeNetCV

    X, y = regression
    for est in (
        RidgeNet(hidden_layer_sizes=()),
        RidgeNetCV(hidden_layer_sizes=(), cv=3),
    ):
        assert hasattr(est.fit(X, y), "coef_")
        est.set_params(hidden_layer_sizes=(5,), max_iter=5).fit(X, y)
        assert not hasattr(est, "coef_") and not hasattr(est, "intercept_")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [RidgeNet, LassoNet, DropoutMLPClassifier])
def test_float32_and_float64_networks_start_from_the_same_weights(
    Est, regression, iris
):
    """The initial weights are drawn in float64 and cast (as scikit-learn's MLP):
    the same random_state gives the same network for float32 and float64 inputs,
    up to float32 rounding (drawn in each dtype, the first-layer weights of two
    such RidgeNets were unrelated, and their predictions 2.06 apart)."""
    X, y = iris if Est is DropoutMLPClassifier else regression
    est = Est(hidden_layer_sizes=(5,), max_iter=1, random_state=0)
    est.set_params(solver="adam", learning_rate_init=1e-12)  # barely moves them
    w64 = est.fit(X, y).module_.first_hidden.detach().numpy()
    w32 = est.fit(X.astype(np.float32), y).module_.first_hidden.detach().numpy()
    assert w32.dtype == np.float32
    np.testing.assert_allclose(w32, w64, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("sparse", [False, True])
def test_only_identical_rows_are_merged(sparse):
    """Rows are grouped by a rounded key, then compared exactly: distinct rows
    whose keys round together (a feature of 1e12 next to targets of 1e-5) stay
    apart, and true duplicates still merge."""
    from scipy import sparse as sp

    from skreg._base import _merge_duplicates

    X = np.full((40, 1), 1e12)
    y = (np.arange(40) * 1e-5).reshape(-1, 1)
    as_input = sp.csr_matrix if sparse else np.asarray
    X_out, Y_out, weight, order = _merge_duplicates(as_input(X), y, None)
    assert X_out.shape[0] == 40 and weight is None and sorted(order) == list(range(40))
    rows = np.r_[np.arange(40), np.arange(5)]  # the first 5 rows twice
    X_out, Y_out, weight, order = _merge_duplicates(as_input(X[rows]), y[rows], None)
    assert X_out.shape[0] == 40 and order is None
    np.testing.assert_array_equal(np.sort(Y_out.ravel()), y.ravel())
    np.testing.assert_array_equal(weight[np.argsort(Y_out.ravel())], [2] * 5 + [1] * 35)


def test_batch_size_is_checked_against_the_rows_given():
    # 40 rows, 20 of them distinct: a batch of 30 is valid, one of 50 is not.
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(20, 2)), 2, axis=0)
    y = np.repeat(rng.normal(size=20), 2)
    est = RidgeNet(hidden_layer_sizes=(3,), solver="adam", max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(batch_size=30).fit(X, y)
    with pytest.warns(UserWarning, match="batch_size"):
        est.set_params(batch_size=50).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_global_torch_and_numpy_rng_untouched(regression):
    X, y = regression
    torch.manual_seed(123)
    np.random.seed(7)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(7)
    DropoutMLP(**FAST).fit(X, y)
    DropoutMLP(**FAST).fit(X, y).predict(X, return_std=True)
    np.testing.assert_array_equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("sizes", [(), (8, 4)])
def test_loss_curve_is_the_full_objective(regression, sizes):
    # Newton's objective (linear), and L-BFGS's (network), which takes the
    # penalty as x'Cx/2 from its curvature diagonal.
    X, y = regression
    alpha = 3.0
    est = RidgeNet(hidden_layer_sizes=sizes, alpha=alpha, max_iter=20, random_state=0)
    est.fit(X, y)
    n = len(X)
    residual = y - est.predict(X)
    weights = [layer.weight.detach().numpy() for layer in est.module_.linears]
    penalty = alpha / (2 * n) * sum(np.sum(w**2) for w in weights)
    objective = 0.5 * np.mean(residual**2) + penalty
    assert est.loss_curve_[-1] == pytest.approx(objective, rel=1e-10)
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.n_iter_ == len(est.loss_curve_)


@pytest.mark.parametrize("batch_size", [8, 120])
def test_penalty_does_not_depend_on_batch_size(batch_size):
    # sklearn's MLP penalises n/B times harder with mini-batches; we must not.
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:120]
    y = (y[:120] - y[:120].mean()) / y[:120].std()
    alpha = 30.0
    est = RidgeNet(
        hidden_layer_sizes=(),
        alpha=alpha,
        solver="adam",
        batch_size=batch_size,
        learning_rate_init=0.01 if batch_size > 8 else 0.002,
        max_iter=3000,
        tol=0,
        n_iter_no_change=3000,
        random_state=0,
    ).fit(X, y)
    ridge = Ridge(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(est.coef_, ridge.coef_, atol=2e-2)


def test_alpha_shrinks_weights(regression):
    X, y = regression
    norms = [
        sum(
            float((w**2).sum())
            for w in RidgeNet(hidden_layer_sizes=(32,), alpha=a, random_state=0)
            .fit(X, y)
            .module_.weights()
        )
        for a in (0.1, 10.0, 1000.0)
    ]
    assert norms[0] > norms[1] > norms[2]


def test_regression_target_shapes(regression):
    X, y = regression
    Y = np.column_stack([y, -y])
    est = RidgeNet(hidden_layer_sizes=()).fit(X, y)
    assert est.predict(X).shape == (len(X),) and est.coef_.shape == (X.shape[1],)
    assert np.ndim(est.intercept_) == 0
    est = RidgeNet(hidden_layer_sizes=()).fit(X, Y)
    assert est.predict(X).shape == (len(X), 2) and est.coef_.shape == (2, X.shape[1])
    assert est.n_outputs_ == 2
    est = RidgeNet(hidden_layer_sizes=()).fit(X, y.reshape(-1, 1))
    assert est.predict(X).shape == (len(X), 1)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_string_labels_binary_and_multiclass(Est, iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    clf = Est(**params).fit(X, names)
    assert list(clf.classes_) == list(
        names[np.sort(np.unique(y, return_index=True)[1])]
    )
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-12)
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names) > 0.85
    binary = names != "setosa"
    clf = Est(**params).fit(X[binary], names[binary])
    assert clf.n_outputs_ == 1 and clf.predict_proba(X).shape == (len(X), 2)


def test_classifier_needs_two_classes(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="at least 2 classes"):
        RidgeNetClassifier().fit(X, np.zeros(len(X)))


def test_dropout_is_off_at_predict_and_on_for_monte_carlo(regression):
    X, y = regression
    est = DropoutMLP(hidden_layer_sizes=(64,), dropout=0.5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), est.predict(X))
    with torch.no_grad():
        manual = est.module_.eval()(torch.as_tensor(X)).numpy()[:, 0]
    np.testing.assert_allclose(est.predict(X), manual)
    mean, std = est.predict(X, return_std=True)
    assert mean.shape == std.shape == (len(X),)
    assert np.all(std > 0)
    # Monte-Carlo predictions are reproducible for a fixed random_state.
    np.testing.assert_array_equal(std, est.predict(X, return_std=True)[1])
    # With dropout=0 the network is deterministic: no spread.
    est0 = DropoutMLP(hidden_layer_sizes=(8,), dropout=0.0, max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est0.fit(X, y)
    np.testing.assert_allclose(est0.predict(X, return_std=True)[1], 0, atol=1e-12)


def test_mc_dropout_classifier(iris):
    X, y = iris
    clf = DropoutMLPClassifier(hidden_layer_sizes=(32,), dropout=0.3, random_state=0)
    clf.fit(X, y)
    mean, std = clf.predict_proba(X, return_std=True)
    assert mean.shape == std.shape == (len(X), 3)
    np.testing.assert_allclose(mean.sum(1), 1)
    assert std.max() > 0


def test_early_stopping_keeps_dropout_on_while_training(regression, monkeypatch):
    # Validation runs between epochs in eval mode; training must resume in train
    # mode, or dropout silently switches off after the first epoch.
    X, y = regression
    modes = []
    original = torch.nn.Dropout.forward

    def record(self, x):
        modes.append(self.training)
        return original(self, x)

    monkeypatch.setattr(torch.nn.Dropout, "forward", record)
    est = DropoutMLP(
        hidden_layer_sizes=(8,), early_stopping=True, max_iter=5, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    batches_per_epoch = -(-int(len(X) * 0.9) // 200)
    assert modes.count(True) == 5 * batches_per_epoch
    assert not est.module_.training


def test_adam_prox_reaches_lasso_zeros():
    # Sparse truth: 3 informative inputs of 12. Adam moves every coordinate by
    # about lr per step, so a prox thresholding by lr * alpha never zeroes the
    # noise inputs; in Adam's metric its fixed points are Lasso's.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 12))
    y = X[:, :3] @ np.array([1.5, -2.0, 1.0]) + 0.1 * rng.standard_normal(400)
    alpha = 0.1
    lasso = Lasso(alpha=alpha).fit(X, y)
    est = LassoNet(
        hidden_layer_sizes=(),
        alpha=alpha,
        solver="adam",
        batch_size=200,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(est.coef_ != 0, lasso.coef_ != 0)
    np.testing.assert_allclose(est.coef_, lasso.coef_, atol=0.1)


def test_convergence_warning_and_n_iter(regression):
    X, y = regression
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        est = RidgeNet(hidden_layer_sizes=(16,), solver="adam", max_iter=3).fit(X, y)
    assert est.n_iter_ == 3


def test_early_stopping_records_validation_scores(regression):
    X, y = regression
    est = RidgeNet(
        hidden_layer_sizes=(16,),
        solver="adam",
        early_stopping=True,
        learning_rate_init=0.01,
        random_state=0,
        max_iter=500,
    ).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.n_iter_ < 500


def test_gridsearch_pipeline_d2l_weight_decay():
    # d2l's weight-decay experiment: 20 training samples, 200 features.
    data_rng = np.random.RandomState(0)
    X = data_rng.normal(size=(120, 200))
    y = X @ np.full(200, 0.01) + 0.05 + data_rng.normal(scale=0.01, size=120)
    X_train, y_train, X_test, y_test = X[:20], y[:20], X[20:], y[20:]
    alphas = np.logspace(-3, 3, 13)
    ridge_mse = min(
        np.mean((Ridge(alpha=a).fit(X_train, y_train).predict(X_test) - y_test) ** 2)
        for a in alphas
    )
    search = GridSearchCV(
        make_pipeline(StandardScaler(), RidgeNet(hidden_layer_sizes=())),
        {"ridgenet__alpha": alphas},
        cv=5,
        scoring="neg_mean_squared_error",
    ).fit(X_train, y_train)
    mse = np.mean((search.predict(X_test) - y_test) ** 2)
    assert mse <= 1.1 * ridge_mse
    # Without the pipeline's scaler, the best closed-form Ridge is reproduced.
    search = GridSearchCV(
        RidgeNet(hidden_layer_sizes=()), {"alpha": alphas}, cv=5, n_jobs=2
    ).fit(X_train, y_train)
    best = Ridge(alpha=search.best_params_["alpha"]).fit(X_train, y_train)
    np.testing.assert_allclose(search.best_estimator_.coef_, best.coef_, rtol=1e-4)


BAD_X = [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, "Input X contains NaN"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "Input X contains infinity"),
    (np.empty((0, 3)), ValueError, "0 sample\\(s\\)"),
    (np.array([1.0, 2.0, 3.0]), ValueError, "Expected 2D array, got 1D array"),
    (np.array([[1 + 1j, 2.0], [3.0, 4.0]]), ValueError, "Complex data not supported"),
    (np.array([["a", "b"], ["c", "d"]], dtype=object), ValueError, "could not convert"),
]


@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
@pytest.mark.parametrize("X, error, message", BAD_X)
def test_bad_input_raises_sklearn_errors(Est, X, error, message):
    y = np.arange(len(X)) % 2 if len(X) else np.array([])
    with pytest.raises(error, match=message):
        Est(**FAST).fit(X, y)


@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
def test_predict_errors(Est, iris):
    X, y = iris
    est = Est(**FAST)
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        est.predict(X[:, :3])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"alpha": -1.0}, "'alpha' parameter of .* must be a float in the range"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be > 0"),
        ({"activation": "gelu"}, "'activation' parameter of .* must be a str among"),
        ({"solver": "newton-cg"}, "'solver' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"device": "tpu"}, "device='tpu' is not a valid torch device"),
    ],
)
def test_invalid_hyperparameters_fail_at_fit(params, message, regression):
    X, y = regression
    est = RidgeNet(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def test_fractional_hidden_layer_sizes_fail_at_fit(regression):
    X, y = regression
    with pytest.raises(TypeError, match=r"must hold integers, got \[2.5\]"):
        RidgeNet(hidden_layer_sizes=(2.5,)).fit(X, y)


@pytest.mark.parametrize(
    "Est, params, message",
    [
        (LassoNet, {"l1_ratio": 1.5}, "'l1_ratio' parameter"),
        (LassoNet, {"M": 0}, "'M' parameter"),
        (DropoutMLP, {"dropout": 1.0}, "'dropout' parameter"),
        (LassoNet, {"solver": "lbfgs"}, "cannot handle the HierarchicalElasticNet"),
        # No L1 part at alpha=0: the hierarchy still needs a proximal step.
        (LassoNet, {"solver": "lbfgs", "alpha": 0.0}, "hierarchy constraint needs"),
        (DropoutMLP, {"n_mc_samples": 1}, "'n_mc_samples' parameter"),
        (DropoutMLP, {"solver": "lbfgs"}, "cannot train with dropout"),
    ],
)
def test_family_constraints(Est, params, message, regression):
    X, y = regression
    with pytest.raises(ValueError, match=message):
        Est(**params).fit(X, y)


def test_cuda_requested_without_cuda(regression):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    X, y = regression
    with pytest.raises(ValueError, match=re.escape("CUDA is not available")):
        RidgeNet(device="cuda").fit(X, y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_keeps_everything_on_gpu_and_pickles_to_cpu(regression):
    X, y = regression
    est = RidgeNet(device="cuda", **FAST).fit(X, y)
    assert next(est.module_.parameters()).is_cuda
    restored = pickle.loads(pickle.dumps(est))
    assert not next(restored.module_.parameters()).is_cuda
    np.testing.assert_allclose(restored.predict(X), est.predict(X), rtol=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "Est, params",
    [
        (RidgeNet, {}),  # L-BFGS
        (RidgeNet, {"solver": "adam"}),
        (LassoNet, {"alpha": 0.1}),  # FISTA and Hier-Prox
        (LassoNet, {"hidden_layer_sizes": (), "alpha": 0.1}),  # proximal Newton
        (RidgeNetClassifier, {}),
        (DropoutMLPClassifier, {"dropout": 0.2}),
    ],
)
def test_cuda_fit_matches_the_cpu_fit_and_loads_on_the_cpu(
    Est, params, regression, iris
):
    # The same random_state trains the same network on either device, up to
    # the order of floating-point sums (the first weights are drawn on the
    # CPU); dropout masks come from each device's own generator, so only the
    # fit's shape is compared there. Pickled, the GPU model predicts on the
    # CPU what it predicted on the GPU.
    X, y = iris if Est in CLASSIFIERS else regression
    method = "predict_proba" if Est in CLASSIFIERS else "predict"
    gpu = Est(**{**FAST, **params}, device="cuda").fit(X, y)
    cpu = Est(**{**FAST, **params}, device="cpu").fit(X, y)
    assert next(gpu.module_.parameters()).is_cuda
    out = getattr(gpu, method)(X)
    if "dropout" not in params:
        assert gpu.n_iter_ == cpu.n_iter_
        np.testing.assert_allclose(out, getattr(cpu, method)(X), rtol=1e-7, atol=1e-9)
    restored = pickle.loads(pickle.dumps(gpu))
    assert not next(restored.module_.parameters()).is_cuda
    np.testing.assert_allclose(
        getattr(restored, method)(X), out, rtol=1e-12, atol=1e-14
    )


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_moves_the_training_set_once(regression):
    # Host-to-device copies during a mini-batch fit do not grow with the number
    # of epochs: the training set goes to the GPU once and every batch is
    # indexed there.
    from torch.profiler import ProfilerActivity, profile

    X, y = regression

    def host_to_device_copies(epochs):
        est = RidgeNet(hidden_layer_sizes=(16,), solver="adam", batch_size=32)
        est.set_params(max_iter=epochs, tol=0, device="cuda", random_state=0)
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            est.fit(X, y)
        assert est.n_iter_ == epochs
        return sum(e.count for e in prof.key_averages() if "HtoD" in e.key)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert 0 < host_to_device_copies(2) == host_to_device_copies(8)


def test_warm_start_continues(regression):
    X, y = regression
    est = RidgeNet(hidden_layer_sizes=(16,), solver="adam", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    first = est.loss_curve_[-1]
    est.set_params(warm_start=True)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert est.loss_curve_[0] < first


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_refuses_other_features_or_classes(regression, iris):
    """A warm start goes on from the fitted network, so, as in scikit-learn's
    MLP, it takes the same features and classes only (they were once accepted
    silently: other labels reused the old output units, other features got a
    fresh network); a cold fit takes anything."""
    X, y = iris
    clf = RidgeNetClassifier(hidden_layer_sizes=(5,), max_iter=3, warm_start=True)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        clf.fit(X, y + 10)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])  # unchanged
    with pytest.raises(ValueError, match="X has 2 features, but RidgeNetClassifier"):
        clf.fit(X[:, :2], y)
    assert clf.set_params(warm_start=False).fit(X[:, :2], y + 10).n_features_in_ == 2
    X, y = regression
    reg = RidgeNet(hidden_layer_sizes=(5,), max_iter=3, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="features, but RidgeNet is expecting"):
        reg.fit(X[:, :2], y)


@pytest.mark.parametrize("name", ["adam", "adam without the fused kernel", "sgd"])
def test_optimizers_match_torch_optim_bit_for_bit(name, monkeypatch):
    # skreg's own Adam/SGD (torch.optim imports torch._dynamo on first use) run
    # on one flat vector: the same update, element by element, as torch's.
    from skreg import _training
    from skreg._training import _SGD, _Adam, _Flat

    if name != "sgd":
        fused = name == "adam"
        if fused and not _training._has_fused_adam("cpu"):
            pytest.skip("this torch has no fused Adam kernel for the CPU (< 2.4)")
        monkeypatch.setattr(_training, "_has_fused_adam", lambda device: fused)

    gen = torch.Generator().manual_seed(0)
    shapes = [(7, 3), (7,), (1, 7), (1,)]
    ours = [torch.nn.Parameter(torch.randn(s, generator=gen)) for s in shapes]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    flat = _Flat(ours)
    if name != "sgd":
        mine, reference = _Adam(flat, lr=0.01), torch.optim.Adam(theirs, lr=0.01)
    else:
        mine = _SGD(flat, lr=0.01)
        reference = torch.optim.SGD(theirs, lr=0.01, momentum=0.9, nesterov=True)
    for _ in range(5):
        grads = [torch.randn(s, generator=gen) for s in shapes]
        mine.zero_grad()
        for p, g in zip(ours, grads, strict=True):
            p.grad.add_(g)
        for p, g in zip(theirs, grads, strict=True):
            p.grad = g.clone()
        mine.step()
        reference.step()
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a.detach(), b.detach())
    flat.release()


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
@pytest.mark.parametrize("estimator", [RidgeNet, RidgeNetClassifier])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_gradient_equals_autograd(
    activation, hidden, skip, restricted, estimator, n_outputs, weighted, loss_targets
):
    # Without dropout a step takes its gradient from Net.backward_, not from
    # autograd: the same loss and the same gradient in every parameter, for
    # every loss (squared error, logistic, softmax), activation, skip
    # connection and restriction to some input columns (LassoNet's FISTA).
    from skreg._modules import Net
    from skreg._training import Objective, _Flat

    rng = np.random.RandomState(n_outputs + len(hidden))
    n, d = 40, 7
    X = torch.tensor(rng.standard_normal((n, d)))
    Y, weight = loss_targets(rng, estimator is not RidgeNet, n, n_outputs)
    weight = weight if weighted else None
    net = Net(d, n_outputs, hidden, activation, skip=skip).double()
    net.reset_parameters(torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in net.parameters():  # off zero, and some ReLUs off
            p.add_(torch.tensor(rng.standard_normal(p.shape)))
    columns = torch.tensor([0, 2, 3, 6]) if restricted else None
    if columns is not None:  # the other inputs' weights are zero
        with torch.no_grad():
            others = torch.tensor([1, 4, 5])
            net.theta[:, others] = 0
            if net.first_hidden is not None:
                net.first_hidden[:, others] = 0
    objective = Objective(
        net, X, Y, weight, estimator._loss, gradient=estimator._loss_gradient
    )
    flat = _Flat(list(net.parameters()))
    results = []
    for closed in (True, False):
        objective.gradient = estimator._loss_gradient if closed else None
        assert objective.closed_form is closed
        objective.restrict(columns)
        flat.grad.zero_()
        loss = objective.data_gradient()
        results.append((loss, flat.grad.clone()))
    (closed_loss, closed_grad), (auto_loss, auto_grad) = results
    torch.testing.assert_close(closed_loss, auto_loss, rtol=1e-13, atol=0)
    torch.testing.assert_close(closed_grad, auto_grad, rtol=1e-11, atol=1e-14)
    assert closed_grad.abs().max() > 0
    flat.release()


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("hidden", [(6,), (5, 4)])
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
def test_affine_part_of_the_outputs_commutes_with_combinations(
    activation, hidden, skip, restricted
):
    # Net.outputs gives forward's outputs to the bit and the part affine in the
    # weights reading the inputs; at p + b (p - q) that part, combined from
    # those at p and q, gives backward_ the loss and gradient it computes itself.
    from skreg._modules import Net
    from skreg._training import Objective, _Flat

    rng = np.random.RandomState(len(hidden))
    n, d = 30, 7
    X = torch.tensor(rng.standard_normal((n, d)))
    Y = torch.tensor(rng.standard_normal((n, 2)))
    net = Net(d, 2, hidden, activation, skip=skip).double()
    flat = _Flat(list(net.parameters()))
    columns = torch.tensor([0, 2, 3, 6]) if restricted else None
    weights = [net.linears[0].weight] + ([net.skip.weight] if skip else [])

    def draw():
        point = torch.tensor(rng.standard_normal(flat.vector.shape))
        flat.vector.copy_(point)
        if columns is not None:  # the other inputs' weights are zero
            with torch.no_grad():
                for w in weights:
                    w[:, [1, 4, 5]] = 0
        return flat.vector.clone()

    X_in = X if columns is None else X[:, columns]
    objective = Objective(
        net, X, Y, None, RidgeNet._loss, gradient=RidgeNet._loss_gradient
    )
    objective.restrict(columns)
    points, affine = [draw(), draw()], []  # p, q
    for point in points:
        flat.vector.copy_(point)
        out, part = net.outputs(X_in, columns)
        assert torch.equal(out, net(X_in, columns))
        first = net.linears[0].weight if columns is None else weights[0][:, columns]
        torch.testing.assert_close(
            part[0], X_in @ first.t() + net.linears[0].bias, rtol=1e-14, atol=0
        )
        assert (part[1] is None) is not skip
        affine.append(part)
    (p, q), b = points, 0.7
    combined = tuple(
        None if a is None else torch.lerp(c, a, 1 + b)  # a + b (a - c)
        for a, c in zip(*affine, strict=True)
    )
    results = []
    for given in (combined, None):
        flat.vector.copy_(p + b * (p - q))
        flat.grad.zero_()
        loss = objective.data_gradient(affine=given)
        results.append((loss, flat.grad.clone()))
    (loss, grad), (direct_loss, direct_grad) = results
    torch.testing.assert_close(loss, direct_loss, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, direct_grad, rtol=1e-10, atol=1e-12)
    # The given part is what the pass uses: p's alone gives p's loss.
    assert objective.data_gradient(affine=affine[0]) != direct_loss
    flat.release()


def test_dropout_and_sparse_inputs_take_the_gradient_from_autograd():
    from scipy import sparse

    from skreg._modules import Net
    from skreg._training import Objective

    X, Y = torch.zeros(4, 3), torch.zeros(4, 1)
    loss, gradient = RidgeNet._loss, RidgeNet._loss_gradient
    assert Objective(Net(3, 1, (2,)), X, Y, None, loss, gradient=gradient).closed_form
    dropout = Net(3, 1, (2,), dropout=0.5)
    assert not Objective(dropout, X, Y, None, loss, gradient=gradient).closed_form
    csr = sparse.csr_matrix(np.eye(4, 3))
    assert not Objective(
        Net(3, 1, (2,)), csr, Y, None, loss, gradient=gradient
    ).closed_form
    sequential = torch.nn.Sequential(torch.nn.Linear(3, 1))
    assert not Objective(sequential, X, Y, None, loss, gradient=gradient).closed_form


def test_only_warm_start_keeps_the_solver_state(regression):
    # L-BFGS's memory (20 parameter vectors) stays beside the module only for a
    # warm start, which reads it; it never reaches a pickle.
    from skreg._base import _SOLVER_STATE

    X, y = regression
    cold = RidgeNet(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    warm = clone(cold).set_params(warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold.fit(X, y), warm.fit(X, y)
    assert cold.module_ not in _SOLVER_STATE
    assert len(_SOLVER_STATE[warm.module_]["lbfgs_pairs"]) == 5
    assert "lbfgs_pairs" not in pickle.dumps(warm).decode("latin-1")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_after_changing_activation_and_dropout(regression):
    # As in scikit-learn's MLP, the new non-linearity applies and the weights
    # carry over (the same parameters, trained on).
    X, y = regression
    est = DropoutMLP(hidden_layer_sizes=(8,), dropout=0.0, max_iter=3, random_state=0)
    est.set_params(warm_start=True).fit(X, y)
    weight = est.module_.linears[0].weight
    est.set_params(activation="tanh", dropout=0.2).fit(X, y)
    layers = [type(m) for m in est.module_.mlp]
    assert layers == [torch.nn.Linear, torch.nn.Tanh, torch.nn.Dropout, torch.nn.Linear]
    assert est.module_.linears[0].weight is weight
    assert est.module_.mode_dependent and not est.module_.training
    reference = clone(est).set_params(warm_start=False).fit(X, y)
    assert [type(m) for m in reference.module_.mlp] == layers


def test_warm_lbfgs_drops_pairs_without_positive_curvature(regression, monkeypatch):
    # A warm start at a much smaller alpha removes most of the penalty's
    # curvature from the inherited pairs: those left with s'y <= 0 would make
    # the inverse Hessian indefinite, so they are dropped.
    import skreg._training as training

    X, y = regression
    seen = []
    direction = training._LBFGS._direction

    def spy(g, S, Y, rho):
        seen.extend(float(s @ y_) for s, y_ in zip(S, Y, strict=True))
        return direction(g, S, Y, rho)

    est = RidgeNet(hidden_layer_sizes=(16,), alpha=1000.0, max_iter=50)
    est.set_params(random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        monkeypatch.setattr(training._LBFGS, "_direction", staticmethod(spy))
        est.set_params(alpha=0.0, max_iter=5).fit(X, y)
    assert seen and min(seen) > 0


def test_path_lbfgs_starts_where_the_previous_fit_ended(regression, monkeypatch):
    """Each later fit of a path starts from the data loss and gradient cached
    where the previous fit ended, with no evaluation of its own, and adds the
    new alpha's penalty: the start is the objective evaluated afresh."""
    import skreg._training as training

    X, y = regression
    starts, start = [], training._LBFGS._start

    def checked_start(solver):
        calls, evaluate = [], solver._evaluate
        solver._evaluate = lambda x: calls.append(1) or evaluate(x)
        value, grad = start(solver)
        fresh_value, fresh_grad = evaluate(solver.flat.vector.double())
        starts.append(len(calls))
        assert value == pytest.approx(fresh_value, rel=1e-12)
        torch.testing.assert_close(grad, fresh_grad, rtol=1e-10, atol=1e-12)
        return value, grad

    monkeypatch.setattr(training._LBFGS, "_start", checked_start)
    est = RidgeNet(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    path = regularization_path(est, X, y, alphas=[0.01, 0.1, 1.0], path_max_iter=5)
    assert path.estimator.solver_ == "lbfgs"
    assert starts == [1, 0, 0]


def test_float32_network_on_huge_inputs_trains(regression):
    # float32 sums of squares of the gradient overflow at these scales; the
    # L-BFGS algebra runs in float64, so the fit trains instead of stopping at
    # once as "converged".
    X, y = regression
    est = RidgeNet(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit((X * 1e16).astype(np.float32), y)
    assert est.n_iter_ > 5
    # 0.0003-0.03 of the first loss over random_state 0-7 (20 iterations)
    assert est.loss_curve_[-1] < 0.1 * est.loss_curve_[0]


def test_wolfe_search_meets_the_strong_wolfe_conditions():
    # phi(t) = (t - c)^2 along a descent direction from t = 0: the search
    # lengthens a short first trial (c = 7), shortens a long one (c = 0.1), and
    # backs off where the objective is not finite (NaN beyond t = 0.3).
    from skreg._training import _wolfe_search

    for c, nan_beyond in [(7.0, None), (0.1, None), (7.0, 0.3)]:

        def phi(t, c=c, nan_beyond=nan_beyond):
            if nan_beyond is not None and t > nan_beyond:
                return math.nan, math.nan, None
            return (t - c) ** 2, 2 * (t - c), torch.tensor(2 * (t - c))

        f0, slope = c**2, -2 * c
        t, f, _ = _wolfe_search(phi, f0, slope)
        assert t > 0 and f == (t - c) ** 2
        assert f <= f0 + 1e-4 * t * slope
        if nan_beyond is None:
            assert abs(2 * (t - c)) <= 0.9 * abs(slope)
        else:
            assert t <= nan_beyond


def test_two_loop_recursion_applies_the_inverse_bfgs_update():
    """With as many A-conjugate pairs as dimensions from a quadratic, the
    two-loop recursion returns ``-A^{-1} g`` (BFGS's hereditary property);
    torch tensors (CUDA's branch) and numpy arrays (the CPU's) give the same
    direction."""
    from skreg._training import _LBFGS, _two_loop

    rng = np.random.default_rng(0)
    B = rng.normal(size=(6, 6))
    A = B @ B.T + 6 * np.eye(6)
    S = list(np.linalg.eigh(A)[1].T)  # eigenvectors: conjugate directions
    Y = [A @ s for s in S]
    g = rng.normal(size=6)
    rho = [1 / (s @ y) for s, y in zip(S, Y, strict=True)]
    reference = _two_loop(g, S, Y, rho)
    np.testing.assert_allclose(reference, -np.linalg.solve(A, g), rtol=1e-8)
    tensors = [torch.as_tensor(v) for v in [g, *S, *Y]]
    direction = _two_loop(tensors[0], tensors[1:7], tensors[7:], rho)
    np.testing.assert_allclose(direction.numpy(), reference, rtol=1e-12)
    on_cpu = _LBFGS._direction(tensors[0], S, Y, rho)  # the CPU's numpy pairs
    np.testing.assert_allclose(on_cpu.numpy(), reference, rtol=1e-12)
    np.testing.assert_array_equal(tensors[0].numpy(), g)  # g is left as it was


def test_network_lbfgs_reaches_its_tolerance(regression):
    # skreg's L-BFGS (networks) stops on the largest gradient entry relative to
    # the start: at tol=1e-7 the documented objective's gradient is that small
    # (tanh: ReLU's kinks leave no gradient to vanish at some minima; the loss
    # stall rule of networks, as in scikit-learn's MLP, is switched off).
    X, y = regression
    est = RidgeNet(
        hidden_layer_sizes=(4,),
        activation="tanh",
        alpha=1.0,
        tol=1e-7,
        n_iter_no_change=5000,
        max_iter=5000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.solver_ == "lbfgs" and 10 < est.n_iter_ < 5000
    module = est.module_
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    initial = clone(est).set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        initial.fit(X, y)

    def gradient(m):
        ps = list(m.parameters())
        data = 0.5 * ((m(Xt).squeeze(1) - yt) ** 2).mean()
        penalty = sum((w**2).sum() for w in m.weights()) / (2 * len(y))
        grads = torch.autograd.grad(data + est.alpha * penalty, ps)
        return max(float(g.abs().max()) for g in grads)

    # (the reference is after one iteration: within 1e-5 of it.)
    assert gradient(module) <= 1e-5 * gradient(initial.module_)


def test_fitted_parameters_own_their_storage(regression):
    # Training makes every parameter a view into one flat vector; afterwards each
    # must own its storage again, or a pickle would carry the whole vector once
    # per parameter.
    X, y = regression
    for est in [RidgeNet(hidden_layer_sizes=(8,), max_iter=5), RidgeNet(solver="adam")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.set_params(max_iter=3).fit(X, y)
        for p in est.module_.parameters():
            assert p.untyped_storage().nbytes() == p.numel() * p.element_size()
            assert p.grad is None
