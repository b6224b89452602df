/* Space plugin: AutoFormer ViT subnets (tiny, small, base supernets; method.md §6).
 * Genotypes, sampling, evolution and cost come from autoformer_genotype.c, the network
 * from autoformer_net.c; this file adapts them to the space interface.  The space is
 * not enumerable (about 1e14 subnets): no index, and no isomorphism key. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include "autoformer_genotype.h"
#include "autoformer_net.h"

struct ZcArch {
  ZcAfGenotype g;
};

typedef struct {
  ZcAfVariant variant;
  ZcAfCostOpts cost;     /* the network every genotype is built and costed as */
  ZcAfLimits limits;     /* parameter window, counted with `cost` */
  double s_prob, m_prob;
} AfSpace;

static const ZcOption af_options[] = {
  {"variant", ZC_OPT_CHOICE, "small", 0, 0, "tiny|small|base", "supernet choice tables (small: L-SWAG's ViT space)"},
  {"image_size", ZC_OPT_INT, "224", 1, 4096, NULL, "square input side in pixels"},
  {"patch_size", ZC_OPT_INT, "16", 1, 4096, NULL, "patch side; must divide image_size"},
  {"classes", ZC_OPT_INT, "1000", 1, 100000, NULL, "outputs of the linear head"},
  {"qkv_bias", ZC_OPT_BOOL, "false", 0, 0, NULL, "bias on the qkv projection (AutoFormer's module default: off)"},
  {"head", ZC_OPT_CHOICE, "cls", 0, 0, "cls|gap", "classify the class token, or the mean of the patch tokens (--gp)"},
  {"min_params_m", ZC_OPT_FLOAT, "0", 0, 1e6, NULL, "sample/mutate/cross over only subnets with at least this many M params (0: no limit)"},
  {"max_params_m", ZC_OPT_FLOAT, "0", 0, 1e6, NULL, "... and at most this many M params (0: no limit)"},
  {"s_prob", ZC_OPT_FLOAT, "0.4", 0, 1, NULL, "mutation: probability of re-drawing the depth, and the embed dim"},
  {"m_prob", ZC_OPT_FLOAT, "0.2", 0, 1, NULL, "mutation: probability of re-drawing each layer's MLP ratio, and heads"},
  {NULL},
};

static gpointer af_create(const ZcOptions *opts, GError **error) {
  AfSpace s = {0};
  if (!zc_af_variant_from_name(zc_options_string(opts, "variant"), &s.variant, error)) return NULL;
  zc_af_cost_opts_default(&s.cost);
  s.cost.img_size = (guint)zc_options_int(opts, "image_size");
  s.cost.patch_size = (guint)zc_options_int(opts, "patch_size");
  s.cost.num_classes = (guint)zc_options_int(opts, "classes");
  s.cost.qkv_bias = zc_options_bool(opts, "qkv_bias");
  s.cost.head = g_str_equal(zc_options_string(opts, "head"), "gap") ? ZC_AF_HEAD_GAP : ZC_AF_HEAD_CLS;
  if (s.cost.img_size % s.cost.patch_size) {
    zc_options_set_error(opts, "patch_size", error, "%u does not divide image_size %u", s.cost.patch_size,
                         s.cost.img_size);
    return NULL;
  }
  zc_af_limits_init(&s.limits);
  s.limits.cost = s.cost;
  s.limits.min_params = (guint64)llround(zc_options_float(opts, "min_params_m") * 1e6);
  s.limits.max_params = (guint64)llround(zc_options_float(opts, "max_params_m") * 1e6);
  s.s_prob = zc_options_float(opts, "s_prob");
  s.m_prob = zc_options_float(opts, "m_prob");
  /* A window that no subnet meets is a configuration error, reported where it was set. */
  ZcAfGenotype lo, hi;
  zc_af_genotype_min(s.variant, &lo);
  zc_af_genotype_max(s.variant, &hi);
  double pmin = zc_af_params(&lo, &s.cost) * 1e-6, pmax = zc_af_params(&hi, &s.cost) * 1e-6;
  if (s.limits.max_params && s.limits.min_params > s.limits.max_params) {
    zc_options_set_error(opts, "min_params_m", error, "%g is above max_params_m %g",
                         zc_options_float(opts, "min_params_m"), zc_options_float(opts, "max_params_m"));
    return NULL;
  }
  if ((s.limits.max_params && s.limits.max_params < zc_af_params(&lo, &s.cost)) ||
      (s.limits.min_params && s.limits.min_params > zc_af_params(&hi, &s.cost))) {
    const char *key = s.limits.max_params && s.limits.max_params < zc_af_params(&lo, &s.cost) ? "max_params_m"
                                                                                             : "min_params_m";
    zc_options_set_error(opts, key, error,
                         "%g M leaves no AutoFormer-%s subnet: their sizes run from %.2f M to %.2f M here",
                         zc_options_float(opts, key), zc_af_variant_name(s.variant), pmin, pmax);
    return NULL;
  }
  return g_memdup2(&s, sizeof s);
}

