# Included at the end of _core.pyx: the CSR (sparse input) kernels.  Kept in their own file
# so that work on the dense loops and on these does not collide.  They reuse Schedule,
# make_schedule, the floating / Reading fused types, CHECK_EVERY and Status from _core.pyx.
#
# Cost model: an update touches the stored entries of its rows, never all d weights.
# - Plain SGD keeps the weights as ``wscale * w`` (w the array in ``params``), so the L2
#   shrink ``w <- (1 - eta alpha) w`` is one multiplication of wscale.  wscale is folded
#   back into the array (O(d)) when it falls below a threshold, at every epoch boundary
#   (the epoch hook may read ``params``) and when the loop ends, however it ends.
# - Adagrad has no such shortcut (each weight has its own step), so it updates only the
#   weights of the features present in the example or batch: their gradient includes
#   alpha * w_j under L2, and weights of absent features are left alone.  With L2 this is
#   not the dense rule (which shrinks every weight at every update); it is the usual lazy
#   Adagrad of sparse learners, and ``_reference.train_epochs_csr`` states the same rule.
#   Without L2 the two agree (an absent feature's gradient is exactly 0).
# - A feature is "present" when its stored value is non-zero: explicitly stored zeros
#   count as absent, so a matrix with and without them trains to the same model.
# - Mini-batches sum their gradient into a dense float64 scratch of size d, remembering
#   which features they touched in a list; the update and the clean-up walk only that
#   list, so the cost stays proportional to the batch's non-zeros.

from libc.stdlib cimport calloc


