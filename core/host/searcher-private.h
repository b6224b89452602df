/* The core's wrapper around a searcher instance, used only inside libzcnas
 * (core/host/searcher.c). */
#ifndef ZC_HOST_SEARCHER_PRIVATE_H
#define ZC_HOST_SEARCHER_PRIVATE_H
#include <zcnas/plugin.h>
#include <zcnas/searcher.h>

typedef struct ZcSearcher ZcSearcher;
/* The proxies the searcher needs besides the pipeline's (never NULL on success: an empty
 * NULL-terminated array when none). */
char **zc_searcher_proxies(const ZcPluginDesc *desc, const ZcOptions *opts, GError **error);
/* Takes `opts` (freed on failure too). */
ZcSearcher *zc_searcher_new(const ZcPluginDesc *desc, ZcOptions *opts, const ZcSearchSetup *setup, GError **error);
void zc_searcher_free(ZcSearcher *searcher);
const char *zc_searcher_name(const ZcSearcher *searcher);
const ZcOptions *zc_searcher_options(const ZcSearcher *searcher);
/* The plugin's ask, with its answer checked (READY with 1..max requests). */
ZcAskStatus zc_searcher_ask(ZcSearcher *searcher, ZcRequest *out, guint max, guint *n, GError **error);
void zc_searcher_tell(ZcSearcher *searcher, const ZcResult *result);
guint zc_searcher_rank(ZcSearcher *searcher, ZcRanked *out, guint max);

#endif
