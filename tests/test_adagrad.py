"""optimizer="adagrad": the compiled core against its twin, the lecture's recurrence,
PyTorch's documented rule, and the state the estimator keeps between calls."""

import math
import warnings

import numpy as np
import pytest
from _cores import CORES, RTOL

import fastsgd
from fastsgd import SGDRegressor
from fastsgd import _reference as reference
from fastsgd._settings import TrainSettings
from fastsgd.exceptions import ConvergenceWarning, DivergenceError


def make_data(n=60, d=5, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, d) + rng.uniform(-1.0, 1.0, d)
    y = X @ rng.standard_normal(d) + 0.3 + 0.1 * rng.standard_normal(n)
    return X.astype(dtype), y.astype(dtype)


def fit_with(backend, monkeypatch, X, y, **params):
    monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
    est = SGDRegressor(optimizer="adagrad", **params).fit(X, y)
    monkeypatch.undo()
    return est


def assert_same_model(a, b, rtol):
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=rtol)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=rtol)
    np.testing.assert_allclose(a.accumulator_, b.accumulator_, rtol=rtol)
    np.testing.assert_allclose(a.intercept_accumulator_, b.intercept_accumulator_, rtol=rtol)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol)
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_


# -- compiled core against the NumPy twin ---------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 7, "full"])
@pytest.mark.parametrize("penalty", ["l2", None])
@pytest.mark.parametrize("shuffle", [False, True])
@CORES
def test_core_matches_reference(monkeypatch, core, dtype, batch_size, penalty, shuffle):
    X, y = make_data(dtype=dtype)
    params = dict(batch_size=batch_size, penalty=penalty, alpha=0.01, shuffle=shuffle,
                  random_state=3, max_iter=4, tol=None, eta0=0.05,
                  initial_accumulator_value=0.1)
    fast = fit_with(core, monkeypatch, X, y, **params)
    slow = fit_with(reference, monkeypatch, X, y, **params)
    assert fast.coef_.dtype == dtype and fast.accumulator_.dtype == dtype
    assert_same_model(fast, slow, RTOL[dtype])
    # The run must actually have moved away from the start for the comparison to mean
    # anything.
    assert np.all(fast.accumulator_ > 0.1) and np.all(fast.coef_ != 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("settings", [
    dict(learning_rate="invscaling", power_t=0.5, batch_size=1, sample_weight=True),
    dict(learning_rate="adaptive", batch_size=4, tol=1e9, n_iter_no_change=1),
    dict(learning_rate="optimal", alpha=0.1, batch_size=1, fit_intercept=False),
    dict(learning_rate="constant", batch_size=3, tol=1e-2, scale=True),
    dict(learning_rate="constant", batch_size=1, eps=0.5, initial_accumulator_value=0.0),
])
@CORES
def test_core_matches_reference_schedules_stopping_scaling(monkeypatch, core, dtype, settings):
    X, y = make_data(dtype=dtype, seed=1)
    settings = dict(settings)
    fit_params = {}
    if settings.pop("sample_weight", False):
        fit_params["sample_weight"] = np.random.default_rng(2).uniform(0.2, 2.0, len(y))
    params = dict(dict(max_iter=6, tol=None, eta0=0.1, random_state=0), **settings)
    ests = []
    for backend in (core, reference):
        monkeypatch.setattr(fastsgd._sgd, "_BACKEND", backend)
        with warnings.catch_warnings():
            # Whether these stopping settings hit max_iter does not matter here.
            warnings.simplefilter("ignore", ConvergenceWarning)
            ests.append(SGDRegressor(optimizer="adagrad", **params).fit(X, y, **fit_params))
    monkeypatch.undo()
    assert_same_model(ests[0], ests[1], RTOL[dtype])


# -- the lecture's recurrence and PyTorch's rule ---------------------------------------------

def lecture_adagrad_path(x, y, eta, steps):
    """The lecture's Adagrad for one weight, written as the lecture writes it:

        w^{t+1} = w^t - (eta^t / sigma^t) g^t,   eta^t = eta / sqrt(t + 1),
        sigma^t = sqrt( 1/(t+1) * sum_{i<=t} (g^i)^2 ),

    t counting from 0, g^t the gradient of the mean loss 1/2 (w x - y)^2 at w^t.
    """
    w = 0.0
    past = []
    path = []
    for t in range(steps):
        g = float(np.mean((w * x - y) * x))
        past.append(g)
        eta_t = eta / math.sqrt(t + 1)
        sigma_t = math.sqrt(sum(gi ** 2 for gi in past) / (t + 1))
        w = w - (eta_t / sigma_t) * g
        path.append(w)
    return np.array(path)


def test_lecture_recurrence_full_batch():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 2.0, 30)
    y = 3.0 * x + 0.2 * rng.standard_normal(30)      # g^0 = -mean(x y) != 0: no 0/0
    eta = 0.3
    expected = lecture_adagrad_path(x, y, eta, 50)

    est = SGDRegressor(optimizer="adagrad", learning_rate="constant", eta0=eta, eps=0.0,
                       penalty=None, fit_intercept=False, batch_size="full", shuffle=False)
    path = []
    for _ in range(50):
        est.partial_fit(x[:, None], y)            # one epoch = one full-batch update
        path.append(est.coef_[0])
    np.testing.assert_allclose(path, expected, rtol=1e-10)
    assert est.t_ == 51
    # Not a trivial path: w travels most of the way to the least-squares slope.
    assert abs(path[-1] - path[0]) > 1.0


