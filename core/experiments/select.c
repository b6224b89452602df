/* experiment = "select": LIBRA-NAS proxy selection (zcnas/selection.h) from a labelled
 * score table, e.g. NAS-Bench-Suite-Zero's or a correlate run's scores.csv:
 *   select = { table = "nb201_nbsz_zc_sample725_cifar100.csv"; key = "arch_str";
 *              metric = "cifar100_val_acc"; bias = "params"; proxies = [ ... ]; };
 * Writes DIR/selection.json and prints the table of every candidate.  See docs/libra.md. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/selection.h>
#include <zcnas/table.h>
#include "benchmark.h"
#include "experiment.h"

static const ZcOption select_schema[] = {
  {"table", ZC_OPT_STRING, NULL, 0, 0, NULL, "CSV of proxy scores and accuracy (beside the pipeline, or in the data directory)"},
  {"key", ZC_OPT_STRING, "arch_str", 0, 0, NULL, "column of architecture keys"},
  {"metric", ZC_OPT_STRING, NULL, 0, 0, NULL, "column of the accuracy (higher is better)"},
  {"bias", ZC_OPT_STRING, "params", 0, 0, NULL, "column the bias is measured against (parameter count)"},
  {"bins", ZC_OPT_INT, "24", 1, 1000000, NULL, "histogram bins per variable (width, quantile)"},
  {"binning", ZC_OPT_CHOICE, "width", 0, 0, "width|quantile|sturges", "histogram bins: equal width, equal count, Sturges' rule"},
  {"log_base", ZC_OPT_FLOAT, "2.0", 0, 0, NULL, "base of the entropy logarithm"},
  {"window", ZC_OPT_FLOAT, "0.1", 0, 2, NULL, "rho window below the best proxy"},
  {"fallback", ZC_OPT_CHOICE, "widen", 0, 0, "widen|fewer", "a window with under 2 candidates: widen it, or select fewer"},
  {"combine", ZC_OPT_CHOICE, "logrank", 0, 0, "logrank|ranksum|zsum|product", "how a search merges the selected proxies"},
  {"lenient", ZC_OPT_BOOL, "false", 0, 0, NULL, "skip bad rows with a warning instead of failing"},
  {NULL},
};

/* The header of a CSV file, fields stripped as zc_table_load strips them. */
static char **read_header(const char *path, GError **error) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len = f ? getline(&line, &cap, f) : -1;
  if (f) fclose(f);
  if (len < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: cannot read a header line", path);
    free(line);
    return NULL;
  }
  const char *text = strncmp(line, "\xEF\xBB\xBF", 3) ? line : line + 3;
  g_strchomp(line);
  char **cols = zc_csv_split_line(text);
  for (char **c = cols; c && *c; c++) g_strstrip(*c);
  free(line);
  return cols;
}

/* "ORIGIN: select: KEY: " before an error about the setting `key`. */
static void prefix_field(const ZcOptions *o, const char *key, GError **error) {
  g_prefix_error(error, "%s: select: %s: ", zc_options_origin(o, key), key);
}

static gboolean check_column(const ZcOptions *o, const char *key, char **header, const char *table, GError **error) {
  const char *name = zc_options_string(o, key);
  if (g_strv_contains((const char *const *)header, name)) return TRUE;
  char *avail = g_strjoinv(", ", header);
  zc_options_set_error(o, key, error, "no column '%s' in %s (columns: %s)", name, table, avail);
  g_free(avail);
  return FALSE;
}

/* The candidate proxies: the pipeline's `proxies`, else every column named after a proxy
 * plugin (or NAME.PART of one), other than the key and the metric. */
