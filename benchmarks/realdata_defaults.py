"""Candidate defaults for skreg, measured on realdata.py's data sets (issue 23).

Research script, not a benchmark of the shipped defaults: each candidate is a
skreg estimator with some parameters changed, or wrapped in ``AlphaFraction``,
which sets ``alpha`` to a fraction of the ``alpha_max`` that
``skreg._path._alpha_grid`` computes on the data the estimator is fitted on (after
the pipeline's scaling): for RidgeNet and DropoutMLP networks the alpha at which
the all-zero network becomes a local minimum, for LassoNet the linear Lasso's
alpha_max (every input dropped from the linear model). Same folds, pipeline and
seeds as ``realdata.py``; the reference contenders (constant, MLP, LassoCV, ...)
come from a saved ``realdata.py --json`` run of the same data sets.

Usage::

    python benchmarks/realdata_defaults.py --run NAME[,NAME...] --json out.json
    python benchmarks/realdata_defaults.py --report base.json cand1.json ...
    python benchmarks/realdata_defaults.py --list
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

import skreg
from skreg._path import _alpha_grid

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import realdata  # noqa: E402
from paths import timed as _timed  # noqa: E402


def _noise_alpha_max(est, X, y, n_perm=20):
    """The ``alpha_max`` of ``est`` on targets shuffled against ``X`` (mean of
    ``n_perm`` permutations, seed 0): the strength at which a model of data with
    no signal is all zero.
    """
    from skreg._path import _target_residual

    w = np.ones(len(y))
    R = _target_residual(est, y, w)
    rng = np.random.default_rng(0)
    lasso = "l1_ratio" in est.get_params()
    out = []
    for _ in range(n_perm):
        Xr = X.T @ R[rng.permutation(len(y))]
        if lasso:
            out.append(np.sqrt((Xr**2).sum(axis=1)).max() / len(y))
        else:
            out.append(np.linalg.norm(Xr, ord=2))
    return float(np.mean(out))


class AlphaFraction(BaseEstimator):
    """``estimator`` fitted with ``alpha = frac * alpha_max`` of the data it sees
    (``scale='amax'``), or ``frac`` times the alpha_max of the same data with
    shuffled targets (``scale='noise'``), or ``frac * noise**2 / alpha_max``
    (``scale='js'``).
    """

    def __init__(self, estimator, frac=0.1, scale="amax"):
        self.estimator = estimator
        self.frac = frac
        self.scale = scale

    def fit(self, X, y):
        est = clone(self.estimator)
        X = np.asarray(X, dtype=float)
        if self.scale in ("noise", "js"):
            alpha_max = _noise_alpha_max(est, X, y)
        if self.scale == "js":  # noise^2 / alpha_max
            grid = _alpha_grid(est, X, y, n_alphas=2, eps=1e-3)
            lasso = "l1_ratio" in est.get_params()
            alpha_max = alpha_max**2 / (grid[0] / 1e-3 if lasso else grid[-1])
        elif self.scale != "noise":
            grid = _alpha_grid(est, X, y, n_alphas=2, eps=1e-3)
            lasso = "l1_ratio" in est.get_params()
            # LassoNet networks: geomspace(amax * eps, amax / eps); others end at amax.
            alpha_max = grid[0] / 1e-3 if lasso else grid[-1]
        self.alpha_used_ = float(self.frac * alpha_max)
        self.estimator_ = est.set_params(alpha=self.alpha_used_).fit(X, y)
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    @property
    def support_(self):
        return self.estimator_.support_


def family(name):
    """Factory of a skreg family at seed 0: regressor or classifier by task."""
    return lambda task, **kw: realdata._skreg_class(name, task)(
        random_state=realdata.SEED, **kw
    )


def candidate(name, frac=None, scale="amax", **params):
    fam = family(name)

    def make(task):
        est = fam(task, **params)
        return est if frac is None else AlphaFraction(est, frac, scale)

    return make


CANDIDATES = {
    # RidgeNet: alpha as a fraction of the collapse alpha, or fixed; stopping.
    "RidgeNet": candidate("RidgeNet"),
    **{
        f"RidgeNet a={f}amax": candidate("RidgeNet", frac=f)
        for f in (0.01, 0.03, 0.1, 0.3)
    },
    **{f"RidgeNet alpha={a}": candidate("RidgeNet", alpha=a) for a in (10.0, 100.0)},
    "RidgeNet adam+ES": candidate("RidgeNet", solver="adam", early_stopping=True),
    "RidgeNet iter=30": candidate("RidgeNet", max_iter=30),
    # LassoNet: alpha as a fraction of the linear Lasso's alpha_max; M; budget.
    "LassoNet": candidate("LassoNet"),
    **{
        f"LassoNet a={f}amax": candidate("LassoNet", frac=f)
        for f in (0.03, 0.1, 0.2, 0.3)
    },
    **{
        f"LassoNet a={f}amax M={m}": candidate("LassoNet", frac=f, M=m)
        for f, m in [(0.1, 1.0), (0.3, 1.0), (1.0, 1.0), (0.05, 0.1), (0.1, 0.1)]
    },
    "LassoNet a=0.1amax iter=50": candidate("LassoNet", frac=0.1, max_iter=50),
    "LassoNet adam+ES": candidate("LassoNet", solver="adam", early_stopping=True),
    # DropoutMLP
    "DropoutMLP": candidate("DropoutMLP"),
    "DropoutMLP a=0.01amax": candidate("DropoutMLP", frac=0.01),
    "DropoutMLP ES": candidate("DropoutMLP", early_stopping=True),
    # CV twins: the automatic grid instead of (0.1, 1, 10); more alphas.
    "RidgeNetCV alphas=30": candidate("RidgeNetCV", alphas=30),
    "LassoNetCV alphas=30": candidate("LassoNetCV", alphas=30),
}


def parse_candidate(name):
    """A candidate from its name: ``FAMILY key=value ...``, where ``a=0.03amax``
    or ``a=0.3noise`` sets ``alpha`` as a fraction of alpha_max (of the data, or
    of the data with shuffled targets) and other values are Python literals
    (``early_stopping=True``), or plain strings (``solver=adam``).
    """
    if name in CANDIDATES:
        return CANDIDATES[name]
    fam, *pairs = name.split()
    frac, scale, params = None, "amax", {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key == "a":
            scale = next(s for s in ("noise", "js", "amax") if value.endswith(s))
            frac = float(value.removesuffix(scale))
            continue
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return candidate(fam, frac=frac, scale=scale, **params)


def run(names, out, data=""):
    wanted = [w for w in data.split(",") if w]
    datasets = realdata.select(
        realdata.DATASETS + realdata.EXTRA if wanted else realdata.DATASETS,
        wanted,
        lambda d: d.name,
    )
    contenders = [(n, parse_candidate(n)) for n in names]
    torch.set_num_threads(1)
    start = time.perf_counter()
    with threadpool_limits(1):
        info, records = realdata.run(datasets, contenders)
    header = f"candidates {names}; {(time.perf_counter() - start) / 60:.1f} min\n"
    with open(out, "w") as f:
        json.dump({"header": header, "info": info, "records": records}, f)


# ------------------------------------------------------------------------- report
def load(paths):
    info, records = [], []
    for path in paths:
        with open(path) as f:
            saved = json.load(f)
        info = info or saved["info"]
        records += saved["records"]
    per = realdata.summarise(info, records)
    return info, per


def goals(per, name, ref="MLP"):
    """One row of the goals table for candidate ``name``."""
    row = {"candidate": name}
    for task, col, sign in [
        ("regression", "r2", 1),
        ("classification", "accuracy", 1),
        ("classification", "log_loss", -1),
    ]:
        t = per[per.task == task].pivot(index="data", columns="contender", values=col)
        if name not in t:
            continue
        d = (t[name] - t[ref]).dropna()
        tie = realdata.TIE_REL * t[ref] if col == "log_loss" else realdata.TIE
        tie = tie.loc[d.index] if col == "log_loss" else tie
        win, loss = int((sign * d > tie).sum()), int((sign * d < -tie).sum())
        row[f"{col} median Δ"] = float(d.median())
        row[f"{col} w/t/l"] = f"{win}/{len(d) - win - loss}/{loss}"
        const = t["constant"]
        if col == "log_loss":
            worse, ref_worse = t[name] > 1.1 * const, t[ref] > 1.1 * const
            row["log-loss / constant, max"] = float((t[name] / const).max())
        else:
            worse = t[name] < const - realdata.TIE
            ref_worse = t[ref] < const - realdata.TIE
        bad = sorted(t.index[worse & ~ref_worse])
        row[f"{col} worse than constant"] = ", ".join(bad) if bad else "none"
    sub = per[per.contender == name]
    if "kept" in sub and sub["kept"].notna().any():
        irr = sub[sub.data.str.endswith("perm")]
        row["kept on +perm sets"] = ", ".join(
            f"{k:.0f}/{g:.0f}" for k, g in zip(irr["kept"], irr["given"], strict=True)
        )
        frac = sub["kept"] / sub["given"]
        row["sets with fewer kept"] = f"{int((frac < 1).sum())} of {len(sub)}"
        reg = per[per.task == "regression"].pivot(
            index="data", columns="contender", values="r2"
        )
        if "LassoCV" in reg and name in reg:
            both = reg[[name, "LassoCV"]].dropna()
            row["median R² − LassoCV's"] = float(
                both[name].median() - both["LassoCV"].median()
            )
    times = per.pivot(index="data", columns="contender", values="fit_s")
    row["time / MLP (median)"] = float((times[name] / times[ref]).median())
    row["warned fits"] = f"{int(sub['warned_fits'].sum())} of {int(sub['fits'].sum())}"
    return row


def report(paths):
    info, per = load(paths)
    skip = {"constant", "MLP", "MLP grid", "RidgeCV", "LassoCV", "HGB"}
    rows = [goals(per, n) for n in dict.fromkeys(per.contender) if n not in skip]
    df = pd.DataFrame(rows).set_index("candidate")
    fmt = {c: "{:+.3f}" for c in df.columns if "median" in c}
    fmt.update({"log-loss / constant, max": "{:.2f}", "time / MLP (median)": "{:.2f}"})
    for c, f in fmt.items():
        if c in df:
            df[c] = df[c].map(lambda v, f=f: "—" if pd.isna(v) else f.format(v))
    table = df.fillna("—").T
    print("| goal | " + " | ".join(table.columns) + " |")
    print("|---|" + "---|" * len(table.columns))
    for goal, row in table.iterrows():
        print(f"| {goal} | " + " | ".join(str(v) for v in row) + " |")
    print()


def per_data(paths, metric, names=None):
    """One metric per data set (rows) and contender (columns), with the
    constant model and the MLP first.
    """
    _, per = load(paths)
    task = "regression" if metric == "r2" else "classification"
    t = per[per.task == task].pivot(index="data", columns="contender", values=metric)
    t = t.reindex(index=list(dict.fromkeys(per[per.task == task]["data"])))
    cols = [c for c in ("constant", "MLP") if c in t] + [
        c for c in (names or t.columns) if c in t and c not in ("constant", "MLP")
    ]
    t = t[cols].dropna(how="all", axis=0)
    print(f"| data ({metric}) | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for data, row in t.iterrows():
        print(f"| {data} | " + " | ".join(realdata._fmt(v) for v in row) + " |")
    print()


# -------------------------------------------------------------------------- speed


def _prepared(name):
    """A data set of realdata.py after its pipeline's preprocessing (all rows)."""
    ds = next(d for d in realdata.DATASETS if d.name == name)
    X, y = ds.load()
    X = realdata.preprocessor().fit_transform(X)
    if ds.task == "regression":
        y = (y - y.mean()) / y.std()
    else:
        y = np.asarray(y).astype(str)
    return ds.task, X, y


