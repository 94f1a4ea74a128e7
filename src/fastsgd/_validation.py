"""Argument and array checks of the Python layer (the kernels never validate)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, validate_data

FLOAT_DTYPES = (np.float64, np.float32)

# scikit-learn SGDRegressor parameters accepted so that code written for it runs; fastsgd
# does not implement them yet, so only their scikit-learn default is allowed.
RESERVED_DEFAULTS = {
    "l1_ratio": 0.15,
    "epsilon": 0.1,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "average": False,
}

# Values scikit-learn gives a meaning to, that fastsgd does not implement yet.
RESERVED_VALUES = {
    "loss": {"huber", "epsilon_insensitive", "squared_epsilon_insensitive"},
    "penalty": {"l1", "elasticnet"},
    "learning_rate": {"pa1", "pa2"},
}


class NumberNotBool(Interval):
    """scikit-learn's Interval without True/False.

    ``bool`` is a subclass of ``int``, so ``Interval(Integral, 1, None)`` accepts
    ``batch_size=True`` and ``Interval(Real, 0, None)`` accepts ``eta0=True``: almost always
    a slip (a flag passed to the wrong argument), never a meaningful rate or count.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self):
        return f"{super().__str__()} (not a bool)"


def without_bools(constraints: dict) -> dict:
    """The constraints with every numeric Interval replaced by a NumberNotBool.

    Applied once to the estimator's ``_parameter_constraints``; "boolean" constraints
    (for example ``average``'s) still accept booleans where they are meant.
    """
    def convert(c):
        if isinstance(c, Interval) and not isinstance(c, NumberNotBool):
            return NumberNotBool(c.type, c.left, c.right, closed=c.closed)
        return c

    return {name: [convert(c) for c in cs] for name, cs in constraints.items()}


def _is_default(value, default) -> bool:
    if isinstance(default, bool):
        # average=0 means "off" to scikit-learn, as average=False does.
        return isinstance(value, (bool, np.bool_, Integral)) and bool(value) is default
    # np.float64(0.15) (say, from a parameter grid) is the default too; True is not 0.15.
    return (isinstance(value, Real) and not isinstance(value, (bool, np.bool_))
            and value == default)


def check_not_reserved(estimator) -> None:
    """Raise ValueError for a scikit-learn option that fastsgd does not implement yet."""
    name = type(estimator).__name__
    for param, default in RESERVED_DEFAULTS.items():
        value = getattr(estimator, param)
        if not _is_default(value, default):
            raise ValueError(
                f"{name}: {param}={value!r} is not implemented by fastsgd yet; it is "
                f"accepted only with scikit-learn's default {default!r}."
            )
    for param, values in RESERVED_VALUES.items():
        value = getattr(estimator, param)
        if isinstance(value, str) and value in values:
            raise ValueError(
                f"{name}: {param}={value!r} is not implemented by fastsgd yet "
                f"(scikit-learn's SGDRegressor has it)."
            )


def check_xy(estimator, X, y, *, reset: bool, dtype=None):
    """Validate X and y for training.

    Returns X as a C-contiguous float32 or float64 array (the caller's own array when it
    already is one: no copy) and y as a contiguous 1-D array of the same dtype.  With
    ``dtype`` given (continued training of a model of that dtype), X is converted to it.
    A SciPy sparse X comes back as canonical CSR (see ``canonical_csr``).
    """
    X = _numeric_input(X, "X")
    y = _numeric_input(y, "y")
    X, y = validate_data(
        estimator, X, y,
        reset=reset,
        accept_sparse="csr",
        dtype=list(FLOAT_DTYPES) if dtype is None else dtype,
        order="C",
        copy=False,
        y_numeric=True,
        multi_output=False,
    )
    with np.errstate(over="ignore"):
        y_cast = np.ascontiguousarray(y, dtype=X.dtype)
    if not np.all(np.isfinite(y_cast)):     # y was checked finite: the cast overflowed
        raise ValueError(
            f"y holds values too large for {X.dtype}, the dtype of X in which the model "
            f"is trained (largest |y|: {np.max(np.abs(y)):.6g}); pass X as float64, or "
            "rescale y."
        )
    if issparse(X):
        X = canonical_csr(X)
    return X, y_cast


