"""Faults during training: divergence, extreme scales, exceptions, interrupts,
out-of-memory errors and early stopping.

Faults are injected by wrapping ``Objective._batch``, which every solver calls
once per full-batch evaluation or mini-batch step (through ``data`` or
``data_gradient``).
"""

import copy

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler

from skreg import DropoutMLP, RidgeNet, RidgeNetClassifier
from skreg._objective import Objective


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.fixture
def data_fault(monkeypatch):
    """``data_fault(k, exc)`` makes the k-th objective evaluation raise ``exc``."""
    original = Objective._batch

    def install(k, exc):
        calls = []

        def data(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == k:
                raise exc
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Objective, "_batch", data)
        return calls

    yield install
    monkeypatch.setattr(Objective, "_batch", original)


def _state(est):
    """Fitted attributes and weights, to compare estimators exactly."""
    # Deep copies: a fit updates the solver's state in place.
    attrs = copy.deepcopy({k: v for k, v in vars(est).items() if k != "module_"})
    weights = [p.detach().clone() for p in est.module_.parameters()]
    return attrs, weights


def _assert_same_state(a, b):
    (attrs_a, w_a), (attrs_b, w_b) = a, b
    assert attrs_a.keys() == attrs_b.keys()
    for k, v in attrs_a.items():
        _assert_equal(v, attrs_b[k], k)
    for p, q in zip(w_a, w_b, strict=True):
        assert torch.equal(p, q)


def _assert_equal(v, w, k):
    """``v == w``, down lists and dicts of arrays and tensors (``coefs_``, the
    solver's state)."""
    if isinstance(v, np.ndarray):
        np.testing.assert_array_equal(v, w, err_msg=k)
    elif isinstance(v, torch.Tensor):
        assert torch.equal(v, w), k
    elif isinstance(v, (list, tuple)):
        assert len(v) == len(w), k
        for x, z in zip(v, w, strict=True):
            _assert_equal(x, z, k)
    elif isinstance(v, dict):
        assert v.keys() == w.keys(), k
        for key in v:
            _assert_equal(v[key], w[key], f"{k}[{key!r}]")
    else:
        assert v == w, k


# -- divergence and extreme scales -------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("Est", [RidgeNet, RidgeNetClassifier])
def test_huge_learning_rate_keeps_finite_weights(diabetes, Est, solver):
    X, y = diabetes
    y = y if Est is RidgeNet else (y > 0).astype(int)
    est = Est(
        hidden_layer_sizes=(16,),
        solver=solver,
        learning_rate_init=1e3,
        max_iter=20,
        random_state=0,
    )
    est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) >= 1
    assert np.all(np.isfinite(est.loss_curve_))
    assert all(torch.isfinite(p).all() for p in est.module_.parameters())
    out = est.predict(X) if Est is RidgeNet else est.predict_proba(X)
    assert np.all(np.isfinite(out))


def test_divergence_after_some_iterations_restores_the_last_finite_weights(
    diabetes,
):
    X, y = diabetes
    est = RidgeNet(
        hidden_layer_sizes=(16,),
        solver="sgd",
        batch_size=200,
        learning_rate_init=10.0,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="became nan after iteration 1"):
        est.fit(X, y)
    assert est.n_iter_ == 1
    # The weights kept are those of iteration 1: a fit stopped there by max_iter.
    reference = RidgeNet(
        hidden_layer_sizes=(16,),
        solver="sgd",
        batch_size=200,
        learning_rate_init=10.0,
        max_iter=1,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        reference.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))


def test_last_epoch_overflow_steps_back_one_epoch():
    # Found by tests/test_reliability.py: the last SGD update of the last epoch
    # made the network's outputs overflow (predictions of -inf) while the epoch's
    # loss, averaged before that update, was still finite.
    X = np.array([[127, 127], [127, 127], [127, -128], [127, -128]], dtype=np.int8)
    y = np.array([-1.03e07, 4.11e07, 1.44e07, 1.45e08])
    # (random_state=1 and 3 epochs since mini-batches follow a canonical order
    # of the rows: all 3 epoch losses are finite, the weights after the last
    # update are not.)
    est = DropoutMLP(
        hidden_layer_sizes=(3,), alpha=0.0, max_iter=3, solver="sgd", random_state=1
    )
    with pytest.warns(ConvergenceWarning, match="weights of iteration 2 were restored"):
        est.fit(X, y)
    assert np.all(np.isfinite(est.predict(X)))
    assert est.n_iter_ == len(est.loss_curve_) == 2


