/* Scorer functions used only inside libzcnas (core/host/scorer.c). */
#ifndef ZC_HOST_SCORER_PRIVATE_H
#define ZC_HOST_SCORER_PRIVATE_H
#include <zcnas/scorer.h>

/* First output column of proxy i in the score vector. */
guint zc_scorer_offset(const ZcScorer *scorer, guint i);
/* Whether a proxy's error comes from the environment (ZC_ERROR_NOMEM, ZC_ERROR_IO) rather
 * than from the architecture: such failures are reported but never cached. */
gboolean zc_error_is_transient(const GError *err);
/* Whether it comes from the run's configuration or data (ZC_ERROR_CONFIG, ZC_ERROR_DATA). */
gboolean zc_error_is_run_error(const GError *err);
const char *zc_status_name(ZcStatus status);

#endif