def speed_cv_vs_grid(names, hidden=(100,), cv=5):
    """Point 4a: CV estimator with a hidden layer against GridSearchCV over the
    plain estimator on the CV estimator's own grid, same folds.
    """
    from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

    print("| data | estimator | CV estimator s | GridSearchCV s | ratio CV / grid |")
    print("|---|---|---|---|---|")
    ratios = []
    for name in names:
        task, X, y = _prepared(name)
        split = (KFold if task == "regression" else StratifiedKFold)(
            cv, shuffle=True, random_state=0
        )
        for fam in ("RidgeNetCV", "LassoNetCV"):
            cls = realdata._skreg_class(fam, task)
            est = cls(hidden_layer_sizes=hidden, cv=split, random_state=0)
            model, t_cv = _timed(est.fit, X, y)
            plain = realdata._skreg_class(fam.replace("CV", ""), task)
            grid = GridSearchCV(
                plain(hidden_layer_sizes=hidden, random_state=0),
                {"alpha": list(np.ravel(model.alphas_))},
                cv=split,
            )
            _, t_gs = _timed(grid.fit, X, y)
            ratios.append(t_cv / t_gs)
            print(
                f"| {name} | {cls.__name__}{hidden} | {t_cv:.1f} | {t_gs:.1f} | "
                f"{t_cv / t_gs:.2f} |",
                flush=True,
            )
    print(f"| **median** | | | | **{np.median(ratios):.2f}** |\n")


