"""BaseNet: the whole fit/predict data flow shared by every skreg estimator.

Data flows one way: validate -> encode target -> build module -> train -> store
fitted state. Families (ridge, lasso, dropout) only say which module to build and
which penalty goes on which tensor; the regressor and classifier bases
(:mod:`skreg._regressor`, :mod:`skreg._classifier`) only encode targets and
decode outputs.
"""

from __future__ import annotations

import copy
import functools
import math
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

# Re-exported: the families take their docstrings from here.
from ._docstrings import COMMON_PARAMS_DOC, FITTED_ATTRS_DOC, partial_fit_doc
from ._loss import Loss
from ._modules import Net
from ._objective import Objective, sparse_tensor
from ._persistence import _check_version, _skreg_version
from ._progress import CallbackBridge, CallbackSupportMixin, progress_bar
from ._rollback import Weights, copy_state, unchanged_on_error
from ._rows import merge_duplicates
from ._solvers import Problem, Solver, select_solver
from ._threads import limit_threads
from ._training import train

__all__ = [
    "BaseNet",
    "Interval",
    "StrOptions",
    "available_if",
    "_fit_context",
    "COMMON_PARAMS_DOC",
    "FITTED_ATTRS_DOC",
    "partial_fit_doc",
]

_PREDICT_CHUNK = 65536
_SEED_MAX = int(np.iinfo(np.int32).max)

# What a fit that goes on from the previous one (warm start, partial_fit) extends.
_RECORD = ("loss_curve_", "best_loss_", "validation_scores_", "t_")


def _to_tensor(a: np.ndarray, dtype: torch.dtype, device: torch.device):
    """A tensor view of ``a`` when possible, else one copy.

    Torch takes only C-contiguous arrays of the machine's byte order (a view with
    negative strides such as ``X[::-1]``, or a big-endian array, raises inside
    torch): any other layout is copied once into that form here. Read-only
    arrays (memory maps) are copied too, as torch's views would be writable.
    """
    a = np.asarray(a)
    if not (a.flags.c_contiguous and a.dtype.isnative):
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
    if a.flags.writeable and device.type == "cpu":
        t = torch.from_numpy(a)
        return t if t.dtype == dtype else t.to(dtype)
    return torch.tensor(a, dtype=dtype, device=device)


def _seed(seed: int, devices: list[torch.device]) -> None:
    """Seed the CPU generator and those of ``devices``, inside ``fork_rng``.

    ``torch.manual_seed`` would also queue seeds for every lazily initialised
    backend (CUDA, XPU, MTIA), formatting a stack trace for each: about 0.1 ms,
    a tenth of a small linear fit.
    """
    torch.default_generator.manual_seed(seed)
    for device in devices:  # CUDA devices only: fork_rng knows no others
        with torch.cuda.device(device):
            torch.cuda.manual_seed(seed)


@functools.lru_cache(maxsize=64)
def _first_seed(random_state: int) -> int:
    """The seed a fit draws first from an int ``random_state``."""
    return int(np.random.RandomState(random_state).randint(_SEED_MAX))


def _has_partial_fit(estimator) -> bool:
    """``partial_fit`` exists for the mini-batch solvers only, as in
    scikit-learn's MLP (``available_if``).
    """
    if estimator.solver not in ("auto", "adam", "sgd"):
        raise AttributeError(
            "partial_fit is only available for the mini-batch solvers ('auto', "
            f"'adam', 'sgd'); solver={estimator.solver!r} trains full batch."
        )
    return True


def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a valid torch device.") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; "
            "use device='cpu' or device='auto'."
        )
    return resolved


