"""scikit-learn's full estimator checks over every skreg estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skreg import (
    DropoutMLP,
    DropoutMLPClassifier,
    LassoNet,
    LassoNetClassifier,
    LassoNetClassifierCV,
    LassoNetCV,
    RidgeNet,
    RidgeNetClassifier,
    RidgeNetClassifierCV,
    RidgeNetCV,
    StabilitySelection,
)

ESTIMATORS = [
    RidgeNet,
    RidgeNetClassifier,
    LassoNet,
    LassoNetClassifier,
    DropoutMLP,
    DropoutMLPClassifier,
    RidgeNetCV,
    RidgeNetClassifierCV,
    LassoNetCV,
    LassoNetClassifierCV,
]


# Meta-estimators, with parameters that keep the checks fast: 2 pairs of
# half-samples along 5 alphas of a linear LassoNet.
META_ESTIMATORS = [
    StabilitySelection(
        LassoNet(hidden_layer_sizes=()), n_resampling=2, alphas=5, random_state=0
    ),
]


@parametrize_with_checks([Est() for Est in ESTIMATORS] + META_ESTIMATORS)
def test_sklearn_compatible_defaults(estimator, check):
    """Every check passes with default parameters, no expected failures."""
    check(estimator)
