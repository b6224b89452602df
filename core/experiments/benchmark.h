/* Ground-truth benchmarks of a correlate pipeline (private to libzcnas;
 * core/experiments/benchmark.c):
 *   benchmark  = { table = "nb201_accuracy.csv"; key = "arch_str"; metric = "cifar10_val_acc"; };
 *   benchmarks = ( { ... }, { ... } );
 * Keys are canonicalised through the space: an integer key is an index
 * (zc_space_from_index), anything else a genotype (zc_space_parse + zc_space_format).
 * A relative table path is looked up beside the pipeline file, then in $(pkgdatadir). */
#ifndef ZC_BENCHMARK_H
#define ZC_BENCHMARK_H
#include <glib.h>
#include <zcnas/space.h>
#include <zcnas/table.h>
#include "run/context.h"

#define ZC_TABLE_FAILURE (-1e8)  /* NAS-Bench-Suite-Zero's mark of a failed evaluation */

typedef struct {
  char *name;          /* label in outputs: `name`, else the metric */
  char *path;          /* the table file found */
  char *key, *metric;
  char *sha256;        /* of the table file */
  ZcTable *table;
  gsize metric_index;
  gsize n_skipped;     /* rows skipped (lenient tables) */
  char *where_column, *where_value;   /* `where`: the rows kept; NULL: all */
} ZcBenchmark;

/* `where` = "COLUMN=VALUE" split in two (both NULL for an empty string); FALSE with a
 * ZC_ERROR_CONFIG error without '=' or without a column. */
gboolean zc_benchmark_parse_where(const char *where, char **column, char **value, GError **error);

/* Every benchmark of the pipeline (array of ZcBenchmark*), or NULL with an error naming
 * FILE:LINE (the pipeline's, or the table's for bad rows). */
GPtrArray *zc_benchmarks_load(const ZcRunCtx *ctx, ZcSpace *space, gboolean quiet, GError **error);
/* The table path `table` resolves to (a newly allocated string), or NULL with an error
 * listing where it was looked for. */
char *zc_benchmark_find_table(const char *table, const char *base_dir, GError **error);

/* The table canonicaliser of ground-truth keys (core/experiments/groundtruth.c): an
 * integer is an index of an enumerable space, anything else a genotype. */
gchar *zc_ground_truth_canon_key(const char *key, gpointer space, GError **error);

#endif
