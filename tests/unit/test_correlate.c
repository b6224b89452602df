/* The correlate experiment end to end through the real loader, plugins and runner:
 * ρ and τ of params against accuracy recomputed here from the benchmark table, the
 * seeded sample, cache keying, reuse and corruption, --jobs, and clear errors for bad
 * benchmarks and pipelines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/cache.h>
#include <zcnas/net.h>
#include <zcnas/error.h>
#include <zcnas/pipeline.h>
#include <zcnas/registry.h>
#include <zcnas/run.h>

/* NAS-Bench-Suite-Zero's NB201 CIFAR-10 table (9,445 cells with params and val acc), shipped */
#define NB201_NBSZ ZC_TEST_SRCDIR "/share/data/nb201_nbsz_zc_proxies_cifar10.csv"

typedef struct {
  ZcRegistry *reg;
  char *dir;
} Fixture;

static int setup(void **state) {
  Fixture *f = g_new0(Fixture, 1);
  f->reg = zc_registry_new();
  zc_registry_scan(f->reg, ZC_TEST_BUILDDIR "/plugins/proxies/.libs:" ZC_TEST_BUILDDIR "/plugins/spaces/.libs:"
                   ZC_TEST_BUILDDIR "/tests/plugins/.libs");
  f->dir = g_dir_make_tmp("zctest-correlate-XXXXXX", NULL);
  /* never the user's cache, whatever a test forgets */
  g_setenv("XDG_CACHE_HOME", f->dir, TRUE);
  g_setenv("ZCNAS_GNUPLOT", "", TRUE);   /* plots are the integration script's business */
  *state = f;
  return 0;
}

static void rm_rf(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d) return;
  for (const char *n; (n = g_dir_read_name(d));) {
    char *p = g_build_filename(dir, n, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR)) rm_rf(p);
    else g_unlink(p);
    g_free(p);
  }
  g_dir_close(d);
  g_rmdir(dir);
}

static int teardown(void **state) {
  Fixture *f = *state;
  zc_registry_free(f->reg);
  rm_rf(f->dir);
  g_free(f->dir);
  g_free(f);
  return 0;
}

static char *path_in(Fixture *f, const char *name) { return g_build_filename(f->dir, name, NULL); }

/* Run pipeline text `cfg` (written to NAME.cfg) with --set overrides; results in DIR/out-NAME. */
static gboolean run_cfg(Fixture *f, const char *name, const char *cfg, const char *cache, int jobs, GError **error,
                        ...) {
  char *file = g_strdup_printf("%s/%s.cfg", f->dir, name);
  g_file_set_contents(file, cfg, -1, NULL);
  GPtrArray *sets = g_ptr_array_new();
  va_list ap;
  va_start(ap, error);
  for (const char *s; (s = va_arg(ap, const char *));) g_ptr_array_add(sets, (gpointer)s);
  va_end(ap);
  g_ptr_array_add(sets, NULL);
  ZcPipeline *p = zc_pipeline_load(file, (const char *const *)sets->pdata, error);
  char *out = g_strdup_printf("%s/out-%s", f->dir, name);
  FILE *report = fopen("/dev/null", "w");
  ZcRunSettings st = {.out_dir = out, .jobs = jobs, .quiet = TRUE, .report = report, .cache_path = cache,
                      .no_cache = cache == NULL};
  gboolean ok = p && zc_run_pipeline(f->reg, p, &st, error);
  fclose(report);
  zc_pipeline_free(p);
  g_ptr_array_unref(sets);
  g_free(out);
  g_free(file);
  return ok;
}

static char *slurp(Fixture *f, const char *rel) {
  char *p = path_in(f, rel), *text = NULL;
  if (!g_file_get_contents(p, &text, NULL, NULL)) fail_msg("cannot read %s", p);
  g_free(p);
  return text;
}

/* Lines of a CSV file split on commas (no quoted fields in these files). */
static GPtrArray *read_rows(const char *text) {
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l) g_ptr_array_add(rows, g_strsplit(*l, ",", -1));
  g_strfreev(lines);
  return rows;
}

static int column(GPtrArray *rows, const char *name) {
  char **h = g_ptr_array_index(rows, 0);
  for (int k = 0; h[k]; k++)
    if (!strcmp(h[k], name)) return k;
  fail_msg("no column %s", name);
  return -1;
}

