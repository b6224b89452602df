/* Proxy plugins `params` and `flops`: the architecture's size, from the space's own
 * count (no network is built).  Both are strong baselines that any proxy must beat. */
#include "config.h"
#include <zcnas/zcnas.h>

#ifndef ZC_COST_FIELD
#error "build with -DZC_COST_FIELD=params_m or flops_m"
#endif

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds cost_needs = {
  .flags = 0,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_NONE,
  .n_batches = 0,
  .n_outputs = 1,
  .outputs = NULL,
  .direction = higher_is_better,
};

static gboolean cost_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcCost cost;
  if (!zc_eval_cost(ev, &cost, error)) return FALSE;
  out[0] = cost.ZC_COST_FIELD;
  return TRUE;
}

static const ZcProxyIface cost_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &cost_needs,
  .create = NULL,
  .destroy = NULL,
  .score = cost_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, ZC_COST_NAME, "1.0", ZC_COST_DESCRIPTION, "MIT", NULL, &cost_iface)
