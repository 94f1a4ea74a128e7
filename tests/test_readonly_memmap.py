"""Read-only arrays and read-only memory maps are trained on in place, never copied."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _kernel_recorder import install

from fastsgd import SGDRegressor


def _problem(dtype, n=300, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)).astype(dtype)
    return X, y


def _readonly_memmap(path, array):
    np.save(path, array)
    return np.load(path, mmap_mode="r")


SETTINGS = [
    {},
    {"optimizer": "adagrad", "eta0": 0.1},
    {"batch_size": 16, "scale": True},
    {"batch_size": "full", "optimizer": "adagrad", "eta0": 0.5},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", SETTINGS)
@pytest.mark.parametrize("kind", ["memmap", "writeable=False"])
def test_read_only_data_reaches_the_kernel_without_a_copy(tmp_path, monkeypatch, dtype,
                                                          params, kind):
    X, y = _problem(dtype)
    sw = np.linspace(0.5, 1.5, X.shape[0]).astype(dtype)
    if kind == "memmap":
        Xr = _readonly_memmap(tmp_path / "X.npy", X)
        yr = _readonly_memmap(tmp_path / "y.npy", y)
        swr = _readonly_memmap(tmp_path / "sw.npy", sw)
        assert isinstance(Xr, np.memmap) and Xr.mode == "r"
    else:
        Xr, yr, swr = X.copy(), y.copy(), sw.copy()
        for a in (Xr, yr, swr):
            a.flags.writeable = False
    assert not Xr.flags.writeable

    recorder = install(monkeypatch)
    est = SGDRegressor(max_iter=4, tol=None, random_state=0, **params)
    est.fit(Xr, yr, sample_weight=swr)
    est.partial_fit(Xr, yr, sample_weight=swr)
    assert len(recorder.calls) == 2
    for call in recorder.calls:
        assert np.shares_memory(call["X"], Xr)
        assert np.shares_memory(call["y"], yr)
        assert np.shares_memory(call["sample_weight"], swr)
        assert call["X"].dtype == dtype

    # The same model as from ordinary writeable arrays, and the data untouched.
    ref = SGDRegressor(max_iter=4, tol=None, random_state=0, **params)
    ref.fit(X, y, sample_weight=sw).partial_fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    np.testing.assert_array_equal(est.intercept_, ref.intercept_)
    np.testing.assert_array_equal(np.asarray(Xr), X)
    assert est.coef_.dtype == dtype


def test_read_only_memmap_predict_and_score(tmp_path):
    X, y = _problem(np.float64)
    Xr = _readonly_memmap(tmp_path / "X.npy", X)
    est = SGDRegressor(max_iter=5, tol=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.predict(Xr), est.predict(X))
    assert est.score(Xr, y) == est.score(X, y)


def test_fortran_ordered_memmap_is_converted_once_and_still_works(tmp_path, monkeypatch):
    """Not C-contiguous: one C-ordered copy is needed (the kernels read rows)."""
    X, y = _problem(np.float64)
    Xf = _readonly_memmap(tmp_path / "X.npy", np.asfortranarray(X))
    recorder = install(monkeypatch)
    est = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(Xf, y)
    assert not np.shares_memory(recorder.calls[0]["X"], Xf)
    assert recorder.calls[0]["X"].flags.c_contiguous
    ref = SGDRegressor(max_iter=3, tol=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.coef_, ref.coef_)


# The child trains one epoch on a >= 1 GB read-only memmap and reports its memory.
# ru_maxrss is not the measure of interest: the pages of a file mapping the kernel has read
# count as resident (they are page cache, shared, and dropped under pressure).  What a copy
# of X would add is anonymous memory, so the child samples RssAnon from /proc while the
# epoch runs (the kernel releases the GIL) and also records tracemalloc's peak, which sees
# every NumPy allocation.
CHILD = textwrap.dedent("""
    import json, resource, sys, threading, time, tracemalloc
    import numpy as np
    import fastsgd._sgd
    from fastsgd import SGDRegressor
    from fastsgd._dispatch import CORE as _core

    def rss(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(field)

    path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    X = np.memmap(path, dtype=np.float64, mode="r", shape=(n, d))
    y = np.asarray(X[:, 0] - 0.5 * X[:, 1])             # 11 MB: X's first columns
    shared = []

    class Recorder:
        def train_epochs(self, X_in, *args):
            shared.append(np.shares_memory(X_in, X))
            return _core.train_epochs(X_in, *args)

        def __getattr__(self, name):
            return getattr(_core, name)

    fastsgd._sgd._BACKEND = Recorder()
    base_anon = rss("RssAnon")
    peak = [base_anon]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss("RssAnon"))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    tracemalloc.start()
    start = time.perf_counter()
    est = SGDRegressor(max_iter=1, tol=None, eta0=1e-3, random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    done.set()
    sampler.join()
    print(json.dumps({
        "bytes": X.nbytes, "seconds": seconds, "anon_growth": peak[0] - base_anon,
        "traced_peak": traced_peak, "shared": shared,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss_file_end": rss("RssFile"), "finite": bool(np.all(np.isfinite(est.coef_))),
        "coef": est.coef_[:2].tolist(),
    }))
""")


@pytest.mark.slow
def test_one_gigabyte_memmap_trains_without_a_copy(tmp_path):
    n, d = 1_400_000, 96                         # 1.075e9 bytes of float64
    path = tmp_path / "X.f64"
    rng = np.random.default_rng(0)
    try:
        with open(path, "wb") as f:
            for start in range(0, n, 100_000):
                f.write(rng.standard_normal((min(100_000, n - start), d)).tobytes())
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(n), str(d)],
            capture_output=True, text=True, timeout=600,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    finally:
        path.unlink(missing_ok=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print("\n1 GB memmap, one epoch:", json.dumps(report))
    size = report["bytes"]
    assert size >= 1_000_000_000
    assert report["shared"] == [True]
    assert report["finite"]
    # A copy of X would be >= 1 GB of anonymous memory and of traced allocations; the
    # fit needs the order (11 MB), y and weights (11 MB each) and small change.
    assert report["anon_growth"] < 0.1 * size
    assert report["traced_peak"] < 0.1 * size
    assert np.allclose(report["coef"], [1.0, -0.5], atol=0.05)
