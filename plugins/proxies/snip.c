/* Proxy `snip` (Lee et al. 2019, as NASLib / NAS-Bench-Suite-Zero): the saliency of a
 * multiplicative mask on every conv/linear weight, |dL/dm| = |W (.) g| at m = 1, summed over
 * weights and layers; cross-entropy on one labelled batch, BatchNorm with batch statistics.
 * It reads the same prepared pass as grad_norm and plain (method.md §7.2). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds snip_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean snip_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  out[0] = zc_net_layer_sum(net, ws, ZC_LAYERSUM_ABS_WG);
  return TRUE;
}

static const ZcProxyIface snip_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &snip_needs,
  .score = snip_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, snip, "1.0", "sum of |W * dL/dW| over conv/linear weights (NASLib snip)", "MIT",
                 NULL, &snip_iface)
