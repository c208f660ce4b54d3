"""How to feed a scipy sparse X to the network: densify per batch or torch CSR.

A 10000 x 1000 matrix at 1 % density (100 stored entries per row) goes through a
network with one hidden layer of 100 units. For each way of feeding it, the script
times one full-batch evaluation (forward + backward over all rows, what L-BFGS and
FISTA do per iteration) and one epoch of mini-batch Adam (batch 200), and reports
the peak size of the input tensors the way needs. Times are medians of 5 repeats on
one thread, as ratios to the dense baseline (the whole matrix densified once).
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch

torch.set_num_threads(1)
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")

N, D, DENSITY, HIDDEN, BATCH, CHUNK, REPEATS = 10000, 1000, 0.01, 100, 200, 1024, 5


def to_csr_tensor(X, dtype):
    return torch.sparse_csr_tensor(
        torch.from_numpy(X.indptr.astype(np.int64)),
        torch.from_numpy(X.indices.astype(np.int64)),
        torch.from_numpy(X.data).to(dtype),
        size=X.shape,
        check_invariants=False,
    )


def dense(X, dtype):
    return torch.from_numpy(X.toarray()).to(dtype)


def median_time(fn):
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def measure(X, y, dtype):
    """Markdown rows for one dtype: each way of feeding X, timed."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(D, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 1)
    ).to(dtype)
    Y = y.to(dtype)
    X_dense, X_csr = dense(X, dtype), to_csr_tensor(X, dtype)
    itemsize = torch.finfo(dtype).bits // 8
    perm = np.random.RandomState(1).permutation(N)

    def full(inputs):
        def run():
            net.zero_grad()
            for Xb, Yb in inputs():
                (0.5 * ((net(Xb) - Yb) ** 2).sum() / N).backward()

        return run

    def epoch(batch_of):
        def run():
            for s in range(0, N, BATCH):
                idx = np.sort(perm[s : s + BATCH])
                net.zero_grad()
                loss = 0.5 * ((net(batch_of(idx)) - Y[idx]) ** 2).mean()
                loss.backward()

        return run

    def chunks(convert):
        return lambda: (
            (convert(X[i : i + CHUNK], dtype), Y[i : i + CHUNK])
            for i in range(0, N, CHUNK)
        )

    nnz_bytes = X.nnz * (itemsize + 8) + (N + 1) * 8
    ways = {
        "dense (whole X densified once)": (
            full(lambda: [(X_dense, Y)]),
            epoch(lambda idx: X_dense[idx]),
            N * D * itemsize,
        ),
        "densify each batch / chunk": (
            full(chunks(dense)),
            epoch(lambda idx: dense(X[idx], dtype)),
            CHUNK * D * itemsize,
        ),
        "torch sparse CSR": (
            full(lambda: [(X_csr, Y)]),
            epoch(lambda idx: to_csr_tensor(X[idx], dtype)),
            nnz_bytes,
        ),
    }
    rows, base = [], None
    for name, (f, e, mem) in ways.items():
        tf, te = median_time(f), median_time(e)
        base = base or (tf, te)
        rows.append(
            f"| {str(dtype).split('.')[1]} | {name} | {tf * 1e3:.1f} | "
            f"{tf / base[0]:.2f}x | {te * 1e3:.1f} | {te / base[1]:.2f}x | "
            f"{mem / 2**20:.1f} |"
        )
    return rows


def main():
    rng = np.random.RandomState(0)
    X = sp.random(N, D, density=DENSITY, format="csr", random_state=rng)
    y = torch.from_numpy(rng.standard_normal((N, 1)))
    rows = measure(X, y, torch.float64) + measure(X, y, torch.float32)
    print(
        f"X: {N} x {D} scipy CSR at {DENSITY:.0%} density; net {D}->{HIDDEN}->1; "
        f"batch {BATCH}; full-batch chunks of {CHUNK} rows; one thread, median of "
        f"{REPEATS}.\n"
    )
    print(
        "| dtype | input feeding | full-batch fwd+bwd ms | ratio | Adam-style epoch ms "
        "| ratio | input memory MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
