/* Shared by the proxy tests: load the build tree's proxies and the toy space, score one
 * architecture the way `zcnas score` does, and rebuild the same network and batch for an
 * independent computation in the test. */
#ifndef ZC_PROXY_HARNESS_H
#define ZC_PROXY_HARNESS_H
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>
#include <zcnas/registry.h>
#include <zcnas/scorer.h>
#include <zcnas/setup.h>

typedef struct {
  ZcRegistry *reg;
  ZcSpace *space;
  ZcDataset *data;
  guint batch;
  guint64 seed;
} Harness;

/* `space_set`: options of the space as "key=value" (NULL-terminated, may be NULL);
 * `data_spec`: NULL for none. */
static inline void harness_init(Harness *h, const char *space, const char *const *space_set, const char *data_spec,
                                guint batch, guint64 seed) {
  memset(h, 0, sizeof *h);
  h->reg = zc_registry_new();
  zc_registry_scan(h->reg, ZC_TEST_BUILDDIR "/plugins/proxies/.libs:" ZC_TEST_BUILDDIR "/plugins/spaces/.libs:"
                   ZC_TEST_BUILDDIR "/tests/plugins/.libs");
  const ZcPluginDesc *d = zc_registry_find(h->reg, ZC_KIND_SPACE, space);
  if (!d) fail_msg("space %s not built", space);
  GError *err = NULL;
  ZcOptions *o = zc_options_from_strv(d->options, space_set, space, &err);
  if (!o) fail_msg("%s", err->message);
  h->space = zc_space_new(d, o, &err);
  if (!h->space) fail_msg("%s", err->message);
  if (data_spec) {
    h->data = zc_dataset_open(data_spec, NULL, &err);
    if (!h->data) fail_msg("%s", err->message);
  }
  h->batch = batch;
  h->seed = seed;
}

static inline void harness_clear(Harness *h) {
  zc_space_free(h->space);
  zc_dataset_free(h->data);
  zc_registry_free(h->reg);
}

/* Score `arch` with the proxies "name[:k=v;k=v]" listed in `proxies` (comma separated);
 * returns the score vector (g_free it) and fills the statuses if not NULL. */
static inline double *harness_score(Harness *h, const char *proxies, const char *arch, ZcStatus *status) {
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)zc_proxy_free);
  char **names = g_strsplit(proxies, ",", -1);
  GError *err = NULL;
  for (char **n = names; *n; n++) {
    char **parts = g_strsplit(*n, ":", 2);
    char **kv = parts[1] ? g_strsplit(parts[1], ";", -1) : NULL;
    const ZcPluginDesc *d = zc_registry_find(h->reg, ZC_KIND_PROXY, parts[0]);
    if (!d) fail_msg("proxy %s not built", parts[0]);
    ZcOptions *o = zc_options_from_strv(d->options, (const char *const *)kv, parts[0], &err);
    if (!o) fail_msg("%s", err->message);
    ZcProxy *p = zc_proxy_new(d, o, &err);
    if (!p) fail_msg("%s", err->message);
    g_ptr_array_add(list, p);
    g_strfreev(kv);
    g_strfreev(parts);
  }
  g_strfreev(names);
  guint np = list->len;
  ZcScorer *sc = zc_scorer_new(list, h->seed, h->data, h->batch, 1);
  ZcArch *a = zc_space_parse(h->space, arch, &err);
  if (!a) fail_msg("%s", err->message);
  double *out = g_new(double, zc_scorer_layout(sc)->n_scores);
  ZcProxyResult *res = g_new0(ZcProxyResult, np);
  zc_scorer_score(sc, h->space, a, out, res);
  for (guint i = 0; i < np; i++) {
    if (status) status[i] = res[i].status;
    if (res[i].status == ZC_STATUS_FAILED && !status) fail_msg("proxy failed: %s", res[i].message);
    zc_proxy_result_clear(&res[i]);
  }
  g_free(res);
  zc_space_arch_free(h->space, a);
  zc_scorer_free(sc);
  return out;
}

/* The network the core builds for `arch` (same seed), and input batch 0 of `kind`, for
 * computing a proxy independently.  Free the net; the batch lives in *ctx_out. */
static inline ZcNet *harness_network(Harness *h, const char *arch, gboolean float64, ZcInputKind kind, guint n,
                                     const void **images, const gint32 **labels, ZcEvalContext **ctx_out) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(h->space, arch, &err);
  ZcEvalContext *ctx = zc_eval_context_new(h->data, h->batch, h->seed, 1);
  ZcEval *ev = zc_eval_new(ctx, h->space, a);
  ZcBuildSpec bs = {sizeof bs, float64, zc_eval_seed(ev)};
  ZcNet *net = zc_space_build(h->space, a, &bs, &err);
  if (!net) fail_msg("%s", err->message);
  if (images && !zc_eval_batch(ev, kind, n, 0, float64, images, labels, &err)) fail_msg("%s", err->message);
  zc_eval_free(ev);
  zc_space_arch_free(h->space, a);
  *ctx_out = ctx;
  return net;
}

/* Mean cross-entropy of `net` on n images x with labels y: the function the gradient
 * proxies differentiate, for finite differences in the tests. */
static inline double harness_loss(ZcNet *net, ZcWorkspace *ws, const void *x, const gint32 *y, int n) {
  double loss;
  assert_true(zc_net_forward(net, ws, x, n, NULL));
  assert_true(zc_net_loss(net, ws, ZC_LOSS_CE, y, &loss, NULL));
  return loss;
}

/* Sum of all outputs of `net` for the n-image float64 batch x. */
static inline double harness_sum_outputs(ZcNet *net, ZcWorkspace *ws, const double *x, int n) {
  assert_true(zc_net_forward(net, ws, x, n, NULL));
  int out = zc_net_output(net);
  const double *y = zc_net_value(net, ws, out);
  double s = 0;
  for (gsize i = 0; i < zc_net_numel(net, out) * n; i++) s += y[i];
  return s;
}

/* d(sum of all outputs of the batch)/d(x) by central differences, BatchNorm with batch
 * statistics: the input Jacobian of jacov and epe_nas, n x d (d = per-image size). */
static inline double *harness_fd_input_jacobian(ZcNet *net, const double *x0, int n, int d) {
  ZcWorkspace *ws = zc_workspace_new(1);
  zc_net_set_bn_mode(net, ZC_BN_BATCH);
  double *x = g_memdup2(x0, sizeof(double) * n * d), *J = g_new(double, n * d);
  for (int i = 0; i < n * d; i++) {
    double e = 1e-6;
    x[i] = x0[i] + e;
    double p = harness_sum_outputs(net, ws, x, n);
    x[i] = x0[i] - e;
    double m = harness_sum_outputs(net, ws, x, n);
    x[i] = x0[i];
    J[i] = (p - m) / (2 * e);
  }
  g_free(x);
  zc_workspace_free(ws);
  return J;
}

#endif
