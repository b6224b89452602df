/* zcnas — ground-truth tables: a CSV benchmark (header line, one key column, numeric
 * metric columns) loaded into memory, looked up by key and iterated in file order.
 *
 * Parsing follows RFC 4180: fields separated by ',', records by LF or CRLF; a field in
 * double quotes may hold commas, line breaks and "" (one quote).  A UTF-8 byte-order
 * mark is ignored.  Metric values are read with g_ascii_strtod (locale independent);
 * "nan", "inf" and "-inf" are values, not errors.  Surrounding blanks are ignored
 * in metric fields, never in keys. */
#ifndef ZC_TABLE_H
#define ZC_TABLE_H
#include <glib.h>

G_BEGIN_DECLS

typedef struct ZcTable ZcTable;

/* Maps a key as written in the file to its canonical form (a newly allocated string),
 * or returns NULL and sets error when the key is not valid. */
typedef gchar *(*ZcTableCanonFunc)(const char *key, gpointer user, GError **error);

typedef struct {
  ZcTableCanonFunc canon;   /* NULL: keys are used as written */
  gpointer canon_user;
  /* Strict (FALSE): any problem fails the load.  Lenient (TRUE): a row with a problem
   * is skipped with a warning, and an empty metric field reads as NaN (counted in
   * zc_table_n_empty(), not warned about). */
  gboolean lenient;
  guint max_listed;         /* problems quoted in the error message; 0 = 5 */
} ZcTableOptions;

/* Load `path`.  key_column names the key; metric_columns is a NULL-terminated list of
 * metric column names (NULL or empty: a table of keys only).  Problems (rows of the
 * wrong width, keys that do not canonicalise, duplicate keys, missing or non-numeric
 * values) are all collected: in strict mode the one GError (ZC_ERROR_PARSE) quotes the
 * first few as "FILE:LINE: message" and gives the total count; in lenient mode they
 * are appended to *warnings (strings, same form; may be NULL) and the rows skipped.
 * LINE is the 1-based line where the record starts.  An unreadable file is
 * ZC_ERROR_IO; an empty file or an unknown column name is ZC_ERROR_DATA, the latter
 * listing the available columns.  opts may be NULL (strict, no canonicaliser). */
ZcTable *zc_table_load(const char *path, const char *key_column, const char *const *metric_columns,
                       const ZcTableOptions *opts, GPtrArray **warnings, GError **error);
void zc_table_free(ZcTable *table);

gsize zc_table_n_rows(const ZcTable *table);
gsize zc_table_n_metrics(const ZcTable *table);
const char *zc_table_metric_name(const ZcTable *table, gsize j);
/* Index of a metric column by name, -1 when absent. */
gssize zc_table_metric_index(const ZcTable *table, const char *name);
/* Number of empty metric fields read as NaN (lenient mode). */
gsize zc_table_n_empty(const ZcTable *table);

/* Rows in file order, 0 <= i < n_rows. */
const char *zc_table_key(const ZcTable *table, gsize i);       /* canonical key */
const char *zc_table_raw_key(const ZcTable *table, gsize i);   /* as written */
gsize zc_table_line(const ZcTable *table, gsize i);
const double *zc_table_row(const ZcTable *table, gsize i);     /* n_metrics values */
double zc_table_value(const ZcTable *table, gsize i, gsize j);

/* Lookup by canonical key: row index or -1.  The key is canonicalised by the caller. */
gssize zc_table_find(const ZcTable *table, const char *key);
/* The metric row of a key; NULL when absent or when the table has no metrics. */
const double *zc_table_lookup(const ZcTable *table, const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZcTable, zc_table_free)

G_END_DECLS
#endif
