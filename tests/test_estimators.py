"""Behaviour of the six estimators: objectives, reproducibility, errors, dropout."""

import pickle
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
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

    from skreg._rows import merge_duplicates

    X = np.full((40, 1), 1e12)
    y = (np.arange(40) * 1e-5).reshape(-1, 1)
    as_input = sp.csr_matrix if sparse else np.asarray
    X_out, Y_out, weight, order = merge_duplicates(as_input(X), y, None)
    assert X_out.shape[0] == 40 and weight is None and sorted(order) == list(range(40))
    rows = np.r_[np.arange(40), np.arange(5)]  # the first 5 rows twice
    X_out, Y_out, weight, order = merge_duplicates(as_input(X[rows]), y[rows], None)
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
    # As scikit-learn's MLP: the record of the continued fit extends the first's.
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 10 and est.t_ == 10 * len(X)
    assert est.loss_curve_[5] < first


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


def test_only_warm_start_keeps_the_solver_state(regression, tmp_path):
    # L-BFGS's memory (20 parameter vectors) stays with the estimator only for
    # a warm start, which reads it; it never reaches a pickle, a deep copy or a
    # saved file, and a cold fit drops it.
    import copy

    from skreg import load, save

    X, y = regression
    cold = RidgeNet(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    warm = clone(cold).set_params(warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold.fit(X, y), warm.fit(X, y)
    assert not hasattr(cold, "_solver_state")
    assert len(warm._solver_state["lbfgs_pairs"]) == 5
    assert "lbfgs_pairs" not in pickle.dumps(warm).decode("latin-1")
    assert not hasattr(copy.deepcopy(warm), "_solver_state")
    assert not hasattr(pickle.loads(pickle.dumps(warm)), "_solver_state")
    save(warm, tmp_path / "warm.skreg")
    assert not hasattr(load(tmp_path / "warm.skreg"), "_solver_state")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.set_params(warm_start=False).fit(X, y)
    assert not hasattr(warm, "_solver_state")


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
