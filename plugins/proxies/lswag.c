/* Proxy `lswag` — L-SWAG (Casarin et al., CVPR 2025; method.md §2): score = Lambda x Psi.
 *
 * Lambda = sum over the selected weight layers l of log( sum_{w in l, sigma_w != 0}
 * 1/sigma_w ), sigma_w = std over "samples" of |dL/dw| (the paper's Var(|grad|)); a
 * sample is one of K chunks of the batch (default 8) or one image (subbatches = 0).  Everything comes
 * from ONE forward+backward with the engine's gradient moments (zc_net_set_moments): with
 * moments each chunk is an independent run, so BatchNorm normalises each image over its
 * own H x W (docs/lswag.md, "BatchNorm").
 *
 * Psi = number of distinct S-bit activation patterns over the activation units of
 * layers 1..L-hat (or l-hat..L-hat), read from the same forward.
 *
 * Layer selection: conv/linear weight layers in execution order, layer l of L (1-based)
 * in depth-percentile bin int((l/L)*100 // (100/bins)) (0..bins); `layer_start` and
 * `layer_end` are bins, inclusive.  An activation belongs to the last weight layer
 * executed before it.  See docs/lswag.md for the defaults and how they were measured. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>
#include <zcnas/layersel.h>

/* Built-in (start, end) bins of `layers = "auto"`, measured with `zcnas layerstats`
 * (docs/lswag.md gives the commands and the numbers); FALSE for other spaces. */
static const struct {
  const char *space;
  guint start, end;
} space_defaults[] = {
  {"nb201", 0, 10},
  {"autoformer", 0, 10},
};

static gboolean space_default(const char *space, guint *start, guint *end) {
  for (gsize i = 0; i < G_N_ELEMENTS(space_defaults); i++)
    if (space && !strcmp(space, space_defaults[i].space)) {
      *start = space_defaults[i].start;
      *end = space_defaults[i].end;
      return TRUE;
    }
  return FALSE;
}

/* Weight-layer index (1-based, 0 before the first weight layer) an activation belongs
 * to: the number of weight layers executed before it.  `layer_of_act` gets
 * zc_net_n_acts() entries. */
static void act_layers(ZcNet *net, guint *layer_of_act) {
  guint nl = zc_net_n_layers(net), na = zc_net_n_acts(net), l = 0;
  ZcLayerInfo L;
  for (guint a = 0; a < na; a++) {
    ZcActInfo A;
    zc_net_act(net, NULL, a, &A);
    /* acts and layers are both in execution (= node id) order */
    while (l < nl && zc_net_layer(net, NULL, l, &L) && L.node < A.node) l++;
    layer_of_act[a] = l;
  }
}

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds lswag_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS | ZC_NEEDS_SAMPLE_GRADS | ZC_NEEDS_PATTERNS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption lswag_options[] = {
  {"abs", ZC_OPT_BOOL, "true", 0, 0, NULL,
   "sigma of |g| (the paper's Var(|grad L|)); false: of signed g as ZiCo's code (UNCONFIRMED)"},
  {"ddof", ZC_OPT_INT, "0", 0, 1, NULL, "variance denominator K - ddof; 0 = population std as numpy in ZiCo"},
  {"subbatches", ZC_OPT_INT, "8", 0, 64, NULL,
   "gradient samples K: K chunks of the batch (8: best measured on NB201, docs/lswag.md), 0 = one per image (batch 64)"},
  {"layers", ZC_OPT_CHOICE, "range", 0, 0, "range|auto|all",
   "weight layers of Lambda: bins layer_start..layer_end, the spike detector (auto) or all"},
  {"layer_start", ZC_OPT_INT, "0", 0, 100, NULL, "first percentile bin of Lambda (l-hat), layers = range"},
  {"layer_end", ZC_OPT_INT, "10", 0, 100, NULL, "last percentile bin (L-hat), layers = range; also ends Psi"},
  {"bins", ZC_OPT_INT, "10", 1, 100, NULL, "PERC_BINS of the percentile rule (paper: 10)"},
  {"spike_thr", ZC_OPT_FLOAT, "2", 0, 100, NULL,
   "layers = auto on a space without a measured default: robust z-score of a spike bin"},
  {"psi_start", ZC_OPT_CHOICE, "first", 0, 0, "first|lhat",
   "Psi over layers 1..L-hat (first, the literal Eq. 7) or l-hat..L-hat (UNCONFIRMED)"},
  {"psi_mode", ZC_OPT_CHOICE, "union", 0, 0, "union|sum",
   "distinct patterns of the union of the layers' units (literal Eq. 8) or sum of per-activation counts"},
  {"pattern_samples", ZC_OPT_INT, "16", 0, 64, NULL,
   "S, images per pattern (16 as SWAP: 64-bit patterns saturate, docs/lswag.md); 0 = the batch up to 64"},
  {"bn", ZC_OPT_CHOICE, "batch", 0, 0, "batch|running|off",
   "BatchNorm: batch statistics (of each gradient sample), running stats at init (identity), or off"},
  {"term", ZC_OPT_CHOICE, "product", 0, 0, "product|lambda|psi", "output Lambda x Psi, or one factor (ablations)"},
  {NULL},
};

