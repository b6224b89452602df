/* libFuzzer harness: pipeline files (core/base/pipeline.c), the --set parser
 * (zc_pipeline_set) and schema validation of plugin groups (core/base/options.c).
 *
 * Input: leading lines "--set PATH=VALUE" (any number, each one override), then the
 * text of a pipeline file.  Every group a plugin or the core would validate (space,
 * searcher, data, sample, output, layerstats, benchmark, each group in benchmarks and
 * proxies) is resolved against a schema with one option of every type, and printed in
 * canonical form; the same values given as key=value strings must resolve as well. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/options.h>
#include <zcnas/pipeline.h>
#include "fuzz_util.h"

static const ZcOption schema[] = {
  {"n", ZC_OPT_INT, "3", 1, 100, NULL, "an integer in range"},
  {"count", ZC_OPT_INT, "0", 0, 0, NULL, "an integer without range"},
  {"rate", ZC_OPT_FLOAT, "0.5", 0, 1, NULL, "a number in range"},
  {"flag", ZC_OPT_BOOL, "false", 0, 0, NULL, "a boolean"},
  {"label", ZC_OPT_STRING, "x", 0, 0, NULL, "a string"},
  {"path", ZC_OPT_STRING, NULL, 0, 0, NULL, "a required string"},
  {"mode", ZC_OPT_CHOICE, "a", 0, 0, "a|b|c", "a choice"},
  {"sizes", ZC_OPT_INT_LIST, "[2, 8]", 1, 64, NULL, "a list of integers in range"},
  {NULL, 0, NULL, 0, 0, NULL, NULL},
};
static const char *const reserved[] = {"name", NULL};
static const char *const groups[] = {"space", "searcher", "data", "sample", "output", "layerstats",
                                     "benchmark", NULL};

/* Resolve one group, print it canonically, and resolve the canonical form again. */
static void check_group(const config_setting_t *g, const char *where) {
  if (!g || !config_setting_is_group(g)) return;
  GError *err = NULL;
  ZcOptions *o = zc_options_resolve(schema, g, where, reserved, &err);
  if (!o) {
    FUZZ_ASSERT(err && err->message && *err->message, "%s: resolve failed without a message", where);
    g_error_free(err);
    return;
  }
  for (const ZcOption *opt = schema; opt->name; opt++) g_free(g_strdup(zc_options_origin(o, opt->name)));
  const gint64 *items;
  (void)zc_options_int_list(o, "sizes", &items);
  char *canon = zc_options_canonical(o);
  char **kv = g_strsplit(canon, ";", -1);
  ZcOptions *again = zc_options_from_strv(schema, (const char *const *)kv, where, &err);
  if (again) {
    char *canon2 = zc_options_canonical(again);
    FUZZ_ASSERT(!strcmp(canon, canon2), "%s: canonical '%s' resolves to '%s'", where, canon, canon2);
    g_free(canon2);
    zc_options_free(again);
  } else {
    /* A string value with ';' or '=' cannot survive the key=value form; that is fine. */
    g_clear_error(&err);
  }
  g_strfreev(kv);
  g_free(canon);
  zc_options_free(o);
}

static void check_list(const config_setting_t *l, const char *what) {
  if (!l || !(config_setting_is_list(l) || config_setting_is_array(l))) return;
  for (int i = 0; i < config_setting_length(l); i++) {
    char *where = g_strdup_printf("%s[%d]", what, i);
    check_group(config_setting_get_elem(l, (unsigned)i), where);
    g_free(where);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data, *end = text + size;
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  while ((size_t)(end - text) >= 6 && !memcmp(text, "--set ", 6)) {
    const char *nl = memchr(text, '\n', (size_t)(end - text));
    const char *stop = nl ? nl : end;
    g_ptr_array_add(sets, g_strndup(text + 6, (gsize)(stop - text - 6)));
    text = nl ? nl + 1 : end;
  }
  g_ptr_array_add(sets, NULL);
  char *file = fuzz_write("pipeline.cfg", text, (size_t)(end - text));
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(file, (const char *const *)sets->pdata, &err);
  if (!p) {
    FUZZ_ASSERT(err && err->message && *err->message, "load failed without a message");
    g_error_free(err);
  } else {
    for (const char *const *g = groups; *g; g++) check_group(zc_pipeline_lookup(p, *g), *g);
    check_list(zc_pipeline_lookup(p, "benchmarks"), "benchmarks");
    check_list(zc_pipeline_lookup(p, "proxies"), "proxies");
    /* The overrides once more, now onto settings that exist (a value keeps their type). */
    for (guint i = 0; i + 1 < sets->len; i++) {
      if (!zc_pipeline_set(p, g_ptr_array_index(sets, i), &err)) {
        FUZZ_ASSERT(err && err->message && *err->message, "set failed without a message");
        g_clear_error(&err);
      }
    }
    zc_pipeline_free(p);
  }
  g_free(file);
  g_ptr_array_unref(sets);
  return 0;
}
