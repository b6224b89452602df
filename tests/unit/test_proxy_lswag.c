/* lswag against an independent computation: the gradient of every image (or chunk) is
 * recomputed by a separate forward+backward of that image alone on the same network,
 * sigma_w by the two-pass formula, Lambda over the selected layers, and Psi by building
 * the sign patterns from those separate runs' activations and counting distinct ones
 * with a hash set.  Also the percentile bins against values printed by Python's
 * int((l/L)*100 // (100/bins)) and the spike detector on hand-made statistics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"
#include <zcnas/layersel.h>

#define B 64

typedef struct {
  gboolean abs;
  int ddof, K;               /* K gradient samples: chunks of B / K images */
  guint start, end, bins;    /* Lambda bins; Psi over bins <= end (from bin 0) */
  gboolean psi_union;
  int S;                     /* images per pattern */
} Ref;

/* Values of the toy net's ReLUs for images [i0, i0 + n) run as one batch. */
static void run_chunk(ZcNet *net, ZcWorkspace *ws, const float *x, const gint32 *y, int i0, int n) {
  gsize per = 3 * 8 * 8;
  assert_true(zc_net_forward(net, ws, x + (gsize)i0 * per, n, NULL));
  double loss;
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, y + i0, &loss, 0, NULL));
}

static guint bin_py(guint l, guint L, guint bins) {
  /* the same rule written directly (no floor-division emulation): exact for these L */
  return (guint)((l * 100.0 / L) / (100.0 / bins) + 1e-9);
}

static double reference(Harness *h, const char *arch, const Ref *r, double *lambda_out, double *psi_out) {
  ZcEvalContext *ctx;
  const void *xv;
  const gint32 *y;
  ZcNet *net = harness_network(h, arch, FALSE, ZC_INPUT_REAL, B, &xv, &y, &ctx);
  const float *x = xv;
  ZcWorkspace *ws = zc_workspace_new(1);
  guint L = zc_net_n_layers(net), na = zc_net_n_acts(net);
  int n = B / r->K;
  /* per-chunk gradients of every weight layer, and every ReLU's pre-activation sign */
  GPtrArray *grads = g_ptr_array_new_with_free_func(g_free);   /* [layer] K x numel */
  GPtrArray *signs = g_ptr_array_new_with_free_func(g_free);   /* [act] B x units */
  for (guint l = 0; l < L; l++) {
    ZcLayerInfo info;
    zc_net_layer(net, ws, l, &info);
    g_ptr_array_add(grads, g_new(double, (gsize)r->K * info.weight_numel));
  }
  for (guint a = 0; a < na; a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    g_ptr_array_add(signs, g_new0(char, (gsize)B * A.units));
  }
  for (int k = 0; k < r->K; k++) {
    run_chunk(net, ws, x, y, k * n, n);
    for (guint l = 0; l < L; l++) {
      ZcLayerInfo info;
      zc_net_layer(net, ws, l, &info);
      double *g = (double *)g_ptr_array_index(grads, l) + (gsize)k * info.weight_numel;
      for (gsize i = 0; i < info.weight_numel; i++) g[i] = ((const float *)info.weight_grad)[i];
    }
    for (guint a = 0; a < na; a++) {
      ZcActInfo A;
      zc_net_act(net, ws, a, &A);
      char *sg = g_ptr_array_index(signs, a);
      for (int s = 0; s < n; s++)
        for (gsize u = 0; u < A.units; u++) sg[(gsize)(k * n + s) * A.units + u] = ((const float *)A.pre)[s * A.units + u] > 0;
    }
  }
  double lambda = 0;
  for (guint l = 0; l < L; l++) {
    guint b = bin_py(l + 1, L, r->bins);
    if (b < r->start || b > r->end) continue;
    ZcLayerInfo info;
    zc_net_layer(net, ws, l, &info);
    const double *g = g_ptr_array_index(grads, l);
    double sum = 0;
    for (gsize i = 0; i < info.weight_numel; i++) {
      double mean = 0, var = 0;
      for (int k = 0; k < r->K; k++) mean += r->abs ? fabs(g[k * info.weight_numel + i]) : g[k * info.weight_numel + i];
      mean /= r->K;
      for (int k = 0; k < r->K; k++) {
        double v = (r->abs ? fabs(g[k * info.weight_numel + i]) : g[k * info.weight_numel + i]) - mean;
        var += v * v;
      }
      var /= r->K - r->ddof;
      double e2 = 0;
      for (int k = 0; k < r->K; k++) e2 += g[k * info.weight_numel + i] * g[k * info.weight_numel + i];
      e2 /= r->K - r->ddof;
      if (var > 1e-12 * e2) sum += 1 / sqrt(var);
    }
    if (sum > 0) lambda += log(sum);
  }
  /* toy nets: conv-BN-ReLU blocks, so ReLU a follows weight layer a + 1 */
  GHashTable *all = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  double psi_sum = 0;
  for (guint a = 0; a < na; a++) {
    if (bin_py(a + 1, L, r->bins) > r->end) continue;
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    const char *sg = g_ptr_array_index(signs, a);
    GHashTable *mine = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (gsize u = 0; u < A.units; u++) {
      char *key = g_new(char, r->S + 1);
      for (int s = 0; s < r->S; s++) key[s] = sg[(gsize)s * A.units + u] ? '1' : '0';
      key[r->S] = 0;
      g_hash_table_add(mine, g_strdup(key));
      g_hash_table_add(all, key);
    }
    psi_sum += g_hash_table_size(mine);
    g_hash_table_unref(mine);
  }
  double psi = r->psi_union ? g_hash_table_size(all) : psi_sum;
  g_hash_table_unref(all);
  g_ptr_array_unref(grads);
  g_ptr_array_unref(signs);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  *lambda_out = lambda;
  *psi_out = psi;
  return lambda * psi;
}