static GPtrArray *candidate_list(const ZcRunCtx *ctx, const ZcOptions *o, config_setting_t *list, char **header,
                                 const char *table, GError **error) {
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  if (list) {
    gboolean ok = config_setting_is_aggregate(list) && config_setting_length(list) > 0;
    for (int k = 0; ok && k < config_setting_length(list); k++) {
      config_setting_t *e = config_setting_get_elem(list, (unsigned)k);
      const char *name = config_setting_get_string(e);
      char *origin = zc_setting_origin(e);
      if (!name) g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: select: proxies: expected column names", origin);
      else if (!g_strv_contains((const char *const *)header, name))
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: select: proxies: no column '%s' in %s", origin, name, table);
      else g_ptr_array_add(names, g_strdup(name));
      ok = name && g_strv_contains((const char *const *)header, name);
      g_free(origin);
    }
    if (!ok && !(error && *error)) {
      char *origin = zc_setting_origin(list);
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: select: proxies: expected a non-empty list of column names",
                  origin);
      g_free(origin);
    }
    if (!ok) {
      g_ptr_array_unref(names);
      return NULL;
    }
    return names;
  }
  for (char **c = header; *c; c++) {
    if (!strcmp(*c, zc_options_string(o, "key")) || !strcmp(*c, zc_options_string(o, "metric"))) continue;
    char *base = g_strndup(*c, strcspn(*c, "."));
    if (zc_registry_require(ctx->reg, ZC_KIND_PROXY, base, "select", NULL)) g_ptr_array_add(names, g_strdup(*c));
    g_free(base);
  }
  if (names->len == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "%s: select: no column of %s is named after a proxy; list the candidates in select.proxies", ctx->file,
                table);
    g_ptr_array_unref(names);
    return NULL;
  }
  return names;
}

static void print_number(FILE *out, double v, int width) {
  if (isnan(v)) fprintf(out, " %*s", width, "-");
  else fprintf(out, " %*.4f", width, v);
}

static void print_selection(FILE *out, const ZcSelection *s) {
  fprintf(out, "select: %" G_GSIZE_FORMAT " rows of %s, metric %s, bias %s: b(y) = %.4f\n", s->n_rows, s->source,
          s->metric, s->bias_column, s->bias_metric);
  int w = 5;
  for (guint h = 0; h < s->candidates->len; h++)
    w = MAX(w, (int)strlen(((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, h))->name));
  fprintf(out, "%-*s %6s %8s %8s %8s %6s %s\n", w, "proxy", "n", "rho", "bias", "IG", "window", "selected");
  for (guint h = 0; h < s->candidates->len; h++) {
    const ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
    const char *mark = "";
    for (guint k = 0; k < s->n_selected; k++)
      if (!strcmp(s->selected[k], c->name)) mark = k == 0 ? "z1" : k == 1 ? "z2" : "z3";
    fprintf(out, "%-*s %6" G_GSIZE_FORMAT, w, c->name, c->n);
    print_number(out, c->rho, 8);
    print_number(out, c->bias, 8);
    print_number(out, c->ig, 8);
    fprintf(out, " %6s %s\n", c->in_window ? "yes" : "no", mark);
  }
  const char *unit = s->params.log_base == 2 ? " bits" : "";
  fprintf(out, "H(y|z1) = %.4f%s; window (rho(z1) - %.4g, rho(z1)]\n", s->h_y_given_z1, unit, s->window_used);
  fprintf(out, "selection:");
  for (guint k = 0; k < s->n_selected; k++) fprintf(out, "%s z%u = %s", k ? "," : "", k + 1, s->selected[k]);
  fprintf(out, " (combine %s)\n", zc_combine_name(s->params.combine));
}

