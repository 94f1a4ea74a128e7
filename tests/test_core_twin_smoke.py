"""The compiled kernels against their NumPy twins on small, awkward problems.

Small enough to run under the checked build (.ci/run builds the core with bounds checking
and AddressSanitizer and runs this file, or tests/test_core_vs_reference.py when present):
every kernel path is visited, with shapes chosen to hit the edges of the loops -- one
row, one feature, a feature count that is not a multiple of the 4-way unrolled dot
product, a last batch shorter than the others, a batch larger than the data, and Ctrl-C
check points inside an epoch and inside one full batch.
"""

import numpy as np
import pytest

from fastsgd import _core, _reference
from fastsgd._settings import TrainSettings

SMALL = [(1, 1), (7, 3), (33, 5)]
LARGE = (9000, 6)                                       # > CHECK_EVERY (8192) rows


def _run(module, X, y, sw, settings, stats, epochs, seed):
    n, d = X.shape
    order = np.random.default_rng(seed).permutation(n).astype(np.int64)
    params = np.linspace(-0.1, 0.1, d + 1).astype(X.dtype)
    acc = np.full(d + 1 if settings.optimizer == "adagrad" else 0, 0.01, dtype=X.dtype)
    curve = np.zeros(epochs)
    reshuffle = np.random.default_rng(seed + 1)
    seen = []

    def on_epoch_end(epoch, mean_loss, go_on):
        seen.append((epoch, go_on))
        if go_on:
            reshuffle.shuffle(order)

    mean, inv_std = stats
    result = module.train_epochs(X, y, sw, order, params, acc, mean, inv_std, settings, 1.0,
                                 curve, on_epoch_end)
    return result, params, acc, curve, seen


def _problem(n, d, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + 1.0).astype(dtype)
    y = (X @ rng.normal(size=d) + 0.3).astype(dtype)
    sw = rng.uniform(0.2, 2.0, size=n).astype(dtype)
    return X, y, sw


CASES = [
    dict(optimizer="sgd", learning_rate="invscaling", batch_size=1),
    dict(optimizer="sgd", learning_rate="constant", batch_size=4, penalty=None),
    dict(optimizer="sgd", learning_rate="optimal", batch_size=1, alpha=3.0),
    dict(optimizer="sgd", learning_rate="adaptive", batch_size=1, tol=10.0,
         n_iter_no_change=1),
    dict(optimizer="sgd", learning_rate="invscaling", batch_size=10**9),      # full batch
    dict(optimizer="adagrad", learning_rate="constant", batch_size=1, eta0=0.05),
    dict(optimizer="adagrad", learning_rate="constant", batch_size=3, eta0=0.05,
         fit_intercept=False),
    dict(optimizer="adagrad", learning_rate="invscaling", batch_size=10**9, eta0=0.2),
]


# The large shape only for three paths (per-example SGD, full-batch SGD, mini-batch
# Adagrad): the twin is slow.
COMBOS = [(c, s) for c in CASES for s in SMALL] + [(CASES[i], LARGE) for i in (0, 4, 6)]


@pytest.mark.parametrize("case, shape", COMBOS, ids=[
    "-".join(f"{v}" for v in c.values()) + f"-{s[0]}x{s[1]}" for c, s in COMBOS])
@pytest.mark.parametrize("scaled", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernel_matches_twin(case, shape, scaled, dtype):
    n, d = shape
    X, y, sw = _problem(n, d, dtype)
    params = dict(eta0=0.01, alpha=1e-4, tol=None)
    params.update(case)
    params["batch_size"] = min(params["batch_size"], n)
    settings = TrainSettings(**params)
    if scaled:
        mean, std = _core.column_stats(X)
        stats = (mean, 1.0 / np.where(std > 0, std, 1.0))
    else:
        stats = (np.zeros(0), np.zeros(0))
    epochs = 2 if n > 1000 else 4
    got = _run(_core, X, y, sw, settings, stats, epochs, seed=n)
    want = _run(_reference, X, y, sw, settings, stats, epochs, seed=n)
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    (g_epochs, g_t, g_eta, g_status), g_params, g_acc, g_curve, g_seen = got
    (w_epochs, w_t, w_eta, w_status), w_params, w_acc, w_curve, w_seen = want
    assert g_status != "diverged", "choose settings that train: the twins stop divergent "\
        "runs at different points (the kernel looks at the loss every CHECK_EVERY examples)"
    assert (g_epochs, g_t, g_status, g_seen) == (w_epochs, w_t, w_status, w_seen)
    np.testing.assert_allclose(g_eta, w_eta, rtol=1e-12)
    np.testing.assert_allclose(g_params, w_params, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(g_acc, w_acc, rtol=rtol)
    np.testing.assert_allclose(g_curve, w_curve, rtol=rtol)


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (4100, 2), (0, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_stats_matches_twin(shape, dtype):
    X, _, _ = _problem(max(shape[0], 1), shape[1], dtype)
    X = X[: shape[0]]
    got = _core.column_stats(X)
    want = _reference.column_stats(X)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12 if dtype == np.float64 else 1e-6)