/* Independent statistics: naive O(n^2) average ranks, Pearson, tau-b by pair counting. */
static void ranks(const double *x, int n, double *r) {
  for (int i = 0; i < n; i++) {
    double less = 0, equal = 0;
    for (int j = 0; j < n; j++) less += x[j] < x[i], equal += x[j] == x[i];
    r[i] = less + (equal + 1) / 2;
  }
}

static double pearson(const double *x, const double *y, int n) {
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < n; i++) mx += x[i] / n, my += y[i] / n;
  for (int i = 0; i < n; i++)
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
  return sxy / sqrt(sxx * syy);
}

static double spearman(const double *x, const double *y, int n) {
  double *rx = g_new(double, n), *ry = g_new(double, n);
  ranks(x, n, rx);
  ranks(y, n, ry);
  double r = pearson(rx, ry, n);
  g_free(rx);
  g_free(ry);
  return r;
}

static double kendall_b(const double *x, const double *y, int n) {
  double c = 0, d = 0, tx = 0, ty = 0;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double a = x[i] - x[j], b = y[i] - y[j];
      if (a == 0) tx++;
      if (b == 0) ty++;
      if (a * b > 0) c++;
      else if (a * b < 0) d++;
    }
  double n0 = n * (n - 1) / 2.0;
  return (c - d) / sqrt((n0 - tx) * (n0 - ty));
}

static const char *CFG_NBSZ =
  "experiment = \"correlate\";\nseed = 0;\nspace = { name = \"nb201\"; dataset = \"cifar10\"; };\n"
  "proxies = ( \"params\" );\n"
  "benchmark = { table = \"" NB201_NBSZ "\"; key = \"arch_str\"; metric = \"cifar10_val_acc\"; };\n"
  "sample = { count = 120; seed = 3; };\noutput = { bootstrap = 50; };\n";

/* ρ and τ of params vs accuracy equal those computed here from the table's own
 * (NAS-Bench-Suite-Zero) params column, and our params equal that column. */
static void test_params_rho_matches_table(void **state) {
  Fixture *f = *state;
  GError *err = NULL;
  if (!run_cfg(f, "rho", CFG_NBSZ, NULL, 1, &err, NULL)) fail_msg("%s", err->message);
  char *table_text = NULL;
  assert_true(g_file_get_contents(NB201_NBSZ, &table_text, NULL, NULL));
  GPtrArray *table = read_rows(table_text), *scores = NULL, *corr = NULL;
  char *s = slurp(f, "out-rho/scores.csv"), *c = slurp(f, "out-rho/correlations.csv");
  scores = read_rows(s);
  corr = read_rows(c);
  int n = (int)scores->len - 1;
  assert_int_equal(n, 120);
  int t_arch = column(table, "arch_str"), t_acc = column(table, "cifar10_val_acc"), t_par = column(table, "params");
  int s_arch = column(scores, "arch"), s_par = column(scores, "params"), s_acc = column(scores, "cifar10_val_acc");
  double *acc = g_new(double, n), *par = g_new(double, n);
  int last_row = -1;
  for (int i = 0; i < n; i++) {
    char **r = g_ptr_array_index(scores, i + 1);
    int found = -1;
    for (guint k = 1; k < table->len && found < 0; k++)
      if (!strcmp(((char **)g_ptr_array_index(table, k))[t_arch], r[s_arch])) found = (int)k;
    assert_true(found > last_row);   /* every sampled arch is in the table, in table order */
    last_row = found;
    char **t = g_ptr_array_index(table, found);
    acc[i] = g_ascii_strtod(t[t_acc], NULL);
    par[i] = g_ascii_strtod(t[t_par], NULL);
    assert_float_equal(g_ascii_strtod(r[s_acc], NULL), acc[i], 1e-9);
    assert_float_equal(g_ascii_strtod(r[s_par], NULL), par[i], 5e-7);
  }
  char **row = g_ptr_array_index(corr, 1);
  assert_string_equal(row[column(corr, "proxy")], "params");
  assert_string_equal(row[column(corr, "benchmark")], "cifar10_val_acc");
  assert_int_equal(atoi(row[column(corr, "n")]), 120);
  double rho = g_ascii_strtod(row[column(corr, "spearman")], NULL);
  double tau = g_ascii_strtod(row[column(corr, "kendall_tau_b")], NULL);
  double r = g_ascii_strtod(row[column(corr, "pearson")], NULL);
  assert_float_equal(rho, spearman(par, acc, n), 1e-8);
  assert_float_equal(tau, kendall_b(par, acc, n), 1e-8);
  assert_float_equal(r, pearson(par, acc, n), 1e-8);
  assert_true(rho > 0.3);   /* params is known to rank NB201 CIFAR-10 well */
  double lo = g_ascii_strtod(row[column(corr, "spearman_lo")], NULL), hi = g_ascii_strtod(row[column(corr, "spearman_hi")], NULL);
  assert_true(lo < rho && rho < hi);
  g_free(acc);
  g_free(par);
  g_ptr_array_unref(table);
  g_ptr_array_unref(scores);
  g_ptr_array_unref(corr);
  g_free(table_text);
  g_free(s);
  g_free(c);
}

