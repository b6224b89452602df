/* vkdnw against a computation written out here.  On the toy network (conv-BN-ReLU blocks,
 * global pooling, linear head; float64, Kaiming-normal fan-in, BatchNorm on running
 * statistics) the Jacobian of the logits with respect to element 0 of every parameter
 * tensor is read, sample by sample, from one backward per (sample, class) and checked
 * against central differences of the logits; the Fisher matrix is summed from explicit
 * loops, its eigenvalues come from a cyclic Jacobi iteration written here, and the decile
 * entropy is computed here: the proxy's outputs must equal it to 1e-9.  The Cholesky factor
 * of the multinomial covariance is checked against diag(p) - p p^T (lower triangular with
 * L L^T = S pins it), and the quantile convention against numpy's values on 1..10. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"
#include "vkdnw_fim.h"

#define B 6
#define DATA "gaussian(classes=4):3x8x8"

/* ---- independent pieces ------------------------------------------------------------ */

/* eigenvalues of the symmetric n x n A (destroyed) by cyclic Jacobi rotations */
static void jacobi_eigenvalues(int n, double *A, double *w) {
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0, tot = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        tot += A[i * n + j] * A[i * n + j];
        if (i != j) off += A[i * n + j] * A[i * n + j];
      }
    if (off <= 1e-30 * tot || off == 0) break;
    for (int p = 0; p < n - 1; p++)
      for (int q = p + 1; q < n; q++) {
        double apq = A[p * n + q];
        if (apq == 0) continue;
        double theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) {   /* columns p, q */
          double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {   /* rows p, q */
          double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  for (int i = 0; i < n; i++) w[i] = fabs(A[i * n + i]);
  for (int i = 1; i < n; i++)   /* insertion sort, ascending */
    for (int j = i; j > 0 && w[j - 1] > w[j]; j--) {
      double t = w[j];
      w[j] = w[j - 1];
      w[j - 1] = t;
    }
}

/* numpy.quantile(v, q) ("linear") of the sorted v, and the decile entropy */
static double quantile_here(const double *v, int n, double q) {
  double h = q * (n - 1);
  int i = (int)h;
  return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static double entropy_here(const double *lambda, int n, gboolean with_min) {
  double q[10], s = 0, e = 0;
  int m = 0;
  for (int k = with_min ? 0 : 1; k < 10; k++) q[m++] = quantile_here(lambda, n, k / 10.0);
  for (int i = 0; i < m; i++) s += q[i];
  for (int i = 0; i < m; i++) e -= q[i] / (s + 1e-10) * log(q[i] / (s + 1e-10) + 1e-10);
  return e;
}

/* ---- the network the proxy scores, rebuilt here ------------------------------------- */

typedef struct {
  ZcEvalContext *ctx;
  ZcNet *net;
  ZcWorkspace *ws;
  const double *x;
  int C, P;
  guint idx[64];
} Toy;

static void toy_setup(Harness *h, const char *arch, ZcBnMode bn, gboolean weights_only, Toy *t) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(h->space, arch, &err);
  t->ctx = zc_eval_context_new(h->data, h->batch, h->seed, 1);
  ZcEval *ev = zc_eval_new(t->ctx, h->space, a);
  ZcBuildSpec bs = {sizeof bs, TRUE, zc_eval_seed(ev)};
  t->net = zc_space_build(h->space, a, &bs, &err);
  assert_non_null(t->net);
  zc_net_init(t->net, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1.0, zc_eval_seed(ev));
  zc_net_set_bn_mode(t->net, bn);
  zc_net_reset_bn_running(t->net);
  zc_net_set_bn_update_running(t->net, FALSE);
  const void *x;
  assert_true(zc_eval_batch(ev, ZC_INPUT_REAL, B, 0, TRUE, &x, NULL, &err));
  t->x = x;
  zc_eval_free(ev);
  zc_space_arch_free(h->space, a);
  t->ws = zc_workspace_new(1);
  t->C = (int)zc_net_numel(t->net, zc_net_output(t->net));
  t->P = 0;
  for (guint i = 0; i < zc_net_n_param_tensors(t->net); i++) {
    ZcParamInfo pi;
    assert_true(zc_net_param(t->net, i, &pi));
    if (!weights_only || pi.kind == ZC_PARAM_WEIGHT) t->idx[t->P++] = i;
  }
}

static void toy_clear(Toy *t) {
  zc_workspace_free(t->ws);
  zc_net_free(t->net);
  zc_eval_context_free(t->ctx);
}

static void logits(Toy *t, int s, double *z) {
  gsize per = zc_net_numel(t->net, 0);
  assert_true(zc_net_forward(t->net, t->ws, t->x + s * per, 1, NULL));
  assert_true(zc_net_read_value(t->net, t->ws, zc_net_output(t->net), z, NULL));
}

/* J (C x P) of sample s: one backward of the unit seed per class */
static void jacobian_backward(Toy *t, int s, double *z, double *J) {
  logits(t, s, z);
  for (int c = 0; c < t->C; c++) {
    double seed[16] = {0};
    seed[c] = 1;
    assert_true(zc_net_backward_seed(t->net, t->ws, seed, 0, NULL));
    for (int k = 0; k < t->P; k++) {
      ZcParamInfo pi;
      zc_net_param(t->net, t->idx[k], &pi);
      double *g = g_new(double, pi.numel);
      assert_true(zc_net_read_param(t->net, t->idx[k], TRUE, g));
      J[c * t->P + k] = g[0];
      g_free(g);
    }
  }
}

/* the same by central differences of the logits along element 0 of each tensor */
static void jacobian_fd(Toy *t, int s, double *J) {
  const double eps = 1e-6;
  double zp[16], zm[16];
  for (int k = 0; k < t->P; k++) {
    ZcParamInfo pi;
    zc_net_param(t->net, t->idx[k], &pi);
    double *v = g_new(double, pi.numel);
    assert_true(zc_net_read_param(t->net, t->idx[k], FALSE, v));
    double v0 = v[0];
    v[0] = v0 + eps;
    zc_net_write_param(t->net, t->idx[k], v);
    logits(t, s, zp);
    v[0] = v0 - eps;
    zc_net_write_param(t->net, t->idx[k], v);
    logits(t, s, zm);
    v[0] = v0;
    zc_net_write_param(t->net, t->idx[k], v);
    g_free(v);
    for (int c = 0; c < t->C; c++) J[c * t->P + k] = (zp[c] - zm[c]) / (2 * eps);
  }
}

/* F = 1/N sum_n J^T A J with A = S = diag(p) - p p^T (exact) or L^T L (code) */
static void fisher_here(Toy *t, gboolean exact, double alpha, double *F) {
  int C = t->C, P = t->P;
  double z[16], p[16], L[256], A[256], *J = g_new(double, C * P);
  memset(F, 0, sizeof(double) * P * P);
  for (int s = 0; s < B; s++) {
    jacobian_backward(t, s, z, J);
    double m = z[0], sum = 0;
    for (int c = 1; c < C; c++) m = fmax(m, z[c]);
    for (int c = 0; c < C; c++) sum += exp(z[c] - m);
    for (int c = 0; c < C; c++) p[c] = (1 - alpha) * exp(z[c] - m) / sum + alpha / C;
    vkdnw_cholesky(C, p, L);
    for (int i = 0; i < C; i++)
      for (int j = 0; j < C; j++) {
        double a = 0;
        if (exact) a = (i == j ? p[i] : 0) - p[i] * p[j];
        else
          for (int k = 0; k < C; k++) a += L[k * C + i] * L[k * C + j];
        A[i * C + j] = a;
      }
    for (int a = 0; a < P; a++)
      for (int b = 0; b < P; b++) {
        double v = 0;
        for (int i = 0; i < C; i++)
          for (int j = 0; j < C; j++) v += J[i * P + a] * A[i * C + j] * J[j * P + b];
        F[a * P + b] += v / B;
      }
  }
  g_free(J);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_cholesky_of_multinomial_covariance(void **state) {
  double z[5] = {0.3, -1.2, 2.0, 0.0, 0.7}, p[5], L[25];
  vkdnw_smoothed_softmax(5, z, 0.05, p);
  double sp = 0;
  for (int i = 0; i < 5; i++) sp += p[i];
  assert_true(fabs(sp - 1) < 1e-15);
  double e0 = exp(0.3 - 2.0), tot = 0;
  for (int i = 0; i < 5; i++) tot += exp(z[i] - 2.0);
  assert_true(fabs(p[0] - (0.95 * e0 / tot + 0.01)) < 1e-15);
  vkdnw_cholesky(5, p, L);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) {
      if (j > i) assert_true(L[i * 5 + j] == 0);
      double v = 0;
      for (int k = 0; k < 5; k++) v += L[i * 5 + k] * L[j * 5 + k];
      double s = (i == j ? p[i] : 0) - p[i] * p[j];
      assert_true(fabs(v - s) < 1e-15);
    }
  for (int i = 0; i < 4; i++) assert_true(L[i * 5 + i] > 0);
  assert_true(L[24] == 0);   /* rank C-1: the last column is 0 */
}

static void test_quantiles_and_entropy_by_hand(void **state) {
  double v[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  /* numpy.quantile(range(1, 11), [.1, ..., .9]) = 1.9, 2.8, ..., 9.1 */
  double q[9] = {1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1}, s = 49.5, e = 0;
  for (int i = 0; i < 9; i++) {
    assert_true(fabs(vkdnw_quantile(v, 10, (i + 1) / 10.0) - q[i]) < 1e-12);
    e -= q[i] / (s + 1e-10) * log(q[i] / (s + 1e-10) + 1e-10);
  }
  assert_true(fabs(vkdnw_decile_entropy(v, 10, FALSE) - e) < 1e-12);
  /* with the minimum: q = 1, 1.9, ..., 9.1 */
  double e2 = -(1 / (s + 1 + 1e-10)) * log(1 / (s + 1 + 1e-10) + 1e-10);
  for (int i = 0; i < 9; i++) e2 -= q[i] / (s + 1 + 1e-10) * log(q[i] / (s + 1 + 1e-10) + 1e-10);
  assert_true(fabs(vkdnw_decile_entropy(v, 10, TRUE) - e2) < 1e-12);
  /* a flat spectrum gives log 9; a 3x3 with known eigenvalues 1, 2, 4 through the solver */
  double flat[4] = {2, 2, 2, 2};
  assert_true(fabs(vkdnw_decile_entropy(flat, 4, FALSE) - log(9.0)) < 1e-9);
  /* R diag(1,2,4) R^T, R a rotation by 30 degrees in the (0,1) plane */
  double c = cos(G_PI / 6), sn = sin(G_PI / 6);
  double A[9] = {c * c * 1 + sn * sn * 2, c * sn * (2 - 1), 0, c * sn * (2 - 1), sn * sn * 1 + c * c * 2, 0, 0, 0, 4};
  double w[3];
  assert_true(vkdnw_abs_eigenvalues(3, A, w));
  assert_true(fabs(w[0] - 1) < 1e-13 && fabs(w[1] - 2) < 1e-13 && fabs(w[2] - 4) < 1e-13);
}

static void check_against_written_out(const char *opts, gboolean exact, ZcBnMode bn, gboolean weights_only,
                                      gboolean with_min, double alpha) {
  Harness h;
  harness_init(&h, "toy", NULL, DATA, B, 17);
  const char *arch = "c3-d1";
  char *spec = g_strdup_printf("vkdnw%s%s", opts ? ":" : "", opts ? opts : "");
  double *out = harness_score(&h, spec, arch, NULL);
  g_free(spec);

  Toy t;
  toy_setup(&h, arch, bn, weights_only, &t);
  int P = t.P;
  assert_int_equal(zc_net_n_param_tensors(t.net), 8);   /* 2 x (conv W, BN gamma, beta) + head W, b */
  assert_int_equal(P, weights_only ? 3 : 8);

  /* the backward Jacobian is the Jacobian: central differences agree */
  double z[16], *J = g_new(double, t.C * P), *Jfd = g_new(double, t.C * P);
  for (int s = 0; s < 2; s++) {
    jacobian_backward(&t, s, z, J);
    jacobian_fd(&t, s, Jfd);
    double scale = 0;
    for (int i = 0; i < t.C * P; i++) scale = fmax(scale, fabs(J[i]));
    assert_true(scale > 1e-3);
    for (int i = 0; i < t.C * P; i++) assert_true(fabs(J[i] - Jfd[i]) < 1e-6 * scale);
  }
  g_free(J);
  g_free(Jfd);

  double *F = g_new(double, P * P), *w = g_new(double, P);
  fisher_here(&t, exact, alpha, F);
  jacobi_eigenvalues(P, F, w);
  assert_true(w[P - 1] > 0);
  double ent = entropy_here(w, P, with_min);
  print_message("vkdnw %s: entropy %.15g here %.15g (diff %.2e), single %.15g, dim %g\n", opts ? opts : "defaults",
                out[1], ent, fabs(out[1] - ent), out[0], out[2]);
  assert_true(fabs(out[1] - ent) < 1e-9);
  assert_true(out[2] == 8);
  assert_true(fabs(out[0] - (8 + ent)) < 1e-9);
  g_free(F);
  g_free(w);
  toy_clear(&t);
  g_free(out);
  harness_clear(&h);
}

static void test_defaults_match_written_out(void **state) {
  check_against_written_out(NULL, FALSE, ZC_BN_RUNNING, FALSE, FALSE, 0.05);
}

static void test_exact_fisher_match_written_out(void **state) {
  check_against_written_out("fisher=exact", TRUE, ZC_BN_RUNNING, FALSE, FALSE, 0.05);
}

static void test_options_match_written_out(void **state) {
  check_against_written_out("bn=batch;quantiles=deciles_min;alpha=0.2", FALSE, ZC_BN_BATCH, FALSE, TRUE, 0.2);
  check_against_written_out("params=weights", FALSE, ZC_BN_RUNNING, TRUE, FALSE, 0.05);
}

static void test_code_and_exact_differ(void **state) {
  /* L^T L is not L L^T: the two forms must give different numbers (else an option is a no-op) */
  Harness h;
  harness_init(&h, "toy", NULL, DATA, B, 17);
  double *a = harness_score(&h, "vkdnw", "c3-d1", NULL), *b = harness_score(&h, "vkdnw:fisher=exact", "c3-d1", NULL);
  assert_true(fabs(a[1] - b[1]) > 1e-6);
  g_free(a);
  g_free(b);
  harness_clear(&h);
}

static void test_deterministic(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, DATA, B, 5);
  double *a = harness_score(&h, "vkdnw", "c4-d2", NULL), *b = harness_score(&h, "vkdnw", "c4-d2", NULL);
  assert_memory_equal(a, b, 3 * sizeof(double));
  assert_true(a[2] == 11);
  g_free(a);
  g_free(b);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cholesky_of_multinomial_covariance),
    cmocka_unit_test(test_quantiles_and_entropy_by_hand),
    cmocka_unit_test(test_defaults_match_written_out),
    cmocka_unit_test(test_exact_fisher_match_written_out),
    cmocka_unit_test(test_options_match_written_out),
    cmocka_unit_test(test_code_and_exact_differ),
    cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
