/* zen against a hand recomputation on the toy space: the same re-initialisation and
 * Gaussian batches, two forwards whose feature maps are differenced here, and BatchNorm
 * running variances rebuilt from the BN inputs' unbiased batch variances with momentum
 * 0.1 (not read from the engine's running stats). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define ZEN_STREAM G_GUINT64_CONSTANT(0x7a656e)   /* as plugins/proxies/zen.c */

/* Per-channel unbiased variance of node `x` (batch x C x H x W, float) into v. */
static void channel_var(ZcNet *net, ZcWorkspace *ws, int x, int n, double *v) {
  ZcShape sh;
  zc_net_shape(net, x, &sh);
  int C = sh.dims[0], hw = sh.dims[1] * sh.dims[2];
  const float *a = zc_net_value(net, ws, x);
  for (int c = 0; c < C; c++) {
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
      for (int k = 0; k < hw; k++) s += a[((gsize)i * C + c) * hw + k];
    double mean = s / ((double)n * hw);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < hw; k++) {
        double d = a[((gsize)i * C + c) * hw + k] - mean;
        ss += d * d;
      }
    v[c] = ss / ((double)n * hw - 1);
  }
}

/* Zen by hand, `repeats` repeats, BN running variances kept across repeats. */
static double zen_by_hand(Harness *h, const char *arch_text, int repeats, double gamma) {
  GError *err = NULL;
  ZcArch *arch = zc_space_parse(h->space, arch_text, &err);
  ZcEvalContext *ctx = zc_eval_context_new(NULL, h->batch, h->seed, 1);
  ZcEval *ev = zc_eval_new(ctx, h->space, arch);
  guint64 seed = zc_eval_seed(ev);
  ZcBuildSpec bs = {sizeof bs, FALSE, seed};
  ZcNet *net = zc_space_build(h->space, arch, &bs, &err);
  assert_non_null(net);
  ZcWorkspace *ws = zc_workspace_new(1);
  zc_net_set_bn_mode(net, ZC_BN_BATCH);
  int n = (int)h->batch, f;
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_PRE_GAP, &f, 1), 1);
  /* BN nodes and their inputs (the toy builds conv -> BN, so the input is the node before) */
  int bn[16], nbn = 0;
  for (int i = 0; i < zc_net_n_nodes(net); i++)
    if (strcmp(zc_net_op_name(net, i), "batchnorm") == 0) bn[nbn++] = i;
  assert_true(nbn >= 2);
  double rv[16][64];
  for (int b = 0; b < nbn; b++)
    for (int c = 0; c < 64; c++) rv[b][c] = 1.0;
  gsize fn = zc_net_numel(net, f) * n, in_n = zc_net_numel(net, 0) * n;
  float *f1 = g_new(float, fn), *mixed = g_new(float, in_n);
  double total = 0;
  for (int r = 0; r < repeats; r++) {
    zc_net_init(net, ZC_INIT_NORMAL, 1.0, r == 0 ? seed : zc_rng_key(seed ^ ZEN_STREAM, (guint64)r));
    const void *x, *eps;
    assert_true(zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, n, 2 * r, FALSE, &x, NULL, &err));
    assert_true(zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, n, 2 * r + 1, FALSE, &eps, NULL, &err));
    for (gsize i = 0; i < in_n; i++) mixed[i] = ((const float *)x)[i] + (float)gamma * ((const float *)eps)[i];
    for (int pass = 0; pass < 2; pass++) {
      assert_true(zc_net_forward(net, ws, pass ? (const void *)mixed : x, n, &err));
      for (int b = 0; b < nbn; b++) {
        double v[64];
        ZcShape sh;
        zc_net_shape(net, bn[b], &sh);
        channel_var(net, ws, bn[b] - 1, n, v);
        for (int c = 0; c < sh.dims[0]; c++) rv[b][c] = 0.9 * rv[b][c] + 0.1 * v[c];
      }
      if (!pass) memcpy(f1, zc_net_value(net, ws, f), fn * sizeof(float));
    }
    const float *f2 = zc_net_value(net, ws, f);
    double delta = 0;
    for (gsize i = 0; i < fn; i++) delta += fabs((double)f1[i] - f2[i]);
    delta /= n;
    double s = log(delta);
    for (int b = 0; b < nbn; b++) {
      ZcShape sh;
      zc_net_shape(net, bn[b], &sh);
      double m = 0;
      for (int c = 0; c < sh.dims[0]; c++) m += rv[b][c];
      s += 0.5 * log(m / sh.dims[0]);
    }
    total += s;
  }
  g_free(f1);
  g_free(mixed);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_free(ev);
  zc_eval_context_free(ctx);
  zc_space_arch_free(h->space, arch);
  return total / repeats;
}

static void check(const char *arch, const char *proxy, int repeats, double gamma) {
  Harness h;
  harness_init(&h, "toy", NULL, NULL, 8, 5);
  double *score = harness_score(&h, proxy, arch, NULL);
  double want = zen_by_hand(&h, arch, repeats, gamma);
  assert_true(isfinite(want));
  if (fabs(score[0] - want) > 1e-5 * (1 + fabs(want)))
    fail_msg("%s on %s: plugin %.9g, by hand %.9g", proxy, arch, score[0], want);
  g_free(score);
  harness_clear(&h);
}

static void test_zen_one_repeat(void **state) {
  check("c3-d1", "zen", 1, 1e-2);
  check("c5-d2", "zen", 1, 1e-2);
}

static void test_zen_repeats_carry_running_stats(void **state) {
  check("c4-d2", "zen:repeats=3", 3, 1e-2);
}

static void test_zen_gamma_option(void **state) { check("c3-d1", "zen:gamma=0.1", 1, 0.1); }

/* Scored beside a proxy sharing nothing, zen still gives the same number (it mutates the
 * network, the core must not hand that on, and zen must not depend on what ran before). */
static void test_zen_in_company(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 5);
  double *alone = harness_score(&h, "zen", "c3-d2", NULL);
  double *both = harness_score(&h, "grad_norm,zen,zen:repeats=2", "c3-d2", NULL);
  assert_true(alone[0] == both[1]);
  assert_true(both[2] != both[1]);
  g_free(alone);
  g_free(both);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_zen_one_repeat),
    cmocka_unit_test(test_zen_repeats_carry_running_stats),
    cmocka_unit_test(test_zen_gamma_option),
    cmocka_unit_test(test_zen_in_company),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
