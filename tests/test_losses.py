"""The ``loss`` parameter of the regressors: Poisson and pinball losses on
networks, their targets, tags and predictions, paths and cross-validation.

The linear cases against scikit-learn's GLMs are in
``tests/test_linear_equivalence_losses.py``; the loss objects themselves in
``tests/test_loss.py``.
"""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.linear_model import PoissonRegressor, QuantileRegressor
from sklearn.metrics import make_scorer, mean_pinball_loss, mean_poisson_deviance
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from skreg import (
    DropoutMLP,
    LassoNet,
    LassoNetCV,
    RidgeNet,
    RidgeNetCV,
    load,
    regularization_path,
    save,
)

REGRESSORS = [RidgeNet, LassoNet, DropoutMLP, RidgeNetCV, LassoNetCV]


def _counts(n=1200, seed=0):
    """Counts with a non-linear log mean, from 1 to about 150."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 4))
    mu = np.exp(1 + np.sin(3 * X[:, 0]) + 1.5 * X[:, 1] ** 2 - X[:, 2])
    return X, rng.poisson(mu).astype(float)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- parameters, targets, tags ------------------------------------------------------
@pytest.mark.parametrize("Est", REGRESSORS)
def test_negative_targets_get_poisson_regressors_error(Est, diabetes):
    X, y = diabetes
    message = PoissonRegressor().fit
    with pytest.raises(ValueError) as expected:
        message(X, y - 100)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        Est(loss="poisson").fit(X, y - 100)
    # Zeros are counts.
    y0 = np.where(y > 150, y, 0.0)
    Est(hidden_layer_sizes=(), loss="poisson").fit(X, y0)


@pytest.mark.parametrize("Est", REGRESSORS)
def test_invalid_loss_and_quantile_fail_at_fit(Est, diabetes):
    X, y = diabetes
    for params in [{"loss": "huber"}, {"quantile": 0.0}, {"quantile": 1.0}]:
        with pytest.raises(InvalidParameterError, match=next(iter(params))):
            Est(**params).fit(X, y)


@pytest.mark.parametrize("Est", REGRESSORS)
def test_poisson_declares_positive_targets(Est):
    assert get_tags(Est(loss="poisson")).target_tags.positive_only
    assert not get_tags(Est()).target_tags.positive_only
    assert not get_tags(Est(loss="quantile")).target_tags.positive_only


# -- Poisson networks -----------------------------------------------------------------
def test_poisson_network_predicts_exp_of_its_output_and_fits_counts_better():
    """The output is log(mu): predictions are exp of it, positive everywhere,
    far outside the data too; on counts with a non-linear log mean the Poisson
    network has a lower held-out Poisson deviance than the squared error's."""
    X, y = _counts()
    poisson = RidgeNet((32,), loss="poisson", random_state=0, max_iter=500)
    poisson.fit(X[:800], y[:800])
    out = poisson._output(X[800:]).numpy()[:, 0]
    np.testing.assert_allclose(poisson.predict(X[800:]), np.exp(out), rtol=1e-12)
    assert np.all(poisson.predict(X * 100) > 0)
    squared = RidgeNet((32,), random_state=0, max_iter=500).fit(X[:800], y[:800])
    clipped = np.clip(squared.predict(X[800:]), 1e-3, None)
    assert mean_poisson_deviance(y[800:], poisson.predict(X[800:])) < 0.9 * (
        mean_poisson_deviance(y[800:], clipped)
    )


def test_poisson_network_starts_at_the_log_mean():
    """The output bias starts at log(mean y), the best constant: one iteration
    of a network with zero weights is that constant."""
    X, y = _counts(200)
    model = RidgeNet((4,), loss="poisson", alpha=1e6, random_state=0).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y.mean(), rtol=1e-3)


