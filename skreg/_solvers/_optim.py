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

    Its state (:meth:`state`, :meth:`load`) outlives one run: ``partial_fit``
    goes on from it at the next call. Options of another rule are ignored.
    """

    def __init__(self, flat: Flat, lr: float, **_):
        self.flat, self.lr = flat, lr

    def zero_grad(self) -> None:
        self.flat.grad.zero_()

    def step(self) -> None:
        raise NotImplementedError

    def epoch_end(self, samples_seen: int) -> None:
        """After an epoch, ``samples_seen`` training samples having been seen
        (previous fits included): where a learning-rate schedule moves.
        """

    def stalled(self) -> bool:
        """The loss (or validation score) stopped improving: True to stop
        training, False to go on (a schedule that lowered its rate).
        """
        return True

    def state(self) -> dict:
        """What the next run goes on with (tensors are shared, not copied)."""
        return {}

    def load(self, state: dict) -> None:
        """Go on from :meth:`state` of an earlier run on the same parameters."""

    def prox_step(self, tensor: Tensor, entrywise: bool = False) -> Tensor | float:
        """The step size of the proximal step that follows an update of
        ``tensor`` (per column, per entry if ``entrywise``, or a number).
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

    def __init__(
        self, flat: Flat, lr: float, betas=(0.9, 0.999), eps: float = 1e-8, **_
    ):
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

    def state(self) -> dict:
        return {"m": self.m, "v": self.v, "t": self.t}

    def load(self, state: dict) -> None:
        # On the parameters' device and dtype (an unpickled state is on the CPU).
        vector = self.flat.vector
        self.m, self.v = state["m"].to(vector), state["v"].to(vector)
        self.t = state["t"]

    @torch.no_grad()
    def prox_step(self, tensor: Tensor, entrywise: bool = False) -> Tensor:
        """Step size of a proximal step in Adam's metric, per column of ``tensor``
        (per entry if ``entrywise``).

        The usual prox after Adam thresholds by ``lr * l1``, but Adam scales every
        coordinate's move to about ``lr``, so an L1 pull below one never wins and
        nothing becomes zero. In Adam's metric, ``lr / (sqrt(v_hat) + eps)``, the
        fixed points are the L1 optimality conditions ``|grad_j| <= l1``. A
        penalty on columns (a feature's weights) takes the column's mean; an
        elementwise one each entry's own, without which a column's mean,
        dominated by its entries of near-zero gradient (dead units), zeroed
        whole layers of a network in its first epochs.
        """
        v = self.v[self.flat.slice(self._index[id(tensor)])].view_as(tensor)
        v_hat = v / (1 - self.betas[1] ** self.t)
        step = self.lr / (v_hat.sqrt() + self.eps)
        return step if entrywise else step.mean(dim=0, keepdim=True)


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
    """SGD with momentum, as ``torch.optim.SGD(momentum=momentum,
    nesterov=nesterov)`` (Nesterov momentum 0.9 by default, scikit-learn's MLP
    defaults); its proximal steps take the learning rate as step size
    (proximal SGD).

    ``schedule`` is scikit-learn's ``learning_rate``: ``'constant'``;
    ``'invscaling'``, ``lr / (t + 1) ** power_t`` after each epoch, ``t`` the
    training samples seen so far; ``'adaptive'``, the rate divided by 5
    whenever the loss stalls, training stopping once it is at most 1e-6.
    """

    def __init__(
        self,
        flat: Flat,
        lr: float,
        momentum: float = 0.9,
        nesterov: bool = True,
        schedule: str = "constant",
        power_t: float = 0.5,
        **_,
    ):
        super().__init__(flat, lr)
        self.lr_init, self.schedule, self.power_t = lr, schedule, power_t
        self.momentum, self.nesterov = momentum, nesterov
        self.buffer: Tensor | None = None

    @torch.no_grad()
    def step(self) -> None:
        grad = self.flat.grad
        if self.momentum == 0:
            self.flat.vector.add_(grad, alpha=-self.lr)
            return
        if self.buffer is None:
            self.buffer = grad.clone()
        else:
            self.buffer.mul_(self.momentum).add_(grad)
        if self.nesterov:
            update = grad.add(self.buffer, alpha=self.momentum)
        else:
            update = self.buffer
        self.flat.vector.add_(update, alpha=-self.lr)

    def epoch_end(self, samples_seen: int) -> None:
        if self.schedule == "invscaling":
            self.lr = self.lr_init / (samples_seen + 1) ** self.power_t

    def stalled(self) -> bool:
        if self.schedule != "adaptive" or self.lr <= 1e-6:
            return True
        self.lr /= 5.0
        return False

    def state(self) -> dict:
        return {"buffer": self.buffer, "lr": self.lr}

    def load(self, state: dict) -> None:
        buffer = state["buffer"]
        self.buffer = None if buffer is None else buffer.to(self.flat.vector)
        if self.schedule != "constant":
            self.lr = state["lr"]