static GPtrArray *sampled_archs(Fixture *f, const char *name) {
  char *s = g_strdup_printf("out-%s/scores.csv", name);
  char *text = slurp(f, s);
  GPtrArray *rows = read_rows(text);
  GPtrArray *archs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 1; i < rows->len; i++) g_ptr_array_add(archs, g_strdup(((char **)g_ptr_array_index(rows, i))[1]));
  g_ptr_array_unref(rows);
  g_free(text);
  g_free(s);
  return archs;
}

static gboolean same_archs(GPtrArray *a, GPtrArray *b) {
  if (a->len != b->len) return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, i))) return FALSE;
  return TRUE;
}

/* The sample is a function of its seed; count 0 takes every row. */
static void test_sample_seeded(void **state) {
  Fixture *f = *state;
  GError *err = NULL;
  assert_true(run_cfg(f, "s1", CFG_NBSZ, NULL, 1, &err, "output.bootstrap=0", NULL));
  assert_true(run_cfg(f, "s2", CFG_NBSZ, NULL, 1, &err, "output.bootstrap=0", NULL));
  assert_true(run_cfg(f, "s3", CFG_NBSZ, NULL, 1, &err, "output.bootstrap=0", "sample.seed=4", NULL));
  assert_true(run_cfg(f, "s4", CFG_NBSZ, NULL, 1, &err, "output.bootstrap=0", "sample.count=0", NULL));
  GPtrArray *a = sampled_archs(f, "s1"), *b = sampled_archs(f, "s2"), *c = sampled_archs(f, "s3"),
            *d = sampled_archs(f, "s4");
  assert_true(same_archs(a, b));
  assert_int_equal(c->len, 120);
  assert_false(same_archs(a, c));
  assert_int_equal(d->len, 9445);   /* every row of the table */
  g_ptr_array_unref(a);
  g_ptr_array_unref(b);
  g_ptr_array_unref(c);
  g_ptr_array_unref(d);
}

/* A second run reads the cache (a record planted under the runner's own key shows up
 * in the results); a change of seed or batch is another key, so it is recomputed. */
