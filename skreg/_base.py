"""BaseNet: the whole fit/predict data flow shared by every skreg estimator.

Data flows one way: validate -> encode target -> build module -> train -> store
fitted state. Families (ridge, lasso, dropout) only say which module to build and
which penalty goes on which tensor; the classifier base below and the regressor
base (:mod:`skreg._regressor`) only encode targets and decode outputs.
"""

from __future__ import annotations

import copy
import functools
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._loss import LogisticLoss, Loss, MultinomialLoss
from ._modules import Net
from ._objective import Objective, sparse_tensor
from ._persistence import _check_version, _skreg_version
from ._progress import CallbackBridge, CallbackSupportMixin, progress_bar
from ._rows import merge_duplicates
from ._solvers import Problem, Solver, select_solver
from ._threads import limit_threads
from ._training import train

__all__ = ["BaseNet", "ClassifierNet", "Interval", "StrOptions"]

_PREDICT_CHUNK = 65536

COMMON_PARAMS_DOC = """\
hidden_layer_sizes : array-like of shape (n_layers,), default=(100,)
        The i-th element is the number of neurons in the i-th hidden layer.
        ``()`` makes the network a plain linear model.

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation after each hidden layer.

    solver : {'auto', 'newton', 'lbfgs', 'fista', 'highs', 'adam', 'sgd'}, \
default='auto'
        ``'newton'``: Newton's method with an exact Hessian, for linear models
        (like scikit-learn's ``'newton-cholesky'``), dense or sparse; proximal
        Newton, with exact active-set steps, when the objective has an L1
        part. ``'lbfgs'``: full-batch L-BFGS; smooth objectives, and for
        linear models an elementwise L1 part through bound constraints
        (scipy's L-BFGS-B). Networks use skreg's own L-BFGS, whose curvature
        memory carries over to the next fit of a warm start or a path.
        ``'fista'``: full-batch accelerated proximal gradient, any penalty.
        ``'highs'``: the linear program of a linear model under the pinball
        loss (``loss='quantile'``) with an L1 penalty or none, solved exactly
        by scipy's HiGHS, as ``QuantileRegressor``.
        ``'adam'``, ``'sgd'``: mini-batch updates, each followed by the
        penalty's proximal step; they also train non-differentiable losses.
        ``'auto'`` picks a deterministic full-batch
        solver for linear models and small data sets (``n_samples <= 2000``):
        for a linear model with at most 500 coefficients Newton, else L-BFGS
        when it applies, else FISTA (HiGHS for the pinball loss); and Adam
        for larger data, whenever dropout is active, and where no full-batch
        solver applies (a network under the pinball loss).

    batch_size : int or 'auto', default='auto'
        Mini-batch size; ``'auto'`` is ``min(1024, n_samples)``.

    learning_rate_init : float, default=0.01
        Step size of Adam and SGD (and of their proximal steps). Ten times
        scikit-learn's MLP default, for a batch five times larger: on the data
        sets of ``benchmarks/speed.py`` this pair reached sklearn's default test
        score in well under half its time, with the same or a better score.

    max_iter : int, default=200
        Iterations for full-batch solvers, epochs for mini-batch ones. A fit
        that ends there without meeting ``tol`` raises a
        ``ConvergenceWarning``.

    tol : float, default=1e-4
        Full-batch solvers stop when their optimality measure (the largest
        entry of the (projected) gradient, of the KKT violation for Newton, of
        the proximal-gradient mapping for FISTA) is at most ``tol`` for a
        network, as scikit-learn's L-BFGS, or has shrunk by ``tol * 1e-4``
        relative to its value at the start for a linear model, whose unique
        solution is reached to about six digits, like scikit-learn's; or when
        the objective no longer changes in floating point. Mini-batch
        solvers stop when the training loss has not improved by ``tol`` for
        more than ``n_iter_no_change`` epochs. ``tol=0`` never stops a fit on
        ``tol``. See :doc:`/stopping`.

    n_iter_no_change : int or np.inf, default=10
        Iterations (epochs) without an improvement by ``tol`` before a
        mini-batch solver stops, or, with ``early_stopping=True``, any solver.
        ``np.inf`` turns that rule off.

    max_fun : int, default=15000
        Most objective evaluations of ``solver='lbfgs'`` (its line searches
        evaluate several times per iteration), as scikit-learn's MLP; a fit
        that ends there raises a ``ConvergenceWarning``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), score it after every iteration of any solver, stop when
        the score has not improved by ``tol`` for more than
        ``n_iter_no_change`` iterations and restore the best weights.

    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``; the
        split needs at least 2 samples (and one per class).

    warm_start : bool, default=False
        Start from the weights of the previous fit instead of a fresh
        initialisation. Full-batch solvers of networks also go on with their
        state (L-BFGS's curvature memory, FISTA's step size and momentum),
        which stays with the fitted network in this process: a pickled, saved
        or deep-copied model starts it afresh.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. Global torch and numpy seeds are left untouched.

    verbose : int, default=0
        ``1``: print the objective at every iteration, as scikit-learn's MLP.
        ``2`` or more: show a tqdm progress bar instead (the objective as its
        postfix), or the lines of ``1`` when tqdm is not installed.

    device : {'auto', 'cpu', 'cuda'} or str, default='auto'
        Torch device used by ``fit``; ``'auto'`` uses CUDA when available.
        Resolved in ``fit``; a fitted model pickles to, and predicts on, a
        CPU-only machine."""

