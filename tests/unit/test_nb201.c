/* NAS-Bench-201 genotypes against the published tables: the official index of every
 * cell, the NATS-Bench isomorphism key, and NAS-Bench-Suite-Zero's params/FLOPs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <cmocka.h>
#include <zlib.h>
#include <zcnas/zcnas.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "nb201_genotype.h"

/* share/data (shipped for users) and tests/data (fixtures); provenance in their README files */
#define SHARE_DATA ZC_TEST_SRCDIR "/share/data/"
#define TEST_DATA ZC_TEST_SRCDIR "/tests/data/"

/* The whole content of a file, gzip-compressed or not (zlib reads both). */
static char *slurp(const char *path) {
  gzFile f = gzopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  GString *text = g_string_new(NULL);
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) g_string_append_len(text, buf, n);
  assert_true(n == 0);
  gzclose(f);
  return g_string_free(text, FALSE);
}

/* Rows of a CSV file as string vectors (header first). */
static GPtrArray *read_csv(const char *path) {
  char *text = slurp(path);
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l) g_ptr_array_add(rows, zc_csv_split_line(*l));
  g_strfreev(lines);
  g_free(text);
  return rows;
}

static int column(GPtrArray *rows, const char *name) {
  char **h = g_ptr_array_index(rows, 0);
  for (int k = 0; h[k]; k++)
    if (!strcmp(h[k], name)) return k;
  fail_msg("no column %s", name);
  return -1;
}

static void test_index_and_iso_key_every_row(void **state) {
  GPtrArray *rows = read_csv(SHARE_DATA "nb201_accuracy.csv");
  GPtrArray *iso = read_csv(TEST_DATA "nb201_unique_str.csv.gz");   /* index,unique_str in row order */
  int ci = column(rows, "index"), ca = column(rows, "arch_str");
  int ii = column(iso, "index"), cu = column(iso, "unique_str");
  assert_int_equal(rows->len - 1, NB201_COUNT);
  assert_int_equal(iso->len - 1, NB201_COUNT);
  GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint r = 1; r < rows->len; r++) {
    char **f = g_ptr_array_index(rows, r), **u = g_ptr_array_index(iso, r);
    guint index = (guint)atoi(f[ci]);
    assert_int_equal(atoi(u[ii]), index);
    Nb201Genotype g, h;
    nb201_from_index(index, &g);
    char *s = nb201_format(&g);
    if (strcmp(s, f[ca])) fail_msg("index %u: %s != %s", index, s, f[ca]);
    g_free(s);
    assert_true(nb201_parse(f[ca], &h, NULL));
    assert_int_equal(nb201_to_index(&h), index);
    char *key = nb201_iso_key(&h);
    if (strcmp(key, u[cu])) fail_msg("index %u: key %s != %s", index, key, f[cu]);
    g_hash_table_add(keys, key);
  }
  assert_int_equal(g_hash_table_size(keys), 6466);   /* NATS-Bench's count of distinct cells */
  g_hash_table_unref(keys);
  g_ptr_array_unref(rows);
  g_ptr_array_unref(iso);
}

/* Every row of the NAS-Bench-Suite-Zero table: params exactly (to 1e-6 M), FLOPs within 0.5 %. */
static void check_cost_table(const char *file, guint classes, double *max_abs) {
  GPtrArray *rows = read_csv(file);
  int ca = column(rows, "arch_str"), cp = column(rows, "params"), cf = column(rows, "flops");
  Nb201Macro m = {16, 5, 32, classes};
  *max_abs = 0;
  for (guint r = 1; r < rows->len; r++) {
    char **f = g_ptr_array_index(rows, r);
    Nb201Genotype g;
    assert_true(nb201_parse(f[ca], &g, NULL));
    double p, fl;
    nb201_cost(&g, &m, &p, &fl);
    double want_p = g_ascii_strtod(f[cp], NULL), want_f = g_ascii_strtod(f[cf], NULL);
    if (fabs(p * 1e-6 - want_p) > 1e-6 + 1e-12) fail_msg("%s: params %.6f != %.6f", f[ca], p * 1e-6, want_p);
    double diff = fabs(fl * 1e-6 - want_f);
    if (diff / want_f > 0.005) fail_msg("%s: flops %.6f vs %.6f", f[ca], fl * 1e-6, want_f);
    if (diff > *max_abs) *max_abs = diff;
  }
  g_ptr_array_unref(rows);
}

