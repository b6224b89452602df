/* Typed options declared as data: validation of a libconfig group against a plugin's
 * schema, defaults, and the canonical string used in cache keys.  See zcnas/options.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/options.h>
#include "options-private.h"
#include "pipeline-private.h"

typedef struct {
  const ZcOption *decl;
  gint64 i;
  double f;
  gboolean b;
  char *s;
  GArray *list;   /* gint64 */
  char *origin;
} Value;

struct ZcOptions {
  const ZcOption *schema;
  char *where;
  GHashTable *values;   /* name -> Value* */
};

static void value_free(gpointer p) {
  Value *v = p;
  g_free(v->s);
  if (v->list) g_array_unref(v->list);
  g_free(v->origin);
  g_free(v);
}

static gboolean has_range(const ZcOption *o) { return !(o->min == 0 && o->max == 0); }

static gboolean choice_ok(const char *choices, const char *s) {
  gboolean ok = FALSE;
  char **parts = g_strsplit(choices, "|", -1);
  for (char **p = parts; *p; p++)
    if (strcmp(*p, s) == 0) ok = TRUE;
  g_strfreev(parts);
  return ok;
}

static const char *type_name(ZcOptType t) {
  switch (t) {
  case ZC_OPT_INT: return "an integer";
  case ZC_OPT_FLOAT: return "a number";
  case ZC_OPT_BOOL: return "true or false";
  case ZC_OPT_STRING: return "a string";
  case ZC_OPT_CHOICE: return "one of the listed strings";
  case ZC_OPT_INT_LIST: return "a list of integers";
  case ZC_OPT_PATH: return "a file name";
  }
  return "?";
}

static gboolean fail(GError **error, const char *origin, const char *where, const char *key,
                     const char *fmt, ...) G_GNUC_PRINTF(5, 6);
static gboolean fail(GError **error, const char *origin, const char *where, const char *key,
                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s: '%s': %s", origin, where, key, msg);
  g_free(msg);
  return FALSE;
}

static gboolean range_check(const ZcOption *o, double x, const char *origin, const char *where,
                            GError **error) {
  /* NaN compares false with everything: refuse it (and Inf) before the range */
  if (!isfinite(x)) return fail(error, origin, where, o->name, "%g is not a finite number", x);
  if (has_range(o) && (x < o->min || x > o->max))
    return fail(error, origin, where, o->name, "%g is out of range [%g, %g]", x, o->min, o->max);
  return TRUE;
}

/* Integers are compared as integers: a double holds only 53 bits. */
static gboolean int_range_check(const ZcOption *o, gint64 x, const char *origin, const char *where,
                                GError **error) {
  if (!has_range(o)) return TRUE;
  gint64 lo = o->min <= -9223372036854775808.0 ? G_MININT64 : (gint64)ceil(o->min);
  gint64 hi = o->max >= 9223372036854775808.0 ? G_MAXINT64 : (gint64)floor(o->max);
  if (x < lo || x > hi)
    return fail(error, origin, where, o->name,
                "%" G_GINT64_FORMAT " is out of range [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", x, lo, hi);
  return TRUE;
}

/* Parse a value written as text (defaults and command-line key=value). */
static gboolean parse_text(const ZcOption *o, const char *text, Value *v, const char *where,
                           GError **error) {
  const char *origin = v->origin;
  char *end = NULL;
  switch (o->type) {
  case ZC_OPT_INT: {
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (errno == ERANGE)
      return fail(error, origin, where, o->name, "%s is out of range of a 64-bit integer", text);
    if (errno || end == text || *end)
      return fail(error, origin, where, o->name, "'%s' is not %s", text, type_name(o->type));
    v->i = x;
    return int_range_check(o, x, origin, where, error);
  }
  case ZC_OPT_FLOAT: {
    errno = 0;
    double x = g_ascii_strtod(text, &end);
    if (errno || end == text || *end || !isfinite(x))
      return fail(error, origin, where, o->name, "'%s' is not %s", text, type_name(o->type));
    v->f = x;
    return range_check(o, x, origin, where, error);
  }
  case ZC_OPT_BOOL:
    if (!g_ascii_strcasecmp(text, "true") || !strcmp(text, "1")) v->b = TRUE;
    else if (!g_ascii_strcasecmp(text, "false") || !strcmp(text, "0")) v->b = FALSE;
    else return fail(error, origin, where, o->name, "'%s' is not %s", text, type_name(o->type));
    return TRUE;
  case ZC_OPT_STRING:
  case ZC_OPT_PATH:
    v->s = g_strdup(text);
    return TRUE;
  case ZC_OPT_CHOICE:
    if (!choice_ok(o->choices, text))
      return fail(error, origin, where, o->name, "'%s' is not one of %s", text, o->choices);
    v->s = g_strdup(text);
    return TRUE;
  case ZC_OPT_INT_LIST: {
    v->list = g_array_new(FALSE, FALSE, sizeof(gint64));
    char *tmp = g_strdup(text);
    g_strdelimit(tmp, "[]()", ' ');
    char **parts = g_strsplit(tmp, ",", -1);
    g_free(tmp);
    gboolean ok = TRUE;
    for (char **p = parts; ok && *p; p++) {
      char *t = g_strstrip(*p);
      if (!*t) continue;
      errno = 0;
      long long x = strtoll(t, &end, 10);
      if (errno == ERANGE)
        ok = fail(error, origin, where, o->name, "%s is out of range of a 64-bit integer", t);
      else if (errno || end == t || *end)
        ok = fail(error, origin, where, o->name, "'%s' is not %s", text, type_name(o->type));
      else if ((ok = int_range_check(o, x, origin, where, error))) {
        gint64 y = x;
        g_array_append_val(v->list, y);
      }
    }
    g_strfreev(parts);
    return ok;
  }
  }
  return FALSE;
}

