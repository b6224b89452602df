/* Proxy `dss` (TF-TAS, Zhou et al. CVPR 2022: DSS-indicator; method.md §7.16).
 *
 * Synflow's setup in float32: BatchNorm off, every parameter replaced by its absolute
 * value, one all-ones input, R = sum of the outputs, backward.  Then over the linear layers
 * of a vision transformer:
 *   MSA layers (role "qkv" and "proj"):   | ||dR/dW||_nuc * ||W||_nuc |   (synaptic diversity)
 *   MLP layers ("fc1", "fc2") and "head": sum |W (.) dR/dW|             (synaptic saliency)
 * DSS is the sum of all of them.  The patch-embedding conv and linear layers without one of
 * these roles are not counted.  Nuclear norms are sums of singular values, computed as the
 * square roots of the eigenvalues of the smaller Gram matrix (eigsym.c).
 *
 * Two quirks of the official code are options (both off by default):
 *   head_twice  its layer collector appends the 1000-way head a second time;
 *   msa_rule    "square": it treats qkv plus every SQUARE linear as MSA (so the attention
 *               projection only when heads*64 == embed dim, and a non-square proj as MLP).
 * A space without such roles (a CNN) is refused with a message: DSS is defined for ViTs. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>
#include "eigsym.h"

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds dss_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_SUM_BACKWARD | ZC_NEEDS_ABS_PARAMS,
  .bn = ZC_BN_OFF,
  .input = ZC_INPUT_ONES,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption dss_options[] = {
  {"head_twice", ZC_OPT_BOOL, "false", 0, 0, NULL,
   "count the head's saliency twice, as TF-TAS's layer collector does (a quirk; off by default)"},
  {"msa_rule", ZC_OPT_CHOICE, "role", 0, 0, "role|square",
   "which linears get the nuclear-norm term: role = qkv and proj (the paper's MSA), square = qkv "
   "and every in == out linear (TF-TAS code's test)"},
  {NULL},
};

typedef struct {
  gboolean head_twice, square_rule;
} Dss;

static gpointer dss_create(const ZcOptions *opts, GError **error) {
  Dss *d = g_new0(Dss, 1);
  d->head_twice = zc_options_bool(opts, "head_twice");
  d->square_rule = strcmp(zc_options_string(opts, "msa_rule"), "square") == 0;
  return d;
}

static void dss_destroy(gpointer self) { g_free(self); }

static double saliency(const ZcLayerInfo *L) {
  const float *w = L->weight, *g = L->weight_grad;
  double s = 0;
  for (gsize i = 0; i < L->weight_numel; i++) s += fabs((double)w[i] * (double)g[i]);
  return s;
}

static gboolean role_is(const char *role, const char *name) { return role && strcmp(role, name) == 0; }

static gboolean dss_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Dss *d = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  double total = 0;
  guint counted = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    if (L.kind != ZC_LAYER_LINEAR) continue;     /* the patch conv is not part of DSS */
    const char *role = L.role;
    gboolean head = role_is(role, "head");
    gboolean msa, mlp;
    if (d->square_rule) {
      msa = !head && (role_is(role, "qkv") || L.in_channels == L.out_channels);
      mlp = !head && !msa;
    } else {
      msa = role_is(role, "qkv") || role_is(role, "proj");
      mlp = role_is(role, "fc1") || role_is(role, "fc2");
    }
    if (msa) {
      double gn = eigsym_nuclear_norm(ZC_F32, L.weight_grad, L.out_channels, L.in_channels);
      double wn = eigsym_nuclear_norm(ZC_F32, L.weight, L.out_channels, L.in_channels);
      total += fabs(gn * wn);
      counted++;
    } else if (mlp) {
      total += saliency(&L);
      counted++;
    } else if (head) {
      total += (d->head_twice ? 2 : 1) * saliency(&L);
    }
  }
  if (!counted) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED,
                "dss is defined for vision transformers: space '%s' builds no linear layer with role "
                "qkv, proj, fc1 or fc2", zc_space_name(zc_eval_space(ev)));
    return FALSE;
  }
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface dss_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &dss_needs,
  .create = dss_create,
  .destroy = dss_destroy,
  .score = dss_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, dss, "1.0",
                 "TF-TAS DSS indicator: nuclear-norm synaptic diversity of MSA plus saliency of MLP and head",
                 "MIT", dss_options, &dss_iface)
