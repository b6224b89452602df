/* The core's wrapper around a searcher instance, used only inside libzcnas
 * (core/host/searcher.c). */
#ifndef ZC_HOST_SEARCHER_PRIVATE_H
#define ZC_HOST_SEARCHER_PRIVATE_H
#include <zcnas/plugin.h>
#include <zcnas/searcher.h>

typedef struct ZcSearcher ZcSearcher;
ZcSearcher *zc_searcher_new(const ZcPluginDesc *desc, ZcOptions *opts, ZcSpace *space,
                            const ZcScoreLayout *layout, guint64 seed, GError **error);
void zc_searcher_free(ZcSearcher *searcher);
const char *zc_searcher_name(const ZcSearcher *searcher);
guint zc_searcher_ask(ZcSearcher *searcher, ZcArch **out, guint max, GError **error);
void zc_searcher_tell(ZcSearcher *searcher, const ZcArch *arch, const double *scores);

#endif
