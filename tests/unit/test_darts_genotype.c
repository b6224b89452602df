/* DARTS / NAS-Bench-301 genotypes against NAS-Bench-Suite-Zero's NB301 table
 * (share/data/nb301_nbsz_zc_sample725.csv, 725 rows): both text forms parse to the same
 * genotype and print back byte for byte, params and FLOPs equal the table's columns, and
 * sampling, mutation and crossover keep genotypes valid. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "darts_genotype.h"

#define SHARE_DATA ZC_TEST_SRCDIR "/share/data/"

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

static const DartsMacro nbsz = {32, 8, 32, 10};

static void parse_ok(const char *text, DartsGenotype *g) {
  GError *err = NULL;
  if (!darts_parse(text, g, &err)) fail_msg("%s", err->message);
}

static gboolean valid(const DartsGenotype *g, gboolean distinct) {
  for (int cell = 0; cell < 2; cell++)
    for (int pair = 0; pair < DARTS_PAIRS; pair++) {
      if (g->op[cell][pair] >= DARTS_OPS || g->input[cell][pair] > pair / 2 + 1) return FALSE;
      if (distinct && pair % 2 && g->input[cell][pair] == g->input[cell][pair - 1]) return FALSE;
    }
  return TRUE;
}

/* Every row: compact and Genotype(...) forms parse to the same genotype, both print back
 * exactly, range(2, 6) reads as [2, 3, 4, 5]; params and FLOPs equal the table exactly. */
static void test_every_row(void **state) {
  GPtrArray *rows = read_csv(SHARE_DATA "nb301_nbsz_zc_sample725.csv");
  int cc = column(rows, "compact"), cg = column(rows, "genotype");
  int cp = column(rows, "params"), cf = column(rows, "flops");
  assert_int_equal(rows->len - 1, 725);
  double worst_p = 0, worst_f = 0;
  for (guint r = 1; r < rows->len; r++) {
    char **row = g_ptr_array_index(rows, r);
    DartsGenotype a, b, c;
    parse_ok(row[cc], &a);
    parse_ok(row[cg], &b);
    if (memcmp(&a, &b, sizeof a)) fail_msg("row %u: compact and genotype forms differ", r);
    assert_true(valid(&a, TRUE));   /* NASLib's sampler: two distinct inputs per node */
    char *s = darts_format(&a);
    assert_string_equal(s, row[cc]);
    g_free(s);
    s = darts_format_genotype(&a);
    assert_string_equal(s, row[cg]);
    g_free(s);
    char **parts = g_strsplit(row[cg], "[2, 3, 4, 5]", -1);
    char *ranged = g_strjoinv("range(2, 6)", parts);
    g_strfreev(parts);
    parse_ok(ranged, &c);
    assert_memory_equal(&a, &c, sizeof a);
    g_free(ranged);
    double p, f;
    darts_cost(&a, &nbsz, &p, &f);
    double tp = g_ascii_strtod(row[cp], NULL) * 1e6, tf = g_ascii_strtod(row[cf], NULL) * 1e6;
    worst_p = MAX(worst_p, fabs(p - tp));
    worst_f = MAX(worst_f, fabs(f - tf));
    if (p != round(tp)) fail_msg("row %u %s: params %.0f, table %.0f", r, row[cc], p, tp);
    if (f != round(tf)) fail_msg("row %u %s: FLOPs %.0f, table %.0f", r, row[cc], f, tf);
  }
  print_message("725 rows: largest |params - table| %.3g, |FLOPs - table| %.3g (units, not millions)\n",
                worst_p, worst_f);
  g_ptr_array_unref(rows);
}

