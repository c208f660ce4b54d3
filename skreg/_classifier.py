"""ClassifierNet: target handling for classification.

Labels become class indices (one logit and the logistic loss for two classes,
as ``LogisticRegression``; one logit per class and the softmax loss for more),
a 0/1 indicator matrix becomes ``K`` independent labels (one sigmoid each),
``class_weight`` becomes sample weights, and the outputs become labels and
probabilities. ``partial_fit`` takes its ``classes`` here.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from ._base import (
    BaseNet,
    StrOptions,
    _fit_context,
    _has_partial_fit,
    available_if,
    partial_fit_doc,
)
from ._loss import LogisticLoss, Loss, MultinomialLoss

__all__ = ["CLASS_WEIGHT_DOC", "ClassifierNet", "with_class_weight"]

_LOGISTIC, _MULTINOMIAL = LogisticLoss(), MultinomialLoss()

CLASS_WEIGHT_DOC = """

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{label: weight}``: each sample's weight is
        multiplied by its class's, exactly as passing those products as
        ``sample_weight`` (so ``n`` in the objective is their sum).
        ``'balanced'`` weighs class ``c`` by ``n_samples / (n_classes *
        n_c)``, ``n_c`` the (sample-weighted) count of ``c``, as
        :class:`~sklearn.linear_model.LogisticRegression`; ``partial_fit``
        takes a dict only. Not for multilabel targets."""


def with_class_weight(init):
    """``init`` with a last keyword parameter ``class_weight=None``.

    Each classifier's signature is its family's plus this one; the alternative
    is a copy of the family's 25 parameters in each classifier. The signature
    is explicit (``__signature__``), so ``get_params``, ``clone`` and ``help``
    see every parameter.
    """
    signature = inspect.signature(init)
    extra = inspect.Parameter(
        "class_weight", inspect.Parameter.KEYWORD_ONLY, default=None
    )

    @functools.wraps(init)
    def __init__(self, *args, class_weight=None, **kwargs):
        init(self, *args, **kwargs)
        self.class_weight = class_weight

    __init__.__signature__ = signature.replace(
        parameters=[*signature.parameters.values(), extra]
    )
    return __init__


class ClassifierNet(ClassifierMixin, BaseNet):
    """Target handling for classification: any labels, binary or multiclass,
    or a multilabel indicator matrix.

    Two classes use one logit and the logistic loss (as ``LogisticRegression``);
    more use one logit per class and the multinomial (softmax) loss; ``K``
    labels of a 0/1 matrix use ``K`` logits and the logistic loss of each.
    """

    _parameter_constraints = {
        **BaseNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _multi_output = True  # a 1-column y is raveled, with scikit-learn's warning
    _coef_is_1d = False

    def _encode_target(
        self, y: np.ndarray, *, continues=False, incremental=False, classes=None
    ):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if multilabel and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__} takes a 1-D array of labels or a multilabel "
                f"indicator matrix (0/1 columns), got {type_of_target(y)!r} targets."
            )
        if multilabel:
            labels, Y = np.arange(y.shape[1]), y
        else:
            labels, Y = np.unique(y, return_inverse=True)
        if continues:
            self._check_continued_labels(labels, multilabel, incremental, classes)
        elif incremental:
            self._first_classes(labels, multilabel, classes)
        else:
            self.classes_ = labels
        if not multilabel and len(labels) != len(self.classes_):
            Y = np.searchsorted(self.classes_, labels)[Y]
        if len(self.classes_) < 2 and not multilabel:
            raise ValueError(
                "The classifier needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}."
            )
        self._multilabel_y = multilabel
        if multilabel:
            self.n_outputs_ = y.shape[1]
        else:
            self.n_outputs_ = 1 if len(self.classes_) == 2 else len(self.classes_)
        return Y

    def _first_classes(self, labels, multilabel: bool, classes) -> None:
        """``classes_`` on the first call of ``partial_fit``, from ``classes``."""
        if classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        classes = unique_labels(classes)
        if multilabel:
            if not np.array_equal(classes, labels):
                raise ValueError(
                    f"`classes={classes}` does not match the {len(labels)} columns "
                    f"of the multilabel `y`; pass classes={list(labels)}."
                )
        else:
            unseen = np.setdiff1d(labels, classes)
            if len(unseen):
                raise ValueError(
                    f"`y` has classes not in `classes`. `classes` has {classes}. 'y' "
                    f"has {labels}."
                )
        self.classes_ = classes

    def _check_continued_labels(
        self, labels, multilabel: bool, incremental: bool, classes
    ) -> None:
        """The labels of a fit that goes on from the fitted network: those of
        the previous fit (warm start), or some of them (``partial_fit``).
        """
        if incremental:
            if classes is not None and not np.array_equal(
                unique_labels(classes), self.classes_
            ):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
            same_kind = multilabel == self._is_multilabel
            if not same_kind or (
                not multilabel and len(np.setdiff1d(labels, self.classes_))
            ):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
            if multilabel and len(labels) != len(self.classes_):
                raise ValueError(
                    f"`y` has {len(labels)} labels, {len(self.classes_)} on the "
                    "previous call to partial_fit."
                )
        elif multilabel != self._is_multilabel or not np.array_equal(
            labels, self.classes_
        ):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {self.classes_}, `y` has "
                f"{labels}."
            )

    def _weigh(self, Y, sample_weight, incremental: bool):
        """``sample_weight`` times the weight of each sample's class."""
        if self.class_weight is None:
            return sample_weight
        if self._is_multilabel:
            raise ValueError("class_weight is not supported for multilabel targets.")
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit. Compute "
                "the weights on all the data with "
                "sklearn.utils.class_weight.compute_class_weight and pass them as "
                "a dict."
            )
        weights = compute_class_weight(
            self.class_weight,
            classes=self.classes_,
            y=self.classes_[Y],
            sample_weight=sample_weight,
        )
        per_sample = weights[Y]
        return per_sample if sample_weight is None else sample_weight * per_sample

    @property
    def _is_multilabel(self) -> bool:
        """Whether the fitted ``y`` was a multilabel indicator matrix."""
        return self.__dict__.get("_multilabel_y", False)

    def _stratify(self, Y):
        # The labels, so that a class too rare to split is named by its label.
        return None if self._is_multilabel else self.classes_[Y]

    def _target_tensor(self, Y, dtype, device):
        if self.n_outputs_ == 1 or self._is_multilabel:
            Y = np.asarray(Y).reshape(len(Y), self.n_outputs_)
            return torch.as_tensor(Y, dtype=dtype, device=device)
        return torch.as_tensor(Y, dtype=torch.long, device=device)

    @property
    def _loss(self) -> Loss:
        """The logistic loss of one logit (two classes) or of each label
        (multilabel), else the multinomial.
        """
        one_logit_each = self.n_outputs_ == 1 or self._is_multilabel
        return _LOGISTIC if one_logit_each else _MULTINOMIAL

    def _log_proba(self, out: torch.Tensor) -> torch.Tensor:
        log_p = self._loss.log_inverse_link
        if out.shape[1] == 1 and not self._is_multilabel:  # log(1 - p) and log(p)
            return torch.cat([log_p(-out), log_p(out)], dim=1)
        return log_p(out)

    def _proba(self, out: torch.Tensor) -> np.ndarray:
        proba = self._log_proba(out).exp().cpu().numpy()
        if self._is_multilabel:
            # Each label's probability strictly inside (0, 1), as scikit-learn's
            # multilabel checks ask: one that rounds to 0 or 1 becomes the
            # nearest float inside.
            one = np.ones((), dtype=proba.dtype)
            np.clip(
                proba, np.nextafter(0 * one, one), np.nextafter(one, 0 * one), proba
            )
        return proba

    def _decode(self, out: torch.Tensor) -> np.ndarray:
        """Class labels (multilabel: the 0/1 matrix) of the network outputs."""
        if self._is_multilabel:  # as scikit-learn's MLP: a probability above 1/2
            return (self._proba(out) > 0.5).astype(np.int64)
        return self.classes_[self._log_proba(out).argmax(1).cpu().numpy()]

    def _score_array(self, out, Y, sample_weight) -> float:
        if self._is_multilabel:
            pred = self._decode(out)
        else:
            pred = self._log_proba(out).argmax(1).cpu().numpy()
        return accuracy_score(Y, pred, sample_weight=sample_weight)

    @available_if(_has_partial_fit)
    @_fit_context(prefer_skip_nested_validation=True)
    @partial_fit_doc(
        y="y : array-like of shape (n_samples,) or (n_samples, n_labels)\n"
        "            Class labels, or a multilabel indicator matrix.",
        classes="\n        classes : array-like of shape (n_classes,), default=None\n"
        "            Every class of the whole data (``np.unique(y_all)``); required\n"
        "            on the first call, optional later (then it must not change).\n"
        "            ``y`` need not hold every class. For a multilabel ``y``,\n"
        "            ``range(n_labels)``.",
    )
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        return self._partial_fit(X, y, sample_weight, classes)

    def predict_log_proba(self, X):
        """Log of the class probabilities: ``np.log(predict_proba(X))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``. A probability that rounds to 0 gives
            ``-inf``, so the two methods always agree.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; rows sum to one. For a multilabel
            ``y``, the probability of each label (rows need not sum to one),
            strictly between 0 and 1 (one that rounds to 0 or 1 is given as
            the nearest float inside).
        """
        return self._proba(self._validated_output(X))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels, taken from ``classes_``; for a multilabel ``y``,
            the 0/1 matrix of the labels whose probability exceeds 1/2.
        """
        return self._decode(self._validated_output(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags
