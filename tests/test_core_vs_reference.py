"""The compiled kernels ``train_epochs`` against their NumPy twin.

Every compiled core that runs on this machine is checked (``fastsgd._core``, and
``fastsgd._core_avx2`` where the CPU has AVX2 and FMA: the same source compiled with
other instructions, so possibly other rounding).

Both are called with the same arguments (each on its own copies of the arrays they write
to) on seeded random problems covering every schedule, batch size, penalty, optimizer,
dtype, with and without shuffling, scaling and the stopping rule, and must agree on
everything they return or write: parameters, accumulators, loss curve, t, eta, epochs
run, status, and the per-epoch callbacks.  The last tests run the whole estimator on
either backend.

The reference is a Python loop per example: problems are kept to n * epochs <= ~2500.
"""

from __future__ import annotations

import itertools
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.testing import assert_allclose

import fastsgd._sgd
from fastsgd import SGDRegressor, _core, _reference
from fastsgd._dispatch import available_cores
from fastsgd._settings import TrainSettings

RTOL = {np.float64: 1e-10, np.float32: 1e-4}
SCHEDULES = ["constant", "optimal", "invscaling", "adaptive"]
BATCHES = ["1", "3", "n+5", "full"]
EXAMPLE_BUDGET = 2500        # n * epochs per reference run: keeps the file fast
CORES = available_cores()    # name -> compiled module


@pytest.fixture(params=list(CORES))
def core(request):
    return CORES[request.param]


@dataclass
class Run:
    epochs: int
    t: float
    eta: float
    status: str
    params: np.ndarray
    accumulators: np.ndarray
    curve: np.ndarray
    calls: list


def run(backend, X, y, sw, order, params, accumulators, mean, inv_std, settings, t,
        max_epochs, shuffle_seed):
    """Call ``backend.train_epochs`` on private copies; reshuffle between epochs the way
    the estimator does when ``shuffle_seed`` is not None."""
    order = order.copy()
    params = params.copy()
    accumulators = accumulators.copy()
    curve = np.zeros(max_epochs)
    calls = []
    rng = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)

    def on_epoch_end(epoch, mean_loss, go_on):
        calls.append((epoch, mean_loss, go_on))
        if rng is not None and go_on:
            rng.shuffle(order)

    epochs, t_end, eta, status = backend.train_epochs(
        X, y, sw, order, params, accumulators, mean, inv_std, settings, t, curve,
        on_epoch_end)
    return Run(epochs, t_end, eta, status, params, accumulators, curve[:epochs], calls)


def assert_close(actual, desired, rtol, what):
    # Relative per entry, with an absolute floor relative to the vector's largest entry:
    # an entry that passes near zero loses its relative precision by cancellation.
    actual = np.asarray(actual, dtype=np.float64)
    desired = np.asarray(desired, dtype=np.float64)
    floor = rtol * float(np.max(np.abs(desired), initial=0.0))
    assert_allclose(actual, desired, rtol=rtol, atol=floor, err_msg=what)


def assert_same_run(core: Run, ref: Run, dtype):
    rtol = RTOL[dtype]
    assert core.status == ref.status
    assert core.epochs == ref.epochs
    assert core.t == ref.t           # an integer count, exact in float64
    assert core.params.dtype == ref.params.dtype == dtype
    assert_close(core.params, ref.params, rtol, "params")
    assert_close(core.accumulators, ref.accumulators, rtol, "accumulators")
    assert_close(core.curve, ref.curve, rtol, "loss curve")
    assert_close(core.eta, ref.eta, rtol, "eta")
    assert [c[0] for c in core.calls] == [c[0] for c in ref.calls]
    assert [c[2] for c in core.calls] == [c[2] for c in ref.calls]
    assert_close([c[1] for c in core.calls], [c[1] for c in ref.calls], rtol, "callback loss")


def first_eta(schedule, eta0, alpha):
    """The learning rate of the first update: sets the data's magnitude for stability."""
    if schedule == "optimal":
        return alpha ** -0.25      # 1 / (alpha * optimal_init) = sqrt(1 / sqrt(alpha))
    return eta0


