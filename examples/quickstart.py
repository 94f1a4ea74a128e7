"""A first look at fastsgd: fit, predict, and the loss curve, on a synthetic problem."""

import numpy as np

from fastsgd import SGDRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(10_000, 20)) * rng.uniform(1, 100, size=20)   # very different scales
y = X @ rng.normal(size=20) + 3.0 + rng.normal(scale=0.5, size=10_000)

for name, est in {
    "SGD, scaled": SGDRegressor(scale=True, random_state=0),
    "Adagrad, scaled": SGDRegressor(optimizer="adagrad", eta0=0.5, scale=True, random_state=0),
    "full batch, scaled": SGDRegressor(batch_size="full", learning_rate="constant", eta0=0.5,
                                       scale=True, max_iter=500, tol=1e-6),
}.items():
    est.fit(X, y)
    print(f"{name:20s} R^2 {est.score(X, y):.5f}  epochs {est.n_iter_:4d}  "
          f"final loss {est.loss_curve_[-1]:.4f}")
