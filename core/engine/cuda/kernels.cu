/* zcnas CUDA backend: zcnas's own kernels.  The arithmetic of each element, row or window
 * is a body of ew-math.h, unit-tested on the host against the reference backend
 * (tests/unit/test_cuda_math.c); what is here is how the work is spread over threads.
 * No atomics: every reduction runs in a fixed order, so a score is the same run to run. */
#include "cuda-impl.h"
#include "ew-math.h"

namespace {

constexpr int kThreads = 256;

inline unsigned blocks_for(size_t n) {
  size_t b = (n + kThreads - 1) / kThreads;
  return (unsigned) (b < 65535 * 16 ? (b ? b : 1) : 65535 * 16);
}

/* The ew-math bodies per real type. */
template <typename real> struct Ew;
#define ZC_EW_BIND(real, sfx)                                                                         \
  template <> struct Ew<real> {                                                                       \
    static __device__ real relu_fwd(real x) { return zc_ew_relu_fwd_##sfx(x); }                        \
    static __device__ real relu_bwd(real y, real dy, real old, int a) { return zc_ew_relu_bwd_##sfx(y, dy, old, a); } \
    static __device__ real gelu_fwd(real x) { return zc_ew_gelu_fwd_##sfx(x); }                        \
    static __device__ real gelu_inc(real x, real dy) { return zc_ew_gelu_bwd_inc_##sfx(x, dy); }       \
    static __device__ real leaky_fwd(real x, real s) { return zc_ew_leaky_fwd_##sfx(x, s); }           \
    static __device__ real leaky_inc(real x, real dy, real s) { return zc_ew_leaky_bwd_inc_##sfx(x, dy, s); } \
    static __device__ real tanh_fwd(real x) { return zc_ew_tanh_fwd_##sfx(x); }                        \
    static __device__ real tanh_inc(real y, real dy) { return zc_ew_tanh_bwd_inc_##sfx(y, dy); }       \
    static __device__ real sigmoid_fwd(real x) { return zc_ew_sigmoid_fwd_##sfx(x); }                  \
    static __device__ real sigmoid_inc(real y, real dy) { return zc_ew_sigmoid_bwd_inc_##sfx(y, dy); } \
    static __device__ real bn_apply(real x, real m, real is, real g, real b) { return zc_ew_bn_apply_##sfx(x, m, is, g, b); } \
    static __device__ real bn_bwd_batch(real x, real dy, double m, double is, double k, double M, double sdy, double sdyx) { \
      return zc_ew_bn_bwd_batch_##sfx(x, dy, m, is, k, M, sdy, sdyx);                                   \
    }                                                                                                  \
    static __device__ void ln_fwd(const real *x, int C, double eps, const real *g, const real *b, real *y, real *m, real *rs) { \
      zc_ew_ln_row_fwd_##sfx(x, C, eps, g, b, y, m, rs);                                              \
    }                                                                                                  \
    static __device__ void ln_bwd(const real *x, const real *dy, int C, real m, real rs, const real *g, real *dx) { \
      zc_ew_ln_row_bwd_##sfx(x, dy, C, m, rs, g, dx);                                                 \
    }                                                                                                  \
    static __device__ void softmax_fwd(const real *x, int C, real *y) { zc_ew_softmax_row_fwd_##sfx(x, C, y); } \
    static __device__ void softmax_bwd(const real *y, const real *dy, int C, real *dx) { zc_ew_softmax_row_bwd_##sfx(y, dy, C, dx); } \
    static __device__ void reduce(const real *p, size_t n, int nc, size_t i, real *acc, double *s1, double *sa, double *s2) { \
      zc_ew_moments_reduce_##sfx(p, n, nc, i, acc, s1, sa, s2);                                       \
    }                                                                                                  \
    static __device__ uint64_t sign_bits(const real *v, size_t U, int ns, size_t u) { return zc_ew_sign_bits_##sfx(v, U, ns, u); } \
    static __device__ real avgpool(const real *x, int H, int W, int k, int s, int p, int cip, int oy, int ox) { \
      return zc_ew_avgpool_out_##sfx(x, H, W, k, s, p, cip, oy, ox);                                  \
    }                                                                                                  \
    static __device__ real maxpool(const real *x, int H, int W, int k, int s, int p, int oy, int ox, int *am) { \
      return zc_ew_maxpool_out_##sfx(x, H, W, k, s, p, oy, ox, am);                                   \
    }                                                                                                  \
  };
ZC_EW_BIND(float, f32)
ZC_EW_BIND(double, f64)

#define GRID_LOOP(i, n) for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < (n); i += (size_t) gridDim.x * blockDim.x)

/* ---- activations ---- */
template <typename real>
__global__ void act_fwd(int kind, const real *x, real *y, size_t n, real slope) {
  GRID_LOOP(i, n) {
    real v = x[i];
    switch (kind) {
    case ZC_CU_RELU: y[i] = Ew<real>::relu_fwd(v); break;
    case ZC_CU_GELU: y[i] = Ew<real>::gelu_fwd(v); break;
    case ZC_CU_LEAKY: y[i] = Ew<real>::leaky_fwd(v, slope); break;
    case ZC_CU_TANH: y[i] = Ew<real>::tanh_fwd(v); break;
    default: y[i] = Ew<real>::sigmoid_fwd(v); break;
    }
  }
}
template <typename real>
__global__ void act_bwd(int kind, const real *x, const real *y, const real *dy, real *dx, size_t n, real slope,
                        int assign) {
  GRID_LOOP(i, n) {
    real old = assign ? (real) 0 : dx[i];
    switch (kind) {
    case ZC_CU_RELU: dx[i] = Ew<real>::relu_bwd(y[i], dy[i], old, assign); break;
    case ZC_CU_GELU: dx[i] = old + Ew<real>::gelu_inc(x[i], dy[i]); break;
    case ZC_CU_LEAKY: dx[i] = old + Ew<real>::leaky_inc(x[i], dy[i], slope); break;
    case ZC_CU_TANH: dx[i] = old + Ew<real>::tanh_inc(y[i], dy[i]); break;
    default: dx[i] = old + Ew<real>::sigmoid_inc(y[i], dy[i]); break;
    }
  }
}
template <typename real>
__global__ void accumulate(real *dst, const real *src, size_t n, int assign) {
  GRID_LOOP(i, n) dst[i] = assign ? src[i] : dst[i] + src[i];
}

template <typename real>
__global__ void block_copy(real *dst, size_t dp, const real *src, size_t sp, size_t width, size_t rows, int add) {
  GRID_LOOP(i, rows * width) {
    size_t r = i / width, c = i % width;
    dst[r * dp + c] = add ? dst[r * dp + c] + src[r * sp + c] : src[r * sp + c];
  }
}

/* ---- block reductions in double (fixed tree: the same result for the same block size) ---- */
__device__ double block_sum(double v, double *sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if ((int) threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  double r = sh[0];
  __syncthreads();
  return r;
}

inline __device__ int part_start(int batch, int n, int c) { return (int) ((long long) c * batch / n); }

/* ---- BatchNorm: one block per channel, the ghost groups in order ---- */
template <typename real>
__global__ void bn_fwd(const real *x, real *y, real *aux, const real *gamma, const real *beta, double *run_mean,
                       double *run_var, int B, int C, size_t hw, int groups, int mode, int update, double eps,
                       double momentum) {
  __shared__ double sh[kThreads];
  const int ch = blockIdx.x;
  const real g = gamma ? gamma[ch] : (real) 1, b = beta ? beta[ch] : (real) 0;
  for (int gi = 0; gi < groups; gi++) {
    const int s0 = part_start(B, groups, gi), s1 = part_start(B, groups, gi + 1);
    const size_t M = (size_t) (s1 - s0) * hw;
    double mean, invstd;
    if (mode == 0) {
      double acc = 0;
      for (size_t e = threadIdx.x; e < M; e += blockDim.x) acc += x[((size_t) (s0 + e / hw) * C + ch) * hw + e % hw];
      mean = block_sum(acc, sh) / M;
      double sq = 0;
      for (size_t e = threadIdx.x; e < M; e += blockDim.x) {
        double d = x[((size_t) (s0 + e / hw) * C + ch) * hw + e % hw] - mean;
        sq += d * d;
      }
      sq = block_sum(sq, sh);
      invstd = 1.0 / sqrt(sq / M + eps);
      if (update && threadIdx.x == 0) {
        double unb = M > 1 ? sq / (M - 1) : sq / M;
        run_mean[ch] = (1 - momentum) * run_mean[ch] + momentum * mean;
        run_var[ch] = (1 - momentum) * run_var[ch] + momentum * unb;
      }
    } else {
      mean = run_mean[ch];
      invstd = 1.0 / sqrt(run_var[ch] + eps);
    }
    if (threadIdx.x == 0) {
      aux[(size_t) 2 * (gi * C + ch)] = (real) mean;
      aux[(size_t) 2 * (gi * C + ch) + 1] = (real) invstd;
    }
    const real m = (real) mean, is = (real) invstd;
    for (size_t e = threadIdx.x; e < M; e += blockDim.x) {
      size_t o = ((size_t) (s0 + e / hw) * C + ch) * hw + e % hw;
      y[o] = Ew<real>::bn_apply(x[o], m, is, g, b);
    }
    __syncthreads();
  }
}

template <typename real>
__global__ void bn_bwd(const real *x, const real *dy, real *dx, const real *aux, const real *gamma, real *dgamma,
                       real *dbeta, int B, int C, size_t hw, int groups, int mode, int assign) {
  __shared__ double sh[kThreads];
  const int ch = blockIdx.x;
  const real g = gamma ? gamma[ch] : (real) 1;
  double dg = 0, db = 0;
  for (int gi = 0; gi < groups; gi++) {
    const int s0 = part_start(B, groups, gi), s1 = part_start(B, groups, gi + 1);
    const size_t M = (size_t) (s1 - s0) * hw;
    const double mean = aux[(size_t) 2 * (gi * C + ch)], invstd = aux[(size_t) 2 * (gi * C + ch) + 1];
    double a = 0, c = 0;
    for (size_t e = threadIdx.x; e < M; e += blockDim.x) {
      size_t o = ((size_t) (s0 + e / hw) * C + ch) * hw + e % hw;
      a += dy[o];
      c += dy[o] * (x[o] - mean);
    }
    const double sdy = block_sum(a, sh), sdyx = block_sum(c, sh) * invstd;
    dg += sdyx;
    db += sdy;
    if (!dx) continue;
    if (mode == 0) {
      const double k = g * invstd / (double) M;
      for (size_t e = threadIdx.x; e < M; e += blockDim.x) {
        size_t o = ((size_t) (s0 + e / hw) * C + ch) * hw + e % hw;
        real v = Ew<real>::bn_bwd_batch(x[o], dy[o], mean, invstd, k, (double) M, sdy, sdyx);
        dx[o] = assign ? v : dx[o] + v;
      }
    } else {
      const real k = (real) (g * invstd);
      for (size_t e = threadIdx.x; e < M; e += blockDim.x) {
        size_t o = ((size_t) (s0 + e / hw) * C + ch) * hw + e % hw;
        dx[o] = (assign ? (real) 0 : dx[o]) + k * dy[o];
      }
    }
  }
  if (dgamma && threadIdx.x == 0) {
    dgamma[ch] += (real) dg;
    dbeta[ch] += (real) db;
  }
}

/* ---- LayerNorm, softmax: one thread per row; parameter gradients one thread per column ---- */
template <typename real>
__global__ void ln_fwd(const real *x, real *y, real *aux, const real *g, const real *b, size_t rows, int C, double eps) {
  GRID_LOOP(i, rows) Ew<real>::ln_fwd(x + i * C, C, eps, g, b, y + i * C, aux + 2 * i, aux + 2 * i + 1);
}
template <typename real>
__global__ void ln_bwd_x(const real *x, const real *dy, real *dx, const real *aux, const real *g, size_t rows, int C) {
  GRID_LOOP(i, rows) Ew<real>::ln_bwd(x + i * C, dy + i * C, C, aux[2 * i], aux[2 * i + 1], g, dx + i * C);
}
template <typename real>
__global__ void ln_bwd_params(const real *x, const real *dy, const real *aux, real *dg, real *db, size_t rows, int C) {
  GRID_LOOP(k, (size_t) C) {
    double sg = 0, sb = 0;
    for (size_t i = 0; i < rows; i++) {
      double m = aux[2 * i], rs = aux[2 * i + 1];
      sg += dy[i * C + k] * ((x[i * C + k] - m) * rs);
      sb += dy[i * C + k];
    }
    dg[k] += (real) sg;
    db[k] += (real) sb;
  }
}
template <typename real>
__global__ void softmax_fwd(const real *x, real *y, size_t rows, int C) {
  GRID_LOOP(i, rows) Ew<real>::softmax_fwd(x + i * C, C, y + i * C);
}
template <typename real>
__global__ void softmax_bwd(const real *y, const real *dy, real *dx, size_t rows, int C) {
  GRID_LOOP(i, rows) Ew<real>::softmax_bwd(y + i * C, dy + i * C, C, dx + i * C);
}

template <typename real>
__global__ void attn_softmax_bwd(const real *P, real *dP, size_t rows, int T) {
  GRID_LOOP(i, rows) {
    const real *p = P + i * T;
    real *d = dP + i * T;
    double sum = 0;
    for (int j = 0; j < T; j++) sum += (double) d[j] * p[j];
    for (int j = 0; j < T; j++) d[j] = (real) (p[j] * (d[j] - sum));
  }
}

/* ---- pooling ---- */
template <typename real>
__global__ void avgpool_fwd(const real *x, real *y, size_t planes, int H, int W, int Ho, int Wo, int k, int s, int p,
                            int cip) {
  GRID_LOOP(i, planes * Ho * Wo) {
    size_t pl = i / ((size_t) Ho * Wo);
    int o = (int) (i % ((size_t) Ho * Wo));
    y[i] = Ew<real>::avgpool(x + pl * H * W, H, W, k, s, p, cip, o / Wo, o % Wo);
  }
}
/* The output rows whose window covers input row h: oh in [lo, hi]. */
inline __device__ void covering(int h, int k, int s, int p, int Ho, int *lo, int *hi) {
  int a = h + p - k + 1;   /* oh * s >= a */
  *lo = a <= 0 ? 0 : (a + s - 1) / s;
  *hi = (h + p) / s;       /* oh * s <= h + p */
  if (*hi > Ho - 1) *hi = Ho - 1;
}
template <typename real>
__global__ void avgpool_bwd(const real *dy, real *dx, size_t planes, int H, int W, int Ho, int Wo, int k, int s, int p,
                            int cip) {
  GRID_LOOP(i, planes * H * W) {
    size_t pl = i / ((size_t) H * W);
    int e = (int) (i % ((size_t) H * W)), h = e / W, w = e % W;
    int ylo, yhi, xlo, xhi;
    covering(h, k, s, p, Ho, &ylo, &yhi);
    covering(w, k, s, p, Wo, &xlo, &xhi);
    real v = dx[i];
    for (int oh = ylo; oh <= yhi; oh++)
      for (int ow = xlo; ow <= xhi; ow++) {
        int h0 = oh * s - p, w0 = ow * s - p;
        int h1 = min(h0 + k, H), w1 = min(w0 + k, W), hs = max(h0, 0), ws = max(w0, 0);
        int cnt = cip ? (min(h0 + k, H + p) - h0) * (min(w0 + k, W + p) - w0) : (h1 - hs) * (w1 - ws);
        v += dy[pl * Ho * Wo + (size_t) oh * Wo + ow] / cnt;
      }
    dx[i] = v;
  }
}
template <typename real>
__global__ void maxpool_fwd(const real *x, real *y, size_t planes, int H, int W, int Ho, int Wo, int k, int s, int p) {
  GRID_LOOP(i, planes * Ho * Wo) {
    size_t pl = i / ((size_t) Ho * Wo);
    int o = (int) (i % ((size_t) Ho * Wo)), am;
    y[i] = Ew<real>::maxpool(x + pl * H * W, H, W, k, s, p, o / Wo, o % Wo, &am);
  }
}
template <typename real>
__global__ void maxpool_bwd(const real *x, const real *dy, real *dx, size_t planes, int H, int W, int Ho, int Wo, int k,
                            int s, int p) {
  GRID_LOOP(i, planes * H * W) {
    size_t pl = i / ((size_t) H * W);
    int e = (int) (i % ((size_t) H * W)), h = e / W, w = e % W;
    int ylo, yhi, xlo, xhi;
    covering(h, k, s, p, Ho, &ylo, &yhi);
    covering(w, k, s, p, Wo, &xlo, &xhi);
    real v = dx[i];
    for (int oh = ylo; oh <= yhi; oh++)
      for (int ow = xlo; ow <= xhi; ow++) {
        int am;
        Ew<real>::maxpool(x + pl * H * W, H, W, k, s, p, oh, ow, &am);
        if (am == e) v += dy[pl * Ho * Wo + (size_t) oh * Wo + ow];
      }
    dx[i] = v;
  }
}
template <typename real>
__global__ void gap_fwd(const real *x, real *y, size_t planes, size_t hw) {
  GRID_LOOP(p, planes) {
    double acc = 0;
    for (size_t k = 0; k < hw; k++) acc += x[p * hw + k];
    y[p] = (real) (acc / hw);
  }
}
template <typename real>
__global__ void gap_bwd(const real *dy, real *dx, size_t planes, size_t hw) {
  GRID_LOOP(i, planes * hw) dx[i] += dy[i / hw] / (real) hw;
}

/* ---- biases ---- */
template <typename real>
__global__ void bias_rows(real *y, const real *b, size_t rows, int cols) {
  GRID_LOOP(i, rows * cols) y[i] += b[i % cols];
}
template <typename real>
__global__ void bias_rows_grad(const real *dy, real *db, size_t rows, int cols) {
  GRID_LOOP(c, (size_t) cols) {
    double acc = 0;
    for (size_t r = 0; r < rows; r++) acc += dy[r * cols + c];
    db[c] += (real) acc;
  }
}
template <typename real>
__global__ void bias_chan(real *y, const real *b, int B, int C, size_t hw) {
  GRID_LOOP(i, (size_t) B * C * hw) y[i] += b[(i / hw) % C];
}
template <typename real>
__global__ void bias_chan_grad(const real *dy, real *db, int B, int C, size_t hw) {
  __shared__ double sh[kThreads];
  const int c = blockIdx.x;
  double acc = 0;
  for (size_t e = threadIdx.x; e < (size_t) B * hw; e += blockDim.x) acc += dy[((e / hw) * C + c) * hw + e % hw];
  acc = block_sum(acc, sh);
  if (threadIdx.x == 0) db[c] += (real) acc;
}

/* ---- weight-gradient partials and moments; sign bits ---- */
template <typename real>
__global__ void reduce_partials(const real *partials, real *grad, size_t n, int nc, double *m1, double *mabs, double *m2) {
  GRID_LOOP(i, n) {
    real acc;
    double s1, sa, s2;
    Ew<real>::reduce(partials, n, nc, i, &acc, &s1, &sa, &s2);
    grad[i] += acc;
    if (m1) { m1[i] += s1; mabs[i] += sa; m2[i] += s2; }
  }
}
template <typename real>
__global__ void sign_bits(const real *v, uint64_t *out, size_t U, int ns) {
  GRID_LOOP(u, U) out[u] = Ew<real>::sign_bits(v, U, ns, u);
}

}  // namespace

/* kernel<<<grid, kThreads, 0, stream>>>(args); kernels-emu.cc runs it on the host instead */
#ifndef ZC_LAUNCH
#define ZC_LAUNCH(kernel, grid, stream, ...) kernel<<<(grid), kThreads, 0, (stream)>>>(__VA_ARGS__)
#endif
#define R(p) (const real *) (p)
#define W(p) (real *) (p)
/* one instantiation per type, the arguments cast in each */
#define BOTH(f64, body)                                                                                     \
  do {                                                                                                      \
    if (f64) { typedef double real; body; }                                                                 \
    else { typedef float real; body; }                                                                      \
  } while (0)

extern "C" {

void zc_cu_act_fwd(cudaStream_t st, int f64, int kind, const void *x, void *y, size_t n, double slope) {
  BOTH(f64, (ZC_LAUNCH(act_fwd<real>, blocks_for(n), st, kind, R(x), W(y), n, (real) slope)));
}
void zc_cu_act_bwd(cudaStream_t st, int f64, int kind, const void *x, const void *y, const void *dy, void *dx,
                   size_t n, double slope, int assign) {
  BOTH(f64, (ZC_LAUNCH(act_bwd<real>, blocks_for(n), st, kind, R(x), R(y), R(dy), W(dx), n, (real) slope, assign)));
}
void zc_cu_accumulate(cudaStream_t st, int f64, void *dst, const void *src, size_t n, int assign) {
  BOTH(f64, (ZC_LAUNCH(accumulate<real>, blocks_for(n), st, W(dst), R(src), n, assign)));
}
void zc_cu_block_copy(cudaStream_t st, int f64, void *dst, size_t dst_pitch, const void *src, size_t src_pitch,
                      size_t width, size_t rows, int add) {
  BOTH(f64, (ZC_LAUNCH(block_copy<real>, blocks_for(rows * width), st, W(dst), dst_pitch, R(src), src_pitch, width, rows,
                       add)));
}
void zc_cu_bn_fwd(cudaStream_t st, int f64, const void *x, void *y, void *aux, const void *gamma, const void *beta,
                  double *run_mean, double *run_var, int B, int C, size_t hw, int groups, int mode, int update,
                  double eps, double momentum) {
  BOTH(f64, (ZC_LAUNCH(bn_fwd<real>, C, st, R(x), W(y), W(aux), R(gamma), R(beta), run_mean, run_var, B, C, hw,
                                                   groups, mode, update, eps, momentum)));
}
void zc_cu_bn_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, const void *aux,
                  const void *gamma, void *dgamma, void *dbeta, int B, int C, size_t hw, int groups, int mode,
                  int assign) {
  BOTH(f64, (ZC_LAUNCH(bn_bwd<real>, C, st, R(x), R(dy), W(dx), R(aux), R(gamma), W(dgamma), W(dbeta), B, C, hw,
                                                   groups, mode, assign)));
}
void zc_cu_ln_fwd(cudaStream_t st, int f64, const void *x, void *y, void *aux, const void *gamma, const void *beta,
                  size_t rows, int C, double eps) {
  BOTH(f64, (ZC_LAUNCH(ln_fwd<real>, blocks_for(rows), st, R(x), W(y), W(aux), R(gamma), R(beta), rows, C, eps)));
}
void zc_cu_ln_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, const void *aux,
                  const void *gamma, void *dgamma, void *dbeta, size_t rows, int C) {
  if (dx) BOTH(f64, (ZC_LAUNCH(ln_bwd_x<real>, blocks_for(rows), st, R(x), R(dy), W(dx), R(aux), R(gamma), rows, C)));
  if (dgamma)
    BOTH(f64, (ZC_LAUNCH(ln_bwd_params<real>, blocks_for(C), st, R(x), R(dy), R(aux), W(dgamma), W(dbeta), rows, C)));
}
void zc_cu_softmax_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t rows, int C) {
  BOTH(f64, (ZC_LAUNCH(softmax_fwd<real>, blocks_for(rows), st, R(x), W(y), rows, C)));
}
void zc_cu_softmax_bwd(cudaStream_t st, int f64, const void *y, const void *dy, void *dx, size_t rows, int C) {
  BOTH(f64, (ZC_LAUNCH(softmax_bwd<real>, blocks_for(rows), st, R(y), R(dy), W(dx), rows, C)));
}
void zc_cu_attn_softmax_bwd(cudaStream_t st, int f64, const void *P, void *dP, size_t rows, int T) {
  BOTH(f64, (ZC_LAUNCH(attn_softmax_bwd<real>, blocks_for(rows), st, R(P), W(dP), rows, T)));
}
void zc_cu_avgpool_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, int H, int W, int Ho, int Wo,
                       int k, int stride, int pad, int cip) {
  BOTH(f64, (ZC_LAUNCH(avgpool_fwd<real>, blocks_for(planes * Ho * Wo), st, R(x), W(y), planes, H, W, Ho, Wo, k,
                                                                                  stride, pad, cip)));
}
void zc_cu_avgpool_bwd(cudaStream_t st, int f64, const void *dy, void *dx, size_t planes, int H, int W, int Ho,
                       int Wo, int k, int stride, int pad, int cip) {
  BOTH(f64, (ZC_LAUNCH(avgpool_bwd<real>, blocks_for(planes * H * W), st, R(dy), W(dx), planes, H, W, Ho, Wo, k,
                                                                                stride, pad, cip)));
}
void zc_cu_maxpool_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, int H, int W, int Ho, int Wo,
                       int k, int stride, int pad) {
  BOTH(f64, (ZC_LAUNCH(maxpool_fwd<real>, blocks_for(planes * Ho * Wo), st, R(x), W(y), planes, H, W, Ho, Wo, k,
                                                                                  stride, pad)));
}
void zc_cu_maxpool_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, size_t planes, int H,
                       int W, int Ho, int Wo, int k, int stride, int pad) {
  BOTH(f64, (ZC_LAUNCH(maxpool_bwd<real>, blocks_for(planes * H * W), st, R(x), R(dy), W(dx), planes, H, W, Ho,
                                                                                Wo, k, stride, pad)));
}
void zc_cu_gap_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, size_t hw) {
  BOTH(f64, (ZC_LAUNCH(gap_fwd<real>, blocks_for(planes), st, R(x), W(y), planes, hw)));
}
void zc_cu_gap_bwd(cudaStream_t st, int f64, const void *dy, void *dx, size_t planes, size_t hw) {
  BOTH(f64, (ZC_LAUNCH(gap_bwd<real>, blocks_for(planes * hw), st, R(dy), W(dx), planes, hw)));
}
void zc_cu_bias_rows(cudaStream_t st, int f64, void *y, const void *b, size_t rows, int cols) {
  BOTH(f64, (ZC_LAUNCH(bias_rows<real>, blocks_for(rows * cols), st, W(y), R(b), rows, cols)));
}
void zc_cu_bias_rows_grad(cudaStream_t st, int f64, const void *dy, void *db, size_t rows, int cols) {
  BOTH(f64, (ZC_LAUNCH(bias_rows_grad<real>, blocks_for(cols), st, R(dy), W(db), rows, cols)));
}
void zc_cu_bias_chan(cudaStream_t st, int f64, void *y, const void *b, int B, int C, size_t hw) {
  BOTH(f64, (ZC_LAUNCH(bias_chan<real>, blocks_for((size_t) B * C * hw), st, W(y), R(b), B, C, hw)));
}
void zc_cu_bias_chan_grad(cudaStream_t st, int f64, const void *dy, void *db, int B, int C, size_t hw) {
  BOTH(f64, (ZC_LAUNCH(bias_chan_grad<real>, C, st, R(dy), W(db), B, C, hw)));
}
void zc_cu_reduce_partials(cudaStream_t st, int f64, const void *partials, void *grad, size_t n, int nchunks,
                           double *m1, double *mabs, double *m2) {
  BOTH(f64, (ZC_LAUNCH(reduce_partials<real>, blocks_for(n), st, R(partials), W(grad), n, nchunks, m1, mabs, m2)));
}
void zc_cu_sign_bits(cudaStream_t st, int f64, const void *values, uint64_t *out, size_t U, int n_samples) {
  BOTH(f64, (ZC_LAUNCH(sign_bits<real>, blocks_for(U), st, R(values), out, U, n_samples)));
}

}  // extern "C"
