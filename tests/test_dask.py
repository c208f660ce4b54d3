"""Hyperparameter search on a Dask cluster through joblib's 'dask' backend."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV

from skreg import LassoNet

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
