/* Rank statistics: hand-computed cases with ties, O(n^2) reference formulations on
 * random data with ties, NASLib's precision_k rule by direct counting, and a
 * bootstrap recomputed from its documented random streams. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include <zcnas/stats.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
}

/* ---- reference formulations, written independently of core/base/stats.c ----- */

/* average rank = (# smaller) + (# equal incl. itself + 1) / 2 */
static void naive_rank(const double *x, int n, double *r) {
  for (int i = 0; i < n; i++) {
    int less = 0, eq = 0;
    for (int j = 0; j < n; j++) {
      if (x[j] < x[i]) less++;
      else if (x[j] == x[i]) eq++;
    }
    r[i] = less + (eq + 1) / 2.0;
  }
}

static double naive_pearson(const double *x, const double *y, int n) {
  /* textbook one-pass sums in long double, a different route than the library */
  long double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    sx += x[i]; sy += y[i];
    sxx += (long double)x[i] * x[i]; syy += (long double)y[i] * y[i];
    sxy += (long double)x[i] * y[i];
  }
  long double cov = n * sxy - sx * sy, vx = n * sxx - sx * sx, vy = n * syy - sy * sy;
  return (double)(cov / sqrtl(vx * vy));
}

static double naive_spearman(const double *x, const double *y, int n) {
  double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
  naive_rank(x, n, rx);
  naive_rank(y, n, ry);
  double r = naive_pearson(rx, ry, n);
  free(rx);
  free(ry);
  return r;
}

/* tau-b by looking at every pair */
static double naive_kendall(const double *x, const double *y, int n) {
  long long con = 0, dis = 0, tx = 0, ty = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0) tx++;
      if (dy == 0) ty++;
      if (dx != 0 && dy != 0) {
        if ((dx > 0) == (dy > 0)) con++;
        else dis++;
      }
    }
  long long tot = (long long)n * (n - 1) / 2;
  return (double)(con - dis) / sqrt((double)(tot - tx) * (double)(tot - ty));
}

/* i is in NASLib's top set iff at most min(k, n-1) values are >= v[i] */
static double naive_precision(const double *t, const double *p, int n, int k) {
  int lim = k < n - 1 ? k : n - 1, hit = 0;
  for (int i = 0; i < n; i++) {
    int ct = 0, cp = 0;
    for (int j = 0; j < n; j++) {
      ct += t[j] >= t[i];
      cp += p[j] >= p[i];
    }
    hit += ct <= lim && cp <= lim;
  }
  return (double)hit / k;
}

/* random data with many ties: x on 25 levels, y = x + noise on a coarse grid */
static void tied_data(guint64 seed, int n, double *x, double *y) {
  ZcRng r;
  zc_rng_init(&r, seed, 0);
  for (int i = 0; i < n; i++) {
    x[i] = (double)zc_rng_below(&r, 25);
    y[i] = floor(x[i] / 3.0 + 4.0 * zc_rng_normal(&r));
  }
}

/* ---- hand-computed cases ----------------------------------------------------- */

static void test_rank_average_and_nan(void **state) {
  const double x[] = {3, NAN, 1, 3, 2, -INFINITY};
  double r[N_OF(x)];
  zc_stats_rank(x, N_OF(x), r);
  assert_close(r[0], 4.5, 0);
  assert_true(isnan(r[1]));
  assert_close(r[2], 2, 0);
  assert_close(r[3], 4.5, 0);
  assert_close(r[4], 3, 0);
  assert_close(r[5], 1, 0);
}

