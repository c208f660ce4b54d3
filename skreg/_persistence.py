"""A persistence format that never executes code from the file it loads.

``pickle`` and ``joblib`` rebuild objects by calling whatever the file names, so
loading an untrusted pickle runs arbitrary code. :func:`save` writes a fitted
skreg estimator as a NumPy ``.npz`` archive instead: plain numeric and string
arrays, read back with ``np.load(allow_pickle=False)``, plus one JSON document
with the estimator's class name, its hyperparameters and its fitted attributes.
:func:`load` only ever instantiates skreg's own public estimator classes, named in
the JSON and looked up in an allow-list, and rebuilds the network from its
hyperparameters; the file itself cannot name a function to call.

NumPy was chosen over safetensors because it needs no new dependency and also
stores what safetensors cannot: string class labels, integer and boolean arrays
of any shape, and scalars.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator

from ._modules import ACTIVATIONS

__all__ = ["save", "load", "InconsistentVersionWarning"]

FORMAT = "skreg-safe"
FORMAT_VERSION = 1
_HEADER = "__skreg__"
# Arrays the format stores as they are: booleans, numbers, fixed-width strings.
_ARRAY_KINDS = set("biufcUS")
# Runtime hooks and a warm start's solver state (see BaseNet.__getstate__),
# not model state: never saved.
_SKIP_ATTRIBUTES = {"_skl_callbacks", "_sklearn_version", "_solver_state"}


class InconsistentVersionWarning(UserWarning):
    """A model saved or pickled by another skreg version was loaded.

    Fitted state can change meaning between versions; refit the model with the
    installed version, or install the version it was saved with.
    """


def _skreg_version() -> str:
    from . import __version__

    return __version__


def _check_version(saved_version: str | None, what: str) -> None:
    """Warn when ``saved_version`` is not the installed skreg version."""
    current = _skreg_version()
    if saved_version != current:
        warnings.warn(
            f"Trying to load {what} saved by skreg {saved_version or 'unknown'} with "
            f"skreg {current}. This might lead to breaking code or invalid results; "
            "refit the model with the installed version, or install the version it "
            "was saved with.",
            InconsistentVersionWarning,
            stacklevel=3,
        )


def _estimator_classes() -> dict[str, type]:
    """Return the only classes :func:`load` may instantiate, by name."""
    import skreg

    classes = {}
    for name in skreg.__all__:
        obj = getattr(skreg, name)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator):
            classes[name] = obj
    return classes


class _Encoder:
    """Turn an estimator into a JSON tree plus named arrays."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, a: np.ndarray) -> dict:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = a if a.flags.c_contiguous else a.copy(order="C")
        return {"__array__": key}

    def value(self, v, where: str):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, np.generic) and v.dtype.kind in _ARRAY_KINDS:
            return {"__scalar__": self.array(np.asarray(v))}
        if isinstance(v, Integral):
            return int(v)
        if isinstance(v, Real):
            return float(v)
        if isinstance(v, np.ndarray):
            if v.dtype.kind in _ARRAY_KINDS:
                return self.array(v)
            if v.dtype == object and all(
                x is None or isinstance(x, (bool, str, Integral, Real)) for x in v.flat
            ):
                items = [self.value(x, where) for x in v.flat]
                return {"__object_array__": items, "shape": list(v.shape)}
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, where) for x in v]}
        if isinstance(v, list):
            return [self.value(x, where) for x in v]
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {
                "__dict__": {k: self.value(x, f"{where}[{k!r}]") for k, x in v.items()}
            }
        if isinstance(v, np.random.RandomState):
            name, keys, pos, has_gauss, cached = v.get_state()
            state = [name, self.array(keys), int(pos), int(has_gauss), float(cached)]
            return {"__random_state__": state}
        if isinstance(v, BaseEstimator):
            return self.estimator(v, where)
        raise TypeError(
            f"Cannot save {where} of type {type(v).__name__} in the safe format, "
            "which stores only numbers, strings, arrays, lists, tuples, dicts, "
            "RandomState instances and skreg estimators. Use pickle or joblib for "
            "such models."
        )

    def estimator(self, est: BaseEstimator, where: str) -> dict:
        name = type(est).__name__
        if _estimator_classes().get(name) is not type(est):
            raise TypeError(
                f"Cannot save {where}: {name} is not a skreg estimator; the safe "
                "format only stores skreg's own estimators."
            )
        params = est.get_params(deep=False)
        attributes = {}
        for attr, v in vars(est).items():
            if attr in params or attr in _SKIP_ATTRIBUTES:
                continue
            if attr == "module_":
                attributes[attr] = self.module(v)
            else:
                attributes[attr] = self.value(v, f"{where}.{attr}")
        return {
            "__estimator__": name,
            "params": {k: self.value(v, f"parameter {k!r}") for k, v in params.items()},
            "attributes": attributes,
        }

    def module(self, module: torch.nn.Module) -> dict:
        state = {
            k: self.array(t.detach().cpu().numpy())
            for k, t in module.state_dict().items()
        }
        # The non-linearity the weights were trained with, which the
        # parameters no longer tell after a set_params without a refit.
        fitted = {"activation": module.activation, "dropout": float(module.dropout)}
        return {"__module__": state, **fitted}


