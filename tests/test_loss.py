"""The losses (skreg/_loss.py): values against scikit-learn's formulas,
closed-form gradients and Hessians against autograd, inverse links."""

import numpy as np
import pytest
import torch
from sklearn.metrics import (
    d2_pinball_score,
    d2_tweedie_score,
    log_loss,
    mean_pinball_loss,
    mean_poisson_deviance,
    r2_score,
)

from skreg._loss import (
    LogisticLoss,
    Loss,
    MultinomialLoss,
    PinballLoss,
    PoissonLoss,
    SquaredError,
    autograd_derivatives,
    regression_loss,
)

# (loss, outputs): one and three regression outputs, binary and multilabel
# (four labels) logistic, multinomial with four classes, Poisson with one and
# two outputs.
LOSSES = [
    (SquaredError(), 1),
    (SquaredError(), 3),
    (LogisticLoss(), 1),
    (LogisticLoss(), 4),
    (MultinomialLoss(), 4),
    (PoissonLoss(), 1),
    (PoissonLoss(), 2),
]
IDS = [
    "squared-1",
    "squared-3",
    "binary",
    "multilabel",
    "multinomial",
    "poisson-1",
    "poisson-2",
]


def _draw(loss, K, loss_targets, weighted, seed=0, n=30):
    rng = np.random.RandomState(seed + K)
    out = torch.tensor(rng.standard_normal((n, K)) * 3)
    Y, weight = loss_targets(rng, loss, n, K)
    return out, Y, (weight if weighted else None)


@pytest.mark.parametrize("loss, K", LOSSES, ids=IDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_loss_derivatives_equal_autograd(loss, K, weighted, loss_targets):
    """The losses' closed-form gradients and Hessians in the outputs, which
    Newton's method uses, equal autograd's of the losses themselves."""
    out, Y, weight = _draw(loss, K, loss_targets, weighted)
    expected = autograd_derivatives(loss, out, Y, weight)
    got = loss.derivatives(out, Y, weight)
    for a, b in zip(got, expected, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-15)
    # The value is the loss's own, and the gradient alone is the same.
    torch.testing.assert_close(got[0], loss.value(out, Y, weight), rtol=1e-13, atol=0)
    torch.testing.assert_close(
        loss.gradient(out.clone(), Y, weight), expected[1], rtol=1e-12, atol=1e-15
    )
    torch.testing.assert_close(
        Loss.gradient(loss, out, Y, weight), expected[1], rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("loss, K", LOSSES, ids=IDS)
def test_loss_values_follow_scikit_learn(loss, K, loss_targets):
    """The weighted mean over samples of: half the squared error summed over
    outputs (Ridge, MLPRegressor), scikit-learn's log-loss (binary and
    multinomial), and for multilabel the binary log-loss summed over labels
    (MLPClassifier's)."""
    out, Y, weight = _draw(loss, K, loss_targets, weighted=True)
    w = weight.numpy()
    value = float(loss.value(out, Y, weight))
    o, y = out.numpy(), Y.numpy()
    if isinstance(loss, SquaredError):
        expected = np.mean(w * 0.5 * ((o - y) ** 2).sum(axis=1))
    elif isinstance(loss, PoissonLoss):  # half the mean deviance, per output
        expected = sum(
            0.5 * mean_poisson_deviance(y[:, k], np.exp(o[:, k]), sample_weight=w)
            for k in range(K)
        )
        expected *= w.mean()
    elif isinstance(loss, MultinomialLoss):
        p = np.exp(o) / np.exp(o).sum(axis=1, keepdims=True)
        expected = log_loss(y, p, sample_weight=w, labels=range(K)) * w.mean()
    else:  # one log-loss per label
        p = 1 / (1 + np.exp(-o))
        expected = (
            sum(
                log_loss(y[:, k], p[:, k], sample_weight=w, labels=[0, 1])
                for k in range(K)
            )
            * w.mean()
        )
    assert value == pytest.approx(expected, rel=1e-12)
    # Unit weights are no weights.
    ones = torch.ones_like(weight)
    assert float(loss.value(out, Y, ones)) == pytest.approx(
        float(loss.value(out, Y, None)), rel=1e-14
    )


def test_loss_flags_and_inverse_links():
    out = torch.tensor([[-2.0, 0.0, 3.0]], dtype=torch.float64)
    squared, logistic, multinomial = SquaredError(), LogisticLoss(), MultinomialLoss()
    assert squared.quadratic and not logistic.quadratic and not multinomial.quadratic
    assert squared.smooth and logistic.smooth and multinomial.smooth
    assert torch.equal(squared.inverse_link(out), out)
    torch.testing.assert_close(logistic.inverse_link(out), 1 / (1 + torch.exp(-out)))
    probabilities = multinomial.inverse_link(out)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(1).double())
    for loss in (logistic, multinomial):
        torch.testing.assert_close(
            loss.log_inverse_link(out), torch.log(loss.inverse_link(out))
        )
    # Far in the tails the log is kept where the probability rounds to 0.
    assert float(logistic.log_inverse_link(torch.tensor([-800.0]))) == -800.0


def test_a_loss_with_only_a_value_gets_its_derivatives_by_autograd():
    """A new loss needs only ``value``: the solvers' gradient and Hessian come
    from autograd (here a Poisson deviance's half, with a log link)."""

    class HalfPoisson(Loss):
        def value(self, out, Y, weight=None):
            per_sample = (torch.exp(out) - Y * out).sum(dim=1)
            return (per_sample if weight is None else per_sample * weight).mean()

        def inverse_link(self, out):
            return torch.exp(out)

    loss = HalfPoisson()
    rng = np.random.RandomState(0)
    out = torch.tensor(rng.standard_normal((20, 2)))
    Y = torch.tensor(rng.poisson(2.0, size=(20, 2)), dtype=torch.float64)
    value, gradient, hessian = loss.derivatives(out, Y)
    torch.testing.assert_close(gradient, (torch.exp(out) - Y) / 20)
    torch.testing.assert_close(hessian, torch.diag_embed(torch.exp(out) / 20))
    torch.testing.assert_close(loss.gradient(out, Y), gradient)
    assert float(value) == pytest.approx(float(loss.value(out, Y)))


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.93])
@pytest.mark.parametrize("K", [1, 3])
def test_pinball_loss_is_mean_pinball_loss(quantile, K):
    """The weighted mean over samples of the pinball loss summed over outputs
    (``mean_pinball_loss`` per output); its gradient is autograd's away from
    the kinks, and zero on them."""
    rng = np.random.RandomState(K)
    loss = PinballLoss(quantile)
    out = torch.tensor(rng.standard_normal((40, K)))
    Y = torch.tensor(rng.standard_normal((40, K)))
    weight = torch.tensor(rng.uniform(0, 2, 40))
    w = weight.numpy()
    expected = w.mean() * sum(
        mean_pinball_loss(Y[:, k], out[:, k], sample_weight=w, alpha=quantile)
        for k in range(K)
    )
    assert float(loss.value(out, Y, weight)) == pytest.approx(expected, rel=1e-12)
    torch.testing.assert_close(
        loss.gradient(out, Y, weight), Loss.gradient(loss, out, Y, weight)
    )
    out[:5] = Y[:5]  # on the kink: the subgradient zero
    assert not loss.gradient(out, Y, weight)[:5].any()
    assert not loss.smooth and loss.piecewise_linear and not loss.quadratic


