/* Backends: what a workspace runs its kernels on.  Each workspace owns one instance, which
 * owns the workspace's memory and its own copy of the op table (as BLIS keeps kernels in a
 * per-context table): two workspaces in one process can run different kernels.
 *
 *   cpu-ref  the reference kernels (ops-*.inc): im2col + GEMM per sample; the oracle the
 *            other backends are checked against (tests/unit/test_backend.c).
 *   cpu      the reference table with the fast CPU kernels patched in (fast-*.c). */
#include "config.h"
#include <string.h>
#include "engine-impl.h"

static void *host_alloc(ZcBackend *be, gsize bytes) { return g_try_malloc(bytes); }
static void host_release(ZcBackend *be, void *mem) { g_free(mem); }
static void host_copy(ZcBackend *be, void *dst, const void *src, gsize bytes) { memcpy(dst, src, bytes); }

static void ref_setup(ZcOpClass *ops) {}

static const ZcBackendClass backends[] = {
  {.name = "cpu", .cache_id = "cpu-fast-1", .setup = zc_fast_setup, .host_memory = TRUE,
   .alloc = host_alloc, .release = host_release, .copy_out = host_copy, .copy_in = host_copy},
  {.name = "cpu-ref", .cache_id = "cpu", .setup = ref_setup, .host_memory = TRUE, .alloc = host_alloc, .release = host_release, .copy_out = host_copy, .copy_in = host_copy},
};

const char *zc_backend_default(void) { return backends[0].name; }

const char *zc_backend_name_at(guint i) { return i < G_N_ELEMENTS(backends) ? backends[i].name : NULL; }

static const ZcBackendClass *find(const char *name) {
  for (guint i = 0; i < G_N_ELEMENTS(backends); i++)
    if (!g_strcmp0(backends[i].name, name)) return &backends[i];
  return NULL;
}

gboolean zc_backend_check(const char *name, GError **error) {
  if (find(name)) return TRUE;
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(backends); i++) g_string_append_printf(s, "%s%s", i ? ", " : "", backends[i].name);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "backend '%s': unknown (this build has %s)", name ? name : "(null)",
              s->str);
  g_string_free(s, TRUE);
  return FALSE;
}

const char *zc_backend_cache_id(const char *name) {
  const ZcBackendClass *k = find(name);
  return k ? k->cache_id : NULL;
}

ZcBackend *zc_backend_new(const char *name, GError **error) {
  if (!zc_backend_check(name, error)) return NULL;
  ZcBackend *be = g_new0(ZcBackend, 1);
  be->klass = find(name);
  memcpy(be->ops, zc_op_classes, sizeof be->ops);
  be->klass->setup(be->ops);
  return be;
}

void zc_backend_free(ZcBackend *be) { g_free(be); }
