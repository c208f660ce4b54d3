"""Persistence: pickle, joblib, version checks, and the code-free safe format."""

import io
import json
import os
import pickle
import re
import warnings
import zipfile

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

import skreg
from skreg import _base, _persistence
from skreg._persistence import InconsistentVersionWarning

ESTIMATORS = [
    obj
    for obj in map(lambda name: getattr(skreg, name), skreg.__all__)
    if isinstance(obj, type) and issubclass(obj, BaseEstimator)
]
FAST = {"max_iter": 20, "random_state": 0, "cv": 2, "alphas": 2, "n_resampling": 2}
LABELS = np.array(["cat", "dog", "emu"])


def _data(Est, n=60, dtype=np.float64):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, 4)).astype(dtype)
    if is_classifier(Est()):
        return X, LABELS[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    return X, X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(n)


def _fit(Est, dtype=np.float64, **params):
    est = Est()
    est.set_params(
        **{k: v for k, v in {**FAST, **params}.items() if k in est.get_params()}
    )
    X, y = _data(Est, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y), X


def _outputs(est, X):
    if not hasattr(est, "n_features_in_"):  # a meta-estimator's unfitted template
        return []
    if not hasattr(est, "predict"):  # a selector
        return [est.transform(X)]
    out = [est.predict(X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


def _assert_identical(a, b, X):
    assert type(a) is type(b)
    assert a.get_params(deep=False).keys() == b.get_params(deep=False).keys()
    for k, v in a.get_params(deep=False).items():
        w = b.get_params(deep=False)[k]
        if isinstance(v, np.random.RandomState):
            for x, z in zip(v.get_state(), w.get_state(), strict=True):
                np.testing.assert_array_equal(x, z)
        else:
            assert type(v) is type(w) and v == w, k
    # The solver's state (Adam's moments, L-BFGS's memory) is never saved.
    state_a, state_b = (
        {k: v for k, v in vars(e).items() if k != "_solver_state"} for e in (a, b)
    )
    assert state_a.keys() == state_b.keys()
    for k, v in state_a.items():
        w = state_b[k]
        if k in a.get_params(deep=False):
            continue
        if k == "module_":
            sa, sb = v.state_dict(), w.state_dict()
            assert sa.keys() == sb.keys()
            for name in sa:
                assert sa[name].dtype == sb[name].dtype
                assert torch.equal(sa[name], sb[name]), name
        elif isinstance(v, np.ndarray):
            assert v.dtype == w.dtype, k
            np.testing.assert_array_equal(v, w, err_msg=k)
        elif isinstance(v, BaseEstimator):
            _assert_identical(v, w, X)
        elif k in ("coefs_", "intercepts_"):  # lists of arrays
            assert len(v) == len(w), k
            for x, z in zip(v, w, strict=True):
                assert x.dtype == z.dtype, k
                np.testing.assert_array_equal(x, z, err_msg=k)
        else:
            assert type(v) is type(w) and v == w, k
    for p, q in zip(_outputs(a, X), _outputs(b, X), strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)


@pytest.fixture(scope="module", params=ESTIMATORS, ids=lambda E: E.__name__)
def fitted(request):
    return _fit(request.param)


# -- pickle and joblib --------------------------------------------------------------


def test_pickle_round_trip_predicts_identically(fitted):
    est, X = fitted
    _assert_identical(est, pickle.loads(pickle.dumps(est)), X)


def test_joblib_round_trip_predicts_identically(fitted, tmp_path):
    est, X = fitted
    joblib.dump(est, tmp_path / "model.joblib")
    _assert_identical(est, joblib.load(tmp_path / "model.joblib"), X)


def test_pickled_state_holds_cpu_tensors_and_the_skreg_version():
    est, _ = _fit(skreg.RidgeNet, hidden_layer_sizes=(5,))
    state = est.__getstate__()
    assert state["_skreg_version"] == skreg.__version__
    assert all(p.device.type == "cpu" for p in state["module_"].parameters())
    assert "_skreg_version" not in vars(pickle.loads(pickle.dumps(est)))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_fitted_on_gpu_unpickles_on_cpu():
    est, X = _fit(skreg.RidgeNet, hidden_layer_sizes=(5,), device="cuda")
    assert next(est.module_.parameters()).device.type == "cuda"
    state = est.__getstate__()
    assert all(p.device.type == "cpu" for p in state["module_"].parameters())
    # The fitted model itself stays on the GPU.
    assert next(est.module_.parameters()).device.type == "cuda"
    restored = pickle.loads(pickle.dumps(est))
    assert next(restored.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(restored.predict(X), est.predict(X), rtol=1e-12)


def test_unpickling_another_skreg_version_warns(monkeypatch):
    est, X = _fit(skreg.RidgeNetClassifier)
    monkeypatch.setattr(_base, "_skreg_version", lambda: "0.0.1")
    blob = pickle.dumps(est)
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match="skreg 0.0.1"):
        restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))


def test_unpickling_the_same_version_is_silent(recwarn):
    est, _ = _fit(skreg.RidgeNet)
    pickle.loads(pickle.dumps(est))
    assert not [w for w in recwarn if w.category is InconsistentVersionWarning]


# -- the safe format -----------------------------------------------------------------


def test_safe_format_round_trips_exactly(fitted, tmp_path):
    est, X = fitted
    skreg.save(est, tmp_path / "model.skreg")
    _assert_identical(est, skreg.load(tmp_path / "model.skreg"), X)


@pytest.mark.parametrize(
    "params",
    [
        {"dtype": np.float32},
        {"hidden_layer_sizes": [3, 2], "random_state": np.random.RandomState(7)},
        {"hidden_layer_sizes": (), "early_stopping": True, "solver": "adam"},
    ],
    ids=["float32", "list-sizes-RandomState", "linear-early-stopping"],
)
@pytest.mark.parametrize(
    "Est", [skreg.RidgeNet, skreg.LassoNetClassifier, skreg.DropoutMLPClassifier]
)
def test_safe_format_round_trips_variants(Est, params, tmp_path):
    params = dict(params)
    dtype = params.pop("dtype", np.float64)
    est, X = _fit(Est, dtype=dtype, **params)
    buffer = io.BytesIO()
    skreg.save(est, buffer)
    buffer.seek(0)
    restored = skreg.load(buffer)
    _assert_identical(est, restored, X)
    if isinstance(params.get("random_state"), np.random.RandomState):
        assert restored.random_state.randint(10**9) == est.random_state.randint(10**9)


def test_safe_format_round_trips_an_unfitted_estimator(tmp_path):
    est = skreg.LassoNet(alpha=0.3, hidden_layer_sizes=(4, 2), M=3.0)
    skreg.save(est, tmp_path / "m")
    restored = skreg.load(tmp_path / "m")
    assert restored.get_params() == est.get_params()
    assert not hasattr(restored, "module_")


def test_warm_start_continues_after_safe_load(tmp_path):
    est, X = _fit(skreg.RidgeNet, hidden_layer_sizes=(4,), solver="adam")
    skreg.save(est, tmp_path / "m")
    restored = skreg.load(tmp_path / "m").set_params(warm_start=True, max_iter=1)
    _, y = _data(skreg.RidgeNet)
    with pytest.warns(ConvergenceWarning):
        restored.fit(X, y)
    # The continued fit starts from the saved weights, not from a fresh network
    # (its record extends the saved one).
    n = len(est.loss_curve_)
    assert restored.loss_curve_[:n] == est.loss_curve_
    assert restored.loss_curve_[n] < est.loss_curve_[0]


@pytest.mark.parametrize(
    "Est, fitted, changed",
    [
        (skreg.RidgeNet, {"activation": "relu"}, {"activation": "tanh"}),
        (skreg.DropoutMLP, {"dropout": 0.3}, {"dropout": 0.0}),
    ],
)
def test_safe_format_keeps_the_fitted_network_after_set_params(
    Est, fitted, changed, tmp_path
):
    """A parameter changed after fit acts at the next fit only, as in
    scikit-learn: the saved network is the one that was trained (the loaded one
    was once rebuilt from the changed parameters, 4.8 apart)."""
    est, X = _fit(Est, hidden_layer_sizes=(8,), **fitted)
    expected = est.set_params(**changed).predict(X)
    skreg.save(est, tmp_path / "m")
    restored = skreg.load(tmp_path / "m")
    np.testing.assert_array_equal(restored.predict(X), expected)
    assert restored.get_params()[next(iter(changed))] == next(iter(changed.values()))


def test_save_refuses_what_it_cannot_store(tmp_path):
    est, _ = _fit(skreg.RidgeNet)
    est.some_callable_ = print
    with pytest.raises(TypeError, match="some_callable_"):
        skreg.save(est, tmp_path / "m")
    assert not os.path.exists(tmp_path / "m")  # nothing half-written
    if hasattr(skreg, "RidgeNetCV"):
        with pytest.raises(TypeError, match="parameter 'cv'"):
            skreg.save(skreg.RidgeNetCV(cv=KFold(2)), tmp_path / "m")
    with pytest.raises(TypeError, match="not a skreg estimator"):
        skreg.save(KFold(2), tmp_path / "m")


def _rewrite(path, edit_header):
    """Rewrite a saved file with ``edit_header(header)`` applied: a valid archive
    whose content was modified after saving."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["__skreg__"].tobytes())
    edit_header(header)
    arrays["__skreg__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


@pytest.fixture
def saved(tmp_path):
    est, X = _fit(skreg.RidgeNetClassifier, hidden_layer_sizes=(3,))
    path = tmp_path / "model.skreg"
    skreg.save(est, path)
    return est, X, path


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99])
def test_truncated_file_gives_a_clear_error(saved, keep):
    _, _, path = saved
    blob = path.read_bytes()
    path.write_bytes(blob[: int(len(blob) * keep)])
    with pytest.raises(ValueError, match="Cannot load .*(truncated|corrupted|not a)"):
        skreg.load(path)


def test_flipped_bytes_give_a_clear_error(saved):
    _, _, path = saved
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:  # flip a byte inside the weights' data
        info = [i for i in z.infolist() if i.filename != "__skreg__.npy"][-1]
    blob[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="Cannot load .*corrupted"):
        skreg.load(path)


def test_edited_content_fails_the_checksum(saved):
    _, _, path = saved

    def edit(header):
        header["estimator"]["params"]["alpha"] = 123.0

    _rewrite(path, edit)
    with pytest.raises(ValueError, match="checksum does not match"):
        skreg.load(path)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda t: t.update({"__estimator__": "os.system"}), "not a skreg estimator"),
        (lambda t: t["params"].update({"alpha": -1.0}), "alpha"),
        (lambda t: t["params"].update({"evil": 1}), "parameters"),
        (lambda t: t["attributes"].update({"predict": 1}), "'predict'"),
        (lambda t: t["attributes"].update({"__class__": 1}), "'__class__'"),
        (
            lambda t: t["attributes"].update({"_module_shape": {"__tuple__": [4, 3]}}),
            "describes the network",
        ),
        (
            lambda t: t["attributes"]["module_"]["__module__"].popitem(),
            "do not match the network",
        ),
        (
            lambda t: t["attributes"]["module_"].update({"activation": "os.system"}),
            "activation='os.system'",
        ),
    ],
    ids=[
        "class",
        "param-value",
        "param-name",
        "method",
        "dunder",
        "shape",
        "weights",
        "activation",
    ],
)
def test_forged_content_is_refused(saved, edit, match):
    # A forger can recompute the checksum; the content is still validated.
    _, _, path = saved

    def forge(header):
        edit(header["estimator"])
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files if k != "__skreg__"}
        header["sha256"] = _persistence._digest(header["estimator"], arrays)

    _rewrite(path, forge)
    with pytest.raises(ValueError, match=match):
        skreg.load(path)


def test_non_finite_weights_are_refused(saved):
    est, _, path = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    header = json.loads(arrays["__skreg__"].tobytes())
    ref = header["estimator"]["attributes"]["module_"]["__module__"]["mlp.0.weight"]
    arrays[ref["__array__"]][0, 0] = np.nan
    del arrays["__skreg__"]
    header["sha256"] = _persistence._digest(header["estimator"], arrays)
    arrays["__skreg__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ValueError, match="non-finite"):
        skreg.load(path)


class _Payload:
    """Unpickling this runs code: it creates the file named ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_load_never_executes_code_from_the_file(tmp_path):
    marker = tmp_path / "pwned"
    # A pickle, a joblib file and an .npz holding a pickled object array.
    pickle_path = tmp_path / "model.pkl"
    pickle_path.write_bytes(pickle.dumps(_Payload(marker)))
    joblib_path = tmp_path / "model.joblib"
    joblib.dump(_Payload(marker), joblib_path)
    npz_path = tmp_path / "model.npz"
    with open(npz_path, "wb") as f:
        np.savez(f, __skreg__=np.array([_Payload(marker)], dtype=object))
    for path in (pickle_path, joblib_path, npz_path):
        with pytest.raises(ValueError, match="Cannot load"):
            skreg.load(path)
    assert not marker.exists()


def test_loading_another_version_warns(saved, monkeypatch):
    est, X, path = saved
    monkeypatch.setattr(_persistence, "_skreg_version", lambda: "99.0")
    match = re.escape(f"skreg {skreg.__version__} with skreg 99.0")
    with pytest.warns(InconsistentVersionWarning, match=match):
        restored = skreg.load(path)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))


def test_save_is_atomic(saved, monkeypatch):
    est, X, path = saved
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        skreg.save(est, path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]