def test_lecture_recurrence_one_example_per_update():
    # batch_size=1: every partial_fit on a single row is one update; the lecture's g^t is
    # then that example's gradient.
    rng = np.random.default_rng(5)
    x = rng.uniform(0.5, 2.0, 50)
    y = -2.0 * x + 0.1 * rng.standard_normal(50)
    eta = 0.5
    w, past, expected = 0.0, [], []
    for t in range(50):
        g = (w * x[t] - y[t]) * x[t]
        past.append(g)
        eta_t = eta / math.sqrt(t + 1)
        sigma_t = math.sqrt(sum(gi ** 2 for gi in past) / (t + 1))
        w = w - (eta_t / sigma_t) * g
        expected.append(w)

    est = SGDRegressor(optimizer="adagrad", learning_rate="constant", eta0=eta, eps=0.0,
                       penalty=None, fit_intercept=False, batch_size=1)
    path = []
    for t in range(50):
        est.partial_fit(x[t:t + 1, None], y[t:t + 1])
        path.append(est.coef_[0])
    np.testing.assert_allclose(path, expected, rtol=1e-10)


def torch_adagrad_path(X, y, batches, lr, weight_decay, initial_accumulator_value, eps):
    """torch.optim.Adagrad as its documentation states the algorithm, lr_decay = 0:

        state_sum_0 = tau
        g_t = grad f_t(theta_{t-1});  lr~ = lr / (1 + (t - 1) lr_decay)
        g_t = g_t + lambda theta_{t-1}                     (weight decay)
        state_sum_t = state_sum_{t-1} + g_t^2
        theta_t = theta_{t-1} - lr~ g_t / (sqrt(state_sum_t) + eps)

    Two parameter groups: the weights with weight_decay=lambda, the bias with none (as
    L2 is never applied to the intercept).  f_t is the mean of 1/2 (x.w + b - y)^2 over
    the t-th batch.
    """
    lr_decay = 0.0
    d = X.shape[1]
    w, b = np.zeros(d), 0.0
    sum_w, sum_b = np.full(d, initial_accumulator_value), initial_accumulator_value
    path = []
    for t, rows in enumerate(batches, start=1):
        r = X[rows] @ w + b - y[rows]
        g_w = X[rows].T @ r / len(rows)
        g_b = float(np.mean(r))
        clr = lr / (1 + (t - 1) * lr_decay)
        g_w = g_w + weight_decay * w
        sum_w = sum_w + g_w * g_w
        sum_b = sum_b + g_b * g_b
        w = w - clr * g_w / (np.sqrt(sum_w) + eps)
        b = b - clr * g_b / (math.sqrt(sum_b) + eps)
        path.append(np.append(w, b))
    return np.array(path), np.append(sum_w, sum_b)


@pytest.mark.parametrize(("batch_size", "eps"), [(1, 1e-10), (4, 1e-10), (4, 0.5)])
def test_pytorch_documented_rule(batch_size, eps):
    X, y = make_data(n=200, d=3, seed=6)
    lr, alpha, tau = 0.2, 0.05, 0.3
    batches = [list(range(s, s + batch_size)) for s in range(0, 50 * batch_size, batch_size)]
    expected, expected_sums = torch_adagrad_path(X, y, batches, lr, alpha, tau, eps)

    est = SGDRegressor(optimizer="adagrad", eta0=lr, alpha=alpha, penalty="l2",
                       initial_accumulator_value=tau, eps=eps, batch_size=batch_size,
                       shuffle=False)
    path = []
    for rows in batches:                       # one chunk of one batch = one update
        est.partial_fit(X[rows], y[rows])
        path.append(np.append(est.coef_, est.intercept_))
    np.testing.assert_allclose(path, expected, rtol=1e-10)
    np.testing.assert_allclose(np.append(est.accumulator_, est.intercept_accumulator_),
                               expected_sums, rtol=1e-10)


