/* The Fisher matrix of VKDNW and the statistic of its spectrum (see vkdnw.c). */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <zcnas/zcnas.h>
#include "eigsym.h"
#include "vkdnw_fim.h"

void vkdnw_fim_init(VkdnwFim *f, ZcNet *net, gboolean weights_only) {
  memset(f, 0, sizeof *f);
  guint nt = zc_net_n_param_tensors(net);
  f->idx = g_new(guint, nt ? nt : 1);
  for (guint i = 0; i < nt; i++) {
    ZcParamInfo pi;
    if (!zc_net_param(net, i, &pi) || pi.numel == 0) continue;
    if (weights_only && pi.kind != ZC_PARAM_WEIGHT) continue;
    f->idx[f->P++] = i;
  }
  f->F = g_new0(double, (gsize)f->P * f->P + 1);
}

void vkdnw_fim_clear(VkdnwFim *f) {
  g_free(f->idx);
  g_free(f->F);
  g_free(f->J);
  memset(f, 0, sizeof *f);
}

void vkdnw_smoothed_softmax(int C, const double *z, double alpha, double *p) {
  double m = -INFINITY, s = 0;
  for (int c = 0; c < C; c++) m = fmax(m, z[c]);
  for (int c = 0; c < C; c++) s += (p[c] = exp(z[c] - m));
  for (int c = 0; c < C; c++) p[c] = p[c] / s * (1 - alpha) + alpha / C;
}

void vkdnw_cholesky(int C, const double *p, double *L) {
  memset(L, 0, sizeof(double) * C * C);
  /* q[j] = sum_{i>j} p_i, summed from the end (no cancellation) */
  double *q = g_new(double, C);
  double acc = 0;
  for (int j = C - 1; j >= 0; j--) {
    q[j] = acc;
    acc += p[j];
  }
  double qprev = 1.0;
  for (int j = 0; j < C; j++) {
    double d2 = qprev > 0 ? p[j] * q[j] / qprev : 0;
    double d = d2 > 0 ? sqrt(d2) : 0;
    if (d > 0) {
      L[j * C + j] = d;
      for (int i = j + 1; i < C; i++) L[i * C + j] = -p[i] / q[j] * d;
    }
    qprev = q[j];
  }
  g_free(q);
}

/* Add sample s's term: M = L J (code) or L^T J (exact), F += M^T M. */
static void add_sample(VkdnwFim *f, int C, const double *z, const double *J, double alpha, gboolean exact, double *p,
                       double *L, double *M) {
  int P = f->P;
  vkdnw_smoothed_softmax(C, z, alpha, p);
  vkdnw_cholesky(C, p, L);
  cblas_dgemm(CblasRowMajor, exact ? CblasTrans : CblasNoTrans, CblasNoTrans, C, P, C, 1.0, L, C, J, P, 0.0, M, P);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, P, C, 1.0, M, P, 1.0, f->F, P);
  f->n++;
}

gboolean vkdnw_fim_accumulate(VkdnwFim *f, ZcNet *net, ZcWorkspace *ws, const double *images, int n, double alpha,
                              gboolean exact, GError **error) {
  int out = zc_net_output(net);
  gsize per = zc_net_numel(net, 0);   /* node 0: the input */
  int C = (int)zc_net_numel(net, out);
  int P = f->P;
  if (f->C != C) {
    g_free(f->J);
    f->J = g_new(double, (gsize)C * P + 1);
    f->C = C;
  }
  gsize maxnumel = 1;
  for (int k = 0; k < P; k++) {
    ZcParamInfo pi;
    zc_net_param(net, f->idx[k], &pi);
    if (pi.numel > maxnumel) maxnumel = pi.numel;
  }
  double *buf = g_new(double, maxnumel), *z = g_new(double, C), *p = g_new(double, C);
  double *L = g_new(double, (gsize)C * C), *M = g_new(double, (gsize)C * P + 1), *seed = g_new0(double, C);  /* L1 target */
  gboolean ok = TRUE;
  zc_net_set_bn_update_running(net, FALSE);
  for (int s = 0; s < n && ok; s++) {
    ok = zc_net_forward(net, ws, images + (gsize)s * per, 1, error) &&
         zc_net_read_value(net, ws, out, z, error);
    /* dz_c/dtheta through the public API: the L1 loss mean_j |z_j - t_j| against t = z - e_c
     * has dL/dz = e_c / C exactly (sign(0) = 0 for j != c, sign(1) = 1), so the gradient
     * times C is row c of J */
    for (int c = 0; c < C && ok; c++) {
      double loss;
      memcpy(seed, z, sizeof(double) * C);
      seed[c] = z[c] - 1.0;
      ok = zc_net_backward_loss(net, ws, ZC_LOSS_L1, seed, &loss, 0, error);
      /* element 0 of each gradient: the host copy every backend leaves after a backward
       * (ZcParamInfo.grad); zc_net_read_param would copy whole tensors each time */
      for (int k = 0; k < P && ok; k++) {
        ZcParamInfo pi;
        zc_net_param(net, f->idx[k], &pi);
        if (pi.grad) f->J[(gsize)c * P + k] = ((const double *)pi.grad)[0] * C;
        else {
          zc_net_read_param(net, f->idx[k], TRUE, buf);
          f->J[(gsize)c * P + k] = buf[0] * C;
        }
      }
    }
    if (ok) add_sample(f, C, z, f->J, alpha, exact, p, L, M);
  }
  zc_net_set_bn_update_running(net, TRUE);
  g_free(buf);
  g_free(z);
  g_free(p);
  g_free(L);
  g_free(M);
  g_free(seed);
  return ok;
}

