/* The experiment runner's shared state (private to libzcnas).  core/experiment.c reads
 * the pipeline's common settings into a ZcRunCtx and hands it to one experiment:
 * core/search.c or core/correlate.c. */
#ifndef ZC_EXPERIMENT_H
#define ZC_EXPERIMENT_H
#include <glib.h>
#include <zcnas/cache.h>
#include <zcnas/run.h>
#include "workers.h"

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
  GArray *inputs;          /* ZcRunInput: files this run reads, never to be overwritten */
} ZcRunCtx;

/* A required top-level setting, or an error "FILE: experiment \"X\" needs 'KEY'". */
config_setting_t *zc_run_require(const ZcRunCtx *ctx, const char *experiment, const char *key,
                                 GError **error);

/* The evaluator of an experiment's space and proxies with the run's data, batch, seed, jobs
 * and cache.  On a follower MPI rank it serves the leader instead and returns NULL, *served
 * the outcome; NULL with *served FALSE on an error. */
ZcEvaluator *zc_run_evaluator(const ZcRunCtx *ctx, config_setting_t *space_s, config_setting_t *proxies_s,
                              gboolean *served, GError **error);

/* Remember a file this run reads (`what` names it in messages, e.g. "benchmark table");
 * nothing when it does not exist. */
void zc_run_add_input(ZcRunCtx *ctx, const char *what, const char *path);
/* Fail (ZC_ERROR_CONFIG) when writing the output file `name` of the output directory
 * would replace an input of the run: compared by device and inode, not by name. */
gboolean zc_run_guard_outputs(const ZcRunCtx *ctx, const char *const *names, GError **error);

gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_correlate(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_layerstats(ZcRunCtx *ctx, GError **error);

/* Hex SHA-256 of a file's bytes; NULL (and error) when unreadable. */
char *zc_run_file_sha256(const char *path, GError **error);

#endif
