/* zcnas score: proxy scores of given architectures, CSV "arch,<proxy>..." on stdout. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/scorer.h>
#include <zcnas/run.h>
#include "cli.h"

/* Put the command-line proxy list and data settings into the pipeline, so that they are
 * validated like the same settings written in a file. */
static gboolean apply_cli(ZcPipeline *p, const char *proxies, const char *data, gint64 batch, GError **error) {
  gboolean ok = TRUE;
  if (proxies) {
    char *assign = g_strdup_printf("proxies=[%s]", proxies);
    ok = zc_pipeline_set(p, assign, error);
    g_free(assign);
  }
  if (ok && data) {
    char *assign = g_strdup_printf("data.spec=\"%s\"", data);
    ok = zc_pipeline_set(p, assign, error);
    g_free(assign);
  }
  if (ok && batch > 0) {
    char *assign = g_strdup_printf("data.batch=%" G_GINT64_FORMAT, batch);
    ok = zc_pipeline_set(p, assign, error);
    g_free(assign);
  }
  return ok;
}

int zc_cmd_score(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *space_name = NULL, *arch_file = NULL, *proxies = NULL, *data = NULL;
  char **arch = NULL;
  char *batch_text = NULL;   /* read as text: no number may stand for "not given" */
  gint64 batch = 0, seed = 0;   /* batch 0: not given */
  GOptionEntry entries[] = {
    {"space", 's', 0, G_OPTION_ARG_STRING, &space_name, "Search space plugin", "NAME"},
    {"arch", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &arch, "An architecture (repeatable)", "STR"},
    {"arch-file", 'f', 0, G_OPTION_ARG_FILENAME, &arch_file,
     "Architectures, one per line, or CSV with an 'arch' or 'arch_str' column", "FILE"},
    {"proxy", 'p', 0, G_OPTION_ARG_STRING, &proxies, "Proxies to compute", "P[,P...]"},
    {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Input data, e.g. cifar10:PATH (see docs/data.md)", "SPEC"},
    {"batch", 'b', 0, G_OPTION_ARG_STRING, &batch_text, "Batch size (default 64)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Run seed (default 0)", "N"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("--space S (--arch STR | --arch-file FILE) --proxy P[,P...]");
  g_option_context_set_summary(ctx, "Score architectures with zero-cost proxies.  Prints CSV: arch,<proxy>...\n"
                                    "A proxy with several outputs gives <proxy>.<output> columns; NaN is written nan.\n"
                                    "Each architecture's seed derives from --seed and its canonical text, so a score\n"
                                    "never depends on the other architectures or their order.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc > 1) status = zc_cli_usage("score", "unexpected argument '%s'", argv[1]);
  else if ((arch != NULL) == (arch_file != NULL)) status = zc_cli_usage("score", "give --arch or --arch-file");
  else if (!proxies || !*proxies) status = zc_cli_usage("score", "give --proxy P[,P...]");
  else if (batch_text) status = zc_cli_int_option("score", "--batch", batch_text, 1, G_MAXINT64, &batch);

  GError *err = NULL;
  ZcRegistry *reg = NULL;
  ZcPipeline *p = NULL;
  ZcSpace *space = NULL;
  ZcScorer *scorer = NULL;
  ZcDataset *dataset = NULL;
  GPtrArray *archs = NULL;
  if (status == ZC_EXIT_OK) {
    reg = zc_cli_registry(&common);
    p = zc_cli_pipeline(NULL, &common, space_name, &err);
    if (p && !apply_cli(p, proxies, data, batch, &err)) g_clear_pointer(&p, zc_pipeline_free);
    ZcOptions *data_opts = p ? zc_options_resolve(zc_data_schema, zc_pipeline_lookup(p, "data"), "data", NULL, &err)
                             : NULL;
    gboolean data_ok = data_opts && zc_run_open_data(data_opts, NULL, &dataset, &err);
    space = data_ok ? zc_cli_space(reg, p, &err) : NULL;
    GPtrArray *list = space ? zc_setup_proxies(reg, zc_pipeline_lookup(p, "proxies"), &err) : NULL;
    if (list)
      scorer = zc_scorer_new(list, (guint64)seed, dataset, (guint)zc_options_int(data_opts, "batch"),
                             zc_run_default_threads(1));
    zc_options_free(data_opts);
    if (scorer) {
      if (arch_file) {
        archs = zc_cli_read_archs(space, arch_file, &err);
      } else {
        archs = g_ptr_array_new();
        for (char **a = arch; *a && archs; a++) {
          ZcArch *x = zc_space_parse(space, *a, &err);
          if (x) g_ptr_array_add(archs, x);
          else g_clear_pointer(&archs, g_ptr_array_unref);
        }
      }
    }
    if (!archs) status = zc_cli_fail(zc_cli_status_for(err), err);
  }
  if (archs) {
    const ZcScoreLayout *layout = zc_scorer_layout(scorer);
    guint np = zc_scorer_n_proxies(scorer);
    GString *line = g_string_new("arch");
    for (guint k = 0; k < layout->n_scores; k++) {
      g_string_append_c(line, ',');
      zc_csv_append_field(line, layout->names[k]);
    }
    puts(line->str);
    double *out = g_new(double, layout->n_scores);
    ZcProxyResult *res = g_new0(ZcProxyResult, np);
    guint failed = 0;
    for (guint i = 0; i < archs->len; i++) {
      const ZcArch *a = g_ptr_array_index(archs, i);
      zc_scorer_score(scorer, space, a, out, res);
      char *text = zc_space_format(space, a);
      g_string_truncate(line, 0);
      zc_csv_append_field(line, text);
      for (guint k = 0; k < layout->n_scores; k++) {
        g_string_append_c(line, ',');
        zc_csv_append_double(line, out[k]);
      }
      puts(line->str);
      for (guint j = 0; j < np; j++) {
        if (res[j].status != ZC_STATUS_OK && !common.quiet)
          fprintf(stderr, "zcnas: warning: %s on %s: %s\n", zc_proxy_name(zc_scorer_proxy(scorer, j)), text,
                  res[j].message ? res[j].message : "NaN or infinite score");
        failed += res[j].status == ZC_STATUS_FAILED;
        zc_proxy_result_clear(&res[j]);
      }
      g_free(text);
    }
    fflush(stdout);
    g_free(out);
    g_free(res);
    g_string_free(line, TRUE);
    for (guint i = 0; i < archs->len; i++) zc_space_arch_free(space, g_ptr_array_index(archs, i));
    g_ptr_array_unref(archs);
  }
  g_clear_error(&err);
  zc_scorer_free(scorer);
  zc_dataset_free(dataset);
  zc_space_free(space);
  zc_pipeline_free(p);
  zc_registry_free(reg);
  g_free(space_name);
  g_free(arch_file);
  g_free(proxies);
  g_free(data);
  g_strfreev(arch);
  g_free(batch_text);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
