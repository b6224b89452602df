/* The engine of the random, evolution and libra searchers (evolve.h). */
#include "config.h"
#include <math.h>
#include <string.h>
#include "evolve.h"

/* Mutations (or crossovers) of one aging parent tried before a child not yet issued is
 * given up for a random sample. */
#define CHILD_TRIES 100
/* Consecutive random samples already issued before the space counts as exhausted: at
 * least this, and 20 x the space's size when known (the last unseen one of N is then
 * missed with probability e^-20). */
#define MISSES_MIN 100000

typedef struct {
  SearchBook book;
  EvolveMode mode;
  ZcSpace *space;
  ZcRng rng;
  guint64 budget, issued, told;
  guint64 space_size;   /* after dedupe; 0: unknown */
  guint64 miss_limit;
  GQueue queue;         /* drawn, not yet issued (ZcArch*) */
  gboolean exhausted;
  guint P, S, batch;    /* aging */
  GArray *population;   /* aging: book indices, oldest first */
  guint G, k, n_mut, n_cross, gen;   /* autoformer */
} Evolve;

gboolean evolve_mode_parse(const char *text, EvolveMode *mode) {
  if (!strcmp(text, "random")) *mode = EVOLVE_RANDOM;
  else if (!strcmp(text, "aging")) *mode = EVOLVE_AGING;
  else if (!strcmp(text, "autoformer")) *mode = EVOLVE_AUTOFORMER;
  else return FALSE;
  return TRUE;
}

static guint opt_uint(const ZcOptions *opts, const char *name) { return (guint)zc_options_int(opts, name); }

gpointer evolve_new(const ZcOptions *opts, const ZcSearchSetup *setup, EvolveMode mode, guint64 members,
                    ZcCombine rule, GError **error) {
  ZcSpace *space = setup->space;
  Evolve *e = g_new0(Evolve, 1);
  e->mode = mode;
  e->space = space;
  search_book_init(&e->book, setup, members, rule, search_dedupe_from_options(opts));
  g_queue_init(&e->queue);
  e->population = g_array_new(FALSE, FALSE, sizeof(guint));
  zc_rng_init(&e->rng, setup->seed, zc_hash_str(mode == EVOLVE_RANDOM ? "searcher/random" : "searcher/evolution"));
  e->budget = setup->budget;
  /* the size of the deduplicated space: cheap for genotypes, an enumeration of iso keys
   * only when the budget must come from it */
  if (e->book.dedupe == DEDUPE_GENOTYPE ||
      (e->book.dedupe == DEDUPE_ISOMORPHISM && e->budget == 0 && mode == EVOLVE_RANDOM))
    e->space_size = search_book_space_size(&e->book);
  guint64 count = zc_space_count(space);
  e->miss_limit = count > G_MAXUINT64 / 20 ? G_MAXUINT64 : MAX(MISSES_MIN, 20 * count);
  const char *fail = NULL, *key = "mode";
  if (mode == EVOLVE_AGING) {
    e->P = opt_uint(opts, "population") ? opt_uint(opts, "population") : 10;
    e->S = opt_uint(opts, "sample");
    e->batch = opt_uint(opts, "batch");
    if (!zc_space_can_mutate(space)) fail = "aging evolution mutates, and the space '%s' has no mutation";
    else if (e->budget == 0) fail = "aging evolution never ends by itself: give the search a budget (space '%s')";
  } else if (mode == EVOLVE_AUTOFORMER) {
    e->P = opt_uint(opts, "population") ? opt_uint(opts, "population") : 50;
    e->G = opt_uint(opts, "generations");
    e->k = opt_uint(opts, "parents");
    e->n_mut = opt_uint(opts, "mutations");
    e->n_cross = opt_uint(opts, "crossovers");
    guint64 planned = e->P + (guint64)e->G * MAX(e->P, e->n_mut + e->n_cross);
    if (e->budget == 0 || e->budget > planned) e->budget = planned;
    if (e->n_mut && !zc_space_can_mutate(space)) {
      fail = "AutoFormer evolution mutates, and the space '%s' has no mutation (or set mutations = 0)";
      key = "mutations";
    } else if (e->n_cross && !zc_space_can_crossover(space)) {
      fail = "AutoFormer evolution crosses over, and the space '%s' has no crossover (or set crossovers = 0)";
      key = "crossovers";
    }
  } else if (e->budget == 0) {
    if (e->book.dedupe == DEDUPE_NONE) e->space_size = zc_space_count(space);
    e->budget = e->space_size;
    if (!e->budget) fail = "the space '%s' cannot be enumerated: give the search a budget";
  }
  if (fail) {
    zc_options_set_error(opts, key, error, fail, zc_space_name(space));
    evolve_free(e);
    return NULL;
  }
  if (e->book.dedupe != DEDUPE_NONE && e->space_size && e->budget > e->space_size) e->budget = e->space_size;
  /* each candidate wanting ground truth costs one oracle query */
  for (guint k = 0; k < setup->layout->n_scores; k++)
    if ((members >> k & 1) && zc_score_layout_kind(setup->layout, k) == ZC_SCORE_KIND_ORACLE)
      e->budget = MIN(e->budget, setup->oracle_budget);
  return e;
}

void evolve_free(gpointer self) {
  Evolve *e = self;
  ZcArch *a;
  while ((a = g_queue_pop_head(&e->queue))) zc_space_arch_free(e->space, a);
  g_array_free(e->population, TRUE);
  search_book_clear(&e->book);
  g_free(e);
}

/* A random architecture not issued before; NULL with *error set, or NULL when the space
 * looks exhausted (e->exhausted). */
