/* experiment = "compare": several searchers x several seeds on one space and benchmark,
 * under the budgets each run is given (search_run.h), with the same fitness sources and
 * the same score cache.  Writes results.csv (a row per run), runs/LABEL/seed-S/ (each
 * run's scores, trajectory and ranking), curves.csv and two PNG plots of the best-so-far
 * ground truth (against evaluations and against charged seconds, mean and sd over
 * seeds), and report.md with the summary table also printed on stdout.  Every file
 * depends only on the pipeline and the cache's recorded seconds: a resumed or repeated
 * run writes the same bytes. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/setup.h>
#include "experiment.h"
#include "plot.h"
#include "run/context.h"
#include "ranks.h"
#include "search_run.h"

#define CURVE_POINTS 100   /* points of the curve against seconds */

typedef struct {
  char *label;
  config_setting_t *group;
  GPtrArray *outcomes;   /* ZcSearchOutcome*, by seed */
} Run;

static void run_free(gpointer p) {
  Run *r = p;
  g_free(r->label);
  g_ptr_array_unref(r->outcomes);
  g_free(r);
}

static gboolean read_seeds(ZcRunCtx *ctx, GArray *seeds, GError **error) {
  config_setting_t *s = zc_pipeline_lookup(ctx->p, "seeds");
  if (!s) {
    for (guint64 k = 0; k < 5; k++) g_array_append_val(seeds, k);
    return TRUE;
  }
  char *origin = zc_setting_origin(s);
  gboolean ok = TRUE;
  if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
    long long n = config_setting_get_int64(s);
    ok = n >= 1 && n <= 100000;
    for (long long k = 0; ok && k < n; k++) {
      guint64 v = (guint64)k;
      g_array_append_val(seeds, v);
    }
  } else if (config_setting_type(s) == CONFIG_TYPE_ARRAY || config_setting_type(s) == CONFIG_TYPE_LIST) {
    for (int k = 0; ok && k < config_setting_length(s); k++) {
      config_setting_t *e = config_setting_get_elem(s, (unsigned)k);
      ok = (config_setting_type(e) == CONFIG_TYPE_INT || config_setting_type(e) == CONFIG_TYPE_INT64) &&
           config_setting_get_int64(e) >= 0;
      guint64 v = ok ? (guint64)config_setting_get_int64(e) : 0;
      for (guint j = 0; ok && j < seeds->len; j++) ok = g_array_index(seeds, guint64, j) != v;
      if (ok) g_array_append_val(seeds, v);
    }
    ok = ok && seeds->len > 0;
  } else {
    ok = FALSE;
  }
  if (!ok)
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "%s: 'seeds' is a count (1 .. 100000) or a list of distinct non-negative seeds", origin);
  g_free(origin);
  return ok;
}

static GPtrArray *read_runs(ZcRunCtx *ctx, GError **error) {
  config_setting_t *list = zc_run_require(ctx, "compare", "runs", error);
  if (!list) return NULL;
  char *origin = zc_setting_origin(list);
  GPtrArray *runs = g_ptr_array_new_with_free_func(run_free);
  if (config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: 'runs' is a list of groups ( { label = ...; searcher = ...; }, ... )",
                origin);
    goto fail;
  }
  for (int k = 0; k < config_setting_length(list); k++) {
    config_setting_t *g = config_setting_get_elem(list, (unsigned)k);
    char *where = zc_setting_origin(g);
    const char *label = NULL;
    config_setting_t *searcher = config_setting_type(g) == CONFIG_TYPE_GROUP ? config_setting_get_member(g, "searcher") : NULL;
    if (!searcher) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: each run needs its 'searcher' = { name = \"...\"; ... }", where);
      g_free(where);
      goto fail;
    }
    if (!config_setting_lookup_string(g, "label", &label)) label = zc_search_searcher_name(searcher);
    Run *r = g_new0(Run, 1);
    r->label = zc_run_safe_name(label ? label : "run");
    r->group = g;
    r->outcomes = g_ptr_array_new_with_free_func((GDestroyNotify)zc_search_outcome_free);
    for (guint j = 0; j < runs->len; j++)
      if (!strcmp(((Run *)g_ptr_array_index(runs, j))->label, r->label)) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: two runs labelled '%s' (set label = \"...\")", where,
                    r->label);
        run_free(r);
        g_free(where);
        goto fail;
      }
    g_free(where);
    g_ptr_array_add(runs, r);
  }
  g_free(origin);
  return runs;
fail:
  g_free(origin);
  g_ptr_array_unref(runs);
  return NULL;
}

