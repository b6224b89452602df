/* The CUDA backend's op table: cuDNN for convolutions, cuBLAS for linear layers, zcnas's own
 * kernels (kernels.cu) for normalisation, activations, pooling, biases, gradient moments.
 * Ops not listed in zc_cuda_setup_ops run staged (device.c): correct, with a host round
 * trip, which is why the ops of the shipped spaces' hot paths are all here.
 *
 * Each kernel reads the same node attributes as its reference twin (ops-*.inc): arena
 * offsets from the plan, parameters from the device mirror (zc_dev_param).  Weight
 * gradients in moments mode are computed per chunk of samples into the run's partials and
 * reduced in chunk order with the moments, as the reference does. */
#include "config.h"
#include <math.h>
#include "cuda-backend.h"

#define F64(r) ((r)->net->dtype == ZC_F64)
#define DT(r) (F64(r) ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT)

/* dL/d(node j) to add into, zeroed on the device if nothing has written it yet. */
static void *grad_acc(ZcRun *r, int j) {
  void *g = zc_run_grad(r, j);
  if (r->grad_fresh[j]) {
    ZC_CUDA_OK(zc_cuda(r), cudaMemsetAsync(g, 0, zc_node(r->net, j)->numel * r->batch * r->net->esz, zc_cuda(r)->stream));
    r->grad_fresh[j] = 0;
  }
  return g;
}
static gsize elems(const ZcRun *r, const ZcNode *n) { return n->numel * r->batch; }
static void launched(ZcRun *r) { ZC_CUDA_OK(zc_cuda(r), cudaGetLastError()); }

/* ---- element-wise ---- */

static int act_kind(ZcOp op) {
  switch (op) {
  case ZC_OP_RELU: return ZC_CU_RELU;
  case ZC_OP_GELU: return ZC_CU_GELU;
  case ZC_OP_LEAKY_RELU: return ZC_CU_LEAKY;
  case ZC_OP_TANH: return ZC_CU_TANH;
  default: return ZC_CU_SIGMOID;
  }
}
static double act_slope(const ZcNode *n) { return n->op == ZC_OP_LEAKY_RELU ? ((const ZcLeakyAttr *) n->attr)->slope : 0; }

static void act_fwd(ZcRun *r, const ZcNode *n) {
  zc_cu_act_fwd(zc_cuda(r)->stream, F64(r), act_kind(n->op), zc_run_val(r, n->in[0]), zc_run_val(r, n->id),
                elems(r, n), act_slope(n));
  launched(r);
}
static void act_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  gboolean assign;
  void *dx = zc_run_grad_out(r, n->in[0], &assign);
  zc_cu_act_bwd(zc_cuda(r)->stream, F64(r), act_kind(n->op), zc_run_val(r, n->in[0]), zc_run_val(r, n->id),
                zc_run_grad(r, n->id), dx, elems(r, n), act_slope(n), assign);
  launched(r);
}

static void add_fwd(ZcRun *r, const ZcNode *n) {
  for (int i = 0; i < n->n_in; i++)
    zc_cu_accumulate(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->id), zc_run_val(r, n->in[i]), elems(r, n), i == 0);
  launched(r);
}
/* add, identity and flatten: every input's gradient is dy */
static void pass_bwd(ZcRun *r, const ZcNode *n) {
  for (int i = 0; i < n->n_in; i++) {
    if (!r->need_grad[n->in[i]]) continue;
    gboolean assign;
    void *dx = zc_run_grad_out(r, n->in[i], &assign);
    zc_cu_accumulate(zc_cuda(r)->stream, F64(r), dx, zc_run_grad(r, n->id), elems(r, n), assign);
  }
  launched(r);
}
static void copy_fwd(ZcRun *r, const ZcNode *n) {
  ZC_CUDA_OK(zc_cuda(r), cudaMemcpyAsync(zc_run_val(r, n->id), zc_run_val(r, n->in[0]), elems(r, n) * r->net->esz,
                                         cudaMemcpyDeviceToDevice, zc_cuda(r)->stream));
}
static void zero_fwd(ZcRun *r, const ZcNode *n) {
  ZC_CUDA_OK(zc_cuda(r), cudaMemsetAsync(zc_run_val(r, n->id), 0, elems(r, n) * r->net->esz, zc_cuda(r)->stream));
}