static void test_cache_reuse_and_keys(void **state) {
  Fixture *f = *state;
  GError *err = NULL;
  char *cache = path_in(f, "reuse.sqlite"), *export = path_in(f, "export.csv");
  assert_true(run_cfg(f, "c1", CFG_NBSZ, cache, 1, &err, "sample.count=10", NULL));
  ZcCache *c = zc_cache_open(cache, &err);
  assert_non_null(c);
  ZcCacheStats st;
  assert_true(zc_cache_stats(c, &st, &err));
  assert_int_equal(st.rows, 10);
  zc_cache_stats_clear(&st);
  /* plant 42.0 under the key of the first architecture, read back from the export */
  assert_true(zc_cache_export_csv(c, export, NULL, NULL, &err));
  char *text = NULL;
  assert_true(g_file_get_contents(export, &text, NULL, NULL));
  GPtrArray *rows = read_rows(text);
  char **r = g_ptr_array_index(rows, 1);
  ZcCacheKey key = {r[column(rows, "space")], r[column(rows, "genotype")], r[column(rows, "proxy")],
                    r[column(rows, "proxy_version")], r[column(rows, "options_hash")], r[column(rows, "data_hash")],
                    g_ascii_strtoll(r[column(rows, "batch")], NULL, 10), g_ascii_strtoull(r[column(rows, "seed")], NULL, 10),
                    r[column(rows, "dtype")], r[column(rows, "backend")]};
  assert_string_equal(key.space, "nb201");
  assert_string_equal(key.data_hash, "none");
  assert_string_equal(key.backend, zc_backend_cache_id(zc_backend_default()));
  ZcCacheRecord *rec = zc_cache_record_new(ZC_SCORE_OK);
  zc_cache_record_set(rec, "params", 42.0);
  assert_true(zc_cache_put(c, &key, rec, &err));
  zc_cache_record_free(rec);
  assert_true(zc_cache_close(c, &err));
  char *planted = g_strdup(key.genotype);
  assert_true(run_cfg(f, "c2", CFG_NBSZ, cache, 1, &err, "sample.count=10", NULL));
  char *s = slurp(f, "out-c2/scores.csv");
  char *line = g_strdup_printf("%s,42,", planted);
  assert_non_null(strstr(s, line));
  g_free(s);
  /* another run seed, another batch: other keys, true values again */
  assert_true(run_cfg(f, "c3", CFG_NBSZ, cache, 1, &err, "sample.count=10", "sample.seed=3", "seed=5", NULL));
  assert_true(run_cfg(f, "c4", CFG_NBSZ, cache, 1, &err, "sample.count=10", "data.batch=32", NULL));
  s = slurp(f, "out-c3/scores.csv");
  assert_null(strstr(s, line));
  g_free(s);
  s = slurp(f, "out-c4/scores.csv");
  assert_null(strstr(s, line));
  g_free(s);
  c = zc_cache_open(cache, &err);
  assert_true(zc_cache_stats(c, &st, &err));
  assert_int_equal(st.rows, 30);   /* 10 per key set, nothing stored twice */
  zc_cache_stats_clear(&st);
  zc_cache_close(c, NULL);
  g_free(line);
  g_free(planted);
  g_ptr_array_unref(rows);
  g_free(text);
  g_free(cache);
  g_free(export);
}

static void test_cache_corrupt(void **state) {
  Fixture *f = *state;
  GError *err = NULL;
  char *cache = path_in(f, "corrupt.sqlite");
  g_file_set_contents(cache, "this is not a database, just some text that is long enough to matter\n", -1, NULL);
  assert_false(run_cfg(f, "bad", CFG_NBSZ, cache, 1, &err, "sample.count=5", NULL));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_non_null(strstr(err->message, cache));
  g_clear_error(&err);
  /* the default location is XDG_CACHE_HOME/zcnas/scores.sqlite */
  char *dflt = zc_cache_default_path();
  assert_true(g_str_has_prefix(dflt, f->dir));
  g_free(dflt);
  g_free(cache);
}

