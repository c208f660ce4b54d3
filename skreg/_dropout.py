"""DropoutMLP and DropoutMLPClassifier: networks regularised by dropout."""

import copy
import threading
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    BaseNet,
    Interval,
    StrOptions,
    _seed,
)
from ._classifier import CLASS_WEIGHT_DOC, ClassifierNet, with_class_weight
from ._docstrings import COMMON_PARAMS_DOC, FITTED_ATTRS_DOC
from ._modules import Net
from ._regressor import LOSS_PARAMS_DOC, RegressorNet, with_loss_parameters
from ._strength import auto_alpha
from .penalties import L2, ElementwiseElasticNet

_MC_LOCK = threading.Lock()


class _DropoutFamily:
    _parameter_constraints = {
        **BaseNet._parameter_constraints,
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "n_mc_samples": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        dropout=0.5,
        alpha="auto",
        l1_ratio=0.0,
        n_mc_samples=100,
        solver="auto",
        batch_size="auto",
        learning_rate_init=0.01,
        learning_rate="constant",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        shuffle=True,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        max_fun=15000,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.n_mc_samples = n_mc_samples
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    def _build_module(self, n_in, n_out, sizes):
        return Net(n_in, n_out, sizes, self.activation, dropout=self.dropout)

    def _penalty_terms(self, module, n):
        if self.alpha_ == 0:
            return []
        if self.l1_ratio == 0:
            return [(L2(self.alpha_ / n), module.weights())]
        l1, l2 = self.alpha_ * self.l1_ratio / n, self.alpha_ * (1 - self.l1_ratio) / n
        return [(ElementwiseElasticNet(l1, l2), module.weights())]

    def _store_weights(self, module):
        super()._store_weights(module)
        with torch.no_grad():
            self.sparsity_ = np.array(
                [float((w == 0).double().mean()) for w in module.weights()]
            )

    def _auto_strength(self, name, prep):
        return auto_alpha(self, prep, lasso=False, linear=not prep.sizes)

    def _mc_outputs(self, X) -> torch.Tensor:
        """``n_mc_samples`` forward passes with dropout on, seeded by random_state.

        Dropout draws from torch's global generator, so the seeded section is
        forked from it (the caller's stream is untouched) and serialised by a lock
        (threads get the same, reproducible samples); the passes run on a private
        train-mode copy of the network.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        seed = np.random.RandomState(
            self.random_state if isinstance(self.random_state, Integral) else None
        ).randint(np.iinfo(np.int32).max)
        module = copy.deepcopy(self.module_).train()
        p = next(module.parameters())
        devices = [p.device] if p.device.type == "cuda" else []
        with _MC_LOCK, torch.random.fork_rng(devices=devices):
            _seed(seed, devices)
            outputs = [self._output(X, module=module) for _ in range(self.n_mc_samples)]
        return torch.stack(outputs)


_DROPOUT_DOC = """{summary}

    Inverted dropout with probability ``dropout`` follows every hidden
    activation during training only: ``predict``, ``score`` and
    ``predict_proba`` use the deterministic network. The objective is::

        {loss}
        + alpha / n * sum_l [l1_ratio * ||W_l||_1
                             + (1 - l1_ratio) / 2 * ||W_l||_F^2]

    averaged over dropout masks, elementwise on every weight matrix (biases
    excluded): at the default ``l1_ratio=0`` scikit-learn's MLP penalty
    ``alpha / (2 n) * sum_l ||W_l||_F^2``. The L1 part is applied by proximal
    steps (soft-thresholding after each update), so pruned weights are exactly
    zero (``sparsity_``); with no hidden layer and no dropout the model is
    :class:`~sklearn.linear_model.ElasticNet` with ``alpha / n`` and the same
    ``l1_ratio``.
    {mc}

    Parameters
    ----------
    {common}
{loss_params}
    dropout : float, default=0.5
        Probability of zeroing each hidden unit during training.

    alpha : float or 'auto', default='auto'
        L2 strength, as in :class:`RidgeNet`, whose ``'auto'`` it shares.
        Dropout alone (the old default ``alpha=0``) left networks with more
        inputs than training rows worse than a constant model on
        ``benchmarks/realdata.py``: see :doc:`/defaults`. ``'auto'`` does not
        depend on ``l1_ratio``.

    l1_ratio : float, default=0.0
        Share of the penalty that is L1 (``||W||_1``, exact zeros by proximal
        steps) rather than L2, as in :class:`~sklearn.linear_model.ElasticNet`:
        the "L1 regularisation of a network" of the classic tutorials. ``0``
        is the ridge (weight decay) penalty alone.

    n_mc_samples : int, default=100
        Stochastic forward passes used by Monte-Carlo dropout predictions; at
        least 2, as their standard deviation needs two.

    Attributes
    ----------
    {fitted}

    alpha_ : float
        The penalty strength used: ``alpha``, or the value ``'auto'``
        computed.

    sparsity_ : ndarray of shape (n_layers - 1,)
        Fraction of exactly zero weights in each weight matrix, input layer
        first (biases excluded): what the L1 part (``l1_ratio > 0``) pruned.

    See Also
    --------
    {see_also}
"""


@with_loss_parameters
class DropoutMLP(_DropoutFamily, RegressorNet):
    __doc__ = _DROPOUT_DOC.format(
        summary="Neural network regressor regularised by dropout.",
        loss="L",
        mc="``L`` is the data loss chosen by ``loss``, by default\n    "
        "``1 / (2 n) * sum_i s_i ||y_i - f(x_i)||^2``.\n    "
        "``predict(X, return_std=True)`` adds Monte-Carlo dropout uncertainty\n    "
        "(Gal & Ghahramani, 2016), like ``BayesianRidge.predict``.",
        common=COMMON_PARAMS_DOC,
        loss_params="\n    " + LOSS_PARAMS_DOC + "\n",
        fitted=FITTED_ATTRS_DOC,
        see_also="sklearn.neural_network.MLPRegressor : No dropout.\n"
        "    sklearn.linear_model.BayesianRidge : ``predict(return_std=True)``.\n\n"
        "    Examples\n    --------\n"
        "    >>> import numpy as np\n"
        "    >>> from skreg import DropoutMLP\n"
        "    >>> X = np.linspace(-3, 3, 200).reshape(-1, 1)\n"
        "    >>> y = np.sin(X).ravel()\n"
        "    >>> model = DropoutMLP(dropout=0.1, random_state=0).fit(X, y)\n"
        "    >>> mean, std = model.predict(X[:3], return_std=True)\n"
        "    >>> mean.shape, std.shape\n    ((3,), (3,))",
    )

    def predict(self, X, return_std=False):
        """Predict with dropout off, or the Monte-Carlo dropout mean and spread.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            If True, return the mean and standard deviation of ``n_mc_samples``
            forward passes with dropout on.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions (Monte-Carlo mean when ``return_std=True``).
        y_std : ndarray of the same shape
            Monte-Carlo standard deviation; only when ``return_std=True``.
            Both are taken over the passes' predictions, ``exp`` of the
            outputs with ``loss='poisson'``.
        """
        if not return_std:
            return super().predict(X)
        predictions = self._loss.inverse_link(self._mc_outputs(X))
        return self._shape(predictions.mean(0)), self._shape(predictions.std(0))


class DropoutMLPClassifier(_DropoutFamily, ClassifierNet):
    __doc__ = _DROPOUT_DOC.format(
        summary="Neural network classifier regularised by dropout.",
        loss="1 / n * sum_i s_i log_loss(y_i, f(x_i))",
        mc="``predict_proba(X, return_std=True)`` returns the Monte-Carlo "
        "dropout mean of the class probabilities and their standard deviation.",
        common=COMMON_PARAMS_DOC + CLASS_WEIGHT_DOC,
        loss_params="",
        fitted=FITTED_ATTRS_DOC + "\n\n    classes_ : ndarray of shape (n_classes,)\n"
        "        Class labels (``range(n_labels)`` for a multilabel ``y``).",
        see_also="sklearn.neural_network.MLPClassifier : No dropout.\n\n"
        "    Examples\n    --------\n"
        "    >>> from sklearn.datasets import load_iris\n"
        "    >>> from skreg import DropoutMLPClassifier\n"
        "    >>> X, y = load_iris(return_X_y=True)\n"
        "    >>> clf = DropoutMLPClassifier(dropout=0.2, random_state=0).fit(X, y)\n"
        "    >>> clf.predict_proba(X[:1], return_std=True)[0].shape\n    (1, 3)",
    )
    _parameter_constraints = {
        **_DropoutFamily._parameter_constraints,
        **ClassifierNet._parameter_constraints,
    }
    __init__ = with_class_weight(_DropoutFamily.__init__)

    def predict_proba(self, X, return_std=False):
        """Class probabilities, optionally with Monte-Carlo dropout spread.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            If True, return the mean and standard deviation of the
            probabilities over ``n_mc_samples`` forward passes with dropout on.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities (Monte-Carlo mean when ``return_std=True``).
        proba_std : ndarray of shape (n_samples, n_classes)
            Monte-Carlo standard deviation; only when ``return_std=True``.
        """
        if not return_std:
            return super().predict_proba(X)
        probas = torch.stack([self._log_proba(o).exp() for o in self._mc_outputs(X)])
        return probas.mean(0).cpu().numpy(), probas.std(0).cpu().numpy()
