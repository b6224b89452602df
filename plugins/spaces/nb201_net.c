/* NAS-Bench-201 networks on the engine: xautodl's TinyNetwork with InferCell cells
 * (method.md §8.1).
 *
 *   stem     conv3x3(3 -> C, no bias) - BN                       tag STEM_OUTPUT
 *   stage 1  N cells at C                                        each tag BLOCK_OUTPUT
 *   reduce   ResNet basic block C -> 2C, stride 2                tag BLOCK_OUTPUT
 *   stage 2  N cells at 2C
 *   reduce   2C -> 4C, stride 2
 *   stage 3  N cells at 4C
 *   head     BN - ReLU (tag PRE_GAP) - global average pool - linear (role "head")
 *
 * Build order is PyTorch's module registration order, so weight layers (and parameter
 * tensors) come in the order of model.modules(): in a cell the edges node by node,
 * (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2); in a reduction block conv_a, conv_b,
 * then the shortcut's conv 1x1.  Execution order is the same, since the engine runs
 * nodes in build order.
 *
 * Edges: none adds nothing (PyTorch's x * 0 contributes exact zeros); a node without
 * any non-none edge is an explicit zero node shaped like the cell input, so a cell whose
 * output does not depend on its input still builds, runs and has a distinct output node.
 * skip_connect is an explicit identity node, so every cell output is a node of its own. */
#include "config.h"
#include <zcnas/error.h>
#include "nb201_net.h"

/* ReLU - conv (no bias) - BN(affine): xautodl ReLUConvBN. */
static int relu_conv_bn(ZcNet *net, int x, int out_c, int k, int stride, int pad, GError **error) {
  int r = zc_net_relu(net, x, error);
  if (r < 0) return -1;
  int c = zc_net_conv2d(net, r, out_c, k, stride, pad, FALSE, error);
  if (c < 0) return -1;
  return zc_net_batchnorm(net, c, TRUE, error);
}

static int edge_op(ZcNet *net, int x, guint op, int c, GError **error) {
  switch (op) {
  case NB201_SKIP: return zc_net_identity(net, x, error);
  case NB201_CONV1: return relu_conv_bn(net, x, c, 1, 1, 0, error);
  case NB201_CONV3: return relu_conv_bn(net, x, c, 3, 1, 1, error);
  case NB201_AVG: return zc_net_avgpool(net, x, 3, 1, 1, FALSE, error);
  default: break;
  }
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb201: no operation %u on an edge", op);
  return -1;
}

static int cell(ZcNet *net, int x, const Nb201Genotype *g, int c, GError **error) {
  int node[4] = {x, -1, -1, -1};
  int e = 0;
  for (int to = 1; to <= 3; to++) {
    int terms[3], n = 0;
    for (int from = 0; from < to; from++, e++) {
      if (g->op[e] == NB201_NONE) continue;
      int t = edge_op(net, node[from], g->op[e], c, error);
      if (t < 0) return -1;
      terms[n++] = t;
    }
    node[to] = n == 0 ? zc_net_zero(net, x, error) : n == 1 ? terms[0] : zc_net_add(net, terms, n, error);
    if (node[to] < 0) return -1;
  }
  return node[3];
}

/* xautodl ResNetBasicblock(C_in, C_out, stride 2). */
static int reduction(ZcNet *net, int x, int c_out, GError **error) {
  int a = relu_conv_bn(net, x, c_out, 3, 2, 1, error);
  if (a < 0) return -1;
  int b = relu_conv_bn(net, a, c_out, 3, 1, 1, error);
  if (b < 0) return -1;
  int p = zc_net_avgpool(net, x, 2, 2, 0, TRUE, error);
  if (p < 0) return -1;
  int s = zc_net_conv2d(net, p, c_out, 1, 1, 0, FALSE, error);
  if (s < 0) return -1;
  int sum[2] = {s, b};   /* residual + basicblock */
  return zc_net_add(net, sum, 2, error);
}

static gboolean build(ZcNet *net, const Nb201Genotype *g, const Nb201Macro *m, GError **error) {
  int c = (int)m->channels;
  int x = zc_net_input(net, 3, (int)m->resolution, (int)m->resolution);
  if (x < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb201: bad input size %u", m->resolution);
    return FALSE;
  }
  x = zc_net_conv2d(net, x, c, 3, 1, 1, FALSE, error);
  if (x < 0 || (x = zc_net_batchnorm(net, x, TRUE, error)) < 0) return FALSE;
  zc_net_add_tags(net, x, ZC_TAG_STEM_OUTPUT);
  for (int stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      c *= 2;
      if ((x = reduction(net, x, c, error)) < 0) return FALSE;
      zc_net_add_tags(net, x, ZC_TAG_BLOCK_OUTPUT);
    }
    for (guint i = 0; i < m->cells; i++) {
      if ((x = cell(net, x, g, c, error)) < 0) return FALSE;
      zc_net_add_tags(net, x, ZC_TAG_BLOCK_OUTPUT);
    }
  }
  if ((x = zc_net_batchnorm(net, x, TRUE, error)) < 0 || (x = zc_net_relu(net, x, error)) < 0) return FALSE;
  zc_net_add_tags(net, x, ZC_TAG_PRE_GAP);
  if ((x = zc_net_global_avgpool(net, x, error)) < 0) return FALSE;
  if ((x = zc_net_linear(net, x, (int)m->classes, TRUE, error)) < 0) return FALSE;
  zc_net_set_role(net, x, "head");
  zc_net_set_output(net, x);
  return TRUE;
}

ZcNet *nb201_net_build(const Nb201Genotype *g, const Nb201Macro *m, gboolean float64, guint64 seed,
                       GError **error) {
  g_return_val_if_fail(g && m, NULL);
  for (int e = 0; e < NB201_EDGES; e++)
    if (g->op[e] >= NB201_OPS) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb201: edge %d has no operation %u", e, g->op[e]);
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
