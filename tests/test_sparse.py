"""Sparse (CSR) input: the compiled kernels against their NumPy twin, sparse against dense,
the awkward shapes of sparse data, no copies, and one large fit within a memory budget."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastsgd._sgd as sgd_module
from fastsgd import SGDRegressor, _core, _reference
from fastsgd._dispatch import available_cores
from fastsgd._settings import TrainSettings

CORES = available_cores()      # every compiled core this machine runs: each vs the twin
EACH_CORE = pytest.mark.parametrize("core", list(CORES.values()), ids=list(CORES))

BATCH_SIZES = [1, 3, "n+5", "full"]


def tolerance(dtype):
    return 1e-10 if dtype == np.float64 else 1e-4


def assert_close(actual, expected, dtype, what=""):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, what
    if not expected.size:
        return
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    err = float(np.max(np.abs(actual - expected))) / scale
    assert err <= tolerance(dtype), f"{what}: relative difference {err:.3g}"


def awkward_csr(n=37, d=13, seed=0, dtype=np.float64, index_dtype=np.int32):
    """A canonical CSR matrix with empty rows, a never-seen column (d - 1), stored zeros and
    values of both signs, with a target that a linear model fits roughly."""
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(n, d)) * (rng.random((n, d)) < 0.35)
    dense[:, d - 1] = 0.0
    dense[[2, 11, n - 1]] = 0.0                    # empty rows
    # Explicit zeros stored in a few rows: in a seen column and in the never-seen one.
    rows, cols = [0, 5, 8], [1, d - 1]
    dense[np.ix_(rows, cols)] = 0.0
    X = _with_stored_zeros(sp.csr_matrix(dense), rows, cols)
    X.data = X.data.astype(dtype)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    y = (dense @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)).astype(dtype)
    assert X.has_canonical_format
    return X, y


def _with_stored_zeros(X, rows, cols):
    """X with an explicit 0.0 stored at (r, c) for every r in rows, c in cols (where X has
    no entry), keeping the indices sorted."""
    coo = X.tocoo()
    r = np.concatenate([coo.row, np.repeat(rows, len(cols))])
    c = np.concatenate([coo.col, np.tile(cols, len(rows))])
    v = np.concatenate([coo.data, np.zeros(len(rows) * len(cols))])
    # A second entry at a place X already has would make the matrix non-canonical.
    assert np.unique(r * X.shape[1] + c).size == r.size, "X has entries there"
    key = np.lexsort((c, r))
    r, c, v = r[key], c[key], v[key]
    indptr = np.searchsorted(r, np.arange(X.shape[0] + 1))
    out = sp.csr_matrix((v, c, indptr), shape=X.shape)
    out.has_canonical_format = True
    stored = X.nnz + len(rows) * len(cols)
    assert out.nnz == stored and np.sum(out.data == 0.0) >= len(rows) * len(cols)
    return out


def settings_for(optimizer, batch_size, n, penalty="l2", **kw):
    batch = {"n+5": n + 5, "full": n}.get(batch_size, batch_size)
    defaults = dict(
        optimizer=optimizer,
        learning_rate="constant" if optimizer == "adagrad" else "invscaling",
        eta0=0.1 if optimizer == "adagrad" else 0.05,
        alpha=0.05, penalty=penalty, batch_size=batch, tol=None, eps=1e-10,
    )
    defaults.update(kw)
    return TrainSettings(**defaults)


def run_kernel(module, X, y, settings, inv_std=None, epochs=4, sample_weight=None,
               init=None, acc_init=0.05, seed=0):
    """Train with ``module.train_epochs_csr``, reshuffling between epochs, recording what
    the epoch hook sees in ``params``."""
    n, d = X.shape
    dtype = X.data.dtype
    params = np.zeros(d + 1, dtype=dtype) if init is None else init.astype(dtype)
    adagrad = settings.optimizer == "adagrad"
    acc = np.full(d + 1, acc_init, dtype=dtype) if adagrad else np.zeros(0, dtype=dtype)
    sw = (np.ones(n) if sample_weight is None else sample_weight).astype(dtype)
    rng = np.random.default_rng(seed)
    order = np.arange(n, dtype=np.int64) if seed is None else rng.permutation(n)
    loss_curve = np.zeros(epochs)
    seen = []

    def hook(epoch, mean_loss, go_on):
        seen.append(params.copy())
        if seed is not None:
            rng.shuffle(order)

    result = module.train_epochs_csr(
        X.data, X.indices, X.indptr, d, y, sw, order, params, acc,
        np.zeros(0) if inv_std is None else inv_std, settings, 1.0, loss_curve, hook)
    return params, acc, loss_curve, result, seen


def compare_runs(core, ref, dtype):
    p1, a1, l1, r1, s1 = core
    p2, a2, l2, r2, s2 = ref
    assert r1[0] == r2[0] and r1[1] == r2[1] and r1[3] == r2[3]
    assert_close(r1[2], r2[2], dtype, "eta")
    assert_close(p1, p2, dtype, "params")
    assert_close(a1, a2, dtype, "accumulators")
    assert_close(l1, l2, dtype, "loss curve")
    assert len(s1) == len(s2) == r1[0]
    for e, (q1, q2) in enumerate(zip(s1, s2, strict=True)):
        assert_close(q1, q2, dtype, f"params seen by the hook after epoch {e}")


# -- the kernel and its twin -------------------------------------------------------------


@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@EACH_CORE
def test_core_matches_reference(core, optimizer, batch_size, dtype, penalty, scale):
    # Index dtype alternates with the parametrization (both are covered for each optimizer).
    index_dtype = np.int64 if (scale ^ (penalty is None)) else np.int32
    X, y = awkward_csr(dtype=dtype, index_dtype=index_dtype)
    settings = settings_for(optimizer, batch_size, X.shape[0], penalty)
    inv_std = None
    if scale:
        _, std = _core.column_stats_csr(X.data, X.indices, X.indptr, X.shape[1])
        inv_std = 1.0 / np.where(std > 0, std, 1.0)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=X.shape[0])
    got = run_kernel(core, X, y, settings, inv_std, sample_weight=sw)
    ref = run_kernel(_reference, X, y, settings, inv_std, sample_weight=sw)
    compare_runs(got, ref, dtype)
    assert np.all(np.isfinite(got[0]))


def rows_of_every_length(d=12, longest=9, seed=7, dtype=np.float64):
    """A canonical CSR matrix whose rows have 0 to ``longest`` stored entries, and for each
    length one row per position of a stored zero (and one with none).

    The CSR Adagrad kernel updates a row's features four at a time, padding the last
    group: this walks every length modulo 4 and puts an absent feature in every lane."""
    rng = np.random.default_rng(seed)
    indptr, indices, data = [0], [], []
    for length in range(longest + 1):
        for zero_at in [None, *range(length)]:
            cols = np.sort(rng.choice(d, size=length, replace=False))
            vals = rng.normal(size=length) + np.sign(rng.normal(size=length))
            if zero_at is not None:
                vals[zero_at] = 0.0
            indices.extend(cols)
            data.extend(vals)
            indptr.append(len(indices))
    X = sp.csr_matrix((np.array(data, dtype=dtype), np.array(indices, dtype=np.int32),
                       np.array(indptr, dtype=np.int32)), shape=(len(indptr) - 1, d))
    assert X.has_canonical_format
    y = (X @ rng.normal(size=d) + 0.3).astype(dtype)
    return X, y


@pytest.mark.parametrize("scale", [False, True])
@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 3, "full"])
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@EACH_CORE
def test_rows_of_every_length(core, optimizer, batch_size, dtype, penalty, scale):
    # Also: a full batch touches every feature, so the mini-batch's list of touched
    # features fills up (d entries) while later rows still repeat features.
    X, y = rows_of_every_length(dtype=dtype)
    settings = settings_for(optimizer, batch_size, X.shape[0], penalty, alpha=0.01)
    inv_std = None
    if scale:
        _, std = _core.column_stats_csr(X.data, X.indices, X.indptr, X.shape[1])
        inv_std = 1.0 / np.where(std > 0, std, 1.0)
    got = run_kernel(core, X, y, settings, inv_std)
    ref = run_kernel(_reference, X, y, settings, inv_std)
    compare_runs(got, ref, dtype)
    if optimizer == "adagrad":
        # Every feature was present somewhere, so every accumulator grew.
        assert np.all(got[1][:-1] > 0.05)


@pytest.mark.parametrize("learning_rate", ["constant", "optimal", "invscaling", "adaptive"])
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@EACH_CORE
def test_core_matches_reference_schedules_and_stopping(core, optimizer, learning_rate):
    X, y = awkward_csr(n=50, seed=4)
    settings = settings_for(optimizer, 1, X.shape[0], learning_rate=learning_rate,
                            tol=1e-2, n_iter_no_change=2, alpha=0.01, eta0=0.01)
    got = run_kernel(core, X, y, settings, epochs=30)
    ref = run_kernel(_reference, X, y, settings, epochs=30)
    compare_runs(got, ref, np.float64)
    if learning_rate != "adaptive":
        assert got[3][3] == "converged"      # the stopping rule did act


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("alpha", [10.0, 400.0])
@EACH_CORE
def test_weight_scale_folds_back(core, alpha, batch_size, dtype):
    # eta alpha = 0.5 halves wscale at every update: it crosses the fold threshold
    # (1e-100 in float64) within ~330 updates and would underflow to 0 by ~1075 without
    # folds; eta alpha = 20 makes the shrink factor 0 at every update.
    X, y = awkward_csr(n=120, seed=5, dtype=dtype)
    settings = settings_for("sgd", batch_size, X.shape[0], learning_rate="constant",
                            eta0=0.05, alpha=alpha)
    init = np.random.default_rng(1).normal(size=X.shape[1] + 1)
    epochs = 12 if batch_size == 1 else 40
    got = run_kernel(core, X, y, settings, epochs=epochs, init=init)
    ref = run_kernel(_reference, X, y, settings, epochs=epochs, init=init)
    compare_runs(got, ref, dtype)
    assert np.all(np.isfinite(got[0]))


@pytest.mark.parametrize("batch_size", [1, 3])
@EACH_CORE
def test_divergence_matches_reference(core, batch_size):
    X, y = awkward_csr(n=40, seed=6)
    X.data *= 50.0
    settings = settings_for("sgd", batch_size, X.shape[0], learning_rate="constant",
                            eta0=10.0, penalty=None)
    got = run_kernel(core, X, y, settings, epochs=5)
    ref = run_kernel(_reference, X, y, settings, epochs=5)
    assert got[3][3] == ref[3][3] == "diverged"
    assert got[3][:3] == ref[3][:3]           # the same epoch, update count and rate


@pytest.mark.parametrize("batch_size", [1, 4])
@EACH_CORE
def test_adagrad_with_eps_zero(core, batch_size):
    # eps = 0 and a zero accumulator: a feature whose gradient is still 0 steps by 0, not
    # 0/0 (the rule of the dense kernels).  Zero targets make the first gradients 0.
    X, _ = awkward_csr(n=30, seed=12)
    y = np.zeros(X.shape[0])
    y[20:] = 1.0
    settings = settings_for("adagrad", batch_size, X.shape[0], eps=0.0, penalty=None)
    got = run_kernel(core, X, y, settings, epochs=3, acc_init=0.0, seed=None)
    ref = run_kernel(_reference, X, y, settings, epochs=3, acc_init=0.0, seed=None)
    compare_runs(got, ref, np.float64)
    assert np.all(np.isfinite(got[0]))


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@EACH_CORE
def test_column_stats_csr(core, dtype, index_dtype):
    X, _ = awkward_csr(n=60, d=9, dtype=dtype, index_dtype=index_dtype)
    X.data[X.data != 0] += 1000.0           # a large mean: the naive formula would cancel
    dense = X.toarray().astype(np.float64)
    for module in (core, _reference):
        mean, std = module.column_stats_csr(X.data, X.indices, X.indptr, X.shape[1])
        np.testing.assert_allclose(mean, dense.mean(axis=0), rtol=tolerance(dtype),
                                   atol=1e-12)
        np.testing.assert_allclose(std, dense.std(axis=0), rtol=tolerance(dtype) * 10,
                                   atol=1e-9)


# -- dense and sparse agree ---------------------------------------------------------------


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("optimizer,penalty", [("sgd", "l2"), ("sgd", None),
                                               ("adagrad", None)])
def test_dense_and_sparse_give_the_same_model(optimizer, penalty, batch_size):
    X, y = awkward_csr(n=45, seed=7)
    n = X.shape[0]
    batch = n + 5 if batch_size == "n+5" else batch_size
    coef_init = np.random.default_rng(2).normal(size=X.shape[1])  # never-seen column != 0
    kw = dict(optimizer=optimizer, penalty=penalty, alpha=0.01, batch_size=batch,
              max_iter=6, tol=None, random_state=0, eta0=0.05)
    dense = SGDRegressor(**kw).fit(X.toarray(), y, coef_init=coef_init, intercept_init=0.3)
    sparse = SGDRegressor(**kw).fit(X, y, coef_init=coef_init, intercept_init=0.3)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-10)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)
    assert sparse.t_ == dense.t_ and sparse.n_iter_ == dense.n_iter_
    if optimizer == "adagrad":
        np.testing.assert_allclose(sparse.accumulator_, dense.accumulator_, rtol=1e-10)
    np.testing.assert_allclose(sparse.predict(X), dense.predict(X.toarray()), rtol=1e-10)


def test_lazy_adagrad_leaves_absent_features_alone():
    # Under L2, lazy Adagrad never touches a feature that no example has (the dense rule
    # would shrink it at every update); a feature only ever stored as 0 counts as absent.
    X, y = awkward_csr(n=40, seed=8)
    d = X.shape[1]
    coef_init = np.linspace(-1, 1, d)
    est = SGDRegressor(optimizer="adagrad", penalty="l2", alpha=0.1, max_iter=5, tol=None,
                       initial_accumulator_value=0.25, random_state=0)
    est.fit(X, y, coef_init=coef_init)
    assert est.coef_[d - 1] == coef_init[d - 1]
    assert est.accumulator_[d - 1] == 0.25
    dense = SGDRegressor(**est.get_params()).fit(X.toarray(), y, coef_init=coef_init)
    assert abs(dense.coef_[d - 1]) < abs(coef_init[d - 1])     # the dense rule differs


@pytest.mark.parametrize("optimizer,penalty", [("sgd", "l2"), ("adagrad", "l2"),
                                               ("adagrad", None)])
@pytest.mark.parametrize("batch_size", [1, 5])
def test_stored_zeros_are_absent_features(optimizer, penalty, batch_size):
    X, y = awkward_csr(n=40, seed=9)
    clean = X.copy()
    clean.eliminate_zeros()
    assert clean.nnz < X.nnz
    kw = dict(optimizer=optimizer, penalty=penalty, alpha=0.05, batch_size=batch_size,
              max_iter=4, tol=None, random_state=0)
    a = SGDRegressor(**kw).fit(X, y)
    b = SGDRegressor(**kw).fit(clean, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4, "full"])
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
def test_all_zero_matrix(optimizer, batch_size):
    # No stored value at all (empty data and indices): only the intercept learns.
    X = sp.csr_matrix((6, 4))
    y = np.arange(6.0)
    kw = dict(optimizer=optimizer, batch_size=batch_size, max_iter=20, tol=None, eta0=0.1,
              random_state=0, scale=True)
    est = SGDRegressor(**kw).fit(X, y)
    dense = SGDRegressor(**kw).fit(X.toarray(), y)
    assert np.all(est.coef_ == 0.0)
    assert est.intercept_[0] > 0.1
    np.testing.assert_allclose(est.intercept_, dense.intercept_, rtol=1e-12)
    np.testing.assert_array_equal(est.predict(X), np.full(6, est.intercept_[0]))


def test_sparse_scaling_divides_without_centering():
    X, y = awkward_csr(n=50, seed=10)
    X.data += np.sign(X.data) * 3.0               # non-zero means: centering would matter
    std = X.toarray().std(axis=0)
    std = np.where(std > 0, std, 1.0)
    kw = dict(max_iter=5, tol=None, random_state=0, alpha=0.01)
    scaled = SGDRegressor(scale=True, **kw).fit(X, y)
    np.testing.assert_allclose(scaled.scale_std_, std, rtol=1e-12)
    np.testing.assert_array_equal(scaled.scale_mean_, 0.0)
    # The same as training unscaled on X / s, reported back in X's units.
    manual = SGDRegressor(scale=False, **kw).fit(X.toarray() / std, y)
    np.testing.assert_allclose(scaled.coef_, manual.coef_ / std, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scaled.intercept_, manual.intercept_, rtol=1e-9)
    np.testing.assert_allclose(scaled.predict(X), manual.predict(X.toarray() / std),
                               rtol=1e-9)


def test_sparse_scaling_constant_columns_as_dense():
    # A column stored with the same value in every row (its computed s is a rounding
    # residue) and an all-zero column both get s = 1, as for dense X.
    rng = np.random.default_rng(16)
    dense = rng.normal(size=(300, 4)) * (rng.random((300, 4)) < 0.5)
    dense[:, 1] = 0.1
    dense[:, 2] = 0.0
    y = rng.normal(size=300)
    kw = dict(scale=True, max_iter=2, tol=None, random_state=0)
    sparse = SGDRegressor(**kw).fit(sp.csr_matrix(dense), y)
    full = SGDRegressor(**kw).fit(dense, y)
    np.testing.assert_allclose(sparse.scale_std_, full.scale_std_, rtol=1e-12)
    assert sparse.scale_std_[1] == sparse.scale_std_[2] == 1.0


def test_sparse_after_centered_dense_fit_is_refused():
    X, y = awkward_csr(n=30, seed=11)
    est = SGDRegressor(scale=True, warm_start=True, max_iter=3, tol=None)
    est.fit(X.toarray() + 1.0, y)
    before = est.coef_.copy()
    with pytest.raises(ValueError, match="sparse X cannot be centered"):
        est.fit(X, y)
    np.testing.assert_array_equal(est.coef_, before)
    # Sparse first, then dense chunks: the statistics (mean 0) apply to both.
    est = SGDRegressor(scale=True).partial_fit(X, y)
    est.partial_fit(X.toarray(), y)
    assert est.t_ == 1 + 2 * X.shape[0]


# -- the estimator's input handling -------------------------------------------------------


class Spy:
    """A backend that records the arrays reaching the kernels, then runs the real ones."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        real = getattr(_core, name)

        def call(*args, **kwargs):
            self.calls.append((name, args))
            return real(*args, **kwargs)

        return call


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_canonical_csr_reaches_the_kernel_without_a_copy(monkeypatch, dtype, index_dtype,
                                                          container):
    X, y = awkward_csr(dtype=dtype, index_dtype=index_dtype)
    X = container(X)
    X.data, X.indices, X.indptr = (X.data, X.indices.astype(index_dtype),
                                   X.indptr.astype(index_dtype))
    spy = Spy()
    monkeypatch.setattr(sgd_module, "_BACKEND", spy)
    SGDRegressor(scale=True, max_iter=2, tol=None).fit(X, y)
    names = [name for name, _ in spy.calls]
    assert names == ["column_stats_csr", "train_epochs_csr"]
    for _, args in spy.calls:
        assert args[0].dtype == dtype and args[1].dtype == index_dtype
        assert np.shares_memory(args[0], X.data)
        assert np.shares_memory(args[1], X.indices)
        assert np.shares_memory(args[2], X.indptr)