/* concat and slice along the per-sample tensor (channels first): blocks of rows = samples */
static void concat_fwd(ZcRun *r, const ZcNode *n) {
  const gsize esz = r->net->esz;
  guint8 *y = zc_run_val(r, n->id);
  for (int i = 0; i < n->n_in; i++) {
    gsize m = zc_node(r->net, n->in[i])->numel;
    zc_cu_block_copy(zc_cuda(r)->stream, F64(r), y, n->numel, zc_run_val(r, n->in[i]), m, m, r->batch, 0);
    y += m * esz;
  }
  launched(r);
}
static void concat_bwd(ZcRun *r, const ZcNode *n) {
  const gsize esz = r->net->esz;
  const guint8 *dy = zc_run_grad(r, n->id);
  for (int i = 0; i < n->n_in; i++) {
    gsize m = zc_node(r->net, n->in[i])->numel;
    if (r->need_grad[n->in[i]])
      zc_cu_block_copy(zc_cuda(r)->stream, F64(r), grad_acc(r, n->in[i]), m, dy, n->numel, m, r->batch, 1);
    dy += m * esz;
  }
  launched(r);
}
static void slice_fwd(ZcRun *r, const ZcNode *n) {
  const ZcSliceAttr *a = n->attr;
  const ZcNode *in = zc_node(r->net, n->in[0]);
  const guint8 *x = zc_run_val(r, in->id);
  zc_cu_block_copy(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->id), n->numel,
                   x + a->start * (n->numel / a->len) * r->net->esz, in->numel, n->numel, r->batch, 0);
  launched(r);
}
static void slice_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  const ZcSliceAttr *a = n->attr;
  const ZcNode *in = zc_node(r->net, n->in[0]);
  guint8 *dx = grad_acc(r, in->id);
  zc_cu_block_copy(zc_cuda(r)->stream, F64(r), dx + a->start * (n->numel / a->len) * r->net->esz, in->numel,
                   zc_run_grad(r, n->id), n->numel, n->numel, r->batch, 1);
  launched(r);
}

/* ---- pooling ---- */

typedef struct { gsize planes; int H, W, Ho, Wo; } Planes;
static Planes planes_of(const ZcRun *r, const ZcNode *n) {
  const ZcNode *in = zc_node(r->net, n->in[0]);
  return (Planes){(gsize) r->batch * in->shape.dims[0], in->shape.dims[1], in->shape.dims[2], n->shape.dims[1],
                  n->shape.dims[2]};
}
static void pool_fwd(ZcRun *r, const ZcNode *n) {
  const ZcPoolAttr *a = n->attr;
  Planes p = planes_of(r, n);
  if (n->op == ZC_OP_AVGPOOL)
    zc_cu_avgpool_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_val(r, n->id), p.planes, p.H, p.W,
                      p.Ho, p.Wo, a->k, a->stride, a->pad, a->cip);
  else
    zc_cu_maxpool_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_val(r, n->id), p.planes, p.H, p.W,
                      p.Ho, p.Wo, a->k, a->stride, a->pad);
  launched(r);
}
static void pool_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  const ZcPoolAttr *a = n->attr;
  Planes p = planes_of(r, n);
  void *dx = grad_acc(r, n->in[0]);
  if (n->op == ZC_OP_AVGPOOL)
    zc_cu_avgpool_bwd(zc_cuda(r)->stream, F64(r), zc_run_grad(r, n->id), dx, p.planes, p.H, p.W, p.Ho, p.Wo, a->k,
                      a->stride, a->pad, a->cip);
  else
    zc_cu_maxpool_bwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_grad(r, n->id), dx, p.planes, p.H,
                      p.W, p.Ho, p.Wo, a->k, a->stride, a->pad);
  launched(r);
}
static void gap_fwd(ZcRun *r, const ZcNode *n) {
  const ZcNode *in = zc_node(r->net, n->in[0]);
  zc_cu_gap_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, in->id), zc_run_val(r, n->id), elems(r, n),
                in->numel / n->numel);
  launched(r);
}
static void gap_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  const ZcNode *in = zc_node(r->net, n->in[0]);
  zc_cu_gap_bwd(zc_cuda(r)->stream, F64(r), zc_run_grad(r, n->id), grad_acc(r, in->id), elems(r, n),
                in->numel / n->numel);
  launched(r);
}

/* ---- normalisation ---- */

