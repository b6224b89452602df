/* The core's handle on a searcher plugin instance. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/plugin.h>
#include <zcnas/searcher.h>
#include "searcher-private.h"

struct ZcSearcher {
  const ZcPluginDesc *desc;
  const ZcSearcherIface *iface;
  ZcOptions *opts;
  gpointer self;
};

ZcSearcher *zc_searcher_new(const ZcPluginDesc *desc, ZcOptions *opts, ZcSpace *space,
                            const ZcScoreLayout *layout, guint64 seed, GError **error) {
  g_return_val_if_fail(desc && desc->kind == ZC_KIND_SEARCHER, NULL);
  const ZcSearcherIface *iface = desc->iface;
  gpointer self = iface->create(opts, space, layout, seed, error);
  if (!self) {
    zc_options_free(opts);
    return NULL;
  }
  ZcSearcher *s = g_new0(ZcSearcher, 1);
  s->desc = desc;
  s->iface = iface;
  s->opts = opts;
  s->self = self;
  return s;
}

void zc_searcher_free(ZcSearcher *s) {
  if (!s) return;
  s->iface->destroy(s->self);
  zc_options_free(s->opts);
  g_free(s);
}

const char *zc_searcher_name(const ZcSearcher *s) { return s->desc->name; }
guint zc_searcher_ask(ZcSearcher *s, ZcArch **out, guint max, GError **error) {
  return s->iface->ask(s->self, out, max, error);
}
void zc_searcher_tell(ZcSearcher *s, const ZcArch *arch, const double *scores) {
  s->iface->tell(s->self, arch, scores);
}

int zc_score_layout_find(const ZcScoreLayout *layout, const char *name) {
  for (guint i = 0; i < layout->n_scores; i++)
    if (strcmp(layout->names[i], name) == 0) return (int)i;
  return -1;
}
