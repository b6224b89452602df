/* The CUDA backend: its memory (the arena and the tensor mirror in device memory, on one
 * stream per workspace), the device it runs on, and the failures it reports.
 *
 * Each workspace opens its own stream, cuBLAS and cuDNN handles, so `--jobs N` runs N
 * streams side by side; with several devices, workspaces take them in turn.  Kernels are
 * queued without waiting; the host waits only where it reads (copy_out) or hands over
 * memory it may reuse at once (copy_in).
 *
 * Compiled twice: for the GPU (backend "cuda", --with-cuda) and, with ZC_CUDA_EMU, against
 * the host emulation of emu/ (backend "cuda-emu", every build), which runs this code and
 * the kernels on the CPU so that the harness checks them on machines without a GPU. */
#include "config.h"
#include "cuda-backend.h"

gboolean zc_cuda_fail(ZcCuda *cu, const char *what, const char *why) {
  if (!cu->error)
    cu->error = g_error_new(ZC_ERROR, g_str_has_prefix(why, "out of memory") ? ZC_ERROR_NOMEM : ZC_ERROR_FAILED,
                            "CUDA device %d: %s: %s", cu->device, what, why);
  return FALSE;
}

static gboolean probe(GError **error) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n < 1) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "no CUDA device is visible (%s); use backend \"cpu\"",
                e != cudaSuccess ? cudaGetErrorString(e) : "cudaGetDeviceCount found none");
    return FALSE;
  }
  return TRUE;
}

static void close_cuda(ZcBackend *be) {
  ZcCuda *cu = be->priv;
  if (!cu) return;
  cudaSetDevice(cu->device);
  if (cu->stream) cudaStreamSynchronize(cu->stream);
  cudaFree(cu->work);
  cudaFree(cu->bits);
  cudaFree(cu->ptrs);
  if (cu->tx) cudnnDestroyTensorDescriptor(cu->tx);
  if (cu->ty) cudnnDestroyTensorDescriptor(cu->ty);
  if (cu->tw) cudnnDestroyFilterDescriptor(cu->tw);
  if (cu->conv) cudnnDestroyConvolutionDescriptor(cu->conv);
  if (cu->dnn) cudnnDestroy(cu->dnn);
  if (cu->blas) cublasDestroy(cu->blas);
  if (cu->stream) cudaStreamDestroy(cu->stream);
  g_clear_error(&cu->error);
  if (cu->algos) g_hash_table_destroy(cu->algos);
  g_free(cu);
  be->priv = NULL;
}

static gboolean open_cuda(ZcBackend *be, GError **error) {
  if (!probe(error)) return FALSE;
  static gint next_device;
  int n = 1;
  cudaGetDeviceCount(&n);
  ZcCuda *cu = g_new0(ZcCuda, 1);
  be->priv = cu;
  cu->device = g_atomic_int_add(&next_device, 1) % n;
  cu->algos = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  gboolean ok = ZC_CUDA_OK(cu, cudaSetDevice(cu->device)) &&
                ZC_CUDA_OK(cu, cudaStreamCreateWithFlags(&cu->stream, cudaStreamNonBlocking)) &&
                ZC_CUBLAS_OK(cu, cublasCreate(&cu->blas)) && ZC_CUBLAS_OK(cu, cublasSetStream(cu->blas, cu->stream)) &&
                /* plain FP32 products: TF32 would round inputs to 10 mantissa bits */
                ZC_CUBLAS_OK(cu, cublasSetMathMode(cu->blas, CUBLAS_DEFAULT_MATH)) &&
                ZC_CUDNN_OK(cu, cudnnCreate(&cu->dnn)) && ZC_CUDNN_OK(cu, cudnnSetStream(cu->dnn, cu->stream)) &&
                ZC_CUDNN_OK(cu, cudnnCreateTensorDescriptor(&cu->tx)) &&
                ZC_CUDNN_OK(cu, cudnnCreateTensorDescriptor(&cu->ty)) &&
                ZC_CUDNN_OK(cu, cudnnCreateFilterDescriptor(&cu->tw)) &&
                ZC_CUDNN_OK(cu, cudnnCreateConvolutionDescriptor(&cu->conv));
  if (!ok) {
    g_propagate_error(error, cu->error);
    cu->error = NULL;
    close_cuda(be);
    return FALSE;
  }
  return TRUE;
}

