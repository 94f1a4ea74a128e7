"""fastsgd: linear models trained by gradient descent, fast.

SGD, mini-batch and full-batch gradient descent and Adagrad in a compiled core, with
feature scaling that costs no copy of the data, behind a scikit-learn estimator.
"""

from ._callback import EpochInfo
from ._sgd import SGDRegressor
from .exceptions import ConvergenceWarning, DivergenceError

__all__ = ["ConvergenceWarning", "DivergenceError", "EpochInfo", "SGDRegressor"]