cdef extern from *:
    """
    #include <math.h>
    /* Four double lanes: one AVX register (the AVX2 core), two SSE2 registers (the
       baseline x86-64 core; MSVC does not define __SSE2__ but x64 always has it), or
       plain C elsewhere and in the checked build (FASTSGD_PLAIN_LANES, setup.py). */
    #if defined(FASTSGD_PLAIN_LANES)
    #elif defined(__AVX__)
    #define FASTSGD_LANES_AVX 1
    #elif defined(__SSE2__) || defined(_M_X64) || defined(_M_AMD64)
    #define FASTSGD_LANES_SSE2 1
    #endif
    #if defined(FASTSGD_LANES_AVX)
    #include <immintrin.h>
    typedef __m256d fastsgd_lanes;
    #elif defined(FASTSGD_LANES_SSE2)
    #include <emmintrin.h>
    typedef struct { __m128d lo, hi; } fastsgd_lanes;
    #else
    typedef struct { double v[4]; } fastsgd_lanes;
    #endif

    /* What Adagrad's update needs besides the features' values, fixed for a fit. */
    typedef struct {
        double l2;                 /* L2 strength (0: no penalty) */
        double eps;
        int float_accumulators;    /* accumulators stored as float32: round G to it */
    } fastsgd_adagrad_rule;

    static inline fastsgd_lanes fastsgd_lanes_of(double a, double b, double c, double d) {
    #if defined(FASTSGD_LANES_AVX)
        return _mm256_set_pd(d, c, b, a);
    #elif defined(FASTSGD_LANES_SSE2)
        fastsgd_lanes v = { _mm_set_pd(b, a), _mm_set_pd(d, c) };
        return v;
    #else
        fastsgd_lanes v = { { a, b, c, d } };
        return v;
    #endif
    }

    /* Adagrad for four distinct features at once, in two steps:
         fastsgd_adagrad_gradient4: g = gr x + l2 w from the features' values x and
             weights w; 0 where x is 0 (an absent feature: a stored zero, or padding);
         fastsgd_adagrad_step4: G <- G + g^2 (rounded to float32 if the accumulators are),
             w <- w - eta g / scale(G), scale(G) = sqrt(G) + eps, or 1 where that is 0
             (as fastsgd_adagrad_scale).  A zero gradient leaves w and G as they were.
       Results go to w_out[4] and G_out[4].

       Why lanes: the square root and the division are slow but independent across
       features, and in this form they run 4 (AVX core) or 2 (baseline x86-64 core) at a
       time, overlapping the loads of the next features.  Every operation is the scalar
       one, correctly rounded, so the results are those of a one-feature loop. */
    #if defined(FASTSGD_LANES_SSE2)
    static inline __m128d fastsgd_gradient2(__m128d x, __m128d w, double gr, double l2) {
        __m128d g = _mm_add_pd(_mm_mul_pd(_mm_set1_pd(gr), x),
                               _mm_mul_pd(_mm_set1_pd(l2), w));
        return _mm_and_pd(_mm_cmpneq_pd(x, _mm_setzero_pd()), g);
    }

    static inline void fastsgd_step2(__m128d g, __m128d w, __m128d G,
                                     fastsgd_adagrad_rule rule, double eta,
                                     double* w_out, double* G_out) {
        G = _mm_add_pd(G, _mm_mul_pd(g, g));
        if (rule.float_accumulators)
            G = _mm_cvtps_pd(_mm_cvtpd_ps(G));
        __m128d den = _mm_add_pd(_mm_sqrt_pd(G), _mm_set1_pd(rule.eps));
        /* SSE2 has no blend: add 1 where den is 0. */
        den = _mm_add_pd(den, _mm_and_pd(_mm_cmpeq_pd(den, _mm_setzero_pd()),
                                         _mm_set1_pd(1.0)));
        __m128d step = _mm_div_pd(_mm_mul_pd(_mm_set1_pd(eta), g), den);
        _mm_storeu_pd(w_out, _mm_sub_pd(w, step));
        _mm_storeu_pd(G_out, G);
    }
    #endif

    static inline fastsgd_lanes fastsgd_adagrad_gradient4(fastsgd_lanes x, fastsgd_lanes w,
                                                          fastsgd_adagrad_rule rule,
                                                          double gr) {
    #if defined(FASTSGD_LANES_AVX)
        __m256d g = _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(gr), x),
                                  _mm256_mul_pd(_mm256_set1_pd(rule.l2), w));
        return _mm256_and_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_NEQ_UQ), g);
    #elif defined(FASTSGD_LANES_SSE2)
        fastsgd_lanes g = { fastsgd_gradient2(x.lo, w.lo, gr, rule.l2),
                            fastsgd_gradient2(x.hi, w.hi, gr, rule.l2) };
        return g;
    #else
        fastsgd_lanes g;
        for (int i = 0; i < 4; i++)
            g.v[i] = x.v[i] != 0.0 ? gr * x.v[i] + rule.l2 * w.v[i] : 0.0;
        return g;
    #endif
    }

    static inline void fastsgd_adagrad_step4(fastsgd_lanes g, fastsgd_lanes w,
                                             fastsgd_lanes G, fastsgd_adagrad_rule rule,
                                             double eta, double* w_out, double* G_out) {
    #if defined(FASTSGD_LANES_AVX)
        G = _mm256_add_pd(G, _mm256_mul_pd(g, g));
        if (rule.float_accumulators)
            G = _mm256_cvtps_pd(_mm256_cvtpd_ps(G));
        __m256d den = _mm256_add_pd(_mm256_sqrt_pd(G), _mm256_set1_pd(rule.eps));
        den = _mm256_blendv_pd(den, _mm256_set1_pd(1.0),
                               _mm256_cmp_pd(den, _mm256_setzero_pd(), _CMP_EQ_OQ));
        __m256d step = _mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(eta), g), den);
        _mm256_storeu_pd(w_out, _mm256_sub_pd(w, step));
        _mm256_storeu_pd(G_out, G);
    #elif defined(FASTSGD_LANES_SSE2)
        fastsgd_step2(g.lo, w.lo, G.lo, rule, eta, w_out, G_out);
        fastsgd_step2(g.hi, w.hi, G.hi, rule, eta, w_out + 2, G_out + 2);
    #else
        for (int i = 0; i < 4; i++) {
            double Gi = G.v[i] + g.v[i] * g.v[i], den;
            if (rule.float_accumulators)
                Gi = (double)(float)Gi;
            den = sqrt(Gi) + rule.eps;
            w_out[i] = w.v[i] - eta * g.v[i] / (den != 0.0 ? den : 1.0);
            G_out[i] = Gi;
        }
    #endif
    }
    """
    ctypedef struct lanes "fastsgd_lanes":
        pass

    ctypedef struct AdagradRule "fastsgd_adagrad_rule":
        double l2
        double eps
        int float_accumulators

    lanes lanes_of "fastsgd_lanes_of"(double a, double b, double c, double d) noexcept nogil
    lanes adagrad_gradient4 "fastsgd_adagrad_gradient4"(lanes x, lanes w, AdagradRule rule,
                                                        double gr) noexcept nogil
    void adagrad_step4 "fastsgd_adagrad_step4"(lanes g, lanes w, lanes G, AdagradRule rule,
                                               double eta, double* w_out,
                                               double* G_out) noexcept nogil