static void bn_fwd(ZcRun *r, const ZcNode *n) {
  const ZcBnAttr *a = n->attr;
  if (r->bn_mode == ZC_BN_OFF) { copy_fwd(r, n); return; }
  double *rm, *rv;
  zc_dev_bn_running(r, n->id, &rm, &rv);
  zc_cu_bn_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_val(r, n->id), zc_run_aux(r, n->id),
               a->affine ? zc_dev_param(r, a->gamma, FALSE) : NULL, a->affine ? zc_dev_param(r, a->beta, FALSE) : NULL,
               rm, rv, r->batch, a->C, n->numel / a->C, r->bn_groups, r->bn_mode == ZC_BN_BATCH ? 0 : 1, r->bn_update,
               a->eps, a->momentum);
  launched(r);
}
static void bn_bwd(ZcRun *r, const ZcNode *n) {
  const ZcBnAttr *a = n->attr;
  if (r->bn_mode == ZC_BN_OFF) { pass_bwd(r, n); return; }
  gboolean assign = FALSE;
  void *dx = r->need_grad[n->in[0]] ? zc_run_grad_out(r, n->in[0], &assign) : NULL;
  gboolean pg = a->affine && r->param_grads;
  zc_cu_bn_bwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_grad(r, n->id), dx, zc_run_aux(r, n->id),
               a->affine ? zc_dev_param(r, a->gamma, FALSE) : NULL, pg ? zc_dev_param(r, a->gamma, TRUE) : NULL,
               pg ? zc_dev_param(r, a->beta, TRUE) : NULL, r->batch, a->C, n->numel / a->C, r->bn_groups,
               r->bn_mode == ZC_BN_BATCH ? 0 : 1, assign);
  launched(r);
}
static void ln_fwd(ZcRun *r, const ZcNode *n) {
  const ZcLnAttr *a = n->attr;
  zc_cu_ln_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_val(r, n->id), zc_run_aux(r, n->id),
               a->affine ? zc_dev_param(r, a->gamma, FALSE) : NULL, a->affine ? zc_dev_param(r, a->beta, FALSE) : NULL,
               elems(r, n) / a->C, a->C, a->eps);
  launched(r);
}
static void ln_bwd(ZcRun *r, const ZcNode *n) {
  const ZcLnAttr *a = n->attr;
  gboolean pg = a->affine && r->param_grads;
  void *dx = r->need_grad[n->in[0]] ? grad_acc(r, n->in[0]) : NULL;
  if (!dx && !pg) return;
  zc_cu_ln_bwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_grad(r, n->id), dx, zc_run_aux(r, n->id),
               a->affine ? zc_dev_param(r, a->gamma, FALSE) : NULL, pg ? zc_dev_param(r, a->gamma, TRUE) : NULL,
               pg ? zc_dev_param(r, a->beta, TRUE) : NULL, elems(r, n) / a->C, a->C);
  launched(r);
}
static void softmax_fwd(ZcRun *r, const ZcNode *n) {
  int C = n->shape.dims[n->shape.ndim - 1];
  zc_cu_softmax_fwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->in[0]), zc_run_val(r, n->id), elems(r, n) / C, C);
  launched(r);
}
static void softmax_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  int C = n->shape.dims[n->shape.ndim - 1];
  zc_cu_softmax_bwd(zc_cuda(r)->stream, F64(r), zc_run_val(r, n->id), zc_run_grad(r, n->id), grad_acc(r, n->in[0]),
                    elems(r, n) / C, C);
  launched(r);
}

/* ---- weight gradients: one product into the gradient, or per chunk with the moments ---- */

/* Sum the chunk partials written by `chunk_fn` into the weight gradient (and moments). */
static void reduce_weight(ZcRun *r, const ZcNode *n, int w) {
  double *m1, *ma, *m2;
  zc_dev_moments(r, n->id, &m1, &ma, &m2);
  zc_cu_reduce_partials(zc_cuda(r)->stream, F64(r), r->partials, zc_dev_param(r, w, TRUE), zc_param(r->net, w)->numel,
                        r->nchunks, m1, ma, m2);
  launched(r);
}

/* ---- linear (cuBLAS, column-major view of row-major tensors) ---- */

static gboolean gemm(ZcRun *r, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const void *A, int lda,
                     const void *B, int ldb, double beta, void *C, int ldc) {
  ZcCuda *cu = zc_cuda(r);
  if (F64(r)) {
    const double one = 1;
    return ZC_CUBLAS_OK(cu, cublasDgemm(cu->blas, ta, tb, m, n, k, &one, A, lda, B, ldb, &beta, C, ldc));
  }
  const float one = 1, b = (float) beta;
  return ZC_CUBLAS_OK(cu, cublasSgemm(cu->blas, ta, tb, m, n, k, &one, A, lda, B, ldb, &b, C, ldc));
}

static void linear_fwd(ZcRun *r, const ZcNode *n) {
  const ZcLinearAttr *a = n->attr;
  gsize rows = elems(r, n) / a->out_f;
  void *y = zc_run_val(r, n->id);
  /* y (rows x out) = x (rows x in) W^T */
  gemm(r, CUBLAS_OP_T, CUBLAS_OP_N, a->out_f, (int) rows, a->in_f, zc_dev_param(r, a->w, FALSE), a->in_f,
       zc_run_val(r, n->in[0]), a->in_f, 0, y, a->out_f);
  if (a->b >= 0) zc_cu_bias_rows(zc_cuda(r)->stream, F64(r), y, zc_dev_param(r, a->b, FALSE), rows, a->out_f);
  launched(r);
}

