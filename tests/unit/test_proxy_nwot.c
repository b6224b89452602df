/* nwot against a direct computation: the agreement kernel K_ij = number of ReLU units on
 * which images i and j are both active or both inactive, built from the post-activation
 * values of a separate forward, and log|det K| by the Leibniz permutation sum (S = 6). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define S 6

static long double leibniz(const long double *K, int n) {
  int perm[S], c[S];
  for (int i = 0; i < n; i++) perm[i] = i, c[i] = 0;
  long double det = 0;
  int sign = 1;
  /* Heap's algorithm: every permutation, the sign flips with each swap */
  for (;;) {
    long double prod = 1;
    for (int i = 0; i < n; i++) prod *= K[i * n + perm[i]];
    det += sign * prod;
    int i = 1;
    while (i < n && c[i] >= i) c[i++] = 0;
    if (i >= n) break;
    int j = i % 2 ? c[i] : 0;
    int t = perm[j];
    perm[j] = perm[i];
    perm[i] = t;
    sign = -sign;
    c[i]++;
  }
  return det;
}

static void test_nwot_matches_direct_determinant(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", S, 9);
  const char *arch = "c2-d2";
  double *score = harness_score(&h, "nwot", arch, NULL);
  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, FALSE, ZC_INPUT_REAL, S, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  assert_true(zc_net_forward(net, ws, x, S, NULL));
  long double K[S * S] = {0};
  for (guint a = 0; a < zc_net_n_acts(net); a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    const float *post = A.post;
    for (int i = 0; i < S; i++)
      for (int j = 0; j < S; j++)
        for (gsize u = 0; u < A.units; u++) K[i * S + j] += (post[i * A.units + u] > 0) == (post[j * A.units + u] > 0);
  }
  long double det = leibniz(K, S);
  assert_true(det > 0);
  double want = (double)logl(fabsl(det));
  if (fabs(score[0] - want) > 1e-9 * fabs(want)) fail_msg("nwot %.12g, Leibniz %.12g", score[0], want);
  g_free(score);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_nwot_matches_direct_determinant),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