def make_case(seed, *, schedule, batch, penalty, shuffle, dtype, optimizer):
    """A random problem and settings on which the training neither diverges nor sits
    still: the features read by the kernel have a squared row norm of about
    0.4 / eta_first, so the first steps are well inside the stable range."""
    rng = np.random.default_rng(seed)
    n = int(np.clip(np.round(np.exp(rng.uniform(0.0, np.log(500.0)))), 1, 500))
    d = int(rng.integers(1, 51))
    scaled = bool(rng.integers(2))
    tol = [None, 1e-3, 1e-2][rng.integers(3)]
    alpha = float(rng.choice([0.3, 1.0, 3.0])) if schedule == "optimal" else float(
        10.0 ** rng.uniform(-4, -1.5))
    eta0 = float(10.0 ** rng.uniform(-2, -0.5))
    if optimizer == "adagrad":
        eta0 = float(10.0 ** rng.uniform(-2.5, -1))
    mag = np.sqrt(0.4 / (d * first_eta(schedule, eta0, alpha)))

    w_true = rng.normal(size=d)
    if scaled:
        # Raw data far from standardized; the kernel's mean / inv_std bring it to `mag`.
        loc = rng.normal(scale=10.0, size=d)
        spread = np.exp(rng.uniform(-2, 3, size=d))
        Z = rng.normal(size=(n, d))
        X = loc + spread * Z
        mean = loc + spread * rng.normal(scale=0.1, size=d)
        inv_std = mag / spread
        y = ((X - mean) * inv_std) @ w_true
    else:
        X = mag * rng.normal(size=(n, d))
        mean = inv_std = np.zeros(0)
        y = X @ w_true
    fit_intercept = bool(rng.integers(4))
    y = y + (0.5 if fit_intercept else 0.0) + 0.1 * rng.normal(size=n)
    sw = np.ones(n) if rng.integers(2) else rng.uniform(0.2, 2.0, size=n)

    batch_size = {"1": 1, "3": 3, "n+5": n + 5, "full": n}[batch]
    settings = TrainSettings(
        optimizer=optimizer, learning_rate=schedule, eta0=eta0,
        power_t=float(rng.choice([0.25, 0.5])), alpha=alpha, penalty=penalty,
        eps=1e-10, fit_intercept=fit_intercept, batch_size=batch_size, tol=tol,
        n_iter_no_change=int(rng.integers(1, 4)),
    )
    params = np.zeros(d + 1) if rng.integers(2) else rng.normal(scale=0.1, size=d + 1)
    if not fit_intercept:
        params[d] = 0.0
    if optimizer == "adagrad":
        accumulators = np.full(d + 1, float(rng.choice([0.0, 0.1])))
    else:
        accumulators = np.zeros(0)
    t = 1.0 if rng.integers(2) else float(rng.integers(2, 1000))   # fresh or continued
    order = np.arange(n, dtype=np.int64)
    shuffle_seed = None
    if shuffle:
        order = rng.permutation(n).astype(np.int64)
        shuffle_seed = int(rng.integers(2**32))
    max_epochs = int(np.clip(EXAMPLE_BUDGET // n, 2, 25))
    arrays = dict(X=np.ascontiguousarray(X, dtype=dtype), y=y.astype(dtype),
                  sw=sw.astype(dtype), order=order, params=params.astype(dtype),
                  accumulators=accumulators.astype(dtype), mean=mean, inv_std=inv_std)
    return arrays, settings, t, max_epochs, shuffle_seed


def both(arrays, settings, t, max_epochs, shuffle_seed, core):
    """(compiled run, reference run) of the same problem."""
    return [run(backend, *arrays.values(), settings, t, max_epochs, shuffle_seed)
            for backend in (core, _reference)]


CASES = list(itertools.product(SCHEDULES, BATCHES, ["l2", None], [False, True],
                               [np.float64, np.float32], ["sgd", "adagrad"], [0, 1]))


def case_seed(*case):
    return zlib.crc32(repr([c.__name__ if isinstance(c, type) else c for c in case]).encode())


@pytest.mark.parametrize(
    "schedule, batch, penalty, shuffle, dtype, optimizer, draw", CASES,
    ids=["-".join([s, "b" + b, str(p), "shuf" if sh else "noshuf", dt.__name__, o, str(r)])
         for s, b, p, sh, dt, o, r in CASES])
def test_core_matches_reference(schedule, batch, penalty, shuffle, dtype, optimizer, draw):
    arrays, settings, t, max_epochs, shuffle_seed = make_case(
        case_seed(schedule, batch, penalty, shuffle, dtype, optimizer, draw),
        schedule=schedule, batch=batch, penalty=penalty, shuffle=shuffle, dtype=dtype,
        optimizer=optimizer)
    ref = run(_reference, *arrays.values(), settings, t, max_epochs, shuffle_seed)
    assert ref.status != "diverged", "the generated problem should be trainable"
    n = arrays["X"].shape[0]
    updates_per_epoch = -(-n // min(settings.batch_size, n))
    assert ref.t == t + ref.epochs * updates_per_epoch
    # The run did something: the parameters moved.
    assert not np.array_equal(ref.params, arrays["params"])
    for core in CORES.values():
        assert_same_run(run(core, *arrays.values(), settings, t, max_epochs, shuffle_seed),
                        ref, dtype)


CORNERS = list(itertools.product([(1, 1), (1, 50), (500, 1), (500, 50)], BATCHES,
                                 ["sgd", "adagrad"]))


@pytest.mark.parametrize("shape, batch, optimizer", CORNERS)
def test_core_matches_reference_at_the_size_limits(shape, batch, optimizer):
    n, d = shape
    rng = np.random.default_rng(zlib.crc32(repr((shape, batch, optimizer)).encode()))
    dtype = np.float32 if rng.integers(2) else np.float64
    eta0 = 0.05
    X = np.sqrt(0.4 / (d * eta0)) * rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 1.0
    arrays = dict(X=X.astype(dtype), y=y.astype(dtype), sw=np.ones(n, dtype=dtype),
                  order=rng.permutation(n).astype(np.int64),
                  params=np.zeros(d + 1, dtype=dtype),
                  accumulators=np.zeros(d + 1 if optimizer == "adagrad" else 0, dtype=dtype),
                  mean=np.zeros(0), inv_std=np.zeros(0))
    settings = TrainSettings(
        optimizer=optimizer, learning_rate="invscaling", eta0=eta0, alpha=1e-3,
        batch_size={"1": 1, "3": 3, "n+5": n + 5, "full": n}[batch], tol=1e-3,
        n_iter_no_change=2)
    seed = int(rng.integers(100))
    ref = run(_reference, *arrays.values(), settings, 1.0, 4 if n > 1 else 25, seed)
    for core in CORES.values():
        assert_same_run(run(core, *arrays.values(), settings, 1.0, 4 if n > 1 else 25, seed),
                        ref, dtype)


def test_random_cases_exercise_the_stopping_rule():
    """The generated cases above are not all fixed-length runs: with tol set, many stop
    early ("converged"), and some adaptive runs divide eta by 5 (checked on the core
    alone; the comparison above shows the reference does the same)."""
    endings = {"converged": 0, "max_iter": 0}
    adaptive_decays = 0
    for case in CASES:
        schedule, batch, penalty, shuffle, dtype, optimizer, _ = case
        arrays, settings, t, max_epochs, shuffle_seed = make_case(
            case_seed(*case), schedule=schedule, batch=batch, penalty=penalty,
            shuffle=shuffle, dtype=dtype, optimizer=optimizer)
        result = run(_core, *arrays.values(), settings, t, max_epochs, shuffle_seed)
        endings[result.status] += 1
        adaptive_decays += schedule == "adaptive" and result.eta < settings.eta0
    assert endings["converged"] >= len(CASES) // 10
    assert endings["max_iter"] >= len(CASES) // 10
    assert adaptive_decays >= 5


# ---------------------------------------------------------------------------------------
# Targeted cases: the rules that random draws might hit only rarely.

def plain_problem(n, d, seed=0, dtype=np.float64, mag=None):
    rng = np.random.default_rng(seed)
    mag = 1.0 / np.sqrt(d) if mag is None else mag
    X = mag * rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.3 + 0.05 * rng.normal(size=n)
    return dict(X=X.astype(dtype), y=y.astype(dtype), sw=np.ones(n, dtype=dtype),
                order=np.arange(n, dtype=np.int64), params=np.zeros(d + 1, dtype=dtype),
                accumulators=np.zeros(0, dtype=dtype), mean=np.zeros(0),
                inv_std=np.zeros(0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 4, 60])
def test_stopping_rule_fires_identically(batch_size, dtype, core):
    arrays = plain_problem(60, 4, dtype=dtype)
    settings = TrainSettings(learning_rate="constant", eta0=0.1, penalty=None,
                             batch_size=batch_size, tol=1e-3, n_iter_no_change=2)
    got, ref = both(arrays, settings, 1.0, 200, None, core)
    assert ref.status == "converged" and ref.epochs < 200
    assert_same_run(got, ref, dtype)
    # The rule itself: the last n_iter_no_change epochs failed to beat the best so far
    # by tol, the one before them did not.
    curve = ref.curve
    for k in (1, 2):
        assert curve[-k] > min(curve[:-k]) - 1e-3


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@pytest.mark.parametrize("batch_size", [1, 5, 40])
def test_adaptive_divides_eta_by_five(batch_size, optimizer, core):
    arrays = plain_problem(40, 3)
    if optimizer == "adagrad":
        arrays["accumulators"] = np.zeros(4)
    settings = TrainSettings(optimizer=optimizer, learning_rate="adaptive", eta0=0.3,
                             penalty="l2", alpha=1e-3, batch_size=batch_size, tol=1e-2,
                             n_iter_no_change=1)
    got, ref = both(arrays, settings, 1.0, 40, None, core)
    k = round(np.log(settings.eta0 / ref.eta) / np.log(5.0))
    assert k >= 2, "eta should have been divided by 5 several times"
    assert ref.eta == pytest.approx(settings.eta0 / 5.0**k, rel=1e-12)
    assert_same_run(got, ref, np.float64)


def test_adaptive_stops_dividing_below_1e_6(core):
    arrays = plain_problem(20, 2)
    settings = TrainSettings(learning_rate="adaptive", eta0=1e-5, penalty=None,
                             batch_size=20, tol=10.0, n_iter_no_change=1)
    got, ref = both(arrays, settings, 1.0, 50, None, core)
    # Epoch 1 improves on +inf; each later one stalls: 1e-5 -> 2e-6 -> 4e-7, which is
    # not > 1e-6, so the fourth epoch's stall stops the run.
    assert ref.status == "converged" and ref.epochs == 4
    assert ref.eta == pytest.approx(4e-7, rel=1e-12)
    assert_same_run(got, ref, np.float64)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 2])
def test_single_example_single_feature(batch_size, dtype, optimizer, core):
    arrays = plain_problem(1, 1, dtype=dtype)
    if optimizer == "adagrad":
        arrays["accumulators"] = np.zeros(2, dtype=dtype)
    settings = TrainSettings(optimizer=optimizer, learning_rate="invscaling", eta0=0.2,
                             batch_size=batch_size, tol=None)
    got, ref = both(arrays, settings, 1.0, 30, None, core)
    assert ref.t == 31.0 and ref.epochs == 30
    assert_same_run(got, ref, dtype)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_no_intercept_leaves_it_untouched(batch_size, optimizer, core):
    arrays = plain_problem(50, 3)
    arrays["params"][-1] = 0.25
    if optimizer == "adagrad":
        arrays["accumulators"] = np.full(4, 0.5)
    settings = TrainSettings(optimizer=optimizer, learning_rate="constant", eta0=0.05,
                             fit_intercept=False, batch_size=batch_size, tol=None)
    got, ref = both(arrays, settings, 1.0, 5, None, core)
    assert got.params[-1] == ref.params[-1] == 0.25
    if optimizer == "adagrad":
        assert got.accumulators[-1] == ref.accumulators[-1] == 0.5
    assert_same_run(got, ref, np.float64)


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
@pytest.mark.parametrize("batch_size", [1, 3, 30])
@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
def test_divergence_is_reported_identically(optimizer, batch_size, schedule, core):
    arrays = plain_problem(30, 5, mag=30.0)
    if optimizer == "adagrad":
        arrays["accumulators"] = np.zeros(6)
    # Adagrad's steps are bounded by eta: only an absurd rate blows it up.
    eta0 = 1e200 if optimizer == "adagrad" else 10.0
    settings = TrainSettings(optimizer=optimizer, learning_rate=schedule, eta0=eta0,
                             penalty=None, batch_size=batch_size, tol=None)
    with np.errstate(all="ignore"):           # the reference overflows on purpose
        got, ref = both(arrays, settings, 1.0, 100, None, core)
    assert got.status == ref.status == "diverged"
    assert got.epochs == ref.epochs
    # Training stops at the update that made the loss infinite: the same t, and the
    # same learning rate (which the estimator's DivergenceError reports).
    assert got.t == ref.t
    assert got.eta == ref.eta
    assert not np.isfinite(got.curve[-1]) and not np.isfinite(ref.curve[-1])
    assert_close(got.curve[:-1], ref.curve[:-1], 1e-10, "loss before divergence")
    # No callback for the diverged epoch.
    assert len(got.calls) == len(ref.calls) == got.epochs - 1


def test_order_is_followed_and_rewritten_between_epochs(core):
    """The kernel reads `order` afresh every epoch (the caller reshuffles it in place);
    visiting the examples in a given order equals visiting the permuted data in order."""
    arrays = plain_problem(25, 3)
    perm = np.random.default_rng(5).permutation(25)
    settings = TrainSettings(learning_rate="invscaling", eta0=0.1, tol=None)
    permuted = dict(arrays, X=np.ascontiguousarray(arrays["X"][perm]), y=arrays["y"][perm])
    for backend in (core, _reference):
        a = run(backend, **dict(arrays, order=perm.astype(np.int64)), settings=settings,
                t=1.0, max_epochs=1, shuffle_seed=None)
        b = run(backend, **permuted, settings=settings, t=1.0, max_epochs=1,
                shuffle_seed=None)
        assert_close(a.params, b.params, 1e-12, "order")
        shuffled = run(backend, **arrays, settings=settings, t=1.0, max_epochs=3,
                       shuffle_seed=3)
        fixed = run(backend, **arrays, settings=settings, t=1.0, max_epochs=3,
                    shuffle_seed=None)
        assert not np.allclose(shuffled.params, fixed.params, rtol=1e-6)


# ---------------------------------------------------------------------------------------
# The whole estimator on either backend.

def fit_on(backend, monkeypatch, make, X, y, **fit_kw):
    monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, **fit_kw)
    return est


