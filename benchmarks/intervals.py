"""90 % prediction intervals on held-out data: quantile networks against MC dropout.

Three intervals for a nominal 0.90, each from networks of the same size
(one hidden layer of 64, batches of 64):

- two quantile networks (``RidgeNet(loss='quantile')`` at the 0.05- and
  0.95-quantiles), trained on every training row;
- the same two networks calibrated on a quarter of the training rows
  (``IntervalRegressor``, conformalized quantile regression);
- Monte-Carlo dropout's band ``mean ± 1.645 std`` (``DropoutMLP.predict(X,
  return_std=True)``, dropout 0.1, 100 passes).

For each: the share of held-out targets inside the interval (coverage) and its
mean width, over several random splits (make_friedman1 with ``noise=1``: 2000
training and 2000 held-out rows, a new sample per seed, where the noise's own
90 % interval is 3.29 wide; load_diabetes: 70/30 splits of its 442 rows).
Inputs are standardised on the training rows; targets are left as they are.

Run: ``python benchmarks/intervals.py`` (about two minutes on one core); the
markdown is printed and saved to benchmarks/results/intervals.md.
"""

import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import DropoutMLP, IntervalRegressor, RidgeNet

SEEDS = range(5)
NOMINAL = 0.9


def friedman(seed):
    X, y = make_friedman1(4000, noise=1.0, random_state=seed)
    return X[:2000], X[2000:], y[:2000], y[2000:]


def diabetes(seed):
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=seed)


def quantile_net(alpha):
    return RidgeNet((64,), alpha=alpha, batch_size=64, random_state=0)


def methods(alpha):
    """name -> function(X, y, X_test) returning the (n_test, 2) bounds."""

    def raw(X, y, X_test):
        model = IntervalRegressor(quantile_net(alpha), calibration=None)
        return model.fit(X, y).predict_interval(X_test)

    def calibrated(X, y, X_test):
        model = IntervalRegressor(quantile_net(alpha), random_state=0)
        return model.fit(X, y).predict_interval(X_test)

    def mc_dropout(X, y, X_test):
        model = DropoutMLP((64,), dropout=0.1, batch_size=64, random_state=0)
        mean, std = model.fit(X, y).predict(X_test, return_std=True)
        return np.column_stack([mean - 1.645 * std, mean + 1.645 * std])

    return {
        "two quantile networks": raw,
        "the same, calibrated (IntervalRegressor)": calibrated,
        "MC dropout mean ± 1.645 std": mc_dropout,
    }


def measure(name, split, alpha):
    rows = []
    for method, interval in methods(alpha).items():
        coverage, width, seconds = [], [], []
        for seed in SEEDS:
            X, X_test, y, y_test = split(seed)
            scaler = StandardScaler().fit(X)
            t0 = time.process_time()
            bounds = interval(scaler.transform(X), y, scaler.transform(X_test))
            seconds.append(time.process_time() - t0)
            inside = (bounds[:, 0] <= y_test) & (y_test <= bounds[:, 1])
            coverage.append(inside.mean())
            width.append(np.mean(bounds[:, 1] - bounds[:, 0]))
        rows.append(
            f"| {name} | {method} | {np.mean(coverage):.3f} "
            f"({min(coverage):.3f}-{max(coverage):.3f}) | {np.mean(width):.2f} | "
            f"{np.median(seconds):.1f} |"
        )
    return rows


def main():
    torch.set_num_threads(1)
    lines = [
        f"Nominal coverage {NOMINAL}; mean over {len(SEEDS)} splits (range); width in "
        "units of y; fit time: median CPU seconds per split, one thread.",
        "",
        "| data | interval | held-out coverage | mean width | fit s |",
        "|---|---|---|---|---|",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lines += measure("friedman1, noise=1 (oracle width 3.29)", friedman, 3.0)
        lines += measure("diabetes", diabetes, 3.0)
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "intervals.md"
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
