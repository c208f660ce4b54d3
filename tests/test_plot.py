"""Display objects: the plotted data are the estimators' numbers."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from skreg import (
    LassoNet,
    LassoNetClassifier,
    LassoNetCV,
    LossCurveDisplay,
    RegularizationPathDisplay,
    RidgeNet,
    RidgeNetCV,
    StabilityPathDisplay,
    StabilitySelection,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_path_display_from_cv_estimator(diabetes):
    X, y = diabetes
    model = LassoNetCV(alphas=8, cv=3).fit(X, y)
    display = RegularizationPathDisplay.from_estimator(model, X, y)
    assert len(display.ax_) == 2 and display.figure_ is display.ax_[0].figure
    np.testing.assert_allclose(display.alphas, model.alphas_)
    assert len(display.lines_) == X.shape[1]
    # The path ends at the smallest alpha, where every feature is in.
    ends = [line.get_ydata()[-1] for line in display.lines_]
    assert np.count_nonzero(ends) == X.shape[1]
    np.testing.assert_allclose(
        display.score_line_.get_ydata(), model.score_path_.mean(axis=1)
    )
    for ax in display.ax_:
        assert ax.get_xscale() == "log"
        marks = [line.get_xdata()[0] for line in ax.get_lines()[-1:]]
        assert marks == [model.alpha_]
    assert display.ax_[1].get_ylabel() == "neg_mean_squared_error"


def test_path_display_plain_estimator_and_given_axes(diabetes):
    X, y = diabetes
    _, ax = plt.subplots()
    display = RegularizationPathDisplay.from_estimator(
        LassoNet(hidden_layer_sizes=()), X, y, alphas=5, ax=ax
    )
    assert list(display.ax_) == [ax] and display.score_line_ is None
    # At alpha_max every coefficient is zero.
    assert all(line.get_ydata()[0] == 0 for line in display.lines_)
    with pytest.raises(ValueError, match="Expected 2 Axes"):
        display.scores = np.ones((5, 3))
        display.plot(ax=ax)


def test_path_display_network_without_linear_part(diabetes):
    X, y = diabetes
    model = RidgeNetCV((4,), alphas=[1.0, 10.0], cv=2, max_iter=20).fit(X, y)
    display = RegularizationPathDisplay.from_estimator(model, X, y)
    assert len(display.ax_) == 1 and display.coefs is None
    with pytest.raises(ValueError, match="Nothing to plot"):
        RegularizationPathDisplay(np.ones(3)).plot()


def test_path_display_binary_classifier_coefs_are_signed():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X[:, :5])
    est = LassoNetClassifier(hidden_layer_sizes=())
    display = RegularizationPathDisplay.from_estimator(est, X, y, alphas=4)
    coef = est.set_params(alpha=display.alphas[-1]).fit(X, y).coef_
    assert coef.shape == (1, 5) and np.any(coef < 0)
    np.testing.assert_allclose(display.coefs[:, -1], coef[0], rtol=1e-6, atol=1e-8)


def test_path_display_errors_before_fitting(diabetes, monkeypatch):
    X, y = diabetes
    import skreg._plot

    def no_path(*args, **kwargs):
        raise AssertionError("the path was fitted")

    monkeypatch.setattr(skreg._plot, "regularization_path", no_path)
    with pytest.raises(ValueError, match="RidgeNet with hidden layers .* nothing"):
        RegularizationPathDisplay.from_estimator(RidgeNet((3,)), X, y)
    with pytest.raises(NotFittedError, match="LassoNetCV instance is not fitted"):
        RegularizationPathDisplay.from_estimator(LassoNetCV(), X, y)


def test_loss_curve_display(diabetes):
    X, y = diabetes
    model = RidgeNet(hidden_layer_sizes=(), alpha=0.1).fit(X, y)
    display = LossCurveDisplay.from_estimator(model)
    np.testing.assert_allclose(display.line_.get_ydata(), model.loss_curve_)
    assert display.validation_line_ is None
    stopped = RidgeNet(
        (8,), solver="adam", early_stopping=True, max_iter=15, random_state=0
    ).fit(X, y)
    display = LossCurveDisplay.from_estimator(stopped)
    np.testing.assert_allclose(
        display.validation_line_.get_ydata(), stopped.validation_scores_
    )
    cv = RidgeNetCV(cv=2).fit(X, y)
    display = LossCurveDisplay.from_estimator(cv)
    np.testing.assert_allclose(display.line_.get_ydata(), cv.estimator_.loss_curve_)


def test_path_display_from_cv_estimator_without_refitting(diabetes, monkeypatch):
    X, y = diabetes
    model = LassoNetCV(alphas=8, cv=3).fit(X, y)
    import skreg._plot

    def no_path(*args, **kwargs):
        raise AssertionError("the path was fitted")

    monkeypatch.setattr(skreg._plot, "regularization_path", no_path)
    display = RegularizationPathDisplay.from_estimator(model)
    np.testing.assert_allclose(display.coefs, model.coef_path_.mean(axis=0))
    np.testing.assert_allclose(display.n_selected, model.n_features_path_.mean(axis=1))
    np.testing.assert_allclose(
        display.score_line_.get_ydata(), model.score_path_.mean(axis=1)
    )
    # Several outputs: the folds' mean of each feature's weight norm; the
    # chosen l1_ratio's row.
    Y = np.column_stack([y, -y])
    multi = LassoNetCV(alphas=4, cv=2, l1_ratio=[0.5, 1.0]).fit(X, Y)
    display = RegularizationPathDisplay.from_estimator(multi)
    row = [0.5, 1.0].index(multi.l1_ratio_)
    norms = np.linalg.norm(multi.coef_path_[row], axis=1).mean(axis=0)
    np.testing.assert_allclose(display.coefs, norms)
    with pytest.raises(ValueError, match="X and y are needed together"):
        RegularizationPathDisplay.from_estimator(model, X)
    with pytest.raises(ValueError, match="X and y are needed together"):
        RegularizationPathDisplay.from_estimator(LassoNet())


def test_stability_path_display():
    X, y = make_regression(100, 6, n_informative=2, shuffle=False, random_state=0)
    selector = StabilitySelection(
        LassoNet(hidden_layer_sizes=()), n_resampling=4, alphas=10, random_state=0
    ).fit(X, y)
    display = StabilityPathDisplay.from_estimator(selector)
    assert len(display.lines_) == 6
    for j, line in enumerate(display.lines_):
        np.testing.assert_allclose(
            line.get_ydata(), selector.selection_probabilities_[j]
        )
    kept = [line.get_label() for line in display.lines_ if line.get_label()[0] == "x"]
    assert kept == ["x0", "x1"] and selector.get_support(indices=True).tolist() == [
        0,
        1,
    ]
    assert display.threshold_line_.get_ydata()[0] == selector.threshold
    assert display.ax_.get_xscale() == "log"
    with pytest.raises(TypeError, match="needs a StabilitySelection"):
        StabilityPathDisplay.from_estimator(LassoNet())
    with pytest.raises(NotFittedError):
        StabilityPathDisplay.from_estimator(StabilitySelection())