static void mean_sd(const double *x, guint n, double *mean, double *sd) {
  double s = 0, ss = 0;
  guint m = 0;
  for (guint i = 0; i < n; i++)
    if (isfinite(x[i])) {
      s += x[i];
      m++;
    }
  *mean = m ? s / m : NAN;
  for (guint i = 0; i < n; i++)
    if (isfinite(x[i])) ss += (x[i] - *mean) * (x[i] - *mean);
  *sd = m > 1 ? sqrt(ss / (m - 1)) : m ? 0.0 : NAN;   /* sample sd over seeds */
}

/* The incumbent's test value after `e` evaluations (the last one when the run ended earlier). */
static double at_evaluation(const ZcSearchOutcome *o, guint64 e) {
  if (o->curve_test->len == 0) return NAN;
  guint i = (guint)MIN(e, (guint64)o->curve_test->len) - 1;
  return g_array_index(o->curve_test, double, i);
}

/* ... after `t` charged seconds (NaN before the first evaluation finished). */
static double at_seconds(const ZcSearchOutcome *o, double t) {
  double v = NAN;
  for (guint i = 0; i < o->curve_seconds->len && g_array_index(o->curve_seconds, double, i) <= t; i++)
    v = g_array_index(o->curve_test, double, i);
  return v;
}

/* curves.csv and the two plots. */
static gboolean write_curves(ZcRunCtx *ctx, GPtrArray *runs, guint n_seeds, const char *test, GError **error) {
  GString *csv = g_string_new("searcher,axis,x,mean,sd,runs\n");
  GArray **by_eval = g_new0(GArray *, runs->len), **by_sec = g_new0(GArray *, runs->len);
  char **labels = g_new0(char *, runs->len + 1);
  double *vals = g_new(double, n_seeds);
  double t_max = 0;
  for (guint r = 0; r < runs->len; r++) {
    Run *run = g_ptr_array_index(runs, r);
    for (guint s = 0; s < run->outcomes->len; s++) {
      const ZcSearchOutcome *o = g_ptr_array_index(run->outcomes, s);
      if (o->curve_seconds->len) t_max = MAX(t_max, g_array_index(o->curve_seconds, double, o->curve_seconds->len - 1));
    }
  }
  for (guint r = 0; r < runs->len; r++) {
    Run *run = g_ptr_array_index(runs, r);
    labels[r] = run->label;
    by_eval[r] = g_array_new(FALSE, FALSE, sizeof(double));
    by_sec[r] = g_array_new(FALSE, FALSE, sizeof(double));
    guint64 e_max = 0;
    for (guint s = 0; s < run->outcomes->len; s++)
      e_max = MAX(e_max, ((ZcSearchOutcome *)g_ptr_array_index(run->outcomes, s))->evaluations);
    for (guint64 e = 1; e <= e_max; e++) {
      for (guint s = 0; s < run->outcomes->len; s++) vals[s] = at_evaluation(g_ptr_array_index(run->outcomes, s), e);
      double m, sd, x = (double)e;
      mean_sd(vals, run->outcomes->len, &m, &sd);
      g_array_append_val(by_eval[r], x);
      g_array_append_val(by_eval[r], m);
      g_array_append_val(by_eval[r], sd);
      g_string_append_printf(csv, "%s,evaluations,%" G_GUINT64_FORMAT ",", run->label, e);
      zc_csv_append_double(csv, m);
      g_string_append_c(csv, ',');
      zc_csv_append_double(csv, sd);
      g_string_append_printf(csv, ",%u\n", run->outcomes->len);
    }
    for (guint p = 0; t_max > 0 && p <= CURVE_POINTS; p++) {
      double t = t_max * p / CURVE_POINTS;
      guint n = 0;
      for (guint s = 0; s < run->outcomes->len; s++) {
        double v = at_seconds(g_ptr_array_index(run->outcomes, s), t);
        if (isfinite(v)) vals[n++] = v;
      }
      if (n < run->outcomes->len) continue;   /* a mean needs every seed to have a value */
      double m, sd;
      mean_sd(vals, n, &m, &sd);
      g_array_append_val(by_sec[r], t);
      g_array_append_val(by_sec[r], m);
      g_array_append_val(by_sec[r], sd);
      g_string_append_printf(csv, "%s,seconds,%.3f,", run->label, t);
      zc_csv_append_double(csv, m);
      g_string_append_c(csv, ',');
      zc_csv_append_double(csv, sd);
      g_string_append_printf(csv, ",%u\n", n);
    }
  }
  char *path = g_build_filename(ctx->dir, "curves.csv", NULL);
  gboolean ok = g_file_set_contents(path, csv->str, (gssize)csv->len, error);
  g_free(path);
  g_string_free(csv, TRUE);
  if (ok) {
    char *ylabel = g_strdup_printf("%s of the searcher's incumbent", test);
    if (zc_plot_curves(ctx->dir, "best-vs-evaluations.png", "evaluations", ylabel, labels, runs->len, by_eval,
                       ctx->st->quiet) &&
        t_max > 0)
      zc_plot_curves(ctx->dir, "best-vs-seconds.png", "seconds of evaluation (charged)", ylabel, labels, runs->len,
                     by_sec, TRUE);
    g_free(ylabel);
  }
  for (guint r = 0; r < runs->len; r++) {
    g_array_unref(by_eval[r]);
    g_array_unref(by_sec[r]);
  }
  g_free(by_eval);
  g_free(by_sec);
  g_free(labels);
  g_free(vals);
  return ok;
}

