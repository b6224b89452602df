/* Reading lists of architectures for `zcnas score`: plain text (one per line) or CSV
 * with an `arch` or `arch_str` column (such as the output of `zcnas arch`). */
#include "config.h"
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "cli.h"

GPtrArray *zc_cli_read_archs(ZcSpace *space, const char *file, GError **error) {
  char *text = NULL;
  if (!g_file_get_contents(file, &text, NULL, error)) return NULL;
  GPtrArray *archs = g_ptr_array_new_with_free_func(NULL);
  /* a UTF-8 byte order mark (as some editors write) is not part of the first line; a
   * CRLF line end loses its CR to g_strstrip() below */
  const char *start = g_str_has_prefix(text, "\xEF\xBB\xBF") ? text + 3 : text;
  char **lines = g_strsplit(start, "\n", -1);
  g_free(text);
  int column = -1;   /* CSV column of the architecture, -1: whole line */
  gboolean ok = TRUE;
  for (guint n = 0; ok && lines[n]; n++) {
    char *line = g_strstrip(lines[n]);
    if (!*line || line[0] == '#') continue;
    if (n == 0 || (column < 0 && archs->len == 0 && strchr(line, ','))) {
      char **f = zc_csv_split_line(line);
      for (int k = 0; f[k]; k++)
        if (!strcmp(f[k], "arch") || !strcmp(f[k], "arch_str")) column = k;
      g_strfreev(f);
      if (column >= 0) continue;   /* that was a header */
    }
    char *arch_text = NULL;
    if (column >= 0) {
      char **f = zc_csv_split_line(line);
      if ((int)g_strv_length(f) > column) arch_text = g_strdup(f[column]);
      g_strfreev(f);
    } else {
      arch_text = g_strdup(line);
    }
    GError *err = NULL;
    ZcArch *a = arch_text ? zc_space_parse(space, arch_text, &err) : NULL;
    if (!a) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "%s:%u: %s", file, n + 1,
                  err ? err->message : "missing architecture column");
      g_clear_error(&err);
      ok = FALSE;
    } else {
      g_ptr_array_add(archs, a);
    }
    g_free(arch_text);
  }
  g_strfreev(lines);
  if (ok && archs->len == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "%s: no architectures in the file", file);
    ok = FALSE;
  }
  if (!ok) {
    for (guint i = 0; i < archs->len; i++) zc_space_arch_free(space, g_ptr_array_index(archs, i));
    g_ptr_array_unref(archs);
    return NULL;
  }
  return archs;
}
