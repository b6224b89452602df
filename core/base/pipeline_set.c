/* The values of --set PATH=VALUE: what VALUE may be, and how it replaces a setting.
 * See zc_pipeline_set() in zcnas/pipeline.h. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <zcnas/error.h>
#include "pipeline_ints.h"
#include "pipeline_set.h"

/* --set VALUE: one scalar, or [a, b, ...] / (a, b, ...) of scalars.  A scalar is true or
 * false, an integer (64 bits; an L suffix is allowed), a number, a "string" in double
 * quotes (libconfig escapes), or else a bare word taken as the string it is.  A bare word
 * holding any of  " ; [ ] ( ) { }  is refused: it is most likely a pasted pipeline line. */
typedef struct {
  int type;   /* CONFIG_TYPE_BOOL, _INT64, _FLOAT or _STRING */
  gboolean b;
  gint64 i;
  double f;
  char *s;   /* STRING: the string; otherwise the text as written */
} Scalar;

static gboolean all_of(const char *s, const char *set) { return s[strspn(s, set)] == '\0'; }

static gboolean parse_scalar(const char *path, const char *text, Scalar *v, GError **error) {
  gsize n = strlen(text);
  memset(v, 0, sizeof *v);
  if (text[0] == '"') {
    gboolean closed = FALSE;
    for (gsize k = 1; k < n; k++) {
      if (text[k] == '\\' && k + 1 < n) k++;
      else if (text[k] == '"') {
        closed = k == n - 1;
        break;
      }
    }
    if (!closed) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "--set %s: %s is not one string: a \"string\" ends at its closing quote", path, text);
      return FALSE;
    }
    char *inner = g_strndup(text + 1, n - 2);
    v->type = CONFIG_TYPE_STRING;
    v->s = g_strcompress(inner);
    g_free(inner);
    return TRUE;
  }
  char *end = NULL;
  if (!g_ascii_strcasecmp(text, "true") || !g_ascii_strcasecmp(text, "false")) {
    v->type = CONFIG_TYPE_BOOL;
    v->b = !g_ascii_strcasecmp(text, "true");
  } else if (*text && all_of(text + (text[0] == '-' || text[0] == '+'), "0123456789L") &&
             g_ascii_isdigit(text[text[0] == '-' || text[0] == '+'])) {
    errno = 0;
    v->i = g_ascii_strtoll(text, &end, 10);
    if (errno || !(end[0] == '\0' || !strcmp(end, "L") || !strcmp(end, "LL"))) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: %s is %s", path, text,
                  errno ? "out of range of a 64-bit integer" : "not an integer");
      return FALSE;
    }
    v->type = CONFIG_TYPE_INT64;
  } else if (*text && all_of(text, "0123456789+-.eE") && (v->f = g_ascii_strtod(text, &end), !*end)) {
    v->type = CONFIG_TYPE_FLOAT;
  } else if (text[strcspn(text, "\";[](){}")]) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "--set %s: '%s': a bare value may not hold any of \" ; [ ] ( ) { } (write a string in double quotes)",
                path, text);
    return FALSE;
  } else {
    v->type = CONFIG_TYPE_STRING;
  }
  v->s = g_strdup(text);   /* the text as written */
  return TRUE;
}

/* Put scalar `v` (written `raw`) in setting `s`; the setting keeps its type. */
static gboolean store(config_setting_t *s, const Scalar *v, const char *raw, const char *path, GError **error) {
  gboolean ok = FALSE;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_BOOL:
    ok = v->type == CONFIG_TYPE_BOOL && config_setting_set_bool(s, v->b);
    break;
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    if ((ok = v->type == CONFIG_TYPE_INT64)) zc_setting_store_int(s, v->i);
    break;
  case CONFIG_TYPE_FLOAT:
    if (v->type == CONFIG_TYPE_INT64) ok = config_setting_set_float(s, (double)v->i);
    else ok = v->type == CONFIG_TYPE_FLOAT && config_setting_set_float(s, v->f);
    break;
  case CONFIG_TYPE_STRING:   /* a bare number or word is the string as written */
    ok = config_setting_set_string(s, v->s);
    break;
  }
  if (!ok)
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' does not fit the type of this setting", path, raw);
  return ok;
}

