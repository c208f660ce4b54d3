"""skreg demo: the regularisation story of the classic tutorials, in one run.

A network much larger than the data overfits; L2 (RidgeNet), L1 with feature
selection (LassoNet) and dropout (DropoutMLP) each pull the test loss back down,
and GridSearchCV picks alpha. Prints a table and saves ``demo.png``.
"""

import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skreg import DropoutMLP, LassoNet, RidgeNet

warnings.simplefilter("ignore", ConvergenceWarning)

# 5 informative inputs, 45 pure-noise inputs, few training samples.
X, y = make_friedman1(n_samples=2200, n_features=50, noise=1.0, random_state=0)
X_train, X_test, y_train, y_test = X[:200], X[200:], y[:200], y[200:]
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

net = dict(hidden_layer_sizes=(256,), random_state=0)
search = GridSearchCV(RidgeNet(**net), {"alpha": np.logspace(-1, 3, 9)}, cv=5, n_jobs=2)
models = {
    "no regularisation": RidgeNet(alpha=0.0, **net),
    "L2 (RidgeNet, alpha=30)": RidgeNet(alpha=30.0, **net),
    "L1 (LassoNet, alpha=30)": LassoNet(alpha=30.0, **net),
    "dropout (DropoutMLP, p=0.3)": DropoutMLP(
        dropout=0.3, learning_rate_init=0.01, max_iter=500, **net
    ),
    "L2, alpha by GridSearchCV": search,
}

rows = []
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    fitted = model.best_estimator_ if hasattr(model, "best_estimator_") else model
    used = int(fitted.support_.sum()) if hasattr(fitted, "support_") else X.shape[1]
    rows.append(
        (
            name,
            mean_squared_error(y_train, model.predict(X_train)),
            mean_squared_error(y_test, model.predict(X_test)),
            used,
            seconds,
            fitted,
        )
    )

print("friedman1, 200 training samples, 50 inputs (5 informative), network 50-256-1\n")
print(f"| {'model':30s} | train MSE | test MSE | inputs used | fit s |")
print(f"|{'-' * 32}|-----------|----------|-------------|-------|")
for name, train, test, used, seconds, _ in rows:
    print(f"| {name:30s} | {train:9.3f} | {test:8.3f} | {used:11d} | {seconds:5.1f} |")
print(f"\nGridSearchCV chose alpha = {search.best_params_['alpha']:g}")

fig, (ax_bar, ax_curve) = plt.subplots(1, 2, figsize=(12, 4.5))
names = [r[0] for r in rows]
pos = np.arange(len(rows))
ax_bar.barh(pos - 0.2, [r[1] for r in rows], height=0.4, label="train")
ax_bar.barh(pos + 0.2, [r[2] for r in rows], height=0.4, label="test")
ax_bar.set_yticks(pos, names)
ax_bar.invert_yaxis()
ax_bar.set_xlabel("mean squared error (standardised y)")
ax_bar.legend()
for name, *_, fitted in rows[:4]:
    ax_curve.plot(fitted.loss_curve_, label=name)
ax_curve.set_xlabel("iteration")
ax_curve.set_ylabel("training objective")
ax_curve.set_yscale("log")
ax_curve.legend(fontsize=8)
fig.tight_layout()
fig.savefig("demo.png", dpi=100)
print("plot saved to demo.png")
