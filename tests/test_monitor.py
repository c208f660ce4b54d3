"""The loop body (skreg/_monitor.py): loss curve, stopping rules, early stopping
with best weights, divergence, progress hooks."""

import math

import pytest
import torch

from skreg._monitor import Monitor


def _monitor(**kwargs):
    params = [torch.zeros(3)]
    options = dict(
        full_batch=False, tol=0.1, n_iter_no_change=2, validation=None, verbose=0
    )
    options.update(kwargs)
    return params, Monitor(params, **options)


def _step(params, monitor, value, loss):
    """Move the parameters to ``value``, then report the iteration's loss."""
    params[0].fill_(value)
    return monitor(loss)


def test_loss_curve_and_the_training_loss_stall_rule():
    """As scikit-learn's MLP: stop when the loss has not improved by ``tol`` on
    the best so far for more than ``n_iter_no_change`` iterations."""
    params, monitor = _monitor()
    losses = [5.0, 4.0, 3.95, 3.92, 3.91]  # the last three improve by < tol
    stops = [_step(params, monitor, k, loss) for k, loss in enumerate(losses)]
    assert stops == [False, False, False, False, True]
    h = monitor.history
    assert h.n_iter == 5 and h.loss_curve == losses and h.best_loss == 3.91
    assert monitor.converged and monitor.stopped


def test_convex_full_batch_fits_leave_stopping_to_their_solver():
    params, monitor = _monitor(full_batch=True, convex=True)
    assert not any(_step(params, monitor, 0, 1.0) for _ in range(10))


def test_a_full_batch_network_stalls_on_a_relative_improvement():
    """A full-batch objective is exact: it must improve by the fraction tol of
    itself, whatever its scale; a mini-batch loss by tol itself."""
    for scale in (1e-3, 1.0, 1e3):
        params, monitor = _monitor(full_batch=True, tol=0.1)
        # Each step gains 5 % of the loss: too little for tol=0.1.
        stops = [_step(params, monitor, 0, scale * 0.95**k) for k in range(4)]
        assert stops == [False, False, False, True]
        params, monitor = _monitor(full_batch=True, tol=0.01)
        assert not any(_step(params, monitor, 0, scale * 0.95**k) for k in range(8))
    params, monitor = _monitor(full_batch=False, tol=0.01)  # absolute
    stops = [_step(params, monitor, 0, 1e-3 * 0.5**k) for k in range(4)]
    assert stops == [False, False, False, True]
    # A path's later fit refines: its full-batch objective's gain is absolute.
    params, monitor = _monitor(full_batch=True, tol=0.01, refine=True)
    stops = [_step(params, monitor, 0, 1e-3 * 0.5**k) for k in range(4)]
    assert stops == [False, False, False, True]


def test_early_stopping_scores_and_restores_the_best_weights():
    scores = iter([0.5, 0.8, 0.75, 0.79, 0.7])
    params, monitor = _monitor(validation=lambda: next(scores), tol=0.01)
    stops = [_step(params, monitor, k, 1.0 / (k + 1)) for k in range(5)]
    assert stops == [False, False, False, False, True]
    assert monitor.history.validation_scores == [0.5, 0.8, 0.75, 0.79, 0.7]
    assert monitor.best_score == 0.8
    assert torch.equal(monitor.best_weights[0], torch.full((3,), 1.0))


def test_a_non_finite_loss_restores_the_last_finite_weights():
    params, monitor = _monitor(full_batch=True)
    _step(params, monitor, 1.0, 2.0)
    _step(params, monitor, 2.0, 1.5)
    assert _step(params, monitor, 99.0, math.nan)
    assert math.isnan(monitor.diverged) and monitor.history.n_iter == 2
    assert torch.equal(params[0], torch.full((3,), 2.0))


def test_mini_batch_keeps_the_weights_before_the_last_epoch():
    """An epoch's loss averages weights seen during the epoch: the last good
    weights a mini-batch fit can fall back on are those before it."""
    params, monitor = _monitor(full_batch=False)
    _step(params, monitor, 1.0, 2.0)
    _step(params, monitor, 2.0, 1.0)
    assert torch.equal(monitor.previous[0], torch.full((3,), 1.0))
    assert torch.equal(monitor.last_good[0], torch.full((3,), 2.0))


class _StopAfter:
    def __init__(self, n):
        self.n, self.seen = n, []

    def iteration_end(self, history):
        self.seen.append(history.n_iter)
        return history.n_iter >= self.n


@pytest.mark.parametrize("full_batch", [False, True])
def test_a_hook_can_stop_training_without_converging(full_batch):
    hook = _StopAfter(2)
    params, monitor = _monitor(full_batch=full_batch, hooks=(hook,))
    assert not _step(params, monitor, 0, 3.0)
    assert _step(params, monitor, 0, 2.0)
    assert hook.seen == [1, 2]
    assert monitor.stop_requested and not monitor.converged


def test_verbose_prints_every_iteration(capsys):
    params, monitor = _monitor(verbose=1)
    _step(params, monitor, 0, 0.5)
    assert capsys.readouterr().out == "Iteration 1, loss = 0.50000000\n"


def test_a_diverged_epoch_scores_nan_on_the_validation_split():
    """As scikit-learn's MLP records it (its test_mlp_diverging_loss)."""
    params, monitor = _monitor(validation=lambda: 0.5)
    _step(params, monitor, 1.0, 2.0)
    assert _step(params, monitor, 2.0, math.inf)
    scores = monitor.history.validation_scores
    assert scores[0] == 0.5 and math.isnan(scores[1]) and len(scores) == 2


def test_patience_asks_the_solver_before_stopping():
    """When patience runs out the monitor asks ``on_stall``: False (a lower
    learning rate) gives the loss another ``n_iter_no_change + 1`` iterations."""
    answers = iter([False, True])
    params, monitor = _monitor(on_stall=lambda: next(answers))
    stops = [_step(params, monitor, 1.0, 1.0) for _ in range(7)]
    # Stalls at iterations 2-4 (patience 2), go on; stalls at 5-7, stop.
    assert stops == [False] * 6 + [True] and monitor.converged
