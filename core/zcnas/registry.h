/* zcnas — the plugin loader and registry.
 *
 * Search order for plugin files: the --plugin-path directories, then ZCNAS_PLUGIN_PATH,
 * then the program's own default: the installed plugin directory, or whatever the program
 * passes to zc_registry_default_path (the zcnas program run from its build tree passes the
 * build tree's plugin directories).  The library itself never guesses where it runs.  The first plugin of a given kind and name wins; a
 * later one of the same name is refused as a duplicate.
 *
 * A plugin file is named after its plugin (proxy `lswag` lives in `lswag.so`).  Before
 * dlopen runs any of its code, a file is refused unless it is a regular file holding an
 * ELF shared object of this machine whose segments lie inside the file, owned by the
 * current user or root, writable by no one else, in a directory not writable by everyone.
 * ZCNAS_ALLOW_INSECURE_PLUGINS=1 turns the ownership and write-permission refusals into
 * warnings. */
#ifndef ZC_REGISTRY_H
#define ZC_REGISTRY_H
#include <glib.h>
#include <zcnas/plugin.h>

G_BEGIN_DECLS

typedef struct ZcRegistry ZcRegistry;

ZcRegistry *zc_registry_new(void);
void zc_registry_free(ZcRegistry *reg);
/* Load plugins lazily: zc_registry_require looks for NAME.so along `path` (the first
 * match wins) and opens only that file, checking that it provides the kind and name asked
 * for.  Without a path a registry holds only what was loaded or added. */
void zc_registry_set_path(ZcRegistry *reg, const char *path);
/* Where warnings go (plugins loaded despite ZCNAS_ALLOW_INSECURE_PLUGINS=1); `message` is
 * "FILE: reason".  Default: "zcnas: warning: MESSAGE" on stderr; NULL: dropped. */
typedef void (*ZcRegistryWarnFunc)(const char *message, gpointer data);
void zc_registry_set_warn_func(ZcRegistry *reg, ZcRegistryWarnFunc func, gpointer data);

/* The colon-separated search path: a --plugin-path value (may be NULL), then
 * ZCNAS_PLUGIN_PATH, then `fallback` (NULL: the installed plugin directory).  g_free() it. */
char *zc_registry_default_path(const char *cli_path, const char *fallback);
/* Load every plugin file (*.so) in each directory of `path`, in order.  Refused plugins
 * are recorded (zc_registry_refusals) and do not stop the others.  Returns how many loaded. */
guint zc_registry_scan(ZcRegistry *reg, const char *path);
/* Load one plugin file; on refusal sets error ("FILE: reason") and records it. */
gboolean zc_registry_load_file(ZcRegistry *reg, const char *file, GError **error);
/* Register a descriptor linked into the program itself (tests, static builds). */
gboolean zc_registry_add(ZcRegistry *reg, const ZcPluginDesc *desc, const char *origin,
                         GError **error);
/* Check a descriptor against this host's ABI without registering it. */
gboolean zc_plugin_desc_check(const ZcPluginDesc *desc, GError **error);

/* Messages for refused plugins, "FILE: reason" (owned by the registry). */
const GPtrArray *zc_registry_refusals(const ZcRegistry *reg);
const ZcPluginDesc *zc_registry_find(const ZcRegistry *reg, ZcKind kind, const char *name);
/* File the plugin was loaded from (or the origin given to zc_registry_add). */
const char *zc_registry_origin(const ZcRegistry *reg, const ZcPluginDesc *desc);
/* Plugins of one kind (0: all), sorted by kind then name; free the array only. */
GPtrArray *zc_registry_list(const ZcRegistry *reg, ZcKind kind);
/* Like zc_registry_find, but loads the plugin from the search path when one is set.  A
 * missing plugin sets an error listing those available (or the directories searched); a
 * plugin file found but refused sets an error giving the file and the reason.  Safe to
 * call from several threads. */
const ZcPluginDesc *zc_registry_require(const ZcRegistry *reg, ZcKind kind, const char *name,
                                        const char *origin, GError **error);

G_END_DECLS
#endif