static void linear_bwd(ZcRun *r, const ZcNode *n) {
  const ZcLinearAttr *a = n->attr;
  const gsize rps = zc_node(r->net, n->in[0])->numel / a->in_f, rows = rps * r->batch, esz = r->net->esz;
  const guint8 *x = zc_run_val(r, n->in[0]), *dy = zc_run_grad(r, n->id);
  if (r->need_grad[n->in[0]]) {   /* dx (rows x in) = dy (rows x out) W */
    gboolean assign;
    void *dx = zc_run_grad_out(r, n->in[0], &assign);
    gemm(r, CUBLAS_OP_N, CUBLAS_OP_N, a->in_f, (int) rows, a->out_f, zc_dev_param(r, a->w, FALSE), a->in_f, dy,
         a->out_f, assign ? 0 : 1, dx, a->in_f);
  }
  if (!r->param_grads) return;
  /* dW (out x in) += dy^T x, per chunk of samples when the moments are wanted */
  if (!r->moments) {
    gemm(r, CUBLAS_OP_N, CUBLAS_OP_T, a->in_f, a->out_f, (int) rows, x, a->in_f, dy, a->out_f, 1,
         zc_dev_param(r, a->w, TRUE), a->in_f);
  } else {
    const gsize wn = (gsize) a->out_f * a->in_f;
    for (int c = 0; c < r->nchunks; c++) {
      gsize r0 = r->chunk0[c] * rps, r1 = r->chunk0[c + 1] * rps;
      void *part = r->partials + c * wn * esz;
      if (r1 == r0) ZC_CUDA_OK(zc_cuda(r), cudaMemsetAsync(part, 0, wn * esz, zc_cuda(r)->stream));
      else
        gemm(r, CUBLAS_OP_N, CUBLAS_OP_T, a->in_f, a->out_f, (int) (r1 - r0), x + r0 * a->in_f * esz, a->in_f,
             dy + r0 * a->out_f * esz, a->out_f, 0, part, a->in_f);
    }
    reduce_weight(r, n, a->w);
  }
  if (a->b >= 0) zc_cu_bias_rows_grad(zc_cuda(r)->stream, F64(r), dy, zc_dev_param(r, a->b, TRUE), rows, a->out_f);
  launched(r);
}

/* ---- attention core (cuBLAS batched products over (sample, head)) ----
 * qkv per sample: T rows of [q | k | v], each H heads of D; P = softmax(scale Q K^T) is kept
 * in aux; O = P V.  Row-major products as column-major ones of the transposes. */

/* Upload n_sets arrays of B*H pointers (base_k + sample * stride_k + head * hstep_k). */
static void **ptr_arrays(ZcRun *r, int n_sets, guint8 *const *base, const gsize *stride, const gsize *hstep, int H) {
  ZcCuda *cu = zc_cuda(r);
  gsize BH = (gsize) r->batch * H, need = BH * n_sets;
  if (need > cu->ptrs_cap) {
    cudaStreamSynchronize(cu->stream);
    cudaFree(cu->ptrs);
    cu->ptrs = NULL;
    cu->ptrs_cap = 0;
    if (!ZC_CUDA_OK(cu, cudaMalloc((void **) &cu->ptrs, need * sizeof(void *)))) return NULL;
    cu->ptrs_cap = need;
  }
  void **host = g_new(void *, need);
  for (int k = 0; k < n_sets; k++)
    for (gsize b = 0; b < BH; b++) host[k * BH + b] = base[k] + (b / H) * stride[k] + (b % H) * hstep[k];
  /* stream-ordered after the products that read the previous arrays */
  r->ws->backend->klass->copy_in(r->ws->backend, cu->ptrs, host, need * sizeof(void *));
  g_free(host);
  return cu->ptrs;
}

static void gemm_batched(ZcRun *r, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, double alpha,
                         void **A, int lda, void **B, int ldb, double beta, void **C, int ldc, int count) {
  ZcCuda *cu = zc_cuda(r);
  if (F64(r)) {
    ZC_CUBLAS_OK(cu, cublasDgemmBatched(cu->blas, ta, tb, m, n, k, &alpha, (const double *const *) A, lda,
                                        (const double *const *) B, ldb, &beta, (double *const *) C, ldc, count));
  } else {
    const float a = (float) alpha, b = (float) beta;
    ZC_CUBLAS_OK(cu, cublasSgemmBatched(cu->blas, ta, tb, m, n, k, &a, (const float *const *) A, lda,
                                        (const float *const *) B, ldb, &b, (float *const *) C, ldc, count));
  }
}

