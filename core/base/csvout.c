/* CSV writing helpers shared by every command that prints a table. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/csvout.h>

void zc_csv_append_field(GString *line, const char *field) {
  if (!field) return;
  if (!strpbrk(field, ",\"\r\n")) {
    g_string_append(line, field);
    return;
  }
  g_string_append_c(line, '"');
  for (const char *c = field; *c; c++) {
    if (*c == '"') g_string_append_c(line, '"');
    g_string_append_c(line, *c);
  }
  g_string_append_c(line, '"');
}

void zc_csv_append_double(GString *line, double x) {
  if (isnan(x)) g_string_append(line, "nan");
  else if (isinf(x)) g_string_append(line, x > 0 ? "inf" : "-inf");
  else g_string_append_printf(line, "%.10g", x);
}

char **zc_csv_split_line(const char *line) {
  GPtrArray *fields = g_ptr_array_new();
  GString *cur = g_string_new(NULL);
  gboolean quoted = FALSE;
  for (const char *c = line;; c++) {
    if (quoted) {
      if (*c == '"' && c[1] == '"') { g_string_append_c(cur, '"'); c++; }
      else if (*c == '"') quoted = FALSE;
      else if (*c) g_string_append_c(cur, *c);
      else break;
    } else if (*c == '"' && cur->len == 0) {
      quoted = TRUE;
    } else if (*c == ',' || *c == '\0' || *c == '\n' || *c == '\r') {
      g_ptr_array_add(fields, g_strdup(cur->str));
      g_string_truncate(cur, 0);
      if (*c != ',') break;
    } else {
      g_string_append_c(cur, *c);
    }
  }
  if (quoted) g_ptr_array_add(fields, g_strdup(cur->str));   /* unterminated quote: keep what we have */
  g_string_free(cur, TRUE);
  g_ptr_array_add(fields, NULL);
  return (char **)g_ptr_array_free(fields, FALSE);
}
