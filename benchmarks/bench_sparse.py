"""Seconds per epoch on text-like sparse data: fastsgd (SGD + L2, Adagrad) vs scikit-learn.

Synthetic data shaped like bag-of-words: n rows, d columns, ``nnz`` stored values per row
drawn from a power law over the features (a few very frequent "words", a long tail of rare
ones), each row normalized to unit length as tf-idf would be.  Every estimator gets the same
float64 CSR matrix and runs ``--epochs`` epochs (tol=None); the time per epoch is the median
over ``--repeats`` fits of the fit's wall time divided by the epochs.

scikit-learn multiplies the intercept's step by 0.01 on sparse input (its
"intercept_decay"); fastsgd does not (SPEC has no such factor), so the models differ a
little in the intercept.  Both do the same work per update otherwise.

    PYTHONPATH=src python benchmarks/bench_sparse.py            # 500,000 x 100,000, 50/row
    PYTHONPATH=src python benchmarks/bench_sparse.py --rows 50000 --repeats 1   # quick
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDRegressor as SklearnSGD

from fastsgd import SGDRegressor
from fastsgd._dispatch import CORE


def text_like(n, d, nnz, exponent=1.0, seed=0):
    """CSR (n, d) with ``nnz`` distinct features a row, feature j drawn with probability
    proportional to (j + 1)^-exponent (Zipf's law of word frequencies)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, d + 1) ** exponent
    p /= p.sum()
    cols = rng.choice(d, size=(n, nnz), p=p).astype(np.int32)
    # A word drawn twice in a row is drawn again (until every row has nnz distinct ones).
    while True:
        cols.sort(axis=1)
        dup = np.zeros(cols.shape, dtype=bool)
        dup[:, 1:] = cols[:, 1:] == cols[:, :-1]
        if not dup.any():
            break
        cols[dup] = rng.choice(d, size=int(dup.sum()), p=p)
    vals = rng.lognormal(size=(n, nnz))
    vals /= np.sqrt((vals * vals).sum(axis=1, keepdims=True))   # unit rows, as tf-idf
    indptr = np.arange(0, n * nnz + 1, nnz, dtype=np.int32)
    X = sp.csr_matrix((vals.ravel(), cols.ravel(), indptr), shape=(n, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + 0.1 * rng.normal(size=n)
    return X, y


def seconds_per_epoch(runs, X, y, epochs, repeats):
    """Median over ``repeats`` fits of (wall, CPU) seconds per epoch for each run, the
    runs interleaved (round-robin) so that a change in the machine's load hits all alike.

    CPU time is reported beside wall time because the benchmark machine is shared: it is
    the less noisy of the two for single-threaded code."""
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    models = {}
    for _ in range(repeats):
        for name, make in runs.items():
            est = make()
            start, start_cpu = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X, y)
            wall[name].append((time.perf_counter() - start) / epochs)
            cpu[name].append((time.process_time() - start_cpu) / epochs)
            models[name] = est
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]), models[name])
            for name in runs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--cols", type=int, default=100_000)
    parser.add_argument("--nnz", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    X, y = text_like(args.rows, args.cols, args.nnz)
    print(f"fastsgd core: {CORE.__name__}")
    print(f"X: {X.shape[0]:,} x {X.shape[1]:,}, {X.nnz:,} non-zeros "
          f"({X.nnz / X.shape[0]:.1f} a row), {args.epochs} epochs, median of "
          f"{args.repeats}")
    common = dict(max_iter=args.epochs, tol=None, alpha=1e-4, random_state=0)
    runs = {
        "sklearn SGDRegressor (sgd, l2)": lambda: SklearnSGD(penalty="l2", eta0=0.01,
                                                             **common),
        "fastsgd sgd, l2": lambda: SGDRegressor(penalty="l2", eta0=0.01, **common),
        "fastsgd adagrad, l2": lambda: SGDRegressor(optimizer="adagrad", penalty="l2",
                                                    eta0=0.1, **common),
        "fastsgd adagrad, no penalty": lambda: SGDRegressor(optimizer="adagrad",
                                                            penalty=None, eta0=0.1, **common),
    }
    results = {}
    for name, (wall, cpu, est) in seconds_per_epoch(runs, X, y, args.epochs,
                                                   args.repeats).items():
        results[name] = (wall, cpu)
        print(f"{name:32s} {wall:7.3f} s/epoch wall {cpu:7.3f} s/epoch CPU   "
              f"R2 {est.score(X, y):.4f}", flush=True)
    base = results["fastsgd sgd, l2"]
    for label, name in [("sklearn / fastsgd sgd", "sklearn SGDRegressor (sgd, l2)"),
                        ("fastsgd adagrad l2 / sgd", "fastsgd adagrad, l2"),
                        ("fastsgd adagrad none / sgd", "fastsgd adagrad, no penalty")]:
        wall, cpu = results[name]
        print(f"{label:28s} {wall / base[0]:5.2f} wall {cpu / base[1]:5.2f} CPU")

if __name__ == "__main__":
    main()
