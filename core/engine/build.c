/* Network construction: nodes, parameters and the builder calls of <zcnas/net.h>. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine-impl.h"

static guint64 next_serial = 1;

ZcNet *zc_net_new(ZcDType dtype) {
  g_return_val_if_fail((int) dtype >= 0 && (int) dtype < ZC_N_DTYPES, NULL);
  ZcNet *net = g_new0(ZcNet, 1);
  net->dtype = dtype;
  net->esz = zc_dtype_size(dtype);
  net->serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
  net->nodes = g_ptr_array_new();
  net->params = g_ptr_array_new();
  net->layers = g_array_new(FALSE, FALSE, sizeof(int));
  net->acts = g_array_new(FALSE, FALSE, sizeof(int));
  net->output = -1;
  net->bn_mode = ZC_BN_BATCH;
  net->bn_update = TRUE;
  net->retain = ZC_RETAIN_ALL;
  return net;
}

static void free_attr(ZcNode *n) {
  if (zc_is_conv(n->op)) {
    ZcConvAttr *a = n->attr;
    g_free(a->m1); g_free(a->mabs); g_free(a->m2);
  } else if (n->op == ZC_OP_LINEAR) {
    ZcLinearAttr *a = n->attr;
    g_free(a->m1); g_free(a->mabs); g_free(a->m2);
  } else if (n->op == ZC_OP_BN) {
    ZcBnAttr *a = n->attr;
    g_free(a->run_mean); g_free(a->run_var); g_free(a->rm_neg);
  }
  g_free(n->attr);
}

void zc_net_free(ZcNet *net) {
  if (!net) return;
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    free_attr(n);
    g_free(n->in);
    g_free(n->role);
    g_free(n);
  }
  for (guint i = 0; i < net->params->len; i++) {
    ZcParam *p = zc_param(net, i);
    g_free(p->data); g_free(p->grad); g_free(p->neg);
    g_free(p);
  }
  g_ptr_array_free(net->nodes, TRUE);
  g_ptr_array_free(net->params, TRUE);
  g_array_free(net->layers, TRUE);
  g_array_free(net->acts, TRUE);
  g_free(net);
}

ZcDType zc_net_dtype(const ZcNet *net) { return net->dtype; }
int zc_net_n_nodes(const ZcNet *net) { return (int) net->nodes->len; }

gboolean zc_net_shape(const ZcNet *net, int node, ZcShape *shape) {
  if (node < 0 || node >= (int) net->nodes->len) return FALSE;
  *shape = zc_node(net, node)->shape;
  return TRUE;
}
gsize zc_net_numel(const ZcNet *net, int node) {
  g_return_val_if_fail(node >= 0 && node < (int) net->nodes->len, 0);
  return zc_node(net, node)->numel;
}
const char *zc_net_op_name(const ZcNet *net, int node) {
  g_return_val_if_fail(node >= 0 && node < (int) net->nodes->len, NULL);
  return zc_op_classes[zc_node(net, node)->op].name;
}

int zc_net_node_input(const ZcNet *net, int node, int k) {
  if (node < 0 || node >= (int) net->nodes->len) return -1;
  ZcNode *n = zc_node(net, node);
  return k >= 0 && k < n->n_in ? n->in[k] : -1;
}
gsize zc_net_n_params(const ZcNet *net) {
  gsize n = 0;
  for (guint i = 0; i < net->params->len; i++) n += zc_param(net, i)->numel;
  return n;
}
int zc_net_output(const ZcNet *net) { return net->output >= 0 ? net->output : (int) net->nodes->len - 1; }
void zc_net_set_output(ZcNet *net, int node) {
  g_return_if_fail(node >= -1 && node < (int) net->nodes->len);
  net->output = node;
}

/* ---- helpers ---- */

static ZcShape shape3(int a, int b, int c) { ZcShape s = {3, {a, b, c}}; return s; }
static ZcShape shape2(int a, int b) { ZcShape s = {2, {a, b, 0}}; return s; }
static ZcShape shape1(int a) { ZcShape s = {1, {a, 0, 0}}; return s; }

