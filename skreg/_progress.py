"""Progress reporting hooks for the one training loop.

A hook is handed to :func:`skreg._training.train`; the loop's ``Monitor`` calls
its ``iteration_end(history)`` after every iteration (a True return stops
training) and ``close()`` when training ends. Two hooks exist:

- :class:`TqdmBar`, the progress bar of ``verbose >= 2`` (tqdm is optional);
- :class:`CallbackBridge`, which reports every iteration to scikit-learn's
  callback API (``sklearn.callback``, scikit-learn >= 1.9) as a subtask of the
  estimator's fit task, so that ``set_callbacks(ProgressBar())`` follows
  training epochs, inside ``GridSearchCV`` too.
"""

from __future__ import annotations

import copy

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9 has no callback API.

    class CallbackSupportMixin:  # noqa: D101 - an empty stand-in
        pass


__all__ = ["CallbackSupportMixin", "CallbackBridge", "TqdmBar", "progress_bar"]


class TqdmBar:
    """A tqdm bar advancing once per iteration, the objective as its postfix."""

    def __init__(self, tqdm, *, total: int, desc: str, unit: str):
        self.bar = tqdm(total=total, desc=desc, unit=unit)

    def iteration_end(self, history) -> bool:
        postfix = {"loss": f"{history.loss_curve[-1]:.6g}"}
        if history.validation_scores:
            postfix["validation"] = f"{history.validation_scores[-1]:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)
        return False

    def close(self) -> None:
        self.bar.close()


def progress_bar(estimator, *, total: int, unit: str) -> TqdmBar | None:
    """Return the bar of ``verbose >= 2``, or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return TqdmBar(tqdm, total=total, desc=type(estimator).__name__, unit=unit)


class CallbackBridge:
    """Report each training iteration to scikit-learn's callbacks.

    Like scikit-learn's L-BFGS bridge in ``LogisticRegression``, the subtask of
    the next iteration begins as soon as the previous one ends, so every
    ``on_fit_task_begin`` precedes its iteration; ``close`` ends the last,
    empty subtask. The fit task therefore has at most ``max_iter + 1`` subtasks.
    A callback that returns True from ``on_fit_task_end`` stops training.

    Parameters
    ----------
    estimator : BaseNet
        The estimator being fitted, with ``module_`` already built.
    context : sklearn.callback.CallbackContext
        The estimator's fit context.
    task_name : str
        Name of each subtask ('epoch' or 'iteration').
    X, y, metadata
        What the hooks receive: the validated training data and sample weights.
    """

    def __init__(self, estimator, context, *, task_name: str, X, y, metadata):
        self.estimator, self.context, self.task_name = estimator, context, task_name
        self.kwargs = {"X": X, "y": y, "metadata": metadata}
        self.n_iter, self.loss_curve = 0, []
        self.subcontext = self._begin()

    def _fitted_attributes(self) -> dict:
        # Evaluated only when a callback asks for ``fitted_estimator``: a copy of
        # the network as it is after this iteration, ready to predict.
        return {
            "module_": copy.deepcopy(self.estimator.module_).eval(),
            "n_iter_": self.n_iter,
            "loss_curve_": list(self.loss_curve),
        }

    def _begin(self):
        subcontext = self.context.subcontext(task_name=self.task_name)
        subcontext.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes,
            **self.kwargs,
        )
        return subcontext

    def iteration_end(self, history) -> bool:
        self.n_iter, self.loss_curve = history.n_iter, history.loss_curve
        stop = self.subcontext.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=self._fitted_attributes,
            **self.kwargs,
        )
        self.subcontext = self._begin()
        return stop

    def close(self) -> None:
        self.subcontext.call_on_fit_task_end(estimator=self.estimator)
