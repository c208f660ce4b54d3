"""skreg: regularised neural networks that behave like scikit-learn estimators."""

from ._dropout import DropoutMLP, DropoutMLPClassifier
from ._lasso import LassoNet, LassoNetClassifier
from ._ridge import RidgeNet, RidgeNetClassifier

__version__ = "0.1.0"

__all__ = [
    "DropoutMLP",
    "DropoutMLPClassifier",
    "LassoNet",
    "LassoNetClassifier",
    "RidgeNet",
    "RidgeNetClassifier",
]
