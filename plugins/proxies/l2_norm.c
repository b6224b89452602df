/* Proxy `l2_norm` (NASLib / NAS-Bench-Suite-Zero): the sum over conv/linear layers of the
 * Frobenius norm of the initial weights.  No data and no pass: the network is only built
 * and initialised (method.md §7.9). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds l2_norm_needs = {
  .flags = ZC_NEEDS_NET,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_NONE,
  .n_batches = 0,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static double sum_squares(ZcDType dt, const void *w, gsize n) {
  double s = 0;
  if (dt == ZC_F64) {
    const double *a = w;
    for (gsize i = 0; i < n; i++) s += a[i] * a[i];
  } else {
    const float *a = w;
    for (gsize i = 0; i < n; i++) s += (double)a[i] * a[i];
  }
  return s;
}

static gboolean l2_norm_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  ZcDType dt = zc_net_dtype(net);
  double total = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    total += sqrt(sum_squares(dt, L.weight, L.weight_numel));
  }
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface l2_norm_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &l2_norm_needs,
  .score = l2_norm_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, "l2_norm", "1.0", "sum of per-layer Frobenius norms of the initial weights (NASLib l2_norm)",
                 "MIT", NULL, &l2_norm_iface)
