"""LassoNet selection quality and stability on known truth (issues #4 and #25).

Issue #25 (first two sections): ``feature_importances_`` and
``StabilitySelection`` on ``make_friedman1`` with n=1000, 5 informative and 45
noise inputs (noise=1), inputs and target standardised, all 1000 rows, the
data and the model drawn with the same ``random_state`` (0-4), so that both
change from one row to the next.

- Importances: ``LassoNet(hidden_layer_sizes=(h,), n_features_to_select=5,
  random_state=seed)`` for h = 20 and 100 (the default width); the rank of
  every informative input by ``feature_importances_`` and by other
  definitions on the same path (recorded by a second run of it), and by the
  lassonet package's ``feature_importances_`` on its own path
  (``LassoNetRegressor(hidden_dims=(20,))``, package defaults otherwise).
- Stability selection: ``StabilitySelection(random_state=seed, n_jobs=2)`` at
  its defaults (``LassoNet(hidden_layer_sizes=(20,), M=10, gamma=0)``, 50 complementary
  pairs, threshold 0.75, the 'mean' base rule), and with
  ``base_selection="support"`` (10 pairs) for contrast.

The sections after those are issue #4's (``support_`` and the 'mean' rule at
one alpha).

Data: ``make_friedman1`` with 5 informative and 45 noise inputs (noise=1),
inputs and target standardised, 75 % train / 25 % test, at several sample
sizes. The informative inputs enter as
``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4``: ``x2`` only through a
square, so it has no linear correlation with ``y``.

Every ``random_state`` (same data) follows one protocol, the paper's dense to
sparse path cut short: an unpenalised fit, then warm-started fits at a few
geometric alphas up to one moderate alpha, the same for every run. Inputs
are then selected two ways: ``support_`` (exact zeros) and
``SelectFromModel(threshold="mean")`` on ``||theta_j||``. Reported per
``random_state``: selected, informative and noise inputs, test R² of the
LassoNet and of ``LassoCV`` refitted on the selected inputs, and two
diagnostics of a long path (see ``HEADER``); then the mean pairwise Jaccard
similarity of the selected sets.

One run, one thread, on a shared 2-core machine; the numbers are statistics
of the fits, not timings.

Usage: python benchmarks/selection_quality.py [--M M] [--no-save] [--no-lassonet]
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LassoCV
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, StabilitySelection
from skreg._importance import _FACTOR, _MAX_STEPS, _START, path_importances
from skreg._path import _alpha_grid, _fit_path

N_STEPS = 5  # geometric alphas from 0.25 to the moderate alpha: the short path
ALPHAS = np.geomspace(0.05, 100, 42)  # the long path of the diagnostics
SEEDS = range(5)
N_INFORMATIVE = 5
# (n_samples, hidden width, moderate alpha). The alphas at which inputs leave
# grow with the hidden width (the pull on a first-layer column sums over its
# units): 1.0 and 2.5 sit mid-way in the ranges where the 'mean' rule keeps
# exactly the informative inputs at n=1000 (0.35-4 for 20 units, 0.9-8 for 100).
CONFIGS = [(1000, 20, 1.0), (1000, 100, 2.5), (2000, 20, 1.0), (4000, 20, 1.0)]

warnings.simplefilter("ignore", ConvergenceWarning)
torch.set_num_threads(1)


def friedman1(n_samples):
    X, y = make_friedman1(n_samples=n_samples, n_features=50, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    return train_test_split(X, y, random_state=0)


def path(estimator, X, y, alphas):
    """Dense fit, then warm-started fits along ``alphas``; yields each model."""
    model = clone(estimator).set_params(alpha=0.0, max_iter=100).fit(X, y)
    model.set_params(warm_start=True, max_iter=50)
    for alpha in alphas:
        yield model.set_params(alpha=float(alpha)).fit(X, y)
        if not model.support_.any():
            return


def exit_diagnostics(estimator, X, y):
    """Whether any alpha of the long path meets the target, and x2's exit ratio.

    The ratio is the last alpha with x2 in the network over the alpha at which
    the third-last noise input leaves: below 1, x2 leaves while 3 or more
    noise inputs remain, so no alpha keeps 5/5 informative and <= 2 noise.
    """
    last, ok = np.zeros(X.shape[1]), False
    for model in path(estimator, X, y, ALPHAS):
        s = model.support_
        last[s] = model.alpha
        ok |= bool(s[:N_INFORMATIVE].all() and s[N_INFORMATIVE:].sum() <= 2)
    return ok, last[2] / np.sort(last[N_INFORMATIVE:])[-3]


def jaccard(a, b):
    union = np.logical_or(a, b).sum()
    return np.logical_and(a, b).sum() / union if union else 1.0


def table(n_samples, hidden, alpha, M):
    X_train, X_test, y_train, y_test = friedman1(n_samples)
    estimator = LassoNet(hidden_layer_sizes=(hidden,), M=M, solver="fista")
    lines = [
        f"### n={n_samples} ({len(y_train)} train / {len(y_test)} test), "
        f"hidden_layer_sizes=({hidden},), M={M:g}, alpha={alpha:g}",
        "",
        "| random_state | `support_` (informative, noise) "
        "| 'mean' rule: selected | informative | noise | R² LassoNet "
        "| R² Lasso (selected) | difference | any alpha ok (`support_`) "
        "| x2 / 3rd noise exit |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    supports, selections, diffs = [], [], []
    for seed in SEEDS:
        est = clone(estimator).set_params(random_state=seed)
        steps = np.geomspace(0.25, alpha, N_STEPS)
        *_, model = path(est, X_train, y_train, steps)
        supports.append(model.support_)
        s = SelectFromModel(model, threshold="mean", prefit=True).get_support()
        selections.append(s)
        score = model.score(X_test, y_test)
        lasso = LassoCV().fit(X_train[:, s], y_train).score(X_test[:, s], y_test)
        diffs.append(score - lasso)
        ok, ratio = exit_diagnostics(est, X_train, y_train)
        k = N_INFORMATIVE
        lines.append(
            f"| {seed} | {model.support_.sum()} ({model.support_[:k].sum()}, "
            f"{model.support_[k:].sum()}) | {s.sum()} | {s[:k].sum()}/5 | "
            f"{s[k:].sum()} | {score:.3f} | {lasso:.3f} | {score - lasso:+.3f} | "
            f"{'yes' if ok else 'no'} | {ratio:.2f} |"
        )
        print(lines[-1], flush=True)

    def mean_jaccard(sets):
        return np.mean([jaccard(a, b) for a, b in itertools.combinations(sets, 2)])

    lines += [
        "",
        f"Mean pairwise Jaccard similarity over {len(SEEDS)} random_states: "
        f"'mean' rule **{mean_jaccard(selections):.2f}**, `support_` "
        f"{mean_jaccard(supports):.2f}; mean R² difference (LassoNet − Lasso on "
        f"the inputs of the 'mean' rule): **{np.mean(diffs):+.3f}**.",
    ]
    return lines


HEADER = f"""## support_ and the 'mean' rule at one alpha (issue #4)