/* builder name for messages; set per call (per thread: workers may build concurrently) */
static _Thread_local const char *fname;

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean bad(GError **error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s", fname, msg);
  g_free(msg);
  return FALSE;
}

static const ZcNode *get_in(ZcNet *net, int x, int ndim, GError **error) {
  if (x < 0 || x >= (int) net->nodes->len) {
    bad(error, "input node %d does not exist (network has %u nodes)", x, net->nodes->len);
    return NULL;
  }
  const ZcNode *n = zc_node(net, x);
  if (ndim && n->shape.ndim != ndim) {
    bad(error, "input node %d (%s) has %d dims, expected %d", x, zc_op_classes[n->op].name, n->shape.ndim, ndim);
    return NULL;
  }
  return n;
}

/* ---- the memory budget ---- */

/* ZCNAS_MEMORY_BUDGET, else half of the physical memory; FALSE with an error if the
 * variable is malformed. */
static gboolean memory_budget(guint64 *bytes, GError **error) {
  const char *env = g_getenv("ZCNAS_MEMORY_BUDGET");
  if (env && *env) {
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(env, &end);
    static const char units[] = "KMGT";
    const char *u = end && *end ? strchr(units, g_ascii_toupper(*end)) : NULL;
    if (u && *u) {
      for (const char *k = units; k <= u; k++) v *= 1024.0;
      end++;
    }
    if (errno || end == env || *end || !(v >= 1) || v > 1.8e19) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "ZCNAS_MEMORY_BUDGET='%s': give a number of bytes, optionally with K, M, G or T", env);
      return FALSE;
    }
    *bytes = (guint64)v;
    return TRUE;
  }
  /* default: half of the physical memory (the rest is for the workspace's batch, the
   * data and the other workers) */
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  *bytes = pages > 0 && page > 0 ? (guint64)pages * (guint64)page / 2 : G_GUINT64_CONSTANT(4) << 30;
  return TRUE;
}

/* Count a node's value and gradient (one sample) or a parameter's value and gradient
 * against the budget before anything is allocated.  Sizes come from user options (image
 * size, patch size, widths), so they are computed in double and can never wrap. */
static gboolean charge(ZcNet *net, ZcShape shape, GError **error) {
  double numel = 1;
  for (int i = 0; i < shape.ndim; i++) numel *= (double)shape.dims[i];
  double need = (double)net->mem_bytes + 2.0 * numel * (double)net->esz;
  guint64 budget = 0;
  if (!memory_budget(&budget, error)) return FALSE;
  if (need > (double)budget) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM,
                "%s: the network needs at least %.0f bytes for parameters and one sample's activations "
                "(values and gradients), over the memory budget of %" G_GUINT64_FORMAT
                " bytes (ZCNAS_MEMORY_BUDGET)", fname, need, budget);
    return FALSE;
  }
  net->mem_bytes = (guint64)need;
  return TRUE;
}

static int add_node(ZcNet *net, ZcOp op, const int *in, int n_in, ZcShape shape, gpointer attr, GError **error) {
  if (!charge(net, shape, error)) {
    ZcNode tmp = {.op = op, .attr = attr};
    free_attr(&tmp);
    return -1;
  }
  ZcNode *n = g_new0(ZcNode, 1);
  n->id = (int) net->nodes->len;
  n->op = op;
  n->n_in = n_in;
  n->in = n_in ? g_memdup2(in, sizeof(int) * n_in) : NULL;
  n->shape = shape;
  n->numel = zc_shape_numel(&shape);
  n->attr = attr;
  g_ptr_array_add(net->nodes, n);
  if (op == ZC_OP_RELU || op == ZC_OP_GELU) g_array_append_val(net->acts, n->id);
  return n->id;
}

/* -1 with an error when over the budget or when memory is refused: never aborts. */
static int add_param(ZcNet *net, int node, ZcParamKind kind, ZcShape shape, int fan_in, int fan_out, GError **error) {
  if (!charge(net, shape, error)) return -1;
  gsize bytes = zc_shape_numel(&shape) * net->esz;
  void *data = g_try_malloc0(bytes), *grad = data ? g_try_malloc0(bytes) : NULL;
  if (!grad) {
    g_free(data);
    g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: cannot allocate %" G_GSIZE_FORMAT " bytes for a parameter",
                fname, bytes);
    return -1;
  }
  ZcParam *p = g_new0(ZcParam, 1);
  p->kind = kind;
  p->node = node;
  p->shape = shape;
  p->numel = zc_shape_numel(&shape);
  p->fan_in = fan_in;
  p->fan_out = fan_out;
  p->data = data;
  p->grad = grad;
  g_ptr_array_add(net->params, p);
  return (int) net->params->len - 1;
}

