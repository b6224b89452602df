/* The plugin loader: finds plugin files, checks each descriptor against the host's ABI
 * before trusting anything in it, and keeps the accepted ones in a registry. */
#include "config.h"
#include <string.h>
#include <unistd.h>
#include <zcnas/error.h>
#include <zcnas/proxy.h>
#include <zcnas/registry.h>
#include <zcnas/searcher.h>
#include <zcnas/space.h>

typedef struct {
  const ZcPluginDesc *desc;
  char *origin;
  GModule *module;   /* NULL for descriptors linked into the program */
} Entry;

struct ZcRegistry {
  GPtrArray *entries;   /* Entry* */
  GPtrArray *refusals;  /* char* */
};

static void entry_free(gpointer p) {
  Entry *e = p;
  if (e->module) g_module_close(e->module);
  g_free(e->origin);
  g_free(e);
}

ZcRegistry *zc_registry_new(void) {
  ZcRegistry *reg = g_new0(ZcRegistry, 1);
  reg->entries = g_ptr_array_new_with_free_func(entry_free);
  reg->refusals = g_ptr_array_new_with_free_func(g_free);
  return reg;
}

void zc_registry_free(ZcRegistry *reg) {
  if (!reg) return;
  g_ptr_array_unref(reg->entries);
  g_ptr_array_unref(reg->refusals);
  g_free(reg);
}

const char *zc_kind_name(ZcKind kind) {
  switch (kind) {
  case ZC_KIND_SPACE: return "space";
  case ZC_KIND_PROXY: return "proxy";
  case ZC_KIND_SEARCHER: return "searcher";
  }
  return "unknown";
}

gboolean zc_kind_from_name(const char *name, ZcKind *kind) {
  static const ZcKind all[] = {ZC_KIND_SPACE, ZC_KIND_PROXY, ZC_KIND_SEARCHER};
  for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
    if (name && strcmp(name, zc_kind_name(all[i])) == 0) {
      *kind = all[i];
      return TRUE;
    }
  return FALSE;
}

/* Smallest interface size each kind's ABI 1.0 defines: a plugin built against an older
 * header than this host cannot be trusted with fields it does not have. */
static guint32 iface_min_size(ZcKind kind) {
  switch (kind) {
  case ZC_KIND_SPACE: return (guint32)sizeof(ZcSpaceIface);
  case ZC_KIND_PROXY: return (guint32)sizeof(ZcProxyIface);
  case ZC_KIND_SEARCHER: return (guint32)sizeof(ZcSearcherIface);
  }
  return G_MAXUINT32;
}

gboolean zc_plugin_desc_check(const ZcPluginDesc *d, GError **error) {
#define REFUSE(...) do { g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, __VA_ARGS__); return FALSE; } while (0)
  if (!d) REFUSE("the entry function returned no descriptor");
  if (d->struct_size < sizeof(ZcPluginDesc))
    REFUSE("descriptor is %u bytes, this host needs %u (built against an older zcnas?)",
           d->struct_size, (unsigned)sizeof(ZcPluginDesc));
  if (d->abi_major != ZC_ABI_MAJOR)
    REFUSE("plugin ABI %u.%u, host ABI %u.%u: the major versions differ", d->abi_major, d->abi_minor,
           ZC_ABI_MAJOR, ZC_ABI_MINOR);
  if (d->abi_minor > ZC_ABI_MINOR)
    REFUSE("plugin ABI %u.%u is newer than host ABI %u.%u", d->abi_major, d->abi_minor, ZC_ABI_MAJOR,
           ZC_ABI_MINOR);
  if (!d->fingerprint || strcmp(d->fingerprint, ZC_FINGERPRINT))
    REFUSE("build fingerprint '%s' does not match the host's '%s'", d->fingerprint ? d->fingerprint : "(none)",
           ZC_FINGERPRINT);
  if (d->kind != ZC_KIND_SPACE && d->kind != ZC_KIND_PROXY && d->kind != ZC_KIND_SEARCHER)
    REFUSE("unknown plugin kind %d", (int)d->kind);
  if (!d->name || !*d->name) REFUSE("empty plugin name");
  for (const char *c = d->name; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-')
      REFUSE("plugin name '%s' may hold only letters, digits, '_' and '-'", d->name);
  if (!d->version || !*d->version) REFUSE("plugin '%s' has no version", d->name);
  if (!d->iface) REFUSE("plugin '%s' has no interface table", d->name);
  guint32 isize = *(const guint32 *)d->iface;
  if (isize < iface_min_size(d->kind))
    REFUSE("plugin '%s': %s interface is %u bytes, this host needs %u", d->name, zc_kind_name(d->kind), isize,
           iface_min_size(d->kind));
  return TRUE;
#undef REFUSE
}

static gboolean add_entry(ZcRegistry *reg, const ZcPluginDesc *desc, const char *origin, GModule *module,
                          GError **error) {
  if (!zc_plugin_desc_check(desc, error)) return FALSE;
  const ZcPluginDesc *prev = zc_registry_find(reg, desc->kind, desc->name);
  if (prev) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s '%s' is already loaded from %s",
                zc_kind_name(desc->kind), desc->name, zc_registry_origin(reg, prev));
    return FALSE;
  }
  Entry *e = g_new0(Entry, 1);
  e->desc = desc;
  e->origin = g_strdup(origin);
  e->module = module;
  g_ptr_array_add(reg->entries, e);
  return TRUE;
}

gboolean zc_registry_add(ZcRegistry *reg, const ZcPluginDesc *desc, const char *origin, GError **error) {
  GError *err = NULL;
  if (!add_entry(reg, desc, origin, NULL, &err)) {
    g_ptr_array_add(reg->refusals, g_strdup_printf("%s: %s", origin, err->message));
    g_propagate_prefixed_error(error, err, "%s: ", origin);
    return FALSE;
  }
  return TRUE;
}

