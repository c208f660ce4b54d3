"""RegressorNet and the ``loss`` parameter: what every regressor shares.

The families' ``__init__`` (ridge, lasso, dropout, and their CV estimators)
serve regressors and classifiers alike; only regressors choose a data loss
(:mod:`skreg._loss`). :func:`with_loss_parameters` adds ``loss`` and
``quantile`` to a regressor's family signature, and :class:`RegressorNet`
encodes targets, checks them against the loss and decodes the network's
outputs through the loss's inverse link.
"""

from __future__ import annotations

import inspect
from numbers import Real

import numpy as np
import torch
from sklearn.base import RegressorMixin

from ._base import BaseNet, Interval, StrOptions, _to_tensor
from ._loss import Loss, regression_loss

__all__ = ["LOSS_PARAMS_DOC", "RegressorNet", "with_loss_parameters"]

# The ``loss`` and ``quantile`` parameters of the regressors.
LOSS_CONSTRAINTS = {
    "loss": [StrOptions({"squared_error", "poisson", "quantile"})],
    "quantile": [Interval(Real, 0, 1, closed="neither")],
}

LOSS_PARAMS_DOC = """\
loss : {'squared_error', 'poisson', 'quantile'}, default='squared_error'
        The data loss. ``'squared_error'``: half the mean squared error.
        ``'poisson'``: half the mean Poisson deviance with a log link, for
        counts and rates (``y >= 0``): the network's output is ``log(mu)`` and
        ``predict`` returns ``mu = exp(output)``, always positive.
        ``'quantile'``: the mean pinball loss at ``quantile``, whose minimiser
        predicts that quantile of ``y`` given ``x``; not differentiable, so it
        trains with a linear program for a linear model without an L2 part
        (``solver='highs'``) and with a mini-batch solver otherwise. See
        ``docs/objectives.md``.

    quantile : float, default=0.5
        The quantile predicted with ``loss='quantile'``, in (0, 1); ignored by
        the other losses."""


class RegressorNet(RegressorMixin, BaseNet):
    """Target handling for regression: 1-D or 2-D float targets, under the loss
    named by the ``loss`` and ``quantile`` parameters.
    """

    _multi_output = True

    @property
    def _loss(self) -> Loss:
        """The loss of the fitted model (of the parameters before a fit):
        predictions keep the link they were trained with after a
        ``set_params(loss=...)`` without a refit.
        """
        fitted = self.__dict__.get("_fitted_loss")
        if fitted is None:
            return regression_loss(self.loss, self.quantile)
        return regression_loss(*fitted)

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        loss = regression_loss(self.loss, self.quantile)
        loss.check_target(y)
        self._fitted_loss = (self.loss, float(self.quantile))
        self._y_ndim = y.ndim
        Y = y.reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        return Y

    @property
    def _coef_is_1d(self) -> bool:
        return self._y_ndim == 1

    @staticmethod
    def _target_tensor(Y, dtype, device):
        return _to_tensor(Y, dtype, device)

    def _decode(self, out: torch.Tensor) -> np.ndarray:
        """Predictions, ``inverse_link(out)``, shaped like the training ``y``."""
        return self._shape(self._loss.inverse_link(out))

    def _shape(self, pred: torch.Tensor) -> np.ndarray:
        pred = pred.cpu().numpy()
        return pred[:, 0] if self._y_ndim == 1 else pred

    def _score_array(self, out, Y, sample_weight) -> float:
        """The validation score of early stopping: ``R²`` for the squared error,
        the share of Poisson deviance or pinball loss explained (D²) for the
        others.
        """
        loss = self._loss
        pred = loss.inverse_link(out).cpu().numpy()
        return loss.d2_score(Y, pred, sample_weight=sample_weight)

    def predict(self, X):
        """Predict using the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values, with the dimensionality of the training ``y``.
        """
        return self._decode(self._validated_output(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


def with_loss_parameters(cls: type) -> type:
    """Class decorator: the regressor ``cls`` takes ``loss`` and ``quantile``
    on top of its family's parameters.

    Rather than a second copy of the family's signature, which a parameter
    added to the family would miss, the regressor's ``__init__`` is the
    family's with two keyword-only parameters after the positional ones. It
    still only stores its arguments; ``inspect.signature``, and so
    ``get_params``, ``clone`` and the API docs, read the combined signature
    from ``__signature__``.
    """
    family_init = cls.__init__  # inherited: ``cls`` defines none of its own
    signature = inspect.signature(family_init)
    parameters = list(signature.parameters.values())
    first = next(
        i for i, p in enumerate(parameters) if p.kind is inspect.Parameter.KEYWORD_ONLY
    )
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default in (("loss", "squared_error"), ("quantile", 0.5))
    ]

    def __init__(self, *args, loss="squared_error", quantile=0.5, **kwargs):
        family_init(self, *args, **kwargs)
        self.loss = loss
        self.quantile = quantile

    __init__.__signature__ = signature.replace(
        parameters=parameters[:first] + added + parameters[first:]
    )
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    cls.__init__ = __init__
    cls._parameter_constraints = {**cls._parameter_constraints, **LOSS_CONSTRAINTS}
    return cls