static void test_hand_cases(void **state) {
  /* y ranks 1,2,3.5,5,3.5: sxy = 8, sxx = 10, syy = 9.5 -> rho = 8/sqrt(95).
   * Pairs: 8 concordant, 1 discordant, 1 tied in y -> tau_b = 7/sqrt(10*9). */
  const double x1[] = {1, 2, 3, 4, 5}, y1[] = {5, 6, 7, 8, 7};
  gsize sk = 99;
  assert_close(zc_stats_spearman(x1, y1, 5, &sk), 8 / sqrt(95), 1e-15);
  assert_int_equal(sk, 0);
  assert_close(zc_stats_spearman(x1, y1, 5, NULL), 0.8207826816681233, 1e-15);
  assert_close(zc_stats_kendall_tau_b(x1, y1, 5, NULL), 7 / sqrt(90), 1e-15);
  assert_close(zc_stats_kendall_tau_b(x1, y1, 5, NULL), 0.7378647873726218, 1e-15);

  /* ties in both: 5 concordant, 1 discordant, 2 tied in x, 2 tied in y ->
   * tau_b = 4/sqrt(8*8) = 0.5; ranks (1.5,1.5,3.5,3.5,5)/(1.5,3.5,1.5,3.5,5) -> 5/9 */
  const double x2[] = {1, 1, 2, 2, 3}, y2[] = {1, 2, 1, 2, 3};
  assert_close(zc_stats_kendall_tau_b(x2, y2, 5, NULL), 0.5, 1e-15);
  assert_close(zc_stats_spearman(x2, y2, 5, NULL), 5.0 / 9.0, 1e-15);

  /* Pearson: dx = (-1,0,1), dy = (-7,-1,8)/3: sxy = 5, sxx = 2, syy = 114/9 */
  const double x3[] = {1, 2, 3}, y3[] = {2, 4, 7};
  assert_close(zc_stats_pearson(x3, y3, 3, NULL), 15 / sqrt(228), 1e-15);
  /* reversal gives exactly -1 for the rank statistics */
  const double y4[] = {50, 40, 30, 20, 10};
  assert_close(zc_stats_spearman(x1, y4, 5, NULL), -1, 1e-15);
  assert_close(zc_stats_kendall_tau_b(x1, y4, 5, NULL), -1, 1e-15);
}

static void test_nan_pairs_skipped(void **state) {
  const double x[] = {1, NAN, 2, 3, 4, 7, 5}, y[] = {5, 1, 6, 7, 8, NAN, 7};
  gsize sk = 0;
  assert_close(zc_stats_spearman(x, y, 7, &sk), 8 / sqrt(95), 1e-15);
  assert_int_equal(sk, 2);
  sk = 0;
  assert_close(zc_stats_kendall_tau_b(x, y, 7, &sk), 7 / sqrt(90), 1e-15);
  assert_int_equal(sk, 2);
  sk = 0;
  const double xc[] = {1, 2, 3, 4, 5}, yc[] = {5, 6, 7, 8, 7};
  assert_close(zc_stats_pearson(x, y, 7, &sk), zc_stats_pearson(xc, yc, 5, NULL), 1e-15);
  assert_int_equal(sk, 2);
}

static void test_degenerate_is_nan(void **state) {
  const double c[] = {2, 2, 2, 2}, v[] = {1, 2, 3, 4}, one[] = {1}, nan2[] = {NAN, NAN};
  gsize sk = 0;
  assert_true(isnan(zc_stats_spearman(c, v, 4, NULL)));
  assert_true(isnan(zc_stats_kendall_tau_b(v, c, 4, NULL)));
  assert_true(isnan(zc_stats_pearson(c, v, 4, NULL)));
  assert_true(isnan(zc_stats_spearman(one, one, 1, NULL)));
  assert_true(isnan(zc_stats_kendall_tau_b(one, one, 1, NULL)));
  assert_true(isnan(zc_stats_pearson(NULL, NULL, 0, &sk)));
  assert_int_equal(sk, 0);
  assert_true(isnan(zc_stats_spearman(nan2, v, 2, &sk)));
  assert_int_equal(sk, 2);
  assert_true(isnan(zc_stats_precision_at_k(v, v, 4, 0, NULL)));
  assert_true(isnan(zc_stats_precision_at_k(one, one, 1, 1, NULL)));
  /* Inf makes Pearson undefined but is an ordinary extreme value for ranks */
  const double vi[] = {1, 2, 3, INFINITY};
  assert_true(isnan(zc_stats_pearson(vi, v, 4, NULL)));
  assert_close(zc_stats_spearman(vi, v, 4, NULL), 1, 1e-15);
  assert_close(zc_stats_kendall_tau_b(vi, v, 4, NULL), 1, 1e-15);
}