/* The op code order, fixed by the table: code k in `compact` is the k-th name. */
static void test_op_codes(void **state) {
  static const char *const names[] = {"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                      "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  for (guint k = 0; k < DARTS_OPS; k++) assert_string_equal(darts_op_name(k), names[k]);
  DartsGenotype g;
  parse_ok("0,0 1,1 0,2 1,3 2,4 0,5 3,6 1,0|1,6 0,5 2,4 1,3 0,2 3,1 4,0 2,2", &g);
  char *s = darts_format_genotype(&g);
  assert_string_equal(s, "Genotype(normal=[('max_pool_3x3', 0), ('avg_pool_3x3', 1), ('skip_connect', 0), "
                         "('sep_conv_3x3', 1), ('sep_conv_5x5', 2), ('dil_conv_3x3', 0), ('dil_conv_5x5', 3), "
                         "('max_pool_3x3', 1)], normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_5x5', 1), "
                         "('dil_conv_3x3', 0), ('sep_conv_5x5', 2), ('sep_conv_3x3', 1), ('skip_connect', 0), "
                         "('avg_pool_3x3', 3), ('max_pool_3x3', 4), ('skip_connect', 2)], reduce_concat=[2, 3, 4, 5])");
  /* whitespace and double quotes in the Genotype form */
  DartsGenotype h;
  char *loose = g_strdup(s);
  for (char *p = loose; *p; p++)
    if (*p == '\'') *p = '"';
  char **parts = g_strsplit(loose, ", ", -1);
  char *spaced = g_strjoinv(" ,\n  ", parts);
  g_strfreev(parts);
  parse_ok(spaced, &h);
  assert_memory_equal(&g, &h, sizeof g);
  g_free(spaced);
  g_free(loose);
  g_free(s);
}

static void expect_error(const char *text, const char *fragment) {
  DartsGenotype g;
  GError *err = NULL;
  assert_false(darts_parse(text, &g, &err));
  assert_non_null(err);
  if (!strstr(err->message, fragment)) fail_msg("'%s': message '%s' lacks '%s'", text, err->message, fragment);
  g_error_free(err);
}

static void test_errors(void **state) {
  const char *ok = "0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6";
  DartsGenotype g;
  parse_ok(ok, &g);
  expect_error("0,0 1,5 3,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6",
               "at position 9: normal cell, node 1, pair 0: input 3 is not one of the states 0..2");
  expect_error("0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,7",
               "at position 63: reduce cell, node 3, pair 1: op code 7 is not one of 0..6");
  expect_error("0,0 1,5 1,1 0,1 1,3 0,3 1,3|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6", "at position 28: expected ' ', found '|'");
  expect_error("0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6|", "at position 64: unexpected '|'");
  expect_error("", "at position 1: expected an input state (a number), found the end of the string");
  expect_error("Genotype(normal=[('max_pool_3x3', 0), ('none', 1)",
               "at position 41: normal cell, node 0, pair 1: unknown operation 'none'");
  expect_error("Genotype(normal=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], normal_concat=[2, 3, 4, 5])",
               "at position 58: normal: 2 (op, input) pairs given, a cell needs 8");
  char *bad_concat = g_strdup_printf("Genotype(normal=[%s], normal_concat=[2, 3, 4])",
                                     "('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), "
                                     "('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1)");
  expect_error(bad_concat, "normal_concat must be [2, 3, 4, 5] or range(2, 6)");
  g_free(bad_concat);
}

/* NASLib's sampler: valid, distinct inputs, every op and input drawn about uniformly. */
static void test_sample(void **state) {
  ZcRng r, *rng = &r;
  zc_rng_init(rng, 11, 0);
  int ops[DARTS_OPS] = {0}, in3[5] = {0};
  const int n = 4000;
  for (int i = 0; i < n; i++) {
    DartsGenotype g, back;
    darts_sample(rng, &g);
    assert_true(valid(&g, TRUE));
    for (int cell = 0; cell < 2; cell++)
      for (int pair = 0; pair < DARTS_PAIRS; pair++) {
        ops[g.op[cell][pair]]++;
        if (pair >= 6) in3[g.input[cell][pair]]++;
      }
    char *s = darts_format(&g);
    parse_ok(s, &back);
    assert_memory_equal(&g, &back, sizeof g);
    g_free(s);
  }
  for (int k = 0; k < DARTS_OPS; k++) {   /* expected 16n/7 = 9143 each; 5 sigma ~ 450 */
    if (abs(ops[k] - 16 * n / 7) > 450) fail_msg("op %d drawn %d times", k, ops[k]);
  }
  for (int k = 0; k < 5; k++)   /* node 3 of 2 cells: each of 5 states with probability 2/5 per node */
    if (abs(in3[k] - 8 * n / 10) > 300) fail_msg("state %d drawn %d times for node 3", k, in3[k]);
}

static int n_diff(const DartsGenotype *a, const DartsGenotype *b) {
  int d = 0;
  for (int cell = 0; cell < 2; cell++)
    for (int pair = 0; pair < DARTS_PAIRS; pair++)
      d += (a->op[cell][pair] != b->op[cell][pair]) + (a->input[cell][pair] != b->input[cell][pair]);
  return d;
}

static void test_mutate_and_crossover(void **state) {
  ZcRng r, *rng = &r;
  zc_rng_init(rng, 5, 0);
  int op_changes = 0, input_changes = 0;
  for (int i = 0; i < 2000; i++) {
    DartsGenotype p, c, q, x;
    darts_sample(rng, &p);
    darts_mutate(&p, rng, &c);
    assert_int_equal(n_diff(&p, &c), 1);   /* exactly one op or one input */
    assert_true(valid(&c, TRUE));
    op_changes += memcmp(p.op, c.op, sizeof p.op) != 0;
    input_changes += memcmp(p.input, c.input, sizeof p.input) != 0;
    darts_sample(rng, &q);
    darts_crossover(&p, &q, rng, &x);
    assert_true(valid(&x, TRUE));
    for (int cell = 0; cell < 2; cell++)
      for (int node = 0; node < DARTS_NODES; node++) {
        int k = 2 * node;
        gboolean from_p = x.op[cell][k] == p.op[cell][k] && x.input[cell][k] == p.input[cell][k] &&
                          x.op[cell][k + 1] == p.op[cell][k + 1] && x.input[cell][k + 1] == p.input[cell][k + 1];
        gboolean from_q = x.op[cell][k] == q.op[cell][k] && x.input[cell][k] == q.input[cell][k] &&
                          x.op[cell][k + 1] == q.op[cell][k + 1] && x.input[cell][k + 1] == q.input[cell][k + 1];
        assert_true(from_p || from_q);
      }
  }
  assert_int_equal(op_changes + input_changes, 2000);
  assert_true(op_changes > 1000 && input_changes > 600);   /* inputs: half of the draws, less node 0 */
}

static void test_iso_key(void **state) {
  DartsGenotype a, b, c;
  parse_ok("0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6", &a);
  parse_ok("1,5 0,0 0,1 1,1 0,3 1,3 3,2 1,3|0,2 1,0 0,3 1,3 0,1 3,0 3,6 2,0", &b);   /* pairs swapped */
  parse_ok("0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 2,6", &c);
  char *ka = darts_iso_key(&a), *kb = darts_iso_key(&b), *kc = darts_iso_key(&c);
  assert_string_equal(ka, kb);
  assert_string_not_equal(ka, kc);
  g_free(ka), g_free(kb), g_free(kc);
  double pa, fa, pb, fb;
  darts_cost(&a, &nbsz, &pa, &fa);
  darts_cost(&b, &nbsz, &pb, &fb);
  assert_true(pa == pb && fa == fb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_row),  cmocka_unit_test(test_op_codes),
    cmocka_unit_test(test_errors),     cmocka_unit_test(test_sample),
    cmocka_unit_test(test_mutate_and_crossover), cmocka_unit_test(test_iso_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
