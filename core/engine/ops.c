/* The op table: one small class per op kind with its kernels per dtype, and the sizes of
 * the per-run state and per-thread scratch each kernel needs. */
#include "config.h"
#include "engine-impl.h"

static gsize conv_scratch(const ZcRun *run, const ZcNode *n) {
  const ZcConvAttr *a = n->attr;
  if (a->s.groups > 1 && a->s.groups == a->in_c && a->s.groups == a->s.out_channels) return 0;  /* direct */
  /* im2col columns + their gradient */
  return 2 * (gsize) a->in_c * a->s.kh * a->s.kw * a->out_h * a->out_w;
}
static gsize bn_aux(const ZcNet *net, const ZcNode *n, int batch, int groups) {
  return 2 * (gsize) ((const ZcBnAttr *) n->attr)->C * groups;
}
static gsize ln_aux(const ZcNet *net, const ZcNode *n, int batch, int groups) {
  return 2 * (n->numel / ((const ZcLnAttr *) n->attr)->C) * batch;
}
static gsize ln_scratch(const ZcRun *run, const ZcNode *n) {
  return 4 * (gsize) ((const ZcLnAttr *) n->attr)->C;  /* 2C doubles in either dtype */
}
static gsize attn_aux(const ZcNet *net, const ZcNode *n, int batch, int groups) {
  gsize T = n->shape.dims[0];
  return (gsize) batch * ((const ZcAttnAttr *) n->attr)->heads * T * T;
}
static gsize attn_scratch(const ZcRun *run, const ZcNode *n) {
  gsize T = n->shape.dims[0];
  return T * T;
}

#define K(fw, bw) .forward = {fw##_f32, fw##_f64}, .backward = {bw##_f32, bw##_f64}
#define KF(fw) .forward = {fw##_f32, fw##_f64}

const ZcOpClass zc_op_classes[ZC_N_OPS] = {
  [ZC_OP_INPUT] = {.name = "input"},
  [ZC_OP_CONV] = {.name = "conv2d", .scratch_elems = conv_scratch, K(zc_k_conv_fwd, zc_k_conv_bwd)},
  [ZC_OP_LINEAR] = {.name = "linear", K(zc_k_linear_fwd, zc_k_linear_bwd)},
  [ZC_OP_BN] = {.name = "batchnorm", .aux_elems = bn_aux, K(zc_k_bn_fwd, zc_k_bn_bwd)},
  [ZC_OP_LN] = {.name = "layernorm", .aux_elems = ln_aux, .scratch_elems = ln_scratch, K(zc_k_ln_fwd, zc_k_ln_bwd)},
  [ZC_OP_RELU] = {.name = "relu", K(zc_k_relu_fwd, zc_k_relu_bwd)},
  [ZC_OP_GELU] = {.name = "gelu", K(zc_k_gelu_fwd, zc_k_gelu_bwd)},
  [ZC_OP_SOFTMAX] = {.name = "softmax", K(zc_k_softmax_fwd, zc_k_softmax_bwd)},
  [ZC_OP_ATTN] = {.name = "attention", .aux_elems = attn_aux, .scratch_elems = attn_scratch,
                  K(zc_k_attn_fwd, zc_k_attn_bwd)},
  [ZC_OP_ADD] = {.name = "add", K(zc_k_add_fwd, zc_k_add_bwd)},
  [ZC_OP_CONCAT] = {.name = "concat", K(zc_k_concat_fwd, zc_k_concat_bwd)},
  [ZC_OP_SLICE] = {.name = "slice", K(zc_k_slice_fwd, zc_k_slice_bwd)},
  [ZC_OP_ZERO] = {.name = "zero", KF(zc_k_zero_fwd)},
  [ZC_OP_IDENTITY] = {.name = "identity", K(zc_k_copy_fwd, zc_k_copy_bwd)},
  [ZC_OP_FLATTEN] = {.name = "flatten", K(zc_k_copy_fwd, zc_k_copy_bwd)},
  [ZC_OP_SHIFT] = {.name = "shift", K(zc_k_shift_fwd, zc_k_shift_bwd)},
  [ZC_OP_AVGPOOL] = {.name = "avgpool", K(zc_k_avgpool_fwd, zc_k_avgpool_bwd)},
  [ZC_OP_MAXPOOL] = {.name = "maxpool", K(zc_k_maxpool_fwd, zc_k_maxpool_bwd)},
  [ZC_OP_GAP] = {.name = "global_avgpool", K(zc_k_gap_fwd, zc_k_gap_bwd)},
  [ZC_OP_TOKENS] = {.name = "tokens", K(zc_k_tokens_fwd, zc_k_tokens_bwd)},
  [ZC_OP_TOKEN_MEAN] = {.name = "token_mean", K(zc_k_tmean_fwd, zc_k_tmean_bwd)},
  [ZC_OP_TOKEN_SELECT] = {.name = "token_select", K(zc_k_tsel_fwd, zc_k_tsel_bwd)},
  [ZC_OP_LEAKY_RELU] = {.name = "leaky_relu", K(zc_k_leaky_fwd, zc_k_leaky_bwd)},
  [ZC_OP_TANH] = {.name = "tanh", K(zc_k_tanh_fwd, zc_k_tanh_bwd)},
  [ZC_OP_SIGMOID] = {.name = "sigmoid", K(zc_k_sigmoid_fwd, zc_k_sigmoid_bwd)},
  [ZC_OP_CONVT] = {.name = "conv_transpose2d", .scratch_elems = conv_scratch, K(zc_k_convt_fwd, zc_k_convt_bwd)},
};
