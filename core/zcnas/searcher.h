/* zcnas — searcher plugins (ask/tell).
 *
 * The core owns evaluation: it asks the searcher for candidates, scores them (through
 * the cache), and tells the searcher every score vector.  Searchers therefore differ only
 * in how they choose, and can be compared head to head on identical cached scores. */
#ifndef ZC_SEARCHER_H
#define ZC_SEARCHER_H
#include <glib.h>
#include <zcnas/options.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

typedef struct ZcPluginDesc ZcPluginDesc;  /* <zcnas/plugin.h> */

/* What a searcher is told about the scores it will receive. */
typedef struct {
  guint n_scores;
  const char *const *names;   /* "synflow", "aznas.trainability", ... */
  const gint8 *direction;     /* +1: higher is better, -1: lower is better */
} ZcScoreLayout;

typedef struct {
  guint32 struct_size;
  gpointer (*create)(const ZcOptions *opts, ZcSpace *space, const ZcScoreLayout *layout,
                     guint64 seed, GError **error);
  void (*destroy)(gpointer self);
  /* Up to `max` new candidates, ownership passes to the caller.  0 = search finished. */
  guint (*ask)(gpointer self, ZcArch **out, guint max, GError **error);
  /* Scores of a candidate returned by ask (borrowed; copy it to keep it).  A NaN score
   * means the proxy failed on it. */
  void (*tell)(gpointer self, const ZcArch *arch, const double *scores);
  /* The best candidate so far (borrowed), or NULL. */
  const ZcArch *(*best)(gpointer self);
} ZcSearcherIface;

/* Index of the score called `name` in the layout, or -1. */
int zc_score_layout_find(const ZcScoreLayout *layout, const char *name);

G_END_DECLS
#endif
