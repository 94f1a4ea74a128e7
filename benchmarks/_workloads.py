"""Data and contenders shared by the pytest-benchmark suites and ``report.py``.

A contender is something timed for one epoch over one data set: ``prepare()`` resets its
state (not timed), ``run()`` is the timed epoch, ``ok()`` says whether the epoch ended
with finite numbers (a diverged epoch stops early and would look fast), and
``time_factor`` turns the measured seconds into seconds per full epoch (the NumPy
reference runs on a slice of the rows and is scaled up; every other contender has 1).

"core" is the compiled core the estimator uses on this machine (``fastsgd._dispatch``:
the AVX2/FMA build where the CPU has it, else the baseline ``fastsgd._core``);
``core_variant`` times a particular one.

Everything runs with BLAS limited to one thread (``single_threaded()``): the kernels are
single-threaded, and the floor is "one single-threaded ``X @ w``", the time an epoch needs
just to read X once.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import fastsgd
from fastsgd import _core, _reference
from fastsgd._dispatch import CORE, available_cores
from fastsgd._settings import TrainSettings

# The dense shapes of issue 2, and small ones of the same aspect ratios for CI (seconds).
SHAPES_FULL = [(200_000, 10), (100_000, 100), (20_000, 1000)]
SHAPES_QUICK = [(20_000, 10), (10_000, 100), (2_000, 1000)]
# The shape of the float32, scale=True and estimator-overhead comparisons.
MID_FULL, MID_QUICK = SHAPES_FULL[1], SHAPES_QUICK[1]
# Rows of the slice the NumPy reference runs on (it loops in Python, ~10 us per row).
REFERENCE_ROWS_FULL, REFERENCE_ROWS_QUICK = 4_000, 400
MINI_BATCH = 32

# Sparse, text-like data of issue 8: (rows, columns, non-zeros per row).
SPARSE_FULL = (500_000, 100_000, 50)
SPARSE_QUICK = (20_000, 10_000, 20)

ALPHA = 1e-4


def quick_from_env() -> bool:
    """FASTSGD_BENCH_QUICK=1 makes the pytest suites use the small shapes (CI)."""
    return os.environ.get("FASTSGD_BENCH_QUICK", "") not in ("", "0")


def single_threaded():
    return threadpool_limits(limits=1, user_api="blas")


def sgd_eta0(d: int) -> float:
    """eta0 of the invscaling SGD runs: scikit-learn's 0.01, smaller for wide data.

    With unit-variance features |x|^2 is about d, and a plain SGD step is stable only
    while eta0 * |x|^2 stays below ~1; (20000, 1000) at 0.01 would diverge in the first
    few hundred updates, stop the epoch early and time nothing.
    """
    return min(0.01, 0.5 / d)


def settings_for(optimizer: str, batch: int | str, n: int, d: int) -> TrainSettings:
    """The kernel settings of one benchmark case (one epoch, no stopping rule)."""
    batch_size = n if batch == "full" else int(batch)
    if optimizer == "adagrad":
        schedule, eta0 = "constant", 0.01
    elif batch == "full":
        schedule, eta0 = "constant", 0.1
    else:
        schedule, eta0 = "invscaling", sgd_eta0(d)
    return TrainSettings(optimizer=optimizer, learning_rate=schedule, eta0=eta0,
                         power_t=0.25, alpha=ALPHA, penalty="l2", batch_size=batch_size,
                         tol=None)


def estimator_params(optimizer: str, batch: int | str, n: int, d: int) -> dict:
    """fastsgd.SGDRegressor parameters doing exactly what ``settings_for`` describes."""
    s = settings_for(optimizer, batch, n, d)
    return dict(optimizer=optimizer, batch_size=batch, learning_rate=s.learning_rate,
                eta0=s.eta0, power_t=s.power_t, alpha=ALPHA, penalty="l2",
                max_iter=1, tol=None, shuffle=False)


@functools.cache
def dense_data(n: int, d: int, dtype: str = "float64"):
    """A well-posed linear problem: X ~ N(0, 1) C-contiguous, y = X w + noise."""
    rng = np.random.default_rng(n * 7919 + d)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    y = X @ w + 0.1 * rng.standard_normal(n) + 0.5
    if dtype != "float64":
        X, y = X.astype(dtype), y.astype(dtype)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


@functools.lru_cache(maxsize=2)
def sparse_data(n: int, d: int, nnz_per_row: int):
    """Text-like CSR: every row has ``nnz_per_row`` distinct features drawn from a power
    law (Zipf, s = 1.1: the commonest feature is in nearly every row, most are rare),
    positive values, each row of unit norm as tf-idf rows are; canonical, int32 indices
    (scikit-learn would copy int64 ones)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(n + d + nnz_per_row)
    p = np.arange(1, d + 1, dtype=np.float64) ** -1.1
    cdf = np.cumsum(p / p.sum())
    # Feature ids are a random permutation of the ranks, so frequent features are spread
    # over the index range as in a real vocabulary.
    feature_of_rank = rng.permutation(d).astype(np.int64)

    def draw(rows):
        ranks = np.minimum(np.searchsorted(cdf, rng.random(rows.size)), d - 1)
        return rows * d + feature_of_rank[ranks]

    # Twice as many draws per row as wanted, with replacement; keep each row's first
    # ``nnz_per_row`` distinct features in draw order.  A (row, feature) pair is encoded
    # as row * d + feature; the draws of row r sit at [2 r nnz, 2 (r + 1) nnz).
    k = 2 * nnz_per_row
    keys, first = np.unique(draw(np.repeat(np.arange(n, dtype=np.int64), k)),
                            return_index=True)
    keys = keys[np.argsort(first, kind="stable")]
    row = keys // d
    starts = np.searchsorted(row, np.arange(n))
    keep = (np.arange(keys.size) - starts[row]) < nnz_per_row
    complete = np.bincount(row[keep], minlength=n) >= nnz_per_row
    finished = [keys[keep & complete[row]]]
    # The few rows that drew too many repeats are topped up, a round at a time.
    pending = keys[keep & ~complete[row]]
    while not complete.all():
        short = np.flatnonzero(~complete)
        have = np.bincount(pending // d, minlength=n)[short]
        pending = np.unique(np.concatenate(
            [pending, draw(np.repeat(short, nnz_per_row - have))]))
        now = np.bincount(pending // d, minlength=n) >= nnz_per_row
        done_now = now[pending // d]
        finished.append(pending[done_now])
        pending = pending[~done_now]
        complete |= now
    keys = np.sort(np.concatenate(finished))
    indices = (keys % d).astype(np.int32)
    indptr = np.arange(0, n * nnz_per_row + 1, nnz_per_row, dtype=np.int32)
    vals = rng.random(keys.size) + 0.5
    vals /= np.repeat(np.sqrt(np.add.reduceat(vals * vals, indptr[:-1])), nnz_per_row)
    X = sp.csr_matrix((vals, indices, indptr), shape=(n, d))
    assert X.has_canonical_format
    w = rng.standard_normal(d)
    y = X @ w + 0.1 * rng.standard_normal(n)
    return X, np.ascontiguousarray(y)


# ---------------------------------------------------------------------------------------
# Contenders.

class Contender:
    time_factor = 1.0
    label = "?"

    def prepare(self):
        pass

    def run(self):
        raise NotImplementedError

    def ok(self) -> bool:
        return True


class Kernel(Contender):
    """One epoch of ``train_epochs`` of a backend (the compiled core or the NumPy twin)
    over X, or over its first ``rows`` rows with the time scaled to all of X."""

    def __init__(self, backend, X, y, settings: TrainSettings, *, scale=False, rows=None,
                 label=None):
        n, d = X.shape
        self.n_all = n
        rows = n if rows is None else min(rows, n)
        self.X, self.y = X[:rows], y[:rows]
        if settings.batch_size >= rows:
            settings = _replace(settings, batch_size=rows)
        self.settings = settings
        self.time_factor = n / rows
        self.backend = backend
        dtype = X.dtype
        self.sw = np.ones(rows, dtype=dtype)
        self.order = np.arange(rows, dtype=np.int64)
        self.params = np.zeros(d + 1, dtype=dtype)
        self.acc = np.zeros(d + 1 if settings.optimizer == "adagrad" else 0, dtype=dtype)
        self.curve = np.zeros(1, dtype=np.float64)
        if scale:
            # The statistics pass is a separate cost, paid once per fit: measured per
            # epoch, scale=True is about reading each value through (x - m) / s.
            mean, std = _core.column_stats(X)
            self.mean, self.inv_std = mean, 1.0 / np.where(std > 0, std, 1.0)
        else:
            self.mean = self.inv_std = np.zeros(0, dtype=np.float64)
        self.label = label or ("reference" if backend is _reference else "core")

    def prepare(self):
        self.params[:] = 0.0
        self.acc[:] = 0.0
        self.curve[:] = np.nan

    def run(self):
        self.backend.train_epochs(self.X, self.y, self.sw, self.order, self.params,
                                  self.acc, self.mean, self.inv_std, self.settings, 1.0,
                                  self.curve, None)

    def ok(self):
        return bool(np.isfinite(self.curve[0])) and bool(np.all(np.isfinite(self.params)))


def _replace(settings, **changes):
    import dataclasses
    return dataclasses.replace(settings, **changes)


def core(X, y, optimizer="sgd", batch=1, scale=False, label=None, module=CORE):
    n, d = X.shape
    return Kernel(module, X, y, settings_for(optimizer, batch, n, d), scale=scale,
                  label=label)


def core_variant(name: str):
    """The compiled core called ``name`` ("baseline", "avx2"), None if it cannot run here."""
    return available_cores().get(name)


def core_name(module=CORE) -> str:
    return {m: name for name, m in available_cores().items()}.get(module, module.__name__)


def reference(X, y, rows, optimizer="sgd", batch=1, scale=False):
    n, d = X.shape
    return Kernel(_reference, X, y, settings_for(optimizer, batch, n, d), scale=scale,
                  rows=rows)


class Floor(Contender):
    """``X @ w`` (and with ``full=True`` also ``X.T @ r``): reading X once (twice)."""

    def __init__(self, X, full=False):
        self.X = X
        self.w = np.ones(X.shape[1], dtype=X.dtype)
        self.r = np.ones(X.shape[0], dtype=X.dtype)
        self.full = full
        self.label = "X@w + X.T@r" if full else "X@w"

    def run(self):
        self.out = self.X @ self.w
        if self.full:
            self.out2 = self.X.T @ self.r

    def ok(self):
        return bool(np.all(np.isfinite(self.out)))


class ReadOnce(Contender):
    """``x @ x`` over X seen as one long vector: one streaming read of X by BLAS's dot
    (both operands are the same memory).  It shows how close ``X @ w`` itself comes to
    reading memory: gemv on a narrow X (d = 10) is far from it, so a kernel can beat
    that "floor"."""

    label = "X.ravel() @ X.ravel()"

    def __init__(self, X):
        self.x = X.reshape(-1)          # a view: X is C-contiguous

    def run(self):
        self.out = self.x @ self.x

    def ok(self):
        return bool(np.isfinite(self.out))


class Fit(Contender):
    """``estimator.fit(X, y)`` of a fresh estimator running one epoch."""

    def __init__(self, make, X, y, label):
        self.make, self.X, self.y, self.label = make, X, y, label

    def prepare(self):
        self.est = self.make()

    def run(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.est.fit(self.X, self.y)

    def ok(self):
        coef = np.asarray(self.est.coef_)
        return bool(np.all(np.isfinite(coef)))


def fastsgd_fit(X, y, optimizer="sgd", batch=1, scale=False):
    n, d = X.shape
    params = estimator_params(optimizer, batch, n, d)
    return Fit(lambda: fastsgd.SGDRegressor(scale=scale, **params), X, y, "fastsgd fit")


def sklearn_fit(X, y):
    """scikit-learn's SGDRegressor doing the same epoch as ``core(X, y)`` (sgd, batch 1)."""
    from sklearn.linear_model import SGDRegressor

    n, d = X.shape
    s = settings_for("sgd", 1, n, d)
    return Fit(lambda: SGDRegressor(penalty="l2", alpha=ALPHA, learning_rate=s.learning_rate,
                                    eta0=s.eta0, power_t=s.power_t, max_iter=1, tol=None,
                                    shuffle=False),
               X, y, "scikit-learn")


def lightning_adagrad(X, y):
    """sklearn-contrib-lightning's AdaGradRegressor, one epoch; None when not installed."""
    try:
        from lightning.regression import AdaGradRegressor
    except ImportError:
        return None
    return Fit(lambda: AdaGradRegressor(eta=0.01, alpha=ALPHA, n_iter=1, shuffle=False),
               X, y, "lightning AdaGrad")


class TorchAdagrad(Contender):
    """PyTorch's Adagrad on mini-batches of the same size, a Python loop over batches."""

    label = "torch Adagrad"

    def __init__(self, torch, X, y, batch):
        self.torch = torch
        self.X = torch.from_numpy(np.asarray(X))
        self.y = torch.from_numpy(np.asarray(y))
        self.batch = batch

    def prepare(self):
        torch = self.torch
        d = self.X.shape[1]
        self.w = torch.zeros(d, dtype=self.X.dtype, requires_grad=True)
        self.b = torch.zeros(1, dtype=self.X.dtype, requires_grad=True)
        # Adagrad's weight decay would also shrink the intercept: L2 goes into the loss.
        self.opt = torch.optim.Adagrad([self.w, self.b], lr=0.01, eps=1e-10)

    def run(self):
        X, y, w, b, opt, batch = self.X, self.y, self.w, self.b, self.opt, self.batch
        for start in range(0, X.shape[0], batch):
            xb, yb = X[start:start + batch], y[start:start + batch]
            opt.zero_grad()
            r = xb @ w + b - yb
            loss = 0.5 * (r * r).mean() + 0.5 * ALPHA * (w * w).sum()
            loss.backward()
            opt.step()

    def ok(self):
        return bool(self.torch.isfinite(self.w).all())


def torch_adagrad(X, y, batch=MINI_BATCH):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return TorchAdagrad(torch, X, y, batch)


# ---------------------------------------------------------------------------------------
# Sparse input (issue 8): usable once fastsgd's estimator accepts CSR.

def sparse_support() -> str | None:
    """None when fastsgd fits CSR input; otherwise the reason it does not (yet)."""
    import scipy.sparse as sp

    X = sp.random(20, 5, density=0.3, format="csr", random_state=0)
    y = np.arange(20, dtype=np.float64)
    try:
        fastsgd.SGDRegressor(max_iter=1, tol=None).fit(X, y)
    except Exception as exc:          # any refusal means: not there yet
        return f"{type(exc).__name__}: {exc}"
    return None


def sparse_fastsgd(X, y, optimizer):
    params = dict(optimizer=optimizer, penalty="l2", alpha=ALPHA, max_iter=1, tol=None,
                  shuffle=False, eta0=0.01,
                  learning_rate="constant" if optimizer == "adagrad" else "invscaling")
    return Fit(lambda: fastsgd.SGDRegressor(**params), X, y, f"fastsgd {optimizer}")


def sparse_sklearn(X, y):
    from sklearn.linear_model import SGDRegressor

    return Fit(lambda: SGDRegressor(penalty="l2", alpha=ALPHA, eta0=0.01, max_iter=1,
                                    tol=None, shuffle=False), X, y, "scikit-learn")
