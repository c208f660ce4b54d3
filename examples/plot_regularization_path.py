"""
===========================================
Regularisation path of a LassoNet
===========================================

:class:`~skreg.LassoNetCV` fits one warm-started regularisation path per fold:
each alpha starts from the solution at the previous, larger one. The
:class:`~skreg.RegularizationPathDisplay` shows the coefficients along the path
(refitted on all the data) next to the held-out score of every alpha, with the
chosen alpha marked; :class:`~skreg.LossCurveDisplay` shows the training
objective of the final refit.

With ``hidden_layer_sizes=()`` the model is exactly scikit-learn's
:class:`~sklearn.linear_model.Lasso`, so the path is
:func:`~sklearn.linear_model.lasso_path`'s and ``alpha_`` is
:class:`~sklearn.linear_model.LassoCV`'s on the same folds.
"""

# %%
# Fit the CV estimator
# --------------------
import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from skreg import LassoNetCV, LossCurveDisplay, RegularizationPathDisplay

X, y = load_diabetes(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = LassoNetCV(alphas=30, cv=5).fit(X, y)
print(f"alpha_ = {model.alpha_:.4f}, features kept: {model.support_.sum()} of 10")

# %%
# The path and the cross-validated score
# --------------------------------------
display = RegularizationPathDisplay.from_estimator(model, X, y)
display.figure_.tight_layout()

# %%
# The same display for a network: the skip connection's coefficients of a
# LassoNet with one hidden layer (its features leave the whole network when
# their coefficient reaches zero).
net = LassoNetCV(hidden_layer_sizes=(16,), alphas=8, cv=3, max_iter=60, random_state=0)
net.fit(X, y)
display = RegularizationPathDisplay.from_estimator(net, X, y)
display.figure_.tight_layout()

# %%
# Training objective of the refitted network
# ------------------------------------------
LossCurveDisplay.from_estimator(net)
plt.show()
