"""Bad data gets a ValueError or TypeError that says what is wrong and what to do."""

import re
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _kernel_recorder import install

from fastsgd import SGDRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
Y = X @ np.array([1.0, 2.0, 3.0]) + 0.5


def _with(a, idx, value):
    a = a.astype(np.float64).copy()
    a[idx] = value
    return a


# (case, X, y, exception, pattern the message must contain)
BAD_DATA = [
    ("X has NaN", _with(X, (3, 1), np.nan), Y, ValueError, "Input X contains NaN"),
    ("X has inf", _with(X, (3, 1), np.inf), Y, ValueError, "Input X contains infinity"),
    ("X has -inf", _with(X, (0, 0), -np.inf), Y, ValueError, "Input X contains infinity"),
    ("y has NaN", X, _with(Y, 2, np.nan), ValueError, "Input y contains NaN"),
    ("y has inf", X, _with(Y, 2, np.inf), ValueError, "Input y contains infinity"),
    ("float32 X has inf", np.full((20, 2), np.inf, dtype=np.float32), Y, ValueError,
     "Input X contains infinity"),
    ("X 1-D", X[:, 0], Y, ValueError, r"Expected 2D array, got 1D array.*reshape\(-1, 1\)"),
    ("X 3-D", X.reshape(20, 3, 1), Y, ValueError, "Found array with dim 3"),
    ("X scalar", 3.0, Y, ValueError, "Expected 2D array, got scalar"),
    ("X None", None, Y, ValueError, "X is None"),
    ("y None", X, None, ValueError, "requires y to be passed"),
    ("y 2 columns", X, np.c_[Y, Y], ValueError, r"y should be a 1d array.*\(20, 2\)"),
    ("y 0-D", X, 1.0, ValueError, "y should be a 1d array"),
    ("rows differ", X, Y[:-1], ValueError, r"inconsistent numbers of samples: \[20, 19\]"),
    ("zero rows", X[:0], Y[:0], ValueError, "0 sample"),
    ("zero columns", X[:, :0], Y, ValueError, "0 feature"),
    ("object X with a string", np.array([["a", 1.0, 2.0]] * 20, dtype=object), Y,
     ValueError, "X has dtype object and holds a value that is not a number.*'a'"),
    ("object X with None", np.array([[None, 1.0, 2.0]] * 20, dtype=object), Y,
     ValueError, "Input X contains NaN"),          # None is read as missing, as pandas does
    ("object X with a dict", np.array([[{"a": 1}, 1.0, 2.0]] * 20, dtype=object), Y,
     TypeError, "X has dtype object.*argument must be a string or a real number"),
    ("object y with a string", X, np.array(["x"] + [1.0] * 19, dtype=object), ValueError,
     "y has dtype object"),
    ("string X", X.astype(str), Y, ValueError, r"X holds strings.*X\.astype\(float\)"),
    ("bytes X", X.astype("S8"), Y, ValueError, "X holds strings"),
    ("string y", X, Y.astype(str), ValueError, "y holds strings"),
    ("complex X", X + 1j, Y, ValueError, r"X is complex.*X\.real"),
    ("complex y", X, Y + 0j, ValueError, "y is complex"),
    ("datetime X", np.zeros((20, 3), dtype="datetime64[s]"), Y, ValueError,
     "X holds dates or durations"),
    ("structured X", np.zeros(20, dtype=[("a", "f8"), ("b", "f8")]), Y, ValueError,
     "X holds strings or raw records"),
    ("ragged list X", [[1.0, 2.0], [3.0]] * 10, Y, ValueError, "X is a nested sequence.*ragged"),
    ("ragged list y", X, [[1.0], [2.0, 3.0]] * 10, ValueError, "y is a nested sequence.*ragged"),
    ("dict X", {"a": [1.0]}, Y, TypeError, "X must be an array-like of numbers; got a dict"),
    ("string as X", "data.csv", Y, TypeError, "X must be an array-like of numbers; got a str"),
    ("np.matrix X", np.asmatrix(X), Y, TypeError, "np.matrix is not supported"),
    ("DataFrame with a category column",
     pd.DataFrame({"a": pd.Categorical(["u", "v"] * 10), "b": X[:, 1]}), Y, ValueError,
     "X column 'a' \\(dtype category\\) holds a value that is not a number.*OneHotEncoder"),
    ("DataFrame with a string column", pd.DataFrame({"a": ["1.0"] * 19 + ["n/a"], "b": X[:, 1]}),
     Y, ValueError, "X column 'a'.*'n/a'"),
    ("DataFrame with a missing Int64", pd.DataFrame(
        {"a": pd.array([1, None] * 10, dtype="Int64"), "b": X[:, 1]}), Y, ValueError,
     "Input X contains NaN"),
    ("DataFrame with a complex column", pd.DataFrame({"a": X[:, 0] + 1j, "b": X[:, 1]}), Y,
     ValueError, "X column 'a' is complex"),
    ("Series y of strings", X, pd.Series(["a"] * 20), ValueError, "y has dtype object"),
]


