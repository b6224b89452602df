/* Proxies `grad_norm`, `snip` and `plain` (NASLib / NAS-Bench-Suite-Zero): a sum over the
 * conv and linear layers of a per-layer quantity of the weights W and the weight gradient g
 * of the cross-entropy loss on one labelled batch, BatchNorm with batch statistics.  All
 * three read the same prepared pass; this one source is compiled once per proxy, the
 * -D define picking which:
 *  - ZC_GRAD_SUM_GRAD_NORM (Abdelfattah et al. 2021): sum_l ||g_l||_F, a sum of per-layer
 *    norms, not the norm of the concatenated gradient (method.md §7.1);
 *  - ZC_GRAD_SUM_SNIP (Lee et al. 2019): the saliency of a multiplicative mask on every
 *    weight, |dL/dm| = |W (.) g| at m = 1, summed over weights and layers (method.md §7.2);
 *  - ZC_GRAD_SUM_PLAIN: the signed sum of W (.) g (method.md §7.8).  Per layer, sum_i w_i g_i
 *    is the derivative of the loss along a uniform rescaling of that layer's weights, so a
 *    conv layer followed by batch-statistics BatchNorm contributes ~0 (scale invariance up
 *    to BN's eps): the score is dominated by the classifier. */
#include "config.h"
#include <zcnas/zcnas.h>

#if defined ZC_GRAD_SUM_GRAD_NORM
#define GRAD_SUM_KIND ZC_LAYERSUM_GRAD_L2
#define GRAD_SUM_NAME grad_norm
#define GRAD_SUM_DESCRIPTION "sum of per-layer weight-gradient norms (NASLib grad_norm)"
#elif defined ZC_GRAD_SUM_SNIP
#define GRAD_SUM_KIND ZC_LAYERSUM_ABS_WG
#define GRAD_SUM_NAME snip
#define GRAD_SUM_DESCRIPTION "sum of |W * dL/dW| over conv/linear weights (NASLib snip)"
#elif defined ZC_GRAD_SUM_PLAIN
#define GRAD_SUM_KIND ZC_LAYERSUM_WG
#define GRAD_SUM_NAME plain
#define GRAD_SUM_DESCRIPTION "signed sum of W * dL/dW over conv/linear weights (NASLib plain)"
#else
#error "build with -DZC_GRAD_SUM_GRAD_NORM, -DZC_GRAD_SUM_SNIP or -DZC_GRAD_SUM_PLAIN"
#endif

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds grad_sum_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean grad_sum_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  out[0] = zc_net_layer_sum(net, ws, GRAD_SUM_KIND);
  return TRUE;
}

static const ZcProxyIface grad_sum_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &grad_sum_needs,
  .score = grad_sum_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, GRAD_SUM_NAME, "1.0", GRAD_SUM_DESCRIPTION, "MIT", NULL, &grad_sum_iface)
