/* zcnas — searcher plugins (ask/tell).
 *
 * The core owns evaluation and the budget: it asks the searcher for candidates, has them
 * evaluated (live proxies through the score cache, workers and MPI ranks; a score table;
 * or the benchmark's ground truth, the "oracle"), and tells the searcher every result,
 * in the order the candidates were asked.  Searchers therefore differ only in how they
 * choose, and are compared head to head on identical terms (docs/writing-a-searcher.md).
 *
 * One search, as the core runs it:
 *   create(options, setup)                  setup: space, score layout, seed, budgets
 *   loop:  ask(max) -> READY with n requests  the core evaluates them (in parallel) ...
 *                   -> WAIT                   ... and tells every pending result first
 *                   -> DONE                   the search is over
 *          tell(result) for each request, in request order
 *   rank(out, max)                           the searcher's final ranking, best first
 * The core stops asking once setup->budget candidates were evaluated (then calls rank);
 * it also calls rank(out, 1) after each tell to follow the searcher's incumbent. */
#ifndef ZC_SEARCHER_H
#define ZC_SEARCHER_H
#include <glib.h>
#include <zcnas/options.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

typedef struct ZcPluginDesc ZcPluginDesc;  /* <zcnas/plugin.h> */

/* Where a score comes from. */
typedef enum {
  ZC_SCORE_KIND_PROXY = 0,   /* a zero-cost proxy output, computed live or read from a
                                score table */
  ZC_SCORE_KIND_ORACLE = 1   /* the benchmark's ground truth (e.g. validation accuracy);
                                each candidate asking for it costs one oracle query */
} ZcScoreKind;

/* The scores a searcher can ask for. */
typedef struct {
  guint n_scores;
  const char *const *names;   /* "synflow", "aznas.trainability", "cifar10_val_acc" ... */
  const gint8 *direction;     /* +1: higher is better, -1: lower is better */
  const guint8 *kind;         /* ZcScoreKind per score; NULL: all ZC_SCORE_KIND_PROXY */
} ZcScoreLayout;

/* What the core grants a search. */
typedef struct {
  guint32 struct_size;
  ZcSpace *space;               /* borrowed for the searcher's lifetime */
  const ZcScoreLayout *layout;  /* at most 64 scores; borrowed likewise */
  guint64 seed;                 /* the searcher's own seed (runs of a comparison differ in it) */
  guint64 budget;               /* candidates the core will evaluate; 0 = no limit (the
                                   searcher must then end with DONE) */
  guint64 oracle_budget;        /* ground-truth queries granted (0 = none) */
} ZcSearchSetup;

/* One candidate to evaluate. */
typedef struct {
  ZcArch *arch;    /* ownership passes to the core */
  guint64 want;    /* scores wanted: bit k = score k of the layout; 0 = every proxy score
                      (never the oracle) */
} ZcRequest;

typedef enum {
  ZC_ASK_READY = 0,  /* *n >= 1 requests were written */
  ZC_ASK_WAIT,       /* nothing new until the pending results are told (an error when
                        nothing is pending) */
  ZC_ASK_DONE,       /* the search is over */
  ZC_ASK_ERROR       /* error is set; the run stops */
} ZcAskStatus;

/* How the evaluation of one wanted score went. */
typedef enum {
  ZC_EVAL_OK = 0,          /* a finite value */
  ZC_EVAL_NAN,             /* evaluated, but NaN or infinite */
  ZC_EVAL_FAILED,          /* the proxy failed on this candidate */
  ZC_EVAL_DEGENERATE,      /* the proxy's score is meaningless in this configuration */
  ZC_EVAL_MISSING,         /* the score table or the benchmark has no row for it */
  ZC_EVAL_OVER_BUDGET,     /* ground truth wanted after the oracle budget was spent */
  ZC_EVAL_NOT_WANTED       /* not asked for (the value is NaN) */
} ZcEvalStatus;

/* The result of one request, told in request order. */
typedef struct {
  const ZcArch *arch;            /* the candidate as asked (borrowed; copy it to keep it) */
  guint64 id;                    /* 0, 1, 2 ...: the candidate's place in the ask order */
  const double *scores;          /* layout->n_scores values; NaN unless status is OK */
  const ZcEvalStatus *status;    /* one per score */
  ZcEvalStatus overall;          /* OK when every wanted score is OK, else the first other */
} ZcResult;

/* One entry of a searcher's ranking. */
typedef struct {
  const ZcArch *arch;   /* borrowed from the searcher; valid until its next tell or destroy */
  double fitness;       /* the searcher's own fitness, higher is better (may be NaN) */
} ZcRanked;

typedef struct {
  guint32 struct_size;
  /* Proxies this searcher needs scored besides the pipeline's own list, decided from its
   * options (LIBRA names its selection): a NULL-terminated array for g_strfreev(), or NULL
   * for none (then check *error).  May be NULL. */
  char **(*proxies)(const ZcOptions *opts, GError **error);
  gpointer (*create)(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error);
  void (*destroy)(gpointer self);
  /* Up to `max` requests into out[0 .. *n - 1]. */
  ZcAskStatus (*ask)(gpointer self, ZcRequest *out, guint max, guint *n, GError **error);
  void (*tell)(gpointer self, const ZcResult *result);
  /* Up to `max` entries of the searcher's ranking of what it was told, best first;
   * returns how many.  The core writes it (ranking.csv) and reports its first entry. */
  guint (*rank)(gpointer self, ZcRanked *out, guint max);
} ZcSearcherIface;

/* Index of the score called `name` in the layout, or -1. */
int zc_score_layout_find(const ZcScoreLayout *layout, const char *name);
/* Kind of score k (ZC_SCORE_KIND_PROXY when the layout has no kinds). */
ZcScoreKind zc_score_layout_kind(const ZcScoreLayout *layout, guint k);
/* Name of an evaluation status ("ok", "nan", "failed", "degenerate", "missing",
 * "over_budget", "not_wanted"). */
const char *zc_eval_status_name(ZcEvalStatus status);

G_END_DECLS
#endif
