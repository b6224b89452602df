/* experiment = "suite": one correlate run per task (a space, its data and its ground
 * truth), then one proxy x task table and heat-map of Spearman's rho — the layout of
 * NAS-Bench-Suite-Zero's and the L-SWAG paper's figures.  See docs/experiments.md. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "base/data-private.h"
#include "experiment.h"
#include "plot.h"
#include "report.h"

/* What a task group may hold; everything else is the top level's business. */
static const char *const task_keys[] = {"label", "space", "proxies", "data", "benchmark", "benchmarks",
                                        "sample", "reference", "combine", NULL};

typedef struct {
  const config_setting_t *group;
  const char *label;
  char *dir;
  ZcOptions *data_opts;     /* the task's own `data`; NULL: the top level's */
  ZcDataset *dataset;
  ZcCorrTable *ours, *ref;  /* after the run */
} Task;

static void task_clear(Task *t) {
  g_free(t->dir);
  zc_options_free(t->data_opts);
  zc_dataset_free(t->dataset);
  zc_corr_table_free(t->ours);
  zc_corr_table_free(t->ref);
}

static gboolean config_error(GError **error, const config_setting_t *s, const char *fmt, const char *arg) {
  char *origin = zc_setting_origin(s);
  char *msg = g_strdup_printf(fmt, arg);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s", origin, msg);
  g_free(msg);
  g_free(origin);
  return FALSE;
}

/* The tasks of `tasks = ( {...}, ... )`: labels present, unique and usable as a
 * directory name, no key a task cannot hold, data opened. */
static gboolean read_tasks(ZcRunCtx *ctx, const config_setting_t *list, GArray *tasks, GError **error) {
  if (config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0)
    return config_error(error, list, "%s", "tasks must be a non-empty list ( { label = \"...\"; space = {...}; ... }, ... )");
  for (int i = 0; i < config_setting_length(list); i++) {
    const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
      return config_error(error, g, "%s", "a task is a group { label = \"...\"; space = {...}; benchmark = {...}; }");
    for (int k = 0; k < config_setting_length(g); k++) {
      const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
      if (!g_strv_contains(task_keys, config_setting_name(m)))
        return config_error(error, m,
                            "a task has no setting '%s' (it may hold label, space, proxies, data, benchmark, "
                            "benchmarks, sample, reference; the rest belongs at the top level)",
                            config_setting_name(m));
    }
    Task t = {.group = g};
    if (!config_setting_lookup_string(g, "label", &t.label) || !*t.label)
      return config_error(error, g, "%s", "a task needs label = \"...\" (its column and directory name)");
    char *safe = zc_run_safe_name(t.label);
    gboolean bad = strcmp(safe, t.label) != 0 || !strcmp(t.label, ".") || !strcmp(t.label, "..");
    g_free(safe);
    if (bad)
      return config_error(error, config_setting_lookup((config_setting_t *)g, "label"),
                          "label '%s': use letters, digits, '-', '.' and '_' only (it names a directory)", t.label);
    for (guint j = 0; j < tasks->len; j++)
      if (!strcmp(g_array_index(tasks, Task, j).label, t.label))
        return config_error(error, config_setting_lookup((config_setting_t *)g, "label"), "two tasks labelled '%s'",
                            t.label);
    t.dir = g_build_filename(ctx->dir, t.label, NULL);
    g_array_append_val(tasks, t);
    Task *tp = &g_array_index(tasks, Task, tasks->len - 1);
    config_setting_t *data = config_setting_lookup((config_setting_t *)g, "data");
    if (data) {
      tp->data_opts = zc_options_resolve(zc_data_schema, data, "data", NULL, error);
      if (!tp->data_opts || !zc_run_open_data(tp->data_opts, ctx->base_dir, &tp->dataset, error)) return FALSE;
    }
  }
  return TRUE;
}

/* The run context of one task: the suite's, seen through the task's group. */
static ZcRunCtx task_ctx(const ZcRunCtx *ctx, Task *t, gboolean dry, void **result) {
  ZcRunCtx sub = *ctx;
  sub.scope = t->group;
  sub.dir = t->dir;
  sub.dry = dry;
  sub.result = result;
  sub.inputs = NULL;
  if (t->data_opts) {
    sub.data_opts = t->data_opts;
    sub.dataset = t->dataset;
    sub.batch = (guint)zc_options_int(t->data_opts, "batch");
  }
  return sub;
}

