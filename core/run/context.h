/* The run context (private to libzcnas; core/run/context.c): the settings every experiment
 * shares, read from the pipeline by the runner (core/experiments/experiment.c) and handed
 * to one experiment, with the helpers the experiments call back for.  It sits below the
 * experiments, so that they depend on it and never on the runner. */
#ifndef ZC_RUN_CONTEXT_H
#define ZC_RUN_CONTEXT_H
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
  const char *backend;     /* engine backend of every worker (zc_backend_check'ed) */
  ZcOptions *data_opts;
  ZcOptions *output_opts;
  ZcDataset *dataset;      /* NULL: no data */
  guint batch;
  const char *dir;         /* output directory */
  ZcCache *cache;          /* NULL: no cache */
  gboolean leader;         /* writes outputs and the cache: rank 0, or no MPI */
  GArray *inputs;          /* ZcRunInput: files this run reads, never to be overwritten */
  /* A suite's task (core/experiments/suite.c): its group's settings (space, data,
   * benchmark, sample, proxies, reference) take the place of the top level's. */
  const config_setting_t *scope;
  gboolean dry;            /* check the configuration and stop before scoring */
  void **result;           /* where correlate hands over its ZcCorrTable (suite); NULL: none */
} ZcRunCtx;

/* The schemas of the core's groups `data`, `output` and `sample` (<zcnas/run.h>). */
extern const ZcOption zc_data_schema[];
extern const ZcOption zc_output_schema[];
extern const ZcOption zc_sample_schema[];

/* The dataset of a resolved `data` group (NULL when data.spec is empty); relative paths
 * are taken from `base_dir` (NULL: the current directory). */
gboolean zc_run_open_data(const ZcOptions *data_opts, const char *base_dir, ZcDataset **out, GError **error);

/* The file behind a resolved data.spec KIND:PATH (PATH beside base_dir when relative;
 * newly allocated), or NULL for generated data. */
char *zc_run_data_file(const ZcOptions *data_opts, const char *base_dir);

/* A setting of the task's group (ctx->scope) when it has one, else of the top level. */
config_setting_t *zc_run_lookup(const ZcRunCtx *ctx, const char *key);

/* A required setting (zc_run_lookup), or an error "FILE: experiment \"X\" needs 'KEY'". */
config_setting_t *zc_run_require(const ZcRunCtx *ctx, const char *experiment, const char *key,
                                 GError **error);

/* Remember a file this run reads (`what` names it in messages, e.g. "benchmark table");
 * nothing when it does not exist. */
void zc_run_add_input(ZcRunCtx *ctx, const char *what, const char *path);
/* A copy of a run's inputs (NULL for none), for a run inside it (a suite's task). */
GArray *zc_run_inputs_dup(const GArray *inputs);
/* Fail (ZC_ERROR_CONFIG) when writing the output file `name` of the output directory
 * would replace an input of the run: compared by device and inode, not by name. */
gboolean zc_run_guard_outputs(const ZcRunCtx *ctx, const char *const *names, GError **error);

/* `s` with every character but letters, digits, '-', '.' and '_' replaced by '_': a name
 * safe as one file or directory name (newly allocated). */
char *zc_run_safe_name(const char *s);

/* Hex SHA-256 of a file's bytes; NULL (and error) when unreadable. */
char *zc_run_file_sha256(const char *path, GError **error);

#endif
