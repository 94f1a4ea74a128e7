"""Adagrad with eps=0 (the lecture's form) on a feature whose gradient is still zero."""

import numpy as np
import pytest

from fastsgd import SGDRegressor, _reference
from fastsgd._dispatch import available_cores
from fastsgd._settings import TrainSettings


@pytest.mark.parametrize("batch_size", [1, 2, "full"])
def test_zero_column_with_eps_zero_stays_zero(batch_size):
    # The second feature is all zeros: its gradient is 0 every step, its accumulator
    # stays 0, and sqrt(0) + 0 would give 0/0 = NaN without the guard.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=40), np.zeros(40)])
    y = 2.0 * X[:, 0] + 1.0
    est = SGDRegressor(optimizer="adagrad", eps=0.0, eta0=0.5, batch_size=batch_size,
                       max_iter=20, tol=None, shuffle=False).fit(X, y)
    assert np.all(np.isfinite(est.coef_))
    assert est.coef_[1] == 0.0
    assert est.accumulator_[1] == 0.0
    assert abs(est.coef_[0] - 2.0) < 0.2


@pytest.mark.parametrize("core", list(available_cores().values()))
def test_zero_gradient_guard_matches_reference(core):
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.5, 0.0]])
    y = np.array([1.0, 2.0, 0.7])
    settings = TrainSettings(optimizer="adagrad", learning_rate="constant", eta0=0.3,
                             eps=0.0, tol=None, penalty=None)
    results = []
    for module in (core, _reference):
        params = np.zeros(3)
        acc = np.zeros(3)
        module.train_epochs(X, y, np.ones(3), np.arange(3), params, acc, np.zeros(0),
                            np.zeros(0), settings, 1.0, np.zeros(5))
        results.append(params)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    assert results[0][1] == 0.0


def test_divergence_advice_depends_on_scaling():
    from fastsgd import DivergenceError

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, 2.0, 3.0]
    for scale, mentions_scale in [(False, True), (True, False)]:
        est = SGDRegressor(learning_rate="constant", eta0=50.0, scale=scale, tol=None,
                           max_iter=20)
        with pytest.raises(DivergenceError) as info:
            est.fit(X, y)
        assert ("scale=True" in str(info.value)) is mentions_scale
        assert "smaller eta0" in str(info.value)
