/* cuda-emu: the part of the CUDA runtime, cuBLAS and cuDNN that the CUDA backend calls,
 * implemented on the host (runtime-emu.c), so that the backend's own code -- its C side
 * and its kernels, compiled for the host by kernels-emu.cc -- runs on any machine as the
 * backend "cuda-emu" and is checked by the cross-backend harness, under the sanitizers too.
 *
 * What it cannot check is what only a GPU has: launch configurations (every emulated block
 * runs one thread, in order), races between threads, and the NVIDIA libraries themselves
 * (products are OpenBLAS's, convolutions a direct loop).  Streams are synchronous.
 *
 * Every function is renamed (zc_emu_*) so that a build with the real CUDA backend links
 * both without a clash; the types keep their names (they are not symbols). */
#ifndef ZC_CUDA_EMU_H
#define ZC_CUDA_EMU_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* ---- the backend's own global symbols, renamed in the emulated copy ---- */
#define zc_cuda_fail zc_cuda_emu_fail
#define zc_cuda_workspace zc_cuda_emu_workspace
#define zc_cuda_setup_ops zc_cuda_emu_setup_ops
#define zc_cuda_backend_class zc_cuda_emu_backend_class
#define ZC_CU_RENAME(n) zc_cuemu_##n
#define zc_cu_act_fwd ZC_CU_RENAME(act_fwd)
#define zc_cu_act_bwd ZC_CU_RENAME(act_bwd)
#define zc_cu_accumulate ZC_CU_RENAME(accumulate)
#define zc_cu_block_copy ZC_CU_RENAME(block_copy)
#define zc_cu_bn_fwd ZC_CU_RENAME(bn_fwd)
#define zc_cu_bn_bwd ZC_CU_RENAME(bn_bwd)
#define zc_cu_ln_fwd ZC_CU_RENAME(ln_fwd)
#define zc_cu_ln_bwd ZC_CU_RENAME(ln_bwd)
#define zc_cu_softmax_fwd ZC_CU_RENAME(softmax_fwd)
#define zc_cu_softmax_bwd ZC_CU_RENAME(softmax_bwd)
#define zc_cu_attn_softmax_bwd ZC_CU_RENAME(attn_softmax_bwd)
#define zc_cu_avgpool_fwd ZC_CU_RENAME(avgpool_fwd)
#define zc_cu_avgpool_bwd ZC_CU_RENAME(avgpool_bwd)
#define zc_cu_maxpool_fwd ZC_CU_RENAME(maxpool_fwd)
#define zc_cu_maxpool_bwd ZC_CU_RENAME(maxpool_bwd)
#define zc_cu_gap_fwd ZC_CU_RENAME(gap_fwd)
#define zc_cu_gap_bwd ZC_CU_RENAME(gap_bwd)
#define zc_cu_bias_rows ZC_CU_RENAME(bias_rows)
#define zc_cu_bias_rows_grad ZC_CU_RENAME(bias_rows_grad)
#define zc_cu_bias_chan ZC_CU_RENAME(bias_chan)
#define zc_cu_bias_chan_grad ZC_CU_RENAME(bias_chan_grad)
#define zc_cu_reduce_partials ZC_CU_RENAME(reduce_partials)
#define zc_cu_sign_bits ZC_CU_RENAME(sign_bits)

/* ---- runtime ---- */
typedef struct ZcEmuStream *cudaStream_t;
typedef enum { cudaSuccess = 0, cudaErrorMemoryAllocation = 2, cudaErrorInvalidValue = 1 } cudaError_t;
typedef enum { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3 } cudaMemcpyKind;
#define cudaStreamNonBlocking 1
#define cudaGetDeviceCount zc_emu_cudaGetDeviceCount
#define cudaSetDevice zc_emu_cudaSetDevice
#define cudaStreamCreateWithFlags zc_emu_cudaStreamCreateWithFlags
#define cudaStreamDestroy zc_emu_cudaStreamDestroy
#define cudaStreamSynchronize zc_emu_cudaStreamSynchronize
#define cudaMalloc zc_emu_cudaMalloc
#define cudaFree zc_emu_cudaFree
#define cudaMemcpyAsync zc_emu_cudaMemcpyAsync
#define cudaMemsetAsync zc_emu_cudaMemsetAsync
#define cudaGetLastError zc_emu_cudaGetLastError
#define cudaGetErrorString zc_emu_cudaGetErrorString
cudaError_t cudaGetDeviceCount(int *n);
cudaError_t cudaSetDevice(int d);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaMalloc(void **p, size_t bytes);
cudaError_t cudaFree(void *p);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemsetAsync(void *dst, int value, size_t bytes, cudaStream_t s);
cudaError_t cudaGetLastError(void);
const char *cudaGetErrorString(cudaError_t e);

