"""The lecture's four lessons on gradient descent, run on the built-in Pokémon data.

``python -m fastsgd demo [--out DIR]`` (or the ``fastsgd demo`` console script) writes
one picture per lesson into DIR and prints a table of the runs:

1. the learning rate: too small, about right, too large (the run diverges);
2. vanilla gradient descent against Adagrad, on features of very different scales;
3. full-batch gradient descent against stochastic gradient descent, per update and per
   second;
4. without and with feature scaling: the paths of gradient descent on the loss contours
   of ``cp_after = b + w·cp``.

Everything here is fastsgd's public API: the estimator, ``fastsgd.plotting`` and
``fastsgd.datasets``.  matplotlib is needed (``pip install fastsgd[plot]``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone

from ._sgd import SGDRegressor
from .datasets import load_pokemon
from .exceptions import DivergenceError

__all__ = ["FILES", "Run", "run_demo"]

FILES = ("1_learning_rate.png", "2_adagrad.png", "3_sgd.png", "4_scaling.png")


@dataclass
class Run:
    """One training run of the demo and what its row of the table says."""

    lesson: str
    setting: str
    epochs: int
    updates: int
    loss: float               # ½ mean (p − y)² of the final model; nan if diverged
    r2: float                 # nan if diverged
    seconds: float
    result: object            # the fitted estimator, or the DivergenceError


def _gd(**params):
    """Full-batch gradient descent with a constant rate and a fixed number of epochs."""
    settings: dict[str, Any] = dict(batch_size="full", learning_rate="constant",
                                    penalty=None, tol=None)
    settings.update(params)
    return SGDRegressor(**settings)


def _fit(lesson, setting, estimator, X, y, updates_per_epoch=1, repeat=1) -> Run:
    """Fit (``repeat`` times, keeping the fastest: the machine may be busy) and summarize."""
    best = None
    for _ in range(repeat):
        candidate = clone(estimator)
        start = time.perf_counter()
        try:
            candidate.fit(X, y)
        except DivergenceError as err:
            seconds = time.perf_counter() - start
            return Run(lesson, setting, err.epoch, err.epoch * updates_per_epoch,
                       float("nan"), float("nan"), seconds, err)
        seconds = time.perf_counter() - start
        if best is None or seconds < best[1]:
            best = (candidate, seconds)
    assert best is not None        # repeat >= 1: a run that did not diverge was timed
    estimator, seconds = best
    return _summary(lesson, setting, estimator, X, y, seconds)


def _summary(lesson, setting, estimator, X, y, seconds) -> Run:
    residual = estimator.predict(X) - y
    return Run(lesson, setting, estimator.n_iter_, int(estimator.t_ - 1),
               0.5 * float(np.mean(residual**2)), float(estimator.score(X, y)), seconds,
               estimator)


def _figure(ncols=1):
    # A bare Figure, not pyplot: no GUI backend, no global state, PNG through Agg.
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("the demo draws with matplotlib: pip install fastsgd[plot]") from exc
    fig = Figure(figsize=(6.4 * ncols, 4.8), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def run_demo(out="fastsgd-demo", echo=print):
    """Run the four lessons, write their pictures into ``out``; return (paths, runs).

    ``echo`` receives each line of output (the picture paths and the table).
    """
    from .plotting import plot_loss_curves, plot_path, record_path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_pokemon()
    X, y = data.data, data.target
    paths = [out / name for name in FILES]
    runs: list[Run] = []

    # 1. Learning rate.  On standardized features the largest curvature of the loss is
    # about 2.7, so gradient descent is stable below eta = 2 / 2.7 = 0.74.
    lesson = "1 learning rate"
    rates = {"too small": 0.02, "about right": 0.5, "too large": 5.0}
    first = [_fit(lesson, f"eta={eta:g} ({name})",
                  _gd(eta0=eta, scale=True, max_iter=200), X, y)
             for name, eta in rates.items()]
    runs += first
    fig, (ax,) = _figure()
    plot_loss_curves({r.setting: r.result for r in first}, ax=ax, x="updates",
                     updates_per_epoch=1)
    ax.legend(loc="center right")
    ax.set_title("Tip 1: tune the learning rate\n"
                 "full-batch gradient descent, standardized features")
    fig.savefig(paths[0], dpi=100)

    # 2. Adagrad.  Raw features span cp ~ 200 to height ~ 0.3 (stardust ~ 3600): one
    # learning rate cannot suit them all; the largest stable one (2 / 2.1e7) crawls.
    lesson = "2 adagrad"
    second = [
        _fit(lesson, "vanilla GD eta=9e-08", _gd(eta0=9e-8, max_iter=500), X, y),
        _fit(lesson, "Adagrad eta=0.1", _gd(eta0=0.1, optimizer="adagrad", max_iter=500),
             X, y),
    ]
    runs += second
    fig, (ax,) = _figure()
    plot_loss_curves({r.setting: r.result for r in second}, ax=ax, x="updates")
    ax.set_title("Adagrad vs vanilla gradient descent\n"
                 "full batch, raw (unscaled) features")
    fig.savefig(paths[1], dpi=100)

    # 3. Stochastic gradient descent: n updates per pass over the data instead of one.
    # Wall time is plotted: each run is timed three times and the fastest kept.
    lesson = "3 sgd"
    n = X.shape[0]
    third = [
        _fit(lesson, "full-batch GD eta=0.5", _gd(eta0=0.5, scale=True, max_iter=200), X, y,
             repeat=3),
        _fit(lesson, "SGD eta=0.01", SGDRegressor(
            learning_rate="constant", eta0=0.01, scale=True, penalty=None, tol=None,
            max_iter=20, random_state=0), X, y, updates_per_epoch=n, repeat=3),
    ]
    runs += third
    fig, axes = _figure(2)
    curves = {r.setting: r.result for r in third}
    plot_loss_curves(curves, ax=axes[0], x="updates")
    axes[0].set_xscale("symlog", linthresh=1.0)
    axes[0].set_xlim(left=0)
    axes[0].set_title("loss vs parameter updates")
    plot_loss_curves(curves, ax=axes[1], x="seconds")
    axes[1].set_xscale("log")
    axes[1].set_title("loss vs wall time")
    fig.suptitle("Tip 2: stochastic vs full-batch gradient descent (standardized features)")
    fig.savefig(paths[2], dpi=100)

    # 4. Feature scaling on the lecture's model cp_after = b + w·cp: without scaling the
    # loss surface is a long narrow valley (cp ~ 200 against the intercept's 1).
    lesson = "4 scaling"
    Xcp = X[:, :1]
    fourth, recorded = [], []
    for setting, estimator in [("b + w*cp, raw, eta=3e-05", _gd(eta0=3e-5, max_iter=50)),
                               ("b + w*cp, scaled, eta=0.3",
                                _gd(eta0=0.3, max_iter=50, scale=True))]:
        start = time.perf_counter()
        path = record_path(estimator, Xcp, y)
        seconds = time.perf_counter() - start
        fourth.append(_summary(lesson, setting, path.estimator, Xcp, y, seconds))
        recorded.append(path)
    raw, scaled = recorded
    runs += fourth
    fig, axes = _figure(2)
    plot_path(Xcp, y, {"GD, eta=3e-05": raw}, ax=axes[0])
    axes[0].set_title("without scaling: (w, b) in original units")
    plot_path(Xcp, y, {"GD, eta=0.3": scaled}, ax=axes[1])
    axes[1].set_title("with scaling: cp standardized")
    fig.suptitle("Tip 3: feature scaling — 50 steps of gradient descent on "
                 "cp_after = b + w·cp")
    fig.savefig(paths[3], dpi=100)

    for path in paths:
        echo(str(path))
    echo("")
    for line in format_table(runs):
        echo(line)
    return paths, runs


def format_table(runs):
    """The demo's table, one string per line."""
    header = ("setting", "epochs", "updates", "final loss", "R²", "seconds")
    rows = []
    for r in runs:
        if isinstance(r.result, DivergenceError):
            loss, r2 = f"diverged (epoch {r.epochs})", "-"
        else:
            loss, r2 = f"{r.loss:.6g}", f"{r.r2:.4f}"
        rows.append((r.setting, str(r.epochs), str(r.updates), loss, r2, f"{r.seconds:.4f}"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
