/* zcnas — the plugin ABI.
 *
 * A plugin is a shared object that exports exactly one function, zc_plugin_describe(),
 * returning a pointer to a static ZcPluginDesc.  The loader (core/loader.c) checks the
 * descriptor before anything else in the plugin is touched:
 *   - abi_major must equal the host's, abi_minor must not be newer;
 *   - the build fingerprint (a hash of the layout of every struct the core and plugins
 *     exchange) must equal the host's;
 *   - kind must be known, name non-empty and not already taken, iface non-NULL and its
 *     struct_size at least what this ABI version defines; a proxy's declared needs must
 *     be consistent (see ZcProxyNeeds).
 * A refused plugin is reported with its file name and reason; the others still load.
 * Name the file after the plugin (NAME.so): a command opens only the files of the plugins
 * it uses (see zcnas/registry.h for the checks made on the file before it is opened).
 * The functions a plugin may call are listed in docs/plugin-api.md.
 *
 * Write a plugin with ZC_PLUGIN_DEFINE at the end of its single source file; the name is
 * an identifier (letters, digits, '_'):
 *
 *   static const ZcProxyIface my_iface = { sizeof(ZcProxyIface), &my_needs, my_create, ... };
 *   ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, myproxy, "1.0", "What it measures", "MIT",
 *                    my_options, &my_iface)
 *
 * This always defines zc_plugin_describe_myproxy(), and also the entry zc_plugin_describe()
 * unless ZC_PLUGIN_STATIC is defined: compile several plugins with -DZC_PLUGIN_STATIC into
 * one program and register each with
 *   zc_registry_add(reg, zc_plugin_describe_myproxy(), "builtin", &error);
 */
#ifndef ZC_PLUGIN_H
#define ZC_PLUGIN_H
#include <glib.h>
#include <gmodule.h>
#include <zcnas/version.h>
#include <stddef.h>
#include <zcnas/options.h>
#include <zcnas/net.h>
#include <zcnas/proxy.h>
#include <zcnas/searcher.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

typedef enum {
  ZC_KIND_SPACE = 1,
  ZC_KIND_PROXY = 2,
  ZC_KIND_SEARCHER = 3
} ZcKind;

/* The build fingerprint: an FNV-1a style hash, computed by the compiler, of the sizes of
 * the number and pointer types and of the size and member offsets of every struct that
 * crosses the plugin boundary.  A plugin compiled against headers whose layout differs
 * from the host's in any of these is refused, whatever its ABI version says.  Add a struct
 * here when a new one crosses the boundary. */
#define ZC_FP_MIX(h, v) ((((guint64)(h)) ^ (guint64)(v)) * G_GUINT64_CONSTANT(0x100000001b3))
#define ZC_FP_2(h, T, a, b) ZC_FP_MIX(ZC_FP_MIX(ZC_FP_MIX(h, sizeof(T)), offsetof(T, a)), offsetof(T, b))
#define ZC_FP_TYPES                                                                          \
  ZC_FP_MIX(ZC_FP_MIX(ZC_FP_MIX(ZC_FP_MIX(ZC_FP_MIX(G_GUINT64_CONSTANT(0xcbf29ce484222325), \
  sizeof(void *)), sizeof(float)), sizeof(double)), sizeof(gint64)), sizeof(int))
/* Two chains of ten, mixed at the end: one chain of twenty nests deeper than clang's
 * 256 brackets allow. */
#define ZC_FINGERPRINT_A \
  ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_TYPES, \
  ZcPluginDesc, fingerprint, iface), \
  ZcOption, name, help), \
  ZcSpaceIface, parse, task), \
  ZcSpaceTask, loss, target_numel), \
  ZcBuildSpec, float64, seed), \
  ZcCost, params_m, flops_m), \
  ZcProxyIface, needs, configure), \
  ZcProxyNeeds, input, direction), \
  ZcPassSpec, init_arg, input_grad), \
  ZcSearcherIface, proxies, rank)
#define ZC_FINGERPRINT_B \
  ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_2(ZC_FP_TYPES, \
  ZcScoreLayout, names, kind), \
  ZcSearchSetup, space, oracle_budget), \
  ZcRequest, arch, want), \
  ZcResult, scores, overall), \
  ZcRanked, arch, fitness), \
  ZcShape, ndim, dims), \
  ZcConvSpec, kh, bias), \
  ZcParamInfo, numel, grad), \
  ZcLayerInfo, weight_numel, out_spatial), \
  ZcActInfo, units, post)
#define ZC_FINGERPRINT ZC_FP_MIX(ZC_FINGERPRINT_A, ZC_FINGERPRINT_B)

typedef struct ZcPluginDesc {
  guint32 struct_size;      /* sizeof(ZcPluginDesc) when the plugin was built */
  guint16 abi_major, abi_minor;
  guint64 fingerprint;      /* ZC_FINGERPRINT */
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

/* (through ZC_PLUGIN_DEFINE_ so that a name given by a macro is expanded before pasting) */
#define ZC_PLUGIN_DEFINE(kind_, name_, version_, description_, license_, options_, iface_)  \
  ZC_PLUGIN_DEFINE_(kind_, name_, version_, description_, license_, options_, iface_)
#define ZC_PLUGIN_DEFINE_(kind_, name_, version_, description_, license_, options_, iface_) \
  static const ZcPluginDesc zc_plugin_desc_ = {                                            \
    sizeof(ZcPluginDesc), ZC_ABI_MAJOR, ZC_ABI_MINOR, ZC_FINGERPRINT, (kind_), G_STRINGIFY(name_), \
    (version_), (description_), (license_), (options_), (iface_)};                         \
  const ZcPluginDesc *zc_plugin_describe_##name_(void);                                    \
  const ZcPluginDesc *zc_plugin_describe_##name_(void) { return &zc_plugin_desc_; }        \
  ZC_PLUGIN_ENTRY_(name_)
#ifdef ZC_PLUGIN_STATIC
#define ZC_PLUGIN_ENTRY_(name_)
#else
#define ZC_PLUGIN_ENTRY_(name_)                                                            \
  G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void);                            \
  G_MODULE_EXPORT const ZcPluginDesc *zc_plugin_describe(void) { return zc_plugin_describe_##name_(); }
#endif

const char *zc_kind_name(ZcKind kind);  /* "space", "proxy", "searcher" */
gboolean zc_kind_from_name(const char *name, ZcKind *kind);

G_END_DECLS
#endif
