"""Dense benchmarks: one group per (shape, dtype, optimizer, batch size, scale).

Each group holds the compiled core (``fastsgd._core.train_epochs``, one epoch), the NumPy
reference (on a slice of the rows, its time scaled to a full epoch: the ``x<k>`` in its
name is that factor), the estimator's ``fit`` (max_iter=1, tol=None, shuffle=False: the
core plus the Python layer, including the finiteness check of X that scikit-learn does
too), scikit-learn's SGDRegressor where it computes the same thing (plain SGD,
batch_size=1) and the floor: one single-threaded ``X @ w`` (for full batch, ``X @ w``
plus ``X.T @ r``).
"""

from __future__ import annotations

import _workloads as W
import pytest
from _suite import MID, REFERENCE_ROWS, SHAPES, run_benchmark

import fastsgd._sgd
from fastsgd import _core, _reference

CASES = []
for _shape in SHAPES:
    CASES += [(_shape, "float64", "sgd", 1, False), (_shape, "float64", "adagrad", 1, False),
              (_shape, "float64", "sgd", W.MINI_BATCH, False),
              (_shape, "float64", "sgd", "full", False),
              (_shape, "float64", "adagrad", "full", False)]
CASES += [(MID, "float32", "sgd", 1, False), (MID, "float32", "adagrad", 1, False),
          (MID, "float64", "sgd", 1, True), (MID, "float64", "adagrad", 1, True)]


def case_id(case) -> str:
    (n, d), dtype, optimizer, batch, scale = case
    return f"{n}x{d}-{dtype}-{optimizer}{'-scale' if scale else ''}-batch{batch}"


def group(case) -> str:
    return case_id(case).replace("-", " ")


def data(case):
    (n, d), dtype, *_ = case
    return W.dense_data(n, d, dtype)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_core(benchmark, case):
    X, y = data(case)
    _, _, optimizer, batch, scale = case
    run_benchmark(benchmark, W.core(X, y, optimizer, batch, scale), group(case))


def _reference_id(case) -> str:
    (n, _), *_ = case
    return f"{case_id(case)}-per_example_x{n // min(REFERENCE_ROWS, n)}"


@pytest.mark.parametrize("case", CASES, ids=_reference_id)
def test_reference_slice_scaled(benchmark, case):
    """The NumPy twin on the first REFERENCE_ROWS rows, its time multiplied by x<k>."""
    X, y = data(case)
    _, _, optimizer, batch, scale = case
    contender = W.reference(X, y, REFERENCE_ROWS, optimizer, batch, scale)
    assert contender.backend is _reference
    run_benchmark(benchmark, contender, group(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_estimator_fit(benchmark, case):
    X, y = data(case)
    _, _, optimizer, batch, scale = case
    run_benchmark(benchmark, W.fastsgd_fit(X, y, optimizer, batch, scale), group(case))


SKLEARN_CASES = [c for c in CASES if c[1:] == ("float64", "sgd", 1, False)]


@pytest.mark.parametrize("case", SKLEARN_CASES, ids=case_id)
def test_sklearn(benchmark, case):
    X, y = data(case)
    run_benchmark(benchmark, W.sklearn_fit(X, y), group(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_floor(benchmark, case):
    """X @ w single-threaded; for full batch X @ w plus X.T @ r."""
    X, _ = data(case)
    run_benchmark(benchmark, W.Floor(X, full=case[3] == "full"), group(case))


@pytest.mark.parametrize("case", [c for c in CASES if c[1:] == ("float64", "adagrad", 1, False)],
                         ids=case_id)
def test_lightning_adagrad(benchmark, case):
    X, y = data(case)
    contender = W.lightning_adagrad(X, y)
    if contender is None:
        pytest.skip("sklearn-contrib-lightning not installed")
    run_benchmark(benchmark, contender, group(case))


TORCH_CASES = [(shape, "float64", "adagrad", W.MINI_BATCH, False) for shape in SHAPES]


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_torch_adagrad(benchmark, case):
    X, y = data(case)
    contender = W.torch_adagrad(X, y, W.MINI_BATCH)
    if contender is None:
        pytest.skip("PyTorch not installed")
    run_benchmark(benchmark, contender, group(case))


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_core_adagrad_minibatch(benchmark, case):
    """The core on the torch groups' setting, so those groups have it next to torch."""
    X, y = data(case)
    run_benchmark(benchmark, W.core(X, y, "adagrad", W.MINI_BATCH), group(case))


@pytest.mark.parametrize("case", [c for c in CASES if c[0] == MID and c[1:3] == ("float64", "sgd")
                                  and not c[4]], ids=case_id)
def test_core_baseline(benchmark, case):
    """The baseline build next to the dispatched one, where the CPU runs another (AVX2)."""
    if W.core_variant("baseline") is W.CORE:
        pytest.skip("the dispatched core is the baseline build on this CPU")
    X, y = data(case)
    run_benchmark(benchmark, W.core(X, y, "sgd", case[3], module=_core), group(case))


def test_core_is_the_compiled_module():
    """The suites time what they say: the estimator's compiled core, not the twin."""
    X, y = W.dense_data(*SHAPES[0])
    assert W.core(X, y).backend is fastsgd._sgd._BACKEND
    assert W.CORE.__file__.endswith((".so", ".pyd"))
