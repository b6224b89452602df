/* Symmetric eigenvalues by cyclic Jacobi (<zcnas/linalg.h>).  The one solver that jacov,
 * epe_nas, meco, dss and aznas share; sizes are small, so plain loops. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <zcnas/linalg.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

gboolean zc_linalg_eigsym(const double *A0, guint n, double *eig) {
  gsize nn = (gsize)n * n;
  for (gsize i = 0; i < nn; i++)
    if (isnan(A0[i])) {
      for (guint k = 0; k < n; k++) eig[k] = NAN;
      return FALSE;
    }
  double *A = g_new(double, nn);
  /* symmetrise: a general eigen-solver would see the same matrix */
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++) A[(gsize)i * n + j] = 0.5 * (A0[(gsize)i * n + j] + A0[(gsize)j * n + i]);
  double scale = 0;
  for (gsize i = 0; i < nn; i++) scale += A[i] * A[i];
  gboolean converged = !(scale > 0);
  for (int sweep = 0; sweep < 100 && !converged; sweep++) {
    double off = 0;
    for (guint p = 0; p < n; p++)
      for (guint q = p + 1; q < n; q++) off += A[(gsize)p * n + q] * A[(gsize)p * n + q];
    if (off <= 1e-30 * scale) {
      converged = TRUE;
      break;
    }
    for (guint p = 0; p < n; p++)
      for (guint q = p + 1; q < n; q++) {
        double apq = A[(gsize)p * n + q];
        if (apq == 0) continue;
        double app = A[(gsize)p * n + p], aqq = A[(gsize)q * n + q];
        /* rotation angle zeroing A[p][q]: t = tan(phi), the smaller root of
         * t^2 + 2 theta t - 1 = 0 with theta = (aqq - app) / (2 apq) */
        double theta = (aqq - app) / (2 * apq), t;
        if (fabs(theta) > 1e150) t = 0.5 / theta;
        else t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (guint k = 0; k < n; k++) {
          if (k == p || k == q) continue;
          double akp = A[(gsize)k * n + p], akq = A[(gsize)k * n + q];
          double nkp = c * akp - s * akq, nkq = s * akp + c * akq;
          A[(gsize)k * n + p] = A[(gsize)p * n + k] = nkp;
          A[(gsize)k * n + q] = A[(gsize)q * n + k] = nkq;
        }
        A[(gsize)p * n + p] = app - t * apq;
        A[(gsize)q * n + q] = aqq + t * apq;
        A[(gsize)p * n + q] = A[(gsize)q * n + p] = 0;
      }
  }
  for (guint k = 0; k < n; k++) eig[k] = A[(gsize)k * n + k];
  qsort(eig, n, sizeof(double), cmp_double);
  g_free(A);
  return converged;
}
