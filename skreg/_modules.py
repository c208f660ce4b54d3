"""The torch module behind every estimator: an MLP with an optional linear skip."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "identity": nn.Identity,
}

# Each activation in place and into a new tensor, and its derivative from its
# output: one kernel each (ATen's own backward kernels, which autograd calls).
_IN_PLACE = {
    "relu": torch.relu_,
    "tanh": torch.tanh_,
    "logistic": torch.sigmoid_,
    "identity": lambda a: a,
}
_ACTIVATE = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "logistic": torch.sigmoid,
    "identity": lambda a: a,
}
_DERIVATIVE = {
    "relu": lambda d, a: torch.ops.aten.threshold_backward(d, a, 0),
    "tanh": torch.ops.aten.tanh_backward,
    "logistic": torch.ops.aten.sigmoid_backward,
    "identity": lambda d, a: d,
}


class Net(nn.Module):
    """Feed-forward network ``f(x) = skip(x) + mlp(x)``.

    ``hidden_layer_sizes=()`` makes ``mlp`` a single :class:`~torch.nn.Linear`
    layer, a plain linear model; ``skip=True`` then adds nothing (it would be a
    second copy of the same linear map) and the linear layer itself is the skip.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    hidden_layer_sizes : tuple of int
        Width of each hidden layer.
    activation : {'relu', 'tanh', 'logistic', 'identity'}
        Non-linearity after each hidden layer.
    dropout : float
        Inverted-dropout probability after each hidden activation (training only).
    skip : bool
        Add a bias-free linear skip connection from the inputs to the outputs.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        hidden_layer_sizes: tuple[int, ...],
        activation: str = "relu",
        dropout: float = 0.0,
        skip: bool = False,
    ):
        super().__init__()
        sizes = (n_in, *hidden_layer_sizes, n_out)
        linears = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        self._stack(linears, activation, dropout)
        has_hidden = len(hidden_layer_sizes) > 0
        self.skip = nn.Linear(n_in, n_out, bias=False) if skip and has_hidden else None
        self.eval()  # trained by skreg's loop, which switches modes when needed

    def configure(self, activation: str, dropout: float) -> None:
        """Change the non-linearity and the dropout probability, keeping every
        weight: a warm start after ``set_params(activation=...)`` uses the new
        one, as scikit-learn's MLP does.
        """
        current = (getattr(self, "activation", None), getattr(self, "dropout", None))
        if current != (activation, dropout):
            self._stack(self.linears, activation, dropout)

    def _stack(self, linears: list[nn.Linear], activation: str, dropout: float):
        """Set ``mlp``: ``linears`` with the activation (then dropout) between."""
        layers: list[nn.Module] = []
        for linear in linears[:-1]:
            layers += [linear, ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        self.mlp = nn.Sequential(*layers, linears[-1])
        self.mlp.train(self.training)
        self.__dict__.pop("mode_dependent", None)
        self.activation, self.dropout = activation, dropout

    @functools.cached_property
    def mode_dependent(self) -> bool:
        """Whether training and eval mode differ: only dropout does here."""
        return any(isinstance(m, nn.Dropout) for m in self.mlp)

    @functools.cached_property
    def linears(self) -> list[nn.Linear]:
        """The Linear layers of the MLP, input side first."""
        return [m for m in self.mlp if isinstance(m, nn.Linear)]

    @property
    def is_linear(self) -> bool:
        return len(self.linears) == 1

    @property
    def theta(self) -> Tensor:
        """The linear part: the skip weight, or the only layer of a linear model."""
        return self.skip.weight if self.skip is not None else self.linears[0].weight

    @property
    def first_hidden(self) -> Tensor | None:
        """Weight of the first hidden layer, or None for a linear model."""
        return None if self.is_linear else self.linears[0].weight

    def weights(self) -> list[Tensor]:
        """Every weight matrix (biases excluded), the skip's included."""
        ws = [lin.weight for lin in self.linears]
        return ws + ([self.skip.weight] if self.skip is not None else [])

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Glorot-uniform weights and zero biases, as scikit-learn's MLP; a linear
        model (convex problem) starts at zero so its solution does not depend on
        the seed. The weights are drawn in float64 by the (CPU) ``generator``
        and then cast, as scikit-learn does: the same seed starts float32 and
        float64 networks, on any device, from the same weights.
        """
        with torch.no_grad():
            for lin in self.linears:
                lin.bias.zero_()
                if self.is_linear:
                    lin.weight.zero_()
                else:
                    _glorot_uniform_(lin.weight, generator)
            if self.skip is not None:
                _glorot_uniform_(self.skip.weight, generator)

    def forward(self, x: Tensor, columns: Tensor | None = None) -> Tensor:
        """The outputs; given ``columns``, ``x`` holds only those input columns
        and the weights of every other input are taken as zero (LassoNet's
        inputs out of use, :class:`skreg._solvers.fista.FISTA`).
        """
        out = x
        # ``forward`` rather than ``__call__``: no module here carries hooks, and
        # skipping their dispatch saves a few microseconds per layer on every
        # full-batch evaluation of a small network.
        for layer in self.mlp:
            if columns is not None and layer is self.linears[0]:
                weight = layer.weight.index_select(1, columns)
                out = nn.functional.linear(out, weight, layer.bias)
            else:
                out = layer.forward(out)
        if self.skip is not None:
            weight = self.skip.weight
            if columns is not None:
                weight = weight.index_select(1, columns)
            out = out + nn.functional.linear(x, weight)
        return out

    @torch.no_grad()
    def backward_(
        self,
        x: Tensor,
        loss_gradient: Callable[[Tensor], tuple[Tensor, Tensor]],
        columns: Tensor | None = None,
        affine: tuple[Tensor, Tensor | None] | None = None,
    ) -> Tensor:
        """Forward and backward pass in closed form: return the loss at ``x`` and
        write its gradient in every parameter into the parameter's ``.grad``.

        ``loss_gradient(out)`` gives the loss and its gradient in the outputs;
        ``columns`` as in :meth:`forward`, the other columns' gradients being
        left as they are (zero); ``affine`` as in :meth:`outputs`, the first
        layer's pre-activation and the skip's output at these parameters, when
        the caller knows them. For a network that trains as it predicts (no
        dropout): the outputs and the loss of :meth:`forward` to the bit, and
        autograd's gradient without building its graph, so that a step costs
        its matrix products and a few kernels.
        """
        out, inputs, _ = self._pass(x, columns, affine, keep=False)
        loss, d = loss_gradient(out)
        linears, activation = self.linears, self.activation
        if self.skip is not None:
            _weight_gradient(self.skip.weight.grad, d, x, columns)
        for i in range(len(linears) - 1, -1, -1):
            first = columns if i == 0 else None
            _weight_gradient(linears[i].weight.grad, d, inputs[i], first)
            torch.sum(d, 0, out=linears[i].bias.grad)
            if i:
                d = _DERIVATIVE[activation](d.mm(linears[i].weight), inputs[i])
        return loss

    @torch.no_grad()
    def outputs(
        self, x: Tensor, columns: Tensor | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor | None] | None]:
        """The outputs (:meth:`forward`'s, to the bit, for a network without
        dropout) and their part that is affine in the weights reading the
        inputs: the first hidden layer's pre-activation and the skip's output
        (None without a skip); None for a linear model.

        Affine maps commute with affine combinations: at ``p + b (p - q)`` that
        part is ``A(p) + b (A(p) - A(q))``, without a product with ``x``.
        :class:`skreg._solvers.fista.FISTA` takes its gradient at the momentum
        point that way, one matrix product of three.
        """
        out, _, affine = self._pass(x, columns, None, keep=True)
        return out, affine

    def _pass(self, x, columns, affine, keep: bool):
        """Forward pass: the outputs, each layer's input, and the affine part
        (see :meth:`outputs`; None for a linear model), given or computed. A
        given affine part is left as it is; ``keep`` keeps a computed one.
        """
        linears, act = self.linears, _IN_PLACE[self.activation]
        weights = [lin.weight for lin in linears]
        skip = None if self.skip is None else self.skip.weight
        if columns is not None:
            weights[0] = weights[0].index_select(1, columns)
            skip = None if skip is None else skip.index_select(1, columns)
        if self.is_linear:
            return torch.addmm(linears[0].bias, x, weights[0].t()), [x], None
        if affine is None:
            z = torch.addmm(linears[0].bias, x, weights[0].t())
            s = None if skip is None else x @ skip.t()
            if keep:
                affine = (z, s)
        else:
            z, s = affine
        # The activation of a kept pre-activation writes a new tensor.
        inputs = [x, (_ACTIVATE if affine else _IN_PLACE)[self.activation](z)]
        for lin, weight in zip(linears[1:-1], weights[1:-1], strict=True):
            inputs.append(act(torch.addmm(lin.bias, inputs[-1], weight.t())))
        out = torch.addmm(linears[-1].bias, inputs[-1], weights[-1].t())
        if s is not None:
            out = out + s  # as ``forward``, to the bit
        return out, inputs, affine


def _weight_gradient(grad: Tensor, d: Tensor, a: Tensor, columns: Tensor | None):
    """Write ``d' a`` (a layer's weight gradient) into ``grad``, or into its
    ``columns`` only.
    """
    if columns is None:
        torch.mm(d.t(), a, out=grad)
    else:
        grad.index_copy_(1, columns, d.t() @ a)


def _glorot_uniform_(weight: Tensor, generator: torch.Generator) -> None:
    fan_out, fan_in = weight.shape
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    draw = torch.empty(weight.shape, dtype=torch.float64)
    weight.copy_(draw.uniform_(-bound, bound, generator=generator))