/* ---- cuBLAS: column-major products ---- */
typedef struct ZcEmuBlas *cublasHandle_t;
typedef enum { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_INVALID_VALUE = 7 } cublasStatus_t;
typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 } cublasOperation_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0 } cublasMath_t;
#define cublasCreate zc_emu_cublasCreate
#define cublasDestroy zc_emu_cublasDestroy
#define cublasSetStream zc_emu_cublasSetStream
#define cublasSetMathMode zc_emu_cublasSetMathMode
#define cublasGetStatusString zc_emu_cublasGetStatusString
#define cublasSgemm zc_emu_cublasSgemm
#define cublasDgemm zc_emu_cublasDgemm
#define cublasSgemmBatched zc_emu_cublasSgemmBatched
#define cublasDgemmBatched zc_emu_cublasDgemmBatched
cublasStatus_t cublasCreate(cublasHandle_t *h);
cublasStatus_t cublasDestroy(cublasHandle_t h);
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s);
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t m);
const char *cublasGetStatusString(cublasStatus_t s);
cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta,
                           float *C, int ldc);
cublasStatus_t cublasDgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double *alpha, const double *A, int lda, const double *B, int ldb, const double *beta,
                           double *C, int ldc);
cublasStatus_t cublasSgemmBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const float *alpha, const float *const A[], int lda, const float *const B[], int ldb,
                                  const float *beta, float *const C[], int ldc, int count);
cublasStatus_t cublasDgemmBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const double *alpha, const double *const A[], int lda, const double *const B[],
                                  int ldb, const double *beta, double *const C[], int ldc, int count);

