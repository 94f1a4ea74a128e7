"""fastsgd.plotting: the artists drawn (lines, labels, point counts), not pixels."""

import subprocess
import sys

import numpy as np
import pytest

import fastsgd
from fastsgd import DivergenceError, SGDRegressor

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fastsgd.plotting import ParameterPath, plot_loss_curves, plot_path, record_path  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)) * [1.0, 5.0, 0.2]
    y = X @ [2.0, -1.0, 4.0] + 1.0 + rng.normal(scale=0.1, size=100)
    return X, y


def gd(**params):
    settings = dict(batch_size="full", learning_rate="constant", penalty=None, tol=None)
    settings.update(params)
    return SGDRegressor(**settings)


def user_lines(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


# -- loss curves -----------------------------------------------------------------------------


def test_loss_curves_of_estimators_against_updates(problem):
    X, y = problem
    full = gd(eta0=0.05, max_iter=12).fit(X, y)
    sgd = SGDRegressor(learning_rate="constant", eta0=0.01, max_iter=4, tol=None,
                       random_state=0).fit(X, y)
    ax = plot_loss_curves({"GD": full, "SGD": sgd})
    lines = user_lines(ax)
    assert [line.get_label() for line in lines] == ["GD", "SGD"]
    assert ax.get_yscale() == "log"
    # Full batch: epoch k's loss is measured before update k, i.e. after k - 1 updates.
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(12))
    np.testing.assert_array_equal(lines[0].get_ydata(), full.loss_curve_)
    # SGD: 100 updates per epoch; the epoch's examples saw updates (k-1)*100 + 0..99.
    np.testing.assert_allclose(lines[1].get_xdata(), np.arange(4) * 100 + 49.5)
    np.testing.assert_array_equal(lines[1].get_ydata(), sgd.loss_curve_)
    assert ax.get_legend() is not None


def test_loss_curves_against_epochs_and_seconds(problem):
    X, y = problem
    est = gd(eta0=0.05, max_iter=6).fit(X, y)
    ax = plot_loss_curves({"GD": est}, x="epochs")
    np.testing.assert_array_equal(user_lines(ax)[0].get_xdata(), np.arange(1, 7))
    ax = plot_loss_curves({"GD": est}, x="seconds")
    times = np.asarray(est.epoch_times_)
    middles = (np.concatenate([[0.0], times[:-1]]) + times) / 2
    np.testing.assert_allclose(user_lines(ax)[0].get_xdata(), middles)
    assert ax.get_xlabel() == "seconds"


def test_diverged_run_is_drawn_up_to_the_divergence_and_marked(problem):
    X, y = problem
    with pytest.raises(DivergenceError) as info:
        gd(eta0=5.0, max_iter=1000).fit(X, y)
    err = info.value
    calm = gd(eta0=0.05, max_iter=20).fit(X, y)
    fig, ax = plt.subplots()
    assert plot_loss_curves({"big": err, "fine": calm}, ax=ax, updates_per_epoch={"big": 1}) is ax
    big, fine = user_lines(ax)
    assert big.get_label() == f"big — diverged in epoch {err.epoch}"
    assert len(big.get_xdata()) == err.epoch - 1 == len(err.loss_curve) - 1
    assert np.isfinite(big.get_ydata()).all()
    (marker,) = [line for line in ax.get_lines() if line.get_label() == "_diverged"]
    assert marker.get_marker() == "X"
    assert list(marker.get_xdata()) == [err.epoch - 1]
    # The calm curve sets the scale: the blow-up does not squash it.
    low, high = ax.get_ylim()
    assert high <= 10 * max(calm.loss_curve_) * 1.0001
    assert marker.get_ydata()[0] <= high
    fig.canvas.draw()                             # renders without overflow


def test_loss_sequences(problem):
    ax = plot_loss_curves({"a": [4.0, 2.0, 1.0], "b": [3.0, float("inf")]},
                          updates_per_epoch=10)
    a, b = user_lines(ax)
    np.testing.assert_allclose(a.get_xdata(), [4.5, 14.5, 24.5])
    assert "diverged in epoch 2" in b.get_label()
    with pytest.raises(ValueError, match="updates_per_epoch"):
        plot_loss_curves({"a": [1.0, 0.5]})
    with pytest.raises(ValueError, match="seconds"):
        plot_loss_curves({"a": [1.0, 0.5]}, x="seconds")


def test_bad_arguments(problem):
    with pytest.raises(ValueError, match="x must be one of"):
        plot_loss_curves({"a": [1.0]}, x="time")
    with pytest.raises(TypeError, match="mapping"):
        plot_loss_curves([[1.0, 0.5]])
    with pytest.raises(ValueError, match="not fitted"):
        plot_loss_curves({"a": SGDRegressor()})
    with pytest.raises(ValueError, match="1-D"):
        plot_loss_curves({"a": [[1.0, 2.0]]}, x="epochs")


# -- parameter paths -------------------------------------------------------------------------