static gboolean run_task(const ZcRunCtx *ctx, Task *t, gboolean dry, GError **error) {
  void *result[2] = {NULL, NULL};
  ZcRunCtx sub = task_ctx(ctx, t, dry, dry ? NULL : result);
  /* the suite's own inputs (pipeline, data, cache) are the task's too */
  sub.inputs = zc_run_inputs_dup(ctx->inputs);
  if (t->data_opts && sub.leader) {
    char *path = zc_run_data_file(t->data_opts, ctx->base_dir);
    zc_run_add_input(&sub, "data file", path);
    g_free(path);
  }
  gboolean ok = TRUE;
  if (sub.leader && g_mkdir_with_parents(sub.dir, 0755) != 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot create output directory: %s", sub.dir, g_strerror(errno));
    ok = FALSE;
  }
  if (ok) ok = zc_experiment_correlate(&sub, error);
  if (sub.inputs) g_array_unref(sub.inputs);
  if (!ok) {
    g_prefix_error(error, "task '%s': ", t->label);
    return FALSE;
  }
  t->ours = result[0];
  t->ref = result[1];
  return TRUE;
}

/* ---- the suite's table ------------------------------------------------------------------ */

typedef struct {
  GPtrArray *proxies;   /* row names (char*, owned) in order of first appearance */
  GPtrArray *columns;   /* "task" or "task/benchmark" */
  double *rho, *ref;    /* proxies x columns; NaN: none */
} SuiteTable;

static guint row_of(GPtrArray *rows, const char *name) {
  for (guint r = 0; r < rows->len; r++)
    if (!strcmp(g_ptr_array_index(rows, r), name)) return r;
  g_ptr_array_add(rows, g_strdup(name));
  return rows->len - 1;
}

static gint col_of(const ZcCorrTable *t, const char *name) {
  for (guint c = 0; t && c < t->n_cols; c++)
    if (!strcmp(t->cols[c], name)) return (gint)c;
  return -1;
}

static void suite_table(GArray *tasks, SuiteTable *st) {
  st->proxies = g_ptr_array_new_with_free_func(g_free);
  st->columns = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < tasks->len; i++) {
    const Task *t = &g_array_index(tasks, Task, i);
    for (guint c = 0; c < t->ours->n_cols; c++) row_of(st->proxies, t->ours->cols[c]);
    for (guint b = 0; b < t->ours->n_bench; b++)
      g_ptr_array_add(st->columns, t->ours->n_bench == 1 ? g_strdup(t->label)
                                                         : g_strdup_printf("%s/%s", t->label, t->ours->bench[b]));
  }
  gsize cells = (gsize)st->proxies->len * st->columns->len;
  st->rho = g_new(double, cells + 1);
  st->ref = g_new(double, cells + 1);
  for (gsize k = 0; k < cells; k++) st->rho[k] = st->ref[k] = NAN;
  guint col = 0;
  for (guint i = 0; i < tasks->len; i++) {
    const Task *t = &g_array_index(tasks, Task, i);
    for (guint b = 0; b < t->ours->n_bench; b++, col++)
      for (guint r = 0; r < st->proxies->len; r++) {
        const char *name = g_ptr_array_index(st->proxies, r);
        gint c = col_of(t->ours, name), rc = col_of(t->ref, name);
        gsize k = (gsize)r * st->columns->len + col;
        if (c >= 0) st->rho[k] = zc_corr_cell(t->ours, (guint)c, b, 0)->estimate;
        if (rc >= 0) st->ref[k] = zc_corr_cell(t->ref, (guint)rc, b, 0)->estimate;
      }
  }
}

static void suite_table_clear(SuiteTable *st) {
  g_ptr_array_unref(st->proxies);
  g_ptr_array_unref(st->columns);
  g_free(st->rho);
  g_free(st->ref);
}

/* suite.csv: one row per (task, benchmark, proxy) with every statistic and interval of
 * the task's correlations.csv, and the reference's Spearman rho when there is one. */
