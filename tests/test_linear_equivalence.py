"""With no hidden layer, skreg's estimators are scikit-learn's linear models.

Every case fits with default settings (``solver='auto'``, ``tol=1e-4``,
``max_iter=200``) and compares against scikit-learn run to a tight tolerance:
coefficients and intercepts to ``rtol=1e-4`` of the largest coefficient, and for
the L1 cases exactly the same set of zero coefficients. The scalings are those of
docs/objectives.md: ``Ridge(alpha)``, ``ElasticNet(alpha, l1_ratio)``,
``LogisticRegression(C=1/alpha)`` for RidgeNetClassifier and
``LogisticRegression(C=1/(n*alpha), l1_ratio)`` for LassoNetClassifier, where
``n`` is the sum of the sample weights.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_linnerud,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LogisticRegression,
    MultiTaskElasticNet,
    MultiTaskLasso,
    Ridge,
)
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, LassoNetClassifier, RidgeNet, RidgeNetClassifier

RTOL = 1e-4
ATOL_ZERO = 1e-8
TIGHT = {"tol": 1e-10, "max_iter": 100_000}


def _sparse_truth():
    """Uncentred, unevenly scaled features; 5 of 20 coefficients non-zero."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 20)) * rng.uniform(0.1, 10, 20) + rng.uniform(
        -5, 5, 20
    )
    coef = np.zeros(20)
    coef[[1, 4, 7, 12, 18]] = [3.0, -2.0, 1.5, 0.5, -1.0]
    y = X @ coef + 4.0 + rng.standard_normal(300)
    return X, y


def _make_regression():
    X, y = make_regression(
        n_samples=200,
        n_features=15,
        n_informative=8,
        bias=3.0,
        noise=5.0,
        random_state=0,
    )
    return X, y


REGRESSION = {
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "make_regression": _make_regression,
    "sparse_truth": _sparse_truth,
}


def _linnerud():
    """Three outputs, raw (uncentred) features."""
    return load_linnerud(return_X_y=True)


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _iris_binary():
    """Versicolor against virginica: the two overlapping iris classes."""
    X, y = load_iris(return_X_y=True)
    keep = y > 0
    return StandardScaler().fit_transform(X[keep]), y[keep]


def _weights(n, seed=0):
    return np.random.RandomState(seed).uniform(0.2, 3.0, n)


def _alpha_max(X, Y, sample_weight, l1_ratio):
    """Smallest alpha with an all-zero solution (scikit-learn's path grid)."""
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    Y = Y.reshape(len(Y), -1)
    Xc = X - np.average(X, axis=0, weights=w)
    Yc = Y - np.average(Y, axis=0, weights=w)
    grad = (Xc * w[:, None]).T @ Yc
    return np.linalg.norm(grad, axis=1).max() / (w.sum() * l1_ratio)


def _assert_same(ours, ref, *, sparse):
    """Coefficients and intercepts equal to RTOL of their scale; for L1 fits,
    also exactly the same zero set."""
    coef, ref_coef = np.asarray(ours.coef_), np.asarray(ref.coef_)
    assert coef.shape == ref_coef.shape
    scale = max(np.abs(ref_coef).max(), ATOL_ZERO / RTOL)
    np.testing.assert_allclose(coef, ref_coef, rtol=0, atol=RTOL * scale)
    intercept_scale = max(np.abs(ref.intercept_).max(), scale, ATOL_ZERO / RTOL)
    np.testing.assert_allclose(
        np.ravel(ours.intercept_),
        np.ravel(ref.intercept_),
        rtol=0,
        atol=RTOL * intercept_scale,
    )
    if sparse:
        np.testing.assert_array_equal(coef == 0, ref_coef == 0)


