"""Pure-NumPy twins of the compiled kernels in ``fastsgd._core``.

Each function has the same name, signature and update order as its compiled twin and
gives the same results up to rounding.  They are written to be read: this file is the
plainest statement of what fastsgd computes, the oracle of the tests and the baseline
of the benchmarks.  They are slow (a Python loop per example).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["column_stats", "column_stats_csr", "train_epochs", "train_epochs_csr"]


def _learning_rate(settings, eta: float, t: float) -> float:
    """eta_t for the update counter t (t >= 1); ``eta`` is the current fixed rate."""
    name = settings.learning_rate
    if name in ("constant", "adaptive"):
        return eta
    if name == "invscaling":
        # The kernel's fast paths for the common exponents (square roots, not pow).
        if settings.power_t == 0.5:
            return settings.eta0 / math.sqrt(t)
        if settings.power_t == 0.25:
            return settings.eta0 / math.sqrt(math.sqrt(t))
        return settings.eta0 / math.pow(t, settings.power_t)
    if name == "optimal":
        return 1.0 / (settings.alpha * (settings.optimal_init + t - 1.0))
    raise ValueError(f"unknown learning_rate {name!r}")


def _features(X, i, mean, inv_std):
    """Row i as float64, standardized on the fly when statistics are given."""
    x = X[i].astype(np.float64)
    if len(mean):
        x = (x - mean) * inv_std
    return x


def _sgd_step(w, b, grad, grad_b, eta, l2, fit_intercept):
    """Plain SGD: shrink the weights (L2), then step against the gradient."""
    shrink = max(0.0, 1.0 - eta * l2)
    w[:] = shrink * w.astype(np.float64) - eta * grad
    if fit_intercept:
        b[0] = b[0] - eta * grad_b


def _adagrad_scale(accumulated, eps):
    """sqrt(G) + eps; where that is 0 (eps = 0, no gradient yet, so g = 0) it is 1, so that
    the step is 0 rather than 0/0."""
    scale = np.sqrt(accumulated) + eps
    return np.where(scale != 0.0, scale, 1.0)


def _adagrad_step(w, b, acc, grad, grad_b, eta, l2, eps, fit_intercept):
    """Adagrad: each parameter's step divided by the root of its summed squared gradients."""
    d = w.shape[0]
    g = grad + l2 * w.astype(np.float64)
    acc[:d] = acc[:d] + g * g
    w[:] = w - eta * g / _adagrad_scale(acc[:d].astype(np.float64), eps)
    if fit_intercept:
        acc[d] = acc[d] + grad_b * grad_b
        b[0] = b[0] - eta * grad_b / _adagrad_scale(np.float64(acc[d]), eps)


class _EpochControl:
    """What happens between epochs, shared by the dense and CSR twins: the divergence
    check, scikit-learn's stopping rule (and "adaptive"'s division of eta by 5), and the
    call of on_epoch_end."""

    def __init__(self, settings):
        self.settings = settings
        self.eta_fixed = settings.eta0      # the rate of "constant" and "adaptive"
        self.best_loss = math.inf
        self.no_improvement = 0

    def end_epoch(self, epoch, mean_loss, params, loss_curve, on_epoch_end):
        """Record the epoch's mean loss; return the final status, or None to go on."""
        settings = self.settings
        loss_curve[epoch] = mean_loss
        if not math.isfinite(mean_loss) or not np.all(np.isfinite(params)):
            return "diverged"
        if settings.tol is not None and mean_loss > self.best_loss - settings.tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        self.best_loss = min(self.best_loss, mean_loss)
        status = None
        if self.no_improvement >= settings.n_iter_no_change:
            if settings.learning_rate == "adaptive" and self.eta_fixed > 1e-6:
                self.eta_fixed /= 5.0
                self.no_improvement = 0
            else:
                status = "converged"
        go_on = status is None and epoch + 1 < loss_curve.shape[0]
        if on_epoch_end is not None:
            on_epoch_end(epoch, mean_loss, go_on)
        if go_on:
            return None
        return status or "max_iter"