ctypedef fused sparse_index:
    int
    long long


# Fold thresholds for wscale.  The array holds w / wscale, so wscale >= threshold bounds
# the array's magnitude by |w| / threshold; a fold costs O(d), and with shrink factor
# (1 - eta alpha) one happens every ln(1/threshold) / (eta alpha) updates, so the smaller
# the threshold the rarer the folds.  wscale itself is a double in both cases; what limits
# the threshold is the range of the array's dtype:
# - float64 (max ~1.8e308): 1e-100 leaves room for weights up to 1e208 and makes folds
#   11x rarer than scikit-learn's 1e-9.
# - float32 (max ~3.4e38): 1e-16 leaves room for weights up to 3e22, far beyond what a
#   float32 model can train meaningfully, while keeping folds rare.
# Precision does not depend on wscale: every stored entry keeps float's relative accuracy.
cdef double FOLD_BELOW_FLOAT64 = 1e-100
cdef double FOLD_BELOW_FLOAT32 = 1e-16


cdef inline double csr_value(floating v, sparse_index j, const double* inv_std,
                             Reading* how) noexcept nogil:
    # Sparse scaling divides by s only: centering would fill in every zero.
    if Reading is StandardizedFeatures:
        return <double>v * inv_std[j]
    else:
        return <double>v


cdef inline double csr_dot(const floating* data, const sparse_index* indices,
                           Py_ssize_t lo, Py_ssize_t hi, const floating* w,
                           const double* inv_std, Reading* how) noexcept nogil:
    # Two independent partial sums: the loads are indirect, so the chain of dependent
    # additions, not arithmetic, is what a single sum would wait on.
    cdef double s0 = 0.0, s1 = 0.0
    cdef Py_ssize_t q = lo
    while q + 1 < hi:
        s0 += csr_value(data[q], indices[q], inv_std, how) * w[indices[q]]
        s1 += csr_value(data[q + 1], indices[q + 1], inv_std, how) * w[indices[q + 1]]
        q += 2
    if q < hi:
        s0 += csr_value(data[q], indices[q], inv_std, how) * w[indices[q]]
    return s0 + s1


cdef inline void prefetch_rows(const floating* val, const sparse_index* idx,
                               const sparse_index* indptr, const floating* y,
                               const floating* sample_weight, const index_t* order,
                               Py_ssize_t k, Py_ssize_t n_order) noexcept nogil:
    """Ask for the memory the examples ahead of order[k] will need, in two stages.

    The second needs what the first fetched: the row pointers (and target, weight) of
    k + 2 AHEAD, then the values and indices of row k + AHEAD.  (Prefetching the weights
    of row k + AHEAD's features too was measured: no gain on text-like data, where the
    frequent features' weights stay in cache, and plain SGD lost 15%.)
    """
    cdef Py_ssize_t i, q, lo, hi
    if k + 2 * AHEAD < n_order:
        i = order[k + 2 * AHEAD]
        prefetch(&indptr[i])
        prefetch(&y[i])
        prefetch(&sample_weight[i])
    if k + AHEAD < n_order:
        i = order[k + AHEAD]
        lo = indptr[i]
        hi = indptr[i + 1]
        # One request per 64-byte line of the row's values and indices.
        q = lo
        while q < hi:
            prefetch(&val[q])
            q += 64 // sizeof(floating)
        if hi > lo:
            prefetch(&val[hi - 1])
        q = lo
        while q < hi:
            prefetch(&idx[q])
            q += 64 // sizeof(sparse_index)
        if hi > lo:
            prefetch(&idx[hi - 1])


cdef inline void fold_wscale(floating* w, Py_ssize_t d, double* wscale) noexcept nogil:
    """w <- wscale * w, wscale <- 1: the array holds the weights themselves again."""
    cdef Py_ssize_t j
    cdef double s = wscale[0]
    if s != 1.0:
        for j in range(d):
            w[j] = <floating>(s * w[j])
    wscale[0] = 1.0