def test_record_path_is_every_full_batch_update(problem):
    X, y = problem
    est = gd(eta0=0.05, max_iter=6)
    path = record_path(est, X, y)
    assert est.callback is None and not hasattr(est, "coef_")   # the original is untouched
    assert path.estimator.callback is None
    assert path.coef.shape == (7, 3) and path.intercept.shape == (7,)
    np.testing.assert_array_equal(path.coef[0], 0.0)
    # The k-th point is where k updates of gradient descent lead.
    for k in (1, 3, 6):
        ref = gd(eta0=0.05, max_iter=k).fit(X, y)
        np.testing.assert_allclose(path.coef[k], ref.coef_, rtol=1e-13)
        assert path.intercept[k] == pytest.approx(ref.intercept_[0], rel=1e-13)


def test_record_path_starts_at_the_initial_point(problem):
    X, y = problem
    path = record_path(gd(eta0=0.05, max_iter=2), X, y, coef_init=[1.0, 2.0, 3.0],
                       intercept_init=[4.0])
    np.testing.assert_array_equal(path.coef[0], [1.0, 2.0, 3.0])
    assert path.intercept[0] == 4.0
    with pytest.raises(ValueError, match="callback=None"):
        record_path(gd(callback=print), X, y)


def test_path_with_intercept_in_original_units(problem):
    X, y = problem
    x1 = X[:, 1:2]
    fig, ax = plt.subplots()
    est = gd(eta0=0.02, max_iter=15)
    assert plot_path(x1, y, {"GD": est}, ax=ax) is ax
    path, star = user_lines(ax)
    assert path.get_label() == "GD" and star.get_label() == "minimum"
    assert len(path.get_xdata()) == 16                 # the start and 15 updates
    assert (path.get_xdata()[0], path.get_ydata()[0]) == (0.0, 0.0)
    fitted = gd(eta0=0.02, max_iter=15).fit(x1, y)
    assert path.get_xdata()[-1] == pytest.approx(fitted.coef_[0], rel=1e-12)
    assert path.get_ydata()[-1] == pytest.approx(fitted.intercept_[0], rel=1e-12)
    slope, intercept = np.polyfit(x1[:, 0], y, 1)
    assert star.get_xdata()[0] == pytest.approx(slope, rel=1e-8)
    assert star.get_ydata()[0] == pytest.approx(intercept, rel=1e-8)
    assert len(ax.collections) >= 1                    # the contours
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "b")


def test_path_in_scaled_space(problem):
    X, y = problem
    x1 = X[:, 1:2]
    path = record_path(gd(eta0=0.3, max_iter=8, scale=True), x1, y)
    ax = plot_path(x1, y, {"scaled": path})
    line = user_lines(ax)[0]
    est = path.estimator
    w_s = est.coef_[0] * est.scale_std_[0]
    b_s = est.intercept_[0] + est.coef_[0] * est.scale_mean_[0]
    assert line.get_xdata()[-1] == pytest.approx(w_s, rel=1e-12)
    assert line.get_ydata()[-1] == pytest.approx(b_s, rel=1e-12)
    assert len(line.get_xdata()) == 9
    assert "standardized" in ax.get_xlabel()
    assert ax.get_aspect() == 1.0
    star = user_lines(ax)[1]
    z = (x1[:, 0] - x1[:, 0].mean()) / x1[:, 0].std()
    assert star.get_xdata()[0] == pytest.approx(np.polyfit(z, y, 1)[0], rel=1e-8)
    assert star.get_ydata()[0] == pytest.approx(y.mean(), rel=1e-8)


def test_path_with_two_features_without_intercept(problem):
    X, y = problem
    ax = plot_path(X[:, :2], y, {"a": gd(eta0=0.01, max_iter=5, fit_intercept=False),
                                 "b": gd(eta0=0.03, max_iter=3, fit_intercept=False)})
    a, b, star = user_lines(ax)
    assert (len(a.get_xdata()), len(b.get_xdata())) == (6, 4)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w1", "w2")
    lstsq = np.linalg.lstsq(X[:, :2], y, rcond=None)[0]
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]], lstsq, rtol=1e-8)


def test_a_single_estimator_gets_a_label(problem):
    X, y = problem
    ax = plot_path(X[:, :1], y, gd(eta0=0.1, max_iter=3))
    assert user_lines(ax)[0].get_label() == "sgd, eta0=0.1"


def test_path_needs_two_parameters(problem):
    X, y = problem
    with pytest.raises(ValueError, match="two-parameter"):
        plot_path(X, y, gd(max_iter=2))
    with pytest.raises(ValueError, match="fit_intercept must be False"):
        plot_path(X[:, :2], y, gd(max_iter=2))
    with pytest.raises(ValueError, match="scale=True"):
        plot_path(X[:, :1], y, gd(max_iter=2), space="scaled")
    with pytest.raises(TypeError, match="mapping"):
        plot_path(X[:, :1], y, [gd(max_iter=2)])
    assert isinstance(record_path(gd(max_iter=2), X[:, :1], y), ParameterPath)


# -- matplotlib is optional ------------------------------------------------------------------


def test_without_matplotlib_import_works_and_plotting_says_how_to_install():
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"          # makes `import matplotlib` fail
        "import fastsgd, fastsgd.plotting, fastsgd.datasets\n"
        "try:\n"
        "    fastsgd.plotting.plot_loss_curves({'a': [1.0]})\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "ImportError:" in out and "pip install fastsgd[plot]" in out


def test_exported():
    assert fastsgd.EpochInfo._fields == ("epoch", "loss", "coef", "intercept", "updates",
                                         "seconds")
