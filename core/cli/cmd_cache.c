/* zcnas cache: look after the score cache (stats, export, vacuum, purge). */
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
  if (s.groups->len)
    printf("%-16s %-20s %10s %8s %8s %10s\n", "space", "proxy", "records", "failed", "nan", "degenerate");
  for (guint k = 0; k < s.groups->len; k++) {
    const ZcCacheGroupCount *g = &g_array_index(s.groups, ZcCacheGroupCount, k);
    printf("%-16s %-20s %10" G_GINT64_FORMAT " %8" G_GINT64_FORMAT " %8" G_GINT64_FORMAT " %10" G_GINT64_FORMAT "\n",
           g->space, g->proxy, g->rows, g->failed, g->nonfinite, g->degenerate);
  }
  zc_cache_stats_clear(&s);
  return ZC_EXIT_OK;
}

int zc_cmd_cache(int argc, char **argv) {
  char *file = NULL, *output = NULL, *space = NULL, *proxy = NULL;
  gboolean failed_only = FALSE;
  GOptionEntry entries[] = {
    {"cache", 0, 0, G_OPTION_ARG_FILENAME, &file, "The cache FILE (default: the user's cache)", "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "export: write the CSV to FILE (default: stdout)", "FILE"},
    {"space", 0, 0, G_OPTION_ARG_STRING, &space, "export, purge: only this space", "NAME"},
    {"proxy", 0, 0, G_OPTION_ARG_STRING, &proxy, "export, purge: only this proxy", "NAME"},
    {"failed", 0, 0, G_OPTION_ARG_NONE, &failed_only, "purge: only records of failed proxy evaluations", NULL},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("stats|export|vacuum|purge");
  g_option_context_set_summary(ctx, "The score cache that `zcnas run` and `zcnas score` read and write:\n"
                                    "  stats    records per space and proxy, file size\n"
                                    "  export   every record as CSV (key, status, timings, outputs)\n"
                                    "  vacuum   compact the file\n"
                                    "  purge    remove records (all, or --failed ones, of --space/--proxy) so\n"
                                    "           that the next run computes them again");
  g_option_context_add_main_entries(ctx, entries, NULL);
  int status = ZC_EXIT_OK;
  const char *what = NULL;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc != 2) status = zc_cli_usage("cache", "give one action: stats, export, vacuum or purge");
  else if (strcmp((what = argv[1]), "stats") && strcmp(what, "export") && strcmp(what, "vacuum") &&
           strcmp(what, "purge"))
    status = zc_cli_usage("cache", "unknown action '%s' (stats, export, vacuum or purge)", what);
  else if (file && !*file) status = zc_cli_usage("cache", "--cache needs a file name");
  else if (failed_only && strcmp(what, "purge")) status = zc_cli_usage("cache", "--failed is an option of purge");
  if (status == ZC_EXIT_OK) {
    GError *err = NULL;
    /* read-only for stats and export: looking must not create or change anything */
    ZcCacheFlags flags = strcmp(what, "vacuum") && strcmp(what, "purge") ? ZC_CACHE_READ_ONLY : 0;
    char *path = file ? g_strdup(file) : zc_cache_default_path();
    ZcCache *c = zc_cache_open_full(path, flags, &err);
    if (!c) {
      status = ZC_EXIT_FAILURE;
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
    } else if (!strcmp(what, "purge")) {
      gint64 removed = 0;
      if (zc_cache_purge(c, failed_only, space, proxy, &removed, &err))
        printf("removed %" G_GINT64_FORMAT " record%s from %s\n", removed, removed == 1 ? "" : "s", zc_cache_path(c));
      else
        status = ZC_EXIT_FAILURE;
    } else if (!zc_cache_vacuum(c, &err)) {
      status = ZC_EXIT_FAILURE;
    } else {
      printf("vacuumed %s\n", zc_cache_path(c));
    }
    if (status == ZC_EXIT_FAILURE) zc_cli_fail(status, err);   /* the one message */
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
