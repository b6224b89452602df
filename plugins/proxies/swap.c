/* Proxy `swap` — SWAP (Peng et al., ICLR 2024; method.md §7.14): the number of distinct
 * per-unit S-bit activation patterns over every ReLU whose input is a conv map (and, for
 * GELU networks, every GELU by the sign of its pre-activation), on S = 16 images, with the
 * network re-initialised as the official correlation script does: conv/linear weights
 * N(0,1), biases 0, BatchNorm gamma 1 beta 0 (ZC_INIT_NORMAL, arg 1), BatchNorm on batch
 * statistics of the S images.
 *
 * repeats > 1 averages over re-initialisations (seed + r) and input batches r; the
 * official script uses 32, the default 1 keeps it one forward.  Regularised SWAP
 * (mu, sigma > 0): SWAP * exp(-(P - mu)^2 / sigma), P = parameters in thousands. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include <zcnas/layersel.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds swap_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_PATTERNS | ZC_NEEDS_OWN_INIT,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
  .init = ZC_INIT_NORMAL,
  .init_arg = 1.0,
};

static const ZcOption swap_options[] = {
  {"samples", ZC_OPT_INT, "16", 1, 64, NULL, "S, images of the batch and bits per pattern (official --input_samples 16)"},
  {"repeats", ZC_OPT_INT, "1", 1, 1000, NULL,
   "average over this many re-initialisations and batches (official 32; 1 keeps it one forward)"},
  {"mu", ZC_OPT_FLOAT, "0", 0, 0, NULL, "regularised SWAP: centre of the parameter prior, thousands of parameters"},
  {"sigma", ZC_OPT_FLOAT, "0", 0, 0, NULL,
   "regularised SWAP: width of exp(-(P-mu)^2/sigma); 0 = off (the paper's values are unknown)"},
  {NULL},
};

typedef struct {
  int samples, repeats;
  double mu, sigma;
} Swap;

static gpointer swap_create(const ZcOptions *o, GError **error) {
  Swap *s = g_new0(Swap, 1);
  s->samples = (int)zc_options_int(o, "samples");
  s->repeats = (int)zc_options_int(o, "repeats");
  s->mu = zc_options_float(o, "mu");
  s->sigma = zc_options_float(o, "sigma");
  if (s->sigma < 0) {
    zc_options_set_error(o, "sigma", error, "must be >= 0");
    g_free(s);
    return NULL;
  }
  return s;
}

static void swap_destroy(gpointer self) { g_free(self); }

static void swap_configure(gpointer self, ZcPassSpec *spec) {
  Swap *s = self;
  spec->batch = (guint)s->samples;
}

#define SWAP_STREAM G_GUINT64_CONSTANT(0x73776170)   /* "swap" */

static gboolean swap_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Swap *s = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  double sum = 0, psi;
  if (!zc_layersel_psi(net, ws, s->samples, NULL, TRUE, &psi, error)) return FALSE;
  sum += psi;
  if (s->repeats > 1) {
    /* further repeats change the prepared network: hand nothing on to other proxies */
    zc_eval_invalidate(ev);
    const ZcPassSpec *spec = zc_eval_spec(ev);
    for (int r = 1; r < s->repeats; r++) {
      const void *x;
      const gint32 *y;
      if (!zc_eval_batch(ev, spec->input, (guint)s->samples, (guint)r, spec->float64, &x, &y, error)) return FALSE;
      zc_net_init(net, ZC_INIT_NORMAL, 1.0, zc_rng_subkey(zc_rng_key(zc_eval_seed(ev), SWAP_STREAM), (guint64)r));
      zc_net_reset_bn_running(net);
      if (!zc_net_forward(net, ws, x, s->samples, error)) return FALSE;
      if (!zc_layersel_psi(net, ws, s->samples, NULL, TRUE, &psi, error)) return FALSE;
      sum += psi;
    }
  }
  double v = sum / s->repeats;
  if (s->sigma > 0) {
    ZcCost cost;
    if (!zc_eval_cost(ev, &cost, error)) return FALSE;
    double P = cost.params_m * 1e3;
    v *= exp(-(P - s->mu) * (P - s->mu) / s->sigma);
  }
  out[0] = v;
  return TRUE;
}

static const ZcProxyIface swap_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &swap_needs,
  .create = swap_create,
  .destroy = swap_destroy,
  .score = swap_score,
  .configure = swap_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, swap, "1.0",
                 "SWAP: distinct activation patterns of conv ReLUs on 16 images, N(0,1) weights", "MIT",
                 swap_options, &swap_iface)
