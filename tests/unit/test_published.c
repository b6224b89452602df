/* Published results: our NB201 CIFAR-10 scores against NAS-Bench-Suite-Zero's.
 *
 * A correlate run of the real pipeline machinery on a seeded sample of the NBSZ table
 * (shipped as share/data/nb201_nbsz_zc_proxies_cifar10.csv), batch 64, CIFAR-10 images.
 * For every NBSZ proxy we compare Spearman rho(ours, val acc) with rho(NBSZ column, val
 * acc) on the same architectures, and rho(ours, NBSZ column); L-SWAG's rho must be high.
 *
 * CI runs 30 architectures with bounds loosened for that size (see `tolerance`); the
 * full check is ZCNAS_PUBLISHED_N=200 ZCNAS_PUBLISHED_GRASP=1 tests/unit/test_published,
 * whose table is recorded in docs/results.md.  Skipped under sanitizers: it checks
 * numbers, and the suite's memory checks already cover every proxy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/zcnas.h>
#include <zcnas/csvout.h>
#include <zcnas/registry.h>
#include <zcnas/run.h>
#include <zcnas/table.h>

#define DATA ZC_TEST_SRCDIR "/share/data/"

static const char *const nbsz[] = {"epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm",
                                   "nwot", "params", "plain", "snip", "synflow", "zen", NULL};

/* The bound on |rho(ours) - rho(NBSZ)| for n architectures: the project's 0.07 at
 * n >= 200, widened at smaller n by the sampling error of a difference of two
 * correlated Spearman coefficients (about 1/sqrt(n) at these correlations). */
static double tolerance(gsize n) { return n >= 200 ? 0.07 : 0.07 + 1.0 / sqrt((double)n); }

static double env_number(const char *name, double def) {
  const char *v = g_getenv(name);
  return v && *v ? g_ascii_strtod(v, NULL) : def;
}