/* ---- inputs ---- */

int zc_net_input(ZcNet *net, int c, int h, int w) {
  g_return_val_if_fail(net && net->nodes->len == 0 && c > 0 && h > 0 && w > 0, -1);
  return add_node(net, ZC_OP_INPUT, NULL, 0, shape3(c, h, w), NULL, NULL);
}
int zc_net_input_tokens(ZcNet *net, int t, int c) {
  g_return_val_if_fail(net && net->nodes->len == 0 && t > 0 && c > 0, -1);
  return add_node(net, ZC_OP_INPUT, NULL, 0, shape2(t, c), NULL, NULL);
}
int zc_net_input_vector(ZcNet *net, int c) {
  g_return_val_if_fail(net && net->nodes->len == 0 && c > 0, -1);
  return add_node(net, ZC_OP_INPUT, NULL, 0, shape1(c), NULL, NULL);
}

/* ---- weight layers ---- */

int zc_net_conv2d_spec(ZcNet *net, int x, const ZcConvSpec *spec, GError **error) {
  fname = "conv2d";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  ZcConvSpec s = *spec;
  if (s.groups == 0) s.groups = 1;
  if (s.dil_h == 0) s.dil_h = 1;
  if (s.dil_w == 0) s.dil_w = 1;
  if (s.stride_h == 0) s.stride_h = 1;
  if (s.stride_w == 0) s.stride_w = 1;
  int C = in->shape.dims[0], H = in->shape.dims[1], W = in->shape.dims[2];
  if (s.out_channels <= 0 || s.kh <= 0 || s.kw <= 0 || s.stride_h < 0 || s.stride_w < 0 || s.pad_h < 0 ||
      s.pad_w < 0 || s.dil_h < 0 || s.dil_w < 0 || s.groups < 0)
    return bad(error, "out_channels, kernel, stride, dilation and groups must be positive, padding >= 0"), -1;
  if (C % s.groups || s.out_channels % s.groups)
    return bad(error, "groups %d must divide in channels %d and out channels %d", s.groups, C, s.out_channels), -1;
  int Ho = (H + 2 * s.pad_h - s.dil_h * (s.kh - 1) - 1) / s.stride_h + 1;
  int Wo = (W + 2 * s.pad_w - s.dil_w * (s.kw - 1) - 1) / s.stride_w + 1;
  if (H + 2 * s.pad_h < s.dil_h * (s.kh - 1) + 1 || W + 2 * s.pad_w < s.dil_w * (s.kw - 1) + 1 || Ho <= 0 || Wo <= 0)
    return bad(error, "kernel %dx%d does not fit the %dx%d input", s.kh, s.kw, H, W), -1;
  ZcConvAttr *a = g_new0(ZcConvAttr, 1);
  a->s = s;
  a->in_c = C; a->in_h = H; a->in_w = W; a->out_h = Ho; a->out_w = Wo;
  a->layer = (int) net->layers->len;
  int id = add_node(net, ZC_OP_CONV, &x, 1, shape3(s.out_channels, Ho, Wo), a, error);
  if (id < 0) return -1;
  int fan_in = C / s.groups * s.kh * s.kw, fan_out = s.out_channels * s.kh * s.kw;
  a->w = add_param(net, id, ZC_PARAM_WEIGHT, shape3(s.out_channels, C / s.groups, s.kh * s.kw), fan_in, fan_out, error);
  a->b = s.bias ? add_param(net, id, ZC_PARAM_BIAS, shape1(s.out_channels), fan_in, fan_out, error) : -1;
  if (a->w < 0 || (s.bias && a->b < 0)) return -1;
  g_array_append_val(net->layers, id);
  return id;
}

