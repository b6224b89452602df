/* Pipeline functions used only inside libzcnas (core/base/pipeline.c). */
#ifndef ZC_BASE_PIPELINE_PRIVATE_H
#define ZC_BASE_PIPELINE_PRIVATE_H
#include <zcnas/pipeline.h>

const char *zc_pipeline_file(const ZcPipeline *p);   /* NULL for an empty pipeline */
/* The top-level group (experiments add settings to it, e.g. a searcher's proxies). */
config_setting_t *zc_pipeline_root(const ZcPipeline *p);

#endif