cdef inline void shrink_wscale(floating* w, Py_ssize_t d, double* wscale,
                               double shrink) noexcept nogil:
    """The L2 shrink of all d weights in O(1) (amortized)."""
    cdef double threshold
    if floating is float:
        threshold = FOLD_BELOW_FLOAT32
    else:
        threshold = FOLD_BELOW_FLOAT64
    wscale[0] *= shrink
    # Also taken when shrink == 0 (eta alpha >= 1): the fold zeroes the weights and
    # restores wscale = 1, so the next division by wscale is safe.
    if wscale[0] < threshold:
        fold_wscale(w, d, wscale)


# ---------------------------------------------------------------------------------------
# One example at a time (batch_size=1): the examples order[start:stop].

cdef void sgd_single_csr(const floating* val, const sparse_index* idx,
                         const sparse_index* indptr, Py_ssize_t d,
                         const floating[::1] y, const floating[::1] sample_weight,
                         const index_t[::1] order, Py_ssize_t start, Py_ssize_t stop,
                         floating* w, double* wscale, floating* b, const double* inv_std,
                         Schedule* schedule, double l2, bint fit_intercept, double* t,
                         double* sumloss, Reading* how) noexcept nogil:
    cdef Py_ssize_t k, i, q, lo, hi
    cdef Py_ssize_t n_order = order.shape[0]
    cdef double p, r, eta, step, shrink, c
    for k in range(start, stop):
        prefetch_rows(val, idx, indptr, &y[0], &sample_weight[0], &order[0], k, n_order)
        i = order[k]
        lo = indptr[i]
        hi = indptr[i + 1]
        p = wscale[0] * csr_dot(val, idx, lo, hi, w, inv_std, how) + b[0]
        r = p - y[i]
        sumloss[0] += 0.5 * r * r
        eta = schedule.rate(schedule, t[0])
        # The gradient was taken at the weights before the shrink, as in the dense loop.
        shrink = 1.0 - eta * l2
        if shrink < 0.0:
            shrink = 0.0
        if shrink != 1.0:
            shrink_wscale(w, d, wscale, shrink)
        step = -eta * r * sample_weight[i]
        c = step / wscale[0]
        for q in range(lo, hi):
            w[idx[q]] = <floating>(w[idx[q]] + c * csr_value(val[q], idx[q], inv_std, how))
        if fit_intercept:
            b[0] = <floating>(b[0] + step)
        t[0] += 1.0
        if not isfinite(sumloss[0]):
            break     # diverged: stop at this example, as the dense loop and the reference


cdef inline void adagrad_row_csr(const floating* val, const sparse_index* idx,
                                 Py_ssize_t lo, Py_ssize_t hi, floating* w, floating* acc,
                                 const double* inv_std, AdagradRule rule, double gr,
                                 double eta, Reading* how) noexcept nogil:
    """Adagrad's update of the features stored at [lo, hi) of a row, four at a time.

    The indices of a canonical row are distinct, so updating four features together is
    the one-feature-at-a-time update, reordered.  The values go into the lanes straight
    from registers and come back through a 4-double store that the scalar loads after it
    read whole: a vector load of scalar stores would stall on store forwarding (measured:
    2x slower).  The last one to three features use the same four lanes, the unused ones
    padded with an absent feature (x = 0) whose results are dropped.
    """
    cdef double new_w[4]
    cdef double new_G[4]
    cdef double xs[4]
    cdef double ws[4]
    cdef double Gs[4]
    cdef lanes old_w, g
    cdef Py_ssize_t j0, j1, j2, j3, j, m
    cdef Py_ssize_t q = lo
    while q + 4 <= hi:
        j0 = idx[q]
        j1 = idx[q + 1]
        j2 = idx[q + 2]
        j3 = idx[q + 3]
        old_w = lanes_of(w[j0], w[j1], w[j2], w[j3])
        g = adagrad_gradient4(lanes_of(csr_value(val[q], j0, inv_std, how),
                                       csr_value(val[q + 1], j1, inv_std, how),
                                       csr_value(val[q + 2], j2, inv_std, how),
                                       csr_value(val[q + 3], j3, inv_std, how)),
                              old_w, rule, gr)
        adagrad_step4(g, old_w, lanes_of(acc[j0], acc[j1], acc[j2], acc[j3]), rule, eta,
                      new_w, new_G)
        acc[j0] = <floating>new_G[0]
        acc[j1] = <floating>new_G[1]
        acc[j2] = <floating>new_G[2]
        acc[j3] = <floating>new_G[3]
        w[j0] = <floating>new_w[0]
        w[j1] = <floating>new_w[1]
        w[j2] = <floating>new_w[2]
        w[j3] = <floating>new_w[3]
        q += 4
    if q == hi:
        return
    for m in range(4):
        if q + m < hi:
            j = idx[q + m]
            xs[m] = csr_value(val[q + m], j, inv_std, how)
            ws[m] = w[j]
            Gs[m] = acc[j]
        else:
            xs[m] = 0.0
            ws[m] = 0.0
            Gs[m] = 0.0
    old_w = lanes_of(ws[0], ws[1], ws[2], ws[3])
    g = adagrad_gradient4(lanes_of(xs[0], xs[1], xs[2], xs[3]), old_w, rule, gr)
    adagrad_step4(g, old_w, lanes_of(Gs[0], Gs[1], Gs[2], Gs[3]), rule, eta, new_w, new_G)
    for m in range(hi - q):
        j = idx[q + m]
        acc[j] = <floating>new_G[m]
        w[j] = <floating>new_w[m]


