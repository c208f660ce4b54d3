"""LassoNet's ``penalty_factor`` and ``groups``: glmnet's penalty factors and the
group lasso, against scikit-learn on rescaled columns, the group lasso's
optimality conditions, skglm, and one-hot categoricals along a path.
"""

import numpy as np
import pytest
import torch
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler, scale

from skreg import LassoNet, LassoNetClassifier, LassoNetCV, regularization_path
from skreg._groups import auto_groups
from skreg._path import _alpha_grid
from skreg.penalties import FeatureGroups, hier_prox

FACTORS = np.array([0.5, 1.0, 2.0, 0.3, 1.0, 3.0, 1.0, 0.2, 1.0, 1.5])


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return scale(X), (y - y.mean()) / y.std()


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "fista"])
def test_penalty_factor_is_lasso_on_rescaled_columns(diabetes, solver):
    """glmnet's rule: weights ``f_j`` on the L1 part are Lasso on ``x_j / f_j``,
    whose coefficients are ``f_j * beta_j``."""
    X, y = diabetes
    model = LassoNet(
        hidden_layer_sizes=(), alpha=0.05, penalty_factor=FACTORS, solver=solver
    ).fit(X, y)
    ref = Lasso(alpha=0.05, tol=1e-12, max_iter=100_000).fit(X / FACTORS, y)
    np.testing.assert_allclose(model.coef_, ref.coef_ / FACTORS, rtol=1e-4, atol=1e-7)
    assert model.solver_ == solver
    assert 0 < model.support_.sum() < X.shape[1]


def test_penalty_factor_elastic_net_is_augmented_lasso(diabetes):
    """With an L2 part (not weighted): ElasticNet's ridge term is extra rows
    ``sqrt(n alpha (1 - rho)) I``, which rescale with their columns; the Lasso
    on the augmented, rescaled data has ``alpha * rho * n / (n + d)``."""
    X, y = diabetes
    n, d = X.shape
    alpha, rho = 0.05, 0.6
    model = LassoNet(
        hidden_layer_sizes=(), alpha=alpha, l1_ratio=rho, penalty_factor=FACTORS
    ).fit(X, y)
    Xa = np.vstack([X - X.mean(0), np.sqrt(n * alpha * (1 - rho)) * np.eye(d)])
    ya = np.concatenate([y - y.mean(), np.zeros(d)])
    ref = Lasso(alpha=alpha * rho * n / (n + d), fit_intercept=False, tol=1e-12)
    ref.set_params(max_iter=100_000).fit(Xa / FACTORS, ya)
    np.testing.assert_allclose(model.coef_, ref.coef_ / FACTORS, rtol=1e-4, atol=1e-7)


def test_penalty_factor_on_a_classifier_is_logistic_on_rescaled_columns():
    X, y = load_diabetes(return_X_y=True)
    X, y = scale(X), (y > np.median(y)).astype(int)
    alpha = 0.02
    clf = LassoNetClassifier(
        hidden_layer_sizes=(), alpha=alpha, penalty_factor=FACTORS
    ).fit(X, y)
    ref = LogisticRegression(
        C=1 / (len(y) * alpha), l1_ratio=1.0, solver="saga", tol=1e-10, max_iter=50_000
    ).fit(X / FACTORS, y)
    np.testing.assert_allclose(
        clf.coef_.ravel(), ref.coef_.ravel() / FACTORS, rtol=1e-3, atol=1e-5
    )


