/* l2_norm by summing the initial weights directly: the parameter list of the network the
 * space builds (same seed), every conv/linear weight tensor, sqrt of its sum of squares. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static void test_l2_norm_sums_weights(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, NULL, 8, 21);   /* no data: l2_norm needs none */
  const char *arch = "c5-d3";
  double *score = harness_score(&h, "l2_norm", arch, NULL);
  ZcEvalContext *ctx;
  ZcNet *net = harness_network(&h, arch, FALSE, ZC_INPUT_NONE, 0, NULL, NULL, &ctx);
  double want = 0;
  guint layers = 0;
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    assert_true(zc_net_param(net, i, &p));
    if (p.kind != ZC_PARAM_WEIGHT) continue;
    const float *w = p.data;
    double ss = 0;
    for (gsize k = 0; k < p.numel; k++) ss += (double)w[k] * w[k];
    want += sqrt(ss);
    layers++;
  }
  assert_int_equal(layers, 1 + 3 + 1);   /* stem, 3 blocks, head */
  if (fabs(score[0] - want) > 1e-12 * want) fail_msg("l2_norm %.15g, direct %.15g", score[0], want);
  g_free(score);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_l2_norm_sums_weights),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
