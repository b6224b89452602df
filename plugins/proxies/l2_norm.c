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

static gboolean l2_norm_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  out[0] = zc_net_layer_sum(net, ws, ZC_LAYERSUM_WEIGHT_L2);
  return TRUE;
}

static const ZcProxyIface l2_norm_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &l2_norm_needs,
  .score = l2_norm_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, l2_norm, "1.0", "sum of per-layer Frobenius norms of the initial weights (NASLib l2_norm)",
                 "MIT", NULL, &l2_norm_iface)
