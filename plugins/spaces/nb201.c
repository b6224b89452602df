/* Space plugin: NAS-Bench-201 (NATS-Bench topology space), 15,625 cells.
 * Genotype code is in nb201_genotype.c, the network in nb201_net.c; this file adapts
 * them to the space interface. */
#include "config.h"
#include <zcnas/zcnas.h>
#include "nb201_genotype.h"
#include "nb201_net.h"

struct ZcArch {
  Nb201Genotype g;
};

typedef struct {
  Nb201Macro macro;
} Nb201Space;

static const ZcOption nb201_options[] = {
  {"dataset", ZC_OPT_CHOICE, "cifar10", 0, 0, "cifar10|cifar100|imagenet16-120",
   "head and input size: 10 classes at 32x32, 100 at 32x32, or 120 at 16x16"},
  {"channels", ZC_OPT_INT, "16", 1, 1024, NULL, "channels of the first stage (C)"},
  {"cells", ZC_OPT_INT, "5", 1, 64, NULL, "cells per stage (N)"},
  {NULL},
};

static gpointer nb201_create(const ZcOptions *opts, GError **error) {
  Nb201Space *s = g_new0(Nb201Space, 1);
  const char *ds = zc_options_string(opts, "dataset");
  s->macro.channels = (guint)zc_options_int(opts, "channels");
  s->macro.cells = (guint)zc_options_int(opts, "cells");
  s->macro.resolution = g_str_equal(ds, "imagenet16-120") ? 16 : 32;
  s->macro.classes = g_str_equal(ds, "cifar10") ? 10 : g_str_equal(ds, "cifar100") ? 100 : 120;
  return s;
}

static void nb201_destroy(gpointer self) { g_free(self); }

static ZcArch *arch_new(const Nb201Genotype *g) {
  ZcArch *a = g_new(ZcArch, 1);
  a->g = *g;
  return a;
}

static ZcArch *nb201_parse_arch(gpointer self, const char *text, GError **error) {
  Nb201Genotype g;
  return nb201_parse(text, &g, error) ? arch_new(&g) : NULL;
}

static char *nb201_format_arch(gpointer self, const ZcArch *a) { return nb201_format(&a->g); }
static ZcArch *nb201_copy(gpointer self, const ZcArch *a) { return arch_new(&a->g); }
static void nb201_arch_free(gpointer self, ZcArch *a) { g_free(a); }

static ZcArch *nb201_sample_arch(gpointer self, ZcRng *rng, GError **error) {
  Nb201Genotype g;
  nb201_sample(rng, &g);
  return arch_new(&g);
}

static ZcArch *nb201_mutate_arch(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error) {
  Nb201Genotype g;
  nb201_mutate(&parent->g, rng, &g);
  return arch_new(&g);
}

static ZcArch *nb201_crossover_arch(gpointer self, const ZcArch *a, const ZcArch *b, ZcRng *rng,
                                    GError **error) {
  Nb201Genotype g;
  nb201_crossover(&a->g, &b->g, rng, &g);
  return arch_new(&g);
}

static guint64 nb201_count(gpointer self) { return NB201_COUNT; }

static ZcArch *nb201_from_index_arch(gpointer self, guint64 index, GError **error) {
  if (index >= NB201_COUNT) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb201 index %" G_GUINT64_FORMAT " is out of range 0..%u",
                index, NB201_COUNT - 1);
    return NULL;
  }
  Nb201Genotype g;
  nb201_from_index((guint)index, &g);
  return arch_new(&g);
}

static gboolean nb201_to_index_arch(gpointer self, const ZcArch *a, guint64 *index) {
  *index = nb201_to_index(&a->g);
  return TRUE;
}

static char *nb201_iso_key_arch(gpointer self, const ZcArch *a) { return nb201_iso_key(&a->g); }

static gboolean nb201_cost_arch(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  Nb201Space *s = self;
  double p, f;
  nb201_cost(&a->g, &s->macro, &p, &f);
  cost->params_m = p * 1e-6;
  cost->flops_m = f * 1e-6;
  return TRUE;
}

static ZcNet *nb201_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  Nb201Space *s = self;
  return nb201_net_build(&a->g, &s->macro, spec->float64, spec->seed, error);
}

static void nb201_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  Nb201Space *s = self;
  *c = 3;
  *h = *w = s->macro.resolution;
  *classes = s->macro.classes;
}

static const ZcSpaceIface nb201_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = nb201_create,
  .destroy = nb201_destroy,
  .parse = nb201_parse_arch,
  .format = nb201_format_arch,
  .copy = nb201_copy,
  .arch_free = nb201_arch_free,
  .sample = nb201_sample_arch,
  .mutate = nb201_mutate_arch,
  .crossover = nb201_crossover_arch,
  .count = nb201_count,
  .from_index = nb201_from_index_arch,
  .to_index = nb201_to_index_arch,
  .iso_key = nb201_iso_key_arch,
  .cost = nb201_cost_arch,
  .build = nb201_build,
  .input_shape = nb201_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, nb201, "1.0", "NAS-Bench-201 cell space (15,625 cells, official index order)",
                 "MIT", nb201_options, &nb201_iface)