def _fit(model, X, y, sample_weight=None):
    """Fit with defaults; a ConvergenceWarning would mean max_iter was too low."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sample_weight)


# -- regression -----------------------------------------------------------------
@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data", sorted(REGRESSION))
def test_ridgenet_is_ridge(data, weighted, solver):
    X, y = REGRESSION[data]()
    sw = _weights(len(X)) if weighted else None
    for alpha in [1e-3, 1e-1, 10.0, 1e3]:
        ours = _fit(
            RidgeNet(hidden_layer_sizes=(), alpha=alpha, solver=solver), X, y, sw
        )
        ref = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
        # 'auto' is Newton: a squared loss is quadratic, one step solves it.
        assert ours.solver_ == ("newton" if solver == "auto" else "lbfgs")
        assert ours.n_iter_ == 1 or solver == "lbfgs"
        assert np.ndim(ours.coef_) == 1 and np.ndim(ours.intercept_) == 0
        _assert_same(ours, ref, sparse=False)


@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data", sorted(REGRESSION))
def test_lassonet_is_elastic_net(data, weighted, l1_ratio, solver):
    X, y = REGRESSION[data]()
    sw = _weights(len(X)) if weighted else None
    alpha_max = _alpha_max(X, y, sw, l1_ratio)
    n_zero = []
    # Four decades below alpha_max, and one above it (all coefficients zero).
    for alpha in alpha_max * np.array([1e-4, 1e-3, 1e-2, 1e-1, 0.5, 1.5]):
        ours = _fit(
            LassoNet(
                hidden_layer_sizes=(), alpha=alpha, l1_ratio=l1_ratio, solver=solver
            ),
            X,
            y,
            sw,
        )
        Ref = Lasso if l1_ratio == 1 else ElasticNet
        kwargs = {} if l1_ratio == 1 else {"l1_ratio": l1_ratio}
        ref = Ref(alpha=alpha, **kwargs, **TIGHT).fit(X, y, sample_weight=sw)
        # 'auto' is proximal Newton: the model of a squared loss is exact, and
        # one active-set solve of it is the solution, zeros included.
        assert ours.solver_ == ("newton" if solver == "auto" else "lbfgs")
        assert ours.n_iter_ == 1 or solver == "lbfgs"
        _assert_same(ours, ref, sparse=True)
        np.testing.assert_array_equal(ours.support_, ours.coef_ != 0)
        n_zero.append(int(np.sum(ours.coef_ == 0)))
    assert n_zero[-1] == X.shape[1]  # above alpha_max
    assert n_zero[0] < n_zero[-2]  # the support shrinks along the path


@pytest.mark.parametrize("weighted", [False, True])
def test_ridgenet_multi_output_is_ridge(weighted):
    X, Y = _linnerud()
    sw = _weights(len(X)) if weighted else None
    for alpha in [1e-2, 1.0, 1e2, 1e4]:
        ours = _fit(RidgeNet(hidden_layer_sizes=(), alpha=alpha), X, Y, sw)
        ref = Ridge(alpha=alpha).fit(X, Y, sample_weight=sw)
        assert ours.coef_.shape == (3, 3) and ours.intercept_.shape == (3,)
        _assert_same(ours, ref, sparse=False)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_lassonet_multi_output_is_multi_task_elastic_net(weighted, l1_ratio):
    """The group norm over outputs removes a feature from every output at once:
    MultiTaskElasticNet's penalty, not one ElasticNet per output."""
    X, Y = _linnerud()
    sw = np.random.RandomState(0).randint(1, 4, len(X)) if weighted else None
    # MultiTask* take no sample_weight: integer weights are repeated rows.
    X_ref, Y_ref = (X, Y) if sw is None else (np.repeat(X, sw, 0), np.repeat(Y, sw, 0))
    alpha_max = _alpha_max(X, Y, None if sw is None else sw.astype(float), l1_ratio)
    for alpha in alpha_max * np.array([1e-4, 1e-2, 0.1, 0.5, 1.5]):
        ours = _fit(
            LassoNet(hidden_layer_sizes=(), alpha=alpha, l1_ratio=l1_ratio), X, Y, sw
        )
        if l1_ratio == 1:
            ref = MultiTaskLasso(alpha=alpha, **TIGHT).fit(X_ref, Y_ref)
        else:
            ref = MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT)
            ref.fit(X_ref, Y_ref)
        assert ours.solver_ == "newton"
        _assert_same(ours, ref, sparse=True)
        # Whole columns (features) are zero or not, across all outputs.
        assert np.all(
            np.all(ours.coef_ == 0, axis=0) == np.any(ours.coef_ == 0, axis=0)
        )