static gboolean write_suite_csv(const char *path, GArray *tasks, GError **error) {
  GString *s = g_string_new("task,benchmark,proxy,n");
  const ZcCorrTable *t0 = g_array_index(tasks, Task, 0).ours;
  for (guint k = 0; k < t0->n_stats; k++)
    g_string_append_printf(s, ",%s,%s_lo,%s_hi", t0->stats[k].name, t0->stats[k].name, t0->stats[k].name);
  g_string_append(s, ",reference_spearman,reference_n\n");
  for (guint i = 0; i < tasks->len; i++) {
    const Task *t = &g_array_index(tasks, Task, i);
    for (guint b = 0; b < t->ours->n_bench; b++)
      for (guint c = 0; c < t->ours->n_cols; c++) {
        const char *fields[] = {t->label, t->ours->bench[b], t->ours->cols[c]};
        for (int f = 0; f < 3; f++) {
          zc_csv_append_field(s, fields[f]);
          g_string_append_c(s, ',');
        }
        g_string_append_printf(s, "%" G_GSIZE_FORMAT, zc_corr_cell(t->ours, c, b, 0)->n_used);
        for (guint k = 0; k < t->ours->n_stats; k++) {
          const ZcStatInterval *v = zc_corr_cell(t->ours, c, b, k);
          double vals[3] = {v->estimate, v->lo, v->hi};
          for (int q = 0; q < 3; q++) {
            g_string_append_c(s, ',');
            zc_csv_append_double(s, vals[q]);
          }
        }
        gint rc = col_of(t->ref, t->ours->cols[c]);
        g_string_append_c(s, ',');
        if (rc >= 0) {
          const ZcStatInterval *v = zc_corr_cell(t->ref, (guint)rc, b, 0);
          zc_csv_append_double(s, v->estimate);
          g_string_append_printf(s, ",%" G_GSIZE_FORMAT "\n", v->n_used);
        } else {
          g_string_append(s, ",\n");
        }
      }
  }
  gboolean ok = g_file_set_contents(path, s->str, (gssize)s->len, error);
  g_string_free(s, TRUE);
  return ok;
}

/* The proxy x task grid of rho as text: "0.531" or, with a reference, "0.531 (0.560)". */
static GString *grid_text(const SuiteTable *st, gboolean markdown) {
  GString *s = g_string_new(NULL);
  gsize wp = 5;
  for (guint r = 0; r < st->proxies->len; r++) wp = MAX(wp, strlen(g_ptr_array_index(st->proxies, r)));
  gsize nc = st->columns->len;
  gsize *w = g_new(gsize, nc + 1);
  for (guint c = 0; c < nc; c++) {
    w[c] = MAX(6, strlen(g_ptr_array_index(st->columns, c)));
    for (guint r = 0; r < st->proxies->len; r++)
      if (!isnan(st->ref[(gsize)r * nc + c])) w[c] = MAX(w[c], 14);
  }
  if (markdown) g_string_append(s, "| proxy |");
  else g_string_append_printf(s, "%-*s", (int)wp, "proxy");
  for (guint c = 0; c < nc; c++) {
    const char *name = g_ptr_array_index(st->columns, c);
    if (markdown) g_string_append_printf(s, " %s |", name);
    else g_string_append_printf(s, "  %*s", (int)w[c], name);
  }
  g_string_append_c(s, '\n');
  if (markdown) {
    g_string_append(s, "|---|");
    for (guint c = 0; c < nc; c++) g_string_append(s, "---|");
    g_string_append_c(s, '\n');
  }
  for (guint r = 0; r < st->proxies->len; r++) {
    const char *name = g_ptr_array_index(st->proxies, r);
    if (markdown) g_string_append_printf(s, "| %s |", name);
    else g_string_append_printf(s, "%-*s", (int)wp, name);
    for (guint c = 0; c < nc; c++) {
      double v = st->rho[(gsize)r * nc + c], ref = st->ref[(gsize)r * nc + c];
      char *cell = isnan(v) && isnan(ref) ? g_strdup(markdown ? "" : "-")
                   : isnan(ref)           ? g_strdup_printf("%.3f", v)
                                          : g_strdup_printf("%.3f (%.3f)", v, ref);
      if (markdown) g_string_append_printf(s, " %s |", cell);
      else g_string_append_printf(s, "  %*s", (int)w[c], cell);
      g_free(cell);
    }
    g_string_append_c(s, '\n');
  }
  g_free(w);
  return s;
}

