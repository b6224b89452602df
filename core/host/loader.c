/* The plugin loader: finds plugin files, checks each file (a regular file, an ELF shared
 * object of this machine whose extents fit the file, not writable by others) before
 * dlopen runs any of its code, checks each descriptor against the host's ABI before
 * trusting anything in it, and keeps the accepted ones in a registry.  A registry given a
 * search path (zc_registry_set_path) opens a plugin's file only when a command asks for
 * that plugin by name. */
#include "config.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
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

/* Members are pointers so that lookups through a const registry (worker threads share
 * one) may still load a plugin lazily, under `lock`. */
struct ZcRegistry {
  GPtrArray *entries;   /* Entry* */
  GPtrArray *refusals;  /* char* */
  GHashTable *tried;    /* plugin file -> its refusal, so that a refused file is opened once */
  char *path;           /* lazy search path; NULL: only what was loaded or added */
  GMutex *lock;
  ZcRegistryWarnFunc warn;
  gpointer warn_data;
};

static void entry_free(gpointer p) {
  Entry *e = p;
  if (e->module) g_module_close(e->module);
  g_free(e->origin);
  g_free(e);
}

static void warn_stderr(const char *message, gpointer data) {
  (void)data;
  g_printerr("zcnas: warning: %s\n", message);
}

ZcRegistry *zc_registry_new(void) {
  ZcRegistry *reg = g_new0(ZcRegistry, 1);
  reg->entries = g_ptr_array_new_with_free_func(entry_free);
  reg->refusals = g_ptr_array_new_with_free_func(g_free);
  reg->tried = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  reg->lock = g_new0(GMutex, 1);
  g_mutex_init(reg->lock);
  reg->warn = warn_stderr;
  return reg;
}

void zc_registry_free(ZcRegistry *reg) {
  if (!reg) return;
  g_ptr_array_unref(reg->entries);
  g_ptr_array_unref(reg->refusals);
  g_hash_table_unref(reg->tried);
  g_mutex_clear(reg->lock);
  g_free(reg->lock);
  g_free(reg->path);
  g_free(reg);
}

void zc_registry_set_path(ZcRegistry *reg, const char *path) {
  g_free(reg->path);
  reg->path = g_strdup(path);
}

void zc_registry_set_warn_func(ZcRegistry *reg, ZcRegistryWarnFunc func, gpointer data) {
  reg->warn = func;
  reg->warn_data = data;
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

static gboolean valid_name(const char *name) {
  if (!name || !*name) return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-') return FALSE;
  return TRUE;
}

/* The declared needs must not contradict each other (see ZcProxyNeeds). */
static gboolean needs_consistent(const char *name, const ZcProxyNeeds *n, GError **error) {
  const char *why = NULL;
  if (!n) return TRUE;   /* zc_proxy_new says "declares no outputs" */
  if ((n->flags & ~(guint32)(ZC_NEEDS_NET | ZC_NEEDS_LABELS)) && !(n->flags & ZC_NEEDS_NET))
    why = "needs flags that act on a network without ZC_NEEDS_NET";
  else if ((n->flags & ZC_NEEDS_LABELS) && n->input != ZC_INPUT_REAL)
    why = "ZC_NEEDS_LABELS without ZC_INPUT_REAL";
  else if ((n->flags & ZC_NEEDS_SUM_BACKWARD) && !(n->flags & ZC_NEEDS_BACKWARD))
    why = "ZC_NEEDS_SUM_BACKWARD without ZC_NEEDS_BACKWARD";
  else if ((n->input == ZC_INPUT_NONE) != (n->n_batches == 0))
    why = n->n_batches ? "n_batches without an input" : "an input with n_batches 0";
  if (why) g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "proxy '%s' declares %s", name, why);
  return why == NULL;
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
  if (d->fingerprint != ZC_FINGERPRINT)
    REFUSE("build fingerprint %016" G_GINT64_MODIFIER "x does not match the host's %016" G_GINT64_MODIFIER
           "x (built against headers of another layout?)", d->fingerprint, (guint64)ZC_FINGERPRINT);
  if (d->kind != ZC_KIND_SPACE && d->kind != ZC_KIND_PROXY && d->kind != ZC_KIND_SEARCHER)
    REFUSE("unknown plugin kind %d", (int)d->kind);
  if (!d->name || !*d->name) REFUSE("empty plugin name");
  if (!valid_name(d->name)) REFUSE("plugin name '%s' may hold only letters, digits, '_' and '-'", d->name);
  if (!d->version || !*d->version) REFUSE("plugin '%s' has no version", d->name);
  if (!d->iface) REFUSE("plugin '%s' has no interface table", d->name);
  guint32 isize = *(const guint32 *)d->iface;
  if (isize < iface_min_size(d->kind))
    REFUSE("plugin '%s': %s interface is %u bytes, this host needs %u", d->name, zc_kind_name(d->kind), isize,
           iface_min_size(d->kind));
  if (d->kind == ZC_KIND_PROXY && !needs_consistent(d->name, ((const ZcProxyIface *)d->iface)->needs, error))
    return FALSE;
  return TRUE;
#undef REFUSE
}