@pytest.mark.parametrize("case, Xb, yb, exc, pattern", BAD_DATA, ids=[c[0] for c in BAD_DATA])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_data_is_refused_with_a_message(case, Xb, yb, exc, pattern, method):
    est = SGDRegressor()
    with pytest.raises(exc, match=re.compile(pattern, re.DOTALL)) as info:
        getattr(est, method)(Xb, yb)
    # Actionable, not a wall of numbers: scikit-learn's "Complex data not supported"
    # message used to print the whole array.
    assert len(str(info.value)) < 1000, str(info.value)
    assert not hasattr(est, "coef_")


def test_sparse_input_is_left_to_the_sparse_path():
    """Our checks do not turn sparse matrices away on their own (scikit-learn's do, or the
    sparse kernels accept them): whichever it is, the answer is a clear one."""
    Xs = sp.csr_matrix(X)
    try:
        est = SGDRegressor(max_iter=2, tol=None).fit(Xs, Y)
    except TypeError as exc:
        assert "parse" in str(exc)         # "Sparse data was passed ... dense data is required"
    else:
        assert np.all(np.isfinite(est.coef_))


BAD_WEIGHTS = [
    ("too short", np.ones(19), ValueError, r"sample_weight.shape == \(19,\), expected \(20,\)"),
    ("too long", np.ones(21), ValueError, r"sample_weight.shape == \(21,\)"),
    ("NaN", _with(np.ones(20), 4, np.nan), ValueError, "Input sample_weight contains NaN"),
    ("inf", _with(np.ones(20), 4, np.inf), ValueError, "Input sample_weight contains infinity"),
    ("2-D", np.ones((20, 2)), ValueError, "Sample weights must be 1D array or scalar"),
    ("strings", np.array(["1"] * 20), ValueError, "sample_weight holds strings"),
    ("complex", np.ones(20) + 1j, ValueError, "sample_weight is complex"),
    ("object with None", np.array([None] * 20, dtype=object), ValueError,
     "Input sample_weight contains NaN"),
    ("object with a string", np.array(["w"] * 20, dtype=object), ValueError,
     "sample_weight has dtype object and holds a value that is not a number"),
]


@pytest.mark.parametrize("case, sw, exc, pattern", BAD_WEIGHTS, ids=[c[0] for c in BAD_WEIGHTS])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_sample_weight(case, sw, exc, pattern, method):
    with pytest.raises(exc, match=pattern):
        getattr(SGDRegressor(), method)(X, Y, sample_weight=sw)


BAD_INIT = [
    ("coef_init", np.ones(4), ValueError, r"coef_init has shape \(4,\); expected \(3,\)"),
    ("coef_init", np.ones((2, 2)), ValueError, r"coef_init has shape \(2, 2\); expected \(3,\)"),
    ("coef_init", 1.0, ValueError, r"coef_init has shape \(\); expected \(3,\)"),
    ("coef_init", [np.nan, 1.0, 1.0], ValueError, "coef_init contains NaN or infinity"),
    ("coef_init", ["a", "b", "c"], ValueError, r"coef_init must be numbers of shape \(3,\)"),
    ("intercept_init", [1.0, 2.0], ValueError, r"intercept_init has shape \(2,\); expected"),
    ("intercept_init", np.inf, ValueError, "intercept_init contains NaN or infinity"),
    ("intercept_init", None + 1j if False else "x", ValueError, "intercept_init must be numbers"),
]


@pytest.mark.parametrize("name, value, exc, pattern", BAD_INIT)
def test_bad_initial_values(name, value, exc, pattern):
    with pytest.raises(exc, match=pattern):
        SGDRegressor().fit(X, Y, **{name: value})


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_, np.float16, object])
def test_integer_and_boolean_X_reach_the_kernel_as_float64(monkeypatch, dtype):
    recorder = install(monkeypatch)
    Xi = (X * 3).astype(dtype)
    yi = np.round(Y).astype(np.int64)
    est = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(Xi, yi)
    seen = recorder.calls[0]
    assert seen["X"].dtype == np.float64 and seen["X"].flags.c_contiguous
    assert seen["y"].dtype == np.float64
    np.testing.assert_array_equal(seen["X"], Xi.astype(np.float64))
    ref = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(
        Xi.astype(np.float64), yi.astype(np.float64))
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    assert est.coef_.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.int32])
def test_integer_X_is_converted_only_once(dtype):
    """Peak traced memory of a fit is one float64 copy of X, not two."""
    Xi = RNG.integers(0, 2, size=(40_000, 25)).astype(dtype)
    yi = RNG.normal(size=40_000)
    est = SGDRegressor(max_iter=1, tol=None)
    float_copy = Xi.shape[0] * Xi.shape[1] * 8
    tracemalloc.start()
    try:
        est.fit(Xi, yi)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert float_copy <= peak < 1.5 * float_copy, (peak, float_copy)


