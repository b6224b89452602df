/* The core's handle on a proxy plugin instance. */
#include "config.h"
#include <zcnas/error.h>
#include <zcnas/plugin.h>
#include <zcnas/proxy.h>

struct ZcProxy {
  const ZcPluginDesc *desc;
  const ZcProxyIface *iface;
  ZcOptions *opts;
  gpointer self;
};

ZcProxy *zc_proxy_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error) {
  g_return_val_if_fail(desc && desc->kind == ZC_KIND_PROXY, NULL);
  const ZcProxyIface *iface = desc->iface;
  if (!iface->needs || iface->needs->n_outputs == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "proxy '%s' declares no outputs", desc->name);
    zc_options_free(opts);
    return NULL;
  }
  gpointer self = iface->create ? iface->create(opts, error) : GINT_TO_POINTER(1);
  if (!self) {
    zc_options_free(opts);
    return NULL;
  }
  ZcProxy *p = g_new0(ZcProxy, 1);
  p->desc = desc;
  p->iface = iface;
  p->opts = opts;
  p->self = self;
  return p;
}

void zc_proxy_free(ZcProxy *p) {
  if (!p) return;
  if (p->iface->destroy) p->iface->destroy(p->self);
  zc_options_free(p->opts);
  g_free(p);
}

const char *zc_proxy_name(const ZcProxy *p) { return p->desc->name; }
const char *zc_proxy_version(const ZcProxy *p) { return p->desc->version; }
const ZcProxyNeeds *zc_proxy_needs(const ZcProxy *p) { return p->iface->needs; }
const ZcOptions *zc_proxy_options(const ZcProxy *p) { return p->opts; }

char *zc_proxy_column(const ZcProxy *p, guint k) {
  const ZcProxyNeeds *n = p->iface->needs;
  if (n->n_outputs == 1) return g_strdup(p->desc->name);
  return g_strdup_printf("%s.%s", p->desc->name, n->outputs[k]);
}

gboolean zc_proxy_score(ZcProxy *p, ZcEval *ev, double *out, GError **error) {
  return p->iface->score(p->self, ev, out, error);
}
