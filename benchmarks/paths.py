"""Choosing alpha: skreg's CV estimators against GridSearchCV, sklearn and lassonet.

Same grid (the CV estimator's 30 alphas) and the same 5 folds for every
contender; the held-out score is R² on 1000 fresh samples. Features and target
are standardised on the training set (R² is unchanged; networks with few epochs
cannot learn an unscaled target's mean). Problems: a
sparse-truth linear problem (n=2000, d=200, 10 informative) and make_friedman1
with 45 noise features (n=2000, d=50). Models: RidgeNet and LassoNet, linear and
with one hidden layer of 100 units, every other parameter at its default (as
a user would write ``GridSearchCV(LassoNet(hidden_layer_sizes=(100,)), ...)``:
``max_iter=200``, cold fits stop when their loss stalls); ``--max-iter N``
gives the networks of both contenders a budget of N iterations instead.
lassonet gets the same hidden layer and its own path with n_iters=(max_iter,
max_iter // 5). Timings are wall-clock seconds, n_jobs=1 everywhere: one run
for network rows, the median of LINEAR_REPEATS runs for linear rows (a second or
less each, where one run's noise moved the ratio by 20-30%).

GridSearchCV over a network costs 150 cold fits per row. With ``--subset K``
(default 5 for networks, 1 for linear models) it is run on every K-th alpha
only and its time multiplied by K (marked ``≈`` in the table); its score is
that of the best of those alphas.

With ``--lassonet-defaults`` it instead compares the two libraries' CV
estimators for a LassoNet with one hidden layer of 100, each with its own
defaults (grid, path and iterations) and the same 5 folds: skreg's
``LassoNetCV(hidden_layer_sizes=(100,))`` against lassonet's
``LassoNetRegressorCV(hidden_dims=(100,))``.

Usage: python benchmarks/paths.py [--quick] [--subset K] [--select A,B] [--max-iter N]
       python benchmarks/paths.py --lassonet-defaults
       (--quick: linear rows only; --subset 1: the full grid for networks too;
       --select: only rows whose "data | model" contains one of the strings)
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from sklearn.datasets import make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV, RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import StandardScaler

from skreg import LassoNet, LassoNetCV, RidgeNet, RidgeNetCV

N_ALPHAS, N_FOLDS, LINEAR_REPEATS = 30, 5, 5
DEEP_ITER = LassoNet().max_iter  # the networks' budget; --max-iter sets it
warnings.simplefilter("ignore", ConvergenceWarning)


def datasets():
    X, y = make_regression(
        3000, 200, n_informative=10, noise=10.0, random_state=0, shuffle=False
    )
    yield "sparse linear 2000x200", X, y
    X, y = make_friedman1(3000, n_features=50, noise=1.0, random_state=0)
    yield "friedman1 2000x50", X, y


def splits():
    """Each problem's first 2000 rows for training, the rest for testing;
    inputs and target standardised on the training rows.
    """
    for data_name, X, y in datasets():
        scaler = StandardScaler().fit(X[:2000])
        X_train, X_test = scaler.transform(X[:2000]), scaler.transform(X[2000:])
        mean, std = y[:2000].mean(), y[:2000].std()
        y_train, y_test = (y[:2000] - mean) / std, (y[2000:] - mean) / std
        yield data_name, X_train, X_test, y_train, y_test


def timed(fn, *args, repeats=1):
    """Result of the last call and the median wall-clock time of ``repeats``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - start)
    return out, float(np.median(times))


