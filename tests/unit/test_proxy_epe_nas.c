/* epe_nas: the per-class aggregation against hand values (a two-row class has R = [[1, r],
 * [r, 1]]; singleton classes; the > 100-classes rule), then the proxy against the input
 * Jacobian by central differences of the summed outputs in float64, grouped by label and
 * correlated by a loop written out here.  jacov and epe_nas share their pass. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"
#include "linalg.h"

static const double K = 1e-5;

static void test_aggregation_by_hand(void **state) {
  /* class 7: rows (1,0,0), (1,1,0): r = 1/2; class 3: rows (1,2,3), (3,2,1), (0,1,0):
   * centered (-1,0,1), (1,0,-1), (-1/3,2/3,-1/3): r = -1, 0, 0; class 5: one row */
  double J[6 * 3] = {1, 0, 0, 1, 2, 3, 1, 1, 0, 3, 2, 1, 0, 1, 0, 4, 4, 5};
  gint32 y[6] = {7, 3, 7, 3, 3, 5};
  double s7 = 2 * log(1 + K) + 2 * log(0.5 + K);
  double s3 = 3 * log(1 + K) + 2 * log(1 + K) + 4 * log(0 + K);
  double s5 = log(1 + K);
  double few = zc_linalg_epe_score(J, y, 6, 3, 10);
  double want_few = fabs(s7) + fabs(s3) + fabs(s5);
  if (fabs(few - want_few) > 1e-12 * want_few) fail_msg("<= 100 classes: %.15g, want %.15g", few, want_few);
  /* > 100 classes: s_c / rows, singleton dropped, sum over ordered pairs / classes kept */
  double a = s7 / 2, b = s3 / 3;
  double want_many = 2 * fabs(a - b) / 2;
  double many = zc_linalg_epe_score(J, y, 6, 3, 120);
  if (fabs(many - want_many) > 1e-12 * want_many) fail_msg("> 100 classes: %.15g, want %.15g", many, want_many);
}

#define B 16
#define D (3 * 8 * 8)

static void test_epe_nas_matches_written_out_classes(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 19);
  const char *arch = "c3-d1";
  double *score = harness_score(&h, "epe_nas", arch, NULL);
  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, B, &x, &y, &ctx);
  double *J = harness_fd_input_jacobian(net, x, B, D);
  double want = 0;
  int pairs = 0;
  for (int c = 0; c < 4; c++) {
    int idx[B], m = 0;
    for (int n = 0; n < B; n++)
      if (y[n] == c) idx[m++] = n;
    if (m == 0) continue;
    double s = 0;
    for (int a = 0; a < m; a++)
      for (int b = 0; b < m; b++) {
        const double *p = J + idx[a] * D, *q = J + idx[b] * D;
        double mp = 0, mq = 0, pq = 0, pp = 0, qq = 0;
        for (int i = 0; i < D; i++) {
          mp += p[i] / D;
          mq += q[i] / D;
        }
        for (int i = 0; i < D; i++) {
          pq += (p[i] - mp) * (q[i] - mq);
          pp += (p[i] - mp) * (p[i] - mp);
          qq += (q[i] - mq) * (q[i] - mq);
        }
        s += log(fabs(pq / sqrt(pp * qq)) + K);
        pairs += a != b;
      }
    want += fabs(s);
  }
  assert_true(pairs > 0);   /* some class has two samples or more */
  if (fabs(score[0] - want) > 1e-4 * want) fail_msg("epe_nas %.9g, written out %.9g", score[0], want);
  g_free(J);
  g_free(score);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

static void test_shares_pass_with_jacov(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 19);
  ZcPassSpec s[2];
  const char *names[2] = {"jacov", "epe_nas"};
  for (int i = 0; i < 2; i++) {
    const ZcPluginDesc *d = zc_registry_find(h.reg, ZC_KIND_PROXY, names[i]);
    ZcProxy *p = zc_proxy_new(d, zc_options_from_strv(d->options, NULL, names[i], NULL), NULL);
    zc_proxy_pass_spec(p, &s[i]);
    zc_proxy_free(p);
  }
  assert_true(zc_pass_spec_equal(&s[0], &s[1]));
  assert_true(s[0].input_grad && s[0].pass == ZC_PASS_INPUT_JACOBIAN);
  double *both = harness_score(&h, "jacov,epe_nas", "c3-d2", NULL);
  double *j = harness_score(&h, "jacov", "c3-d2", NULL), *e = harness_score(&h, "epe_nas", "c3-d2", NULL);
  assert_true(both[0] == j[0] && both[1] == e[0]);
  g_free(both);
  g_free(j);
  g_free(e);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_aggregation_by_hand),
    cmocka_unit_test(test_epe_nas_matches_written_out_classes),
    cmocka_unit_test(test_shares_pass_with_jacov),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
