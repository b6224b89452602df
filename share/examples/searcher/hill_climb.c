/* An example zcnas searcher plugin, complete in one file.
 *
 * `hill_climb` is a local search: it starts from a sampled architecture, asks for `batch`
 * mutations of the incumbent at a time, moves to the best of them when it beats the
 * incumbent, and starts again from a fresh sample after `patience` rounds without
 * improvement.  Its fitness is one score of the layout (option `score`, default the first
 * proxy score) times that score's direction.  It shows the searcher contract
 * (docs/writing-a-searcher.md): a descriptor, an option schema, create/ask/tell/rank/
 * destroy, requests that ask for one score only, WAIT while a round is being evaluated,
 * what to do with failed scores, and a ranking of everything told.
 *
 * Build it against an installed zcnas and check that it loads:
 *   cc -shared -fPIC hill_climb.c $(pkg-config --cflags --libs zcnas) -o hill_climb.so
 *   ZCNAS_PLUGIN_PATH=$PWD zcnas plugins --kind searcher
 * then select it in a search pipeline: searcher = { name = "hill_climb"; batch = 8; };
 */
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>

/* Options: checked by zcnas against this table before create() sees them. */
static const ZcOption climb_options[] = {
  {"batch", ZC_OPT_INT, "8", 1, 4096, NULL, "mutations of the incumbent asked per round"},
  {"patience", ZC_OPT_INT, "3", 1, 1e6, NULL, "rounds without improvement before a restart"},
  {"starts", ZC_OPT_INT, "0", 0, 1e9, NULL, "climbs to run (0: until the budget is spent)"},
  {"score", ZC_OPT_STRING, "", 0, 0, NULL, "score to climb (default: the first proxy score)"},
  {NULL},
};

/* One candidate told, kept for the ranking. */
typedef struct {
  ZcArch *arch;    /* our copy */
  double fitness;  /* direction x score, higher is better; NaN when the score is not OK */
} Told;

typedef enum {
  NEED_START,   /* the next request is a fresh sample */
  STARTING,     /* the sample is being evaluated */
  CLIMBING      /* a round of mutations is being asked or evaluated */
} Phase;

typedef struct {
  ZcSpace *space;         /* borrowed from the setup */
  ZcRng rng;
  guint score;            /* index in the layout */
  gint8 direction;
  guint64 batch, patience, starts;
  Phase phase;
  guint64 started;        /* climbs begun */
  guint64 asked, told;    /* in this round */
  guint64 stale;          /* rounds without improvement */
  const Told *incumbent;  /* into `ranking`; NULL before the first valid start */
  const Told *round_best; /* best improvement of this round */
  gboolean done;
  GPtrArray *ranking;     /* of Told *, best first, owns them */
} Climb;

static void told_free(gpointer p, gpointer space) {
  Told *t = p;
  zc_space_arch_free(space, t->arch);
  g_free(t);
}

static gpointer climb_create(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  const ZcScoreLayout *layout = setup->layout;
  const char *name = zc_options_string(opts, "score");
  int k = -1;
  if (*name) {
    k = zc_score_layout_find(layout, name);
    if (k < 0) {
      zc_options_set_error(opts, "score", error, "the search has no score named '%s'", name);
      return NULL;
    }
  } else {
    for (guint i = 0; i < layout->n_scores && k < 0; i++)
      if (zc_score_layout_kind(layout, i) == ZC_SCORE_KIND_PROXY) k = (int)i;
    if (k < 0) {
      zc_options_set_error(opts, "score", error, "the search has no proxy score to climb");
      return NULL;
    }
  }
  if (zc_score_layout_kind(layout, (guint)k) == ZC_SCORE_KIND_ORACLE && setup->oracle_budget == 0) {
    zc_options_set_error(opts, "score", error, "'%s' is ground truth and the search grants no oracle queries",
                         layout->names[k]);
    return NULL;
  }
  if (!zc_space_can_mutate(setup->space)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "hill_climb: space '%s' cannot mutate architectures",
                zc_space_name(setup->space));
    return NULL;
  }
  gint64 starts = zc_options_int(opts, "starts");
  if (setup->budget == 0 && starts == 0) {
    /* with no budget the searcher must end the search itself (DONE) */
    zc_options_set_error(opts, "starts", error, "the search has no budget: set starts to end it");
    return NULL;
  }
  Climb *c = g_new0(Climb, 1);
  c->space = setup->space;
  /* every random draw comes from the searcher's seed: the same run asks the same */
  zc_rng_init(&c->rng, setup->seed, zc_hash_str("searcher/hill_climb"));
  c->score = (guint)k;
  c->direction = layout->direction[k];
  c->batch = (guint64)zc_options_int(opts, "batch");
  c->patience = (guint64)zc_options_int(opts, "patience");
  c->starts = (guint64)starts;
  c->phase = NEED_START;
  c->ranking = g_ptr_array_new();
  return c;
}