def train_epochs(X, y, sample_weight, order, params, accumulators, mean, inv_std,
                 settings, t, loss_curve, on_epoch_end=None):
    """NumPy twin of ``fastsgd._core.train_epochs``; see there for the arguments."""
    n, d = X.shape
    w = params[:d]            # views: updated in place, as the kernel does
    b = params[d:]
    adagrad = settings.optimizer == "adagrad"
    l2 = settings.alpha if settings.penalty == "l2" else 0.0
    batch_size = min(settings.batch_size, n)
    control = _EpochControl(settings)
    epochs_done = 0
    status = "max_iter"
    eta = _learning_rate(settings, control.eta_fixed, t)

    for epoch in range(loss_curve.shape[0]):
        sumloss = 0.0
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            w64 = w.astype(np.float64)
            b64 = float(b[0])
            if batch_size == 1:
                # One example: the gradient is used as it is (no division by 1).
                i = rows[0]
                x = _features(X, i, mean, inv_std)
                r = float(x @ w64) + b64 - float(y[i])
                sumloss += 0.5 * r * r
                eta = _learning_rate(settings, control.eta_fixed, t)
                if adagrad:
                    g = r * float(sample_weight[i])
                    _adagrad_step(w, b, accumulators, g * x, g, eta, l2, settings.eps,
                                  settings.fit_intercept)
                else:
                    shrink = max(0.0, 1.0 - eta * l2)
                    step = -eta * r * float(sample_weight[i])
                    # In the parameters' own precision, as the kernel does (float32 data:
                    # float32 arithmetic); only the dot product is float64.
                    dt = params.dtype.type
                    w[:] = dt(shrink) * w + dt(step) * x.astype(params.dtype)
                    if settings.fit_intercept:
                        b[0] = b64 + step
            else:
                # A batch: every example evaluated with the same parameters, then the mean
                # gradient applied once.
                grad = np.zeros(d)
                grad_b = 0.0
                for i in rows:
                    x = _features(X, i, mean, inv_std)
                    r = float(x @ w64) + b64 - float(y[i])
                    sumloss += 0.5 * r * r
                    a = r * float(sample_weight[i])
                    grad_b += a
                    grad += a * x
                eta = _learning_rate(settings, control.eta_fixed, t)
                count = float(len(rows))
                if adagrad:
                    _adagrad_step(w, b, accumulators, grad / count, grad_b / count, eta, l2,
                                  settings.eps, settings.fit_intercept)
                else:
                    _sgd_step(w, b, grad / count, grad_b / count, eta, l2,
                              settings.fit_intercept)
            t += 1.0
            if not math.isfinite(sumloss):
                break

        epochs_done = epoch + 1
        status = control.end_epoch(epoch, sumloss / n, params, loss_curve, on_epoch_end)
        if status is not None:
            break
    return epochs_done, t, eta, status


def column_stats(X):
    """Per-column mean and population standard deviation (ddof 0), in float64."""
    X = np.asarray(X)
    if X.shape[0] == 0:
        return np.zeros(X.shape[1]), np.zeros(X.shape[1])
    mean = X.mean(axis=0, dtype=np.float64)
    ssd = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], 4096):   # blocks: no full-size temporary
        diff = X[start:start + 4096].astype(np.float64) - mean
        ssd += np.einsum("ij,ij->j", diff, diff)
    return mean, np.sqrt(ssd / X.shape[0])


# ---------------------------------------------------------------------------------------
# CSR input.  The weights are held as a plain array here (the kernel's scale trick is an
# implementation detail that changes only rounding).  A feature is present in a row when
# its stored value is non-zero; Adagrad updates present features only (lazy Adagrad: under
# L2, absent features are not shrunk, unlike the dense rule).


