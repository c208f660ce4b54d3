"""Fixtures shared by several test modules."""

import pytest
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler


@pytest.fixture
def friedman_split():
    """Standardised ``make_friedman1`` (10 inputs, 5 informative): 400 training
    rows and 200 held-out rows, as ``(X, y, X_held, y_held)``."""
    X, y = make_friedman1(600, n_features=10, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X[:400], y[:400], X[400:], y[400:]
