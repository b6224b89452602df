/* libFuzzer harness: the genotype parsers of every space plugin, through the space
 * plugin interface (the built nb201.so and autoformer.so, loaded by the real loader).
 *
 * Input: byte 0 picks the space (nb201, autoformer tiny/small/base), the rest is the
 * architecture text.  Asserted: parse -> format -> parse succeeds and prints the same
 * text again, and an enumerable space's index maps back to the same text.
 * Byte 0 values 4..7 (mod 8) fuzz the AutoFormer benchmark-row parser instead
 * (zc_af_genotype_from_fields, linked in): four lines embed dim, depth, MLP ratios and
 * head counts; a row that parses must print to a genotype string that parses back equal. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/registry.h>
#include <zcnas/space.h>
#include "autoformer_genotype.h"
#include "fuzz_util.h"

#define PLUGINS ZC_ABS_BUILDDIR "/plugins/spaces/.libs/"

static ZcRegistry *reg;
static ZcSpace *spaces[4];

static ZcSpace *make_space(const char *name, const char *const *kv) {
  GError *err = NULL;
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, name);
  ZcOptions *o = d ? zc_options_from_strv(d->options, kv, name, &err) : NULL;
  ZcSpace *s = o ? zc_space_new(d, o, &err) : NULL;
  if (!s) {
    fprintf(stderr, "fuzz_space: cannot create space %s: %s\n", name, err ? err->message : "not loaded");
    abort();
  }
  return s;
}

static void teardown(void) {
  for (int i = 0; i < 4; i++) zc_space_free(spaces[i]);
  zc_registry_free(reg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  GError *err = NULL;
  reg = zc_registry_new();
  if (!zc_registry_load_file(reg, PLUGINS "nb201.so", &err) ||
      !zc_registry_load_file(reg, PLUGINS "autoformer.so", &err)) {
    fprintf(stderr, "fuzz_space: %s\n", err->message);
    abort();
  }
  static const char *const none[] = {NULL};
  static const char *const tiny[] = {"variant=tiny", NULL};
  static const char *const small[] = {"variant=small", NULL};
  static const char *const base[] = {"variant=base", NULL};
  spaces[0] = make_space("nb201", none);
  spaces[1] = make_space("autoformer", tiny);
  spaces[2] = make_space("autoformer", small);
  spaces[3] = make_space("autoformer", base);
  atexit(teardown);
  return 0;
}

static void fuzz_row(ZcAfVariant variant, const char *text) {
  char **f = g_strsplit(text, "\n", -1);
  GError *err = NULL;
  ZcAfGenotype g, back;
  if (g_strv_length(f) == 4) {
    if (zc_af_genotype_from_fields(variant, f[0], f[1], f[2], f[3], &g, &err)) {
      char *s = zc_af_genotype_to_string(&g);
      FUZZ_ASSERT(zc_af_genotype_parse(variant, s, &back, &err), "row prints as '%s', which does not parse: %s",
                  s, err ? err->message : "?");
      FUZZ_ASSERT(zc_af_genotype_equal(&g, &back), "row prints as '%s', which parses to another genotype", s);
      g_free(s);
    } else {
      FUZZ_ASSERT(err && err->message && *err->message, "row refused without a message");
      g_clear_error(&err);
    }
  }
  g_strfreev(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 8 >= 4) {
    char *row = g_strndup((const char *)data + 1, size - 1);
    fuzz_row((ZcAfVariant)((data[0] % 8 - 4) % ZC_AF_N_VARIANTS), row);
    g_free(row);
    return 0;
  }
  ZcSpace *space = spaces[data[0] % 4];
  char *text = g_strndup((const char *)data + 1, size - 1);
  GError *err = NULL;
  ZcArch *a = zc_space_parse(space, text, &err);
  if (!a) {
    FUZZ_ASSERT(err && err->message && *err->message, "parse failed without a message");
    g_error_free(err);
    g_free(text);
    return 0;
  }
  FUZZ_ASSERT(!err, "parse succeeded but set an error");
  char *s1 = zc_space_format(space, a);
  ZcArch *b = zc_space_parse(space, s1, &err);
  FUZZ_ASSERT(b, "'%s' (from input '%s') does not parse again: %s", s1, text, err ? err->message : "?");
  char *s2 = zc_space_format(space, b);
  FUZZ_ASSERT(!strcmp(s1, s2), "'%s' prints as '%s' after a second parse", s1, s2);

  guint64 index;
  if (zc_space_count(space) && zc_space_to_index(space, b, &index)) {
    FUZZ_ASSERT(index < zc_space_count(space), "index %" G_GUINT64_FORMAT " out of range", index);
    ZcArch *c = zc_space_from_index(space, index, &err);
    FUZZ_ASSERT(c, "index %" G_GUINT64_FORMAT " of '%s' does not map back", index, s1);
    char *s3 = zc_space_format(space, c);
    FUZZ_ASSERT(!strcmp(s1, s3), "'%s' -> index -> '%s'", s1, s3);
    g_free(s3);
    zc_space_arch_free(space, c);
  }
  g_free(zc_space_iso_key(space, b));
  ZcCost cost;
  if (!zc_space_cost(space, b, &cost, &err)) g_clear_error(&err);

  g_free(s2);
  zc_space_arch_free(space, b);
  g_free(s1);
  zc_space_arch_free(space, a);
  g_free(text);
  return 0;
}
