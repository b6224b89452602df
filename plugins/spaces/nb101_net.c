/* NAS-Bench-101 networks on the engine: nasbench's model_builder (build_model_fn and
 * build_module), CIFAR-10 configuration.
 *
 *   stem     conv3x3 (3 -> 128, no bias) - BN - ReLU                  tag STEM_OUTPUT
 *   stack 1  3 modules at 128                                        each tag BLOCK_OUTPUT
 *   stack 2  max pool 2x2 stride 2, 3 modules at 256
 *   stack 3  max pool 2x2 stride 2, 3 modules at 512                 last also tag PRE_GAP
 *   head     global average pool - dense 512 -> classes (bias, role "head")
 *
 * Module (build_module): vertex t sums its inputs -- earlier interior vertices truncated
 * to its channel count (the first channels), and the input through a 1x1 projection
 * conv-BN-ReLU -- then applies its op (conv3x3/conv1x1-BN-ReLU, or max pool 3x3 stride 1
 * pad 1).  Vertex channels follow compute_vertex_channels.  The output concatenates, in
 * vertex order, the vertices that feed it, plus the input's 1x1 projection to the module
 * width when the input feeds the output directly; with no interior vertex the output is
 * that projection alone.  Every module output is an identity node of its own.
 * Build (= execution) order: for each vertex, its projection then its op. */
#include "config.h"
#include <zcnas/error.h>
#include "nb101_net.h"

static int conv_bn_relu(ZcNet *net, int x, int out_c, int k, GError **error) {
  int c = zc_net_conv2d(net, x, out_c, k, 1, k / 2, FALSE, error);
  if (c < 0) return -1;
  int b = zc_net_batchnorm(net, c, TRUE, error);
  if (b < 0) return -1;
  return zc_net_relu(net, b, error);
}

static int module(ZcNet *net, int x, int in_c, int out_c, const Nb101Spec *s, GError **error) {
  int n = s->n, o = n - 1;
  guint vc[NB101_MAX_VERTICES];
  nb101_vertex_channels(s, (guint)in_c, (guint)out_c, vc);
  int node[NB101_MAX_VERTICES] = {x};
  int concat[NB101_MAX_VERTICES], nc = 0;
  for (int t = 1; t < o; t++) {
    int terms[NB101_MAX_VERTICES], nt = 0;
    for (int u = 1; u < t; u++) {
      if (!s->adj[u][t]) continue;
      int v = node[u];
      if (vc[u] > vc[t] && (v = zc_net_slice(net, v, 0, (int)vc[t], error)) < 0) return -1;
      terms[nt++] = v;
    }
    if (s->adj[0][t]) {
      int p = conv_bn_relu(net, x, (int)vc[t], 1, error);
      if (p < 0) return -1;
      terms[nt++] = p;
    }
    int in = nt == 1 ? terms[0] : zc_net_add(net, terms, nt, error);
    if (in < 0) return -1;
    switch (s->op[t]) {
    case NB101_CONV3: node[t] = conv_bn_relu(net, in, (int)vc[t], 3, error); break;
    case NB101_CONV1: node[t] = conv_bn_relu(net, in, (int)vc[t], 1, error); break;
    case NB101_MAXPOOL: node[t] = zc_net_maxpool(net, in, 3, 1, 1, error); break;
    default:
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb101: vertex %d has no operation %u", t, s->op[t]);
      return -1;
    }
    if (node[t] < 0) return -1;
    if (s->adj[t][o]) concat[nc++] = node[t];
  }
  int out;
  if (nc == 0) out = conv_bn_relu(net, x, out_c, 1, error);
  else {
    out = nc == 1 ? concat[0] : zc_net_concat(net, concat, nc, error);
    if (out >= 0 && s->adj[0][o]) {
      int p = conv_bn_relu(net, x, out_c, 1, error);
      if (p < 0) return -1;
      int sum[2] = {out, p};
      out = zc_net_add(net, sum, 2, error);
    }
  }
  if (out < 0) return -1;
  return zc_net_identity(net, out, error);
}

static gboolean build(ZcNet *net, const Nb101Spec *s, const Nb101Macro *m, GError **error) {
  int x = zc_net_input(net, 3, (int)m->resolution, (int)m->resolution);
  if (x < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb101: bad input size %u", m->resolution);
    return FALSE;
  }
  int c = (int)m->stem_channels;
  if ((x = conv_bn_relu(net, x, c, 3, error)) < 0) return FALSE;
  zc_net_add_tags(net, x, ZC_TAG_STEM_OUTPUT);
  for (guint stack = 0; stack < m->stacks; stack++) {
    int in_c = c;
    if (stack > 0) {
      if ((x = zc_net_maxpool(net, x, 2, 2, 0, error)) < 0) return FALSE;
      c *= 2;
    }
    for (guint i = 0; i < m->modules; i++) {
      if ((x = module(net, x, in_c, c, s, error)) < 0) return FALSE;
      zc_net_add_tags(net, x, ZC_TAG_BLOCK_OUTPUT);
      in_c = c;
    }
  }
  zc_net_add_tags(net, x, ZC_TAG_PRE_GAP);
  if ((x = zc_net_global_avgpool(net, x, error)) < 0) return FALSE;
  if ((x = zc_net_linear(net, x, (int)m->classes, TRUE, error)) < 0) return FALSE;
  zc_net_set_role(net, x, "head");
  zc_net_set_output(net, x);
  return TRUE;
}

ZcNet *nb101_net_build(const Nb101Spec *s, const Nb101Macro *m, gboolean float64, guint64 seed, GError **error) {
  g_return_val_if_fail(s && m, NULL);
  if (s->n < 2 || s->n > NB101_MAX_VERTICES || s->op[0] != NB101_INPUT || s->op[s->n - 1] != NB101_OUTPUT) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "nb101: not a cell spec (%u vertices)", s->n);
    return NULL;
  }
  ZcNet *net = zc_net_new(float64 ? ZC_F64 : ZC_F32);
  if (!build(net, s, m, error)) {
    zc_net_free(net);
    return NULL;
  }
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, seed);
  return net;
}
