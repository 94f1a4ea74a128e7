"""Sparse benchmarks (issue 8): text-like CSR data, fastsgd's vanilla SGD with L2 and
Adagrad next to scikit-learn's SGDRegressor on the same CSR matrix, one epoch each
through the estimators' ``fit``.  Skipped while fastsgd does not accept CSR input."""

from __future__ import annotations

import _workloads as W
import pytest
from _suite import SPARSE, run_benchmark

_WHY = W.sparse_support()
pytestmark = pytest.mark.skipif(_WHY is not None,
                                reason=f"fastsgd does not fit CSR input yet ({_WHY})")

GROUP = "sparse CSR {}x{} ~{} nnz per row".format(*SPARSE)


@pytest.fixture(scope="module")
def csr():
    return W.sparse_data(*SPARSE)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad"])
def test_fastsgd_sparse(benchmark, csr, optimizer):
    X, y = csr
    run_benchmark(benchmark, W.sparse_fastsgd(X, y, optimizer), GROUP)


def test_sklearn_sparse(benchmark, csr):
    X, y = csr
    run_benchmark(benchmark, W.sparse_sklearn(X, y), GROUP)
