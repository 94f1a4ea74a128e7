"""Settings and the timing helper of the pytest-benchmark suites (see conftest.py)."""

from __future__ import annotations

import _workloads as W

QUICK = W.quick_from_env()
SHAPES = W.SHAPES_QUICK if QUICK else W.SHAPES_FULL
MID = W.MID_QUICK if QUICK else W.MID_FULL
REFERENCE_ROWS = W.REFERENCE_ROWS_QUICK if QUICK else W.REFERENCE_ROWS_FULL
SPARSE = W.SPARSE_QUICK if QUICK else W.SPARSE_FULL
ROUNDS = 3 if QUICK else 5


def run_benchmark(benchmark, contender, group: str, rounds: int = ROUNDS):
    """Time ``contender`` for one epoch per round (fresh state each round), then check
    that the epoch ended with finite numbers: a diverged epoch stops early and would
    look fast."""
    benchmark.group = group
    benchmark.extra_info["contender"] = contender.label
    benchmark.extra_info["time_factor"] = contender.time_factor
    benchmark.pedantic(contender.run, setup=contender.prepare, rounds=rounds,
                       warmup_rounds=1)
    assert contender.ok(), f"{contender.label}: the epoch ended with non-finite numbers"
    if contender.time_factor != 1.0 and benchmark.stats:
        # The contender ran on a slice of the rows: report seconds per full epoch (the
        # test's name says so), so the group's columns compare like with like.
        data = benchmark.stats.stats.data
        data[:] = [t * contender.time_factor for t in data]