int zc_net_conv_transpose2d(ZcNet *net, int x, int out_c, int k, int stride, int pad, int output_pad, gboolean bias,
                            GError **error) {
  fname = "conv_transpose2d";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  if (out_c <= 0 || k <= 0 || stride <= 0 || pad < 0 || output_pad < 0 || output_pad >= stride)
    return bad(error, "need out_channels, kernel, stride > 0, padding >= 0 and 0 <= output_padding < stride"), -1;
  int C = in->shape.dims[0], H = in->shape.dims[1], W = in->shape.dims[2];
  int Ho = (H - 1) * stride - 2 * pad + k + output_pad, Wo = (W - 1) * stride - 2 * pad + k + output_pad;
  if (Ho <= 0 || Wo <= 0) return bad(error, "output would be %dx%d", Ho, Wo), -1;
  ZcConvAttr *a = g_new0(ZcConvAttr, 1);
  a->s = (ZcConvSpec){.out_channels = C, .kh = k, .kw = k, .stride_h = stride, .stride_w = stride, .pad_h = pad,
                      .pad_w = pad, .dil_h = 1, .dil_w = 1, .groups = 1, .bias = bias};
  a->in_c = out_c; a->in_h = Ho; a->in_w = Wo; a->out_h = H; a->out_w = W;
  a->layer = (int) net->layers->len;
  int id = add_node(net, ZC_OP_CONVT, &x, 1, shape3(out_c, Ho, Wo), a, error);
  if (id < 0) return -1;
  /* weight [in_c, out_c, k, k] as PyTorch, whose fan_in is then out_c*k*k */
  a->w = add_param(net, id, ZC_PARAM_WEIGHT, shape3(C, out_c, k * k), out_c * k * k, C * k * k, error);
  a->b = bias ? add_param(net, id, ZC_PARAM_BIAS, shape1(out_c), out_c * k * k, C * k * k, error) : -1;
  if (a->w < 0 || (bias && a->b < 0)) return -1;
  g_array_append_val(net->layers, id);
  return id;
}

int zc_net_conv2d(ZcNet *net, int x, int out_c, int k, int stride, int pad, gboolean bias, GError **error) {
  ZcConvSpec s = {.out_channels = out_c, .kh = k, .kw = k, .stride_h = stride, .stride_w = stride,
                  .pad_h = pad, .pad_w = pad, .dil_h = 1, .dil_w = 1, .groups = 1, .bias = bias};
  return zc_net_conv2d_spec(net, x, &s, error);
}

int zc_net_linear(ZcNet *net, int x, int out_features, gboolean bias, GError **error) {
  fname = "linear";
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  if (in->shape.ndim > 2) return bad(error, "input must be (C) or (T,C); flatten or pool images first"), -1;
  if (out_features <= 0) return bad(error, "out_features must be positive"), -1;
  int fin = in->shape.dims[in->shape.ndim - 1];
  ZcLinearAttr *a = g_new0(ZcLinearAttr, 1);
  a->in_f = fin; a->out_f = out_features;
  a->layer = (int) net->layers->len;
  ZcShape sh = in->shape;
  sh.dims[sh.ndim - 1] = out_features;
  int id = add_node(net, ZC_OP_LINEAR, &x, 1, sh, a, error);
  if (id < 0) return -1;
  a->w = add_param(net, id, ZC_PARAM_WEIGHT, shape2(out_features, fin), fin, out_features, error);
  a->b = bias ? add_param(net, id, ZC_PARAM_BIAS, shape1(out_features), fin, out_features, error) : -1;
  if (a->w < 0 || (bias && a->b < 0)) return -1;
  g_array_append_val(net->layers, id);
  return id;
}

/* ---- normalisation ---- */

