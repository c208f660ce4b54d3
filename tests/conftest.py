"""Fixtures shared by several test modules."""

import pytest
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler

from skreg import _base


@pytest.fixture(autouse=True)
def _auto_device_is_the_cpu(request, monkeypatch):
    """``device="auto"`` means the CPU in every test not marked ``gpu``.

    The suite states CPU results (bit-identical round trips through pickle,
    which stores CPU tensors; numpy views of the weights), so it must not move
    to a GPU just because the machine running it has one. The ``gpu`` tests ask
    for ``device="cuda"`` themselves.
    """
    if request.node.get_closest_marker("gpu") is None:
        resolve = _base._resolve_device
        monkeypatch.setattr(
            _base,
            "_resolve_device",
            lambda device: resolve("cpu" if device == "auto" else device),
        )


@pytest.fixture
def friedman_split():
    """Standardised ``make_friedman1`` (10 inputs, 5 informative): 400 training
    rows and 200 held-out rows, as ``(X, y, X_held, y_held)``."""
    X, y = make_friedman1(600, n_features=10, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X[:400], y[:400], X[400:], y[400:]
