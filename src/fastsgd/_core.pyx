# cython: language_level=3
"""Compiled kernels of fastsgd.

Every public function here has a NumPy twin of the same name and signature in
``fastsgd._reference``; tests assert that the two agree.  The kernels trust their
arguments: the Python layer (``fastsgd._sgd``) validates and converts them.

Design:
- ``train_epochs`` is the only entry point for training.  It runs whole epochs inside one
  ``nogil`` block, takes the GIL only at epoch boundaries (to let the caller reshuffle,
  time and report) and every ``CHECK_EVERY`` examples (to honour Ctrl-C).
- The choices that do not change during a fit are made once, outside the per-example
  loops: the optimizer picks the loop, the learning-rate schedule is a function pointer,
  "no penalty" is an L2 strength of 0 (multiplying by 1.0 or adding 0.0 is exact), and
  the feature reading (raw, or standardized on the fly) is a compile-time fused type.
- Parameters live in one vector ``params`` of length d + 1: the weights, then the
  intercept.  Adagrad keeps one accumulator per entry of that vector.
- Dot products and gradient sums accumulate in float64, whatever the data's dtype.
"""

from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport INFINITY, isfinite, pow, sqrt
from libc.stdlib cimport free, malloc

import numpy as np

ctypedef fused floating:
    float
    double

ctypedef long long index_t


# How a kernel reads a feature value.  The two tags are empty structs: they exist only so
# that Cython compiles one specialisation per reading, with no test inside the loops.
ctypedef struct RawFeatures:
    char unused

ctypedef struct StandardizedFeatures:
    char unused

ctypedef fused Reading:
    RawFeatures
    StandardizedFeatures


# How often (in examples) the epoch loop takes the GIL to look for Ctrl-C: often enough
# to stop within a second on any shape, rarely enough to cost nothing measurable.
cdef enum:
    CHECK_EVERY = 8192

cdef enum Status:
    REACHED_MAX_ITER = 0
    CONVERGED = 1
    DIVERGED = 2


cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* volatile asm, not __builtin_prefetch: GCC deems a function whose only effect is
       __builtin_prefetch pure and deletes the calls to it. */
    #define FASTSGD_PREFETCH(p) \
        __asm__ volatile("prefetcht0 %0" : : "m"(*(const char*)(p)))
    #elif defined(__GNUC__) || defined(__clang__)
    #define FASTSGD_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #else
    #define FASTSGD_PREFETCH(p) ((void)0)
    #endif
    """
    void prefetch "FASTSGD_PREFETCH"(const void* p) noexcept nogil


# Prefetching.  In a shuffled epoch every row of a matrix larger than the cache is a cache
# miss (its values, target, weight; for CSR also its indices and pointers), and the work
# per row is short, so the loops ask for the memory of the rows ahead while working on
# row k.  Without it a shuffled epoch runs 2.5 to 5 times slower than an ordered one,
# waiting on memory.  AHEAD is the CSR loops' distance; the dense loops choose theirs by
# row length (dense_rows_ahead).
cdef enum:
    AHEAD = 4


# ---------------------------------------------------------------------------------------
# Learning-rate schedules: eta as a function of the update counter t (t >= 1).

cdef struct Schedule:
    double (*rate)(Schedule*, double) noexcept nogil
    double eta0
    double eta            # the current rate of "constant" and "adaptive"
    double power_t
    double alpha
    double optimal_init


cdef double rate_fixed(Schedule* s, double t) noexcept nogil:
    return s.eta


cdef double rate_invscaling(Schedule* s, double t) noexcept nogil:
    return s.eta0 / pow(t, s.power_t)


# pow() costs about a quarter of a plain SGD epoch at d = 100; the two exponents people
# use (0.25, scikit-learn's default, and 0.5, the lecture's) need only square roots.
cdef double rate_inv_sqrt(Schedule* s, double t) noexcept nogil:
    return s.eta0 / sqrt(t)


cdef double rate_inv_fourth_root(Schedule* s, double t) noexcept nogil:
    return s.eta0 / sqrt(sqrt(t))


cdef double rate_optimal(Schedule* s, double t) noexcept nogil:
    return 1.0 / (s.alpha * (s.optimal_init + t - 1.0))


cdef int make_schedule(Schedule* s, settings) except -1:
    name = settings.learning_rate
    s.eta0 = settings.eta0
    s.eta = settings.eta0
    s.power_t = settings.power_t
    s.alpha = settings.alpha
    s.optimal_init = settings.optimal_init
    if name == "constant" or name == "adaptive":
        s.rate = rate_fixed
    elif name == "invscaling" and s.power_t == 0.5:
        s.rate = rate_inv_sqrt
    elif name == "invscaling" and s.power_t == 0.25:
        s.rate = rate_inv_fourth_root
    elif name == "invscaling":
        s.rate = rate_invscaling
    elif name == "optimal":
        s.rate = rate_optimal
    else:
        raise ValueError(f"unknown learning_rate {name!r}")
    return 0


# ---------------------------------------------------------------------------------------
# Row primitives.

cdef inline double feature(const floating* x, const double* mean, const double* inv_std,
                           Py_ssize_t j, Reading* how) noexcept nogil:
    if Reading is StandardizedFeatures:
        return (<double>x[j] - mean[j]) * inv_std[j]
    else:
        return <double>x[j]


cdef inline double kept_feature(const floating* x, const double* mean, const double* inv_std,
                                double* kept, Py_ssize_t j, Reading* how) noexcept nogil:
    """feature(), also stored in kept[j] when standardizing (kept is unused otherwise)."""
    cdef double v
    if Reading is StandardizedFeatures:
        v = (<double>x[j] - mean[j]) * inv_std[j]
        kept[j] = v
        return v
    else:
        return <double>x[j]


cdef inline Py_ssize_t dense_rows_ahead(Py_ssize_t d, Py_ssize_t itemsize) noexcept nogil:
    """How many rows ahead the dense loops prefetch: 8 short rows, fewer long ones, so that
    the rows in flight stay within about 32 KB (measured, float64: 8 rows ahead is best at
    d = 10 and 100; at d = 1000, 4 beats both 2 and 8, which evicts rows still in use)."""
    cdef Py_ssize_t ahead = 32768 // max(d * itemsize, 1)
    return max(1, min(8, ahead))


cdef inline void prefetch_dense_row(const floating[:, ::1] X, const floating[::1] y,
                                    const floating[::1] sample_weight,
                                    const index_t[::1] order, Py_ssize_t k,
                                    Py_ssize_t ahead) noexcept nogil:
    """Ask for the memory of example order[k + ahead]: its row, one request per 64-byte
    line (a shuffled order defeats the hardware prefetcher between rows), its target
    and its weight."""
    cdef Py_ssize_t i, j, d = X.shape[1]
    cdef const floating* x
    if k + ahead >= order.shape[0]:
        return
    i = order[k + ahead]
    x = &X[i, 0]
    j = 0
    while j < d:
        prefetch(&x[j])
        j += 64 // sizeof(floating)
    prefetch(&x[d - 1])
    prefetch(&y[i])
    prefetch(&sample_weight[i])


cdef inline double row_dot(const floating* x, const floating* w, const double* mean,
                           const double* inv_std, double* kept, Py_ssize_t d,
                           Reading* how) noexcept nogil:
    """x . w in float64.  When standardizing, the standardized row is left in ``kept`` so
    that the update that follows does not standardize it a second time."""
    # Eight independent partial sums: a single running sum is one long chain of dependent
    # additions (latency-bound); eight chains keep the FPU busy, and the compiler packs
    # them into SIMD registers without reassociating anything we did not write.
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef double s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    cdef Py_ssize_t j = 0
    cdef Py_ssize_t d8 = d - (d & 7)
    while j < d8:
        s0 += kept_feature(x, mean, inv_std, kept, j, how) * w[j]
        s1 += kept_feature(x, mean, inv_std, kept, j + 1, how) * w[j + 1]
        s2 += kept_feature(x, mean, inv_std, kept, j + 2, how) * w[j + 2]
        s3 += kept_feature(x, mean, inv_std, kept, j + 3, how) * w[j + 3]
        s4 += kept_feature(x, mean, inv_std, kept, j + 4, how) * w[j + 4]
        s5 += kept_feature(x, mean, inv_std, kept, j + 5, how) * w[j + 5]
        s6 += kept_feature(x, mean, inv_std, kept, j + 6, how) * w[j + 6]
        s7 += kept_feature(x, mean, inv_std, kept, j + 7, how) * w[j + 7]
        j += 8
    while j < d:
        s0 += kept_feature(x, mean, inv_std, kept, j, how) * w[j]
        j += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


cdef inline void row_add_to(double* acc, double a, const floating* x, const double* kept,
                            Py_ssize_t d, Reading* how) noexcept nogil:
    """acc += a * x (x standardized: the row kept by row_dot), a mini-batch's gradient sum."""
    cdef Py_ssize_t j
    if Reading is StandardizedFeatures:
        for j in range(d):
            acc[j] += a * kept[j]
    else:
        for j in range(d):
            acc[j] += a * <double>x[j]


