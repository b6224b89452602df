/* meco against closed forms: for every node of a toy net with 2 or 3 channels, the
 * Pearson correlation matrix of sample 0's channels over the 8x8 positions and its
 * smallest eigenvalue in closed form (2x2: 1 - |r|; 3x3: the trigonometric solution of
 * the characteristic cubic); vectors and constant channels add 0.  A net whose maps have
 * fewer positions than channels has rank-deficient matrices: score 0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

static double min_eig_closed(const double *R, int C) {
  if (C == 1) return R[0];
  if (C == 2) return 0.5 * (R[0] + R[3]) - sqrt(0.25 * (R[0] - R[3]) * (R[0] - R[3]) + R[1] * R[1]);
  /* 3x3 symmetric */
  double p1 = R[1] * R[1] + R[2] * R[2] + R[5] * R[5];
  double q = (R[0] + R[4] + R[8]) / 3;
  double p2 = (R[0] - q) * (R[0] - q) + (R[4] - q) * (R[4] - q) + (R[8] - q) * (R[8] - q) + 2 * p1;
  double p = sqrt(p2 / 6);
  if (p == 0) return q;
  double Bm[9];
  for (int i = 0; i < 9; i++) Bm[i] = (R[i] - (i % 4 == 0 ? q : 0)) / p;
  double detB = Bm[0] * (Bm[4] * Bm[8] - Bm[5] * Bm[7]) - Bm[1] * (Bm[3] * Bm[8] - Bm[5] * Bm[6]) +
                Bm[2] * (Bm[3] * Bm[7] - Bm[4] * Bm[6]);
  double r = detB / 2;
  double phi = r <= -1 ? G_PI / 3 : r >= 1 ? 0 : acos(r) / 3;
  return q + 2 * p * cos(phi + 2 * G_PI / 3);
}

static double reference(Harness *h, const char *arch, guint batch) {
  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(h, arch, FALSE, ZC_INPUT_REAL, batch, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  assert_true(zc_net_forward(net, ws, x, (int)batch, NULL));
  double total = 0;
  for (int n = 1; n < zc_net_n_nodes(net); n++) {
    ZcShape sh;
    zc_net_shape(net, n, &sh);
    if (sh.ndim != 3) continue;
    int C = sh.dims[0], P = sh.dims[1] * sh.dims[2];
    const float *v = zc_net_value(net, ws, n);   /* sample 0 comes first */
    double R[9], mean[3], sd[3];
    gboolean constant = FALSE;
    for (int c = 0; c < C; c++) {
      mean[c] = 0;
      for (int p = 0; p < P; p++) mean[c] += v[c * P + p];
      mean[c] /= P;
      sd[c] = 0;
      for (int p = 0; p < P; p++) sd[c] += (v[c * P + p] - mean[c]) * (v[c * P + p] - mean[c]);
      sd[c] = sqrt(sd[c]);
      constant |= sd[c] == 0;
    }
    if (constant) continue;
    for (int i = 0; i < C; i++)
      for (int j = 0; j < C; j++) {
        double d = 0;
        for (int p = 0; p < P; p++) d += (v[i * P + p] - mean[i]) * (v[j * P + p] - mean[j]);
        R[i * C + j] = d / (sd[i] * sd[j]);
      }
    total += min_eig_closed(R, C);
  }
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  return total;
}

static void check(const char *arch) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", 8, 13);
  double *score = harness_score(&h, "meco", arch, NULL);
  double want = reference(&h, arch, 8);
  assert_true(want > 0.1);
  if (fabs(score[0] - want) > 1e-6 * want) fail_msg("%s: meco %.12g, closed form %.12g", arch, score[0], want);
  g_free(score);
  harness_clear(&h);
}

static void test_two_channels(void **state) { check("c2-d2"); }
static void test_three_channels(void **state) { check("c3-d1"); }

static void test_rank_deficient_is_zero(void **state) {
  Harness h;
  const char *const set[] = {"resolution=2", NULL};
  harness_init(&h, "toy", set, "gaussian(classes=4):3x2x2", 8, 13);
  double *score = harness_score(&h, "meco", "c8-d1", NULL);
  assert_true(fabs(score[0]) < 1e-12);
  g_free(score);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_two_channels),
    cmocka_unit_test(test_three_channels),
    cmocka_unit_test(test_rank_deficient_is_zero),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