def _numeric_input(value, name: str):
    """Turn away, with a message naming ``name``, data that cannot be read as numbers.

    scikit-learn's own messages for these cases do not say which argument is at fault
    ("could not convert string to float: 'a'"), or they print the whole array.  NumPy
    arrays pass through untouched (no copy); a nested list becomes an array here, once.
    Object arrays are converted here, once, so that a non-number is reported with its
    argument's name.  Anything else (sparse matrices, DataFrames, None) is left to
    scikit-learn's checks.
    """
    if value is None and name == "X":
        raise ValueError("X is None; pass a 2-D array-like of shape (n_samples, n_features).")
    if issparse(value):
        return value
    if isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array-like of numbers; got a {type(value).__name__}.")
    if getattr(value, "ndim", None) == 1 and hasattr(value, "to_numpy"):
        value = value.to_numpy()        # a pandas Series: its name plays no part
    if hasattr(value, "columns") and hasattr(value, "dtypes"):
        _check_frame(value, name)
        return value
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except ValueError as exc:
            raise ValueError(
                f"{name} is a nested sequence whose rows have different lengths (ragged); "
                f"every row must have the same number of values. ({exc})"
            ) from None
    if type(value) is not np.ndarray and not isinstance(value, np.memmap):
        return value
    kind = value.dtype.kind
    if kind in "USV":
        raise ValueError(
            f"{name} holds strings or raw records (dtype {value.dtype}); fastsgd fits "
            f"numbers: convert {name} explicitly (e.g. {name}.astype(float)) or encode "
            "categories first (sklearn.preprocessing.OneHotEncoder)."
        )
    if kind == "c":
        raise ValueError(
            f"{name} is complex (dtype {value.dtype}). Complex data not supported: "
            f"fastsgd fits real numbers. Pass {name}.real if the imaginary part carries "
            "nothing, or split real and imaginary parts into separate features."
        )
    if kind in "mM":
        raise ValueError(
            f"{name} holds dates or durations (dtype {value.dtype}); convert them to "
            "numbers first (for example seconds since a reference time)."
        )
    if kind == "O":
        try:
            return value.astype(np.float64)
        except (TypeError, ValueError) as exc:
            # Same exception type and the original text kept: callers (and scikit-learn's
            # estimator checks) match on both.
            raise type(exc)(
                f"{name} has dtype object and holds a value that is not a number: {exc}. "
                f"Convert {name} to numbers first (pandas.to_numeric, or "
                "sklearn.preprocessing.OneHotEncoder for categories)."
            ) from None
    return value


def _check_frame(frame, name: str) -> None:
    """Name the first DataFrame column that cannot be read as numbers."""
    for column, dtype in frame.dtypes.items():
        kind = getattr(dtype, "kind", "O")
        if kind in "biuf":
            continue
        if kind == "c":
            raise ValueError(f"{name} column {column!r} is complex (dtype {dtype}). "
                             "Complex data not supported: fastsgd fits real numbers.")
        try:
            np.asarray(frame[column], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{name} column {column!r} (dtype {dtype}) holds a value that is not a "
                f"number: {exc}. Convert it (pandas.to_numeric) or encode it "
                "(sklearn.preprocessing.OneHotEncoder) first."
            ) from None


def canonical_csr(X):
    """X (CSR) with sorted, duplicate-free indices, and indices and indptr of one dtype.

    The caller's matrix itself when it already is so (no copy); otherwise a copy is fixed
    (duplicates summed), never the caller's matrix.
    """
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    if X.indices.dtype != X.indptr.dtype:
        X = X.copy()
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    return X


def check_weights(sample_weight, X) -> np.ndarray:
    """Sample weights as a contiguous array of X's dtype (ones when None)."""
    if sample_weight is not None:
        sample_weight = _numeric_input(sample_weight, "sample_weight")
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return np.ascontiguousarray(sw)


def check_init(value, shape: tuple[int, ...], name: str, dtype) -> np.ndarray:
    """coef_init / intercept_init: the right shape, finite, as an array of ``dtype``."""
    try:
        arr = np.asarray(value, dtype=np.float64).reshape(-1) if np.ndim(value) else (
            np.asarray([value], dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name} must be numbers of shape {shape}: {exc}") from None
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {np.shape(value)}; expected {shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr.astype(dtype)


def check_statistics(mean, std, inv_std) -> None:
    """scale=True: the feature statistics and their reciprocal must be finite doubles."""
    bad = ~(np.isfinite(mean) & np.isfinite(std) & np.isfinite(inv_std))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"scale=True cannot standardize feature {j} of X: its mean ({mean[j]:.6g}) or "
            f"standard deviation ({std[j]:.6g}) is beyond the range of float64 or its "
            "reciprocal is.  Rescale X (for example divide it by a power of ten) first."
        )


def check_reported_model(coef, intercept) -> None:
    """The coefficients in original units must be representable in the model's dtype."""
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError(
            f"Training finished, but the coefficients in the units of X are not finite in "
            f"{coef.dtype} (the scaled-space model is, the conversion back overflows). "
            "Rescale X, or pass it as float64 if it is float32."
        )