def test_zero_penalty_factor_is_never_penalised(diabetes):
    """A factor of zero keeps the feature at any alpha; the others leave."""
    X, y = diabetes
    f = np.ones(X.shape[1])
    f[[2, 8]] = 0
    model = LassoNet(hidden_layer_sizes=(), alpha=100.0, penalty_factor=f).fit(X, y)
    np.testing.assert_array_equal(np.flatnonzero(model.support_), [2, 8])
    ols = np.linalg.lstsq(X[:, [2, 8]] - X[:, [2, 8]].mean(0), y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_[[2, 8]], ols, rtol=1e-6)
    net = LassoNet(
        hidden_layer_sizes=(8,), alpha=100.0, penalty_factor=f, random_state=0
    ).fit(X, y)
    assert set(np.flatnonzero(net.support_)) == {2, 8}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adaptive_lasso_keeps_the_support_with_less_bias(seed):
    """The adaptive lasso (weights ``1 / |beta_ridge|``, Zou 2006) at
    ``alpha='auto'``: the true support, and coefficients closer to the truth
    than the plain Lasso's, whose equal shrinkage biases the large ones."""
    rng = np.random.RandomState(seed)
    n, d = 200, 30
    X = scale(rng.randn(n, d) + 0.7 * rng.randn(n, 1))  # correlated
    beta = np.zeros(d)
    beta[:4] = [2.0, -1.5, 1.0, 0.8]
    y = X @ beta + rng.randn(n)
    ridge = np.linalg.solve(X.T @ X + np.eye(d), X.T @ (y - y.mean()))
    plain = LassoNet(hidden_layer_sizes=()).fit(X, y)
    adaptive = LassoNet(hidden_layer_sizes=(), penalty_factor=1 / np.abs(ridge))
    adaptive.fit(X, y)
    np.testing.assert_array_equal(np.flatnonzero(adaptive.support_), [0, 1, 2, 3])
    error = np.linalg.norm(adaptive.coef_ - beta)
    assert error < np.linalg.norm(plain.coef_ - beta)


# -- groups -------------------------------------------------------------------

GROUPS = [[0, 1, 2], [3, 4, 5], [6, 7]]


def _grouped_data(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = scale(rng.randn(n, 9))
    y = X @ np.array([1, -1, 0.5, 0, 0, 0, 0.3, 0, 0]) + 0.5 * rng.randn(n)
    return X, y


def _group_kkt(X, y, coef, intercept, groups, lam):
    """Largest violation of the group lasso's optimality conditions."""
    grad = -X.T @ (y - X @ coef - intercept) / len(y)
    worst = 0.0
    for g, idx in enumerate(groups):
        norm = np.linalg.norm(coef[idx])
        if norm > 0:
            worst = max(worst, np.abs(grad[idx] + lam[g] * coef[idx] / norm).max())
        else:
            worst = max(worst, np.linalg.norm(grad[idx]) - lam[g])
    return worst


@pytest.mark.parametrize("solver", ["newton", "fista"])
def test_linear_groups_meet_the_group_lasso_conditions(solver):
    X, y = _grouped_data()
    alpha = 0.1
    model = LassoNet(
        hidden_layer_sizes=(), alpha=alpha, groups=GROUPS, solver=solver
    ).fit(X, y)
    groups = [np.array(g) for g in GROUPS] + [np.array([8])]
    lam = alpha * np.sqrt([3, 3, 2, 1])
    assert _group_kkt(X, y, model.coef_, model.intercept_, groups, lam) < 1e-6
    assert not model.support_[3:6].any() and model.support_[:3].all()
    assert [list(g) for g in model.groups_] == [*GROUPS, [8]]


@pytest.mark.filterwarnings("ignore:'@' is faster on contiguous arrays")
def test_linear_groups_equal_skglm():
    skglm = pytest.importorskip("skglm")
    from skglm.datafits import QuadraticGroup
    from skglm.penalties import WeightedGroupL2
    from skglm.solvers import GroupBCD

    X, y = _grouped_data(seed=1)
    alpha = 0.05
    model = LassoNet(hidden_layer_sizes=(), alpha=alpha, groups=GROUPS).fit(X, y)
    ptr = np.array([0, 3, 6, 8, 9], dtype=np.int32)
    indices = np.arange(9, dtype=np.int32)
    weights = np.sqrt(np.diff(ptr)).astype(np.float64)
    penalty = WeightedGroupL2(alpha, weights, ptr, indices)
    datafit = QuadraticGroup(ptr, indices)
    solver = GroupBCD(tol=1e-12, max_iter=1000, fit_intercept=False)
    coef = solver.solve(X - X.mean(0), y - y.mean(), datafit, penalty)[0]
    assert skglm is not None
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-4, atol=1e-8)


