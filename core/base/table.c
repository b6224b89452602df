/* Ground-truth tables from CSV files: see zcnas/table.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/table.h>
#include "table-private.h"

struct ZcTable {
  gchar *path;
  GPtrArray *metric_names;   /* gchar* */
  GPtrArray *keys;           /* canonical, gchar* */
  GPtrArray *raw_keys;       /* as written, gchar* */
  GArray *lines;             /* gsize */
  GArray *values;            /* double, n_rows x n_metrics */
  GHashTable *index;         /* canonical key -> row + 1 */
  gsize n_empty;
};

/* ---- RFC 4180 record reader ---------------------------------------------------- */

typedef struct {
  const char *p, *end;
  gsize line;   /* line of *p, 1-based */
} Csv;

/* The whole file, with c set on it past a UTF-8 byte-order mark; NULL with ZC_ERROR_IO. */
static gchar *csv_open(const char *path, Csv *c, GError **error) {
  gchar *text = NULL;
  gsize len = 0;
  GError *ferr = NULL;
  if (!g_file_get_contents(path, &text, &len, &ferr)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot read: %s", path, ferr->message);
    g_error_free(ferr);
    return NULL;
  }
  *c = (Csv){text, text + len, 1};
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) c->p += 3;
  return text;
}

/* Skip to just past the end of the current line (used after a malformed field). */
static void csv_skip_line(Csv *c) {
  while (c->p < c->end && *c->p != '\n') c->p++;
  if (c->p < c->end) {
    c->p++;
    c->line++;
  }
}

/* Read one record into `fields`.  Returns FALSE at end of input.  Blank lines are
 * skipped.  On a syntax error *bad gets a message and the rest of the line is
 * dropped. */
static gboolean csv_next(Csv *c, GPtrArray *fields, gsize *rec_line, gchar **bad) {
  g_ptr_array_set_size(fields, 0);
  *bad = NULL;
  for (;;) {   /* blank lines */
    if (c->p >= c->end) return FALSE;
    if (*c->p == '\n') { c->p++; c->line++; continue; }
    if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n') { c->p += 2; c->line++; continue; }
    break;
  }
  *rec_line = c->line;
  GString *f = g_string_new(NULL);
  for (;;) {
    g_string_truncate(f, 0);
    if (c->p < c->end && *c->p == '"') {
      gsize open_line = c->line;
      c->p++;
      gboolean closed = FALSE;
      while (c->p < c->end) {
        char ch = *c->p;
        if (ch == '"') {
          if (c->p + 1 < c->end && c->p[1] == '"') {
            g_string_append_c(f, '"');
            c->p += 2;
            continue;
          }
          c->p++;
          closed = TRUE;
          break;
        }
        if (ch == '\n') c->line++;
        g_string_append_c(f, ch);
        c->p++;
      }
      if (!closed) {
        *bad = g_strdup_printf("unterminated quoted field (opened on line %" G_GSIZE_FORMAT ")",
                               open_line);
        g_ptr_array_add(fields, g_string_free(f, FALSE));
        return TRUE;
      }
      if (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
          !(*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')) {
        *bad = g_strdup_printf("unexpected character '%c' after a closing quote", *c->p);
        g_ptr_array_add(fields, g_string_free(f, FALSE));
        csv_skip_line(c);
        return TRUE;
      }
    } else {
      while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
             !(*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')) {
        g_string_append_c(f, *c->p);
        c->p++;
      }
    }
    g_ptr_array_add(fields, g_strdup(f->str));
    if (c->p < c->end && *c->p == ',') {
      c->p++;
      continue;
    }
    /* end of record */
    if (c->p < c->end) {
      c->p += *c->p == '\r' ? 2 : 1;
      c->line++;
    }
    break;
  }
  g_string_free(f, TRUE);
  return TRUE;
}

/* ---- loading ------------------------------------------------------------------- */

/* Parse a metric field; NaN for an empty one (*empty set).  FALSE when not a number. */
static gboolean parse_value(const char *s, double *out, gboolean *empty) {
  while (g_ascii_isspace(*s)) s++;
  *empty = *s == '\0';
  if (*empty) {
    *out = NAN;
    return TRUE;
  }
  char *endp = NULL;
  errno = 0;
  double v = g_ascii_strtod(s, &endp);
  if (endp == s) return FALSE;
  while (g_ascii_isspace(*endp)) endp++;
  if (*endp != '\0') return FALSE;
  /* ERANGE on underflow is harmless (a tiny value); overflow gives ±HUGE_VAL = ±Inf */
  *out = v;
  return TRUE;
}

static void table_init(ZcTable *t, const char *path) {
  t->path = g_strdup(path);
  t->metric_names = g_ptr_array_new_with_free_func(g_free);
  t->keys = g_ptr_array_new_with_free_func(g_free);
  t->raw_keys = g_ptr_array_new_with_free_func(g_free);
  t->lines = g_array_new(FALSE, FALSE, sizeof(gsize));
  t->values = g_array_new(FALSE, FALSE, sizeof(double));
  t->index = g_hash_table_new(g_str_hash, g_str_equal);
}

void zc_table_free(ZcTable *t) {
  if (!t) return;
  g_free(t->path);
  g_ptr_array_unref(t->metric_names);
  g_hash_table_unref(t->index);   /* keys owned by t->keys */
  g_ptr_array_unref(t->keys);
  g_ptr_array_unref(t->raw_keys);
  g_array_unref(t->lines);
  g_array_unref(t->values);
  g_free(t);
}

static gssize find_column(GPtrArray *header, const char *name) {
  for (guint i = 0; i < header->len; i++)
    if (strcmp(g_ptr_array_index(header, i), name) == 0) return (gssize)i;
  return -1;
}

/* A second column named `name` after column `first`, or -1: a table must not silently
 * read one of two same-named columns. */
static gssize second_column(GPtrArray *header, const char *name, gssize first) {
  for (guint i = (guint)first + 1; i < header->len; i++)
    if (strcmp(g_ptr_array_index(header, i), name) == 0) return (gssize)i;
  return -1;
}

static gchar *column_list(GPtrArray *header) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < header->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(header, i));
  return g_string_free(s, FALSE);
}