/* ---- the file, before dlopen runs anything in it ---- */

#define REFUSE(...) do { g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, __VA_ARGS__); return FALSE; } while (0)

/* The ELF header of the library this code is in: plugins must be built for the same
 * class, byte order and machine. */
static const ElfW(Ehdr) *host_elf_header(void) {
  Dl_info info;
  if (!dladdr((void *)zc_registry_new, &info) || !info.dli_fbase) return NULL;
  const ElfW(Ehdr) *h = info.dli_fbase;
  return memcmp(h->e_ident, ELFMAG, SELFMAG) == 0 ? h : NULL;
}

/* [off, off + len) lies inside a file of `size` bytes (no overflow). */
static gboolean extent_fits(guint64 off, guint64 len, guint64 size) { return off <= size && len <= size - off; }

/* Truncated or foreign shared objects crash the dynamic linker (SIGBUS while mapping a
 * segment past the end of the file), so their headers are checked against the file first. */
static gboolean check_elf(int fd, guint64 size, GError **error) {
  ElfW(Ehdr) eh;
  if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    REFUSE("not an ELF shared object");
  const ElfW(Ehdr) *host = host_elf_header();
  if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      (host && (eh.e_ident[EI_DATA] != host->e_ident[EI_DATA] || eh.e_machine != host->e_machine)))
    REFUSE("ELF object for another machine (class %u, machine %u; this host: class %u, machine %u)",
           eh.e_ident[EI_CLASS], eh.e_machine, host ? host->e_ident[EI_CLASS] : 0u, host ? host->e_machine : 0u);
  if (eh.e_type != ET_DYN) REFUSE("not a shared object (ELF type %u)", eh.e_type);
  if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
    REFUSE("malformed ELF program header table");
  guint64 ph_bytes = (guint64)eh.e_phnum * sizeof(ElfW(Phdr));
  if (!extent_fits(eh.e_phoff, ph_bytes, size))
    REFUSE("truncated: program headers end past the file's %" G_GUINT64_FORMAT " bytes", size);
  ElfW(Phdr) *ph = g_try_malloc(ph_bytes);
  if (!ph) REFUSE("out of memory reading the program headers");
  gboolean ok = pread(fd, ph, ph_bytes, (off_t)eh.e_phoff) == (ssize_t)ph_bytes;
  if (!ok) g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "cannot read the program headers");
  for (guint i = 0; ok && i < eh.e_phnum; i++)
    if (ph[i].p_filesz && !extent_fits(ph[i].p_offset, ph[i].p_filesz, size)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN,
                  "truncated: segment %u ends at byte %" G_GUINT64_FORMAT ", the file has %" G_GUINT64_FORMAT, i,
                  (guint64)ph[i].p_offset + (guint64)ph[i].p_filesz, size);
      ok = FALSE;
    }
  g_free(ph);
  if (!ok) return FALSE;
  if (eh.e_shoff && !extent_fits(eh.e_shoff, (guint64)eh.e_shnum * eh.e_shentsize, size))
    REFUSE("truncated: the section header table ends past the file's %" G_GUINT64_FORMAT " bytes", size);
  return TRUE;
}