/* The dotted path of a setting, for settings that came from --set (no source line). */
static char *setting_path(const config_setting_t *s) {
  const config_setting_t *parent = config_setting_parent(s);
  if (!parent) return g_strdup("");
  char *up = setting_path(parent);
  char *path;
  if (config_setting_name(s)) path = g_strdup_printf("%s%s%s", up, *up ? "." : "", config_setting_name(s));
  else path = g_strdup_printf("%s[%d]", up, config_setting_index(s));
  g_free(up);
  return path;
}

char *zc_setting_origin(const config_setting_t *s) {
  const char *file = config_setting_source_file(s);
  unsigned line = config_setting_source_line(s);
  if (file && line) return g_strdup_printf("%s:%u", file, line);
  char *path = setting_path(s);
  char *o = g_strdup_printf("--set %s", path);
  g_free(path);
  return o;
}

static gboolean parse_setting(const ZcOption *o, const config_setting_t *s, Value *v,
                              const char *where, GError **error) {
  const char *origin = v->origin;
  int t = config_setting_type(s);
  switch (o->type) {
  case ZC_OPT_INT:
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
      return fail(error, origin, where, o->name, "expected %s", type_name(o->type));
    v->i = config_setting_get_int64(s);
    return int_range_check(o, v->i, origin, where, error);
  case ZC_OPT_FLOAT:
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) v->f = (double)config_setting_get_int64(s);
    else if (t == CONFIG_TYPE_FLOAT) v->f = config_setting_get_float(s);
    else return fail(error, origin, where, o->name, "expected %s", type_name(o->type));
    if (!isfinite(v->f)) return fail(error, origin, where, o->name, "%g is not a finite number", v->f);
    return range_check(o, v->f, origin, where, error);
  case ZC_OPT_BOOL:
    if (t != CONFIG_TYPE_BOOL) return fail(error, origin, where, o->name, "expected %s", type_name(o->type));
    v->b = config_setting_get_bool(s);
    return TRUE;
  case ZC_OPT_STRING:
  case ZC_OPT_PATH:
  case ZC_OPT_CHOICE:
    if (t != CONFIG_TYPE_STRING)
      return fail(error, origin, where, o->name, "expected %s (in double quotes)", type_name(o->type));
    return parse_text(o, config_setting_get_string(s), v, where, error);
  case ZC_OPT_INT_LIST:
    v->list = g_array_new(FALSE, FALSE, sizeof(gint64));
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
      gint64 x = config_setting_get_int64(s);
      g_array_append_val(v->list, x);
      return int_range_check(o, x, origin, where, error);
    }
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
      return fail(error, origin, where, o->name, "expected %s", type_name(o->type));
    for (int k = 0; k < config_setting_length(s); k++) {
      const config_setting_t *e = config_setting_get_elem(s, (unsigned)k);
      int et = config_setting_type(e);
      if (et != CONFIG_TYPE_INT && et != CONFIG_TYPE_INT64)
        return fail(error, origin, where, o->name, "expected %s", type_name(o->type));
      gint64 x = config_setting_get_int64(e);
      if (!int_range_check(o, x, origin, where, error)) return FALSE;
      g_array_append_val(v->list, x);
    }
    return TRUE;
  }
  return FALSE;
}

static const ZcOption *schema_find(const ZcOption *schema, const char *name) {
  for (const ZcOption *o = schema; o && o->name; o++)
    if (strcmp(o->name, name) == 0) return o;
  return NULL;
}