ZcTable *zc_table_load(const char *path, const char *key_column, const char *const *metric_columns,
                       const ZcTableOptions *opts, GPtrArray **warnings, GError **error) {
  return zc_table_load_where(path, key_column, metric_columns, opts, NULL, NULL, warnings, error);
}

ZcTable *zc_table_load_where(const char *path, const char *key_column, const char *const *metric_columns,
                             const ZcTableOptions *opts, const char *where_column, const char *where_value,
                             GPtrArray **warnings, GError **error) {
  g_return_val_if_fail(path && key_column, NULL);
  ZcTableOptions o = {0};
  if (opts) o = *opts;
  guint max_listed = o.max_listed ? o.max_listed : 5;

  Csv c;
  gchar *text = csv_open(path, &c, error);
  if (!text) return NULL;

  GPtrArray *header = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
  gsize hline = 0;
  gchar *bad = NULL;
  ZcTable *t = NULL;
  GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
  gssize *midx = NULL;

  if (!csv_next(&c, header, &hline, &bad)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: empty file, expected a header line", path);
    goto out;
  }
  if (bad) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s:%" G_GSIZE_FORMAT ": header: %s", path, hline, bad);
    goto out;
  }
  for (guint i = 0; i < header->len; i++) g_strstrip((gchar *)g_ptr_array_index(header, i));

  /* resolve columns; report every unknown name at once */
  gsize n_metrics = 0;
  while (metric_columns && metric_columns[n_metrics]) n_metrics++;
  midx = g_new(gssize, n_metrics + 1);
  gssize kidx = find_column(header, key_column);
  gssize widx = where_column ? find_column(header, where_column) : -1;
  GString *unknown = g_string_new(NULL);
  if (kidx < 0) g_string_append_printf(unknown, "'%s'", key_column);
  if (where_column && widx < 0) g_string_append_printf(unknown, "%s'%s'", unknown->len ? ", " : "", where_column);
  for (gsize j = 0; j < n_metrics; j++) {
    midx[j] = find_column(header, metric_columns[j]);
    if (midx[j] < 0)
      g_string_append_printf(unknown, "%s'%s'", unknown->len ? ", " : "", metric_columns[j]);
  }
  if (unknown->len) {
    gchar *avail = column_list(header);
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s:%" G_GSIZE_FORMAT ": no column %s (available: %s)",
                path, hline, unknown->str, avail);
    g_free(avail);
    g_string_free(unknown, TRUE);
    goto out;
  }
  g_string_free(unknown, TRUE);
  for (gsize j = 0; j <= n_metrics; j++) {
    const char *name = j < n_metrics ? metric_columns[j] : key_column;
    gssize first = j < n_metrics ? midx[j] : kidx, second = second_column(header, name, first);
    if (second >= 0) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s:%" G_GSIZE_FORMAT ": column '%s' appears twice, as column %" G_GSSIZE_FORMAT " and column %" G_GSSIZE_FORMAT,
                  path, hline, name, first + 1, second + 1);
      goto out;
    }
  }

  t = g_new0(ZcTable, 1);
  table_init(t, path);
  for (gsize j = 0; j < n_metrics; j++) g_ptr_array_add(t->metric_names, g_strdup(metric_columns[j]));
  double *row = g_new(double, n_metrics + 1);
  gsize line = 0;
  GString *msg = g_string_new(NULL);
  while (csv_next(&c, fields, &line, &bad)) {
    g_string_truncate(msg, 0);
    gsize row_empty = 0;
    gchar *canon = NULL;
    if (bad) {
      g_string_append(msg, bad);
      g_clear_pointer(&bad, g_free);
    } else if (fields->len != header->len) {
      g_string_append_printf(msg, "expected %u fields, found %u", header->len, fields->len);
    } else if (widx >= 0 && strcmp(g_ptr_array_index(fields, widx), where_value)) {
      continue;   /* a row of another task of a many-task table */
    } else {
      const char *raw = g_ptr_array_index(fields, kidx);
      if (*raw == '\0') {
        g_string_append_printf(msg, "empty key in column '%s'", key_column);
      } else if (o.canon) {
        GError *cerr = NULL;
        canon = o.canon(raw, o.canon_user, &cerr);
        if (!canon) {
          g_string_append_printf(msg, "key '%s': %s", raw, cerr ? cerr->message : "not a valid key");
          g_clear_error(&cerr);
        }
      } else {
        canon = g_strdup(raw);
      }
      if (canon) {
        gpointer prev = g_hash_table_lookup(t->index, canon);
        if (prev) {
          gsize pr = GPOINTER_TO_SIZE(prev) - 1;
          gsize pl = g_array_index(t->lines, gsize, pr);
          const char *praw = g_ptr_array_index(t->raw_keys, pr);
          if (strcmp(praw, raw) == 0)
            g_string_append_printf(msg, "duplicate key '%s' (first on line %" G_GSIZE_FORMAT ")", raw, pl);
          else   /* different spellings of one canonical key */
            g_string_append_printf(msg, "duplicate key '%s' (canonical form '%s', as '%s' on line %" G_GSIZE_FORMAT ")",
                                   raw, canon, praw, pl);
        }
      }
      for (gsize j = 0; j < n_metrics; j++) {
        const char *s = g_ptr_array_index(fields, midx[j]);
        gboolean empty = FALSE;
        if (!parse_value(s, &row[j], &empty)) {
          g_string_append_printf(msg, "%scolumn '%s': '%s' is not a number", msg->len ? "; " : "",
                                 metric_columns[j], s);
        } else if (empty) {
          if (o.lenient) row_empty++;
          else g_string_append_printf(msg, "%scolumn '%s': missing value", msg->len ? "; " : "",
                                      metric_columns[j]);
        }
      }
    }
    if (msg->len) {
      g_ptr_array_add(problems, g_strdup_printf("%s:%" G_GSIZE_FORMAT ": %s", path, line, msg->str));
      g_free(canon);
      continue;
    }
    gsize r = t->keys->len;
    g_ptr_array_add(t->keys, canon);
    g_ptr_array_add(t->raw_keys, g_strdup(g_ptr_array_index(fields, kidx)));
    g_array_append_val(t->lines, line);
    g_array_append_vals(t->values, row, n_metrics);
    g_hash_table_insert(t->index, canon, GSIZE_TO_POINTER(r + 1));
    t->n_empty += row_empty;
  }
  g_string_free(msg, TRUE);
  g_free(row);

  if (problems->len && !o.lenient) {
    GString *e = g_string_new(NULL);
    g_string_append_printf(e, "%s: %u bad row%s", path, problems->len, problems->len == 1 ? "" : "s");
    for (guint i = 0; i < problems->len && i < max_listed; i++)
      g_string_append_printf(e, "\n%s", (const char *)g_ptr_array_index(problems, i));
    if (problems->len > max_listed) g_string_append_printf(e, "\n... and %u more", problems->len - max_listed);
    g_set_error_literal(error, ZC_ERROR, ZC_ERROR_PARSE, e->str);
    g_string_free(e, TRUE);
    g_clear_pointer(&t, zc_table_free);
    goto out;
  }
  if (warnings) {
    if (!*warnings) *warnings = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < problems->len; i++)
      g_ptr_array_add(*warnings, g_strdup(g_ptr_array_index(problems, i)));
  }

