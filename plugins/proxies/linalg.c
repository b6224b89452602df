/* Correlation matrices and the Jacobian scores of jacov and epe_nas.  Sizes are small
 * (n = batch <= a few hundred), so plain loops. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/linalg.h>
#include "linalg.h"

void zc_linalg_corrcoef(const double *X, guint n, gsize d, double *out) {
  double *c = g_new(double, (gsize)n * d);
  for (guint i = 0; i < n; i++) {
    const double *x = X + (gsize)i * d;
    double m = 0;
    for (gsize k = 0; k < d; k++) m += x[k];
    m /= (double)d;
    for (gsize k = 0; k < d; k++) c[(gsize)i * d + k] = x[k] - m;
  }
  /* the common 1/(d-1) of the covariance cancels in the correlation; numpy divides, and a
   * single observation (d == 1) makes every entry NaN there: keep that */
  double scale = d > 1 ? 1.0 / (double)(d - 1) : NAN;
  for (guint i = 0; i < n; i++)
    for (guint j = i; j < n; j++) {
      const double *a = c + (gsize)i * d, *b = c + (gsize)j * d;
      double s = 0;
      for (gsize k = 0; k < d; k++) s += a[k] * b[k];
      out[(gsize)i * n + j] = out[(gsize)j * n + i] = s * scale;
    }
  double *sd = g_new(double, n);
  for (guint i = 0; i < n; i++) sd[i] = sqrt(out[(gsize)i * n + i]);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++) {
      double r = out[(gsize)i * n + j] / sd[i] / sd[j];
      if (r > 1) r = 1;       /* NaN passes both comparisons unchanged */
      else if (r < -1) r = -1;
      out[(gsize)i * n + j] = r;
    }
  g_free(sd);
  g_free(c);
}

double *zc_linalg_input_jacobian(ZcNet *net, ZcWorkspace *ws, guint *n_out, gsize *d_out, GError **error) {
  guint n = (guint)zc_net_batch(net, ws);
  gsize d = zc_net_numel(net, 0), nd = (gsize)n * d;
  double *J = g_new(double, nd);
  /* node 0 is the input; a float gradient is read into the upper half and widened in place */
  gboolean f64 = zc_net_dtype(net) == ZC_F64;
  void *g = f64 ? (void *)J : (void *)((float *)(void *)(J + nd) - nd);
  if (!zc_net_read_grad(net, ws, 0, g, error)) {
    g_prefix_error(error, "no input gradient after the backward pass: ");
    g_free(J);
    return NULL;
  }
  if (!f64)
    for (gsize i = 0; i < nd; i++) J[i] = ((const float *)g)[i];
  *n_out = n;
  *d_out = d;
  return J;
}

#define ZC_JAC_K 1e-5

double zc_linalg_jacov_score(const double *J, guint n, gsize d) {
  double *C = g_new(double, (gsize)n * n), *v = g_new(double, n);
  zc_linalg_corrcoef(J, n, d, C);
  zc_linalg_eigsym(C, n, v);
  double s = 0;
  for (guint i = 0; i < n; i++) s += log(v[i] + ZC_JAC_K) + 1.0 / (v[i] + ZC_JAC_K);
  g_free(C);
  g_free(v);
  return -s;
}

double zc_linalg_epe_score(const double *J, const gint32 *labels, guint n, gsize d, guint n_classes) {
  gboolean many = n_classes > 100;
  GArray *seen = g_array_new(FALSE, FALSE, sizeof(gint32));
  GArray *scores = g_array_new(FALSE, FALSE, sizeof(double));
  double *rows = g_new(double, (gsize)n * d), *R = g_new(double, (gsize)n * n);
  for (guint i = 0; i < n; i++) {
    gint32 c = labels[i];
    gboolean dup = FALSE;
    for (guint k = 0; k < seen->len && !dup; k++) dup = g_array_index(seen, gint32, k) == c;
    if (dup) continue;
    g_array_append_val(seen, c);
    guint m = 0;
    for (guint j = i; j < n; j++)
      if (labels[j] == c) memcpy(rows + (gsize)m++ * d, J + (gsize)j * d, d * sizeof(double));
    double s;
    if (m == 1) {
      if (many) continue;   /* NASLib: len() of the 0-d corrcoef fails, the class is skipped */
      s = log(1 + ZC_JAC_K);
    } else {
      zc_linalg_corrcoef(rows, m, d, R);
      s = 0;
      for (gsize k = 0; k < (gsize)m * m; k++) s += log(fabs(R[k]) + ZC_JAC_K);
      if (many) s /= m;
    }
    g_array_append_val(scores, s);
  }
  double score = 0;
  guint nc = scores->len;
  const double *sc = (const double *)(void *)scores->data;
  if (!many) {
    for (guint a = 0; a < nc; a++) score += fabs(sc[a]);
  } else {
    for (guint a = 0; a < nc; a++)
      for (guint b = 0; b < nc; b++) score += fabs(sc[a] - sc[b]);
    if (nc > 0) score /= nc;
  }
  g_free(rows);
  g_free(R);
  g_array_unref(seen);
  g_array_unref(scores);
  return score;
}
