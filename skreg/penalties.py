"""Penalties as small objects: a value, a smooth part and a proximal step.

Each penalty acts on a list of tensors chosen by the estimator (for example every
weight matrix, or LassoNet's skip weight and first hidden layer). The training loop
adds :meth:`smooth` to the data loss so autograd differentiates it, and calls
:meth:`prox` right after every optimizer update, so the non-smooth part is handled
exactly: an L1 penalty produces coefficients that are exactly zero.

Tensors follow :class:`torch.nn.Linear`'s layout, ``(n_out, n_in)``: column ``j``
holds what input feature ``j`` feeds forward.

Each penalty declares its ``kind`` on its tensors, which is what solvers are
chosen by (:func:`skreg._solvers.select_solver`):

- ``"smooth"``: no non-smooth part, no proximal step (:class:`L2`);
- ``"l1"``: the non-smooth part is an elementwise, weighted
  ``sum_i lam_i |t_i|`` on its tensors (:class:`ElasticNet` with one output row
  and no groups, :class:`ElementwiseElasticNet`); for a linear model's one
  tensor ``l1_part`` gives it;
- ``"group_l1"``: it is ``sum_g lam_g ||t_g||_2`` over groups of entries of one
  tensor, given by ``l1_part`` (:class:`ElasticNet` with several output rows,
  or with groups of features);
- ``"hierarchical"``: a proximal step that ties the tensors together, and an
  input whose columns are zero in all of them stays zero under it while its
  gradient is zero, so a solver may leave it out of its evaluations
  (:class:`HierarchicalElasticNet`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "L2",
    "ElasticNet",
    "ElementwiseElasticNet",
    "FeatureGroups",
    "HierarchicalElasticNet",
    "group_soft_threshold",
    "hier_prox",
]


def _sum_squares(tensors: list[Tensor]) -> Tensor:
    return sum(torch.dot(t.reshape(-1), t.reshape(-1)) for t in tensors)


class L2:
    """Ridge penalty ``strength / 2 * sum_t ||t||_F^2``; smooth, so no proximal step."""

    def __init__(self, strength: float):
        self.strength = float(strength)

    def kind(self, tensors: list[Tensor]) -> str:
        """``"smooth"``: no proximal step."""
        return "smooth"

    @property
    def smooth_strength(self) -> float:
        """The strength of the smooth (quadratic) part; zero: none."""
        return self.strength

    def value(self, tensors: list[Tensor]) -> Tensor:
        """Penalty value; all of it is smooth."""
        return 0.5 * self.strength * _sum_squares(tensors)

    smooth = value

    def smooth_grad_(self, tensors: list[Tensor]) -> None:
        """Add the gradient of :meth:`smooth` to each tensor's ``.grad``."""
        if self.strength:
            torch._foreach_add_([t.grad for t in tensors], tensors, alpha=self.strength)

    def prox(self, tensors: list[Tensor], step: float) -> None:
        """Nothing to do: the whole penalty is smooth."""


