/* Loading ground-truth benchmarks.  See benchmark.h. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/options.h>
#include <zcnas/run.h>
#include "benchmark.h"
#include "base/pipeline-private.h"
#include "base/table-private.h"

static const ZcOption benchmark_schema[] = {
  {"table", ZC_OPT_STRING, NULL, 0, 0, NULL, "CSV file of ground truth (beside the pipeline, or in the data directory)"},
  {"key", ZC_OPT_STRING, "arch_str", 0, 0, NULL, "column of genotypes or indices"},
  {"metric", ZC_OPT_STRING, NULL, 0, 0, NULL, "column of the ground-truth metric (higher is better)"},
  {"name", ZC_OPT_STRING, "", 0, 0, NULL, "label in the outputs; empty: the metric"},
  {"lenient", ZC_OPT_BOOL, "false", 0, 0, NULL, "skip bad rows with a warning instead of failing"},
  {"where", ZC_OPT_STRING, "", 0, 0, NULL,
   "COLUMN=VALUE: only the rows holding VALUE in COLUMN (a table of several tasks); empty: every row"},
  {NULL},
};

gboolean zc_benchmark_parse_where(const char *where, char **column, char **value, GError **error) {
  *column = *value = NULL;
  if (!where || !*where) return TRUE;
  const char *eq = strchr(where, '=');
  if (!eq || eq == where) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "where = \"%s\": expected COLUMN=VALUE (e.g. \"task=jigsaw\")",
                where);
    return FALSE;
  }
  *column = g_strndup(where, (gsize)(eq - where));
  *value = g_strdup(eq + 1);
  return TRUE;
}

static void benchmark_free(gpointer p) {
  ZcBenchmark *b = p;
  g_free(b->name);
  g_free(b->path);
  g_free(b->key);
  g_free(b->metric);
  g_free(b->sha256);
  g_free(b->where_column);
  g_free(b->where_value);
  zc_table_free(b->table);
  g_free(b);
}

char *zc_benchmark_find_table(const char *table, const char *base_dir, GError **error) {
  char *looked = NULL;
  char *found = zc_pipeline_find_file(table, base_dir, &looked);
  if (!found && g_path_is_absolute(table))
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "benchmark table %s: no such file", table);
  else if (!found)
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "benchmark table '%s' not found (looked for %s)", table, looked);
  g_free(looked);
  return found;
}

static ZcBenchmark *load_one(const ZcRunCtx *ctx, ZcSpace *space, const config_setting_t *group, gboolean quiet,
                             GError **error) {
  char *origin = zc_setting_origin(group);
  if (config_setting_type(group) != CONFIG_TYPE_GROUP) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: a benchmark is a group { table = ...; metric = ...; }", origin);
    g_free(origin);
    return NULL;
  }
  ZcOptions *o = zc_options_resolve(benchmark_schema, group, "benchmark", NULL, error);
  if (!o) {
    g_free(origin);
    return NULL;
  }
  ZcBenchmark *b = g_new0(ZcBenchmark, 1);
  b->key = g_strdup(zc_options_string(o, "key"));
  if (!zc_benchmark_parse_where(zc_options_string(o, "where"), &b->where_column, &b->where_value, error)) {
    g_prefix_error(error, "%s: ", zc_options_origin(o, "where"));
    zc_options_free(o);
    g_free(origin);
    benchmark_free(b);
    return NULL;
  }
  b->metric = g_strdup(zc_options_string(o, "metric"));
  b->name = g_strdup(*zc_options_string(o, "name") ? zc_options_string(o, "name") : b->metric);
  GError *err = NULL;
  b->path = zc_benchmark_find_table(zc_options_string(o, "table"), ctx->base_dir, &err);
  if (b->path) b->sha256 = zc_run_file_sha256(b->path, &err);
  if (b->sha256) {
    const char *metrics[] = {b->metric, NULL};
    ZcTableOptions topts = {zc_ground_truth_canon_key, space, zc_options_bool(o, "lenient"), 0};
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    b->table = zc_table_load_where(b->path, b->key, metrics, &topts, b->where_column, b->where_value, &warnings, &err);
    b->n_skipped = warnings->len;
    for (guint k = 0; k < warnings->len && !quiet; k++) {
      if (k == 5) {
        fprintf(stderr, "zcnas: warning: ... %u more rows skipped\n", warnings->len - 5);
        break;
      }
      fprintf(stderr, "zcnas: warning: %s (row skipped)\n", (const char *)g_ptr_array_index(warnings, k));
    }
    g_ptr_array_unref(warnings);
  }
  if (b->table && zc_table_n_rows(b->table) == 0) {
    g_set_error(&err, ZC_ERROR, ZC_ERROR_DATA, "%s: no usable rows", b->path);
  }
  if (err) {
    /* table errors name the table's FILE:LINE; say which benchmark it was */
    g_propagate_prefixed_error(error, err, "%s: benchmark '%s': ", origin, b->name);
    benchmark_free(b);
    b = NULL;
  }
  zc_options_free(o);
  g_free(origin);
  return b;
}

GPtrArray *zc_benchmarks_load(const ZcRunCtx *ctx, ZcSpace *space, gboolean quiet, GError **error) {
  config_setting_t *one = zc_run_lookup(ctx, "benchmark");
  config_setting_t *list = zc_run_lookup(ctx, "benchmarks");
  if (!one == !list) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: experiment \"correlate\" needs %s", ctx->file,
                one ? "either 'benchmark' or 'benchmarks', not both"
                    : "'benchmark' = { table = \"...\"; key = \"...\"; metric = \"...\"; } or 'benchmarks' = ( ... )");
    return NULL;
  }
  GPtrArray *out = g_ptr_array_new_with_free_func(benchmark_free);
  guint n = one ? 1 : (guint)config_setting_length(list);
  for (guint k = 0; k < n; k++) {
    ZcBenchmark *b = load_one(ctx, space, one ? one : config_setting_get_elem(list, k), quiet, error);
    if (!b) {
      g_ptr_array_unref(out);
      return NULL;
    }
    for (guint j = 0; j < out->len; j++)
      if (!strcmp(((ZcBenchmark *)g_ptr_array_index(out, j))->name, b->name)) {
        char *origin = zc_setting_origin(config_setting_get_elem(list, k));
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: two benchmarks named '%s' (set name = \"...\")", origin,
                    b->name);
        g_free(origin);
        benchmark_free(b);
        g_ptr_array_unref(out);
        return NULL;
      }
    g_ptr_array_add(out, b);
  }
  if (n == 0) {
    char *origin = zc_setting_origin(list);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: the benchmark list is empty", origin);
    g_free(origin);
    g_ptr_array_unref(out);
    return NULL;
  }
  return out;
}
