"""The scikit-learn compatible estimator."""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._callback import EpochInfo
from ._dispatch import CORE
from ._settings import TrainSettings
from ._validation import (
    FLOAT_DTYPES,
    check_init,
    check_not_reserved,
    check_reported_model,
    check_statistics,
    check_weights,
    check_xy,
    without_bools,
)
from .exceptions import ConvergenceWarning, DivergenceError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import ArrayLike, NDArray
    from scipy.sparse import sparray, spmatrix
    from typing_extensions import Self

__all__ = ["SGDRegressor"]

# The module whose ``train_epochs`` and ``column_stats`` do the work: the compiled core
# chosen for this CPU.  Tests swap in ``fastsgd._reference`` to compare the compiled core
# with its NumPy twin end to end.
_BACKEND = CORE


class SGDRegressor(RegressorMixin, BaseEstimator):
    """Linear regression trained by stochastic, mini-batch or full-batch gradient descent.

    A drop-in for :class:`sklearn.linear_model.SGDRegressor` (same parameter names,
    defaults and results for ``batch_size=1``), with a compiled core and four additions:
    ``optimizer`` ("sgd" or "adagrad"), ``batch_size`` (1, k or "full"), ``scale``
    (standardize features on the fly, without a copy of X) and the Adagrad settings
    ``eps`` and ``initial_accumulator_value``.

    The model is ``p(x) = w·x + b`` trained on the loss ``½ (p − y)²`` plus
    ``½ alpha ‖w‖²`` when ``penalty="l2"``.

    Parameters
    ----------
    loss : {"squared_error"}, default="squared_error"
        The only loss implemented.  scikit-learn's other regression losses are
        recognised and rejected with a clear error.
    penalty : {"l2", None}, default="l2"
        L2 penalty ``½ alpha ‖w‖²`` (never on the intercept), or none.
    alpha : float >= 0, default=1e-4
        Strength of the penalty; also used by ``learning_rate="optimal"``.
    l1_ratio, epsilon, early_stopping, validation_fraction, average
        Accepted with scikit-learn's defaults so that code written for it runs; any
        other value raises ValueError (not implemented yet).
    fit_intercept : bool, default=True
        Whether to learn the intercept ``b``.
    max_iter : int >= 1, default=1000
        Maximum number of epochs of ``fit``.
    tol : float >= 0 or None, default=1e-3
        Stopping criterion: an epoch does not improve when its mean loss exceeds the
        best so far minus ``tol``; after ``n_iter_no_change`` such epochs in a row,
        training stops.  None: always run ``max_iter`` epochs.
    shuffle : bool, default=True
        Visit the examples in a fresh random order every epoch.
    verbose : int, default=0
        Print one line per epoch (epoch, loss, weight norm, updates, seconds).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of the shuffling, through ``numpy.random.default_rng``.
    learning_rate : {"constant", "optimal", "invscaling", "adaptive"} or None
        The schedule of eta over updates t: ``eta0``, ``1 / (alpha (t0 + t - 1))``,
        ``eta0 / t**power_t``, or ``eta0`` divided by 5 whenever training stalls.
        None (default): "invscaling" for ``optimizer="sgd"``, "constant" for Adagrad.
    eta0 : float > 0, default=0.01
        The base learning rate.
    power_t : float >= 0, default=0.25
        Exponent of "invscaling".
    n_iter_no_change : int >= 1, default=5
        Epochs without improvement before stopping (see ``tol``).
    warm_start : bool, default=False
        ``fit`` continues from the previous solution (and Adagrad's accumulators, and,
        with ``scale=True``, the previous feature statistics) instead of starting afresh.
        The update counter ``t_`` restarts at 1, as in scikit-learn.
    optimizer : {"sgd", "adagrad"}, default="sgd"
        Plain gradient steps, or Adagrad's per-parameter steps.
    batch_size : int >= 1 or "full", default=1
        Examples per update: 1 is stochastic gradient descent, "full" is gradient
        descent on the whole training set (one update per epoch).
    scale : bool, default=False
        Standardize each feature (mean 0, variance 1) as the kernels read it.  ``coef_``
        and ``intercept_`` are reported in the original units.
    eps : float >= 0, default=1e-10
        Adagrad's guard, added outside the square root.
    initial_accumulator_value : float >= 0, default=0.0
        Adagrad's starting sum of squared gradients.
    callback : callable or None, default=None
        Called as ``callback(info)`` after every completed epoch of ``fit`` and
        ``partial_fit``, where ``info`` is a :class:`fastsgd.EpochInfo` (epoch, loss,
        coef and intercept in original units, updates so far, seconds).  With
        ``batch_size="full"`` an epoch is one update, so the callback sees every
        parameter vector the descent visits (``fastsgd.plotting.record_path`` uses
        this).  It runs at epoch boundaries only, with the GIL: None costs nothing.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : ndarray of shape (1,)
    n_iter_ : int
        Epochs run by the last ``fit`` (1 after ``partial_fit``).
    t_ : float
        1 + the number of updates made by the last ``fit`` and the ``partial_fit`` calls
        since (``fit`` restarts the count, even with ``warm_start``, as scikit-learn does).
    loss_curve_ : list of float
        Mean training loss of every epoch (penalty excluded), each example evaluated
        with the parameters in force when it was used.  ``fit`` starts a new list,
        ``partial_fit`` appends.
    epoch_times_ : list of float
        Seconds from the start of the ``fit`` (or ``partial_fit``) call to the end of
        each epoch, aligned with ``loss_curve_``.
    accumulator_, intercept_accumulator_ : ndarray
        Adagrad's sums of squared gradients (only with ``optimizer="adagrad"``).
    scale_mean_, scale_std_ : ndarray of shape (n_features,)
        The feature statistics (only with ``scale=True``).  Sparse X is not centered:
        a model whose statistics came from sparse X has ``scale_mean_`` 0.
    n_features_in_ : int
    feature_names_in_ : ndarray of str (only when X had string column names)
    """

    _parameter_constraints: dict = {
        "loss": [StrOptions({"squared_error", "huber", "epsilon_insensitive",
                             "squared_epsilon_insensitive"})],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
        "learning_rate": [StrOptions({"constant", "optimal", "invscaling", "adaptive",
                                      "pa1", "pa2"}), None],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="left"), "boolean"],
        "optimizer": [StrOptions({"sgd", "adagrad"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"full"})],
        "scale": ["boolean"],
        "eps": [Interval(Real, 0, None, closed="left")],
        "initial_accumulator_value": [Interval(Real, 0, None, closed="left")],
        "callback": [callable, None],
    }
    _parameter_constraints = without_bools(_parameter_constraints)

    # The fitted attributes, declared for type checkers (set by fit / partial_fit).
    coef_: NDArray[np.floating[Any]]
    intercept_: NDArray[np.floating[Any]]
    n_iter_: int
    t_: float
    loss_curve_: list[float]
    epoch_times_: list[float]
    scale_mean_: NDArray[np.float64] | None
    scale_std_: NDArray[np.float64] | None
    n_features_in_: int

    def __init__(
        self,
        loss: str = "squared_error",
        *,
        penalty: str | None = "l2",
        alpha: float = 1e-4,
        l1_ratio: float = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        shuffle: bool = True,
        verbose: int = 0,
        epsilon: float = 0.1,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        learning_rate: str | None = None,
        eta0: float = 0.01,
        power_t: float = 0.25,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        warm_start: bool = False,
        average: bool | int = False,
        optimizer: Literal["sgd", "adagrad"] = "sgd",
        batch_size: int | Literal["full"] = 1,
        scale: bool = False,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
        callback: Callable[[EpochInfo], object] | None = None,
    ) -> None:
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.average = average
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.scale = scale
        self.eps = eps
        self.initial_accumulator_value = initial_accumulator_value
        self.callback = callback

    # -- public API ------------------------------------------------------------------------

    def fit(
        self,
        X: ArrayLike | spmatrix | sparray,
        y: ArrayLike,
        coef_init: ArrayLike | None = None,
        intercept_init: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Self:
        """Fit the model, running up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like or SciPy sparse matrix/array of shape (n_samples, n_features)
            Used without a copy when it is a C-contiguous float32 or float64 array, or a
            canonical CSR matrix (sorted indices, no duplicates) of such a dtype; other
            sparse formats are converted to CSR once.  float32 data is trained in
            float32.  Sparse X is trained in O(non-zeros) per update; see
            ``fastsgd._sparse.pxi`` for Adagrad's lazy rule under L2.
        y : array-like of shape (n_samples,)
        coef_init : array-like of shape (n_features,), optional
            Initial weights (original units).
        intercept_init : array-like of shape (1,), optional
            Initial intercept.
        sample_weight : array-like of shape (n_samples,), optional
            Each example's gradient is multiplied by its weight.

        Returns
        -------
        self

        Raises
        ------
        DivergenceError
            When training blows up (a ValueError).  A model fitted before keeps its
            previous state whenever fit raises.
        """
        with _unchanged_on_error(self):
            self._fit(X, y, coef_init, intercept_init, sample_weight)
        return self

    def partial_fit(self, X: ArrayLike | spmatrix | sparray, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> Self:
        """Run one epoch over (X, y), continuing from the current state.

        The update counter ``t_``, Adagrad's accumulators and the shuffling generator
        carry on from call to call.  With ``scale=True`` the feature statistics are
        taken from the first call's X and kept for all later calls (later chunks are
        standardized with them).
        """
        with _unchanged_on_error(self):
            self._partial_fit(X, y, sample_weight)
        return self

    def predict(self, X: ArrayLike | spmatrix | sparray) -> NDArray[np.floating[Any]]:
        """Predict ``X @ coef_ + intercept_``."""
        check_is_fitted(self, "coef_")
        X_valid = validate_data(self, X, reset=False, dtype=list(FLOAT_DTYPES),
                                accept_sparse=["csr", "csc", "coo"])
        return X_valid @ self.coef_ + self.intercept_[0]

    @property
    def accumulator_(self) -> NDArray[np.floating[Any]]:
        """Adagrad's per-weight sums of squared gradients, shape (n_features,)."""
        return self._adagrad_state()[:-1]

    @property
    def intercept_accumulator_(self) -> NDArray[np.floating[Any]]:
        """Adagrad's sum of squared intercept gradients, shape (1,)."""
        return self._adagrad_state()[-1:]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- training ----------------------------------------------------------------------------

    def _fit(self, X, y, coef_init, intercept_init, sample_weight):
        self._check_params()
        warm = self.warm_start and hasattr(self, "_params")
        X, y = check_xy(self, X, y, reset=True)
        sw = check_weights(sample_weight, X)
        if warm and self._params.shape[0] != X.shape[1] + 1:
            raise ValueError(
                f"warm_start=True but X has {X.shape[1]} features while the fitted model "
                f"has {self._params.shape[0] - 1}; set warm_start=False to start afresh."
            )

        if self.scale and warm and getattr(self, "scale_mean_", None) is not None:
            stats = (self.scale_mean_, self._scale_inv_std)
        elif self.scale:
            stats = self._statistics(X)
        else:
            stats = None
        params = self._initial_params(X, stats, coef_init, intercept_init, warm)
        accumulators = self._initial_accumulators(params, warm)
        rng = _make_rng(self.random_state)
        # As scikit-learn: every fit restarts the update counter (so decaying schedules
        # restart), even with warm_start, which reuses only the parameters and Adagrad's
        # accumulators.  partial_fit continues it.
        t = 1.0
        result = self._train(X, y, sw, params, accumulators, stats, t, rng, self.max_iter)

        self._commit(result, params, accumulators, stats, rng, history=[])
        if self.tol is not None and result["status"] == "max_iter":
            warnings.warn(
                f"Maximum number of iterations (max_iter={self.max_iter}) reached before "
                "convergence. Consider increasing max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _partial_fit(self, X, y, sample_weight):
        self._check_params()
        first = not hasattr(self, "_params")
        if first:
            X, y = check_xy(self, X, y, reset=True)
            stats = self._statistics(X) if self.scale else None
            params = self._initial_params(X, stats, None, None, warm=False)
            accumulators = self._initial_accumulators(params, warm=False)
            rng = _make_rng(self.random_state)
            t, history = 1.0, []
        else:
            X, y = check_xy(self, X, y, reset=False, dtype=self._params.dtype)
            stats = self._stats_for_partial_fit()
            params = self._params.copy()
            accumulators = self._initial_accumulators(params, warm=True)
            rng = self._rng
            t, history = float(self.t_), self.loss_curve_
        sw = check_weights(sample_weight, X)
        # The generator is advanced by the shuffle: work on a copy, so that a failed call
        # leaves the estimator's generator where it was.
        rng = _copy_rng(rng)
        result = self._train(X, y, sw, params, accumulators, stats, t, rng, max_epochs=1)
        self._commit(result, params, accumulators, stats, rng, history=history)

    def _train(self, X, y, sw, params, accumulators, stats, t, rng, max_epochs):
        """Run the kernel on (copies of) the state; return what happened."""
        n = X.shape[0]
        settings = self._settings(n)
        order = np.arange(n, dtype=np.int64)
        if self.shuffle:
            rng.shuffle(order)
        loss_curve = np.zeros(max_epochs, dtype=np.float64)
        times: list[float] = []
        start = time.perf_counter()
        verbose = self.verbose
        updates_per_epoch = -(-n // settings.batch_size)
        callback = self.callback

        def on_epoch_end(epoch, mean_loss, go_on):
            times.append(time.perf_counter() - start)
            updates = t - 1 + (epoch + 1) * updates_per_epoch
            if callback is not None:
                callback(_epoch_info(epoch, mean_loss, params, stats, updates, times[-1]))
            if verbose:
                norm = float(np.linalg.norm(params[:-1]))
                print(f"Epoch {epoch + 1}: loss {mean_loss:.6g}, |w| {norm:.6g}, "
                      f"bias {float(params[-1]):.6g}, updates {updates:.0f}, "
                      f"{times[-1]:.3f} s", flush=True)
            if go_on and self.shuffle:
                rng.shuffle(order)

        mean, inv_std = stats if stats is not None else (_EMPTY, _EMPTY)
        if sp.issparse(X):
            if np.any(mean != 0.0):
                raise ValueError(
                    "X is sparse but the model's scaling statistics center the features "
                    "(they came from dense X); sparse X cannot be centered. Pass dense X, "
                    "or start afresh (warm_start=False / a new estimator) on sparse X.")
            epochs, t_end, eta, status = _BACKEND.train_epochs_csr(
                np.ascontiguousarray(X.data), np.ascontiguousarray(X.indices),
                np.ascontiguousarray(X.indptr), X.shape[1], y, sw, order, params,
                accumulators, inv_std, settings, t, loss_curve, on_epoch_end)
        else:
            epochs, t_end, eta, status = _BACKEND.train_epochs(
                X, y, sw, order, params, accumulators, mean, inv_std, settings, t,
                loss_curve, on_epoch_end)
        curve = loss_curve[:epochs].tolist()
        if status == "diverged":
            raise DivergenceError(epochs, eta, curve, scaled=stats is not None)
        return {"epochs": epochs, "t": t_end, "status": status, "curve": curve,
                "times": times}

    def _commit(self, result, params, accumulators, stats, rng, history):
        """Publish a finished training run (only ever after it succeeded)."""
        self._params = params
        self._accumulators = accumulators
        self._rng = rng
        self.t_ = result["t"]
        self.n_iter_ = result["epochs"]
        self.loss_curve_ = history + result["curve"]
        previous_times = getattr(self, "epoch_times_", []) if history else []
        self.epoch_times_ = previous_times + result["times"]
        if stats is None:
            self.scale_mean_ = self.scale_std_ = self._scale_inv_std = None
        else:
            self.scale_mean_, self._scale_inv_std = stats
            self.scale_std_ = 1.0 / self._scale_inv_std
        coef, intercept = _original_units(params, stats)
        with np.errstate(over="ignore", invalid="ignore"):
            self.coef_ = coef.astype(params.dtype)
            self.intercept_ = np.array([intercept], dtype=params.dtype)
        # Finite in the trained space, yet possibly not in original units (w / s with a tiny
        # s) or in float32: an error, never a silent inf.  Raising here undoes the commit.
        check_reported_model(self.coef_, self.intercept_)

    # -- pieces ------------------------------------------------------------------------------

    def _check_params(self):
        self._validate_params()
        check_not_reserved(self)
        if self._schedule() == "optimal" and self.alpha == 0:
            raise ValueError(
                "alpha must be > 0 with learning_rate='optimal' (the schedule is "
                "1 / (alpha (t0 + t))); got alpha=0."
            )

    def _schedule(self) -> str:
        if self.learning_rate is not None:
            return self.learning_rate
        return "constant" if self.optimizer == "adagrad" else "invscaling"

    def _settings(self, n_samples: int) -> TrainSettings:
        batch = n_samples if self.batch_size == "full" else int(self.batch_size)
        return TrainSettings(
            optimizer=self.optimizer,
            learning_rate=self._schedule(),
            eta0=float(self.eta0),
            power_t=float(self.power_t),
            alpha=float(self.alpha),
            penalty=self.penalty,
            eps=float(self.eps),
            fit_intercept=bool(self.fit_intercept),
            batch_size=max(1, min(batch, n_samples)),
            tol=None if self.tol is None else float(self.tol),
            n_iter_no_change=int(self.n_iter_no_change),
        )

    def _statistics(self, X):
        """Feature mean and reciprocal standard deviation (a constant feature: s = 1).

        Sparse X is not centered (that would destroy sparsity): its mean is reported
        as 0, so that coef_ = w / s and intercept_ = b.
        """
        if sp.issparse(X):
            mean, std = _BACKEND.column_stats_csr(X.data, X.indices, X.indptr, X.shape[1])
        else:
            mean, std = _BACKEND.column_stats(X)
        # A constant column's computed mean is rarely exact (0.1 summed n times is not
        # n * 0.1), so its computed s is a rounding residue like 1e-15, and 1/s would blow
        # its coefficient up to ~1e15.  Treat as constant every column whose variance is
        # within the rounding error bound of the two-pass algorithm, as StandardScaler does
        # (Chan, Golub & LeVeque): var <= n eps var + (n eps mean)^2, taken here as its
        # square root, s sqrt(1 - n eps) <= n eps |m|, which cannot overflow for huge s.
        n, eps = X.shape[0], np.finfo(np.float64).eps
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            constant = std * np.sqrt(max(0.0, 1.0 - n * eps)) <= n * eps * np.abs(mean)
            inv_std = 1.0 / np.where(constant, 1.0, std)
        check_statistics(mean, std, inv_std)
        if sp.issparse(X):
            mean = np.zeros_like(mean)
        return mean, inv_std

    def _stats_for_partial_fit(self):
        if not self.scale:
            if self.scale_mean_ is not None:
                raise ValueError("scale was switched off after the first partial_fit call; "
                                 "the model was trained in the scaled space.")
            return None
        if self.scale_mean_ is None:
            raise ValueError("scale=True was set after the first partial_fit call; the "
                             "statistics come from the first call's data.")
        return self.scale_mean_, self._scale_inv_std

    def _initial_params(self, X, stats, coef_init, intercept_init, warm):
        """The starting parameter vector [w, b] in the space the kernel trains in."""
        d = X.shape[1]
        dtype = X.dtype
        if coef_init is None and intercept_init is None and warm:
            previous_stats = getattr(self, "scale_mean_", None)
            if (stats is None) == (previous_stats is None) and (
                    stats is None or stats[0] is previous_stats):
                return self._params.astype(dtype)      # same space: continue exactly
        # Otherwise start from original units: given values, else the fitted model's
        # (warm start), else zeros; then map them into the space the kernel trains in.
        if coef_init is not None:
            coef = check_init(coef_init, (d,), "coef_init", np.float64)
        else:
            coef = self.coef_.astype(np.float64) if warm else np.zeros(d)
        if intercept_init is not None:
            intercept = float(check_init(intercept_init, (1,), "intercept_init",
                                         np.float64)[0])
        else:
            intercept = float(self.intercept_[0]) if warm else 0.0
        params = np.empty(d + 1, dtype=dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            if stats is None:
                params[:d] = coef
                params[d] = intercept
            else:
                # Original units -> standardized space: w_s = w * s, b_s = b + w . m
                mean, inv_std = stats
                params[:d] = coef / inv_std
                params[d] = intercept + float(np.dot(coef, mean))
        if not np.all(np.isfinite(params)):
            raise ValueError(
                f"The starting coefficients (coef_init/intercept_init, or the fitted model "
                f"continued) are not finite once converted to {dtype} and to the scaled "
                "space of X; pass X as float64 or start afresh (warm_start=False).")
        return params

    def _initial_accumulators(self, params, warm):
        if self.optimizer != "adagrad":
            return np.zeros(0, dtype=params.dtype)
        previous = getattr(self, "_accumulators", None)
        if warm and previous is not None and previous.shape == params.shape:
            return previous.astype(params.dtype)       # a copy: the kernel writes to it
        return np.full(params.shape, self.initial_accumulator_value, dtype=params.dtype)

    def _adagrad_state(self):
        check_is_fitted(self, "coef_")
        if self.optimizer != "adagrad" or self._accumulators.shape[0] == 0:
            raise AttributeError("accumulators exist only for a model trained with "
                                 "optimizer='adagrad'")
        return self._accumulators


_EMPTY = np.zeros(0, dtype=np.float64)


def _original_units(params, stats) -> tuple[NDArray[np.float64], float]:
    """[w, b] trained in the standardized space -> (coef_, intercept_) in the units of X:
    w / s and b - (w / s) . m.  Without statistics, the parameters as they are."""
    coef = params[:-1].astype(np.float64)
    intercept = float(params[-1])
    if stats is not None:
        mean, inv_std = stats
        with np.errstate(over="ignore", invalid="ignore"):   # the caller checks
            coef = coef * inv_std
            intercept -= float(np.dot(coef, mean))
    return coef, intercept


def _epoch_info(epoch, mean_loss, params, stats, updates, seconds) -> EpochInfo:
    """What a ``callback`` sees: fresh arrays, in the original units of the features."""
    coef, intercept = _original_units(params, stats)
    return EpochInfo(epoch + 1, float(mean_loss), coef, intercept, int(updates), seconds)


class _unchanged_on_error:
    """Restore an estimator's attributes if the block raises (anything, Ctrl-C too)."""

    def __init__(self, estimator):
        self.estimator = estimator

    def __enter__(self):
        self.saved = dict(self.estimator.__dict__)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.estimator.__dict__.clear()
            self.estimator.__dict__.update(self.saved)
        return False


def _make_rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return _copy_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def _copy_rng(rng: np.random.Generator) -> np.random.Generator:
    copy = np.random.Generator(type(rng.bit_generator)())
    copy.bit_generator.state = rng.bit_generator.state
    return copy
