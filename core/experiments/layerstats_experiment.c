/* experiment = "layerstats": zc_layerstats_run on a pipeline's space, data and sample.
 *   layerstats = { subbatches = 8; };   sample = { count = 200; seed = 0; }; */
#include "config.h"
#include <zcnas/error.h>
#include <zcnas/layerstats.h>
#include <zcnas/setup.h>
#include "experiment.h"

static const ZcOption layerstats_schema[] = {
  {"subbatches", ZC_OPT_INT, "8", 0, 64, NULL, "gradient samples K as lswag's option (0: one per image)"},
  {NULL},
};

gboolean zc_experiment_layerstats(ZcRunCtx *ctx, GError **error) {
  config_setting_t *space_s = zc_run_require(ctx, "layerstats", "space", error);
  if (!space_s) return FALSE;
  ZcOptions *opts = zc_options_resolve(layerstats_schema, zc_pipeline_lookup(ctx->p, "layerstats"), "layerstats",
                                       NULL, error);
  ZcOptions *sample = opts ? zc_options_resolve(zc_sample_schema, zc_pipeline_lookup(ctx->p, "sample"), "sample",
                                                NULL, error)
                           : NULL;
  ZcSpace *space = sample ? zc_setup_space(ctx->reg, space_s, error) : NULL;
  gboolean ok = space != NULL;
  if (ok && zc_options_int(sample, "count") < 1) {
    zc_options_set_error(sample, "count", error, "layerstats needs count >= 1");
    ok = FALSE;
  }
  static const char *const outputs[] = {"layerstats.csv", "layerstats.gp", "layerstats.png", NULL};
  if (ok && ctx->leader) ok = zc_run_guard_outputs(ctx, outputs, error);
  if (ok && ctx->leader) {
    gint64 seed = zc_options_int(sample, "seed");
    ZcLayerstatsSettings st = {(guint)zc_options_int(sample, "count"), seed < 0 ? ctx->seed : (guint64)seed,
                               ctx->batch, (int)zc_options_int(opts, "subbatches"), ctx->dir,
                               zc_run_default_threads(1), ctx->st->quiet, ctx->st->report};
    guint s, e;
    ok = zc_layerstats_run(space, ctx->dataset, &st, &s, &e, error);
  }
  zc_space_free(space);
  zc_options_free(sample);
  zc_options_free(opts);
  return ok;
}
