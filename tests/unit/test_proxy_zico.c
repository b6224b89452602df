/* zico against two separate mini-batch passes: each mini-batch is run alone through the
 * same network (its own BatchNorm statistics), its weight gradients kept, and ZiCo
 * computed directly: sum_l log sum_w mean|g| / std(g), population std, std = 0 skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static double reference(Harness *h, const char *arch, int nb, int bs) {
  ZcEvalContext *ctx;
  const void *xv;
  const gint32 *y;
  ZcNet *net = harness_network(h, arch, FALSE, ZC_INPUT_REAL, (guint)(nb * bs), &xv, &y, &ctx);
  const float *x = xv;
  ZcWorkspace *ws = zc_workspace_new(1);
  guint L = zc_net_n_layers(net);
  GPtrArray *grads = g_ptr_array_new_with_free_func(g_free);
  for (guint l = 0; l < L; l++) {
    ZcLayerInfo info;
    zc_net_layer(net, ws, l, &info);
    g_ptr_array_add(grads, g_new(double, (gsize)nb * info.weight_numel));
  }
  for (int b = 0; b < nb; b++) {
    double loss;
    assert_true(zc_net_forward(net, ws, x + (gsize)b * bs * 3 * 8 * 8, bs, NULL));
    assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, y + b * bs, &loss, 0, NULL));
    for (guint l = 0; l < L; l++) {
      ZcLayerInfo info;
      zc_net_layer(net, ws, l, &info);
      double *g = (double *)g_ptr_array_index(grads, l) + (gsize)b * info.weight_numel;
      for (gsize i = 0; i < info.weight_numel; i++) g[i] = ((const float *)info.weight_grad)[i];
    }
  }
  double total = 0;
  for (guint l = 0; l < L; l++) {
    ZcLayerInfo info;
    zc_net_layer(net, ws, l, &info);
    const double *g = g_ptr_array_index(grads, l);
    gsize n = info.weight_numel;
    double sum = 0;
    for (gsize i = 0; i < n; i++) {
      double mean = 0, mabs = 0, var = 0;
      for (int b = 0; b < nb; b++) {
        mean += g[b * n + i];
        mabs += fabs(g[b * n + i]);
      }
      mean /= nb;
      mabs /= nb;
      for (int b = 0; b < nb; b++) var += (g[b * n + i] - mean) * (g[b * n + i] - mean);
      var /= nb;
      if (var > 0) sum += mabs / sqrt(var);
    }
    if (sum > 0) total += log(sum);
  }
  g_ptr_array_unref(grads);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  return total;
}

static void check(const char *arch, const char *opts, guint run_batch, int nb, int bs) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", run_batch, 3);
  double *score = harness_score(&h, opts, arch, NULL);
  double want = reference(&h, arch, nb, bs);
  assert_true(want != 0);
  if (fabs(score[0] - want) > 1e-4 * fabs(want)) fail_msg("%s: zico %.9g, separate batches %.9g", opts, score[0], want);
  g_free(score);
  harness_clear(&h);
}

static void test_two_batches(void **state) { check("c3-d2", "zico:batch_size=16", 64, 2, 16); }
static void test_split_run_batch(void **state) { check("c2-d1", "zico:batches=4;batch_size=0", 32, 4, 8); }

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_two_batches),
    cmocka_unit_test(test_split_run_batch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
