/* Per-element (per-row, per-window) arithmetic of the CUDA backend's own kernels, written
 * once for the host and the device so that it can be unit-tested without a GPU
 * (tests/unit/test_cuda_math.c checks every body against the reference backend, cpu-ref).
 *
 * Each body repeats the formula of a reference kernel (core/engine/ops-*.inc, loss.c,
 * patterns.c) step by step, with the same intermediate precision: where the reference
 * widens to double and casts back, so does the body.  Compiled by gcc for the host the
 * results are bit-identical to the reference.  On the device two things may differ by an
 * ulp or two: CUDA's erf/exp/tanh/log (documented error 1-2 ulp), and nvcc's default
 * -fmad=true, which may fuse a float a*b+c; build with -fmad=false where bit equality with
 * cpu-ref matters.
 *
 * Explicit (double) casts everywhere a reference reads a real into a double expression:
 * in C++ a float argument would pick the float overload of exp/tanh/erf.
 *
 * C11 or CUDA C++; <math.h>, <stdint.h> and <stddef.h> only (no GLib).  Functions are
 * named zc_ew_<what>_f32 / zc_ew_<what>_f64 and generated from one template,
 * ZC_EW_DEFINE(real type, suffix). */
#ifndef ZC_EW_MATH_H
#define ZC_EW_MATH_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define ZC_HD static __host__ __device__ __forceinline__
#else
#define ZC_HD static inline
#endif

/* M_SQRT1_2 (POSIX, not C11): the same double */
#define ZC_EW_SQRT1_2 0.70710678118654752440
/* 1/sqrt(2 pi), the literal of ops-act.inc's gelu_bwd_task */
#define ZC_EW_INV_SQRT_2PI 0.3989422804014327

/* GLib's MIN/MAX on ints, as the pooling kernels use them */
ZC_HD int zc_ew_imin(int a, int b) { return a < b ? a : b; }
ZC_HD int zc_ew_imax(int a, int b) { return a > b ? a : b; }