static void attn_fwd(ZcRun *r, const ZcNode *n) {
  const ZcAttnAttr *a = n->attr;
  const int H = a->heads, D = a->hd, T = n->shape.dims[0], HD = H * D, ld = 3 * HD, BH = r->batch * H;
  const gsize esz = r->net->esz;
  guint8 *qkv = zc_run_val(r, n->in[0]), *P = zc_run_aux(r, n->id), *O = zc_run_val(r, n->id);
  const double scale = 1.0 / sqrt((double) D);
  /* P = scale Q K^T: column-major P^T = K Q^T */
  guint8 *b1[] = {qkv + HD * esz, qkv, P};
  gsize s1[] = {(gsize) T * ld * esz, (gsize) T * ld * esz, (gsize) H * T * T * esz};
  gsize h1[] = {D * esz, D * esz, (gsize) T * T * esz};
  void **p = ptr_arrays(r, 3, b1, s1, h1, H);
  if (!p) return;
  gemm_batched(r, CUBLAS_OP_T, CUBLAS_OP_N, T, T, D, F64(r) ? scale : (float) scale, p, ld, p + BH, ld, 0, p + 2 * BH,
               T, BH);
  zc_cu_softmax_fwd(zc_cuda(r)->stream, F64(r), P, P, (gsize) BH * T, T);
  /* O = P V: O^T = V^T P^T */
  guint8 *b2[] = {qkv + 2 * HD * esz, P, O};
  gsize s2[] = {(gsize) T * ld * esz, (gsize) H * T * T * esz, (gsize) T * HD * esz};
  gsize h2[] = {D * esz, (gsize) T * T * esz, D * esz};
  if (!(p = ptr_arrays(r, 3, b2, s2, h2, H))) return;
  gemm_batched(r, CUBLAS_OP_N, CUBLAS_OP_N, D, T, T, 1, p, ld, p + BH, T, 0, p + 2 * BH, HD, BH);
  launched(r);
}

static void attn_bwd(ZcRun *r, const ZcNode *n) {
  if (!r->need_grad[n->in[0]]) return;
  const ZcAttnAttr *a = n->attr;
  const int H = a->heads, D = a->hd, T = n->shape.dims[0], HD = H * D, ld = 3 * HD, BH = r->batch * H;
  const gsize esz = r->net->esz, sq = (gsize) T * ld * esz, sp = (gsize) H * T * T * esz, so = (gsize) T * HD * esz;
  const gsize hp = (gsize) T * T * esz, hd = D * esz;
  guint8 *qkv = zc_run_val(r, n->in[0]), *P = zc_run_aux(r, n->id), *dO = zc_run_grad(r, n->id);
  guint8 *dqkv = grad_acc(r, n->in[0]);
  guint8 *dP = zc_cuda_workspace(zc_cuda(r), (gsize) BH * T * T * esz);
  if (!dP) return;
  const double scale = 1.0 / sqrt((double) D), sc = F64(r) ? scale : (float) scale;
  /* arrays: q k v dq dk dv P dP dO */
  guint8 *b[] = {qkv, qkv + HD * esz, qkv + 2 * HD * esz, dqkv, dqkv + HD * esz, dqkv + 2 * HD * esz, P, dP, dO};
  gsize s[] = {sq, sq, sq, sq, sq, sq, sp, sp, so};
  gsize h[] = {hd, hd, hd, hd, hd, hd, hp, hp, hd};
  void **p = ptr_arrays(r, 9, b, s, h, H);
  if (!p) return;
  void **q = p, **k = p + BH, **v = p + 2 * BH, **dq = p + 3 * BH, **dk = p + 4 * BH, **dv = p + 5 * BH,
       **pp = p + 6 * BH, **dp = p + 7 * BH, **dout = p + 8 * BH;
  /* dP = dO V^T: dP^T = V dO^T */
  gemm_batched(r, CUBLAS_OP_T, CUBLAS_OP_N, T, T, D, 1, v, ld, dout, HD, 0, dp, T, BH);
  /* dV += P^T dO: dV^T = dO^T P */
  gemm_batched(r, CUBLAS_OP_N, CUBLAS_OP_T, D, T, T, 1, dout, HD, pp, T, 1, dv, ld, BH);
  zc_cu_attn_softmax_bwd(zc_cuda(r)->stream, F64(r), P, dP, (gsize) BH * T, T);
  /* dQ += scale dS K: dQ^T = K^T dS^T;  dK += scale dS^T Q: dK^T = Q^T dS */
  gemm_batched(r, CUBLAS_OP_N, CUBLAS_OP_N, D, T, T, sc, k, ld, dp, T, 1, dq, ld, BH);
  gemm_batched(r, CUBLAS_OP_N, CUBLAS_OP_T, D, T, T, sc, q, ld, dp, T, 1, dk, ld, BH);
  launched(r);
}