/* The items of "a, b" split at commas outside double quotes, trimmed. */
static char **split_items(const char *text) {
  GPtrArray *items = g_ptr_array_new();
  const char *start = text;
  gboolean quoted = FALSE;
  for (const char *c = text;; c++) {
    if (quoted && *c == '\\' && c[1]) c++;
    else if (*c == '"') quoted = !quoted;
    else if (!*c || (*c == ',' && !quoted)) {
      g_ptr_array_add(items, g_strstrip(g_strndup(start, (gsize)(c - start))));
      if (!*c) break;
      start = c + 1;
    }
  }
  g_ptr_array_add(items, NULL);
  return (char **)g_ptr_array_free(items, FALSE);
}

/* Fill list or array `s` with the items of `inner`. */
static gboolean store_items(config_setting_t *s, const char *inner, const char *path, GError **error) {
  while (config_setting_length(s) > 0) config_setting_remove_elem(s, 0);
  char **items = split_items(inner);
  gboolean ok = TRUE;
  gboolean empty = g_strv_length(items) == 1 && !*items[0];   /* [] */
  for (char **it = items; ok && !empty && *it; it++) {
    Scalar v;
    if (!**it) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' has an empty item", path, inner);
      ok = FALSE;
    } else if ((ok = parse_scalar(path, *it, &v, error))) {
      int et = v.type;
      if (config_setting_type(s) == CONFIG_TYPE_ARRAY && config_setting_length(s) > 0) {
        /* an array holds one type (libconfig does not check it); an integer joins numbers */
        int first = config_setting_type(config_setting_get_elem(s, 0));
        if (first == CONFIG_TYPE_FLOAT && et == CONFIG_TYPE_INT64) et = first;
        if (first == CONFIG_TYPE_INT && et == CONFIG_TYPE_INT64) et = first;
        if (et != first) et = CONFIG_TYPE_NONE;
      }
      config_setting_t *e = et == CONFIG_TYPE_NONE ? NULL : config_setting_add(s, NULL, et);
      if (!e)
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: mixed types in an array", path);
      ok = e && store(e, &v, *it, path, error);
      g_free(v.s);
    }
  }
  g_strfreev(items);
  return ok;
}

/* Set `s` (NULL: create member `name` of `parent`) from the text of a --set VALUE. */
static config_setting_t *add_member(config_setting_t *parent, const char *name, int type, const char *path,
                                    GError **error) {
  config_setting_t *s = config_setting_add(parent, name, type);
  if (!s)
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' is not a valid setting name", path, name);
  return s;
}

gboolean zc_pipeline_set_value(config_setting_t *parent, const char *name, config_setting_t *s, const char *raw,
                               const char *path, GError **error) {
  gsize n = strlen(raw);
  char open = raw[0], close = n ? raw[n - 1] : '\0';
  if (open == '[' || open == '(' || close == ']' || close == ')') {
    if (n < 2 || (open == '[' ? close != ']' : open == '(' ? close != ')' : TRUE)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s': unbalanced %s", path, raw,
                  open == '(' || close == ')' ? "( )" : "[ ]");
      return FALSE;
    }
    if (!s) {
      if (!(s = add_member(parent, name, CONFIG_TYPE_LIST, path, error))) return FALSE;
    } else if (config_setting_type(s) != CONFIG_TYPE_LIST && config_setting_type(s) != CONFIG_TYPE_ARRAY) s = NULL;
    if (!s) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' does not fit the type of this setting", path, raw);
      return FALSE;
    }
    char *inner = g_strndup(raw + 1, n - 2);
    gboolean ok = store_items(s, inner, path, error);
    g_free(inner);
    return ok;
  }
  if (s && (config_setting_type(s) == CONFIG_TYPE_LIST || config_setting_type(s) == CONFIG_TYPE_ARRAY))
    return store_items(s, raw, path, error);   /* a,b without brackets */
  Scalar v;
  if (!parse_scalar(path, raw, &v, error)) return FALSE;
  if (!s) s = add_member(parent, name, v.type, path, error);
  gboolean ok = s && store(s, &v, raw, path, error);
  g_free(v.s);
  return ok;
}
