/* Table functions used only inside libzcnas (core/base/table.c). */
#ifndef ZC_BASE_TABLE_PRIVATE_H
#define ZC_BASE_TABLE_PRIVATE_H
#include <zcnas/table.h>

/* zc_table_load keeping only the rows whose column `where_column` holds exactly
 * `where_value` (a table of several tasks, e.g. NAS-Bench-Suite-Zero's TransNAS-Bench-101
 * rows with a `task` column); other rows are not read further, so their keys may repeat.
 * where_column NULL: every row.  An unknown where_column is reported like an unknown
 * metric column. */
ZcTable *zc_table_load_where(const char *path, const char *key_column, const char *const *metric_columns,
                             const ZcTableOptions *opts, const char *where_column, const char *where_value,
                             GPtrArray **warnings, GError **error);

/* The column names of the header line of `path` (NULL-terminated, g_strfreev), or NULL
 * with the error zc_table_load would give for an unreadable file or a bad header. */
char **zc_table_columns(const char *path, GError **error);

#endif
