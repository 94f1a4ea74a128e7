"""A failed fit or partial_fit leaves a fitted estimator exactly as it was."""

import copy
import signal

import numpy as np
import pytest

import fastsgd._sgd
from fastsgd import DivergenceError, SGDRegressor
from fastsgd._dispatch import CORE as _core

RNG = np.random.default_rng(1)
X = RNG.normal(size=(200, 4))
Y = X @ np.array([1.0, -1.0, 2.0, 0.5]) + 1.0

MODELS = [
    {"optimizer": "sgd"},
    {"optimizer": "adagrad", "eta0": 0.1},
    {"optimizer": "adagrad", "eta0": 0.1, "scale": True, "batch_size": 8},
    {"optimizer": "sgd", "batch_size": "full", "eta0": 0.1, "scale": True},
]


def snapshot(est):
    """Everything the estimator learned, deep-copied; the generator as its state.

    The constructor parameters are left out: some failures below are provoked by
    set_params, which changes them on purpose.
    """
    state = {}
    params = est.get_params()
    for key, value in est.__dict__.items():
        if key in params:
            continue
        if isinstance(value, np.random.Generator):
            state[key] = ("rng", copy.deepcopy(value.bit_generator.state))
        else:
            state[key] = copy.deepcopy(value)
    return state


def assert_same(before, after):
    assert before.keys() == after.keys()
    for key in before:
        a, b = before[key], after[key]
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, key
            np.testing.assert_array_equal(a, b, err_msg=key)
        elif isinstance(a, tuple) and a and a[0] == "rng":
            assert repr(a) == repr(b), key
        else:
            assert a == b, key


def fitted(params):
    est = SGDRegressor(max_iter=5, tol=None, random_state=3, **params)
    est.fit(X, Y)
    est.partial_fit(X[:50], Y[:50])
    assert hasattr(est, "_params") and est.loss_curve_
    if est.optimizer == "adagrad":
        assert np.any(est._accumulators > 0)
    return est


def assert_continues_like_an_untouched_twin(est, params):
    """The failure left nothing behind: the next calls match a model that never failed."""
    twin = fitted(params)
    for _ in range(2):
        est.partial_fit(X, Y)
        twin.partial_fit(X, Y)
    np.testing.assert_array_equal(est.coef_, twin.coef_)
    np.testing.assert_array_equal(est.intercept_, twin.intercept_)
    assert est.t_ == twin.t_ and est.loss_curve_ == twin.loss_curve_


def _nan(a):
    a = a.copy()
    a[5, 1] = np.nan
    return a


FAILURES = {
    "fit NaN in X": lambda est: est.fit(_nan(X), Y),
    "partial_fit NaN in X": lambda est: est.partial_fit(_nan(X), Y),
    "partial_fit wrong feature count": lambda est: est.partial_fit(X[:, :3], Y),
    "partial_fit y of wrong length": lambda est: est.partial_fit(X, Y[:-1]),
    "partial_fit bad sample_weight": lambda est: est.partial_fit(
        X, Y, sample_weight=np.full(len(Y), np.nan)),
    "fit bad coef_init": lambda est: est.fit(X, Y, coef_init=np.ones(7)),
    "fit bad parameter": lambda est: est.set_params(eta0=-1.0).fit(X, Y),
    "partial_fit bad parameter": lambda est: est.set_params(batch_size=0).partial_fit(X, Y),
    "partial_fit diverges": lambda est: est.set_params(
        eta0=1e300, learning_rate="constant").partial_fit(X, Y * 1e300),
    "warm fit diverges": lambda est: est.set_params(
        eta0=1e300, learning_rate="constant", warm_start=True).fit(X, Y * 1e300),
    "fresh fit diverges": lambda est: est.set_params(
        eta0=1e300, learning_rate="constant").fit(X, Y * 1e300),
}