def _grants():
    X, y = realdata._r("modeldata", "grants_test", "class")()
    return realdata.preprocessor().fit_transform(X), np.asarray(y).astype(str)


def speed_l1_logistic(cv=5):
    """Point 4b: linear LassoNetClassifierCV against saga's L1 LogisticRegressionCV
    on p > n data (same folds, each with its default grid).
    """
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    split = StratifiedKFold(cv, shuffle=True, random_state=0)
    print(
        "| data | n × p | LassoNetClassifierCV s | saga L1 LogisticRegressionCV s "
        "| ratio | accuracy (train) skreg / saga |"
    )
    print("|---|---|---|---|---|---|")
    sets = [("grants_test (0/1 columns)", *_grants())]
    for name in ("tissue", "hepatic"):
        sets.append((name, *_prepared(name)[1:]))
    for name, X, y in sets:
        ours = skreg.LassoNetClassifierCV(cv=split, random_state=0)
        ours, t_ours = _timed(ours.fit, X, y)
        saga = LogisticRegressionCV(
            l1_ratios=[1], solver="saga", cv=split, random_state=0
        )
        saga, t_saga = _timed(saga.fit, X, y)
        print(
            f"| {name} | {X.shape[0]} × {X.shape[1]} | {t_ours:.1f} | {t_saga:.1f} | "
            f"{t_ours / t_saga:.2f} | {ours.score(X, y):.3f} / {saga.score(X, y):.3f} |",
            flush=True,
        )
    print()


