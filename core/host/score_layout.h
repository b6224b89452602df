/* The score columns of a list of proxies, built in one place for the scorer and for the
 * runner's evaluator (private to libzcnas). */
#ifndef ZC_SCORE_LAYOUT_H
#define ZC_SCORE_LAYOUT_H
#include <zcnas/proxy.h>
#include <zcnas/searcher.h>

/* Appends to `names` (char*, freed by the array; NULL-terminated afterwards) the columns of
 * the ZcProxy* list `proxies` in order, each proxy's outputs in its order, and their
 * directions (gint8, 1 when the proxy gives none) to `direction`; offset[i] gets proxy i's
 * first column.  `layout` then points into names and direction. */
void zc_score_layout_build(GPtrArray *proxies, GPtrArray *names, GArray *direction, guint *offset,
                           ZcScoreLayout *layout);

#endif