# -- classification -------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_ridgenet_classifier_binary_is_logistic_regression(weighted):
    X, y = _breast_cancer()
    sw = _weights(len(X)) if weighted else None
    # Nearly separable at small alpha: L-BFGS would need more than its default
    # 200 iterations below alpha=0.1 (as LogisticRegression's own lbfgs does);
    # Newton, the default, takes 11 at alpha=0.01.
    for alpha in [0.01, 0.1, 1.0, 10.0, 1e3]:
        ours = _fit(RidgeNetClassifier(hidden_layer_sizes=(), alpha=alpha), X, y, sw)
        ref = LogisticRegression(C=1 / alpha, **TIGHT).fit(X, y, sample_weight=sw)
        _assert_same(ours, ref, sparse=False)
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-5
        )


@pytest.mark.parametrize("weighted", [False, True])
def test_ridgenet_classifier_multinomial_is_logistic_regression(weighted):
    X, y = _iris()
    sw = _weights(len(X)) if weighted else None
    for alpha in [1e-3, 1e-1, 10.0, 1e3]:
        ours = _fit(RidgeNetClassifier(hidden_layer_sizes=(), alpha=alpha), X, y, sw)
        ref = LogisticRegression(C=1 / alpha, **TIGHT).fit(X, y, sample_weight=sw)
        assert ours.coef_.shape == ref.coef_.shape == (3, 4)
        # Softmax intercepts are defined up to a common shift; both solvers
        # start at zero and their intercept gradients sum to zero, so both sum
        # to zero.
        _assert_same(ours, ref, sparse=False)
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-5
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
@pytest.mark.parametrize("data", ["breast_cancer", "iris"])
def test_ridgenet_classifier_class_weight_is_logistic_regression(
    data, class_weight, weighted
):
    # Class weights multiply the sample weights in both (n, their sum, too):
    # C = 1 / alpha still. Iris is made unbalanced (50, 25, 10 samples).
    if data == "iris":
        X, y = _iris()
        keep = np.r_[0:50, 50:75, 100:110]
        X, y = X[keep], y[keep]
    else:
        X, y = _breast_cancer()  # 212 and 357 samples
    sw = _weights(len(X)) if weighted else None
    cw = "balanced" if class_weight == "balanced" else {0: 0.3, 1: 4.0, 2: 1.5}
    if class_weight == "dict" and data == "breast_cancer":
        cw = {0: 0.3, 1: 4.0}
    for alpha in [0.1, 10.0]:
        ours = RidgeNetClassifier(hidden_layer_sizes=(), alpha=alpha, class_weight=cw)
        ours = _fit(ours, X, y, sw)
        ref = LogisticRegression(C=1 / alpha, class_weight=cw, **TIGHT)
        ref.fit(X, y, sample_weight=sw)
        _assert_same(ours, ref, sparse=False)
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=RTOL, atol=1e-8
        )


@pytest.mark.parametrize(
    "data, alphas",
    [
        (_iris_binary, [1e-4, 1e-3, 1e-2, 1e-1]),
        (_breast_cancer, [0.03, 0.3]),
    ],
    ids=["iris_binary", "breast_cancer"],
)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_lassonet_classifier_binary_is_elastic_net_logistic_regression(
    data, alphas, l1_ratio, weighted
):
    X, y = data()
    sw = _weights(len(X)) if weighted else None
    n = len(X) if sw is None else sw.sum()
    for alpha in alphas:
        ours = _fit(
            LassoNetClassifier(hidden_layer_sizes=(), alpha=alpha, l1_ratio=l1_ratio),
            X,
            y,
            sw,
        )
        ref = LogisticRegression(
            C=1 / (n * alpha), l1_ratio=l1_ratio, solver="saga", **TIGHT
        ).fit(X, y, sample_weight=sw)
        _assert_same(ours, ref, sparse=True)
        np.testing.assert_allclose(
            ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-5
        )


