/* zcnas — fitness of candidates from one or several scores, for searchers.
 *
 * A ZcFitness collects the score vectors a searcher was told and turns the chosen member
 * scores into one number per candidate, higher is better.  With one member the fitness is
 * the score itself times its direction.  With several it is population dependent: each
 * member is ranked over every candidate added so far (average ranks, ascending after
 * applying the direction, so rank 1 = worst and N = best) and the ranks are combined:
 *   ZC_COMBINE_LOGRANK  sum_k log(rank_k / N)          (AZ-NAS; the default)
 *   ZC_COMBINE_RANKSUM  sum_k rank_k                   (TE-NAS)
 *   ZC_COMBINE_ZSUM     sum_k (d_k x_k - mean_k) / sd_k  (z-scores of the directed values)
 *   ZC_COMBINE_PRODUCT  sum_k d_k log x_k              (the log of prod_k x_k^d_k; every
 *                                                       member value must be > 0)
 * where N, the means and the population standard deviations (divisor N) are taken over the
 * valid candidates; a member of sd 0 adds 0.  So a candidate's fitness changes as others
 * are added (PRODUCT's does not).  Which candidates are valid is the missing-value policy:
 *   ZC_MISSING_DROP   (default) every member has a value; the others take no rank, fitness
 *                     NaN (and, for PRODUCT, every member value must be > 0);
 *   ZC_MISSING_WORST  at least one member has a value; a missing one counts as that
 *                     member's worst value over the candidates (VKDNW's aggregate sets a
 *                     failed jacov to its minimum).
 * A value is missing when NaN; for ZSUM, PRODUCT and a single member also when +-inf (the
 * rank rules over several members order +-inf like any value, as the rank statistics do).
 * Values are recomputed lazily, at most once per zc_fitness_add(). */
#ifndef ZC_FITNESS_H
#define ZC_FITNESS_H
#include <glib.h>
#include <zcnas/searcher.h>

G_BEGIN_DECLS

typedef enum {
  ZC_COMBINE_LOGRANK = 0,
  ZC_COMBINE_RANKSUM,
  ZC_COMBINE_ZSUM,
  ZC_COMBINE_PRODUCT
} ZcCombine;

typedef enum {
  ZC_MISSING_DROP = 0,
  ZC_MISSING_WORST
} ZcMissing;

/* "logrank", "ranksum", "zsum", "product"; FALSE for anything else. */
gboolean zc_combine_parse(const char *text, ZcCombine *rule);
const char *zc_combine_name(ZcCombine rule);
/* "drop", "worst"; FALSE for anything else. */
gboolean zc_missing_parse(const char *text, ZcMissing *policy);
const char *zc_missing_name(ZcMissing policy);

typedef struct ZcFitness ZcFitness;

/* Members: bit k = score k of the layout (borrowed; it must outlive the fitness). */
ZcFitness *zc_fitness_new(const ZcScoreLayout *layout, guint64 members, ZcCombine rule);
/* Members from a comma-separated list of score names ("" or NULL: every proxy score of
 * the layout); FALSE with ZC_ERROR_CONFIG naming the unknown score. */
gboolean zc_fitness_members_parse(const ZcScoreLayout *layout, const char *names, guint64 *members,
                                  GError **error);
void zc_fitness_free(ZcFitness *fitness);
/* The missing-value policy (before the first zc_fitness_add; default ZC_MISSING_DROP). */
void zc_fitness_set_missing(ZcFitness *fitness, ZcMissing policy);
guint64 zc_fitness_members(const ZcFitness *fitness);
/* Add a candidate's score vector (layout->n_scores values, copied); returns its index
 * 0, 1, 2 ... */
guint zc_fitness_add(ZcFitness *fitness, const double *scores);
guint zc_fitness_size(const ZcFitness *fitness);
/* Fitness of candidate i over everything added so far; NaN when it has no valid score. */
double zc_fitness_value(ZcFitness *fitness, guint i);
/* The index of the fittest candidate (the first of equals), or -1 when none is valid. */
int zc_fitness_best(ZcFitness *fitness);

G_END_DECLS
#endif
