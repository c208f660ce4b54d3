"""The linear program of a linear quantile model (skreg/_solvers/linprog.py)."""

import numpy as np
import pytest
from sklearn.datasets import load_linnerud
from sklearn.linear_model import QuantileRegressor

from skreg import LassoNet, RidgeNet
from skreg._solvers.linprog import LinearProgram


def _data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, 4))
    y = X @ [1.0, -2.0, 0.0, 0.5] + rng.standard_t(3, n)
    return X, y


def test_zero_weight_rows_are_left_out():
    """As QuantileRegressor: a row of zero weight is not in the program, so the
    fit is that of the data without it, to the bit."""
    X, y = _data()
    sw = np.ones(len(y))
    sw[::7] = 0.0
    keep = sw > 0
    model = LassoNet((), loss="quantile", quantile=0.7, alpha=0.01)
    weighted = model.fit(X, y, sample_weight=sw).coef_.copy()
    dropped = model.fit(X[keep], y[keep]).coef_
    np.testing.assert_array_equal(weighted, dropped)


def test_several_outputs_without_a_penalty_are_one_program_each():
    X, Y = load_linnerud(return_X_y=True)
    model = RidgeNet((), loss="quantile", quantile=0.4, alpha=0.0).fit(X, Y)
    assert model.solver_ == "highs" and model.coef_.shape == (3, 3)
    for k in range(3):
        ref = QuantileRegressor(quantile=0.4, alpha=0.0).fit(X, Y[:, k])
        np.testing.assert_allclose(model.coef_[k], ref.coef_, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(model.intercept_[k], ref.intercept_, rtol=1e-10)


def test_float32_models_get_the_float64_program_rounded():
    X, y = _data()
    model = LassoNet((), loss="quantile", quantile=0.3, alpha=0.02)
    exact = model.fit(X, y).coef_
    rounded = model.fit(X.astype(np.float32), y.astype(np.float32)).coef_
    assert rounded.dtype == np.float32
    np.testing.assert_allclose(rounded, exact, rtol=1e-5, atol=1e-6)


def test_a_penalty_that_gains_an_l2_part_along_a_path_is_refused():
    """The solver is chosen at a path's first fit: an L2 part that appears at a
    later alpha (from alpha=0) cannot be handed to a linear program."""
    X, y = _data()
    model = RidgeNet((), loss="quantile", alpha=0.0, warm_start=True).fit(X, y)
    assert model.solver_ == "highs"
    prepared = model._prepare(X, y, None)
    model._fit_prepared(prepared)
    model.set_params(alpha=1.0)
    with pytest.raises(ValueError, match="cannot have an L2 part"):
        model._fit_prepared(prepared)
    assert LinearProgram.smooth_penalty is False