@dataclass
class _Prepared:
    """A validated training set and what follows from it (see
    :meth:`BaseNet._prepare`). The first :meth:`BaseNet._fit_prepared` chooses
    the solver, finishes the training set for it and builds ``objective``,
    which later fits on the same set (a regularisation path) keep, so that
    solvers can reuse what they computed from the data.
    """

    X: np.ndarray | sp.csr_matrix
    Y: np.ndarray
    sample_weight: np.ndarray | None
    n_rows: int  # the rows given to ``fit``
    validation: tuple | None  # (X_val, Y_val, sample_weight_val), early stopping
    sizes: tuple[int, ...]
    device: torch.device
    dtype: torch.dtype
    seed: int
    callback_ctx: object = None
    callback_data: dict | None = None
    incremental: bool = False  # a call of partial_fit
    # Set with the objective, by the first fit:
    order: np.ndarray | None = None  # the rows' canonical order (merge_duplicates)
    n: float = 0.0  # the sum of sample weights
    solver: type[Solver] | None = None
    batch_size: int = 0
    n_train_rows: int = 0  # the rows trained on (the validation split's excluded)
    objective: Objective | None = None
    # Strengths given as 'auto', computed once per training set.
    auto: dict = field(default_factory=dict)


class BaseNet(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of skreg estimators. Not for direct use.

    With scikit-learn >= 1.9, ``set_callbacks`` registers ``sklearn.callback``
    callbacks; each training iteration is a subtask of the fit task.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [
            StrOptions({"auto", "newton", "lbfgs", "fista", "highs", "adam", "sgd"})
        ],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "shuffle": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str],
    }

    # -- hooks for the families ------------------------------------------------
    def _build_module(self, n_in: int, n_out: int, sizes: tuple[int, ...]) -> Net:
        """The untrained network."""
        return Net(n_in, n_out, sizes, self.activation)

    def _penalty_terms(self, module: Net, n: float) -> list:
        """``[(penalty, [tensors]), ...]``; ``n`` is the sum of sample weights."""
        raise NotImplementedError

    def _auto_strength(self, name: str, prep: _Prepared) -> float:
        """The value of strength ``name`` (``'alpha'``) given as ``'auto'``."""
        raise NotImplementedError

    def _set_strengths(self, prep: _Prepared) -> None:
        """Store the penalty strengths this fit uses (``alpha_``), ``'auto'``
        computed from the training set, once per set (a path reuses it).
        """
        self.alpha_ = self._strength("alpha", prep)

    def _strength(self, name: str, prep: _Prepared) -> float:
        value = getattr(self, name)
        if not isinstance(value, str):  # StrOptions({'auto'}) is the only one
            return float(value)
        if prep.incremental and self._continues(True) and hasattr(self, name + "_"):
            # partial_fit keeps the value of the call that built the network:
            # one objective for the whole stream, and no cost per call.
            return getattr(self, name + "_")
        if name not in prep.auto:
            prep.auto[name] = float(self._auto_strength(name, prep))
        return prep.auto[name]

    # -- fit -------------------------------------------------------------------
    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        sizes = tuple(sizes) if hasattr(sizes, "__iter__") else (sizes,)
        if not all(isinstance(s, Integral) for s in sizes):
            raise TypeError(
                f"hidden_layer_sizes must hold integers, got {list(sizes)}."
            )
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
        return tuple(int(s) for s in sizes)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse matrices are converted to CSR and stay sparse:
            the first layer multiplies torch sparse CSR tensors.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values (class labels for classifiers).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; ``n`` in the objective is their sum.

        Returns
        -------
        self : object
            Fitted estimator. If ``fit`` raises, the estimator is left as it was
            before the call, never half-trained.
        """
        return self._fit_safely(X, y, sample_weight)

    def _fit_safely(self, X, y, sample_weight, **kwargs):
        """:meth:`_fit`, leaving the estimator as it was if it raises."""
        weights = None
        continues = self._continues(kwargs.get("incremental", False))
        if continues:  # trained in place
            weights = Weights(self.module_)
        try:
            with unchanged_on_error(self) as state:
                if continues and "_solver_state" in state:  # updated in place too
                    state["_solver_state"] = copy_state(state["_solver_state"])
                return self._fit(X, y, sample_weight, **kwargs)
        except BaseException:
            if weights is not None:
                weights.restore()
            raise

    def _fit(self, X, y, sample_weight, *, incremental=False, classes=None):
        """Validate, encode the target, build the module, train, store state.

        A fit that goes on from the fitted network (warm start, ``partial_fit``)
        extends ``loss_curve_``, ``validation_scores_`` and ``t_``, as
        scikit-learn's MLP does; ``n_iter_`` counts this fit's iterations.
        """
        continues = self._continues(incremental)
        before = {k: getattr(self, k, None) for k in _RECORD} if continues else {}
        prep = self._prepare(
            X, y, sample_weight, incremental=incremental, classes=classes
        )
        self._fit_prepared(prep)
        self._extend_record(before)
        if self.warm_start or incremental:
            # What the solver hands on to the next fit (L-BFGS's curvature
            # memory, FISTA's step and momentum, Adam's moments), for this
            # fitted module only; pickles, saved files and deep copies leave it
            # out.
            self._solver_state = prep.objective.state
        elif "minibatch" in prep.objective.state:
            # A later partial_fit goes on with the update rule's state, as
            # scikit-learn's MLP does after fit.
            self._solver_state = {"minibatch": prep.objective.state["minibatch"]}
        else:  # nothing will read it: L-BFGS's memory is 20 parameter vectors
            self.__dict__.pop("_solver_state", None)
        return self

    def _extend_record(self, before: dict) -> None:
        """Put the record of the fits this one goes on from (``before``) in
        front of its own: extended in place, so that a call of ``partial_fit``
        costs the same after a million calls.
        """
        curve = before.get("loss_curve_")
        if curve is not None:
            curve.extend(self.loss_curve_)
            self.loss_curve_ = curve
            if self.best_loss_ is not None and before.get("best_loss_") is not None:
                self.best_loss_ = min(self.best_loss_, before["best_loss_"])
        scores = before.get("validation_scores_")
        if scores is not None and self.validation_scores_ is not None:
            scores.extend(self.validation_scores_)
            self.validation_scores_ = scores
            best = np.nanmax(self.validation_scores_, initial=-np.inf)
            self.best_validation_score_ = float(best)
        self.t_ += before.get("t_") or 0

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch of the mini-batch solver on ``X``, going on from the
        network and the update rule's state of the previous call.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        return self._fit_safely(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare(
        self,
        X,
        y,
        sample_weight,
        *,
        callbacks: bool = True,
        feature_names=None,
        incremental: bool = False,
        classes=None,
    ) -> _Prepared:
        """Everything about a fit that does not depend on the penalty strength:
        validation, target encoding, the device and the seed.

        A regularisation path prepares once, then sets ``alpha`` (and the
        iteration limits) with ``set_params`` and calls :meth:`_fit_prepared` at
        every alpha (:func:`skreg._path._fit_path`). ``feature_names``: the
        columns of the frame the caller validated ``X`` from, to be stored as
        ``feature_names_in_``. ``incremental``: a call of ``partial_fit``, with
        its ``classes``.
        """
        continues = self._continues(incremental)
        # A warm start goes on from the fitted network: as scikit-learn's MLP,
        # it takes data with the same features (and classes) only.
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continues,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=self._multi_output,
            y_numeric=not isinstance(self, ClassifierMixin),
        )
        if feature_names is not None:
            self.feature_names_in_ = feature_names
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        callback_ctx = callback_data = None
        callbacks = callbacks and not incremental  # a fit task per fit only
        if callbacks and hasattr(self, "_init_callback_context"):  # sklearn >= 1.9
            # One subtask per iteration, plus the empty one CallbackBridge closes.
            callback_ctx = self._init_callback_context(max_subtasks=self.max_iter + 1)
            callback_data = {
                "X": X,
                "y": y,
                "metadata": None
                if sample_weight is None
                else {"sample_weight": sample_weight},
            }
            callback_ctx.call_on_fit_task_begin(estimator=self, **callback_data)
        Y = self._encode_target(
            y, continues=continues, incremental=incremental, classes=classes
        )
        sample_weight = self._weigh(Y, sample_weight, incremental)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(X.dtype, copy=False)
            if sample_weight.sum() <= 0:
                raise ValueError("sample_weight must have a positive sum.")
        sizes = self._hidden_sizes()
        device = _resolve_device(self.device)
        if incremental and isinstance(self.random_state, Integral):
            # No validation split: the seed alone, without a new RandomState
            # (0.1 ms, a tenth of a call on 1000 rows).
            rng, seed = None, _first_seed(self.random_state)
        else:
            rng = check_random_state(self.random_state)
            seed = int(rng.randint(_SEED_MAX))
        if incremental and continues:
            # Each call its own shuffle and dropout masks, and the same calls
            # the same model: a seed moved on by the samples seen so far.
            seed = (seed + self.t_) % _SEED_MAX

        n_rows, validation = X.shape[0], None
        if self.early_stopping:
            X, Y, sample_weight, validation = self._validation_split(
                X, Y, sample_weight, rng
            )
        return _Prepared(
            X=X,
            Y=Y,
            sample_weight=sample_weight,
            n_rows=n_rows,
            validation=validation,
            sizes=sizes,
            device=device,
            dtype=torch.float64 if X.dtype == np.float64 else torch.float32,
            seed=seed,
            callback_ctx=callback_ctx,
            callback_data=callback_data,
            incremental=incremental,
        )

    def _validation_split(self, X, Y, sample_weight, rng):
        """Hold out ``validation_fraction`` of the rows (stratified for a
        classifier), as scikit-learn's MLP does; return the training rows and
        ``(X_val, Y_val, sample_weight_val)``.
        """
        n, fraction = X.shape[0], self.validation_fraction
        n_val = math.ceil(fraction * n)
        stratify = self._stratify(Y)
        # Stratified, every class needs a validation row and a training row.
        n_classes = 1 if stratify is None else len(self.classes_)
        needed = max(2, n_classes)
        if n_val < needed:
            per_class = f" (one per class: {n_classes})" if n_classes > 1 else ""
            raise ValueError(
                f"The validation set is too small: validation_fraction={fraction} "
                f"of {n} samples holds {n_val}, and early stopping needs at least "
                f"{needed}{per_class} to score the model. Increase "
                "'validation_fraction' or the size of your dataset."
            )
        if n - n_val < n_classes:
            raise ValueError(
                f"validation_fraction={fraction} of {n} samples leaves {n - n_val} "
                f"to train on; training needs at least {n_classes}. Decrease "
                "'validation_fraction' or use more data."
            )
        parts = [X, Y] + ([sample_weight] if sample_weight is not None else [])
        split = train_test_split(
            *parts,
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=stratify,
        )
        X, X_val, Y, Y_val = split[:4]
        sw_val = None
        if sample_weight is not None:
            sample_weight, sw_val = split[4:]
        return X, Y, sample_weight, (X_val, Y_val, sw_val)

    def _weigh(self, Y, sample_weight, incremental: bool):
        """The sample weights of the fit (classifiers fold class weights in)."""
        return sample_weight

    def _stratify(self, Y):
        """What the early-stopping split is stratified on (None: nothing)."""
        return None

    def _continues(self, incremental: bool = False) -> bool:
        """Whether the next fit goes on from the fitted network (warm start,
        ``partial_fit``).
        """
        return (self.warm_start or incremental) and hasattr(self, "module_")

    def _fit_prepared(self, prep: _Prepared, *, refine: bool = False):
        """Build (or, warm-started, reuse) the module and train it under the
        current parameters; store the fitted state. ``refine``: a later fit of
        a regularisation path (see :func:`~skreg._training.train`).
        """
        self._set_strengths(prep)
        X, device, dtype, sizes = prep.X, prep.device, prep.dtype, prep.sizes
        devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            _seed(prep.seed, devices)
            shape = (X.shape[1], self.n_outputs_, sizes)
            reuse = self._continues(prep.incremental) and self._module_shape == shape
            if not reuse:
                module = self._build_module(X.shape[1], self.n_outputs_, sizes).to(
                    device=device, dtype=dtype
                )
                module.reset_parameters(torch.Generator().manual_seed(prep.seed))
                self._start_at_baseline(module, prep)
                self.module_ = module
            module = self.module_
            module.configure(self.activation, getattr(self, "dropout", 0.0))
            if prep.objective is None or prep.objective.module is not module:
                p = next(module.parameters())
                if reuse and (p.device != device or p.dtype != dtype):
                    module.to(device=device, dtype=dtype)  # unpickled, say
                state = self.__dict__.get("_solver_state") if reuse else None
                prep.objective = self._objective(prep, module, state or {})
            objective = prep.objective
            objective.terms = self._penalty_terms(module, prep.n)
            validation = None
            if prep.validation is not None:
                X_val, Y_val, sw_val = prep.validation

                def validation():
                    out = self._output(X_val)
                    # A diverging network scores NaN (as scikit-learn's MLP)
                    # rather than failing the metric's input check; the
                    # training loop then handles it.
                    if not torch.isfinite(out).all():
                        return np.nan
                    return self._score_array(out, Y_val, sw_val)

            solver = prep.solver
            lines, hooks = self._progress(solver, prep.callback_ctx, prep.callback_data)
            history = train(
                objective,
                solver=solver,
                max_iter=1 if prep.incremental else self.max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                max_fun=self.max_fun,
                learning_rate=self.learning_rate_init,
                batch_size=prep.batch_size,
                validation=validation,
                verbose=lines,
                hooks=hooks,
                refine=refine,
                options=self._solver_options(prep),
                incremental=prep.incremental,
            )
        self._module_shape = (X.shape[1], self.n_outputs_, sizes)
        self.solver_ = solver.name
        self.n_iter_ = history.n_iter
        self.loss_curve_ = history.loss_curve
        self.loss_ = history.loss_curve[-1] if history.loss_curve else None
        # As scikit-learn's MLP: no best training loss when a validation score
        # decides.
        scored = history.validation_scores is not None
        self.best_loss_ = None if scored else history.best_loss
        self.validation_scores_ = history.validation_scores
        self.best_validation_score_ = history.best_validation_score
        self.t_ = prep.n_train_rows * history.n_iter
        self._store_weights(module)
        if prep.callback_ctx is not None:
            prep.callback_ctx.call_on_fit_task_end(
                estimator=self, reconstruction_attributes={}, **prep.callback_data
            )
        return self

    def _start_at_baseline(self, module: Net, prep: _Prepared) -> None:
        """Start the output bias at the loss's best constant (the log of the
        mean for the Poisson loss, the quantile for the pinball loss), where
        it has one: an input-free start that a mini-batch solver would take
        many steps to reach from zero.
        """
        loss = self._loss
        if type(loss).baseline is Loss.baseline:  # none: the bias stays at zero
            return
        Y, sw = (
            None if a is None else torch.from_numpy(np.ascontiguousarray(a, float))
            for a in (prep.Y, prep.sample_weight)
        )
        baseline = loss.baseline(Y, sw)
        with torch.no_grad():
            module.linears[-1].bias.copy_(baseline)

    def _objective(self, prep: _Prepared, module, state: dict) -> Objective:
        """Choose the solver for ``module``, finish the training set for it (the
        early-stopping split, merged duplicate rows, the batch size; into
        ``prep``) and return the objective, with the solver ``state`` a warm
        start goes on with.
        """
        # Penalty kinds do not depend on their strength: any will do here.
        kinds = self._penalty_terms(module, 1.0)
        problem = Problem.of(
            module,
            kinds,
            self._loss,
            prep.X,
            prep.n_rows,
            early_stopping=prep.validation is not None,
            # An int batch_size or partial_fit ask for mini-batches.
            stochastic=prep.incremental or isinstance(self.batch_size, Integral),
        )
        prep.solver = solver = select_solver(self.solver, problem)
        X, Y, sample_weight = prep.X, prep.Y, prep.sample_weight
        prep.n_train_rows = X.shape[0]
        # A linear model trained full batch is convex: its one solution does not
        # depend on how the rows are ordered or repeated, so there is nothing to
        # merge (and 0.1 ms of a 1.5 ms fit to save).
        order, n_rows = None, X.shape[0]
        one_batch = (1024 if self.batch_size == "auto" else self.batch_size) >= n_rows
        # A call of partial_fit taken in one batch without dropout has neither
        # batches nor masks to draw: merged rows would change its sums' rounding
        # only, and cost a tenth of the call.
        if (not problem.linear or not solver.full_batch) and not (
            prep.incremental and one_batch and not problem.dropout
        ):
            X, Y, sample_weight, order = merge_duplicates(X, Y, sample_weight)
        n_samples = X.shape[0]
        batch = self.batch_size
        if batch == "auto":
            batch = min(1024, n_samples)
        elif batch > n_rows:  # the rows given, not those left after merging
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. "
                "It is going to be clipped",
                UserWarning,
                stacklevel=6,
            )
        prep.batch_size = min(batch, n_samples)
        prep.X, prep.Y, prep.sample_weight, prep.order = X, Y, sample_weight, order
        prep.n = float(n_samples if sample_weight is None else sample_weight.sum())
        device, dtype = prep.device, prep.dtype
        weight = None
        if sample_weight is not None:
            weight = _to_tensor(sample_weight * (n_samples / prep.n), dtype, device)
        return Objective(
            module,
            X if sp.issparse(X) else _to_tensor(X, dtype, device),
            self._target_tensor(Y, dtype, device),
            weight,
            self._loss,
            order=None if order is None else torch.as_tensor(order, device=device),
            state=state,
        )

    def _solver_options(self, prep: _Prepared) -> dict:
        """The mini-batch solvers' options (full-batch solvers ignore them)."""
        return {
            "shuffle": self.shuffle,
            "optimizer": {
                "betas": (self.beta_1, self.beta_2),
                "eps": self.epsilon,
                "momentum": self.momentum,
                "nesterov": self.nesterovs_momentum,
                "schedule": self.learning_rate,
                "power_t": self.power_t,
            },
            # Those of the fits this one goes on from (none yet at a first call).
            "samples_seen": (
                getattr(self, "t_", 0) if self._continues(prep.incremental) else 0
            ),
            "epoch_samples": prep.n_train_rows,
            "resume": prep.incremental,
        }

    def _progress(self, solver, callback_ctx, callback_data) -> tuple[bool, tuple]:
        """Whether to print per-iteration lines, and the loop's progress hooks."""
        unit = "iteration" if solver.full_batch else "epoch"
        bar = None
        if self.verbose >= 2:
            bar = progress_bar(self, total=self.max_iter, unit=unit)
        hooks = [] if bar is None else [bar]
        if callback_ctx is not None and getattr(self, "_skl_callbacks", None):
            hooks.append(
                CallbackBridge(self, callback_ctx, task_name=unit, **callback_data)
            )
        return bool(self.verbose) and bar is None, tuple(hooks)

    def _store_weights(self, module: Net) -> None:
        """What scikit-learn's MLP says of its layers, and the linear part."""
        self.n_layers_ = len(module.linears) + 1
        self.out_activation_ = self._loss.out_activation
        self._store_linear_part(module)

    def _layers(self, name: str) -> list:
        """The Linear layers of the fitted network (an AttributeError before
        ``fit``, as for any fitted attribute).
        """
        module = self.__dict__.get("module_")
        if module is None:
            raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")
        return module.linears

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of the layers, ``coefs_[i]`` of shape ``(n_in,
        n_out)`` as in scikit-learn's MLP: copies of ``module_``'s, made at
        each access (LassoNet's skip connection is ``coef_``).
        """
        layers = self._layers("coefs_")
        return [w.weight.detach().cpu().numpy().T.copy() for w in layers]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases of the layers, ``intercepts_[i]`` of shape ``(n_out,)``:
        copies of ``module_``'s, made at each access.
        """
        layers = self._layers("intercepts_")
        return [w.bias.detach().cpu().numpy().copy() for w in layers]

    def _store_linear_part(self, module: Net) -> None:
        if not (module.is_linear or module.skip is not None):
            # A network without a linear part has none (an earlier fit's is stale).
            for name in ("coef_", "intercept_"):
                self.__dict__.pop(name, None)
            return
        coef = module.theta.detach().cpu().numpy().copy()
        intercept = module.linears[-1].bias.detach().cpu().numpy().copy()
        if self._coef_is_1d:
            coef, intercept = coef[0], intercept[0]
        self.coef_, self.intercept_ = coef, intercept

    # -- predict ---------------------------------------------------------------
    def _output(self, X, *, module: torch.nn.Module | None = None) -> torch.Tensor:
        """Network output for already-validated ``X``, computed in chunks.

        ``module`` defaults to the fitted network in eval mode; its previous mode
        is restored (early stopping validates between training epochs). Monte-Carlo
        dropout passes its own train-mode copy, so concurrent ``predict`` calls on
        the shared network never see dropout.
        """
        shared = module is None
        module = self.module_ if shared else module
        p = next(module.parameters())
        convert = sparse_tensor if sp.issparse(X) else _to_tensor
        # Toggled only when needed: ``train()`` walks the module tree, and a
        # path scores the fitted (eval-mode) network at every alpha.
        toggle = shared and module.training
        if toggle:
            module.eval()
        try:
            with (
                torch.no_grad(),
                limit_threads(module, min(X.shape[0], _PREDICT_CHUNK)),
            ):
                return torch.cat(
                    [
                        module(convert(X[i : i + _PREDICT_CHUNK], p.dtype, p.device))
                        for i in range(0, max(X.shape[0], 1), _PREDICT_CHUNK)
                    ]
                )
        finally:
            if toggle:
                module.train()

    def _validated_output(self, X, **kwargs) -> torch.Tensor:
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        return self._output(X, **kwargs)

    # -- persistence -----------------------------------------------------------
    def __getstate__(self):
        # A copy: object.__getstate__ returns the instance's own __dict__, and
        # pickling must not move a fitted GPU model to the CPU or tag it.
        state = dict(super().__getstate__())
        # A warm start's solver state belongs to this process's fitted module,
        # except the update rule's (Adam's moments, SGD's momentum: two
        # parameter vectors at most): partial_fit goes on with it in the process
        # the model is sent to (dask-ml's Incremental on a cluster does that at
        # every block), as scikit-learn's MLP does.
        solver_state = state.pop("_solver_state", None) or {}
        if "minibatch" in solver_state:
            rule = solver_state["minibatch"]
            state["_solver_state"] = {"minibatch": copy_state(rule, device="cpu")}
        module = state.get("module_")
        if module is not None and next(module.parameters()).device.type != "cpu":
            state["module_"] = copy.deepcopy(module).cpu()
        state["_skreg_version"] = _skreg_version()
        return state

    def __setstate__(self, state):
        if "module_" in state:  # only fitted models carry version-dependent state
            _check_version(state.get("_skreg_version"), f"{type(self).__name__}")
        state = {k: v for k, v in state.items() if k != "_skreg_version"}
        super().__setstate__(state)

    @classmethod
    @functools.cache
    def _get_param_names(cls):
        # scikit-learn reads the signature of __init__ on every get_params,
        # hence on every fit's parameter validation (25 us, 1.5 % of a small
        # linear fit); it never changes for a class.
        return super()._get_param_names()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = True
        return tags
