/* NAS-Bench-101 genotypes (plugins/spaces/nb101_genotype.c, compiled in): parsing and its
 * errors, pruning, the official module hash, channel splitting, parameters and FLOPs
 * against the shipped tables, sampling and mutation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/csvout.h>
#include "nb101_genotype.h"

#define SHARE_DATA ZC_TEST_SRCDIR "/share/data/"

static const Nb101Macro CIFAR = {128, 3, 3, 32, 10};

/* Rows of a CSV file as string vectors (header first). */
static GPtrArray *read_csv(const char *path) {
  char *text = NULL;
  GError *err = NULL;
  if (!g_file_get_contents(path, &text, NULL, &err)) fail_msg("%s", err->message);
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

static char *row_text(GPtrArray *rows, guint r) {
  char **f = g_ptr_array_index(rows, r);
  return g_strdup_printf("%s/%s", f[column(rows, "adjacency_rowmajor")], f[column(rows, "ops")]);
}

static void parse_ok(const char *text, Nb101Spec *s) {
  GError *err = NULL;
  if (!nb101_parse(text, s, &err)) fail_msg("%s", err->message);
}

/* The 30 official records: hash = module_hash, params = trainable_parameters, exactly;
 * these specs are already pruned, so the canonical text is the table's. */
static void test_official_rows(void **state) {
  GPtrArray *rows = read_csv(SHARE_DATA "nb101_official_subset30_108ep.csv");
  assert_int_equal(rows->len, 31);
  int ch = column(rows, "module_hash"), cp = column(rows, "trainable_parameters");
  guint hash_ok = 0, params_ok = 0, text_ok = 0;
  for (guint r = 1; r < rows->len; r++) {
    char **f = g_ptr_array_index(rows, r);
    char *t = row_text(rows, r);
    Nb101Spec s;
    parse_ok(t, &s);
    char *h = nb101_hash(&s), *fm = nb101_format(&s);
    double p, fl;
    nb101_cost(&s, &CIFAR, &p, &fl);
    hash_ok += strcmp(h, f[ch]) == 0;
    params_ok += p == g_ascii_strtod(f[cp], NULL);
    text_ok += strcmp(fm, t) == 0;
    g_free(h), g_free(fm), g_free(t);
  }
  assert_int_equal(hash_ok, 30);
  assert_int_equal(params_ok, 30);
  assert_int_equal(text_ok, 30);
  g_ptr_array_unref(rows);
}

/* NAS-Bench-Suite-Zero's 500 cells: `params` and `flops` (millions, 6 decimals) equal
 * ours to half a unit of the last printed digit on every row.  The rows hold NASLib's raw
 * 7x7 matrices (499 are changed by pruning) and the table's module_hash is hash_module of
 * that raw matrix: our hash of the raw spec equals it on every row, and the official hash
 * (of the pruned spec) equals it exactly where pruning changes nothing. */
static void test_nbsz_rows(void **state) {
  GPtrArray *rows = read_csv(SHARE_DATA "nb101_nbsz_zc_sample500.csv");
  assert_int_equal(rows->len, 501);
  int ch = column(rows, "module_hash"), cp = column(rows, "params"), cf = column(rows, "flops");
  guint params_ok = 0, flops_ok = 0, raw_hash_ok = 0, unpruned = 0, pruned_hash_ok = 0;
  GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint r = 1; r < rows->len; r++) {
    char **f = g_ptr_array_index(rows, r);
    char *t = row_text(rows, r);
    Nb101Spec raw, s;
    assert_true(nb101_parse_raw(t, &raw, NULL));
    parse_ok(t, &s);
    double p, fl;
    nb101_cost(&s, &CIFAR, &p, &fl);
    params_ok += fabs(p * 1e-6 - g_ascii_strtod(f[cp], NULL)) < 5e-7;
    flops_ok += fabs(fl * 1e-6 - g_ascii_strtod(f[cf], NULL)) < 5e-7;
    char *hr = nb101_hash(&raw), *h = nb101_hash(&s), *fm = nb101_format(&s);
    raw_hash_ok += strcmp(hr, f[ch]) == 0;
    if (strcmp(fm, t) == 0) {
      unpruned++;
      pruned_hash_ok += strcmp(h, f[ch]) == 0;
    }
    /* pruning is idempotent: the canonical text parses to itself */
    Nb101Spec again;
    parse_ok(fm, &again);
    char *fm2 = nb101_format(&again);
    assert_string_equal(fm, fm2);
    g_hash_table_add(keys, h);
    g_free(hr), g_free(fm), g_free(fm2), g_free(t);
  }
  assert_int_equal(params_ok, 500);
  assert_int_equal(flops_ok, 500);
  assert_int_equal(raw_hash_ok, 500);
  assert_int_equal(unpruned, 1);
  assert_int_equal(pruned_hash_ok, 1);
  assert_int_equal(g_hash_table_size(keys), 292);   /* distinct cells among the 500 */
  g_hash_table_unref(keys);
  g_ptr_array_unref(rows);
}

/* The hash is invariant under relabelling interior vertices (any topological order) and
 * changes with an op. */
static void test_hash_isomorphism(void **state) {
  /* 0->1, 0->2, 1->3, 2->3, 3->4; vertices 1 and 2 swapped give the same graph */
  Nb101Spec a, b, c;
  parse_ok("0110000010000100000100000/input;conv3x3-bn-relu;maxpool3x3;conv1x1-bn-relu;output", &a);
  parse_ok("0110000010000100000100000/input;maxpool3x3;conv3x3-bn-relu;conv1x1-bn-relu;output", &b);
  parse_ok("0110000010000100000100000/input;maxpool3x3;conv3x3-bn-relu;conv3x3-bn-relu;output", &c);
  char *ha = nb101_hash(&a), *hb = nb101_hash(&b), *hc = nb101_hash(&c);
  assert_string_equal(ha, hb);
  assert_string_not_equal(ha, hc);
  assert_int_equal(strlen(ha), 32);
  g_free(ha), g_free(hb), g_free(hc);
}

