/* zcnas — rank statistics for "how well does a proxy rank this benchmark?".
 *
 * Every function takes two parallel vectors x (ground truth) and y (prediction) of
 * length n.  A pair where either value is NaN is skipped; the number skipped is
 * written to *n_skipped when that pointer is not NULL.  ±Inf are ordinary values for
 * the rank statistics (they sort last/first) and make Pearson's r NaN.
 * Degenerate input (fewer than 2 usable pairs, a constant vector) gives NaN. */
#ifndef ZC_STATS_H
#define ZC_STATS_H
#include <glib.h>

G_BEGIN_DECLS

/* Average ranks, 1-based, ascending (scipy.stats.rankdata 'average'): tied values
 * share the mean of the ranks they span.  NaN entries get rank NaN and take no
 * rank; the other values are ranked among themselves. */
void zc_stats_rank(const double *x, gsize n, double *ranks);

/* Pearson's product-moment r, signed (NASLib's compute_scores reports its absolute
 * value), two-pass. */
double zc_stats_pearson(const double *x, const double *y, gsize n, gsize *n_skipped);

/* Spearman's rho = Pearson's r of the average ranks (scipy.stats.spearmanr). */
double zc_stats_spearman(const double *x, const double *y, gsize n, gsize *n_skipped);

/* Kendall's tau-b with tie corrections (scipy.stats.kendalltau default), computed in
 * O(n log n) by Knight's merge-sort algorithm with exact integer pair counts:
 *   tau_b = (n_c - n_d) / sqrt((n0 - n_x) (n0 - n_y)),  n0 = n(n-1)/2,
 * n_x, n_y = pairs tied in x, in y (pairs tied in both count in each). */
double zc_stats_kendall_tau_b(const double *x, const double *y, gsize n, gsize *n_skipped);

/* NASLib's precision_k (naslib/utils/zerocost.py, compute_scores), k an absolute count:
 *   thr(v) = the (k+1)-th largest value of v (the smallest value when k >= m),
 *   T(v)   = { i : v_i > thr(v) },
 *   P@k    = |T(truth) ∩ T(pred)| / k,
 * over the m usable pairs.  Without ties at the threshold T holds exactly the top k;
 * with ties there it holds fewer (and NASLib still divides by k).  Higher = better
 * for both vectors.  NaN when k == 0 or m < 2. */
double zc_stats_precision_at_k(const double *truth, const double *pred, gsize n, gsize k,
                               gsize *n_skipped);

/* The same with k given as a fraction of the usable pairs: k = round(frac * m), at
 * least 1 and at most m (frac = 0.05 on 200 archs is NASLib's precision_10). */
gsize zc_stats_top_count(double frac, gsize m);
double zc_stats_precision_at_frac(const double *truth, const double *pred, gsize n,
                                  double frac, gsize *n_skipped);

/* nDCG@k as VKDNW (Tybl & Neumann, CVPR 2025) computes it: scikit-learn's
 *   ndcg_score(y_true = 2^truth - 1, y_score = pred, k)
 * (their NB201/paper_preparation.ipynb; truth is an accuracy in percent).  Order the m usable
 * pairs by pred, descending; position r (1-based) has the discount 1/log2(r + 1) for r <= k
 * and 0 beyond; a group of tied pred values spanning positions a..b contributes the mean
 * gain of the group times the sum of the discounts of a..b (scikit-learn's tie averaging);
 * DCG is the sum, IDCG the same for the order by truth, nDCG = DCG / IDCG.  Gains are
 * computed as 2^(truth - M) - 2^-M, M = max truth, which leaves the ratio unchanged and
 * cannot overflow.  k is clamped to m.  NaN when k == 0, m < 2 or every gain is 0. */
double zc_stats_ndcg_at_k(const double *truth, const double *pred, gsize n, gsize k, gsize *n_skipped);

/* Top-k hit rate: the share of the true top k that the prediction also puts in its top k,
 *   hit@k = sum_i w_truth(i) w_pred(i) / min(k, m),
 * w_v(i) = clamp((k - #{j : v_j > v_i}) / #{j : v_j = v_i}, 0, 1) the membership of i in
 * the top k of v, a tie group straddling position k sharing the remaining places (the
 * expected overlap when ties are broken at random).  Unlike P@k (NASLib's rule: k a share
 * of the population, the whole tie group at the threshold left out) k is a count and ties
 * are shared.  NaN when k == 0 or m < 2. */
double zc_stats_hit_rate_at_k(const double *truth, const double *pred, gsize n, gsize k, gsize *n_skipped);

typedef enum {
  ZC_STAT_SPEARMAN,
  ZC_STAT_KENDALL_TAU_B,
  ZC_STAT_PEARSON,
  ZC_STAT_PRECISION_AT_FRAC,  /* uses ZcStatSpec.top_frac */
  ZC_STAT_NDCG_AT_K,          /* uses ZcStatSpec.top_k */
  ZC_STAT_HIT_AT_K            /* uses ZcStatSpec.top_k */
} ZcStatKind;

typedef struct {
  ZcStatKind kind;
  double top_frac;            /* for ZC_STAT_PRECISION_AT_FRAC, in (0, 1] */
  gsize top_k;                /* for ZC_STAT_NDCG_AT_K and ZC_STAT_HIT_AT_K, >= 1 */
} ZcStatSpec;

/* Name of a statistic ("spearman", "kendall_tau_b", "pearson", "precision_at_frac",
 * "ndcg_at_k", "hit_at_k"). */
const char *zc_stat_kind_name(ZcStatKind kind);
/* Evaluate one statistic. */
double zc_stats_eval(const ZcStatSpec *spec, const double *x, const double *y, gsize n,
                     gsize *n_skipped);

/* A statistic with a bootstrap percentile interval. */
typedef struct {
  double estimate;            /* on all usable pairs */
  double lo, hi;              /* percentile interval (linear interpolation, as numpy) */
  double level;               /* e.g. 0.95 */
  gsize n_used;               /* usable pairs */
  gsize n_skipped;            /* pairs skipped for NaN */
  guint n_boot;               /* replicates drawn */
  guint n_boot_nan;           /* replicates whose statistic was NaN (left out of lo/hi) */
} ZcStatInterval;

/* Bootstrap: resample the usable pairs with replacement n_boot times (replicate b uses
 * the stream zc_rng_subkey(zc_rng_key(seed, ZC_STATS_BOOT_STREAM), b), so the result
 * depends only on the data, seed and n_boot), evaluate the statistic on each and take
 * the (1-level)/2 and (1+level)/2 percentiles of the non-NaN replicates.  lo/hi are
 * NaN when no replicate is finite.  Fails (ZC_ERROR_CONFIG) on n_boot == 0 or a level
 * outside (0, 1); degenerate data is not an error (estimate NaN).
 * Caveat for precision: a resample repeats pairs, and NASLib's strict ">" rule leaves
 * out the whole tie group at the threshold, so precision replicates lean low when k
 * is small (the estimate itself uses the data as is). */
#define ZC_STATS_BOOT_STREAM G_GUINT64_CONSTANT(0x626f6f74)  /* "boot" */
gboolean zc_stats_bootstrap(const ZcStatSpec *spec, const double *x, const double *y, gsize n,
                            guint n_boot, double level, guint64 seed, ZcStatInterval *out,
                            GError **error);

G_END_DECLS
#endif