# Measured on the benchmark's text-like data (500,000 x 100,000, 50 non-zeros a row):
# - this fused pass (read w and acc, update in lanes, write back) against the previous
#   gather-all / steps-all / scatter-all over row-length scratch buffers: Adagrad's time
#   went from 2.27x plain SGD's to 1.53x (kernel alone), the same model to 15 digits.
# - AVX2 gather instructions (vgatherdpd) for w and acc instead of scalar loads: 1.86x,
#   slower on this CPU (AMD Zen 5).
# - on this pass, prefetching acc[j] of the row's features before its dot product: 1.82x;
#   of the next row's features: 1.84x (the prefetches cost more than the misses).
# - without the stored-zero mask (a specialization for matrices with none): 3% faster,
#   not worth a second copy of the loop.
# - what is left is mostly the square root and the division: without the square root
#   (a diagnostic, not a kernel) the ratio was 1.42x.
# - earlier, on the scratch-buffer loop: w and acc interleaved as (w_j, G_j) pairs, so
#   one line brings both: no change; prefetching the pairs of the row 2 ahead: ~20%
#   slower; prefetching acc[j] inside the dot product: no gain.
cdef void adagrad_single_csr(const floating* val, const sparse_index* idx,
                             const sparse_index* indptr, Py_ssize_t d,
                             const floating[::1] y, const floating[::1] sample_weight,
                             const index_t[::1] order, Py_ssize_t start, Py_ssize_t stop,
                             floating* w, floating* b, floating* acc, const double* inv_std,
                             Schedule* schedule, AdagradRule rule,
                             bint fit_intercept, double* t, double* sumloss,
                             Reading* how) noexcept nogil:
    # acc[0:d] belongs to the weights, acc[d] to the intercept.
    cdef Py_ssize_t k, i, lo, hi
    cdef Py_ssize_t n_order = order.shape[0]
    cdef double p, r, eta, gr
    for k in range(start, stop):
        prefetch_rows(val, idx, indptr, &y[0], &sample_weight[0], &order[0], k, n_order)
        i = order[k]
        lo = indptr[i]
        hi = indptr[i + 1]
        p = csr_dot(val, idx, lo, hi, w, inv_std, how) + b[0]
        r = p - y[i]
        sumloss[0] += 0.5 * r * r
        eta = schedule.rate(schedule, t[0])
        gr = r * sample_weight[i]
        adagrad_row_csr(val, idx, lo, hi, w, acc, inv_std, rule, gr, eta, how)
        if fit_intercept:
            acc[d] = <floating>(acc[d] + gr * gr)
            b[0] = <floating>(b[0] - eta * gr / adagrad_scale(acc[d], rule.eps))
        t[0] += 1.0
        if not isfinite(sumloss[0]):
            break


# ---------------------------------------------------------------------------------------
# Mini-batch and full batch.

