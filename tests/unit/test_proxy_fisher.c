/* fisher against a loop written out here: on the same network and batch in float64, the
 * value and loss gradient of every conv/linear node are read straight from the engine,
 * t_nk = sum_hw a * dL/da, D_k = 1/2 mean_n t_nk^2, weighted by the weight tensor's
 * prod(shape[1:]).  The reading of a and dL/da (layout, bias included) is checked on its
 * own: sum_n t_nk is the derivative of the loss along a rescaling of output channel k's
 * weights and bias, computed by central differences. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define B 8

static gboolean find_param(ZcNet *net, int node, ZcParamKind kind, ZcParamInfo *out) {
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++)
    if (zc_net_param(net, i, out) && out->node == node && out->kind == kind) return TRUE;
  return FALSE;
}

/* sum_n t_nk for every channel of node `node`, by rescaling channel k's weights and bias */
static void channel_sums_fd(ZcNet *net, ZcWorkspace *ws, int node, const void *x, const gint32 *y, double *sums,
                            int K) {
  ZcParamInfo w, b;
  assert_true(find_param(net, node, ZC_PARAM_WEIGHT, &w));
  gboolean has_b = find_param(net, node, ZC_PARAM_BIAS, &b);
  gsize per = w.numel / (gsize)K;
  const double eps = 1e-6;
  for (int k = 0; k < K; k++) {
    double *wk = (double *)w.data + k * per, *bk = has_b ? (double *)b.data + k : NULL;
    double *save = g_memdup2(wk, per * sizeof(double)), bsave = bk ? *bk : 0, l[2];
    for (int s = 0; s < 2; s++) {
      double f = s == 0 ? 1 + eps : 1 - eps;
      for (gsize i = 0; i < per; i++) wk[i] = save[i] * f;
      if (bk) *bk = bsave * f;
      l[s] = harness_loss(net, ws, x, y, B);
    }
    memcpy(wk, save, per * sizeof(double));
    if (bk) *bk = bsave;
    g_free(save);
    sums[k] = (l[0] - l[1]) / (2 * eps);
  }
}

static void test_fisher_matches_written_out_loop(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 17);
  const char *arch = "c4-d2";
  double *score = harness_score(&h, "fisher", arch, NULL);
  double *unweighted = harness_score(&h, "fisher:weighted=false", arch, NULL);

  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, B, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  double loss;
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, y, &loss, 0, NULL));

  double want = 0, want_unw = 0;
  guint nl = zc_net_n_layers(net);
  assert_int_equal(nl, 4);
  double *t_all[4];
  int Ks[4], nodes[4];
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    int node = L.node;
    ZcShape sh;
    assert_true(zc_net_shape(net, node, &sh));
    int K = sh.dims[0];
    gsize S = zc_shape_numel(&sh) / (gsize)K;   /* (C,H,W) or (C) */
    const double *a = zc_net_value(net, ws, node), *g = zc_net_grad(net, ws, node);
    double *t = g_new0(double, (gsize)B * K);
    for (int n = 0; n < B; n++)
      for (int k = 0; k < K; k++)
        for (gsize p = 0; p < S; p++) {
          gsize idx = ((gsize)n * K + k) * S + p;
          t[n * K + k] += a[idx] * g[idx];
        }
    ZcParamInfo w;
    assert_true(find_param(net, node, ZC_PARAM_WEIGHT, &w));
    double fan = (double)w.numel / w.shape.dims[0];   /* prod(W.shape[1:]) */
    for (int k = 0; k < K; k++) {
      double m = 0;
      for (int n = 0; n < B; n++) m += t[n * K + k] * t[n * K + k];
      double delta = 0.5 * m / B;
      want += fabs(delta) * fan;
      want_unw += fabs(delta);
    }
    t_all[l] = t;
    Ks[l] = K;
    nodes[l] = node;
  }
  assert_true(want > 0);
  if (fabs(score[0] - want) > 1e-4 * want) fail_msg("fisher %.9g, loop %.9g", score[0], want);
  if (fabs(unweighted[0] - want_unw) > 1e-4 * want_unw)
    fail_msg("fisher weighted=false %.9g, loop %.9g", unweighted[0], want_unw);

  /* the activations and gradients read above are the right ones */
  for (guint l = 0; l < nl; l++) {
    int K = Ks[l];
    double *fd = g_new(double, K), scale = 0;
    channel_sums_fd(net, ws, nodes[l], x, y, fd, K);
    for (int k = 0; k < K; k++)
      for (int n = 0; n < B; n++) scale += fabs(t_all[l][n * K + k]);
    for (int k = 0; k < K; k++) {
      double s = 0;
      for (int n = 0; n < B; n++) s += t_all[l][n * K + k];
      if (fabs(s - fd[k]) > 1e-6 * scale + 1e-9)
        fail_msg("layer %u channel %d: sum_n t_nk %.9g, finite differences %.9g", l, k, s, fd[k]);
    }
    g_free(fd);
    g_free(t_all[l]);
  }
  g_free(score);
  g_free(unweighted);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fisher_matches_written_out_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
