"""
=================================================
Multi-output regression: learning curves and L2
=================================================

Thirty outputs, each a noisy sine of one of thirty inputs,
:math:`y_k = \\sin(x_k) + \\varepsilon_k`, learnt by one network with layers
30 → 20 → 10 → 30. The bottleneck of 10 units has to share what it learns
across the outputs. We train :class:`~skreg.RidgeNet` for 50 epochs of Adam with
and without an L2 penalty and record the training and test loss after every
epoch.
"""

# %%
# Data
# ----
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

from skreg import RidgeNet

data_rng = np.random.default_rng(0)
X = data_rng.uniform(-np.pi, np.pi, size=(1000, 30))
y = np.sin(X) + 0.1 * data_rng.standard_normal(X.shape)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)

# %%
# One epoch at a time
# -------------------
# ``loss_curve_`` holds the training objective of every epoch, but not the test
# loss. To follow both, we call ``fit`` with ``max_iter=1`` and
# ``warm_start=True``: each call trains one more epoch from the current weights.
# As with scikit-learn's MLP, each call starts Adam's moment estimates afresh,
# so the path differs slightly from one 50-epoch fit. Each call stops at
# ``max_iter`` on purpose, so its ``ConvergenceWarning`` is silenced.
#
# A ``RandomState`` instance as ``random_state`` gives every epoch its own
# shuffling, while the whole run stays reproducible.
n_epochs = 50


def learning_curves(alpha):
    model = RidgeNet(
        hidden_layer_sizes=(20, 10),
        activation="tanh",
        alpha=alpha,
        solver="adam",
        batch_size=32,
        learning_rate_init=0.01,
        max_iter=1,
        warm_start=True,
        random_state=np.random.RandomState(0),
    )
    train_loss, test_loss = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(n_epochs):
            model.fit(X_train, y_train)
            train_loss.append(mean_squared_error(y_train, model.predict(X_train)))
            test_loss.append(mean_squared_error(y_test, model.predict(X_test)))
    return train_loss, test_loss


curves = {alpha: learning_curves(alpha) for alpha in (0.0, 10.0)}

# %%
# Results
# -------
# Predicting zero everywhere gives a mean squared error of about 0.5, the
# variance of :math:`\sin(x)` on :math:`[-\pi, \pi]`; the noise variance, 0.01,
# is the best any model can do. The 10-unit bottleneck cannot carry thirty
# independent sines, so neither network comes near the noise level: this is a
# network of limited capacity, and still it overfits. Without a penalty the
# test error reaches its minimum and then climbs while the training error keeps
# falling. With ``alpha=10`` the training error follows the same path, but the
# test error levels off instead of climbing and ends lower.
for alpha, (train_loss, test_loss) in curves.items():
    print(
        f"alpha={alpha:>4}: final train MSE {train_loss[-1]:.4f}, "
        f"test MSE {test_loss[-1]:.4f} (best {min(test_loss):.4f}, "
        f"epoch {np.argmin(test_loss) + 1})"
    )

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
epochs = np.arange(1, n_epochs + 1)
for (alpha, (train_loss, test_loss)), color in zip(
    curves.items(), ["C0", "C1"], strict=True
):
    label = "no penalty" if alpha == 0 else f"alpha={alpha:g}"
    ax.plot(epochs, train_loss, color=color, ls="--", label=f"train, {label}")
    ax.plot(epochs, test_loss, color=color, label=f"test, {label}")
ax.set(xlabel="epoch", ylabel="mean squared error")
ax.legend()
plt.show()