typedef struct {
  gboolean abs;
  int ddof, subbatches, bins, pattern_samples;
  enum { SEL_RANGE, SEL_AUTO, SEL_ALL } sel;
  guint start, end;
  double spike_thr;
  gboolean psi_from_lhat, psi_union;
  ZcBnMode bn;
  enum { TERM_PRODUCT, TERM_LAMBDA, TERM_PSI } term;
} Lswag;

static gpointer lswag_create(const ZcOptions *o, GError **error) {
  Lswag *s = g_new0(Lswag, 1);
  s->abs = zc_options_bool(o, "abs");
  s->ddof = (int)zc_options_int(o, "ddof");
  s->subbatches = (int)zc_options_int(o, "subbatches");
  s->bins = (int)zc_options_int(o, "bins");
  s->pattern_samples = (int)zc_options_int(o, "pattern_samples");
  const char *sel = zc_options_string(o, "layers");
  s->sel = !strcmp(sel, "auto") ? SEL_AUTO : !strcmp(sel, "all") ? SEL_ALL : SEL_RANGE;
  s->start = (guint)zc_options_int(o, "layer_start");
  s->end = (guint)zc_options_int(o, "layer_end");
  s->spike_thr = zc_options_float(o, "spike_thr");
  s->psi_from_lhat = !strcmp(zc_options_string(o, "psi_start"), "lhat");
  s->psi_union = !strcmp(zc_options_string(o, "psi_mode"), "union");
  const char *bn = zc_options_string(o, "bn");
  s->bn = !strcmp(bn, "running") ? ZC_BN_RUNNING : !strcmp(bn, "off") ? ZC_BN_OFF : ZC_BN_BATCH;
  const char *term = zc_options_string(o, "term");
  s->term = !strcmp(term, "lambda") ? TERM_LAMBDA : !strcmp(term, "psi") ? TERM_PSI : TERM_PRODUCT;
  if (s->subbatches == 1 || (s->subbatches && s->subbatches - s->ddof < 1)) {
    zc_options_set_error(o, "subbatches", error, "a standard deviation needs at least 2 gradient samples");
    g_free(s);
    return NULL;
  }
  if (s->sel == SEL_RANGE && (s->start > s->end || s->end > (guint)s->bins)) {
    zc_options_set_error(o, "layer_end", error, "need layer_start <= layer_end <= bins (%d)", s->bins);
    g_free(s);
    return NULL;
  }
  return s;
}

static void lswag_destroy(gpointer self) { g_free(self); }

/* Per-image gradients are 64 chunks: the engine's limit and the paper's batch of 64. */
#define PER_SAMPLE_K 64

static void lswag_configure(gpointer self, ZcPassSpec *spec) {
  Lswag *s = self;
  spec->moments_k = s->subbatches ? s->subbatches : PER_SAMPLE_K;
  spec->bn = s->bn;
}