out:
  g_free(bad);
  g_free(midx);
  g_ptr_array_unref(problems);
  g_ptr_array_unref(header);
  g_ptr_array_unref(fields);
  g_free(text);
  return t;
}

gsize zc_table_n_rows(const ZcTable *t) { return t ? t->keys->len : 0; }
gsize zc_table_n_metrics(const ZcTable *t) { return t ? t->metric_names->len : 0; }
gsize zc_table_n_empty(const ZcTable *t) { return t ? t->n_empty : 0; }

const char *zc_table_metric_name(const ZcTable *t, gsize j) {
  g_return_val_if_fail(t && j < t->metric_names->len, NULL);
  return g_ptr_array_index(t->metric_names, j);
}

gssize zc_table_metric_index(const ZcTable *t, const char *name) {
  g_return_val_if_fail(t && name, -1);
  return find_column(t->metric_names, name);
}

const char *zc_table_key(const ZcTable *t, gsize i) {
  g_return_val_if_fail(t && i < t->keys->len, NULL);
  return g_ptr_array_index(t->keys, i);
}

const char *zc_table_raw_key(const ZcTable *t, gsize i) {
  g_return_val_if_fail(t && i < t->raw_keys->len, NULL);
  return g_ptr_array_index(t->raw_keys, i);
}