static void test_precision_hand(void **state) {
  const double t[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const double p[] = {1, 9, 8, 2, 6, 5, 4, 3, 7, 10};
  /* top 3 of t: {0,1,2}; of p: {9,1,2} -> 2/3 */
  assert_close(zc_stats_precision_at_k(t, p, 10, 3, NULL), 2.0 / 3.0, 1e-15);
  assert_close(zc_stats_precision_at_k(t, t, 10, 3, NULL), 1, 0);
  /* fraction: round(0.3 * 10) = 3 */
  assert_int_equal(zc_stats_top_count(0.3, 10), 3);
  assert_int_equal(zc_stats_top_count(0.05, 200), 10);
  assert_int_equal(zc_stats_top_count(0.001, 200), 1);
  assert_int_equal(zc_stats_top_count(2.0, 7), 7);
  assert_close(zc_stats_precision_at_frac(t, p, 10, 0.3, NULL), 2.0 / 3.0, 1e-15);
  /* NASLib's strict '>' against the (k+1)-th largest: a tie at the threshold empties
   * the set, and the denominator stays k */
  const double tt[] = {5, 5, 5, 1, 0}, pp[] = {3, 2, 1, 0, -1};
  assert_close(zc_stats_precision_at_k(tt, pp, 5, 2, NULL), 0, 0);
  const double t2[] = {9, 5, 5, 1, 0};   /* T = {0} (> 5), P = {0, 1} -> 1/2 */
  assert_close(zc_stats_precision_at_k(t2, pp, 5, 2, NULL), 0.5, 0);
  /* k >= n: the threshold is the minimum, so 4 of 5 qualify, divided by k = 5 */
  assert_close(zc_stats_precision_at_k(pp, pp, 5, 5, NULL), 0.8, 1e-15);
}

/* ---- reference formulations on random tied data ------------------------------- */

static void test_kendall_matches_pair_counting(void **state) {
  enum { N = 500 };
  static double x[N], y[N];
  for (guint64 seed = 1; seed <= 4; seed++) {
    tied_data(seed, N, x, y);
    double want = naive_kendall(x, y, N);
    assert_true(want > 0.05 && want < 0.95);   /* the data is neither trivial nor degenerate */
    assert_close(zc_stats_kendall_tau_b(x, y, N, NULL), want, 1e-12);
    /* odd length and heavy ties in one vector only */
    for (int i = 0; i < N; i++) y[i] = floor(y[i] / 4);
    assert_close(zc_stats_kendall_tau_b(x, y, N - 7, NULL), naive_kendall(x, y, N - 7), 1e-12);
  }
}

static void test_spearman_pearson_match_naive(void **state) {
  enum { N = 500 };
  static double x[N], y[N];
  for (guint64 seed = 11; seed <= 13; seed++) {
    tied_data(seed, N, x, y);
    assert_close(zc_stats_spearman(x, y, N, NULL), naive_spearman(x, y, N), 1e-12);
    assert_close(zc_stats_pearson(x, y, N, NULL), naive_pearson(x, y, N), 1e-12);
  }
}

static void test_precision_matches_counting(void **state) {
  enum { N = 300 };
  static double x[N], y[N];
  tied_data(21, N, x, y);
  const int ks[] = {1, 2, 5, 10, 20, 30, 150, 299, 300, 400};
  for (gsize i = 0; i < N_OF(ks); i++)
    assert_close(zc_stats_precision_at_k(x, y, N, ks[i], NULL), naive_precision(x, y, N, ks[i]),
                 1e-15);
  /* untied data: the top sets have exactly k members, so P@k(v, v) = 1 */
  ZcRng r;
  zc_rng_init(&r, 22, 0);
  for (int i = 0; i < N; i++) {
    x[i] = zc_rng_normal(&r);
    y[i] = x[i] + zc_rng_normal(&r);
  }
  assert_close(zc_stats_precision_at_k(x, x, N, 30, NULL), 1, 0);
  assert_close(zc_stats_precision_at_k(x, y, N, 30, NULL), naive_precision(x, y, N, 30), 1e-15);
}

/* ---- bootstrap ---------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b) {
  double p = *(const double *)a, q = *(const double *)b;
  return (p > q) - (p < q);
}

static void test_bootstrap_recomputed(void **state) {
  enum { N = 120, B = 200 };
  static double x[N + 3], y[N + 3], bx[N], by[N], rep[B];
  tied_data(31, N, x, y);
  x[N] = NAN; y[N] = 1; x[N + 1] = 2; y[N + 1] = NAN; x[N + 2] = NAN; y[N + 2] = NAN;
  ZcStatSpec spec = {ZC_STAT_SPEARMAN, 0};
  ZcStatInterval ci;
  GError *err = NULL;
  assert_true(zc_stats_bootstrap(&spec, x, y, N + 3, B, 0.95, 77, &ci, &err));
  assert_null(err);
  assert_int_equal(ci.n_used, N);
  assert_int_equal(ci.n_skipped, 3);
  assert_int_equal(ci.n_boot, B);
  assert_int_equal(ci.n_boot_nan, 0);
  assert_close(ci.estimate, naive_spearman(x, y, N), 1e-12);
  /* redo the resampling from the documented streams with the naive statistic */
  guint64 base = zc_rng_key(77, ZC_STATS_BOOT_STREAM);
  for (int b = 0; b < B; b++) {
    ZcRng r = {zc_rng_subkey(base, b), 0};
    for (int i = 0; i < N; i++) {
      int j = (int)zc_rng_below(&r, N);
      bx[i] = x[j];
      by[i] = y[j];
    }
    rep[b] = naive_spearman(bx, by, N);
  }
  qsort(rep, B, sizeof *rep, cmp_d);
  /* numpy-style percentile: position q*(B-1), linear interpolation */
  double plo = 0.025 * (B - 1), phi = 0.975 * (B - 1);
  int ilo = (int)plo, ihi = (int)phi;
  assert_close(ci.lo, rep[ilo] + (plo - ilo) * (rep[ilo + 1] - rep[ilo]), 1e-12);
  assert_close(ci.hi, rep[ihi] + (phi - ihi) * (rep[ihi + 1] - rep[ihi]), 1e-12);
  assert_true(ci.lo < ci.estimate && ci.estimate < ci.hi);

  /* deterministic per seed, different across seeds */
  ZcStatInterval c2, c3;
  assert_true(zc_stats_bootstrap(&spec, x, y, N + 3, B, 0.95, 77, &c2, NULL));
  assert_true(c2.lo == ci.lo && c2.hi == ci.hi);
  assert_true(zc_stats_bootstrap(&spec, x, y, N + 3, B, 0.95, 78, &c3, NULL));
  assert_true(c3.lo != ci.lo || c3.hi != ci.hi);
}

