/* Instantiating plugins from pipeline settings, the functions used only inside libzcnas
 * (core/host/setup.c; <zcnas/setup.h> describes the groups). */
#ifndef ZC_HOST_SETUP_PRIVATE_H
#define ZC_HOST_SETUP_PRIVATE_H
#include <libconfig.h>
#include <zcnas/registry.h>
#include <zcnas/setup.h>
#include "searcher-private.h"

/* Resolve a plugin group: finds the plugin named by its `name` key and checks the
 * group against the plugin's options.  `setting` may also be a plain string (the name). */
ZcOptions *zc_setup_options(const ZcRegistry *reg, ZcKind kind, const config_setting_t *setting,
                            const ZcPluginDesc **desc, GError **error);
/* Proxies from a list setting; an array of ZcProxy* (free with g_ptr_array_unref). */
GPtrArray *zc_setup_proxies(const ZcRegistry *reg, const config_setting_t *list, GError **error);


#endif
