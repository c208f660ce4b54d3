"""How to train a quantile network: Adam on the pinball loss, or L-BFGS on a
smoothed one.

The pinball loss is not differentiable where a residual is zero. A network
cannot be solved as a linear program (as skreg solves a linear quantile model),
so two ways to train one were compared on make_friedman1 (``noise=1``; 1000
training rows, 2000 held out, inputs standardised), at the 0.05- and
0.95-quantiles, a hidden layer of 64 and three penalties ``alpha``:

- ``adam``: skreg's default, Adam on the subgradient (zero on the kink), with
  the default batch (here the whole training set) and with batches of 64;
- ``lbfgs``: skreg's full-batch L-BFGS on a Huber-smoothed pinball loss,
  quadratic within ``delta`` of the kink (``delta`` in units of y, whose
  standard deviation is about 5), which is defined here, not in skreg.

Reported: the held-out pinball loss (mean of the two quantiles; lower is
better), the coverage and mean width of the interval between the two networks
(nominal 0.90; the noise's own interval is 3.29 wide) and the CPU time of the
two fits.

Run: ``python benchmarks/quantile_solvers.py`` (about a minute on one core); the
markdown is printed and saved to benchmarks/results/quantile_solvers.md.
"""

import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_pinball_loss
from sklearn.preprocessing import StandardScaler

from skreg import RidgeNet
from skreg._loss import Loss, PinballLoss

QUANTILES = (0.05, 0.95)


class SmoothedPinball(PinballLoss):
    """``rho_q`` with its kink replaced by a parabola on ``|r| <= delta``."""

    smooth, piecewise_linear = True, False

    def __init__(self, quantile, delta):
        super().__init__(quantile)
        self.delta = delta

    def value(self, out, Y, weight=None):
        r, d = Y - out, self.delta
        slope = torch.where(r > 0, self.quantile, 1 - self.quantile)
        quadratic = r.abs() <= d
        per = torch.where(quadratic, slope * r * r / (2 * d), slope * (r.abs() - d / 2))
        per = per.sum(dim=1)
        return (per if weight is None else per * weight).mean()

    gradient = Loss.gradient  # by autograd


def smoothed_net(delta):
    class SmoothedQuantileNet(RidgeNet):
        @property
        def _loss(self):
            return SmoothedPinball(self.quantile, delta)

    return SmoothedQuantileNet


def main():
    torch.set_num_threads(1)
    X, y = make_friedman1(3000, noise=1.0, random_state=0)
    X = StandardScaler().fit(X[:1000]).transform(X)
    X_train, y_train, X_test, y_test = X[:1000], y[:1000], X[1000:], y[1000:]
    contenders = {
        "adam, batch 1000 (default)": (RidgeNet, {}),
        "adam, batch 64": (RidgeNet, {"batch_size": 64}),
        "lbfgs, smoothed, delta=0.3": (smoothed_net(0.3), {"solver": "lbfgs"}),
        "lbfgs, smoothed, delta=0.03": (smoothed_net(0.03), {"solver": "lbfgs"}),
    }
    lines = [
        "| alpha | solver | held-out pinball | coverage | width | fit s |",
        "|---|---|---|---|---|---|",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for alpha in [0.3, 1.0, 3.0]:
            for name, (Net, params) in contenders.items():
                t0 = time.process_time()
                low, high = (
                    Net((64,), loss="quantile", quantile=q, alpha=alpha, random_state=0)
                    .set_params(**params)
                    .fit(X_train, y_train)
                    .predict(X_test)
                    for q in QUANTILES
                )
                seconds = time.process_time() - t0
                pinball = np.mean(
                    [
                        mean_pinball_loss(y_test, pred, alpha=q)
                        for pred, q in zip((low, high), QUANTILES, strict=True)
                    ]
                )
                coverage = np.mean((low <= y_test) & (y_test <= high))
                lines.append(
                    f"| {alpha:g} | {name} | {pinball:.4f} | {coverage:.3f} | "
                    f"{np.mean(high - low):.2f} | {seconds:.1f} |"
                )
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "quantile_solvers.md"
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
