/* Counter-based RNG: values are pure functions of (key, index), uniform and
 * normal draws have the right moments, below() is unbiased and in range. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/rng.h>

static void test_random_access_matches_sequence(void **state) {
  ZcRng r;
  zc_rng_init(&r, 42, 7);
  guint64 key = zc_rng_key(42, 7);
  for (int i = 0; i < 100; i++) assert_true(zc_rng_u64(&r) == zc_rng_u64_at(key, i));
}

static void test_streams_differ(void **state) {
  assert_true(zc_rng_key(1, 2) != zc_rng_key(2, 1));
  assert_true(zc_rng_key(0, 0) != zc_rng_key(0, 1));
  assert_true(zc_hash_str("abc") != zc_hash_str("abd"));
}

static void test_uniform_and_normal_moments(void **state) {
  guint64 key = zc_rng_key(3, 0);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
  for (int i = 0; i < n; i++) {
    double u = zc_rng_uniform_at(key, i);
    assert_true(u >= 0.0 && u < 1.0);
    su += u; su2 += u * u;
    double z = zc_rng_normal_at(key, i);
    sn += z; sn2 += z * z; sn4 += z * z * z * z;
  }
  /* tolerances are ~5 standard errors of each estimate */
  assert_true(fabs(su / n - 0.5) < 5 * sqrt(1.0 / 12 / n));
  assert_true(fabs(su2 / n - 1.0 / 3) < 0.005);
  assert_true(fabs(sn / n) < 5 / sqrt(n));
  assert_true(fabs(sn2 / n - 1.0) < 5 * sqrt(2.0 / n));
  assert_true(fabs(sn4 / n - 3.0) < 0.1);
}

static void test_below_in_range_and_balanced(void **state) {
  ZcRng r;
  zc_rng_init(&r, 9, 1);
  int counts[7] = {0};
  for (int i = 0; i < 70000; i++) {
    guint64 v = zc_rng_below(&r, 7);
    assert_true(v < 7);
    counts[v]++;
  }
  for (int k = 0; k < 7; k++) assert_true(abs(counts[k] - 10000) < 500);
}

static void test_shuffle_is_permutation(void **state) {
  ZcRng r;
  zc_rng_init(&r, 5, 5);
  guint64 v[50];
  for (int i = 0; i < 50; i++) v[i] = (guint64)i;
  zc_rng_shuffle_u64(&r, v, 50);
  int seen[50] = {0}, moved = 0;
  for (int i = 0; i < 50; i++) { seen[v[i]]++; moved += v[i] != (guint64)i; }
  for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
  assert_true(moved > 25);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_random_access_matches_sequence),
    cmocka_unit_test(test_streams_differ),
    cmocka_unit_test(test_uniform_and_normal_moments),
    cmocka_unit_test(test_below_in_range_and_balanced),
    cmocka_unit_test(test_shuffle_is_permutation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
