"""The problem a solver minimises: data, weights, loss, penalty terms, flat parameters.

:class:`Objective` is ``data loss + sum of penalties`` for one module and one
training set; :class:`Flat` lays the trainable parameters out as views into one
vector while a solver runs. Solvers only call these two.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor, nn

from ._loss import Loss
from ._modules import Net

if TYPE_CHECKING:
    from scipy.sparse import csr_array, csr_matrix

__all__ = ["Flat", "Objective", "sparse_tensor"]


def sparse_tensor(X: csr_matrix | csr_array, dtype: torch.dtype, device) -> Tensor:
    """A torch CSR tensor with the rows of the scipy CSR matrix ``X``.

    The network's first ``Linear`` layer multiplies it directly: nothing is
    densified. On a 10000x1000 matrix at 1 % density this was 3-5x faster than
    densifying 1024-row chunks for a full-batch evaluation and 1.2-1.5x faster per
    Adam epoch than densifying each batch (``benchmarks/sparse_input.py``).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
        return torch.sparse_csr_tensor(
            torch.as_tensor(X.indptr, dtype=torch.int64, device=device),
            torch.as_tensor(X.indices, dtype=torch.int64, device=device),
            torch.as_tensor(X.data, dtype=dtype, device=device),
            size=X.shape,
            check_invariants=False,
        )


@dataclass
class Objective:
    """``data loss + sum of penalties`` for one module and one training set.

    ``weight`` holds sample weights rescaled to mean one (None: uniform), so the
    mean over any batch is an unbiased estimate of the full weighted mean loss and
    the objective does not depend on the batch size. ``X`` is a tensor or a scipy
    CSR matrix; a sparse ``X`` reaches the network as torch CSR tensors, a batch at
    a time for mini-batch solvers. ``terms`` are ``[(penalty, [tensors]), ...]``
    (see :mod:`skreg.penalties` for their kinds).
    """

    module: nn.Module
    X: Tensor | csr_matrix | csr_array
    Y: Tensor
    weight: Tensor | None
    loss: Loss
    terms: list = field(default_factory=list)  # [(penalty, [tensors]), ...]
    # The rows in a canonical order, which mini-batches follow (None: as stored),
    # so that the batches do not depend on how the rows were given.
    order: Tensor | None = None
    # What solvers derive from the data alone, kept while the objective is (a
    # regularisation path changes only ``terms`` from one fit to the next).
    cache: dict = field(default_factory=dict)
    # What a solver hands on to the next fit of a warm start (L-BFGS's
    # curvature memory); the estimator keeps it between fits.
    state: dict = field(default_factory=dict)
    # Take gradients by autograd even where skreg's Net has a closed form
    # (tests compare the two).
    autograd: bool = False
    # The input columns the full-batch loss reads (None: all; see ``restrict``).
    columns: Tensor | None = field(default=None, init=False)
    _X_columns: tuple[Tensor, Tensor] | None = field(
        default=None, init=False, repr=False
    )

    @property
    def smooth_only(self) -> bool:
        """Whether every penalty is smooth (no proximal step to take)."""
        return all(p.kind(ts) == "smooth" for p, ts in self.terms)

    @functools.cached_property
    def _zero(self) -> Tensor:
        return next(self.module.parameters()).new_zeros(())

    @functools.cached_property
    def _X_full(self) -> Tensor:
        if sp.issparse(self.X):
            return sparse_tensor(self.X, self._zero.dtype, self._zero.device)
        return self.X

    def restrict(self, columns: Tensor | None) -> None:
        """Evaluate the full-batch data loss on the input ``columns`` only, the
        weights of the others being zero (None: every column; see
        :class:`~skreg._solvers.fista.FISTA`). The copy of those columns of ``X``
        is kept until other columns are asked.
        """
        self.columns = columns
        kept = self._X_columns
        if columns is not None and (kept is None or not torch.equal(kept[0], columns)):
            self._X_columns = (columns, self.X.index_select(1, columns))

    def _batch(self, idx: Tensor | None) -> tuple:
        """``X``, ``Y`` and the weights of the rows ``idx`` (None: all), and the
        input columns the network reads them on (None: all; see ``restrict``).
        """
        X, Y, w = self._X_full, self.Y, self.weight
        if self.columns is not None and idx is None:
            return self._X_columns[1], Y, w, self.columns
        if idx is not None:
            if sp.issparse(self.X):
                X = sparse_tensor(self.X[idx.cpu().numpy()], X.dtype, X.device)
            else:  # index_select: 3x faster than ``X[idx]`` for a 1024-row batch
                X = X.index_select(0, idx)
            Y = Y.index_select(0, idx)
            w = None if w is None else w.index_select(0, idx)
        return X, Y, w, None

    def data(self, idx: Tensor | None = None) -> Tensor:
        """The data loss on the rows ``idx`` (None: all)."""
        X, Y, w, columns = self._batch(idx)
        out = self.module(X) if columns is None else self.module(X, columns)
        return self.loss.value(out, Y, w)

    @property
    def closed_form(self) -> bool:
        """Whether :meth:`data_gradient` takes the closed form of skreg's
        :class:`~skreg._modules.Net` rather than autograd: dense inputs and no
        dropout.
        """
        module = self.module
        return (
            not self.autograd
            and isinstance(module, Net)
            and not module.mode_dependent
            and not sp.issparse(self.X)
        )

    def data_affine(self) -> tuple[Tensor, tuple]:
        """The full-batch data loss and the affine part of the network's outputs
        there (:meth:`~skreg._modules.Net.outputs`); for :attr:`closed_form`.
        """
        X, Y, w, columns = self._batch(None)
        out, affine = self.module.outputs(X, columns)
        return self.loss.value(out, Y, w), affine

    def data_gradient(self, idx: Tensor | None = None, affine=None) -> Tensor:
        """The data loss on the rows ``idx``; its gradient is written into the
        parameters' ``.grad``, which the caller has zeroed. ``affine``: the
        affine part of the full-batch outputs at the parameters, when known
        (see :meth:`data_affine`).
        """
        if self.closed_form:
            X, Y, w, columns = self._batch(idx)
            loss = self.loss
            return self.module.backward_(
                X,
                lambda out: (loss.value(out, Y, w), loss.gradient(out, Y, w)),
                columns,
                affine,
            )
        with torch.enable_grad():
            data = self.data(idx)
            data.backward()
        return data.detach()

    def backward(self, idx: Tensor | None = None, affine=None) -> Tensor:
        """:meth:`data_gradient`, with the gradient of the smooth penalties added
        in closed form: cheaper per step than sending them through autograd.
        """
        data = self.data_gradient(idx, affine)
        with torch.no_grad():
            for p, ts in self.terms:
                p.smooth_grad_(ts)
        return data

    def smooth_penalty(self) -> Tensor:
        return sum((p.smooth(ts) for p, ts in self.terms), self._zero)

    def penalty(self) -> Tensor:
        return sum((p.value(ts) for p, ts in self.terms), self._zero)

    def prox(self, step: float | Callable[[Tensor], Tensor | float]) -> None:
        """Proximal steps of every penalty; ``step`` may map a penalty's first
        tensor to its (per-column) step size (each of its tensors' per-entry
        step size, called with ``entrywise=True``, for a penalty with
        ``step_per_tensor``).
        """
        for p, ts in self.terms:
            size = step(ts[0]) if callable(step) else step
            if callable(step) and getattr(p, "step_per_tensor", False):
                size = [step(t, entrywise=True) for t in ts]
            if self.columns is not None and p.kind(ts) == "hierarchical":
                # Restricted (see ``restrict``): the other inputs' weights are zero.
                p.prox(ts, size, columns=self.columns)
            else:
                p.prox(ts, size)

    def smooth_value_and_grad(self, flat: Flat, affine=None) -> tuple[Tensor, Tensor]:
        """Full-batch ``data + smooth penalties`` and its gradient, ``flat.grad``
        (overwritten by the next call); ``affine`` as in :meth:`data_gradient`.
        """
        flat.grad.zero_()
        data = self.backward(affine=affine)
        with torch.no_grad():
            value = data + self.smooth_penalty()
        return value, flat.grad

    def penalty_curvature(self, flat: Flat) -> Tensor:
        """Hessian diagonal of the smooth penalties, shaped like ``flat.vector``.

        They are separable quadratics centred at zero: their gradient at a vector
        of ones is their Hessian diagonal.
        """
        with torch.no_grad():
            x = flat.vector.clone()
            flat.vector.fill_(1.0)
            flat.grad.zero_()
            try:
                for penalty, tensors in self.terms:
                    penalty.smooth_grad_(tensors)
                return flat.grad.clone()
            finally:
                flat.vector.copy_(x)


