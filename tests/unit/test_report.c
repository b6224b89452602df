/* Correlation tables and the report writers: direction handling and NaN skipping against
 * zc_stats directly, CSV spelling of NaN and statuses, and correlations.json read back
 * with json-glib (NaN as null). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <zcnas/stats.h>
#include "report.h"

#define N 12

static const double truth[N] = {70, 71, 75, 60, 90, 88, 65, 80, 81, 79, 85, 62};
/* column 0: higher is better; column 1: lower is better (negated truth plus noise), one NaN */
static double scores[N * 2];
static const char *const names[] = {"up", "down", NULL};
static const gint8 direction[] = {1, -1};

static void fill(void) {
  for (int i = 0; i < N; i++) {
    scores[i * 2] = truth[i] + ((i * 7) % 5) * 3.0;
    scores[i * 2 + 1] = -truth[i] + ((i * 3) % 4) * 2.0;
  }
  scores[5 * 2 + 1] = NAN;
}

static ZcCorrTable *table(guint n_boot) {
  fill();
  ZcScoreLayout layout = {2, names, direction};
  char *bench[] = {"acc", NULL};
  const gint64 pct[] = {25};
  GError *err = NULL;
  ZcCorrTable *t = zc_corr_table_compute(&layout, scores, N, bench, 1, truth, ZC_NAN_SKIP, pct, 1, NULL, 0, NULL, 0, n_boot, 0.9, 7, &err);
  if (!t) fail_msg("%s", err->message);
  return t;
}

static void test_direction_and_nan(void **state) {
  ZcCorrTable *t = table(0);
  assert_int_equal(t->n_stats, 4);
  assert_string_equal(t->stats[3].name, "precision_at_25");
  double y0[N], y1[N];
  for (int i = 0; i < N; i++) y0[i] = scores[i * 2], y1[i] = -scores[i * 2 + 1];
  gsize skipped = 0;
  assert_float_equal(zc_corr_cell(t, 0, 0, 0)->estimate, zc_stats_spearman(truth, y0, N, NULL), 1e-15);
  assert_float_equal(zc_corr_cell(t, 1, 0, 0)->estimate, zc_stats_spearman(truth, y1, N, &skipped), 1e-15);
  assert_int_equal(skipped, 1);
  assert_int_equal(zc_corr_cell(t, 1, 0, 1)->n_skipped, 1);
  assert_int_equal(zc_corr_cell(t, 1, 0, 1)->n_used, N - 1);
  assert_true(zc_corr_cell(t, 1, 0, 0)->estimate > 0.5);   /* lower-is-better proxy ranks well */
  assert_float_equal(zc_corr_cell(t, 0, 0, 2)->estimate, zc_stats_pearson(truth, y0, N, NULL), 1e-15);
  assert_float_equal(zc_corr_cell(t, 0, 0, 3)->estimate, zc_stats_precision_at_frac(truth, y0, N, 0.25, NULL), 1e-15);
  assert_true(isnan(zc_corr_cell(t, 0, 0, 0)->lo));   /* no bootstrap, no interval */
  zc_corr_table_free(t);
  /* with a bootstrap: the interval of zc_stats_bootstrap with the same seed */
  t = table(200);
  ZcStatInterval want;
  ZcStatSpec spec = {ZC_STAT_KENDALL_TAU_B, 0};
  assert_true(zc_stats_bootstrap(&spec, truth, y1, N, 200, 0.9, 7, &want, NULL));
  assert_float_equal(zc_corr_cell(t, 1, 0, 1)->lo, want.lo, 0);
  assert_float_equal(zc_corr_cell(t, 1, 0, 1)->hi, want.hi, 0);
  zc_corr_table_free(t);
}

