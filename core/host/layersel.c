/* Layer bins, per-layer gradient statistics, the spike detector and activation-pattern
 * counts, shared by several proxies and `zcnas layerstats` (zcnas/layersel.h). */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/layersel.h>

/* CPython's float floor division (float_floor_div), so bins match the paper's Python. */
static double py_floordiv(double a, double b) {
  double mod = fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  double fl;
  if (div != 0) {
    fl = floor(div);
    if (div - fl > 0.5) fl += 1.0;
  } else {
    fl = copysign(0.0, a / b);
  }
  return fl;
}

guint zc_layersel_bin(guint l, guint L, guint bins) {
  if (L == 0 || bins == 0) return 0;
  double v = py_floordiv(((double)l / (double)L) * 100.0, 100.0 / (double)bins);
  return v < 0 ? 0 : (guint)v;
}

gboolean zc_layersel_grad_stat(const ZcLayerInfo *L, gboolean abs_g, int ddof, ZcLayerGradStat *out) {
  memset(out, 0, sizeof *out);
  int K = L->moments_k;
  if (!L->m1 || !L->mabs || !L->m2 || K - ddof < 1) return FALSE;
  const double *m1 = L->m1, *ma = L->mabs, *m2 = L->m2;
  const double invK = 1.0 / K, corr = (double)K / (double)(K - ddof);
  double inv = 0, snr = 0, logs = 0;
  gsize kept = 0;
  for (gsize i = 0; i < L->weight_numel; i++) {
    double e2 = m2[i] * invK;
    double e1 = (abs_g ? ma[i] : m1[i]) * invK;
    double var = (e2 - e1 * e1) * corr;
    if (!(var > 1e-12 * e2 * corr)) continue;   /* zero (or rounding of zero) variance */
    double sd = sqrt(var);
    inv += 1.0 / sd;
    snr += ma[i] * invK / sd;
    logs += log(sd);
    kept++;
  }
  out->inv_sigma_sum = inv;
  out->mean_abs_over_sigma_sum = snr;
  out->mean_log_sigma = kept ? logs / (double)kept : NAN;
  out->kept = kept;
  return TRUE;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, guint n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

gboolean zc_layersel_spikes(const double *m, const gboolean *have, guint nbins, double thr, guint *start,
                            guint *end) {
  *start = 0;
  *end = nbins ? nbins - 1 : 0;
  double *v = g_new(double, nbins ? nbins : 1);
  guint n = 0;
  for (guint b = 0; b < nbins; b++)
    if (have[b] && isfinite(m[b])) v[n++] = m[b];
  if (n < 3) {
    g_free(v);
    return FALSE;
  }
  double med = median(v, n);
  for (guint i = 0; i < n; i++) v[i] = fabs(v[i] - med);
  double scale = 1.4826 * median(v, n);
  g_free(v);
  gboolean any = FALSE;
  for (guint b = 0; b < nbins; b++) {
    if (!have[b] || !isfinite(m[b])) continue;
    double dev = m[b] - med;
    gboolean spike = scale > 0 ? dev > thr * scale : dev > 0;
    if (!spike) continue;
    if (!any) *start = b;
    *end = b;
    any = TRUE;
  }
  if (!any) {
    *start = 0;
    *end = nbins ? nbins - 1 : 0;
  }
  return any;
}

gboolean zc_layersel_act_counts(const ZcActInfo *a) {
  return a->kind == ZC_ACT_GELU || a->input_ndim == 3;
}

gboolean zc_layersel_psi(ZcNet *net, ZcWorkspace *ws, int S, const gboolean *use, gboolean union_mode,
                         double *psi, GError **error) {
  guint na = zc_net_n_acts(net);
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  GArray *lens = g_array_new(FALSE, FALSE, sizeof(gsize));
  gboolean ok = TRUE;
  double total = 0;
  for (guint a = 0; a < na && ok; a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    if (use ? !use[a] : !zc_layersel_act_counts(&A)) continue;
    guint64 *p = g_new(guint64, A.units ? A.units : 1);
    ok = zc_net_sign_patterns(net, ws, A.node, S, p, error);
    if (!union_mode && ok) {
      total += (double)zc_patterns_count_distinct(p, A.units);
      g_free(p);
      continue;
    }
    g_ptr_array_add(sets, p);
    g_array_append_val(lens, A.units);
  }
  if (ok && union_mode)
    total = (double)zc_patterns_count_distinct_union((const guint64 *const *)sets->pdata, (const gsize *)(void *)lens->data,
                                                     sets->len);
  g_ptr_array_unref(sets);
  g_array_unref(lens);
  if (ok) *psi = total;
  return ok;
}
