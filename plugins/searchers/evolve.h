/* The search engine of the random, evolution and libra searchers (private to them,
 * compiled into each; docs/searchers.md).  One engine, three ways to choose:
 *
 *   random      uniform samples of the space until the budget (0: the whole space after
 *               dedupe, when the space is enumerable) or the space is exhausted.
 *   aging       regularised evolution (Real et al., AAAI 2019): a population of P, started
 *               from P random samples; each round takes `batch` tournaments of S members
 *               drawn uniformly with replacement, mutates each winner (the fittest by the
 *               current fitness, first drawn of equals) and, once the children are told,
 *               adds the valid ones, the oldest member dying when the population exceeds P.
 *               A child whose fitness is NaN (a failed or non-finite score) never enters
 *               the population, so it can never be a parent (it is still ranked out).
 *   autoformer  AutoFormer's evolution (microsoft/Cream, AutoFormer/evolution.py): P random
 *               samples, then G generations of n_mut mutations of a random parent and
 *               n_cross crossovers of two random parents among the k fittest candidates
 *               told so far, filled up to P with random samples when dedupe leaves fewer
 *               (10 x n tries per kind, as there); budget P + G x max(P, n_mut + n_cross).
 *
 * Everything is decided from setup->seed and the results told, in the order the core tells
 * them: a round (a batch, a generation) is drawn only once every pending result is told,
 * and handed out in whatever chunks the core asks for, so the choices never depend on how
 * many candidates the core evaluates at once (--jobs); batch > 1 does change the trajectory
 * (children of one round share a population).  ask answers WAIT while results are pending
 * and nothing can be drawn, DONE once everything is issued and told. */
#ifndef ZC_SEARCHERS_EVOLVE_H
#define ZC_SEARCHERS_EVOLVE_H
#include "common.h"

typedef enum { EVOLVE_RANDOM, EVOLVE_AGING, EVOLVE_AUTOFORMER } EvolveMode;

/* Defaults: aging P = 10, S = 3 as NAS-Bench-201 / NATS-Bench's REA (D-X-Y/AutoDL-Projects,
 * exps/NATS-algos/regularized_ea.py: --ea_population 10 --ea_sample_size 3; Real et al.
 * used P = 100, S = 25 on the far larger NASNet space); autoformer P = 50, G = 20, k = 10,
 * 25 + 25 children (AutoFormer's search defaults). */
#define EVOLVE_OPTIONS                                                                     \
  {"population", ZC_OPT_INT, "0", 0, 1e6, NULL,                                            \
   "population P (0: the mode's default, aging 10, autoformer 50)"},                       \
  {"sample", ZC_OPT_INT, "3", 1, 1e6, NULL, "aging: tournament size S"},                   \
  {"batch", ZC_OPT_INT, "1", 1, 1e6, NULL,                                                 \
   "aging: children bred per round (>1: evaluated in parallel, another trajectory)"},     \
  {"generations", ZC_OPT_INT, "20", 0, 1e6, NULL, "autoformer: generations G after the first"}, \
  {"parents", ZC_OPT_INT, "10", 1, 1e6, NULL, "autoformer: the k fittest candidates are parents"}, \
  {"mutations", ZC_OPT_INT, "25", 0, 1e6, NULL, "autoformer: children by mutation per generation"}, \
  {"crossovers", ZC_OPT_INT, "25", 0, 1e6, NULL, "autoformer: children by crossover per generation"}

gboolean evolve_mode_parse(const char *text, EvolveMode *mode);
/* `opts` holds the dedupe option, and EVOLVE_OPTIONS unless mode is random. */
gpointer evolve_new(const ZcOptions *opts, const ZcSearchSetup *setup, EvolveMode mode, guint64 members,
                    ZcCombine rule, GError **error);
void evolve_free(gpointer self);
ZcAskStatus evolve_ask(gpointer self, ZcRequest *out, guint max, guint *n, GError **error);
void evolve_tell(gpointer self, const ZcResult *result);
guint evolve_rank(gpointer self, ZcRanked *out, guint max);

#endif
