/* Rank statistics: see zcnas/stats.h for the definitions implemented. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include <zcnas/stats.h>

typedef struct {
  double v;
  gsize i;
} Item;

static int cmp_item(const void *a, const void *b) {
  const Item *p = a, *q = b;
  if (p->v < q->v) return -1;
  if (p->v > q->v) return 1;
  return (p->i > q->i) - (p->i < q->i);   /* stable: deterministic order */
}

static int cmp_double(const void *a, const void *b) {
  double p = *(const double *)a, q = *(const double *)b;
  return (p > q) - (p < q);
}

/* Copy the pairs where neither value is NaN; returns how many. */
static gsize clean_pairs(const double *x, const double *y, gsize n, double *cx, double *cy,
                         gsize *n_skipped) {
  gsize m = 0;
  for (gsize i = 0; i < n; i++) {
    if (isnan(x[i]) || isnan(y[i])) continue;
    cx[m] = x[i];
    cy[m] = y[i];
    m++;
  }
  if (n_skipped) *n_skipped = n - m;
  return m;
}

void zc_stats_rank(const double *x, gsize n, double *ranks) {
  g_return_if_fail(n == 0 || (x && ranks));
  Item *it = g_new(Item, n ? n : 1);
  gsize m = 0;
  for (gsize i = 0; i < n; i++) {
    if (isnan(x[i])) {
      ranks[i] = NAN;
      continue;
    }
    it[m].v = x[i];
    it[m].i = i;
    m++;
  }
  qsort(it, m, sizeof *it, cmp_item);
  for (gsize a = 0; a < m;) {
    gsize b = a + 1;
    while (b < m && it[b].v == it[a].v) b++;
    /* positions a..b-1 hold ranks a+1..b; their mean */
    double r = 0.5 * (double)(a + 1 + b);
    for (gsize k = a; k < b; k++) ranks[it[k].i] = r;
    a = b;
  }
  g_free(it);
}

static double pearson_clean(const double *x, const double *y, gsize m) {
  if (m < 2) return NAN;
  double mx = 0, my = 0;
  for (gsize i = 0; i < m; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= (double)m;
  my /= (double)m;
  double sxx = 0, syy = 0, sxy = 0;
  for (gsize i = 0; i < m; i++) {
    double dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return NAN;   /* constant vector, or Inf/NaN sums */
  double r = sxy / sqrt(sxx) / sqrt(syy);
  if (isnan(r)) return NAN;
  return CLAMP(r, -1.0, 1.0);
}

static double spearman_clean(const double *x, const double *y, gsize m) {
  if (m < 2) return NAN;
  double *rx = g_new(double, m), *ry = g_new(double, m);
  zc_stats_rank(x, m, rx);
  zc_stats_rank(y, m, ry);
  double r = pearson_clean(rx, ry, m);
  g_free(rx);
  g_free(ry);
  return r;
}

/* Inversions of v (pairs i < j with v[i] > v[j]); sorts v ascending.  Bottom-up merge. */
static guint64 sort_count_inversions(double *v, gsize m) {
  double *tmp = g_new(double, m ? m : 1);
  guint64 inv = 0;
  for (gsize w = 1; w < m; w *= 2) {
    for (gsize lo = 0; lo < m; lo += 2 * w) {
      gsize mid = MIN(lo + w, m), hi = MIN(lo + 2 * w, m);
      gsize i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          inv += mid - i;   /* v[j] is smaller than every remaining left element */
          tmp[k++] = v[j++];
        } else {
          tmp[k++] = v[i++];
        }
      }
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    memcpy(v, tmp, m * sizeof *v);
  }
  g_free(tmp);
  return inv;
}

typedef struct {
  double x, y;
} Pair;

static int cmp_pair(const void *a, const void *b) {
  const Pair *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->y > q->y) - (p->y < q->y);
}

