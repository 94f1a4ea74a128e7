"""Argument and array checks of the Python layer (the kernels never validate)."""

from __future__ import annotations

import numpy as np
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


def check_not_reserved(estimator) -> None:
    """Raise ValueError for a scikit-learn option that fastsgd does not implement yet."""
    name = type(estimator).__name__
    for param, default in RESERVED_DEFAULTS.items():
        value = getattr(estimator, param)
        if value != default or type(value) is not type(default):
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
    """
    X, y = validate_data(
        estimator, X, y,
        reset=reset,
        accept_sparse=False,
        dtype=list(FLOAT_DTYPES) if dtype is None else dtype,
        order="C",
        copy=False,
        y_numeric=True,
        multi_output=False,
    )
    y = np.ascontiguousarray(y, dtype=X.dtype)
    return X, y


def check_weights(sample_weight, X) -> np.ndarray:
    """Sample weights as a contiguous array of X's dtype (ones when None)."""
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return np.ascontiguousarray(sw)


def check_init(value, shape: tuple[int, ...], name: str, dtype) -> np.ndarray:
    """coef_init / intercept_init: the right shape, finite, as an array of ``dtype``."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1) if np.ndim(value) else np.asarray(
        [value], dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {np.shape(value)}; expected {shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr.astype(dtype)