gboolean vkdnw_fim_accumulate_batched(VkdnwFim *f, ZcNet *net, ZcWorkspace *ws, const double *images, int n,
                                      double alpha, gboolean exact, GError **error) {
  int out = zc_net_output(net);
  int C = (int)zc_net_numel(net, out), P = f->P;
  double *z = g_new(double, (gsize)n * C), *seed = g_new0(double, (gsize)n * C);
  double *Jall = g_new(double, (gsize)n * C * P + 1), *row = g_new(double, (gsize)n * P + 1);
  gsize *elem0 = g_new0(gsize, P + 1);
  zc_net_set_bn_update_running(net, FALSE);
  /* dL/d(node) of the nodes owning the parameters (conv/linear outputs are kept anyway):
   * keeping every node's would cost gigabytes at batch 64 */
  for (int k = 0; k < P; k++) {
    ZcParamInfo pi;
    zc_net_param(net, f->idx[k], &pi);
    zc_net_keep_grad(net, pi.node);
  }
  zc_net_set_retain(net, 0);
  /* data gradients only (no weight-gradient work); input_grad makes every node need one */
  zc_net_set_input_grad(net, TRUE);
  gboolean ok = zc_net_forward(net, ws, images, n, error) && zc_net_read_value(net, ws, out, z, error);
  for (int c = 0; c < C && ok; c++) {
    for (int s = 0; s < n; s++) seed[(gsize)s * C + c] = 1.0;
    ok = zc_net_backward_seed(net, ws, seed, ZC_BWD_NO_PARAMS, error) &&
         zc_net_param_sample_grads(net, ws, (guint)P, f->idx, elem0, row, error);
    for (int s = 0; s < n; s++) seed[(gsize)s * C + c] = 0.0;
    for (int s = 0; s < n && ok; s++) memcpy(Jall + ((gsize)s * C + c) * P, row + (gsize)s * P, sizeof(double) * P);
  }
  zc_net_set_input_grad(net, FALSE);
  zc_net_set_bn_update_running(net, TRUE);
  if (ok) {
    double *p = g_new(double, C), *L = g_new(double, (gsize)C * C), *M = g_new(double, (gsize)C * P + 1);
    for (int s = 0; s < n; s++) add_sample(f, C, z + (gsize)s * C, Jall + (gsize)s * C * P, alpha, exact, p, L, M);
    g_free(p);
    g_free(L);
    g_free(M);
  }
  g_free(z);
  g_free(seed);
  g_free(Jall);
  g_free(row);
  g_free(elem0);
  return ok;
}

#ifdef ZC_HAVE_DSYEVD
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                    double *work, const int *lwork, int *iwork, const int *liwork, int *info);
#endif

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

gboolean vkdnw_abs_eigenvalues(int P, double *A, double *w) {
  gboolean ok = TRUE;
  if (P <= 0) return TRUE;
#ifdef ZC_HAVE_DSYEVD
  {
    int info = 0, lwork = -1, liwork = -1, iw;
    double wk;
    /* row-major lower = column-major upper: A is symmetric, either triangle will do */
    dsyevd_("N", "U", &P, A, &P, w, &wk, &lwork, &iw, &liwork, &info);
    lwork = (int)wk;
    liwork = iw;
    double *work = g_new(double, lwork > 1 ? lwork : 1);
    int *iwork = g_new(int, liwork > 1 ? liwork : 1);
    dsyevd_("N", "U", &P, A, &P, w, work, &lwork, iwork, &liwork, &info);
    g_free(work);
    g_free(iwork);
    ok = info == 0;
  }
#else
  ok = eigsym_values(P, A, w);
#endif
  for (int i = 0; i < P; i++) w[i] = fabs(w[i]);
  qsort(w, (size_t)P, sizeof(double), cmp_double);
  return ok;
}

double vkdnw_quantile(const double *v, int n, double q) {
  if (n <= 0) return NAN;
  double pos = q * (n - 1);
  int lo = (int)floor(pos);
  if (lo >= n - 1) return v[n - 1];
  double fr = pos - lo;
  return v[lo] + fr * (v[lo + 1] - v[lo]);
}

double vkdnw_decile_entropy(const double *lambda, int n, gboolean with_min) {
  double q[10], tot = 0, h = 0;
  int m = 0;
  for (int i = with_min ? 0 : 1; i <= 9; i++) q[m++] = vkdnw_quantile(lambda, n, i / 10.0);
  for (int i = 0; i < m; i++) tot += fabs(q[i]);
  for (int i = 0; i < m; i++) {
    double t = q[i] / (tot + 1e-10);
    h -= t * log(t + 1e-10);
  }
  return h;
}

double vkdnw_fim_entropy(const VkdnwFim *f, gboolean with_min) {
  int P = f->P;
  if (P == 0 || f->n == 0) return 0;
  double *A = g_new(double, (gsize)P * P), *w = g_new(double, P);
  for (int i = 0; i < P; i++)
    for (int j = 0; j <= i; j++) A[i * P + j] = A[j * P + i] = f->F[i * P + j] / f->n;
  vkdnw_abs_eigenvalues(P, A, w);
  double h = vkdnw_decile_entropy(w, P, with_min);
  g_free(A);
  g_free(w);
  return h;
}
