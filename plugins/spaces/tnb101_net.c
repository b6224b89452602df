/* TransNAS-Bench-101 networks on the engine: the encoder of TransNAS's MacroNet (net_macro.py)
 * with MicroCell cells (micro) or ResNet basic blocks (macro), and the task's head:
 *
 *   stem     conv3x3 s2 (3 -> 32, no bias) - BN, then ReLU - conv3x3 s2 (32 -> 64) - BN
 *   layers   one per layer digit, two cells/blocks each; the first takes the digit's stride
 *            (3, 4: 2) and channels (2, 4: doubled)                    tag BLOCK_OUTPUT
 *   class_*, room_layout  global average pool - linear to 100 / 63 / 9 (role "head")
 *            (pre-pool map tagged PRE_GAP)
 *   autoencoder, normal  GenerativeDecoder: 13 conv/deconv 3x3 layers with bias, BN and
 *            LeakyReLU(0.2), then conv 16 -> 3 with bias and tanh (role "head")
 *   segmentsemantic  SegmentationDecoder: conv 3x3 to 1024, 6 - n halving convs, n - 1
 *            halving deconvs, one deconv keeping the channels (bias, BN, LeakyReLU 0.2
 *            each), conv 3x3 to 17 with bias (role "head"); n = log2(resolution / side)
 *   jigsaw   not built: its 9 tiles share one encoder's weights (see tnb101.c)
 *
 * Micro cell: node j sums its incoming edges (1<-0; 2<-0, 2<-1; 3<-0, 3<-1, 3<-2) and the
 * cell outputs node 3.  Edges from node 0 take the cell's stride and channel change; a skip
 * edge that changes the shape is a factorized reduce (ReLU, two 1x1 stride-2 convs on x and
 * x shifted by a pixel, concat, BN affine).  Zero edges add nothing (PyTorch adds exact
 * zeros); a node with no other edge is an explicit zero node of the node's shape.  All BNs
 * are affine, as in the benchmark.  Build order = PyTorch module registration order. */
#include "config.h"
#include <zcnas/error.h>
#include "tnb101_net.h"

#define CK(x) do { if ((x) < 0) return -1; } while (0)

static int relu_conv_bn(ZcNet *net, int x, int out_c, int k, int stride, GError **error) {
  int r, c;
  CK(r = zc_net_relu(net, x, error));
  CK(c = zc_net_conv2d(net, r, out_c, k, stride, k / 2, FALSE, error));
  return zc_net_batchnorm(net, c, TRUE, error);
}

/* zeros shaped (out_c, ceil(H/stride), ...) from x (in_c channels); out_c is in_c or 2 in_c.
 * The strided shape comes from a 1x1 average pool of that stride (x[:, :, ::s, ::s]),
 * with the plugin API's calls only. */
static int zeros_like(ZcNet *net, int x, int in_c, int out_c, int stride, GError **error) {
  int z = x;
  if (stride != 1) CK(z = zc_net_avgpool(net, x, 1, stride, 0, TRUE, error));
  CK(z = zc_net_zero(net, z, error));
  if (out_c == in_c) return z;
  int two[2] = {z, z};
  return zc_net_concat(net, two, 2, error);
}

static int micro_cell(ZcNet *net, int x, const TnbGenotype *g, int cin, int cout, int stride,
                      GError **error) {
  static const int from[TNB_EDGES] = {0, 0, 1, 0, 1, 2};
  int node[4] = {x, -1, -1, -1};
  int e = 0;
  for (int to = 1; to <= 3; to++) {
    int terms[3], n = 0;
    for (int f = 0; f < to; f++, e++) {
      g_assert(from[e] == f);
      int in0 = f == 0, ci = in0 ? cin : cout, st = in0 ? stride : 1, t = -1;
      switch (g->op[e]) {
      case TNB_ZERO: continue;
      case TNB_SKIP:
        if (st == 1 && ci == cout) t = zc_net_identity(net, node[f], error);
        else if (st == 2) t = zc_net_factorized_reduce(net, node[f], cout, TRUE, error);
        else {
          g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: no stride-1 factorized reduce");
          return -1;
        }
        break;
      case TNB_CONV1: t = relu_conv_bn(net, node[f], cout, 1, st, error); break;
      case TNB_CONV3: t = relu_conv_bn(net, node[f], cout, 3, st, error); break;
      default:
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: edge %d has no operation %u", e, g->op[e]);
        return -1;
      }
      CK(t);
      terms[n++] = t;
    }
    if (n == 0) node[to] = zeros_like(net, x, cin, cout, stride, error);
    else if (n == 1) node[to] = terms[0];
    else node[to] = zc_net_add(net, terms, n, error);
    CK(node[to]);
  }
  return node[3];
}

/* TransNAS ResNetBasicblock */
static int basic_block(ZcNet *net, int x, int cin, int cout, int stride, GError **error) {
  int a, b, r = x;
  CK(a = relu_conv_bn(net, x, cout, 3, stride, error));
  CK(b = relu_conv_bn(net, a, cout, 3, 1, error));
  if (stride != 1 || cin != cout) {
    CK(r = zc_net_conv2d(net, x, cout, 1, stride, 0, FALSE, error));
    CK(r = zc_net_batchnorm(net, r, TRUE, error));
  }
  int sum[2] = {r, b};
  return zc_net_add(net, sum, 2, error);
}

