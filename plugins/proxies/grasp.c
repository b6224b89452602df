/* Proxy `grasp` (Wang et al. 2020, as NASLib / NAS-Bench-Suite-Zero): with g the gradient of
 * the cross-entropy on one labelled batch (BatchNorm with batch statistics, temperature 1)
 * and H the Hessian of that loss with respect to all conv/linear weights,
 *   score = sum over conv/linear weights of -W (.) Hg,
 * the sign flipped by NASLib so that it correlates positively with accuracy (method.md §7.3).
 *
 * Hg comes from the engine's zc_net_hvp (central difference of gradients along g on the
 * same batch), with g taken from the prepared loss pass.  The difference quotient loses
 * about half the mantissa, so the network is double precision by default (option `float64`):
 * in float32 the engine must use a step of 1e-2 / ||g|| and Hg is only good to a few percent.
 * zc_net_hvp restores the weights exactly and re-runs the pass at W, so the prepared pass is
 * left as it was and can still be shared. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds grasp_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS | ZC_NEEDS_FLOAT64,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption grasp_options[] = {
  {"float64", ZC_OPT_BOOL, "true", 0, 0, NULL,
   "double-precision network: the finite-difference Hessian-gradient product needs it (float32 shares "
   "grad_norm's pass but Hg is then accurate to only a few percent)"},
  {NULL},
};

typedef struct {
  gboolean float64;
} Grasp;

static gpointer grasp_create(const ZcOptions *opts, GError **error) {
  Grasp *g = g_new0(Grasp, 1);
  g->float64 = zc_options_bool(opts, "float64");
  return g;
}

static void grasp_destroy(gpointer self) { g_free(self); }

static void grasp_configure(gpointer self, ZcPassSpec *spec) {
  Grasp *g = self;
  spec->float64 = g->float64;
}

static gboolean grasp_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  ZcDType dt = zc_net_dtype(net);
  gsize esz = zc_dtype_size(dt);
  int batch = zc_net_batch(net, ws);
  const void *images;
  const gint32 *labels;
  /* the batch the prepared pass ran on (same kind, size, index and precision) */
  if (!zc_eval_batch(ev, ZC_INPUT_REAL, (guint)batch, 0, dt == ZC_F64, &images, &labels, error)) return FALSE;
  guint nl = zc_net_n_layers(net);
  gsize nw = zc_net_n_layer_weights(net);
  guint8 *g = g_malloc(nw * esz), *hg = g_malloc(nw * esz);
  gsize off = 0;
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    memcpy(g + off * esz, L.weight_grad, L.weight_numel * esz);
    off += L.weight_numel;
  }
  gboolean ok = zc_net_hvp(net, ws, images, batch, ZC_LOSS_CE, labels, g, hg, error);
  if (ok) {
    double total = 0;
    off = 0;
    for (guint l = 0; l < nl; l++) {
      ZcLayerInfo L;
      zc_net_layer(net, ws, l, &L);
      if (dt == ZC_F64) {
        const double *w = L.weight, *h = (const double *)(void *)hg + off;
        for (gsize i = 0; i < L.weight_numel; i++) total -= w[i] * h[i];
      } else {
        const float *w = L.weight, *h = (const float *)(void *)hg + off;
        for (gsize i = 0; i < L.weight_numel; i++) total -= (double)w[i] * h[i];
      }
      off += L.weight_numel;
    }
    out[0] = total;
  }
  g_free(g);
  g_free(hg);
  return ok;
}

static const ZcProxyIface grasp_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &grasp_needs,
  .create = grasp_create,
  .destroy = grasp_destroy,
  .score = grasp_score,
  .configure = grasp_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, "grasp", "1.0", "sum of -W * Hg over conv/linear weights (NASLib grasp, T = 1)", "MIT",
                 grasp_options, &grasp_iface)