static const char *file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/* A group of one: the owner's primary group, named after the owner, with no other members.
 * Under umask 002 (user private groups, Debian's and Ubuntu's default for people) every
 * file a user builds is group-writable, and only that user can write it. */
static gboolean private_group(uid_t uid, gid_t gid) {
  struct passwd pw, *pwp = NULL;
  struct group gr, *grp = NULL;
  char pbuf[4096], gbuf[16384];
  if (getpwuid_r(uid, &pw, pbuf, sizeof pbuf, &pwp) || !pwp || pw.pw_gid != gid) return FALSE;
  if (getgrgid_r(gid, &gr, gbuf, sizeof gbuf, &grp) || !grp || strcmp(gr.gr_name, pw.pw_name)) return FALSE;
  for (char **m = gr.gr_mem; m && *m; m++)
    if (strcmp(*m, pw.pw_name)) return FALSE;
  return TRUE;
}

/* Someone else who can write a plugin file or its directory can run code in this process. */
static gboolean check_trust(const char *file, const struct stat *st, GError **error) {
  char *dir = g_path_get_dirname(file);
  struct stat ds;
  gboolean dir_open = stat(dir, &ds) == 0 && (ds.st_mode & S_IWOTH);
  if (dir_open) g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "its directory %s is writable by everyone", dir);
  g_free(dir);
  if (dir_open) return FALSE;
  if (st->st_uid != geteuid() && st->st_uid != 0)
    REFUSE("owned by user id %u, neither you nor root", (unsigned)st->st_uid);
  if ((st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) && !private_group(st->st_uid, st->st_gid)))
    REFUSE("writable by %s (mode %04o)", (st->st_mode & S_IWOTH) ? "everyone" : "its group",
           (unsigned)(st->st_mode & 07777));
  return TRUE;
}

static gboolean insecure_allowed(void) {
  const char *v = g_getenv("ZCNAS_ALLOW_INSECURE_PLUGINS");
  return v && strcmp(v, "1") == 0;
}

/* Every check that needs no code of the plugin to run.  A FIFO or device must not block
 * the open, hence O_NONBLOCK; the checks run on the opened file, not on its name. */
static gboolean check_file(const ZcRegistry *reg, const char *file, GError **error) {
  int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) REFUSE("cannot open: %s", g_strerror(errno));
  struct stat st;
  gboolean ok = fstat(fd, &st) == 0;
  if (!ok) g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "cannot stat: %s", g_strerror(errno));
  else if (!S_ISREG(st.st_mode)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s, not a plugin file", file_type_name(st.st_mode));
    ok = FALSE;
  }
  if (ok) ok = check_elf(fd, (guint64)st.st_size, error);
  GError *insecure = NULL;
  if (ok && !check_trust(file, &st, &insecure)) {
    if (insecure_allowed()) {
      if (reg->warn) {
        char *msg = g_strdup_printf("%s: insecure: %s (loaded because ZCNAS_ALLOW_INSECURE_PLUGINS=1)", file,
                                    insecure->message);
        reg->warn(msg, reg->warn_data);
        g_free(msg);
      }
      g_error_free(insecure);
    } else {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "insecure: %s (ZCNAS_ALLOW_INSECURE_PLUGINS=1 loads it anyway)",
                  insecure->message);
      g_error_free(insecure);
      ok = FALSE;
    }
  }
  close(fd);
  return ok;
}
#undef REFUSE

/* ---- loading ---- */

