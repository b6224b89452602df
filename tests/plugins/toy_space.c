/* A tiny search space for proxy tests: "c<C>-d<D>" is a stem conv3x3(3->C)-BN-ReLU,
 * D blocks conv3x3(C->C)-BN-ReLU, global average pooling and a linear head, on 3x8x8
 * inputs with 4 classes.  Small enough that tests can check proxies against brute-force
 * computations (finite differences, separate passes). */
#include "config.h"
#include <stdio.h>
#include <zcnas/zcnas.h>

struct ZcArch {
  int c, d;
};

static const ZcOption toy_options[] = {
  {"classes", ZC_OPT_INT, "4", 2, 100, NULL, "classes of the head"},
  {"resolution", ZC_OPT_INT, "8", 2, 64, NULL, "input side"},
  {NULL},
};

typedef struct {
  int classes, res;
} Toy;

static gpointer toy_create(const ZcOptions *opts, GError **error) {
  Toy *t = g_new0(Toy, 1);
  t->classes = (int)zc_options_int(opts, "classes");
  t->res = (int)zc_options_int(opts, "resolution");
  return t;
}
static void toy_destroy(gpointer self) { g_free(self); }

static ZcArch *toy_parse(gpointer self, const char *text, GError **error) {
  int c, d, n = 0;
  if (sscanf(text, "c%d-d%d%n", &c, &d, &n) != 2 || text[n] || c < 1 || c > 64 || d < 0 || d > 8) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "toy arch '%s': expected c<1..64>-d<0..8>", text);
    return NULL;
  }
  ZcArch *a = g_new(ZcArch, 1);
  a->c = c;
  a->d = d;
  return a;
}
static char *toy_format(gpointer self, const ZcArch *a) { return g_strdup_printf("c%d-d%d", a->c, a->d); }
static ZcArch *toy_copy(gpointer self, const ZcArch *a) { return g_memdup2(a, sizeof *a); }
static void toy_free(gpointer self, ZcArch *a) { g_free(a); }
static ZcArch *toy_sample(gpointer self, ZcRng *rng, GError **error) {
  ZcArch *a = g_new(ZcArch, 1);
  a->c = 2 << zc_rng_below(rng, 3);
  a->d = 1 + (int)zc_rng_below(rng, 3);
  return a;
}

static gboolean toy_cost(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  Toy *t = self;
  double c = a->c, hw = (double)t->res * t->res;
  double p = 27 * c + 2 * c + a->d * (9 * c * c + 2 * c) + c * t->classes + t->classes;
  double f = 27 * c * hw + a->d * 9 * c * c * hw + c * t->classes;
  cost->params_m = p * 1e-6;
  cost->flops_m = f * 1e-6;
  return TRUE;
}

static ZcNet *toy_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  Toy *t = self;
  ZcNet *net = zc_net_new(spec->float64 ? ZC_F64 : ZC_F32);
  int x = zc_net_input(net, 3, t->res, t->res);
  for (int i = 0; i <= a->d && x >= 0; i++) {
    x = zc_net_conv2d(net, x, a->c, 3, 1, 1, FALSE, error);
    if (x >= 0) x = zc_net_batchnorm(net, x, TRUE, error);
    if (x >= 0) x = zc_net_relu(net, x, error);
    if (x >= 0) zc_net_add_tags(net, x, i == 0 ? ZC_TAG_STEM_OUTPUT : ZC_TAG_BLOCK_OUTPUT);
  }
  if (x >= 0) zc_net_add_tags(net, x, ZC_TAG_PRE_GAP);
  if (x >= 0) x = zc_net_global_avgpool(net, x, error);
  if (x >= 0) x = zc_net_linear(net, x, t->classes, TRUE, error);
  if (x < 0) {
    zc_net_free(net);
    return NULL;
  }
  zc_net_set_role(net, x, "head");
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, spec->seed);
  return net;
}

static void toy_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  Toy *t = self;
  *c = 3;
  *h = *w = (guint)t->res;
  *classes = (guint)t->classes;
}

static const ZcSpaceIface toy_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = toy_create,
  .destroy = toy_destroy,
  .parse = toy_parse,
  .format = toy_format,
  .copy = toy_copy,
  .arch_free = toy_free,
  .sample = toy_sample,
  .cost = toy_cost,
  .build = toy_build,
  .input_shape = toy_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, toy, "1.0", "tiny conv nets for proxy tests", "MIT", toy_options, &toy_iface)
