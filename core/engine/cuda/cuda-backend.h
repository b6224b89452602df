/* zcnas CUDA backend — the C side's private state (backend-cuda.c, ops-cuda.c).
 *
 * The legacy cuDNN convolution API (descriptors, *_v7 heuristics) is marked deprecated in
 * cuDNN 9 in favour of the graph API but is supported throughout 9.x; these files silence
 * that one warning rather than every build's output. */
#ifndef ZC_CUDA_BACKEND_H
#define ZC_CUDA_BACKEND_H
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#ifdef ZC_CUDA_EMU
#include "emu/cuda-emu.h"   /* the same code on the host: the backend cuda-emu */
#else
#include <cuda_runtime.h>
#include <cublas_v2.h>
#include <cudnn.h>
#endif
#include "../engine-impl.h"
#include "cuda-impl.h"

typedef struct {
  int device;
  cudaStream_t stream;          /* every kernel, copy and library call of this workspace */
  cublasHandle_t blas;
  cudnnHandle_t dnn;
  cudnnTensorDescriptor_t tx, ty;
  cudnnFilterDescriptor_t tw;
  cudnnConvolutionDescriptor_t conv;
  void *work;                   /* cuDNN workspace, grows, reused across networks */
  size_t work_cap;
  uint64_t *bits;               /* sign bits on the device */
  size_t bits_cap;
  GHashTable *algos;            /* cuDNN algorithm and workspace size per convolution shape */
  void **ptrs;                  /* pointer arrays of batched products (attention), on the device */
  size_t ptrs_cap;
  GError *error;                /* the first failure since the last zc_cuda_finish */
} ZcCuda;

static inline ZcCuda *zc_cuda(const ZcRun *r) { return r->ws->backend->priv; }

/* Record the first failure (later ones are consequences); TRUE when `ok`. */
gboolean zc_cuda_fail(ZcCuda *cu, const char *what, const char *why);
static inline gboolean zc_cuda_rt(ZcCuda *cu, cudaError_t e, const char *what) {
  return e == cudaSuccess || zc_cuda_fail(cu, what, cudaGetErrorString(e));
}
static inline gboolean zc_cuda_blas(ZcCuda *cu, cublasStatus_t e, const char *what) {
  return e == CUBLAS_STATUS_SUCCESS || zc_cuda_fail(cu, what, cublasGetStatusString(e));
}
static inline gboolean zc_cuda_dnn(ZcCuda *cu, cudnnStatus_t e, const char *what) {
  return e == CUDNN_STATUS_SUCCESS || zc_cuda_fail(cu, what, cudnnGetErrorString(e));
}
#define ZC_CUDA_OK(cu, call) zc_cuda_rt((cu), (call), #call)
#define ZC_CUBLAS_OK(cu, call) zc_cuda_blas((cu), (call), #call)
#define ZC_CUDNN_OK(cu, call) zc_cuda_dnn((cu), (call), #call)

/* A device buffer of at least `bytes` (cuDNN workspace); NULL after recording the failure. */
void *zc_cuda_workspace(ZcCuda *cu, size_t bytes);
/* Patch the device kernels into a table that starts staged (ops-cuda.c). */
void zc_cuda_setup_ops(ZcOpClass *ops);
#endif