static void test_bootstrap_width_matches_theory(void **state) {
  /* bivariate normal with rho = 0.6: the sd of Pearson's r is about (1 - rho^2)/sqrt(n),
   * so the 95 % interval is about 2 * 1.96 * 0.64 / sqrt(n) wide */
  enum { N = 800 };
  static double x[N], y[N];
  ZcRng r;
  zc_rng_init(&r, 41, 0);
  const double rho = 0.6;
  for (int i = 0; i < N; i++) {
    x[i] = zc_rng_normal(&r);
    y[i] = rho * x[i] + sqrt(1 - rho * rho) * zc_rng_normal(&r);
  }
  ZcStatSpec spec = {ZC_STAT_PEARSON, 0};
  ZcStatInterval ci;
  assert_true(zc_stats_bootstrap(&spec, x, y, N, 400, 0.95, 5, &ci, NULL));
  double want = 2 * 1.96 * (1 - rho * rho) / sqrt(N);
  assert_true(fabs((ci.hi - ci.lo) / want - 1) < 0.2);
  assert_true(ci.lo < rho && rho < ci.hi);
  /* Kendall and precision intervals come out ordered and inside the statistic's range */
  ZcStatSpec sk = {ZC_STAT_KENDALL_TAU_B, 0}, sp = {ZC_STAT_PRECISION_AT_FRAC, 0.1};
  assert_true(zc_stats_bootstrap(&sk, x, y, N, 100, 0.9, 5, &ci, NULL));
  assert_true(ci.lo <= ci.estimate && ci.estimate <= ci.hi);
  /* tau for a bivariate normal is (2/pi) asin(rho) = 0.4097 */
  assert_true(ci.lo < 2 / G_PI * asin(rho) && 2 / G_PI * asin(rho) < ci.hi);
  assert_true(zc_stats_bootstrap(&sp, x, y, N, 100, 0.9, 5, &ci, NULL));
  assert_true(0 <= ci.lo && ci.lo <= ci.hi && ci.hi <= 1);
}