def test_first_iteration_non_finite_raises_a_clear_error():
    X = np.full((20, 2), 1e200)
    with pytest.raises(ValueError, match="Scale the data"):
        RidgeNet(hidden_layer_sizes=(4,), solver="adam", random_state=0).fit(
            X, np.arange(20.0)
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fista_backtracking_ends_when_values_never_decrease(diabetes, monkeypatch):
    # FISTA doubles its curvature estimate L until the objective at the trial
    # point is below its quadratic bound. If every trial value stays above it
    # (as float32 rounding once did, with the loss computed two ways), L reached
    # inf, the bound became NaN and the loop never ended; it now stops once no
    # step is left.
    import threading

    from skreg import LassoNet

    X, y = diabetes
    original = Objective.data

    def data_above_the_bound(self, idx=None):  # trial points: no gradient
        return original(self, idx) + 10.0

    monkeypatch.setattr(Objective, "data", data_above_the_bound)
    est = LassoNet(hidden_layer_sizes=(4,), solver="fista", max_iter=2)
    done = []
    fit = threading.Thread(target=lambda: done.append(est.fit(X, y)), daemon=True)
    fit.start()
    fit.join(timeout=60)
    assert done, "FISTA's backtracking did not end"
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_inputs_scaled_by_1e8(diabetes):
    X, y = diabetes
    # A linear model is invariant to the scale of its inputs: same fit as Ridge.
    ridge = Ridge(alpha=1.0).fit(X * 1e8, y)
    net = RidgeNet(hidden_layer_sizes=(), alpha=1.0).fit(X * 1e8, y)
    np.testing.assert_allclose(net.predict(X * 1e8), ridge.predict(X * 1e8), atol=1e-6)
    for solver in ["lbfgs", "adam"]:
        est = RidgeNet(hidden_layer_sizes=(16,), solver=solver, random_state=0)
        pred = est.fit(X * 1e8, y * 1e8).predict(X * 1e8)
        assert np.all(np.isfinite(pred))
        assert r2_score(y * 1e8, pred) > 0.4
    # float32 keeps its dtype and stays finite even where it cannot learn much.
    X32 = (X * 1e8).astype(np.float32)
    pred = (
        RidgeNet(hidden_layer_sizes=(16,), max_iter=50, random_state=0)
        .fit(X32, y)
        .predict(X32)
    )
    assert pred.dtype == np.float32
    assert np.all(np.isfinite(pred))


# -- exceptions and interrupts -------------------------------------------------------


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_exception_mid_fit_leaves_an_unfitted_estimator_unfitted(
    diabetes, data_fault, solver
):
    X, y = diabetes
    data_fault(5, RuntimeError("injected failure"))
    est = RidgeNet(hidden_layer_sizes=(8,), solver=solver, random_state=0)
    with pytest.raises(RuntimeError, match="injected failure"):
        est.fit(X, y)
    # Before the fix, module_ survived the failed fit and predict() silently used
    # a half-trained network.
    assert not hasattr(est, "module_")
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("warm_start", [False, True])
def test_exception_mid_fit_keeps_the_previous_model(diabetes, data_fault, warm_start):
    X, y = diabetes
    est = RidgeNet(
        hidden_layer_sizes=(8,),
        solver="adam",
        max_iter=5,
        random_state=0,
        warm_start=warm_start,
    )
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    before, pred = _state(est), est.predict(X)
    data_fault(3, ValueError("injected failure"))
    # A cold fit may take other features (a new network); a warm one may not.
    X_new = X if warm_start else X[:, :5]
    with pytest.raises(ValueError, match="injected failure"):
        est.fit(X_new, -y)
    _assert_same_state(_state(est), before)
    np.testing.assert_array_equal(est.predict(X), pred)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_keyboard_interrupt_keeps_the_last_completed_iteration(
    diabetes, data_fault, solver
):
    X, y = diabetes
    params = dict(
        hidden_layer_sizes=(8,),
        alpha=0.0,
        solver=solver,
        batch_size=len(X),  # one objective evaluation per epoch
        random_state=0,
    )
    data_fault(8, KeyboardInterrupt())
    est = RidgeNet(**params)
    with pytest.warns(ConvergenceWarning, match="Training interrupted after"):
        est.fit(X, y)
    completed = est.n_iter_
    assert 1 <= completed < 8
    assert len(est.loss_curve_) == completed
    # Exactly the model of a fit that stopped after the same iterations.
    reference = RidgeNet(**params, max_iter=completed)
    with pytest.warns(ConvergenceWarning):
        reference.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))