int zc_net_batchnorm(ZcNet *net, int x, gboolean affine, GError **error) {
  fname = "batchnorm";
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  if (in->shape.ndim == 2) return bad(error, "BatchNorm takes (C,H,W) or (C), not tokens"), -1;
  ZcBnAttr *a = g_new0(ZcBnAttr, 1);
  a->C = in->shape.dims[0];
  a->affine = affine;
  a->eps = 1e-5;
  a->momentum = 0.1;
  a->run_mean = g_new0(double, a->C);
  a->run_var = g_new(double, a->C);
  for (int c = 0; c < a->C; c++) a->run_var[c] = 1.0;
  int id = add_node(net, ZC_OP_BN, &x, 1, in->shape, a, error);
  if (id < 0) return -1;
  if (affine) {
    a->gamma = add_param(net, id, ZC_PARAM_NORM_SCALE, shape1(a->C), a->C, a->C, error);
    a->beta = a->gamma < 0 ? -1 : add_param(net, id, ZC_PARAM_NORM_SHIFT, shape1(a->C), a->C, a->C, error);
    if (a->beta < 0) return -1;
    zc_net_init_norm_defaults(net, id);
  } else {
    a->gamma = a->beta = -1;
  }
  return id;
}

int zc_net_layernorm(ZcNet *net, int x, double eps, gboolean affine, GError **error) {
  fname = "layernorm";
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  if (!(eps > 0)) return bad(error, "eps must be positive"), -1;
  ZcLnAttr *a = g_new0(ZcLnAttr, 1);
  a->C = in->shape.dims[in->shape.ndim - 1];
  a->eps = eps;
  a->affine = affine;
  int id = add_node(net, ZC_OP_LN, &x, 1, in->shape, a, error);
  if (id < 0) return -1;
  if (affine) {
    a->gamma = add_param(net, id, ZC_PARAM_NORM_SCALE, shape1(a->C), a->C, a->C, error);
    a->beta = a->gamma < 0 ? -1 : add_param(net, id, ZC_PARAM_NORM_SHIFT, shape1(a->C), a->C, a->C, error);
    if (a->beta < 0) return -1;
    zc_net_init_norm_defaults(net, id);
  } else {
    a->gamma = a->beta = -1;
  }
  return id;
}

/* ---- element-wise ---- */

static int unary(ZcNet *net, int x, ZcOp op, const char *name, GError **error) {
  fname = name;
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  return add_node(net, op, &x, 1, in->shape, NULL, error);
}
int zc_net_relu(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_RELU, "relu", error); }
int zc_net_gelu(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_GELU, "gelu", error); }
int zc_net_tanh(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_TANH, "tanh", error); }
int zc_net_sigmoid(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_SIGMOID, "sigmoid", error); }
int zc_net_leaky_relu(ZcNet *net, int x, double slope, GError **error) {
  int id = unary(net, x, ZC_OP_LEAKY_RELU, "leaky_relu", error);
  if (id < 0) return -1;
  ZcLeakyAttr *a = g_new0(ZcLeakyAttr, 1);
  a->slope = slope;
  zc_node(net, id)->attr = a;
  return id;
}
int zc_net_softmax(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_SOFTMAX, "softmax", error); }
int zc_net_zero(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_ZERO, "zero", error); }
int zc_net_zero_strided(ZcNet *net, int x, int stride, GError **error) {
  fname = "zero_strided";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  if (stride < 1) return bad(error, "stride %d must be >= 1", stride), -1;
  return add_node(net, ZC_OP_ZERO, &x, 1,
                  shape3(in->shape.dims[0], (in->shape.dims[1] + stride - 1) / stride, (in->shape.dims[2] + stride - 1) / stride),
                  NULL, error);
}
int zc_net_identity(ZcNet *net, int x, GError **error) { return unary(net, x, ZC_OP_IDENTITY, "identity", error); }

int zc_net_flatten(ZcNet *net, int x, GError **error) {
  fname = "flatten";
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  return add_node(net, ZC_OP_FLATTEN, &x, 1, shape1((int) in->numel), NULL, error);
}

int zc_net_shift(ZcNet *net, int x, int dy, int dx, GError **error) {
  fname = "shift";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  ZcShiftAttr *a = g_new0(ZcShiftAttr, 1);
  a->dy = dy; a->dx = dx;
  return add_node(net, ZC_OP_SHIFT, &x, 1, in->shape, a, error);
}

/* ---- attention ---- */

/* Attention core alone: (T, 3*heads*head_dim) laid out [q | k | v], head h in columns
 * h*head_dim..; output (T, heads*head_dim). */