gboolean zc_registry_load_file(ZcRegistry *reg, const char *file, GError **error) {
  GError *err = NULL;
  /* local binding: plugins' symbols never collide with each other */
  GModule *module = g_module_open_full(file, G_MODULE_BIND_LOCAL, &err);
  if (module) {
    gpointer sym = NULL;
    if (!g_module_symbol(module, ZC_PLUGIN_ENTRY_SYMBOL, &sym) || !sym) {
      g_set_error(&err, ZC_ERROR, ZC_ERROR_PLUGIN, "not a zcnas plugin: no entry symbol %s()",
                  ZC_PLUGIN_ENTRY_SYMBOL);
    } else {
      const ZcPluginDesc *desc = ((ZcPluginDescribeFunc)sym)();
      if (add_entry(reg, desc, file, module, &err)) return TRUE;
    }
    g_module_close(module);
  }
  g_ptr_array_add(reg->refusals, g_strdup_printf("%s: %s", file, err->message));
  g_propagate_prefixed_error(error, err, "%s: ", file);
  return FALSE;
}

static gint compare_str(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

guint zc_registry_scan(ZcRegistry *reg, const char *path) {
  guint loaded = 0;
  char **dirs = g_strsplit(path ? path : "", G_SEARCHPATH_SEPARATOR_S, -1);
  for (char **d = dirs; *d; d++) {
    if (!**d) continue;
    GDir *dir = g_dir_open(*d, 0, NULL);
    if (!dir) continue;
    /* sorted, so that which of two same-named plugins wins never depends on the file system */
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)))
      if (g_str_has_suffix(name, "." G_MODULE_SUFFIX)) g_ptr_array_add(files, g_build_filename(*d, name, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(files, compare_str);
    for (guint i = 0; i < files->len; i++)
      if (zc_registry_load_file(reg, g_ptr_array_index(files, i), NULL)) loaded++;
    g_ptr_array_unref(files);
  }
  g_strfreev(dirs);
  return loaded;
}

/* True when this process's executable lives in the build tree (libtool puts the real
 * binary under .libs/), so that plugins are found there before `make install`. */
static gboolean running_from_build_tree(void) {
  char *exe = g_file_read_link("/proc/self/exe", NULL);
  gboolean in = exe && g_str_has_prefix(exe, ZC_ABS_BUILDDIR "/");
  g_free(exe);
  return in;
}

char *zc_registry_default_path(const char *cli_path) {
  GPtrArray *parts = g_ptr_array_new();
  if (cli_path && *cli_path) g_ptr_array_add(parts, (gpointer)cli_path);
  const char *env = g_getenv("ZCNAS_PLUGIN_PATH");
  if (env && *env) g_ptr_array_add(parts, (gpointer)env);
  if (running_from_build_tree()) {
    g_ptr_array_add(parts, ZC_ABS_BUILDDIR "/plugins/spaces/.libs");
    g_ptr_array_add(parts, ZC_ABS_BUILDDIR "/plugins/proxies/.libs");
    g_ptr_array_add(parts, ZC_ABS_BUILDDIR "/plugins/searchers/.libs");
  } else {
    g_ptr_array_add(parts, ZC_PLUGINDIR);
  }
  g_ptr_array_add(parts, NULL);
  char *path = g_strjoinv(G_SEARCHPATH_SEPARATOR_S, (char **)parts->pdata);
  g_ptr_array_free(parts, TRUE);
  return path;
}

const GPtrArray *zc_registry_refusals(const ZcRegistry *reg) { return reg->refusals; }

static const Entry *find_entry(const ZcRegistry *reg, ZcKind kind, const char *name) {
  for (guint i = 0; i < reg->entries->len; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (e->desc->kind == kind && strcmp(e->desc->name, name) == 0) return e;
  }
  return NULL;
}

const ZcPluginDesc *zc_registry_find(const ZcRegistry *reg, ZcKind kind, const char *name) {
  const Entry *e = find_entry(reg, kind, name);
  return e ? e->desc : NULL;
}

const char *zc_registry_origin(const ZcRegistry *reg, const ZcPluginDesc *desc) {
  for (guint i = 0; i < reg->entries->len; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (e->desc == desc) return e->origin;
  }
  return NULL;
}

static gint compare_desc(gconstpointer a, gconstpointer b) {
  const ZcPluginDesc *x = *(const ZcPluginDesc *const *)a, *y = *(const ZcPluginDesc *const *)b;
  if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
  return strcmp(x->name, y->name);
}

GPtrArray *zc_registry_list(const ZcRegistry *reg, ZcKind kind) {
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; i < reg->entries->len; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (!kind || e->desc->kind == kind) g_ptr_array_add(out, (gpointer)e->desc);
  }
  g_ptr_array_sort(out, compare_desc);
  return out;
}

const ZcPluginDesc *zc_registry_require(const ZcRegistry *reg, ZcKind kind, const char *name,
                                        const char *origin, GError **error) {
  const ZcPluginDesc *d = name ? zc_registry_find(reg, kind, name) : NULL;
  if (d) return d;
  GPtrArray *all = zc_registry_list(reg, kind);
  GString *names = g_string_new(NULL);
  for (guint i = 0; i < all->len; i++)
    g_string_append_printf(names, "%s%s", i ? ", " : "", ((const ZcPluginDesc *)g_ptr_array_index(all, i))->name);
  g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s: no %s plugin named '%s' (available: %s)", origin,
              zc_kind_name(kind), name ? name : "", names->len ? names->str : "none");
  g_string_free(names, TRUE);
  g_ptr_array_unref(all);
  return NULL;
}