def lassonet_cv(X, y, X_test, y_test, alphas, cv):
    from lassonet import LassoNetRegressorCV

    # lassonet's lambda multiplies ||theta||_1 against the mean squared error
    # (no 1/2), so lambda = 2 * alpha; its path runs dense to sparse.
    model = LassoNetRegressorCV(
        cv=cv,
        hidden_dims=(100,),
        lambda_seq=list(np.sort(2 * alphas)),
        n_iters=(DEEP_ITER, DEEP_ITER // 5),
        patience=(10, 5),
        verbose=0,
        random_state=0,
        torch_seed=0,
    )
    model.fit(X, y)
    return r2_score(y_test, np.ravel(model.predict(X_test)))


def main(quick: bool, subset: int, select: list[str]) -> None:
    print_header()
    cv = KFold(N_FOLDS, shuffle=True, random_state=0)
    for data_name, X_train, X_test, y_train, y_test in splits():
        configs = [((), 200)] if quick else [((100,), DEEP_ITER), ((), 200)]
        for hidden, max_iter in configs:
            for cv_cls, cls, sk_cls in [
                (LassoNetCV, LassoNet, LassoCV),
                (RidgeNetCV, RidgeNet, RidgeCV),
            ]:
                name = f"{data_name} | {cls.__name__} {hidden or 'linear'}"
                if select and not any(s in name for s in select):
                    continue
                params = dict(
                    hidden_layer_sizes=hidden, max_iter=max_iter, random_state=0
                )
                # Linear rows take a second or less: median of LINEAR_REPEATS.
                repeats = 1 if hidden else LINEAR_REPEATS
                model, t_cv = timed(
                    cv_cls(alphas=N_ALPHAS, cv=cv, **params).fit,
                    X_train,
                    y_train,
                    repeats=repeats,
                )
                alphas = model.alphas_
                k = subset if hidden else 1
                search = GridSearchCV(
                    cls(**params),
                    {"alpha": list(alphas[::k])},
                    cv=cv,
                    scoring="neg_mean_squared_error",
                )
                search, t_gs = timed(search.fit, X_train, y_train, repeats=repeats)
                t_gs *= len(alphas) / len(alphas[::k])
                if sk_cls is RidgeCV:
                    sk = sk_cls(alphas=alphas, cv=cv, scoring="neg_mean_squared_error")
                else:
                    sk = sk_cls(alphas=alphas, cv=cv)
                sk, t_sk = timed(sk.fit, X_train, y_train, repeats=repeats)
                row = {
                    "data": data_name,
                    "model": f"{cls.__name__}{'' if hidden else ' linear'}"
                    + (f" {hidden}" if hidden else ""),
                    "t_cv": t_cv,
                    "t_gs": t_gs,
                    "gs_approx": k > 1,
                    "t_sk": t_sk,
                    "r2_cv": model.score(X_test, y_test),
                    "r2_gs": r2_score(y_test, search.predict(X_test)),
                    "r2_sk": sk.score(X_test, y_test),
                    "alpha_same": bool(
                        np.isclose(model.alpha_, search.best_params_["alpha"])
                    ),
                    "t_ln": np.nan,
                    "r2_ln": np.nan,
                }
                if cls is LassoNet and hidden:
                    row["r2_ln"], row["t_ln"] = timed(
                        lassonet_cv, X_train, y_train, X_test, y_test, alphas, cv
                    )
                print_row(row)


def print_header():
    print(
        f"{N_ALPHAS} alphas x {N_FOLDS} folds, held-out R² on 1000 samples; "
        f"networks: max_iter={DEEP_ITER}, one run; linear models: median of "
        f"{LINEAR_REPEATS} runs. Ratios are contender time / CV estimator "
        "time (higher = the CV estimator is faster). ≈: GridSearchCV timed on a "
        "subset of the grid and scaled (see the script's docstring); 'same alpha' "
        "compares with that subset's choice."
    )
    print()
    print(
        "| data | model | CV estimator s | R² | GridSearchCV s | ratio | R² "
        "| same alpha | sklearn CV s | R² | lassonet CV s | ratio | R² |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)


def print_row(r):
    ln = (
        f"{r['t_ln']:.1f} | {r['t_ln'] / r['t_cv']:.1f}x | {r['r2_ln']:.4f}"
        if np.isfinite(r["t_ln"])
        else "— | — | —"
    )
    approx = "≈" if r["gs_approx"] else ""
    print(
        f"| {r['data']} | {r['model']} | {r['t_cv']:.2f} | {r['r2_cv']:.4f} | "
        f"{approx}{r['t_gs']:.2f} | {approx}{r['t_gs'] / r['t_cv']:.1f}x | "
        f"{r['r2_gs']:.4f} | {'yes' if r['alpha_same'] else 'no'} | "
        f"{r['t_sk']:.2f} | {r['r2_sk']:.4f} | {ln} |",
        flush=True,
    )


def lassonet_defaults():
    from lassonet import LassoNetRegressorCV

    print(
        "| data | skreg LassoNetCV s | R² | inputs kept | lassonet CV s | R² | ratio |"
    )
    print("|---|---|---|---|---|---|---|", flush=True)
    cv = KFold(N_FOLDS, shuffle=True, random_state=0)
    for data_name, X_train, X_test, y_train, y_test in splits():
        ours = LassoNetCV(hidden_layer_sizes=(100,), cv=cv, random_state=0)
        ours, t_ours = timed(ours.fit, X_train, y_train)
        peer = LassoNetRegressorCV(
            cv=cv, hidden_dims=(100,), verbose=0, random_state=0, torch_seed=0
        )
        peer, t_peer = timed(peer.fit, X_train, y_train)
        r2_peer = r2_score(y_test, peer.predict(X_test).ravel())
        print(
            f"| {data_name} | {t_ours:.1f} | {ours.score(X_test, y_test):.4f} | "
            f"{ours.support_.sum()} | {t_peer:.1f} | {r2_peer:.4f} | "
            f"{t_peer / t_ours:.1f}x |",
            flush=True,
        )


if __name__ == "__main__":
    if "--lassonet-defaults" in sys.argv:
        lassonet_defaults()
        sys.exit()
    subset = (
        int(sys.argv[sys.argv.index("--subset") + 1]) if "--subset" in sys.argv else 5
    )
    select = (
        sys.argv[sys.argv.index("--select") + 1].split(",")
        if "--select" in sys.argv
        else []
    )
    if "--max-iter" in sys.argv:
        DEEP_ITER = int(sys.argv[sys.argv.index("--max-iter") + 1])
    main(quick="--quick" in sys.argv, subset=subset, select=select)