def test_other_formats_are_converted_once_and_the_callers_matrix_is_untouched():
    X, y = awkward_csr(n=30, seed=12)
    X.eliminate_zeros()
    kw = dict(max_iter=3, tol=None, random_state=0, batch_size=4)
    expected = SGDRegressor(**kw).fit(X, y)
    # Unsorted indices and a duplicate entry: canonicalized on a copy.
    unsorted = X.copy()
    for i in range(X.shape[0]):
        row = slice(X.indptr[i], X.indptr[i + 1])
        unsorted.data[row] = unsorted.data[row][::-1]
        unsorted.indices[row] = unsorted.indices[row][::-1]
    unsorted.has_sorted_indices = False
    assert not unsorted.has_canonical_format
    coo = X.tocoo()
    split = sp.coo_matrix((np.concatenate([coo.data / 2, coo.data / 2]),
                           (np.tile(coo.row, 2), np.tile(coo.col, 2))), shape=X.shape)
    inputs = [X.tocsc(), X.tocoo(), sp.lil_matrix(X), sp.dok_matrix(X), sp.csc_array(X),
              split, split.tocsr()]
    unsorted_indices = unsorted.indices.copy()
    for Xi in inputs + [unsorted]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est = SGDRegressor(**kw).fit(Xi, y)
        np.testing.assert_allclose(est.coef_, expected.coef_, rtol=1e-12, atol=1e-15,
                                   err_msg=type(Xi).__name__)
    np.testing.assert_array_equal(unsorted.indices, unsorted_indices)
    # Integer data is trained in float64; float32 CSR in float32.
    as_int = X.copy()
    as_int.data = np.round(as_int.data * 10)
    assert SGDRegressor(max_iter=2, tol=None).fit(as_int.astype(np.int64), y).coef_.dtype \
        == np.float64
    assert SGDRegressor(max_iter=2, tol=None).fit(X.astype(np.float32), y).coef_.dtype \
        == np.float32