FITTED_ATTRS_DOC = """\
n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, for pandas input with string
        column names.

    n_outputs_ : int
        Number of network outputs.

    n_iter_ : int
        Iterations (epochs) run by the solver.

    loss_curve_ : list of float
        Objective (data loss + penalty) at the end of each iteration.

    best_loss_ : float
        Smallest value of ``loss_curve_``.

    validation_scores_ : list of float or None
        Validation score per epoch when ``early_stopping=True``.

    best_validation_score_ : float or None
        Best validation score when ``early_stopping=True``.

    module_ : torch.nn.Module
        The trained network."""


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


@contextmanager
def _unchanged_on_error(estimator) -> Iterator[dict]:
    """Put ``estimator`` back as it was if the block raises: a failed ``fit``
    never leaves it half-fitted. Yields the saved attributes, which the caller
    may complete (with a copy of what the fit changes in place).
    """
    state = estimator.__dict__.copy()
    try:
        yield state
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


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
    # Set with the objective, by the first fit:
    order: np.ndarray | None = None  # the rows' canonical order (merge_duplicates)
    n: float = 0.0  # the sum of sample weights
    solver: type[Solver] | None = None
    batch_size: int = 0
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
        with _unchanged_on_error(self) as state:
            if self.warm_start and hasattr(self, "module_"):  # trained in place
                state["module_"] = copy.deepcopy(self.module_)
                if "_solver_state" in state:  # updated in place too
                    state["_solver_state"] = copy.deepcopy(state["_solver_state"])
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        """Validate, encode the target, build the module, train, store state."""
        prep = self._prepare(X, y, sample_weight)
        self._fit_prepared(prep)
        if self.warm_start:
            # What the solver hands on to the next fit (L-BFGS's curvature
            # memory, FISTA's step and momentum), for this fitted module only;
            # pickles, saved files and deep copies leave it out.
            self._solver_state = prep.objective.state
        else:  # nothing will read it: L-BFGS's memory is 20 parameter vectors
            self.__dict__.pop("_solver_state", None)
        return self

    def _prepare(
        self, X, y, sample_weight, *, callbacks: bool = True, feature_names=None
    ) -> _Prepared:
        """Everything about a fit that does not depend on the penalty strength:
        validation, target encoding, the device and the seed.

        A regularisation path prepares once, then sets ``alpha`` (and the
        iteration limits) with ``set_params`` and calls :meth:`_fit_prepared` at
        every alpha (:func:`skreg._path._fit_path`). ``feature_names``: the
        columns of the frame the caller validated ``X`` from, to be stored as
        ``feature_names_in_``.
        """
        # A warm start goes on from the fitted network: as scikit-learn's MLP,
        # it takes data with the same features (and classes) only.
        X, y = validate_data(
            self,
            X,
            y,
            reset=not self._continues(),
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
            if sample_weight.sum() <= 0:
                raise ValueError("sample_weight must have a positive sum.")
        callback_ctx = callback_data = None
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
        Y = self._encode_target(y)
        sizes = self._hidden_sizes()
        device = _resolve_device(self.device)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))

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
        )

    def _validation_split(self, X, Y, sample_weight, rng):
        """Hold out ``validation_fraction`` of the rows (stratified for a
        classifier), as scikit-learn's MLP does; return the training rows and
        ``(X_val, Y_val, sample_weight_val)``.
        """
        n, fraction = X.shape[0], self.validation_fraction
        n_val = math.ceil(fraction * n)
        classifier = isinstance(self, ClassifierMixin)
        # Stratified, every class needs a validation row and a training row.
        n_classes = len(self.classes_) if classifier else 1
        needed = max(2, n_classes)
        if n_val < needed:
            per_class = f" (one per class: {n_classes})" if classifier else ""
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
            stratify=Y if classifier else None,
        )
        X, X_val, Y, Y_val = split[:4]
        sw_val = None
        if sample_weight is not None:
            sample_weight, sw_val = split[4:]
        return X, Y, sample_weight, (X_val, Y_val, sw_val)

    def _continues(self) -> bool:
        """Whether the next fit goes on from the fitted network (warm start)."""
        return self.warm_start and hasattr(self, "module_")

    def _fit_prepared(self, prep: _Prepared, *, loss_patience: int | None = None):
        """Build (or, warm-started, reuse) the module and train it under the
        current parameters; store the fitted state. ``loss_patience``: see
        :func:`~skreg._training.train` (a regularisation path's later fits).
        """
        self._set_strengths(prep)
        X, device, dtype, sizes = prep.X, prep.device, prep.dtype, prep.sizes
        devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            _seed(prep.seed, devices)
            reuse = (
                self.warm_start
                and hasattr(self, "module_")
                and self._module_shape == (X.shape[1], self.n_outputs_, sizes)
            )
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
                if reuse:  # it may live elsewhere (unpickled, say)
                    module.to(device=device, dtype=dtype)
                state = self.__dict__.get("_solver_state") if reuse else None
                prep.objective = self._objective(prep, module, state or {})
            objective = prep.objective
            objective.terms = self._penalty_terms(module, prep.n)
            validation = None
            if prep.validation is not None:
                X_val, Y_val, sw_val = prep.validation

                def validation():
                    out = self._output(X_val)
                    # A diverging network scores worst rather than failing the
                    # metric's input check; the training loop then handles it.
                    if not torch.isfinite(out).all():
                        return -np.inf
                    return self._score_array(out, Y_val, sw_val)

            solver = prep.solver
            lines, hooks = self._progress(solver, prep.callback_ctx, prep.callback_data)
            history = train(
                objective,
                solver=solver,
                max_iter=self.max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                max_fun=self.max_fun,
                learning_rate=self.learning_rate_init,
                batch_size=prep.batch_size,
                validation=validation,
                verbose=lines,
                hooks=hooks,
                loss_patience=loss_patience,
            )
        self._module_shape = (X.shape[1], self.n_outputs_, sizes)
        self.solver_ = solver.name
        self.n_iter_ = history.n_iter
        self.loss_curve_ = history.loss_curve
        self.best_loss_ = history.best_loss
        self.validation_scores_ = history.validation_scores
        self.best_validation_score_ = history.best_validation_score
        self._store_linear_part(module)
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
        )
        prep.solver = solver = select_solver(self.solver, problem)
        X, Y, sample_weight = prep.X, prep.Y, prep.sample_weight
        # A linear model trained full batch is convex: its one solution does not
        # depend on how the rows are ordered or repeated, so there is nothing to
        # merge (and 0.1 ms of a 1.5 ms fit to save).
        order, n_rows = None, X.shape[0]
        if not problem.linear or not solver.full_batch:
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
        # A warm start's solver state belongs to this process's fitted module.
        state.pop("_solver_state", None)
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