def test_float_input_is_not_copied(monkeypatch):
    recorder = install(monkeypatch)
    for dtype in (np.float64, np.float32):
        Xf = np.ascontiguousarray(X, dtype=dtype)
        SGDRegressor(max_iter=2, tol=None).fit(Xf, Y)
        assert np.shares_memory(recorder.calls[-1]["X"], Xf)
        assert recorder.calls[-1]["X"].dtype == dtype


def test_dataframe_keeps_feature_names_and_mismatches_are_reported():
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    est = SGDRegressor(max_iter=5, tol=None, random_state=0).fit(df, Y)
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c"])
    assert est.n_features_in_ == 3
    expected = X @ est.coef_ + est.intercept_[0]
    np.testing.assert_allclose(est.predict(df), expected, rtol=1e-12)

    # As scikit-learn: a plain array after a DataFrame (and the reverse) warns ...
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X)
    plain = SGDRegressor(max_iter=5, tol=None).fit(X, Y)
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but SGDRegressor was fitted"):
        plain.predict(df)
    # ... and different or reordered names are an error, in predict and in partial_fit.
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- z"):
        est.predict(df.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="must be in the same order"):
        est.predict(df[["c", "b", "a"]])
    pf = SGDRegressor().partial_fit(df, Y)
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        pf.partial_fit(df.rename(columns={"b": "q"}), Y)


def test_dataframe_of_numbers_in_object_columns_is_accepted():
    df = pd.DataFrame({"a": X[:, 0].astype(object), "b": [str(v) for v in X[:, 1]]})
    est = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(df, Y)
    ref = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(X[:, :2], Y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-12)


def test_wrong_number_of_features_later():
    est = SGDRegressor(max_iter=3, tol=None).fit(X, Y)
    with pytest.raises(ValueError, match="X has 2 features, but SGDRegressor is expecting 3"):
        est.predict(X[:, :2])
    with pytest.raises(ValueError, match="X has 2 features, but SGDRegressor is expecting 3"):
        est.partial_fit(X[:, :2], Y)
    warm = SGDRegressor(max_iter=3, tol=None, warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="warm_start=True but X has 2 features"):
        warm.fit(X[:, :2], Y)


# Finite input whose numbers leave the representable range on the way to the kernel, or
# back from it: each an error that says so, never an inf or NaN passed on in silence.
def test_y_too_large_for_float32_training():
    with pytest.raises(ValueError, match="y holds values too large for float32"):
        SGDRegressor().fit(np.ones((3, 2), np.float32), np.array([1e39, 0.0, 0.0]))


def test_scale_statistics_that_overflow():
    Xo = np.array([[1.5e154], [0.0], [0.0], [0.0], [0.0]])
    with pytest.raises(ValueError, match="scale=True cannot standardize feature 0"):
        SGDRegressor(scale=True).fit(Xo, np.zeros(5))
    # Without scaling the same data is a plain divergence (the loss overflows).
    with pytest.raises(ValueError):
        SGDRegressor().fit(Xo, np.ones(5))


def test_coef_init_too_large_for_float32():
    with pytest.raises(ValueError, match="starting coefficients .* not finite"):
        SGDRegressor().fit(np.ones((3, 2), np.float32), np.zeros(3), coef_init=[1e39, 0.0])


def test_coefficients_that_overflow_when_reported_in_original_units():
    # std 5e-31: the standardized model is fine, w / s exceeds float32.
    Xs = np.array([[0.0], [1e-30]] * 5, dtype=np.float32)
    ys = np.array([0.0, 1e10] * 5)
    est = SGDRegressor(optimizer="adagrad", eta0=1e9, learning_rate="constant", scale=True,
                       max_iter=5, tol=None)
    with pytest.raises(ValueError, match="coefficients in the units of X are not finite"):
        est.fit(Xs, ys)
    assert not hasattr(est, "coef_")


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_float64_coefficients_that_overflow_in_original_units():
    """Found by the fuzz test: a huge sample weight on a feature of std 5e-21."""
    est = SGDRegressor(alpha=0.0, batch_size="full", eps=0.0, eta0=1e-12, fit_intercept=False,
                       max_iter=1, power_t=0.0, random_state=0, scale=True, shuffle=False,
                       tol=None)
    with pytest.raises(ValueError, match="coefficients in the units of X are not finite"):
        est.partial_fit(np.array([[0.0], [1e-20]]), np.array([2.0, 2.0]),
                        sample_weight=np.array([1e300, 0.0]))
    assert not hasattr(est, "coef_")
