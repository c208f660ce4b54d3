"""Fixtures shared by several test modules."""

import pytest
import torch
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler

from skreg import _base


@pytest.fixture(autouse=True, scope="session")
def _auto_device_is_the_cpu():
    """``device="auto"`` means the CPU throughout the suite, on a machine with a
    GPU too.

    The suite states CPU results (bit-identical round trips through pickle,
    which stores CPU tensors; numpy views of the weights). Session-wide, so
    that module-scoped fixtures fit on the CPU as well; the ``gpu`` tests name
    ``device="cuda"``, which passes through.
    """
    resolve = _base._resolve_device
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            _base,
            "_resolve_device",
            lambda device: resolve("cpu" if device == "auto" else device),
        )
        yield


@pytest.fixture
def friedman_split():
    """Standardised ``make_friedman1`` (10 inputs, 5 informative): 400 training
    rows and 200 held-out rows, as ``(X, y, X_held, y_held)``."""
    X, y = make_friedman1(600, n_features=10, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return X[:400], y[:400], X[400:], y[400:]


@pytest.fixture
def loss_targets():
    """A function ``(rng, loss, n, k) -> (Y, weight)`` drawing targets and sample
    weights for ``loss`` with ``k`` outputs: real values (squared error,
    pinball), counts (Poisson), 0/1 labels (logistic: one column is binary,
    ``k`` columns multilabel) or ``n`` class indices among ``k``
    (multinomial), and weights in [0, 2).
    """
    from skreg._loss import LogisticLoss, MultinomialLoss, PoissonLoss

    def draw(rng, loss, n, k):
        if isinstance(loss, LogisticLoss):
            Y = torch.tensor(rng.randint(2, size=(n, k)), dtype=torch.float64)
        elif isinstance(loss, MultinomialLoss):
            Y = torch.tensor(rng.randint(k, size=n))
        elif isinstance(loss, PoissonLoss):
            Y = torch.tensor(rng.poisson(3.0, size=(n, k)), dtype=torch.float64)
        else:
            Y = torch.tensor(rng.standard_normal((n, k)))
        return Y, torch.tensor(rng.uniform(0, 2, n))

    return draw
