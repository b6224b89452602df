/* Space plugin: NAS-Bench-101 cells (423,624 unique cells; not enumerated here).
 * Genotype code is in nb101_genotype.c, the network in nb101_net.c; this file adapts
 * them to the space interface. */
#include "config.h"
#include <zcnas/zcnas.h>
#include "nb101_genotype.h"
#include "nb101_net.h"

struct ZcArch {
  Nb101Spec s;
};

typedef struct {
  Nb101Macro macro;
} Nb101Space;

static const ZcOption nb101_options[] = {
  {"stem_channels", ZC_OPT_INT, "128", 1, 4096, NULL, "output channels of the stem convolution"},
  {"stacks", ZC_OPT_INT, "3", 1, 5, NULL, "stacks of modules (a 2x2 max pool and channel doubling between)"},
  {"modules", ZC_OPT_INT, "3", 1, 16, NULL, "modules (cells) per stack"},
  {"classes", ZC_OPT_INT, "10", 1, 100000, NULL, "outputs of the classifier"},
  {NULL},
};

static gpointer nb101_create(const ZcOptions *opts, GError **error) {
  Nb101Space *s = g_new0(Nb101Space, 1);
  s->macro.stem_channels = (guint)zc_options_int(opts, "stem_channels");
  s->macro.stacks = (guint)zc_options_int(opts, "stacks");
  s->macro.modules = (guint)zc_options_int(opts, "modules");
  s->macro.classes = (guint)zc_options_int(opts, "classes");
  s->macro.resolution = 32;
  return s;
}

static void nb101_destroy(gpointer self) { g_free(self); }

static ZcArch *arch_new(const Nb101Spec *s) {
  ZcArch *a = g_new(ZcArch, 1);
  a->s = *s;
  return a;
}

static ZcArch *nb101_parse_arch(gpointer self, const char *text, GError **error) {
  Nb101Spec s;
  return nb101_parse(text, &s, error) ? arch_new(&s) : NULL;
}

static char *nb101_format_arch(gpointer self, const ZcArch *a) { return nb101_format(&a->s); }
static ZcArch *nb101_copy(gpointer self, const ZcArch *a) { return arch_new(&a->s); }
static void nb101_arch_free(gpointer self, ZcArch *a) { g_free(a); }

static ZcArch *nb101_sample_arch(gpointer self, ZcRng *rng, GError **error) {
  Nb101Spec s;
  nb101_sample(rng, &s);
  return arch_new(&s);
}

static ZcArch *nb101_mutate_arch(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error) {
  Nb101Spec s;
  nb101_mutate(&parent->s, rng, &s);
  return arch_new(&s);
}

static char *nb101_iso_key_arch(gpointer self, const ZcArch *a) { return nb101_hash(&a->s); }

static gboolean nb101_cost_arch(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  Nb101Space *s = self;
  double p, f;
  nb101_cost(&a->s, &s->macro, &p, &f);
  cost->params_m = p * 1e-6;
  cost->flops_m = f * 1e-6;
  return TRUE;
}

static ZcNet *nb101_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  Nb101Space *s = self;
  return nb101_net_build(&a->s, &s->macro, spec->float64, spec->seed, error);
}

static void nb101_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  Nb101Space *s = self;
  *c = 3;
  *h = *w = s->macro.resolution;
  *classes = s->macro.classes;
}

static const ZcSpaceIface nb101_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = nb101_create,
  .destroy = nb101_destroy,
  .parse = nb101_parse_arch,
  .format = nb101_format_arch,
  .copy = nb101_copy,
  .arch_free = nb101_arch_free,
  .sample = nb101_sample_arch,
  .mutate = nb101_mutate_arch,
  .crossover = NULL,
  .count = NULL,
  .from_index = NULL,
  .to_index = NULL,
  .iso_key = nb101_iso_key_arch,
  .cost = nb101_cost_arch,
  .build = nb101_build,
  .input_shape = nb101_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, nb101, "1.0", "NAS-Bench-101 cell space (CIFAR-10 network, official module hash)",
                 "MIT", nb101_options, &nb101_iface)
