/* dss and its eigenvalue helper.
 *  - eigsym: hand spectra, Jacobi against tridiagonal QL against LAPACK's dsyev, nuclear
 *    norms of small hand matrices;
 *  - dss on a small AutoFormer-Tiny subnet against a brute-force loop written here: the
 *    same |params|, BN-off, all-ones pass, nuclear norms from LAPACK's SVD (dgesvd), the
 *    saliency sums, the role rules and options by hand; the gradient itself spot-checked
 *    by finite differences on a float64 twin;
 *  - a CNN space is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"
#include "eigsym.h"

/* LAPACK (OpenBLAS ships it) as the independent reference. */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);
extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
                    const int *lwork, int *info);

static void lapack_eigs(int n, const double *A, double *w) {
  double *a = g_memdup2(A, sizeof(double) * n * n), q;
  int lwork = -1, info;
  dsyev_("N", "L", &n, a, &n, w, &q, &lwork, &info);
  lwork = (int)q;
  double *work = g_new(double, lwork);
  dsyev_("N", "L", &n, a, &n, w, work, &lwork, &info);
  assert_int_equal(info, 0);
  g_free(work);
  g_free(a);
}

/* Nuclear norm of a row-major rows x cols float matrix by LAPACK's SVD (read as the
 * column-major cols x rows transpose: same singular values). */
static double lapack_nuclear(const float *W, int rows, int cols) {
  int m = cols, n = rows, k = MIN(m, n), lwork = -1, info, one = 1;
  double *a = g_new(double, (gsize)m * n), *s = g_new(double, k), q;
  for (gsize i = 0; i < (gsize)m * n; i++) a[i] = W[i];
  dgesvd_("N", "N", &m, &n, a, &m, s, NULL, &one, NULL, &one, &q, &lwork, &info);
  lwork = (int)q;
  double *work = g_new(double, lwork);
  dgesvd_("N", "N", &m, &n, a, &m, s, NULL, &one, NULL, &one, work, &lwork, &info);
  assert_int_equal(info, 0);
  double sum = 0;
  for (int i = 0; i < k; i++) sum += s[i];
  g_free(work);
  g_free(s);
  g_free(a);
  return sum;
}

static void expect_eigs(int n, const double *A, const double *want, double tol) {
  double *w = g_new(double, n), *a = g_new(double, n * n);
  for (int solver = 0; solver < 2; solver++) {
    memcpy(a, A, sizeof(double) * n * n);
    assert_true(solver ? eigsym_tridiag_ql(n, a, w) : eigsym_jacobi(n, a, w));
    for (int i = 0; i < n; i++)
      if (fabs(w[i] - want[i]) > tol) fail_msg("solver %d: eigenvalue %d = %.17g, want %.17g", solver, i, w[i], want[i]);
  }
  g_free(w);
  g_free(a);
}

static void test_eigsym_hand_spectra(void **state) {
  const double a2[] = {2, 1, 1, 2}, w2[] = {1, 3};
  expect_eigs(2, a2, w2, 1e-14);
  const double a3[] = {5, 0, 0, 0, -1, 0, 0, 0, 2}, w3[] = {-1, 2, 5};
  expect_eigs(3, a3, w3, 1e-14);
  const double t3[] = {2, -1, 0, -1, 2, -1, 0, -1, 2}, wt[] = {2 - sqrt(2), 2, 2 + sqrt(2)};
  expect_eigs(3, t3, wt, 1e-14);
  const double one[] = {-7}, wone[] = {-7};
  expect_eigs(1, one, wone, 0);
  /* I + u u^T, u = (1..6): eigenvalue 1 five times and 1 + |u|^2 = 92 */
  double iu[36], wiu[6] = {1, 1, 1, 1, 1, 92};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) iu[i * 6 + j] = (i == j) + (i + 1.0) * (j + 1.0);
  expect_eigs(6, iu, wiu, 1e-12);
}

