"""
===========================================================
Prediction intervals from two quantile networks
===========================================================

A network trained with the pinball loss (``loss="quantile"``) predicts a
quantile of :math:`y` given :math:`x` instead of its mean. Two of them, at the
0.05- and 0.95-quantiles, bound a 90 % prediction interval. This example builds
one by hand, then with :class:`~skreg.IntervalRegressor`, which also calibrates
it on held-out rows, and compares both with the band ``mean ± 1.645 std`` of
Monte-Carlo dropout (:meth:`skreg.DropoutMLP.predict` with
``return_std=True``): how often each covers new targets, and how wide it is.
"""

# %%
# Data with known noise
# ---------------------
# ``make_friedman1`` adds standard normal noise to a smooth function of five of
# its ten inputs: the narrowest interval that covers 90 % of new targets is
# :math:`2 \times 1.645 = 3.29` wide, wherever :math:`x` is.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler

from skreg import DropoutMLP, IntervalRegressor, RidgeNet

X, y = make_friedman1(3000, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = X[:2000], X[2000:], y[:2000], y[2000:]
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def report(name, lower, upper):
    coverage = np.mean((lower <= y_test) & (y_test <= upper))
    width = np.mean(upper - lower)
    print(f"{name:42s} coverage {coverage:.3f}  mean width {width:.2f}")
    return coverage


# %%
# The recipe: two quantile networks
# ---------------------------------
# Any skreg regressor takes ``loss="quantile"`` and the ``quantile`` to
# predict. The pinball loss is not differentiable, so the networks train with
# Adam; batches of 64 rows suit it better than the default full batch.
params = dict(hidden_layer_sizes=(64,), alpha=3.0, batch_size=64, random_state=0)
low = RidgeNet(loss="quantile", quantile=0.05, **params).fit(X_train, y_train)
high = RidgeNet(loss="quantile", quantile=0.95, **params).fit(X_train, y_train)
report("two quantile networks", low.predict(X_test), high.predict(X_test))

# %%
# Each network leaves about 5 % of its *training* targets on the wrong side,
# but fits them a little too closely: on new data, slightly more fall
# outside. :class:`~skreg.IntervalRegressor` fits the same two networks on
# three quarters of the rows and widens their interval by the conformity
# scores of the last quarter (conformalized quantile regression), which
# restores the nominal coverage whatever the networks.
interval = IntervalRegressor(RidgeNet(**params), coverage=0.9, random_state=0)
bounds = interval.fit(X_train, y_train).predict_interval(X_test)
report("IntervalRegressor (calibrated)", bounds[:, 0], bounds[:, 1])
print(f"calibration widened each side by {interval.correction_:.2f}")

# %%
# Monte-Carlo dropout
# -------------------
# The spread of the passes of a dropout network measures the *model's*
# uncertainty, not the noise in :math:`y`: read as an interval, it is far too
# narrow here.
dropout = DropoutMLP((64,), dropout=0.1, batch_size=64, random_state=0)
mean, std = dropout.fit(X_train, y_train).predict(X_test, return_std=True)
report("MC dropout mean ± 1.645 std", mean - 1.645 * std, mean + 1.645 * std)

# %%
# Forty test points, in the order of the calibrated interval's midpoints: its
# width follows the noise; the dropout band covers the prediction's wobble
# only.
order = np.argsort(interval.predict(X_test[:40]))
x_axis = np.arange(40)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
panels = [
    ("IntervalRegressor", interval.predict(X_test[:40]), bounds[:40]),
    (
        "MC dropout ± 1.645 std",
        mean[:40],
        np.column_stack([mean - 1.645 * std, mean + 1.645 * std])[:40],
    ),
]
for ax, (title, centre, band) in zip(axes, panels, strict=True):
    ax.vlines(x_axis, band[order, 0], band[order, 1], color="tab:blue", alpha=0.5)
    ax.plot(x_axis, centre[order], "_", color="tab:blue", markersize=8)
    ax.plot(x_axis, y_test[:40][order], ".", color="black", label="held-out y")
    ax.set_title(title)
    ax.set_xlabel("test point (by IntervalRegressor's prediction)")
axes[0].set_ylabel("y")
axes[0].legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# A bundled data set
# ------------------
# ``load_diabetes``: 442 patients, a noisy target. 309 rows train (a quarter
# of them calibrates), 133 test.
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
bounds = interval.fit(X_train, y_train).predict_interval(X_test)
report("diabetes, IntervalRegressor", bounds[:, 0], bounds[:, 1])

# %%
# ``benchmarks/intervals.py`` repeats these measurements over five splits of
# each data set (``docs/intervals.md``).