/* ---- cuDNN: 2-D convolutions in NCHW, the legacy descriptor API ---- */
typedef struct ZcEmuDnn *cudnnHandle_t;
typedef struct ZcEmuTensor *cudnnTensorDescriptor_t;
typedef struct ZcEmuFilter *cudnnFilterDescriptor_t;
typedef struct ZcEmuConv *cudnnConvolutionDescriptor_t;
typedef enum { CUDNN_STATUS_SUCCESS = 0, CUDNN_STATUS_BAD_PARAM = 3 } cudnnStatus_t;
typedef enum { CUDNN_DATA_FLOAT = 0, CUDNN_DATA_DOUBLE = 1 } cudnnDataType_t;
typedef enum { CUDNN_TENSOR_NCHW = 0 } cudnnTensorFormat_t;
typedef enum { CUDNN_CROSS_CORRELATION = 1 } cudnnConvolutionMode_t;
typedef enum { CUDNN_FMA_MATH = 3 } cudnnMathType_t;
typedef enum { CUDNN_NON_DETERMINISTIC = 0, CUDNN_DETERMINISTIC = 1 } cudnnDeterminism_t;
typedef int cudnnConvolutionFwdAlgo_t, cudnnConvolutionBwdDataAlgo_t, cudnnConvolutionBwdFilterAlgo_t;
#define CUDNN_CONVOLUTION_FWD_ALGO_COUNT 1
#define CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT 1
#define CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT 1
typedef struct { int algo; cudnnStatus_t status; float time; size_t memory; cudnnDeterminism_t determinism; } ZcEmuPerf;
typedef ZcEmuPerf cudnnConvolutionFwdAlgoPerf_t, cudnnConvolutionBwdDataAlgoPerf_t, cudnnConvolutionBwdFilterAlgoPerf_t;
#define cudnnCreate zc_emu_cudnnCreate
#define cudnnDestroy zc_emu_cudnnDestroy
#define cudnnSetStream zc_emu_cudnnSetStream
#define cudnnGetErrorString zc_emu_cudnnGetErrorString
#define cudnnCreateTensorDescriptor zc_emu_cudnnCreateTensorDescriptor
#define cudnnDestroyTensorDescriptor zc_emu_cudnnDestroyTensorDescriptor
#define cudnnSetTensor4dDescriptor zc_emu_cudnnSetTensor4dDescriptor
#define cudnnCreateFilterDescriptor zc_emu_cudnnCreateFilterDescriptor
#define cudnnDestroyFilterDescriptor zc_emu_cudnnDestroyFilterDescriptor
#define cudnnSetFilter4dDescriptor zc_emu_cudnnSetFilter4dDescriptor
#define cudnnCreateConvolutionDescriptor zc_emu_cudnnCreateConvolutionDescriptor
#define cudnnDestroyConvolutionDescriptor zc_emu_cudnnDestroyConvolutionDescriptor
#define cudnnSetConvolution2dDescriptor zc_emu_cudnnSetConvolution2dDescriptor
#define cudnnSetConvolutionGroupCount zc_emu_cudnnSetConvolutionGroupCount
#define cudnnSetConvolutionMathType zc_emu_cudnnSetConvolutionMathType
#define cudnnGetConvolutionForwardAlgorithm_v7 zc_emu_cudnnGetConvolutionForwardAlgorithm_v7
#define cudnnGetConvolutionBackwardDataAlgorithm_v7 zc_emu_cudnnGetConvolutionBackwardDataAlgorithm_v7
#define cudnnGetConvolutionBackwardFilterAlgorithm_v7 zc_emu_cudnnGetConvolutionBackwardFilterAlgorithm_v7
#define cudnnGetConvolutionForwardWorkspaceSize zc_emu_cudnnGetConvolutionForwardWorkspaceSize
#define cudnnGetConvolutionBackwardDataWorkspaceSize zc_emu_cudnnGetConvolutionBackwardDataWorkspaceSize
#define cudnnGetConvolutionBackwardFilterWorkspaceSize zc_emu_cudnnGetConvolutionBackwardFilterWorkspaceSize
#define cudnnConvolutionForward zc_emu_cudnnConvolutionForward
#define cudnnConvolutionBackwardData zc_emu_cudnnConvolutionBackwardData
#define cudnnConvolutionBackwardFilter zc_emu_cudnnConvolutionBackwardFilter
cudnnStatus_t cudnnCreate(cudnnHandle_t *h);
cudnnStatus_t cudnnDestroy(cudnnHandle_t h);
cudnnStatus_t cudnnSetStream(cudnnHandle_t h, cudaStream_t s);
const char *cudnnGetErrorString(cudnnStatus_t s);
cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *d);
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d);
cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t f, cudnnDataType_t t, int n,
                                         int c, int h, int w);
cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *d);
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d);
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t t, cudnnTensorFormat_t f, int k,
                                         int c, int h, int w);
cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *d);
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d);
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
                                              int dil_h, int dil_w, cudnnConvolutionMode_t mode, cudnnDataType_t t);
cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups);
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t m);
cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                     cudnnConvolutionDescriptor_t c, cudnnTensorDescriptor_t y, int req,
                                                     int *got, ZcEmuPerf *perf);
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t h, cudnnFilterDescriptor_t w,
                                                          cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                          cudnnTensorDescriptor_t dx, int req, int *got, ZcEmuPerf *perf);
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t x,
                                                            cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                            cudnnFilterDescriptor_t dw, int req, int *got,
                                                            ZcEmuPerf *perf);
cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
                                                      cudnnConvolutionDescriptor_t c, cudnnTensorDescriptor_t y, int algo,
                                                      size_t *bytes);
cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t h, cudnnFilterDescriptor_t w,
                                                           cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                           cudnnTensorDescriptor_t dx, int algo, size_t *bytes);
cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x,
                                                             cudnnTensorDescriptor_t dy, cudnnConvolutionDescriptor_t c,
                                                             cudnnFilterDescriptor_t dw, int algo, size_t *bytes);
cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                      cudnnFilterDescriptor_t wd, const void *w, cudnnConvolutionDescriptor_t cd, int algo,
                                      void *work, size_t work_bytes, const void *beta, cudnnTensorDescriptor_t yd, void *y);
cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t h, const void *alpha, cudnnFilterDescriptor_t wd, const void *w,
                                           cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cd,
                                           int algo, void *work, size_t work_bytes, const void *beta,
                                           cudnnTensorDescriptor_t dxd, void *dx);
cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
                                             cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cd,
                                             int algo, void *work, size_t work_bytes, const void *beta,
                                             cudnnFilterDescriptor_t dwd, void *dw);

#ifdef __cplusplus
}
#endif
#endif