static double kendall_clean(const double *x, const double *y, gsize m) {
  if (m < 2) return NAN;
  Pair *p = g_new(Pair, m);
  for (gsize i = 0; i < m; i++) {
    p[i].x = x[i];
    p[i].y = y[i];
  }
  qsort(p, m, sizeof *p, cmp_pair);
  guint64 xtie = 0, xytie = 0;
  for (gsize a = 0; a < m;) {
    gsize b = a + 1;
    while (b < m && p[b].x == p[a].x) b++;
    guint64 t = b - a;
    xtie += t * (t - 1) / 2;
    for (gsize c = a; c < b;) {   /* y is sorted inside an x group */
      gsize d = c + 1;
      while (d < b && p[d].y == p[c].y) d++;
      guint64 u = d - c;
      xytie += u * (u - 1) / 2;
      c = d;
    }
    a = b;
  }
  double *v = g_new(double, m);
  for (gsize i = 0; i < m; i++) v[i] = p[i].y;
  g_free(p);
  /* x ascending with y ascending inside x ties: an inversion of y is a pair with x
   * strictly smaller and y strictly larger, i.e. a discordant pair */
  guint64 dis = sort_count_inversions(v, m);
  guint64 ytie = 0;
  for (gsize a = 0; a < m;) {
    gsize b = a + 1;
    while (b < m && v[b] == v[a]) b++;
    guint64 t = b - a;
    ytie += t * (t - 1) / 2;
    a = b;
  }
  g_free(v);
  guint64 tot = (guint64)m * (m - 1) / 2;
  if (xtie == tot || ytie == tot) return NAN;
  /* concordant - discordant = untied-in-both pairs - 2 * discordant */
  double cmd = (double)(gint64)(tot - xtie - ytie + xytie) - 2.0 * (double)dis;
  double tau = cmd / sqrt((double)(tot - xtie)) / sqrt((double)(tot - ytie));
  return CLAMP(tau, -1.0, 1.0);
}

gsize zc_stats_top_count(double frac, gsize m) {
  if (m == 0 || !(frac > 0)) return 0;
  double k = floor(frac * (double)m + 0.5);
  if (k < 1) k = 1;
  if (k > (double)m) k = (double)m;
  return (gsize)k;
}

/* The threshold of NASLib's precision_k: the (k+1)-th largest value, or the smallest
 * when k >= m.  `sorted` is ascending. */
static double top_threshold(const double *sorted, gsize m, gsize k) {
  return k + 1 <= m ? sorted[m - k - 1] : sorted[0];
}

static double precision_clean(const double *t, const double *p, gsize m, gsize k) {
  if (m < 2 || k == 0) return NAN;
  double *st = g_memdup2(t, m * sizeof *t), *sp = g_memdup2(p, m * sizeof *p);
  qsort(st, m, sizeof *st, cmp_double);
  qsort(sp, m, sizeof *sp, cmp_double);
  double tt = top_threshold(st, m, k), tp = top_threshold(sp, m, k);
  g_free(st);
  g_free(sp);
  gsize hit = 0;
  for (gsize i = 0; i < m; i++)
    if (t[i] > tt && p[i] > tp) hit++;
  return (double)hit / (double)k;
}

/* Items of v sorted by value, descending (ties in index order). */
static Item *sorted_desc(const double *v, gsize m) {
  Item *it = g_new(Item, m ? m : 1);
  for (gsize i = 0; i < m; i++) {
    it[i].v = -v[i];
    it[i].i = i;
  }
  qsort(it, m, sizeof *it, cmp_item);
  return it;
}

/* sum of the discounts 1/log2(r + 1) of positions r = a+1..b (0-based a..b-1), those past k 0 */
static double discount_sum(gsize a, gsize b, gsize k) {
  double s = 0;
  for (gsize r = a + 1; r <= b && r <= k; r++) s += 1.0 / log2((double)r + 1.0);
  return s;
}

/* tie-averaged DCG@k of the gains g ordered by v descending */
static double dcg_tied(const double *g, const double *v, gsize m, gsize k) {
  Item *it = sorted_desc(v, m);
  double dcg = 0;
  for (gsize a = 0; a < m && a < k;) {
    gsize b = a + 1;
    while (b < m && it[b].v == it[a].v) b++;
    double mean = 0;
    for (gsize j = a; j < b; j++) mean += g[it[j].i];
    mean /= (double)(b - a);
    dcg += mean * discount_sum(a, b, k);
    a = b;
  }
  g_free(it);
  return dcg;
}

