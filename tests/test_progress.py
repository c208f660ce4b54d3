"""Progress reporting: verbose lines, the tqdm bar, scikit-learn's callbacks."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skreg import DropoutMLPClassifier, RidgeNet

callback = pytest.importorskip("sklearn.callback", reason="needs scikit-learn >= 1.9")


@pytest.fixture(scope="module")
def data():
    return make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)


def _adam(**params):
    defaults = dict(
        hidden_layer_sizes=(8,),
        solver="adam",
        learning_rate_init=0.05,
        max_iter=12,
        random_state=0,
    )
    return RidgeNet(**{**defaults, **params})


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


class Recorder:
    """A FitCallback recording every hook call in this process."""

    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None
    ):
        self.events.append(("end", context.task_name))
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.scores = getattr(self, "scores", []) + [fitted_estimator.score(X, y)]
            return self.stop_at is not None and len(self.scores) >= self.stop_at
        return False

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))


class PropagatedRecorder(Recorder):
    max_propagation_depth = None


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_verbose_prints_one_line_per_iteration(data, solver, capsys):
    X, y = data
    est = _fit(_adam(solver=solver, verbose=1), X, y)
    lines = re.findall(
        r"^Iteration (\d+), loss = (\S+)$", capsys.readouterr().out, re.M
    )
    assert [int(k) for k, _ in lines] == list(range(1, est.n_iter_ + 1))
    np.testing.assert_allclose([float(v) for _, v in lines], est.loss_curve_, rtol=1e-7)


def test_verbose_early_stopping_prints_validation_scores(capsys):
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    est = DropoutMLPClassifier(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.05,
        max_iter=8,
        early_stopping=True,
        validation_fraction=0.2,
        random_state=0,
    )
    _fit(est.set_params(verbose=True), X, y)
    scores = re.findall(r"^Validation score: (\S+)$", capsys.readouterr().out, re.M)
    assert len(scores) == est.n_iter_ and len(set(scores)) > 1
    np.testing.assert_allclose(
        [float(s) for s in scores], est.validation_scores_, atol=1e-6
    )


def test_verbose_2_shows_a_tqdm_bar_instead_of_lines(data, capsys):
    pytest.importorskip("tqdm")
    X, y = data
    est = _fit(_adam(verbose=2), X, y)
    out, err = capsys.readouterr()
    assert "Iteration" not in out
    assert "RidgeNet: 100%" in err and f"{est.n_iter_}/12" in err
    assert f"loss={est.loss_curve_[-1]:.6g}" in err


def test_verbose_2_without_tqdm_falls_back_to_lines(data, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import now fails
    X, y = data
    est = _fit(_adam(verbose=2), X, y)
    out, err = capsys.readouterr()
    assert out.count("Iteration ") == est.n_iter_ and "100%" not in err


def test_silent_by_default(data, capsys):
    X, y = data
    _fit(_adam(), X, y)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_callbacks_see_one_subtask_per_iteration(data, solver):
    X, y = data
    rec = Recorder()
    est = _fit(_adam(solver=solver, max_iter=8).set_callbacks(rec), X, y)
    unit = "epoch" if solver == "adam" else "iteration"
    iterations = [e for e in rec.events if e[1] == unit]
    # Each iteration begins before it runs; the last begun subtask is empty.
    assert iterations == [("begin", unit), ("end", unit)] * (est.n_iter_ + 1)
    assert rec.events[:2] == [("setup", "fit"), ("begin", "fit")]
    assert rec.events[-2:] == [("end", "fit"), ("teardown", "fit")]


def test_callback_fitted_estimator_follows_training(data):
    X, y = data
    rec = Recorder()
    est = _fit(_adam().set_callbacks(rec), X, y)
    assert len(rec.scores) == est.n_iter_
    # The copy handed to the last epoch's hook predicts as the final model does.
    assert rec.scores[-1] == pytest.approx(est.score(X, y), rel=1e-12)
    assert rec.scores[-1] > rec.scores[0]


def test_callback_can_stop_training(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a requested stop is quiet
        est = _adam(max_iter=50).set_callbacks(Recorder(stop_at=3)).fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3


def test_scoring_monitor_logs_every_epoch(data):
    X, y = data
    monitor = callback.ScoringMonitor(scoring="r2")
    est = _fit(_adam().set_callbacks(monitor), X, y)
    log = monitor.get_logs().data_as_pandas
    epochs = log[log["task_name"] == "epoch"]
    assert len(epochs) == est.n_iter_
    assert epochs["r2"].iloc[-1] == pytest.approx(est.score(X, y), rel=1e-12)


def test_callbacks_propagate_into_grid_search(data):
    X, y = data
    rec = PropagatedRecorder()
    search = GridSearchCV(_adam(max_iter=4), {"alpha": [0.1, 1.0]}, cv=2)
    _fit(search.set_callbacks(rec), X, y)
    # GridSearchCV's own fit, 4 candidate-fold fits and the refit, with their epochs.
    assert rec.events.count(("end", "fit")) == 1 + 4 + 1
    assert rec.events.count(("end", "epoch")) == (4 + 1) * (4 + 1)
    assert rec.scores[-1] == pytest.approx(search.best_estimator_.score(X, y))


def test_sklearn_progress_bar_inside_grid_search(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    search = GridSearchCV(_adam(max_iter=4), {"alpha": [0.1, 1.0]}, cv=2)
    _fit(search.set_callbacks(callback.ProgressBar()), X, y)
    out = capsys.readouterr().out
    # One bar per RidgeNet fit, nested under the search, each run to completion.
    for i in range(4):
        assert re.search(
            rf"candidate-split-evaluation \| RidgeNet - fit #{i} .*100%", out
        )
    assert re.search(r"refit-with-best-params \| RidgeNet - fit .*100%", out)
    np.testing.assert_allclose(
        search.best_estimator_.loss_curve_,
        _fit(_adam(max_iter=4, **search.best_params_), X, y).loss_curve_,
    )


def test_works_without_sklearn_callback_api():
    # scikit-learn < 1.9 has no sklearn.callback.CallbackSupportMixin.
    code = """
import sklearn.callback, sklearn.model_selection, sklearn.pipeline, sklearn.datasets
import sklearn.feature_selection  # skreg's StabilitySelection is a SelectorMixin
del sklearn.callback.CallbackSupportMixin  # scikit-learn itself is already imported
from sklearn.datasets import make_regression
from skreg import RidgeNet
X, y = make_regression(n_samples=50, n_features=3, random_state=0)
est = RidgeNet(hidden_layer_sizes=(), verbose=1).fit(X, y)
assert not hasattr(est, "set_callbacks")
print("R2", round(est.score(X, y), 3))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "Iteration 1, loss" in out and "R2 1.0" in out
