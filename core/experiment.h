/* The experiment runner's shared state (private to libzcnas).  core/experiment.c reads
 * the pipeline's common settings into a ZcRunCtx and hands it to one experiment:
 * core/search.c or core/correlate.c. */
#ifndef ZC_EXPERIMENT_H
#define ZC_EXPERIMENT_H
#include <glib.h>
#include <zcnas/cache.h>
#include <zcnas/run.h>

typedef struct {
  const ZcRegistry *reg;
  const ZcPipeline *p;
  const ZcRunSettings *st;
  const char *file;        /* the pipeline file, or "pipeline" */
  char *base_dir;          /* its directory; NULL for an empty pipeline */
  guint64 seed;
  int jobs;
  ZcOptions *data_opts;
  ZcOptions *output_opts;
  ZcDataset *dataset;      /* NULL: no data */
  guint batch;
  const char *dir;         /* output directory */
  ZcCache *cache;          /* NULL: no cache */
  gboolean leader;         /* writes outputs and the cache: rank 0, or no MPI */
} ZcRunCtx;

/* A required top-level setting, or an error "FILE: experiment \"X\" needs 'KEY'". */
config_setting_t *zc_run_require(const ZcRunCtx *ctx, const char *experiment, const char *key,
                                 GError **error);

gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_correlate(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_layerstats(ZcRunCtx *ctx, GError **error);

/* Hex SHA-256 of a file's bytes; NULL (and error) when unreadable. */
char *zc_run_file_sha256(const char *path, GError **error);

#endif
