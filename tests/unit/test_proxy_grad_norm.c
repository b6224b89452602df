/* grad_norm against finite differences: the weight gradient of the batch's mean
 * cross-entropy is recomputed by central differences in float64 on the same network and
 * batch, and the sum of per-layer norms compared with the plugin's float32 score. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static void test_grad_norm_matches_finite_differences(void **state) {
  Harness h;
  /* the Gaussian source stands in for labelled data: it carries class labels too */
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 11);
  const char *arch = "c3-d1";
  double *score = harness_score(&h, "grad_norm", arch, NULL);

  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, 8, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  double want = 0;
  const double eps = 1e-6;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    double *w = L.weight, ss = 0;
    for (gsize i = 0; i < L.weight_numel; i++) {
      double w0 = w[i];
      w[i] = w0 + eps;
      double lp = harness_loss(net, ws, x, y, 8);
      w[i] = w0 - eps;
      double lm = harness_loss(net, ws, x, y, 8);
      w[i] = w0;
      double g = (lp - lm) / (2 * eps);
      ss += g * g;
    }
    want += sqrt(ss);
  }
  assert_true(want > 0);
  if (fabs(score[0] - want) > 1e-4 * want) fail_msg("grad_norm %.9g, finite differences %.9g", score[0], want);
  g_free(score);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grad_norm_matches_finite_differences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
