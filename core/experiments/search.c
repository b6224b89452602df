/* experiment = "search": one searcher, its fitness sources and budgets (search_run.h);
 * DIR/scores.csv holds every candidate in the order asked, trajectory.csv the searcher's
 * incumbent after each evaluation, ranking.csv the searcher's final ranking. */
#include "config.h"
#include <stdio.h>
#include <zcnas/error.h>
#include <zcnas/setup.h>
#include "experiment.h"
#include "search_run.h"

gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error) {
  config_setting_t *space_s = zc_run_require(ctx, "search", "space", error);
  if (!space_s || !zc_run_require(ctx, "search", "searcher", error)) return FALSE;
  ZcSpace *gt_space = NULL;
  ZcGroundTruth *gt = NULL;
  char *metric = NULL, *test = NULL;
  if (zc_pipeline_lookup(ctx->p, "benchmark")) {
    gt_space = zc_setup_space(ctx->reg, space_s, error);
    gt = gt_space ? zc_search_ground_truth(ctx, gt_space, &metric, &test, error) : NULL;
    if (!gt) {
      zc_space_free(gt_space);
      return FALSE;
    }
  }
  config_setting_t *searcher_s = zc_pipeline_lookup(ctx->p, "searcher");
  const char *label = zc_search_searcher_name(searcher_s);
  if (!label) label = "searcher";
  gboolean served = FALSE;
  ZcSearchOutcome *o = zc_search_run(ctx, NULL, label, ctx->seed, gt, metric, test, ctx->dir, TRUE, &served, error);
  if (o && ctx->leader) {
    FILE *out = ctx->st->report ? ctx->st->report : stdout;
    fprintf(out, "all candidates: %s/scores.csv; ranking: %s/ranking.csv\n", ctx->dir, ctx->dir);
  }
  gboolean ok = o != NULL || served;
  zc_search_outcome_free(o);
  zc_ground_truth_free(gt);
  zc_space_free(gt_space);
  g_free(metric);
  g_free(test);
  return ok;
}
