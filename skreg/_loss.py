"""Losses as small objects: the data term of the objective, in the network's outputs.

A loss knows, for the outputs ``out`` of shape ``(n, K)``, the targets ``Y`` and
sample weights ``weight`` rescaled to mean one (None: uniform):

- :meth:`Loss.value`: the weighted mean ``sum_i w_i l(out_i, Y_i) / n``;
- :meth:`Loss.gradient`: its gradient in ``out``, ``(n, K)``;
- :meth:`Loss.derivatives`: value, gradient and per-sample Hessian ``(n, K, K)``
  in ``out``, for Newton's method;
- :attr:`Loss.quadratic` (the Hessian in the outputs is constant),
  :attr:`Loss.smooth` (differentiable; a solver that needs gradients checks it);
- :meth:`Loss.inverse_link`: the prediction from the outputs (the mean of the
  target: the outputs themselves, probabilities, ``exp`` of the outputs, ...);
- :attr:`Loss.piecewise_linear` (a linear program can minimise it, see
  :class:`~skreg._solvers.linprog.LinearProgram`);
- :meth:`Loss.baseline`: the best constant outputs, where a network's output
  bias starts (None: at zero);
- on the numpy side, what the estimators validate and score with:
  :meth:`Loss.check_target` and :meth:`Loss.deviance`, the per-entry error that
  a cross-validated estimator averages into its default score.

Solvers know no loss by name: they only call these. A new loss is a new
subclass; the base class supplies the gradient and the derivatives by
autograd of :meth:`Loss.value` where no closed form is written.
Sample weights (class weights folded in) reach the loss as ``weight``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import xlogy
from sklearn.metrics import d2_pinball_score, d2_tweedie_score, r2_score
from torch import Tensor

__all__ = [
    "Loss",
    "LogisticLoss",
    "MultinomialLoss",
    "PinballLoss",
    "PoissonLoss",
    "SquaredError",
    "autograd_derivatives",
    "regression_loss",
]


class Loss:
    """Base class: the weighted mean of a per-sample loss of the outputs."""

    #: The Hessian in the outputs does not depend on them (squared error).
    quadratic = False
    #: The loss is differentiable in the outputs.
    smooth = True
    #: The loss is piecewise linear in the outputs (a linear program).
    piecewise_linear = False

    def value(self, out: Tensor, Y: Tensor, weight: Tensor | None = None) -> Tensor:
        """``sum_i w_i l(out_i, Y_i) / n``, a scalar tensor."""
        raise NotImplementedError

    def gradient(self, out: Tensor, Y: Tensor, weight: Tensor | None = None) -> Tensor:
        """The gradient of :meth:`value` in ``out``, shaped like ``out``; by
        autograd here, in closed form in the subclasses.
        """
        with torch.enable_grad():
            out = out.detach().requires_grad_()
            (g,) = torch.autograd.grad(self.value(out, Y, weight), out)
        return g

    def derivatives(
        self, out: Tensor, Y: Tensor, weight: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """:meth:`value`, its gradient ``(n, K)`` and its Hessian ``(n, K, K)``
        in the outputs (sample ``i``'s block only: the loss is a sum over
        samples); by autograd here, in closed form in the subclasses.
        """
        return autograd_derivatives(self, out, Y, weight)

    def inverse_link(self, out: Tensor) -> Tensor:
        """The prediction for the outputs ``out``: the identity here."""
        return out

    def baseline(self, Y: Tensor, weight: Tensor | None) -> Tensor | None:
        """The constant outputs that minimise the loss on ``Y``, where a network's
        output bias starts; None: at zero, as scikit-learn's MLP.
        """
        return None

    def check_target(self, y: np.ndarray) -> None:
        """Raise scikit-learn's ``ValueError`` for targets outside the loss's
        domain; any real target is valid here.
        """

    def deviance(self, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
        """The per-entry error of the predictions ``pred`` (numpy, shaped like
        ``y``) whose mean is the loss's natural score (here none).
        """
        raise NotImplementedError

    def d2_score(self, y: np.ndarray, pred: np.ndarray, sample_weight=None) -> float:
        """The fraction of this error explained, against the best constant
        (``R²`` for the squared error), averaged over the columns of ``y``.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def autograd_derivatives(
    loss: Loss, out: Tensor, Y: Tensor, weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """``loss.value(out, Y, weight)``, its gradient ``(n, K)`` and its Hessian
    ``(n, K, K)`` in the outputs, by autograd: one backward pass per output
    column. Newton's method for a loss without closed-form derivatives, and the
    reference the closed forms are tested against.
    """
    with torch.enable_grad():
        out = out.detach().requires_grad_()
        value = loss.value(out, Y, weight)
        (g,) = torch.autograd.grad(value, out, create_graph=True)
        K = out.shape[1]
        rows = [
            torch.autograd.grad(g[:, k].sum(), out, retain_graph=k < K - 1)[0]
            for k in range(K)
        ]
    return value.detach(), g.detach(), torch.stack(rows, dim=1)


def _sample_weights(out: Tensor, weight: Tensor | None) -> Tensor:
    """``w_i / n`` as a column ``(n, 1)``."""
    n = out.shape[0]
    return (torch.ones_like(out[:, 0]) if weight is None else weight)[:, None] / n


class SquaredError(Loss):
    """Half the squared error summed over the outputs,
    ``l_i = 1/2 ||y_i - out_i||^2``: scikit-learn's ``Ridge`` and
    ``MLPRegressor`` data term (divided by ``n``).
    """

    quadratic = True

    def deviance(self, y, pred):
        """The squared error (``mean_squared_error``'s terms)."""
        return (y - pred) ** 2

    def d2_score(self, y, pred, sample_weight=None):
        """``r2_score``."""
        return r2_score(y, pred, sample_weight=sample_weight)

    def value(self, out, Y, weight=None):
        if weight is None:  # one fused kernel, the common case
            return 0.5 * Y.shape[1] * F.mse_loss(out, Y)
        return (0.5 * ((out - Y) ** 2).sum(dim=1) * weight).mean()

    def gradient(self, out, Y, weight=None):
        """``w_i (out_i - y_i) / n``."""
        g = out - Y
        if weight is not None:
            g.mul_(weight[:, None])
        return g.div_(out.shape[0])

    def derivatives(self, out, Y, weight=None):
        """The residual ``r_i`` and the identity, each times ``w_i / n``."""
        n, K = out.shape
        w = _sample_weights(out, weight)
        residual = out - Y
        value = 0.5 * (w * residual * residual).sum()
        return value, w * residual, torch.diag_embed(w.expand(n, K))


class LogisticLoss(Loss):
    """The logistic (binary cross-entropy) loss of each output, summed over the
    outputs: ``l_i = sum_k -y_ik log p_ik - (1 - y_ik) log(1 - p_ik)`` with
    ``p = sigmoid(out)`` and ``Y`` a float 0/1 matrix. One output is binary
    classification (``LogisticRegression``); ``K`` outputs are ``K``
    independent labels (multilabel classification).
    """

    def value(self, out, Y, weight=None):
        w = None if weight is None else weight.unsqueeze(1)
        mean = F.binary_cross_entropy_with_logits(out, Y, weight=w)
        # torch averages over the n * K entries: times K, the mean over samples
        # of the sum over outputs.
        return mean if Y.shape[1] == 1 else Y.shape[1] * mean

    def gradient(self, out, Y, weight=None):
        """``w_i (p_i - y_i) / n``."""
        g = torch.sigmoid(out).sub_(Y)
        if weight is not None:
            g.mul_(weight[:, None])
        return g.div_(out.shape[0])

    def derivatives(self, out, Y, weight=None):
        """``p - y`` and the diagonal ``p (1 - p)``, each times ``w_i / n``."""
        w = _sample_weights(out, weight)
        p = torch.sigmoid(out)
        losses = F.binary_cross_entropy_with_logits(out, Y, reduction="none")
        hessian = torch.diag_embed(w * p * (1 - p))
        return (w * losses).sum(), w * (p - Y), hessian

    def inverse_link(self, out):
        """The probability of each label, ``sigmoid(out)``."""
        return torch.sigmoid(out)

    def log_inverse_link(self, out):
        """``log sigmoid(out)``, without rounding ``sigmoid`` to 0 or 1 first."""
        return F.logsigmoid(out)


class MultinomialLoss(Loss):
    """The multinomial (softmax cross-entropy) loss, ``l_i = -log p_{i, y_i}``
    with ``p = softmax(out)`` and ``Y`` the class indices (a long vector).
    """

    def value(self, out, Y, weight=None):
        if weight is None:
            return F.cross_entropy(out, Y)
        return (F.cross_entropy(out, Y, reduction="none") * weight).mean()

    def gradient(self, out, Y, weight=None):
        """``w_i (p_i - e_{y_i}) / n``."""
        g = torch.softmax(out, dim=1)
        g.scatter_add_(1, Y[:, None], g.new_full((len(Y), 1), -1.0))
        if weight is not None:
            g.mul_(weight[:, None])
        return g.div_(out.shape[0])

    def derivatives(self, out, Y, weight=None):
        """``p - e_y`` and ``diag(p) - p p^T``, each times ``w_i / n``."""
        w = _sample_weights(out, weight)
        log_p = F.log_softmax(out, dim=1)
        p = log_p.exp()
        value = -(w * log_p.gather(1, Y[:, None])).sum()
        g = p - F.one_hot(Y, out.shape[1]).to(p)
        H = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
        return value, w * g, w[:, :, None] * H

    def inverse_link(self, out):
        """The class probabilities, ``softmax(out)``."""
        return torch.softmax(out, dim=1)

    def log_inverse_link(self, out):
        """``log softmax(out)``."""
        return F.log_softmax(out, dim=1)


class PoissonLoss(Loss):
    """Half the Poisson deviance with a log link, summed over the outputs:
    ``l_i = sum_k y_ik log(y_ik / mu_ik) - y_ik + mu_ik`` with ``mu = exp(out)``,
    ``y >= 0``. scikit-learn's ``PoissonRegressor`` and
    ``MLPRegressor(loss='poisson')`` data term (divided by ``n``); zero for a
    perfect fit.
    """

    def value(self, out, Y, weight=None):
        per_sample = (torch.exp(out) - Y * out + torch.xlogy(Y, Y) - Y).sum(dim=1)
        return (per_sample if weight is None else per_sample * weight).mean()

    def gradient(self, out, Y, weight=None):
        """``w_i (mu_i - y_i) / n``."""
        g = torch.exp(out).sub_(Y)
        if weight is not None:
            g.mul_(weight[:, None])
        return g.div_(out.shape[0])

    def derivatives(self, out, Y, weight=None):
        """``mu - y`` and the diagonal ``mu``, each times ``w_i / n``."""
        w = _sample_weights(out, weight)
        mu = torch.exp(out)
        value = (w * (mu - Y * out + torch.xlogy(Y, Y) - Y)).sum()
        return value, w * (mu - Y), torch.diag_embed(w * mu)

    def inverse_link(self, out):
        """The mean count, ``exp(out)``: always positive."""
        return torch.exp(out)

    def baseline(self, Y, weight):
        """``log`` of the weighted mean of each output (0 where it is 0)."""
        mean = Y.mean(dim=0) if weight is None else (weight @ Y) / weight.sum()
        return torch.where(mean > 0, mean, 1.0).log()

    def check_target(self, y):
        """Counts, rates: no negative ``y`` (``PoissonRegressor``'s error)."""
        if np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are out of the valid range of the loss "
                "'HalfPoissonLoss'."
            )

    def deviance(self, y, pred):
        """The unit Poisson deviance (``mean_poisson_deviance``'s terms)."""
        return 2 * (xlogy(y, y / pred) - y + pred)

    def d2_score(self, y, pred, sample_weight=None):
        """``d2_tweedie_score(power=1)``, as ``PoissonRegressor.score``."""
        y, pred = y.reshape(len(y), -1), pred.reshape(len(y), -1)
        scores = [
            d2_tweedie_score(y[:, k], pred[:, k], sample_weight=sample_weight, power=1)
            for k in range(y.shape[1])
        ]
        return float(np.mean(scores))


