"""Feature selection: skreg's LassoNetClassifier against the lassonet package.

Issue #4, point 4. For each data set, 5 stratified 75 % / 25 % train/test splits
(``random_state`` 0-4, the same splits for both contenders), inputs standardised
on the training split. Each contender ranks the inputs from the training split
alone and keeps the top k (k = 10, 20); a fixed downstream model
(``LogisticRegression(max_iter=5000)``) is trained on the selected columns and
scored on the test split. Reported: test accuracy per split and its mean over
the splits (one test split of 143 or 450 rows moves by 1-2 % from split to
split, more than the differences being measured), and the time each contender
takes to produce its ranking.

- skreg: the paper's dense-to-sparse path, as ``docs/lassonet.md`` ("Selection
  quality") recommends, stopped at k inputs: a dense fit (``alpha=0``, 100
  FISTA iterations), then warm-started fits (50 iterations each) at alphas
  ``0.4 * alpha_max * 1.5**i``, ``alpha_max`` being the smallest alpha at
  which a *linear* model keeps no input (0.4 is the first step of
  ``selection_quality.py`` on that scale), until at most k inputs remain in
  the network. Inputs are ranked by the last step at which ``theta_j != 0``,
  then by ``||theta_j||`` there (it caps input j's whole first-layer column),
  and the top k kept. One path serves both k. Network
  ``LassoNetClassifier(hidden_layer_sizes=(32,), solver="fista")``,
  ``random_state`` = the split's. The rule is the same for both data sets and
  both k.

  Why stop at k, not at a fixed moderate alpha: a first run stopped the path at
  ``1.7 * alpha_max`` (friedman1's moderate alpha on that scale) for every k
  and ranked by ``||theta_j||`` there; on digits 51-55 of the 64 inputs were
  still in use, and the top 10 by norm scored 0.841 on average against 0.870
  for lassonet (``docs/lassonet.md`` keeps those numbers). A 3-fold CV of the
  downstream model on the training split of split 0 agreed: the top-10 set
  scored 0.846 at that alpha and 0.899 near the end of the path. The rule was
  changed after that run, so its test accuracies (all splits) were seen
  before it; nothing in the rule is tuned to them (no alpha, no k-specific
  constant), and it ran once.
- lassonet: its own selection method at package defaults, the regularisation
  path from a dense model (``LassoNetClassifier(hidden_dims=(32,)).path``);
  inputs ranked by ``feature_importances_`` (the lambda at which each input
  leaves the path).

Times are wall-clock for producing the rankings (skreg's path until k = 10,
lassonet's ``path``), one thread, on a shared 2-core machine: read the ratios, not the
absolute numbers.

Usage: python benchmarks/feature_selection.py [--no-save]
"""

import argparse
import time
import warnings
from pathlib import Path

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

SEEDS = range(5)
KS = (10, 20)
FIRST_STEP = 0.4  # first penalised alpha, times alpha_max (as selection_quality.py)
STEP = 1.5  # geometric factor between alphas
MAX_STEPS = 60


def alpha_max(X, y):
    """Smallest alpha at which the linear log-loss model has every theta_j = 0.

    The gradient of the data loss at the best constant model is
    ``-X^T R / n`` with ``R`` the one-hot labels minus the class proportions
    (one column for a binary target, as skreg encodes it with one logit).
    """
    classes, y_idx = np.unique(y, return_inverse=True)
    R = np.eye(len(classes))[y_idx]
    if len(classes) == 2:
        R = R[:, 1:]
    R = R - R.mean(axis=0)
    return np.linalg.norm(X.T @ R, axis=1).max() / len(y)


def theta_norms(model):
    return np.linalg.norm(np.atleast_2d(model.coef_), axis=0)


def skreg_ranking(X, y, seed):
    """Rankings for every k in KS from one dense-to-sparse path.

    Returns ``{k: ranking}`` and ``{k: alpha / alpha_max}`` at the first alpha
    that leaves at most k inputs in use.
    """
    model = LassoNetClassifier(
        hidden_layer_sizes=(32,),
        solver="fista",
        alpha=0.0,
        max_iter=100,
        random_state=seed,
    ).fit(X, y)
    model.set_params(warm_start=True, max_iter=50)
    scale = alpha_max(X, y)
    # Step at which each input was last in the network and its norm there:
    # inputs that left earlier rank lower, whatever their norm was then.
    last_step = np.full(X.shape[1], -1)
    last_norm = np.zeros(X.shape[1])
    rankings, alphas = {}, {}
    for step in range(MAX_STEPS):
        alpha = scale * FIRST_STEP * STEP**step
        norms = theta_norms(model.set_params(alpha=alpha).fit(X, y))
        in_use = norms > 0
        last_step[in_use], last_norm[in_use] = step, norms[in_use]
        for k in KS:
            if k not in rankings and (in_use.sum() <= k or step == MAX_STEPS - 1):
                rankings[k] = np.lexsort((-last_norm, -last_step))
                alphas[k] = alpha / scale
        if len(rankings) == len(KS):
            break
    return rankings, alphas