@pytest.mark.parametrize("params", MODELS)
@pytest.mark.parametrize("failure", list(FAILURES))
def test_failure_changes_nothing(params, failure):
    est = fitted(params)
    before = snapshot(est)
    saved_params = est.get_params()
    with pytest.raises(ValueError) as info:
        FAILURES[failure](est)
    if "diverges" in failure:
        assert isinstance(info.value, DivergenceError)
    assert_same(before, snapshot(est))
    est.set_params(**saved_params)
    assert_continues_like_an_untouched_twin(est, params)


class InterruptingBackend:
    """The compiled core, with Ctrl-C "pressed" at the end of a given epoch.

    The kernel has already updated the parameter and accumulator arrays it was given in
    place when the interrupt arrives: exactly the situation the estimator must undo.
    """

    def __init__(self, at_epoch):
        self.at_epoch = at_epoch
        self.reached = False

    def train_epochs(self, *args):
        *rest, on_epoch_end = args

        def interrupting(epoch, mean_loss, go_on):
            on_epoch_end(epoch, mean_loss, go_on)
            if epoch == self.at_epoch:
                self.reached = True
                raise KeyboardInterrupt

        return _core.train_epochs(*rest, interrupting)

    def __getattr__(self, name):
        return getattr(_core, name)


@pytest.mark.parametrize("params", MODELS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_keyboard_interrupt_from_the_epoch_callback_changes_nothing(monkeypatch, params,
                                                                      method):
    est = fitted(params)
    est.set_params(warm_start=True)
    before = snapshot(est)
    backend = InterruptingBackend(at_epoch=1 if method == "fit" else 0)
    monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
    with pytest.raises(KeyboardInterrupt):
        getattr(est, method)(X, Y)
    assert backend.reached
    assert_same(before, snapshot(est))
    monkeypatch.setattr(fastsgd._sgd, "_BACKEND", _core)
    est.set_params(warm_start=False)
    assert_continues_like_an_untouched_twin(est, params)


@pytest.mark.parametrize("params", [MODELS[1], MODELS[2]])
def test_keyboard_interrupt_from_a_signal_inside_the_kernel_changes_nothing(params):
    """A real signal, delivered while the kernel runs without the GIL."""
    big_X = np.tile(X, (500, 1))                      # 100 000 rows: many signal checks
    big_Y = np.tile(Y, 500)
    est = fitted(params)
    est.set_params(warm_start=True, max_iter=100_000)
    before = snapshot(est)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            est.fit(big_X, big_Y)                     # would run for minutes
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert_same(before, snapshot(est))
    est.set_params(warm_start=False, max_iter=5)
    assert_continues_like_an_untouched_twin(est, params)


def test_first_call_that_fails_leaves_an_unfitted_estimator():
    est = SGDRegressor()
    with pytest.raises(DivergenceError):
        est.partial_fit(X * 1e150, Y)
    assert not hasattr(est, "coef_") and not hasattr(est, "_params")
    with pytest.raises(DivergenceError):
        est.fit(X * 1e150, Y)
    assert est.__dict__.keys() == SGDRegressor().__dict__.keys()
    assert est.__dict__ == SGDRegressor().__dict__


@pytest.mark.parametrize("params", MODELS)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_exception_from_a_user_callback_changes_nothing(params, method, exc):
    """A user's ``callback`` raising (Ctrl-C in a plotting window, a bug) mid-fit."""
    est = fitted(params)
    before = snapshot(est)
    calls = []

    def callback(info):
        calls.append(info.epoch)
        if len(calls) == 2 or method == "partial_fit":
            raise exc("stop")

    est.set_params(callback=callback, warm_start=True, max_iter=10)
    with pytest.raises(exc):
        getattr(est, method)(X, Y)
    assert calls
    assert_same(before, snapshot(est))
    est.set_params(callback=None, warm_start=False, max_iter=5)
    assert_continues_like_an_untouched_twin(est, params)
