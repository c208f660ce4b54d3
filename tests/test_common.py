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


# Classifiers whose probabilities reach 0 on the checks' separable data (their
# logarithms once stayed finite there: check_classifiers_train failed).
SHARP = [
    RidgeNetClassifier(alpha=1e-4),
    LassoNetClassifier(alpha=1e-4),
    DropoutMLPClassifier(dropout=0.0),
]


@parametrize_with_checks(SHARP)
def test_sklearn_compatible_without_dropout_or_at_small_alpha(estimator, check):
    """Every check passes at any dropout (0 included) and any small alpha."""
    check(estimator)