class Flat:
    """The trainable parameters as views into one vector, and their gradients as
    views into another, while a solver runs.

    Full-batch solvers read and write every parameter at once, and the monitor
    snapshots them every iteration: with views each is one copy instead of a loop
    over tensors (a 200-iteration L-BFGS fit on 100x10 data with one hidden layer
    of 100 went from 113 to 89 ms of CPU time, measured side by side). Autograd
    accumulates into an existing ``.grad`` in place, so the views stay views
    through ``backward``.
    """

    def __init__(self, params: list[Tensor]):
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.cumsum([0] + sizes)
        with torch.no_grad():
            self.vector = torch.cat([p.reshape(-1) for p in params])
        self.grad = torch.zeros_like(self.vector)
        views = zip(
            params, self.vector.split(sizes), self.grad.split(sizes), strict=True
        )
        for p, vector, grad in views:
            p.data, p.grad = vector.view_as(p), grad.view_as(p)

    def slice(self, i: int) -> slice:
        """Where parameter ``i`` lies in :attr:`vector`."""
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def index(self, tensor: Tensor) -> int:
        """The position of ``tensor`` in :attr:`params`."""
        return next(i for i, p in enumerate(self.params) if p is tensor)

    def release(self) -> None:
        """Give every parameter its own storage again (pickles stay per tensor)."""
        for p in self.params:
            p.data = p.data.clone()
            p.grad = None
