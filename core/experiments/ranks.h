/* Sharing scoring tasks across Open MPI ranks (private to libzcnas; core/experiments/mpi.c;
 * header ranks.h so as not to shadow <mpi.h>).
 * Rank 0 deals one task (architecture, proxies missing) at a time to whichever rank
 * asks next; the other ranks score and send back.  Without MPI these are stubs. */
#ifndef ZC_RANKS_H
#define ZC_RANKS_H
#include <glib.h>
#include "workers.h"

/* More than one rank. */
gboolean zc_mpi_active(void);

typedef void (*ZcTaskDone)(ZcTaskResult *result, gpointer user);   /* takes the result */

/* Rank 0: score tasks i < n (architecture genotypes[i], proxies masks[i]) on the other
 * ranks; `done` is called on this thread for each result. */
gboolean zc_mpi_deal(ZcEvaluator *ev, const char *const *genotypes, const guint64 *masks, guint n,
                     ZcTaskDone done, gpointer user, const volatile gint *cancel, GError **error);
/* Other ranks: score what rank 0 sends until it says stop. */
gboolean zc_mpi_serve(ZcEvaluator *ev, GError **error);
/* Rank 0: tell the other ranks to stop serving (once; later calls do nothing). */
void zc_mpi_release(void);

#endif
