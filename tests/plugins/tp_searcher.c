/* A searcher for the core's side of the contract (tests/integration/search.sh): it asks
 * for everything, never stops by itself, or breaks the contract on purpose.
 *   mode = "greedy"  every request wants every score, oracle included; READY until the
 *                    core stops asking at its budget
 *   mode = "wait"    WAIT with nothing pending
 *   mode = "bits"    a request wanting a score beyond the layout */
#include "config.h"
#include <string.h>
#include <zcnas/zcnas.h>

typedef struct {
  ZcSpace *space;
  ZcRng rng;
  guint64 all;
  const char *mode;
  ZcArch *first;
} Tp;

static const ZcOption tp_options[] = {
  {"mode", ZC_OPT_CHOICE, "greedy", 0, 0, "greedy|wait|bits", "how to behave"},
  {NULL},
};

static gpointer tp_create(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  (void)error;
  Tp *t = g_new0(Tp, 1);
  t->space = setup->space;
  t->mode = zc_options_string(opts, "mode");
  zc_rng_init(&t->rng, setup->seed, zc_hash_str("searcher/tp"));
  guint n = setup->layout->n_scores;
  t->all = n >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT(1) << n) - 1;
  return t;
}

static void tp_destroy(gpointer self) {
  Tp *t = self;
  if (t->first) zc_space_arch_free(t->space, t->first);
  g_free(t);
}

static ZcAskStatus tp_ask(gpointer self, ZcRequest *out, guint max, guint *n, GError **error) {
  Tp *t = self;
  if (!strcmp(t->mode, "wait")) return ZC_ASK_WAIT;
  for (*n = 0; *n < max; (*n)++) {
    out[*n].arch = zc_space_sample(t->space, &t->rng, error);
    if (!out[*n].arch) return ZC_ASK_ERROR;
    out[*n].want = !strcmp(t->mode, "bits") ? ~t->all : t->all;
  }
  return ZC_ASK_READY;
}

static void tp_tell(gpointer self, const ZcResult *result) {
  Tp *t = self;
  if (!t->first) t->first = zc_space_copy(t->space, result->arch);
}

static guint tp_rank(gpointer self, ZcRanked *out, guint max) {
  Tp *t = self;
  if (!t->first || max == 0) return 0;
  out[0] = (ZcRanked){t->first, 0.0};
  return 1;
}

static const ZcSearcherIface tp_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .create = tp_create,
  .destroy = tp_destroy,
  .ask = tp_ask,
  .tell = tp_tell,
  .rank = tp_rank,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, tp_searcher, "1.0", "test searcher: asks for everything, or breaks the contract",
                 "MIT", tp_options, &tp_iface)