_LOGISTIC, _MULTINOMIAL = LogisticLoss(), MultinomialLoss()


class ClassifierNet(ClassifierMixin, BaseNet):
    """Target handling for classification: any labels, binary or multiclass.

    Two classes use one logit and the logistic loss (as ``LogisticRegression``);
    more use one logit per class and the multinomial (softmax) loss.
    """

    _multi_output = False
    _coef_is_1d = False

    def _encode_target(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        classes, y_idx = np.unique(y, return_inverse=True)
        if self._continues() and not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{classes}."
            )
        self.classes_ = classes
        if len(self.classes_) < 2:
            raise ValueError(
                "The classifier needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}."
            )
        self.n_outputs_ = 1 if len(self.classes_) == 2 else len(self.classes_)
        return y_idx

    def _target_tensor(self, y_idx, dtype, device):
        if self.n_outputs_ == 1:
            return torch.as_tensor(y_idx.reshape(-1, 1), dtype=dtype, device=device)
        return torch.as_tensor(y_idx, dtype=torch.long, device=device)

    @property
    def _loss(self) -> Loss:
        """The logistic loss of one logit (two classes), else the multinomial."""
        return _LOGISTIC if self.n_outputs_ == 1 else _MULTINOMIAL

    def _log_proba(self, out: torch.Tensor) -> torch.Tensor:
        log_p = self._loss.log_inverse_link
        if out.shape[1] == 1:  # log(1 - p) and log(p)
            return torch.cat([log_p(-out), log_p(out)], dim=1)
        return log_p(out)

    def _decode(self, out: torch.Tensor) -> np.ndarray:
        """Class labels of the network outputs ``out``."""
        return self.classes_[self._log_proba(out).argmax(1).cpu().numpy()]

    def _score_array(self, out, y_idx, sample_weight) -> float:
        return accuracy_score(
            y_idx,
            self._log_proba(out).argmax(1).cpu().numpy(),
            sample_weight=sample_weight,
        )

    def predict_log_proba(self, X):
        """Log of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return self._log_proba(self._validated_output(X)).cpu().numpy()

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to one.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        return self._decode(self._validated_output(X))
