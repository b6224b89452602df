/* Fitness combination (zcnas/fitness.h) against values worked out by hand below. */
#include "config.h"
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/stats.h>

/* a (+1), b (-1), c (+1): proxies; acc (+1): the oracle */
static const char *const names[] = {"a", "b", "c", "acc"};
static const gint8 dirs[] = {+1, -1, +1, +1};
static const guint8 kinds[] = {ZC_SCORE_KIND_PROXY, ZC_SCORE_KIND_PROXY, ZC_SCORE_KIND_PROXY, ZC_SCORE_KIND_ORACLE};
static const ZcScoreLayout layout = {4, names, dirs, kinds};
#define A 1u
#define B 2u
#define C 4u
#define EPS 1e-12
/* (cmocka before 1.1.6 has no assert_double_equal) */
#define assert_near(x, y, eps) assert_true(fabs((x) - (y)) <= (eps))

/* c0 (a=1, b=5), c1 (3, 5), c2 (3, 1), c3 (2, NaN): directed a = 1, 3, 3; b = -5, -5, -1
 * over the 3 valid ones: ranks a = 1, 2.5, 2.5 (tie), b = 1.5, 1.5, 3 (tie), N = 3. */
static ZcFitness *four(ZcCombine rule) {
  ZcFitness *f = zc_fitness_new(&layout, A | B, rule);
  const double rows[4][4] = {{1, 5, 0, 0}, {3, 5, 0, 0}, {3, 1, 0, 0}, {2, NAN, 0, 0}};
  for (guint i = 0; i < 4; i++) assert_int_equal(zc_fitness_add(f, rows[i]), i);
  assert_int_equal(zc_fitness_size(f), 4);
  return f;
}

static void test_logrank_ties_direction_nan(void **state) {
  (void)state;
  ZcFitness *f = four(ZC_COMBINE_LOGRANK);
  assert_int_equal(zc_fitness_members(f), A | B);
  assert_near(zc_fitness_value(f, 0), log(1.0 / 3) + log(1.5 / 3), EPS);
  assert_near(zc_fitness_value(f, 1), log(2.5 / 3) + log(1.5 / 3), EPS);
  assert_near(zc_fitness_value(f, 2), log(2.5 / 3) + log(3.0 / 3), EPS);
  assert_true(isnan(zc_fitness_value(f, 3)));
  assert_int_equal(zc_fitness_best(f), 2);
  zc_fitness_free(f);
}

static void test_ranksum(void **state) {
  (void)state;
  ZcFitness *f = four(ZC_COMBINE_RANKSUM);
  assert_near(zc_fitness_value(f, 0), 2.5, EPS);
  assert_near(zc_fitness_value(f, 1), 4.0, EPS);
  assert_near(zc_fitness_value(f, 2), 5.5, EPS);
  assert_true(isnan(zc_fitness_value(f, 3)));
  assert_int_equal(zc_fitness_best(f), 2);
  zc_fitness_free(f);
}

/* a: mean 7/3, population sd sqrt(8/9): z = -sqrt2, 1/sqrt2, 1/sqrt2;
 * b: mean -11/3, sd sqrt(32/9): z = -1/sqrt2, -1/sqrt2, sqrt2. */
static void test_zsum_population_sd(void **state) {
  (void)state;
  ZcFitness *f = four(ZC_COMBINE_ZSUM);
  assert_near(zc_fitness_value(f, 0), -3 / sqrt(2), 1e-9);
  assert_near(zc_fitness_value(f, 1), 0.0, 1e-9);
  assert_near(zc_fitness_value(f, 2), 3 / sqrt(2), 1e-9);
  assert_true(isnan(zc_fitness_value(f, 3)));
  zc_fitness_free(f);
  /* a constant member (sd 0) adds 0; b = 1, 3 directed -1, -3: mean -2, sd 1 */
  f = zc_fitness_new(&layout, A | B, ZC_COMBINE_ZSUM);
  zc_fitness_add(f, (const double[]){2, 1, 0, 0});
  zc_fitness_add(f, (const double[]){2, 3, 0, 0});
  assert_near(zc_fitness_value(f, 0), 1.0, EPS);
  assert_near(zc_fitness_value(f, 1), -1.0, EPS);
  zc_fitness_free(f);
}