static int attention(ZcNet *net, int qkv, int heads, int head_dim, GError **error) {
  fname = "attention";
  const ZcNode *in = get_in(net, qkv, 2, error);
  if (!in) return -1;
  if (heads <= 0 || head_dim <= 0) return bad(error, "heads and head_dim must be positive"), -1;
  if (in->shape.dims[1] != 3 * heads * head_dim)
    return bad(error, "input width %d is not 3*heads*head_dim = %d", in->shape.dims[1], 3 * heads * head_dim), -1;
  ZcAttnAttr *a = g_new0(ZcAttnAttr, 1);
  a->heads = heads; a->hd = head_dim;
  return add_node(net, ZC_OP_ATTN, &qkv, 1, shape2(in->shape.dims[0], heads * head_dim), a, error);
}

int zc_net_mhsa(ZcNet *net, int x, int heads, int head_dim, gboolean qkv_bias, GError **error) {
  fname = "mhsa";
  const ZcNode *in = get_in(net, x, 2, error);
  if (!in) return -1;
  if (heads <= 0 || head_dim <= 0) return bad(error, "heads and head_dim must be positive"), -1;
  int E = in->shape.dims[1];
  int q = zc_net_linear(net, x, 3 * heads * head_dim, qkv_bias, error);
  if (q < 0) return -1;
  zc_net_set_role(net, q, "qkv");
  int at = attention(net, q, heads, head_dim, error);
  if (at < 0) return -1;
  int p = zc_net_linear(net, at, E, TRUE, error);
  if (p >= 0) zc_net_set_role(net, p, "proj");
  return p;
}

/* ---- structure ---- */

int zc_net_add(ZcNet *net, const int *xs, int n, GError **error) {
  fname = "add";
  if (n < 1) return bad(error, "needs at least one input"), -1;
  const ZcNode *first = get_in(net, xs[0], 0, error);
  if (!first) return -1;
  for (int i = 1; i < n; i++) {
    const ZcNode *o = get_in(net, xs[i], 0, error);
    if (!o) return -1;
    if (memcmp(&o->shape, &first->shape, sizeof(ZcShape)))
      return bad(error, "input %d (node %d) has a shape different from node %d", i, xs[i], xs[0]), -1;
  }
  return add_node(net, ZC_OP_ADD, xs, n, first->shape, NULL, error);
}

int zc_net_concat(ZcNet *net, const int *xs, int n, GError **error) {
  fname = "concat";
  if (n < 1) return bad(error, "needs at least one input"), -1;
  const ZcNode *first = get_in(net, xs[0], 0, error);
  if (!first) return -1;
  if (first->shape.ndim == 2) return bad(error, "concatenates channels of (C,H,W) or (C), not tokens"), -1;
  ZcShape sh = first->shape;
  for (int i = 1; i < n; i++) {
    const ZcNode *o = get_in(net, xs[i], first->shape.ndim, error);
    if (!o) return -1;
    for (int d = 1; d < sh.ndim; d++)
      if (o->shape.dims[d] != sh.dims[d])
        return bad(error, "input %d (node %d) differs in dim %d: %d vs %d", i, xs[i], d, o->shape.dims[d], sh.dims[d]), -1;
    sh.dims[0] += o->shape.dims[0];
  }
  return add_node(net, ZC_OP_CONCAT, xs, n, sh, NULL, error);
}

int zc_net_slice(ZcNet *net, int x, int start, int len, GError **error) {
  fname = "slice";
  const ZcNode *in = get_in(net, x, 0, error);
  if (!in) return -1;
  if (in->shape.ndim == 2) return bad(error, "slices channels of (C,H,W) or (C), not tokens"), -1;
  if (start < 0 || len <= 0 || start + len > in->shape.dims[0])
    return bad(error, "channels [%d, %d) outside [0, %d)", start, start + len, in->shape.dims[0]), -1;
  ZcSliceAttr *a = g_new0(ZcSliceAttr, 1);
  a->start = start; a->len = len;
  ZcShape sh = in->shape;
  sh.dims[0] = len;
  return add_node(net, ZC_OP_SLICE, &x, 1, sh, a, error);
}