static gboolean lswag_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Lswag *s = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) {
    if (!s->subbatches)
      g_prefix_error(error, "lswag: one gradient per image needs the batch of %d (or set subbatches = the batch): ",
                     PER_SAMPLE_K);
    return FALSE;
  }
  int B = zc_net_batch(net, ws);
  if (!s->subbatches && B != PER_SAMPLE_K) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "lswag: one gradient per image needs batch %d, the run has %d: set subbatches = %d (<= 64)",
                PER_SAMPLE_K, B, B);
    return FALSE;
  }
  guint L = zc_net_n_layers(net), nbins = (guint)s->bins + 1;
  ZcLayerGradStat *st = g_new0(ZcLayerGradStat, L ? L : 1);
  guint *bin = g_new(guint, L ? L : 1);
  double *bsum = g_new0(double, nbins);
  guint *bcnt = g_new0(guint, nbins);
  for (guint l = 0; l < L; l++) {
    ZcLayerInfo info;
    zc_net_layer(net, ws, l, &info);
    zc_layersel_grad_stat(&info, s->abs, s->ddof, &st[l]);
    bin[l] = zc_layersel_bin(l + 1, L, (guint)s->bins);
    if (st[l].kept) {
      bsum[bin[l]] += st[l].mean_log_sigma;
      bcnt[bin[l]]++;
    }
  }
  guint start = s->start, end = s->end;
  if (s->sel == SEL_ALL) {
    start = 0;
    end = (guint)s->bins;
  } else if (s->sel == SEL_AUTO &&
             !space_default(zc_space_name(zc_eval_space(ev)), &start, &end)) {
    /* no measured default for this space: the detector on this network's own bins */
    gboolean *have = g_new0(gboolean, nbins);
    for (guint b = 0; b < nbins; b++) {
      have[b] = bcnt[b] > 0;
      if (have[b]) bsum[b] /= bcnt[b];
    }
    zc_layersel_spikes(bsum, have, nbins, s->spike_thr, &start, &end);
    g_free(have);
  }
  double lambda = 0;
  for (guint l = 0; l < L; l++)
    if (bin[l] >= start && bin[l] <= end && st[l].inv_sigma_sum > 0) lambda += log(st[l].inv_sigma_sum);

  double psi = 0;
  gboolean ok = TRUE;
  if (s->term != TERM_LAMBDA) {
    guint na = zc_net_n_acts(net);
    guint *lay = g_new(guint, na ? na : 1);
    gboolean *use = g_new0(gboolean, na ? na : 1);
    act_layers(net, lay);
    guint lo = s->psi_from_lhat ? start : 0;
    for (guint a = 0; a < na; a++) {
      ZcActInfo A;
      zc_net_act(net, ws, a, &A);
      guint b = lay[a] ? zc_layersel_bin(lay[a], L, (guint)s->bins) : 0;
      use[a] = zc_layersel_act_counts(&A) && b >= lo && b <= end;
    }
    int S = s->pattern_samples ? s->pattern_samples : MIN(B, 64);
    ok = zc_layersel_psi(net, ws, MIN(S, B), use, s->psi_union, &psi, error);
    g_free(lay);
    g_free(use);
  }
  g_free(st);
  g_free(bin);
  g_free(bsum);
  g_free(bcnt);
  if (!ok) return FALSE;
  if (s->term == TERM_LAMBDA) out[0] = lambda;
  else if (s->term == TERM_PSI) out[0] = psi;
  else {
    if (lambda < 0) {
      char *arch = zc_space_format(zc_eval_space(ev), zc_eval_arch(ev));
      g_warning("lswag: Lambda = %g < 0 on %s: the product inverts the Psi ranking", lambda, arch);
      g_free(arch);
    }
    out[0] = lambda * psi;
  }
  return TRUE;
}

static const ZcProxyIface lswag_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &lswag_needs,
  .create = lswag_create,
  .destroy = lswag_destroy,
  .score = lswag_score,
  .configure = lswag_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, lswag, "1.0",
                 "L-SWAG: layer-restricted sum of log sum 1/std(|per-sample grad|) x distinct activation patterns",
                 "MIT", lswag_options, &lswag_iface)