# -- optimality at the solution -------------------------------------------------
def _gradient(model, X, Y, sample_weight):
    """Gradient of the weighted mean data loss in the weights and intercepts."""
    w = np.ones(len(X)) if sample_weight is None else sample_weight
    w = w / w.sum()
    coef = np.atleast_2d(model.coef_)
    out = X @ coef.T + model.intercept_
    if isinstance(model, LassoNetClassifier):
        if coef.shape[0] == 1:
            residual = 1 / (1 + np.exp(-out)) - (Y == model.classes_[1])[:, None]
        else:
            proba = np.exp(out - out.max(1, keepdims=True))
            proba /= proba.sum(1, keepdims=True)
            residual = proba - (Y[:, None] == model.classes_)
    else:
        residual = out - Y.reshape(len(Y), -1)
    return (residual * w[:, None]).T @ X, residual.T @ w


@pytest.mark.parametrize(
    "make, data",
    [
        (LassoNet, lambda: load_diabetes(return_X_y=True)),
        (LassoNet, _sparse_truth),
        (LassoNet, _linnerud),
        (LassoNetClassifier, _breast_cancer),
        (LassoNetClassifier, _iris),
    ],
    ids=["diabetes", "sparse_truth", "linnerud", "breast_cancer", "iris_multinomial"],
)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_kkt_conditions(make, data, l1_ratio):
    """Subgradient optimality of the linear solution, feature by feature:
    ``||g_j|| <= l1`` where ``theta_j == 0``, ``g_j = -l1 theta_j / ||theta_j||``
    elsewhere, and a zero intercept gradient; ``g`` is the gradient of the smooth
    part, ``l1 = alpha * l1_ratio``."""
    X, Y = data()
    sw = _weights(len(X), seed=1)
    target = Y if make is LassoNet else (Y[:, None] == np.unique(Y)) * 1.0
    alpha = 0.7 * _alpha_max(X, target, sw, l1_ratio)
    model = _fit(make(hidden_layer_sizes=(), alpha=alpha, l1_ratio=l1_ratio), X, Y, sw)
    assert model.n_iter_ >= 1 and len(model.loss_curve_) == model.n_iter_
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    grad_coef, grad_intercept = _gradient(model, X, Y, sw)
    intercept_slack = 1e-6 * np.abs(target).max()
    theta = np.atleast_2d(model.coef_)
    grad = grad_coef + l2 * theta
    norms, grad_norms = np.linalg.norm(theta, axis=0), np.linalg.norm(grad, axis=0)
    zero = norms == 0
    assert zero.any() and not zero.all()  # both conditions are exercised
    slack = 1e-5 * l1
    assert np.all(grad_norms[zero] <= l1 + slack)
    np.testing.assert_allclose(
        grad[:, ~zero], -l1 * theta[:, ~zero] / norms[~zero], rtol=0, atol=slack
    )
    np.testing.assert_allclose(grad_intercept, 0, atol=intercept_slack)


def test_kkt_detects_a_wrong_solution():
    """The KKT check above can fail: the same check on a perturbed solution."""
    X, y = load_diabetes(return_X_y=True)
    model = _fit(LassoNet(hidden_layer_sizes=(), alpha=0.1), X, y)
    grad, _ = _gradient(model, X, y, None)
    zero = model.coef_ == 0
    assert np.all(np.abs(grad[0, zero]) <= 0.1 * (1 + 1e-5))
    model.coef_ = model.coef_ * 1.001
    grad, _ = _gradient(model, X, y, None)
    assert not np.allclose(
        grad[0, ~zero], -0.1 * np.sign(model.coef_[~zero]), atol=1e-6
    )