static gboolean write_report(const char *path, const ZcRunCtx *ctx, GArray *tasks, const SuiteTable *st,
                             gboolean has_ref, gboolean plotted, GError **error) {
  GString *s = g_string_new("# zcnas suite\n\n");
  g_string_append_printf(s, "Pipeline `%s`, seed %" G_GUINT64_FORMAT ", zcnas %s.  Spearman's rho of each proxy with "
                            "each task's ground truth (higher: ranks like the benchmark)",
                         ctx->file, ctx->seed, PACKAGE_VERSION);
  if (has_ref) g_string_append(s, "; in parentheses, the rho of the reference table's column of the same name on the "
                                  "same architectures");
  g_string_append(s, ".  Intervals and the other statistics: `suite.csv` and each task's directory.\n\n");
  GString *grid = grid_text(st, TRUE);
  g_string_append(s, grid->str);
  g_string_free(grid, TRUE);
  if (plotted) g_string_append(s, "\n![heat-map](heatmap.png)\n");
  g_string_append(s, "\n## Tasks\n\n| task | report | architectures |\n|---|---|---|\n");
  for (guint i = 0; i < tasks->len; i++) {
    const Task *t = &g_array_index(tasks, Task, i);
    g_string_append_printf(s, "| %s | [%s/report.md](%s/report.md) | %" G_GSIZE_FORMAT " |\n", t->label, t->label,
                           t->label, zc_corr_cell(t->ours, 0, 0, 0)->n_used + zc_corr_cell(t->ours, 0, 0, 0)->n_skipped);
  }
  gboolean ok = g_file_set_contents(path, s->str, (gssize)s->len, error);
  g_string_free(s, TRUE);
  return ok;
}

gboolean zc_experiment_suite(ZcRunCtx *ctx, GError **error) {
  config_setting_t *list = zc_run_require(ctx, "suite", "tasks", error);
  if (!list) return FALSE;
  GArray *tasks = g_array_new(FALSE, TRUE, sizeof(Task));
  g_array_set_clear_func(tasks, (GDestroyNotify)task_clear);
  static const char *const outputs[] = {"suite.csv", "report.md", NULL};
  gboolean ok = zc_run_guard_outputs(ctx, outputs, error) && read_tasks(ctx, list, tasks, error);
  /* every task's configuration first (its first architecture scored, so errors of the
   * data every architecture shares show now), then the long runs */
  for (guint i = 0; ok && i < tasks->len; i++) ok = run_task(ctx, &g_array_index(tasks, Task, i), TRUE, error);
  for (guint i = 0; ok && i < tasks->len; i++) {
    Task *t = &g_array_index(tasks, Task, i);
    if (!ctx->st->quiet) fprintf(stderr, "zcnas: suite: task %u/%u, %s\n", i + 1, tasks->len, t->label);
    ok = run_task(ctx, t, FALSE, error);
  }
  if (ok && ctx->leader) {
    SuiteTable st;
    suite_table(tasks, &st);
    gboolean has_ref = FALSE;
    for (guint i = 0; i < tasks->len; i++) has_ref |= g_array_index(tasks, Task, i).ref != NULL;
    char *csv = g_build_filename(ctx->dir, "suite.csv", NULL);
    ok = write_suite_csv(csv, tasks, error);
    g_free(csv);
    gboolean plotted = FALSE;
    if (ok && zc_options_bool(ctx->output_opts, "plots")) {
      plotted = zc_plot_heatmap(ctx->dir, "heatmap.png", "Spearman rho, proxy x task",
                                (const char *const *)st.proxies->pdata, st.proxies->len,
                                (const char *const *)st.columns->pdata, st.columns->len, st.rho, ctx->st->quiet);
      if (plotted && has_ref)
        zc_plot_heatmap(ctx->dir, "heatmap-reference.png", "Spearman rho of the reference scores, proxy x task",
                        (const char *const *)st.proxies->pdata, st.proxies->len,
                        (const char *const *)st.columns->pdata, st.columns->len, st.ref, ctx->st->quiet);
    }
    if (ok) {
      char *md = g_build_filename(ctx->dir, "report.md", NULL);
      ok = write_report(md, ctx, tasks, &st, has_ref, plotted, error);
      g_free(md);
    }
    if (ok) {
      FILE *out = ctx->st->report ? ctx->st->report : stdout;
      GString *grid = grid_text(&st, FALSE);
      fprintf(out, "suite: %u tasks, Spearman rho%s\n%sresults: %s\n", tasks->len,
              has_ref ? " (in parentheses: the reference scores')" : "", grid->str, ctx->dir);
      g_string_free(grid, TRUE);
    }
    suite_table_clear(&st);
  }
  g_array_unref(tasks);
  return ok;
}