/* product: d_a log a + d_b log b = log a - log b */
static void test_product(void **state) {
  (void)state;
  ZcFitness *f = four(ZC_COMBINE_PRODUCT);
  assert_near(zc_fitness_value(f, 0), log(1.0) - log(5.0), EPS);
  assert_near(zc_fitness_value(f, 1), log(3.0) - log(5.0), EPS);
  assert_near(zc_fitness_value(f, 2), log(3.0), EPS);
  assert_true(isnan(zc_fitness_value(f, 3)));
  /* a value <= 0 has no logarithm: no fitness, and no effect on the others */
  const double bad[4] = {-2, 1, 0, 0};
  zc_fitness_add(f, bad);
  assert_true(isnan(zc_fitness_value(f, 4)));
  assert_near(zc_fitness_value(f, 2), log(3.0), EPS);
  assert_int_equal(zc_fitness_best(f), 2);
  zc_fitness_free(f);
}

/* missing = worst: c3's b counts as b's worst directed value -5 (raw 5), so all four rank:
 * directed a = 1, 3, 3, 2 -> ranks 1, 3.5, 3.5, 2; b = -5, -5, -1, -5 -> 2, 2, 4, 2; N = 4. */
static void test_missing_worst(void **state) {
  (void)state;
  ZcFitness *f = zc_fitness_new(&layout, A | B, ZC_COMBINE_LOGRANK);
  zc_fitness_set_missing(f, ZC_MISSING_WORST);
  const double rows[5][4] = {{1, 5, 0, 0}, {3, 5, 0, 0}, {3, 1, 0, 0}, {2, NAN, 0, 0}, {NAN, NAN, 0, 0}};
  for (guint i = 0; i < 5; i++) zc_fitness_add(f, rows[i]);
  assert_near(zc_fitness_value(f, 0), log(1.0 / 4) + log(2.0 / 4), EPS);
  assert_near(zc_fitness_value(f, 1), log(3.5 / 4) + log(2.0 / 4), EPS);
  assert_near(zc_fitness_value(f, 2), log(3.5 / 4) + log(4.0 / 4), EPS);
  assert_near(zc_fitness_value(f, 3), log(2.0 / 4) + log(2.0 / 4), EPS);
  assert_true(isnan(zc_fitness_value(f, 4)));   /* no member at all: no fitness */
  assert_int_equal(zc_fitness_best(f), 2);
  zc_fitness_free(f);
  /* the same table under rank sum and product */
  f = zc_fitness_new(&layout, A | B, ZC_COMBINE_RANKSUM);
  zc_fitness_set_missing(f, ZC_MISSING_WORST);
  for (guint i = 0; i < 5; i++) zc_fitness_add(f, rows[i]);
  assert_near(zc_fitness_value(f, 3), 4.0, EPS);
  assert_near(zc_fitness_value(f, 2), 7.5, EPS);
  zc_fitness_free(f);
  f = zc_fitness_new(&layout, A | B, ZC_COMBINE_PRODUCT);
  zc_fitness_set_missing(f, ZC_MISSING_WORST);
  for (guint i = 0; i < 5; i++) zc_fitness_add(f, rows[i]);
  assert_near(zc_fitness_value(f, 3), log(2.0) - log(5.0), EPS);
  zc_fitness_free(f);
  ZcMissing m;
  assert_true(zc_missing_parse("worst", &m) && m == ZC_MISSING_WORST);
  assert_true(zc_missing_parse("drop", &m) && m == ZC_MISSING_DROP);
  assert_false(zc_missing_parse("min", &m));
  assert_string_equal(zc_missing_name(ZC_MISSING_WORST), "worst");
}