/* nDCG@k and hit@k columns follow the precision columns, on the direction-adjusted scores */
static void test_ndcg_hit_columns(void **state) {
  fill();
  ZcScoreLayout layout = {2, names, direction};
  char *bench[] = {"acc", NULL};
  const gint64 pct[] = {25}, nk[] = {3, 1000}, hk[] = {2};
  GError *err = NULL;
  ZcCorrTable *t = zc_corr_table_compute(&layout, scores, N, bench, 1, truth, ZC_NAN_SKIP, pct, 1, nk, 2, hk, 1, 50,
                                         0.9, 7, &err);
  assert_non_null(t);
  assert_int_equal(t->n_stats, 7);
  assert_string_equal(t->stats[4].name, "ndcg_at_3");
  assert_string_equal(t->stats[4].title, "nDCG@3");
  assert_string_equal(t->stats[5].name, "ndcg_at_1000");
  assert_string_equal(t->stats[6].name, "hit_at_2");
  assert_string_equal(t->stats[6].title, "hit@2");
  double y1[N];
  for (int i = 0; i < N; i++) y1[i] = -scores[i * 2 + 1];
  assert_float_equal(zc_corr_cell(t, 1, 0, 4)->estimate, zc_stats_ndcg_at_k(truth, y1, N, 3, NULL), 0);
  assert_float_equal(zc_corr_cell(t, 1, 0, 5)->estimate, zc_stats_ndcg_at_k(truth, y1, N, 1000, NULL), 0);
  assert_float_equal(zc_corr_cell(t, 1, 0, 6)->estimate, zc_stats_hit_rate_at_k(truth, y1, N, 2, NULL), 0);
  assert_int_equal(zc_corr_cell(t, 1, 0, 4)->n_skipped, 1);
  ZcStatInterval want;
  ZcStatSpec spec = {ZC_STAT_NDCG_AT_K, 0, 3};
  assert_true(zc_stats_bootstrap(&spec, truth, y1, N, 50, 0.9, 7, &want, NULL));
  assert_float_equal(zc_corr_cell(t, 1, 0, 4)->lo, want.lo, 0);
  assert_float_equal(zc_corr_cell(t, 1, 0, 4)->hi, want.hi, 0);
  zc_corr_table_free(t);
}

static void test_writers(void **state) {
  ZcCorrTable *t = table(50);
  char *dir = g_dir_make_tmp("zctest-report-XXXXXX", NULL);
  char *csv = g_build_filename(dir, "scores.csv", NULL), *json = g_build_filename(dir, "c.json", NULL);
  char *ccsv = g_build_filename(dir, "c.csv", NULL);
  ZcScoreLayout layout = {2, names, direction};
  const char *archs[N];
  char buf[N][8];
  for (int i = 0; i < N; i++) g_snprintf(buf[i], sizeof buf[i], "a%d", i), archs[i] = buf[i];
  ZcStatus status[N * 2] = {0};
  status[5 * 2 + 1] = ZC_STATUS_NAN;
  char *bench[] = {"acc", NULL};
  GError *err = NULL;
  assert_true(zc_report_scores_csv(csv, archs, N, &layout, scores, status, 2, bench, 1, truth, &err));
  char *text = NULL;
  assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  assert_true(g_str_has_prefix(text, "n,arch,up,down,acc,status\n1,a0,70,-70,70,ok;ok\n"));
  assert_non_null(strstr(text, "\n6,a5,88,nan,88,ok;nan\n"));
  g_free(text);
  assert_true(zc_report_correlations_csv(ccsv, t, &err));
  assert_true(g_file_get_contents(ccsv, &text, NULL, NULL));
  char **lines = g_strsplit(text, "\n", -1);
  assert_string_equal(lines[0], "proxy,benchmark,n,n_skipped,spearman,spearman_lo,spearman_hi,kendall_tau_b,"
                                "kendall_tau_b_lo,kendall_tau_b_hi,pearson,pearson_lo,pearson_hi,precision_at_25,"
                                "precision_at_25_lo,precision_at_25_hi");
  assert_true(g_str_has_prefix(lines[2], "down,acc,11,1,"));
  g_strfreev(lines);
  g_free(text);
  /* a NaN estimate is null in JSON */
  zc_corr_cell(t, 0, 0, 2)->estimate = NAN;
  const char *tables[] = {"t.csv"}, *hashes[] = {"abc"}, *metrics[] = {"acc"};
  ZcReportInfo info = {.pipeline = "p.cfg", .space = "toy {}", .proxies = "up, down", .n_archs = N,
                       .n_candidates = N, .data_spec = "", .data_hash = "none", .batch = 8, .n_bench = 1,
                       .bench_tables = tables, .bench_hashes = hashes, .bench_metrics = metrics};
  assert_true(zc_report_correlations_json(json, t, &info, &err));
  JsonParser *p = json_parser_new();
  assert_true(json_parser_load_from_file(p, json, &err));
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  JsonArray *results = json_object_get_array_member(root, "results");
  assert_int_equal(json_array_get_length(results), 2);
  JsonObject *r0 = json_array_get_object_element(results, 0), *r1 = json_array_get_object_element(results, 1);
  assert_string_equal(json_object_get_string_member(r1, "proxy"), "down");
  assert_int_equal(json_object_get_int_member(r1, "n_skipped"), 1);
  JsonObject *sp = json_object_get_object_member(r1, "spearman");
  assert_float_equal(json_object_get_double_member(sp, "estimate"), zc_corr_cell(t, 1, 0, 0)->estimate, 1e-12);
  assert_float_equal(json_object_get_double_member(sp, "lo"), zc_corr_cell(t, 1, 0, 0)->lo, 1e-12);
  assert_true(json_object_get_null_member(json_object_get_object_member(r0, "pearson"), "estimate"));
  assert_string_equal(json_object_get_string_member(json_object_get_object_member(root, "settings"), "data_hash"), "none");
  g_object_unref(p);
  g_unlink(csv), g_unlink(json), g_unlink(ccsv), g_rmdir(dir);
  g_free(csv), g_free(json), g_free(ccsv), g_free(dir);
  zc_corr_table_free(t);
}

