/* The experiments a pipeline runs (private to libzcnas): core/experiments/search.c,
 * correlate.c, layerstats_experiment.c and select.c, called by the runner (experiment.c)
 * with the run context (core/run/context.h). */
#ifndef ZC_EXPERIMENT_H
#define ZC_EXPERIMENT_H
#include <glib.h>
#include "run/context.h"

gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_compare(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_correlate(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_layerstats(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_select(ZcRunCtx *ctx, GError **error);
gboolean zc_experiment_suite(ZcRunCtx *ctx, GError **error);

#endif
