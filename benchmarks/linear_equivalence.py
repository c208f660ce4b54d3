"""skreg with no hidden layer against scikit-learn's linear models.

For each data set and alpha: the largest coefficient/intercept error of the
skreg estimator (default settings, ``hidden_layer_sizes=()``) relative to the
largest reference coefficient, where the reference is the scikit-learn model run
to a tight tolerance; whether the zero sets are identical; the iterations used;
and the fit time of skreg over the fit time of the scikit-learn model with *its*
default settings (what a user would otherwise run). Times are medians of
``REPEATS`` fits on one thread (torch and BLAS alike) for both sides, measured as
process CPU time so that other processes on a shared machine do not count.

Run: ``python benchmarks/linear_equivalence.py`` (a few minutes); the markdown
tables are printed and saved to benchmarks/results/linear_equivalence.md (the
squared error and the log-loss) and linear_equivalence_losses.md (the Poisson
and pinball losses); ``--part losses`` (or ``equivalence``) re-runs one of them.
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_linnerud,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LogisticRegression,
    MultiTaskLasso,
    PoissonRegressor,
    QuantileRegressor,
    Ridge,
)
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skreg import LassoNet, LassoNetClassifier, RidgeNet, RidgeNetClassifier

REPEATS = 15  # medians of 5 moved single ratios by up to 2x between runs
TIGHT = {"tol": 1e-10, "max_iter": 100_000}
GOAL = 3.0  # within 3x scikit-learn's fit time for n <= 1e4, d <= 100


def sparse_truth(n=2000, d=50):
    """Uncentred, unevenly scaled features; 10 of 50 coefficients non-zero."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.uniform(-5, 5, d)
    coef = np.zeros(d)
    coef[rng.choice(d, 10, replace=False)] = rng.uniform(-3, 3, 10)
    return X, X @ coef + 4.0 + rng.standard_normal(n)


def sparse_csr(n=5000, d=100):
    """scipy CSR at 5 % density (as one-hot or count features); 10 true coefficients."""
    rng = np.random.RandomState(1)
    X = sp.random(n, d, density=0.05, format="csr", random_state=rng)
    coef = np.zeros(d)
    coef[rng.choice(d, 10, replace=False)] = rng.uniform(-3, 3, 10)
    return X, X @ coef + 1.0 + 0.1 * rng.standard_normal(n)


def counts(n=2000, d=20):
    """Poisson counts of a log-linear model on uncentred, unevenly scaled features."""
    rng = np.random.RandomState(2)
    scale, shift = rng.uniform(0.1, 10, d), rng.uniform(-5, 5, d)
    X = rng.standard_normal((n, d)) * scale + shift
    coef = rng.uniform(-0.2, 0.2, d) / scale
    return X, rng.poisson(np.exp((X - shift) @ coef + 1.0)).astype(float)


def scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATA = {
    "diabetes 442x10": lambda: load_diabetes(return_X_y=True),
    "make_regression 10000x100": lambda: make_regression(
        10000, 100, n_informative=20, noise=10.0, bias=2.0, random_state=0
    ),
    "sparse truth 2000x50 (raw)": sparse_truth,
    "sparse CSR 5000x100 (5 %)": sparse_csr,
    "linnerud 20x3, 3 outputs (raw)": lambda: load_linnerud(return_X_y=True),
    "make_regression 2000x50, 4 outputs": lambda: make_regression(
        2000, 50, n_targets=4, n_informative=8, noise=5.0, random_state=0
    ),
    "counts 2000x20 (raw)": counts,
    "diabetes 442x10 (std)": lambda: scaled(load_diabetes),
    "breast_cancer 569x30 (std)": lambda: scaled(load_breast_cancer),
    "iris 150x4, 3 classes (std)": lambda: scaled(load_iris),
    "make_classification 5000x50": lambda: make_classification(
        5000, 50, n_informative=10, random_state=0
    ),
}


def ridge(a, n):
    return RidgeNet((), alpha=a), Ridge(alpha=a), Ridge(alpha=a, tol=1e-10)


