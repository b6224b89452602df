/* Symmetric eigenvalues for the dss and aznas proxies; see eigsym.h. */
#include "config.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <zcnas/linalg.h>
#include "eigsym.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Copy the lower triangle onto the upper one. */
static void symmetrize_from_lower(int n, double *A) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) A[(gsize)j * n + i] = A[(gsize)i * n + j];
}

gboolean eigsym_jacobi(int n, double *A, double *w) {
  symmetrize_from_lower(n, A);
  return zc_linalg_eigsym(A, (guint)n, w);
}

/* Householder reduction of the full symmetric A to tridiagonal form: diagonal d, e[k]
 * couples k and k+1 (e[n-1] = 0).  A is destroyed. */
static void tridiagonalize(int n, double *A, double *d, double *e) {
  double *v = g_new(double, n), *p = g_new(double, n);
  for (int k = 0; k + 2 < n; k++) {
    int m = n - k - 1;               /* trailing block rows/cols k+1 .. n-1 */
    double *B = A + (gsize)(k + 1) * n + (k + 1);
    double tail = 0;
    for (int i = 1; i < m; i++) {
      double x = A[(gsize)(k + 1 + i) * n + k];
      tail += x * x;
    }
    double x0 = A[(gsize)(k + 1) * n + k];
    d[k] = A[(gsize)k * n + k];
    if (tail == 0) {                 /* already tridiagonal in this column */
      e[k] = x0;
      continue;
    }
    double alpha = -copysign(sqrt(x0 * x0 + tail), x0);
    v[0] = x0 - alpha;
    for (int i = 1; i < m; i++) v[i] = A[(gsize)(k + 1 + i) * n + k];
    double vv = v[0] * v[0] + tail, beta = 2 / vv;
    double K = 0;
    for (int i = 0; i < m; i++) {
      const double *row = B + (gsize)i * n;
      double s = 0;
      for (int j = 0; j < m; j++) s += row[j] * v[j];
      p[i] = beta * s;
      K += v[i] * p[i];
    }
    K *= beta / 2;
    for (int i = 0; i < m; i++) p[i] -= K * v[i];   /* p is now q */
    for (int i = 0; i < m; i++) {
      double *row = B + (gsize)i * n;
      for (int j = 0; j < m; j++) row[j] -= v[i] * p[j] + p[i] * v[j];
    }
    e[k] = alpha;
  }
  if (n >= 2) {
    d[n - 2] = A[(gsize)(n - 2) * n + (n - 2)];
    e[n - 2] = A[(gsize)(n - 1) * n + (n - 2)];
  }
  d[n - 1] = A[(gsize)(n - 1) * n + (n - 1)];
  e[n - 1] = 0;
  g_free(v);
  g_free(p);
}

/* Eigenvalues of the tridiagonal (d, e) by QL with implicit Wilkinson-style shifts. */
static gboolean tridiag_ql(int n, double *d, double *e) {
  gboolean ok = TRUE;
  for (int l = 0; l < n; l++) {
    int iter = 0, m;
    do {
      for (m = l; m < n - 1; m++) {
        double dd = fabs(d[m]) + fabs(d[m + 1]);
        if (fabs(e[m]) <= DBL_EPSILON * dd) break;
      }
      if (m == l) break;
      if (iter++ == 100) {
        ok = FALSE;
        break;
      }
      double g = (d[l + 1] - d[l]) / (2 * e[l]);
      double r = hypot(g, 1.0);
      g = d[m] - d[l] + e[l] / (g + copysign(r, g));
      double s = 1, c = 1, p = 0;
      int i;
      gboolean underflow = FALSE;
      for (i = m - 1; i >= l; i--) {
        double f = s * e[i], b = c * e[i];
        r = hypot(f, g);
        e[i + 1] = r;
        if (r == 0) {               /* split: deflate and restart this l */
          d[i + 1] -= p;
          e[m] = 0;
          underflow = TRUE;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (TRUE);
  }
  return ok;
}

gboolean eigsym_tridiag_ql(int n, double *A, double *w) {
  if (n <= 0) return TRUE;
  symmetrize_from_lower(n, A);
  double *e = g_new(double, n);
  tridiagonalize(n, A, w, e);
  gboolean ok = tridiag_ql(n, w, e);
  g_free(e);
  qsort(w, (size_t)n, sizeof(double), cmp_double);
  return ok;
}

gboolean eigsym_values(int n, double *A, double *w) {
  return n <= EIGSYM_JACOBI_MAX ? eigsym_jacobi(n, A, w) : eigsym_tridiag_ql(n, A, w);
}

int eigsym_gram(ZcDType dt, const void *X, int rows, int cols, double *G) {
  gsize total = (gsize)rows * cols;
  const double *Xd = X;
  double *tmp = NULL;
  if (dt != ZC_F64) {
    tmp = g_new(double, total);
    const float *xf = X;
    for (gsize i = 0; i < total; i++) tmp[i] = xf[i];
    Xd = tmp;
  }
  int k;
  if (rows >= cols) {   /* X^T X, lower triangle */
    k = cols;
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, cols, rows, 1.0, Xd, cols, 0.0, G, cols);
  } else {              /* X X^T */
    k = rows;
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, rows, cols, 1.0, Xd, cols, 0.0, G, rows);
  }
  symmetrize_from_lower(k, G);
  g_free(tmp);
  return k;
}

int eigsym_singular_values(ZcDType dt, const void *X, int rows, int cols, double *s) {
  int k = MIN(rows, cols);
  double *G = g_new(double, (gsize)k * k);
  eigsym_gram(dt, X, rows, cols, G);
  eigsym_values(k, G, s);
  for (int i = 0; i < k; i++) s[i] = s[i] > 0 ? sqrt(s[i]) : 0;
  g_free(G);
  return k;
}

double eigsym_nuclear_norm(ZcDType dt, const void *X, int rows, int cols) {
  int k = MIN(rows, cols);
  double *s = g_new(double, k), sum = 0;
  eigsym_singular_values(dt, X, rows, cols, s);
  for (int i = 0; i < k; i++) sum += s[i];
  g_free(s);
  return sum;
}
