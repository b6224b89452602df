/* swap against brute force: the network re-initialised N(0,1) (biases 0, BN 1/0), the
 * 16-image batch run forward, and the distinct 16-bit patterns of every ReLU unit (from
 * the post-activation values) counted with a hash set; repeats average such counts;
 * the regulariser multiplies by exp(-(P - mu)^2 / sigma) with P = parameters / 1000. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static double distinct(ZcNet *net, ZcWorkspace *ws, int n) {
  GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint a = 0; a < zc_net_n_acts(net); a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    const float *post = A.post;
    for (gsize u = 0; u < A.units; u++) {
      char *key = g_new(char, n + 1);
      for (int s = 0; s < n; s++) key[s] = post[s * A.units + u] > 0 ? '1' : '0';
      key[n] = 0;
      g_hash_table_add(set, key);
    }
  }
  double d = g_hash_table_size(set);
  g_hash_table_unref(set);
  return d;
}

/* Count of repeat r, as documented in swap.c: seed subkey r of the "swap" stream of the
 * evaluation seed, input batch r (repeat 0: the evaluation seed and batch 0). */
static double count(Harness *h, const char *arch, int r) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(h->space, arch, &err);
  ZcEvalContext *ctx = zc_eval_context_new(h->data, h->batch, h->seed, 1);
  ZcEval *ev = zc_eval_new(ctx, h->space, a);
  ZcBuildSpec bs = {sizeof bs, FALSE, zc_eval_seed(ev)};
  ZcNet *net = zc_space_build(h->space, a, &bs, &err);
  const void *x;
  const gint32 *y;
  assert_true(zc_eval_batch(ev, ZC_INPUT_REAL, 16, (guint)r, FALSE, &x, &y, &err));
  guint64 seed = r ? zc_rng_subkey(zc_rng_key(zc_eval_seed(ev), G_GUINT64_CONSTANT(0x73776170)), (guint64)r)
                   : zc_eval_seed(ev);
  zc_net_init(net, ZC_INIT_NORMAL, 1.0, seed);
  ZcWorkspace *ws = zc_workspace_new(1);
  assert_true(zc_net_forward(net, ws, x, 16, NULL));
  double d = distinct(net, ws, 16);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_free(ev);
  zc_eval_context_free(ctx);
  zc_space_arch_free(h->space, a);
  return d;
}

static void test_swap_counts_distinct_patterns(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 64, 21);
  const char *arch = "c4-d2";
  double *score = harness_score(&h, "swap", arch, NULL);
  double want = count(&h, arch, 0);
  assert_true(want > 10);
  assert_true(score[0] == want);
  g_free(score);
  /* repeats, and the regulariser on P = n_params / 1000 */
  score = harness_score(&h, "swap:repeats=3;mu=0.2;sigma=0.5", arch, NULL);
  want = (count(&h, arch, 0) + count(&h, arch, 1) + count(&h, arch, 2)) / 3;
  ZcEvalContext *ctx;
  ZcNet *net = harness_network(&h, arch, FALSE, ZC_INPUT_REAL, 16, NULL, NULL, &ctx);
  double P = (double)zc_net_n_params(net) / 1000.0;
  want *= exp(-(P - 0.2) * (P - 0.2) / 0.5);
  if (fabs(score[0] - want) > 1e-9 * want) fail_msg("regularised swap %.12g, brute force %.12g", score[0], want);
  g_free(score);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_swap_counts_distinct_patterns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
