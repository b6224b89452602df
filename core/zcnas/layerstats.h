/* zcnas — the offline statistics behind L-SWAG's layer selection (method.md §2.3, the
 * paper's Fig. 2).  For N sampled networks at initialisation: one forward+backward with
 * gradient moments over K chunks of the batch (lswag's pass), per weight layer the mean
 * over its weights of log sigma_w and the layer's Lambda term log(sum 1/sigma_w); each
 * network's layers averaged per depth-percentile bin (10 bins, lswag's rule), then mean
 * and std over networks.  Used by `zcnas layerstats` and `experiment = "layerstats"`. */
#ifndef ZC_LAYERSTATS_H
#define ZC_LAYERSTATS_H
#include <stdio.h>
#include <glib.h>
#include <zcnas/data.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

typedef struct {
  guint count;         /* networks to sample */
  guint64 seed;        /* sample and initialisation seed */
  guint batch;         /* images per pass */
  int subbatches;      /* gradient samples K (0: one per image, batch <= 64) */
  const char *out_dir; /* layerstats.csv and layerstats.png */
  int threads;         /* engine threads */
  gboolean quiet;      /* no progress on stderr */
  FILE *report;        /* the per-bin table and the suggested range (may be NULL) */
} ZcLayerstatsSettings;

/* `data` may be NULL (Gaussian images).  Writes the outputs and, on success, the range
 * the spike detector picks into *start and *end (bins). */
gboolean zc_layerstats_run(ZcSpace *space, ZcDataset *data, const ZcLayerstatsSettings *s, guint *start, guint *end,
                           GError **error);

G_END_DECLS
#endif