static void test_cost_against_nbsz(void **state) {
  double diff;
  /* the documented convention differs from NBSZ's by at most 1088 FLOPs per network
   * (0.014 % of the smallest), independent of the cell */
  check_cost_table(SHARE_DATA "nb201_nbsz_zc_proxies_cifar10.csv", 10, &diff);
  assert_true(diff <= 1088e-6 + 1e-9);
  check_cost_table(TEST_DATA "nb201_nbsz_cost_cifar100.csv", 100, &diff);
  assert_true(diff <= 1088e-6 + 1e-9);
}

static void test_published_anchors(void **state) {
  /* NAS-Bench-Suite-Zero params/FLOPs of index 0, 1, 6111 (share/data/nb201_nbsz_zc_proxies_cifar10.csv) */
  static const struct { guint index; double params, flops; } a[] = {
    {0, 0.129306, 17.958592}, {1, 0.802426, 116.692672}, {6111, 1.073466, 155.584192}};
  Nb201Macro m = {16, 5, 32, 10};
  for (gsize i = 0; i < G_N_ELEMENTS(a); i++) {
    Nb201Genotype g;
    nb201_from_index(a[i].index, &g);
    double p, f;
    nb201_cost(&g, &m, &p, &f);
    assert_true(fabs(p * 1e-6 - a[i].params) < 1e-9);
    assert_true(fabs(f * 1e-6 - a[i].flops) / a[i].flops < 1e-4);
  }
}

static void expect_parse_error(const char *text, const char *fragment) {
  Nb201Genotype g;
  GError *err = NULL;
  assert_false(nb201_parse(text, &g, &err));
  assert_int_equal(err->code, ZC_ERROR_PARSE);
  if (!strstr(err->message, fragment)) fail_msg("'%s' lacks '%s'", err->message, fragment);
  g_error_free(err);
}

static void test_parse_errors(void **state) {
  expect_parse_error("", "position 1: expected '|', found the end of the string");
  expect_parse_error("nor_conv_3x3~0|", "position 1: expected '|', found 'n'");
  expect_parse_error("|conv~0|", "position 2: unknown operation 'conv'");
  expect_parse_error("|none0|", "position 2: unknown operation 'none0'");
  expect_parse_error("|none~1|", "position 7: expected input node 0 of node 1, found '1'");
  expect_parse_error("|none~0||none~0|none~1|", "position 9: expected '+', found '|'");
  expect_parse_error("|none~0|+|none~0|none~1|", "position 25: expected '+', found the end");
  expect_parse_error("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x", "position 48: unexpected 'x'");
  expect_parse_error("|none~0|+|none~0|none~1|+|none~0|none~1|none~2", "position 47: expected '|'");
}

static void test_variation(void **state) {
  ZcRng rng;
  zc_rng_init(&rng, 1, 2);
  for (int t = 0; t < 2000; t++) {
    Nb201Genotype a, b, m, c;
    nb201_sample(&rng, &a);
    nb201_sample(&rng, &b);
    nb201_mutate(&a, &rng, &m);
    int changed = 0;
    for (int e = 0; e < NB201_EDGES; e++) {
      assert_true(m.op[e] < NB201_OPS);
      changed += m.op[e] != a.op[e];
    }
    assert_int_equal(changed, 1);
    nb201_crossover(&a, &b, &rng, &c);
    for (int e = 0; e < NB201_EDGES; e++) assert_true(c.op[e] == a.op[e] || c.op[e] == b.op[e]);
    /* canonical round trip */
    char *s = nb201_format(&c);
    Nb201Genotype d;
    assert_true(nb201_parse(s, &d, NULL));
    assert_memory_equal(&c, &d, sizeof c);
    g_free(s);
  }
  /* sampling is a function of the seed */
  ZcRng r1, r2;
  zc_rng_init(&r1, 5, 0);
  zc_rng_init(&r2, 5, 0);
  Nb201Genotype x, y;
  nb201_sample(&r1, &x);
  nb201_sample(&r2, &y);
  assert_memory_equal(&x, &y, sizeof x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_index_and_iso_key_every_row),
    cmocka_unit_test(test_cost_against_nbsz),
    cmocka_unit_test(test_published_anchors),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_variation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
