/* libFuzzer harness: the architecture-list reader of `zcnas score` (core/cli/archlist.c,
 * linked in), with the real space plugins loaded from the build tree.
 *
 * Input: byte 0 picks the space (nb201 or autoformer), the rest is the file: plain text
 * (one architecture per line) or CSV with an arch / arch_str column.  Every architecture
 * read must print to text that parses again. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/registry.h>
#include <zcnas/space.h>
#include "cli.h"
#include "fuzz_util.h"

#define PLUGINS ZC_ABS_BUILDDIR "/plugins/spaces/.libs/"

static ZcRegistry *reg;
static ZcSpace *spaces[2];

static ZcSpace *make_space(const char *name) {
  GError *err = NULL;
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, name);
  ZcOptions *o = d ? zc_options_resolve(d->options, NULL, name, NULL, &err) : NULL;
  ZcSpace *s = o ? zc_space_new(d, o, &err) : NULL;
  if (!s) {
    fprintf(stderr, "fuzz_archlist: cannot create space %s: %s\n", name, err ? err->message : "not loaded");
    abort();
  }
  return s;
}

static void teardown(void) {
  for (int i = 0; i < 2; i++) zc_space_free(spaces[i]);
  zc_registry_free(reg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  GError *err = NULL;
  reg = zc_registry_new();
  if (!zc_registry_load_file(reg, PLUGINS "nb201.so", &err) ||
      !zc_registry_load_file(reg, PLUGINS "autoformer.so", &err)) {
    fprintf(stderr, "fuzz_archlist: %s\n", err->message);
    abort();
  }
  spaces[0] = make_space("nb201");
  spaces[1] = make_space("autoformer");
  atexit(teardown);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  ZcSpace *space = spaces[data[0] % 2];
  char *file = fuzz_write("archs.txt", data + 1, size - 1);
  GError *err = NULL;
  GPtrArray *archs = zc_cli_read_archs(space, file, &err);
  if (!archs) {
    FUZZ_ASSERT(err && err->message && *err->message, "read failed without a message");
    g_error_free(err);
  } else {
    FUZZ_ASSERT(archs->len > 0, "an empty list without an error");
    for (guint i = 0; i < archs->len; i++) {
      ZcArch *a = g_ptr_array_index(archs, i);
      char *s = zc_space_format(space, a);
      ZcArch *b = zc_space_parse(space, s, &err);
      FUZZ_ASSERT(b, "'%s' does not parse again: %s", s, err ? err->message : "?");
      zc_space_arch_free(space, b);
      zc_space_arch_free(space, a);
      g_free(s);
    }
    g_ptr_array_unref(archs);
  }
  g_free(file);
  return 0;
}