static void test_eigsym_random_against_lapack(void **state) {
  const int sizes[] = {2, 7, 40, 65, 130};
  for (guint t = 0; t < G_N_ELEMENTS(sizes); t++) {
    int n = sizes[t];
    double *A = g_new(double, n * n), *ref = g_new(double, n), *w = g_new(double, n), *a = g_new(double, n * n);
    guint64 key = zc_rng_key(17, (guint64)n);
    for (int i = 0; i < n; i++)
      for (int j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = zc_rng_normal_at(key, (guint64)i * n + j);
    lapack_eigs(n, A, ref);
    double scale = fabs(ref[0]) + fabs(ref[n - 1]);
    for (int solver = 0; solver < 3; solver++) {
      memcpy(a, A, sizeof(double) * n * n);
      gboolean ok = solver == 0 ? eigsym_jacobi(n, a, w) : solver == 1 ? eigsym_tridiag_ql(n, a, w) : eigsym_values(n, a, w);
      assert_true(ok);
      for (int i = 0; i < n; i++)
        if (fabs(w[i] - ref[i]) > 1e-12 * scale) fail_msg("n %d solver %d: eig %d %.17g vs LAPACK %.17g", n, solver, i, w[i], ref[i]);
    }
    g_free(A);
    g_free(ref);
    g_free(w);
    g_free(a);
  }
}

static void test_nuclear_norms_of_hand_matrices(void **state) {
  const double m1[] = {1, 2, 3, 4};   /* sigma1 + sigma2 = sqrt(trace(A^T A) + 2 |det A|) = sqrt(34) */
  assert_true(fabs(eigsym_nuclear_norm(ZC_F64, m1, 2, 2) - sqrt(34)) < 1e-13);
  const float m2[] = {3, 0, 0, -4};
  assert_true(fabs(eigsym_nuclear_norm(ZC_F32, m2, 2, 2) - 7) < 1e-12);
  const double m3[] = {1, 0, 0, 0, 2, 0};   /* 2 x 3 */
  assert_true(fabs(eigsym_nuclear_norm(ZC_F64, m3, 2, 3) - 3) < 1e-13);
  assert_true(fabs(eigsym_nuclear_norm(ZC_F64, m3, 3, 2) - sqrt(5)) < 1e-13);   /* read as 3 x 2 */
  double m4[12];   /* rank one u v^T: |u| |v| */
  const double u[] = {1, -2, 2, 4}, v[] = {2, 3, 6};
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++) m4[i * 3 + j] = u[i] * v[j];
  assert_true(fabs(eigsym_nuclear_norm(ZC_F64, m4, 4, 3) - 5.0 * 7.0) < 1e-12);
  double m4t[12];   /* its transpose, 3 x 4 */
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++) m4t[j * 4 + i] = m4[i * 3 + j];
  assert_true(fabs(eigsym_nuclear_norm(ZC_F64, m4t, 3, 4) - 5.0 * 7.0) < 1e-12);
}

/* ---- dss on a ViT ------------------------------------------------------------------------ */

static const char *const af_set[] = {"variant=tiny", "image_size=32", "patch_size=16", "classes=10", NULL};
/* heads 3 make proj square (3*64 = 192), heads 4 do not */
static const char *af_arch = "e192-d12-r4,3.5,4,3.5,4,4,3.5,3.5,4,4,3.5,4-h3,4,3,3,4,4,3,4,4,3,3,4";

static gboolean is(const char *role, const char *name) { return role && !strcmp(role, name); }

/* DSS by hand: rule 0 = roles, 1 = square; returns also the head's saliency. */
static double dss_by_hand(ZcNet *net, ZcWorkspace *ws, int rule, double *head_sal) {
  double total = 0;
  *head_sal = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    if (L.kind != ZC_LAYER_LINEAR) {
      assert_true(is(L.role, "patch"));
      continue;
    }
    const float *w = L.weight, *g = L.weight_grad;
    double sal = 0;
    for (gsize i = 0; i < L.weight_numel; i++) sal += fabs((double)w[i] * g[i]);
    gboolean head = is(L.role, "head");
    gboolean msa = rule ? !head && (is(L.role, "qkv") || L.in_channels == L.out_channels)
                        : is(L.role, "qkv") || is(L.role, "proj");
    if (head) *head_sal = sal;
    if (msa)
      total += lapack_nuclear(g, L.out_channels, L.in_channels) * lapack_nuclear(w, L.out_channels, L.in_channels);
    else
      total += sal;   /* fc1, fc2, head (and, under the square rule, non-square proj) */
  }
  return total;
}