cdef extern from *:
    """
    #include <math.h>
    /* sqrt(G) + eps, Adagrad's divisor.  It is 0 only when eps = 0 and no gradient has
       been seen (G = 0, so g = 0 too): then 1, so that the step is 0 rather than 0/0.
       Written as arithmetic, not a branch (nor a select, which GCC 12 also leaves as
       control flow), so that the loops calling it stay vectorized. */
    static inline double fastsgd_adagrad_scale(double accumulated, double eps) {
        double scale = sqrt(accumulated) + eps;
        return scale + (double)(scale == 0.0);
    }
    """
    double adagrad_scale "fastsgd_adagrad_scale"(double accumulated, double eps) noexcept nogil


# ---------------------------------------------------------------------------------------
# One example at a time (batch_size=1).  Each function processes the examples
# order[start:stop] and adds their losses to sumloss.

cdef void sgd_single(const floating[:, ::1] X, const floating[::1] y,
                     const floating[::1] sample_weight, const index_t[::1] order,
                     Py_ssize_t start, Py_ssize_t stop, floating* w, floating* b,
                     const double* mean, const double* inv_std, double* kept,
                     Schedule* schedule, double l2, bint fit_intercept, double* t,
                     double* sumloss, Reading* how) noexcept nogil:
    cdef Py_ssize_t d = X.shape[1], k, j, i
    cdef const floating* x
    cdef double p, r, eta, step, shrink
    cdef floating step_f, shrink_f
    cdef Py_ssize_t ahead = dense_rows_ahead(X.shape[1], sizeof(floating))
    for k in range(start, stop):
        prefetch_dense_row(X, y, sample_weight, order, k, ahead)
        i = order[k]
        x = &X[i, 0]
        p = row_dot(x, w, mean, inv_std, kept, d, how) + b[0]
        r = p - y[i]
        sumloss[0] += 0.5 * r * r
        eta = schedule.rate(schedule, t[0])
        # The gradient is taken at the weights before the L2 shrink, as scikit-learn does.
        shrink = 1.0 - eta * l2
        if shrink < 0.0:
            shrink = 0.0
        step = -eta * r * sample_weight[i]
        # The update is done in the parameters' own precision (float32 data: float32
        # arithmetic, twice the SIMD width); only the dot product needs float64.
        step_f = <floating>step
        shrink_f = <floating>shrink
        if Reading is StandardizedFeatures:
            for j in range(d):
                w[j] = shrink_f * w[j] + step_f * <floating>kept[j]
        else:
            for j in range(d):
                w[j] = shrink_f * w[j] + step_f * x[j]
        if fit_intercept:
            b[0] = <floating>(b[0] + step)
        t[0] += 1.0
        if not isfinite(sumloss[0]):
            break     # diverged: stop at this example (t and eta as the reference has them)


