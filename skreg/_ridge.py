"""RidgeNet and RidgeNetClassifier: networks with an L2 (weight decay) penalty."""

from numbers import Real

from ._base import (
    BaseNet,
    Interval,
    StrOptions,
)
from ._classifier import CLASS_WEIGHT_DOC, ClassifierNet, with_class_weight
from ._docstrings import COMMON_PARAMS_DOC, FITTED_ATTRS_DOC
from ._regressor import LOSS_PARAMS_DOC, RegressorNet, with_loss_parameters
from ._strength import auto_alpha
from .penalties import L2


class _RidgeFamily:
    _parameter_constraints = {
        **BaseNet._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        alpha="auto",
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
        self.alpha = alpha
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

    def _penalty_terms(self, module, n):
        return [(L2(self.alpha_ / n), module.weights())]

    def _auto_strength(self, name, prep):
        return auto_alpha(self, prep, lasso=False, linear=not prep.sizes)


_RIDGE_DOC = """{summary}

    Minimises ``{loss} + alpha / (2 n) * sum_l ||W_l||_F^2`` over every weight
    matrix ``W_l`` (biases are not penalised), where ``n`` is the sum of sample
    weights. The objective does not depend on the solver or the batch size.
    {linear}

    Parameters
    ----------
    {common}
{loss_params}
    alpha : float or 'auto', default='auto'
        L2 strength, on :class:`~sklearn.linear_model.Ridge`'s scale.
        ``'auto'`` (the value used is ``alpha_``): for a network,
        ``noise**2 / alpha_max``, where ``alpha_max`` (the largest singular
        value of ``X^T R``, ``R`` the residual of the constant model) is where
        the network collapses to a constant and ``noise`` is its mean over
        shuffles of the targets: strong when the data hold little more than
        noise (the network stays near the constant model), weak when the
        signal is strong, and a fixed penalty per sample whatever ``n``.
        For a linear model ``'auto'`` is 1.0, the default of ``Ridge`` and
        ``LogisticRegression``. Chosen on ``benchmarks/realdata.py``, where
        the old default (1.0) overfitted small data sets: see
        :doc:`/defaults`.

    Attributes
    ----------
    {fitted}

    alpha_ : float
        The L2 strength used: ``alpha``, or the value ``'auto'`` computed.

    coef_ : ndarray
        Weights of a linear model (``hidden_layer_sizes=()`` only).

    intercept_ : float or ndarray
        Intercept of a linear model (``hidden_layer_sizes=()`` only).

    See Also
    --------
    {see_also}
"""


@with_loss_parameters
class RidgeNet(_RidgeFamily, RegressorNet):
    __doc__ = _RIDGE_DOC.format(
        summary="Neural network regressor with an L2 penalty on its weights.",
        loss="L",
        linear="``L`` is the data loss chosen by ``loss``, by default\n    "
        "``1 / (2 n) * sum_i s_i ||y_i - f(x_i)||^2``. With\n    "
        "``hidden_layer_sizes=()`` this is exactly\n    "
        ":class:`~sklearn.linear_model.Ridge` with the same ``alpha``, and with\n    "
        "``loss='poisson'`` :class:`~sklearn.linear_model.PoissonRegressor`\n    "
        "with ``alpha / n``.",
        common=COMMON_PARAMS_DOC,
        loss_params="\n    " + LOSS_PARAMS_DOC + "\n",
        fitted=FITTED_ATTRS_DOC,
        see_also="sklearn.linear_model.Ridge : The linear special case.\n    "
        "sklearn.neural_network.MLPRegressor : Whose ``alpha`` depends on the "
        "solver.\n\n    Examples\n    --------\n"
        "    >>> from sklearn.datasets import load_diabetes\n"
        "    >>> from skreg import RidgeNet\n"
        "    >>> X, y = load_diabetes(return_X_y=True)\n"
        "    >>> model = RidgeNet(hidden_layer_sizes=(), alpha=0.1).fit(X, y)\n"
        "    >>> round(model.score(X, y), 3)\n    0.513",
    )


class RidgeNetClassifier(_RidgeFamily, ClassifierNet):
    __doc__ = _RIDGE_DOC.format(
        summary="Neural network classifier with an L2 penalty on its weights.",
        loss="1 / n * sum_i s_i log_loss(y_i, f(x_i))",
        linear="With ``hidden_layer_sizes=()`` this is exactly "
        ":class:`~sklearn.linear_model.LogisticRegression` with ``C=1/alpha``.",
        common=COMMON_PARAMS_DOC + CLASS_WEIGHT_DOC,
        loss_params="",
        fitted=FITTED_ATTRS_DOC + "\n\n    classes_ : ndarray of shape (n_classes,)\n"
        "        Class labels (``range(n_labels)`` for a multilabel ``y``).",
        see_also="sklearn.linear_model.LogisticRegression : The linear special "
        "case.\n    sklearn.neural_network.MLPClassifier : Whose ``alpha`` depends on "
        "the solver.\n\n    Examples\n    --------\n"
        "    >>> from sklearn.datasets import load_iris\n"
        "    >>> from skreg import RidgeNetClassifier\n"
        "    >>> X, y = load_iris(return_X_y=True)\n"
        "    >>> clf = RidgeNetClassifier(random_state=0).fit(X, y)\n"
        "    >>> clf.predict(X[:2])\n    array([0, 0])",
    )
    _parameter_constraints = {
        **_RidgeFamily._parameter_constraints,
        **ClassifierNet._parameter_constraints,
    }
    __init__ = with_class_weight(_RidgeFamily.__init__)