static void summary(FILE *out, GPtrArray *runs, const char *test, gboolean markdown) {
  if (markdown)
    fprintf(out, "| searcher | runs | best %s, mean ± sd | min | max | evaluations | oracle queries | seconds per run |\n"
                 "|---|---|---|---|---|---|---|---|\n",
            test);
  else
    fprintf(out, "%-22s %4s  %-20s %8s %8s %11s %7s %10s\n", "searcher", "runs", "best (mean ± sd)", "min", "max",
            "evaluations", "oracle", "s/run");
  for (guint r = 0; r < runs->len; r++) {
    Run *run = g_ptr_array_index(runs, r);
    guint n = run->outcomes->len;
    double *v = g_new(double, MAX(n, 1)), lo = INFINITY, hi = -INFINITY, evals = 0, oracle = 0, secs = 0;
    for (guint s = 0; s < n; s++) {
      const ZcSearchOutcome *o = g_ptr_array_index(run->outcomes, s);
      v[s] = o->best_test;
      if (isfinite(v[s])) lo = MIN(lo, v[s]), hi = MAX(hi, v[s]);
      evals += (double)o->evaluations / n;
      oracle += (double)o->oracle_queries / n;
      secs += o->seconds / n;
    }
    double m, sd;
    mean_sd(v, n, &m, &sd);
    char *ms = g_strdup_printf("%.2f ± %.2f", m, sd);
    if (markdown)
      fprintf(out, "| %s | %u | %s | %.2f | %.2f | %.0f | %.0f | %.1f |\n", run->label, n, ms, lo, hi, evals, oracle, secs);
    else
      fprintf(out, "%-22s %4u  %-21s %8.2f %8.2f %11.0f %7.0f %10.1f\n", run->label, n, ms, lo, hi, evals, oracle, secs);
    g_free(ms);
    g_free(v);
  }
}

static gboolean write_results(ZcRunCtx *ctx, GPtrArray *runs, const char *metric, const char *test, GError **error) {
  GString *csv = g_string_new("searcher,seed,best_arch,best_acc,best_");
  g_string_append_printf(csv, "%s,best_fitness,evaluations,oracle_queries,seconds\n", metric);
  for (guint r = 0; r < runs->len; r++) {
    Run *run = g_ptr_array_index(runs, r);
    for (guint s = 0; s < run->outcomes->len; s++) {
      const ZcSearchOutcome *o = g_ptr_array_index(run->outcomes, s);
      zc_csv_append_field(csv, run->label);
      g_string_append_printf(csv, ",%" G_GUINT64_FORMAT ",", o->seed);
      zc_csv_append_field(csv, o->best_arch ? o->best_arch : "");
      g_string_append_c(csv, ',');
      zc_csv_append_double(csv, o->best_test);
      g_string_append_c(csv, ',');
      zc_csv_append_double(csv, o->best_metric);
      g_string_append_c(csv, ',');
      zc_csv_append_double(csv, o->best_fitness);
      g_string_append_printf(csv, ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%.3f\n", o->evaluations,
                             o->oracle_queries, o->seconds);
    }
  }
  char *path = g_build_filename(ctx->dir, "results.csv", NULL);
  gboolean ok = g_file_set_contents(path, csv->str, (gssize)csv->len, error);
  g_free(path);
  g_string_free(csv, TRUE);
  (void)test;
  return ok;
}

