/* synflow against brute force: on the same network in float64 with every parameter made
 * positive and BatchNorm off, R = sum of the outputs on one all-ones image, dR/dw_i by
 * central differences one weight at a time, score sum |w_i dR/dw_i|; the default output
 * is its log.  Also: the signs come back for the next proxy (grasp on the float64 net
 * scores the same after synflow as alone). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static double sum_outputs(ZcNet *net, ZcWorkspace *ws, const double *x) {
  assert_true(zc_net_forward(net, ws, x, 1, NULL));
  int out = zc_net_output(net);
  const double *y = zc_net_value(net, ws, out);
  double s = 0;
  for (gsize i = 0; i < zc_net_numel(net, out); i++) s += y[i];
  return s;
}

static void test_synflow_matches_finite_differences(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, NULL, 8, 7);   /* no data: the input is all ones */
  const char *arch = "c4-d2";
  double *raw = harness_score(&h, "synflow:log=false", arch, NULL);
  double *logged = harness_score(&h, "synflow", arch, NULL);

  ZcEvalContext *ctx;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_NONE, 0, NULL, NULL, &ctx);
  zc_net_params_abs(net);
  zc_net_set_bn_mode(net, ZC_BN_OFF);
  ZcWorkspace *ws = zc_workspace_new(1);
  double x[3 * 8 * 8];
  for (int i = 0; i < 3 * 8 * 8; i++) x[i] = 1;
  double want = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    double *w = L.weight;
    for (gsize i = 0; i < L.weight_numel; i++) {
      double w0 = w[i], e = 1e-6 * fmax(fabs(w0), 1e-3);
      assert_true(w0 >= 0);
      w[i] = w0 + e;
      double rp = sum_outputs(net, ws, x);
      w[i] = w0 - e;
      double rm = sum_outputs(net, ws, x);
      w[i] = w0;
      want += fabs(w0 * (rp - rm) / (2 * e));
    }
  }
  assert_true(want > 0);
  if (fabs(raw[0] - want) > 1e-6 * want) fail_msg("synflow %.12g, finite differences %.12g", raw[0], want);
  if (fabs(logged[0] - log(want)) > 1e-6) fail_msg("synflow log %.12g, log of brute force %.12g", logged[0], log(want));
  g_free(raw);
  g_free(logged);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

static void test_signs_restored_for_next_proxy(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 7);
  double *both = harness_score(&h, "synflow,grasp", "c4-d2", NULL);
  double *alone = harness_score(&h, "grasp", "c4-d2", NULL);
  if (both[1] != alone[0]) fail_msg("grasp after synflow %.12g, alone %.12g", both[1], alone[0]);
  g_free(both);
  g_free(alone);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_synflow_matches_finite_differences),
    cmocka_unit_test(test_signs_restored_for_next_proxy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
