/* DARTS / NAS-Bench-301 networks on the engine: DARTS's NetworkCIFAR (auxiliary head off)
 * with the module layout whose parameter and FLOP counts reproduce NAS-Bench-Suite-Zero's
 * NB301 table on every row (docs/spaces.md):
 *
 *   stem      conv3x3(3 -> 3C, no bias) - BN(affine)                    tag STEM_OUTPUT
 *   cell i    reduction when i = L/3 or 2L/3 (channels doubled, stride 2 on the edges
 *             from the two cell inputs), else normal                    each tag BLOCK_OUTPUT
 *             s0' = FactorizedReduce(affine) of s0 when cell i-1 was a reduction, else
 *                   ReLU - conv1x1 - BN(affine);  s1' = ReLU - conv1x1 - BN(affine)
 *             node n = op(state) + op(state) for the genotype's two pairs of node n
 *             output = concat(nodes 2, 3, 4, 5)  (4c channels)
 *   head      global average pool - linear (bias, role "head"); the last cell is tagged
 *             PRE_GAP too
 *
 * Ops on c channels (BN not affine inside cells, as in the counted networks):
 *   sep_conv_k    (ReLU, dw conv k stride s pad k/2, conv1x1, BN) then the same at stride 1
 *   dil_conv_k    ReLU, dw conv k stride s dilation 2 pad k-1, conv1x1, BN
 *   max/avg_pool  3x3 stride s pad 1 (avg: count_include_pad False), then BN
 *   skip_connect  identity, or FactorizedReduce(c, c) at stride 2
 *
 * Build order is PyTorch's module order: stem, then per cell preprocess0, preprocess1 and
 * the ops in genotype order; the engine runs nodes in build order. */
#include "config.h"
#include <zcnas/error.h>
#include "darts_net.h"

static int relu_conv_bn(ZcNet *net, int x, int out_c, GError **error) {
  int r = zc_net_relu(net, x, error);
  if (r < 0) return -1;
  int c = zc_net_conv2d(net, r, out_c, 1, 1, 0, FALSE, error);
  if (c < 0) return -1;
  return zc_net_batchnorm(net, c, TRUE, error);
}

/* ReLU, depthwise k x k (stride, dilation), pointwise 1x1, BN(no affine). */
static int relu_dw_pw_bn(ZcNet *net, int x, int c, int k, int stride, int dil, GError **error) {
  int r = zc_net_relu(net, x, error);
  if (r < 0) return -1;
  int pad = dil * (k - 1) / 2;
  ZcConvSpec dw = {.out_channels = c, .kh = k, .kw = k, .stride_h = stride, .stride_w = stride,
                   .pad_h = pad, .pad_w = pad, .dil_h = dil, .dil_w = dil, .groups = c, .bias = FALSE};
  int d = zc_net_conv2d_spec(net, r, &dw, error);
  if (d < 0) return -1;
  int p = zc_net_conv2d(net, d, c, 1, 1, 0, FALSE, error);
  if (p < 0) return -1;
  return zc_net_batchnorm(net, p, FALSE, error);
}

static int cell_op(ZcNet *net, int x, guint op, int c, int stride, GError **error) {
  int y;
  switch (op) {
  case DARTS_MAX_POOL:
    y = zc_net_maxpool(net, x, 3, stride, 1, error);
    return y < 0 ? -1 : zc_net_batchnorm(net, y, FALSE, error);
  case DARTS_AVG_POOL:
    y = zc_net_avgpool(net, x, 3, stride, 1, FALSE, error);
    return y < 0 ? -1 : zc_net_batchnorm(net, y, FALSE, error);
  case DARTS_SKIP:
    return stride == 1 ? zc_net_identity(net, x, error) : zc_net_factorized_reduce(net, x, c, FALSE, error);
  case DARTS_SEP3:
  case DARTS_SEP5: {
    int k = op == DARTS_SEP3 ? 3 : 5;
    y = relu_dw_pw_bn(net, x, c, k, stride, 1, error);
    return y < 0 ? -1 : relu_dw_pw_bn(net, y, c, k, 1, 1, error);
  }
  case DARTS_DIL3: return relu_dw_pw_bn(net, x, c, 3, stride, 2, error);
  case DARTS_DIL5: return relu_dw_pw_bn(net, x, c, 5, stride, 2, error);
  default: break;
  }
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "darts: no operation %u", op);
  return -1;
}