static void check(const char *arch, const char *opts, const Ref *r) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 5);
  char *spec = g_strdup_printf("lswag:%s", opts);
  char *spec_l = g_strdup_printf("lswag:%s;term=lambda", opts);
  char *spec_p = g_strdup_printf("lswag:%s;term=psi", opts);
  char *all = g_strjoin(",", spec, spec_l, spec_p, NULL);
  double *score = harness_score(&h, all, arch, NULL);
  double lambda, psi;
  double want = reference(&h, arch, r, &lambda, &psi);
  assert_true(lambda > 0 && psi > 1);
  if (fabs(score[1] - lambda) > 1e-4 * fabs(lambda)) fail_msg("%s: Lambda %.9g, separate passes %.9g", opts, score[1], lambda);
  if (score[2] != psi) fail_msg("%s: Psi %.0f, brute force %.0f", opts, score[2], psi);
  if (fabs(score[0] - want) > 1e-4 * fabs(want)) fail_msg("%s: lswag %.9g, reference %.9g", opts, score[0], want);
  g_free(score);
  g_free(spec);
  g_free(spec_l);
  g_free(spec_p);
  g_free(all);
  harness_clear(&h);
}

static void test_per_sample_all_layers(void **state) {
  Ref r = {TRUE, 0, B, 0, 10, 10, TRUE, B};
  check("c3-d1", "layers=all;subbatches=0;pattern_samples=0", &r);
}

static void test_per_sample_layer_range(void **state) {
  /* 6 weight layers: bins 1 3 5 6 8 10; bins 3..7 keep layers 2, 3, 4 in Lambda and
   * the ReLUs after layers 1..4 in Psi */
  Ref r = {TRUE, 0, B, 3, 7, 10, TRUE, 16};
  check("c2-d4", "layers=range;layer_start=3;layer_end=7;subbatches=0", &r);
}

static void test_chunks_signed_ddof_sum(void **state) {
  Ref r = {FALSE, 1, 4, 0, 6, 10, FALSE, 40};
  check("c3-d2", "subbatches=4;abs=false;ddof=1;layer_start=0;layer_end=6;psi_mode=sum;pattern_samples=40", &r);
}

static void test_bins_match_python(void **state) {
  static const guint L17[] = {0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 7, 7, 8, 8, 9, 10};
  static const guint L24[] = {0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10};
  static const guint L7b4[] = {0, 1, 1, 2, 2, 3, 4};
  for (guint l = 1; l <= 17; l++) assert_int_equal(zc_layersel_bin(l, 17, 10), L17[l - 1]);
  for (guint l = 1; l <= 24; l++) assert_int_equal(zc_layersel_bin(l, 24, 10), L24[l - 1]);
  for (guint l = 1; l <= 7; l++) assert_int_equal(zc_layersel_bin(l, 7, 4), L7b4[l - 1]);
  assert_int_equal(zc_layersel_bin(3, 3, 10), 10);
}

static void test_spike_detector(void **state) {
  /* flat at 1.0 +- 0.01 with a bump at bins 4..6: robust z far above 2 there */
  double m[11] = {1.00, 1.01, 0.99, 1.00, 1.80, 2.00, 1.70, 1.01, 0.99, 1.00, 1.02};
  gboolean have[11];
  for (int i = 0; i < 11; i++) have[i] = TRUE;
  guint s, e;
  assert_true(zc_layersel_spikes(m, have, 11, 2.0, &s, &e));
  assert_int_equal(s, 4);
  assert_int_equal(e, 6);
  have[5] = FALSE;   /* a bin without layers is ignored */
  m[5] = 100;
  assert_true(zc_layersel_spikes(m, have, 11, 2.0, &s, &e));
  assert_int_equal(s, 4);
  assert_int_equal(e, 6);
  double flat[5] = {1, 1, 1, 1, 1};
  gboolean h5[5] = {TRUE, TRUE, TRUE, TRUE, TRUE};
  assert_false(zc_layersel_spikes(flat, h5, 5, 2.0, &s, &e));
  assert_int_equal(s, 0);
  assert_int_equal(e, 4);
}

static void test_wrong_batch_is_an_error(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 32, 5);
  ZcStatus st;
  double *score = harness_score(&h, "lswag:subbatches=0", "c2-d1", &st);
  assert_int_equal(st, ZC_STATUS_FAILED);
  assert_true(isnan(score[0]));
  g_free(score);
  score = harness_score(&h, "lswag", "c2-d1", &st);   /* default: 8 chunks, any batch >= 8 */
  assert_int_equal(st, ZC_STATUS_OK);
  assert_true(isfinite(score[0]) && score[0] > 0);
  g_free(score);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bins_match_python),
    cmocka_unit_test(test_spike_detector),
    cmocka_unit_test(test_per_sample_all_layers),
    cmocka_unit_test(test_per_sample_layer_range),
    cmocka_unit_test(test_chunks_signed_ddof_sum),
    cmocka_unit_test(test_wrong_batch_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
