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


@parametrize_with_checks([Est() for Est in ESTIMATORS])
def test_sklearn_compatible_defaults(estimator, check):
    """Every check passes with default parameters, no expected failures."""
    check(estimator)
