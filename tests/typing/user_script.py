"""A user's script, type-checked with ``mypy --strict`` by tests/test_packaging.py.

It uses the public API the way a user would.  Under --strict, any public function that
lost its annotations, or a stub that stopped matching, shows up as an error here.  It also
runs (the test executes it), so it stays real code.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.typing import NDArray

import fastsgd
from fastsgd import ConvergenceWarning, DivergenceError, SGDRegressor


def train(X: NDArray[np.float64], y: NDArray[np.float64]) -> SGDRegressor:
    est = SGDRegressor(optimizer="adagrad", eta0=0.5, batch_size=8, scale=True, random_state=0)
    return est.fit(X, y)


def curve(est: SGDRegressor) -> list[float]:
    return est.loss_curve_


def updates(est: SGDRegressor) -> float:
    return est.t_


def predictions(est: SGDRegressor, X: NDArray[np.float64]) -> NDArray[np.floating[Any]]:
    return est.predict(X)


def stream(X: NDArray[np.float32], y: NDArray[np.float32]) -> SGDRegressor:
    est = SGDRegressor(batch_size="full", learning_rate="constant", eta0=0.1)
    for start in range(0, X.shape[0], 50):
        est = est.partial_fit(X[start:start + 50], y[start:start + 50])
    return est


def diverge(X: NDArray[np.float64], y: NDArray[np.float64]) -> int:
    try:
        SGDRegressor(learning_rate="constant", eta0=1e6, tol=None, max_iter=5).fit(X, y)
    except DivergenceError as err:
        epoch: int = err.epoch
        return epoch
    return 0


def config() -> str:
    out = io.StringIO()
    fastsgd.show_config(file=out)
    return out.getvalue()


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 1.0
    est = train(X, y)
    assert predictions(est, X).shape == (200,)
    assert len(curve(est)) == est.n_iter_ and updates(est) > 1
    small = stream(X.astype(np.float32), y.astype(np.float32))
    assert small.coef_.dtype == np.float32
    assert diverge(X * 1e3, y) >= 1
    assert issubclass(ConvergenceWarning, Warning)
    version: str = fastsgd.__version__
    assert version in config()


if __name__ == "__main__":
    main()