static double ndcg_clean(const double *t, const double *p, gsize m, gsize k) {
  if (m < 2 || k == 0) return NAN;
  if (k > m) k = m;
  double M = -INFINITY;
  for (gsize i = 0; i < m; i++) M = fmax(M, t[i]);
  if (!isfinite(M)) return NAN;
  double *g = g_new(double, m);
  for (gsize i = 0; i < m; i++) g[i] = exp2(t[i] - M) - exp2(-M);
  double ideal = dcg_tied(g, t, m, k), dcg = dcg_tied(g, p, m, k);
  g_free(g);
  return ideal > 0 ? dcg / ideal : NAN;
}

/* membership weights of the top k of v (see zc_stats_hit_rate_at_k) */
static void top_weights(const double *v, gsize m, gsize k, double *w) {
  Item *it = sorted_desc(v, m);
  for (gsize a = 0; a < m;) {
    gsize b = a + 1;
    while (b < m && it[b].v == it[a].v) b++;
    double x = a >= k ? 0 : MIN(1.0, (double)(k - a) / (double)(b - a));
    for (gsize j = a; j < b; j++) w[it[j].i] = x;
    a = b;
  }
  g_free(it);
}

static double hit_clean(const double *t, const double *p, gsize m, gsize k) {
  if (m < 2 || k == 0) return NAN;
  double *wt = g_new(double, m), *wp = g_new(double, m), s = 0;
  top_weights(t, m, k, wt);
  top_weights(p, m, k, wp);
  for (gsize i = 0; i < m; i++) s += wt[i] * wp[i];
  g_free(wt);
  g_free(wp);
  return s / (double)MIN(k, m);
}

static double eval_clean(const ZcStatSpec *spec, const double *x, const double *y, gsize m) {
  switch (spec->kind) {
  case ZC_STAT_SPEARMAN: return spearman_clean(x, y, m);
  case ZC_STAT_KENDALL_TAU_B: return kendall_clean(x, y, m);
  case ZC_STAT_PEARSON: return pearson_clean(x, y, m);
  case ZC_STAT_PRECISION_AT_FRAC:
    return precision_clean(x, y, m, zc_stats_top_count(spec->top_frac, m));
  case ZC_STAT_NDCG_AT_K: return ndcg_clean(x, y, m, spec->top_k);
  case ZC_STAT_HIT_AT_K: return hit_clean(x, y, m, spec->top_k);
  }
  return NAN;
}

/* Clean the pairs, then evaluate `spec`; with spec NULL, precision at the top k. */
static double eval_pairs_k(const ZcStatSpec *spec, gsize k, const double *x, const double *y, gsize n,
                           gsize *n_skipped) {
  if (n_skipped) *n_skipped = 0;
  if (n == 0) return NAN;
  g_return_val_if_fail(x && y, NAN);
  double *cx = g_new(double, n), *cy = g_new(double, n);
  gsize m = clean_pairs(x, y, n, cx, cy, n_skipped);
  double r = spec ? eval_clean(spec, cx, cy, m) : precision_clean(cx, cy, m, k);
  g_free(cx);
  g_free(cy);
  return r;
}

static double eval_pairs(const ZcStatSpec *spec, const double *x, const double *y, gsize n,
                         gsize *n_skipped) {
  return eval_pairs_k(spec, 0, x, y, n, n_skipped);
}

double zc_stats_pearson(const double *x, const double *y, gsize n, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_PEARSON, 0};
  return eval_pairs(&s, x, y, n, n_skipped);
}

double zc_stats_spearman(const double *x, const double *y, gsize n, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_SPEARMAN, 0};
  return eval_pairs(&s, x, y, n, n_skipped);
}

double zc_stats_kendall_tau_b(const double *x, const double *y, gsize n, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_KENDALL_TAU_B, 0};
  return eval_pairs(&s, x, y, n, n_skipped);
}

double zc_stats_precision_at_k(const double *truth, const double *pred, gsize n, gsize k,
                               gsize *n_skipped) {
  return eval_pairs_k(NULL, k, truth, pred, n, n_skipped);
}

double zc_stats_precision_at_frac(const double *truth, const double *pred, gsize n,
                                  double frac, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_PRECISION_AT_FRAC, frac};
  return eval_pairs(&s, truth, pred, n, n_skipped);
}

double zc_stats_ndcg_at_k(const double *truth, const double *pred, gsize n, gsize k, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_NDCG_AT_K, 0, k};
  return eval_pairs(&s, truth, pred, n, n_skipped);
}

