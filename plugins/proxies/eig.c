/* LU log-determinant and Jacobi symmetric eigenvalues (eig.h). */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include "eig.h"

double zc_eig_logabsdet(double *a, int n, int *sign) {
  double logdet = 0;
  int sg = 1;
  for (int k = 0; k < n; k++) {
    int p = k;
    double best = fabs(a[k * n + k]);
    for (int i = k + 1; i < n; i++)
      if (fabs(a[i * n + k]) > best) { best = fabs(a[i * n + k]); p = i; }
    if (best == 0) {
      if (sign) *sign = 0;
      return -INFINITY;
    }
    if (p != k) {
      for (int j = 0; j < n; j++) { double t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t; }
      sg = -sg;
    }
    double piv = a[k * n + k];
    if (piv < 0) sg = -sg;
    logdet += log(fabs(piv));
    for (int i = k + 1; i < n; i++) {
      double f = a[i * n + k] / piv;
      if (f == 0) continue;
      for (int j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  if (sign) *sign = sg;
  return logdet;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

void zc_eig_symmetric(double *a, int n, double *w) {
  double fro = 0;
  for (int i = 0; i < n * n; i++) fro += a[i] * a[i];
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    if (off <= 1e-28 * fro || off == 0) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        double apq = a[p * n + q];
        if (apq == 0) continue;
        double app = a[p * n + p], aqq = a[q * n + q];
        double theta = (aqq - app) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        /* A' = J^T A J on rows/columns p and q */
        for (int k = 0; k < n; k++) {
          double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
          double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = a[q * n + p] = 0;
      }
  }
  for (int i = 0; i < n; i++) w[i] = a[i * n + i];
  qsort(w, (size_t)n, sizeof *w, cmp_double);
}