cdef struct SparseGradient:
    double* grad          # length d, all zeros outside the touched features
    unsigned char* seen   # length d, 1 for the touched features
    Py_ssize_t* touched   # the touched features, in order of first appearance
    Py_ssize_t n_touched
    double grad_b


cdef void batch_accumulate_csr(const floating* val, const sparse_index* idx,
                               const sparse_index* indptr, const floating[::1] y,
                               const floating[::1] sample_weight, const index_t[::1] order,
                               Py_ssize_t start, Py_ssize_t stop, const floating* w,
                               double wscale, double b, const double* inv_std,
                               SparseGradient* sg, double* sumloss,
                               Reading* how) noexcept nogil:
    cdef Py_ssize_t k, i, q, j, lo, hi
    cdef Py_ssize_t n_order = order.shape[0]
    cdef double r, a, x
    # Locals, not sg's fields: a store through the unsigned char* seen may alias anything,
    # so fields would be reloaded from memory after every one.
    cdef double* grad = sg.grad
    cdef unsigned char* seen = sg.seen
    cdef Py_ssize_t* touched = sg.touched
    cdef Py_ssize_t n_touched = sg.n_touched
    for k in range(start, stop):
        prefetch_rows(val, idx, indptr, &y[0], &sample_weight[0], &order[0], k, n_order)
        i = order[k]
        lo = indptr[i]
        hi = indptr[i + 1]
        r = wscale * csr_dot(val, idx, lo, hi, w, inv_std, how) + b - y[i]
        sumloss[0] += 0.5 * r * r
        a = r * sample_weight[i]
        sg.grad_b += a
        for q in range(lo, hi):
            x = csr_value(val[q], idx[q], inv_std, how)
            if x == 0.0:
                continue
            j = idx[q]
            # "First time in this batch?" without a branch: in a batch of text-like rows
            # it is a coin toss (frequent features repeat, rare ones do not), and
            # mispredicting it cost more than the rest of the loop.  j is always written
            # past the end of the list and kept only when new (touched has d + 1 slots).
            touched[n_touched] = j
            n_touched += 1 - seen[j]
            seen[j] = 1
            grad[j] += a * x
    sg.n_touched = n_touched


cdef void sgd_apply_csr(floating* w, double* wscale, floating* b, SparseGradient* sg,
                        Py_ssize_t d, double batch_len, double eta, double l2,
                        bint fit_intercept) noexcept nogil:
    """w <- shrink w - eta g: every weight shrinks (through wscale), the touched move."""
    cdef Py_ssize_t m, j
    cdef double c
    cdef double shrink = 1.0 - eta * l2
    if shrink < 0.0:
        shrink = 0.0
    if shrink != 1.0:
        shrink_wscale(w, d, wscale, shrink)
    c = -eta / wscale[0]
    for m in range(sg.n_touched):
        j = sg.touched[m]
        w[j] = <floating>(w[j] + c * (sg.grad[j] / batch_len))
        sg.grad[j] = 0.0
        sg.seen[j] = 0
    sg.n_touched = 0
    if fit_intercept:
        b[0] = <floating>(b[0] - eta * (sg.grad_b / batch_len))
    sg.grad_b = 0.0


cdef void adagrad_apply_csr(floating* w, floating* b, floating* acc, SparseGradient* sg,
                            Py_ssize_t d, double batch_len, double eta, AdagradRule rule,
                            bint fit_intercept) noexcept nogil:
    """Adagrad on the touched features only (lazy: absent ones are not shrunk), four at a
    time as adagrad_row_csr (the last group padded with zero gradients, whose results
    are dropped); the gradient scratch is left all zero for the next batch."""
    cdef double new_w[4]
    cdef double new_G[4]
    cdef double gs[4]
    cdef double ws[4]
    cdef double Gs[4]
    cdef Py_ssize_t js[4]
    cdef Py_ssize_t m = 0, lane, j, n = sg.n_touched
    cdef double g
    while m < n:
        for lane in range(4):
            if m + lane < n:
                j = sg.touched[m + lane]
                js[lane] = j
                ws[lane] = w[j]
                gs[lane] = sg.grad[j] / batch_len + rule.l2 * ws[lane]
                Gs[lane] = acc[j]
                sg.grad[j] = 0.0
                sg.seen[j] = 0
            else:
                gs[lane] = 0.0
                ws[lane] = 0.0
                Gs[lane] = 0.0
        adagrad_step4(lanes_of(gs[0], gs[1], gs[2], gs[3]),
                      lanes_of(ws[0], ws[1], ws[2], ws[3]),
                      lanes_of(Gs[0], Gs[1], Gs[2], Gs[3]), rule, eta, new_w, new_G)
        for lane in range(min(4, n - m)):
            acc[js[lane]] = <floating>new_G[lane]
            w[js[lane]] = <floating>new_w[lane]
        m += 4
    sg.n_touched = 0
    if fit_intercept:
        g = sg.grad_b / batch_len
        acc[d] = <floating>(acc[d] + g * g)
        b[0] = <floating>(b[0] - eta * g / adagrad_scale(acc[d], rule.eps))
    sg.grad_b = 0.0


