"""Pictures of training: loss curves and parameter paths on the loss surface.

The lecture's first tip is to look at the loss against the number of updates before
trusting a learning rate; these functions draw that picture, and the picture of the
path gradient descent takes across the loss surface of a two-parameter problem.

matplotlib is an optional dependency (``pip install fastsgd[plot]``); importing this
module works without it, calling a plotting function does not.  Both functions draw on
the given Axes (or a new figure's) and return it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from sklearn.base import clone

from ._callback import EpochInfo
from ._sgd import SGDRegressor
from .exceptions import DivergenceError

__all__ = ["ParameterPath", "plot_loss_curves", "plot_path", "record_path"]

_X_AXES = ("updates", "epochs", "seconds")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "fastsgd.plotting needs matplotlib, which is not installed: "
            "pip install fastsgd[plot]"
        ) from exc
    return plt


def _axes(ax):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots()
    return ax


# -- loss curves ------------------------------------------------------------------------------


class _Curve(NamedTuple):
    loss: np.ndarray            # finite prefix of the curve
    x: np.ndarray               # one position per entry of ``loss``
    diverged_at: float | None   # x of the epoch that blew up, None if it did not


def _curve_from(label, source, x, updates_per_epoch) -> _Curve:
    if isinstance(source, SGDRegressor):
        if not hasattr(source, "loss_curve_"):
            raise ValueError(f"curves[{label!r}]: the estimator is not fitted.")
        losses = np.asarray(source.loss_curve_, dtype=np.float64)
        # Exact for a fit without warm start (every epoch made the same number of
        # updates); t_ counts from the model's creation, loss_curve_ from the last fit.
        per_epoch = (source.t_ - 1.0) / max(len(losses), 1)
        times = np.asarray(source.epoch_times_, dtype=np.float64)
    else:
        losses = np.asarray(source.loss_curve if isinstance(source, DivergenceError)
                            else source, dtype=np.float64)
        if losses.ndim != 1:
            raise ValueError(f"curves[{label!r}] must be a fitted SGDRegressor, a "
                             f"DivergenceError or a 1-D sequence of losses; got shape "
                             f"{losses.shape}.")
        per_epoch = None
        times = None
    if isinstance(updates_per_epoch, Mapping):
        per_epoch = updates_per_epoch.get(label, per_epoch)
    elif updates_per_epoch is not None:
        per_epoch = updates_per_epoch

    epochs = np.arange(1, len(losses) + 1, dtype=np.float64)
    if x == "epochs":
        positions = epochs
    elif x == "updates":
        if per_epoch is None:
            raise ValueError(
                f"curves[{label!r}] is a bare loss sequence: pass updates_per_epoch "
                "(1 for full-batch gradient descent) to plot it against updates, or "
                "use x='epochs'.")
        # Each epoch's loss averages examples evaluated after (epoch - 1) * u + j
        # updates, j = 0 .. u - 1: its mean is where the loss was measured.
        u = float(per_epoch)
        positions = (epochs - 1.0) * u + (u - 1.0) / 2.0
    else:
        if times is None:
            raise ValueError(f"curves[{label!r}] carries no timing: only a fitted "
                             "estimator can be plotted against seconds.")
        # The examples were evaluated during the epoch: plot at its middle.
        starts = np.concatenate([[0.0], times[:-1]])
        positions = (starts + times) / 2.0

    finite = np.isfinite(losses)
    if finite.all():
        return _Curve(losses, positions, None)
    first_bad = int(np.argmin(finite))
    return _Curve(losses[:first_bad], positions[:first_bad], float(positions[first_bad]))


def plot_loss_curves(curves, ax=None, x="updates", *, updates_per_epoch=None):
    """Plot training loss curves on a log scale, marking runs that diverged.

    Parameters
    ----------
    curves : mapping of str to curve
        Each label maps to a fitted :class:`~fastsgd.SGDRegressor` (its
        ``loss_curve_``), a :class:`~fastsgd.DivergenceError` (the curve of the run
        that blew up, drawn up to the last finite epoch and marked with an ×), or a
        1-D sequence of per-epoch losses (non-finite entries count as divergence).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's Axes by default.
    x : {"updates", "epochs", "seconds"}, default="updates"
        The horizontal axis.  "updates": parameter updates made before the epoch's
        examples were evaluated, averaged over the epoch ((epoch - 1) u + (u - 1) / 2
        with u updates per epoch, so a full-batch epoch sits at the number of updates
        before it).  For an estimator u is ``(t_ - 1) / len(loss_curve_)``, exact for a
        fit without warm start.  "epochs": the epoch number.  "seconds": the middle of
        the epoch in wall time since the start of the fit (estimators only, from
        ``epoch_times_``).
    updates_per_epoch : int, or mapping of label to int, optional
        Updates per epoch for curves that do not carry it (DivergenceError, sequences);
        1 for ``batch_size="full"``, ``ceil(n_samples / batch_size)`` otherwise.
        Overrides the estimator's own count when given for its label.

    Returns
    -------
    matplotlib Axes
        One line per curve, labelled; a diverged run's label says in which epoch it
        diverged, and an × marker (its own line, labelled ``"_diverged"``) sits at that
        position, at the top of the plot when the loss went off the scale.
    """
    if x not in _X_AXES:
        raise ValueError(f"x must be one of {_X_AXES}; got {x!r}.")
    if not isinstance(curves, Mapping):
        raise TypeError("curves must be a mapping of label to a fitted estimator, a "
                        f"DivergenceError or a loss sequence; got {type(curves).__name__}.")
    _pyplot()
    ax = _axes(ax)
    drawn = [(label, _curve_from(label, source, x, updates_per_epoch))
             for label, source in curves.items()]

    # A diverged loss climbs to 1e308: scale the plot to the runs that did not, so that
    # the interesting curves are not squashed into a sliver at the bottom.
    calm = [c.loss for _, c in drawn if c.diverged_at is None and len(c.loss)]
    everything = [c.loss for _, c in drawn if len(c.loss)]
    pool = np.concatenate(calm or everything) if everything else np.ones(1)
    positive = pool[pool > 0]
    low = positive.min() if len(positive) else 1e-12
    high = max(pool.max(), low)
    top = high * 10.0 if calm and len(calm) < len(everything) else high * 1.5
    # Fixed limits before drawing: autoscaling a log axis around 1e308 overflows.
    ax.set_yscale("log")
    ax.set_ylim(low / 1.5, top)

    for label, curve in drawn:
        text = str(label)
        if curve.diverged_at is not None:
            text += f" — diverged in epoch {len(curve.loss) + 1}"
        (line,) = ax.plot(curve.x, curve.loss, label=text,
                          marker="." if len(curve.loss) < 50 else None)
        if curve.diverged_at is not None:
            last = curve.loss[-1] if len(curve.loss) else top
            y_mark = min(last * 10.0, top)
            ax.plot([curve.diverged_at], [y_mark], marker="X", markersize=11,
                    linestyle="none", color=line.get_color(), label="_diverged",
                    clip_on=False, zorder=5)
            ax.annotate("diverged", (curve.diverged_at, y_mark), xytext=(0, -18),
                        textcoords="offset points", ha="center", va="top",
                        color=line.get_color())

    ax.set_xlabel({"updates": "parameter updates", "epochs": "epoch",
                   "seconds": "seconds"}[x])
    ax.set_ylabel("training loss (mean ½(p − y)²)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax


# -- parameter paths --------------------------------------------------------------------------


class ParameterPath(NamedTuple):
    """The parameters a training run visited, from ``record_path``.

    Attributes
    ----------
    estimator : SGDRegressor
        The fitted copy that made the path.
    coef : ndarray of shape (k + 1, n_features)
        The weights at the start and after each recorded epoch, in original units.
    intercept : ndarray of shape (k + 1,)
        The intercept at the same moments.
    """

    estimator: SGDRegressor
    coef: np.ndarray
    intercept: np.ndarray


def record_path(estimator, X, y, **fit_params):
    """Fit a copy of ``estimator`` on (X, y), recording its parameters after every epoch.

    With ``batch_size="full"`` an epoch is one update, so this is the complete path of
    gradient descent; with smaller batches the path is sampled once per epoch.  It uses
    the estimator's ``callback`` (which must be None on the given estimator), so
    training runs in the compiled core at full speed between records.

    Parameters
    ----------
    estimator : SGDRegressor
        Not modified: a fresh clone is fitted (with ``warm_start=False``), so the path
        starts at ``coef_init``/``intercept_init`` or at zero.
    X, y : training data
    **fit_params
        Passed to ``fit`` (``coef_init``, ``intercept_init``, ``sample_weight``).

    Returns
    -------
    ParameterPath

    Raises
    ------
    DivergenceError
        When the fit diverges (as ``fit`` does).
    """
    if not isinstance(estimator, SGDRegressor):
        raise TypeError(f"estimator must be a fastsgd.SGDRegressor; got "
                        f"{type(estimator).__name__}.")
    if estimator.callback is not None:
        raise ValueError("record_path sets the callback itself; pass an estimator with "
                         "callback=None.")
    records: list[EpochInfo] = []
    est = clone(estimator).set_params(callback=records.append, warm_start=False)
    est.fit(X, y, **fit_params)
    est.set_params(callback=None)
    d = est.n_features_in_
    start_coef = fit_params.get("coef_init")
    start_coef = np.zeros(d) if start_coef is None else np.asarray(start_coef, float)
    start_b = fit_params.get("intercept_init")
    start_b = 0.0 if start_b is None else float(np.ravel(start_b)[0])
    coef = np.vstack([start_coef.reshape(1, d)] + [r.coef.reshape(1, d) for r in records])
    intercept = np.array([start_b] + [r.intercept for r in records])
    return ParameterPath(est, coef, intercept)


def _design(X, y, with_intercept, stats):
    """The two columns the two parameters multiply, and the target, as float64."""
    X = np.asarray(X, dtype=np.float64)
    if stats is not None:
        mean, std = stats
        X = (X - mean) / std
    if with_intercept:
        X = np.column_stack([X[:, 0], np.ones(X.shape[0])])
    return X, np.asarray(y, dtype=np.float64)


def plot_path(X, y, estimators, ax=None, *, space="auto", levels=15):
    """Draw the loss surface of a two-parameter problem and each estimator's path on it.

    The problem must have exactly two parameters: one feature with an intercept
    (axes w and b) or two features without one (axes w1 and w2).  The contours are of
    the mean loss ``½ (p − y)²`` (penalty excluded), log-spaced above its minimum, which
    is marked with a star.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples, 2)
    y : array-like of shape (n_samples,)
    estimators : SGDRegressor, ParameterPath, or a mapping of label to either
        An estimator is fitted (a copy, by :func:`record_path`) to record its path; a
        ParameterPath from ``record_path`` is drawn as it is.  The path has one point
        per epoch plus the start, which is every update for ``batch_size="full"``.
    ax : matplotlib Axes, optional
    space : {"auto", "original", "scaled"}, default="auto"
        The parameter space drawn.  "original": the weights in the units of X.
        "scaled": the weights of the standardized features, where ``scale=True``
        training happens (its loss contours are round when the features are
        uncorrelated: the lecture's point); every estimator must have ``scale=True``.
        "auto": "scaled" when every estimator has ``scale=True``, else "original".
    levels : int, default=15
        Number of contour levels.

    Returns
    -------
    matplotlib Axes
        With the contour set, one labelled line per path (its number of points is the
        path's), and a star labelled "minimum".
    """
    _pyplot()
    if isinstance(estimators, SGDRegressor | ParameterPath):
        estimators = {_default_label(estimators): estimators}
    if not isinstance(estimators, Mapping) or not estimators:
        raise TypeError("estimators must be an SGDRegressor, a ParameterPath or a "
                        "non-empty mapping of label to either.")
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(f"plot_path needs X of shape (n_samples, 1) or (n_samples, 2): "
                         f"a two-parameter problem; got shape {X.shape}.")
    paths = {label: (e if isinstance(e, ParameterPath) else record_path(e, X, y))
             for label, e in estimators.items()}
    with_intercept = X.shape[1] == 1
    for label, p in paths.items():
        if bool(p.estimator.fit_intercept) != with_intercept:
            raise ValueError(
                f"estimators[{label!r}]: plot_path draws two parameters, so with "
                f"{X.shape[1]} feature(s) fit_intercept must be {with_intercept}.")
    scaled = [bool(p.estimator.scale) for p in paths.values()]
    if space == "auto":
        space = "scaled" if all(scaled) else "original"
    if space not in ("original", "scaled"):
        raise ValueError(f"space must be 'auto', 'original' or 'scaled'; got {space!r}.")
    if space == "scaled" and not all(scaled):
        raise ValueError("space='scaled' needs every estimator to have scale=True.")
    if space == "original" and not with_intercept and any(scaled):
        raise ValueError("a scale=True model without intercept is centred, which adds "
                         "an intercept in original units: draw it with space='scaled'.")

    stats = None
    if space == "scaled":
        first = next(iter(paths.values())).estimator
        mean, std = first.scale_mean_, first.scale_std_
        assert mean is not None and std is not None      # checked: all have scale=True
        stats = (mean.astype(np.float64), std.astype(np.float64))
    D, target = _design(X, y, with_intercept, stats)
    n = D.shape[0]
    A = D.T @ D / n
    v = D.T @ target / n
    c = float(target @ target) / n
    optimum = np.linalg.lstsq(A, v, rcond=None)[0]

    def loss(P):                 # P: (..., 2) parameters -> mean ½ (p - y)²
        return 0.5 * (np.einsum("...i,ij,...j->...", P, A, P) - 2.0 * P @ v + c)

    points = {label: _to_space(p, stats, with_intercept) for label, p in paths.items()}
    ax = _axes(ax)
    everything = np.vstack([optimum[None, :]] + list(points.values()))
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    pad = np.maximum((hi - lo) * 0.15, 1e-3 * np.maximum(np.abs(hi), 1.0))
    lo, hi = lo - pad, hi + pad
    if space == "scaled":
        # A square window drawn with equal units, so that round contours look round.
        centre, half = (lo + hi) / 2.0, (hi - lo).max() / 2.0
        lo, hi = centre - half, centre + half
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    surface = loss(np.stack([g0, g1], axis=-1))
    floor = float(loss(optimum))
    span = max(float(surface.max()) - floor, 1e-300)
    contour_levels = floor + span * np.geomspace(1e-4, 1.0, levels)
    ax.contour(g0, g1, surface, levels=contour_levels, cmap="viridis", linewidths=0.8)

    for label, P in points.items():
        ax.plot(P[:, 0], P[:, 1], marker="o", markersize=3, linewidth=1.2, label=str(label))
    ax.plot([optimum[0]], [optimum[1]], marker="*", markersize=14, linestyle="none",
            color="black", label="minimum")
    if space == "scaled":
        ax.set_aspect("equal")
    names = ("w", "b") if with_intercept else ("w1", "w2")
    suffix = " (standardized feature)" if space == "scaled" else ""
    ax.set_xlabel(names[0] + suffix)
    ax.set_ylabel(names[1] + (" (scaled space)" if space == "scaled" else ""))
    ax.legend(loc="best")
    return ax


def _to_space(path: ParameterPath, stats, with_intercept) -> np.ndarray:
    """The path's points as (k + 1, 2) coordinates of the drawn space."""
    coef, intercept = path.coef, path.intercept
    if stats is not None:
        # Original units -> standardized space: w_s = w s, b_s = b + w . m
        mean, std = stats
        intercept = intercept + coef @ mean
        coef = coef * std
    if with_intercept:
        return np.column_stack([coef[:, 0], intercept])
    return coef[:, :2].copy()


def _default_label(item) -> str:
    est = item.estimator if isinstance(item, ParameterPath) else item
    return f"{est.optimizer}, eta0={est.eta0:g}" + (", scaled" if est.scale else "")