def assert_same_estimator(a, b, rtol):
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_
    assert a.coef_.dtype == b.coef_.dtype
    assert_close(a.coef_, b.coef_, rtol, "coef_")
    assert_close(a.intercept_, b.intercept_, rtol, "intercept_")
    assert_close(a.loss_curve_, b.loss_curve_, rtol, "loss_curve_")
    if a.optimizer == "adagrad":
        assert_close(a.accumulator_, b.accumulator_, rtol, "accumulator_")
        assert_close(a.intercept_accumulator_, b.intercept_accumulator_, rtol,
                     "intercept_accumulator_")


def estimator_problem(n=120, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.linspace(0.5, 2.0, d) + np.linspace(-3, 3, d)
    y = X @ rng.normal(size=d) + 1.5 + 0.1 * rng.normal(size=n)
    return X, y


ESTIMATOR_SETTINGS = {
    "sgd-default": dict(eta0=0.005, random_state=0, max_iter=30),
    "sgd-scaled-batch8-adaptive": dict(scale=True, batch_size=8, learning_rate="adaptive",
                                       eta0=0.1, tol=1e-2, random_state=1, max_iter=40),
    "adagrad-scaled-full": dict(optimizer="adagrad", scale=True, batch_size="full",
                                eta0=0.5, tol=None, max_iter=30),
    "adagrad-optimal-noshuffle": dict(optimizer="adagrad", learning_rate="optimal",
                                      alpha=0.1, shuffle=False, penalty=None,
                                      max_iter=15),
    "sgd-full-constant-noint": dict(batch_size="full", learning_rate="constant", eta0=0.02,
                                    fit_intercept=False, tol=1e-4, max_iter=200),
}


@pytest.mark.parametrize("layout", ["C64", "F64", "C32", "strided", "int"])
@pytest.mark.parametrize("name", list(ESTIMATOR_SETTINGS))
def test_estimator_fit_on_both_backends(name, layout, monkeypatch, core):
    X, y = estimator_problem()
    X = {"C64": X, "F64": np.asfortranarray(X), "C32": X.astype(np.float32),
         "strided": np.repeat(X, 2, axis=1)[:, ::2],        # a non-contiguous view
         "int": np.round(X).astype(np.int64)}[layout]
    assert layout in ("C64", "C32") or not X.flags.c_contiguous or X.dtype.kind == "i"
    params = ESTIMATOR_SETTINGS[name]
    sw = np.random.default_rng(1).uniform(0.5, 1.5, size=X.shape[0])
    a = fit_on(core, monkeypatch, lambda: SGDRegressor(**params), X, y, sample_weight=sw)
    b = fit_on(_reference, monkeypatch, lambda: SGDRegressor(**params), X, y,
               sample_weight=sw)
    dtype = np.float32 if layout == "C32" else np.float64
    assert a.coef_.dtype == dtype
    assert_same_estimator(a, b, RTOL[dtype])


@pytest.mark.parametrize("name", ["sgd-scaled-batch8-adaptive", "adagrad-scaled-full"])
def test_estimator_partial_fit_and_warm_start_on_both_backends(name, monkeypatch, core):
    X, y = estimator_problem(n=90)
    params = ESTIMATOR_SETTINGS[name]
    models = []
    for backend in (core, _reference):
        monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
        est = SGDRegressor(**params)
        for chunk in np.array_split(np.arange(90), 3):
            est.partial_fit(X[chunk], y[chunk])
        warm = SGDRegressor(**dict(params, warm_start=True, max_iter=3, tol=None))
        warm.fit(X, y)
        warm.fit(X[::-1], y[::-1])
        models.append((est, warm))
    for a, b in zip(*models, strict=True):
        assert_same_estimator(a, b, RTOL[np.float64])


@pytest.mark.parametrize("batch_size", [1, 4, "full"])
@pytest.mark.parametrize("learning_rate", ["invscaling", "optimal"])
def test_estimator_divergence_error_on_both_backends(learning_rate, batch_size,
                                                     monkeypatch, core):
    X, y = estimator_problem(n=40)
    X = 50.0 * X
    errors = []
    for backend in (core, _reference):
        monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
        est = SGDRegressor(learning_rate=learning_rate, eta0=1.0, alpha=0.1,
                           batch_size=batch_size, shuffle=False, tol=None, max_iter=500)
        with np.errstate(all="ignore"), pytest.raises(fastsgd.DivergenceError) as info:
            est.fit(X, y)
        errors.append(info.value)
    got, ref = errors
    assert got.epoch == ref.epoch
    assert got.learning_rate == pytest.approx(ref.learning_rate, rel=1e-12)
    assert str(got) == str(ref)
    assert_close(got.loss_curve[:-1], ref.loss_curve[:-1], 1e-10, "loss curve")