# -- iterations and convergence warnings ----------------------------------------
@pytest.mark.parametrize(
    "model, data, solver",
    [
        (
            RidgeNet(hidden_layer_sizes=(), alpha=1e-3, solver="lbfgs"),
            load_diabetes,
            "lbfgs",
        ),
        (
            LassoNet(hidden_layer_sizes=(), alpha=1e-3, solver="lbfgs"),
            load_diabetes,
            "lbfgs",
        ),
        (
            LassoNet(hidden_layer_sizes=(), alpha=1e-2, solver="fista"),
            load_linnerud,
            "fista",
        ),
        (RidgeNetClassifier(hidden_layer_sizes=(), alpha=1e-2), load_iris, "newton"),
        (
            LassoNetClassifier(hidden_layer_sizes=(), alpha=0.01),
            _breast_cancer,
            "newton",
        ),
        (LassoNetClassifier(hidden_layer_sizes=(), alpha=0.1), load_iris, "newton"),
    ],
    ids=[
        "ridge",
        "lasso",
        "multi_task_lasso",
        "logistic",
        "l1_logistic",
        "multinomial_l1",
    ],
)
def test_max_iter_raises_convergence_warning(model, data, solver):
    X, y = data() if data is _breast_cancer else data(return_X_y=True)
    converged = _fit(model, X, y)
    assert converged.solver_ == solver
    assert 2 < converged.n_iter_ <= converged.max_iter
    assert len(converged.loss_curve_) == converged.n_iter_
    coef = converged.coef_.copy()
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\) reached"):
        model.set_params(max_iter=2).fit(X, y)
    assert model.n_iter_ == 2
    assert not np.allclose(model.coef_, coef, rtol=RTOL, atol=0)


@pytest.mark.parametrize("solver", ["lbfgs", "fista"])
def test_tol_controls_precision(solver):
    """A looser tol stops earlier with a less precise solution (proximal Newton
    solves this squared loss in one step at any tol)."""
    X, y = load_diabetes(return_X_y=True)
    ref = Lasso(alpha=1e-3, **TIGHT).fit(X, y)
    errors, iters = [], []
    for tol in [1e-1, 1e-4]:
        model = LassoNet(hidden_layer_sizes=(), alpha=1e-3, tol=tol, solver=solver)
        model = _fit(model.set_params(max_iter=5000), X, y)
        errors.append(np.abs(model.coef_ - ref.coef_).max())
        iters.append(model.n_iter_)
    assert iters[0] < iters[1]
    assert errors[1] < errors[0]
    assert errors[1] <= RTOL * np.abs(ref.coef_).max()


# -- Newton ---------------------------------------------------------------------
def test_newton_is_auto_only_where_it_applies():
    X, y = load_diabetes(return_X_y=True)
    assert RidgeNet(hidden_layer_sizes=()).fit(X, y).solver_ == "newton"
    assert RidgeNet(hidden_layer_sizes=()).fit(sp.csr_matrix(X), y).solver_ == "newton"
    # More coefficients than a Hessian is worth: L-BFGS.
    wide = np.random.RandomState(0).standard_normal((50, 600))
    assert RidgeNet(hidden_layer_sizes=()).fit(wide, y[:50]).solver_ == "lbfgs"
    for model in [
        RidgeNet(hidden_layer_sizes=(4,), solver="newton"),
        LassoNet(hidden_layer_sizes=(4,), alpha=0.1, solver="newton"),
    ]:
        with pytest.raises(ValueError, match="solver='newton' needs a linear model"):
            model.fit(X, y)
    # The group L1 penalty of several outputs is not elementwise: proximal
    # Newton with group steps, FISTA beyond NEWTON_MAX_COEFS.
    X, Y = load_linnerud(return_X_y=True)
    assert LassoNet(hidden_layer_sizes=()).fit(X, Y).solver_ == "newton"
    wide_Y = np.random.RandomState(0).standard_normal((50, 3))
    assert LassoNet(hidden_layer_sizes=()).fit(wide, wide_Y).solver_ == "fista"
    with pytest.raises(ValueError, match="its L1 part is not elementwise"):
        LassoNet(hidden_layer_sizes=(), solver="lbfgs").fit(X, Y)


def test_newton_keeps_multinomial_intercepts_centred():
    # The softmax is unchanged by a common shift of the intercepts, so the
    # Hessian is singular along it; the solve must not wander along it.
    X, y = load_iris(return_X_y=True)
    ours = _fit(RidgeNetClassifier(hidden_layer_sizes=(), alpha=1e-3), X, y)
    ref = LogisticRegression(C=1e3, **TIGHT).fit(X, y)
    assert ours.solver_ == "newton"
    assert abs(ours.intercept_.sum()) < 1e-8
    _assert_same(ours, ref, sparse=False)


