/* LU log-determinant (logdet.h). */
#include "config.h"
#include <math.h>
#include "logdet.h"

double zc_logabsdet(double *a, int n, int *sign) {
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