static gboolean write_report(ZcRunCtx *ctx, GPtrArray *runs, GArray *seeds, ZcGroundTruth *gt, const char *metric,
                             const char *test, GError **error) {
  char *path = g_build_filename(ctx->dir, "report.md", NULL);
  FILE *f = fopen(path, "w");
  if (!f) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", path, g_strerror(errno));
    g_free(path);
    return FALSE;
  }
  fprintf(f, "# Searchers compared\n\n- pipeline: %s\n- seeds: %u (", ctx->file, seeds->len);
  for (guint k = 0; k < seeds->len; k++) fprintf(f, "%s%" G_GUINT64_FORMAT, k ? ", " : "", g_array_index(seeds, guint64, k));
  fprintf(f, ")\n- evaluation seed: %" G_GUINT64_FORMAT "\n- ground truth: %s (sha256 %s); the oracle answers `%s`, "
             "the table reports `%s` of each run's first-ranked network\n\n",
          ctx->seed, zc_ground_truth_path(gt), zc_ground_truth_sha256(gt), metric, test);
  summary(f, runs, test, TRUE);
  fprintf(f, "\nSeconds are the evaluation time charged to a run: what its live proxies took when first computed "
             "(cached scores keep that time; table and ground-truth lookups cost 0).\n\n"
             "Files: results.csv (one row per run), curves.csv, best-vs-evaluations.png, best-vs-seconds.png, "
             "runs/LABEL/seed-S/{scores,trajectory,ranking}.csv\n");
  gboolean ok = fclose(f) == 0;
  if (!ok) g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", path, g_strerror(errno));
  g_free(path);
  return ok;
}

gboolean zc_experiment_compare(ZcRunCtx *ctx, GError **error) {
  if (zc_mpi_active()) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: experiment \"compare\" runs in one process (use --jobs)",
                ctx->file);
    return FALSE;
  }
  config_setting_t *space_s = zc_run_require(ctx, "compare", "space", error);
  if (!space_s || !zc_run_require(ctx, "compare", "benchmark", error)) return FALSE;
  GArray *seeds = g_array_new(FALSE, FALSE, sizeof(guint64));
  GPtrArray *runs = NULL;
  ZcSpace *gt_space = NULL;
  ZcGroundTruth *gt = NULL;
  char *metric = NULL, *test = NULL;
  gboolean ok = read_seeds(ctx, seeds, error) && (runs = read_runs(ctx, error)) != NULL &&
                (gt_space = zc_setup_space(ctx->reg, space_s, error)) != NULL &&
                (gt = zc_search_ground_truth(ctx, gt_space, &metric, &test, error)) != NULL;
  static const char *const outputs[] = {"results.csv", "curves.csv", "report.md", NULL};
  if (ok) ok = zc_run_guard_outputs(ctx, outputs, error);
  for (guint r = 0; ok && runs && r < runs->len; r++) {
    Run *run = g_ptr_array_index(runs, r);
    for (guint s = 0; ok && s < seeds->len; s++) {
      guint64 seed = g_array_index(seeds, guint64, s);
      char *sub = g_strdup_printf("seed-%" G_GUINT64_FORMAT, seed);
      char *dir = g_build_filename(ctx->dir, "runs", run->label, sub, NULL);
      gboolean served = FALSE;
      ZcSearchOutcome *o = zc_search_run(ctx, run->group, run->label, seed, gt, metric, test, dir, FALSE, &served, error);
      if (o) {
        g_ptr_array_add(run->outcomes, o);
        if (!ctx->st->quiet)
          fprintf(stderr, "zcnas: compare: %s seed %" G_GUINT64_FORMAT ": %s %.2f after %" G_GUINT64_FORMAT
                          " evaluations (%.1f s charged)\n",
                  run->label, seed, test, o->best_test, o->evaluations, o->seconds);
      }
      ok = o != NULL;
      g_free(sub);
      g_free(dir);
    }
  }
  if (ok) ok = write_results(ctx, runs, metric, test, error) && write_curves(ctx, runs, seeds->len, test, error) &&
               write_report(ctx, runs, seeds, gt, metric, test, error);
  if (ok) {
    FILE *out = ctx->st->report ? ctx->st->report : stdout;
    fprintf(out, "compare: %u searchers x %u seeds over %s, best-found %s (the first-ranked network of each run)\n",
            runs->len, seeds->len, zc_space_name(gt_space), test);
    summary(out, runs, test, FALSE);
    fprintf(out, "results: %s\n", ctx->dir);
  }
  if (runs) g_ptr_array_unref(runs);
  g_array_unref(seeds);
  zc_ground_truth_free(gt);
  zc_space_free(gt_space);
  g_free(metric);
  g_free(test);
  return ok;
}
