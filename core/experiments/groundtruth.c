/* A benchmark's ground truth looked up by architecture.  See <zcnas/groundtruth.h>. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/groundtruth.h>
#include "benchmark.h"

struct ZcGroundTruth {
  ZcSpace *space;
  char *path, *sha256;
  ZcTable *table;
  GArray *columns;   /* gsize: table metric index of each requested metric */
};

static gboolean is_index(const char *s) {
  if (!*s) return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit(*s)) return FALSE;
  return TRUE;
}

gchar *zc_ground_truth_canon_key(const char *key, gpointer space_, GError **error) {
  ZcSpace *space = space_;
  ZcArch *a;
  if (is_index(key) && zc_space_count(space) > 0) {
    guint64 i = g_ascii_strtoull(key, NULL, 10);
    if (i >= zc_space_count(space)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "index %s is outside the space (0..%" G_GUINT64_FORMAT ")", key,
                  zc_space_count(space) - 1);
      return NULL;
    }
    a = zc_space_from_index(space, i, error);
  } else {
    a = zc_space_parse(space, key, error);
  }
  if (!a) return NULL;
  char *s = zc_space_format(space, a);
  zc_space_arch_free(space, a);
  return s;
}

ZcGroundTruth *zc_ground_truth_load(ZcSpace *space, const char *path, const char *base_dir, const char *key,
                                    const char *const *metrics, GError **error) {
  char *found = zc_benchmark_find_table(path, base_dir, error);
  if (!found) return NULL;
  ZcGroundTruth *gt = g_new0(ZcGroundTruth, 1);
  gt->space = space;
  gt->path = found;
  gt->columns = g_array_new(FALSE, FALSE, sizeof(gsize));
  /* the table keeps only the metrics asked for, in that order */
  ZcTableOptions topts = {zc_ground_truth_canon_key, space, FALSE, 0};
  gt->sha256 = zc_run_file_sha256(found, error);
  if (gt->sha256) gt->table = zc_table_load(found, key, metrics, &topts, NULL, error);
  if (!gt->table) {
    zc_ground_truth_free(gt);
    return NULL;
  }
  for (gsize j = 0; metrics && metrics[j]; j++) g_array_append_val(gt->columns, j);
  return gt;
}

void zc_ground_truth_free(ZcGroundTruth *gt) {
  if (!gt) return;
  g_free(gt->path);
  g_free(gt->sha256);
  zc_table_free(gt->table);
  g_array_unref(gt->columns);
  g_free(gt);
}

const char *zc_ground_truth_path(const ZcGroundTruth *gt) { return gt->path; }
const char *zc_ground_truth_sha256(const ZcGroundTruth *gt) { return gt->sha256; }
const ZcTable *zc_ground_truth_table(const ZcGroundTruth *gt) { return gt->table; }

static gboolean lookup_canonical(const ZcGroundTruth *gt, const char *canonical, guint metric, double *value) {
  if (metric >= gt->columns->len) return FALSE;
  const double *row = zc_table_lookup(gt->table, canonical);
  if (!row) return FALSE;
  *value = row[g_array_index(gt->columns, gsize, metric)];
  return TRUE;
}

gboolean zc_ground_truth_lookup(const ZcGroundTruth *gt, const ZcArch *arch, guint metric, double *value) {
  char *canonical = zc_space_format(gt->space, arch);
  gboolean ok = lookup_canonical(gt, canonical, metric, value);
  g_free(canonical);
  return ok;
}

gboolean zc_ground_truth_lookup_text(const ZcGroundTruth *gt, const char *genotype, guint metric, double *value) {
  char *canonical = zc_ground_truth_canon_key(genotype, gt->space, NULL);
  gboolean ok = canonical && lookup_canonical(gt, canonical, metric, value);
  g_free(canonical);
  return ok;
}
