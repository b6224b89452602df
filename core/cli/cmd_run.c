/* zcnas run: the experiment described by a pipeline file. */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/run.h>
#include "cli.h"

static volatile gint stop_requested;

static void on_signal(int sig) {
  if (stop_requested) {
    /* a second Ctrl-C: stop now (finished scores are already in the cache) */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  stop_requested = sig;
}

int zc_cmd_run(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *out = NULL, *cache = NULL, *jobs_text = NULL, *backend = NULL;   /* --jobs as text: 0 must not mean "not given" */
  gint64 jobs = 0;
  gboolean no_cache = FALSE;
  GOptionEntry entries[] = {
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write results to DIR (overrides output.dir)", "DIR"},
    {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text, "Worker count (overrides jobs; results do not depend on it)", "N"},
    {"cache", 0, 0, G_OPTION_ARG_FILENAME, &cache, "Score cache FILE (overrides cache; default: the user's cache)",
     "FILE"},
    {"no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Score everything; read and write no cache", NULL},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &backend,
     "What the networks run on: cpu (fast kernels, default) or cpu-ref (reference kernels)", "NAME"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("FILE.cfg");
  /* name a directory that exists: before `make install`, the source tree's */
  const char *pipelines =
      g_file_test(ZC_DATADIR "/pipelines", G_FILE_TEST_IS_DIR) ? ZC_DATADIR "/pipelines" : ZC_ABS_SRCDIR "/share/pipelines";
  char *summary = g_strdup_printf("Run the experiment of a libconfig pipeline file.  Any setting can be\n"
                                  "overridden with --set PATH=VALUE, e.g. --set sample.count=20; the proxies with\n"
                                  "their options as --set proxies=lswag:subbatches=0,synflow.\n"
                                  "Scores are cached: a rerun, or a run stopped with Ctrl-C, goes on where it\n"
                                  "stopped.  Under mpirun (--with-mpi builds) the ranks share the work.\n"
                                  "Pipelines shipped with zcnas are in %s.", pipelines);
  g_option_context_set_summary(ctx, summary);
  g_free(summary);
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc != 2) status = zc_cli_usage("run", "give exactly one pipeline file");
  else if (jobs_text && zc_cli_int_option("run", "--jobs", jobs_text, 1, 1024, &jobs)) status = ZC_EXIT_USAGE;
  else if (no_cache && cache) status = zc_cli_usage("run", "give --cache or --no-cache, not both");
  else if (cache && !*cache) status = zc_cli_usage("run", "--cache needs a file name (--no-cache: no cache)");
  if (status == ZC_EXIT_OK) {
    GError *err = NULL;
    gboolean mpi = zc_run_mpi_init(&argc, &argv);
    ZcRegistry *reg = zc_cli_registry(&common);
    /* --set proxies=NAME:KEY=VALUE,...: the proxy list with options, checked against
     * each proxy's schema (a plain --set would drop the options) */
    char *proxies = NULL;
    guint kept = 0;
    for (guint i = 0; common.sets && common.sets[i]; i++) {
      if (g_str_has_prefix(common.sets[i], "proxies=")) {
        g_free(proxies);
        proxies = g_strdup(common.sets[i] + strlen("proxies="));
        g_free(common.sets[i]);
      } else {
        common.sets[kept++] = common.sets[i];
      }
    }
    if (common.sets) common.sets[kept] = NULL;
    ZcPipeline *p = zc_cli_pipeline(argv[1], &common, NULL, &err);
    if (p && proxies && !zc_run_set_proxies(reg, p, proxies, &err)) {
      g_prefix_error(&err, "--set proxies=%s: ", proxies);
      g_clear_pointer(&p, zc_pipeline_free);
    }
    g_free(proxies);
    ZcRunSettings st = {.out_dir = out,
                        .jobs = (int)jobs,
                        .quiet = common.quiet || zc_run_mpi_rank() > 0,
                        .report = stdout,
                        .cache_path = cache,
                        .no_cache = no_cache,
                        .cancel = &stop_requested,
                        .backend = backend};
    stop_requested = 0;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (!p || !zc_run_pipeline(reg, p, &st, &err)) {
      status = zc_cli_fail(zc_cli_status_for(err), err);
      if (stop_requested) status = 128 + stop_requested;   /* as a shell reports the signal */
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    g_clear_error(&err);
    zc_pipeline_free(p);
    zc_registry_free(reg);
    if (mpi) zc_run_mpi_finalize();
  }
  g_free(out);
  g_free(cache);
  g_free(jobs_text);
  g_free(backend);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