static void climb_destroy(gpointer self) {
  Climb *c = self;
  g_ptr_array_foreach(c->ranking, told_free, c->space);
  g_ptr_array_unref(c->ranking);
  g_free(c);
}

static ZcAskStatus climb_ask(gpointer self, ZcRequest *out, guint max, guint *n, GError **error) {
  Climb *c = self;
  if (c->done) return ZC_ASK_DONE;
  guint64 want = G_GUINT64_CONSTANT(1) << c->score;   /* this score only, not every proxy */
  switch (c->phase) {
  case NEED_START:
    if (c->starts && c->started == c->starts) return ZC_ASK_DONE;
    out[0].arch = zc_space_sample(c->space, &c->rng, error);
    if (!out[0].arch) return ZC_ASK_ERROR;
    out[0].want = want;
    c->started++;
    c->phase = STARTING;
    *n = 1;
    return ZC_ASK_READY;
  case STARTING:
    return ZC_ASK_WAIT;   /* nothing to mutate until the sample is told */
  case CLIMBING:
    break;
  }
  /* the core may take fewer than a round at a time: hand out the rest on the next ask */
  guint k = 0;
  while (k < max && c->asked < c->batch) {
    out[k].arch = zc_space_mutate(c->space, c->incumbent->arch, &c->rng, error);
    if (!out[k].arch) {
      for (guint i = 0; i < k; i++) zc_space_arch_free(c->space, out[i].arch);
      return ZC_ASK_ERROR;
    }
    out[k++].want = want;
    c->asked++;
  }
  if (k == 0) return ZC_ASK_WAIT;   /* the whole round is out: wait for its results */
  *n = k;
  return ZC_ASK_READY;
}

/* Higher fitness first, NaN last; equals stay in the order told (request order), so the
 * ranking never depends on timing. */
static gboolean ranks_before(const Told *a, const Told *b) {
  if (isnan(a->fitness) || isnan(b->fitness)) return !isnan(a->fitness) && isnan(b->fitness);
  return a->fitness > b->fitness;
}

static const Told *keep(Climb *c, const ZcResult *r) {
  Told *t = g_new0(Told, 1);
  t->arch = zc_space_copy(c->space, r->arch);   /* r->arch is borrowed */
  /* a failed, NaN, missing or over-budget score is no information: NaN fitness */
  t->fitness = r->status[c->score] == ZC_EVAL_OK ? c->direction * r->scores[c->score] : NAN;
  guint lo = 0, hi = c->ranking->len;   /* first entry `t` ranks before */
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (ranks_before(t, g_ptr_array_index(c->ranking, mid))) hi = mid;
    else lo = mid + 1;
  }
  g_ptr_array_insert(c->ranking, (gint)lo, t);
  return t;
}

static void climb_tell(gpointer self, const ZcResult *r) {
  Climb *c = self;
  const Told *t = keep(c, r);
  if (r->status[c->score] == ZC_EVAL_OVER_BUDGET) c->done = TRUE;   /* the oracle is spent */
  if (c->phase == STARTING) {
    /* results come in request order: this is the sample */
    if (isnan(t->fitness)) {
      c->phase = NEED_START;   /* nothing to climb from: sample again */
      return;
    }
    c->incumbent = t;
    c->phase = CLIMBING;
    c->asked = c->told = c->stale = 0;
    c->round_best = NULL;
    return;
  }
  if (!isnan(t->fitness) && t->fitness > c->incumbent->fitness &&
      (!c->round_best || t->fitness > c->round_best->fitness))
    c->round_best = t;
  if (++c->told < c->batch) return;
  /* the round is complete: move, or count a stale round */
  if (c->round_best) {
    c->incumbent = c->round_best;
    c->stale = 0;
  } else if (++c->stale == c->patience) {
    c->phase = NEED_START;
  }
  c->asked = c->told = 0;
  c->round_best = NULL;
}

static guint climb_rank(gpointer self, ZcRanked *out, guint max) {
  Climb *c = self;
  guint n = MIN(max, c->ranking->len);
  for (guint i = 0; i < n; i++) {
    const Told *t = g_ptr_array_index(c->ranking, i);
    out[i].arch = t->arch;   /* still ours: valid until the next tell */
    out[i].fitness = t->fitness;
  }
  return n;
}

static const ZcSearcherIface climb_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .proxies = NULL,   /* it climbs a score the pipeline already has */
  .create = climb_create,
  .destroy = climb_destroy,
  .ask = climb_ask,
  .tell = climb_tell,
  .rank = climb_rank,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, hill_climb, "1.0", "hill climbing on one score with restarts (example plugin)",
                 "MIT", climb_options, &climb_iface)
