"""
Feature importances and stability paths
=======================================

``make_friedman1`` depends on 5 of its inputs: ``10 sin(pi x0 x1) + 20 (x2 -
0.5)^2 + 10 x3 + 5 x4``; we add 45 pure-noise inputs. ``x2`` acts only
through a square, so it has no linear correlation with ``y``: a LassoNet holds
its skip weight ``theta_2`` up only through the hierarchy, and ``x2`` leaves
the regularisation path before the last noise inputs do.

Two tools find all five inputs anyway:

1. ``feature_importances_`` of a LassoNet fitted with
   ``n_features_to_select``: the area under each input's ``||theta_j||``
   along the dense-to-sparse path. ``x2`` leaves early, but with a large
   ``theta_2``; the noise inputs linger with tiny ones.
2. :class:`~skreg.StabilitySelection`: paths on many random halves of the
   data; an input is kept when most fits select it somewhere at the sparse
   end of the path.
"""

import matplotlib

matplotlib.use("Agg")
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, StabilityPathDisplay, StabilitySelection

X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()

# %%
# Importances from one path
# -------------------------
# One ``fit`` runs the path from a nearly dense network up to the first model
# with at most 5 inputs in use. That model lacks ``x2``, which left the path
# before the last noise inputs; the importances still rank it third.
warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget per alpha
model = LassoNet(hidden_layer_sizes=(20,), n_features_to_select=5, random_state=0)
model.fit(X, y)
print("inputs in the chosen model:", np.flatnonzero(model.support_))
order = np.argsort(-model.feature_importances_)
print("top 8 by feature_importances_:", order[:8])

fig, ax = plt.subplots(figsize=(7, 3))
colors = ["C1" if j < 5 else "0.6" for j in range(X.shape[1])]
ax.bar(np.arange(X.shape[1]), model.feature_importances_, color=colors)
ax.set_yscale("log")
ax.set_xlabel("input (orange: informative)")
ax.set_ylabel("feature_importances_")
fig.tight_layout()

# %%
# Stability paths
# ---------------
# Ten complementary pairs of half-samples (20 paths; the default is 50 pairs),
# a smaller network to keep the example fast. Each line is one input's
# selection probability along the path; the shaded region is the sparse end
# where the probabilities are read.
selector = StabilitySelection(
    LassoNet(hidden_layer_sizes=(10,), max_iter=100),
    alphas=20,
    n_resampling=10,
    random_state=0,
).fit(X, y)
print("kept by stability selection:", selector.get_support(indices=True))
display = StabilityPathDisplay.from_estimator(selector)
display.figure_.tight_layout()
plt.show()
