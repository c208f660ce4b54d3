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
  target: the outputs themselves, probabilities, ...).

Solvers know no loss by name: they only call these. A new loss (a Poisson
deviance with ``inverse_link = exp``, a pinball loss with ``smooth = False``)
is a new subclass; the base class supplies the gradient and the derivatives by
autograd of :meth:`Loss.value` where no closed form is written.
Sample weights (class weights folded in) reach the loss as ``weight``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "Loss",
    "LogisticLoss",
    "MultinomialLoss",
    "SquaredError",
    "autograd_derivatives",
]


class Loss:
    """Base class: the weighted mean of a per-sample loss of the outputs."""

    #: The Hessian in the outputs does not depend on them (squared error).
    quadratic = False
    #: The loss is differentiable in the outputs.
    smooth = True
    #: scikit-learn's MLP name of :meth:`inverse_link` (``out_activation_``).
    out_activation = "identity"

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

    out_activation = "logistic"

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

    out_activation = "softmax"

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
