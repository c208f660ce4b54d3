"""
===========================================
Weight decay on a high-dimensional problem
===========================================

The weight-decay experiment of *Dive into Deep Learning* (section 3.7): a linear
model with 200 features is trained on only 20 samples,

.. math:: y = 0.05 + \\sum_{j=1}^{200} 0.01\\, x_j + \\varepsilon,
   \\qquad x \\sim \\mathcal{N}(0, I),\\; \\varepsilon \\sim \\mathcal{N}(0, 0.01^2),

and tested on 100 more. We fit :class:`~skreg.RidgeNet` with
``hidden_layer_sizes=()``, a linear model whose ``alpha`` is
:class:`~sklearn.linear_model.Ridge`'s, trace the training and test error and
the norm of the weights against ``alpha``, and let
:class:`~sklearn.model_selection.GridSearchCV` choose ``alpha`` from the 20
training samples alone.
"""

# %%
# The data
# --------
# The data come from their own random generator and the models get their own
# ``random_state``: sharing one seed would tie the weight initialisation to the
# data.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV

from skreg import RidgeNet

n_train, n_test, n_features = 20, 100, 200
true_w = np.full(n_features, 0.01)

data_rng = np.random.default_rng(0)
X = data_rng.standard_normal((n_train + n_test, n_features))
y = X @ true_w + 0.05 + 0.01 * data_rng.standard_normal(len(X))
X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]

# %%
# Error and weight norm against ``alpha``
# ---------------------------------------
# The book minimises :math:`\frac{1}{n}\sum_i \frac{1}{2}(y_i - \hat y_i)^2 +
# \frac{\lambda}{2}\|w\|^2`; ``RidgeNet`` minimises
# :math:`\frac{1}{2n}\sum_i (y_i - \hat y_i)^2 + \frac{\alpha}{2n}\|w\|^2`, so the
# book's :math:`\lambda = 3` is ``alpha = 3 * n_train = 60``.
alphas = np.logspace(-2, 4, 19)
train_mse, test_mse, w_norm = [], [], []
for alpha in alphas:
    model = RidgeNet(hidden_layer_sizes=(), alpha=alpha, max_iter=1000, random_state=0)
    model.fit(X_train, y_train)
    train_mse.append(mean_squared_error(y_train, model.predict(X_train)))
    test_mse.append(mean_squared_error(y_test, model.predict(X_test)))
    w_norm.append(np.linalg.norm(model.coef_))

# The reference every model must beat: predict the mean of the training targets.
baseline_mse = mean_squared_error(y_test, np.full(n_test, y_train.mean()))

# %%
# Choosing ``alpha`` by cross-validation
# --------------------------------------
# ``GridSearchCV`` sees the 20 training samples only.
search = GridSearchCV(
    RidgeNet(hidden_layer_sizes=(), max_iter=1000, random_state=0),
    {"alpha": alphas},
    scoring="neg_mean_squared_error",
    cv=5,
).fit(X_train, y_train)
best_alpha = search.best_params_["alpha"]
print(f"GridSearchCV's alpha: {best_alpha:.3g}")
search_mse = mean_squared_error(y_test, search.predict(X_test))
print(f"test MSE at GridSearchCV's alpha: {search_mse:.4f}")
print(f"test MSE, smallest alpha on the grid: {test_mse[0]:.4f}")
print(f"test MSE, best alpha on the grid:     {min(test_mse):.4f}")
print(f"test MSE, predicting the training mean: {baseline_mse:.4f}")
print(f"||w||, smallest alpha: {w_norm[0]:.3f}")
print(f"||w||, true weights:   {np.linalg.norm(true_w):.3f}")

# %%
# The linear ``RidgeNet`` is ``Ridge``: at the chosen ``alpha`` the coefficients
# agree to solver precision.
ridge = Ridge(alpha=best_alpha).fit(X_train, y_train)
diff = np.abs(search.best_estimator_.coef_ - ridge.coef_).max()
print(f"max |coef(RidgeNet) - coef(Ridge)|: {diff:.1e}")

# %%
# Plot
# ----
fig, (ax_err, ax_norm) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_err.semilogx(alphas, train_mse, "o-", ms=3, label="train")
ax_err.semilogx(alphas, test_mse, "o-", ms=3, label="test")
ax_err.axhline(baseline_mse, color="gray", ls=":", label="test, predicting the mean")
ax_err.axvline(best_alpha, color="k", ls="--", label="GridSearchCV's alpha")
ax_err.axvline(3 * n_train, color="C3", ls="-.", label="the book's λ = 3")
ax_err.set(xlabel="alpha", ylabel="mean squared error", title="Error against alpha")
ax_err.legend(fontsize="small")
ax_norm.loglog(alphas, w_norm, "o-", ms=3, color="C2", label="fitted")
ax_norm.axhline(np.linalg.norm(true_w), color="C2", ls=":", label="true weights")
ax_norm.axvline(best_alpha, color="k", ls="--")
ax_norm.axvline(3 * n_train, color="C3", ls="-.")
ax_norm.set(xlabel="alpha", ylabel="||w||", title="Weight norm against alpha")
ax_norm.legend(fontsize="small")
plt.show()

# %%
# What the plot says
# ------------------
# With a small ``alpha`` the model interpolates the 20 training points (training
# error zero), and weight decay trades training error for smaller weights as
# ``alpha`` grows. The test error barely moves: 20 samples carry too little
# information to estimate 200 weights of 0.01, so every model here stays close
# to predicting the mean. Weight decay cannot add information.
#
# The book's unregularised model fares far worse (it reports
# :math:`\|w\| \approx 13` and a test loss in the hundreds), and the reason is its
# start, not its objective. Minibatch SGD starts from :math:`w \sim
# \mathcal{N}(0, I)`, and with 20 samples in 200 dimensions the data never
# correct the 180 directions they do not span: the random start stays in the
# weights. Weight decay shrinks those directions towards zero, hence its large
# effect in the book. The linear ``RidgeNet`` starts from zero and is solved to
# convergence, so its smallest ``alpha`` already gives the minimum-norm solution
# that fits the data, whose norm is small. Its result, like ``Ridge``'s, does not
# depend on the start.
