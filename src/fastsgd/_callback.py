"""What ``SGDRegressor(callback=...)`` is called with after each epoch."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["EpochInfo"]


class EpochInfo(NamedTuple):
    """The state of a training run at the end of one epoch.

    Attributes
    ----------
    epoch : int
        The epoch just completed, counted from 1 within the current ``fit`` (or
        ``partial_fit``) call.
    loss : float
        Its mean training loss, as recorded in ``loss_curve_``.
    coef : ndarray of shape (n_features,), float64
        The weights after the epoch, in the original units of the features (a fresh
        array: keep it).
    intercept : float
        The intercept after the epoch, in original units.
    updates : int
        Parameter updates made since the model was created (``t_ - 1``).
    seconds : float
        Seconds since the start of the ``fit`` or ``partial_fit`` call.
    """

    epoch: int
    loss: float
    coef: np.ndarray
    intercept: float
    updates: int
    seconds: float