gsize zc_table_line(const ZcTable *t, gsize i) {
  g_return_val_if_fail(t && i < t->lines->len, 0);
  return g_array_index(t->lines, gsize, i);
}

const double *zc_table_row(const ZcTable *t, gsize i) {
  g_return_val_if_fail(t && i < t->keys->len, NULL);
  if (t->metric_names->len == 0) return NULL;
  return &g_array_index(t->values, double, i * t->metric_names->len);
}

double zc_table_value(const ZcTable *t, gsize i, gsize j) {
  g_return_val_if_fail(t && i < t->keys->len && j < t->metric_names->len, NAN);
  return g_array_index(t->values, double, i * t->metric_names->len + j);
}

gssize zc_table_find(const ZcTable *t, const char *key) {
  g_return_val_if_fail(t && key, -1);
  gpointer v = g_hash_table_lookup(t->index, key);
  return v ? (gssize)GPOINTER_TO_SIZE(v) - 1 : -1;
}

const double *zc_table_lookup(const ZcTable *t, const char *key) {
  gssize i = zc_table_find(t, key);
  if (i < 0 || t->metric_names->len == 0) return NULL;
  return &g_array_index(t->values, double, (gsize)i * t->metric_names->len);
}

char **zc_table_columns(const char *path, GError **error) {
  Csv c;
  gchar *text = csv_open(path, &c, error);
  if (!text) return NULL;
  GPtrArray *header = g_ptr_array_new_with_free_func(g_free);
  gsize hline = 0;
  gchar *bad = NULL;
  char **out = NULL;
  if (!csv_next(&c, header, &hline, &bad)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: empty file, expected a header line", path);
  } else if (bad) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s:%" G_GSIZE_FORMAT ": header: %s", path, hline, bad);
  } else {
    for (guint i = 0; i < header->len; i++) g_strstrip((gchar *)g_ptr_array_index(header, i));
    g_ptr_array_set_free_func(header, NULL);
    g_ptr_array_add(header, NULL);
    out = (char **)g_ptr_array_free(header, FALSE);
    header = NULL;
  }
  if (header) g_ptr_array_unref(header);
  g_free(bad);
  g_free(text);
  return out;
}
