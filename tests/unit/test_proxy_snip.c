/* snip against finite differences of the mask: |dL/dm_i| at m = 1 is |d/de L(w_i (1 + e))|,
 * recomputed by central differences in float64 on the same network and batch, one weight
 * at a time.  Also: snip, plain, fisher and grad_norm ask for one and the same pass, and
 * scoring them together gives what each gives alone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static void test_snip_matches_mask_finite_differences(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 5);
  const char *arch = "c3-d1";
  double *score = harness_score(&h, "snip", arch, NULL);

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
    double *w = L.weight;
    for (gsize i = 0; i < L.weight_numel; i++) {
      double w0 = w[i];
      w[i] = w0 * (1 + eps);
      double lp = harness_loss(net, ws, x, y, 8);
      w[i] = w0 * (1 - eps);
      double lm = harness_loss(net, ws, x, y, 8);
      w[i] = w0;
      want += fabs((lp - lm) / (2 * eps));
    }
  }
  assert_true(want > 0);
  if (fabs(score[0] - want) > 1e-4 * want) fail_msg("snip %.9g, finite differences %.9g", score[0], want);
  g_free(score);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

static void spec_of(Harness *h, const char *name, ZcPassSpec *spec) {
  const ZcPluginDesc *d = zc_registry_find(h->reg, ZC_KIND_PROXY, name);
  assert_non_null(d);
  ZcProxy *p = zc_proxy_new(d, zc_options_from_strv(d->options, NULL, name, NULL), NULL);
  assert_non_null(p);
  zc_proxy_pass_spec(p, spec);
  zc_proxy_free(p);
}

static void test_loss_pass_shared(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 5);
  ZcPassSpec ref, s;
  spec_of(&h, "grad_norm", &ref);
  assert_int_equal(ref.pass, ZC_PASS_LOSS);
  const char *names[] = {"snip", "plain", "fisher"};
  for (int i = 0; i < 3; i++) {
    spec_of(&h, names[i], &s);
    if (!zc_pass_spec_equal(&ref, &s)) fail_msg("%s does not share grad_norm's pass", names[i]);
  }
  double *all = harness_score(&h, "grad_norm,snip,plain,fisher", "c4-d2", NULL);
  const char *alone[] = {"grad_norm", "snip", "plain", "fisher"};
  for (int i = 0; i < 4; i++) {
    double *one = harness_score(&h, alone[i], "c4-d2", NULL);
    if (one[0] != all[i]) fail_msg("%s: %.9g alone, %.9g together", alone[i], one[0], all[i]);
    g_free(one);
  }
  g_free(all);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_snip_matches_mask_finite_differences),
    cmocka_unit_test(test_loss_pass_shared),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
