"""Dask: hyperparameter search on a cluster through joblib's 'dask' backend, and
out-of-core training on chunked dask arrays through dask-ml's Incremental."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV

from skreg import DropoutMLPClassifier, LassoNet, RidgeNet

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Two worker processes on the loopback interface, closed after the tests."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_on_dask_equals_local_run(client):
    X, y = make_regression(n_samples=150, n_features=6, noise=5.0, random_state=0)
    # hidden_layer_sizes=(8,): a real network, trained by L-BFGS or Adam + prox.
    grid = {"alpha": [0.01, 1.0, 30.0], "hidden_layer_sizes": [(), (8,)]}
    est = LassoNet(max_iter=40, random_state=0)
    local = GridSearchCV(est, grid, cv=3).fit(X, y)
    with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
        remote = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_allclose(remote.predict(X), local.predict(X))
    # The candidates really ran on the cluster's workers.
    assert {t["worker"] for t in tasks.data} <= set(client.scheduler_info()["workers"])
    assert len(tasks.data) > 0


def test_incremental_trains_block_by_block_out_of_core(client):
    """dask-ml's Incremental feeds each block of a chunked dask array to
    partial_fit, on the cluster's workers: the same model as a loop over the
    blocks here (the model travels between processes with Adam's moments),
    loss_curve_ and t_ grow with every block, predictions come back as a dask
    array. Scores use scikit-learn's metrics on computed predictions (dask-ml
    2025.1's own r2_score fails on arrays of unknown chunk sizes with this
    dask)."""
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = make_regression(n_samples=2400, n_features=10, noise=5.0, random_state=0)
    y = y / y.std()
    X_d, y_d = da.from_array(X[:2000], chunks=500), da.from_array(y[:2000], chunks=500)
    params = dict(hidden_layer_sizes=(16,), alpha=1e-3, batch_size=50, random_state=0)
    inc = wrappers.Incremental(RidgeNet(**params), shuffle_blocks=False)
    with distributed.get_task_stream(client) as tasks:
        inc.fit(X_d, y_d)
        for _ in range(2):  # two more passes over the blocks
            inc.partial_fit(X_d, y_d)
    workers = {t["worker"] for t in tasks.data if "fit-" in str(t["key"])}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    est = inc.estimator_
    assert len(est.loss_curve_) == 12 and est.t_ == 6000 and est.solver_ == "adam"
    loop = RidgeNet(**params)
    for _ in range(3):
        for start in range(0, 2000, 500):
            loop.partial_fit(X[start : start + 500], y[start : start + 500])
    np.testing.assert_array_equal(est.coefs_[0], loop.coefs_[0])
    pred = inc.predict(da.from_array(X[2000:], chunks=200))
    assert isinstance(pred, da.Array)
    assert r2_score(y[2000:], pred.compute()) > 0.95


def test_incremental_classifier_takes_classes_through_fit(client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = make_classification(
        n_samples=2400, n_features=10, n_informative=5, n_classes=3, random_state=0
    )
    X_d, y_d = da.from_array(X[:2000], chunks=400), da.from_array(y[:2000], chunks=400)
    clf = DropoutMLPClassifier(dropout=0.1, batch_size=50, random_state=0)
    inc = wrappers.Incremental(clf, random_state=0).fit(X_d, y_d, classes=[0, 1, 2])
    for _ in range(4):
        inc.partial_fit(X_d, y_d)  # classes are known from the first call
    np.testing.assert_array_equal(inc.estimator_.classes_, [0, 1, 2])
    assert len(inc.estimator_.loss_curve_) == 25
    pred = inc.predict(da.from_array(X[2000:], chunks=200)).compute()
    assert accuracy_score(y[2000:], pred) > 0.75
