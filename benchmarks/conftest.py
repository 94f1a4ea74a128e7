"""Shared set-up of the pytest-benchmark suites.

Run them with ``pytest benchmarks --benchmark-only`` (they are not part of the default
``pytest`` run, whose testpaths is tests/).  FASTSGD_BENCH_QUICK=1 switches to small
shapes; CI runs them that way with ``--benchmark-disable``, each benchmark once as a plain
test, so that they keep working.  For ratios measured side by side, use report.py.
"""

from __future__ import annotations

import _workloads as W
import pytest


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """The kernels are single-threaded; so is the floor they are compared with."""
    with W.single_threaded():
        yield
