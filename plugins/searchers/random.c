/* Searcher plugin `random`: architectures drawn uniformly from the space, optionally never
 * the same one twice (by genotype or by isomorphism key), until the budget is spent (no
 * budget: the whole deduplicated space, when the space is enumerable) or the space is
 * exhausted.  The baseline every other searcher is compared against; its ranking orders
 * what it drew by the fitness (docs/searchers.md), and with fitness = "oracle" it is the
 * random-search baseline on ground truth. */
#include "config.h"
#include "evolve.h"

static const ZcOption random_options[] = {
  SEARCH_OPTION_DEDUPE("genotype"),
  SEARCH_OPTIONS_FITNESS,
  {NULL},
};

static gpointer random_create(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  guint64 members;
  ZcCombine rule;
  if (!search_fitness_from_options(opts, setup, &members, &rule, error)) return NULL;
  return evolve_new(opts, setup, EVOLVE_RANDOM, members, rule, error);
}

static const ZcSearcherIface random_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .create = random_create,
  .destroy = evolve_free,
  .ask = evolve_ask,
  .tell = evolve_tell,
  .rank = evolve_rank,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, random, "2.0", "uniform random sampling without repeats", "MIT",
                 random_options, &random_iface)
