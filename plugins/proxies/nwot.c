/* Proxy `nwot` — NASWOT (Mellor et al., ICML 2021; NASLib nwot; method.md §7.6): over
 * every activation of one forward of the batch (BatchNorm on batch statistics, no
 * labels, no gradients), binarise each sample's pre-activation c = 1[x > 0] and
 * accumulate K = sum c c^T + (1 - c)(1 - c)^T, the number of units on which two samples
 * agree; the score is log|det K| (slogdet, LU in double).
 *
 * Activations: every ReLU, as NASLib hooks every nn.ReLU, and every GELU by the sign of
 * its pre-activation (the GELU adaptation of ReLU proxies of the L-SWAG paper).  The
 * kernel is S x S with S = min(batch, 64) samples: the batch of 64 of NAS-Bench-Suite-Zero
 * gives S = 64.  Identical patterns of two samples make K singular: -inf. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include "logdet.h"

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds nwot_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_PATTERNS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption nwot_options[] = {
  {"acts", ZC_OPT_CHOICE, "all", 0, 0, "all|relu", "activations read: every ReLU and GELU, or ReLUs only (NASLib)"},
  {NULL},
};

static gpointer nwot_create(const ZcOptions *o, GError **error) {
  gboolean *relu_only = g_new(gboolean, 1);
  *relu_only = !g_strcmp0(zc_options_string(o, "acts"), "relu");
  return relu_only;
}

static void nwot_destroy(gpointer self) { g_free(self); }

/* K[i*S+j] += number of units where samples i and j agree (both bits equal), for
 * i, j < S, over n patterns (popcounts).  Accumulates, so call once per activation. */
static void agreement(const guint64 *p, gsize n, int S, double *K) {
  g_return_if_fail(S >= 1 && S <= 64);
  /* transpose: row s holds bit s of every unit, packed 64 units per word */
  gsize W = (n + 63) / 64;
  guint64 *rows = g_new0(guint64, (gsize) S * W);
  for (gsize u = 0; u < n; u++) {
    guint64 v = p[u];
    for (int s = 0; s < S; s++)
      if (v >> s & 1) rows[(gsize) s * W + u / 64] |= (guint64) 1 << (u % 64);
  }
  for (int i = 0; i < S; i++)
    for (int j = i; j < S; j++) {
      guint64 diff = 0;
      for (gsize w = 0; w < W; w++) diff += (guint64) __builtin_popcountll(rows[(gsize) i * W + w] ^ rows[(gsize) j * W + w]);
      double agree = (double) (n - diff);
      K[i * S + j] += agree;
      if (j != i) K[j * S + i] += agree;
    }
  g_free(rows);
}

static gboolean nwot_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  gboolean relu_only = *(gboolean *)self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  int S = MIN(zc_net_batch(net, ws), 64);
  double *K = g_new0(double, (gsize)S * S);
  gboolean ok = TRUE;
  guint64 *p = NULL;
  gsize cap = 0;
  for (guint a = 0; a < zc_net_n_acts(net) && ok; a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    if (relu_only && A.kind != ZC_ACT_RELU) continue;
    if (A.units > cap) {
      cap = A.units;
      p = g_renew(guint64, p, cap);
    }
    ok = zc_net_sign_patterns(net, ws, A.node, S, p, error);
    if (ok) agreement(p, A.units, S, K);
  }
  if (ok) out[0] = zc_logabsdet(K, S, NULL);
  g_free(p);
  g_free(K);
  return ok;
}

static const ZcProxyIface nwot_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &nwot_needs,
  .create = nwot_create,
  .destroy = nwot_destroy,
  .score = nwot_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, nwot, "1.0", "NASWOT: log|det| of the activation-pattern agreement kernel",
                 "MIT", nwot_options, &nwot_iface)