/* Toy networks scored with grad_norm on 2 workers equal 1 worker, byte for byte. */
static void test_jobs_identical(void **state) {
  Fixture *f = *state;
  GString *t = g_string_new("arch,acc\n");
  for (int c = 2; c <= 12; c += 2)
    for (int d = 0; d <= 2; d++) g_string_append_printf(t, "c%d-d%d,%g\n", c, d, 50 + c * 2.5 - d * d * 1.25);
  char *table = path_in(f, "toy.csv");
  g_file_set_contents(table, t->str, -1, NULL);
  g_string_free(t, TRUE);
  char *cfg = g_strdup_printf("experiment = \"correlate\";\nspace = { name = \"toy\"; };\n"
                              "proxies = ( \"grad_norm\", \"params\" );\n"
                              "benchmark = { table = \"toy.csv\"; key = \"arch\"; metric = \"acc\"; };\n"
                              "sample = { count = 0; };\ndata = { spec = \"gaussian(classes=4):3x8x8\"; batch = 8; };\noutput = { bootstrap = 20; };\n");
  GError *err = NULL;
  if (!run_cfg(f, "j1", cfg, NULL, 1, &err, NULL)) fail_msg("%s", err->message);
  assert_true(run_cfg(f, "j2", cfg, NULL, 2, &err, NULL));
  char *cache = path_in(f, "jobs.sqlite");
  assert_true(run_cfg(f, "j3", cfg, cache, 3, &err, NULL));   /* computed on 3 workers */
  assert_true(run_cfg(f, "j4", cfg, cache, 1, &err, NULL));   /* all from the cache */
  const char *files[] = {"scores.csv", "correlations.csv", "correlations.json", "report.md"};
  for (gsize k = 0; k < G_N_ELEMENTS(files); k++) {
    char *p1 = g_strdup_printf("out-j1/%s", files[k]), *a = slurp(f, p1);
    for (int j = 2; j <= 4; j++) {
      char *pj = g_strdup_printf("out-j%d/%s", j, files[k]), *b = slurp(f, pj);
      if (!strstr(files[k], "report") && !strstr(files[k], "json")) assert_string_equal(a, b);
      else assert_int_equal(strlen(a), strlen(b));   /* they name their pipeline file */
      g_free(pj);
      g_free(b);
    }
    g_free(p1);
    g_free(a);
  }
  char *s = slurp(f, "out-j1/scores.csv");
  assert_non_null(strstr(s, "n,arch,grad_norm,params,acc,status\n"));
  assert_null(strstr(s, "nan"));   /* grad_norm really ran */
  g_free(s);
  g_free(cache);
  g_free(cfg);
  g_free(table);
}

/* Bad benchmarks and pipelines: one clear message naming the file (and line). */
static void test_errors(void **state) {
  Fixture *f = *state;
  char *bad = path_in(f, "bad.csv");
  g_file_set_contents(bad,
                      "index,arch_str,acc\n"
                      "0,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,90\n"
                      "1,|nor_conv_3x3~0|+|bogus~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,91\n"
                      "2,|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|,92\n",
                      -1, NULL);
  const char *head = "experiment = \"correlate\";\nspace = { name = \"nb201\"; };\nproxies = ( \"params\" );\n";
  struct {
    const char *bench, *want1, *want2;
  } cases[] = {
    {"benchmark = { table = \"bad.csv\"; metric = \"acc\"; };", "bad.csv:3:", "bad.csv:4:"},
    {"benchmark = { table = \"bad.csv\"; metric = \"accuracy\"; };", "accuracy", "acc"},
    {"benchmark = { table = \"nowhere.csv\"; metric = \"acc\"; };", "nowhere.csv' not found", "ecfg.cfg:4: benchmark"},
    {"benchmark = { table = \"bad.csv\"; };", "ecfg.cfg:4:", "metric"},
    {"benchmark = { table = \"bad.csv\"; metric = \"acc\"; colour = 1; };", "ecfg.cfg:4:", "colour"},
    {"", "needs 'benchmark'", "ecfg.cfg"},
    {"benchmark = { table = \"bad.csv\"; metric = \"acc\"; };\nbenchmarks = ();", "not both", "ecfg.cfg"},
    {"benchmark = { table = \"" NB201_NBSZ "\"; metric = \"cifar10_val_acc\"; };\nsample = { count = -2; };",
     "ecfg.cfg:5:", "count"},
  };
  for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
    char *cfg = g_strconcat(head, cases[k].bench, "\n", NULL);
    GError *err = NULL;
    assert_false(run_cfg(f, "ecfg", cfg, NULL, 1, &err, NULL));
    if (!strstr(err->message, cases[k].want1) || !strstr(err->message, cases[k].want2))
      fail_msg("case %zu: '%s' lacks '%s' or '%s'", k, err->message, cases[k].want1, cases[k].want2);
    g_error_free(err);
    g_free(cfg);
  }
  GError *err = NULL;
  assert_false(run_cfg(f, "unknown", "experiment = \"corelate\";\n", NULL, 1, &err, NULL));
  assert_non_null(strstr(err->message, "unknown.cfg:1: unknown experiment 'corelate' (known: search, compare, select, correlate, suite, layerstats)"));
  g_error_free(err);
  g_free(bad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_params_rho_matches_table, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sample_seeded, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cache_reuse_and_keys, setup, teardown),
    cmocka_unit_test_setup_teardown(test_cache_corrupt, setup, teardown),
    cmocka_unit_test_setup_teardown(test_jobs_identical, setup, teardown),
    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
