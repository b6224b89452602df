/* zcnas — scoring architectures with a set of proxies.
 *
 * The scorer owns the proxies of a run and the layout of their outputs.  Scoring one
 * architecture never fails as a whole: each proxy's outcome is recorded (ok, nan, or
 * failed with its message) and its outputs are NaN when it failed. */
#ifndef ZC_SCORER_H
#define ZC_SCORER_H
#include <glib.h>
#include <zcnas/data.h>
#include <zcnas/proxy.h>
#include <zcnas/searcher.h>

G_BEGIN_DECLS

typedef enum {
  ZC_STATUS_OK = 0,
  ZC_STATUS_NAN,     /* finished, but an output is NaN or infinite */
  ZC_STATUS_FAILED,  /* the proxy reported an error; outputs are NaN */
  ZC_STATUS_DEGENERATE /* the proxy said its score would be meaningless with this
                          configuration (ZC_ERROR_DEGENERATE); outputs are NaN */
} ZcStatus;

typedef struct {
  ZcStatus status;
  char *message;     /* for FAILED; owned by the result */
  double seconds;    /* wall time of this proxy on this architecture */
  gboolean transient; /* FAILED because of the environment (memory, I/O), not of the
                         architecture: another run may succeed, so it is never cached */
  gboolean run_error; /* FAILED because of the run's configuration or data
                         (ZC_ERROR_CONFIG, ZC_ERROR_DATA): the same for every architecture */
} ZcProxyResult;

typedef struct ZcScorer ZcScorer;

/* Takes the array of ZcProxy*.  `data` (borrowed, may be NULL when no proxy needs real
 * images) and `batch` are the run's input; `threads` the engine threads of this scorer.
 * Proxies asking for the same pass are scored one after the other and share it. */
ZcScorer *zc_scorer_new(GPtrArray *proxies, guint64 run_seed, ZcDataset *data, guint batch, int threads);
void zc_scorer_free(ZcScorer *scorer);
/* Run on engine backend `backend` (default: zc_backend_default()); before scoring. */
gboolean zc_scorer_set_backend(ZcScorer *scorer, const char *backend, GError **error);
const ZcScoreLayout *zc_scorer_layout(const ZcScorer *scorer);
/* Score `arch`: `out` receives layout->n_scores values, `results` one entry per proxy
 * (clear them with zc_proxy_result_clear). */
void zc_scorer_score(ZcScorer *scorer, ZcSpace *space, const ZcArch *arch, double *out,
                     ZcProxyResult *results);
void zc_proxy_result_clear(ZcProxyResult *r);

G_END_DECLS
#endif
