"""skreg: regularised neural networks that behave like scikit-learn estimators."""

from ._cv import LassoNetClassifierCV, LassoNetCV, RidgeNetClassifierCV, RidgeNetCV
from ._dropout import DropoutMLP, DropoutMLPClassifier
from ._interval import IntervalRegressor
from ._lasso import LassoNet, LassoNetClassifier
from ._path import regularization_path
from ._persistence import InconsistentVersionWarning, load, save
from ._plot import LossCurveDisplay, RegularizationPathDisplay
from ._ridge import RidgeNet, RidgeNetClassifier

__version__ = "0.1.0"

__all__ = [
    "DropoutMLP",
    "DropoutMLPClassifier",
    "InconsistentVersionWarning",
    "IntervalRegressor",
    "LassoNet",
    "LassoNetClassifier",
    "LassoNetClassifierCV",
    "LassoNetCV",
    "LossCurveDisplay",
    "RegularizationPathDisplay",
    "RidgeNet",
    "RidgeNetClassifier",
    "RidgeNetClassifierCV",
    "RidgeNetCV",
    "load",
    "regularization_path",
    "save",
]