/* ---- pooling ---- */

static int pool(ZcNet *net, int x, ZcOp op, int k, int stride, int pad, gboolean cip, GError **error) {
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  if (k <= 0 || stride <= 0 || pad < 0 || 2 * pad > k)
    return bad(error, "kernel %d, stride %d, padding %d: need k, stride > 0 and 0 <= padding <= k/2", k, stride, pad), -1;
  int H = in->shape.dims[1], W = in->shape.dims[2];
  if (H + 2 * pad < k || W + 2 * pad < k) return bad(error, "kernel %d larger than the padded %dx%d input", k, H, W), -1;
  ZcPoolAttr *a = g_new0(ZcPoolAttr, 1);
  a->k = k; a->stride = stride; a->pad = pad; a->cip = cip;
  return add_node(net, op, &x, 1, shape3(in->shape.dims[0], (H + 2 * pad - k) / stride + 1, (W + 2 * pad - k) / stride + 1), a, error);
}
int zc_net_avgpool(ZcNet *net, int x, int k, int stride, int pad, gboolean count_include_pad, GError **error) {
  fname = "avgpool";
  return pool(net, x, ZC_OP_AVGPOOL, k, stride, pad, count_include_pad, error);
}
int zc_net_maxpool(ZcNet *net, int x, int k, int stride, int pad, GError **error) {
  fname = "maxpool";
  return pool(net, x, ZC_OP_MAXPOOL, k, stride, pad, FALSE, error);
}
int zc_net_global_avgpool(ZcNet *net, int x, GError **error) {
  fname = "global_avgpool";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  return add_node(net, ZC_OP_GAP, &x, 1, shape1(in->shape.dims[0]), NULL, error);
}

/* ---- tokens ---- */

/* (E,Hp,Wp) -> (T,E) tokens with optional class token and position embedding. */
static int tokens(ZcNet *net, int x, gboolean cls_token, gboolean pos_embed, GError **error) {
  fname = "tokens";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  int E = in->shape.dims[0], T = in->shape.dims[1] * in->shape.dims[2] + (cls_token ? 1 : 0);
  ZcTokensAttr *a = g_new0(ZcTokensAttr, 1);
  a->cls = cls_token; a->pos = pos_embed;
  int id = add_node(net, ZC_OP_TOKENS, &x, 1, shape2(T, E), a, error);
  if (id < 0) return -1;
  a->cls_p = cls_token ? add_param(net, id, ZC_PARAM_EMBED, shape1(E), E, E, error) : -1;
  if (cls_token && a->cls_p < 0) return -1;
  a->pos_p = pos_embed ? add_param(net, id, ZC_PARAM_EMBED, shape2(T, E), E, E, error) : -1;
  if (pos_embed && a->pos_p < 0) return -1;
  return id;
}

int zc_net_patch_embed(ZcNet *net, int x, int embed, int patch, gboolean cls_token, GError **error) {
  fname = "patch_embed";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  if (patch <= 0 || in->shape.dims[1] % patch || in->shape.dims[2] % patch)
    return bad(error, "patch %d must divide the %dx%d input", patch, in->shape.dims[1], in->shape.dims[2]), -1;
  int c = zc_net_conv2d(net, x, embed, patch, patch, 0, TRUE, error);
  if (c < 0) return -1;
  zc_net_set_role(net, c, "patch");
  return tokens(net, c, cls_token, TRUE, error);
}

int zc_net_token_mean(ZcNet *net, int x, int skip, GError **error) {
  fname = "token_mean";
  const ZcNode *in = get_in(net, x, 2, error);
  if (!in) return -1;
  if (skip < 0 || skip >= in->shape.dims[0]) return bad(error, "skip %d leaves no token of %d", skip, in->shape.dims[0]), -1;
  ZcTokenMeanAttr *a = g_new0(ZcTokenMeanAttr, 1);
  a->skip = skip;
  return add_node(net, ZC_OP_TOKEN_MEAN, &x, 1, shape1(in->shape.dims[1]), a, error);
}