static gboolean add_entry(ZcRegistry *reg, const ZcPluginDesc *desc, const char *origin, GModule *module,
                          GError **error);

/* Load one file under the lock; `kind`/`name` (name may be NULL) is what the file must
 * provide.  Refusals are recorded and remembered. */
static const ZcPluginDesc *load_locked(const ZcRegistry *creg, const char *file, ZcKind kind, const char *name,
                                       GError **error) {
  ZcRegistry *reg = (ZcRegistry *)creg;   /* only the lazily filled members change */
  const char *before = g_hash_table_lookup(reg->tried, file);
  if (before) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s", before);
    return NULL;
  }
  GError *err = NULL;
  const ZcPluginDesc *desc = NULL;
  if (check_file(reg, file, &err)) {
    /* local binding: plugins' symbols never collide with each other */
    GModule *module = g_module_open_full(file, G_MODULE_BIND_LOCAL, &err);
    if (module) {
      gpointer sym = NULL;
      if (!g_module_symbol(module, ZC_PLUGIN_ENTRY_SYMBOL, &sym) || !sym) {
        g_set_error(&err, ZC_ERROR, ZC_ERROR_PLUGIN, "not a zcnas plugin: no entry symbol %s()",
                    ZC_PLUGIN_ENTRY_SYMBOL);
      } else {
        desc = ((ZcPluginDescribeFunc)sym)();
        if (name && zc_plugin_desc_check(desc, NULL) && (desc->kind != kind || strcmp(desc->name, name) != 0)) {
          g_set_error(&err, ZC_ERROR, ZC_ERROR_PLUGIN, "provides %s '%s', not %s '%s'", zc_kind_name(desc->kind),
                      desc->name, zc_kind_name(kind), name);
          desc = NULL;
        } else if (!add_entry(reg, desc, file, module, &err)) {
          desc = NULL;
        }
      }
      if (!desc) g_module_close(module);
    }
  }
  if (desc) return desc;
  char *msg = g_strdup_printf("%s: %s", file, err->message);
  g_ptr_array_add(reg->refusals, g_strdup(msg));
  g_hash_table_insert(reg->tried, g_strdup(file), msg);
  g_propagate_prefixed_error(error, err, "%s: ", file);
  return NULL;
}

static const Entry *find_entry(const ZcRegistry *reg, ZcKind kind, const char *name) {
  for (guint i = 0; i < reg->entries->len; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (e->desc->kind == kind && strcmp(e->desc->name, name) == 0) return e;
  }
  return NULL;
}

static gboolean add_entry(ZcRegistry *reg, const ZcPluginDesc *desc, const char *origin, GModule *module,
                          GError **error) {
  if (!zc_plugin_desc_check(desc, error)) return FALSE;
  const Entry *prev = find_entry(reg, desc->kind, desc->name);
  if (prev) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s '%s' is already loaded from %s",
                zc_kind_name(desc->kind), desc->name, prev->origin);
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
  g_mutex_lock(reg->lock);
  gboolean ok = add_entry(reg, desc, origin, NULL, &err);
  if (!ok) g_ptr_array_add(reg->refusals, g_strdup_printf("%s: %s", origin, err->message));
  g_mutex_unlock(reg->lock);
  if (!ok) g_propagate_prefixed_error(error, err, "%s: ", origin);
  return ok;
}