def test_warm_start_continues_an_interrupted_fit(diabetes, data_fault):
    X, y = diabetes
    params = dict(
        hidden_layer_sizes=(8,),
        alpha=0.0,
        solver="adam",
        batch_size=len(X),
        random_state=0,
    )
    data_fault(4, KeyboardInterrupt())
    est = RidgeNet(**params)
    with pytest.warns(ConvergenceWarning, match="interrupted after 3 iterations"):
        est.fit(X, y)
    data_fault(10**9, KeyboardInterrupt())  # no more faults
    with pytest.warns(ConvergenceWarning):
        est.set_params(warm_start=True, max_iter=5).fit(X, y)
    # Full-batch epochs: the first loss of the continued fit is the loss at the
    # interrupted weights, which the uninterrupted fit saw at its 4th epoch.
    uninterrupted = RidgeNet(**params, max_iter=4)
    with pytest.warns(ConvergenceWarning):
        uninterrupted.fit(X, y)
    # The continued fit's record follows the interrupted one's 3 iterations.
    assert est.loss_curve_[3] == pytest.approx(uninterrupted.loss_curve_[3], rel=1e-12)
    assert est.loss_curve_[-1] < uninterrupted.loss_curve_[-1]


# -- out of memory -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 40.00 GiB"),
        RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to ..."),
    ],
    ids=["cuda", "cpu"],
)
@pytest.mark.parametrize(
    "solver, match",
    [("adam", "batch_size=400"), ("lbfgs", "all 442 samples .full-batch")],
)
def test_out_of_memory_names_batch_size(diabetes, data_fault, error, solver, match):
    X, y = diabetes
    data_fault(2, error)
    est = RidgeNet(hidden_layer_sizes=(8,), solver=solver, random_state=0)
    est.set_params(batch_size=400 if solver == "adam" else "auto")
    with pytest.raises(MemoryError, match=match) as info:
        est.fit(X, y)
    assert "Lower batch_size" in str(info.value)
    assert info.value.__cause__ is error
    assert not hasattr(est, "module_")


def test_other_runtime_errors_pass_through(diabetes, data_fault):
    X, y = diabetes
    data_fault(2, RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        RidgeNet(hidden_layer_sizes=(8,), solver="adam").fit(X, y)


# -- early stopping ------------------------------------------------------------------


def test_early_stopping_restores_the_best_weights():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((150, 5))
    y = X[:, 0] + rng.standard_normal(150)  # noisy: a big network overfits
    params = dict(
        hidden_layer_sizes=(64, 64),
        alpha=0.0,
        solver="adam",
        learning_rate_init=0.01,
        early_stopping=True,
        n_iter_no_change=5,
        tol=0.0,
        random_state=0,
    )
    est = RidgeNet(**params).fit(X, y)
    scores = np.asarray(est.validation_scores_)
    best = int(np.argmax(scores)) + 1
    assert best < est.n_iter_  # the validation score got worse afterwards
    assert est.best_validation_score_ == scores.max()
    # The model kept is the one of the best epoch: the same as a fit that
    # stopped there.
    at_best = RidgeNet(**params, max_iter=best)
    with pytest.warns(ConvergenceWarning):
        at_best.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), at_best.predict(X))
