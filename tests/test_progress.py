"""verbose=1 progress lines and the per-epoch callback of SGDRegressor."""

import re

import numpy as np
import pytest
from sklearn.base import clone

from fastsgd import EpochInfo, SGDRegressor

LINE = re.compile(r"Epoch (\d+): loss (\S+), \|w\| (\S+), bias (\S+), updates (\d+), "
                  r"(\d+\.\d+) s")


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3)) * [1.0, 10.0, 0.1]
    y = X @ [1.0, -0.2, 3.0] + 0.5 + rng.normal(scale=0.1, size=50)
    return X, y


def test_verbose_prints_one_line_per_epoch(problem, capsys):
    X, y = problem
    est = SGDRegressor(batch_size=10, eta0=0.01, max_iter=4, tol=None, verbose=1,
                       random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == est.n_iter_ == 4
    seconds = []
    for k, line in enumerate(lines, start=1):
        m = LINE.fullmatch(line)
        assert m, line
        assert int(m[1]) == k
        assert float(m[2]) == pytest.approx(est.loss_curve_[k - 1], rel=1e-5)
        assert int(m[5]) == 5 * k                      # 50 examples in batches of 10
        seconds.append(float(m[6]))
    assert seconds == sorted(seconds)
    last = LINE.fullmatch(lines[-1])
    assert float(last[3]) == pytest.approx(np.linalg.norm(est.coef_), rel=1e-5)
    assert float(last[4]) == pytest.approx(est.intercept_[0], rel=1e-5)


def test_verbose_update_count_carries_across_partial_fit(problem, capsys):
    X, y = problem
    est = SGDRegressor(verbose=1, random_state=0)
    est.partial_fit(X, y)
    est.partial_fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [int(LINE.fullmatch(s)[5]) for s in lines] == [50, 100]


def test_silent_by_default(problem, capsys):
    X, y = problem
    SGDRegressor(max_iter=3, tol=None).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("scale", [False, True])
def test_callback_sees_every_epoch_in_original_units(problem, scale):
    X, y = problem
    seen = []
    est = SGDRegressor(batch_size=7, eta0=0.05, max_iter=5, tol=None, scale=scale,
                       random_state=1, callback=seen.append).fit(X, y)
    assert all(isinstance(info, EpochInfo) for info in seen)
    assert [info.epoch for info in seen] == [1, 2, 3, 4, 5]
    assert [info.loss for info in seen] == est.loss_curve_
    assert [info.updates for info in seen] == [8, 16, 24, 32, 40]
    assert [info.seconds for info in seen] == est.epoch_times_
    np.testing.assert_allclose(seen[-1].coef, est.coef_, rtol=1e-12)
    assert seen[-1].intercept == pytest.approx(est.intercept_[0], rel=1e-12)
    # Each record is its own array: the history is not overwritten by later epochs.
    assert not np.allclose(seen[0].coef, seen[-1].coef)


def test_callback_does_not_change_the_result(problem):
    X, y = problem
    plain = SGDRegressor(max_iter=5, tol=None, random_state=0).fit(X, y)
    watched = SGDRegressor(max_iter=5, tol=None, random_state=0,
                           callback=lambda info: None).fit(X, y)
    np.testing.assert_array_equal(plain.coef_, watched.coef_)
    assert plain.loss_curve_ == watched.loss_curve_


def test_callback_is_a_parameter(problem):
    est = SGDRegressor(callback=print)
    assert est.get_params()["callback"] is print
    assert clone(est).callback is print
    with pytest.raises(ValueError, match="callback"):
        SGDRegressor(callback=3).fit(*problem)
