/* One search as the core runs it (private to libzcnas; core/experiments/search_run.c):
 * a searcher asks, the core evaluates each request from its fitness sources and tells
 * the result, in request order, until the searcher is done or the budget is spent.
 *
 * Fitness sources of a run (settings looked up in the run's group, then at top level):
 *   proxies = ( ... );       the proxies (with the searcher's own, see proxies() in
 *                            <zcnas/searcher.h>), computed live through the score cache ...
 *   scores = { table = "..."; key = "arch"; };   ... or read from a score table: any
 *                            scores.csv zcnas wrote, or a published table
 *   benchmark = { table; key; metric; test; }   the ground truth: `metric` answers the
 *                            oracle (ZC_SCORE_KIND_ORACLE), `test` (default: metric) is
 *                            what reports say the found networks reach; never shown to
 *                            the searcher
 *   budget = N;              candidates evaluated (default 100)
 *   oracle_budget = N;       ground-truth queries (default 0)
 * `seconds` charged for an evaluation is what its live proxies took when first computed
 * (cached values keep that time), so a rerun or a resumed run reports the same. */
#ifndef ZC_SEARCH_RUN_H
#define ZC_SEARCH_RUN_H
#include <glib.h>
#include <libconfig.h>
#include <zcnas/groundtruth.h>
#include "run/context.h"

/* The ground truth of a pipeline's `benchmark` group: metric 0 answers the oracle,
 * metric 1 is the test metric (the same column when `test` is not set).  NULL without
 * error when the pipeline has none. */
ZcGroundTruth *zc_search_ground_truth(ZcRunCtx *ctx, ZcSpace *space, char **metric, char **test, GError **error);

/* The plugin name a `searcher` setting gives ("name" or { name = "name"; ... }), or NULL. */
const char *zc_search_searcher_name(const config_setting_t *searcher);

typedef struct {
  char *label;           /* the run's name in outputs */
  guint64 seed;          /* the searcher's seed */
  char *best_arch;       /* the searcher's first-ranked candidate; NULL when none */
  double best_fitness;
  double best_metric;    /* its ground truth (metric / test); NaN without a benchmark */
  double best_test;
  guint64 evaluations, oracle_queries;
  double seconds;        /* charged evaluation seconds */
  GArray *curve_test;    /* double per evaluation: the incumbent's test value */
  GArray *curve_seconds; /* double per evaluation: seconds charged so far */
} ZcSearchOutcome;

void zc_search_outcome_free(ZcSearchOutcome *o);

/* Run one search.  `group`: the run's own settings (NULL: the pipeline's top level only);
 * `gt` (may be NULL) from zc_search_ground_truth; files (scores.csv, trajectory.csv,
 * ranking.csv) go to `dir`.  `print`: the ranking table on the report stream. */
ZcSearchOutcome *zc_search_run(ZcRunCtx *ctx, config_setting_t *group, const char *label, guint64 searcher_seed,
                               ZcGroundTruth *gt, const char *metric, const char *test, const char *dir,
                               gboolean print, gboolean *served, GError **error);

#endif
