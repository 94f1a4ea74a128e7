"""Every constructor parameter is checked at fit time; errors name it, the value and the rule."""

import inspect
import math
import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from fastsgd import SGDRegressor

NAN = float("nan")
INF = float("inf")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.3


# (parameter, bad value, a fragment of the allowed-values description)
BAD = [
    ("eta0", 0, "range (0.0, inf)"),
    ("eta0", 0.0, "range (0.0, inf)"),
    ("eta0", -0.1, "range (0.0, inf)"),
    ("eta0", NAN, "range (0.0, inf)"),
    ("eta0", INF, "range (0.0, inf)"),
    ("eta0", np.float64(NAN), "range (0.0, inf)"),
    ("eta0", True, "not a bool"),
    ("eta0", "0.1", "a float"),
    ("eta0", 0.1 + 0j, "a float"),
    ("eta0", [0.1], "a float"),
    ("alpha", -1e-4, "range [0.0, inf)"),
    ("alpha", NAN, "range [0.0, inf)"),
    ("alpha", INF, "range [0.0, inf)"),
    ("alpha", False, "not a bool"),
    ("power_t", -0.25, "range [0.0, inf)"),
    ("power_t", NAN, "range [0.0, inf)"),
    ("power_t", True, "not a bool"),
    ("batch_size", 0, "range [1, inf)"),
    ("batch_size", -3, "range [1, inf)"),
    ("batch_size", 2.0, "an int"),
    ("batch_size", 2.5, "an int"),
    ("batch_size", NAN, "an int"),
    ("batch_size", "half", "among {'full'}"),
    ("batch_size", "FULL", "among {'full'}"),
    ("batch_size", True, "not a bool"),
    ("batch_size", False, "not a bool"),
    ("batch_size", None, "an int"),
    ("max_iter", 0, "range [1, inf)"),
    ("max_iter", -5, "range [1, inf)"),
    ("max_iter", 10.0, "an int"),
    ("max_iter", True, "not a bool"),
    ("n_iter_no_change", 0, "range [1, inf)"),
    ("n_iter_no_change", True, "not a bool"),
    ("tol", -1e-3, "range [0.0, inf)"),
    ("tol", NAN, "range [0.0, inf)"),
    ("tol", True, "not a bool"),
    ("optimizer", "adam", "'sgd'"),
    ("optimizer", None, "'adagrad'"),
    ("learning_rate", "fast", "'invscaling'"),
    ("learning_rate", 0.01, "'constant'"),
    ("loss", "hinge", "'squared_error'"),
    ("loss", None, "'squared_error'"),
    ("penalty", "l3", "'l2'"),
    ("penalty", "none", "'l2'"),
    ("eps", -1e-10, "range [0.0, inf)"),
    ("eps", NAN, "range [0.0, inf)"),
    ("eps", True, "not a bool"),
    ("initial_accumulator_value", -0.1, "range [0.0, inf)"),
    ("initial_accumulator_value", NAN, "range [0.0, inf)"),
    ("initial_accumulator_value", INF, "range [0.0, inf)"),
    ("fit_intercept", "yes", "'bool'"),
    ("fit_intercept", 1, "'bool'"),
    ("shuffle", None, "'bool'"),
    ("scale", 1, "'bool'"),
    ("warm_start", "no", "'bool'"),
    ("verbose", -1, "range [0, inf)"),
    ("random_state", "seed", "RandomState"),
    ("random_state", 1.5, "RandomState"),
    ("random_state", -1, "RandomState"),
    ("l1_ratio", NAN, "range [0.0, 1.0]"),
    ("l1_ratio", 1.5, "range [0.0, 1.0]"),
    ("epsilon", NAN, "range [0.0, inf)"),
    ("epsilon", -0.1, "range [0.0, inf)"),
    ("validation_fraction", NAN, "range (0.0, 1.0)"),
    ("validation_fraction", 1.0, "range (0.0, 1.0)"),
    ("early_stopping", "no", "'bool'"),
    ("average", -1, "range [0, inf)"),
]


@pytest.mark.parametrize("name, value, allowed", BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_parameter_is_named_with_value_and_rule(data, name, value, allowed, method):
    X, y = data
    est = SGDRegressor(**{name: value})
    with pytest.raises(InvalidParameterError) as info:
        getattr(est, method)(X, y)
    message = str(info.value)
    assert f"'{name}' parameter" in message
    assert f"Got {value!r} instead" in message
    assert allowed in message
    assert not hasattr(est, "coef_")
    # InvalidParameterError is both: callers catching either see it.
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


# scikit-learn options fastsgd accepts but does not implement: the default only.
RESERVED = [
    ("loss", "huber"), ("loss", "epsilon_insensitive"),
    ("loss", "squared_epsilon_insensitive"), ("penalty", "l1"), ("penalty", "elasticnet"),
    ("learning_rate", "pa1"), ("learning_rate", "pa2"), ("l1_ratio", 0.5),
    ("epsilon", 0.2), ("early_stopping", True), ("validation_fraction", 0.2),
    ("average", True), ("average", 10),
]


@pytest.mark.parametrize("name, value", RESERVED)
def test_reserved_scikit_learn_option_says_not_implemented(data, name, value):
    with pytest.raises(ValueError, match=rf"{name}={re.escape(repr(value))} is not implemented"):
        SGDRegressor(**{name: value}).fit(*data)


def test_alpha_zero_with_optimal_schedule_is_refused(data):
    with pytest.raises(ValueError, match="alpha must be > 0 with learning_rate='optimal'"):
        SGDRegressor(alpha=0.0, learning_rate="optimal").fit(*data)


GOOD = [
    ("eta0", np.float32(0.05)), ("alpha", 0), ("alpha", np.float64(1e-3)), ("power_t", 0),
    ("batch_size", np.int64(4)), ("batch_size", "full"), ("max_iter", np.int32(3)),
    ("eps", 0), ("initial_accumulator_value", 0.1), ("tol", None), ("tol", 0),
    ("penalty", None), ("verbose", False), ("fit_intercept", np.True_),
    ("random_state", np.random.default_rng(1)), ("random_state", np.random.RandomState(1)),
    ("l1_ratio", np.float64(0.15)), ("average", 0), ("average", False),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name, value", GOOD, ids=[f"{n}={v!r}" for n, v in GOOD])
def test_numpy_scalars_and_edge_values_are_accepted(data, name, value):
    params = {"max_iter": 3, "tol": None}
    params[name] = value
    est = SGDRegressor(**params)
    est.fit(*data)
    assert np.all(np.isfinite(est.coef_))


def test_every_constructor_parameter_has_a_constraint():
    names = set(inspect.signature(SGDRegressor.__init__).parameters) - {"self"}
    assert names == set(SGDRegressor._parameter_constraints)


def test_parameters_are_checked_at_fit_not_in_the_constructor(data):
    est = SGDRegressor(eta0=-1.0)          # scikit-learn convention: no checks in __init__
    assert est.eta0 == -1.0
    est.set_params(eta0=0.1)
    est.fit(*data)
    est.set_params(eta0=math.nan)
    with pytest.raises(ValueError, match="eta0"):
        est.fit(*data)
