/* libFuzzer harness: the CSV benchmark-table reader (core/base/table.c).
 *
 * Input: byte 0 holds flags (1: lenient, 2: a key canonicaliser that lower-cases keys
 * and rejects those with '!', 4: quote one problem only); then a line naming the
 * columns, "KEY,METRIC,..." (KEY alone: a table of keys only); the rest is the CSV file.
 * A loaded table is read back: every row is found again by its own key. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/table.h>
#include "fuzz_util.h"

static gchar *canon(const char *key, gpointer user, GError **error) {
  if (strchr(key, '!')) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "'%s' has a '!'", key);
    return NULL;
  }
  return g_ascii_strdown(key, -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *text = (const char *)data + 1, *end = (const char *)data + size;
  const char *nl = memchr(text, '\n', (size_t)(end - text));
  if (!nl) return 0;
  char *cols_line = g_strndup(text, (gsize)(nl - text));
  char **cols = g_strsplit(cols_line, ",", -1);
  g_free(cols_line);
  if (!cols[0]) {
    g_strfreev(cols);
    return 0;
  }
  ZcTableOptions opts = {0};
  opts.lenient = data[0] & 1;
  if (data[0] & 2) opts.canon = canon;
  opts.max_listed = data[0] & 4 ? 1 : 0;
  char *file = fuzz_write("table.csv", nl + 1, (size_t)(end - nl - 1));
  GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
  GError *err = NULL;
  ZcTable *t = zc_table_load(file, cols[0], (const char *const *)cols + 1, &opts, &warnings, &err);
  if (!t) {
    FUZZ_ASSERT(err && err->message && *err->message, "load failed without a message");
    g_error_free(err);
  } else {
    gsize m = zc_table_n_metrics(t);
    FUZZ_ASSERT(m == g_strv_length(cols + 1), "%zu metrics for %u columns", (size_t)m, g_strv_length(cols + 1));
    for (gsize j = 0; j < m; j++) {
      const char *name = zc_table_metric_name(t, j);
      FUZZ_ASSERT(zc_table_metric_index(t, name) >= 0, "metric '%s' not found by name", name);
    }
    for (gsize i = 0; i < zc_table_n_rows(t); i++) {
      const char *key = zc_table_key(t, i);
      FUZZ_ASSERT(zc_table_find(t, key) == (gssize)i, "row %zu key '%s' found at %zd", (size_t)i, key,
                  (ssize_t)zc_table_find(t, key));
      FUZZ_ASSERT(zc_table_raw_key(t, i) && zc_table_line(t, i) >= 2, "row %zu", (size_t)i);
      if (m) {
        FUZZ_ASSERT(zc_table_lookup(t, key) == zc_table_row(t, i), "row %zu lookup", (size_t)i);
        for (gsize j = 0; j < m; j++) (void)zc_table_value(t, i, j);
      }
    }
    zc_table_free(t);
  }
  g_ptr_array_unref(warnings);
  g_free(file);
  g_strfreev(cols);
  return 0;
}
