/* Pipeline files: libconfig with @include, command-line overrides, and the core's
 * check of its own top-level keys.  See zcnas/pipeline.h. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/options.h>
#include <zcnas/pipeline.h>
#include "pipeline_ints.h"

struct ZcPipeline {
  config_t cfg;
  char *file;
};

/* Top-level keys the core understands, with the libconfig types each accepts. */
static const struct {
  const char *key;
  int types[3];
  const char *what;
} top_keys[] = {
  {"experiment", {CONFIG_TYPE_STRING}, "a string"},
  {"seed", {CONFIG_TYPE_INT, CONFIG_TYPE_INT64}, "an integer"},
  {"jobs", {CONFIG_TYPE_INT, CONFIG_TYPE_INT64}, "an integer"},
  {"cache", {CONFIG_TYPE_STRING}, "a string"},
  {"space", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"searcher", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"data", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"sample", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"output", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"layerstats", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"benchmark", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"benchmarks", {CONFIG_TYPE_LIST}, "a list ( { ... }, ... )"},
  {"proxies", {CONFIG_TYPE_LIST, CONFIG_TYPE_ARRAY}, "a list of names or groups"},
};

static gboolean check_top_level(ZcPipeline *p, GError **error) {
  config_setting_t *root = config_root_setting(&p->cfg);
  for (int k = 0; k < config_setting_length(root); k++) {
    config_setting_t *s = config_setting_get_elem(root, (unsigned)k);
    const char *name = config_setting_name(s);
    gboolean known = FALSE, typed = FALSE;
    const char *what = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(top_keys); i++) {
      if (strcmp(top_keys[i].key, name)) continue;
      known = TRUE;
      what = top_keys[i].what;
      for (int t = 0; t < 3; t++)
        if (top_keys[i].types[t] && top_keys[i].types[t] == config_setting_type(s)) typed = TRUE;
    }
    char *origin = zc_setting_origin(s);
    if (!known) {
      GString *keys = g_string_new(NULL);
      for (gsize i = 0; i < G_N_ELEMENTS(top_keys); i++)
        g_string_append_printf(keys, "%s%s", i ? ", " : "", top_keys[i].key);
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: unknown top-level setting '%s' (known: %s)",
                  origin, name, keys->str);
      g_string_free(keys, TRUE);
    } else if (!typed) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: '%s' must be %s", origin, name, what);
    }
    g_free(origin);
    if (!known || !typed) return FALSE;
  }
  return TRUE;
}

/* --set VALUE: one scalar, or [a, b, ...] / (a, b, ...) of scalars.  A scalar is true or
 * false, an integer (64 bits; an L suffix is allowed), a number, a "string" in double
 * quotes (libconfig escapes), or else a bare word taken as the string it is.  A bare word
 * holding any of  " ; [ ] ( ) { }  is refused: it is most likely a pasted pipeline line. */
typedef struct {
  int type;   /* CONFIG_TYPE_BOOL, _INT64, _FLOAT or _STRING */
  gboolean bare;
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
  v->s = g_strdup(text);
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
    v->bare = TRUE;
  }
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
      config_setting_t *e = config_setting_add(s, NULL, v.type);
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

static gboolean set_value(config_setting_t *parent, const char *name, config_setting_t *s, const char *raw,
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

gboolean zc_pipeline_set(ZcPipeline *p, const char *assignment, GError **error) {
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: expected PATH=VALUE", assignment);
    return FALSE;
  }
  char *path = g_strndup(assignment, (gsize)(eq - assignment));
  char *raw = g_strstrip(g_strdup(eq + 1));
  char **parts = g_strsplit(path, ".", -1);
  config_setting_t *s = config_root_setting(&p->cfg);
  gboolean ok = TRUE;
  guint n = g_strv_length(parts);
  for (guint i = 0; ok && i < n; i++) {
    gboolean last = i + 1 == n;
    if (!*parts[i] || !config_setting_is_group(s)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' is not a group setting path", path,
                  path);
      ok = FALSE;
      break;
    }
    config_setting_t *child = config_setting_get_member(s, parts[i]);
    if (!child && last) {
      ok = set_value(s, parts[i], NULL, raw, path, error);
      s = NULL;
      break;
    }
    if (!child) child = config_setting_add(s, parts[i], CONFIG_TYPE_GROUP);
    if (!child) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' is not a valid setting name", path,
                  parts[i]);
      ok = FALSE;
      break;
    }
    s = child;
  }
  if (ok && s) {
    if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "--set %s: '%s' is a group; set one of its members",
                  path, path);
      ok = FALSE;
    } else {
      ok = set_value(NULL, NULL, s, raw, path, error);
      s->line = 0;   /* messages about the value now name --set PATH, not the file */
    }
  }
  g_strfreev(parts);
  g_free(raw);
  g_free(path);
  return ok;
}

/* A pipeline file argument that is missing, a directory, unreadable or empty gets a
 * message that says which. */
static gboolean check_file(const char *file, GError **error) {
  const char *why = NULL;
  char *text = NULL;
  gsize n = 0;
  GError *err = NULL;
  if (!g_file_test(file, G_FILE_TEST_EXISTS)) why = "no such pipeline file";
  else if (g_file_test(file, G_FILE_TEST_IS_DIR)) why = "is a directory, not a pipeline file";
  else if (!g_file_get_contents(file, &text, &n, &err)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: cannot read the pipeline file: %s", file,
                err->code == G_FILE_ERROR_ACCES ? g_strerror(EACCES) : err->message);
    g_error_free(err);
    return FALSE;
  } else if (!*g_strstrip(text)) {
    why = "the pipeline file is empty";
  }
  g_free(text);
  if (why) g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s", file, why);
  return why == NULL;
}

ZcPipeline *zc_pipeline_load(const char *file, const char *const *sets, GError **error) {
  ZcPipeline *p = g_new0(ZcPipeline, 1);
  config_init(&p->cfg);
  if (file) {
    p->file = g_strdup(file);
    char *dir = g_path_get_dirname(file);
    config_set_include_dir(&p->cfg, dir);
    g_free(dir);
    if (!check_file(file, error)) {
      zc_pipeline_free(p);
      return NULL;
    }
    if (!config_read_file(&p->cfg, file)) {
      const char *efile = config_error_file(&p->cfg);
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s:%d: %s", efile ? efile : file,
                  config_error_line(&p->cfg), config_error_text(&p->cfg));
      zc_pipeline_free(p);
      return NULL;
    }
    if (!zc_pipeline_fix_ints(&p->cfg, error)) {
      zc_pipeline_free(p);
      return NULL;
    }
  }
  for (const char *const *s = sets; s && *s; s++) {
    if (!zc_pipeline_set(p, *s, error)) {
      zc_pipeline_free(p);
      return NULL;
    }
  }
  if (!check_top_level(p, error)) {
    zc_pipeline_free(p);
    return NULL;
  }
  return p;
}

void zc_pipeline_free(ZcPipeline *p) {
  if (!p) return;
  config_destroy(&p->cfg);
  g_free(p->file);
  g_free(p);
}

const char *zc_pipeline_file(const ZcPipeline *p) { return p->file; }

config_setting_t *zc_pipeline_lookup(const ZcPipeline *p, const char *path) {
  return config_lookup(&p->cfg, path);
}
