/* A configurable test plugin: compiled several times with -D switches, each build is
 * broken in exactly one way so the loader's refusals can be tested one by one. */
#include "config.h"
#include <zcnas/zcnas.h>

#ifndef TP_NAME
#define TP_NAME "tp_good"
#endif
#ifndef TP_MAJOR
#define TP_MAJOR ZC_ABI_MAJOR
#endif
#ifndef TP_MINOR
#define TP_MINOR ZC_ABI_MINOR
#endif
#ifndef TP_FINGERPRINT
#define TP_FINGERPRINT ZC_FINGERPRINT
#endif
#ifndef TP_IFACE_SIZE
#define TP_IFACE_SIZE sizeof(ZcProxyIface)
#endif

static const gint8 up[] = {1};
static const ZcProxyNeeds tp_needs = {.n_outputs = 1, .direction = up};

static gboolean tp_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  out[0] = 42.0;
  return TRUE;
}

static const ZcProxyIface tp_iface = {
  .struct_size = (guint32)(TP_IFACE_SIZE),
  .needs = &tp_needs,
  .score = tp_score,
};

static const ZcPluginDesc tp_desc = {
  sizeof(ZcPluginDesc), TP_MAJOR, TP_MINOR, TP_FINGERPRINT, ZC_KIND_PROXY, TP_NAME,
  "0.1", "test plugin", "MIT", NULL, &tp_iface,
};

#ifndef TP_NO_ENTRY
G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void);
G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void) { return &tp_desc; }
#else
G_MODULE_EXPORT const ZcPluginDesc *some_other_symbol(void);
G_MODULE_EXPORT const ZcPluginDesc *some_other_symbol(void) { return &tp_desc; }
#endif