def lasso(a, n):
    return LassoNet((), alpha=a), Lasso(alpha=a), Lasso(alpha=a, **TIGHT)


def enet(a, n):
    return (
        LassoNet((), alpha=a, l1_ratio=0.5),
        ElasticNet(alpha=a, l1_ratio=0.5),
        ElasticNet(alpha=a, l1_ratio=0.5, **TIGHT),
    )


def mtlasso(a, n):
    return LassoNet((), alpha=a), MultiTaskLasso(alpha=a), MultiTaskLasso(a, **TIGHT)


def logistic(a, n):
    return (
        RidgeNetClassifier((), alpha=a),
        LogisticRegression(C=1 / a),
        LogisticRegression(C=1 / a, **TIGHT),
    )


def l1_logistic(a, n):
    kw = {"C": 1 / (n * a), "l1_ratio": 1.0, "solver": "saga"}
    return (
        LassoNetClassifier((), alpha=a),
        LogisticRegression(**kw),
        LogisticRegression(**kw, **TIGHT),
    )


def poisson(a, n):
    """RidgeNet's penalty is divided by n: PoissonRegressor's alpha is a / n."""
    return (
        RidgeNet((), loss="poisson", alpha=a),
        PoissonRegressor(alpha=a / n),
        PoissonRegressor(alpha=a / n, solver="newton-cholesky", tol=1e-10),
    )


def quantile(q):
    def make(a, n):
        # The same linear program, solved by HiGHS on both sides.
        model = QuantileRegressor(quantile=q, alpha=a)
        return LassoNet((), loss="quantile", quantile=q, alpha=a), model, model

    return make


CASES = [
    ("Ridge", ridge, "diabetes 442x10", [1e-3, 1e-1, 10.0, 1e3]),
    ("Ridge", ridge, "make_regression 10000x100", [1e-1, 10.0, 1e3]),
    ("Ridge", ridge, "sparse truth 2000x50 (raw)", [1e-2, 1.0, 1e2]),
    ("Lasso", lasso, "diabetes 442x10", [1e-3, 1e-1, 1.0]),
    ("Lasso", lasso, "make_regression 10000x100", [1e-2, 1.0, 10.0]),
    ("Lasso", lasso, "sparse truth 2000x50 (raw)", [1e-3, 1e-1, 1.0]),
    ("Lasso", lasso, "sparse CSR 5000x100 (5 %)", [1e-4, 1e-3, 1e-2]),
    ("Ridge", ridge, "sparse CSR 5000x100 (5 %)", [1e-2, 1.0, 1e2]),
    ("ElasticNet(0.5)", enet, "diabetes 442x10", [1e-3, 1e-1, 1.0]),
    ("ElasticNet(0.5)", enet, "sparse truth 2000x50 (raw)", [1e-3, 1e-1, 1.0]),
    ("MultiTaskLasso", mtlasso, "linnerud 20x3, 3 outputs (raw)", [1e-2, 1.0, 10.0]),
    ("MultiTaskLasso", mtlasso, "make_regression 2000x50, 4 outputs", [1.0, 100.0]),
    ("LogisticRegression", logistic, "breast_cancer 569x30 (std)", [0.1, 1.0, 10.0]),
    ("LogisticRegression", logistic, "iris 150x4, 3 classes (std)", [1e-2, 1.0]),
    ("LogisticRegression", logistic, "make_classification 5000x50", [1e-1, 10.0]),
    ("L1 LogisticRegression", l1_logistic, "breast_cancer 569x30 (std)", [1e-2, 1e-1]),
]

# The regressors' other losses (``loss='poisson'``, ``loss='quantile'``), in a
# table of their own (``--part losses`` re-runs it alone).
LOSS_CASES = [
    ("PoissonRegressor", poisson, "diabetes 442x10", [1e-2, 1.0, 1e2]),
    ("PoissonRegressor", poisson, "counts 2000x20 (raw)", [1e-1, 10.0, 1e3]),
    ("QuantileRegressor(0.5)", quantile(0.5), "diabetes 442x10 (std)", [1e-3, 0.1]),
    ("QuantileRegressor(0.9)", quantile(0.9), "counts 2000x20 (raw)", [1e-4, 1e-2]),
]