static int conv_bn_lrelu(ZcNet *net, int x, int out_c, gboolean up, GError **error) {
  CK(x = up ? zc_net_conv_transpose2d(net, x, out_c, 3, 2, 1, 1, TRUE, error)
            : zc_net_conv2d(net, x, out_c, 3, 1, 1, TRUE, error));
  CK(x = zc_net_batchnorm(net, x, TRUE, error));
  return zc_net_leaky_relu(net, x, 0.2, error);
}

/* TransNAS SegmentationDecoder with n upsamplings */
static int seg_decoder(ZcNet *net, int x, guint n, int classes, GError **error) {
  int ch = 1024;
  CK(x = conv_bn_lrelu(net, x, ch, FALSE, error));
  for (guint i = 0; i < 6 - n; i++, ch /= 2) CK(x = conv_bn_lrelu(net, x, ch / 2, FALSE, error));
  for (guint i = 0; i < n; i++) {
    int co = i + 1 < n ? ch / 2 : ch;
    CK(x = conv_bn_lrelu(net, x, co, TRUE, error));
    ch = co;
  }
  CK(x = zc_net_conv2d(net, x, classes, 3, 1, 1, TRUE, error));
  zc_net_set_role(net, x, "head");
  return x;
}

/* TransNAS GenerativeDecoder with n upsamplings */
static int decoder(ZcNet *net, int x, guint n, GError **error) {
  static const int outs[13] = {1024, 1024, 512, 512, 256, 128, 64, 64, 32, 32, 16, 32, 16};
  for (int i = 0; i < 13; i++) {
    gboolean up = (i == 2 && n == 6) || (i == 4 && n >= 5) || (i == 6 && n >= 4) || (i == 8 && n >= 3) ||
                  i == 10 || i == 12;
    CK(x = up ? zc_net_conv_transpose2d(net, x, outs[i], 3, 2, 1, 1, TRUE, error)
              : zc_net_conv2d(net, x, outs[i], 3, 1, 1, TRUE, error));
    CK(x = zc_net_batchnorm(net, x, TRUE, error));
    CK(x = zc_net_leaky_relu(net, x, 0.2, error));
  }
  CK(x = zc_net_conv2d(net, x, 3, 3, 1, 1, TRUE, error));
  zc_net_set_role(net, x, "head");
  return zc_net_tanh(net, x, error);
}

static gboolean build(ZcNet *net, const TnbGenotype *g, const TnbMacro *m, GError **error) {
  int x = zc_net_input(net, 3, (int)m->resolution, (int)m->resolution);
  if (x < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: bad input size %u", m->resolution);
    return FALSE;
  }
  if ((x = zc_net_conv2d(net, x, TNB_BASE / 2, 3, 2, 1, FALSE, error)) < 0 ||
      (x = zc_net_batchnorm(net, x, TRUE, error)) < 0 ||
      (x = relu_conv_bn(net, x, TNB_BASE, 3, 2, error)) < 0)
    return FALSE;
  zc_net_add_tags(net, x, ZC_TAG_STEM_OUTPUT);
  int ch = TNB_BASE;
  for (guint i = 0; i < g->n_layers; i++) {
    int t = g->layer[i] % 2 == 0 ? ch * 2 : ch, s = g->layer[i] > 2 ? 2 : 1;
    for (int b = 0; b < 2; b++) {
      x = g->micro ? micro_cell(net, x, g, b ? t : ch, t, b ? 1 : s, error)
                   : basic_block(net, x, b ? t : ch, t, b ? 1 : s, error);
      if (x < 0) return FALSE;
      zc_net_add_tags(net, x, ZC_TAG_BLOCK_OUTPUT);
    }
    ch = t;
  }
  TnbHead head = tnb_task_head(m->task);
  int outs = (int)tnb_task_outputs(m->task);
  if (head == TNB_HEAD_LINEAR) {
    zc_net_add_tags(net, x, ZC_TAG_PRE_GAP);
    if ((x = zc_net_global_avgpool(net, x, error)) < 0) return FALSE;
    if ((x = zc_net_linear(net, x, outs, TRUE, error)) < 0) return FALSE;
    zc_net_set_role(net, x, "head");
  } else {
    ZcShape sh;
    zc_net_shape(net, x, &sh);
    guint n = tnb_decoder_upsamples((guint)sh.dims[1], m->resolution);
    if (!n) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: the decoder cannot map %dx%d back to %ux%u",
                  sh.dims[1], sh.dims[2], m->resolution, m->resolution);
      return FALSE;
    }
    x = head == TNB_HEAD_GENERATIVE ? decoder(net, x, n, error) : seg_decoder(net, x, n, outs, error);
    if (x < 0) return FALSE;
  }
  zc_net_set_output(net, x);
  return TRUE;
}

ZcNet *tnb_net_build(const TnbGenotype *g, const TnbMacro *m, gboolean float64, guint64 seed, GError **error) {
  g_return_val_if_fail(g && m, NULL);
  if (!tnb_task_supported(m->task)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: task '%s' is not built: %s",
                tnb_task_name(m->task), TNB_JIGSAW_WHY);
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
