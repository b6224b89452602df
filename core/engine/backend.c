/* Backends: what a workspace runs its kernels on.  Each workspace owns one instance, which
 * owns the workspace's memory and its own copy of the op table (as BLIS keeps kernels in a
 * per-context table): two workspaces in one process can run different kernels.
 *
 *   cpu-ref  the reference kernels (ops-*.inc): im2col + GEMM per sample; the oracle the
 *            other backends are checked against (tests/unit/test_backend.c).
 *   cpu      the reference table with the fast CPU kernels patched in (fast-*.c).
 *   cpu-staged  a device backend without a device: its arena is a separate host buffer that
 *            nothing but copy-in/out may read, and every op runs staged (device.c).  Same
 *            bits as cpu-ref; it proves the device seam on any machine.
 *   cuda-emu the CUDA backend's own code (its C side and kernels) on the host, against an
 *            emulation of the CUDA runtime, cuBLAS and cuDNN (cuda/emu/): what the harness
 *            checks of the CUDA backend on a machine without a GPU.
 *   cuda     cuDNN, cuBLAS and zcnas's own kernels (cuda/; builds configured --with-cuda). */
#include "config.h"
#include <string.h>
#include "engine-impl.h"

static void *host_alloc(ZcBackend *be, gsize bytes) { return g_try_malloc(bytes); }
static void host_release(ZcBackend *be, void *mem) { g_free(mem); }
static void host_copy(ZcBackend *be, void *dst, const void *src, gsize bytes) { memcpy(dst, src, bytes); }

static void host_zero(ZcBackend *be, void *dst, gsize bytes) { memset(dst, 0, bytes); }

static void ref_setup(ZcOpClass *ops) {}

static const ZcBackendClass backends[] = {
  {.name = "cpu", .cache_id = "cpu-fast-1", .setup = zc_fast_setup, .host_memory = TRUE,
   .alloc = host_alloc, .release = host_release, .copy_out = host_copy, .copy_in = host_copy, .zero = host_zero},
  {.name = "cpu-ref", .cache_id = "cpu", .setup = ref_setup, .host_memory = TRUE, .alloc = host_alloc,
   .release = host_release, .copy_out = host_copy, .copy_in = host_copy, .zero = host_zero},
  {.name = "cpu-staged", .cache_id = "cpu-staged", .setup = zc_dev_setup_staged, .host_memory = FALSE,
   .alloc = host_alloc, .release = host_release, .copy_out = host_copy, .copy_in = host_copy, .zero = host_zero},
};

static const ZcBackendClass *const device_backends[] = {
  &zc_cuda_emu_backend_class,
#ifdef ZC_HAVE_CUDA
  &zc_cuda_backend_class,
#endif
};
#define N_CLASSES (G_N_ELEMENTS(backends) + G_N_ELEMENTS(device_backends))
static const ZcBackendClass *class_at(guint i) {
  if (i < G_N_ELEMENTS(backends)) return &backends[i];
  return i < N_CLASSES ? device_backends[i - G_N_ELEMENTS(backends)] : NULL;
}

const char *zc_backend_default(void) { return backends[0].name; }

const char *zc_backend_name_at(guint i) { return i < N_CLASSES ? class_at(i)->name : NULL; }

static const ZcBackendClass *find(const char *name) {
  for (guint i = 0; i < N_CLASSES; i++)
    if (!g_strcmp0(class_at(i)->name, name)) return class_at(i);
  return NULL;
}

gboolean zc_backend_check(const char *name, GError **error) {
  const ZcBackendClass *k = find(name);
  if (k && k->probe && !k->probe(error)) {
    g_prefix_error(error, "backend '%s': ", name);
    return FALSE;
  }
  if (k) return TRUE;
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < N_CLASSES; i++) g_string_append_printf(s, "%s%s", i ? ", " : "", class_at(i)->name);
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
  if (!find(name)) return zc_backend_check(name, error), NULL;
  ZcBackend *be = g_new0(ZcBackend, 1);
  be->klass = find(name);
  memcpy(be->ops, zc_op_classes, sizeof be->ops);
  be->klass->setup(be->ops);
  if (be->klass->open && !be->klass->open(be, error)) {
    g_prefix_error(error, "backend '%s': ", name);
    g_free(be);
    return NULL;
  }
  return be;
}

void zc_backend_free(ZcBackend *be) {
  if (!be) return;
  zc_dev_release_mirror(be);
  zc_dev_state_free(be->dev);
  if (be->klass->close) be->klass->close(be);
  g_free(be);
}
