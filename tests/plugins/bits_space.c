/* A synthetic space with a known optimum, for searcher tests: an architecture is L digits
 * in base K ("0312..."; options length, base), K^L of them, enumerable in base-K order.
 * Sampling draws each digit uniformly, mutation changes one uniformly chosen digit to one
 * of the K - 1 others, crossover takes each digit from either parent with probability 1/2.
 * Nothing is built; cost: params = the digit sum (millions).  Linked into the tests that
 * use it (ZC_PLUGIN_STATIC), so it is not a plugin file the loader tests would find. */
#include "config.h"
#include <string.h>
#include <zcnas/zcnas.h>

#define BITS_MAX 32

struct ZcArch {
  guint8 d[BITS_MAX];
};

typedef struct {
  guint L, K;
} Bits;

static const ZcOption bits_options[] = {
  {"length", ZC_OPT_INT, "8", 1, BITS_MAX, NULL, "digits L"},
  {"base", ZC_OPT_INT, "4", 2, 10, NULL, "values of a digit K"},
  {NULL},
};

static gpointer bits_create(const ZcOptions *opts, GError **error) {
  Bits *b = g_new0(Bits, 1);
  b->L = (guint)zc_options_int(opts, "length");
  b->K = (guint)zc_options_int(opts, "base");
  return b;
}
static void bits_destroy(gpointer self) { g_free(self); }

static ZcArch *bits_parse(gpointer self, const char *text, GError **error) {
  Bits *b = self;
  ZcArch *a = g_new0(ZcArch, 1);
  for (guint i = 0; i < b->L; i++) {
    if (text[i] < '0' || text[i] >= (char)('0' + b->K)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "bits arch '%s' at position %u: expected a digit below %u", text,
                  i, b->K);
      g_free(a);
      return NULL;
    }
    a->d[i] = (guint8)(text[i] - '0');
  }
  if (text[b->L]) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "bits arch '%s': expected %u digits", text, b->L);
    g_free(a);
    return NULL;
  }
  return a;
}
static char *bits_format(gpointer self, const ZcArch *a) {
  Bits *b = self;
  char *s = g_malloc(b->L + 1);
  for (guint i = 0; i < b->L; i++) s[i] = (char)('0' + a->d[i]);
  s[b->L] = 0;
  return s;
}
static ZcArch *bits_copy(gpointer self, const ZcArch *a) { return g_memdup2(a, sizeof *a); }
static void bits_free(gpointer self, ZcArch *a) { g_free(a); }
static ZcArch *bits_sample(gpointer self, ZcRng *rng, GError **error) {
  Bits *b = self;
  ZcArch *a = g_new0(ZcArch, 1);
  for (guint i = 0; i < b->L; i++) a->d[i] = (guint8)zc_rng_below(rng, b->K);
  return a;
}
static ZcArch *bits_mutate(gpointer self, const ZcArch *p, ZcRng *rng, GError **error) {
  Bits *b = self;
  ZcArch *a = g_memdup2(p, sizeof *p);
  guint i = (guint)zc_rng_below(rng, b->L);
  a->d[i] = (guint8)((a->d[i] + 1 + zc_rng_below(rng, b->K - 1)) % b->K);
  return a;
}
static ZcArch *bits_crossover(gpointer self, const ZcArch *x, const ZcArch *y, ZcRng *rng, GError **error) {
  Bits *b = self;
  ZcArch *a = g_new0(ZcArch, 1);
  for (guint i = 0; i < b->L; i++) a->d[i] = zc_rng_below(rng, 2) ? y->d[i] : x->d[i];
  return a;
}
static guint64 bits_count(gpointer self) {
  Bits *b = self;
  guint64 n = 1;
  for (guint i = 0; i < b->L; i++) n *= b->K;
  return n;
}
static ZcArch *bits_from_index(gpointer self, guint64 index, GError **error) {
  Bits *b = self;
  if (index >= bits_count(self)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "bits: index %" G_GUINT64_FORMAT " out of range", index);
    return NULL;
  }
  ZcArch *a = g_new0(ZcArch, 1);
  for (guint i = b->L; i-- > 0; index /= b->K) a->d[i] = (guint8)(index % b->K);
  return a;
}
static gboolean bits_to_index(gpointer self, const ZcArch *a, guint64 *index) {
  Bits *b = self;
  *index = 0;
  for (guint i = 0; i < b->L; i++) *index = *index * b->K + a->d[i];
  return TRUE;
}
static gboolean bits_cost(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  Bits *b = self;
  guint s = 0;
  for (guint i = 0; i < b->L; i++) s += a->d[i];
  cost->params_m = s;
  cost->flops_m = s;
  return TRUE;
}
static void bits_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  *c = *h = *w = 1;
  *classes = 2;
}

static const ZcSpaceIface bits_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = bits_create,
  .destroy = bits_destroy,
  .parse = bits_parse,
  .format = bits_format,
  .copy = bits_copy,
  .arch_free = bits_free,
  .sample = bits_sample,
  .mutate = bits_mutate,
  .crossover = bits_crossover,
  .count = bits_count,
  .from_index = bits_from_index,
  .to_index = bits_to_index,
  .cost = bits_cost,
  .input_shape = bits_input_shape,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, bits, "1.0", "L digits in base K, for searcher tests", "MIT", bits_options,
                 &bits_iface)