def median_time(fit):
    times = []
    for _ in range(REPEATS):
        t0 = time.process_time()
        fit()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def measure(cases, cache) -> tuple[list[str], list[float]]:
    """The table rows of ``cases`` and their time ratios."""
    lines = [
        "| model | data | alpha | max rel. error | same zeros | skreg iters | "
        "skreg ms | sklearn ms | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    for model_name, make, data_name, alphas in cases:
        X, y = cache[data_name]
        for alpha in alphas:
            ours, default, tight = make(alpha, X.shape[0])
            ours.fit(X, y)
            tight.fit(X, y)
            coef, ref = np.atleast_2d(ours.coef_), np.atleast_2d(tight.coef_)
            scale = max(np.abs(ref).max(), 1e-12)
            b, b_ref = np.ravel(ours.intercept_), np.ravel(tight.intercept_)
            error = max(np.abs(coef - ref).max(), np.abs(b - b_ref).max()) / max(
                scale, np.abs(b_ref).max()
            )
            same = bool(np.array_equal(coef == 0, ref == 0))
            t_ours = median_time(lambda o=ours, X=X, y=y: o.fit(X, y))
            t_ref = median_time(lambda d=default, X=X, y=y: d.fit(X, y))
            ratio = t_ours / t_ref
            ratios.append(ratio)
            lines.append(
                f"| {model_name} | {data_name} | {alpha:g} | {error:.1e} | "
                f"{'yes' if same else '**no**'} | {ours.n_iter_} | "
                f"{1e3 * t_ours:.1f} | {1e3 * t_ref:.1f} | {ratio:.1f}x |"
            )
    return lines, ratios


FOOTNOTES = {
    "linear_equivalence": (
        "Error: max |skreg - reference| over coefficients and intercepts, over the "
        f"largest reference value; reference = scikit-learn with tol={TIGHT['tol']:g}. "
        f"Time: median CPU time of {REPEATS} fits, one thread; scikit-learn at its "
        "default tol and max_iter."
    ),
    "linear_equivalence_losses": (
        "RidgeNet(loss='poisson', alpha) against PoissonRegressor(alpha / n) (the "
        "ridge family divides its penalty by n), the reference with "
        "solver='newton-cholesky', tol=1e-10, the timing at PoissonRegressor's "
        "defaults (lbfgs). LassoNet(loss='quantile', quantile=q, alpha, l1_ratio=1) "
        "against QuantileRegressor(quantile=q, alpha): both solve the same linear "
        "program with HiGHS, so the reference is QuantileRegressor itself. Error "
        f"and time as in the table above (medians of {REPEATS} fits, one thread)."
    ),
}


def main():
    parts = sys.argv[sys.argv.index("--part") + 1 :] if "--part" in sys.argv else []
    torch.set_num_threads(1)
    cache = {name: make() for name, make in DATA.items()}
    tables = {"linear_equivalence": CASES, "linear_equivalence_losses": LOSS_CASES}
    if parts:
        tables = {k: v for k, v in tables.items() if k.split("_")[-1] in parts}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # Warm up (lazy initialisation in torch and LAPACK): without this the
        # first two cases measured 3x their steady-state time.
        X, y = cache["diabetes 442x10"]
        for _ in range(30):
            RidgeNet((), alpha=1.0).fit(X, y)
            Ridge(alpha=1.0).fit(X, y)
        for name, cases in tables.items():
            lines, ratios = measure(cases, cache)
            within = sum(r <= GOAL for r in ratios)
            lines += ["", FOOTNOTES[name]]
            if name == "linear_equivalence":
                lines[-1:-1] = [
                    f"Goal: within {GOAL:g}x scikit-learn's fit time (n <= 1e4, "
                    f"d <= 100): {within} of {len(ratios)} cases; median ratio "
                    f"{np.median(ratios):.1f}x.",
                    "",
                ]
            text = "\n".join(lines)
            print(text, end="\n\n")
            (Path(__file__).parent / "results" / f"{name}.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