#define ZC_EW_DEFINE(real, sfx)                                                                        \
  /* ---- double sums with 8 interleaved accumulators: ops-norm.inc sum8 / sqdev8 / dotdev8 ---- */  \
  /* sum8 */                                                                                           \
  ZC_HD double zc_ew_sum8_##sfx(const real *x, size_t n) {                                            \
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                            \
    size_t i = 0, n8 = n - n % 8;                                                                      \
    for (; i < n8; i += 8)                                                                             \
      for (int k = 0; k < 8; k++) a[k] += x[i + k];                                                    \
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));                      \
    for (; i < n; i++) s += x[i];                                                                      \
    return s;                                                                                          \
  }                                                                                                    \
  /* sqdev8: sum of (x - m)^2 */                                                                       \
  ZC_HD double zc_ew_sqdev8_##sfx(const real *x, size_t n, double m) {                                \
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                            \
    size_t i = 0, n8 = n - n % 8;                                                                      \
    for (; i < n8; i += 8)                                                                             \
      for (int k = 0; k < 8; k++) { double d = x[i + k] - m; a[k] += d * d; }                          \
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));                      \
    for (; i < n; i++) { double d = x[i] - m; s += d * d; }                                            \
    return s;                                                                                          \
  }                                                                                                    \
  /* dotdev8: sum of y (x - m) */                                                                      \
  ZC_HD double zc_ew_dotdev8_##sfx(const real *y, const real *x, size_t n, double m) {                \
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                            \
    size_t i = 0, n8 = n - n % 8;                                                                      \
    for (; i < n8; i += 8)                                                                             \
      for (int k = 0; k < 8; k++) a[k] += y[i + k] * (x[i + k] - m);                                   \
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));                      \
    for (; i < n; i++) s += y[i] * (x[i] - m);                                                         \
    return s;                                                                                          \
  }                                                                                                    \
                                                                                                       \
  /* ---- activations: ops-act.inc ---- */                                                           \
  /* relu_fwd_task */                                                                                  \
  ZC_HD real zc_ew_relu_fwd_##sfx(real x) { return x > 0 ? x : 0; }                                    \
  /* relu_bwd_task: the new dx; the mask reads the output y (> 0 exactly where x > 0) */              \
  ZC_HD real zc_ew_relu_bwd_##sfx(real y, real dy, real old, int assign) {                             \
    return assign ? (y > 0 ? dy : 0) : (y > 0 ? old + dy : old);                                       \
  }                                                                                                    \
  /* gelu_fwd_task: exact GELU in double */                                                            \
  ZC_HD real zc_ew_gelu_fwd_##sfx(real x) {                                                            \
    double v = x;                                                                                      \
    return (real) (0.5 * v * (1.0 + erf(v * ZC_EW_SQRT1_2)));                                          \
  }                                                                                                    \
  /* gelu_bwd_task: the increment added to dx */                                                       \
  ZC_HD real zc_ew_gelu_bwd_inc_##sfx(real x, real dy) {                                               \
    double v = x;                                                                                      \
    double d = 0.5 * (1.0 + erf(v * ZC_EW_SQRT1_2)) + v * ZC_EW_INV_SQRT_2PI * exp(-0.5 * v * v);     \
    return (real) ((double) dy * d);                                                                   \
  }                                                                                                    \
  /* leaky_fwd_task (slope already cast to real, as ew2_fwd does) */                                   \
  ZC_HD real zc_ew_leaky_fwd_##sfx(real x, real slope) { return x > 0 ? x : slope * x; }               \
  /* leaky_bwd_task: the increment added to dx */                                                      \
  ZC_HD real zc_ew_leaky_bwd_inc_##sfx(real x, real dy, real slope) { return x > 0 ? dy : slope * dy; } \
  /* tanh_fwd_task: tanh in double */                                                                  \
  ZC_HD real zc_ew_tanh_fwd_##sfx(real x) { return (real) tanh((double) x); }                          \
  /* tanh_bwd_task: the increment, in real arithmetic */                                               \
  ZC_HD real zc_ew_tanh_bwd_inc_##sfx(real y, real dy) { return dy * ((real) 1 - y * y); }             \
  /* sigmoid_fwd_task: in double */                                                                    \
  ZC_HD real zc_ew_sigmoid_fwd_##sfx(real x) { return (real) (1.0 / (1.0 + exp(-(double) x))); }       \
  /* sigmoid_bwd_task: the increment, in real arithmetic, (dy * y) * (1 - y) */                         \
  ZC_HD real zc_ew_sigmoid_bwd_inc_##sfx(real y, real dy) { return dy * y * ((real) 1 - y); }          \
                                                                                                       \
  /* ---- BatchNorm: ops-norm.inc bn_fwd_task / bn_bwd_task, per (ghost group, channel) ---- */     \
  /* bn_fwd_task, batch statistics: sum and sqdev are the group's double sums (sqdev around      \
   * sum / M, the *mean returned here); M elements */                                                  \
  ZC_HD void zc_ew_bn_stats_##sfx(double sum, double sqdev, size_t M, double eps, double *mean,        \
                                  double *invstd) {                                                    \
    *mean = sum / M;                                                                                   \
    *invstd = 1.0 / sqrt(sqdev / M + eps);                                                             \
  }                                                                                                    \
  /* bn_fwd_task, running statistics update (one group after the other, in order); the      \
   * unbiased variance as PyTorch, the biased one for a single element */                              \
  ZC_HD void zc_ew_bn_running_##sfx(double *run_mean, double *run_var, double mean, double sqdev,      \
                                    size_t M, double momentum) {                                       \
    double unb = M > 1 ? sqdev / (M - 1) : sqdev / M;                                                  \
    *run_mean = (1 - momentum) * *run_mean + momentum * mean;                                          \
    *run_var = (1 - momentum) * *run_var + momentum * unb;                                             \
  }                                                                                                    \
  /* bn_fwd_task, the output element, in real: mean and invstd rounded to real first */             \
  ZC_HD real zc_ew_bn_apply_##sfx(real x, real mean, real invstd, real gamma, real beta) {             \
    return (x - mean) * invstd * gamma + beta;                                                         \
  }                                                                                                    \
  /* bn_bwd_task, batch mode: the dx element v.  mean/invstd as the forward stored them (real,  \
   * widened); k = gamma * invstd / M (gamma real widened, M = elements of the group);        \
   * sdy = sum of dy (sum8 per plane), sdyx = sum of dotdev8(dy, x, mean) * invstd per plane */      \
  ZC_HD real zc_ew_bn_bwd_batch_##sfx(real x, real dy, double mean, double invstd, double k, double M, \
                                      double sdy, double sdyx) {                                       \
    double xh = (x - mean) * invstd;                                                                   \
    return (real) (k * (M * dy - sdy - xh * sdyx));                                                    \
  }                                                                                                    \
  /* bn_bwd_task, running-statistics mode: the increment; k = (real) (gamma * invstd) */             \
  ZC_HD real zc_ew_bn_bwd_eval_##sfx(real dy, real k) { return k * dy; }                               \
                                                                                                       \
  /* ---- LayerNorm over one row of C: ops-norm.inc ln_fwd_task / ln_bwd_task ---- */                \
  /* ln_fwd_task: y_row, and the row's (mean, rstd) as aux keeps them (real); y uses the       \
   * unrounded doubles.  gamma and beta both or neither */                                            \
  ZC_HD void zc_ew_ln_row_fwd_##sfx(const real *x, int C, double eps, const real *gamma,               \
                                    const real *beta, real *y, real *mean, real *rstd) {               \
    double m = zc_ew_sum8_##sfx(x, (size_t) C) / C;                                                    \
    double v = zc_ew_sqdev8_##sfx(x, (size_t) C, m) / C;                                               \
    double rs = 1.0 / sqrt(v + eps);                                                                   \
    *mean = (real) m;                                                                                  \
    *rstd = (real) rs;                                                                                 \
    for (int k = 0; k < C; k++) {                                                                      \
      double xh = (x[k] - m) * rs;                                                                     \
      y[k] = (real) (gamma ? xh * gamma[k] + beta[k] : xh);                                            \
    }                                                                                                  \
  }                                                                                                    \
  /* ln_bwd_task: adds dL/dx of the row into dx; mean/rstd as the forward stored them.  Note   \
   * dy * gamma is a real product, widened after */                                                    \
  ZC_HD void zc_ew_ln_row_bwd_##sfx(const real *x, const real *dy, int C, real mean, real rstd,        \
                                    const real *gamma, real *dx) {                                     \
    double m = mean, rs = rstd, s1 = 0, s2 = 0;                                                        \
    for (int k = 0; k < C; k++) {                                                                      \
      double xh = (x[k] - m) * rs;                                                                     \
      double dxh = dy[k] * (gamma ? gamma[k] : (real) 1);                                              \
      s1 += dxh;                                                                                       \
      s2 += dxh * xh;                                                                                  \
    }                                                                                                  \
    s1 /= C;                                                                                           \
    s2 /= C;                                                                                           \
    for (int k = 0; k < C; k++) {                                                                      \
      double xh = (x[k] - m) * rs;                                                                     \
      double dxh = dy[k] * (gamma ? gamma[k] : (real) 1);                                              \
      dx[k] += (real) (rs * (dxh - s1 - xh * s2));                                                     \
    }                                                                                                  \
  }                                                                                                    \
                                                                                                       \
  /* ---- softmax over one row: ops-act.inc softmax_rows / zc_k_softmax_bwd ---- */                  \
  /* softmax_rows: max in real, exp in double, the sum in double, one real reciprocal */          \
  ZC_HD void zc_ew_softmax_row_fwd_##sfx(const real *x, int C, real *y) {                              \
    real mx = x[0];                                                                                    \
    for (int k = 1; k < C; k++)                                                                        \
      if (x[k] > mx) mx = x[k];                                                                        \
    double s = 0;                                                                                      \
    for (int k = 0; k < C; k++) {                                                                      \
      y[k] = (real) exp((double) (x[k] - mx));                                                         \
      s += y[k];                                                                                       \
    }                                                                                                  \
    real inv = (real) (1.0 / s);                                                                       \
    for (int k = 0; k < C; k++) y[k] *= inv;                                                           \
  }                                                                                                    \
  /* zc_k_softmax_bwd: adds into dx */                                                                 \
  ZC_HD void zc_ew_softmax_row_bwd_##sfx(const real *y, const real *dy, int C, real *dx) {             \
    double s = 0;                                                                                      \
    for (int k = 0; k < C; k++) s += (double) dy[k] * y[k];                                            \
    for (int k = 0; k < C; k++) dx[k] += (real) (y[k] * (dy[k] - s));                                  \
  }                                                                                                    \
                                                                                                       \
  /* ---- ops-conv.inc reduce_task: weight element i over the chunk partials (nchunks x n), in  \
   * chunk order; the caller adds acc_out into grad[i], s1, sa, s2 into m1, mabs, m2 ---- */        \
  ZC_HD void zc_ew_moments_reduce_##sfx(const real *partials, size_t n, int nchunks, size_t i,         \
                                        real *acc_out, double *s1, double *sa, double *s2) {           \
    real acc = 0;                                                                                      \
    double t1 = 0, ta = 0, t2 = 0;                                                                     \
    for (int k = 0; k < nchunks; k++) {                                                                \
      real g = partials[(size_t) k * n + i];                                                           \
      acc += g;                                                                                        \
      t1 += g;                                                                                         \
      ta += fabs((double) g);                                                                          \
      t2 += (double) g * g;                                                                            \
    }                                                                                                  \
    *acc_out = acc;                                                                                    \
    *s1 = t1;                                                                                          \
    *sa = ta;                                                                                          \
    *s2 = t2;                                                                                          \
  }                                                                                                    \
                                                                                                       \
  /* ---- patterns.c zc_net_sign_patterns: bit s set when sample s of unit u is > 0 (values:     \
   * samples x U, n_samples <= 64) ---- */                                                            \
  ZC_HD uint64_t zc_ew_sign_bits_##sfx(const real *values, size_t U, int n_samples, size_t u) {        \
    uint64_t bits = 0;                                                                                 \
    for (int s = 0; s < n_samples; s++)                                                                \
      if (values[(size_t) s * U + u] > 0) bits |= (uint64_t) 1 << s;                                   \
    return bits;                                                                                       \
  }                                                                                                    \
                                                                                                       \
  /* ---- pooling on one H x W plane: ops-struct.inc avgpool_task / maxpool_task ---- */            \
  /* avgpool_task: double sum over the clipped window; divisor counts the padding inside the  \
   * padded input (cip) or only the clipped window */                                                  \
  ZC_HD real zc_ew_avgpool_out_##sfx(const real *x, int H, int W, int k, int stride, int pad, int cip,   \
                                     int oy, int ox) {                                                 \
    int h0 = oy * stride - pad, w0 = ox * stride - pad;                                                \
    int h1 = zc_ew_imin(h0 + k, H), w1 = zc_ew_imin(w0 + k, W);                                        \
    int hs = zc_ew_imax(h0, 0), ws = zc_ew_imax(w0, 0);                                                \
    int cnt = cip ? (zc_ew_imin(h0 + k, H + pad) - h0) * (zc_ew_imin(w0 + k, W + pad) - w0)            \
                  : (h1 - hs) * (w1 - ws);                                                             \
    double acc = 0;                                                                                    \
    for (int h = hs; h < h1; h++)                                                                      \
      for (int w = ws; w < w1; w++) acc += x[h * W + w];                                               \
    return (real) (acc / cnt);                                                                         \
  }                                                                                                    \
  /* maxpool_task: the first maximum in row-major order wins a tie (strict >); *argmax = its   \
   * flat index in the plane (where the backward adds dy).  A window with no input element   \
   * (impossible for pad < k) gives 0 and -1. */                                                       \
  ZC_HD real zc_ew_maxpool_out_##sfx(const real *x, int H, int W, int k, int stride, int pad, int oy,   \
                                     int ox, int *argmax) {                                            \
    int h0 = oy * stride - pad, w0 = ox * stride - pad;                                                \
    int h1 = zc_ew_imin(h0 + k, H), w1 = zc_ew_imin(w0 + k, W);                                        \
    int best = -1;                                                                                     \
    for (int h = zc_ew_imax(h0, 0); h < h1; h++)                                                       \
      for (int w = zc_ew_imax(w0, 0); w < w1; w++)                                                     \
        if (best < 0 || x[h * W + w] > x[best]) best = h * W + w;                                      \
    *argmax = best;                                                                                    \
    return best < 0 ? (real) 0 : x[best];                                                              \
  }                                                                                                    \
                                                                                                       \
  /* ---- loss.c ZC_LOSS_CE at one position: C logits cstride apart ---- */                         \
  /* the position's loss lse - y[label], and its log-sum-exp (all double) */                          \
  ZC_HD double zc_ew_ce_row_##sfx(const real *y, int C, size_t cstride, int label, double *lse) {      \
    double mx = -INFINITY;                                                                             \
    for (int c = 0; c < C; c++) {                                                                      \
      double v = y[(size_t) c * cstride];                                                              \
      mx = mx > v ? mx : v;                                                                            \
    }                                                                                                  \
    double se = 0;                                                                                     \
    for (int c = 0; c < C; c++) se += exp((double) y[(size_t) c * cstride] - mx);                      \
    *lse = mx + log(se);                                                                               \
    return *lse - (double) y[(size_t) label * cstride];                                                \
  }                                                                                                    \
  /* the gradient element (p - t) * ws / P, in that order (so the scale comes as two factors):   \
   * ws = 1 / samples in the sample's chunk, P = positions per sample */                              \
  ZC_HD real zc_ew_ce_grad_##sfx(real y_i, double lse, int is_target, double ws, int P) {              \
    double pr = exp((double) y_i - lse);                                                               \
    return (real) ((pr - is_target) * ws / P);                                                         \
  }

ZC_EW_DEFINE(float, f32)
ZC_EW_DEFINE(double, f64)

#endif