gboolean zc_registry_load_file(ZcRegistry *reg, const char *file, GError **error) {
  g_mutex_lock(reg->lock);
  const ZcPluginDesc *d = load_locked(reg, file, 0, NULL, error);
  g_mutex_unlock(reg->lock);
  return d != NULL;
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

char *zc_registry_default_path(const char *cli_path, const char *fallback) {
  GPtrArray *parts = g_ptr_array_new();
  if (cli_path && *cli_path) g_ptr_array_add(parts, (gpointer)cli_path);
  const char *env = g_getenv("ZCNAS_PLUGIN_PATH");
  if (env && *env) g_ptr_array_add(parts, (gpointer)env);
  g_ptr_array_add(parts, (gpointer)(fallback ? fallback : ZC_PLUGINDIR));
  g_ptr_array_add(parts, NULL);
  char *path = g_strjoinv(G_SEARCHPATH_SEPARATOR_S, (char **)parts->pdata);
  g_ptr_array_free(parts, TRUE);
  return path;
}

const GPtrArray *zc_registry_refusals(const ZcRegistry *reg) { return reg->refusals; }

const ZcPluginDesc *zc_registry_find(const ZcRegistry *reg, ZcKind kind, const char *name) {
  g_mutex_lock(reg->lock);
  const Entry *e = find_entry(reg, kind, name);
  g_mutex_unlock(reg->lock);
  return e ? e->desc : NULL;
}

const char *zc_registry_origin(const ZcRegistry *reg, const ZcPluginDesc *desc) {
  const char *origin = NULL;
  g_mutex_lock(reg->lock);
  for (guint i = 0; i < reg->entries->len && !origin; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (e->desc == desc) origin = e->origin;
  }
  g_mutex_unlock(reg->lock);
  return origin;
}

static gint compare_desc(gconstpointer a, gconstpointer b) {
  const ZcPluginDesc *x = *(const ZcPluginDesc *const *)a, *y = *(const ZcPluginDesc *const *)b;
  if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
  return strcmp(x->name, y->name);
}

GPtrArray *zc_registry_list(const ZcRegistry *reg, ZcKind kind) {
  GPtrArray *out = g_ptr_array_new();
  g_mutex_lock(reg->lock);
  for (guint i = 0; i < reg->entries->len; i++) {
    const Entry *e = g_ptr_array_index(reg->entries, i);
    if (!kind || e->desc->kind == kind) g_ptr_array_add(out, (gpointer)e->desc);
  }
  g_mutex_unlock(reg->lock);
  g_ptr_array_sort(out, compare_desc);
  return out;
}

/* The first NAME.so along the search path (any file of that name: a FIFO or directory
 * there is refused, not skipped), or NULL. */
static char *find_plugin_file(const char *path, const char *name) {
  char *base = g_strconcat(name, "." G_MODULE_SUFFIX, NULL), *found = NULL;
  char **dirs = g_strsplit(path, G_SEARCHPATH_SEPARATOR_S, -1);
  for (char **d = dirs; *d && !found; d++) {
    if (!**d) continue;
    char *file = g_build_filename(*d, base, NULL);
    struct stat st;
    if (lstat(file, &st) == 0) found = file;
    else g_free(file);
  }
  g_strfreev(dirs);
  g_free(base);
  return found;
}

const ZcPluginDesc *zc_registry_require(const ZcRegistry *reg, ZcKind kind, const char *name,
                                        const char *origin, GError **error) {
  const ZcPluginDesc *d = NULL;
  char *file = NULL;
  g_mutex_lock(reg->lock);
  const Entry *e = name ? find_entry(reg, kind, name) : NULL;
  if (e) d = e->desc;
  else if (reg->path && valid_name(name) && (file = find_plugin_file(reg->path, name))) {
    GError *err = NULL;
    d = load_locked(reg, file, kind, name, &err);
    if (!d) {
      /* found but refused: say why, not "no such plugin" */
      g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "%s: %s '%s' was refused: %s", origin, zc_kind_name(kind), name,
                  err->message);
      g_error_free(err);
    }
  }
  g_mutex_unlock(reg->lock);
  if (d || file) {
    g_free(file);
    return d;
  }
  if (reg->path) {
    /* listing the others would mean opening every file in the path: name the command that does */
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN,
                "%s: no %s plugin named '%s': no file %s.%s in %s (`zcnas plugins --kind %s` lists those available)",
                origin, zc_kind_name(kind), name ? name : "", name ? name : "", G_MODULE_SUFFIX, reg->path,
                zc_kind_name(kind));
    return NULL;
  }
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