# -- state kept between calls ----------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_partial_fit_chunks_equal_one_epoch(batch_size, dtype):
    X, y = make_data(n=100, d=4, dtype=dtype, seed=7)
    params = dict(optimizer="adagrad", eta0=0.1, batch_size=batch_size, shuffle=False,
                  initial_accumulator_value=0.01)
    whole = SGDRegressor(max_iter=1, tol=None, **params).fit(X, y)
    chunked = SGDRegressor(**params)
    bounds = [0, 25, 40, 80, 100]              # chunk lengths are multiples of 5
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        chunked.partial_fit(X[lo:hi], y[lo:hi])
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(chunked.coef_, whole.coef_, rtol=rtol)
    np.testing.assert_allclose(chunked.intercept_, whole.intercept_, rtol=rtol)
    np.testing.assert_allclose(chunked.accumulator_, whole.accumulator_, rtol=rtol)
    np.testing.assert_allclose(chunked.intercept_accumulator_, whole.intercept_accumulator_,
                               rtol=rtol)
    assert chunked.t_ == whole.t_ == 1 + -(-100 // batch_size)
    # The chunks' epoch losses, weighted by their lengths, are the whole epoch's loss.
    sizes = np.diff(bounds)
    np.testing.assert_allclose(np.dot(chunked.loss_curve_, sizes) / 100,
                               whole.loss_curve_[0], rtol=rtol)


def test_accumulators_start_from_initial_value():
    # One full-batch update from w = 0, b = 0: G = tau + g^2 with g the mean gradient.
    X, y = make_data(n=40, d=3, seed=8)
    tau = 0.7
    est = SGDRegressor(optimizer="adagrad", batch_size="full", penalty=None,
                       initial_accumulator_value=tau).partial_fit(X, y)
    g_w = X.T @ (-y) / len(y)
    g_b = float(np.mean(-y))
    np.testing.assert_allclose(est.accumulator_, tau + g_w ** 2, rtol=1e-12)
    np.testing.assert_allclose(est.intercept_accumulator_, [tau + g_b ** 2], rtol=1e-12)


def test_accumulators_kept_across_partial_fit():
    X, y = make_data(n=50, d=3, seed=9)
    est = SGDRegressor(optimizer="adagrad", shuffle=False)
    est.partial_fit(X, y)
    first = est.accumulator_.copy()
    est.partial_fit(X, y)
    assert np.all(est.accumulator_ > first)
    # Kept, not restarted: a fresh model given only the second epoch would have about
    # the first epoch's sums, not their double.
    fresh = SGDRegressor(optimizer="adagrad", shuffle=False).partial_fit(X, y)
    np.testing.assert_allclose(fresh.accumulator_, first, rtol=1e-12)
    assert np.all(est.accumulator_ > 1.2 * first)


def test_accumulators_kept_with_warm_start_and_fresh_without():
    X, y = make_data(n=50, d=3, seed=10)
    params = dict(optimizer="adagrad", shuffle=False, tol=None, eta0=0.05)
    four = SGDRegressor(max_iter=4, **params).fit(X, y)

    warm = SGDRegressor(max_iter=2, warm_start=True, **params).fit(X, y)
    warm.fit(X, y)
    np.testing.assert_allclose(warm.coef_, four.coef_, rtol=1e-12)
    np.testing.assert_allclose(warm.accumulator_, four.accumulator_, rtol=1e-12)
    np.testing.assert_allclose(warm.intercept_accumulator_, four.intercept_accumulator_,
                               rtol=1e-12)
    # fit restarts the update counter even with warm_start (as scikit-learn does); with a
    # constant schedule that does not change the path, so only t_ differs.
    assert warm.t_ == 1 + 2 * len(y)

    cold = SGDRegressor(max_iter=2, **params).fit(X, y)
    two = (cold.coef_.copy(), cold.accumulator_.copy(), cold.intercept_accumulator_.copy())
    cold.fit(X, y)
    np.testing.assert_array_equal(cold.coef_, two[0])
    np.testing.assert_array_equal(cold.accumulator_, two[1])
    np.testing.assert_array_equal(cold.intercept_accumulator_, two[2])
    assert cold.t_ == 1 + 2 * len(y)

    # fit after partial_fit (no warm start) also starts afresh.
    mixed = SGDRegressor(max_iter=2, **params).partial_fit(X, y)
    mixed.fit(X, y)
    np.testing.assert_array_equal(mixed.accumulator_, two[1])


def test_accumulators_only_for_adagrad():
    X, y = make_data(n=20, d=2)
    est = SGDRegressor(max_iter=2, tol=None).fit(X, y)
    with pytest.raises(AttributeError, match="adagrad"):
        _ = est.accumulator_
    assert not hasattr(SGDRegressor(optimizer="adagrad"), "accumulator_")


def test_divergence_keeps_previous_state():
    X, y = make_data(n=30, d=3, seed=11)
    est = SGDRegressor(optimizer="adagrad", max_iter=3, tol=None).fit(X, y)
    before = (est.coef_.copy(), est.accumulator_.copy(), est.t_)
    est.set_params(eta0=1e200)
    with pytest.raises(DivergenceError, match="epoch 1"):
        est.fit(X, y)
    np.testing.assert_array_equal(est.coef_, before[0])
    np.testing.assert_array_equal(est.accumulator_, before[1])
    assert est.t_ == before[2]


def test_stopping_as_for_sgd():
    X, y = make_data(n=80, d=3, seed=12)
    est = SGDRegressor(optimizer="adagrad", eta0=0.5, tol=1e-3, n_iter_no_change=3,
                       max_iter=1000, random_state=0).fit(X, y)
    assert est.n_iter_ < 1000
    curve = np.array(est.loss_curve_)
    best_before = np.minimum.accumulate(curve)[-4]
    assert np.all(curve[-3:] > best_before - 1e-3)


# -- the lecture's promise: per-parameter rates cope with badly scaled features ---------------

def training_loss(est, X, y):
    return 0.5 * float(np.mean((est.predict(X) - y) ** 2))


def test_adagrad_beats_sgd_on_badly_scaled_features():
    rng = np.random.default_rng(13)
    n = 1000
    X = np.column_stack([rng.uniform(-1, 1, n), rng.uniform(-1000, 1000, n)])
    y = X @ [1.5, 2e-3] + 0.5 + 0.1 * rng.standard_normal(n)
    epochs = 5
    ada = SGDRegressor(optimizer="adagrad", max_iter=epochs, tol=None, random_state=0)
    ada_loss = training_loss(ada.fit(X, y), X, y)

    # Vanilla SGD at its defaults diverges here (eta0 * x^2 ~ 1e4); give it the best eta0
    # of a grid instead, the fairest comparison.
    with pytest.raises(DivergenceError):
        SGDRegressor(max_iter=epochs, tol=None, random_state=0).fit(X, y)
    sgd_losses = {}
    for eta0 in [10.0 ** k for k in range(-9, -3)]:
        try:
            sgd = SGDRegressor(eta0=eta0, max_iter=epochs, tol=None, random_state=0).fit(X, y)
        except DivergenceError:
            continue
        sgd_losses[eta0] = training_loss(sgd, X, y)
    assert sgd_losses, "every eta0 of the grid diverged"
    best_sgd = min(sgd_losses.values())
    print(f"training loss after {epochs} epochs: adagrad {ada_loss:.6g}, "
          f"best vanilla SGD {best_sgd:.6g} (eta0 grid: {sgd_losses})")
    assert ada_loss < best_sgd


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 8, 60])
@CORES
def test_kernels_update_accumulators_in_place(core, dtype, batch_size):
    # The kernel contract itself: params and accumulators are written in place, starting
    # from whatever they hold, and both backends agree on them and on the returned t.
    X, y = make_data(n=60, d=4, dtype=dtype, seed=14)
    sw = np.ones(60, dtype=dtype)
    order = np.random.default_rng(0).permutation(60).astype(np.int64)
    settings = TrainSettings(optimizer="adagrad", learning_rate="constant", eta0=0.1,
                             tol=None, batch_size=batch_size)
    empty = np.zeros(0)
    out = []
    for backend in (core, reference):
        params = np.full(5, 0.2, dtype=dtype)
        acc = np.full(5, 0.5, dtype=dtype)
        curve = np.zeros(3)
        epochs, t, _, status = backend.train_epochs(X, y, sw, order, params, acc, empty, empty,
                                                    settings, 4.0, curve)
        assert (epochs, status) == (3, "max_iter")
        assert t == 4.0 + 3 * -(-60 // batch_size)
        assert np.all(acc > 0.5)
        out.append((params, acc, curve))
    for fast, slow in zip(out[0], out[1], strict=True):
        np.testing.assert_allclose(fast, slow, rtol=RTOL[dtype])
