/* Proxy `meco` — MeCo (Jiang et al., NeurIPS 2023; method.md §7.15): for every module
 * output, take sample 0, reshape it to channels x positions, form the Pearson correlation
 * matrix of the channels (NaN -> 0, so a constant channel gives a zero row), and add its
 * smallest eigenvalue; one forward, no labels, no gradients.
 *
 * "Every module" is every engine node except the input: each node is one PyTorch module
 * (conv, BN, ReLU, pooling, linear) or one container output (a cell's sum, a concat).
 * Maps (C,H,W) give C channels x H*W positions; tokens (T,C) give C channels x T tokens
 * (the channel axis of a ViT); vectors (C) have one position, an all-NaN matrix, 0.
 * A correlation matrix is positive semi-definite, so its smallest eigenvalue is exactly 0
 * when it is rank deficient (positions - 1 < channels, or a constant channel): those
 * nodes add 0 without an eigen-solve.  Input: the real batch (the zero-cost-nas copy of
 * MeCo; BatchNorm on batch statistics) or one Gaussian image (the correlation copy). */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>
#include <zcnas/linalg.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds meco_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_NODE_VALUES,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static const ZcOption meco_options[] = {
  {"input", ZC_OPT_CHOICE, "real", 0, 0, "real|gaussian",
   "the run's batch (sample 0 is read) or one N(0,1) image (MeCo's correlation script)"},
  {NULL},
};

static gpointer meco_create(const ZcOptions *o, GError **error) {
  gboolean *gauss = g_new(gboolean, 1);
  *gauss = !g_strcmp0(zc_options_string(o, "input"), "gaussian");
  return gauss;
}

static void meco_destroy(gpointer self) { g_free(self); }

static void meco_configure(gpointer self, ZcPassSpec *spec) {
  if (*(gboolean *)self) {
    spec->input = ZC_INPUT_GAUSSIAN;
    spec->batch = 1;
  }
}

/* Smallest eigenvalue of the channel correlation matrix of one sample's node value
 * x[c * cs + p * ps] (C channels, P positions). */
static double min_corr_eig(ZcDType dt, const void *x, int C, gsize P, gsize cs, gsize ps) {
  if (P < 2 || P - 1 < (gsize)C) return 0;
  double *z = g_new(double, (gsize)C * P);
  for (int c = 0; c < C; c++) {
    double *zc = z + (gsize)c * P, mean = 0, ss = 0;
    for (gsize p = 0; p < P; p++) mean += zc[p] = zc_get(dt, x, c * cs + p * ps);
    mean /= (double)P;
    for (gsize p = 0; p < P; p++) {
      zc[p] -= mean;
      ss += zc[p] * zc[p];
    }
    if (!(ss > 0)) {   /* constant channel: NaN row -> 0, the matrix is singular */
      g_free(z);
      return 0;
    }
    double inv = 1 / sqrt(ss);
    for (gsize p = 0; p < P; p++) zc[p] *= inv;
  }
  double *R = g_new(double, (gsize)C * C), *w = g_new(double, C);
  for (int i = 0; i < C; i++)
    for (int j = i; j < C; j++) {
      double d = 0;
      const double *a = z + (gsize)i * P, *b = z + (gsize)j * P;
      for (gsize p = 0; p < P; p++) d += a[p] * b[p];
      d = d > 1 ? 1 : d < -1 ? -1 : d;   /* numpy corrcoef clips */
      R[i * C + j] = R[j * C + i] = d;
    }
  zc_linalg_eigsym(R, (guint)C, w);
  double lo = w[0];
  g_free(z);
  g_free(R);
  g_free(w);
  return lo;
}

static gboolean meco_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  ZcDType dt = zc_net_dtype(net);
  gsize esz = dt == ZC_F64 ? sizeof(double) : sizeof(float);
  int batch = zc_net_batch(net, ws);
  double total = 0;
  for (int n = 1; n < zc_net_n_nodes(net); n++) {
    ZcShape sh;
    if (!zc_net_shape(net, n, &sh) || (sh.ndim != 3 && sh.ndim != 2)) continue;
    void *x = g_malloc(zc_net_numel(net, n) * batch * esz);
    if (!zc_net_read_value(net, ws, n, x, error)) {
      g_free(x);
      return FALSE;
    }
    double v = 0;
    if (sh.ndim == 3) v = min_corr_eig(dt, x, sh.dims[0], (gsize)sh.dims[1] * sh.dims[2], (gsize)sh.dims[1] * sh.dims[2], 1);
    else v = min_corr_eig(dt, x, sh.dims[1], (gsize)sh.dims[0], 1, (gsize)sh.dims[1]);
    g_free(x);
    if (!isnan(v)) total += v;
  }
  out[0] = total;
  return TRUE;
}

static const ZcProxyIface meco_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &meco_needs,
  .create = meco_create,
  .destroy = meco_destroy,
  .score = meco_score,
  .configure = meco_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, meco, "1.0",
                 "MeCo: sum over module outputs of the smallest eigenvalue of the channel correlation of sample 0",
                 "MIT", meco_options, &meco_iface)
