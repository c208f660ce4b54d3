"""Feature groups and penalty factors of the LassoNet family: from the
estimator's ``groups`` and ``penalty_factor`` to the weighted groups of its L1
penalty (:class:`~skreg.penalties.FeatureGroups`).

The L1 part is ``alpha * l1_ratio * sum_g w_g ||theta_g||_F`` with
``w_g = penalty_factor_g * sqrt(|g|)``, ``|g|`` the number of features in group
``g`` (the group lasso's weight, Yuan & Lin, 2006): a group of one feature
keeps the Lasso's weight, and a factor of zero leaves a group unpenalised.
"""

from __future__ import annotations

import numpy as np

from .penalties import FeatureGroups

__all__ = ["auto_groups", "estimator_groups", "feature_groups", "lasso_alpha_max"]


def _keys(name: str) -> list[str]:
    """The name's prefixes that end before a ``'_'`` of its feature part (after
    a ColumnTransformer's ``'transformer__'``), longest first.
    """
    start = name.rfind("__") + 2 if "__" in name else 0
    cuts = [i for i, c in enumerate(name) if c == "_" and i > start]
    cuts = [i for i in cuts if name[i - 1] != "_" and name[i + 1 : i + 2] != "_"]
    return [name[:i] for i in reversed(cuts)]


def auto_groups(feature_names) -> list[list[int]]:
    """Groups read off one-hot encoded column names (``groups='auto'``).

    A name's key is the name up to its last ``'_'`` (``'onehot__color_red'``
    -> ``'onehot__color'``, ``'color_red'`` -> ``'color'``, as
    :class:`~sklearn.preprocessing.OneHotEncoder` and
    :class:`~sklearn.compose.ColumnTransformer` name their outputs), never
    cutting into a ColumnTransformer's ``'transformer__'`` prefix. Columns that
    share a key form a group. A column whose key no other column has joins the
    group of a shorter key of its name, the longest that is one
    (``'onehot__color_light_grey'`` joins ``'onehot__color'``), or else is a
    group of its own. Groups come in the order of their first column.
    """
    if feature_names is None:
        raise ValueError(
            "groups='auto' reads the groups from the feature names: fit on a "
            "pandas DataFrame (for example the output of a ColumnTransformer "
            "with set_output(transform='pandas')), or pass groups as a list "
            "of lists of column indices."
        )
    keys = [_keys(str(name)) for name in feature_names]
    primary: dict[str, list[int]] = {}
    for j, candidates in enumerate(keys):
        if candidates:
            primary.setdefault(candidates[0], []).append(j)
    shared = {key for key, members in primary.items() if len(members) > 1}
    groups: dict[str, list[int]] = {}
    for j, candidates in enumerate(keys):
        key = next((k for k in candidates if k in shared), None)
        groups.setdefault(key if key is not None else f"\0{j}", []).append(j)
    return sorted(groups.values(), key=lambda members: members[0])


def _as_groups(groups, n_features: int, feature_names) -> list[np.ndarray]:
    """Every feature's group as index arrays: the given ones (or those of
    ``'auto'``), then each feature left out as a group of its own.
    """
    if isinstance(groups, str):  # 'auto' (the constraints allow no other)
        groups = auto_groups(feature_names)
    out, seen = [], np.zeros(n_features, dtype=bool)
    for members in groups:
        members = np.asarray(members)
        if members.ndim != 1 or len(members) == 0 or members.dtype.kind not in "iu":
            raise ValueError(
                "groups must be a list of non-empty lists of column indices, "
                f"got {members!r} among them."
            )
        if members.min() < 0 or members.max() >= n_features:
            raise ValueError(
                f"groups holds the index {int(members.max())}, out of range for "
                f"{n_features} features."
            )
        if seen[members].any() or len(set(members.tolist())) < len(members):
            raise ValueError("groups must not overlap: a feature is in two groups.")
        seen[members] = True
        out.append(members.astype(np.int64))
    out.extend(np.array([j]) for j in np.flatnonzero(~seen))
    return out


def feature_groups(
    groups, penalty_factor, n_features: int, feature_names=None
) -> tuple[FeatureGroups | None, list[np.ndarray] | None]:
    """The weighted groups of the L1 penalty (None: one per feature, weight
    one) and the groups as lists of feature indices (None without ``groups``).

    ``penalty_factor`` has one entry per feature or, with ``groups``, per group
    (in the order of the groups returned); entries are finite and
    non-negative.
    """
    if groups is None and penalty_factor is None:
        return None, None
    members = (
        [np.array([j]) for j in range(n_features)]
        if groups is None
        else _as_groups(groups, n_features, feature_names)
    )
    index = np.empty(n_features, dtype=np.int64)
    for g, m in enumerate(members):
        index[m] = g
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    factor = np.ones(len(members))
    if penalty_factor is not None:
        factor = np.asarray(penalty_factor, dtype=np.float64).ravel()
        if not np.all(np.isfinite(factor) & (factor >= 0)):
            raise ValueError("penalty_factor must hold finite, non-negative numbers.")
        if len(factor) == n_features and len(members) != n_features:
            per_group = factor[[m[0] for m in members]]
            if np.any(factor != per_group[index]):
                raise ValueError(
                    "penalty_factor given per feature must be equal within "
                    "each group; or give one per group."
                )
            factor = per_group
        elif len(factor) != len(members):
            raise ValueError(
                f"penalty_factor has {len(factor)} entries; expected one per "
                f"feature ({n_features})"
                + ("" if groups is None else f" or per group ({len(members)})")
                + "."
            )
    weights = factor * np.sqrt(sizes)
    return FeatureGroups(index, weights), (None if groups is None else members)


def estimator_groups(
    estimator, n_features: int, feature_names=None
) -> FeatureGroups | None:
    """The weighted groups of ``estimator``'s L1 penalty (None: plain), on
    columns named ``feature_names`` (None: its ``feature_names_in_``, if any).
    """
    params = estimator.get_params(deep=False)
    names = feature_names
    if names is None:
        names = getattr(estimator, "feature_names_in_", None)
    return feature_groups(
        params.get("groups"), params.get("penalty_factor"), n_features, names
    )[0]


def lasso_alpha_max(Xr: np.ndarray, n: float, groups: FeatureGroups | None) -> float:
    """The smallest alpha (``l1_ratio=1``) at which the linear model of
    ``Xr = X^T (w R)`` keeps no penalised group: ``max_g ||Xr_g||_F / (n w_g)``
    over the groups of positive weight.

    Unpenalised groups stay in, and their fit changes the residual; this uses
    the constant model's, as ``'auto'`` does for every model.
    """
    if not Xr.size:
        return 0.0
    squares = (Xr**2).sum(axis=1)
    if groups is None:
        return float(np.sqrt(squares.max()) / n)
    per_group = np.bincount(groups.index, squares, minlength=groups.n_groups)
    penalised = groups.weights > 0
    if not penalised.any():
        return 0.0
    return float((np.sqrt(per_group[penalised]) / groups.weights[penalised]).max() / n)
