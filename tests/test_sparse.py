"""scipy sparse X: accepted, never densified, same model as the dense fit."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skreg import (
    DropoutMLP,
    DropoutMLPClassifier,
    LassoNet,
    LassoNetClassifier,
    RidgeNet,
    RidgeNetClassifier,
)
from skreg._rows import merge_duplicates


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = sp.random(240, 30, density=0.1, format="csr", random_state=rng)
    coef = rng.standard_normal((30, 2))
    Y = X @ coef + 0.01 * rng.standard_normal((240, 2))
    labels = (Y[:, 0] > np.median(Y[:, 0])).astype(int) + (Y[:, 1] > 0)
    return X, Y, labels, rng.randint(0, 3, 240).astype(float)


CASES = [
    # (estimator, target, solver it resolves to). A smooth linear model on dense
    # data would train with Newton under 'auto', so L-BFGS is named for both.
    (RidgeNet(alpha=0.1, hidden_layer_sizes=(), solver="lbfgs"), "Y", "lbfgs"),
    (LassoNet(alpha=1e-3, hidden_layer_sizes=()), "Y", "newton"),
    (LassoNet(alpha=1e-3, hidden_layer_sizes=(), solver="lbfgs"), "y", "lbfgs"),
    (LassoNet(alpha=1e-3, hidden_layer_sizes=(6,), max_iter=15), "Y", "fista"),
    (
        LassoNet(alpha=1e-3, hidden_layer_sizes=(6,), max_iter=15, solver="adam"),
        "Y",
        "adam",
    ),
    (
        RidgeNetClassifier(alpha=0.1, hidden_layer_sizes=(), solver="lbfgs"),
        "labels",
        "lbfgs",
    ),
    (LassoNetClassifier(alpha=0.01, hidden_layer_sizes=()), "labels", "newton"),
    (
        LassoNetClassifier(alpha=0.01, hidden_layer_sizes=(), solver="fista"),
        "labels",
        "fista",
    ),
    (DropoutMLP(hidden_layer_sizes=(8,), max_iter=15), "Y", "adam"),
    (
        DropoutMLPClassifier(hidden_layer_sizes=(8,), max_iter=15, early_stopping=True),
        "labels",
        "adam",
    ),
]


def _predict(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def _fit_predict(est, X, y, sample_weight):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=sample_weight)
    return _predict(est, X), est.loss_curve_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "est, target, solver", CASES, ids=[f"{type(c[0]).__name__}-{c[2]}" for c in CASES]
)
def test_sparse_fit_equals_dense_fit(data, est, target, solver, dtype, weighted):
    X, Y, labels, sw = data
    y = {"Y": Y, "y": Y[:, 0], "labels": labels}[target]
    sw = sw if weighted else None
    est = est.set_params(random_state=0)
    Xs = X.astype(dtype)
    pred_sparse, curve_sparse = _fit_predict(est, Xs, y, sw)
    assert est.solver_ == solver
    pred_dense, curve_dense = _fit_predict(est, Xs.toarray(), y, sw)
    # float32: a full-batch solution is only as precise as float32 gradients.
    rtol = 1e-9 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(pred_sparse, pred_dense, rtol=rtol, atol=rtol)
    # In float32 a full-batch solver may stop one iteration apart near the optimum.
    n = min(len(curve_sparse), len(curve_dense))
    assert len(curve_sparse) == len(curve_dense) or dtype == np.float32
    np.testing.assert_allclose(curve_sparse[:n], curve_dense[:n], rtol=rtol)
    # A model fitted on sparse data predicts dense data, and the reverse.
    np.testing.assert_allclose(_predict(est, Xs), pred_dense, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("fmt", ["csc", "coo", "lil", "csr_array"])
def test_any_sparse_format_is_accepted(data, fmt):
    X, Y, _, _ = data
    Xf = sp.csr_array(X) if fmt == "csr_array" else X.asformat(fmt)
    est = RidgeNet(alpha=0.1, hidden_layer_sizes=()).fit(Xf, Y)
    reference = RidgeNet(alpha=0.1, hidden_layer_sizes=()).fit(X, Y)
    np.testing.assert_allclose(est.predict(Xf), reference.predict(X), rtol=1e-12)


def test_training_never_densifies(data, monkeypatch):
    """No sparse matrix with X's rows is ever made dense (Newton does densify
    the small products ``X1^T diag(h) X1`` that form its Hessian)."""
    X, Y, _, _ = data

    def refuse(method):
        def wrapper(self, *args, **kwargs):
            if self.shape[0] == X.shape[0]:
                raise AssertionError("X was densified")
            return method(self, *args, **kwargs)

        return wrapper

    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", refuse(cls.toarray))
        monkeypatch.setattr(cls, "todense", refuse(cls.todense))
    est = LassoNet(alpha=1e-3, hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y[:, 0])
    assert est.predict(X).shape == (X.shape[0],)
    linear = RidgeNet(alpha=0.1, hidden_layer_sizes=()).fit(X, Y)
    assert linear.solver_ == "newton" and linear.score(X, Y) > 0.9


def test_merge_duplicates_on_sparse_rows(data):
    X, Y, _, _ = data
    rows = np.r_[np.arange(20), [3, 3, 7]]
    Xr, Yr = X[rows], Y[rows]
    Xm, Ym, w, order = merge_duplicates(Xr, Yr, None)
    assert order is None  # merged rows come back in the canonical order
    assert sp.issparse(Xm) and Xm.shape == (20, X.shape[1])
    assert sorted(w) == [1.0] * 18 + [2.0, 3.0]
    # Each merged (x, y) row is one of the input rows and carries its multiplicity.
    for x, y, weight in zip(Xm.toarray(), Ym, w, strict=True):
        matches = np.all(Xr.toarray() == x, axis=1) & np.all(Yr == y, axis=1)
        assert matches.sum() == weight
    # Weights equal to the multiplicities give the same problem, its rows (no
    # longer repeated, so not copied) in the same canonical order.
    Xw, Yw, ww, order = merge_duplicates(
        X[:20], Y[:20], np.bincount(rows, minlength=20) * 1.0
    )
    np.testing.assert_array_equal(Xw[order].toarray(), Xm.toarray())
    np.testing.assert_array_equal(Yw[order], Ym)
    np.testing.assert_array_equal(ww[order], w)


def test_merge_duplicates_ignores_storage_details():
    dense = np.array([[0.0, 1.5, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.5, 0.0, 2.0]])
    # Row 2 stored with unsorted indices, a duplicate entry and an explicit zero.
    indptr = np.array([0, 2, 3, 7])
    indices = np.array([1, 3, 0, 3, 1, 2, 3])
    values = np.array([1.5, 2.0, 1.0, 1.0, 1.5, 0.0, 1.0])
    X = sp.csr_matrix((values, indices, indptr), shape=(3, 4))
    np.testing.assert_array_equal(X.toarray(), dense)
    Xm, _, w, _ = merge_duplicates(X, np.zeros(3), None)
    assert Xm.shape[0] == 2 and sorted(w) == [1.0, 2.0]
    assert X.indices.tolist() == indices.tolist()  # the input was not modified