gboolean zc_experiment_select(ZcRunCtx *ctx, GError **error) {
  config_setting_t *group = zc_run_require(ctx, "select", "select", error);
  if (!group) return FALSE;
  static const char *const reserved[] = {"proxies", NULL};
  ZcOptions *o = zc_options_resolve(select_schema, group, "select", reserved, error);
  if (!o) return FALSE;
  ZcSelectionParams params;
  zc_selection_params_init(&params);
  params.bins = (guint)zc_options_int(o, "bins");
  const char *binning = zc_options_string(o, "binning");
  params.scheme = !strcmp(binning, "quantile") ? ZC_BINS_QUANTILE : !strcmp(binning, "sturges") ? ZC_BINS_STURGES
                                                                                                 : ZC_BINS_WIDTH;
  params.log_base = zc_options_float(o, "log_base");
  params.window = zc_options_float(o, "window");
  params.fallback = strcmp(zc_options_string(o, "fallback"), "fewer") ? ZC_WINDOW_WIDEN : ZC_WINDOW_FEWER;
  zc_combine_parse(zc_options_string(o, "combine"), &params.combine);
  gboolean ok = TRUE;
  if (!(params.log_base > 0) || params.log_base == 1) {
    zc_options_set_error(o, "log_base", error, "must be positive and not 1");
    ok = FALSE;
  } else if (!(params.window > 0)) {
    zc_options_set_error(o, "window", error, "must be in (0, 2]");
    ok = FALSE;
  }

  char *path = ok ? zc_benchmark_find_table(zc_options_string(o, "table"), ctx->base_dir, error) : NULL;
  if (ok && !path) prefix_field(o, "table", error);
  char **header = path ? read_header(path, error) : NULL;
  if (path && !header) prefix_field(o, "table", error);
  ok = header && check_column(o, "key", header, path, error) && check_column(o, "metric", header, path, error) &&
       check_column(o, "bias", header, path, error);
  GPtrArray *cand = ok ? candidate_list(ctx, o, zc_pipeline_lookup(ctx->p, "select.proxies"), header, path, error)
                       : NULL;
  ZcTable *table = NULL;
  if (cand) {
    /* load the candidates, the metric and the bias, each once */
    GPtrArray *cols = g_ptr_array_new();
    const char *extra[] = {zc_options_string(o, "metric"), zc_options_string(o, "bias")};
    for (guint h = 0; h < cand->len; h++) g_ptr_array_add(cols, g_ptr_array_index(cand, h));
    for (int k = 0; k < 2; k++) {
      gboolean have = FALSE;
      for (guint h = 0; h < cols->len && !have; h++) have = !strcmp(g_ptr_array_index(cols, h), extra[k]);
      if (!have) g_ptr_array_add(cols, (gpointer)extra[k]);
    }
    g_ptr_array_add(cols, NULL);
    ZcTableOptions topts = {NULL, NULL, zc_options_bool(o, "lenient"), 0};
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    table = zc_table_load(path, zc_options_string(o, "key"), (const char *const *)cols->pdata, &topts, &warnings,
                          error);
    for (guint k = 0; k < warnings->len && !ctx->st->quiet && k < 5; k++)
      fprintf(stderr, "zcnas: warning: %s (row skipped)\n", (const char *)g_ptr_array_index(warnings, k));
    if (warnings->len > 5 && !ctx->st->quiet)
      fprintf(stderr, "zcnas: warning: ... %u more rows skipped\n", warnings->len - 5);
    g_ptr_array_unref(warnings);
    g_ptr_array_unref(cols);
    if (!table) prefix_field(o, "table", error);
  }
  ok = table != NULL;
  if (ok && ctx->leader) {
    zc_run_add_input(ctx, "selection table", path);
    static const char *const outputs[] = {"selection.json", NULL};
    ok = zc_run_guard_outputs(ctx, outputs, error);
  }
  ZcSelection *s = NULL;
  if (ok && ctx->leader) {
    g_ptr_array_add(cand, NULL);
    GError *err = NULL;
    s = zc_selection_compute(table, path, zc_options_string(o, "metric"), zc_options_string(o, "bias"),
                             (const char *const *)cand->pdata, &params, &err);
    if (!s) {
      /* too few rows or no usable candidate: the remedy is another metric or proxy list */
      if (err->domain == ZC_ERROR && err->code == ZC_ERROR_DATA) err->code = ZC_ERROR_CONFIG;
      g_propagate_prefixed_error(error, err, "%s: select: ", ctx->file);
      ok = FALSE;
    }
  }
  if (s) {
    char *json = g_build_filename(ctx->dir, "selection.json", NULL);
    ok = zc_selection_write_json(s, json, error);
    g_free(json);
  }
  if (ok && s) {
    FILE *out = ctx->st->report ? ctx->st->report : stdout;
    print_selection(out, s);
    fprintf(out, "results: %s\n", ctx->dir);
  }
  zc_selection_free(s);
  zc_table_free(table);
  if (cand) g_ptr_array_unref(cand);
  g_strfreev(header);
  g_free(path);
  zc_options_free(o);
  return ok;
}