class PinballLoss(Loss):
    """The pinball (quantile) loss summed over the outputs,
    ``l_i = sum_k max(q r_ik, (q - 1) r_ik)`` with ``r = y - out``:
    ``QuantileRegressor``'s data term (divided by ``n``), whose minimiser over
    constants is the ``q``-quantile of ``y``.

    Not differentiable where ``r = 0``: :meth:`gradient` is the subgradient
    that is zero there, which mini-batch solvers follow; a linear model is a
    linear program (:attr:`piecewise_linear`).
    """

    smooth = False
    piecewise_linear = True

    def __init__(self, quantile: float):
        self.quantile = float(quantile)

    def value(self, out, Y, weight=None):
        q, r = self.quantile, Y - out
        per_sample = torch.maximum(q * r, (q - 1) * r).sum(dim=1)
        return (per_sample if weight is None else per_sample * weight).mean()

    def gradient(self, out, Y, weight=None):
        """``w_i (1[out_i > y_i] - q) / n``, and zero where ``out_i = y_i``."""
        q = out.new_tensor(self.quantile)
        g = torch.heaviside(out - Y, q).sub_(q)
        if weight is not None:
            g.mul_(weight[:, None])
        return g.div_(out.shape[0])

    def baseline(self, Y, weight):
        """The weighted ``q``-quantile of each output: the first sorted value
        whose cumulated weight reaches ``q`` of the total.
        """
        w = torch.ones_like(Y[:, 0]) if weight is None else weight
        values, order = torch.sort(Y, dim=0)
        cumulated = torch.cumsum(w[order], dim=0)
        rank = torch.searchsorted(
            cumulated.T.contiguous(), self.quantile * cumulated[-1:].T.contiguous()
        )
        rank = rank.clamp_(max=len(Y) - 1).T
        return values.gather(0, rank)[0]

    def deviance(self, y, pred):
        """The pinball loss (``mean_pinball_loss``'s terms)."""
        r = y - pred
        return np.maximum(self.quantile * r, (self.quantile - 1) * r)

    def d2_score(self, y, pred, sample_weight=None):
        """``d2_pinball_score`` at this quantile."""
        return float(
            d2_pinball_score(y, pred, sample_weight=sample_weight, alpha=self.quantile)
        )

    def __repr__(self) -> str:
        return f"PinballLoss(quantile={self.quantile!r})"


_SQUARED, _POISSON = SquaredError(), PoissonLoss()


def regression_loss(loss: str, quantile: float) -> Loss:
    """The loss object of a regressor's ``loss`` and ``quantile`` parameters."""
    if loss == "quantile":
        return PinballLoss(quantile)
    return {"squared_error": _SQUARED, "poisson": _POISSON}[loss]
