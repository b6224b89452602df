/* zcnas — the plugin ABI.
 *
 * A plugin is a shared object that exports exactly one function, zc_plugin_describe(),
 * returning a pointer to a static ZcPluginDesc.  The loader (core/loader.c) checks the
 * descriptor before anything else in the plugin is touched:
 *   - abi_major must equal the host's, abi_minor must not be newer;
 *   - the build fingerprint (number types and index width) must match verbatim;
 *   - kind must be known, name non-empty and not already taken, iface non-NULL and its
 *     struct_size at least what this ABI version defines.
 * A refused plugin is reported with its file name and reason; the others still load.
 * Name the file after the plugin (NAME.so): a command opens only the files of the plugins
 * it uses (see zcnas/registry.h for the checks made on the file before it is opened).
 *
 * Write a plugin with ZC_PLUGIN_DEFINE at the end of its single source file:
 *
 *   static const ZcProxyIface my_iface = { sizeof(ZcProxyIface), &my_needs, my_create, ... };
 *   ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, "myproxy", "1.0", "What it measures", "MIT",
 *                    my_options, &my_iface)
 */
#ifndef ZC_PLUGIN_H
#define ZC_PLUGIN_H
#include <glib.h>
#include <gmodule.h>
#include <zcnas/version.h>
#include <zcnas/options.h>

G_BEGIN_DECLS

typedef enum {
  ZC_KIND_SPACE = 1,
  ZC_KIND_PROXY = 2,
  ZC_KIND_SEARCHER = 3
} ZcKind;

/* Facts of the build that change the binary layout of what plugins exchange with the core. */
#define ZC_FINGERPRINT "zcnas;real=f32,f64;index=i64;ptr=" G_STRINGIFY(GLIB_SIZEOF_VOID_P)

typedef struct ZcPluginDesc {
  guint32 struct_size;      /* sizeof(ZcPluginDesc) when the plugin was built */
  guint16 abi_major, abi_minor;
  const char *fingerprint;  /* ZC_FINGERPRINT */
  ZcKind kind;
  const char *name;         /* unique per kind: "nb201", "lswag", "random" */
  const char *version;      /* the plugin's own version; part of every cache key */
  const char *description;  /* one line */
  const char *license;
  const ZcOption *options;  /* schema of the plugin's pipeline group; may be NULL */
  const void *iface;        /* ZcSpaceIface, ZcProxyIface or ZcSearcherIface */
} ZcPluginDesc;

#define ZC_PLUGIN_ENTRY_SYMBOL "zc_plugin_describe"
typedef const ZcPluginDesc *(*ZcPluginDescribeFunc)(void);

#define ZC_PLUGIN_DEFINE(kind_, name_, version_, description_, license_, options_, iface_) \
  static const ZcPluginDesc zc_plugin_desc_ = {                                           \
    sizeof(ZcPluginDesc), ZC_ABI_MAJOR, ZC_ABI_MINOR, ZC_FINGERPRINT, (kind_), (name_),   \
    (version_), (description_), (license_), (options_), (iface_)};                        \
  G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void);                           \
  G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void) { return &zc_plugin_desc_; }

const char *zc_kind_name(ZcKind kind);  /* "space", "proxy", "searcher" */
gboolean zc_kind_from_name(const char *name, ZcKind *kind);

G_END_DECLS
#endif
