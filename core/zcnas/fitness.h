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
 * where N, the means and the population standard deviations (divisor N) are taken over the
 * candidates whose every member is finite, the others taking no rank and fitness NaN; a
 * member of sd 0 adds 0.  So a candidate's fitness changes as others are added.  Values
 * are recomputed lazily, at most once per zc_fitness_add(). */
#ifndef ZC_FITNESS_H
#define ZC_FITNESS_H
#include <glib.h>
#include <zcnas/searcher.h>

G_BEGIN_DECLS

typedef enum {
  ZC_COMBINE_LOGRANK = 0,
  ZC_COMBINE_RANKSUM,
  ZC_COMBINE_ZSUM
} ZcCombine;

/* "logrank", "ranksum", "zsum"; FALSE for anything else. */
gboolean zc_combine_parse(const char *text, ZcCombine *rule);
const char *zc_combine_name(ZcCombine rule);

typedef struct ZcFitness ZcFitness;

/* Members: bit k = score k of the layout (borrowed; it must outlive the fitness). */
ZcFitness *zc_fitness_new(const ZcScoreLayout *layout, guint64 members, ZcCombine rule);
/* Members from a comma-separated list of score names ("" or NULL: every proxy score of
 * the layout); FALSE with ZC_ERROR_CONFIG naming the unknown score. */
gboolean zc_fitness_members_parse(const ZcScoreLayout *layout, const char *names, guint64 *members,
                                  GError **error);
void zc_fitness_free(ZcFitness *fitness);
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
