/* Pipeline functions used only inside libzcnas (core/base/pipeline.c). */
#ifndef ZC_BASE_PIPELINE_PRIVATE_H
#define ZC_BASE_PIPELINE_PRIVATE_H
#include <zcnas/pipeline.h>

const char *zc_pipeline_file(const ZcPipeline *p);   /* NULL for an empty pipeline */
/* The top-level group (experiments add settings to it, e.g. a searcher's proxies). */
config_setting_t *zc_pipeline_root(const ZcPipeline *p);
/* A file a pipeline names: an absolute name as it is; a relative one beside base_dir (the
 * pipeline's directory; NULL: the current one), else in zcnas's data directory.  The path
 * found (g_free it), or NULL with *looked (may be NULL; g_free it) saying where it was
 * looked for. */
char *zc_pipeline_find_file(const char *name, const char *base_dir, char **looked);

#endif