@pytest.mark.parametrize(
    "model, ref",
    [
        (RidgeNet(hidden_layer_sizes=(), alpha=0.1), Ridge(alpha=0.1)),
        (LassoNet(hidden_layer_sizes=(), alpha=0.1), Lasso(alpha=0.1, **TIGHT)),
    ],
    ids=["ridge", "lasso"],
)
def test_newton_on_float32_stops_at_its_resolution(model, ref):
    """float32 weights cannot meet the float64 tolerance: Newton stops when its
    step falls below their resolution, without a ConvergenceWarning."""
    X, y = load_diabetes(return_X_y=True)
    ours = _fit(model, X.astype(np.float32), y.astype(np.float32))
    ref.fit(X, y)
    assert ours.solver_ == "newton" and ours.n_iter_ <= 2
    assert ours.coef_.dtype == np.float32
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-5 * scale)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize(
    "model, data",
    [
        (RidgeNet(hidden_layer_sizes=(), alpha=0.1), "diabetes"),
        (LassoNet(hidden_layer_sizes=(), alpha=0.1, l1_ratio=0.7), "diabetes"),
        (RidgeNetClassifier(hidden_layer_sizes=(), alpha=0.01), "iris"),
        (LassoNetClassifier(hidden_layer_sizes=(), alpha=0.01), "iris_binary"),
    ],
    ids=["ridge", "elastic_net", "multinomial", "l1_logistic"],
)
def test_newton_on_sparse_input_equals_dense(model, data):
    """Sparse X: the Hessian's blocks ``X1^T diag(h) X1`` come from scipy's
    sparse products; the solution is the dense one, zeros included."""
    X, y = {
        "diabetes": REGRESSION["diabetes"],
        "iris": _iris,
        "iris_binary": _iris_binary,
    }[data]()
    X = np.where(np.abs(X) < 0.5 * np.abs(X).std(), 0.0, X)  # about a third zeros
    sw = _weights(len(X))
    dense = _fit(clone(model), X, y, sw)
    sparse = _fit(clone(model), sp.csr_matrix(X), y, sw)
    assert sparse.solver_ == dense.solver_ == "newton"
    assert sparse.n_iter_ == dense.n_iter_
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        sparse.intercept_, dense.intercept_, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(sparse.coef_ == 0, dense.coef_ == 0)


@pytest.mark.parametrize(
    "estimator", [RidgeNet, RidgeNetClassifier, LassoNet, LassoNetClassifier]
)
@pytest.mark.parametrize("sparse", [False, True])
def test_linear_fit_sample_weights_equal_repeated_rows(estimator, sparse):
    """scikit-learn's sample-weight check on the linear models, which skip the
    merging of duplicate rows (a convex fit has one solution): integer weights,
    zeros included, give the fit on repeated rows."""
    from sklearn.utils.estimator_checks import (
        check_sample_weight_equivalence_on_dense_data,
        check_sample_weight_equivalence_on_sparse_data,
    )

    check = (
        check_sample_weight_equivalence_on_sparse_data
        if sparse
        else check_sample_weight_equivalence_on_dense_data
    )
    check(estimator.__name__, estimator(hidden_layer_sizes=(), alpha=0.01))


def _lasso_objective(X, y, alpha, coef, intercept):
    return 0.5 * np.mean((y - X @ coef - intercept) ** 2) + alpha * np.abs(coef).sum()


