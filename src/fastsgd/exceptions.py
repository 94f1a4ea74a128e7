"""Exceptions raised by fastsgd."""

from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning

__all__ = ["ConvergenceWarning", "DivergenceError"]


class DivergenceError(ValueError):
    """Training stopped because a loss or a parameter became infinite or NaN.

    Attributes
    ----------
    epoch : int
        The epoch (counted from 1) in which the divergence was detected.
    learning_rate : float
        The learning rate in force then.
    loss_curve : list of float
        The mean loss of each epoch up to and including the diverged one (the last entry
        is not finite); plotting tools draw it to show where the run blew up.
    """

    def __init__(self, epoch: int, learning_rate: float, loss_curve: list[float],
                 scaled: bool = False):
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.loss_curve = list(loss_curve)
        self.scaled = scaled
        advice = ("Use a smaller eta0." if scaled else
                  "Use a smaller eta0, or scale=True to standardize the features.")
        super().__init__(
            f"Training diverged in epoch {epoch} at learning rate {learning_rate:.6g}: "
            f"the loss or a parameter became infinite or NaN. {advice}"
        )

    def __reduce__(self) -> tuple[type[DivergenceError], tuple[int, float, list[float], bool]]:
        return (type(self), (self.epoch, self.learning_rate, self.loss_curve, self.scaled))