static double sum_outputs(ZcNet *net, ZcWorkspace *ws, const void *ones) {
  assert_true(zc_net_forward(net, ws, ones, 1, NULL));
  const double *y = zc_net_value(net, ws, zc_net_output(net));
  double s = 0;
  for (gsize i = 0; i < zc_net_numel(net, zc_net_output(net)); i++) s += y[i];
  return s;
}

static void test_dss_on_autoformer_by_hand(void **state) {
  Harness h;
  harness_init(&h, "autoformer", af_set, NULL, 4, 3);
  double *s = harness_score(&h, "dss,dss:head_twice=true,dss:msa_rule=square", af_arch, NULL);

  ZcEvalContext *ctx;
  ZcNet *net = harness_network(&h, af_arch, FALSE, ZC_INPUT_ONES, 1, NULL, NULL, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  zc_net_params_abs(net);
  zc_net_set_bn_mode(net, ZC_BN_OFF);
  gsize in_n = zc_net_numel(net, 0);
  float *ones = g_new(float, in_n);
  for (gsize i = 0; i < in_n; i++) ones[i] = 1;
  assert_true(zc_net_forward(net, ws, ones, 1, NULL));
  assert_true(zc_net_backward_seed(net, ws, NULL, 0, NULL));
  double head, head2;
  double want = dss_by_hand(net, ws, 0, &head);
  double want_sq = dss_by_hand(net, ws, 1, &head2);
  assert_true(want > 0 && head > 0 && want_sq != want);
  if (fabs(s[0] - want) > 1e-6 * want) fail_msg("dss %.12g, by hand %.12g", s[0], want);
  if (fabs(s[1] - (want + head)) > 1e-6 * want) fail_msg("dss head_twice %.12g, by hand %.12g", s[1], want + head);
  if (fabs(s[2] - want_sq) > 1e-6 * want_sq) fail_msg("dss square rule %.12g, by hand %.12g", s[2], want_sq);

  /* the gradient of R = sum of outputs, spot-checked by central differences (float64 twin) */
  ZcLayerInfo L;
  guint qkv = 0;
  while (zc_net_layer(net, ws, qkv, &L) && !is(L.role, "qkv")) qkv++;
  float g32[3];
  const gsize idx[3] = {0, L.weight_numel / 2 + 7, L.weight_numel - 1};
  for (int k = 0; k < 3; k++) g32[k] = ((const float *)L.weight_grad)[idx[k]];
  ZcEvalContext *ctx64;
  ZcNet *net64 = harness_network(&h, af_arch, TRUE, ZC_INPUT_ONES, 1, NULL, NULL, &ctx64);
  zc_net_params_abs(net64);
  zc_net_set_bn_mode(net64, ZC_BN_OFF);
  double *ones64 = g_new(double, in_n);
  for (gsize i = 0; i < in_n; i++) ones64[i] = 1;
  ZcLayerInfo L64;
  zc_net_layer(net64, ws, qkv, &L64);
  double *w = L64.weight;
  for (int k = 0; k < 3; k++) {
    double w0 = w[idx[k]], e = 1e-4 * fmax(fabs(w0), 1e-3);
    w[idx[k]] = w0 + e;
    double rp = sum_outputs(net64, ws, ones64);
    w[idx[k]] = w0 - e;
    double rm = sum_outputs(net64, ws, ones64);
    w[idx[k]] = w0;
    double fd = (rp - rm) / (2 * e);
    if (fabs(fd - g32[k]) > 1e-3 * fabs(fd) + 1e-6) fail_msg("dR/dW[%zu]: float32 %.9g, differences %.9g", idx[k], g32[k], fd);
  }
  g_free(ones64);
  zc_net_free(net64);
  zc_eval_context_free(ctx64);
  g_free(ones);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  g_free(s);
  harness_clear(&h);
}

static void test_dss_refuses_cnn(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, NULL, 4, 3);
  ZcStatus st[1];
  double *s = harness_score(&h, "dss", "c4-d1", st);
  assert_int_equal(st[0], ZC_STATUS_FAILED);
  assert_true(isnan(s[0]));
  g_free(s);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_eigsym_hand_spectra),
    cmocka_unit_test(test_eigsym_random_against_lapack),
    cmocka_unit_test(test_nuclear_norms_of_hand_matrices),
    cmocka_unit_test(test_dss_on_autoformer_by_hand),
    cmocka_unit_test(test_dss_refuses_cnn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
