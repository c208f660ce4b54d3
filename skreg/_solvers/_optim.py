"""The mini-batch update rules, Adam and SGD, on one flat parameter vector.

Siblings under :class:`Optimizer`; they know nothing of estimators. Written out
rather than taken from ``torch.optim``, whose first use imports
``torch._dynamo`` (and sympy): a one-off 1-3 s per process that dominated small
fits and every joblib worker (measured here).
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor

from .._objective import Flat


class Optimizer:
    """An update rule for the parameters of ``flat``, whose gradient the caller
    writes into ``flat.grad`` before each :meth:`step`.
    """

    def __init__(self, flat: Flat, lr: float):
        self.flat, self.lr = flat, lr

    def zero_grad(self) -> None:
        self.flat.grad.zero_()

    def step(self) -> None:
        raise NotImplementedError

    def prox_step(self, tensor: Tensor) -> Tensor | float:
        """The step size of the proximal step that follows an update of
        ``tensor`` (per column, or a number).
        """
        return self.lr


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with torch's defaults, on the flat parameter vector.

    The same update, element by element, as ``torch.optim.Adam`` (tested to the
    bit: against ``Adam(fused=True)`` where torch's fused kernel runs, against
    the default ``Adam`` otherwise). One vector instead of a list of tensors
    makes the update one call of torch's fused Adam kernel (or, where this
    torch has none, seven vector operations), and gradients are written in
    place into ``flat.grad`` instead of being allocated per batch.

    The fused kernel is a private torch API (``torch._fused_adam_``): any
    exception it raises (a changed signature is a ``TypeError``) turns it off
    for the rest of the fit, and the update is done with public operations.
    """

    def __init__(self, flat: Flat, lr: float, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(flat, lr)
        self.betas, self.eps = betas, eps
        self._index = {id(p): i for i, p in enumerate(flat.params)}
        self.m = torch.zeros_like(flat.vector)
        self.v = torch.zeros_like(flat.vector)
        self.t = 0
        self._t = torch.zeros(1, device=flat.vector.device)  # the fused kernel's
        self.fused = has_fused_adam(flat.vector.device.type)

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        if self.fused:
            try:
                self._fused_step()
                return
            except Exception:  # a private API: anything may change
                self.fused = False
        self._plain_step()

    def _fused_step(self) -> None:
        """Torch's fused kernel (what ``Adam(fused=True)`` calls): the update in
        one pass over the vectors instead of seven.
        """
        beta1, beta2 = self.betas
        torch._fused_adam_(
            [self.flat.vector],
            [self.flat.grad],
            [self.m],
            [self.v],
            [],
            [self._t.fill_(self.t)],
            lr=self.lr,
            beta1=beta1,
            beta2=beta2,
            weight_decay=0.0,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )

    def _plain_step(self) -> None:
        """The update in public vector operations, as ``torch.optim.Adam``'s
        default (single-tensor) implementation.
        """
        grad, (beta1, beta2) = self.flat.grad, self.betas
        self.m.lerp_(grad, 1 - beta1)
        self.v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = self.v.sqrt().div_(math.sqrt(1 - beta2**self.t)).add_(self.eps)
        step = -self.lr / (1 - beta1**self.t)
        self.flat.vector.addcdiv_(self.m, denom, value=step)

    @torch.no_grad()
    def prox_step(self, tensor: Tensor) -> Tensor:
        """Step size of a proximal step in Adam's metric, per column of ``tensor``.

        The usual prox after Adam thresholds by ``lr * l1``, but Adam scales every
        coordinate's move to about ``lr``, so an L1 pull below one never wins and
        nothing becomes zero. In Adam's metric, ``lr / (sqrt(v_hat) + eps)``, the
        fixed points are the L1 optimality conditions ``|grad_j| <= l1``.
        """
        v = self.v[self.flat.slice(self._index[id(tensor)])].view_as(tensor)
        v_hat = v / (1 - self.betas[1] ** self.t)
        return (self.lr / (v_hat.sqrt() + self.eps)).mean(dim=0, keepdim=True)


@functools.cache
def has_fused_adam(device_type: str) -> bool:
    """Whether this torch runs its fused Adam kernel for ``device_type`` (CPU:
    torch 2.4 and later); False on any exception.
    """
    x = [torch.ones(1, device=device_type) for _ in range(5)]
    try:
        torch._fused_adam_(
            *([t] for t in x[:4]),
            [],
            [x[4]],
            lr=1e-3,
            beta1=0.9,
            beta2=0.999,
            weight_decay=0.0,
            eps=1e-8,
            amsgrad=False,
            maximize=False,
        )
    except Exception:  # a private API: absent, renamed, or with another signature
        return False
    return True


class SGD(Optimizer):
    """SGD with Nesterov momentum 0.9, as ``torch.optim.SGD(momentum=0.9,
    nesterov=True)`` and scikit-learn's MLP defaults; its proximal steps take
    the learning rate as step size (proximal SGD).
    """

    def __init__(self, flat: Flat, lr: float, momentum: float = 0.9):
        super().__init__(flat, lr)
        self.momentum = momentum
        self.buffer: Tensor | None = None

    @torch.no_grad()
    def step(self) -> None:
        grad = self.flat.grad
        if self.buffer is None:
            self.buffer = grad.clone()
        else:
            self.buffer.mul_(self.momentum).add_(grad)
        update = grad.add(self.buffer, alpha=self.momentum)
        self.flat.vector.add_(update, alpha=-self.lr)
