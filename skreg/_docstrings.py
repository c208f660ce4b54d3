"""The parameter and attribute documentation every estimator shares, and
``partial_fit``'s.

Filled into the families' numpydoc docstrings (``_ridge.py``, ``_lasso.py``,
``_dropout.py``, ``_classifier.py``); one text, so that a parameter reads the
same everywhere.
"""

__all__ = [
    "COMMON_PARAMS_DOC",
    "FITTED_ATTRS_DOC",
    "PARTIAL_FIT_DOC",
    "partial_fit_doc",
]

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
        Mini-batch size; ``'auto'`` is ``min(1024, n_samples)``. An int sets
        ``solver='auto'`` to a mini-batch solver (Adam).

    learning_rate_init : float, default=0.01
        Step size of Adam and SGD (and of their proximal steps). Ten times
        scikit-learn's MLP default, for a batch five times larger: on the data
        sets of ``benchmarks/speed.py`` this pair reached sklearn's default test
        score in well under half its time, with the same or a better score.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        SGD's step-size schedule, as scikit-learn's MLP: ``'invscaling'``
        sets it to ``learning_rate_init / (t_ + 1) ** power_t`` after each
        epoch; ``'adaptive'`` divides it by 5 each time the stopping rule
        would stop, and stops once it is at most 1e-6. ``solver='sgd'`` only.

    power_t : float, default=0.5
        Exponent of ``'invscaling'``. ``solver='sgd'`` only.

    momentum : float, default=0.9
        SGD's momentum, in [0, 1]. ``solver='sgd'`` only.

    nesterovs_momentum : bool, default=True
        Nesterov's momentum for SGD (with ``momentum > 0``).

    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of its first and second moment estimates, in
        [0, 1). ``solver='adam'`` only.

    epsilon : float, default=1e-8
        Adam's term added to the root second moment. ``solver='adam'`` only.

    shuffle : bool, default=True
        Shuffle the rows before each epoch of a mini-batch solver; ``False``
        takes the batches in the order of the rows.

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
        more than ``n_iter_no_change`` epochs, and full-batch networks when
        their objective has not improved by the fraction ``tol`` of itself
        for more than ``n_iter_no_change`` iterations. ``tol=0`` never stops
        a fit on ``tol``. See :doc:`/stopping`.

    n_iter_no_change : int or np.inf, default=10
        Iterations (epochs) without an improvement by ``tol`` (for a network
        trained full batch, by the fraction ``tol`` of its objective) before
        a fit stops; with ``early_stopping=True``, without an improvement of
        the validation score by ``tol``, for every solver. A linear model
        trained full batch stops on its optimality test alone. ``np.inf``
        turns the rule off.

    max_fun : int, default=15000
        Most objective evaluations of ``solver='lbfgs'`` (its line searches
        evaluate several times per iteration), as scikit-learn's MLP; a fit
        that ends there raises a ``ConvergenceWarning``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers, except multilabel ones), score it after every iteration of
        any solver, stop when the score has not improved by ``tol`` for more
        than ``n_iter_no_change`` iterations and restore the best weights.
        ``partial_fit`` refuses it, as scikit-learn's MLP does.

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
        Iterations (epochs) run by the solver in the last call of ``fit``
        (one per call of ``partial_fit``).

    loss_curve_ : list of float
        Objective (data loss + penalty) at the end of each iteration. A
        warm-started ``fit`` and every ``partial_fit`` extend it, as in
        scikit-learn's MLP.

    loss_ : float
        The last value of ``loss_curve_``.

    best_loss_ : float or None
        Smallest value of ``loss_curve_``; None when ``early_stopping`` scores
        a validation split instead, as in scikit-learn's MLP.

    validation_scores_ : list of float or None
        Validation score per epoch when ``early_stopping=True`` (extended by a
        warm-started ``fit``; NaN for an epoch whose network overflowed).

    best_validation_score_ : float or None
        Best validation score when ``early_stopping=True``.

    t_ : int
        Training samples seen by the solver over every fit it went on from:
        ``n_samples`` per epoch (or full-batch iteration).

    coefs_ : list of ndarray
        ``coefs_[i]``, of shape ``(n_in, n_out)``, is the weight matrix of
        layer ``i``, as in scikit-learn's MLP: copies of ``module_``'s weights,
        made at each access (changing them changes no prediction; a network's
        weights are set through ``module_``).

    intercepts_ : list of ndarray
        ``intercepts_[i]``, of shape ``(n_out,)``, is the bias of layer ``i``
        (copies, as ``coefs_``).

    n_layers_ : int
        Number of layers, input and output included.

    out_activation_ : str
        The output's activation, as scikit-learn's MLP names it:
        ``'identity'``, ``'exp'`` (the Poisson loss), ``'logistic'`` or
        ``'softmax'``.

    solver_ : str
        The solver that trained the network (``solver='auto'`` resolved).

    module_ : torch.nn.Module
        The trained network."""


PARTIAL_FIT_DOC = """Train for one epoch of the mini-batch solver on the data.

        Only with ``solver`` 'auto', 'adam' or 'sgd' ('auto' trains with Adam),
        as scikit-learn's MLP. Each call goes on from the network and from the
        update rule's state (Adam's moments, SGD's momentum and learning rate)
        of the previous call, and minimises the objective of ``fit`` on this
        data; ``loss_curve_`` and ``t_`` grow with every call.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
            Training data.
        {y}
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; ``n`` in the objective is their sum.{classes}

        Returns
        -------
        self : object
            The updated estimator. If the call raises, it is left as it was.
        """


def partial_fit_doc(y: str, classes: str = ""):
    """Give the decorated ``partial_fit`` its docstring, with these entries."""

    def decorate(method):
        method.__doc__ = PARTIAL_FIT_DOC.format(y=y, classes=classes)
        return method

    return decorate
