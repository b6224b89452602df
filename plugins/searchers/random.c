#if 0 /* being ported to the searcher contract v2 */
/* Searcher plugin `random`: draws architectures uniformly from the space, optionally
 * skipping ones already drawn (by genotype or by isomorphism key), until the budget is
 * spent.  The baseline every other searcher is compared against. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>

typedef struct {
  ZcSpace *space;
  ZcRng rng;
  gint64 budget, issued;
  const char *dedupe;
  GHashTable *seen;     /* keys already issued */
  int objective;        /* score index; direction from the layout */
  gint8 direction;
  ZcArch *best;
  double best_value;
} RandomSearch;

static const ZcOption random_options[] = {
  {"budget", ZC_OPT_INT, "100", 1, 1e9, NULL, "number of architectures to evaluate"},
  {"dedupe", ZC_OPT_CHOICE, "genotype", 0, 0, "none|genotype|isomorphism",
   "skip architectures already drawn: never, same genotype, or same function"},
  {"objective", ZC_OPT_STRING, "", 0, 0, NULL, "score that ranks candidates (default: the first)"},
  {NULL},
};

static gpointer random_create(const ZcOptions *opts, ZcSpace *space, const ZcScoreLayout *layout, guint64 seed,
                              GError **error) {
  const char *objective = zc_options_string(opts, "objective");
  int idx = *objective ? zc_score_layout_find(layout, objective) : 0;
  if (idx < 0 || layout->n_scores == 0) {
    zc_options_set_error(opts, "objective", error, "no score named '%s'", objective);
    return NULL;
  }
  RandomSearch *r = g_new0(RandomSearch, 1);
  r->space = space;
  zc_rng_init(&r->rng, seed, zc_hash_str("searcher/random"));
  r->budget = zc_options_int(opts, "budget");
  r->dedupe = zc_options_string(opts, "dedupe");
  r->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  r->objective = idx;
  r->direction = layout->direction[idx];
  r->best_value = NAN;
  guint64 n = zc_space_count(space);
  if (strcmp(r->dedupe, "none") && n && (guint64)r->budget > n) r->budget = (gint64)n;
  return r;
}

static void random_destroy(gpointer self) {
  RandomSearch *r = self;
  g_hash_table_unref(r->seen);
  zc_space_arch_free(r->space, r->best);
  g_free(r);
}

/* The key that decides whether an architecture was already drawn, or NULL for no dedupe. */
static char *dedupe_key(RandomSearch *r, const ZcArch *a) {
  if (!strcmp(r->dedupe, "none")) return NULL;
  if (!strcmp(r->dedupe, "isomorphism")) {
    char *k = zc_space_iso_key(r->space, a);
    if (k) return k;
  }
  return zc_space_format(r->space, a);
}

static guint random_ask(gpointer self, ZcArch **out, guint max, GError **error) {
  RandomSearch *r = self;
  guint n = 0;
  /* bounded: a space smaller than the budget (after dedupe) must still end */
  guint misses = 0;
  while (n < max && r->issued < r->budget && misses < 100000) {
    ZcArch *a = zc_space_sample(r->space, &r->rng, error);
    if (!a) return n;
    char *key = dedupe_key(r, a);
    if (key && g_hash_table_contains(r->seen, key)) {
      g_free(key);
      zc_space_arch_free(r->space, a);
      misses++;
      continue;
    }
    if (key) g_hash_table_add(r->seen, key);
    out[n++] = a;
    r->issued++;
    misses = 0;
  }
  return n;
}

static void random_tell(gpointer self, const ZcArch *arch, const double *scores) {
  RandomSearch *r = self;
  double v = scores[r->objective] * r->direction;
  if (isnan(v)) return;
  if (!r->best || v > r->best_value) {
    zc_space_arch_free(r->space, r->best);
    r->best = zc_space_copy(r->space, arch);
    r->best_value = v;
  }
}

static const ZcArch *random_best(gpointer self) { return ((RandomSearch *)self)->best; }

static const ZcSearcherIface random_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .create = random_create,
  .destroy = random_destroy,
  .ask = random_ask,
  .tell = random_tell,
  .best = random_best,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, random, "1.0", "uniform random sampling without repeats", "MIT",
                 random_options, &random_iface)
#endif
#include <zcnas/zcnas.h>
static const ZcSearcherIface random_iface = {.struct_size = sizeof(ZcSearcherIface)};
ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, random, "1.0", "uniform random sampling without repeats", "MIT", NULL, &random_iface)
