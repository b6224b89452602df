/* Proxy `zen` (Zen-NAS, Lin et al. ICCV 2021; NASLib's zen measure, method.md §7.11).
 *
 * The network is re-initialised (conv/linear weights N(0,1), biases 0, BN gamma 1 beta 0)
 * and run with BatchNorm on batch statistics on Gaussian inputs x and x + gamma*eps
 * (x, eps ~ N(0,1) of the batch shape).  With f the feature map tagged ZC_TAG_PRE_GAP,
 *     Delta = mean over samples of sum over (c,h,w) of |f(x) - f(x + gamma eps)|,
 *     zen   = log Delta + sum over BatchNorm2d of log sqrt(mean_c running_var_c),
 * running_var read after the two forwards with momentum 0.1 (so it is
 * 0.81 + 0.09 var(batch 1) + 0.1 var(batch 2), unbiased variances, not the batch variance):
 * exactly what NASLib and the official code read.  Repeats average the score over
 * independent re-initialisations and inputs; as in both reference codes the running
 * statistics are NOT reset between repeats (re-initialising weights leaves BN buffers
 * alone), which we reproduce exactly by linearity of the running-average update. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds zen_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_MUTATES | ZC_NEEDS_OWN_INIT,   /* a second forward moves the running stats */
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_GAUSSIAN,
  .n_batches = 2,
  .n_outputs = 1,
  .direction = higher_is_better,
  .init = ZC_INIT_NORMAL,
  .init_arg = 1.0,
};

static const ZcOption zen_options[] = {
  {"repeats", ZC_OPT_INT, "1", 1, 1000, NULL,
   "independent re-initialisations averaged (NASLib/NBSZ: 1, the default; official Zen-NAS: 32)"},
  {"gamma", ZC_OPT_FLOAT, "0.01", 1e-12, 1e3, NULL, "perturbation scale of the second input (mixup_gamma, 1e-2 in both codes)"},
  {NULL},
};

typedef struct {
  int repeats;
  double gamma;
} Zen;

static gpointer zen_create(const ZcOptions *opts, GError **error) {
  Zen *z = g_new0(Zen, 1);
  z->repeats = (int)zc_options_int(opts, "repeats");
  z->gamma = zc_options_float(opts, "gamma");
  return z;
}

static void zen_destroy(gpointer self) { g_free(self); }

#define ZEN_STREAM G_GUINT64_CONSTANT(0x7a656e)   /* "zen": seeds of repeats after the first */

static gboolean zen_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Zen *z = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  int f_node;
  if (zc_net_find_tagged(net, ZC_TAG_PRE_GAP, &f_node, 1) < 1) {
    /* Zen-NAS is defined on the feature map before global pooling; a vision transformer
     * (class token) has none: a meaningless score, not a broken run */
    g_set_error(error, ZC_ERROR, ZC_ERROR_DEGENERATE,
                "zen: the space '%s' tags no feature map before global pooling (ZC_TAG_PRE_GAP)",
                zc_space_name(zc_eval_space(ev)));
    return FALSE;
  }
  const int batch = zc_net_batch(net, ws);
  const gsize fn = zc_net_numel(net, f_node) * (gsize)batch;
  const gsize in_n = zc_net_numel(net, 0) * (gsize)batch;
  /* BatchNorm2d nodes: BN over (C,H,W) maps (nn.BatchNorm2d in the reference codes) */
  GArray *bns = g_array_new(FALSE, FALSE, sizeof(int));
  for (int i = 0; i < zc_net_n_nodes(net); i++) {
    ZcShape sh;
    if (strcmp(zc_net_op_name(net, i), "batchnorm") == 0 && zc_net_shape(net, i, &sh) && sh.ndim == 3)
      g_array_append_val(bns, i);
  }
  double *carried = g_new(double, bns->len);   /* mean running_var as the reference code has it */
  for (guint b = 0; b < bns->len; b++) carried[b] = 1.0;
  float *f1 = g_new(float, fn), *f2 = g_new(float, fn);
  float *mixed = g_new(float, in_n);
  gboolean ok = TRUE;
  double sum = 0;
  for (int r = 0; r < z->repeats && ok; r++) {
    const void *x, *eps;
    if (r > 0) {
      /* zc_net_init resets the running stats; the carry below undoes that */
      zc_net_init(net, ZC_INIT_NORMAL, 1.0, zc_rng_key(zc_eval_seed(ev) ^ ZEN_STREAM, (guint64)r));
      ok = zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, (guint)batch, 2 * (guint)r, FALSE, &x, NULL, error) &&
           zc_net_forward(net, ws, x, batch, error);
      if (!ok) break;
    } else {
      ok = zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, (guint)batch, 0, FALSE, &x, NULL, error);
      if (!ok) break;
    }
    ok = zc_net_read_value(net, ws, f_node, f1, error);
    if (!ok) break;
    ok = zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, (guint)batch, 2 * (guint)r + 1, FALSE, &eps, NULL, error);
    if (!ok) break;
    const float *xf = x, *ef = eps;
    for (gsize i = 0; i < in_n; i++) mixed[i] = xf[i] + (float)z->gamma * ef[i];
    ok = zc_net_forward(net, ws, mixed, batch, error);
    if (!ok) break;
    ok = zc_net_read_value(net, ws, f_node, f2, error);
    if (!ok) break;
    double delta = 0;
    for (gsize i = 0; i < fn; i++) delta += fabs((double)f1[i] - (double)f2[i]);
    delta /= batch;
    double log_bn = 0;
    for (guint b = 0; b < bns->len; b++) {
      /* running_var is affine in its start value: v = m_reset + 0.81 (v_start - 1) */
      double m = zc_net_bn_running_var_mean(net, g_array_index(bns, int, b));
      carried[b] = r == 0 ? m : m + 0.81 * (carried[b] - 1.0);
      log_bn += log(sqrt(carried[b]));
    }
    sum += log(delta) + log_bn;
  }
  out[0] = sum / z->repeats;
  g_free(f1);
  g_free(f2);
  g_free(mixed);
  g_free(carried);
  g_array_unref(bns);
  return ok;
}

static const ZcProxyIface zen_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &zen_needs,
  .create = zen_create,
  .destroy = zen_destroy,
  .score = zen_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, zen, "1.0", "Zen-NAS score: log expected feature perturbation plus BN scaling (NASLib zen)",
                 "MIT", zen_options, &zen_iface)
