"""
LassoNet feature selection
==========================

``make_friedman1`` depends on 5 of its inputs (two through an interaction,
one through a square, two linearly); we add 45 pure-noise inputs. Starting
from a dense network, we raise ``alpha`` step by step with
``warm_start=True``: each fit continues from the previous weights, as on the
LassoNet regularisation path, and inputs leave the network one by one (their
skip weight ``theta_j`` and their whole first-layer column become exactly 0).
We plot the test R^2 against the number of inputs still in use.
"""

import matplotlib

matplotlib.use("Agg")
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet

X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=0)
X = StandardScaler().fit_transform(X)
y = (y - y.mean()) / y.std()
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

model = LassoNet(
    hidden_layer_sizes=(20,), alpha=0.0, solver="adam", max_iter=100, random_state=0
)
alphas = np.geomspace(0.5, 30, 10)
n_selected, scores, informative = [], [], []
with warnings.catch_warnings():
    # a fixed budget of iterations per alpha, as on lassonet's path
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)  # dense start
    model.set_params(warm_start=True, solver="fista", max_iter=200)
    for alpha in alphas:
        model.set_params(alpha=alpha).fit(X_train, y_train)
        n_selected.append(model.support_.sum())
        informative.append(model.support_[:5].sum())
        scores.append(model.score(X_test, y_test))

for a, k, i, s in zip(alphas, n_selected, informative, scores, strict=True):
    print(f"alpha={a:6.2f}  inputs={k:2d}  informative kept={i}/5  test R2={s:.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(n_selected, scores, "o-")
ax.set_xlabel("number of selected inputs")
ax.set_ylabel("test $R^2$")
ax.set_title("LassoNet on make_friedman1 (5 informative + 45 noise inputs)")
fig.tight_layout()
