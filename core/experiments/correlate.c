/* experiment = "correlate": score a seeded sample of the architectures a benchmark
 * covers and measure how well each proxy ranks them (see docs/experiments.md). */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include "benchmark.h"
#include "combine.h"
#include "experiment.h"
#include "plot.h"
#include "ranks.h"
#include "report.h"
#include "workers.h"
#include "base/data-private.h"
#include "base/table-private.h"
#include "host/space-private.h"

#define ZC_CORRELATE_MIN 3   /* architectures a correlation needs */
#define SAMPLE_STREAM G_GUINT64_CONSTANT(0x73616d706c65)   /* "sample" */

/* Rows of the first benchmark that every other benchmark covers, in file order. */
static GArray *candidates(GPtrArray *benchmarks) {
  const ZcBenchmark *first = g_ptr_array_index(benchmarks, 0);
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(guint64));
  for (gsize i = 0; i < zc_table_n_rows(first->table); i++) {
    gboolean all = TRUE;
    for (guint b = 1; b < benchmarks->len && all; b++)
      all = zc_table_find(((ZcBenchmark *)g_ptr_array_index(benchmarks, b))->table, zc_table_key(first->table, i)) >= 0;
    guint64 v = i;
    if (all) g_array_append_val(rows, v);
  }
  return rows;
}

