"""fastsgd: linear models trained by gradient descent, fast.

SGD, mini-batch and full-batch gradient descent and Adagrad in a compiled core, with
feature scaling that costs no copy of the data, behind a scikit-learn estimator.
"""

from ._callback import EpochInfo
from ._config import get_version as _get_version
from ._config import show_config
from ._sgd import SGDRegressor
from .exceptions import ConvergenceWarning, DivergenceError

__version__: str = _get_version()

__all__ = ["ConvergenceWarning", "DivergenceError", "EpochInfo", "SGDRegressor", "__version__",
           "show_config"]