/* ---- convolution (cuDNN) ----
 * Described as the conv of the attr: input u (in_c, in_h, in_w) -> output v (out_channels,
 * out_h, out_w).  A transposed conv is that conv's adjoint: its input is v, its output u. */

static gboolean describe(ZcRun *r, const ZcConvAttr *a, int batch) {
  ZcCuda *cu = zc_cuda(r);
  cudnnDataType_t dt = DT(r);
  const ZcConvSpec *s = &a->s;
  return ZC_CUDNN_OK(cu, cudnnSetTensor4dDescriptor(cu->tx, CUDNN_TENSOR_NCHW, dt, batch, a->in_c, a->in_h, a->in_w)) &&
         ZC_CUDNN_OK(cu, cudnnSetTensor4dDescriptor(cu->ty, CUDNN_TENSOR_NCHW, dt, batch, s->out_channels, a->out_h,
                                                    a->out_w)) &&
         ZC_CUDNN_OK(cu, cudnnSetFilter4dDescriptor(cu->tw, dt, CUDNN_TENSOR_NCHW, s->out_channels, a->in_c / s->groups,
                                                    s->kh, s->kw)) &&
         ZC_CUDNN_OK(cu, cudnnSetConvolution2dDescriptor(cu->conv, s->pad_h, s->pad_w, s->stride_h, s->stride_w,
                                                         s->dil_h, s->dil_w, CUDNN_CROSS_CORRELATION, dt)) &&
         ZC_CUDNN_OK(cu, cudnnSetConvolutionGroupCount(cu->conv, s->groups)) &&
         /* plain FP32 (or FP64) arithmetic: no TF32 */
         ZC_CUDNN_OK(cu, cudnnSetConvolutionMathType(cu->conv, CUDNN_FMA_MATH));
}

/* The heuristics' first deterministic algorithm whose workspace can be had, asked once per
 * shape: the choice is kept per workspace (a search space repeats a few shapes). */