cdef void adagrad_single(const floating[:, ::1] X, const floating[::1] y,
                         const floating[::1] sample_weight, const index_t[::1] order,
                         Py_ssize_t start, Py_ssize_t stop, floating* w, floating* b,
                         floating* acc, const double* mean, const double* inv_std,
                         double* kept, Schedule* schedule, double l2, double eps,
                         bint fit_intercept, double* t, double* sumloss,
                         Reading* how) noexcept nogil:
    # acc[0:d] belongs to the weights, acc[d] to the intercept.
    cdef Py_ssize_t d = X.shape[1], k, j, i
    cdef const floating* x
    cdef double p, r, eta, g, gr, G
    cdef Py_ssize_t ahead = dense_rows_ahead(X.shape[1], sizeof(floating))
    for k in range(start, stop):
        prefetch_dense_row(X, y, sample_weight, order, k, ahead)
        i = order[k]
        x = &X[i, 0]
        p = row_dot(x, w, mean, inv_std, kept, d, how) + b[0]
        r = p - y[i]
        sumloss[0] += 0.5 * r * r
        eta = schedule.rate(schedule, t[0])
        gr = r * sample_weight[i]
        for j in range(d):
            if Reading is StandardizedFeatures:
                g = gr * kept[j] + l2 * w[j]
            else:
                g = gr * <double>x[j] + l2 * w[j]
            G = acc[j] + g * g
            acc[j] = <floating>G
            w[j] = <floating>(w[j] - eta * g / adagrad_scale(acc[j], eps))
        if fit_intercept:
            G = acc[d] + gr * gr
            acc[d] = <floating>G
            b[0] = <floating>(b[0] - eta * gr / adagrad_scale(acc[d], eps))
        t[0] += 1.0
        if not isfinite(sumloss[0]):
            break     # diverged: stop at this example (t and eta as the reference has them)


# ---------------------------------------------------------------------------------------
# Mini-batch and full batch: accumulate the batch's gradient sum (all examples evaluated
# with the same parameters, in one pass over their rows), then apply one update.

cdef void batch_accumulate(const floating[:, ::1] X, const floating[::1] y,
                           const floating[::1] sample_weight, const index_t[::1] order,
                           Py_ssize_t start, Py_ssize_t stop, const floating* w, double b,
                           const double* mean, const double* inv_std, double* kept,
                           double* grad, double* grad_b, double* sumloss,
                           Reading* how) noexcept nogil:
    cdef Py_ssize_t d = X.shape[1], k, i
    cdef const floating* x
    cdef double r, a
    cdef Py_ssize_t ahead = dense_rows_ahead(X.shape[1], sizeof(floating))
    for k in range(start, stop):
        prefetch_dense_row(X, y, sample_weight, order, k, ahead)
        i = order[k]
        x = &X[i, 0]
        r = row_dot(x, w, mean, inv_std, kept, d, how) + b - y[i]
        sumloss[0] += 0.5 * r * r
        a = r * sample_weight[i]
        grad_b[0] += a
        row_add_to(grad, a, x, kept, d, how)


cdef void sgd_apply(floating* w, floating* b, const double* grad, double grad_b,
                    Py_ssize_t d, double batch_len, double eta, double l2,
                    bint fit_intercept) noexcept nogil:
    cdef Py_ssize_t j
    cdef double shrink = 1.0 - eta * l2
    if shrink < 0.0:
        shrink = 0.0
    for j in range(d):
        w[j] = <floating>(shrink * w[j] - eta * (grad[j] / batch_len))
    if fit_intercept:
        b[0] = <floating>(b[0] - eta * (grad_b / batch_len))


cdef void adagrad_apply(floating* w, floating* b, floating* acc, const double* grad,
                        double grad_b, Py_ssize_t d, double batch_len, double eta, double l2,
                        double eps, bint fit_intercept) noexcept nogil:
    cdef Py_ssize_t j
    cdef double g
    for j in range(d):
        g = grad[j] / batch_len + l2 * w[j]
        acc[j] = <floating>(acc[j] + g * g)
        w[j] = <floating>(w[j] - eta * g / adagrad_scale(acc[j], eps))
    if fit_intercept:
        g = grad_b / batch_len
        acc[d] = <floating>(acc[d] + g * g)
        b[0] = <floating>(b[0] - eta * g / adagrad_scale(acc[d], eps))


