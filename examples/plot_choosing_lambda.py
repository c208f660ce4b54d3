"""
===========================================
Choosing lambda: GridSearchCV or a path
===========================================

:class:`~sklearn.model_selection.GridSearchCV` fits every alpha on every fold
from scratch. :class:`~skreg.LassoNetCV` fits one warm-started path per fold
instead, each alpha starting from the previous solution, and reaches the same
choice on the same grid and folds. This example times both on a sparse-truth
problem (5 informative features out of 30) and plots their cross-validated
errors, which coincide.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV, KFold

from skreg import LassoNet, LassoNetCV

X, y = make_regression(
    300, 30, n_informative=5, noise=10.0, random_state=0, shuffle=False
)
cv = KFold(5, shuffle=True, random_state=0)

start = time.perf_counter()
path_cv = LassoNetCV(alphas=15, cv=cv).fit(X, y)
t_path = time.perf_counter() - start

start = time.perf_counter()
search = GridSearchCV(
    LassoNet(hidden_layer_sizes=()),
    {"alpha": list(path_cv.alphas_)},
    cv=cv,
    scoring="neg_mean_squared_error",
).fit(X, y)
t_grid = time.perf_counter() - start

print(f"LassoNetCV:   {t_path:.2f} s, alpha = {path_cv.alpha_:.4f}")
print(f"GridSearchCV: {t_grid:.2f} s, alpha = {search.best_params_['alpha']:.4f}")
print("informative features found:", np.flatnonzero(path_cv.support_))

# %%
# The two cross-validated curves
# ------------------------------
# GridSearchCV's ``cv_results_`` follow its parameter grid, sorted here to the
# path's decreasing order.
order = np.argsort(search.cv_results_["param_alpha"].data.astype(float))[::-1]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.semilogx(path_cv.alphas_, -path_cv.score_path_.mean(1), "o-", label="LassoNetCV")
ax1.semilogx(
    path_cv.alphas_,
    -search.cv_results_["mean_test_score"][order],
    "x--",
    label="GridSearchCV",
)
ax1.axvline(path_cv.alpha_, color="k", linestyle=":")
ax1.set(xlabel="alpha", ylabel="CV mean squared error")
ax1.legend()
ax2.bar(["LassoNetCV", "GridSearchCV"], [t_path, t_grid])
ax2.set(ylabel="fit time (s)", title="same 15 alphas x 5 folds")
fig.tight_layout()
plt.show()
