/* What every searcher plugin of the tree shares (private to them, compiled into each):
 * the fitness options and their ZcFitness, the record of told candidates and the ranking
 * built from it, and dedupe keys.
 *
 * Options (schema entries below, in each plugin's table):
 *   fitness  "proxies" (default): the candidates' proxy scores; "oracle": their ground
 *            truth (a random-search or evolution baseline that spends oracle queries)
 *   scores   comma list of the layout's scores combined (default: every proxy score, or
 *            with fitness = "oracle" every oracle score)
 *   combine  logrank | ranksum | zsum (default logrank), see <zcnas/fitness.h>
 *   dedupe   none | genotype | isomorphism: never issue an architecture already issued
 *            (same canonical text, or same iso key where the space has one) */
#ifndef ZC_SEARCHERS_COMMON_H
#define ZC_SEARCHERS_COMMON_H
#include <zcnas/zcnas.h>

#define SEARCH_OPTION_DEDUPE(def)                                                          \
  {"dedupe", ZC_OPT_CHOICE, def, 0, 0, "none|genotype|isomorphism",                        \
   "never issue an architecture twice: off, same genotype, or same function (iso key)"}
#define SEARCH_OPTIONS_FITNESS                                                             \
  {"fitness", ZC_OPT_CHOICE, "proxies", 0, 0, "proxies|oracle",                            \
   "rank candidates by their proxy scores, or by the benchmark's ground truth (oracle baseline)"}, \
  {"scores", ZC_OPT_STRING, "", 0, 0, NULL,                                                \
   "comma list of scores combined into the fitness (default: every proxy, or every oracle score)"}, \
  {"combine", ZC_OPT_CHOICE, "logrank", 0, 0, "logrank|ranksum|zsum|product",                      \
   "how several scores make one fitness: sum of log ranks, rank sum, z-score sum or product"}

typedef enum { DEDUPE_NONE, DEDUPE_GENOTYPE, DEDUPE_ISOMORPHISM } Dedupe;

/* The candidates told so far (index = tell order) with their fitness, and the keys issued. */
typedef struct {
  ZcSpace *space;
  const ZcScoreLayout *layout;
  guint64 want;             /* every request's want mask: the fitness members */
  ZcFitness *fitness;
  GPtrArray *archs;         /* told candidates (copies), index as in the fitness */
  Dedupe dedupe;
  GHashTable *seen;         /* dedupe keys issued (a set; never iterated) */
} SearchBook;

/* Members and rule from the `fitness`, `scores` and `combine` options. */
gboolean search_fitness_from_options(const ZcOptions *opts, const ZcSearchSetup *setup, guint64 *members,
                                     ZcCombine *rule, GError **error);
/* `dedupe` option. */
Dedupe search_dedupe_from_options(const ZcOptions *opts);
void search_book_init(SearchBook *book, const ZcSearchSetup *setup, guint64 members, ZcCombine rule,
                      Dedupe dedupe);
void search_book_clear(SearchBook *book);
/* Record a result; returns its index.  *valid: every member score finite. */
guint search_book_tell(SearchBook *book, const ZcResult *result, gboolean *valid);
/* Every told candidate of finite fitness, best first (equal fitness: told first), at most max. */
guint search_book_rank(SearchBook *book, ZcRanked *out, guint max);
/* Indices of the valid candidates, best first; g_free() it. */
guint *search_book_order(SearchBook *book, guint *n);
/* Claim `arch` for issue: FALSE if its dedupe key was issued before (nothing recorded). */
gboolean search_book_claim(SearchBook *book, const ZcArch *arch);
/* Architectures the space holds after dedupe (0: unknown, i.e. not enumerable or too large
 * to enumerate iso keys). */
guint64 search_book_space_size(SearchBook *book);

#endif