def _digest(tree: dict, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(json.dumps(tree, sort_keys=True).encode())
    for key in sorted(arrays):
        a = arrays[key]
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(estimator, path) -> None:
    """Save a fitted skreg estimator in a format that loads without running code.

    The file is a NumPy ``.npz`` archive of plain arrays (network weights and
    array-valued fitted attributes) plus a JSON document holding the class name,
    hyperparameters, scalar fitted attributes, the skreg version and a SHA-256
    checksum of the content. It is written to a temporary file first and moved
    into place, so an interrupted save never leaves a truncated file at ``path``.

    Parameters
    ----------
    estimator : skreg estimator
        The model to save, fitted or not. Nested skreg estimators (the
        ``estimator_`` of a CV estimator) are saved with it.
    path : str or path-like or binary file object
        Destination. No suffix is added.

    Raises
    ------
    TypeError
        If the estimator is not a skreg estimator, or holds a value the format
        cannot store (for example a cross-validation splitter object or a
        callable ``scoring``); pickle or joblib can store those.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_diabetes
    >>> import skreg
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = skreg.RidgeNet(hidden_layer_sizes=(), alpha=0.1).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "ridge.skreg")
    >>> skreg.save(model, path)
    >>> (skreg.load(path).predict(X) == model.predict(X)).all()
    np.True_
    """
    encoder = _Encoder()
    tree = encoder.estimator(estimator, "the estimator")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skreg_version": _skreg_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "estimator": tree,
        "sha256": _digest(tree, encoder.arrays),
    }
    blob = json.dumps(header).encode("utf-8")
    arrays = {_HEADER: np.frombuffer(blob, dtype=np.uint8), **encoder.arrays}
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