cdef bint all_finite(const floating* v, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        if not isfinite(v[j]):
            return False
    return True


# ---------------------------------------------------------------------------------------
# The epoch loop.

cdef object run(const floating[:, ::1] X, const floating[::1] y,
                const floating[::1] sample_weight, const index_t[::1] order,
                floating[::1] params, floating[::1] accumulators,
                const double* mean, const double* inv_std, settings, double t,
                double[::1] loss_curve, on_epoch_end, Reading* how):
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1]
    cdef Schedule schedule
    make_schedule(&schedule, settings)
    cdef bint adagrad = settings.optimizer == "adagrad"
    cdef bint adaptive = settings.learning_rate == "adaptive"
    cdef double l2 = settings.alpha if settings.penalty == "l2" else 0.0
    cdef double eps = settings.eps
    cdef bint fit_intercept = settings.fit_intercept
    cdef Py_ssize_t batch_size = settings.batch_size
    cdef bint tol_set = settings.tol is not None
    cdef double tol = settings.tol if tol_set else 0.0
    cdef int n_iter_no_change = settings.n_iter_no_change
    cdef Py_ssize_t max_epochs = loss_curve.shape[0]

    cdef floating* w = &params[0]
    cdef floating* b = &params[d]
    cdef floating* acc = &accumulators[0] if adagrad else NULL
    cdef double* grad = NULL
    cdef double* kept = NULL      # the current row, standardized (scaling only)
    cdef double grad_b, sumloss, mean_loss, eta = schedule.rate(&schedule, t)
    cdef double best_loss = INFINITY
    cdef int no_improvement = 0
    cdef Py_ssize_t epoch = 0, epochs_done = 0, start, stop, chunk_start, chunk_end, j
    cdef Py_ssize_t since_check = 0
    cdef int status = REACHED_MAX_ITER
    cdef bint single = batch_size == 1
    cdef bint go_on

    if batch_size > n:
        batch_size = n
    if not single:
        grad = <double*>malloc(max(d, 1) * sizeof(double))
        if grad == NULL:
            raise MemoryError()
    if Reading is StandardizedFeatures:
        kept = <double*>malloc(max(d, 1) * sizeof(double))
        if kept == NULL:
            free(grad)
            raise MemoryError()
    try:
        with nogil:
            for epoch in range(max_epochs):
                sumloss = 0.0
                start = 0
                while start < n:
                    if single:
                        stop = min(n, start + CHECK_EVERY)
                        if adagrad:
                            adagrad_single(X, y, sample_weight, order, start, stop, w, b,
                                           acc, mean, inv_std, kept, &schedule, l2, eps,
                                           fit_intercept, &t, &sumloss, how)
                        else:
                            sgd_single(X, y, sample_weight, order, start, stop, w, b,
                                       mean, inv_std, kept, &schedule, l2, fit_intercept, &t,
                                       &sumloss, how)
                        eta = schedule.rate(&schedule, t - 1.0)
                        since_check += stop - start
                    else:
                        stop = min(n, start + batch_size)
                        for j in range(d):
                            grad[j] = 0.0
                        grad_b = 0.0
                        # A large batch is read in chunks so that Ctrl-C is looked for
                        # even within one full-batch epoch.
                        chunk_end = start
                        while chunk_end < stop:
                            chunk_start = chunk_end
                            chunk_end = min(stop, chunk_start + CHECK_EVERY)
                            batch_accumulate(X, y, sample_weight, order, chunk_start,
                                             chunk_end, w, b[0], mean, inv_std, kept, grad,
                                             &grad_b, &sumloss, how)
                            since_check += chunk_end - chunk_start
                            if since_check >= CHECK_EVERY:
                                since_check = 0
                                with gil:
                                    PyErr_CheckSignals()
                        eta = schedule.rate(&schedule, t)
                        if adagrad:
                            adagrad_apply(w, b, acc, grad, grad_b, d, <double>(stop - start),
                                          eta, l2, eps, fit_intercept)
                        else:
                            sgd_apply(w, b, grad, grad_b, d, <double>(stop - start), eta,
                                      l2, fit_intercept)
                        t += 1.0
                    start = stop
                    if since_check >= CHECK_EVERY:
                        since_check = 0
                        with gil:
                            PyErr_CheckSignals()
                    if not isfinite(sumloss):
                        break     # diverged: no point finishing the epoch

                epochs_done = epoch + 1
                mean_loss = sumloss / n
                loss_curve[epoch] = mean_loss
                if not isfinite(mean_loss) or not all_finite(w, d + 1):
                    status = DIVERGED
                    break

                # Stopping rule of scikit-learn's SGD, on the training loss.
                if tol_set and mean_loss > best_loss - tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if mean_loss < best_loss:
                    best_loss = mean_loss
                if no_improvement >= n_iter_no_change:
                    if adaptive and schedule.eta > 1e-6:
                        schedule.eta = schedule.eta / 5.0
                        no_improvement = 0
                    else:
                        status = CONVERGED
                go_on = status != CONVERGED and epoch + 1 < max_epochs
                if on_epoch_end is not None:
                    with gil:
                        on_epoch_end(epoch, mean_loss, go_on)
                if not go_on:
                    break
    finally:
        free(grad)
        free(kept)
    return epochs_done, t, eta, ("max_iter", "converged", "diverged")[status]


