/* Proxy `plain` (NASLib / NAS-Bench-Suite-Zero): the signed sum over conv/linear weights of
 * W (.) g, g the weight gradient of the cross-entropy on one labelled batch, BatchNorm with
 * batch statistics.  Same prepared pass as grad_norm and snip (method.md §7.8).
 * Per layer, sum_i w_i g_i is the derivative of the loss along a uniform rescaling of that
 * layer's weights, so a conv layer followed by batch-statistics BatchNorm contributes ~0
 * (scale invariance up to BN's eps): the score is dominated by the classifier. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds plain_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean plain_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  out[0] = zc_net_layer_sum(net, ws, ZC_LAYERSUM_WG);
  return TRUE;
}

static const ZcProxyIface plain_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &plain_needs,
  .score = plain_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, plain, "1.0", "signed sum of W * dL/dW over conv/linear weights (NASLib plain)",
                 "MIT", NULL, &plain_iface)