# ---------------------------------------------------------------------------------------
# The epoch loop, as ``run`` for dense X.

cdef object run_csr(const floating[::1] data, const sparse_index[::1] indices,
                    const sparse_index[::1] indptr, Py_ssize_t d, const floating[::1] y,
                    const floating[::1] sample_weight, const index_t[::1] order,
                    floating[::1] params, floating[::1] accumulators,
                    const double* inv_std, settings, double t, double[::1] loss_curve,
                    on_epoch_end, Reading* how):
    cdef Py_ssize_t n = indptr.shape[0] - 1
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
    # Raw pointers: an all-zero matrix has empty data and indices.
    cdef const floating* val = &data[0] if data.shape[0] > 0 else NULL
    cdef const sparse_index* idx = &indices[0] if indices.shape[0] > 0 else NULL
    cdef const sparse_index* ptr = &indptr[0]
    cdef double wscale = 1.0
    cdef SparseGradient sg
    cdef AdagradRule rule
    rule.l2 = l2
    rule.eps = eps
    rule.float_accumulators = floating is float
    sg.grad = NULL
    sg.seen = NULL
    sg.touched = NULL
    sg.n_touched = 0
    sg.grad_b = 0.0
    cdef double sumloss, mean_loss, eta = schedule.rate(&schedule, t)
    cdef double best_loss = INFINITY
    cdef int no_improvement = 0
    cdef Py_ssize_t epoch = 0, epochs_done = 0, start, stop, chunk_start, chunk_end
    cdef Py_ssize_t since_check = 0
    cdef int status = REACHED_MAX_ITER
    cdef bint single = batch_size == 1
    cdef bint go_on

    if batch_size > n:
        batch_size = n
    try:
        if not single:
            # calloc: the scratch starts (and is always left) all zero.
            sg.grad = <double*>calloc(max(d, 1), sizeof(double))
            sg.seen = <unsigned char*>calloc(max(d, 1), sizeof(unsigned char))
            sg.touched = <Py_ssize_t*>malloc((d + 1) * sizeof(Py_ssize_t))
            if sg.grad == NULL or sg.seen == NULL or sg.touched == NULL:
                raise MemoryError()
        with nogil:
            for epoch in range(max_epochs):
                sumloss = 0.0
                start = 0
                while start < n:
                    if single:
                        stop = min(n, start + CHECK_EVERY)
                        if adagrad:
                            adagrad_single_csr(val, idx, ptr, d, y, sample_weight,
                                               order, start, stop, w, b, acc, inv_std,
                                               &schedule, rule, fit_intercept,
                                               &t, &sumloss, how)
                        else:
                            sgd_single_csr(val, idx, ptr, d, y, sample_weight,
                                           order, start, stop, w, &wscale, b, inv_std,
                                           &schedule, l2, fit_intercept, &t, &sumloss, how)
                        eta = schedule.rate(&schedule, t - 1.0)
                        since_check += stop - start
                    else:
                        stop = min(n, start + batch_size)
                        chunk_end = start
                        while chunk_end < stop:
                            chunk_start = chunk_end
                            chunk_end = min(stop, chunk_start + CHECK_EVERY)
                            batch_accumulate_csr(val, idx, ptr, y, sample_weight,
                                                 order, chunk_start, chunk_end, w, wscale,
                                                 b[0], inv_std, &sg, &sumloss, how)
                            since_check += chunk_end - chunk_start
                            if since_check >= CHECK_EVERY:
                                since_check = 0
                                with gil:
                                    PyErr_CheckSignals()
                        eta = schedule.rate(&schedule, t)
                        if adagrad:
                            adagrad_apply_csr(w, b, acc, &sg, d, <double>(stop - start),
                                              eta, rule, fit_intercept)
                        else:
                            sgd_apply_csr(w, &wscale, b, &sg, d, <double>(stop - start),
                                          eta, l2, fit_intercept)
                        t += 1.0
                    start = stop
                    if since_check >= CHECK_EVERY:
                        since_check = 0
                        with gil:
                            PyErr_CheckSignals()
                    if not isfinite(sumloss):
                        break     # diverged: no point finishing the epoch

                # params must hold the plain weights whenever anyone else may look.
                fold_wscale(w, d, &wscale)
                epochs_done = epoch + 1
                mean_loss = sumloss / n
                loss_curve[epoch] = mean_loss
                if not isfinite(mean_loss) or not all_finite(w, d + 1):
                    status = DIVERGED
                    break

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
        # Interrupted (Ctrl-C) mid-epoch: still leave plain weights behind.
        fold_wscale(w, d, &wscale)
        free(sg.grad)
        free(sg.seen)
        free(sg.touched)
    return epochs_done, t, eta, ("max_iter", "converged", "diverged")[status]


