/* zcnas CUDA backend — what its C side (backend-cuda.c, ops-cuda.c; gcc) and its kernels
 * (kernels.cu; nvcc) share: the launchers of zcnas's own kernels.  Plain C types only, so
 * that nvcc never sees the engine's GLib structures.  Every launcher queues its work on
 * `stream` and returns at once; `f64` picks the double-precision instantiation. */
#ifndef ZC_CUDA_IMPL_H
#define ZC_CUDA_IMPL_H
#include <stddef.h>
#include <stdint.h>
#ifdef ZC_CUDA_EMU
#include "emu/cuda-emu.h"   /* the host emulation: cuda-emu */
#else
#include <cuda_runtime_api.h>
#endif
#ifdef __cplusplus
extern "C" {
#endif

/* element-wise activations (kind: ZC_CU_RELU, ...) */
enum { ZC_CU_RELU, ZC_CU_GELU, ZC_CU_LEAKY, ZC_CU_TANH, ZC_CU_SIGMOID };
void zc_cu_act_fwd(cudaStream_t st, int f64, int kind, const void *x, void *y, size_t n, double slope);
/* dx = (assign ? 0 : dx) + d act (reads x for gelu/leaky, y for relu/tanh/sigmoid) */
void zc_cu_act_bwd(cudaStream_t st, int f64, int kind, const void *x, const void *y, const void *dy, void *dx,
                   size_t n, double slope, int assign);
/* dst = (assign ? 0 : dst) + src */
void zc_cu_accumulate(cudaStream_t st, int f64, void *dst, const void *src, size_t n, int assign);

/* rows x width elements between two row pitches (elements): dst = src (add 0) or dst += src
 * (add 1); concat and slice, per sample */
void zc_cu_block_copy(cudaStream_t st, int f64, void *dst, size_t dst_pitch, const void *src, size_t src_pitch,
                      size_t width, size_t rows, int add);

/* BatchNorm over (batch, C, hw) with `groups` ghost groups of samples (group g = samples
 * [g*B/groups, (g+1)*B/groups)); aux = (mean, invstd) per (group, channel), in real.
 * mode 0: batch statistics (run stats updated when update), 1: running statistics. */
void zc_cu_bn_fwd(cudaStream_t st, int f64, const void *x, void *y, void *aux, const void *gamma, const void *beta,
                  double *run_mean, double *run_var, int B, int C, size_t hw, int groups, int mode, int update,
                  double eps, double momentum);
/* dx (may be NULL; assign: overwrite) and dgamma/dbeta (may be NULL: added to) */
void zc_cu_bn_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, const void *aux,
                  const void *gamma, void *dgamma, void *dbeta, int B, int C, size_t hw, int groups, int mode,
                  int assign);

/* LayerNorm over rows of C; aux = (mean, rstd) per row.  Backward adds into dx (may be NULL)
 * and into dgamma/dbeta (may be NULL). */
void zc_cu_ln_fwd(cudaStream_t st, int f64, const void *x, void *y, void *aux, const void *gamma, const void *beta,
                  size_t rows, int C, double eps);
void zc_cu_ln_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, const void *aux,
                  const void *gamma, void *dgamma, void *dbeta, size_t rows, int C);
/* softmax over rows of C; backward adds into dx */
void zc_cu_softmax_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t rows, int C);
void zc_cu_softmax_bwd(cudaStream_t st, int f64, const void *y, const void *dy, void *dx, size_t rows, int C);

/* The attention core's softmax backward, in place: dP <- P * (dP - rowsum(dP * P)) over rows
 * of T (ops-act.inc attn_bwd_task: the sum in double) */
void zc_cu_attn_softmax_bwd(cudaStream_t st, int f64, const void *P, void *dP, size_t rows, int T);

/* Pooling on planes (batch x C planes of H x W -> Ho x Wo); backward adds into dx, each input
 * element gathering from the windows that cover it (no atomics: deterministic). */
void zc_cu_avgpool_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, int H, int W, int Ho, int Wo,
                       int k, int stride, int pad, int cip);
void zc_cu_avgpool_bwd(cudaStream_t st, int f64, const void *dy, void *dx, size_t planes, int H, int W, int Ho,
                       int Wo, int k, int stride, int pad, int cip);
void zc_cu_maxpool_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, int H, int W, int Ho, int Wo,
                       int k, int stride, int pad);
void zc_cu_maxpool_bwd(cudaStream_t st, int f64, const void *x, const void *dy, void *dx, size_t planes, int H,
                       int W, int Ho, int Wo, int k, int stride, int pad);
/* global average pool: planes of hw -> one value; backward adds dy / hw */
void zc_cu_gap_fwd(cudaStream_t st, int f64, const void *x, void *y, size_t planes, size_t hw);
void zc_cu_gap_bwd(cudaStream_t st, int f64, const void *dy, void *dx, size_t planes, size_t hw);

/* y[r, c] += b[c] over rows x cols (bias of a linear layer, row-major) */
void zc_cu_bias_rows(cudaStream_t st, int f64, void *y, const void *b, size_t rows, int cols);
/* db[c] += sum over rows of dy[r, c], rows in order (deterministic) */
void zc_cu_bias_rows_grad(cudaStream_t st, int f64, const void *dy, void *db, size_t rows, int cols);

/* NCHW per-channel bias: y[s, c, p] += b[c]; db[c] += (real) (double sum over samples and p) */
void zc_cu_bias_chan(cudaStream_t st, int f64, void *y, const void *b, int B, int C, size_t hw);
void zc_cu_bias_chan_grad(cudaStream_t st, int f64, const void *dy, void *db, int B, int C, size_t hw);

/* grad[i] += sum over chunks of partials[k*n + i], and the moments m1/mabs/m2 (NULL: none) */
void zc_cu_reduce_partials(cudaStream_t st, int f64, const void *partials, void *grad, size_t n, int nchunks,
                           double *m1, double *mabs, double *m2);
/* out[u] = sign bits of the first n_samples samples of unit u (values: samples x U) */
void zc_cu_sign_bits(cudaStream_t st, int f64, const void *values, uint64_t *out, size_t U, int n_samples);

#ifdef __cplusplus
}
#endif
#endif