static void *dev_alloc(ZcBackend *be, gsize bytes) {
  ZcCuda *cu = be->priv;
  void *p = NULL;
  cudaSetDevice(cu->device);
  cudaStreamSynchronize(cu->stream);   /* the memory it replaces may still be in use */
  if (cudaMalloc(&p, MAX(bytes, 1)) != cudaSuccess) {
    cudaGetLastError();   /* clear the sticky-free error: the caller reports the refusal */
    return NULL;
  }
  return p;
}

static void dev_release(ZcBackend *be, void *mem) {
  ZcCuda *cu = be->priv;
  if (!mem) return;
  cudaSetDevice(cu->device);
  cudaStreamSynchronize(cu->stream);
  cudaFree(mem);
}

static void dev_copy_out(ZcBackend *be, void *host_dst, const void *src, gsize bytes) {
  ZcCuda *cu = be->priv;
  if (!bytes) return;
  cudaSetDevice(cu->device);
  if (ZC_CUDA_OK(cu, cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, cu->stream)))
    ZC_CUDA_OK(cu, cudaStreamSynchronize(cu->stream));
  if (cu->error) memset(host_dst, 0, bytes);   /* never hand out uninitialised bytes */
}

static void dev_copy_in(ZcBackend *be, void *dst, const void *host_src, gsize bytes) {
  ZcCuda *cu = be->priv;
  if (!bytes) return;
  cudaSetDevice(cu->device);
  /* the caller may free or reuse host_src as soon as this returns */
  if (ZC_CUDA_OK(cu, cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, cu->stream)))
    ZC_CUDA_OK(cu, cudaStreamSynchronize(cu->stream));
}

static void dev_zero(ZcBackend *be, void *dst, gsize bytes) {
  ZcCuda *cu = be->priv;
  if (bytes) ZC_CUDA_OK(cu, cudaMemsetAsync(dst, 0, bytes, cu->stream));
}

void *zc_cuda_workspace(ZcCuda *cu, size_t bytes) {
  if (bytes <= cu->work_cap) return cu->work;
  cudaStreamSynchronize(cu->stream);
  cudaFree(cu->work);
  cu->work = NULL;
  cu->work_cap = 0;
  if (!ZC_CUDA_OK(cu, cudaMalloc(&cu->work, bytes))) return NULL;
  cu->work_cap = bytes;
  return cu->work;
}

/* Sign patterns where the values are: U words come back instead of n_samples x U values. */
static void dev_sign_bits(ZcBackend *be, const ZcRun *r, const void *values, gsize units, int n_samples,
                          guint64 *host_out) {
  ZcCuda *cu = be->priv;
  cudaSetDevice(cu->device);
  if (units > cu->bits_cap) {
    cudaStreamSynchronize(cu->stream);
    cudaFree(cu->bits);
    cu->bits = NULL;
    cu->bits_cap = 0;
    if (!ZC_CUDA_OK(cu, cudaMalloc((void **) &cu->bits, units * sizeof(uint64_t)))) {
      memset(host_out, 0, units * sizeof(guint64));
      return;
    }
    cu->bits_cap = units;
  }
  zc_cu_sign_bits(cu->stream, r->net->dtype == ZC_F64, values, cu->bits, units, n_samples);
  ZC_CUDA_OK(cu, cudaGetLastError());
  dev_copy_out(be, host_out, cu->bits, units * sizeof(guint64));
}

/* Wait for the queued work and report the first failure since the last call. */
static gboolean finish(ZcBackend *be, GError **error) {
  ZcCuda *cu = be->priv;
  cudaSetDevice(cu->device);
  ZC_CUDA_OK(cu, cudaGetLastError());   /* a launch that failed */
  ZC_CUDA_OK(cu, cudaStreamSynchronize(cu->stream));
  if (!cu->error) return TRUE;
  g_propagate_error(error, cu->error);
  cu->error = NULL;
  return FALSE;
}

#ifdef ZC_CUDA_EMU
#define NAME "cuda-emu"
#define CACHE_ID "cuda-emu-1"
#else
#define NAME "cuda"
#define CACHE_ID "cuda-1"
#endif
const ZcBackendClass zc_cuda_backend_class = {
  .name = NAME, .cache_id = CACHE_ID, .host_memory = FALSE, .setup = zc_cuda_setup_ops,
  .alloc = dev_alloc, .release = dev_release, .copy_out = dev_copy_out, .copy_in = dev_copy_in, .zero = dev_zero,
  .probe = probe, .open = open_cuda, .close = close_cuda, .sign_bits = dev_sign_bits, .finish = finish,
};
