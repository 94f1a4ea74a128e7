"""Misuses of the public API that a type checker must reject (see tests/test_packaging.py).

Each line that must be reported carries a trailing ``# E`` marker; the test asserts that
mypy --strict reports exactly those lines, so the annotations are really seen (an API
typed as Any would let all of these through).
"""

from __future__ import annotations

import numpy as np

import fastsgd
from fastsgd import SGDRegressor

X = np.zeros((4, 2))
y = np.zeros(4)

SGDRegressor(optimizer="adam")  # E
SGDRegressor(batch_size="half")  # E
SGDRegressor(eta0="fast")  # E
SGDRegressor(0.1)  # E
SGDRegressor().fit(X)  # E
epochs: str = SGDRegressor().fit(X, y).n_iter_  # E
number: int = fastsgd.__version__  # E
fastsgd.show_config(file=3)  # E
