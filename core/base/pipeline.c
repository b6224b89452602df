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
#include "pipeline_set.h"
#include "pipeline-private.h"

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
  {"backend", {CONFIG_TYPE_STRING}, "a string"},
  {"space", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"searcher", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"data", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"sample", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"output", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"layerstats", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"select", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"benchmark", {CONFIG_TYPE_GROUP}, "a group { ... }"},
  {"benchmarks", {CONFIG_TYPE_LIST}, "a list ( { ... }, ... )"},
  {"proxies", {CONFIG_TYPE_LIST, CONFIG_TYPE_ARRAY}, "a list of names or groups"},
  {"scores", {CONFIG_TYPE_GROUP}, "a group { table = ...; key = ...; }"},
  {"budget", {CONFIG_TYPE_INT, CONFIG_TYPE_INT64}, "an integer"},
  {"oracle_budget", {CONFIG_TYPE_INT, CONFIG_TYPE_INT64}, "an integer"},
  {"seeds", {CONFIG_TYPE_INT, CONFIG_TYPE_INT64, CONFIG_TYPE_ARRAY}, "a count or a list [0, 1, ...]"},
  {"runs", {CONFIG_TYPE_LIST}, "a list ( { label = ...; searcher = { ... }; }, ... )"},
  {"reference", {CONFIG_TYPE_GROUP}, "a group { table = ...; key = ...; }"},
  {"combine", {CONFIG_TYPE_LIST}, "a list ( { name = ...; of = [...]; rule = ...; }, ... )"},
  {"tasks", {CONFIG_TYPE_LIST}, "a list ( { label = ...; space = { ... }; benchmark = { ... }; }, ... )"},
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
      ok = zc_pipeline_set_value(s, parts[i], NULL, raw, path, error);
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
      ok = zc_pipeline_set_value(NULL, NULL, s, raw, path, error);
      s->line = 0;   /* messages about the value now name --set PATH, not the file */
    }
  }
  g_strfreev(parts);
  g_free(raw);
  g_free(path);
  return ok;
}

/* libconfig 1.5 ends the whole process on an @include of a directory ("input in flex
 * scanner failed") and names no file when one is missing: look at each @include (of
 * `text`, read from `file`) before libconfig does.  It opens them in `dir`. */
static gboolean check_includes(const char *file, const char *text, const char *dir, int depth, GError **error) {
  char **lines = g_strsplit(text, "\n", -1);
  gboolean ok = TRUE;
  for (guint k = 0; ok && lines[k]; k++) {
    const char *l = lines[k] + strspn(lines[k], " \t");
    if (!g_str_has_prefix(l, "@include")) continue;
    l += strlen("@include");
    l += strspn(l, " \t");
    const char *q = *l == '"' ? strchr(l + 1, '"') : NULL;
    if (!q) continue;   /* a syntax error: libconfig's message names the line */
    char *name = g_strndup(l + 1, (gsize)(q - l - 1));
    char *path = dir ? g_build_filename(dir, name, NULL) : g_strdup(name);
    char *sub = NULL;
    gsize len = 0;
    const char *why = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) why = "no such file";
    else if (g_file_test(path, G_FILE_TEST_IS_DIR)) why = "is a directory";
    else if (!g_file_get_contents(path, &sub, &len, NULL)) why = "cannot read it";
    else if (memchr(sub, 0, len)) why = "contains a NUL byte: not a text file";
    if (why) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s:%u: @include \"%s\": %s", file, k + 1, name, why);
      ok = FALSE;
    } else if (depth < 10) {   /* libconfig's own limit of nested includes */
      ok = check_includes(name, sub, dir, depth + 1, error);
    }
    g_free(sub);
    g_free(path);
    g_free(name);
  }
  g_strfreev(lines);
  return ok;
}

/* A pipeline file argument that is missing, a directory, unreadable or empty gets a
 * message that says which; so does an @include of such a file. */
static gboolean check_file(const char *file, const char *dir, GError **error) {
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
  } else if (memchr(text, 0, n)) {
    /* libconfig reads past a NUL where these checks would stop: an @include hidden behind
     * one could name a directory, on which libconfig ends the process */
    why = "the pipeline file contains a NUL byte: not a text file";
  } else if (!text[strspn(text, " \t\r\n")]) {
    why = "the pipeline file is empty";
  } else if (!check_includes(file, text, dir, 1, error)) {
    g_free(text);
    return FALSE;
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
    if (!check_file(file, config_get_include_dir(&p->cfg), error)) {
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

config_setting_t *zc_pipeline_root(const ZcPipeline *p) { return config_root_setting(&p->cfg); }

char *zc_pipeline_find_file(const char *name, const char *base_dir, char **looked) {
  if (looked) *looked = NULL;
  if (g_path_is_absolute(name)) {
    if (g_file_test(name, G_FILE_TEST_IS_REGULAR)) return g_strdup(name);
    if (looked) *looked = g_strdup(name);
    return NULL;
  }
  char *tried[2] = {g_build_filename(base_dir ? base_dir : ".", name, NULL), g_build_filename(ZC_DATADIR, name, NULL)};
  int k = g_file_test(tried[0], G_FILE_TEST_IS_REGULAR) ? 0 : g_file_test(tried[1], G_FILE_TEST_IS_REGULAR) ? 1 : -1;
  char *found = k >= 0 ? g_strdup(tried[k]) : NULL;
  if (!found && looked) *looked = g_strdup_printf("%s and %s", tried[0], tried[1]);
  g_free(tried[0]);
  g_free(tried[1]);
  return found;
}
