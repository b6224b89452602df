/* zc_linalg_eigsym: hand spectra, a matrix built from known eigenvalues (a repeated one and
 * a tiny one), the symmetric part of a non-symmetric input, the input left unchanged, NaN
 * and the convergence flag. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <zcnas/linalg.h>

static void test_eigenvalues_known(void **state) {
  double A[9] = {2, 1, 0, 1, 2, 1, 0, 1, 2}, v[3];
  assert_true(zc_linalg_eigsym(A, 3, v));
  assert_true(fabs(v[0] - (2 - sqrt(2))) < 1e-14 && fabs(v[1] - 2) < 1e-14 && fabs(v[2] - (2 + sqrt(2))) < 1e-14);
  /* A = Q D Q^T with Q a Householder reflection: eigenvalues D, including a repeated one */
  enum { N = 7 };
  double d[N] = {-3, 1e-6, 0.5, 0.5, 2, 7, 11}, u[N], M[N * N], e[N], uu = 0;
  for (int i = 0; i < N; i++) {
    u[i] = sin(1.0 + 3.0 * i);
    uu += u[i] * u[i];
  }
  double Q[N * N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) Q[i * N + j] = (i == j) - 2 * u[i] * u[j] / uu;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int k = 0; k < N; k++) s += Q[i * N + k] * d[k] * Q[j * N + k];
      M[i * N + j] = s;
    }
  assert_true(zc_linalg_eigsym(M, N, e));
  for (int i = 0; i < N; i++)
    if (fabs(e[i] - d[i]) > 1e-13) fail_msg("eigenvalue %d: %.17g, want %.17g", i, e[i], d[i]);
}

static void test_symmetric_part_input_kept(void **state) {
  /* (A + A^T)/2 = [[2, 1], [1, 2]]: eigenvalues 1 and 3; A itself is not touched */
  const double A[4] = {2, 3, -1, 2};
  double a[4], w[2];
  memcpy(a, A, sizeof a);
  assert_true(zc_linalg_eigsym(a, 2, w));
  assert_true(fabs(w[0] - 1) < 1e-15 && fabs(w[1] - 3) < 1e-15);
  assert_memory_equal(a, A, sizeof a);
  /* already diagonal, unsorted: sorted ascending; zero matrix and order 1 converge at once */
  const double D[9] = {5, 0, 0, 0, -1, 0, 0, 0, 2};
  double v[3];
  assert_true(zc_linalg_eigsym(D, 3, v));
  assert_true(v[0] == -1 && v[1] == 2 && v[2] == 5);
  const double Z[4] = {0, 0, 0, 0}, one[1] = {-7};
  assert_true(zc_linalg_eigsym(Z, 2, w) && w[0] == 0 && w[1] == 0);
  assert_true(zc_linalg_eigsym(one, 1, w) && w[0] == -7);
}

static void test_nan(void **state) {
  const double A[4] = {1, NAN, NAN, 1};
  double w[2] = {0, 0};
  assert_false(zc_linalg_eigsym(A, 2, w));
  assert_true(isnan(w[0]) && isnan(w[1]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_eigenvalues_known),
    cmocka_unit_test(test_symmetric_part_input_kept),
    cmocka_unit_test(test_nan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