@pytest.mark.parametrize("solver", ["lbfgs", "fista", "adam"])
def test_every_solver_trains_a_poisson_network(solver):
    X, y = _counts(600)
    model = LassoNet((16,), loss="poisson", alpha=1e-3, random_state=0)
    if solver != "fista":  # LassoNet's hierarchy needs a proximal solver
        model = RidgeNet((16,), loss="poisson", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an iteration limit is not the point
        model.set_params(solver=solver).fit(X[:400], y[:400])
    pred = model.predict(X[400:])
    assert np.all(np.isfinite(pred)) and np.all(pred > 0)
    null = mean_poisson_deviance(y[400:], np.full(200, y[:400].mean()))
    assert mean_poisson_deviance(y[400:], pred) < 0.6 * null


def test_mc_dropout_spread_is_that_of_the_predictions():
    """With the Poisson loss the Monte-Carlo mean and spread are those of the
    passes' predictions, exp(output), not exp of the outputs' mean and spread."""
    X, y = _counts(300)
    model = DropoutMLP((16,), loss="poisson", dropout=0.2, random_state=0).fit(X, y)
    mean, std = model.predict(X[:20], return_std=True)
    passes = np.exp(model._mc_outputs(X[:20]).numpy()[..., 0])
    np.testing.assert_allclose(mean, passes.mean(0), rtol=1e-10)
    np.testing.assert_allclose(std, passes.std(0, ddof=1), rtol=1e-10)
    assert np.all(mean > 0) and np.all(std > 0)


# -- quantile networks -------------------------------------------------------------
def test_quantile_networks_bracket_held_out_data(friedman_split):
    """A network trained at the 0.1- and 0.9-quantiles leaves about a tenth of
    held-out targets below and above it, and stays below the other (with
    enough penalty: at alpha=1 the 400 rows are overfitted, 0.25 and 0.22)."""
    X, y, X_held, y_held = friedman_split
    low, high = (
        RidgeNet(
            (16,), loss="quantile", quantile=q, alpha=3.0, batch_size=32, random_state=0
        ).fit(X, y)
        for q in (0.1, 0.9)
    )
    assert low.solver_ == "adam"
    below = np.mean(y_held < low.predict(X_held))
    above = np.mean(y_held > high.predict(X_held))
    assert 0.03 <= below <= 0.2 and 0.03 <= above <= 0.2
    assert np.mean(low.predict(X_held) < high.predict(X_held)) >= 0.97
    # The median network is a regressor like any other.
    median = RidgeNet((16,), loss="quantile", alpha=3.0, batch_size=32, random_state=0)
    assert median.fit(X, y).score(X_held, y_held) > 0.6


def test_quantile_network_starts_at_the_quantile():
    """The output bias starts at the training quantile: a network that cannot
    move its weights predicts that constant."""
    X, y = _counts(300)
    model = RidgeNet((4,), loss="quantile", quantile=0.7, alpha=1e8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    expected = np.quantile(y, 0.7, method="inverted_cdf")
    np.testing.assert_allclose(model.predict(X), expected, atol=0.05)


def test_loss_curve_is_the_pinball_objective(diabetes):
    X, y = diabetes
    model = LassoNet((), loss="quantile", quantile=0.25, alpha=0.3).fit(X, y)
    expected = (
        mean_pinball_loss(y, model.predict(X), alpha=0.25)
        + 0.3 * np.abs(model.coef_).sum()
    )
    assert model.loss_curve_ == [pytest.approx(expected, rel=1e-12)]


def test_predictions_keep_the_fitted_loss_until_refit(diabetes):
    X, y = diabetes
    model = RidgeNet((), loss="poisson", alpha=0.1).fit(X, y)
    before = model.predict(X)
    model.set_params(loss="squared_error")
    np.testing.assert_array_equal(model.predict(X), before)
    assert not np.allclose(model.fit(X, y).predict(X), before, rtol=1e-3)


@pytest.mark.parametrize("loss", ["poisson", "quantile"])
def test_models_of_every_loss_persist(loss, diabetes, tmp_path):
    X, y = diabetes
    model = LassoNet((8,), loss=loss, quantile=0.2, random_state=0, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    expected = model.predict(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict(X), expected
    )
    save(model, tmp_path / "model.npz")
    np.testing.assert_array_equal(load(tmp_path / "model.npz").predict(X), expected)


def test_early_stopping_scores_the_share_of_deviance_explained():
    """Early stopping's validation score under the Poisson loss is D² (the
    share of Poisson deviance explained, PoissonRegressor's ``score``)."""
    X, y = _counts(600)
    model = RidgeNet(
        (16,), loss="poisson", solver="adam", early_stopping=True, random_state=0
    ).fit(X, y)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert 0.3 < model.best_validation_score_ < 1


# -- paths and cross-validation ------------------------------------------------------
def test_quantile_path_starts_empty_and_scores_the_pinball_loss(diabetes):
    X, y = diabetes
    model = LassoNet((), loss="quantile", quantile=0.9)
    path = regularization_path(model, X, y, alphas=6, X_val=X[:100], y_val=y[:100])
    assert path.n_selected[0] == 0 and path.n_selected[-1] == X.shape[1]
    assert np.all(np.diff(path.alphas) < 0)
    fitted = path.estimator
    assert path.scores[-1] == pytest.approx(
        -mean_pinball_loss(y[:100], fitted.predict(X[:100]), alpha=0.9)
    )
    # Every point of the path is QuantileRegressor's fit at that alpha.
    ref = QuantileRegressor(quantile=0.9, alpha=path.alphas[2]).fit(X, y)
    np.testing.assert_allclose(path.coefs[:, 2], ref.coef_, atol=1e-6)


def test_lassonet_cv_quantile_is_grid_search_of_quantile_regressor(diabetes):
    """Same folds, same alphas, the mean pinball loss as the default score:
    the same fold scores and the same alpha as GridSearchCV."""
    X, y = diabetes
    cv = LassoNetCV(loss="quantile", quantile=0.8, alphas=6).fit(X, y)
    grid = GridSearchCV(
        QuantileRegressor(quantile=0.8),
        {"alpha": cv.alphas_},
        cv=KFold(5),
        scoring=make_scorer(mean_pinball_loss, alpha=0.8, greater_is_better=False),
    ).fit(X, y)
    scores = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(5)])
    np.testing.assert_allclose(cv.score_path_, scores.T, rtol=1e-10)
    assert cv.alpha_ == grid.best_params_["alpha"]
    assert cv._default_scoring() == "neg_mean_pinball_loss"


def test_ridgenet_cv_poisson_is_grid_search_of_poisson_regressor(diabetes):
    """440 rows in 5 folds: every training fold has n = 352 rows, so
    RidgeNet(alpha) is PoissonRegressor(alpha / 352) on each, scored by the
    mean Poisson deviance."""
    X, y = diabetes
    X, y = X[:440], np.round(y[:440] / 20)
    cv = RidgeNetCV(loss="poisson", alphas=6).fit(X, y)
    grid = GridSearchCV(
        PoissonRegressor(solver="newton-cholesky", tol=1e-10),
        {"alpha": cv.alphas_ / 352},
        cv=KFold(5),
        scoring="neg_mean_poisson_deviance",
    ).fit(X, y)
    scores = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(5)])
    np.testing.assert_allclose(cv.score_path_, scores.T, rtol=1e-6)
    assert cv.alpha_ / 352 == grid.best_params_["alpha"]
    assert cv.predict(X).min() > 0


def test_quantile_network_cv_chooses_by_pinball_loss(friedman_split):
    X, y, X_held, y_held = friedman_split
    cv = RidgeNetCV(
        (16,), loss="quantile", quantile=0.9, alphas=4, cv=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv.fit(X, y)
    assert cv.score_path_.shape == (4, 3) and np.all(cv.score_path_ < 0)
    assert np.all(cv.alphas_[:-1] < cv.alphas_[1:])  # a network: dense to sparse
    assert cv.estimator_.loss == "quantile" and cv.estimator_.quantile == 0.9
    assert 0.03 <= np.mean(y_held > cv.predict(X_held)) <= 0.25


def test_cv_estimators_reject_negative_counts_before_any_fold(diabetes):
    X, y = diabetes
    cv = LassoNetCV(loss="poisson", cv=[(np.arange(10), np.arange(10, 20))])
    with pytest.raises(ValueError, match="HalfPoissonLoss"):
        cv.fit(X, y - 200)
    assert not hasattr(cv, "alpha_")
    assert clone(cv).get_params()["loss"] == "poisson"
