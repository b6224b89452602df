/* zcnas plugins: one line per plugin found, "KIND NAME VERSION description". */
#include "config.h"
#include <stdio.h>
#include <zcnas/plugin.h>
#include "cli.h"

int zc_cmd_plugins(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *kind_name = NULL;
  gboolean verbose = FALSE;
  GOptionEntry entries[] = {
    {"kind", 0, 0, G_OPTION_ARG_STRING, &kind_name, "Only plugins of this kind", "space|proxy|searcher"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Also print each plugin's file and options", NULL},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("- list the plugins found");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  ZcKind kind = 0;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc > 1) status = zc_cli_usage("plugins", "unexpected argument '%s'", argv[1]);
  else if (kind_name && !zc_kind_from_name(kind_name, &kind))
    status = zc_cli_usage("plugins", "--kind must be space, proxy or searcher, not '%s'", kind_name);
  if (status == ZC_EXIT_OK) {
    ZcRegistry *reg = zc_cli_registry_all(&common);
    GPtrArray *list = zc_registry_list(reg, kind);
    for (guint i = 0; i < list->len; i++) {
      const ZcPluginDesc *d = g_ptr_array_index(list, i);
      printf("%-8s %-12s %-6s %s\n", zc_kind_name(d->kind), d->name, d->version, d->description);
      if (verbose) {
        GString *s = g_string_new(NULL);
        g_string_append_printf(s, "         file: %s\n         licence: %s\n", zc_registry_origin(reg, d),
                               d->license ? d->license : "unknown");
        zc_options_describe(d->options, s, "         option ");
        fputs(s->str, stdout);
        g_string_free(s, TRUE);
      }
    }
    g_ptr_array_unref(list);
    zc_registry_free(reg);
  }
  g_free(kind_name);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
