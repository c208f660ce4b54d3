"""Training speed: skreg against sklearn's MLP, skorch and a plain PyTorch loop.

Every contender trains the same architecture with Adam (lr 1e-3), batch 200, for the
same number of epochs on the same float32 data, in this one process, on one thread
(torch and BLAS). Prints markdown tables of ratios to the plain loop (the reference),
test scores and achieved GFLOP/s against the machine's dense-matmul GFLOP/s measured
in the same run, with a floor: the time of the steps' matrix products alone. Then
time-to-accuracy with default settings, small-data overhead, partial_fit's
throughput against fit's, the large-data case
(GFLOP/s and peak RSS, in a subprocess, all threads) and parallel grid search. Usage: ``python benchmarks/speed.py [--quick]``.
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skreg import RidgeNet, RidgeNetClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
BATCH, LR = 200, 1e-3


def datasets():
    X, y = make_regression(25000, 100, n_informative=50, noise=10, random_state=0)
    yield "make_regression 20000x100", X, y, False, 20000
    X, y = load_digits(return_X_y=True)
    yield "load_digits 1347x64", X, y, True, 1347
    X, y = make_friedman1(5000, 10, noise=1.0, random_state=0)
    yield "make_friedman1 4000x10", X, y, False, 4000


def prepare(X, y, classify, n_train):
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, train_size=n_train, random_state=0, stratify=y if classify else None
    )
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = (scaler.transform(a).astype(np.float32) for a in (X_tr, X_te))
    if not classify:
        mean, std = y_tr.mean(), y_tr.std()
        y_tr, y_te = ((a - mean) / std for a in (y_tr, y_te))
        y_tr, y_te = y_tr.astype(np.float32), y_te.astype(np.float32)
    return X_tr, X_te, y_tr, y_te


def torch_mlp(n_in, hidden, n_out):
    sizes = (n_in, *hidden)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], n_out))


def score(y_true, pred, classify):
    if classify:
        return float(np.mean(y_true == pred))
    return float(1 - np.mean((y_true - pred) ** 2) / np.var(y_true))


def plain_loop(X, y, X_te, y_te, hidden, epochs, classify):
    """The reference: tensors sliced by a permuted index, no DataLoader."""
    torch.manual_seed(0)
    Xt = torch.from_numpy(X)
    n_out = len(np.unique(y)) if classify else 1
    yt = torch.from_numpy(y).long() if classify else torch.from_numpy(y).view(-1, 1)
    model = torch_mlp(X.shape[1], hidden, n_out)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss() if classify else torch.nn.MSELoss()
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        out = model(torch.from_numpy(X_te))
    pred = out.argmax(1).numpy() if classify else out[:, 0].numpy()
    return seconds, score(y_te, pred, classify)


def estimator_fit(regressor, classifier):
    """A contender fitting an sklearn-API estimator with the shared settings."""

    def fit(X, y, X_te, y_te, hidden, epochs, classify):
        Est = classifier if classify else regressor
        est = Est(
            hidden_layer_sizes=hidden,
            alpha=1e-4,
            solver="adam",
            batch_size=BATCH,
            learning_rate_init=LR,
            max_iter=epochs,
            tol=0,
            n_iter_no_change=epochs,
            random_state=0,
        )
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start, est.score(X_te, y_te)

    return fit


def skorch_fit(X, y, X_te, y_te, hidden, epochs, classify):
    from skorch import NeuralNetClassifier, NeuralNetRegressor

    torch.manual_seed(0)
    n_out = len(np.unique(y)) if classify else 1
    common = dict(
        module=torch_mlp(X.shape[1], hidden, n_out),
        max_epochs=epochs,
        lr=LR,
        optimizer=torch.optim.Adam,
        batch_size=BATCH,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    if classify:
        net = NeuralNetClassifier(criterion=torch.nn.CrossEntropyLoss, **common)
        y_fit = y.astype(np.int64)
    else:
        net = NeuralNetRegressor(**common)
        y_fit = y.reshape(-1, 1)
    start = time.perf_counter()
    net.fit(X, y_fit)
    seconds = time.perf_counter() - start
    pred = net.predict(X_te)
    pred = pred if classify else pred[:, 0]
    return seconds, score(y_te, pred, classify)


def matrix_products(X, y, X_te, y_te, hidden, epochs, classify):
    """Not a contender but the floor: the matrix products of every step alone
    (forward, and backward except the inputs' gradient), on the same batches.
    """
    n_out = len(np.unique(y)) if classify else 1
    sizes = (X.shape[1], *hidden, n_out)
    gen = torch.Generator().manual_seed(0)
    Ws = [
        torch.randn(b, a, generator=gen)
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    Xt = torch.from_numpy(X)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), BATCH):
            inputs = [Xt[perm[i : i + BATCH]]]
            for W in Ws:
                inputs.append(inputs[-1] @ W.t())
            d = inputs.pop()
            for j in range(len(Ws) - 1, -1, -1):
                d.t() @ inputs[j]
                if j:
                    d = d @ Ws[j]
    return time.perf_counter() - start, float("nan")


CONTENDERS = {
    "plain torch loop": plain_loop,
    "skreg": estimator_fit(RidgeNet, RidgeNetClassifier),
    "sklearn MLP": estimator_fit(MLPRegressor, MLPClassifier),
    "skorch": skorch_fit,
    "(matrix products alone)": matrix_products,
}


def matmul_gflops(n=2048, repeats=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / np.median(times) / 1e9


def train_flops(n_in, hidden, n_out, n):
    sizes = (n_in, *hidden, n_out)
    return 6 * n * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def per_epoch_table(epochs, repeats, architectures):
    peak = matmul_gflops()
    print(
        f"\n### Per-epoch time (Adam, batch {BATCH}, {epochs} epochs, one thread; "
        f"dense matmul peak here: {peak:.1f} GFLOP/s)\n"
    )
    print(
        "| data | hidden | contender | ms/epoch | ratio to plain loop | test score "
        "| GFLOP/s | % of matmul peak |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, X, y, classify, n_train in datasets():
        X_tr, X_te, y_tr, y_te = prepare(X, y, classify, n_train)
        n_out = len(np.unique(y_tr)) if classify else 1
        for hidden in architectures:
            flops = train_flops(X_tr.shape[1], hidden, n_out, len(X_tr))
            results = {}
            for label, fit in CONTENDERS.items():
                runs = [
                    fit(X_tr, y_tr, X_te, y_te, hidden, epochs, classify)
                    for _ in range(repeats)
                ]
                ms = np.median([r[0] for r in runs]) / epochs * 1e3
                results[label] = (ms, runs[-1][1])
            ref = results["plain torch loop"][0]
            for label, (ms, test) in results.items():
                gflops = flops / (ms / 1e3) / 1e9
                print(
                    f"| {name} | {hidden} | {label} | {ms:.1f} | {ms / ref:.2f} | "
                    f"{'—' if np.isnan(test) else f'{test:.3f}'} | {gflops:.2f} | "
                    f"{100 * gflops / peak:.0f}% |"
                )


def _first_reach(make, X_tr, y_tr, X_te, y_te, target, n_iter):
    """Smallest iteration count k at which ``make(k)`` scores ``target``, and the
    time of that fit. Fits with the same seed are deterministic, so the fit
    stopped at k is the first k iterations of the full default fit.
    """

    def run(k):
        start = time.perf_counter()
        est = make(k).fit(X_tr, y_tr)
        return est.score(X_te, y_te), time.perf_counter() - start

    lo, hi = 0, n_iter
    best = (hi, run(hi)[1])
    while hi - lo > 1:
        mid = (lo + hi) // 2
        score, seconds = run(mid)
        if score >= target:
            hi, best = mid, (mid, seconds)
        else:
            lo = mid
    return best


def time_to_accuracy():
    print("\n### Time to accuracy with default settings (one thread)\n")
    print(
        "Both estimators with their defaults. 'full fit': skreg's whole default fit "
        "(its stopping rule included) against sklearn's; 'reaches it': the first "
        "iteration count at which skreg's default fit scores at least sklearn's "
        "final test score, and the time of a fit stopped there.\n"
    )
    print(
        "| data | sklearn default: fit s | score | skreg default: fit s | score | "
        "skreg solver | full fit ratio skreg/sklearn | reaches it at iteration | "
        "in s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, X, y, classify, n_train in datasets():
        X_tr, X_te, y_tr, y_te = prepare(X, y, classify, n_train)
        pairs = (
            (MLPClassifier, RidgeNetClassifier)
            if classify
            else (MLPRegressor, RidgeNet)
        )
        row = []
        for Est in pairs:
            start = time.perf_counter()
            est = Est(random_state=0).fit(X_tr, y_tr)
            row.append((time.perf_counter() - start, est.score(X_te, y_te), est))
        (t_sk, s_sk, _), (t, s, est) = row
        reach = "—", "—", "—"
        if s >= s_sk:
            k, t_k = _first_reach(
                lambda k, Est=pairs[1]: Est(random_state=0, max_iter=k),
                X_tr,
                y_tr,
                X_te,
                y_te,
                s_sk,
                est.n_iter_,
            )
            reach = k, f"{t_k:.2f}", f"{t_k / t_sk:.2f}"
        print(
            f"| {name} | {t_sk:.2f} | {s_sk:.3f} | {t:.2f} | {s:.3f} | "
            f"{est.solver_} | {t / t_sk:.2f} | {reach[0]} | {reach[1]} | {reach[2]} |"
        )


def small_data_overhead(repeats=7):
    X, y = make_regression(100, 10, noise=1.0, random_state=0)
    print(
        "\n### Small data: fit + predict, n=100, d=10, default parameters "
        "(median of 7, after one warm-up)\n"
    )
    print("| estimator | ms | ratio to sklearn MLP |")
    print("|---|---|---|")
    times = {}
    for Est in (MLPRegressor, RidgeNet):
        Est(random_state=0).fit(X, y)
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            Est(random_state=0).fit(X, y).predict(X)
            runs.append(time.perf_counter() - start)
        times[Est.__name__] = np.median(runs) * 1e3
    for label, ms in times.items():
        print(f"| {label} | {ms:.1f} | {ms / times['MLPRegressor']:.2f} |")


def check_estimator_time():
    from sklearn.utils.estimator_checks import check_estimator

    print("\n### Full `check_estimator` run per estimator (default parameters)\n")
    print("| estimator | seconds | ratio to sklearn's MLP |")
    print("|---|---|---|")
    times = {}
    for est in (MLPRegressor(), RidgeNet(), MLPClassifier(), RidgeNetClassifier()):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_estimator(est)
        times[type(est).__name__] = time.perf_counter() - start
    for label, s in times.items():
        ref = times["MLPClassifier" if "Classifier" in label else "MLPRegressor"]
        print(f"| {label} | {s:.1f} | {s / ref:.2f} |")


def partial_fit_throughput(rounds=15, chunk=1000):
    """Samples per second of a loop of ``partial_fit`` over chunks of ``chunk``
    rows, against one ``fit`` epoch over the same rows in batches of ``chunk``
    (the same Adam steps: one per chunk), for skreg and sklearn's MLP.

    The four contenders take turns, ``rounds`` times, and each one's median
    is reported: CPU time of this process on one thread, which a machine shared
    with other jobs disturbs less than wall-clock time.
    """
    print(
        f"\n### partial_fit: a loop over chunks of {chunk} rows against one fit "
        f"epoch in batches of {chunk} (Adam, hidden (100,), float32, one thread; "
        f"CPU time, median of {rounds} interleaved rounds)\n"
    )
    print(
        "| data | contender | samples/s | ratio to skreg's fit epoch | "
        "ratio to sklearn's partial_fit |"
    )
    print("|---|---|---|---|---|")
    data = {
        "make_regression 20000x100": make_regression(
            20000, 100, n_informative=50, noise=10, random_state=0
        ),
        "make_friedman1 20000x10": make_friedman1(20000, 10, noise=1.0, random_state=0),
    }
    for name, (X, y) in data.items():
        X = StandardScaler().fit_transform(X).astype(np.float32)
        y = ((y - y.mean()) / y.std()).astype(np.float32)
        params = dict(
            hidden_layer_sizes=(100,),
            solver="adam",
            batch_size=chunk,
            learning_rate_init=LR,
            random_state=0,
        )
        contenders = {
            "skreg RidgeNet fit, 1 epoch": RidgeNet(alpha=1e-4, **params),
            "skreg RidgeNet partial_fit loop": RidgeNet(alpha=1e-4, **params),
            "sklearn MLPRegressor fit, 1 epoch": MLPRegressor(**params),
            "sklearn MLPRegressor partial_fit loop": MLPRegressor(**params),
        }
        for label, est in contenders.items():  # warm-up; builds the networks
            if "fit, 1 epoch" in label:
                est.set_params(max_iter=1, tol=0).fit(X[:chunk], y[:chunk])
            else:
                est.partial_fit(X[:chunk], y[:chunk])
        times = {label: [] for label in contenders}
        for _ in range(rounds):
            for label, est in contenders.items():
                start = time.process_time()
                if "fit, 1 epoch" in label:
                    est.fit(X, y)
                else:
                    for i in range(0, len(X), chunk):
                        est.partial_fit(X[i : i + chunk], y[i : i + chunk])
                times[label].append(time.process_time() - start)
        rates = {label: len(X) / np.median(t) for label, t in times.items()}
        ref = rates["skreg RidgeNet fit, 1 epoch"]
        mlp = rates["sklearn MLPRegressor partial_fit loop"]
        for label, rate in rates.items():
            print(
                f"| {name} | {label} | {rate:,.0f} | {rate / ref:.2f} | "
                f"{rate / mlp:.2f} |"
            )


LARGE = """
import resource, time, numpy as np, torch, warnings, sys
from skreg import RidgeNet
warnings.simplefilter("ignore")
n, d, batch = int(sys.argv[1]), 100, int(sys.argv[2])
RidgeNet(hidden_layer_sizes=(8,), max_iter=1).fit(np.zeros((4, 3), np.float32), np.zeros(4, np.float32))
# Current RSS, not ru_maxrss: a child keeps its parent's peak across exec.
base = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d), dtype=np.float32)
y = (X[:, :10].sum(1) + np.sin(X[:, 10])).astype(np.float32)
data_mb = (X.nbytes + y.nbytes) / 2**20
est = RidgeNet(hidden_layer_sizes=(512, 512), solver="adam", batch_size=batch, max_iter=1, tol=0, random_state=0)
start = time.perf_counter(); est.fit(X, y); seconds = time.perf_counter() - start
model_mb = sum(p.numel() * 4 * 3 for p in est.module_.parameters()) / 2**20  # weights + Adam state
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048); torch.mm(a, b)
t = time.perf_counter(); torch.mm(a, b); torch.mm(a, b); torch.mm(a, b); mm = 3 * 2 * 2048**3 / (time.perf_counter() - t) / 1e9
flops = 6 * n * (d * 512 + 512 * 512 + 512)
print(seconds, flops / seconds / 1e9, mm, base, data_mb, model_mb, peak, torch.get_num_threads())
"""


def large_data(n, batch):
    out = subprocess.run(
        [sys.executable, "-c", LARGE, str(n), str(batch)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seconds, gflops, mm, base, data_mb, model_mb, peak, threads = map(float, out)
    print(
        f"\n### Large data: {n}x100 float32, hidden (512, 512), Adam batch {batch}, "
        f"1 epoch, {int(threads)} threads\n"
    )
    print(
        "| epoch s | GFLOP/s | matmul GFLOP/s | % of matmul | baseline RSS MB | "
        "data MB | model+Adam MB | peak RSS MB | peak / (baseline+data+model) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    bound = base + data_mb + model_mb
    print(
        f"| {seconds:.1f} | {gflops:.1f} | {mm:.1f} | {100 * gflops / mm:.0f}% | "
        f"{base:.0f} | {data_mb:.0f} | {model_mb:.1f} | {peak:.0f} | "
        f"{peak / bound:.2f} |"
    )


GPU = """
import time, numpy as np, torch, warnings, sys
from skreg import RidgeNet
warnings.simplefilter("ignore")
n, batch, device, epochs, contender = sys.argv[1:]
n, batch, epochs, d = int(n), int(batch), int(epochs), 100
def sync():
    if device == "cuda":
        torch.cuda.synchronize()
