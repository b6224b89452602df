/* zcnas cache: look after the score cache (stats, export, vacuum). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zcnas/cache.h>
#include "cli.h"

static int cache_stats(ZcCache *c, GError **error) {
  ZcCacheStats s = {0};
  if (!zc_cache_stats(c, &s, error)) return ZC_EXIT_FAILURE;
  printf("cache: %s\nrecords: %" G_GINT64_FORMAT "\nsize: %.1f MiB\n", zc_cache_path(c), s.rows,
         (double)s.file_bytes / (1024.0 * 1024.0));
  if (s.groups->len) printf("%-16s %-20s %10s %8s %8s\n", "space", "proxy", "records", "failed", "nan");
  for (guint k = 0; k < s.groups->len; k++) {
    const ZcCacheGroupCount *g = &g_array_index(s.groups, ZcCacheGroupCount, k);
    printf("%-16s %-20s %10" G_GINT64_FORMAT " %8" G_GINT64_FORMAT " %8" G_GINT64_FORMAT "\n", g->space, g->proxy,
           g->rows, g->failed, g->nonfinite);
  }
  zc_cache_stats_clear(&s);
  return ZC_EXIT_OK;
}

int zc_cmd_cache(int argc, char **argv) {
  char *file = NULL, *output = NULL, *space = NULL, *proxy = NULL;
  GOptionEntry entries[] = {
    {"cache", 0, 0, G_OPTION_ARG_FILENAME, &file, "The cache FILE (default: the user's cache)", "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "export: write the CSV to FILE (default: stdout)", "FILE"},
    {"space", 0, 0, G_OPTION_ARG_STRING, &space, "export: only this space", "NAME"},
    {"proxy", 0, 0, G_OPTION_ARG_STRING, &proxy, "export: only this proxy", "NAME"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("stats|export|vacuum");
  g_option_context_set_summary(ctx, "The score cache that `zcnas run` reads and writes:\n"
                                    "  stats    records per space and proxy, file size\n"
                                    "  export   every record as CSV (key, status, timings, outputs)\n"
                                    "  vacuum   compact the file");
  g_option_context_add_main_entries(ctx, entries, NULL);
  int status = ZC_EXIT_OK;
  const char *what = NULL;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc != 2) status = zc_cli_usage("cache", "give one action: stats, export or vacuum");
  else if (strcmp((what = argv[1]), "stats") && strcmp(what, "export") && strcmp(what, "vacuum"))
    status = zc_cli_usage("cache", "unknown action '%s' (stats, export or vacuum)", what);
  if (status == ZC_EXIT_OK) {
    GError *err = NULL;
    /* read-only for stats and export: looking must not create or change anything */
    ZcCacheFlags flags = strcmp(what, "vacuum") ? ZC_CACHE_READ_ONLY : 0;
    char *path = file ? g_strdup(file) : zc_cache_default_path();
    ZcCache *c = zc_cache_open_full(path, flags, &err);
    if (!c) {
      status = zc_cli_fail(ZC_EXIT_FAILURE, err);
    } else if (!strcmp(what, "stats")) {
      status = cache_stats(c, &err);
    } else if (!strcmp(what, "export")) {
      char *tmp = NULL;
      const char *target = output;
      if (!target) {
        int fd = g_file_open_tmp("zcnas-export-XXXXXX.csv", &tmp, &err);
        if (fd >= 0) close(fd);
        target = tmp;
      }
      if (!target || !zc_cache_export_csv(c, target, space, proxy, &err)) {
        status = ZC_EXIT_FAILURE;
      } else if (tmp) {
        char *text = NULL;
        gsize len = 0;
        if (g_file_get_contents(tmp, &text, &len, &err)) fwrite(text, 1, len, stdout);
        else status = ZC_EXIT_FAILURE;
        g_free(text);
      }
      if (tmp) g_unlink(tmp);
      g_free(tmp);
    } else if (!zc_cache_vacuum(c, &err)) {
      status = ZC_EXIT_FAILURE;
    } else {
      printf("vacuumed %s\n", zc_cache_path(c));
    }
    if (status == ZC_EXIT_FAILURE && err) zc_cli_fail(status, err);
    g_clear_error(&err);
    zc_cache_close(c, NULL);
    g_free(path);
  }
  g_free(file);
  g_free(output);
  g_free(space);
  g_free(proxy);
  g_option_context_free(ctx);
  return status;
}