static char *known_keys(const ZcOption *schema) {
  GString *s = g_string_new(NULL);
  for (const ZcOption *o = schema; o && o->name; o++)
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", o->name);
  if (!s->len) g_string_append(s, "none");
  return g_string_free(s, FALSE);
}

static gboolean is_reserved(const char *const *reserved, const char *name) {
  for (const char *const *r = reserved; r && *r; r++)
    if (strcmp(*r, name) == 0) return TRUE;
  return FALSE;
}

static ZcOptions *options_new(const ZcOption *schema, const char *where) {
  ZcOptions *opts = g_new0(ZcOptions, 1);
  opts->schema = schema;
  opts->where = g_strdup(where);
  opts->values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, value_free);
  return opts;
}

/* Fill every key not given from its default; a key without default is required. */
static gboolean fill_defaults(ZcOptions *opts, const char *group_origin, GError **error) {
  for (const ZcOption *o = opts->schema; o && o->name; o++) {
    if (g_hash_table_contains(opts->values, o->name)) continue;
    if (!o->def)
      return fail(error, group_origin, opts->where, o->name, "required setting is missing");
    Value *v = g_new0(Value, 1);
    v->decl = o;
    v->origin = g_strdup("default");
    if (!parse_text(o, o->def, v, opts->where, error)) {
      value_free(v);
      return FALSE;
    }
    g_hash_table_insert(opts->values, (gpointer)o->name, v);
  }
  return TRUE;
}

ZcOptions *zc_options_resolve(const ZcOption *schema, const config_setting_t *group,
                              const char *where, const char *const *reserved, GError **error) {
  ZcOptions *opts = options_new(schema, where);
  char *group_origin = group ? zc_setting_origin(group) : g_strdup("pipeline");
  gboolean ok = TRUE;
  if (group && config_setting_type(group) != CONFIG_TYPE_GROUP) {
    ok = fail(error, group_origin, where, config_setting_name(group) ? config_setting_name(group) : "?",
              "expected a group { ... }");
  }
  for (int k = 0; ok && group && k < config_setting_length(group); k++) {
    const config_setting_t *s = config_setting_get_elem(group, (unsigned)k);
    const char *name = config_setting_name(s);
    if (is_reserved(reserved, name)) continue;
    const ZcOption *o = schema_find(schema, name);
    char *origin = zc_setting_origin(s);
    if (!o) {
      char *known = known_keys(schema);
      ok = fail(error, origin, where, name, "unknown setting (known: %s)", known);
      g_free(known);
      g_free(origin);
      break;
    }
    Value *v = g_new0(Value, 1);
    v->decl = o;
    v->origin = origin;
    if (!parse_setting(o, s, v, where, error)) {
      value_free(v);
      ok = FALSE;
      break;
    }
    g_hash_table_replace(opts->values, (gpointer)o->name, v);
  }
  if (ok) ok = fill_defaults(opts, group_origin, error);
  g_free(group_origin);
  if (!ok) {
    zc_options_free(opts);
    return NULL;
  }
  return opts;
}

ZcOptions *zc_options_from_strv(const ZcOption *schema, const char *const *kv, const char *where,
                                GError **error) {
  ZcOptions *opts = options_new(schema, where);
  for (const char *const *p = kv; p && *p; p++) {
    const char *eq = strchr(*p, '=');
    char *key = eq ? g_strndup(*p, (gsize)(eq - *p)) : g_strdup(*p);
    const ZcOption *o = schema_find(schema, key);
    char *origin = g_strdup_printf("--set %s", key);
    gboolean ok = TRUE;
    if (!eq) {
      ok = fail(error, origin, where, key, "expected KEY=VALUE");
    } else if (!o) {
      char *known = known_keys(schema);
      ok = fail(error, origin, where, key, "unknown setting (known: %s)", known);
      g_free(known);
    }
    if (ok) {
      Value *v = g_new0(Value, 1);
      v->decl = o;
      v->origin = origin;
      origin = NULL;
      if (!parse_text(o, eq + 1, v, where, error)) {
        value_free(v);
        ok = FALSE;
      } else {
        g_hash_table_replace(opts->values, (gpointer)o->name, v);
      }
    }
    g_free(origin);
    g_free(key);
    if (!ok) {
      zc_options_free(opts);
      return NULL;
    }
  }
  if (!fill_defaults(opts, "command line", error)) {
    zc_options_free(opts);
    return NULL;
  }
  return opts;
}

void zc_options_free(ZcOptions *opts) {
  if (!opts) return;
  g_hash_table_unref(opts->values);
  g_free(opts->where);
  g_free(opts);
}

