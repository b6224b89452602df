/* Pieces shared by the zcnas subcommands: common options, plugin loading, errors. */
#include "config.h"
#include <stdio.h>
#include <zcnas/error.h>
#include "cli.h"

/* This program's own plugin directories: the build tree's when the executable lives there
 * (libtool puts the real binary under .libs/), so that plugins are found before
 * `make install`; else NULL, the installed directory.  Decided here, not in libzcnas. */
static const char *own_plugin_dirs(void) {
  static const char *dirs;
  static gsize once;
  if (g_once_init_enter(&once)) {
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe && g_str_has_prefix(exe, ZC_ABS_BUILDDIR "/"))
      dirs = ZC_ABS_BUILDDIR "/plugins/spaces/.libs" G_SEARCHPATH_SEPARATOR_S ZC_ABS_BUILDDIR
             "/plugins/proxies/.libs" G_SEARCHPATH_SEPARATOR_S ZC_ABS_BUILDDIR "/plugins/searchers/.libs";
    g_free(exe);
    g_once_init_leave(&once, 1);
  }
  return dirs;
}

void zc_cli_common_add(GOptionContext *ctx, ZcCliCommon *c) {
  /* the directories this very program searches (the build tree's when run from there) */
  static char *plugin_help;
  if (!plugin_help) {
    char *path = zc_registry_default_path(NULL, own_plugin_dirs());
    plugin_help = g_strdup_printf("Look for plugins in DIR[:DIR...] first, then in %s", path);
    g_free(path);
  }
  GOptionEntry entries[] = {
    {"plugin-path", 0, 0, G_OPTION_ARG_STRING, &c->plugin_path, plugin_help, "DIRS"},
    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &c->sets, "Override a pipeline setting (repeatable)", "PATH=VALUE"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &c->quiet, "Print no progress or warnings", NULL},
    {NULL},
  };
  g_option_context_add_main_entries(ctx, entries, NULL);
}

void zc_cli_common_clear(ZcCliCommon *c) {
  g_free(c->plugin_path);
  g_strfreev(c->sets);
}

static ZcRegistry *cli_registry(const ZcCliCommon *c, gboolean all) {
  ZcRegistry *reg = zc_registry_new();
  if (c->quiet) zc_registry_set_warn_func(reg, NULL, NULL);
  char *path = zc_registry_default_path(c->plugin_path, own_plugin_dirs());
  zc_registry_set_path(reg, path);
  if (all) zc_registry_scan(reg, path);
  g_free(path);
  const GPtrArray *refused = zc_registry_refusals(reg);
  if (!c->quiet)
    for (guint i = 0; i < refused->len; i++)
      fprintf(stderr, "zcnas: warning: plugin refused: %s\n", (const char *)g_ptr_array_index(refused, i));
  return reg;
}

ZcRegistry *zc_cli_registry(const ZcCliCommon *c) { return cli_registry(c, FALSE); }

ZcRegistry *zc_cli_registry_all(const ZcCliCommon *c) { return cli_registry(c, TRUE); }

gboolean zc_cli_parse(GOptionContext *ctx, int *argc, char ***argv) {
  GError *err = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &err)) {
    fprintf(stderr, "zcnas: %s\n(see --help)\n", err->message);
    g_error_free(err);
    return FALSE;
  }
  return TRUE;
}

int zc_cli_status_for(const GError *error) {
  if (error && error->domain == ZC_ERROR &&
      (error->code == ZC_ERROR_CONFIG || error->code == ZC_ERROR_PARSE || error->code == ZC_ERROR_PLUGIN ||
       error->code == ZC_ERROR_UNSUPPORTED))
    return ZC_EXIT_USAGE;
  return ZC_EXIT_FAILURE;
}

int zc_cli_fail(int status, const GError *error) {
  fprintf(stderr, "zcnas: %s\n", error ? error->message : "failed");
  return status;
}

int zc_cli_usage(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "zcnas %s: %s\n(see 'zcnas %s --help')\n", command, msg, command);
  g_free(msg);
  return ZC_EXIT_USAGE;
}

ZcPipeline *zc_cli_pipeline(const char *file, const ZcCliCommon *c, const char *space_name, GError **error) {
  ZcPipeline *p = zc_pipeline_load(file, (const char *const *)c->sets, error);
  if (p && space_name) {
    char *assign = g_strdup_printf("space.name=%s", space_name);
    gboolean ok = zc_pipeline_set(p, assign, error);
    g_free(assign);
    if (!ok) {
      zc_pipeline_free(p);
      return NULL;
    }
  }
  return p;
}

ZcSpace *zc_cli_space(const ZcRegistry *reg, const ZcPipeline *p, GError **error) {
  config_setting_t *s = zc_pipeline_lookup(p, "space");
  if (!s) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "no search space given (--space NAME or space = { name = ...; })");
    return NULL;
  }
  return zc_setup_space(reg, s, error);
}

int zc_cli_int_option(const char *command, const char *name, const char *value, gint64 min, gint64 max,
                      gint64 *out) {
  GError *err = NULL;
  if (g_ascii_string_to_signed(value, 10, min, max, out, &err)) return ZC_EXIT_OK;
  int status = zc_cli_usage(command, "%s: %s", name, err->message);
  g_error_free(err);
  return status;
}
