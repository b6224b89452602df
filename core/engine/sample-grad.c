/* Per-sample terms of single parameter-gradient elements (zc_net_param_sample_grads in
 * net.h).  A parameter's gradient is a sum over the batch; the term of sample s is read
 * off the owning node's input value and output gradient of the last run:
 *   conv weight (o, i, ky, kx): sum_p dy[s, o, p] x[s, g*Ci/g + i, p*stride - pad + k*dil]
 *   conv / linear bias o:       sum_p dy[s, o, p]
 *   linear weight (o, i):       sum_t dy[s, t, o] x[s, t, i]
 *   BatchNorm gamma / beta c:   sum_p dy[s, c, p] xhat[s, c, p]  /  sum_p dy[s, c, p]
 * with xhat normalised by the running statistics (running mode) or the batch's own
 * (batch mode, which makes samples depend on each other: the terms still sum to the
 * gradient).  Any other owner is ZC_ERROR_UNSUPPORTED, so a caller can fall back to
 * batch-1 runs.  Values come by pointer on host-memory backends, else by copy. */
#include "config.h"
#include <math.h>
#include "engine-impl.h"

/* A node's value or gradient on the host (borrowed, or copied into *owned). */
static const void *host_tensor(const ZcNet *net, const ZcWorkspace *ws, int node, gboolean grad, void **owned,
                               GError **error) {
  const void *p = grad ? zc_net_grad(net, ws, node) : zc_net_value(net, ws, node);
  *owned = NULL;
  if (p) return p;
  *owned = g_malloc((gsize)ws->batch * zc_node(net, node)->numel * net->esz);
  gboolean ok = grad ? zc_net_read_grad(net, ws, node, *owned, error) : zc_net_read_value(net, ws, node, *owned, error);
  if (!ok) {
    g_free(*owned);
    *owned = NULL;
  }
  return *owned;
}

static inline double at(const void *t, gboolean f64, gsize i) {
  return f64 ? ((const double *)t)[i] : (double)((const float *)t)[i];
}

static void conv_terms(const ZcConvAttr *a, gboolean is_bias, gsize e, int B, const void *x, const void *dy,
                       gboolean f64, double *out, guint stride) {
  const ZcConvSpec *s = &a->s;
  const int Co = s->out_channels, cig = a->in_c / s->groups, hwo = a->out_h * a->out_w;
  const gsize xn = (gsize)a->in_c * a->in_h * a->in_w, yn = (gsize)Co * hwo;
  int o, ci = 0, ky = 0, kx = 0;
  if (is_bias) {
    o = (int)e;
  } else {
    o = (int)(e / ((gsize)cig * s->kh * s->kw));
    int rem = (int)(e % ((gsize)cig * s->kh * s->kw));
    ci = (o / (Co / s->groups)) * cig + rem / (s->kh * s->kw);
    ky = rem % (s->kh * s->kw) / s->kw;
    kx = rem % s->kw;
  }
  for (int b = 0; b < B; b++) {
    double acc = 0;
    gsize y0 = (gsize)b * yn + (gsize)o * hwo, x0 = (gsize)b * xn + (gsize)ci * a->in_h * a->in_w;
    for (int oy = 0; oy < a->out_h; oy++) {
      int iy = oy * s->stride_h - s->pad_h + ky * s->dil_h;
      if (!is_bias && (iy < 0 || iy >= a->in_h)) continue;
      for (int ox = 0; ox < a->out_w; ox++) {
        double g = at(dy, f64, y0 + (gsize)oy * a->out_w + ox);
        if (is_bias) {
          acc += g;
          continue;
        }
        int ix = ox * s->stride_w - s->pad_w + kx * s->dil_w;
        if (ix >= 0 && ix < a->in_w) acc += g * at(x, f64, x0 + (gsize)iy * a->in_w + ix);
      }
    }
    out[(gsize)b * stride] = acc;
  }
}

static void linear_terms(const ZcLinearAttr *a, gboolean is_bias, gsize e, int B, gsize in_numel, const void *x,
                         const void *dy, gboolean f64, double *out, guint stride) {
  const gsize T = in_numel / (gsize)a->in_f;
  const int o = is_bias ? (int)e : (int)(e / (gsize)a->in_f), i = is_bias ? 0 : (int)(e % (gsize)a->in_f);
  for (int b = 0; b < B; b++) {
    double acc = 0;
    for (gsize t = 0; t < T; t++) {
      double g = at(dy, f64, ((gsize)b * T + t) * a->out_f + o);
      acc += is_bias ? g : g * at(x, f64, ((gsize)b * T + t) * a->in_f + i);
    }
    out[(gsize)b * stride] = acc;
  }
}