make_friedman1 with 5 informative + 45 noise inputs (noise=1), inputs and target
standardised, 75 % train / 25 % test. LassoNet(solver='fista'): a dense fit
(alpha=0, 100 iterations), then warm-started fits (50 iterations each) at
{N_STEPS} geometric alphas from 0.25 up to the moderate alpha of the section, the
same for every random_state. Two selection rules on that model: `support_`
(inputs with theta_j != 0) and the 'mean' rule,
`SelectFromModel(model, threshold="mean", prefit=True)` (inputs with
||theta_j|| >= the mean over inputs). R² LassoNet: the fitted model on the test
set; R² Lasso: LassoCV refitted on the inputs of the 'mean' rule. Diagnostics of
a long path ({len(ALPHAS)} alphas, {ALPHAS[0]:g}..{ALPHAS[-1]:g}): 'any alpha ok'
= at some alpha `support_` keeps 5/5 informative and at most 2 noise inputs;
'x2 / 3rd noise exit' = last alpha with x2 (which enters only as
20 (x2 - 0.5)^2) in `support_` over the alpha at which the third-last noise input
leaves; below 1, x2 leaves while 3 or more noise inputs remain. One run on a
shared 2-core machine, one thread.
"""


def early_stopping_table(n_samples=1000, alpha=10.5):
    """``support_`` of an early-stopped Adam path, and a LassoNet refitted on it.

    Mini-batch Adam (batch 64, lr 1e-3) with ``early_stopping=True``: a dense
    fit (500 epochs at most), then 8 warm-started fits (50 epochs at most)
    at geometric alphas from 1 to ``alpha``. Early stopping ends each fit before
    the network fits the training noise with the noise inputs; trained on to
    convergence at the same alpha (FISTA, or Adam without early stopping) the
    same network drops ``x2`` again.
    """
    X_train, X_test, y_train, y_test = friedman1(n_samples)
    lines = [
        f"### n={n_samples}: `support_` of an early-stopped Adam path "
        f"(hidden_layer_sizes=(20,), M=10, alpha up to {alpha:g})",
        "",
        "Mini-batch Adam (batch 64, lr 1e-3) with `early_stopping=True`: a dense "
        "fit (500 epochs at most), then 8 warm-started fits (50 epochs at most) at "
        f"geometric alphas from 1 to {alpha:g}. Refitted: "
        "`LassoNet(alpha=0, solver='fista', max_iter=500)` on the selected inputs. "
        "The selection is early stopping's: trained on to convergence at the same "
        "alpha the network drops x2 again.",
        "",
        "| random_state | `support_` (informative, noise) | R² selecting LassoNet "
        "| R² LassoNet refitted on `support_` | R² Lasso (selected) "
        "| difference (selecting) | difference (refitted) |",
        "|---|---|---|---|---|---|---|",
    ]
    supports, k = [], N_INFORMATIVE
    for seed in SEEDS:
        model = LassoNet(
            hidden_layer_sizes=(20,),
            solver="adam",
            batch_size=64,
            learning_rate_init=1e-3,
            early_stopping=True,
            alpha=0.0,
            max_iter=500,
            random_state=seed,
        ).fit(X_train, y_train)
        model.set_params(warm_start=True, max_iter=50)
        for step in np.geomspace(1.0, alpha, 8):
            model.set_params(alpha=float(step)).fit(X_train, y_train)
        s = model.support_
        supports.append(s)
        refit = LassoNet(
            hidden_layer_sizes=(20,),
            alpha=0.0,
            solver="fista",
            max_iter=500,
            random_state=seed,
        ).fit(X_train[:, s], y_train)
        lasso = LassoCV().fit(X_train[:, s], y_train).score(X_test[:, s], y_test)
        selecting = model.score(X_test, y_test)
        refitted = refit.score(X_test[:, s], y_test)
        lines.append(
            f"| {seed} | {s.sum()} ({s[:k].sum()}, {s[k:].sum()}) | {selecting:.3f} "
            f"| {refitted:.3f} | {lasso:.3f} | {selecting - lasso:+.3f} "
            f"| {refitted - lasso:+.3f} |"
        )
        print(lines[-1], flush=True)
    pairs = itertools.combinations(supports, 2)
    lines += [
        "",
        "Mean pairwise Jaccard similarity of `support_` over "
        f"{len(SEEDS)} random_states: **{np.mean([jaccard(a, b) for a, b in pairs]):.2f}**.",
    ]
    return lines


def friedman_all_rows(seed):
    """make_friedman1(n=1000, 50 inputs), data drawn with ``seed``, standardised."""
    X, y = make_friedman1(n_samples=1000, n_features=50, noise=1.0, random_state=seed)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


DEFINITIONS = [
    "area (feature_importances_)",
    "leave alpha",
    "area against log alpha",
    "area of ‖W1_j‖",
    "‖theta_j‖ at the first alpha",
]


def recorded_norms(hidden, X, y, seed, k):
    """The path of ``LassoNet(n_features_to_select=k)``, recording every alpha."""
    est = LassoNet(hidden_layer_sizes=(hidden,), random_state=seed)
    alpha_max = _alpha_grid(est, X, y, n_alphas=1, eps=1.0)[0]
    grid = alpha_max * _START * _FACTOR ** np.arange(_MAX_STEPS)
    theta, w1 = [], []

    def on_alpha(fitted):
        theta.append(np.linalg.norm(fitted.module_.theta.detach().numpy(), axis=0))
        w1.append(np.linalg.norm(fitted.module_.first_hidden.detach().numpy(), axis=0))
        return fitted.support_.sum() <= k

    _fit_path(est, X, y, None, grid, record=False, on_alpha=on_alpha)
    return grid[: len(theta)], np.array(theta), np.array(w1)


def definition_scores(alphas, theta, w1):
    in_use = theta > 0
    last = np.where(
        in_use.any(axis=0), len(alphas) - 1 - np.argmax(in_use[::-1], axis=0), -1
    )
    left = np.where(
        last + 1 < len(alphas), alphas[np.minimum(last + 1, len(alphas) - 1)], np.inf
    )
    log_area = ((theta[1:] + theta[:-1]) / 2 * np.diff(np.log(alphas))[:, None]).sum(0)
    return dict(
        zip(
            DEFINITIONS,
            [
                path_importances(theta, alphas),
                left,
                log_area,
                path_importances(w1, alphas),
                theta[0],
            ],
            strict=True,
        )
    )


def ranks(score):
    """1-based rank of each informative input (ties: the worst position)."""
    score = np.asarray(score)
    return [
        int((score > score[j]).sum() + (score[N_INFORMATIVE:] == score[j]).sum()) + 1
        for j in range(N_INFORMATIVE)
    ]


def lassonet_scores(X, y, seed):
    from lassonet import LassoNetRegressor

    peer = LassoNetRegressor(
        hidden_dims=(20,), verbose=0, random_state=seed, torch_seed=seed
    )
    peer.path(X, y, return_state_dicts=False)
    return peer.feature_importances_.numpy()


def importance_table(with_lassonet=True):
    """Ranks of the informative inputs by each definition of the importance."""
    lines = [
        "## feature_importances_ on make_friedman1 (n=1000, 5 informative + 45 "
        "noise inputs; issue #25)",
        "",
        "Data and model drawn with the same random_state, all 1000 rows. Cells: "
        "the ranks of x0..x4 (1 = most important; ties counted at their worst "
        "position); **ok** when the top 5 are exactly the informative inputs. "
        "skreg: `LassoNet(hidden_layer_sizes=(h,), n_features_to_select=5)`; "
        "the other definitions on that same path: the alpha at which the input "
        "leaves (lassonet's definition; inputs still in use at the end tie), the "
        "area against log(alpha), the area under ‖W1_j‖_2 (the first hidden "
        "layer's column), ‖theta_j‖ at the path's first (nearly dense) alpha. "
        "lassonet package: `LassoNetRegressor(hidden_dims=(20,))`'s path and its "
        "`feature_importances_`. Margin: the weakest informative input's "
        "`feature_importances_` over the strongest noise input's.",
        "",
    ]
    header = (
        "| h | random_state | "
        + " | ".join(DEFINITIONS)
        + (" | lassonet package |" if with_lassonet else " |")
        + " margin | time (s) |"
    )
    n_columns = 2 + len(DEFINITIONS) + with_lassonet + 2
    lines += [header, "|---" * n_columns + "|"]
    hits = {}
    peer = {}
    for hidden in (20, 100):
        for seed in SEEDS:
            X, y = friedman_all_rows(seed)
            start = time.perf_counter()
            model = LassoNet(
                hidden_layer_sizes=(hidden,), n_features_to_select=5, random_state=seed
            ).fit(X, y)
            elapsed = time.perf_counter() - start
            alphas, theta, w1 = recorded_norms(hidden, X, y, seed, 5)
            scores = definition_scores(alphas, theta, w1)
            np.testing.assert_allclose(
                scores[DEFINITIONS[0]], model.feature_importances_
            )
            if with_lassonet:
                if seed not in peer:
                    peer[seed] = lassonet_scores(X, y, seed)
                scores["lassonet package"] = peer[seed]
            cells = []
            for name, score in scores.items():
                r = ranks(score)
                ok = max(r) <= N_INFORMATIVE
                hits[hidden, name] = hits.get((hidden, name), 0) + ok
                cells.append(f"{'**ok** ' if ok else ''}{r}")
            imp = model.feature_importances_
            margin = imp[:N_INFORMATIVE].min() / imp[N_INFORMATIVE:].max()
            lines.append(
                f"| {hidden} | {seed} | "
                + " | ".join(cells)
                + f" | {margin:.1f} | {elapsed:.1f} |"
            )
            print(lines[-1], flush=True)
    names = DEFINITIONS + (["lassonet package"] if with_lassonet else [])
    lines += [
        "",
        "Random states whose top 5 are exactly the informative inputs:",
        "",
        "| h | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for hidden in (20, 100):
        lines.append(
            f"| {hidden} | "
            + " | ".join(f"{hits[hidden, n]}/{len(SEEDS)}" for n in names)
            + " |"
        )
    return lines


def stability_table():
    """StabilitySelection at its defaults, and with the support as base rule."""
    truth = np.arange(50) < N_INFORMATIVE
    lines = [
        "## StabilitySelection on make_friedman1 (n=1000, 5 informative + 45 "
        "noise inputs; issue #25)",
        "",
        "`StabilitySelection(random_state=seed, n_jobs=2)` at its defaults "
        "(`LassoNet(hidden_layer_sizes=(20,), M=10, gamma=0)`, 30 alphas, 50 complementary pairs "
        "of half-samples, threshold 0.75, `n_features_per_fit` = "
        "ceil(sqrt(0.8 * 50)) = 7, base rule 'mean'); data and model drawn with "
        "the same random_state. Contrast: `base_selection='support'` "
        "(`theta_j != 0`, Meinshausen & Bühlmann's lasso rule), 10 pairs.",
        "",
        "| random_state | selected | informative | noise | Jaccard with the truth "
        "| x2's score | largest noise score | pfer_bound_ | time (s) "
        "| 'support' rule: informative, noise (x2's score) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    supports = []
    for seed in SEEDS:
        X, y = friedman_all_rows(seed)
        start = time.perf_counter()
        sel = StabilitySelection(random_state=seed, n_jobs=2).fit(X, y)
        elapsed = time.perf_counter() - start
        s, scores = sel.support_, sel.stability_scores_
        supports.append(s)
        contrast = StabilitySelection(
            base_selection="support", n_resampling=10, random_state=seed, n_jobs=2
        ).fit(X, y)
        c = contrast.support_
        lines.append(
            f"| {seed} | {np.flatnonzero(s).tolist()} | {s[:5].sum()}/5 | {s[5:].sum()} "
            f"| {jaccard(s, truth):.2f} | {scores[2]:.2f} | {scores[5:].max():.2f} "
            f"| {sel.pfer_bound_:.2f} | {elapsed:.0f} | {c[:5].sum()}/5, {c[5:].sum()} "
            f"({contrast.stability_scores_[2]:.2f}) |"
        )
        print(lines[-1], flush=True)
    pairs = itertools.combinations(supports, 2)
    lines += [
        "",
        f"Mean Jaccard with the truth: **{np.mean([jaccard(s, truth) for s in supports]):.2f}**; "
        f"mean pairwise Jaccard over the {len(SEEDS)} random_states: "
        f"**{np.mean([jaccard(a, b) for a, b in pairs]):.2f}**.",
    ]
    return lines


def main(configs, M, with_lassonet=True):
    lines = ["# benchmarks/selection_quality.py", ""]
    lines += importance_table(with_lassonet) + [""]
    lines += stability_table() + [""]
    lines += [HEADER]
    for n_samples, hidden, alpha in configs:
        lines += table(n_samples, hidden, alpha, M) + [""]
    lines += early_stopping_table() + [""]
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--M", type=float, default=10.0)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--no-lassonet", action="store_true")
    args = parser.parse_args()
    text = main(CONFIGS, args.M, with_lassonet=not args.no_lassonet)
    if not args.no_save:
        out = Path(__file__).parent / "results" / "selection_quality.md"
        out.write_text(text)
