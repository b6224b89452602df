/* Proxy `grad_norm` (Abdelfattah et al. 2021; NAS-Bench-Suite-Zero): the sum over conv and
 * linear layers of the Frobenius norm of the weight gradient of the cross-entropy loss on
 * one labelled batch, BatchNorm with batch statistics.  A sum of per-layer norms, not the
 * norm of the concatenated gradient (method.md §7.1). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds grad_norm_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean grad_norm_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  out[0] = zc_net_layer_sum(net, ws, ZC_LAYERSUM_GRAD_NORM);
  return TRUE;
}

static const ZcProxyIface grad_norm_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &grad_norm_needs,
  .score = grad_norm_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, grad_norm, "1.0", "sum of per-layer weight-gradient norms (NASLib grad_norm)",
                 "MIT", NULL, &grad_norm_iface)
