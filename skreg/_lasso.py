"""LassoNet and LassoNetClassifier: feature-sparse networks (Lemhadri et al., 2021)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import RealNotInt

from ._base import (
    BaseNet,
    Interval,
    StrOptions,
)
from ._classifier import CLASS_WEIGHT_DOC, ClassifierNet, with_class_weight
from ._docstrings import COMMON_PARAMS_DOC, FITTED_ATTRS_DOC
from ._groups import feature_groups
from ._importance import fit_to_n_features, normalised, theta_norms
from ._modules import Net
from ._regressor import LOSS_PARAMS_DOC, RegressorNet, with_loss_parameters
from ._strength import auto_alpha
from .penalties import L2, ElasticNet, HierarchicalElasticNet


class _LassoNetFamily:
    _parameter_constraints = {
        **BaseNet._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "M": [Interval(Real, 0, None, closed="neither")],
        "n_features_to_select": [
            None,
            Interval(RealNotInt, 0, 1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "gamma": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "groups": [None, "array-like", StrOptions({"auto"})],
        "penalty_factor": [None, "array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        alpha="auto",
        l1_ratio=1.0,
        M=1.0,
        gamma="auto",
        groups=None,
        penalty_factor=None,
        n_features_to_select=None,
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
        self.l1_ratio = l1_ratio
        self.M = M
        self.gamma = gamma
        self.groups = groups
        self.penalty_factor = penalty_factor
        self.n_features_to_select = n_features_to_select
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
        return Net(n_in, n_out, sizes, self.activation, skip=True)

    def _penalty_terms(self, module, n):
        l1, l2 = self.alpha_ * self.l1_ratio, self.alpha_ * (1 - self.l1_ratio)
        groups = self._l1_groups
        if module.first_hidden is None:
            return [(ElasticNet(l1, l2, groups), [module.theta])]
        penalty = HierarchicalElasticNet(l1, l2, self.M, groups)
        terms = [(penalty, [module.theta, module.first_hidden])]
        if self.gamma_ > 0:
            # The first layer is bounded by the hierarchy: only the later ones.
            later = [lin.weight for lin in module.linears[1:]]
            terms.append((L2(self.gamma_ / n), later))
        return terms

    def _feature_groups(self):
        """The weighted groups of the L1 penalty (None: one per feature) and
        the groups as index arrays (None without ``groups``); from the
        parameters, so nothing but ``groups_`` is stored.
        """
        names = getattr(self, "feature_names_in_", None)
        return feature_groups(
            self.groups, self.penalty_factor, self.n_features_in_, names
        )

    @property
    def _l1_groups(self):
        return self._feature_groups()[0]

    def _set_strengths(self, prep):
        groups = self._feature_groups()[1]  # invalid groups fail here, first
        self.__dict__.pop("groups_", None)
        if groups is not None:
            self.groups_ = groups
        super()._set_strengths(prep)
        self.gamma_ = self._strength("gamma", prep) if prep.sizes else 0.0

    def _auto_strength(self, name, prep):
        if name == "gamma":  # RidgeNet's alpha='auto' on the same data
            return auto_alpha(self, prep, lasso=False, linear=False)
        if self.l1_ratio == 0:
            raise ValueError(
                "alpha='auto' is not supported for l1_ratio=0 (it scales the "
                "alpha at which every input is dropped, which an L2 penalty never "
                "reaches); pass a number as alpha."
            )
        alpha = auto_alpha(self, prep, lasso=True, linear=False, groups=self._l1_groups)
        return alpha / self.l1_ratio

    def _fit(self, X, y, sample_weight, *, incremental=False, **kwargs):
        # partial_fit trains at ``alpha``: a path needs the whole data.
        if self.n_features_to_select is None or incremental:
            return super()._fit(X, y, sample_weight, incremental=incremental, **kwargs)
        return fit_to_n_features(self, X, y, sample_weight)

    def _store_linear_part(self, module):
        super()._store_linear_part(module)
        theta = module.theta.detach().cpu().numpy()
        self.support_ = np.any(theta != 0, axis=0)
        norms = theta_norms(module)
        # A fit at one alpha: a path of one point (see skreg._importance).
        self.feature_importances_ = normalised(norms)


_LASSO_DOC = """{summary}

    The network is ``f(x) = theta^T x + g_W(x)``: a linear skip connection
    ``theta`` plus an MLP ``g_W``. It minimises::

        {loss}
        + alpha * l1_ratio * sum_j ||theta_j||_2
        + alpha * (1 - l1_ratio) / 2 * ||theta||_F^2
        + gamma / (2 n) * sum_(l >= 2) ||W_l||_F^2

    subject to the hierarchy ``||W1_j||_inf <= M * ||theta_j||_2`` on the first
    hidden layer ``W1``, so input ``j`` leaves the whole network exactly when
    ``theta_j = 0``. ``theta_j`` is feature ``j``'s weight vector over all
    outputs, so for one output (and for binary classification) the penalty is
    the usual elastic net. The L1 part is applied by proximal steps
    (Hier-Prox), giving exact zeros. {linear}

    Parameters
    ----------
    {common}
{loss_params}
    alpha : float or 'auto', default='auto'
        Penalty strength, on :class:`~sklearn.linear_model.ElasticNet`'s scale.
        ``'auto'`` (the value used is ``alpha_``): the smallest alpha at which
        the linear Lasso of the same data with shuffled targets drops every
        input (the mean over shuffles of ``max_j ||X_j^T R||_2 / n``, divided
        by ``l1_ratio``): an input stays only if it does better than an
        irrelevant one. Not defined for ``l1_ratio=0``. Chosen on
        ``benchmarks/realdata.py``, where the old default (0.01) kept every
        input of 26 of 28 data sets: see :doc:`/defaults`.

    l1_ratio : float, default=1.0
        Mix between the L1 (``1.0``) and L2 (``0.0``) parts.

    M : float, default=1.0
        Hierarchy multiplier: how much larger than ``||theta_j||`` the first
        layer weights of input ``j`` may be. An input enters the network when
        its gradient through the skip plus ``M`` times its gradient through the
        first hidden layer exceeds the L1 strength, so a large ``M`` keeps
        every input: with the old default 10 no alpha near the Lasso's scale
        dropped any (``benchmarks/realdata.py``; :doc:`/defaults`).

    gamma : float or 'auto', default='auto'
        L2 strength on the weights of the MLP ``g_W`` after its first layer
        (the first is bounded by the hierarchy; neither it nor the skip
        ``theta`` is penalised again), on :class:`RidgeNet`'s scale:
        ``gamma / (2 n) * sum_(l >= 2) ||W_l||_F^2``. ``'auto'`` (the value used is
        ``gamma_``) is :class:`RidgeNet`'s ``alpha='auto'`` on the same data.
        Without it the output layer is not penalised and a classifier's
        probabilities grow overconfident (log-loss up to 4.5 times a constant
        model's on ``benchmarks/realdata.py``). Penalising the first layer too
        hid inputs that act only nonlinearly (``make_friedman1``'s ``x2`` fell
        from the top 5 of ``feature_importances_`` to 41st-47th). No effect on
        a linear model, which stays exactly the elastic net.

    groups : list of lists of int or 'auto', default=None
        Features that enter and leave together, such as the one-hot columns
        of a categorical input: the L1 part becomes the group lasso's
        ``alpha * l1_ratio * sum_g w_g ||theta_g||_F`` (``theta_g`` the skip
        weights of group ``g``'s features over all outputs) with
        ``w_g = sqrt(|g|)``, ``|g|`` the group's number of features, and the
        hierarchy holds per group, ``||W1_g||_inf <= M * ||theta_g||_F``. A
        list of lists of column indices (features not listed are groups of
        their own), or ``'auto'``: read from the feature names of a
        DataFrame, a column joining the group of every column whose name
        shares its text up to the last ``'_'`` (``'onehot__color_red'`` and
        ``'onehot__color_blue'`` form group ``'onehot__color'``, as
        :class:`~sklearn.preprocessing.OneHotEncoder` inside a
        :class:`~sklearn.compose.ColumnTransformer` names them). Numeric
        columns named like ``'x_1'``, ``'x_2'`` would be grouped too: give the
        list there (:doc:`/selection` has the whole rule). The groups used
        are ``groups_``.

    penalty_factor : array-like of float, default=None
        Non-negative multiplier of each feature's L1 strength (or each
        group's, one entry per group of ``groups_``), as glmnet's
        ``penalty.factor``: the weight of group ``g`` is
        ``penalty_factor_g * sqrt(|g|)``. A factor of 0 never penalises the
        feature, which is then always kept; the L2 part is not weighted.
        Unlike glmnet, the factors are not rescaled to sum to
        ``n_features``: ``alpha`` keeps its meaning. The adaptive lasso is
        ``penalty_factor=1 / np.abs(coef_ridge) ** gamma``
        (:doc:`/selection`). With ``groups`` or ``penalty_factor``,
        ``alpha='auto'`` and the path's ``alpha_max`` are those of the
        weighted problem, ``max_g ||X_g^T R||_F / (n w_g)`` over the groups
        of positive weight.

    n_features_to_select : int or float, default=None
        ``None``: one fit at ``alpha``. Otherwise ``fit`` runs the
        dense-to-sparse regularisation path (from ``alpha_max / 100``, where
        ``alpha_max`` is the smallest alpha at which the linear model keeps
        no input, up by a factor 1.3 per step, each fit warm-started from the
        previous one) and keeps the first model with at most this many inputs
        in use; ``alpha`` and ``warm_start`` are then unused and the path's
        alpha is ``alpha_``. A float in (0, 1] is a fraction of the inputs.

    Attributes
    ----------
    {fitted}

    alpha_ : float
        The penalty strength used: ``alpha``, or the value ``'auto'`` computed;
        with ``n_features_to_select``, the alpha of the model kept.

    gamma_ : float
        The L2 strength on the MLP's weights used (0 for a linear model).

    coef_ : ndarray
        The linear part ``theta``, in scikit-learn's shape conventions.

    intercept_ : float or ndarray
        The output bias.

    support_ : ndarray of shape (`n_features_in_`,) of bool
        Inputs in use (``theta_j != 0``).

    groups_ : list of ndarray of int
        With ``groups``: the groups of features, each an array of column
        indices, the features not listed last, one per group.

    feature_importances_ : ndarray of shape (`n_features_in_`,)
        With ``n_features_to_select``: the area under each input's
        ``||theta_j||`` against alpha along the path (an input that left
        early, or never entered, scores little or 0; one still in use at the
        end counts its area up to there), normalised to sum to 1. Ranked this
        way, the informative inputs of ``make_friedman1`` come first where the
        alpha at which an input leaves ranks one of them below noise
        (:doc:`/selection`). Without it, the fit is a path of one point and
        this is ``||theta_j||`` normalised to sum to 1. Select the top ``k``
        with ``SelectFromModel(model, max_features=k, threshold=-np.inf,
        importance_getter="feature_importances_")``.

    See Also
    --------
    {see_also}
"""


@with_loss_parameters
class LassoNet(_LassoNetFamily, RegressorNet):
    __doc__ = _LASSO_DOC.format(
        summary="Feature-sparse neural network regressor (LassoNet).",
        loss="L",
        linear="``L`` is the data loss chosen by ``loss``, by default\n    "
        "``1 / (2 n) * sum_i s_i ||y_i - f(x_i)||^2``. With\n    "
        "``hidden_layer_sizes=()`` this is exactly\n    "
        ":class:`~sklearn.linear_model.ElasticNet` (one output) or\n    "
        ":class:`~sklearn.linear_model.MultiTaskElasticNet` (several); with\n    "
        "``loss='quantile'`` and ``l1_ratio=1``\n    "
        ":class:`~sklearn.linear_model.QuantileRegressor` with the same ``alpha``.",
        common=COMMON_PARAMS_DOC,
        loss_params="\n    " + LOSS_PARAMS_DOC + "\n",
        fitted=FITTED_ATTRS_DOC,
        see_also="sklearn.linear_model.ElasticNet : The linear special case.\n"
        "    sklearn.linear_model.Lasso : The linear case with ``l1_ratio=1``.\n\n"
        "    Examples\n    --------\n"
        "    >>> from sklearn.datasets import load_diabetes\n"
        "    >>> from skreg import LassoNet\n"
        "    >>> X, y = load_diabetes(return_X_y=True)\n"
        "    >>> model = LassoNet(hidden_layer_sizes=(), alpha=1.0).fit(X, y)\n"
        "    >>> model.support_.sum()\n    np.int64(3)",
    )


class LassoNetClassifier(_LassoNetFamily, ClassifierNet):
    __doc__ = _LASSO_DOC.format(
        summary="Feature-sparse neural network classifier (LassoNet).",
        loss="1 / n * sum_i s_i log_loss(y_i, f(x_i))",
        linear="With ``hidden_layer_sizes=()`` and two classes this is exactly "
        ":class:`~sklearn.linear_model.LogisticRegression` with the same "
        "``l1_ratio`` and ``C = 1 / (n * alpha)``.",
        common=COMMON_PARAMS_DOC + CLASS_WEIGHT_DOC,
        loss_params="",
        fitted=FITTED_ATTRS_DOC + "\n\n    classes_ : ndarray of shape (n_classes,)\n"
        "        Class labels (``range(n_labels)`` for a multilabel ``y``).",
        see_also="sklearn.linear_model.LogisticRegression : The linear special "
        "case.\n\n    Examples\n    --------\n"
        "    >>> from sklearn.datasets import load_breast_cancer\n"
        "    >>> from sklearn.preprocessing import scale\n"
        "    >>> from skreg import LassoNetClassifier\n"
        "    >>> X, y = load_breast_cancer(return_X_y=True)\n"
        "    >>> clf = LassoNetClassifier(alpha=0.3, solver='fista', random_state=0)\n"
        "    >>> clf = clf.fit(scale(X), y)\n"
        "    >>> bool(clf.support_.sum() < X.shape[1])\n    True",
    )
    _parameter_constraints = {
        **_LassoNetFamily._parameter_constraints,
        **ClassifierNet._parameter_constraints,
    }
    __init__ = with_class_weight(_LassoNetFamily.__init__)
