"""Penalty factors, feature groups and L1 on every weight, measured (issue 25).

1. The adaptive lasso built from ``penalty_factor`` (weights ``1 / |beta_ridge|``)
   against the plain Lasso, both at ``alpha='auto'``, on correlated synthetic
   data with 4 of 30 inputs informative: support recovery and coefficient
   error.
2. ``groups='auto'`` on one-hot categoricals (palmerpenguins' body mass, and a
   synthetic set with known truth): along a 30-alpha path, how many alphas keep
   a categorical partly in (some of its one-hot columns in use, not all), and
   the cross-validated R² (5 shuffled folds, ``alpha='auto'``) with and
   without groups.
3. ``DropoutMLPClassifier(l1_ratio=1)`` on the spiral example: the share of
   zero weights per layer and validation accuracy against alpha.

Run: ``python benchmarks/groups_and_factors.py`` (palmerpenguins is in the
``realdata`` extra; its rows are skipped without it).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler, scale

from skreg import DropoutMLPClassifier, LassoNet, regularization_path
from skreg._groups import auto_groups


def adaptive_lasso(seeds=range(5)):
    print("## Adaptive lasso (penalty_factor = 1 / |ridge coef|), alpha='auto'\n")
    print(
        "| seed | support exact: lasso | adaptive | coef error: lasso | adaptive "
        "| ratio |"
    )
    print("|---|---|---|---|---|---|")
    ratios = []
    for seed in seeds:
        rng = np.random.RandomState(seed)
        n, d = 200, 30
        X = scale(rng.randn(n, d) + 0.7 * rng.randn(n, 1))
        beta = np.zeros(d)
        beta[:4] = [2.0, -1.5, 1.0, 0.8]
        y = X @ beta + rng.randn(n)
        ridge = np.linalg.solve(X.T @ X + np.eye(d), X.T @ (y - y.mean()))
        plain = LassoNet(hidden_layer_sizes=()).fit(X, y)
        adaptive = LassoNet(hidden_layer_sizes=(), penalty_factor=1 / np.abs(ridge))
        adaptive.fit(X, y)
        truth = beta != 0
        errors = [np.linalg.norm(m.coef_ - beta) for m in (plain, adaptive)]
        exact = [bool((m.support_ == truth).all()) for m in (plain, adaptive)]
        ratios.append(errors[1] / errors[0])
        print(
            f"| {seed} | {exact[0]} | {exact[1]} | {errors[0]:.3f} | "
            f"{errors[1]:.3f} | {ratios[-1]:.2f} |"
        )
    print(f"\nmean error ratio (adaptive / lasso): {np.mean(ratios):.2f}\n")


def _penguins():
    try:
        import palmerpenguins
    except ImportError:
        return None
    df = palmerpenguins.load_penguins().dropna()
    y = df.pop("body_mass_g").to_numpy(dtype=float)
    df = df.drop(columns=["year"])
    categorical = ["species", "island", "sex"]
    numeric = [c for c in df.columns if c not in categorical]
    return df, (y - y.mean()) / y.std(), categorical, numeric


def _synthetic(n=300, seed=0):
    rng = np.random.RandomState(seed)
    df = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue", "light_grey"], n),
            "shape": rng.choice(["round", "square", "star"], n),
            "size": rng.choice(list("abcde"), n),
            "weight": rng.randn(n),
            "noise_level": rng.randn(n),
        }
    )
    effect = {"red": 1.5, "green": -1.0, "blue": 0.0, "light_grey": 0.5}
    y = df["color"].map(effect).to_numpy() + df["weight"].to_numpy()
    y = y + 0.3 * (df["shape"] == "star") + 0.5 * rng.randn(n)
    return df, y, ["color", "shape", "size"], ["weight", "noise_level"]


def _partial_alphas(model, X, y, groups):
    path = regularization_path(model, X, y, alphas=30)
    coefs = path.coefs.reshape(X.shape[1], -1)
    used = coefs != 0
    partial = np.zeros(used.shape[1], dtype=bool)
    for g in groups:
        if len(g) > 1:
            partial |= used[g].any(axis=0) & ~used[g].all(axis=0)
    return int(partial.sum())


def groups(datasets):
    print("## groups='auto' on one-hot categoricals\n")
    print(
        "| data | model | alphas with a categorical partly in (of 30): no groups "
        "| groups | 5-fold R²: no groups | groups |"
    )
    print("|---|---|---|---|---|---|")
    for name, loaded in datasets:
        if loaded is None:
            print(f"| {name} | (not installed) | | | | |")
            continue
        df, y, categorical, numeric = loaded
        encode = ColumnTransformer(
            [
                ("onehot", OneHotEncoder(sparse_output=False), categorical),
                ("num", StandardScaler(), numeric),
            ]
        ).set_output(transform="pandas")
        X = encode.fit_transform(df)
        found = auto_groups(X.columns)
        for label, sizes in (("linear", ()), ("hidden (16,)", (16,))):
            row = []
            for grouping in (None, "auto"):
                model = LassoNet(
                    hidden_layer_sizes=sizes, groups=grouping, random_state=0
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    row.append(_partial_alphas(model, X, y, found))
                    folds = KFold(5, shuffle=True, random_state=0)  # rows sorted
                    r2 = cross_val_score(model, X, y, cv=folds).mean()
                row.append(r2)
            print(
                f"| {name} | {label} | {row[0]} | {row[2]} | {row[1]:.3f} | "
                f"{row[3]:.3f} |"
            )
    print()


def spiral_l1(alphas=(0.0, 0.01, 0.03, 0.1)):
    print("## DropoutMLPClassifier(dropout=0, l1_ratio=1) on the spiral example\n")
    print("| alpha | zero weights: layer 1 | layer 2 | train acc | validation acc |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)

    def spirals(n_per_class):
        radius = rng.uniform(0, 1, size=(3, n_per_class))
        angle = 4 * np.arange(3)[:, None] + 4 * radius
        angle = angle + 0.5 * rng.standard_normal(angle.shape)
        X = np.c_[(radius * np.sin(angle)).ravel(), (radius * np.cos(angle)).ravel()]
        return X, np.repeat(np.arange(3), n_per_class)

    X_train, y_train = spirals(60)
    X_val, y_val = spirals(1000)
    for alpha in alphas:
        model = DropoutMLPClassifier(
            hidden_layer_sizes=(512,),
            dropout=0.0,
            alpha=alpha,
            l1_ratio=1.0,
            solver="adam",
            batch_size=32,
            learning_rate_init=0.005,
            max_iter=1,
            warm_start=True,
            random_state=np.random.RandomState(0),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(100):
                model.fit(X_train, y_train)
        s = model.sparsity_
        print(
            f"| {alpha} | {s[0]:.3f} | {s[1]:.3f} | "
            f"{model.score(X_train, y_train):.3f} | {model.score(X_val, y_val):.3f} |"
        )
    print()


if __name__ == "__main__":
    adaptive_lasso()
    groups([("synthetic (known truth)", _synthetic()), ("penguins", _penguins())])
    spiral_l1()