def test_grouped_hier_prox_is_hier_prox_on_each_group():
    """A group's entries form one column of Hier-Prox's problem; groups of one
    feature give the feature-wise operator."""
    gen = torch.Generator().manual_seed(0)
    theta, W = torch.randn(2, 7, generator=gen), torch.randn(5, 7, generator=gen)
    groups = FeatureGroups(np.array([0, 1, 0, 2, 1, 1, 3]), np.ones(4))
    from skreg.penalties import grouped_hier_prox

    new_theta, new_W = theta.clone(), W.clone()
    lam = torch.tensor([0.3, 0.5, 0.1, 2.0], dtype=theta.dtype)
    grouped_hier_prox(new_theta, new_W, lam, 2.0, groups)
    for g in range(4):
        cols = np.flatnonzero(groups.index == g)
        t, w = hier_prox(
            theta[:, cols].reshape(-1, 1), W[:, cols].reshape(-1, 1), lam[g], 2.0
        )
        torch.testing.assert_close(new_theta[:, cols], t.reshape(2, -1))
        torch.testing.assert_close(new_W[:, cols], w.reshape(5, -1))
    # The hierarchy per group: ||W_g||_inf <= M ||theta_g||.
    for g in range(4):
        cols = np.flatnonzero(groups.index == g)
        bound = 2.0 * torch.linalg.vector_norm(new_theta[:, cols])
        assert new_W[:, cols].abs().max() <= bound + 1e-6
    single = FeatureGroups(np.arange(7), np.ones(7))
    a, b = theta.clone(), W.clone()
    grouped_hier_prox(a, b, torch.full((7,), 0.4, dtype=theta.dtype), 2.0, single)
    expected = hier_prox(theta, W, 0.4, 2.0)
    torch.testing.assert_close(a, expected[0])
    torch.testing.assert_close(b, expected[1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver, alpha", [("fista", 1.0), ("adam", 3.0)])
def test_network_groups_enter_and_leave_whole(solver, alpha):
    X, y = _grouped_data()
    y = y + X[:, 6] ** 2  # a nonlinear effect in the last group
    model = LassoNet(
        hidden_layer_sizes=(8,),
        alpha=alpha,
        groups=GROUPS,
        solver=solver,
        random_state=0,
        max_iter=300,
    )
    model.fit(X, y)
    theta = model.module_.theta.detach().numpy()
    W = model.module_.first_hidden.detach().numpy()
    for g in [*GROUPS, [8]]:
        norm = np.linalg.norm(theta[:, g])
        assert model.support_[g].all() or not model.support_[g].any()
        assert np.abs(W[:, g]).max() <= model.M * norm + 1e-6
    assert not model.support_.all() and model.support_.any()


def _categorical_frame(n=300, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue", "light_grey"], n),
            "shape": rng.choice(["round", "square", "star"], n),
            "size": rng.choice(list("abcde"), n),
            "weight": rng.randn(n),
            "noise_level": rng.randn(n),
        }
    )
    effect = {"red": 1.5, "green": -1.0, "blue": 0.0, "light_grey": 0.5}
    y = frame["color"].map(effect).to_numpy() + frame["weight"].to_numpy()
    y = y + 0.3 * (frame["shape"] == "star") + 0.5 * rng.randn(n)
    encode = ColumnTransformer(
        [
            ("onehot", OneHotEncoder(sparse_output=False), ["color", "shape", "size"]),
            ("num", StandardScaler(), ["weight", "noise_level"]),
        ]
    ).set_output(transform="pandas")
    return encode.fit_transform(frame), y


def test_auto_groups_read_one_hot_names():
    X, _ = _categorical_frame()
    groups = auto_groups(X.columns)
    names = [[X.columns[j] for j in g] for g in groups]
    assert [len(g) for g in groups] == [4, 3, 5, 1, 1]
    assert set(names[0]) == {
        "onehot__color_blue",
        "onehot__color_green",
        "onehot__color_light_grey",
        "onehot__color_red",
    }
    assert names[3:] == [["num__weight"], ["num__noise_level"]]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_categoricals_enter_and_leave_whole_along_a_path():
    """Known truth: color and weight matter, shape a little, size not at all.
    Along the linear path and a network's, every categorical is in or out as a
    whole, and color enters before size."""
    X, y = _categorical_frame()
    groups = auto_groups(X.columns)
    for model in (
        LassoNet(hidden_layer_sizes=(), groups="auto"),
        LassoNet(hidden_layer_sizes=(8,), groups="auto", random_state=0),
    ):
        path = regularization_path(model, X, y, alphas=12)
        coefs = path.coefs.reshape(-1, X.shape[1], len(path.alphas))
        used = np.abs(coefs).sum(axis=0) > 0  # (n_features, n_alphas)
        for g in groups:
            assert (used[g].all(axis=0) | ~used[g].any(axis=0)).all()
        color, size = groups[0], groups[2]
        assert used[color].sum() > used[size].sum()


def test_groups_auto_in_cv_and_the_weighted_alpha_max():
    X, y = _categorical_frame()
    groups = auto_groups(X.columns)
    cv = LassoNetCV(groups="auto", alphas=8, cv=3).fit(X, y)
    support = np.abs(cv.coef_) > 0
    for g in groups:
        assert support[g].all() or not support[g].any()
    assert support[groups[0]].all()
    # The weighted alpha_max: every group out at it, one in just below.
    model = LassoNet(hidden_layer_sizes=(), groups=groups)
    alpha_max = _alpha_grid(model, X.to_numpy(), y, n_alphas=1, eps=1.0)[0]
    above = model.set_params(alpha=alpha_max * 1.001).fit(X, y)
    assert not above.support_.any()
    below = LassoNet(hidden_layer_sizes=(), groups=groups, alpha=alpha_max * 0.99)
    kept = below.fit(X, y).support_
    assert any(kept[g].all() for g in groups) and kept.sum() < X.shape[1]
    # alpha='auto' drops size and noise_level, keeps color and weight.
    auto = LassoNet(hidden_layer_sizes=(), groups="auto").fit(X, y)
    assert auto.support_[groups[0]].all() and auto.support_[groups[3]].all()
    assert not auto.support_[groups[2]].any()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"groups": [[0, 1], [1, 2]]}, "must not overlap"),
        ({"groups": [[0, 12]]}, "out of range"),
        ({"groups": [[]]}, "non-empty lists"),
        ({"groups": "auto"}, "feature names"),
        ({"penalty_factor": -np.ones(10)}, "non-negative"),
        ({"penalty_factor": np.ones(3)}, "expected one per feature"),
        ({"groups": [[0, 1]], "penalty_factor": np.arange(10.0)}, "equal within"),
    ],
)
def test_invalid_groups_and_factors_raise(diabetes, params, match):
    X, y = diabetes
    with pytest.raises(ValueError, match=match):
        LassoNet(hidden_layer_sizes=(), alpha=0.1, **params).fit(X, y)