/* the rank rules rank -inf last like any value; zsum and product cannot use it */
static void test_infinite_values(void **state) {
  (void)state;
  const double rows[3][4] = {{1, 5, 0, 0}, {-INFINITY, 5, 0, 0}, {3, 1, 0, 0}};
  ZcFitness *f = zc_fitness_new(&layout, A | B, ZC_COMBINE_RANKSUM);
  for (guint i = 0; i < 3; i++) zc_fitness_add(f, rows[i]);
  /* a: -inf, 1, 3 -> ranks 2, 1, 3; b directed -5, -5, -1 -> 1.5, 1.5, 3 */
  assert_near(zc_fitness_value(f, 0), 3.5, EPS);
  assert_near(zc_fitness_value(f, 1), 2.5, EPS);
  assert_near(zc_fitness_value(f, 2), 6.0, EPS);
  zc_fitness_free(f);
  f = zc_fitness_new(&layout, A | B, ZC_COMBINE_ZSUM);
  for (guint i = 0; i < 3; i++) zc_fitness_add(f, rows[i]);
  assert_true(isnan(zc_fitness_value(f, 1)));
  assert_false(isnan(zc_fitness_value(f, 0)));
  zc_fitness_free(f);
}

static void test_single_member(void **state) {
  (void)state;
  ZcFitness *f = zc_fitness_new(&layout, B, ZC_COMBINE_LOGRANK);
  zc_fitness_add(f, (const double[]){NAN, 2.0, NAN, NAN});   /* other scores do not matter */
  zc_fitness_add(f, (const double[]){0, INFINITY, 0, 0});
  zc_fitness_add(f, (const double[]){0, -0.5, 0, 0});
  zc_fitness_add(f, (const double[]){0, -0.5, 0, 0});
  assert_near(zc_fitness_value(f, 0), -2.0, 0);
  assert_true(isnan(zc_fitness_value(f, 1)));
  assert_near(zc_fitness_value(f, 2), 0.5, 0);
  assert_int_equal(zc_fitness_best(f), 2);   /* the first of equals */
  zc_fitness_free(f);
  f = zc_fitness_new(&layout, A, ZC_COMBINE_ZSUM);
  assert_int_equal(zc_fitness_best(f), -1);   /* empty */
  zc_fitness_add(f, (const double[]){NAN, 0, 0, 0});
  assert_int_equal(zc_fitness_best(f), -1);   /* none valid */
  zc_fitness_free(f);
}

/* Fitness depends on the population: values move as candidates are added, and an invalid
 * candidate does not count in N. */
static void test_changes_as_added(void **state) {
  (void)state;
  ZcFitness *f = zc_fitness_new(&layout, A | C, ZC_COMBINE_LOGRANK);
  zc_fitness_add(f, (const double[]){1, 0, 1, 0});
  assert_near(zc_fitness_value(f, 0), 0.0, EPS);   /* ranks 1 of N = 1 */
  assert_int_equal(zc_fitness_best(f), 0);
  zc_fitness_add(f, (const double[]){2, 0, 3, 0});
  assert_near(zc_fitness_value(f, 0), 2 * log(0.5), EPS);
  assert_near(zc_fitness_value(f, 1), 0.0, EPS);
  assert_int_equal(zc_fitness_best(f), 1);
  zc_fitness_add(f, (const double[]){5, 0, NAN, 0});       /* invalid: N stays 2 */
  assert_near(zc_fitness_value(f, 0), 2 * log(0.5), EPS);
  assert_true(isnan(zc_fitness_value(f, 2)));
  zc_fitness_add(f, (const double[]){3, 0, 2, 0});         /* a: 1 2 3 -> ranks 1 2 3; c: 1 3 2 */
  assert_near(zc_fitness_value(f, 0), log(1.0 / 3) + log(1.0 / 3), EPS);
  assert_near(zc_fitness_value(f, 1), log(2.0 / 3) + log(3.0 / 3), EPS);
  assert_near(zc_fitness_value(f, 3), log(3.0 / 3) + log(2.0 / 3), EPS);
  assert_int_equal(zc_fitness_best(f), 1);                 /* equal to 3: the first */
  zc_fitness_free(f);
}

/* Many candidates with ties and NaNs: the ranks kept as candidates arrive equal
 * zc_stats_rank's average ranks of the valid ones, recomputed from scratch. */