def plain_loop(X, y, epochs):
    # The reference of the per-epoch table, on the device: the data moved
    # there once, batches sliced by a permuted index, torch.optim.Adam.
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(d, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
        torch.nn.ReLU(), torch.nn.Linear(512, 1)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device).view(-1, 1)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), device=device)
        for i in range(0, len(Xt), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(Xt[idx]), yt[idx]).backward()
            opt.step()
    return lambda A: model(torch.from_numpy(A).to(device)).detach().cpu().numpy()[:, 0]
def skreg_fit(X, y, epochs):
    est = RidgeNet(hidden_layer_sizes=(512, 512), solver="adam", batch_size=batch, max_iter=epochs, tol=0, random_state=0, device=device)
    return est.fit(X, y).predict
fit = plain_loop if contender == "plain" else skreg_fit
small = np.random.default_rng(1).standard_normal((4 * batch, d), dtype=np.float32)
fit(small, small[:, 0], 1)  # warm-up: CUDA context, cuBLAS, kernels, imports
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d), dtype=np.float32)
y = (X[:, :10].sum(1) + np.sin(X[:, 10])).astype(np.float32)
if device == "cuda":
    torch.cuda.reset_peak_memory_stats()
sync(); start = time.perf_counter(); predict = fit(X, y, epochs); sync()
seconds = time.perf_counter() - start
gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
Xs, ys = X[:100_000], y[:100_000]
r2 = 1 - np.mean((predict(Xs) - ys) ** 2) / np.var(ys)
a, b = torch.randn(4096, 4096, device=device), torch.randn(4096, 4096, device=device)
torch.mm(a, b); sync()
t = time.perf_counter()
for _ in range(10):
    torch.mm(a, b)