def train_epochs_csr(const floating[::1] data, const sparse_index[::1] indices,
                     const sparse_index[::1] indptr, Py_ssize_t n_features,
                     const floating[::1] y, const floating[::1] sample_weight,
                     const index_t[::1] order, floating[::1] params,
                     floating[::1] accumulators, const double[::1] inv_std, settings,
                     double t, double[::1] loss_curve, on_epoch_end=None):
    """``train_epochs`` for a CSR matrix given by its arrays (data, indices, indptr).

    The matrix must be canonical (sorted indices, no duplicates: Adagrad updates a row's
    features four at a time and would lose all but one update of a repeated feature);
    indices and indptr share one dtype, int32 or int64.  n_features: the number of columns, d.
    inv_std: 1/s per feature (empty: no scaling); sparse input is never centered.
    Stored zeros count as absent features (see the notes at the top of _sparse.pxi,
    notably lazy Adagrad under L2).  Everything else, and the return value, as
    ``train_epochs``.
    """
    cdef const double* s = &inv_std[0] if inv_std.shape[0] > 0 else NULL
    if inv_std.shape[0] > 0:
        return run_csr(data, indices, indptr, n_features, y, sample_weight, order, params,
                       accumulators, s, settings, t, loss_curve, on_epoch_end,
                       <StandardizedFeatures*>NULL)
    return run_csr(data, indices, indptr, n_features, y, sample_weight, order, params,
                   accumulators, s, settings, t, loss_curve, on_epoch_end,
                   <RawFeatures*>NULL)


def column_stats_csr(const floating[::1] data, const sparse_index[::1] indices,
                     const sparse_index[::1] indptr, Py_ssize_t n_features):
    """Per-column mean and population standard deviation (ddof 0) of a canonical CSR
    matrix, in float64, in O(nnz + d) and without densifying.

    Two passes over the stored values, as ``column_stats``: the sums first, then the
    squared deviations of the stored values plus those of the implicit zeros,
    (n - stored_j) m_j^2 -- stable where the sum of squares minus the squared mean
    would cancel.
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, d = n_features, q, j
    cdef Py_ssize_t nnz = indptr[n]
    mean_arr = np.zeros(d, dtype=np.float64)
    std_arr = np.zeros(d, dtype=np.float64)
    count_arr = np.zeros(d, dtype=np.float64)
    cdef double[::1] mean = mean_arr
    cdef double[::1] ssd = std_arr
    cdef double[::1] count = count_arr
    cdef double diff
    if n == 0:
        return mean_arr, std_arr
    with nogil:
        for q in range(nnz):
            j = indices[q]
            mean[j] += data[q]
            count[j] += 1.0
        for j in range(d):
            mean[j] /= n
        for q in range(nnz):
            j = indices[q]
            diff = data[q] - mean[j]
            ssd[j] += diff * diff
        for j in range(d):
            ssd[j] = sqrt((ssd[j] + (n - count[j]) * mean[j] * mean[j]) / n)
    return mean_arr, std_arr
