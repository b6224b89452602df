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

char **zc_searcher_proxies(const ZcPluginDesc *desc, const ZcOptions *opts, GError **error) {
  const ZcSearcherIface *iface = desc->iface;
  GError *err = NULL;
  char **names = iface->proxies ? iface->proxies(opts, &err) : NULL;
  if (err) {
    g_propagate_error(error, err);
    g_strfreev(names);
    return NULL;
  }
  return names ? names : g_new0(char *, 1);
}

ZcSearcher *zc_searcher_new(const ZcPluginDesc *desc, ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  g_return_val_if_fail(desc && desc->kind == ZC_KIND_SEARCHER, NULL);
  const ZcSearcherIface *iface = desc->iface;
  if (setup->layout->n_scores > 64) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "searcher '%s': %u scores, a search handles at most 64",
                desc->name, setup->layout->n_scores);
    zc_options_free(opts);
    return NULL;
  }
  gpointer self = iface->create(opts, setup, error);
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
const ZcOptions *zc_searcher_options(const ZcSearcher *s) { return s->opts; }

ZcAskStatus zc_searcher_ask(ZcSearcher *s, ZcRequest *out, guint max, guint *n, GError **error) {
  *n = 0;
  GError *err = NULL;
  ZcAskStatus st = s->iface->ask(s->self, out, max, n, &err);
  if (st == ZC_ASK_READY && (*n == 0 || *n > max)) {
    g_clear_error(&err);
    g_set_error(&err, ZC_ERROR, ZC_ERROR_FAILED, "searcher '%s': ask returned READY with %u of at most %u requests",
                s->desc->name, *n, max);
    st = ZC_ASK_ERROR;
  } else if (st == ZC_ASK_ERROR && !err) {
    g_set_error(&err, ZC_ERROR, ZC_ERROR_FAILED, "searcher '%s': ask failed without saying why", s->desc->name);
  } else if (st != ZC_ASK_READY) {
    *n = 0;
  }
  if (err) g_propagate_error(error, err);
  return st;
}

void zc_searcher_tell(ZcSearcher *s, const ZcResult *result) { s->iface->tell(s->self, result); }

guint zc_searcher_rank(ZcSearcher *s, ZcRanked *out, guint max) {
  guint n = s->iface->rank ? s->iface->rank(s->self, out, max) : 0;
  return MIN(n, max);
}

int zc_score_layout_find(const ZcScoreLayout *layout, const char *name) {
  for (guint i = 0; i < layout->n_scores; i++)
    if (strcmp(layout->names[i], name) == 0) return (int)i;
  return -1;
}

ZcScoreKind zc_score_layout_kind(const ZcScoreLayout *layout, guint k) {
  return layout->kind && k < layout->n_scores ? (ZcScoreKind)layout->kind[k] : ZC_SCORE_KIND_PROXY;
}

const char *zc_eval_status_name(ZcEvalStatus status) {
  static const char *const names[] = {"ok", "nan", "failed", "degenerate", "missing", "over_budget", "not_wanted"};
  return (guint)status < G_N_ELEMENTS(names) ? names[status] : "?";
}