int zc_net_token_select(ZcNet *net, int x, GError **error) {
  fname = "token_select";
  const ZcNode *in = get_in(net, x, 2, error);
  if (!in) return -1;
  return add_node(net, ZC_OP_TOKEN_SELECT, &x, 1, shape1(in->shape.dims[1]), NULL, error);
}

int zc_net_factorized_reduce(ZcNet *net, int x, int out_c, gboolean affine, GError **error) {
  fname = "factorized_reduce";
  const ZcNode *in = get_in(net, x, 3, error);
  if (!in) return -1;
  if (out_c <= 0 || out_c % 2) return bad(error, "out channels %d must be even", out_c), -1;
  int r = zc_net_relu(net, x, error);
  if (r < 0) return -1;
  int c1 = zc_net_conv2d(net, r, out_c / 2, 1, 2, 0, FALSE, error);
  if (c1 < 0) return -1;
  int sh = zc_net_shift(net, r, 1, 1, error);
  if (sh < 0) return -1;
  int c2 = zc_net_conv2d(net, sh, out_c / 2, 1, 2, 0, FALSE, error);
  if (c2 < 0) return -1;
  int cat[2] = {c1, c2};
  int cc = zc_net_concat(net, cat, 2, error);
  if (cc < 0) return -1;
  return zc_net_batchnorm(net, cc, affine, error);
}

/* ---- tags ---- */

void zc_net_set_role(ZcNet *net, int node, const char *role) {
  g_return_if_fail(node >= 0 && node < (int) net->nodes->len);
  ZcNode *n = zc_node(net, node);
  g_free(n->role);
  n->role = g_strdup(role);
}
const char *zc_net_get_role(const ZcNet *net, int node) {
  g_return_val_if_fail(node >= 0 && node < (int) net->nodes->len, NULL);
  return zc_node(net, node)->role;
}
void zc_net_add_tags(ZcNet *net, int node, guint tags) {
  g_return_if_fail(node >= 0 && node < (int) net->nodes->len);
  zc_node(net, node)->tags |= tags;
}
guint zc_net_find_tagged(const ZcNet *net, guint tags, int *nodes, guint max) {
  guint k = 0;
  for (guint i = 0; i < net->nodes->len; i++)
    if (zc_node(net, i)->tags & tags) {
      if (k < max) nodes[k] = (int) i;
      k++;
    }
  return k;
}

double zc_net_macs(const ZcNet *net) {
  double macs = 0;
  for (guint i = 0; i < net->nodes->len; i++) {
    const ZcNode *n = zc_node(net, i);
    if (n->op == ZC_OP_CONV) {
      const ZcConvAttr *a = n->attr;
      macs += (double) a->s.out_channels * (a->in_c / a->s.groups) * a->s.kh * a->s.kw * a->out_h * a->out_w;
    } else if (n->op == ZC_OP_CONVT) {
      const ZcConvAttr *a = n->attr;  /* the adjoint conv's count */
      macs += (double) a->s.out_channels * a->in_c * a->s.kh * a->s.kw * a->out_h * a->out_w;
    } else if (n->op == ZC_OP_LINEAR) {
      const ZcLinearAttr *a = n->attr;
      macs += (double) a->out_f * a->in_f * (n->numel / a->out_f);
    } else if (n->op == ZC_OP_ATTN) {
      const ZcAttnAttr *a = n->attr;
      double T = n->shape.dims[0];
      macs += 2.0 * a->heads * T * T * a->hd;
    }
  }
  return macs;
}

char *zc_net_describe(const ZcNet *net) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < net->nodes->len; i++) {
    const ZcNode *n = zc_node(net, i);
    g_string_append_printf(s, "%3u %-14s in", i, zc_op_classes[n->op].name);
    for (int k = 0; k < n->n_in; k++) g_string_append_printf(s, "%s%d", k ? "," : " ", n->in[k]);
    g_string_append(s, " shape");
    for (int d = 0; d < n->shape.ndim; d++) g_string_append_printf(s, "%s%d", d ? "x" : " ", n->shape.dims[d]);
    if (n->role) g_string_append_printf(s, " role=%s", n->role);
    if (n->tags) g_string_append_printf(s, " tags=0x%x", n->tags);
    g_string_append_c(s, '\n');
  }
  return g_string_free(s, FALSE);
}