def _csr_row(data, indices, indptr, i, inv_std):
    """The present features of row i: their indices and values (float64, scaled by 1/s)."""
    lo, hi = indptr[i], indptr[i + 1]
    x = data[lo:hi].astype(np.float64)
    j = indices[lo:hi].astype(np.int64)
    if len(inv_std):
        x = x * inv_std[j]
    keep = x != 0.0
    return j[keep], x[keep]


def train_epochs_csr(data, indices, indptr, n_features, y, sample_weight, order, params,
                     accumulators, inv_std, settings, t, loss_curve, on_epoch_end=None):
    """NumPy twin of ``fastsgd._core.train_epochs_csr``; see there for the arguments."""
    n, d = len(indptr) - 1, n_features
    w = params[:d]
    b = params[d:]
    acc = accumulators
    adagrad = settings.optimizer == "adagrad"
    l2 = settings.alpha if settings.penalty == "l2" else 0.0
    eps = settings.eps
    batch_size = min(settings.batch_size, n)
    control = _EpochControl(settings)
    epochs_done = 0
    status = "max_iter"
    eta = _learning_rate(settings, control.eta_fixed, t)

    def adagrad_update(j, g, eta):
        """Adagrad on the weights j with gradients g (L2 term included by the caller)."""
        acc[j] = acc[j].astype(np.float64) + g * g
        w[j] = w[j].astype(np.float64) - eta * g / _adagrad_scale(acc[j].astype(np.float64),
                                                                  eps)

    def intercept_update(g_b, eta):
        if not settings.fit_intercept:
            return
        if adagrad:
            acc[d] = float(acc[d]) + g_b * g_b
            b[0] = float(b[0]) - eta * g_b / float(_adagrad_scale(np.float64(acc[d]), eps))
        else:
            b[0] = float(b[0]) - eta * g_b

    for epoch in range(loss_curve.shape[0]):
        sumloss = 0.0
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            w64 = w.astype(np.float64)
            b64 = float(b[0])
            # Every example of the batch is evaluated with the same parameters.
            grad = np.zeros(d)
            present = np.zeros(d, dtype=bool)
            grad_b = 0.0
            for i in rows:
                j, x = _csr_row(data, indices, indptr, i, inv_std)
                r = float(x @ w64[j]) + b64 - float(y[i])
                sumloss += 0.5 * r * r
                a = r * float(sample_weight[i])
                grad_b += a
                grad[j] += a * x
                present[j] = True
            count = float(len(rows))
            eta = _learning_rate(settings, control.eta_fixed, t)
            if adagrad:
                j = np.flatnonzero(present)
                g = (grad[j] if len(rows) == 1 else grad[j] / count) + l2 * w64[j]
                adagrad_update(j, g, eta)
            else:
                # All weights shrink; the gradient moves the present ones (zero elsewhere).
                shrink = max(0.0, 1.0 - eta * l2)
                w[:] = shrink * w64 - eta * (grad if len(rows) == 1 else grad / count)
            intercept_update(grad_b if len(rows) == 1 else grad_b / count, eta)
            t += 1.0
            if not math.isfinite(sumloss):
                break

        epochs_done = epoch + 1
        status = control.end_epoch(epoch, sumloss / n, params, loss_curve, on_epoch_end)
        if status is not None:
            break
    return epochs_done, t, eta, status


def column_stats_csr(data, indices, indptr, n_features):
    """Per-column mean and population standard deviation (ddof 0) of a canonical CSR
    matrix, in float64: squared deviations of the stored values plus (n - stored) m^2
    for the implicit zeros."""
    n = len(indptr) - 1
    if n == 0:
        return np.zeros(n_features), np.zeros(n_features)
    nnz = int(indptr[n])
    j = np.asarray(indices[:nnz], dtype=np.int64)
    x = np.asarray(data[:nnz], dtype=np.float64)
    mean = np.bincount(j, weights=x, minlength=n_features) / n
    count = np.bincount(j, minlength=n_features)
    ssd = np.bincount(j, weights=(x - mean[j]) ** 2, minlength=n_features)
    return mean, np.sqrt((ssd + (n - count) * mean * mean) / n)
