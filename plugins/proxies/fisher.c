/* Proxy `fisher` (Theis et al. 2018, Turner et al. 2020, as NASLib / NAS-Bench-Suite-Zero):
 * channel saliency from the output activation a of every conv/linear layer and dL/da on
 * one labelled batch (cross-entropy, BatchNorm with batch statistics):
 *   t_nk = sum over the spatial positions of a * dL/da   (sample n, output channel k),
 *   D_k  = 1/2 mean_n t_nk^2,
 *   score = sum over layers and channels of |D_k| * prod(W.shape[1:]).
 * NASLib hooks an identity module placed right after each conv/linear (so a is the layer's
 * own output, bias included, before any BatchNorm or activation) and then broadcasts each
 * channel's value to every weight of that output channel before summing: the factor
 * (in_channels/groups) * kh * kw.  Option `weighted` turns that factor off.
 * Reads the same prepared pass as grad_norm, snip and plain (method.md §7.4). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds fisher_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS | ZC_NEEDS_LAYER_GRADS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption fisher_options[] = {
  {"weighted", ZC_OPT_BOOL, "true", 0, 0, NULL,
   "multiply each channel's value by its weights' fan-in (in/groups*kh*kw), as NASLib's broadcast to weights "
   "does; default true to reproduce NAS-Bench-Suite-Zero"},
  {NULL},
};

typedef struct {
  gboolean weighted;
} Fisher;

static gpointer fisher_create(const ZcOptions *opts, GError **error) {
  Fisher *f = g_new0(Fisher, 1);
  f->weighted = zc_options_bool(opts, "weighted");
  return f;
}

static void fisher_destroy(gpointer self) { g_free(self); }

/* sum_k 1/2 mean_n t_nk^2 of one layer.  Conv: a is N x K x S; linear on tokens: N x S x K. */
static double layer_fisher(ZcDType dt, const ZcLayerInfo *L, const void *out, const void *out_grad, int batch,
                           double *t) {
  gsize K = (gsize)L->out_channels, S = L->out_spatial;
  gboolean channels_first = L->kind == ZC_LAYER_CONV;
  double sum = 0;
  for (int n = 0; n < batch; n++) {
    gsize base = (gsize)n * K * S;
    for (gsize k = 0; k < K; k++) t[k] = 0;
    if (dt == ZC_F64) {
      const double *a = (const double *)out + base, *g = (const double *)out_grad + base;
      if (channels_first)
        for (gsize k = 0; k < K; k++) {
          double s = 0;
          for (gsize p = 0; p < S; p++) s += a[k * S + p] * g[k * S + p];
          t[k] = s;
        }
      else
        for (gsize p = 0; p < S; p++)
          for (gsize k = 0; k < K; k++) t[k] += a[p * K + k] * g[p * K + k];
    } else {
      const float *a = (const float *)out + base, *g = (const float *)out_grad + base;
      if (channels_first)
        for (gsize k = 0; k < K; k++) {
          double s = 0;
          for (gsize p = 0; p < S; p++) s += (double)a[k * S + p] * g[k * S + p];
          t[k] = s;
        }
      else
        for (gsize p = 0; p < S; p++)
          for (gsize k = 0; k < K; k++) t[k] += (double)a[p * K + k] * g[p * K + k];
    }
    for (gsize k = 0; k < K; k++) sum += t[k] * t[k];
  }
  /* |D_k| = D_k >= 0, so the sum over channels can be taken before the mean */
  return 0.5 * sum / batch;
}

static gboolean fisher_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Fisher *f = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  ZcDType dt = zc_net_dtype(net);
  int batch = zc_net_batch(net, ws);
  double total = 0;
  double *t = NULL;
  gsize t_len = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    gsize n = zc_net_numel(net, L.node) * (gsize)batch * (dt == ZC_F64 ? sizeof(double) : sizeof(float));
    void *a = g_malloc(n), *g = g_malloc(n);
    if (!zc_net_read_value(net, ws, L.node, a, error) || !zc_net_read_grad(net, ws, L.node, g, error)) {
      g_prefix_error(error, "fisher: layer %u: ", l);
      g_free(a);
      g_free(g);
      g_free(t);
      return FALSE;
    }
    if ((gsize)L.out_channels > t_len) {
      t_len = (gsize)L.out_channels;
      t = g_renew(double, t, t_len);
    }
    double fan_in = (double)(L.in_channels / L.groups) * L.kh * L.kw;
    total += layer_fisher(dt, &L, a, g, batch, t) * (f->weighted ? fan_in : 1.0);
    g_free(a);
    g_free(g);
  }
  g_free(t);
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface fisher_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &fisher_needs,
  .create = fisher_create,
  .destroy = fisher_destroy,
  .score = fisher_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, fisher, "1.0", "channel Fisher saliency of conv/linear outputs (NASLib fisher)", "MIT",
                 fisher_options, &fisher_iface)