static const Value *get(const ZcOptions *opts, const char *name, ZcOptType t1, ZcOptType t2) {
  g_return_val_if_fail(opts != NULL, NULL);
  const Value *v = g_hash_table_lookup(opts->values, name);
  g_return_val_if_fail(v != NULL, NULL);
  g_return_val_if_fail(v->decl->type == t1 || v->decl->type == t2 || (t1 == ZC_OPT_STRING && v->decl->type == ZC_OPT_PATH),
                       NULL);
  return v;
}

gint64 zc_options_int(const ZcOptions *opts, const char *name) {
  const Value *v = get(opts, name, ZC_OPT_INT, ZC_OPT_INT);
  return v ? v->i : 0;
}
double zc_options_float(const ZcOptions *opts, const char *name) {
  const Value *v = get(opts, name, ZC_OPT_FLOAT, ZC_OPT_FLOAT);
  return v ? v->f : NAN;
}
gboolean zc_options_bool(const ZcOptions *opts, const char *name) {
  const Value *v = get(opts, name, ZC_OPT_BOOL, ZC_OPT_BOOL);
  return v ? v->b : FALSE;
}
const char *zc_options_string(const ZcOptions *opts, const char *name) {
  const Value *v = get(opts, name, ZC_OPT_STRING, ZC_OPT_CHOICE);
  return v ? v->s : NULL;
}
guint zc_options_int_list(const ZcOptions *opts, const char *name, const gint64 **items) {
  const Value *v = get(opts, name, ZC_OPT_INT_LIST, ZC_OPT_INT_LIST);
  if (!v) return 0;
  if (items) *items = (const gint64 *)(void *)v->list->data;
  return v->list->len;
}
const char *zc_options_origin(const ZcOptions *opts, const char *name) {
  const Value *v = g_hash_table_lookup(opts->values, name);
  return v ? v->origin : "unknown";
}

char *zc_options_canonical(const ZcOptions *opts) {
  GString *s = g_string_new(NULL);
  for (const ZcOption *o = opts->schema; o && o->name; o++) {
    const Value *v = g_hash_table_lookup(opts->values, o->name);
    if (s->len) g_string_append_c(s, ';');
    g_string_append_printf(s, "%s=", o->name);
    switch (o->type) {
    case ZC_OPT_INT: g_string_append_printf(s, "%" G_GINT64_FORMAT, v->i); break;
    case ZC_OPT_FLOAT: g_string_append_printf(s, "%.17g", v->f); break;
    case ZC_OPT_BOOL: g_string_append(s, v->b ? "true" : "false"); break;
    case ZC_OPT_STRING:
    case ZC_OPT_PATH:
    case ZC_OPT_CHOICE: g_string_append(s, v->s); break;
    case ZC_OPT_INT_LIST:
      g_string_append_c(s, '[');
      for (guint k = 0; k < v->list->len; k++)
        g_string_append_printf(s, "%s%" G_GINT64_FORMAT, k ? "," : "", g_array_index(v->list, gint64, k));
      g_string_append_c(s, ']');
      break;
    }
  }
  return g_string_free(s, FALSE);
}

void zc_options_set_error(const ZcOptions *opts, const char *name, GError **error,
                          const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s: '%s': %s", zc_options_origin(opts, name),
              opts->where, name, msg);
  g_free(msg);
}

void zc_options_describe(const ZcOption *schema, GString *out, const char *indent) {
  for (const ZcOption *o = schema; o && o->name; o++) {
    g_string_append_printf(out, "%s%-16s %s", indent, o->name, o->help ? o->help : "");
    if (o->type == ZC_OPT_CHOICE) g_string_append_printf(out, " (%s)", o->choices);
    if (has_range(o) && o->type == ZC_OPT_FLOAT) g_string_append_printf(out, " [%g..%g]", o->min, o->max);
    else if (has_range(o)) g_string_append_printf(out, " [%.0f..%.0f]", o->min, o->max);   /* 1000000000, not 1e+09 */
    g_string_append_printf(out, " default: %s\n", o->def ? o->def : "(required)");
  }
}

gboolean zc_options_resolve_paths(ZcOptions *opts, const char *base_dir, GError **error) {
  for (const ZcOption *o = opts->schema; o && o->name; o++) {
    Value *v = g_hash_table_lookup(opts->values, o->name);
    if (o->type != ZC_OPT_PATH || !v || !v->s || !*v->s || g_path_is_absolute(v->s)) continue;
    char *looked = NULL;
    char *found = zc_pipeline_find_file(v->s, base_dir, &looked);
    if (!found) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: '%s': file '%s' not found (looked for %s)", v->origin, o->name,
                  v->s, looked);
      g_free(looked);
      return FALSE;
    }
    g_free(v->s);
    v->s = found;
  }
  return TRUE;
}