static void expect_error(const char *text, const char *fragment) {
  Nb101Spec s;
  GError *err = NULL;
  assert_false(nb101_parse(text, &s, &err));
  assert_non_null(err);
  if (!strstr(err->message, fragment)) fail_msg("'%s' does not contain '%s'", err->message, fragment);
  g_error_free(err);
}

static void test_parse_errors(void **state) {
  expect_error("0100/input;output;output", "position 18: more operations than the 2 vertices");
  expect_error("010/input;output", "position 1: adjacency matrix of 3 characters");
  expect_error("0100input;output", "expected '/'");
  expect_error("0120/input;output", "position 3: adjacency entry (1,0) is '2'");
  expect_error("0110/input;output", "position 3: adjacency entry (1,0) is 1: the matrix must be strictly upper");
  expect_error("0100/conv3x3-bn-relu;output", "position 6: vertex 0 must be 'input'");
  expect_error("011001000/input;conv5x5;output", "position 17: unknown operation 'conv5x5' of vertex 1");
  expect_error("011001000/input;output;output", "position 17: interior vertex 1 cannot be 'output'");
  expect_error("011001000/input;maxpool3x3", "position 27: 2 operations for 3 vertices");
  expect_error("010000000/input;maxpool3x3;output", "no path from the input to the output");
  /* all 15 upper edges of 6 vertices, every vertex on a path input -> output */
  expect_error("011111001111000111000011000001000000/input;maxpool3x3;maxpool3x3;maxpool3x3;maxpool3x3;output",
               "15 edges after pruning (at most 9)");
}

/* compute_vertex_channels by hand: three vertices feed the output (128 = 43+43+42),
 * a vertex feeding only interior vertices takes the largest of their widths. */
static void test_vertex_channels(void **state) {
  /* 0->1, 1->2, 1->3, 0->4, 2->5, 3->5, 4->5 (5 = output) */
  Nb101Spec s;
  parse_ok("010010001100000001000001000001000000/input;conv3x3-bn-relu;conv3x3-bn-relu;conv1x1-bn-relu;"
           "maxpool3x3;output",
           &s);
  guint vc[NB101_MAX_VERTICES];
  nb101_vertex_channels(&s, 64, 128, vc);
  guint want[6] = {64, 43, 43, 43, 42, 128};
  for (int v = 0; v < 6; v++) assert_int_equal(vc[v], want[v]);
  /* the smallest cell: input -> output, one projection per module */
  parse_ok("0100/input;output", &s);
  double p, f;
  nb101_cost(&s, &CIFAR, &p, &f);
  double want_p = (27 * 128 + 256)                         /* stem */
                  + 3 * (128 * 128 + 256)                   /* stack 1 projections */
                  + (128 * 256 + 512) + 2 * (256 * 256 + 512) /* stack 2 */
                  + (256 * 512 + 1024) + 2 * (512 * 512 + 1024) /* stack 3 */
                  + 512 * 10 + 10;
  assert_true(p == want_p);
}

static void test_sample(void **state) {
  ZcRng r1, r2;
  zc_rng_init(&r1, 7, 0);
  zc_rng_init(&r2, 7, 0);
  guint conv3 = 0, ops = 0;
  GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < 2000; i++) {
    Nb101Spec a, b, c;
    nb101_sample(&r1, &a);
    nb101_sample(&r2, &b);
    char *ta = nb101_format(&a), *tb = nb101_format(&b);
    assert_string_equal(ta, tb);
    parse_ok(ta, &c);   /* valid and already pruned */
    char *tc = nb101_format(&c);
    assert_string_equal(ta, tc);
    assert_true(a.n >= 2 && a.n <= 7 && nb101_n_edges(&a) <= 9);
    for (int v = 1; v < a.n - 1; v++) ops++, conv3 += a.op[v] == NB101_CONV3;
    g_hash_table_add(keys, nb101_hash(&a));
    g_free(ta), g_free(tb), g_free(tc);
  }
  /* each interior op is uniform over 3: conv3x3 share 1/3 within 5 standard errors */
  double share = (double)conv3 / ops, se = sqrt(2.0 / 9 / ops);
  assert_true(fabs(share - 1.0 / 3) < 5 * se);
  /* raw specs, uniform, prune to small cells often (857 distinct cells for this seed):
   * not degenerate */
  assert_true(g_hash_table_size(keys) > 500);
  g_hash_table_unref(keys);
}

static void test_mutate(void **state) {
  ZcRng rng;
  zc_rng_init(&rng, 3, 0);
  Nb101Spec parent;
  parse_ok("0100/input;output", &parent);   /* padded to 7 vertices: mutations can grow it */
  guint grown = 0;
  for (int i = 0; i < 500; i++) {
    Nb101Spec child, again;
    nb101_mutate(&parent, &rng, &child);
    char *tp = nb101_format(&parent), *tc = nb101_format(&child);
    assert_string_not_equal(tp, tc);
    parse_ok(tc, &again);
    assert_true(nb101_n_edges(&child) <= 9);
    grown += child.n > parent.n;
    g_free(tp), g_free(tc);
    parent = child;
  }
  assert_true(grown > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_official_rows),
    cmocka_unit_test(test_nbsz_rows),
    cmocka_unit_test(test_hash_isomorphism),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_vertex_channels),
    cmocka_unit_test(test_sample),
    cmocka_unit_test(test_mutate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
