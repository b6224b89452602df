/* Space plugin: the DARTS / NAS-Bench-301 cell space (normal and reduction cells, 4 nodes,
 * 7 operations; about 10^18 genotypes, not enumerable).  Genotype code is in
 * darts_genotype.c, the network in darts_net.c; this file adapts them to the space
 * interface. */
#include "config.h"
#include <zcnas/zcnas.h>
#include "darts_genotype.h"
#include "darts_net.h"

struct ZcArch {
  DartsGenotype g;
};

typedef struct {
  DartsMacro macro;
} DartsSpace;

static const ZcOption darts_options[] = {
  {"channels", ZC_OPT_INT, "32", 2, 1024, NULL,
   "channels C of the first cells (the stem has 3C); 32 reproduces NAS-Bench-Suite-Zero's NB301 table"},
  {"layers", ZC_OPT_INT, "8", 1, 64, NULL, "cells; reductions at layers/3 and 2*layers/3"},
  {NULL},
};

static gpointer darts_create(const ZcOptions *opts, GError **error) {
  DartsSpace *s = g_new0(DartsSpace, 1);
  s->macro.channels = (guint)zc_options_int(opts, "channels");
  s->macro.layers = (guint)zc_options_int(opts, "layers");
  s->macro.resolution = 32;
  s->macro.classes = 10;
  return s;
}

static void darts_destroy(gpointer self) { g_free(self); }

static ZcArch *arch_new(const DartsGenotype *g) {
  ZcArch *a = g_new(ZcArch, 1);
  a->g = *g;
  return a;
}

static ZcArch *darts_parse_arch(gpointer self, const char *text, GError **error) {
  DartsGenotype g;
  return darts_parse(text, &g, error) ? arch_new(&g) : NULL;
}

static char *darts_format_arch(gpointer self, const ZcArch *a) { return darts_format(&a->g); }
static ZcArch *darts_copy(gpointer self, const ZcArch *a) { return arch_new(&a->g); }
static void darts_arch_free(gpointer self, ZcArch *a) { g_free(a); }

static ZcArch *darts_sample_arch(gpointer self, ZcRng *rng, GError **error) {
  DartsGenotype g;
  darts_sample(rng, &g);
  return arch_new(&g);
}

static ZcArch *darts_mutate_arch(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error) {
  DartsGenotype g;
  darts_mutate(&parent->g, rng, &g);
  return arch_new(&g);
}

static ZcArch *darts_crossover_arch(gpointer self, const ZcArch *a, const ZcArch *b, ZcRng *rng,
                                    GError **error) {
  DartsGenotype g;
  darts_crossover(&a->g, &b->g, rng, &g);
  return arch_new(&g);
}

static char *darts_iso_key_arch(gpointer self, const ZcArch *a) { return darts_iso_key(&a->g); }

static gboolean darts_cost_arch(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  DartsSpace *s = self;
  double p, f;
  darts_cost(&a->g, &s->macro, &p, &f);
  cost->params_m = p * 1e-6;
  cost->flops_m = f * 1e-6;
  return TRUE;
}

static ZcNet *darts_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  DartsSpace *s = self;
  return darts_net_build(&a->g, &s->macro, spec->float64, spec->seed, error);
}

static void darts_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  DartsSpace *s = self;
  *c = 3;
  *h = *w = s->macro.resolution;
  *classes = s->macro.classes;
}

static const ZcSpaceIface darts_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = darts_create,
  .destroy = darts_destroy,
  .parse = darts_parse_arch,
  .format = darts_format_arch,
  .copy = darts_copy,
  .arch_free = darts_arch_free,
  .sample = darts_sample_arch,
  .mutate = darts_mutate_arch,
  .crossover = darts_crossover_arch,
  .iso_key = darts_iso_key_arch,
  .cost = darts_cost_arch,
  .build = darts_build,
  .input_shape = darts_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, darts, "1.0",
                 "DARTS / NAS-Bench-301 cell space (CIFAR-10, NBSZ's C=32, 8-cell network)", "MIT",
                 darts_options, &darts_iface)