static void bn_terms(const ZcNet *net, const ZcBnAttr *a, gboolean is_beta, int c, int B, gsize hw, const void *x,
                     const void *dy, gboolean f64, double *out, guint stride) {
  double mean = 0, invstd = 1;
  if (net->bn_mode == ZC_BN_RUNNING) {
    mean = a->run_mean[c];
    invstd = 1.0 / sqrt(a->run_var[c] + a->eps);
  } else if (net->bn_mode == ZC_BN_BATCH) {
    double sum = 0, sq = 0;
    for (int b = 0; b < B; b++)
      for (gsize p = 0; p < hw; p++) sum += at(x, f64, ((gsize)b * a->C + c) * hw + p);
    mean = sum / ((double)B * hw);
    for (int b = 0; b < B; b++)
      for (gsize p = 0; p < hw; p++) {
        double d = at(x, f64, ((gsize)b * a->C + c) * hw + p) - mean;
        sq += d * d;
      }
    invstd = 1.0 / sqrt(sq / ((double)B * hw) + a->eps);
  }
  for (int b = 0; b < B; b++) {
    double acc = 0;
    if (net->bn_mode != ZC_BN_OFF)   /* off: the node is the identity, gamma and beta unused */
      for (gsize p = 0; p < hw; p++) {
        gsize k = ((gsize)b * a->C + c) * hw + p;
        double g = at(dy, f64, k);
        acc += is_beta ? g : g * (at(x, f64, k) - mean) * invstd;
      }
    out[(gsize)b * stride] = acc;
  }
}

gboolean zc_net_param_sample_grads(ZcNet *net, const ZcWorkspace *ws, guint n, const guint *tensors,
                                   const gsize *elements, double *out, GError **error) {
  int B = zc_net_batch(net, ws);
  if (B <= 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "per-sample gradients: the workspace holds no run of this network");
    return FALSE;
  }
  const gboolean f64 = net->dtype == ZC_F64;
  for (guint i = 0; i < n; i++) {
    if (tensors[i] >= net->params->len || elements[i] >= zc_param(net, tensors[i])->numel) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "per-sample gradients: no element %" G_GSIZE_FORMAT
                  " in parameter tensor %u", elements[i], tensors[i]);
      return FALSE;
    }
    const ZcParam *p = zc_param(net, tensors[i]);
    const ZcNode *node = zc_node(net, p->node);
    if (node->op == ZC_OP_BN && net->moments_k > 0) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED,
                  "per-sample gradients: BatchNorm over ghost batches (gradient moments on)");
      return FALSE;
    }
    if (node->op != ZC_OP_CONV && node->op != ZC_OP_LINEAR && !(node->op == ZC_OP_BN && node->shape.ndim != 2)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "per-sample gradients: not for a parameter of a %s node",
                  zc_net_op_name(net, p->node));
      return FALSE;
    }
    void *own_x, *own_dy;
    const void *x = host_tensor(net, ws, node->in[0], FALSE, &own_x, error);
    const void *dy = x ? host_tensor(net, ws, node->id, TRUE, &own_dy, error) : NULL;
    if (!dy) {
      g_free(own_x);
      g_prefix_error(error, "per-sample gradients: ");
      return FALSE;
    }
    if (node->op == ZC_OP_CONV) {
      const ZcConvAttr *a = node->attr;
      conv_terms(a, (int)tensors[i] == a->b, elements[i], B, x, dy, f64, out + i, n);
    } else if (node->op == ZC_OP_LINEAR) {
      const ZcLinearAttr *a = node->attr;
      linear_terms(a, (int)tensors[i] == a->b, elements[i], B, zc_node(net, node->in[0])->numel, x, dy, f64, out + i,
                   n);
    } else {
      const ZcBnAttr *a = node->attr;
      bn_terms(net, a, (int)tensors[i] == a->beta, (int)elements[i], B, node->numel / a->C, x, dy, f64, out + i, n);
    }
    g_free(own_x);
    g_free(own_dy);
  }
  return TRUE;
}