@pytest.mark.parametrize("seed", range(3))
def test_lasso_with_more_features_than_samples(seed):
    """n < d at 1% of alpha_max: the active-set Hessians are singular, where a
    pseudo-inverse solve once stopped at a non-optimal point without a
    warning."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((30, 60))
    y = X[:, :5] @ rng.standard_normal(5) + 0.5 * rng.standard_normal(30)
    alpha = 0.01 * np.abs(X.T @ (y - y.mean())).max() / 30
    ours = LassoNet((), alpha=alpha).fit(X, y)
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(
        _lasso_objective(X, y, alpha, ours.coef_, ours.intercept_),
        _lasso_objective(X, y, alpha, ref.coef_, ref.intercept_),
        rtol=1e-8,
    )
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_multitask_lasso_with_more_features_than_samples(seed):
    """n < d with three outputs at 1e-5 of alpha_max: block sweeps and Newton
    on the non-zero groups stalled on the flat quadratic (200 outer iterations,
    12 s, a ConvergenceWarning and 30 times MultiTaskLasso's objective); the
    group solver now finishes with accelerated proximal gradient."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((20, 40))
    W = np.zeros((40, 3))
    W[:5] = rng.standard_normal((5, 3))
    Y = X @ W + 0.1 * rng.standard_normal((20, 3))
    Yc = Y - Y.mean(axis=0)
    alpha = 1e-5 * np.sqrt(((X.T @ Yc) ** 2).sum(axis=1)).max() / 20

    def objective(coef, intercept):
        residual = Y - X @ coef.T - intercept
        return (
            0.5 * (residual**2).sum() / 20 + alpha * np.linalg.norm(coef, axis=0).sum()
        )

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LassoNet((), alpha=alpha).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it does not converge
        ref = MultiTaskLasso(alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, Y)
    assert objective(ours.coef_, ours.intercept_) <= objective(
        ref.coef_, ref.intercept_
    ) * (1 + 1e-6)


@pytest.mark.parametrize("offset", [1e4, 1e6])
def test_uncentred_and_constant_features(offset):
    """A feature with a large mean (near-collinear with the intercept) and a
    constant one (exactly collinear): Newton works on centred inputs, as
    scikit-learn does, so both give scikit-learn's coefficients, the constant
    feature a zero."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 4))
    X[:, 0] += offset
    X[:, 1] = 3.0
    y = X[:, 0] + X[:, 2] - X[:, 3] + 0.1 * rng.standard_normal(200) + 2
    labels = (X[:, 0] - offset + X[:, 2] + rng.logistic(size=200) > 0).astype(int)
    pairs = [
        (RidgeNet((), alpha=1.0).fit(X, y), Ridge(alpha=1.0).fit(X, y)),
        (LassoNet((), alpha=0.01).fit(X, y), Lasso(alpha=0.01, tol=1e-12).fit(X, y)),
        (
            RidgeNetClassifier((), alpha=1.0).fit(X, labels),
            LogisticRegression(C=1.0, tol=1e-12).fit(X - X.mean(axis=0), labels),
        ),
    ]
    for ours, ref in pairs:
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-8)
        assert abs(np.ravel(ours.coef_)[1]) <= 1e-12  # the constant feature
    assert pairs[1][0].coef_[1] == 0  # an exact zero from the lasso


@pytest.mark.filterwarnings("ignore:An ill-conditioned matrix")  # Ridge's solve
def test_feature_in_tiny_units_is_not_singular():
    """A feature scaled by 1e8 puts 1e16 on the Hessian's diagonal: the
    singularity test is on the scaled matrix, so the others are not lost."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((100, 3))
    y = X @ [1.0, 1.0, 1.0] + 0.1 * rng.standard_normal(100)
    X[:, 0] *= 1e8
    np.testing.assert_allclose(
        RidgeNet((), alpha=1.0).fit(X, y).coef_,
        Ridge(alpha=1.0).fit(X, y).coef_,
        rtol=1e-6,
    )


def test_float32_logistic_path_converges():
    """Warm-started float32 logistic fits stop where the objective stops
    changing at float32 precision, not at max_iter with a warning."""
    X, y = make_classification(120, 5, n_informative=3, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    model = RidgeNetClassifier((), alpha=10.0, warm_start=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for alpha in [1.0, 0.1, 0.01]:
            assert model.set_params(alpha=alpha).fit(X, y).n_iter_ < 10


def test_linear_classifier_on_huge_inputs_raises_clear_error():
    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match="Scale the data"):
        RidgeNetClassifier(()).fit(X * 1e200, y)
