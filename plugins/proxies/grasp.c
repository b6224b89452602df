/* Proxy `grasp` (Wang et al. 2020, as NASLib / NAS-Bench-Suite-Zero): with g the gradient of
 * the task's loss (zc_eval_loss_target: cross-entropy unless the space declares another) on one labelled batch (BatchNorm with batch statistics, temperature 1)
 * and H the Hessian of that loss with respect to all conv/linear weights,
 *   score = sum over conv/linear weights of -W (.) Hg = -W^T H g,
 * the sign flipped by NASLib so that it correlates positively with accuracy (method.md §7.3).
 *
 * NASLib gets Hg exactly by double backprop (ReLU second derivative 0).  Here, H being
 * symmetric, W^T H g = g^T H W is a central difference of gradients along W itself:
 *   (<g, grad L(W (1 + t))> - <g, grad L(W (1 - t))>) / (2t)   on the same batch.
 * The step must be tiny: every ReLU input the perturbation moves across 0 adds an error, and
 * a NAS-Bench-201 network on a batch of 64 has ~10^7 of them.  Rescaling W moves few of them
 * (a conv followed by batch-statistics BN is scale-invariant), differencing along g moves
 * all.  Measured on two NB201 cells: along W, t = 1e-9 and 1e-8 agree to 2e-5 while t >=
 * 1e-7 is off by 10-1000x; along g even a perturbation of 1e-9 in norm can be off by 1000x;
 * a difference along g of 1e-4 in norm (the engine's former zc_net_hvp) is unusable there.  Only double
 * precision resolves such a step, so the network is float64.
 * The weights are restored exactly afterwards; the workspace then holds the last
 * perturbed pass, so grasp declares ZC_NEEDS_MUTATES rather than paying a third float64
 * pass to restore the prepared one (no other proxy asks for a float64 loss pass). */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds grasp_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS | ZC_NEEDS_FLOAT64 | ZC_NEEDS_MUTATES,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption grasp_options[] = {
  {"step", ZC_OPT_FLOAT, "1e-9", 1e-14, 1e-2, NULL,
   "relative rescaling t of the weights in the finite difference: small enough that almost no ReLU input "
   "crosses 0 (on NB201 1e-9 and 1e-8 agree to 2e-5, 1e-7 is off by 10x or more), large enough for float64 rounding"},
  {NULL},
};

typedef struct {
  double step;
} Grasp;

static gpointer grasp_create(const ZcOptions *opts, GError **error) {
  Grasp *g = g_new0(Grasp, 1);
  g->step = zc_options_float(opts, "step");
  return g;
}

static void grasp_destroy(gpointer self) { g_free(self); }

/* weights := W0 (1 + t), forward, backward; <g, grad> */
static gboolean scaled_dot(ZcNet *net, ZcWorkspace *ws, const double *W0, const double *g, double t,
                           const void *images, int batch, ZcLossKind lk, const void *target, double *dot,
                           GError **error) {
  guint nl = zc_net_n_layers(net);
  gsize off = 0;
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    int wp, bp;
    zc_net_layer(net, ws, l, &L);
    zc_net_layer_params(net, l, &wp, &bp);
    double *w = g_new(double, L.weight_numel);
    for (gsize i = 0; i < L.weight_numel; i++) w[i] = W0[off + i] * (1 + t);
    zc_net_write_param(net, (guint)wp, w);   /* through the engine: a backend re-uploads */
    g_free(w);
    off += L.weight_numel;
  }
  double loss;
  if (!zc_net_forward(net, ws, images, batch, error) ||
      !zc_net_backward_loss(net, ws, lk, target, &loss, 0, error)) return FALSE;
  double s = 0;
  off = 0;
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    const double *gr = L.weight_grad;
    for (gsize i = 0; i < L.weight_numel; i++) s += g[off + i] * gr[i];
    off += L.weight_numel;
  }
  *dot = s;
  return TRUE;
}

static gboolean grasp_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Grasp *gr = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  int batch = zc_net_batch(net, ws);
  const void *images, *target;
  ZcLossKind lk;
  /* the batch the prepared pass ran on (same kind, size, index and precision), and the
   * task's loss and target on it (what the prepared ZC_PASS_LOSS back-propagated) */
  if (!zc_eval_batch(ev, ZC_INPUT_REAL, (guint)batch, 0, TRUE, &images, NULL, error) ||
      !zc_eval_loss_target(ev, net, ZC_INPUT_REAL, (guint)batch, 0, &lk, &target, error))
    return FALSE;
  guint nl = zc_net_n_layers(net);
  gsize nw = zc_net_n_layer_weights(net), off = 0;
  double *W0 = g_new(double, nw), *g = g_new(double, nw);
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    memcpy(W0 + off, L.weight, L.weight_numel * sizeof(double));
    memcpy(g + off, L.weight_grad, L.weight_numel * sizeof(double));
    off += L.weight_numel;
  }
  double t = gr->step, dp = 0, dm = 0;
  zc_net_set_bn_update_running(net, FALSE);
  gboolean ok = scaled_dot(net, ws, W0, g, t, images, batch, lk, target, &dp, error) &&
                scaled_dot(net, ws, W0, g, -t, images, batch, lk, target, &dm, error);
  zc_net_set_bn_update_running(net, TRUE);
  /* back to W exactly */
  off = 0;
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    int wp, bp;
    zc_net_layer(net, ws, l, &L);
    zc_net_layer_params(net, l, &wp, &bp);
    zc_net_write_param(net, (guint)wp, W0 + off);
    off += L.weight_numel;
  }
  if (ok) out[0] = -(dp - dm) / (2 * t);
  g_free(W0);
  g_free(g);
  return ok;
}

static const ZcProxyIface grasp_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &grasp_needs,
  .create = grasp_create,
  .destroy = grasp_destroy,
  .score = grasp_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, grasp, "1.2", "sum of -W * Hg over conv/linear weights (NASLib grasp, T = 1)", "MIT",
                 grasp_options, &grasp_iface)
