/* plain against finite differences: per layer, sum_i w_i g_i is the derivative of the loss
 * along a uniform rescaling of that layer's weights, d/de L(W_l (1 + e)) at e = 0: one
 * central difference per layer in float64 on the same network and batch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static void scale_layer(double *w, gsize n, double f) {
  for (gsize i = 0; i < n; i++) w[i] *= f;
}

static void test_plain_matches_layer_scaling(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 3);
  const char *arch = "c4-d2";
  double *score = harness_score(&h, "plain", arch, NULL);

  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, 8, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  double want = 0, head = 0;
  const double eps = 1e-5;
  guint nl = zc_net_n_layers(net);
  for (guint l = 0; l < nl; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    double *w = g_memdup2(L.weight, L.weight_numel * sizeof(double));
    scale_layer(L.weight, L.weight_numel, 1 + eps);
    double lp = harness_loss(net, ws, x, y, 8);
    memcpy(L.weight, w, L.weight_numel * sizeof(double));
    scale_layer(L.weight, L.weight_numel, 1 - eps);
    double lm = harness_loss(net, ws, x, y, 8);
    memcpy(L.weight, w, L.weight_numel * sizeof(double));
    g_free(w);
    double d = (lp - lm) / (2 * eps);
    want += d;
    if (l == nl - 1) head = d;
  }
  /* the conv layers feed batch-statistics BN, which undoes a rescaling: only the head counts */
  assert_true(fabs(head) > 1e-3);
  assert_true(fabs(want - head) < 1e-3 * fabs(head));
  if (fabs(score[0] - want) > 1e-4 * fabs(want)) fail_msg("plain %.9g, finite differences %.9g", score[0], want);
  g_free(score);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plain_matches_layer_scaling),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