static ZcArch *draw_random(Evolve *e, GError **error) {
  if (e->book.dedupe != DEDUPE_NONE && e->space_size && g_hash_table_size(e->book.seen) >= e->space_size) {
    e->exhausted = TRUE;
    return NULL;
  }
  for (guint64 t = 0; t < e->miss_limit; t++) {
    ZcArch *a = zc_space_sample(e->space, &e->rng, error);
    if (!a || search_book_claim(&e->book, a)) return a;
    zc_space_arch_free(e->space, a);
  }
  e->exhausted = TRUE;
  return NULL;
}

/* One try at a child of p (mutation) or of p and q (crossover): the child, or NULL with
 * *error set, or NULL with *dup set when it was issued before. */
static ZcArch *try_child(Evolve *e, const ZcArch *p, const ZcArch *q, gboolean *dup, GError **error) {
  ZcArch *c = q ? zc_space_crossover(e->space, p, q, &e->rng, error) : zc_space_mutate(e->space, p, &e->rng, error);
  *dup = FALSE;
  if (!c || search_book_claim(&e->book, c)) return c;
  zc_space_arch_free(e->space, c);
  *dup = TRUE;
  return NULL;
}

static const ZcArch *book_arch(Evolve *e, guint i) { return e->book.archs->pdata[i]; }

static guint tournament(Evolve *e) {
  guint best = 0;
  double best_fit = -INFINITY;
  for (guint s = 0; s < e->S; s++) {
    guint i = g_array_index(e->population, guint, zc_rng_below(&e->rng, e->population->len));
    double f = zc_fitness_value(e->book.fitness, i);
    if (s == 0 || f > best_fit) {
      best = i;
      best_fit = f;
    }
  }
  return best;
}

static gboolean refill_aging(Evolve *e, GError **error) {
  guint64 pending = e->told < e->issued ? e->issued - e->told : 0;
  if (e->population->len + pending < e->P) {   /* the initial population, one at a time */
    ZcArch *a = draw_random(e, error);
    if (a) g_queue_push_tail(&e->queue, a);
    return a || e->exhausted;
  }
  if (pending) return TRUE;
  guint64 n = MIN((guint64)e->batch, e->budget - e->issued);
  for (guint64 c = 0; c < n; c++) {
    const ZcArch *parent = book_arch(e, tournament(e));
    ZcArch *child = NULL;
    gboolean dup = TRUE;
    for (guint t = 0; t < CHILD_TRIES && !child && dup; t++) child = try_child(e, parent, NULL, &dup, error);
    if (!child && dup) child = draw_random(e, error);
    if (!child) return e->exhausted;
    g_queue_push_tail(&e->queue, child);
  }
  return TRUE;
}

/* AutoFormer's get_mutation / get_crossover: up to 10 x want tries, a fresh random parent
 * (or pair) from the top k each time; children already issued are dropped. */
static gboolean breed(Evolve *e, const guint *top, guint k, guint want, gboolean cross, GError **error) {
  guint made = 0;
  for (guint t = 0; t < 10 * want && made < want; t++) {
    const ZcArch *p = book_arch(e, top[zc_rng_below(&e->rng, k)]);
    const ZcArch *q = cross ? book_arch(e, top[zc_rng_below(&e->rng, k)]) : NULL;
    gboolean dup;
    ZcArch *c = try_child(e, p, q, &dup, error);
    if (!c && !dup) return FALSE;
    if (c) {
      g_queue_push_tail(&e->queue, c);
      made++;
    }
  }
  return TRUE;
}

static gboolean refill_autoformer(Evolve *e, GError **error) {
  if (e->told < e->issued) return TRUE;
  if (e->gen > e->G) {
    e->exhausted = TRUE;
    return TRUE;
  }
  if (e->gen++ > 0) {
    guint m;
    guint *order = search_book_order(&e->book, &m);
    guint k = MIN(e->k, m);
    gboolean ok = !k || (breed(e, order, k, e->n_mut, FALSE, error) && breed(e, order, k, e->n_cross, TRUE, error));
    g_free(order);
    if (!ok) return FALSE;
  }
  while (g_queue_get_length(&e->queue) < e->P) {   /* AutoFormer's get_random */
    ZcArch *a = draw_random(e, error);
    if (!a) return e->exhausted;
    g_queue_push_tail(&e->queue, a);
  }
  return TRUE;
}

static gboolean refill(Evolve *e, GError **error) {
  if (e->mode == EVOLVE_AGING) return refill_aging(e, error);
  if (e->mode == EVOLVE_AUTOFORMER) return refill_autoformer(e, error);
  ZcArch *a = draw_random(e, error);
  if (a) g_queue_push_tail(&e->queue, a);
  return a || e->exhausted;
}

ZcAskStatus evolve_ask(gpointer self, ZcRequest *out, guint max, guint *n, GError **error) {
  Evolve *e = self;
  *n = 0;
  while (*n < max && e->issued < e->budget) {
    if (g_queue_is_empty(&e->queue) && !e->exhausted && !refill(e, error)) return ZC_ASK_ERROR;
    if (g_queue_is_empty(&e->queue)) break;
    out[*n] = (ZcRequest){g_queue_pop_head(&e->queue), e->book.want};
    (*n)++;
    e->issued++;
  }
  if (*n) return ZC_ASK_READY;
  return e->told < e->issued ? ZC_ASK_WAIT : ZC_ASK_DONE;
}

void evolve_tell(gpointer self, const ZcResult *result) {
  Evolve *e = self;
  gboolean valid;
  guint i = search_book_tell(&e->book, result, &valid);
  e->told++;
  if (e->mode != EVOLVE_AGING || !valid) return;
  g_array_append_val(e->population, i);
  if (e->population->len > e->P) g_array_remove_index(e->population, 0);
}

guint evolve_rank(gpointer self, ZcRanked *out, guint max) { return search_book_rank(&((Evolve *)self)->book, out, max); }
