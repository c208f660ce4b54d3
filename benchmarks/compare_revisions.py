"""Two revisions of skreg side by side: the same fits, timed in alternation.

A refactor must not slow the library, but timings taken on different days (or
under a different load) cannot tell: this script checks out two git revisions
into temporary worktrees and times the same fits with each, round after round,
alternating between them, so that both see the same machine state. Each timing
runs in a fresh subprocess that imports skreg from one worktree; every fit is
on one thread (torch and BLAS), CPU time, after one warm-up fit.

Cases: linear models (one Newton step on dense data, proximal Newton with an
L1 part), a network trained by Adam, by L-BFGS and by FISTA for a fixed number
of iterations (``tol=1e-12`` and no stall rule: before the engine issue,
``tol=0`` stopped some solvers at once), and the default fit of
``RidgeNet()`` on 20000 x 100 (where the stopping rules decide the iterations,
reported too). The last column is the second revision's time over the first's:
1.00 means no change.

Usage: python benchmarks/compare_revisions.py REV_BEFORE REV_AFTER [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each case: (label, setup code defining X and y, estimator expression, repeats).
CASES = [
    (
        "RidgeNet linear, make_regression 10000x100",
        "X, y = make_regression(10000, 100, noise=1, random_state=0)",
        "RidgeNet(hidden_layer_sizes=(), alpha=10.0)",
        15,
    ),
    (
        "LassoNet linear, make_regression 10000x100",
        "X, y = make_regression(10000, 100, noise=1, random_state=0)",
        "LassoNet(hidden_layer_sizes=(), alpha=1.0)",
        15,
    ),
    (
        "LassoNet linear l1_ratio=0.5, diabetes",
        "X, y = load_diabetes(return_X_y=True)",
        "LassoNet(hidden_layer_sizes=(), alpha=1.0, l1_ratio=0.5)",
        50,
    ),
    (
        "LassoNet linear, linnerud (3 outputs)",
        "X, y = load_linnerud(return_X_y=True)",
        "LassoNet(hidden_layer_sizes=(), alpha=1.0)",
        50,
    ),
    (
        "RidgeNet (100,), Adam, 5 epochs of 20000x100",
        "X, y = make_regression(20000, 100, noise=1, random_state=0); y = y / y.std()",
        "RidgeNet(hidden_layer_sizes=(100,), alpha=1.0, solver='adam', "
        "batch_size=200, max_iter=5, tol=1e-12, random_state=0)",
        3,
    ),
    (
        "RidgeNetClassifier (100,), L-BFGS, 100 iterations, digits",
        "X, y = load_digits(return_X_y=True); X = X / 16",
        "RidgeNetClassifier(hidden_layer_sizes=(100,), alpha=1.0, solver='lbfgs', "
        "max_iter=100, tol=1e-12, random_state=0)",
        5,
    ),
    (
        "LassoNet (100,), FISTA, 100 iterations, friedman1 4000x10",
        "X, y = make_friedman1(4000, random_state=0)",
        "LassoNet(hidden_layer_sizes=(100,), alpha=0.01, M=10.0, solver='fista', "
        "max_iter=100, tol=1e-12, random_state=0)",
        5,
    ),
    (
        "RidgeNet() default fit, make_regression 20000x100 (standardised)",
        "X, y = make_regression(20000, 100, n_informative=50, noise=10, "
        "random_state=0); X = (X - X.mean(0)) / X.std(0); X = X.astype('float32');"
        " y = (y - y.mean()) / y.std()",
        "RidgeNet(alpha=1.0, random_state=0)",
        1,
    ),
]

# Run in a subprocess with skreg from one worktree; prints a JSON line.
TIMER = """
import json, time, warnings
import numpy as np, torch
from threadpoolctl import threadpool_limits
from sklearn.datasets import (load_diabetes, load_digits, load_linnerud,
                              make_friedman1, make_regression)
from skreg import LassoNet, RidgeNet, RidgeNetClassifier
warnings.simplefilter("ignore")
torch.set_num_threads(1)
{setup}
# Stall rules off where the revision has them (np.inf is not accepted by all).
def make():
    est = {estimator}
    names = est.get_params()
    if "n_iter_no_change" in names and est.get_params().get("tol") <= 1e-12:
        est.set_params(n_iter_no_change=10**9)
    return est
with threadpool_limits(1):
    make().fit(X, y)
    times = []
    for _ in range({repeats}):
        est = make()
        start = time.process_time()
        est.fit(X, y)
        times.append(time.process_time() - start)
print(json.dumps({{"s": float(np.median(times)), "n_iter": int(est.n_iter_)}}))
"""


def worktree(rev: str, parent: Path) -> Path:
    path = parent / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), rev],
        check=True,
    )
    return path


def time_case(tree: Path, setup: str, estimator: str, repeats: int) -> dict:
    code = TIMER.format(setup=setup, estimator=estimator, repeats=repeats)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = [worktree(rev, Path(tmp)) for rev in (args.before, args.after)]
        try:
            results = {case[0]: ([], []) for case in CASES}
            for _ in range(args.rounds):
                for label, setup, estimator, repeats in CASES:
                    for side, tree in enumerate(trees):
                        results[label][side].append(
                            time_case(tree, setup, estimator, repeats)
                        )
        finally:
            for tree in trees:
                subprocess.run(
                    [
                        "git",
                        "-C",
                        str(ROOT),
                        "worktree",
                        "remove",
                        "--force",
                        str(tree),
                    ],
                    check=False,
                )
    print(
        f"`python benchmarks/compare_revisions.py {args.before} {args.after} "
        f"--rounds {args.rounds}`: CPU time of one fit (median over repeats, then "
        "over rounds), one thread, the two revisions alternating.\n"
    )
    print(
        f"| case | {args.before} ms | iterations | {args.after} ms | iterations | "
        "after / before |"
    )
    print("|---|---|---|---|---|---|")
    ratios = []
    for label, (before, after) in results.items():
        t0 = statistics.median(r["s"] for r in before) * 1e3
        t1 = statistics.median(r["s"] for r in after) * 1e3
        ratios.append(t1 / t0)
        print(
            f"| {label} | {t0:.1f} | {before[-1]['n_iter']} | {t1:.1f} | "
            f"{after[-1]['n_iter']} | {t1 / t0:.2f} |"
        )
    print(f"\nMedian after / before: {statistics.median(ratios):.2f}.")


if __name__ == "__main__":
    main()