def test_penalty_factor_per_group(diabetes):
    """One factor per group (of ``groups_``) scales that group's weight."""
    X, y = diabetes
    groups = [[0, 1], [2, 3, 4]]
    per_group = np.array([0.0, 2.0] + [1.0] * 5)
    per_feature = np.array([0.0, 0.0, 2.0, 2.0, 2.0] + [1.0] * 5)
    a = LassoNet(
        hidden_layer_sizes=(), alpha=0.2, groups=groups, penalty_factor=per_group
    ).fit(X, y)
    b = LassoNet(
        hidden_layer_sizes=(), alpha=0.2, groups=groups, penalty_factor=per_feature
    ).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_)
    assert a.support_[[0, 1]].all()  # unpenalised


def test_grouped_model_saves_and_pickles(diabetes, tmp_path):
    import pickle

    import skreg

    X, y = diabetes
    model = LassoNet(
        hidden_layer_sizes=(4,),
        alpha=0.5,
        groups=[[0, 1], [2, 3, 4]],
        penalty_factor=np.array([1.0, 2.0, 0.0, 1, 1, 1, 1]),
        random_state=0,
        max_iter=20,
    )
    with pytest.warns(Warning):  # ConvergenceWarning at max_iter=20
        model.fit(X, y)
    skreg.save(model, tmp_path / "m.npz")
    for loaded in (skreg.load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        assert [list(g) for g in loaded.groups_] == [
            [0, 1],
            [2, 3, 4],
            *[[j] for j in range(5, 10)],
        ]


def test_stability_selection_keeps_whole_groups():
    """``groups='auto'`` reaches the half-sample fits; the 'support' rule then
    selects categoricals as a whole (the 'mean' rule compares single columns)."""
    from skreg import StabilitySelection

    X, y = _categorical_frame()
    selector = StabilitySelection(
        LassoNet(hidden_layer_sizes=(), groups="auto"),
        base_selection="support",
        n_resampling=5,
        n_features_per_fit=8,
        random_state=0,
    ).fit(X, y)
    support = selector.get_support()
    for g in auto_groups(X.columns):
        assert support[g].all() or not support[g].any()
    assert support[auto_groups(X.columns)[0]].all()  # color
