"""Type stub of the compiled kernels (``_core.pyx``); see there for the documentation.

Each kernel takes arrays of one floating dtype (float32 or float64) for the data and the
state, float64 for the scaling statistics and the loss curve, int64 for the order; the
CSR kernels take the matrix as its arrays, indices and indptr both int32 or both int64.
"""

from collections.abc import Callable
from typing import Literal, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

_Float = TypeVar("_Float", np.float32, np.float64)
_Index = TypeVar("_Index", np.int32, np.int64)

class _Settings(Protocol):
    """What ``train_epochs`` reads from its settings (``fastsgd._settings.TrainSettings``)."""

    @property
    def optimizer(self) -> str: ...
    @property
    def learning_rate(self) -> str: ...
    @property
    def eta0(self) -> float: ...
    @property
    def power_t(self) -> float: ...
    @property
    def alpha(self) -> float: ...
    @property
    def penalty(self) -> str | None: ...
    @property
    def optimal_init(self) -> float: ...
    @property
    def eps(self) -> float: ...
    @property
    def fit_intercept(self) -> bool: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def tol(self) -> float | None: ...
    @property
    def n_iter_no_change(self) -> int: ...

def train_epochs(
    X: NDArray[_Float],
    y: NDArray[_Float],
    sample_weight: NDArray[_Float],
    order: NDArray[np.int64],
    params: NDArray[_Float],
    accumulators: NDArray[_Float],
    mean: NDArray[np.float64],
    inv_std: NDArray[np.float64],
    settings: _Settings,
    t: float,
    loss_curve: NDArray[np.float64],
    on_epoch_end: Callable[[int, float, bool], object] | None = None,
) -> tuple[int, float, float, Literal["max_iter", "converged", "diverged"]]: ...
def column_stats(X: NDArray[_Float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def train_epochs_csr(
    data: NDArray[_Float],
    indices: NDArray[_Index],
    indptr: NDArray[_Index],
    n_features: int,
    y: NDArray[_Float],
    sample_weight: NDArray[_Float],
    order: NDArray[np.int64],
    params: NDArray[_Float],
    accumulators: NDArray[_Float],
    inv_std: NDArray[np.float64],
    settings: _Settings,
    t: float,
    loss_curve: NDArray[np.float64],
    on_epoch_end: Callable[[int, float, bool], object] | None = None,
) -> tuple[int, float, float, Literal["max_iter", "converged", "diverged"]]: ...
def column_stats_csr(
    data: NDArray[_Float], indices: NDArray[_Index], indptr: NDArray[_Index], n_features: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def cpu_supports_avx2_fma() -> bool: ...