static void test_bootstrap_bad_args_and_degenerate(void **state) {
  const double c[] = {1, 1, 1, 1}, v[] = {1, 2, 3, 4};
  ZcStatSpec spec = {ZC_STAT_SPEARMAN, 0};
  ZcStatInterval ci;
  GError *err = NULL;
  assert_false(zc_stats_bootstrap(&spec, v, v, 4, 0, 0.95, 1, &ci, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
  assert_false(zc_stats_bootstrap(&spec, v, v, 4, 10, 1.0, 1, &ci, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
  ZcStatSpec bad = {ZC_STAT_PRECISION_AT_FRAC, 0};
  assert_false(zc_stats_bootstrap(&bad, v, v, 4, 10, 0.95, 1, &ci, &err));
  g_clear_error(&err);
  /* constant data: not an error, everything NaN */
  assert_true(zc_stats_bootstrap(&spec, c, v, 4, 10, 0.95, 1, &ci, &err));
  assert_true(isnan(ci.estimate) && isnan(ci.lo) && isnan(ci.hi));
  assert_int_equal(ci.n_boot_nan, 10);
  assert_true(zc_stats_bootstrap(&spec, NULL, NULL, 0, 10, 0.95, 1, &ci, &err));
  assert_true(isnan(ci.estimate));
  assert_int_equal(ci.n_used, 0);
}

static void test_eval_dispatch(void **state) {
  const double x[] = {1, 2, 3, 4, 5}, y[] = {5, 6, 7, 8, 7};
  ZcStatSpec s = {ZC_STAT_KENDALL_TAU_B, 0};
  assert_close(zc_stats_eval(&s, x, y, 5, NULL), 7 / sqrt(90), 1e-15);
  assert_string_equal(zc_stat_kind_name(ZC_STAT_SPEARMAN), "spearman");
  assert_string_equal(zc_stat_kind_name(ZC_STAT_PRECISION_AT_FRAC), "precision_at_frac");
}

/* ---- nDCG@k (VKDNW: gain 2^acc - 1, log2 discount, tie-averaged) and hit@k -------- */

static double g2(double acc) { return exp2(acc) - 1; }

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_ndcg_hand_computed(void **state) {
  /* five architectures: accuracy (percent) and a proxy; proxy order 4, 1, 2, 3, 0 */
  const double acc[] = {90, 93, 91, 94, 92}, pr[] = {0.1, 0.4, 0.3, 0.2, 0.5};
  double l3 = log2(3.0), l5 = log2(5.0), l6 = log2(6.0);
  double dcg3 = g2(92) + g2(93) / l3 + g2(91) / 2, idcg3 = g2(94) + g2(93) / l3 + g2(92) / 2;
  assert_close(zc_stats_ndcg_at_k(acc, pr, 5, 3, NULL), dcg3 / idcg3, 1e-14);
  double dcg5 = dcg3 + g2(94) / l5 + g2(90) / l6, idcg5 = idcg3 + g2(91) / l5 + g2(90) / l6;
  assert_close(zc_stats_ndcg_at_k(acc, pr, 5, 5, NULL), dcg5 / idcg5, 1e-14);
  assert_close(zc_stats_ndcg_at_k(acc, pr, 5, 1000, NULL), dcg5 / idcg5, 1e-14);   /* k clamped to m */
  assert_close(zc_stats_ndcg_at_k(acc, acc, 5, 3, NULL), 1, 1e-15);
  /* a tie over positions 2-3 shares the mean gain; only position 2 counts at k = 2 */
  const double pt[] = {0.1, 0.4, 0.4, 0.2, 0.5};
  assert_close(zc_stats_ndcg_at_k(acc, pt, 5, 2, NULL),
               (g2(92) + 0.5 * (g2(93) + g2(91)) / l3) / (g2(94) + g2(93) / l3), 1e-14);
  assert_close(zc_stats_ndcg_at_k(acc, pt, 5, 3, NULL),
               (g2(92) + 0.5 * (g2(93) + g2(91)) * (1 / l3 + 0.5)) / idcg3, 1e-14);
  /* NaN pairs are skipped; degenerate input is NaN */
  const double an[] = {90, 93, NAN, 94, 92, 91}, pn[] = {0.1, 0.4, 0.9, 0.2, 0.5, 0.3};
  gsize sk = 0;
  assert_close(zc_stats_ndcg_at_k(an, pn, 6, 3, &sk), dcg3 / idcg3, 1e-14);
  assert_int_equal(sk, 1);
  assert_true(isnan(zc_stats_ndcg_at_k(acc, pr, 5, 0, NULL)));
  assert_true(isnan(zc_stats_ndcg_at_k(acc, pr, 1, 1, NULL)));
  const double zero[] = {0, 0, 0};
  assert_true(isnan(zc_stats_ndcg_at_k(zero, pr, 3, 2, NULL)));
}

static void test_ndcg_vkdnw_toy_example(void **state) {
  /* VKDNW's own illustration (NB201/paper_preparation.ipynb, "Toy example"): ten networks in
   * the order a proxy ranks them, with these accuracies; the figure reports nDCG 0.50 for
   * the damaged top and 1.00 for the perfect top (two decimals) */
  const double damaged[] = {80, 70, 100, 90, 60, 50, 40, 30, 20, 10};
  const double perfect[] = {100, 90, 80, 70, 60, 50, 10, 20, 30, 40};
  double order[10];
  for (int i = 0; i < 10; i++) order[i] = 10 - i;
  double d = zc_stats_ndcg_at_k(damaged, order, 10, 10, NULL), p = zc_stats_ndcg_at_k(perfect, order, 10, 10, NULL);
  assert_close(round(d * 100) / 100, 0.50, 1e-12);
  assert_close(round(p * 100) / 100, 1.00, 1e-12);
  /* and exactly: 2^100 at position 3 (discount 1/2) dominates */
  double idcg = 0, dcg = 0;
  for (int i = 0; i < 10; i++) {
    idcg += g2(100 - 10 * i) / log2(i + 2.0);
    dcg += g2(damaged[i]) / log2(i + 2.0);
  }
  assert_close(d, dcg / idcg, 1e-15);
}

static void test_hit_rate_hand_computed(void **state) {
  const double acc[] = {90, 93, 91, 94, 92}, pr[] = {0.1, 0.4, 0.3, 0.2, 0.5};
  /* true top 2 = {3, 1}, proxy top 2 = {4, 1}: one of two */
  assert_close(zc_stats_hit_rate_at_k(acc, pr, 5, 2, NULL), 0.5, 0);
  /* true top 3 = {3, 1, 4}, proxy top 3 = {4, 1, 2}: two of three */
  assert_close(zc_stats_hit_rate_at_k(acc, pr, 5, 3, NULL), 2.0 / 3.0, 1e-15);
  assert_close(zc_stats_hit_rate_at_k(acc, pr, 5, 1, NULL), 0, 0);
  assert_close(zc_stats_hit_rate_at_k(acc, acc, 5, 2, NULL), 1, 0);
  assert_close(zc_stats_hit_rate_at_k(acc, pr, 5, 5, NULL), 1, 0);
  assert_close(zc_stats_hit_rate_at_k(acc, pr, 5, 9, NULL), 1, 0);
  /* the proxy ties 1 and 2 for places 2-3: at k = 2 they share one place, 1/2 each */
  const double pt[] = {0.1, 0.4, 0.4, 0.2, 0.5};
  assert_close(zc_stats_hit_rate_at_k(acc, pt, 5, 2, NULL), 0.5 * 1 / 2.0, 0);
  /* ties in the truth too: 93 twice for places 2-3 of the true top 2 */
  const double at[] = {90, 93, 93, 94, 92};
  assert_close(zc_stats_hit_rate_at_k(at, pr, 5, 2, NULL), 0.5 / 2.0, 0);
  assert_true(isnan(zc_stats_hit_rate_at_k(acc, pr, 5, 0, NULL)));
}

static void test_ndcg_hit_bootstrap_and_dispatch(void **state) {
  const double acc[] = {90, 93, 91, 94, 92, 89, 95, 88}, pr[] = {0.1, 0.4, 0.3, 0.2, 0.5, 0.0, 0.6, 0.05};
  ZcStatSpec s = {ZC_STAT_NDCG_AT_K, 0, 3}, h = {ZC_STAT_HIT_AT_K, 0, 3};
  assert_close(zc_stats_eval(&s, acc, pr, 8, NULL), zc_stats_ndcg_at_k(acc, pr, 8, 3, NULL), 0);
  assert_close(zc_stats_eval(&h, acc, pr, 8, NULL), zc_stats_hit_rate_at_k(acc, pr, 8, 3, NULL), 0);
  ZcStatInterval ci;
  GError *err = NULL;
  assert_true(zc_stats_bootstrap(&s, acc, pr, 8, 200, 0.9, 3, &ci, &err));
  assert_close(ci.estimate, zc_stats_ndcg_at_k(acc, pr, 8, 3, NULL), 0);
  assert_true(ci.lo <= ci.hi && ci.lo >= 0 && ci.hi <= 1);
  /* every replicate recomputed from its documented stream, then the 5% / 95% percentiles */
  double rep[200];
  int nr = 0;
  for (guint b = 0; b < 200; b++) {
    ZcRng rng = {zc_rng_subkey(zc_rng_key(3, ZC_STATS_BOOT_STREAM), b), 0};
    double bx[8], by[8];
    for (int i = 0; i < 8; i++) {
      gsize j = (gsize)zc_rng_below(&rng, 8);
      bx[i] = acc[j];
      by[i] = pr[j];
    }
    double r = zc_stats_ndcg_at_k(bx, by, 8, 3, NULL);
    if (!isnan(r)) rep[nr++] = r;
  }
  qsort(rep, (size_t)nr, sizeof(double), cmp_dbl);
  double pos = 0.05 * (nr - 1), pos2 = 0.95 * (nr - 1);
  int i0 = (int)pos, i1 = (int)pos2;
  assert_close(ci.lo, rep[i0] + (pos - i0) * (rep[i0 + 1] - rep[i0]), 1e-15);
  assert_close(ci.hi, rep[i1] + (pos2 - i1) * (rep[i1 + 1] - rep[i1]), 1e-15);
  assert_int_equal(ci.n_boot_nan, 200 - nr);
  ZcStatSpec bad = {ZC_STAT_HIT_AT_K, 0, 0};
  assert_false(zc_stats_bootstrap(&bad, acc, pr, 8, 10, 0.9, 3, &ci, &err));
  g_clear_error(&err);
  assert_string_equal(zc_stat_kind_name(ZC_STAT_NDCG_AT_K), "ndcg_at_k");
  assert_string_equal(zc_stat_kind_name(ZC_STAT_HIT_AT_K), "hit_at_k");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rank_average_and_nan),
      cmocka_unit_test(test_hand_cases),
      cmocka_unit_test(test_nan_pairs_skipped),
      cmocka_unit_test(test_degenerate_is_nan),
      cmocka_unit_test(test_precision_hand),
      cmocka_unit_test(test_kendall_matches_pair_counting),
      cmocka_unit_test(test_spearman_pearson_match_naive),
      cmocka_unit_test(test_precision_matches_counting),
      cmocka_unit_test(test_bootstrap_recomputed),
      cmocka_unit_test(test_bootstrap_width_matches_theory),
      cmocka_unit_test(test_bootstrap_bad_args_and_degenerate),
      cmocka_unit_test(test_eval_dispatch),
      cmocka_unit_test(test_ndcg_hand_computed),
      cmocka_unit_test(test_ndcg_vkdnw_toy_example),
      cmocka_unit_test(test_hit_rate_hand_computed),
      cmocka_unit_test(test_ndcg_hit_bootstrap_and_dispatch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