static void af_destroy(gpointer self) { g_free(self); }

static ZcArch *arch_new(const ZcAfGenotype *g) {
  ZcArch *a = g_new(ZcArch, 1);
  a->g = *g;
  return a;
}

static ZcArch *af_parse(gpointer self, const char *text, GError **error) {
  AfSpace *s = self;
  ZcAfGenotype g;
  return zc_af_genotype_parse(s->variant, text, &g, error) ? arch_new(&g) : NULL;
}

static char *af_format(gpointer self, const ZcArch *a) { return zc_af_genotype_to_string(&a->g); }
static ZcArch *af_copy(gpointer self, const ZcArch *a) { return arch_new(&a->g); }
static void af_arch_free(gpointer self, ZcArch *a) { g_free(a); }

static ZcArch *af_sample(gpointer self, ZcRng *rng, GError **error) {
  AfSpace *s = self;
  ZcAfGenotype g;
  return zc_af_genotype_sample(s->variant, rng, &s->limits, &g, error) ? arch_new(&g) : NULL;
}

static ZcArch *af_mutate(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error) {
  AfSpace *s = self;
  ZcAfGenotype g;
  return zc_af_genotype_mutate(&parent->g, rng, s->s_prob, s->m_prob, &s->limits, &g, error) ? arch_new(&g)
                                                                                              : NULL;
}

static ZcArch *af_crossover(gpointer self, const ZcArch *a, const ZcArch *b, ZcRng *rng, GError **error) {
  AfSpace *s = self;
  ZcAfGenotype g;
  return zc_af_genotype_crossover(&a->g, &b->g, rng, &s->limits, &g, error) ? arch_new(&g) : NULL;
}

/* params_m: parameters in millions (AutoFormer's get_sampled_params_numel);
 * flops_m: multiply-accumulates of the matrix products in millions, the same "one per
 * multiply-add" unit as NB201's count (see docs/spaces.md). */
static gboolean af_cost(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  AfSpace *s = self;
  cost->params_m = (double)zc_af_params(&a->g, &s->cost) * 1e-6;
  cost->flops_m = zc_af_flops_m(&a->g, &s->cost);
  return TRUE;
}

static ZcNet *af_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  AfSpace *s = self;
  return zc_af_net_build(&a->g, &s->cost, spec->float64, spec->seed, error);
}

static void af_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  AfSpace *s = self;
  *c = s->cost.in_chans;
  *h = *w = s->cost.img_size;
  *classes = s->cost.num_classes;
}

static const ZcSpaceIface af_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = af_create,
  .destroy = af_destroy,
  .parse = af_parse,
  .format = af_format,
  .copy = af_copy,
  .arch_free = af_arch_free,
  .sample = af_sample,
  .mutate = af_mutate,
  .crossover = af_crossover,
  .count = NULL,
  .from_index = NULL,
  .to_index = NULL,
  .iso_key = NULL,
  .cost = af_cost,
  .build = af_build,
  .input_shape = af_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, autoformer, "1.0",
                 "AutoFormer ViT subnets (tiny/small/base supernet tables; not enumerable)", "MIT", af_options,
                 &af_iface)
