"""The resolved settings handed to the kernels, and the learning-rate helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    """Everything a kernel needs to know besides the data and the state.

    Built once per fit from the estimator's parameters, with every default resolved:
    ``learning_rate`` is a schedule name, ``batch_size`` an int (``"full"`` becomes the
    number of examples), ``tol`` a float or None.
    """

    optimizer: str = "sgd"
    learning_rate: str = "invscaling"
    eta0: float = 0.01
    power_t: float = 0.25
    alpha: float = 1e-4
    penalty: str | None = "l2"
    eps: float = 1e-10
    fit_intercept: bool = True
    batch_size: int = 1
    tol: float | None = 1e-3
    n_iter_no_change: int = 5

    @property
    def optimal_init(self) -> float:
        """Offset t0 of the "optimal" schedule eta = 1 / (alpha (t0 + t - 1)).

        As scikit-learn chooses it (Bottou's heuristic): the first rate equals
        typw / max(1, |dloss(-typw, 1)|) with typw = sqrt(1 / sqrt(alpha)); for the
        squared error that maximum is 1.
        """
        if self.learning_rate != "optimal":
            return 0.0
        typw = math.sqrt(1.0 / math.sqrt(self.alpha))
        initial_eta0 = typw / max(1.0, -typw - 1.0)
        return 1.0 / (initial_eta0 * self.alpha)