class _Decoder:
    """Rebuild an estimator from the JSON tree and the arrays.

    Every value is checked; only allow-listed skreg classes are instantiated.
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.classes = _estimator_classes()

    def array(self, ref) -> np.ndarray:
        if not isinstance(ref, dict) or ref.get("__array__") not in self.arrays:
            raise ValueError(f"refers to a missing array: {ref!r}")
        return self.arrays[ref["__array__"]]

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict) or len(v) == 0:
            raise ValueError(f"unexpected value {v!r}")
        if "__array__" in v:
            return self.array(v)
        if "__scalar__" in v:
            a = self.array(v["__scalar__"])
            if a.shape != ():
                raise ValueError(f"a scalar has shape {a.shape}")
            return a[()]
        if "__object_array__" in v:
            items = [self.value(x) for x in v["__object_array__"]]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(v["shape"])
        if "__tuple__" in v:
            return tuple(self.value(x) for x in v["__tuple__"])
        if "__dict__" in v:
            return {str(k): self.value(x) for k, x in v["__dict__"].items()}
        if "__random_state__" in v:
            name, keys, pos, has_gauss, cached = v["__random_state__"]
            rng = np.random.RandomState()
            rng.set_state((name, self.array(keys), pos, has_gauss, cached))
            return rng
        if "__estimator__" in v:
            return self.estimator(v)
        raise ValueError(f"unexpected value {v!r}")

    def estimator(self, tree: dict) -> BaseEstimator:
        name = tree.get("__estimator__")
        if name not in self.classes:
            raise ValueError(f"names {name!r}, which is not a skreg estimator")
        est = self.classes[name]()
        params = {k: self.value(x) for k, x in tree["params"].items()}
        if set(params) != set(est.get_params(deep=False)):
            raise ValueError(
                f"holds parameters {sorted(params)} that {name} does not have"
            )
        est.set_params(**params)
        est._validate_params()
        module = None
        for attr, x in tree["attributes"].items():
            if (
                not attr.isidentifier()
                or attr.startswith("__")
                or hasattr(type(est), attr)
            ):
                raise ValueError(f"sets the attribute {attr!r} of {name}")
            if attr == "module_":
                module = x
            else:
                setattr(est, attr, self.value(x))
        if module is not None:
            est.module_ = self.module(est, module)
        return est

    def module(self, est, tree: dict) -> torch.nn.Module:
        if not isinstance(tree, dict) or not isinstance(tree.get("__module__"), dict):
            raise ValueError("holds no network weights")
        state = {k: self.array(ref) for k, ref in tree["__module__"].items()}
        dtypes = {a.dtype for a in state.values()}
        if len(dtypes) != 1 or dtypes.pop() not in (np.float32, np.float64):
            raise ValueError("holds weights that are not all float32 or all float64")
        if not all(np.isfinite(a).all() for a in state.values()):
            raise ValueError("holds non-finite network weights")
        shape = getattr(est, "_module_shape", None)
        if not (
            isinstance(shape, tuple)
            and len(shape) == 3
            and all(
                isinstance(s, int) and s > 0 for s in (shape[0], shape[1], *shape[2])
            )
        ):
            raise ValueError(f"describes the network as {shape!r}")
        if getattr(est, "n_features_in_", shape[0]) != shape[0]:
            raise ValueError(f"describes a network for {shape[0]} features")
        module = est._build_module(*shape)
        # Files written before the module's own settings were saved: the
        # parameters' (the same unless set_params followed the fit).
        activation = tree.get("activation", module.activation)
        dropout = tree.get("dropout", module.dropout)
        if activation not in ACTIVATIONS or not (
            isinstance(dropout, float) and 0.0 <= dropout < 1.0
        ):
            raise ValueError(
                f"describes the network with activation={activation!r} and "
                f"dropout={dropout!r}"
            )
        module.configure(activation, dropout)
        expected = {k: tuple(t.shape) for k, t in module.state_dict().items()}
        if expected != {k: a.shape for k, a in state.items()}:
            raise ValueError(
                "holds weights whose names or shapes do not match the network "
                f"described by its parameters ({expected})"
            )
        f64 = next(iter(state.values())).dtype == np.float64
        module = module.to(dtype=torch.float64 if f64 else torch.float32)
        module.load_state_dict(
            {k: torch.from_numpy(a.copy()) for k, a in state.items()}
        )
        return module.eval()


def load(path):
    """Load an estimator written by :func:`save` without executing code from it.

    Only skreg's public estimator classes can be created; the network is rebuilt
    from the saved hyperparameters and filled with the saved weights, on the CPU.
    Every array is read with ``allow_pickle=False``.

    Parameters
    ----------
    path : str or path-like or binary file object
        A file written by :func:`save`.

    Returns
    -------
    estimator : skreg estimator
        The saved model, predicting exactly as it did when saved.

    Raises
    ------
    ValueError
        If the file is not a skreg file, is truncated or corrupted, fails its
        checksum (it was modified after saving), or describes an invalid model.

    Warns
    -----
    InconsistentVersionWarning
        If the file was written by another skreg version.

    See Also
    --------
    save : Write the file.
    """
    where = "the file object" if hasattr(path, "read") else repr(os.fspath(path))
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("it is not a file written by skreg.save")
        with npz:
            if _HEADER not in npz.files:
                raise ValueError("it is not a file written by skreg.save")
            arrays = {k: npz[k] for k in npz.files}
        header = json.loads(arrays.pop(_HEADER).tobytes().decode("utf-8"))
    except (zipfile.BadZipFile, EOFError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"Cannot load {where}: it is truncated or corrupted ({exc})."
        ) from exc
    except ValueError as exc:  # json.JSONDecodeError included
        raise ValueError(f"Cannot load {where}: {exc}.") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(
            f"Cannot load {where}: it is not a file written by skreg.save."
        )
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"Cannot load {where}: format version {header.get('format_version')!r} "
            f"is not supported by skreg {_skreg_version()} (it reads version "
            f"{FORMAT_VERSION})."
        )
    tree = header.get("estimator")
    if header.get("sha256") != _digest(tree, arrays):
        raise ValueError(
            f"Cannot load {where}: its checksum does not match its content, so it "
            "was modified or corrupted after it was saved."
        )
    _check_version(header.get("skreg_version"), "a model")
    try:
        return _Decoder(arrays).estimator(tree)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"Cannot load {where}: the file {exc}.") from exc