/* NaN policy on a toy case computed by hand: truth 1,2,3,4, scores 1,NaN,3,2.
 * skip: pairs (1,1) (3,3) (4,2): d = 0,-1,1, rho = 1 - 6*2/(3*8) = 0.5.
 * last: the NaN ranks lowest, score ranks 2,1,4,3: d = 1,-1,1,-1, rho = 1 - 6*4/(4*15) = 0.6.
 * Both are written to correlations.json and report.md. */
static void test_nan_policy(void **state) {
  static const double t4[] = {1, 2, 3, 4};
  double s4[] = {1, NAN, 3, 2};
  static const char *const n4[] = {"p", NULL};
  static const gint8 d4[] = {1};
  ZcScoreLayout layout = {1, n4, d4};
  char *bench[] = {"acc", NULL};
  GError *err = NULL;
  ZcCorrTable *skip = zc_corr_table_compute(&layout, s4, 4, bench, 1, t4, ZC_NAN_SKIP, NULL, 0, NULL, 0, NULL, 0, 0, 0.9, 1, &err);
  ZcCorrTable *last = zc_corr_table_compute(&layout, s4, 4, bench, 1, t4, ZC_NAN_LAST, NULL, 0, NULL, 0, NULL, 0, 0, 0.9, 1, &err);
  assert_non_null(skip);
  assert_non_null(last);
  assert_float_equal(zc_corr_cell(skip, 0, 0, 0)->estimate, 0.5, 1e-12);
  assert_int_equal(zc_corr_cell(skip, 0, 0, 0)->n_used, 3);
  assert_float_equal(zc_corr_cell(last, 0, 0, 0)->estimate, 0.6, 1e-12);
  assert_int_equal(zc_corr_cell(last, 0, 0, 0)->n_used, 4);
  assert_int_equal(zc_corr_cell(last, 0, 0, 0)->n_skipped, 0);
  /* Pearson needs values: it leaves the NaN out under either policy */
  assert_int_equal(zc_corr_cell(last, 0, 0, 2)->n_used, 3);
  assert_float_equal(zc_corr_cell(last, 0, 0, 2)->estimate, zc_corr_cell(skip, 0, 0, 2)->estimate, 0);

  char *dir = g_dir_make_tmp("zctest-nanpolicy-XXXXXX", NULL);
  char *json = g_build_filename(dir, "c.json", NULL), *md = g_build_filename(dir, "report.md", NULL);
  const char *tables[] = {"t.csv"}, *hashes[] = {"abc"}, *metrics[] = {"acc"};
  ZcReportInfo info = {.pipeline = "p.cfg", .space = "toy {}", .proxies = "p", .n_archs = 4, .n_candidates = 4,
                       .data_spec = "", .data_hash = "none", .n_bench = 1, .bench_tables = tables,
                       .bench_hashes = hashes, .bench_metrics = metrics};
  assert_true(zc_report_correlations_json(json, last, &info, &err));
  assert_true(zc_report_markdown(md, last, &info, &err));
  char *text = NULL;
  assert_true(g_file_get_contents(json, &text, NULL, NULL));
  assert_non_null(strstr(text, "\"nan_policy\" : \"last\""));
  g_free(text);
  assert_true(g_file_get_contents(md, &text, NULL, NULL));
  assert_non_null(strstr(text, "- NaN scores: last "));
  assert_non_null(strstr(text, "| p | acc | 4 | 0.600 |"));
  g_free(text);
  g_unlink(json), g_unlink(md), g_rmdir(dir);
  g_free(json), g_free(md), g_free(dir);
  zc_corr_table_free(skip);
  zc_corr_table_free(last);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_direction_and_nan),
    cmocka_unit_test(test_ndcg_hit_columns),
    cmocka_unit_test(test_writers),
    cmocka_unit_test(test_nan_policy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
