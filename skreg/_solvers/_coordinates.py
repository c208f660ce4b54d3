"""The change of variables of the first-order full-batch solvers (L-BFGS-B, FISTA)."""

from __future__ import annotations

import scipy.sparse as sp
import torch
from sklearn.utils.sparsefuncs import mean_variance_axis
from torch import Tensor

from .._objective import Flat, Objective


class Coordinates:
    """The variables ``u = T(x)`` a full-batch solver iterates on.

    ``x`` is the flat parameter vector.

    For a network with hidden layers ``T`` is the identity. For a linear model
    ``f(x) = W x + b`` it is the change of variables of scikit-learn's linear
    solvers: ``b`` is replaced by the intercept of centred inputs,
    ``c = b + W x_mean``, and every coordinate is divided by the square root of
    a diagonal curvature estimate (the weighted variance of feature ``j`` plus
    the smooth penalty's curvature for ``W[:, j]``; one for ``c``). Gradient
    methods are not invariant to either (a first step along the gradient, a
    first Hessian guess proportional to the identity): without it an uncentred
    or unscaled feature costs hundreds of iterations. The minimiser is the same.
    """

    def __init__(self, objective: Objective, flat: Flat):
        self.flat = flat
        self.scale = torch.ones_like(flat.vector)
        self.mean = None
        module = objective.module
        if not getattr(module, "is_linear", False):
            return
        layer = module.linears[0]
        ids = [id(p) for p in flat.params]
        if id(layer.weight) not in ids or id(layer.bias) not in ids:
            return
        self.w = flat.slice(ids.index(id(layer.weight)))
        self.b = flat.slice(ids.index(id(layer.bias)))
        self.shape = layer.weight.shape
        X, weight = objective.X, objective.weight
        with torch.no_grad():
            if sp.issparse(X):  # weighted moments without densifying X
                w = None if weight is None else weight.cpu().numpy()
                moments = mean_variance_axis(X, axis=0, weights=w)
                self.mean, variance = (
                    torch.as_tensor(m).to(flat.vector) for m in moments
                )
            else:
                w = torch.ones_like(X[:, 0]) if weight is None else weight
                self.mean = (w @ X) / w.sum()
                centred = X - self.mean
                variance = (w @ centred.mul_(centred)) / w.sum()  # 4x ``** 2``
                del centred
        curvature = objective.penalty_curvature(flat)
        curvature[self.w] += variance.expand(self.shape).reshape(-1)
        curvature[self.b] += 1.0
        for penalty, tensors in objective.terms:
            groups = getattr(penalty, "groups", None)
            if groups is not None and tensors[0] is layer.weight:
                # One scale per group of features, so that the group's
                # proximal step stays closed-form (see ``steps``).
                block = curvature[self.w].view(self.shape)
                curvature[self.w] = groups.mean(block).reshape(-1)
        # A constant, unpenalised feature has no curvature: leave it unscaled.
        self.scale = torch.where(curvature > 0, curvature, 1.0).sqrt()

    def to_params(self, u: Tensor) -> Tensor:
        """``x = T^-1(u)``; ``u`` itself when ``T`` is the identity."""
        if self.mean is None:
            return u
        x = u / self.scale
        x[self.b] -= x[self.w].view(self.shape) @ self.mean
        return x

    def from_params(self, x: Tensor) -> Tensor:
        """``u = T(x)``, a new tensor."""
        x = x.clone()
        if self.mean is not None:
            x[self.b] += x[self.w].view(self.shape) @ self.mean
            x *= self.scale
        return x

    def gradient(self, g: Tensor) -> Tensor:
        """Map the gradient ``g`` in ``x`` to the gradient in ``u`` (chain rule);
        ``g`` itself when ``T`` is the identity.
        """
        if self.mean is None:
            return g
        g = g.clone()
        g[self.w] -= torch.outer(g[self.b], self.mean).reshape(-1)
        return g / self.scale

    def set(self, u: Tensor) -> None:
        """Write ``T^-1(u)`` into the parameters."""
        self.flat.vector.copy_(self.to_params(u))

    def steps(self, step: float) -> list[Tensor | float]:
        """Per-parameter step sizes in ``x`` of a proximal step ``step`` in ``u``.

        Penalties act on weight columns (or groups of columns), whose scale is
        shared down the column (and across the group), so their proximal
        operators stay closed-form.
        """
        params = self.flat.params
        if self.mean is None:
            return [step] * len(params)
        inverse = step / self.scale**2
        return [inverse[self.flat.slice(i)].view_as(p) for i, p in enumerate(params)]
