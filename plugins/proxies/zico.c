/* Proxy `zico` — ZiCo (Li et al., ICLR 2023; method.md §7.13):
 *   sum over conv/linear layers l of log( sum_{w, std_w != 0} mean_b|g_w| / std_b(g_w) ),
 * where g_w is the weight gradient of the mean cross-entropy of mini-batch b, the mean
 * and the population std are over the `batches` mini-batches (official maxbatch = 2), and
 * a layer whose sum is 0 is skipped.
 *
 * The mini-batches are the chunks of ONE engine pass with gradient moments over
 * `batches` x `batch_size` images (zc_net_set_moments): each chunk runs as an independent
 * forward/backward with its own BatchNorm statistics, exactly like the official loop
 * over separate mini-batches, at the price of one backward. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include <zcnas/layersel.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds zico_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS | ZC_NEEDS_SAMPLE_GRADS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 2,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption zico_options[] = {
  {"batches", ZC_OPT_INT, "2", 2, 64, NULL, "mini-batches whose gradients give mean and std (official maxbatch = 2)"},
  {"batch_size", ZC_OPT_INT, "64", 0, 4096, NULL,
   "images per mini-batch (64: the NAS-Bench-Suite-Zero batch); 0 = split the run's batch into `batches`"},
  {NULL},
};

typedef struct {
  int batches, batch_size;
} Zico;

static gpointer zico_create(const ZcOptions *o, GError **error) {
  Zico *z = g_new0(Zico, 1);
  z->batches = (int)zc_options_int(o, "batches");
  z->batch_size = (int)zc_options_int(o, "batch_size");
  return z;
}

static void zico_destroy(gpointer self) { g_free(self); }

static void zico_configure(gpointer self, ZcPassSpec *spec) {
  Zico *z = self;
  spec->moments_k = z->batches;
  spec->batch = (guint)z->batches * (guint)z->batch_size;
}

static gboolean zico_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  double total = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    ZcLayerGradStat st;
    zc_net_layer(net, ws, l, &L);
    if (!zc_layersel_grad_stat(&L, FALSE, 0, &st)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED, "zico: the pass left no gradient moments");
      return FALSE;
    }
    if (st.mean_abs_over_sigma_sum > 0) total += log(st.mean_abs_over_sigma_sum);
  }
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface zico_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &zico_needs,
  .create = zico_create,
  .destroy = zico_destroy,
  .score = zico_score,
  .configure = zico_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, zico, "1.0", "ZiCo: sum of log sum mean|g| / std(g) over mini-batch gradients",
                 "MIT", zico_options, &zico_iface)