def lassonet_ranking(X, y, seed):
    peer = PeerLassoNet(
        hidden_dims=(32,), verbose=0, random_state=seed, torch_seed=seed
    )
    peer.path(X, y, return_state_dicts=False)
    ranking = np.argsort(-peer.feature_importances_.numpy(), kind="stable")
    return dict.fromkeys(KS, ranking), None


def downstream_accuracy(X_train, X_test, y_train, y_test, columns):
    clf = LogisticRegression(max_iter=5000).fit(X_train[:, columns], y_train)
    return clf.score(X_test[:, columns], y_test)


CONTENDERS = {"skreg": skreg_ranking, "lassonet": lassonet_ranking}


def run():
    acc, times, alphas = {}, {}, {}
    for name, loader in [
        ("breast_cancer", load_breast_cancer),
        ("digits", load_digits),
    ]:
        X, y = loader(return_X_y=True)
        for seed in SEEDS:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed
            )
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for label, rank in CONTENDERS.items():
                start = time.perf_counter()
                rankings, stop = rank(X_train, y_train, seed)
                times[name, seed, label] = time.perf_counter() - start
                if stop is not None:
                    alphas[name, seed] = stop
                for k in KS:
                    acc[name, k, seed, label] = downstream_accuracy(
                        X_train, X_test, y_train, y_test, rankings[k][:k]
                    )
            print(
                f"{name} split {seed}: "
                + ", ".join(
                    f"{label} {times[name, seed, label]:.1f} s" for label in CONTENDERS
                ),
                flush=True,
            )
    return acc, times, alphas


def report(acc, times, alphas):
    seeds = list(SEEDS)
    lines = [
        "Test accuracy of LogisticRegression on the top-k inputs of each "
        f"contender, {len(seeds)} stratified 75/25 splits (the same for both); "
        "inputs standardised on the training split. One run, one thread, on a "
        "shared 2-core machine (several agents): read the time ratios, not the "
        "absolute times.",
        "",
        "| data | k | "
        + " | ".join(f"split {s} (skreg / lassonet)" for s in seeds)
        + " | **mean skreg** | **mean lassonet** | difference |",
        "|---|---|" + "---|" * len(seeds) + "---|---|---|",
    ]
    for name in ("breast_cancer", "digits"):
        for k in KS:
            a = {lab: [acc[name, k, s, lab] for s in seeds] for lab in CONTENDERS}
            cells = " | ".join(
                f"{a['skreg'][i]:.3f} / {a['lassonet'][i]:.3f}"
                for i in range(len(seeds))
            )
            ms, ml = np.mean(a["skreg"]), np.mean(a["lassonet"])
            lines.append(
                f"| {name} | {k} | {cells} | **{ms:.3f}** | **{ml:.3f}** "
                f"| {ms - ml:+.3f} |"
            )
    lines += [
        "",
        "Time to produce the rankings for both k (seconds; skreg: one path "
        "to k = 10; lassonet: one path, one ranking):",
        "",
        "| data | skreg median | lassonet median | speed-up (median / median) "
        "| smallest per-split speed-up | skreg stopping alpha / alpha_max, k=10 "
        "(k=20) |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("breast_cancer", "digits"):
        ts = np.array([times[name, s, "skreg"] for s in seeds])
        tl = np.array([times[name, s, "lassonet"] for s in seeds])
        used = ", ".join(
            f"{alphas[name, s][10]:.0f} ({alphas[name, s][20]:.0f})" for s in seeds
        )
        lines.append(
            f"| {name} | {np.median(ts):.2f} | {np.median(tl):.1f} | "
            f"{np.median(tl) / np.median(ts):.0f}x | {np.min(tl / ts):.0f}x | {used} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    text = report(*run())
    print(text)
    if not args.no_save:
        out = Path(__file__).parent / "results" / "feature_selection.md"
        out.write_text("# benchmarks/feature_selection.py\n\n" + text + "\n")
