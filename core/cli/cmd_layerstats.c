/* zcnas layerstats: per-depth gradient statistics of sampled networks, the data behind
 * lswag's layer range (the work is zc_layerstats_run, <zcnas/layerstats.h>). */
#include "config.h"
#include <stdio.h>
#include <zcnas/layerstats.h>
#include <zcnas/run.h>
#include "cli.h"

int zc_cmd_layerstats(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *space_name = NULL, *data = NULL, *out = NULL;
  gint64 count = 0, seed = 0, batch = 64, subbatches = 8;
  GOptionEntry entries[] = {
    {"space", 's', 0, G_OPTION_ARG_STRING, &space_name, "Search space plugin", "NAME"},
    {"count", 'n', 0, G_OPTION_ARG_INT64, &count, "Networks to sample", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the sample and the initialisations (default 0)", "S"},
    {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Input data, e.g. cifar10:PATH (default: Gaussian images)", "SPEC"},
    {"batch", 'b', 0, G_OPTION_ARG_INT64, &batch, "Images (default 64)", "N"},
    {"subbatches", 'k', 0, G_OPTION_ARG_INT64, &subbatches,
     "Gradient samples K as lswag's option (default 8; 0 = one per image, batch <= 64)", "K"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Directory for layerstats.csv and layerstats.png (default .)", "DIR"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("--space S --count N");
  g_option_context_set_summary(ctx, "Per-depth-percentile gradient statistics of networks at initialisation, the\n"
                                    "data behind lswag's layer range: prints the range the spike detector picks.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc > 1) status = zc_cli_usage("layerstats", "unexpected argument '%s'", argv[1]);
  else if (!space_name) status = zc_cli_usage("layerstats", "give --space");
  else if (count < 1 || count > G_MAXUINT) status = zc_cli_usage("layerstats", "give --count N (1 <= N <= %u)", G_MAXUINT);
  else if (subbatches < 0 || subbatches == 1 || subbatches > 64) status = zc_cli_usage("layerstats", "--subbatches must be 0 or 2..64");
  else if (batch > 4096) status = zc_cli_usage("layerstats", "--batch must be at most 4096");
  else if (batch < 2 || batch < subbatches || (!subbatches && batch > 64))
    status = zc_cli_usage("layerstats", "--batch must be >= --subbatches (and <= 64 with --subbatches 0)");

  GError *err = NULL;
  ZcRegistry *reg = NULL;
  ZcPipeline *p = NULL;
  ZcSpace *space = NULL;
  ZcDataset *dataset = NULL;
  if (status == ZC_EXIT_OK) {
    reg = zc_cli_registry(&common);
    p = zc_cli_pipeline(NULL, &common, space_name, &err);
    space = p ? zc_cli_space(reg, p, &err) : NULL;
    if (space && data) dataset = zc_dataset_open(data, NULL, &err);
    if (!space || (data && !dataset)) status = zc_cli_fail(zc_cli_status_for(err), err);
  }
  if (status == ZC_EXIT_OK) {
    ZcLayerstatsSettings st = {(guint)count, (guint64)seed, (guint)batch, (int)subbatches, out ? out : ".",
                               zc_run_default_threads(1), common.quiet, stdout};
    guint s, e;
    if (!zc_layerstats_run(space, dataset, &st, &s, &e, &err)) status = zc_cli_fail(zc_cli_status_for(err), err);
  }
  g_clear_error(&err);
  zc_dataset_free(dataset);
  zc_space_free(space);
  zc_pipeline_free(p);
  zc_registry_free(reg);
  g_free(space_name);
  g_free(data);
  g_free(out);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
