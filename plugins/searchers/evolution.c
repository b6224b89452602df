/* Searcher plugin `evolution`: regularised (aging) evolution, Real et al. AAAI 2019
 * (mode = "aging", the default), or AutoFormer's evolution, Chen et al. ICCV 2021
 * (mode = "autoformer"), on the space's own mutation and crossover, ranking candidates by
 * the fitness of their proxy scores, or of their ground truth (fitness = "oracle").
 * The engine is evolve.c (docs/searchers.md). */
#include "config.h"
#include "evolve.h"

static const ZcOption evolution_options[] = {
  {"mode", ZC_OPT_CHOICE, "aging", 0, 0, "aging|autoformer",
   "regularised evolution (Real et al. 2019) or AutoFormer's generations (Chen et al. 2021)"},
  SEARCH_OPTION_DEDUPE("genotype"),
  SEARCH_OPTIONS_FITNESS,
  EVOLVE_OPTIONS,
  {NULL},
};

static gpointer evolution_create(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  EvolveMode mode;
  guint64 members;
  ZcCombine rule;
  if (!evolve_mode_parse(zc_options_string(opts, "mode"), &mode)) {
    zc_options_set_error(opts, "mode", error, "unknown mode");
    return NULL;
  }
  if (!search_fitness_from_options(opts, setup, &members, &rule, error)) return NULL;
  return evolve_new(opts, setup, mode, members, rule, error);
}

static const ZcSearcherIface evolution_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .create = evolution_create,
  .destroy = evolve_free,
  .ask = evolve_ask,
  .tell = evolve_tell,
  .rank = evolve_rank,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, evolution, "1.0", "regularised (aging) or AutoFormer evolution", "MIT",
                 evolution_options, &evolution_iface)
