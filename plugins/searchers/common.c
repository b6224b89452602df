/* Shared by the searcher plugins: fitness options, told candidates and ranking, dedupe
 * (common.h). */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

/* Enumerating iso keys to size a deduplicated space is worth it up to this many. */
#define ISO_ENUMERATE_MAX 2000000

gboolean search_fitness_from_options(const ZcOptions *opts, const ZcSearchSetup *setup, guint64 *members,
                                     ZcCombine *rule, GError **error) {
  const ZcScoreLayout *layout = setup->layout;
  gboolean oracle = strcmp(zc_options_string(opts, "fitness"), "oracle") == 0;
  ZcScoreKind kind = oracle ? ZC_SCORE_KIND_ORACLE : ZC_SCORE_KIND_PROXY;
  const char *names = zc_options_string(opts, "scores");
  guint64 set = 0;
  if (*names) {
    GError *err = NULL;
    if (!zc_fitness_members_parse(layout, names, &set, &err)) {
      zc_options_set_error(opts, "scores", error, "%s", err->message);
      g_error_free(err);
      return FALSE;
    }
    for (guint k = 0; k < layout->n_scores; k++)
      if ((set >> k & 1) && zc_score_layout_kind(layout, k) != kind) {
        zc_options_set_error(opts, "scores", error, "'%s' is %s, but fitness = \"%s\"", layout->names[k],
                             kind == ZC_SCORE_KIND_PROXY ? "ground truth (the oracle)" : "a proxy score",
                             zc_options_string(opts, "fitness"));
        return FALSE;
      }
  } else {
    for (guint k = 0; k < layout->n_scores && k < 64; k++)
      if (zc_score_layout_kind(layout, k) == kind) set |= G_GUINT64_CONSTANT(1) << k;
    if (!set) {
      zc_options_set_error(opts, "fitness", error, "the search has no %s score to rank candidates by",
                           oracle ? "ground-truth (oracle)" : "proxy");
      return FALSE;
    }
  }
  if (oracle && setup->oracle_budget == 0) {
    zc_options_set_error(opts, "fitness", error, "\"oracle\" needs ground-truth queries, and the search grants none");
    return FALSE;
  }
  if (!zc_combine_parse(zc_options_string(opts, "combine"), rule)) {
    zc_options_set_error(opts, "combine", error, "unknown rule");
    return FALSE;
  }
  *members = set;
  return TRUE;
}

Dedupe search_dedupe_from_options(const ZcOptions *opts) {
  const char *d = zc_options_string(opts, "dedupe");
  return !strcmp(d, "none") ? DEDUPE_NONE : !strcmp(d, "isomorphism") ? DEDUPE_ISOMORPHISM : DEDUPE_GENOTYPE;
}

void search_book_init(SearchBook *book, const ZcSearchSetup *setup, guint64 members, ZcCombine rule,
                      Dedupe dedupe) {
  book->space = setup->space;
  book->layout = setup->layout;
  book->want = members;
  book->fitness = zc_fitness_new(setup->layout, members, rule);
  book->archs = g_ptr_array_new();
  book->dedupe = dedupe;
  book->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void search_book_clear(SearchBook *book) {
  if (book->archs)
    for (guint i = 0; i < book->archs->len; i++) zc_space_arch_free(book->space, book->archs->pdata[i]);
  if (book->archs) g_ptr_array_free(book->archs, TRUE);
  if (book->seen) g_hash_table_unref(book->seen);
  zc_fitness_free(book->fitness);
  memset(book, 0, sizeof *book);
}

guint search_book_tell(SearchBook *book, const ZcResult *result, gboolean *valid) {
  g_ptr_array_add(book->archs, zc_space_copy(book->space, result->arch));
  gboolean ok = TRUE;
  for (guint k = 0; k < book->layout->n_scores; k++)
    if ((book->want >> k & 1) && !isfinite(result->scores[k])) ok = FALSE;
  if (valid) *valid = ok;
  return zc_fitness_add(book->fitness, result->scores);
}

typedef struct {
  double fit;
  guint i;
} Entry;

static int cmp_entry(const void *pa, const void *pb) {
  const Entry *a = pa, *b = pb;
  if (a->fit != b->fit) return a->fit > b->fit ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

guint *search_book_order(SearchBook *book, guint *n) {
  guint total = zc_fitness_size(book->fitness);
  Entry *e = g_new(Entry, total ? total : 1);
  guint m = 0;
  for (guint i = 0; i < total; i++) {
    double f = zc_fitness_value(book->fitness, i);
    if (!isnan(f)) e[m++] = (Entry){f, i};
  }
  qsort(e, m, sizeof *e, cmp_entry);
  guint *order = g_new(guint, m ? m : 1);
  for (guint i = 0; i < m; i++) order[i] = e[i].i;
  g_free(e);
  *n = m;
  return order;
}

guint search_book_rank(SearchBook *book, ZcRanked *out, guint max) {
  if (max == 0) return 0;
  if (max == 1) {   /* the core's incumbent query after every tell: one pass */
    int best = zc_fitness_best(book->fitness);
    if (best < 0) return 0;
    out[0] = (ZcRanked){book->archs->pdata[best], zc_fitness_value(book->fitness, (guint)best)};
    return 1;
  }
  guint m;
  guint *order = search_book_order(book, &m);
  m = MIN(m, max);
  for (guint i = 0; i < m; i++)
    out[i] = (ZcRanked){book->archs->pdata[order[i]], zc_fitness_value(book->fitness, order[i])};
  g_free(order);
  return m;
}

static char *dedupe_key(SearchBook *book, const ZcArch *arch) {
  if (book->dedupe == DEDUPE_ISOMORPHISM) {
    char *k = zc_space_iso_key(book->space, arch);
    if (k) return k;
  }
  return zc_space_format(book->space, arch);
}

gboolean search_book_claim(SearchBook *book, const ZcArch *arch) {
  if (book->dedupe == DEDUPE_NONE) return TRUE;
  char *key = dedupe_key(book, arch);
  if (g_hash_table_contains(book->seen, key)) {
    g_free(key);
    return FALSE;
  }
  g_hash_table_add(book->seen, key);
  return TRUE;
}

guint64 search_book_space_size(SearchBook *book) {
  guint64 n = zc_space_count(book->space);
  if (n == 0 || book->dedupe != DEDUPE_ISOMORPHISM) return n;
  if (n > ISO_ENUMERATE_MAX) return 0;
  GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint64 i = 0; i < n; i++) {
    ZcArch *a = zc_space_from_index(book->space, i, NULL);
    if (!a) {
      g_hash_table_unref(keys);
      return 0;
    }
    g_hash_table_add(keys, dedupe_key(book, a));
    zc_space_arch_free(book->space, a);
  }
  guint64 distinct = g_hash_table_size(keys);
  g_hash_table_unref(keys);
  return distinct;
}
