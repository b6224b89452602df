/* Scoring a list of architectures with a pipeline's proxies (private to libzcnas):
 * through the score cache, on N worker threads or across MPI ranks, with progress.
 *
 * Each worker owns its space instance and, per subset of proxies still missing for an
 * architecture, a scorer (with its own workspace).  Results land in the caller's arrays
 * by architecture, so they never depend on which worker finished first. */
#ifndef ZC_WORKERS_H
#define ZC_WORKERS_H
#include <glib.h>
#include <libconfig.h>
#include <zcnas/cache.h>
#include <zcnas/data.h>
#include <zcnas/registry.h>
#include <zcnas/scorer.h>
#include "run/context.h"

typedef struct {
  const ZcRegistry *reg;
  const config_setting_t *space;     /* the pipeline's space group */
  const config_setting_t *proxies;   /* the pipeline's proxy list */
  ZcDataset *data;                   /* borrowed, may be NULL */
  guint batch;
  guint64 seed;
  int jobs;                          /* worker threads (>= 1) */
  ZcCache *cache;                    /* borrowed, may be NULL */
  gboolean quiet;
  const volatile gint *cancel;       /* may be NULL */
  const char *backend;               /* engine backend; NULL: the default */
} ZcEvaluatorSetup;

typedef struct ZcEvaluator ZcEvaluator;

ZcEvaluator *zc_evaluator_new(const ZcEvaluatorSetup *setup, GError **error);
void zc_evaluator_free(ZcEvaluator *ev);
/* The space instance of the caller's thread (parse, format, sample). */
ZcSpace *zc_evaluator_space(ZcEvaluator *ev);
const ZcScoreLayout *zc_evaluator_layout(const ZcEvaluator *ev);
guint zc_evaluator_n_proxies(const ZcEvaluator *ev);
const char *zc_evaluator_proxy_name(const ZcEvaluator *ev, guint i);
/* Output columns of proxy i: first column and count. */
guint zc_evaluator_offset(const ZcEvaluator *ev, guint i);
guint zc_evaluator_n_outputs(const ZcEvaluator *ev, guint i);

/* Score n architectures (canonical genotypes).  scores: n x layout->n_scores, row-major;
 * status: n x n_proxies.  `label` names the work in the progress line.  FALSE on a cache
 * failure or when cancelled (scores finished so far are in the cache either way). */
gboolean zc_evaluator_run(ZcEvaluator *ev, const char *const *genotypes, guint n, double *scores,
                          ZcStatus *status, const char *label, GError **error);
/* The same for proxy subsets: architecture i gets only the proxies of want[i] (bit j =
 * proxy j; want NULL: all), the others' scores stay NaN with status OK.  seconds (may be
 * NULL) receives per architecture the wall seconds of its proxies as first computed: a
 * value from the cache costs what it cost then, so a rerun charges the same time. */
gboolean zc_evaluator_run_masked(ZcEvaluator *ev, const char *const *genotypes, const guint64 *want, guint n,
                                 double *scores, ZcStatus *status, double *seconds, const char *label, GError **error);
/* Proxy evaluations taken from the cache and computed, over all runs so far. */
void zc_evaluator_counts(const ZcEvaluator *ev, guint64 *cached, guint64 *computed);

/* ---- one worker: what a thread or an MPI rank scores with ------------------------ */
typedef struct ZcWorker ZcWorker;
typedef struct {
  guint task;
  guint64 mask;            /* proxies scored */
  double *values;          /* layout->n_scores; columns of proxies outside mask: NaN */
  ZcProxyResult *results;  /* n_proxies */
  gint64 peak_bytes;
} ZcTaskResult;

ZcWorker *zc_worker_new(ZcEvaluator *ev, int threads, GError **error);
void zc_worker_free(ZcWorker *w);
ZcTaskResult *zc_worker_score(ZcWorker *w, guint task, const char *genotype, guint64 mask);
ZcTaskResult *zc_task_result_new(const ZcEvaluator *ev, guint task, guint64 mask);
void zc_task_result_free(const ZcEvaluator *ev, ZcTaskResult *r);

/* The evaluator of an experiment's space and proxies with the run's data, batch, seed, jobs
 * and cache.  On a follower MPI rank it serves the leader instead and returns NULL, *served
 * the outcome; NULL with *served FALSE on an error. */
ZcEvaluator *zc_run_evaluator(const ZcRunCtx *ctx, config_setting_t *space_s, config_setting_t *proxies_s,
                              gboolean *served, GError **error);

#endif