sync(); mm = 10 * 2 * 4096**3 / (time.perf_counter() - t) / 1e9
flops = 6 * n * (d * 512 + 512 * 512 + 512) * epochs
print(seconds / epochs, flops / seconds / 1e9, mm, r2, gpu_mb, torch.get_num_threads())
"""


def gpu_vs_cpu(n=1_000_000, epochs=3):
    """The large-data case on the GPU and on this machine's CPU (all cores), in
    one run: skreg and the plain PyTorch loop of the per-epoch table, each
    device and contender in its own process, timed from the arrays in host
    memory (on the GPU, moving the data set there once is part of the fit).
    Batch 1024 as in the large-data section, and 8192, where a step's
    arithmetic outweighs its kernel launches on the GPU.
    """
    runs = [
        ("cpu", 1024, "skreg"),
        ("cuda", 1024, "skreg"),
        ("cuda", 1024, "plain"),
        ("cuda", 8192, "skreg"),
        ("cuda", 8192, "plain"),
    ]
    rows = {}
    for device, batch, contender in runs:
        out = subprocess.run(
            [sys.executable, "-c", GPU, str(n), str(batch), device, str(epochs)]
            + [contender],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        rows[device, batch, contender] = list(map(float, out))
    name = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    cpu_epoch, *_, threads = rows["cpu", 1024, "skreg"]
    print(
        f"\n### GPU against CPU: {n}x100 float32, hidden (512, 512), Adam, "
        f"{epochs} epochs ({name}; CPU: {int(threads)} threads)\n"
    )
    print(
        "| device | batch | contender | s per epoch | GFLOP/s | float32 matmul "
        "GFLOP/s | % of matmul | train R² | peak GPU memory MB | speed-up over "
        "skreg on the CPU (batch 1024) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (device, batch, contender), row in rows.items():
        epoch, gflops, mm, r2, gpu_mb, _ = row
        label = "skreg" if contender == "skreg" else "plain torch loop"
        memory = "—" if device == "cpu" else f"{gpu_mb:.0f}"
        print(
            f"| {device} | {batch} | {label} | {epoch:.2f} | {gflops:.0f} | "
            f"{mm:.0f} | {100 * gflops / mm:.1f}% | {r2:.4f} | {memory} | "
            f"{cpu_epoch / epoch:.1f}x |"
        )


def parallel_search():
    X, y = make_regression(2000, 20, noise=5.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    # Long enough (~35 s serial) that starting the workers (each imports torch,
    # ~2.5 s) does not dominate, as in a real search.
    grid = {"alpha": np.logspace(-2, 3, 12)}
    est = RidgeNet(
        hidden_layer_sizes=(64,),
        solver="adam",
        batch_size=200,  # the fixed workload of this section (~35 s serial)
        max_iter=240,
        tol=0,
        n_iter_no_change=240,
        random_state=0,
    )
    times = {}
    # n_jobs=2 twice: the first search starts joblib's two workers (each imports
    # torch, ~2.5 s); the second reuses them, as later searches in a session do.
    for key, n_jobs in (("1", 1), ("2 cold", 2), ("2 warm", 2)):
        start = time.perf_counter()
        GridSearchCV(est, grid, cv=5, n_jobs=n_jobs).fit(X, y)
        times[key] = time.perf_counter() - start
    print(
        "\n### Parallel grid search (12 alphas x 5 folds, RidgeNet(64), 240 epochs of "
        "batch 200, "
        "joblib's default loky backend)\n"
    )
    print(
        "| n_jobs=1 s | n_jobs=2 s (workers started) | speed-up | "
        "n_jobs=2 s (workers reused) | speed-up |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {times['1']:.1f} | {times['2 cold']:.1f} | "
        f"{times['1'] / times['2 cold']:.2f}x | {times['2 warm']:.1f} | "
        f"{times['1'] / times['2 warm']:.2f}x |"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repeats")
    parser.add_argument(
        "--only",
        choices=["large", "parallel", "gpu", "partial_fit"],
        help="one section",
    )
    args = parser.parse_args()
    if args.only == "partial_fit":
        with threadpool_limits(1):
            torch.set_num_threads(1)
            return partial_fit_throughput()
    if args.only == "large":
        return large_data(1_000_000, batch=1024)
    if args.only == "parallel":
        return parallel_search()
    if args.only == "gpu":
        return gpu_vs_cpu()
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores; torch {torch.__version__}; Python {platform.python_version()}"
    )
    with threadpool_limits(1):
        torch.set_num_threads(1)
        if args.quick:
            per_epoch_table(epochs=2, repeats=1, architectures=[(100,)])
        else:
            per_epoch_table(epochs=5, repeats=3, architectures=[(100,), (256, 256)])
        time_to_accuracy()
        small_data_overhead()
        partial_fit_throughput(rounds=3 if args.quick else 15)
        if not args.quick:
            check_estimator_time()
    torch.set_num_threads(os.cpu_count())
    large_data(100_000 if args.quick else 1_000_000, batch=1024)
    parallel_search()
    print(
        f"\n(peak RSS of this process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