class FeatureGroups:
    """Disjoint groups of features (tensor columns) and a weight per group.

    ``index[j]`` is the group of column ``j`` (``0 .. n_groups - 1``) and
    ``weights[g] >= 0`` multiplies group ``g``'s L1 strength: the L1 part is
    ``l1 * sum_g weights[g] * ||t[:, group g]||_F``. A weight of zero leaves a
    group unpenalised.
    """

    def __init__(self, index: np.ndarray, weights: np.ndarray):
        self.index = np.asarray(index, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.n_groups = len(self.weights)
        sizes = np.bincount(self.index, minlength=self.n_groups)
        self.singletons = bool(sizes.max(initial=0) <= 1)
        # Columns by group, padded with the index of an extra zero column, for
        # the vectorised grouped Hier-Prox: (n_groups, largest group).
        order = np.argsort(self.index, kind="stable")
        slots = np.full((self.n_groups, max(int(sizes.max(initial=1)), 1)), -1)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        within = np.arange(len(order)) - start[self.index[order]]
        slots[self.index[order], within] = order
        self.slots = slots
        self._tensors: dict = {}

    def tensors(self, like: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``index``, ``weights``, padded ``slots`` (the pad pointing past the
        last column) and their mask, on ``like``'s device and dtype.
        """
        key = (like.device, like.dtype)
        if key not in self._tensors:
            n = len(self.index)
            slots = np.where(self.slots < 0, n, self.slots)
            self._tensors[key] = (
                torch.as_tensor(self.index, device=like.device),
                torch.as_tensor(self.weights, dtype=like.dtype, device=like.device),
                torch.as_tensor(slots, device=like.device),
                torch.as_tensor(self.slots >= 0, device=like.device),
            )
        return self._tensors[key]

    def norms(self, t: Tensor) -> Tensor:
        """``||t[:, group g]||_F`` of every group."""
        index = self.tensors(t)[0]
        squares = (t * t).sum(dim=0)
        out = squares.new_zeros(self.n_groups).index_add_(0, index, squares)
        return out.sqrt()

    def mean(self, t: Tensor) -> Tensor:
        """``t`` (rows by columns) with each row's columns replaced by their mean
        over the column's group.
        """
        index = self.tensors(t)[0]
        counts = torch.bincount(index, minlength=self.n_groups).to(t.dtype)
        sums = t.new_zeros((t.shape[0], self.n_groups)).index_add_(1, index, t)
        return (sums / counts)[:, index]

    def whole(self, used: Tensor) -> Tensor:
        """The boolean column mask ``used`` extended to whole groups."""
        index = torch.as_tensor(self.index, device=used.device)
        hit = torch.zeros(self.n_groups, dtype=torch.bool, device=used.device)
        hit[index[used]] = True
        return hit[index]


class ElasticNet:
    """Feature-wise elastic net on ``theta`` (the first tensor).

    ``l1 * sum_j ||theta[:, j]||_2 + l2 / 2 * ||theta||_F^2``. With one output row
    the group norm is ``|theta_j|``, so this is exactly scikit-learn's
    ``ElasticNet`` penalty; with several outputs it is ``MultiTaskElasticNet``'s,
    which removes a feature from every output at once. Given ``groups``
    (:class:`FeatureGroups`), the L1 part is ``l1 * sum_g w_g ||theta_g||_F``
    over groups of columns instead: a group enters and leaves as a whole (the
    group lasso), and a weight ``w_g`` of zero never penalises it.
    """

    def __init__(self, l1: float, l2: float, groups: FeatureGroups | None = None):
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.groups = groups

    def kind(self, tensors: list[Tensor]) -> str:
        """``"l1"`` with one output row and a group per feature (the group norm
        of one entry is its magnitude), else ``"group_l1"``.
        """
        single = self.groups is None or self.groups.singletons
        return "l1" if tensors[0].shape[0] == 1 and single else "group_l1"

    def l1_part(self, tensors: list[Tensor]) -> tuple[Tensor, np.ndarray, np.ndarray]:
        """``(theta, index, lam)``: the non-smooth part is
        ``sum_g lam[g] ||theta[index == g]||_2``; ``index`` (shaped like
        ``theta``) holds each entry's group.
        """
        theta = tensors[0]
        rows, columns = theta.shape
        if self.groups is None:
            index, lam = np.arange(columns), np.full(columns, self.l1)
        else:
            index, lam = self.groups.index, self.l1 * self.groups.weights
        return theta, np.broadcast_to(index, (rows, columns)), lam

    @property
    def smooth_strength(self) -> float:
        """The strength of the smooth (L2) part; zero: none."""
        return self.l2

    def _l1_value(self, theta: Tensor) -> Tensor:
        if self.groups is None:
            return self.l1 * torch.linalg.vector_norm(theta, dim=0).sum()
        weights = self.groups.tensors(theta)[1]
        return self.l1 * (weights @ self.groups.norms(theta))

    def value(self, tensors: list[Tensor]) -> Tensor:
        """Penalty value, both parts."""
        return self._l1_value(tensors[0]) + self.smooth(tensors)

    def smooth(self, tensors: list[Tensor]) -> Tensor:
        """Return the L2 part, ``l2 / 2 * ||theta||_F^2``, for autograd."""
        return 0.5 * self.l2 * (tensors[0] * tensors[0]).sum()

    def smooth_grad_(self, tensors: list[Tensor]) -> None:
        """Add the gradient of :meth:`smooth` to ``theta.grad``."""
        if self.l2:
            tensors[0].grad.add_(tensors[0], alpha=self.l2)

    def _group_thresholds(self, theta: Tensor, step: float | Tensor) -> Tensor:
        """Each group's threshold ``step * l1 * w_g``: a step given per column
        is averaged over the group (solvers keep it constant within groups
        where they can; see :class:`~skreg._solvers._coordinates.Coordinates`).
        """
        index, weights = self.groups.tensors(theta)[:2]
        if isinstance(step, Tensor):
            column = step.expand_as(theta)[0]
            counts = torch.bincount(index, minlength=self.groups.n_groups)
            sums = column.new_zeros(self.groups.n_groups).index_add_(0, index, column)
            step = sums / counts.to(column.dtype)
        return step * self.l1 * weights

    @torch.no_grad()
    def prox(self, tensors: list[Tensor], step: float | Tensor) -> None:
        """Group soft-thresholding of ``theta`` by ``step * l1``, in place.

        ``step`` may be a tensor shaped like ``theta`` that is constant down
        each column: a step per feature, as a rescaled full-batch solver needs.
        """
        theta = tensors[0]
        if self.groups is None:
            theta.copy_(group_soft_threshold(theta, step * self.l1))
            return
        thresholds = self._group_thresholds(theta, step)
        norms = self.groups.norms(theta)
        scale = torch.clamp(1 - thresholds / torch.clamp(norms, min=1e-300), min=0)
        theta.mul_(scale[self.groups.tensors(theta)[0]])


class ElementwiseElasticNet:
    """``l1 * sum_t ||t||_1 + l2 / 2 * sum_t ||t||_F^2`` on every tensor: the
    "L1 regularisation of a network" of the classic tutorials, with exact zeros
    from its proximal step (soft-thresholding).
    """

    #: Its proximal step takes a step size per tensor (see ``Objective.prox``).
    step_per_tensor = True

    def __init__(self, l1: float, l2: float):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def kind(self, tensors: list[Tensor]) -> str:
        """``"l1"``: elementwise."""
        return "l1"

    def l1_part(self, tensors: list[Tensor]) -> tuple[Tensor, np.ndarray, np.ndarray]:
        """``(t, index, lam)`` of a linear model's one tensor, as
        :meth:`ElasticNet.l1_part`: an entry per group.
        """
        (t,) = tensors
        return t, np.arange(t.numel()).reshape(t.shape), np.full(t.numel(), self.l1)

    @property
    def smooth_strength(self) -> float:
        """The strength of the smooth (L2) part; zero: none."""
        return self.l2

    def value(self, tensors: list[Tensor]) -> Tensor:
        """Penalty value, both parts."""
        l1 = sum(t.abs().sum() for t in tensors)
        return self.l1 * l1 + self.smooth(tensors)

    def smooth(self, tensors: list[Tensor]) -> Tensor:
        """Return the L2 part, for autograd."""
        return 0.5 * self.l2 * _sum_squares(tensors)

    def smooth_grad_(self, tensors: list[Tensor]) -> None:
        """Add the gradient of :meth:`smooth` to each tensor's ``.grad``."""
        if self.l2:
            torch._foreach_add_([t.grad for t in tensors], tensors, alpha=self.l2)

    @torch.no_grad()
    def prox(self, tensors: list[Tensor], step) -> None:
        """Soft-thresholding of every entry by ``step * l1``, in place; ``step``
        a number, or one (a number or a tensor that broadcasts) per tensor.
        """
        steps = step if isinstance(step, list) else [step] * len(tensors)
        for t, size in zip(tensors, steps, strict=True):
            threshold = size * self.l1
            t.copy_(torch.sign(t) * torch.clamp(t.abs() - threshold, min=0))


class HierarchicalElasticNet(ElasticNet):
    """LassoNet's penalty: :class:`ElasticNet` on ``theta`` under the hierarchy.

    The constraint ``||W[:, j]||_inf <= M * ||theta[:, j]||_2`` ties the first
    hidden layer ``W`` (the second tensor) to the skip weight ``theta``: feature
    ``j`` leaves the whole network exactly when ``theta[:, j] = 0``. The proximal
    step is Hier-Prox (Lemhadri et al., JMLR 2021, Algorithm 2). Given
    ``groups``, the hierarchy holds per group,
    ``||W[:, g]||_inf <= M * ||theta[:, g]||_F``, and Hier-Prox acts on each
    group's entries together (with threshold ``step * l1 * w_g``).
    """

    def __init__(
        self, l1: float, l2: float, M: float, groups: FeatureGroups | None = None
    ):
        super().__init__(l1, l2, groups)
        self.M = float(M)

    def kind(self, tensors: list[Tensor]) -> str:
        """``"hierarchical"``: its two tensors are every weight that reads the
        inputs, and an input whose columns are zero in both stays zero under
        the proximal step while its gradient is zero.
        """
        return "hierarchical"

    def l1_part(self, tensors: list[Tensor]):
        """None: the hierarchy ties the hidden layer to ``theta``; only a
        proximal step handles it.
        """
        return None

    @torch.no_grad()
    def prox(
        self, tensors: list[Tensor], step: float, columns: Tensor | None = None
    ) -> None:
        """Apply Hier-Prox with threshold ``step * l1`` to ``[theta, W]`` in place.

        Given ``columns``, only those inputs' columns: Hier-Prox acts on each
        input separately and keeps an input whose columns are zero at zero, so
        a solver that knows the others to be zero may skip them. With groups
        it acts on every group (a zero group stays zero).
        """
        theta, W = tensors
        if self.groups is not None:
            lam = self._group_thresholds(theta, step)
            grouped_hier_prox(theta, W, lam, self.M, self.groups)
            return
        if columns is None:
            new_theta, new_W = hier_prox(theta, W, step * self.l1, self.M)
            theta.copy_(new_theta)
            W.copy_(new_W)
            return
        new_theta, new_W = hier_prox(
            theta.index_select(1, columns),
            W.index_select(1, columns),
            step * self.l1,
            self.M,
        )
        theta.index_copy_(1, columns, new_theta)
        W.index_copy_(1, columns, new_W)


def grouped_hier_prox(
    theta: Tensor, W: Tensor, lam: Tensor, M: float, groups: FeatureGroups
) -> None:
    """Hier-Prox on groups of columns, in place: each group's entries of
    ``theta`` and of ``W`` are one column of :func:`hier_prox`'s problem
    (``lam``: a threshold per group).
    """
    _, _, slots, mask = groups.tensors(theta)
    n_groups, size = slots.shape

    def gather(t: Tensor) -> Tensor:  # (rows * size, n_groups), zero padded
        padded = torch.cat([t, t.new_zeros((t.shape[0], 1))], dim=1)
        return padded[:, slots].permute(0, 2, 1).reshape(-1, n_groups)

    new_theta, new_W = hier_prox(gather(theta), gather(W), lam, M)
    columns = slots[mask]
    for t, new in ((theta, new_theta), (W, new_W)):
        blocks = new.reshape(t.shape[0], size, n_groups).permute(0, 2, 1)
        t.index_copy_(1, columns, blocks[:, mask])


def entry_strengths(penalty, tensors: list[Tensor]) -> tuple[Tensor, np.ndarray]:
    """``(t, strengths)`` of an ``"l1"`` penalty's ``l1_part``: the L1 term is
    ``sum_i strengths[i] |t_i|`` (``strengths`` shaped like ``t``).
    """
    tensor, index, lam = penalty.l1_part(tensors)
    return tensor, lam[index]


def group_soft_threshold(theta: Tensor, threshold: float | Tensor) -> Tensor:
    """Proximal operator of ``threshold * sum_j ||theta[:, j]||_2``.

    A tensor ``threshold`` broadcasts against ``theta`` and must be constant down
    each column (one threshold per feature); columns whose norm is at most their
    threshold become exactly zero.
    """
    norms = torch.linalg.vector_norm(theta, dim=0, keepdim=True)
    scale = torch.clamp(1 - threshold / torch.clamp(norms, min=1e-300), min=0)
    return theta * scale


def _sort_columns_descending(A: Tensor) -> Tensor:
    """``A`` with each column sorted in descending order.

    On the CPU by numpy: ``torch.sort`` (stable, and computing indices) took
    0.56 ms on a 100 x 200 float64 matrix against numpy's 0.05 ms, a tenth of
    a LassoNet network's full-batch path.
    """
    if A.device.type != "cpu":
        return torch.sort(A, dim=0, descending=True).values
    return torch.from_numpy(np.sort(A.detach().numpy(), axis=0)[::-1].copy())


def hier_prox(theta: Tensor, W: Tensor, lam: float, M: float) -> tuple[Tensor, Tensor]:
    """Hierarchical proximal operator, vectorised over features.

    Solves, for every column ``j`` independently::

        min_{b, w}  1/2 ||b - theta_j||^2 + 1/2 ||w - W_j||^2 + lam ||b||_2
        s.t.        ||w||_inf <= M ||b||_2

    Parameters
    ----------
    theta : Tensor of shape (n_outputs, n_features)
        Skip-connection weights.
    W : Tensor of shape (n_hidden, n_features)
        First hidden layer weights.
    lam : float
        Threshold (step size times the L1 strength).
    M : float
        Hierarchy multiplier.

    Returns
    -------
    theta, W : Tensors of the input shapes
    """
    K = W.shape[0]
    abs_w = W.abs()
    sorted_w = _sort_columns_descending(abs_w)  # (K, d)
    zeros = sorted_w.new_zeros((1, sorted_w.shape[1]))
    cum = torch.cat([zeros, torch.cumsum(sorted_w, dim=0)])  # (K+1, d), m = 0..K
    m = torch.arange(K + 1, dtype=W.dtype, device=W.device).unsqueeze(1)
    theta_norm = torch.linalg.vector_norm(theta, dim=0)  # (d,)
    w_m = M / (1 + m * M * M) * torch.clamp(theta_norm + M * cum - lam, min=0)
    # Pick the first m with |W|_(m+1) <= w_m <= |W|_(m), where |W|_(0) = inf and
    # |W|_(K+1) = 0; exactly one m satisfies both (Lemhadri et al., Lemma 2).
    upper = torch.cat([torch.full_like(zeros, float("inf")), sorted_w])
    lower = torch.cat([sorted_w, zeros])
    ok = (lower <= w_m) & (w_m <= upper)
    first = torch.argmax(ok.to(torch.uint8), dim=0, keepdim=True)
    w = torch.gather(w_m, 0, first).squeeze(0)  # (d,)
    # At theta_j = 0 every direction is optimal, but the norm w / M may still be
    # positive (when M * sum|W_j| > lam); any unit vector keeps the hierarchy.
    unit = torch.zeros_like(theta)
    unit[0] = 1
    direction = torch.where(
        theta_norm > 0, theta / torch.clamp(theta_norm, min=1e-300), unit
    )
    new_theta = direction * (w / M)
    new_W = torch.sign(W) * torch.minimum(abs_w, w)
    return new_theta, new_W
