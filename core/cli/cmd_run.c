/* zcnas run: the experiment described by a pipeline file. */
#include "config.h"
#include <stdio.h>
#include <zcnas/run.h>
#include "cli.h"

int zc_cmd_run(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *out = NULL;
  gint jobs = 0;
  GOptionEntry entries[] = {
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write results to DIR (overrides output.dir)", "DIR"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Worker count (overrides jobs; results do not depend on it)", "N"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("FILE.cfg");
  g_option_context_set_summary(ctx, "Run the experiment of a libconfig pipeline file.  Any setting can be\n"
                                    "overridden with --set PATH=VALUE, e.g. --set searcher.budget=20.\n"
                                    "Pipelines shipped with zcnas are in " ZC_DATADIR "/pipelines.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc != 2) status = zc_cli_usage("run", "give exactly one pipeline file");
  else if (jobs < 0) status = zc_cli_usage("run", "--jobs must be positive");
  if (status == ZC_EXIT_OK) {
    GError *err = NULL;
    ZcRegistry *reg = zc_cli_registry(&common);
    ZcPipeline *p = zc_cli_pipeline(argv[1], &common, NULL, &err);
    ZcRunSettings st = {.out_dir = out, .jobs = jobs, .quiet = common.quiet, .report = stdout};
    if (!p || !zc_run_pipeline(reg, p, &st, &err)) status = zc_cli_fail(zc_cli_status_for(err), err);
    g_clear_error(&err);
    zc_pipeline_free(p);
    zc_registry_free(reg);
  }
  g_free(out);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
