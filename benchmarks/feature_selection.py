"""Feature selection: skreg's LassoNetClassifier against the lassonet package.

For each data set and k, each contender produces a ranking of the inputs and
keeps the top k; a fixed downstream model (LogisticRegression on standardised
inputs) is trained on the selected columns and scored on a held-out test set.

- skreg: one fit of ``LassoNetClassifier(hidden_layer_sizes=(32,), alpha=0.1,
  solver="fista")``; inputs ranked by the group norm ``||theta_j||`` (the
  quantity that the L1 penalty shrinks; zero for inputs out of the network).
- lassonet: its own selection method, the regularisation path from a dense
  model (``LassoNetClassifier(hidden_dims=(32,)).path``, package defaults
  otherwise); inputs ranked by ``feature_importances_`` (the lambda at which
  each input leaves the path).

Times are wall-clock for producing the ranking (fit or path), one thread, on a
shared 2-core machine: read the ratios, not the absolute numbers.
"""

import time
import warnings

import numpy as np
import torch
from lassonet import LassoNetClassifier as PeerLassoNet
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import LassoNetClassifier

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


def skreg_ranking(X, y):
    model = LassoNetClassifier(
        hidden_layer_sizes=(32,),
        alpha=0.1,
        solver="fista",
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    norms = np.linalg.norm(np.atleast_2d(model.coef_), axis=0)
    return np.argsort(-norms, kind="stable")


def lassonet_ranking(X, y):
    peer = PeerLassoNet(hidden_dims=(32,), verbose=0, random_state=0, torch_seed=0)
    peer.path(X, y, return_state_dicts=False)
    return np.argsort(-peer.feature_importances_.numpy(), kind="stable")


def downstream_accuracy(X_train, X_test, y_train, y_test, columns):
    clf = LogisticRegression(max_iter=5000).fit(X_train[:, columns], y_train)
    return clf.score(X_test[:, columns], y_test)


def main():
    rows = []
    for name, loader in [
        ("breast_cancer", load_breast_cancer),
        ("digits", load_digits),
    ]:
        X, y = loader(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        rankings, times = {}, {}
        for label, rank in [("skreg", skreg_ranking), ("lassonet", lassonet_ranking)]:
            start = time.perf_counter()
            rankings[label] = rank(X_train, y_train)
            times[label] = time.perf_counter() - start
        for k in (10, 20):
            acc = {
                label: downstream_accuracy(X_train, X_test, y_train, y_test, r[:k])
                for label, r in rankings.items()
            }
            rows.append((name, k, acc, times))
    print(
        "| data | k | skreg acc | lassonet acc | skreg time (s) | lassonet time (s) "
        "| speed-up |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, k, acc, times in rows:
        print(
            f"| {name} | {k} | {acc['skreg']:.3f} | {acc['lassonet']:.3f} | "
            f"{times['skreg']:.2f} | {times['lassonet']:.1f} | "
            f"{times['lassonet'] / times['skreg']:.0f}x |"
        )


if __name__ == "__main__":
    main()
