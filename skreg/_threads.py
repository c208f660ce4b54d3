"""Thread limits while skreg computes: numpy/scipy's BLAS, and torch on small problems.

Thread counts belong to the process, not to a thread or an estimator, so the
settings held here (:data:`_TORCH_ONE_THREAD`, :data:`_BLAS_ONE_THREAD`) are the
only process-wide state in skreg: a per-estimator copy would let concurrent fits
(or ``predict`` from several threads) restore each other's settings out of order
and leave the process on one thread for good.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import torch
from threadpoolctl import ThreadpoolController
from torch import nn

__all__ = ["limit_threads", "one_blas_thread"]

# Below this many floating-point operations per forward pass, torch's worker
# threads cost more in wake-ups than they save.
_PARALLEL_FLOPS = 1e7


@contextmanager
def limit_threads(
    module: nn.Module, batch_size: int, blas: bool = True
) -> Iterator[None]:
    """Run numpy's and scipy's BLAS on one thread, and torch too on small problems.

    Training does only vector work in numpy/scipy (L-BFGS-B's updates,
    conversions), but a multi-threaded OpenBLAS spin-waits after every call and
    takes the cores from torch's own threads: on 2 cores, full-batch L-BFGS on
    2000x50 with one hidden layer of 100 ran 9x faster with OpenBLAS on one
    thread (0.66 s -> 0.07 s; (256, 256): 2.8 s -> 0.56 s, and 1.6x faster than
    torch on one thread too), while Adam epochs were unchanged. Torch's matmuls
    (MKL, driven by torch's own thread count) are left alone on large problems,
    so they keep the caller's settings (which joblib workers already limit).
    ``blas=False`` leaves BLAS alone (mini-batch epochs, which do no numpy work:
    threadpoolctl's 20-50 us per fit add up over calls of ``partial_fit``).
    """
    if hasattr(module, "weights"):  # skreg's Net: no walk of the module tree
        weights = module.weights()
    else:
        weights = [p for p in module.parameters() if p.dim() > 1]
    flops = 2 * batch_size * sum(w.numel() for w in weights)
    with one_blas_thread() if blas else contextlib.nullcontext():
        if flops >= _PARALLEL_FLOPS:
            yield
        else:
            with _TORCH_ONE_THREAD.hold():
                yield


class _SharedSetting:
    """A process-wide setting held while any thread needs it.

    ``apply()`` runs on the first entry and returns what ``restore`` takes on the
    last exit. Thread counts belong to the process, not to a thread: with each
    thread saving and restoring its own view, concurrent fits (or ``predict``
    from several threads) could leave the process on one thread for good.
    Nested entries cost a lock and a counter, no call into threadpoolctl
    (20-50 us) or torch.
    """

    def __init__(self, apply: Callable[[], object], restore: Callable[[object], None]):
        self.apply, self.restore = apply, restore
        self.lock, self.users, self.saved = threading.Lock(), 0, None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self.lock:
            if self.users == 0:
                self.saved = self.apply()
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    self.restore(self.saved)


def _torch_one_thread() -> int:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    return previous


# Process-wide by nature (see the module docstring): one holder per setting.
_TORCH_ONE_THREAD = _SharedSetting(_torch_one_thread, torch.set_num_threads)
_BLAS_ONE_THREAD = _SharedSetting(
    lambda: _blas_controller().limit(limits=1, user_api="blas"),
    lambda limiter: limiter.restore_original_limits(),
)


def one_blas_thread() -> AbstractContextManager[None]:
    """Run numpy's and scipy's BLAS on one thread (see :func:`limit_threads`).

    Inside another such block it costs nothing: a regularisation path holds it
    across its fits and scores, instead of paying threadpoolctl's 20-50 us per
    call.
    """
    return _BLAS_ONE_THREAD.hold()


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Threadpoolctl's view of the loaded BLAS/OpenMP libraries, built once: a
    fresh ``threadpool_limits`` rescans them (about 1 ms per fit).
    """
    return ThreadpoolController()