static void test_matches_stats_rank(void **state) {
  (void)state;
  enum { N = 300 };
  double rows[N][4], ra[N], rb[N], xa[N], xb[N];
  guint valid[N], nv = 0;
  ZcFitness *f = zc_fitness_new(&layout, A | B, ZC_COMBINE_LOGRANK);
  ZcFitness *g = zc_fitness_new(&layout, A | B, ZC_COMBINE_RANKSUM);
  for (guint i = 0; i < N; i++) {
    rows[i][0] = (double)(zc_rng_u64_at(11, i) % 17);   /* ties */
    rows[i][1] = zc_rng_u64_at(12, i) % 29 == 0 ? NAN : (double)(zc_rng_u64_at(13, i) % 40) / 4;
    rows[i][2] = rows[i][3] = 0;
    zc_fitness_add(f, rows[i]);
    zc_fitness_add(g, rows[i]);
    if (i % 37 && i != N - 1) continue;   /* check along the way, and at the end */
    nv = 0;
    for (guint k = 0; k <= i; k++)
      if (!isnan(rows[k][1])) {
        valid[nv] = k;
        xa[nv] = rows[k][0];
        xb[nv] = -rows[k][1];
        nv++;
      }
    zc_stats_rank(xa, nv, ra);
    zc_stats_rank(xb, nv, rb);
    for (guint v = 0; v < nv; v++) {
      assert_near(zc_fitness_value(f, valid[v]), log(ra[v] / nv) + log(rb[v] / nv), 1e-9);
      assert_near(zc_fitness_value(g, valid[v]), ra[v] + rb[v], 1e-9);
    }
  }
  assert_true(nv > 250 && nv < N);
  zc_fitness_free(f);
  zc_fitness_free(g);
}

static void test_members_parse(void **state) {
  (void)state;
  guint64 m = 0;
  GError *err = NULL;
  assert_true(zc_fitness_members_parse(&layout, "a, c", &m, &err));
  assert_int_equal(m, A | C);
  assert_true(zc_fitness_members_parse(&layout, "acc", &m, &err));
  assert_int_equal(m, 8);
  assert_true(zc_fitness_members_parse(&layout, "", &m, &err));   /* every proxy, no oracle */
  assert_int_equal(m, A | B | C);
  assert_true(zc_fitness_members_parse(&layout, NULL, &m, &err));
  assert_int_equal(m, A | B | C);
  m = 99;
  assert_false(zc_fitness_members_parse(&layout, "a,zzz", &m, &err));
  assert_int_equal(err->code, ZC_ERROR_CONFIG);
  assert_non_null(strstr(err->message, "'zzz'"));
  assert_int_equal(m, 99);
  g_clear_error(&err);
  static const ZcScoreLayout only_oracle = {1, names + 3, dirs + 3, kinds + 3};
  assert_false(zc_fitness_members_parse(&only_oracle, "", &m, &err));
  assert_int_equal(err->code, ZC_ERROR_CONFIG);
  g_clear_error(&err);
}

static void test_combine_names(void **state) {
  (void)state;
  ZcCombine r = ZC_COMBINE_ZSUM;
  assert_true(zc_combine_parse("logrank", &r) && r == ZC_COMBINE_LOGRANK);
  assert_true(zc_combine_parse("ranksum", &r) && r == ZC_COMBINE_RANKSUM);
  assert_true(zc_combine_parse("zsum", &r) && r == ZC_COMBINE_ZSUM);
  assert_true(zc_combine_parse("product", &r) && r == ZC_COMBINE_PRODUCT);
  assert_false(zc_combine_parse("LogRank", &r));
  assert_false(zc_combine_parse(NULL, &r));
  assert_string_equal(zc_combine_name(ZC_COMBINE_RANKSUM), "ranksum");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_logrank_ties_direction_nan),
    cmocka_unit_test(test_ranksum),
    cmocka_unit_test(test_zsum_population_sd),
    cmocka_unit_test(test_product),
    cmocka_unit_test(test_missing_worst),
    cmocka_unit_test(test_infinite_values),
    cmocka_unit_test(test_single_member),
    cmocka_unit_test(test_changes_as_added),
    cmocka_unit_test(test_matches_stats_rank),
    cmocka_unit_test(test_members_parse),
    cmocka_unit_test(test_combine_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
