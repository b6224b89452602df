/* zcnas — running the experiment a pipeline describes.
 *
 *   experiment = "search";     a searcher asks, proxies score, the searcher is told;
 *                              scores.csv lists every candidate, stdout the best ones.
 *   experiment = "correlate";  a sample of a benchmark's architectures is scored and each
 *                              proxy's ranking compared with the ground truth (Spearman,
 *                              Kendall, Pearson, precision at top-k %, bootstrap intervals);
 *                              see docs/experiments.md.
 *   experiment = "select";     LIBRA-NAS: three proxies chosen from a labelled score table
 *                              (selection.json; docs/libra.md).
 * The core's own groups:
 *   data       = { spec = "cifar10:PATH"; batch = 64; };
 *   output     = { dir = "zcnas-out"; top = 10; bootstrap = 1000; level = 0.95;
 *                  precision = [5, 10]; plots = true; };
 *   sample     = { count = 100; seed = 0; };                  (correlate; count 0: all)
 *   benchmark  = { table = "FILE.csv"; key = "arch_str"; metric = "cifar10_val_acc"; };
 *   benchmarks = ( { ... }, { ... } );
 *   cache      = "FILE.sqlite";                              (default: the user's cache)
 *   backend    = "cpu";                                      (what kernels run on; "cpu-ref")
 *   output.nan_policy = "skip" | "last"                       (correlate: NaN scores)
 * Scores go through the score cache (<zcnas/cache.h>): a rerun reuses them, and a run
 * killed at any moment resumes where it stopped. */
#ifndef ZC_RUN_H
#define ZC_RUN_H
#include <stdio.h>
#include <glib.h>
#include <zcnas/data.h>
#include <zcnas/options.h>
#include <zcnas/pipeline.h>
#include <zcnas/registry.h>

G_BEGIN_DECLS

typedef struct {
  const char *out_dir;     /* overrides output.dir when not NULL */
  int jobs;                /* workers; 0: the pipeline's `jobs`, default 1 */
  gboolean quiet;          /* no progress, no warnings */
  FILE *report;            /* where the result table goes (stdout) */
  const char *cache_path;  /* overrides the pipeline's `cache` when not NULL */
  gboolean no_cache;       /* score everything, read and write no cache */
  /* Set (to non-zero) from a signal handler to stop: workers finish the architecture
   * they are on, finished scores are written to the cache, and the run fails with
   * ZC_ERROR_FAILED "interrupted ...".  May be NULL. */
  const volatile gint *cancel;
  const char *backend;     /* overrides the pipeline's `backend` when not NULL ("cpu", "cpu-ref") */
} ZcRunSettings;

/* Engine threads for one of `jobs` workers: the processors divided among the workers. */
int zc_run_default_threads(int jobs);

gboolean zc_run_pipeline(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *settings,
                         GError **error);
/* Replace the pipeline's proxy list with `spec`: NAME[:KEY=VALUE[,KEY=VALUE...]][,NAME...]
 * (e.g. "lswag:subbatches=0,pattern_samples=0,synflow"; an item with '=' is an option of
 * the proxy before it).  Every key is checked against that proxy's schema; errors
 * (ZC_ERROR_CONFIG, ZC_ERROR_PLUGIN) name the proxy and the key. */
gboolean zc_run_set_proxies(const ZcRegistry *reg, ZcPipeline *p, const char *spec, GError **error);

/* Scores of architectures, as `zcnas score` prints them. */
typedef struct {
  guint n, n_scores, n_proxies;
  char **names;        /* score columns, NULL-terminated */
  char **proxies;      /* proxy names, NULL-terminated */
  double *scores;      /* n x n_scores */
  int *status;         /* n x n_proxies, ZcStatus (<zcnas/scorer.h>) */
} ZcScoreResult;
/* Score n canonical genotypes with the pipeline's space, proxies, data and seed, through
 * the worker pool and the score cache exactly as `zcnas run` does (settings: jobs,
 * cache_path, no_cache, quiet, cancel); the results never depend on jobs. */
gboolean zc_run_score(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *settings,
                      const char *const *genotypes, guint n, ZcScoreResult *out, GError **error);
void zc_score_result_clear(ZcScoreResult *r);


/* Open MPI scale-out (./configure --with-mpi).  Under mpirun, rank 0 owns the cache and
 * the outputs and deals architectures out to the other ranks as they become free; the
 * results equal those of one process.  Without MPI, or outside mpirun, these do nothing
 * (init returns FALSE). */
gboolean zc_run_mpi_init(int *argc, char ***argv);
/* This process's rank (0 without MPI). */
int zc_run_mpi_rank(void);
void zc_run_mpi_finalize(void);

G_END_DECLS
#endif