typedef struct { int algo; size_t bytes; } AlgoChoice;
static char *algo_key(const ZcRun *r, const char *kind, const ZcConvAttr *a, int batch) {
  const ZcConvSpec *s = &a->s;
  return g_strdup_printf("%s %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", kind, F64(r), batch, a->in_c, a->in_h,
                         a->in_w, s->out_channels, a->out_h, a->out_w, s->kh, s->kw, s->stride_h, s->stride_w, s->pad_h,
                         s->pad_w, s->dil_h, s->dil_w, s->groups);
}
#define PICK(kind, AlgoT, PerfT, COUNT, getter, wsize, ...)                                              \
  static gboolean pick_##kind(ZcRun *r, const ZcConvAttr *a, int batch, AlgoT *algo, void **work,        \
                              size_t *work_bytes) {                                                      \
    ZcCuda *cu = zc_cuda(r);                                                                            \
    char *key = algo_key(r, #kind, a, batch);                                                           \
    AlgoChoice *c = g_hash_table_lookup(cu->algos, key);                                                \
    if (!c) {                                                                                           \
      PerfT perf[COUNT];                                                                                \
      int got = 0;                                                                                      \
      if (!ZC_CUDNN_OK(cu, getter(cu->dnn, __VA_ARGS__, COUNT, &got, perf))) { g_free(key); return FALSE; } \
      for (int i = 0; i < got && !c; i++) {                                                             \
        size_t need = 0;                                                                                \
        if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].determinism != CUDNN_DETERMINISTIC ||     \
            wsize(cu->dnn, __VA_ARGS__, perf[i].algo, &need) != CUDNN_STATUS_SUCCESS)                   \
          continue;                                                                                     \
        c = g_new(AlgoChoice, 1);                                                                       \
        *c = (AlgoChoice){(int) perf[i].algo, need};                                                    \
      }                                                                                                 \
      if (!c) { g_free(key); return zc_cuda_fail(cu, #getter, "no deterministic algorithm for this shape"); } \
      g_hash_table_insert(cu->algos, key, c);                                                           \
    } else {                                                                                            \
      g_free(key);                                                                                      \
    }                                                                                                   \
    void *w = zc_cuda_workspace(cu, c->bytes);                                                          \
    if (c->bytes && !w) return FALSE;                                                                   \
    *algo = (AlgoT) c->algo; *work = w; *work_bytes = c->bytes;                                         \
    return TRUE;                                                                                        \
  }
PICK(fwd, cudnnConvolutionFwdAlgo_t, cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
     cudnnGetConvolutionForwardAlgorithm_v7, cudnnGetConvolutionForwardWorkspaceSize, cu->tx, cu->tw, cu->conv, cu->ty)
PICK(bwd_data, cudnnConvolutionBwdDataAlgo_t, cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
     cudnnGetConvolutionBackwardDataAlgorithm_v7, cudnnGetConvolutionBackwardDataWorkspaceSize, cu->tw, cu->ty,
     cu->conv, cu->tx)
PICK(bwd_filter, cudnnConvolutionBwdFilterAlgo_t, cudnnConvolutionBwdFilterAlgoPerf_t,
     CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, cudnnGetConvolutionBackwardFilterAlgorithm_v7,
     cudnnGetConvolutionBackwardFilterWorkspaceSize, cu->tx, cu->ty, cu->conv, cu->tw)

/* cuDNN's alpha/beta are double for double data, float otherwise. */
typedef union { float f; double d; } Scale;
static const void *scale(const ZcRun *r, Scale *s, double v) {
  if (F64(r)) s->d = v; else s->f = (float) v;
  return s;
}

/* v = conv(u) (beta: 0 overwrite, 1 add) */
static void conv_apply(ZcRun *r, const ZcConvAttr *a, int batch, const void *u, const void *w, void *v, double beta) {
  ZcCuda *cu = zc_cuda(r);
  cudnnConvolutionFwdAlgo_t algo = 0;
  void *work = NULL;
  size_t bytes = 0;
  Scale one, b;
  if (!describe(r, a, batch) || !pick_fwd(r, a, batch, &algo, &work, &bytes)) return;
  ZC_CUDNN_OK(cu, cudnnConvolutionForward(cu->dnn, scale(r, &one, 1), cu->tx, u, cu->tw, w, cu->conv, algo, work, bytes,
                                          scale(r, &b, beta), cu->ty, v));
}
/* u = conv^T(v) */
static void conv_adjoint(ZcRun *r, const ZcConvAttr *a, int batch, const void *v, const void *w, void *u, double beta) {
  ZcCuda *cu = zc_cuda(r);
  cudnnConvolutionBwdDataAlgo_t algo = 0;
  void *work = NULL;
  size_t bytes = 0;
  Scale one, b;
  if (!describe(r, a, batch) || !pick_bwd_data(r, a, batch, &algo, &work, &bytes)) return;
  ZC_CUDNN_OK(cu, cudnnConvolutionBackwardData(cu->dnn, scale(r, &one, 1), cu->tw, w, cu->ty, v, cu->conv, algo, work,
                                               bytes, scale(r, &b, beta), cu->tx, u));
}
/* dw (beta: 0 overwrite, 1 add) from the conv's input u and output gradient dv */
static void conv_filter(ZcRun *r, const ZcConvAttr *a, int batch, const void *u, const void *dv, void *dw, double beta) {
  ZcCuda *cu = zc_cuda(r);
  cudnnConvolutionBwdFilterAlgo_t algo = 0;
  void *work = NULL;
  size_t bytes = 0;
  Scale one, b;
  if (!describe(r, a, batch) || !pick_bwd_filter(r, a, batch, &algo, &work, &bytes)) return;
  ZC_CUDNN_OK(cu, cudnnConvolutionBackwardFilter(cu->dnn, scale(r, &one, 1), cu->tx, u, cu->ty, dv, cu->conv, algo, work,
                                                 bytes, scale(r, &b, beta), cu->tw, dw));
}

/* The weight gradient: one call, or one per chunk of samples into the partials. */
static void conv_weight_grad(ZcRun *r, const ZcNode *n, const guint8 *u, const guint8 *dv) {
  const ZcConvAttr *a = n->attr;
  if (!r->moments) { conv_filter(r, a, r->batch, u, dv, zc_dev_param(r, a->w, TRUE), 1); return; }
  const gsize esz = r->net->esz, un = (gsize) a->in_c * a->in_h * a->in_w,
              vn = (gsize) a->s.out_channels * a->out_h * a->out_w, wn = zc_param(r->net, a->w)->numel;
  for (int c = 0; c < r->nchunks; c++) {
    int s0 = r->chunk0[c], s1 = r->chunk0[c + 1];
    void *part = r->partials + c * wn * esz;
    if (s1 == s0) ZC_CUDA_OK(zc_cuda(r), cudaMemsetAsync(part, 0, wn * esz, zc_cuda(r)->stream));
    else conv_filter(r, a, s1 - s0, u + s0 * un * esz, dv + s0 * vn * esz, part, 0);
  }
  reduce_weight(r, n, a->w);
}

static void conv_fwd(ZcRun *r, const ZcNode *n) {
  const ZcConvAttr *a = n->attr;
  void *y = zc_run_val(r, n->id);
  conv_apply(r, a, r->batch, zc_run_val(r, n->in[0]), zc_dev_param(r, a->w, FALSE), y, 0);
  if (a->b >= 0)
    zc_cu_bias_chan(zc_cuda(r)->stream, F64(r), y, zc_dev_param(r, a->b, FALSE), r->batch, a->s.out_channels,
                    (gsize) a->out_h * a->out_w);
  launched(r);
}
static void conv_bwd(ZcRun *r, const ZcNode *n) {
  const ZcConvAttr *a = n->attr;
  const void *x = zc_run_val(r, n->in[0]), *dy = zc_run_grad(r, n->id);
  if (r->need_grad[n->in[0]]) {
    gboolean assign;
    void *dx = zc_run_grad_out(r, n->in[0], &assign);
    conv_adjoint(r, a, r->batch, dy, zc_dev_param(r, a->w, FALSE), dx, assign ? 0 : 1);
  }
  if (!r->param_grads) return;
  conv_weight_grad(r, n, x, dy);
  if (a->b >= 0)
    zc_cu_bias_chan_grad(zc_cuda(r)->stream, F64(r), dy, zc_dev_param(r, a->b, TRUE), r->batch, a->s.out_channels,
                         (gsize) a->out_h * a->out_w);
  launched(r);
}
static void convt_fwd(ZcRun *r, const ZcNode *n) {
  const ZcConvAttr *a = n->attr;
  void *y = zc_run_val(r, n->id);
  conv_adjoint(r, a, r->batch, zc_run_val(r, n->in[0]), zc_dev_param(r, a->w, FALSE), y, 0);
  if (a->b >= 0)
    zc_cu_bias_chan(zc_cuda(r)->stream, F64(r), y, zc_dev_param(r, a->b, FALSE), r->batch, a->in_c,
                    (gsize) a->in_h * a->in_w);
  launched(r);
}
static void convt_bwd(ZcRun *r, const ZcNode *n) {
  const ZcConvAttr *a = n->attr;
  const void *x = zc_run_val(r, n->in[0]), *dy = zc_run_grad(r, n->id);
  if (r->need_grad[n->in[0]]) {
    gboolean assign;
    void *dx = zc_run_grad_out(r, n->in[0], &assign);
    conv_apply(r, a, r->batch, dy, zc_dev_param(r, a->w, FALSE), dx, assign ? 0 : 1);
  }
  if (!r->param_grads) return;
  conv_weight_grad(r, n, dy, x);   /* the adjoint's weight gradient: u = dy, dv = x */
  if (a->b >= 0)
    zc_cu_bias_chan_grad(zc_cuda(r)->stream, F64(r), dy, zc_dev_param(r, a->b, TRUE), r->batch, a->in_c,
                         (gsize) a->in_h * a->in_w);
  launched(r);
}

/* ---- the table ---- */

static void set(ZcOpClass *ops, ZcOp op, ZcKernelFn fwd, ZcKernelFn bwd) {
  for (int t = 0; t < ZC_N_DTYPES; t++) {
    ops[op].forward[t] = fwd;
    ops[op].backward[t] = bwd;
  }
}

void zc_cuda_setup_ops(ZcOpClass *ops) {
  zc_dev_setup_staged(ops);   /* tokens, token mean/select, shift: staged */
  set(ops, ZC_OP_CONCAT, concat_fwd, concat_bwd);
  set(ops, ZC_OP_SLICE, slice_fwd, slice_bwd);
  set(ops, ZC_OP_ATTN, attn_fwd, attn_bwd);
  set(ops, ZC_OP_CONV, conv_fwd, conv_bwd);
  set(ops, ZC_OP_CONVT, convt_fwd, convt_bwd);
  set(ops, ZC_OP_LINEAR, linear_fwd, linear_bwd);
  set(ops, ZC_OP_BN, bn_fwd, bn_bwd);
  set(ops, ZC_OP_LN, ln_fwd, ln_bwd);
  set(ops, ZC_OP_SOFTMAX, softmax_fwd, softmax_bwd);
  set(ops, ZC_OP_RELU, act_fwd, act_bwd);
  set(ops, ZC_OP_GELU, act_fwd, act_bwd);
  set(ops, ZC_OP_LEAKY_RELU, act_fwd, act_bwd);
  set(ops, ZC_OP_TANH, act_fwd, act_bwd);
  set(ops, ZC_OP_SIGMOID, act_fwd, act_bwd);
  set(ops, ZC_OP_ADD, add_fwd, pass_bwd);
  set(ops, ZC_OP_IDENTITY, copy_fwd, pass_bwd);
  set(ops, ZC_OP_FLATTEN, copy_fwd, pass_bwd);
  set(ops, ZC_OP_ZERO, zero_fwd, NULL);
  set(ops, ZC_OP_AVGPOOL, pool_fwd, pool_bwd);
  set(ops, ZC_OP_MAXPOOL, pool_fwd, pool_bwd);
  set(ops, ZC_OP_GAP, gap_fwd, gap_bwd);
}
