/* Proxy `synflow` (Tanaka et al. 2020, as NASLib / NAS-Bench-Suite-Zero): every parameter
 * replaced by its absolute value, BatchNorm off (identity), double precision, one all-ones
 * input; R = sum of the outputs, backpropagated, and
 *   score = sum over conv/linear weights of |W (.) dR/dW|,
 * then NASLib's log transform (log s for s > 0, -log(-s) for s < 0, 0 stays 0), which the
 * NAS-Bench-Suite-Zero columns contain (option `log`).  The core makes the parameters
 * positive for this pass and gives their signs back before any other pass (method.md §7.10). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds synflow_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_SUM_BACKWARD | ZC_NEEDS_ABS_PARAMS | ZC_NEEDS_FLOAT64,
  .bn = ZC_BN_OFF,
  .input = ZC_INPUT_ONES,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption synflow_options[] = {
  {"log", ZC_OPT_BOOL, "true", 0, 0, NULL,
   "report log(score) as NASLib's ZeroCost.query does (the NAS-Bench-Suite-Zero values are logged); false: the raw sum"},
  {NULL},
};

typedef struct {
  gboolean log;
} Synflow;

static gpointer synflow_create(const ZcOptions *opts, GError **error) {
  Synflow *s = g_new0(Synflow, 1);
  s->log = zc_options_bool(opts, "log");
  return s;
}

static void synflow_destroy(gpointer self) { g_free(self); }

static gboolean synflow_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Synflow *sf = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  double total = zc_net_layer_sum(net, ws, ZC_LAYERSUM_ABS_WG);
  if (sf->log) total = total > 0 ? log(total) : total < 0 ? -log(-total) : 0;
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface synflow_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &synflow_needs,
  .create = synflow_create,
  .destroy = synflow_destroy,
  .score = synflow_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, synflow, "1.0", "synaptic flow of |params| on an all-ones input, logged (NASLib synflow)",
                 "MIT", synflow_options, &synflow_iface)