def test_partial_fit_and_predict_on_sparse_input():
    X, y = awkward_csr(n=40, seed=13)
    kw = dict(optimizer="adagrad", penalty=None, random_state=0, batch_size=3)
    a = SGDRegressor(**kw)
    b = SGDRegressor(**kw)
    for _ in range(3):
        a.partial_fit(X, y)
        b.partial_fit(X.toarray(), y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-14)
    # A float32 chunk continues a float64 model (converted once).
    a.partial_fit(X.astype(np.float32), y)
    assert a.coef_.dtype == np.float64
    for fmt in ("csr", "csc", "coo", "lil"):
        np.testing.assert_allclose(a.predict(X.asformat(fmt)), a.predict(X.toarray()),
                                   rtol=1e-12)
    assert 0.0 < a.score(X, y) <= 1.0


def test_whole_estimator_on_the_reference_backend(monkeypatch):
    X, y = awkward_csr(n=30, seed=14)
    kw = dict(optimizer="adagrad", scale=True, max_iter=4, tol=None, random_state=0,
              batch_size=2)
    core = SGDRegressor(**kw).fit(X, y)
    monkeypatch.setattr(sgd_module, "_BACKEND", _reference)
    ref = SGDRegressor(**kw).fit(X, y)
    np.testing.assert_allclose(core.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(core.loss_curve_, ref.loss_curve_, rtol=1e-10)


def test_sparse_tag_and_sklearn_sparse_checks():
    from sklearn.utils.estimator_checks import (
        check_estimator_sparse_array,
        check_estimator_sparse_matrix,
        check_estimator_sparse_tag,
    )

    est = SGDRegressor(max_iter=5, tol=None)
    assert est.__sklearn_tags__().input_tags.sparse is True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator_sparse_tag("SGDRegressor", est)
        check_estimator_sparse_matrix("SGDRegressor", est)
        check_estimator_sparse_array("SGDRegressor", est)


# -- a large fit within a memory budget ---------------------------------------------------

BIG_FIT = textwrap.dedent("""
    import json, sys
    import numpy as np, scipy.sparse as sp
    from fastsgd import SGDRegressor

    n, d, k = 1_000_000, 100_000, 20
    rng = np.random.default_rng(0)
    indices = rng.integers(0, d, size=n * k, dtype=np.int32)
    data = rng.random(n * k)
    indptr = np.arange(0, n * k + 1, k, dtype=np.int32)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, d))
    X.sort_indices()
    X.sum_duplicates()
    y = rng.normal(size=n)
    del indices, data, indptr
    csr_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes

    def rss(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    # Reset the high-water mark to the current resident size: what follows is the fit.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = rss("VmRSS:")
    est = SGDRegressor(optimizer=sys.argv[1], max_iter=1, tol=None, random_state=0,
                       batch_size=int(sys.argv[2]))
    est.fit(X, y)
    peak = rss("VmHWM:")
    print(json.dumps({"csr_bytes": csr_bytes, "before": before, "peak": peak,
                      "finite": bool(np.all(np.isfinite(est.coef_)))}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("optimizer,batch_size", [("sgd", 1), ("adagrad", 64)])
def test_large_csr_fits_without_densifying(optimizer, batch_size):
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pytest.skip("needs Linux /proc/self/clear_refs to measure the peak of the fit")
    out = subprocess.run([sys.executable, "-c", BIG_FIT, optimizer, str(batch_size)],
                         capture_output=True, text=True, check=True, timeout=600)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert m["finite"]
    # The process held X (and y) before the fit; X plus what the fit allocates stays under
    # twice X's arrays.
    assert m["peak"] - m["before"] < m["csr_bytes"], m