static gint cmp_u64(gconstpointer a, gconstpointer b) {
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

/* `count` of the candidate rows (0 or more than there are: all), drawn by a seeded
 * shuffle and kept in table order. */
static void draw(GArray *rows, guint64 count, guint64 seed) {
  if (count == 0 || count >= rows->len) return;
  ZcRng rng;
  zc_rng_init(&rng, seed, SAMPLE_STREAM);
  zc_rng_shuffle_u64(&rng, (guint64 *)(void *)rows->data, rows->len);
  g_array_set_size(rows, (guint)count);
  g_array_sort(rows, cmp_u64);
}

static char *describe_space(ZcSpace *space) {
  char *canon = zc_options_canonical(zc_space_options(space));
  char *s = g_strdup_printf("%s {%s}", zc_space_name(space), canon);
  g_free(canon);
  return s;
}

static const ZcOption reference_schema[] = {
  {"table", ZC_OPT_STRING, NULL, 0, 0, NULL, "CSV of published proxy scores (e.g. NAS-Bench-Suite-Zero's)"},
  {"key", ZC_OPT_STRING, "", 0, 0, NULL, "its column of genotypes; empty: the first benchmark's key"},
  {"where", ZC_OPT_STRING, "", 0, 0, NULL, "COLUMN=VALUE: the rows to read; empty: the first benchmark's `where`"},
  {NULL},
};

/* `reference`: a published table with a column named like some of our score columns.
 * Its values for the sampled architectures (NaN where absent, empty, or at or below
 * NAS-Bench-Suite-Zero's failure mark -1e8) are correlated with the same ground truth,
 * so that each proxy's rho can be set beside the published scores' rho on the same
 * architectures.  Columns without a counterpart are left out; *n_ref may be 0. */
static gboolean load_reference(ZcRunCtx *ctx, ZcSpace *space, const ZcBenchmark *first, const ZcScoreLayout *layout,
                               const char *const *genotypes, guint n, GPtrArray *names, GArray *direction,
                               double **values, GError **error) {
  config_setting_t *s = zc_run_lookup(ctx, "reference");
  *values = NULL;
  if (!s) return TRUE;
  ZcOptions *o = zc_options_resolve(reference_schema, s, "reference", NULL, error);
  if (!o) return FALSE;
  char *origin = zc_setting_origin(s);
  const char *key = *zc_options_string(o, "key") ? zc_options_string(o, "key") : first->key;
  GError *err = NULL;
  char *wcol = NULL, *wval = NULL;
  if (!*zc_options_string(o, "where")) {
    wcol = g_strdup(first->where_column);
    wval = g_strdup(first->where_value);
  } else if (!zc_benchmark_parse_where(zc_options_string(o, "where"), &wcol, &wval, &err)) {
    g_prefix_error(&err, "where: ");
  }
  char *path = err ? NULL : zc_benchmark_find_table(zc_options_string(o, "table"), ctx->base_dir, &err);
  /* the table once, with those of our score columns it has (any other is no error) */
  char **header = path ? zc_table_columns(path, &err) : NULL;
  GPtrArray *metrics = g_ptr_array_new();
  for (guint c = 0; header && c < layout->n_scores; c++) {
    if (!g_strv_contains((const char *const *)header, layout->names[c])) continue;
    g_ptr_array_add(metrics, (gpointer)layout->names[c]);
    g_ptr_array_add(names, g_strdup(layout->names[c]));
    gint8 d = layout->direction[c];
    g_array_append_val(direction, d);
  }
  g_ptr_array_add(metrics, NULL);
  g_strfreev(header);
  ZcTableOptions topts = {zc_ground_truth_canon_key, space, TRUE, 0};
  ZcTable *t = names->len && !err ? zc_table_load_where(path, key, (const char *const *)metrics->pdata, &topts,
                                                        wcol, wval, NULL, &err)
                                  : NULL;
  g_ptr_array_unref(metrics);
  guint nc = names->len;
  if (!err) {
    *values = g_new(double, (gsize)n * nc + 1);
    for (guint i = 0; i < n; i++) {
      const double *row = t ? zc_table_lookup(t, genotypes[i]) : NULL;
      for (guint c = 0; c < nc; c++) {
        double v = row ? row[c] : NAN;
        (*values)[(gsize)i * nc + c] = !isfinite(v) || v <= ZC_TABLE_FAILURE ? NAN : v;
      }
    }
  }
  zc_table_free(t);
  if (path && !err) zc_run_add_input(ctx, "reference table", path);
  if (err) g_propagate_prefixed_error(error, err, "%s: reference: ", origin);
  g_free(wcol);
  g_free(wval);
  g_free(path);
  g_free(origin);
  zc_options_free(o);
  return err == NULL;
}

gboolean zc_experiment_correlate(ZcRunCtx *ctx, GError **error) {
  config_setting_t *space_s = zc_run_require(ctx, "correlate", "space", error);
  config_setting_t *proxies_s = space_s ? zc_run_require(ctx, "correlate", "proxies", error) : NULL;
  if (!proxies_s) return FALSE;
  const ZcRunSettings *st = ctx->st;
  gboolean served;
  ZcEvaluator *ev = zc_run_evaluator(ctx, space_s, proxies_s, &served, error);
  if (!ev) return served;
  ZcSpace *space = zc_evaluator_space(ev);
  const ZcScoreLayout *layout = zc_evaluator_layout(ev);
  guint np = zc_evaluator_n_proxies(ev), ns = layout->n_scores;
  ZcOptions *sample = zc_options_resolve(zc_sample_schema, zc_run_lookup(ctx, "sample"), "sample", NULL, error);
  /* a suite reads each table twice (check, then run): warn once */
  GPtrArray *benchmarks = sample ? zc_benchmarks_load(ctx, space, st->quiet || (ctx->scope && !ctx->dry), error) : NULL;
  if (!benchmarks) {
    zc_options_free(sample);
    zc_evaluator_free(ev);
    return FALSE;
  }
  guint nb = benchmarks->len;
  gint64 sseed = zc_options_int(sample, "seed");
  guint64 sample_seed = sseed < 0 ? ctx->seed : (guint64)sseed;
  GArray *rows = candidates(benchmarks);
  guint n_candidates = rows->len;
  draw(rows, (guint64)zc_options_int(sample, "count"), sample_seed);
  guint n = rows->len;
  gboolean ok = TRUE;
  for (guint b = 0; b < nb; b++)
    zc_run_add_input(ctx, "benchmark table", ((ZcBenchmark *)g_ptr_array_index(benchmarks, b))->path);
  static const char *const outputs[] = {"scores.csv", "correlations.csv", "correlations.json", "report.md",
                                        "reference.csv", NULL};
  ok = zc_run_guard_outputs(ctx, outputs, error);
  if (ok && n < ZC_CORRELATE_MIN) {
    /* with two points every rank correlation is +1 or -1 */
    if (n < n_candidates)
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "%s: sample.count = %u: a correlation needs at least %d architectures", ctx->file, n,
                  ZC_CORRELATE_MIN);
    else
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: the benchmarks have %u architectures in common: a correlation needs at least %d", ctx->file,
                  n, ZC_CORRELATE_MIN);
    ok = FALSE;
  }
  const ZcBenchmark *first = g_ptr_array_index(benchmarks, 0);
  const char **genotypes = g_new0(const char *, n + 1);
  double *truth = g_new(double, (gsize)n * nb + 1);
  char **bench_names = g_new0(char *, nb + 1);
  for (guint b = 0; b < nb; b++) bench_names[b] = ((ZcBenchmark *)g_ptr_array_index(benchmarks, b))->name;
  for (guint i = 0; i < n; i++) {
    gsize r = (gsize)g_array_index(rows, guint64, i);
    genotypes[i] = zc_table_key(first->table, r);
    for (guint b = 0; b < nb; b++) {
      const ZcBenchmark *bm = g_ptr_array_index(benchmarks, b);
      gssize row = b == 0 ? (gssize)r : zc_table_find(bm->table, genotypes[i]);
      truth[(gsize)i * nb + b] = zc_table_value(bm->table, (gsize)row, 0);
    }
  }
  /* the published scores to set beside ours, read before any scoring */
  GPtrArray *ref_names = g_ptr_array_new_with_free_func(g_free);
  GArray *ref_dir = g_array_new(FALSE, FALSE, sizeof(gint8));
  double *ref_values = NULL;
  if (ok) ok = load_reference(ctx, space, first, layout, genotypes, n, ref_names, ref_dir, &ref_values, error);
  /* combinations are checked before any scoring too (their members are named now) */
  GPtrArray *combine = ok ? zc_combine_specs_load(ctx, error) : NULL;
  if (!combine) ok = FALSE;
  if (ok) ok = zc_combine_check(combine, layout, error);
  double *scores = g_new(double, (gsize)n * ns + 1);
  ZcStatus *status = g_new(ZcStatus, (gsize)n * np + 1);
  gboolean scored = ok;
  /* a dry run (a suite checking its tasks) scores the first architecture only: the errors
   * every architecture would share (data shape, classes) show before the long run */
  if (ok) ok = zc_evaluator_run(ev, genotypes, ctx->dry ? 1 : n, scores, status, "correlate", error);
  gboolean dry_done = ok && ctx->dry;
  if (dry_done) scored = ok = FALSE;
  guint64 cached = 0, computed = 0;
  zc_evaluator_counts(ev, &cached, &computed);
  if (!st->quiet && scored && (ok || computed || cached))
    fprintf(stderr, "zcnas: %" G_GUINT64_FORMAT " proxy scores computed, %" G_GUINT64_FORMAT " from the cache%s\n",
            computed, cached, ctx->cache ? "" : " (cache off)");
  ZcCorrTable *table = NULL, *ref_table = NULL;
  /* the combined columns join the scores: every table, plot and file below has them */
  GPtrArray *ext_names = NULL;
  gint8 *ext_dir = NULL;
  ZcScoreLayout ext_layout;
  if (ok && combine->len) {
    double *ext = NULL;
    ok = zc_combine_extend(combine, layout, scores, n, &ext_layout, &ext_names, &ext_dir, &ext, error);
    if (ok) {
      g_free(scores);
      scores = ext;
      layout = &ext_layout;
    }
  }
  if (ok) {
    const gint64 *pct = NULL;
    guint n_prec = zc_options_int_list(ctx->output_opts, "precision", &pct);
    const gint64 *ndcg_k = NULL, *hit_k = NULL;
    guint n_ndcg = zc_options_int_list(ctx->output_opts, "ndcg", &ndcg_k);
    guint n_hit = zc_options_int_list(ctx->output_opts, "hit", &hit_k);
    ZcNanPolicy policy = !strcmp(zc_options_string(ctx->output_opts, "nan_policy"), "last") ? ZC_NAN_LAST : ZC_NAN_SKIP;
    guint boot = (guint)zc_options_int(ctx->output_opts, "bootstrap");
    double level = zc_options_float(ctx->output_opts, "level");
    table = zc_corr_table_compute(layout, scores, n, bench_names, nb, truth, policy, pct, n_prec, ndcg_k, n_ndcg, hit_k, n_hit, boot, level,
                                  ctx->seed, error);
    ok = table != NULL;
    if (ok && ref_names->len) {
      ZcScoreLayout rl = {ref_names->len, (const char *const *)ref_names->pdata, (const gint8 *)(void *)ref_dir->data,
                          NULL};
      ref_table = zc_corr_table_compute(&rl, ref_values, n, bench_names, nb, truth, policy, pct, n_prec, ndcg_k, n_ndcg, hit_k, n_hit, boot, level,
                                        ctx->seed, error);
      ok = ref_table != NULL;
    }
  }
  if (ok && ref_table) {
    char *path = g_build_filename(ctx->dir, "reference.csv", NULL);
    ok = zc_report_correlations_csv(path, ref_table, error);
    g_free(path);
  }
  char **plots = NULL;
  if (ok) {
    char *path = g_build_filename(ctx->dir, "scores.csv", NULL);
    ok = zc_report_scores_csv(path, genotypes, n, layout, scores, status, np, bench_names, nb, truth, error);
    g_free(path);
  }
  if (ok) {
    char *path = g_build_filename(ctx->dir, "correlations.csv", NULL);
    ok = zc_report_correlations_csv(path, table, error);
    g_free(path);
  }
  if (ok && zc_options_bool(ctx->output_opts, "plots"))
    plots = zc_plot_correlate(ctx->dir, table, scores, layout->direction, truth, n, st->quiet);
  if (ok) {
    GString *proxies = g_string_new(NULL);
    for (guint j = 0; j < np; j++) g_string_append_printf(proxies, "%s%s", j ? ", " : "", zc_evaluator_proxy_name(ev, j));
    /* a combination is an input of the result like a proxy: record its rule and members */
    for (guint c = 0; c < combine->len; c++) {
      const ZcCombineSpec *sp = combine->pdata[c];
      char *of = g_strjoinv(", ", sp->of);
      g_string_append_printf(proxies, "; %s = %s(%s)%s", sp->name, zc_combine_name(sp->rule), of,
                             sp->missing == ZC_MISSING_WORST ? " missing=worst" : "");
      g_free(of);
    }
    char *space_desc = describe_space(space);
    const char **tables = g_new0(const char *, nb + 1), **hashes = g_new0(const char *, nb + 1),
               **metrics = g_new0(const char *, nb + 1);
    for (guint b = 0; b < nb; b++) {
      const ZcBenchmark *bm = g_ptr_array_index(benchmarks, b);
      tables[b] = bm->path;
      hashes[b] = bm->sha256;
      metrics[b] = bm->metric;
    }
    ZcReportInfo info = {
      .pipeline = ctx->file,
      .space = space_desc,
      .proxies = proxies->str,
      .n_archs = n,
      .n_candidates = n_candidates,
      .sample_seed = sample_seed,
      .seed = ctx->seed,
      .data_spec = ctx->dataset ? zc_dataset_spec(ctx->dataset) : "",
      .data_hash = ctx->dataset ? zc_dataset_content_hash(ctx->dataset) : "none",
      .batch = ctx->batch,
      .n_bench = nb,
      .bench_tables = tables,
      .bench_hashes = hashes,
      .bench_metrics = metrics,
      .plots = (const char *const *)plots,
    };
    char *json = g_build_filename(ctx->dir, "correlations.json", NULL);
    char *md = g_build_filename(ctx->dir, "report.md", NULL);
    ok = zc_report_correlations_json(json, table, &info, error) && zc_report_markdown(md, table, &info, error);
    if (ok) {
      FILE *out = st->report ? st->report : stdout;
      if (ctx->scope) {   /* a suite's task: the suite prints the table of every task */
        if (!st->quiet) fprintf(stderr, "zcnas: %u architectures of %s: %s\n", n, zc_space_name(space), ctx->dir);
      } else {
        fprintf(out, "correlate: %u architectures of %s, proxies %s\n", n, zc_space_name(space), proxies->str);
        zc_report_print(out, table);
        fprintf(out, "results: %s\n", ctx->dir);
      }
    }
    g_free(json);
    g_free(md);
    g_free(tables);
    g_free(hashes);
    g_free(metrics);
    g_free(space_desc);
    g_string_free(proxies, TRUE);
  }
  g_strfreev(plots);
  if (ok && ctx->result) {
    /* handed to the suite: ours, then the reference's (NULL when none) */
    ctx->result[0] = table;
    ctx->result[1] = ref_table;
    table = ref_table = NULL;
  }
  zc_corr_table_free(table);
  zc_corr_table_free(ref_table);
  g_free(ref_values);
  if (ext_names) g_ptr_array_unref(ext_names);
  g_free(ext_dir);
  if (combine) g_ptr_array_unref(combine);
  g_array_unref(ref_dir);
  g_ptr_array_unref(ref_names);
  g_free(scores);
  g_free(status);
  g_free(bench_names);
  g_free(truth);
  g_free(genotypes);
  g_array_unref(rows);
  g_ptr_array_unref(benchmarks);
  zc_options_free(sample);
  zc_evaluator_free(ev);
  return ok || dry_done;
}