def speed_small(params=None, repeats=7):
    """Point 4c: fit + predict on n=100, d=10 against MLPRegressor / MLPClassifier."""
    from sklearn.datasets import make_classification, make_regression
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    params = params or {}
    Xr, yr = make_regression(100, 10, noise=10.0, random_state=0)
    yr = (yr - yr.mean()) / yr.std()
    Xc, yc = make_classification(100, 10, random_state=0)
    print("| estimator | fit + predict ms | / MLP |")
    print("|---|---|---|")
    for task, X, y, mlp in [
        ("regression", Xr, yr, MLPRegressor),
        ("classification", Xc, yc, MLPClassifier),
    ]:

        def fit_predict(est, X, y):
            return est.fit(X, y).predict(X)

        _, t_mlp = _timed(fit_predict, mlp(random_state=0), X, y, repeats=repeats)
        print(f"| {mlp.__name__} | {1000 * t_mlp:.0f} | 1.00 |")
        for fam in realdata.SKREG:
            cls = realdata._skreg_class(fam, task)
            est = cls(random_state=0).set_params(**params.get(fam, {}))
            _, t = _timed(fit_predict, est, X, y, repeats=repeats)
            print(f"| {cls.__name__} | {1000 * t:.0f} | {t / t_mlp:.2f} |", flush=True)
    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--run")
    parser.add_argument("--json")
    parser.add_argument("--data", default="")
    parser.add_argument("--report", nargs="+")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--per-data", help="r2, accuracy or log_loss: per set")
    parser.add_argument("--speed", help="cv,l1,small (comma-separated)")
    args = parser.parse_args()
    if args.speed:
        torch.set_num_threads(1)
        warnings.simplefilter("ignore")  # MLP's and the CV fits' ConvergenceWarnings
        with threadpool_limits(1):
            if "small" in args.speed:
                speed_small()
            if "l1" in args.speed:
                speed_l1_logistic()
            if "cv" in args.speed:
                speed_cv_vs_grid(
                    ["diabetes", "hitters", "carseats", "concrete", "wine", "birthwt"]
                )
    elif args.per_data:
        per_data(args.report, args.per_data)
    elif args.list:
        print("\n".join(CANDIDATES))
    elif args.run:
        run(args.run.split(","), args.json, args.data)
    else:
        report(args.report)
