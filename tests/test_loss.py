"""The losses (skreg/_loss.py): values against scikit-learn's formulas,
closed-form gradients and Hessians against autograd, inverse links."""

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from skreg._loss import (
    LogisticLoss,
    Loss,
    MultinomialLoss,
    SquaredError,
    autograd_derivatives,
)

# (loss, outputs): one and three regression outputs, binary and multilabel
# (four labels) logistic, multinomial with four classes.
LOSSES = [
    (SquaredError(), 1),
    (SquaredError(), 3),
    (LogisticLoss(), 1),
    (LogisticLoss(), 4),
    (MultinomialLoss(), 4),
]
IDS = ["squared-1", "squared-3", "binary", "multilabel", "multinomial"]


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
