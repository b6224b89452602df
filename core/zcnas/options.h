/* zcnas — typed options declared as data.
 *
 * Every plugin (and the core itself) declares the keys of its pipeline group as a
 * NULL-terminated array of ZcOption.  The core validates a libconfig group against it
 * (unknown keys, wrong types and out-of-range values are errors reported as FILE:LINE)
 * and hands the plugin a resolved ZcOptions with every default filled in.  The same
 * table prints `--help` text and gives the canonical options string hashed into cache keys. */
#ifndef ZC_OPTIONS_H
#define ZC_OPTIONS_H
#include <glib.h>
#include <libconfig.h>

G_BEGIN_DECLS

typedef enum {
  ZC_OPT_INT = 1,
  ZC_OPT_FLOAT,
  ZC_OPT_BOOL,
  ZC_OPT_STRING,
  ZC_OPT_CHOICE,   /* a string from `choices` ("a|b|c") */
  ZC_OPT_INT_LIST, /* an array of integers, e.g. [2, 8] */
  ZC_OPT_PATH      /* a file name, read with zc_options_string(); in a pipeline a relative
                      one is looked up beside the pipeline file, then in zcnas's data
                      directory, and the plugin sees the path found */
} ZcOptType;

typedef struct {
  const char *name;
  ZcOptType type;
  const char *def;     /* default, written as in a pipeline file; NULL = required */
  double min, max;     /* inclusive range for INT/FLOAT/INT_LIST items; min == max == 0: none */
  const char *choices; /* CHOICE only: "a|b|c" */
  const char *help;    /* one line */
} ZcOption;

typedef struct ZcOptions ZcOptions;

/* Validate `group` (may be NULL: all defaults) against `schema`.  `where` names the
 * group in messages ("proxy 'lswag'").  Keys listed in `reserved` (NULL-terminated,
 * e.g. "name") are accepted and ignored. */
ZcOptions *zc_options_resolve(const ZcOption *schema, const config_setting_t *group,
                              const char *where, const char *const *reserved, GError **error);
/* Resolve from "key=value" strings (command line); same checks. */
ZcOptions *zc_options_from_strv(const ZcOption *schema, const char *const *kv,
                                const char *where, GError **error);
void zc_options_free(ZcOptions *opts);

gint64 zc_options_int(const ZcOptions *opts, const char *name);
double zc_options_float(const ZcOptions *opts, const char *name);
gboolean zc_options_bool(const ZcOptions *opts, const char *name);
const char *zc_options_string(const ZcOptions *opts, const char *name);  /* STRING or CHOICE */
/* INT_LIST: number of items, and the items. */
guint zc_options_int_list(const ZcOptions *opts, const char *name, const gint64 **items);
/* Where a value came from: "FILE:LINE", "--set KEY" or "default". */
const char *zc_options_origin(const ZcOptions *opts, const char *name);
/* "k1=v1;k2=v2" in schema order, every key, defaults included: stable across
 * spelling (1 vs 1.0) so equal settings hash equally. */
char *zc_options_canonical(const ZcOptions *opts);
/* Set an error "ORIGIN: WHERE: KEY: message" for a value a plugin rejects itself. */
void zc_options_set_error(const ZcOptions *opts, const char *name, GError **error,
                          const char *format, ...) G_GNUC_PRINTF(4, 5);
/* Where a libconfig setting was written: "FILE:LINE", or "--set PATH" for a
 * command-line override.  g_free() it. */
char *zc_setting_origin(const config_setting_t *setting);
/* Print the schema as help lines to a GString. */
void zc_options_describe(const ZcOption *schema, GString *out, const char *indent);

G_END_DECLS
#endif
