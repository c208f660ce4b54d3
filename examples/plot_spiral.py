"""
=================================================
Spiral data: L2 and L1 penalties against dropout
=================================================

Three interleaved spirals in the plane, the classic toy problem of the CS231n
course, classified by a network with one hidden layer of 512 ReLU units: far
more capacity than 180 noisy training points need. We follow training and
validation accuracy epoch by epoch for four regularisers: none, an L2 penalty
(:class:`~skreg.RidgeNetClassifier`), dropout
(:class:`~skreg.DropoutMLPClassifier`) and an L1 penalty on every weight (the
same class with ``dropout=0`` and ``l1_ratio=1``), which prunes weights to
exactly zero.
"""

# %%
# Data
# ----
# Each class is an arm of a spiral, with noise on the angle. The validation set
# is a large fresh sample of the same distribution, so that a difference of one
# point of accuracy is not noise.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg import DropoutMLPClassifier, RidgeNetClassifier


def make_spirals(n_per_class, noise, rng):
    radius = rng.uniform(0, 1, size=(3, n_per_class))
    angle = 4 * np.arange(3)[:, None] + 4 * radius
    angle = angle + noise * rng.standard_normal(angle.shape)
    X = np.c_[(radius * np.sin(angle)).ravel(), (radius * np.cos(angle)).ravel()]
    y = np.repeat(np.arange(3), n_per_class)
    return X, y


data_rng = np.random.default_rng(0)
X_train, y_train = make_spirals(60, 0.5, data_rng)
X_val, y_val = make_spirals(1000, 0.5, data_rng)

# %%
# Accuracy after every epoch
# --------------------------
# Each call to ``fit`` with ``max_iter=1`` and ``warm_start=True`` trains one
# more epoch of Adam from the current weights (Adam's moment estimates restart
# at every call, as in scikit-learn's MLP). Each call stops at ``max_iter`` on
# purpose, so its ``ConvergenceWarning`` is silenced. A ``RandomState`` instance
# as ``random_state`` draws new shuffles and dropout masks at every epoch while
# keeping the run reproducible.
n_epochs = 100
common = dict(
    hidden_layer_sizes=(512,),
    solver="adam",
    batch_size=32,
    learning_rate_init=0.005,
    max_iter=1,
    warm_start=True,
)
models = {
    "no penalty": RidgeNetClassifier(alpha=0.0, **common),
    "L2, alpha=0.1": RidgeNetClassifier(alpha=0.1, **common),
    # alpha=0: dropout alone (its default adds the L2 penalty of alpha='auto').
    "dropout=0.5": DropoutMLPClassifier(dropout=0.5, alpha=0.0, **common),
    "L1, alpha=0.03": DropoutMLPClassifier(
        dropout=0.0, alpha=0.03, l1_ratio=1.0, **common
    ),
}

history = {}
for name, model in models.items():
    model.set_params(random_state=np.random.RandomState(0))
    train_acc, val_acc = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(n_epochs):
            model.fit(X_train, y_train)
            train_acc.append(model.score(X_train, y_train))
            val_acc.append(model.score(X_val, y_val))
    history[name] = train_acc, val_acc
    print(
        f"{name:>14}: train {train_acc[-1]:.3f}, validation {val_acc[-1]:.3f} "
        f"(best {max(val_acc):.3f})"
    )
# The L1 penalty's proximal steps leave exact zeros: the share of each layer's
# weights it pruned.
print("zero weights per layer (L1):", models["L1, alpha=0.03"].sparsity_.round(3))

# %%
# Learning curves
# ---------------
# All four networks end near 90 % validation accuracy (the L1 network with about
# a third of its weights exactly zero); the noise on the angle,
# not the network, sets that limit. Without a penalty the training accuracy
# pulls ahead of the validation accuracy in the last epochs: the network starts
# to fit the noise of its 180 points. The penalties and dropout keep the two
# curves together, which here buys little on the validation set. A regulariser
# is insurance against overfitting, and its value depends on how much the
# unregularised model overfits; search its strength with ``GridSearchCV``
# rather than assume it helps.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
epochs = np.arange(1, n_epochs + 1)
for (name, (train_acc, val_acc)), color in zip(
    history.items(), ["C0", "C1", "C2", "C3"], strict=True
):
    ax.plot(epochs, train_acc, color=color, ls="--", label=f"train, {name}")
    ax.plot(epochs, val_acc, color=color, label=f"validation, {name}")
ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0.5, 1.01))
ax.legend(fontsize="small", ncols=2)
plt.show()

# %%
# Decision regions
# ----------------
# The four boundaries agree on the arms and differ mostly near the centre,
# where the arms meet and the classes overlap.
xx, yy = np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-1.2, 1.2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 4, figsize=(14, 4), layout="constrained", sharey=True)
for ax, (name, model) in zip(axes, models.items(), strict=True):
    regions = model.predict(grid).reshape(xx.shape)
    ax.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3, cmap="brg")
    ax.scatter(*X_train.T, c=y_train, s=12, cmap="brg", edgecolor="k", linewidth=0.3)
    ax.set(title=name, aspect="equal", xticks=[], yticks=[])
plt.show()
