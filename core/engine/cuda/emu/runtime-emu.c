/* cuda-emu's runtime, cuBLAS and cuDNN (cuda-emu.h): host memory, OpenBLAS products and a
 * direct convolution loop, enough to run the CUDA backend's own code on the CPU.  Calls are
 * synchronous; a shape cuDNN would refuse is refused here too (the output size must be the
 * one the convolution gives), so the backend's descriptors are checked. */
#include "config.h"
#include <string.h>
#include <glib.h>
#include <cblas.h>
#include "cuda-emu.h"

/* ---- runtime ---- */

struct ZcEmuStream { int unused; };
static __thread cudaError_t last_error;

cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : cudaErrorInvalidValue; }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags) { *s = g_new0(struct ZcEmuStream, 1); return cudaSuccess; }
cudaError_t cudaStreamDestroy(cudaStream_t s) { g_free(s); return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t s) { return cudaSuccess; }
cudaError_t cudaMalloc(void **p, size_t bytes) {
  *p = g_try_malloc(bytes ? bytes : 1);
  if (*p) return cudaSuccess;
  return last_error = cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void *p) { g_free(p); return cudaSuccess; }
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s) {
  if (bytes) memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void *dst, int value, size_t bytes, cudaStream_t s) {
  if (bytes) memset(dst, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaGetLastError(void) {
  cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}
const char *cudaGetErrorString(cudaError_t e) {
  switch (e) {
  case cudaSuccess: return "no error";
  case cudaErrorMemoryAllocation: return "out of memory";
  default: return "invalid argument";
  }
}

/* ---- cuBLAS ---- */

struct ZcEmuBlas { int unused; };
cublasStatus_t cublasCreate(cublasHandle_t *h) { *h = g_new0(struct ZcEmuBlas, 1); return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasDestroy(cublasHandle_t h) { g_free(h); return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t m) { return CUBLAS_STATUS_SUCCESS; }
const char *cublasGetStatusString(cublasStatus_t s) {
  return s == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}
static enum CBLAS_TRANSPOSE tr(cublasOperation_t t) { return t == CUBLAS_OP_T ? CblasTrans : CblasNoTrans; }
/* cuBLAS's argument checks: a leading dimension shorter than the stored rows is refused */
static gboolean dims_ok(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, int lda, int ldb, int ldc) {
  return m >= 0 && n >= 0 && k >= 0 && lda >= MAX(1, ta == CUBLAS_OP_N ? m : k) &&
         ldb >= MAX(1, tb == CUBLAS_OP_N ? k : n) && ldc >= MAX(1, m);
}
cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta,
                           float *C, int ldc) {
  if (!dims_ok(ta, tb, m, n, k, lda, ldb, ldc)) return CUBLAS_STATUS_INVALID_VALUE;
  cblas_sgemm(CblasColMajor, tr(ta), tr(tb), m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double *alpha, const double *A, int lda, const double *B, int ldb, const double *beta,
                           double *C, int ldc) {
  if (!dims_ok(ta, tb, m, n, k, lda, ldb, ldc)) return CUBLAS_STATUS_INVALID_VALUE;
  cblas_dgemm(CblasColMajor, tr(ta), tr(tb), m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSgemmBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const float *alpha, const float *const A[], int lda, const float *const B[], int ldb,
                                  const float *beta, float *const C[], int ldc, int count) {
  for (int i = 0; i < count; i++) {
    cublasStatus_t s = cublasSgemm(h, ta, tb, m, n, k, alpha, A[i], lda, B[i], ldb, beta, C[i], ldc);
    if (s != CUBLAS_STATUS_SUCCESS) return s;
  }
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDgemmBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const double *alpha, const double *const A[], int lda, const double *const B[],
                                  int ldb, const double *beta, double *const C[], int ldc, int count) {
  for (int i = 0; i < count; i++) {
    cublasStatus_t s = cublasDgemm(h, ta, tb, m, n, k, alpha, A[i], lda, B[i], ldb, beta, C[i], ldc);
    if (s != CUBLAS_STATUS_SUCCESS) return s;
  }
  return CUBLAS_STATUS_SUCCESS;
}

/* ---- cuDNN ---- */

struct ZcEmuDnn { int unused; };
struct ZcEmuTensor { cudnnDataType_t t; int n, c, h, w; };
struct ZcEmuFilter { cudnnDataType_t t; int k, c, h, w; };
struct ZcEmuConv { int ph, pw, sh, sw, dh, dw, groups; cudnnDataType_t t; };

cudnnStatus_t cudnnCreate(cudnnHandle_t *h) { *h = g_new0(struct ZcEmuDnn, 1); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnDestroy(cudnnHandle_t h) { g_free(h); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnSetStream(cudnnHandle_t h, cudaStream_t s) { return CUDNN_STATUS_SUCCESS; }
const char *cudnnGetErrorString(cudnnStatus_t s) {
  return s == CUDNN_STATUS_SUCCESS ? "CUDNN_STATUS_SUCCESS" : "CUDNN_STATUS_BAD_PARAM";
}
cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *d) { *d = g_new0(struct ZcEmuTensor, 1); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d) { g_free(d); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t f, cudnnDataType_t t, int n,
                                         int c, int h, int w) {
  if (n < 1 || c < 1 || h < 1 || w < 1) return CUDNN_STATUS_BAD_PARAM;
  *d = (struct ZcEmuTensor){t, n, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *d) { *d = g_new0(struct ZcEmuFilter, 1); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d) { g_free(d); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t t, cudnnTensorFormat_t f, int k,
                                         int c, int h, int w) {
  if (k < 1 || c < 1 || h < 1 || w < 1) return CUDNN_STATUS_BAD_PARAM;
  *d = (struct ZcEmuFilter){t, k, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *d) {
  *d = g_new0(struct ZcEmuConv, 1);
  (*d)->groups = 1;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d) { g_free(d); return CUDNN_STATUS_SUCCESS; }
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
                                              int dil_h, int dil_w, cudnnConvolutionMode_t mode, cudnnDataType_t t) {
  if (pad_h < 0 || pad_w < 0 || u < 1 || v < 1 || dil_h < 1 || dil_w < 1) return CUDNN_STATUS_BAD_PARAM;
  int g = d->groups;
  *d = (struct ZcEmuConv){pad_h, pad_w, u, v, dil_h, dil_w, g, t};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups) {
  if (groups < 1) return CUDNN_STATUS_BAD_PARAM;
  d->groups = groups;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t m) { return CUDNN_STATUS_SUCCESS; }

/* The shapes must fit together as cuDNN demands: channels by groups, output size, types. */
static gboolean fits(cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w, cudnnConvolutionDescriptor_t c,
                     cudnnTensorDescriptor_t y) {
  int oh = (x->h + 2 * c->ph - c->dh * (w->h - 1) - 1) / c->sh + 1;
  int ow = (x->w + 2 * c->pw - c->dw * (w->w - 1) - 1) / c->sw + 1;
  return x->n == y->n && x->c == w->c * c->groups && y->c == w->k && w->k % c->groups == 0 && y->h == oh &&
         y->w == ow && x->t == y->t && x->t == w->t && x->t == c->t;
}
static cudnnStatus_t one_algo(gboolean ok, int *got, ZcEmuPerf *perf) {
  if (!ok) return CUDNN_STATUS_BAD_PARAM;
  *got = 1;
  perf[0] = (ZcEmuPerf){0, CUDNN_STATUS_SUCCESS, 0, 0, CUDNN_DETERMINISTIC};
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                     cudnnConvolutionDescriptor_t c, cudnnTensorDescriptor_t y, int req,
                                                     int *got, ZcEmuPerf *perf) {
  return one_algo(fits(x, w, c, y), got, perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t h, cudnnFilterDescriptor_t w,
                                                          cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                          cudnnTensorDescriptor_t dx, int req, int *got, ZcEmuPerf *perf) {
  return one_algo(fits(dx, w, c, dy), got, perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x,
                                                            cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                            cudnnFilterDescriptor_t dw, int req, int *got,
                                                            ZcEmuPerf *perf) {
  return one_algo(fits(x, dw, c, dy), got, perf);
}
cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                      cudnnConvolutionDescriptor_t c, cudnnTensorDescriptor_t y, int algo,
                                                      size_t *bytes) {
  *bytes = 0;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t h, cudnnFilterDescriptor_t w,
                                                           cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                           cudnnTensorDescriptor_t dx, int algo, size_t *bytes) {
  *bytes = 0;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x,
                                                             cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                             cudnnFilterDescriptor_t dw, int algo, size_t *bytes) {
  *bytes = 0;
  return CUDNN_STATUS_SUCCESS;
}

/* One loop for the three products: every (sample, output channel, output position, input
 * channel of the group, tap) term x * w meets dy there.  mode 0: y += x*w, 1: dx += dy*w,
 * 2: dw += x*dy; accumulated in double into a zeroed buffer, then out = alpha*acc + beta*out. */
static double get(cudnnDataType_t t, const void *p, size_t i) { return t == CUDNN_DATA_DOUBLE ? ((const double *) p)[i] : ((const float *) p)[i]; }
static void finish(cudnnDataType_t t, void *out, const double *acc, size_t n, const void *alpha, const void *beta) {
  double a = get(t, alpha, 0), b = get(t, beta, 0);
  for (size_t i = 0; i < n; i++) {
    double v = a * acc[i] + (b != 0 ? b * get(t, out, i) : 0);
    if (t == CUDNN_DATA_DOUBLE) ((double *) out)[i] = v;
    else ((float *) out)[i] = (float) v;
  }
}
static void conv_loop(int mode, cudnnTensorDescriptor_t xd, const void *x, cudnnFilterDescriptor_t wd, const void *w,
                      cudnnConvolutionDescriptor_t c, cudnnTensorDescriptor_t yd, const void *y, double *acc) {
  const cudnnDataType_t t = xd->t;
  const int Kg = wd->k / c->groups, Cg = wd->c;
  for (int n = 0; n < xd->n; n++)
    for (int k = 0; k < wd->k; k++) {
      int g = k / Kg;
      for (int oh = 0; oh < yd->h; oh++)
        for (int ow = 0; ow < yd->w; ow++) {
          size_t yi = (((size_t) n * yd->c + k) * yd->h + oh) * yd->w + ow;
          double yv = mode == 0 ? 0 : get(t, y, yi);
          for (int ci = 0; ci < Cg; ci++)
            for (int i = 0; i < wd->h; i++) {
              int ih = oh * c->sh - c->ph + i * c->dh;
              if (ih < 0 || ih >= xd->h) continue;
              for (int j = 0; j < wd->w; j++) {
                int iw = ow * c->sw - c->pw + j * c->dw;
                if (iw < 0 || iw >= xd->w) continue;
                size_t xi = (((size_t) n * xd->c + g * Cg + ci) * xd->h + ih) * xd->w + iw;
                size_t wi = (((size_t) k * Cg + ci) * wd->h + i) * wd->w + j;
                if (mode == 0) yv += get(t, x, xi) * get(t, w, wi);
                else if (mode == 1) acc[xi] += yv * get(t, w, wi);
                else acc[wi] += get(t, x, xi) * yv;
              }
            }
          if (mode == 0) acc[yi] = yv;
        }
    }
}
static size_t tensor_n(cudnnTensorDescriptor_t d) { return (size_t) d->n * d->c * d->h * d->w; }
static size_t filter_n(cudnnFilterDescriptor_t d) { return (size_t) d->k * d->c * d->h * d->w; }

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                      cudnnFilterDescriptor_t wd, const void *w, cudnnConvolutionDescriptor_t cd, int algo,
                                      void *work, size_t work_bytes, const void *beta, cudnnTensorDescriptor_t yd, void *y) {
  if (!fits(xd, wd, cd, yd)) return CUDNN_STATUS_BAD_PARAM;
  double *acc = g_new0(double, tensor_n(yd));
  conv_loop(0, xd, x, wd, w, cd, yd, NULL, acc);
  finish(xd->t, y, acc, tensor_n(yd), alpha, beta);
  g_free(acc);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t h, const void *alpha, cudnnFilterDescriptor_t wd, const void *w,
                                           cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cd,
                                           int algo, void *work, size_t work_bytes, const void *beta,
                                           cudnnTensorDescriptor_t dxd, void *dx) {
  if (!fits(dxd, wd, cd, dyd)) return CUDNN_STATUS_BAD_PARAM;
  double *acc = g_new0(double, tensor_n(dxd));
  conv_loop(1, dxd, NULL, wd, w, cd, dyd, dy, acc);
  finish(dxd->t, dx, acc, tensor_n(dxd), alpha, beta);
  g_free(acc);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                             cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cd,
                                             int algo, void *work, size_t work_bytes, const void *beta,
                                             cudnnFilterDescriptor_t dwd, void *dw) {
  if (!fits(xd, dwd, cd, dyd)) return CUDNN_STATUS_BAD_PARAM;
  double *acc = g_new0(double, filter_n(dwd));
  conv_loop(2, xd, x, dwd, NULL, cd, dyd, dy, acc);
  finish(xd->t, dw, acc, filter_n(dwd), alpha, beta);
  g_free(acc);
  return CUDNN_STATUS_SUCCESS;
}
