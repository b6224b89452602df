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

/* Resolve a plugin group: finds the plugin named by its `name` key and checks the
 * group against the plugin's options.  `setting` may also be a plain string (the name). */
ZcOptions *zc_setup_options(const ZcRegistry *reg, ZcKind kind, const config_setting_t *setting,
                            const ZcPluginDesc **desc, GError **error);
ZcSpace *zc_setup_space(const ZcRegistry *reg, const config_setting_t *setting, GError **error);
/* Proxies from a list setting; an array of ZcProxy* (free with g_ptr_array_unref). */
GPtrArray *zc_setup_proxies(const ZcRegistry *reg, const config_setting_t *list, GError **error);
ZcSearcher *zc_setup_searcher(const ZcRegistry *reg, const config_setting_t *setting, ZcSpace *space,
                              const ZcScoreLayout *layout, guint64 seed, GError **error);

G_END_DECLS
#endif
