/* zcnas — running the experiment a pipeline describes.
 *
 *   experiment = "search";   searcher asks, proxies score, searcher is told; scores.csv
 *                            lists every candidate, the table on stdout the best ones.
 * The core's own groups:
 *   data   = { spec = "cifar10:PATH"; batch = 64; };
 *   output = { dir = "zcnas-out"; top = 10; }; */
#ifndef ZC_RUN_H
#define ZC_RUN_H
#include <stdio.h>
#include <glib.h>
#include <zcnas/data.h>
#include <zcnas/options.h>
#include <zcnas/pipeline.h>
#include <zcnas/registry.h>

G_BEGIN_DECLS

extern const ZcOption zc_data_schema[];
extern const ZcOption zc_output_schema[];

typedef struct {
  const char *out_dir;   /* overrides output.dir when not NULL */
  int jobs;              /* workers; 0: the pipeline's `jobs`, default 1 */
  gboolean quiet;
  FILE *report;          /* where the result table goes (stdout) */
} ZcRunSettings;

/* The dataset of a resolved `data` group (NULL when data.spec is empty); relative paths
 * are taken from `base_dir` (NULL: the current directory). */
gboolean zc_run_open_data(const ZcOptions *data_opts, const char *base_dir, ZcDataset **out, GError **error);
/* Engine threads for one of `jobs` workers: the processors divided among the workers. */
int zc_run_default_threads(int jobs);

gboolean zc_run_pipeline(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *settings,
                         GError **error);

G_END_DECLS
#endif
