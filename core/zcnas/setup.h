/* zcnas — instantiating plugins from pipeline settings.
 *
 * A plugin's group holds `name = "..."` plus that plugin's own options:
 *   space = { name = "nb201"; dataset = "cifar100"; };
 *   proxies = ( "synflow", { name = "lswag"; subbatches = 8; } );
 *   searcher = { name = "random"; budget = 100; }; */
#ifndef ZC_SETUP_H
#define ZC_SETUP_H
#include <glib.h>
#include <libconfig.h>
#include <zcnas/proxy.h>
#include <zcnas/registry.h>
#include <zcnas/searcher.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

ZcSpace *zc_setup_space(const ZcRegistry *reg, const config_setting_t *setting, GError **error);

G_END_DECLS
#endif