static int cell(ZcNet *net, int s0, int s1, const DartsGenotype *g, gboolean red, gboolean red_prev, int c,
                GError **error) {
  int st[6];
  st[0] = red_prev ? zc_net_factorized_reduce(net, s0, c, TRUE, error) : relu_conv_bn(net, s0, c, error);
  if (st[0] < 0) return -1;
  if ((st[1] = relu_conv_bn(net, s1, c, error)) < 0) return -1;
  int kind = red ? DARTS_REDUCE : DARTS_NORMAL;
  for (int node = 0; node < DARTS_NODES; node++) {
    int h[2];
    for (int k = 0; k < 2; k++) {
      int pair = 2 * node + k;
      guint in = g->input[kind][pair];
      int stride = red && in < 2 ? 2 : 1;
      if ((h[k] = cell_op(net, st[in], g->op[kind][pair], c, stride, error)) < 0) return -1;
    }
    if ((st[node + 2] = zc_net_add(net, h, 2, error)) < 0) return -1;
  }
  return zc_net_concat(net, st + 2, 4, error);
}

static gboolean build(ZcNet *net, const DartsGenotype *g, const DartsMacro *m, GError **error) {
  int side = (int)m->resolution;
  int x = zc_net_input(net, 3, side, side);
  if (x < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "darts: bad input size %u", m->resolution);
    return FALSE;
  }
  int c = (int)m->channels;
  x = zc_net_conv2d(net, x, 3 * c, 3, 1, 1, FALSE, error);
  if (x < 0 || (x = zc_net_batchnorm(net, x, TRUE, error)) < 0) return FALSE;
  zc_net_add_tags(net, x, ZC_TAG_STEM_OUTPUT);
  int s0 = x, s1 = x;
  gboolean red_prev = FALSE;
  for (guint i = 0; i < m->layers; i++) {
    gboolean red = darts_is_reduction(m, i);
    if (red) c *= 2;
    int out = cell(net, s0, s1, g, red, red_prev, c, error);
    if (out < 0) return FALSE;
    zc_net_add_tags(net, out, ZC_TAG_BLOCK_OUTPUT);
    s0 = s1, s1 = out;
    red_prev = red;
  }
  zc_net_add_tags(net, s1, ZC_TAG_PRE_GAP);
  if ((x = zc_net_global_avgpool(net, s1, error)) < 0) return FALSE;
  if ((x = zc_net_linear(net, x, (int)m->classes, TRUE, error)) < 0) return FALSE;
  zc_net_set_role(net, x, "head");
  zc_net_set_output(net, x);
  return TRUE;
}

ZcNet *darts_net_build(const DartsGenotype *g, const DartsMacro *m, gboolean float64, guint64 seed,
                       GError **error) {
  g_return_val_if_fail(g && m, NULL);
  for (int cell = 0; cell < 2; cell++)
    for (int pair = 0; pair < DARTS_PAIRS; pair++)
      if (g->op[cell][pair] >= DARTS_OPS || g->input[cell][pair] > pair / 2 + 1) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "darts: %s cell pair %d has op %u, input %u",
                    cell ? "reduce" : "normal", pair, g->op[cell][pair], g->input[cell][pair]);
        return NULL;
      }
  ZcNet *net = zc_net_new(float64 ? ZC_F64 : ZC_F32);
  if (!build(net, g, m, error)) {
    zc_net_free(net);
    return NULL;
  }
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, seed);
  return net;
}
