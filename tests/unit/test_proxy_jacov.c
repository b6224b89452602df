/* jacov: the correlation helper against hand cases (2x2 correlation and its eigenvalues;
 * the eigen-solver itself is tested in test_linalg.c), then the proxy against an independent
 * route: the input Jacobian by central differences of the summed outputs in float64, its
 * correlation matrix C written out here, and -sum [log(v+k) + 1/(v+k)] computed without
 * eigenvalues as -(log det(C + kI) + trace((C + kI)^-1)) through a Cholesky factor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"
#include "linalg.h"

static void test_corrcoef_2x2(void **state) {
  /* y = 2x + noise-free offset: r = 1; z orthogonal to x after centering: r = 0 */
  double X[3 * 4] = {1, 2, 3, 4, 3, 5, 7, 9, 1, -1, -1, 1}, C[9], v[3];
  zc_linalg_corrcoef(X, 3, 4, C);
  assert_true(fabs(C[1] - 1) < 1e-15 && fabs(C[3] - 1) < 1e-15);
  assert_true(fabs(C[2]) < 1e-15 && fabs(C[5]) < 1e-15);
  /* rows with correlation r: eigenvalues 1 - r, 1 + r */
  double Y[2 * 3] = {1, 0, 0, 1, 1, 0}, R[4], e[2];
  zc_linalg_corrcoef(Y, 2, 3, R);
  double r = R[1];
  assert_true(fabs(r - 0.5) < 1e-15);   /* centered (2,-1,-1)/3 and (1,1,-2)/3: 3/6 */
  zc_linalg_eigsym(R, 2, e);
  assert_true(fabs(e[0] - 0.5) < 1e-15 && fabs(e[1] - 1.5) < 1e-15);
  zc_linalg_eigsym(C, 3, v);
  assert_true(fabs(v[0]) < 1e-14 && fabs(v[1] - 1) < 1e-14 && fabs(v[2] - 2) < 1e-14);
  /* a constant row has no correlation: NaN, and NaN eigenvalues */
  double Z[2 * 3] = {1, 1, 1, 1, 2, 3};
  zc_linalg_corrcoef(Z, 2, 3, R);
  assert_true(isnan(R[0]) && isnan(R[1]) && fabs(R[3] - 1) < 1e-15);
  zc_linalg_eigsym(R, 2, e);
  assert_true(isnan(e[0]) && isnan(e[1]));
}

#define B 8
#define D (3 * 8 * 8)

static void test_jacov_matches_independent_route(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 13);
  const char *arch = "c3-d1";
  double *score = harness_score(&h, "jacov", arch, NULL);
  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, B, &x, &y, &ctx);
  double *J = harness_fd_input_jacobian(net, x, B, D);
  /* C = corrcoef over samples */
  double C[B * B], mean[B], sd[B];
  for (int n = 0; n < B; n++) {
    mean[n] = 0;
    for (int i = 0; i < D; i++) mean[n] += J[n * D + i] / D;
  }
  for (int a = 0; a < B; a++)
    for (int b = 0; b < B; b++) {
      double s = 0;
      for (int i = 0; i < D; i++) s += (J[a * D + i] - mean[a]) * (J[b * D + i] - mean[b]);
      C[a * B + b] = s;
    }
  for (int a = 0; a < B; a++) sd[a] = sqrt(C[a * B + a]);
  for (int a = 0; a < B; a++)
    for (int b = 0; b < B; b++) C[a * B + b] /= sd[a] * sd[b];
  /* Cholesky of M = C + kI: log det M = 2 sum log L_ii; trace(M^-1) = ||L^-1||_F^2 */
  double L[B * B] = {0}, k = 1e-5;
  for (int i = 0; i < B; i++)
    for (int j = 0; j <= i; j++) {
      double s = C[i * B + j] + (i == j ? k : 0);
      for (int m = 0; m < j; m++) s -= L[i * B + m] * L[j * B + m];
      L[i * B + j] = i == j ? sqrt(s) : s / L[j * B + j];
    }
  double logdet = 0, trinv = 0;
  for (int i = 0; i < B; i++) logdet += 2 * log(L[i * B + i]);
  for (int c = 0; c < B; c++) {   /* column c of L^-1 by forward substitution */
    double z[B];
    for (int i = 0; i < B; i++) {
      double s = (i == c);
      for (int m = 0; m < i; m++) s -= L[i * B + m] * z[m];
      z[i] = s / L[i * B + i];
      trinv += z[i] * z[i];
    }
  }
  double want = -(logdet + trinv);
  if (fabs(score[0] - want) > 1e-4 * fabs(want)) fail_msg("jacov %.9g, independent %.9g", score[0], want);
  g_free(J);
  g_free(score);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_corrcoef_2x2),
    cmocka_unit_test(test_jacov_matches_independent_route),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