static void test_against_nbsz(void **state) {
#if defined(__SANITIZE_ADDRESS__)
  skip();
#endif
  guint n = (guint)env_number("ZCNAS_PUBLISHED_N", 30);
  gboolean with_grasp = env_number("ZCNAS_PUBLISHED_GRASP", 0) != 0;
  char *dir = g_dir_make_tmp("zcpub-XXXXXX", NULL);
  GString *proxies = g_string_new("proxies=[lswag");
  for (const char *const *p = nbsz; *p; p++)
    if (with_grasp || strcmp(*p, "grasp")) g_string_append_printf(proxies, ",%s", *p);
  g_string_append_c(proxies, ']');
  char *count = g_strdup_printf("sample.count=%u", n), *out = g_strdup_printf("output.dir=%s", dir);
  const char *sets[] = {"experiment=correlate", "seed=0", "space.name=nb201", proxies->str,
                        "data.spec=cifar10:" DATA "cifar10_test2000.bin", "data.batch=64",
                        "benchmark.table=" DATA "nb201_nbsz_zc_proxies_cifar10.csv", "benchmark.key=arch_str",
                        "benchmark.metric=cifar10_val_acc", count, "sample.seed=2025", out,
                        "output.bootstrap=0", "output.plots=false", "jobs=2", NULL};
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(NULL, sets, &err);
  if (!p) fail_msg("%s", err->message);
  ZcRegistry *reg = zc_registry_new();
  zc_registry_scan(reg, ZC_TEST_BUILDDIR "/plugins/proxies/.libs:" ZC_TEST_BUILDDIR "/plugins/spaces/.libs");
  FILE *devnull = fopen("/dev/null", "w");
  ZcRunSettings st = {.quiet = TRUE, .report = devnull, .no_cache = TRUE};
  if (!zc_run_pipeline(reg, p, &st, &err)) fail_msg("%s", err->message);
  fclose(devnull);

  /* our scores, by architecture */
  char *scores_path = g_build_filename(dir, "scores.csv", NULL), *text;
  assert_true(g_file_get_contents(scores_path, &text, NULL, NULL));
  char **lines = g_strsplit(text, "\n", -1);
  char **head = zc_csv_split_line(lines[0]);
  const char *metrics[G_N_ELEMENTS(nbsz) + 1];
  for (gsize k = 0; nbsz[k]; k++) metrics[k] = nbsz[k];
  metrics[G_N_ELEMENTS(nbsz) - 1] = "cifar10_val_acc";
  metrics[G_N_ELEMENTS(nbsz)] = NULL;
  ZcTable *table = zc_table_load(DATA "nb201_nbsz_zc_proxies_cifar10.csv", "arch_str", metrics, NULL, NULL, &err);
  if (!table) fail_msg("%s", err->message);
  gssize acc_col = zc_table_metric_index(table, "cifar10_val_acc");
  guint rows = 0;   /* data lines */
  for (guint r = 1; lines[r]; r++) rows += *lines[r] != 0;
  gboolean ok = TRUE;
  printf("%-10s %4s %10s %10s %8s %10s\n", "proxy", "n", "rho_ours", "rho_nbsz", "diff", "rho_agree");
  for (int c = 0; head[c]; c++) {
    gssize nb = zc_table_metric_index(table, head[c]);
    gboolean is_lswag = !strcmp(head[c], "lswag");
    if ((nb < 0 || nb == acc_col) && !is_lswag) continue;
    double *ours = g_new(double, rows), *theirs = g_new(double, rows), *acc = g_new(double, rows);
    gsize m = 0;
    for (guint r = 1; lines[r]; r++) {
      if (!*lines[r]) continue;
      char **f = zc_csv_split_line(lines[r]);
      const double *row = zc_table_lookup(table, f[1]);
      assert_non_null(row);
      ours[m] = g_ascii_strtod(f[c], NULL);
      if (!strcmp(f[c], "nan")) ours[m] = NAN;
      theirs[m] = nb >= 0 && row[nb] > -1e7 ? row[nb] : NAN;   /* -1e8: NBSZ's failure sentinel */
      acc[m] = row[acc_col];
      m++;
      g_strfreev(f);
    }
    double r_ours = zc_stats_spearman(ours, acc, m, NULL);
    if (is_lswag) {
      double bound = m >= 200 ? 0.75 : 0.6;
      printf("%-10s %4zu %10.3f %10s %8s %10s   (bound: rho_ours >= %.2f)\n", head[c], m, r_ours, "-", "-", "-", bound);
      if (!(r_ours >= bound)) ok = FALSE;
    } else {
      double r_nbsz = zc_stats_spearman(theirs, acc, m, NULL), r_agree = zc_stats_spearman(ours, theirs, m, NULL);
      double agree_bound = !strcmp(head[c], "params") || !strcmp(head[c], "flops")       ? 0.99
                           : !strcmp(head[c], "synflow") || !strcmp(head[c], "l2_norm")  ? 0.9
                           : !strcmp(head[c], "grad_norm") || !strcmp(head[c], "snip")   ? 0.8
                                                                                          : -1;
      gboolean diff_ok = fabs(r_ours - r_nbsz) <= tolerance(m), agree_ok = r_agree >= agree_bound;
      printf("%-10s %4zu %10.3f %10.3f %+8.3f %10.3f  %s%s\n", head[c], m, r_ours, r_nbsz, r_ours - r_nbsz, r_agree,
             diff_ok ? "" : " DIFF>TOL", agree_ok ? "" : " AGREEMENT<BOUND");
      /* plain: a signed sum dominated by the classifier, whose ranking changes with the
       * seed (rho 0.16 between two of our own seeds): only its agreement is reported */
      if (strcmp(head[c], "plain") && (!diff_ok || !agree_ok)) ok = FALSE;
    }
    g_free(ours);
    g_free(theirs);
    g_free(acc);
  }
  printf("tolerance on |diff| at n = %u: %.3f\n", rows, tolerance(rows));
  assert_true(ok);
  zc_table_free(table);
  g_strfreev(head);
  g_strfreev(lines);
  g_free(text);
  g_free(scores_path);
  zc_registry_free(reg);
  zc_pipeline_free(p);
  g_free(count);
  g_free(out);
  g_string_free(proxies, TRUE);
  char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  if (system(cmd) != 0) print_message("could not remove %s\n", dir);
  g_free(cmd);
  g_free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_against_nbsz),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