double zc_stats_hit_rate_at_k(const double *truth, const double *pred, gsize n, gsize k, gsize *n_skipped) {
  ZcStatSpec s = {ZC_STAT_HIT_AT_K, 0, k};
  return eval_pairs(&s, truth, pred, n, n_skipped);
}

const char *zc_stat_kind_name(ZcStatKind kind) {
  switch (kind) {
  case ZC_STAT_SPEARMAN: return "spearman";
  case ZC_STAT_KENDALL_TAU_B: return "kendall_tau_b";
  case ZC_STAT_PEARSON: return "pearson";
  case ZC_STAT_PRECISION_AT_FRAC: return "precision_at_frac";
  case ZC_STAT_NDCG_AT_K: return "ndcg_at_k";
  case ZC_STAT_HIT_AT_K: return "hit_at_k";
  }
  return "unknown";
}

double zc_stats_eval(const ZcStatSpec *spec, const double *x, const double *y, gsize n,
                     gsize *n_skipped) {
  g_return_val_if_fail(spec, NAN);
  return eval_pairs(spec, x, y, n, n_skipped);
}

/* Percentile of ascending v[0..m-1] with linear interpolation (numpy's default). */
static double percentile_sorted(const double *v, gsize m, double q) {
  if (m == 0) return NAN;
  double pos = q * (double)(m - 1);
  gsize lo = (gsize)floor(pos);
  if (lo >= m - 1) return v[m - 1];
  double f = pos - (double)lo;
  return v[lo] + f * (v[lo + 1] - v[lo]);
}

gboolean zc_stats_bootstrap(const ZcStatSpec *spec, const double *x, const double *y, gsize n,
                            guint n_boot, double level, guint64 seed, ZcStatInterval *out,
                            GError **error) {
  g_return_val_if_fail(spec && out, FALSE);
  g_return_val_if_fail(n == 0 || (x && y), FALSE);
  if (n_boot == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "bootstrap: the number of replicates must be > 0");
    return FALSE;
  }
  if (!(level > 0 && level < 1)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "bootstrap: confidence level %g is outside (0, 1)", level);
    return FALSE;
  }
  if (spec->kind == ZC_STAT_PRECISION_AT_FRAC && !(spec->top_frac > 0 && spec->top_frac <= 1)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "bootstrap: top fraction %g is outside (0, 1]", spec->top_frac);
    return FALSE;
  }
  if ((spec->kind == ZC_STAT_NDCG_AT_K || spec->kind == ZC_STAT_HIT_AT_K) && spec->top_k == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "bootstrap: top count k must be >= 1");
    return FALSE;
  }
  memset(out, 0, sizeof *out);
  out->level = level;
  out->n_boot = n_boot;
  double *cx = g_new(double, n ? n : 1), *cy = g_new(double, n ? n : 1);
  gsize m = n ? clean_pairs(x, y, n, cx, cy, &out->n_skipped) : 0;
  out->n_used = m;
  out->estimate = eval_clean(spec, cx, cy, m);
  double *bx = g_new(double, m ? m : 1), *by = g_new(double, m ? m : 1);
  double *rep = g_new(double, n_boot);
  guint n_ok = 0;
  guint64 base = zc_rng_key(seed, ZC_STATS_BOOT_STREAM);
  for (guint b = 0; b < n_boot; b++) {
    double r = NAN;
    if (m >= 2) {
      ZcRng rng = {zc_rng_subkey(base, b), 0};
      for (gsize i = 0; i < m; i++) {
        gsize j = (gsize)zc_rng_below(&rng, m);
        bx[i] = cx[j];
        by[i] = cy[j];
      }
      r = eval_clean(spec, bx, by, m);
    }
    if (isnan(r)) out->n_boot_nan++;
    else rep[n_ok++] = r;
  }
  qsort(rep, n_ok, sizeof *rep, cmp_double);
  out->lo = percentile_sorted(rep, n_ok, 0.5 * (1.0 - level));
  out->hi = percentile_sorted(rep, n_ok, 0.5 * (1.0 + level));
  g_free(rep);
  g_free(bx);
  g_free(by);
  g_free(cx);
  g_free(cy);
  return TRUE;
}