@pytest.mark.parametrize("weighted", [False, True])
def test_baselines_are_the_best_constants(weighted):
    """The output bias a network starts from: the constant minimising each
    loss, checked against every candidate constant."""
    rng = np.random.RandomState(0)
    Y = torch.tensor(rng.poisson(4.0, size=(50, 2)), dtype=torch.float64)
    weight = torch.tensor(rng.uniform(0, 2, 50)) if weighted else None
    assert SquaredError().baseline(Y, weight) is None
    poisson = PoissonLoss().baseline(Y, weight)
    mean = Y.mean(0) if weight is None else (weight @ Y) / weight.sum()
    torch.testing.assert_close(poisson, torch.log(mean))
    for quantile in [0.1, 0.5, 0.9]:
        loss = PinballLoss(quantile)
        best = loss.baseline(Y, weight)
        for k in range(2):
            column = Y[:, k : k + 1]
            values = [
                float(loss.value(torch.full_like(column, float(c)), column, weight))
                for c in torch.unique(column)
            ]
            constant = torch.full_like(column, float(best[k]))
            assert float(loss.value(constant, column, weight)) <= min(values) + 1e-12


def test_poisson_targets_scores_and_links():
    loss = PoissonLoss()
    loss.check_target(np.array([0.0, 2.5]))
    with pytest.raises(ValueError, match="out of the valid range of the loss"):
        loss.check_target(np.array([1.0, -0.1]))
    out = torch.tensor([[-800.0], [0.0], [3.0]], dtype=torch.float64)
    assert torch.all(loss.inverse_link(out) >= 0)
    torch.testing.assert_close(loss.inverse_link(out), torch.exp(out))
    rng = np.random.RandomState(0)
    y, pred = rng.poisson(3.0, 30).astype(float), rng.uniform(1, 5, 30)
    w = rng.uniform(0, 2, 30)
    assert np.average(loss.deviance(y, pred), weights=w) == pytest.approx(
        mean_poisson_deviance(y, pred, sample_weight=w)
    )
    assert loss.d2_score(y, pred, w) == pytest.approx(
        d2_tweedie_score(y, pred, sample_weight=w, power=1)
    )
    pinball = PinballLoss(0.3)
    assert np.mean(pinball.deviance(y, pred)) == pytest.approx(
        mean_pinball_loss(y, pred, alpha=0.3)
    )
    assert pinball.d2_score(y, pred, w) == pytest.approx(
        d2_pinball_score(y, pred, sample_weight=w, alpha=0.3)
    )
    assert SquaredError().d2_score(y, pred, w) == pytest.approx(
        r2_score(y, pred, sample_weight=w)
    )
    assert regression_loss("poisson", 0.5) is regression_loss("poisson", 0.2)
    assert regression_loss("quantile", 0.2).quantile == 0.2
    assert repr(regression_loss("quantile", 0.2)) == "PinballLoss(quantile=0.2)"