def train_epochs(const floating[:, ::1] X, const floating[::1] y,
                 const floating[::1] sample_weight, const index_t[::1] order,
                 floating[::1] params, floating[::1] accumulators,
                 const double[::1] mean, const double[::1] inv_std,
                 settings, double t, double[::1] loss_curve, on_epoch_end=None):
    """Run up to ``len(loss_curve)`` epochs of training in place.

    X, y, sample_weight: the training data (one dtype; C-contiguous X).
    order: the example order of the coming epoch; ``on_epoch_end`` may rewrite it in
        place between epochs (that is how the caller reshuffles).
    params: weights then intercept (length d + 1), updated in place.
    accumulators: Adagrad's sums of squared gradients, same layout, updated in place
        (ignored, and may be empty, for plain SGD).
    mean, inv_std: per-feature mean and reciprocal standard deviation applied to every
        value read (empty: no scaling).
    settings: an object with the attributes optimizer, learning_rate, eta0, power_t,
        alpha, penalty, optimal_init, eps, fit_intercept, batch_size (an int), tol,
        n_iter_no_change.
    t: the update counter of the first update (1 for a fresh model).
    loss_curve: receives the mean loss of each epoch run.
    on_epoch_end(epoch, mean_loss, go_on): called with the GIL after each epoch that
        did not diverge.

    Returns (epochs_run, t, eta, status) with status "max_iter", "converged" or
    "diverged".
    """
    cdef bint scaled = mean.shape[0] > 0
    cdef const double* m = &mean[0] if scaled else NULL
    cdef const double* s = &inv_std[0] if scaled else NULL
    if scaled:
        return run(X, y, sample_weight, order, params, accumulators, m, s, settings, t,
                   loss_curve, on_epoch_end, <StandardizedFeatures*>NULL)
    return run(X, y, sample_weight, order, params, accumulators, m, s, settings, t,
               loss_curve, on_epoch_end, <RawFeatures*>NULL)


def column_stats(const floating[:, ::1] X):
    """Per-column mean and population standard deviation (ddof 0), in float64.

    Two passes over X without copying it: the mean first, then the sum of squared
    deviations from it (numerically stable, unlike the sum of squares).
    """
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1], i, j
    mean_arr = np.zeros(d, dtype=np.float64)
    std_arr = np.zeros(d, dtype=np.float64)
    cdef double[::1] mean = mean_arr
    cdef double[::1] ssd = std_arr
    cdef double diff
    if n == 0:
        return mean_arr, std_arr
    with nogil:
        for i in range(n):
            for j in range(d):
                mean[j] += X[i, j]
        for j in range(d):
            mean[j] /= n
        for i in range(n):
            for j in range(d):
                diff = X[i, j] - mean[j]
                ssd[j] += diff * diff
        for j in range(d):
            ssd[j] = sqrt(ssd[j] / n)
    return mean_arr, std_arr


# ---------------------------------------------------------------------------------------
# CPU detection for the dispatcher (fastsgd._dispatch).

cdef extern from *:
    """
    static int fastsgd_cpu_has_avx2_fma(void) {
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    #else
        return 0;
    #endif
    }
    """
    int fastsgd_cpu_has_avx2_fma() noexcept nogil


def cpu_supports_avx2_fma():
    """Whether this CPU (and its operating system) can run the AVX2 + FMA kernels."""
    return bool(fastsgd_cpu_has_avx2_fma())


# The CSR (sparse input) kernels: train_epochs_csr, column_stats_csr.
include "_sparse.pxi"
