"""
===========================================
Choosing lambda: GridSearchCV or a path
===========================================

:class:`~sklearn.model_selection.GridSearchCV` fits every alpha on every fold
from scratch. :class:`~skreg.LassoNetCV` fits one warm-started path per fold
instead: each alpha starts from the network trained at the previous one, and
after the first fit each step only refines it (``max_iter // 10`` epochs, as the
lassonet package does). This example times both on the same grid and folds for
a LassoNet with one hidden layer on ``make_friedman1`` (5 informative features
out of 15), and compares their cross-validated and held-out scores.

For a linear model every fit, on the path or not, is one (proximal) Newton
step; the path saves the validation, set-up and pass over the data of every fit
instead, 4.8-6.1x on ``benchmarks/paths.py``'s problems (see
``benchmarks/results/paths.md``).
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, LassoNetCV

X, y = make_friedman1(600, n_features=15, noise=0.5, random_state=0)
# Standardised features and target: a network trained for a few dozen epochs
# cannot learn an unscaled target's mean, and R² does not depend on the scale.
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
X_train, X_test, y_train, y_test = X[:400], X[400:], y[:400], y[400:]
cv = KFold(3, shuffle=True, random_state=0)
params = dict(
    hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=100, random_state=0
)

start = time.perf_counter()
path_cv = LassoNetCV(alphas=8, cv=cv, **params).fit(X_train, y_train)
t_path = time.perf_counter() - start

start = time.perf_counter()
search = GridSearchCV(
    LassoNet(**params),
    {"alpha": list(path_cv.alphas_)},
    cv=cv,
    scoring="neg_mean_squared_error",
).fit(X_train, y_train)
t_grid = time.perf_counter() - start

print(f"LassoNetCV:   {t_path:.1f} s, test R2 {path_cv.score(X_test, y_test):.3f}")
print(f"GridSearchCV: {t_grid:.1f} s, test R2 {search.score(X_test, y_test):.3f}")
print("features kept by LassoNetCV:", np.flatnonzero(path_cv.support_))
print("features kept by GridSearchCV:", np.flatnonzero(search.best_estimator_.support_))

# %%
# Both searches see similar cross-validated errors along the grid, but a
# network trained from scratch at a large alpha can collapse (the proximal
# steps remove inputs before the hidden layer has learned to use them), which
# is why the LassoNet paper, and ``LassoNetCV``, walk the path from the dense
# model towards sparser ones and refit along the same path.

# %%
# The two cross-validated curves
# ------------------------------
# The network's path runs dense to sparse (increasing alpha).
# ``GridSearchCV``'s ``cv_results_`` follow its parameter grid.
alphas = search.cv_results_["param_alpha"].data.astype(float)
order = np.argsort(alphas)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.semilogx(path_cv.alphas_, -path_cv.score_path_.mean(1), "o-", label="LassoNetCV")
ax1.semilogx(
    alphas[order],
    -search.cv_results_["mean_test_score"][order],
    "x--",
    label="GridSearchCV",
)
ax1.axvline(path_cv.alpha_, color="k", linestyle=":")
ax1.set(xlabel="alpha", ylabel="CV mean squared error")
ax1.legend()
ax2.bar(["LassoNetCV", "GridSearchCV"], [t_path, t_grid])
ax2.set(ylabel="fit time (s)", title="same 8 alphas x 3 folds")
fig.tight_layout()
plt.show()
