/* A pipeline's `combine` list: score columns made from other score columns by a rank rule
 * over the run's architectures (AZ-NAS's log-rank sum, rank sum, z-score sum, product),
 * computed by the searchers' ZcFitness (<zcnas/fitness.h>) so both share one
 * implementation.  docs/combine.md describes the settings. */
#ifndef ZC_EXPERIMENTS_COMBINE_H
#define ZC_EXPERIMENTS_COMBINE_H
#include <glib.h>
#include <zcnas/fitness.h>
#include <zcnas/searcher.h>
#include "run/context.h"

typedef struct {
  char *name;          /* the new column */
  char **of;           /* its member score names (NULL-terminated) */
  ZcCombine rule;
  ZcMissing missing;
  char *origin;        /* FILE:LINE of the entry, for messages */
} ZcCombineSpec;

/* The entries of `combine` (an empty array when the pipeline has none); NULL with
 * ZC_ERROR_CONFIG naming the entry and field on a bad one.  `selection = FILE` (a
 * selection.json of `zcnas select`) gives the members, and the rule unless `rule` is set. */
GPtrArray *zc_combine_specs_load(ZcRunCtx *ctx, GError **error);

/* The layout extended by one column per spec (direction +1), and the n x (scores +
 * specs) matrix: the input columns, then each combination over the n rows.  A member
 * not among the layout's scores is ZC_ERROR_CONFIG naming it and the entry.  The
 * extended layout's arrays are owned by *names_out / *dir_out (free with g_ptr_array_unref
 * and g_free). */
gboolean zc_combine_extend(const GPtrArray *specs, const ZcScoreLayout *layout, const double *scores, guint n,
                           ZcScoreLayout *out, GPtrArray **names_out, gint8 **dir_out, double **scores_out,
                           GError **error);

/* The same checks on no rows: names and members against the layout, before any scoring. */
gboolean zc_combine_check(const GPtrArray *specs, const ZcScoreLayout *layout, GError **error);

#endif
