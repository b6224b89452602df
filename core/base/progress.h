/* Progress of a long scoring run on stderr (private to libzcnas; core/base/progress.c): a bar
 * with rate and ETA redrawn in place on a terminal, otherwise a log line every few
 * seconds; nothing when quiet. */
#ifndef ZC_PROGRESS_H
#define ZC_PROGRESS_H
#include <glib.h>

typedef struct ZcProgress ZcProgress;

/* `total` items; `skipped` of them are already done (cached) and do not count towards
 * the rate. */
ZcProgress *zc_progress_new(const char *label, guint64 total, guint64 skipped, gboolean quiet);
/* `done` items finished so far (skipped ones included); prints when due. */
void zc_progress_update(ZcProgress *p, guint64 done);
/* Final line (on a terminal: ends the bar), then free. */
void zc_progress_finish(ZcProgress *p);
/* "1m05s", "3.2s", "2h10m" */
char *zc_progress_format_seconds(double s);

#endif
