/* zcnas score: proxy scores of given architectures, CSV "arch,<proxy>..." on stdout. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/scorer.h>
#include <zcnas/run.h>
#include "cli.h"

/* Put the command-line proxy list (NAME:KEY=VALUE,...), seed and data settings into the
 * pipeline, so that they are validated like the same settings written in a file. */
static gboolean apply_cli(const ZcRegistry *reg, ZcPipeline *p, const char *proxies, const char *data, gint64 batch,
                          gint64 seed, GError **error) {
  gboolean ok = zc_run_set_proxies(reg, p, proxies, error);
  if (ok) {
    char *assign = g_strdup_printf("seed=%" G_GINT64_FORMAT, seed);
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
  char *space_name = NULL, *arch_file = NULL, *proxies = NULL, *data = NULL, *cache = NULL;
  char **arch = NULL;
  char *batch_text = NULL, *jobs_text = NULL, *backend = NULL;   /* read as text: no number may stand for "not given" */
  gint64 batch = 0, seed = 0, jobs = 0;   /* 0: not given */
  gboolean no_cache = FALSE;
  GOptionEntry entries[] = {
    {"space", 's', 0, G_OPTION_ARG_STRING, &space_name, "Search space plugin", "NAME"},
    {"arch", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &arch, "An architecture (repeatable)", "STR"},
    {"arch-file", 'f', 0, G_OPTION_ARG_FILENAME, &arch_file,
     "Architectures, one per line, or CSV with an 'arch' or 'arch_str' column", "FILE"},
    {"proxy", 'p', 0, G_OPTION_ARG_STRING, &proxies,
     "Proxies to compute, each with options if wanted: lswag:subbatches=0,pattern_samples=0,synflow", "P[:K=V,...][,P...]"},
    {"data", 'd', 0, G_OPTION_ARG_STRING, &data, "Input data, e.g. cifar10:PATH (see docs/data.md)", "SPEC"},
    {"batch", 'b', 0, G_OPTION_ARG_STRING, &batch_text, "Batch size (default 64)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Run seed (default 0)", "N"},
    {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text, "Worker count (default 1; results do not depend on it)", "N"},
    {"cache", 0, 0, G_OPTION_ARG_FILENAME, &cache, "Score cache FILE (default: the user's cache, as zcnas run)",
     "FILE"},
    {"no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Score everything; read and write no cache", NULL},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &backend,
     "What the networks run on: cpu (fast kernels, default) or cpu-ref (reference kernels)", "NAME"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("--space S (--arch STR | --arch-file FILE) --proxy P[:K=V,...][,P...]");
  g_option_context_set_summary(ctx, "Score architectures with zero-cost proxies.  Prints CSV: arch,<proxy>...\n"
                                    "A proxy with several outputs gives <proxy>.<output> columns; NaN is written nan.\n"
                                    "Each architecture's seed derives from --seed and its canonical text, so a score\n"
                                    "never depends on the other architectures or their order, nor on --jobs.\n"
                                    "Scores go through the same cache as `zcnas run` (--cache, --no-cache).");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc > 1) status = zc_cli_usage("score", "unexpected argument '%s'", argv[1]);
  else if ((arch != NULL) == (arch_file != NULL)) status = zc_cli_usage("score", "give --arch or --arch-file");
  else if (!proxies || !*proxies) status = zc_cli_usage("score", "give --proxy P[,P...]");
  else if (batch_text && zc_cli_int_option("score", "--batch", batch_text, 1, G_MAXINT64, &batch))
    status = ZC_EXIT_USAGE;
  else if (jobs_text && zc_cli_int_option("score", "--jobs", jobs_text, 1, 1024, &jobs)) status = ZC_EXIT_USAGE;
  else if (no_cache && cache) status = zc_cli_usage("score", "give --cache or --no-cache, not both");
  else if (cache && !*cache) status = zc_cli_usage("score", "--cache needs a file name (--no-cache: no cache)");
  for (char **s = common.sets; status == ZC_EXIT_OK && s && *s; s++)
    if (g_str_has_prefix(*s, "proxies=") || g_str_has_prefix(*s, "proxies."))
      status = zc_cli_usage("score", "give the proxies and their options with --proxy NAME:KEY=VALUE,..., "
                                     "not --set %s", *s);

  GError *err = NULL;
  ZcRegistry *reg = NULL;
  ZcPipeline *p = NULL;
  ZcSpace *space = NULL;
  GPtrArray *archs = NULL;
  char **genotypes = NULL;
  ZcScoreResult res = {0};
  if (status == ZC_EXIT_OK) {
    reg = zc_cli_registry(&common);
    p = zc_cli_pipeline(NULL, &common, space_name, &err);
    if (p && !apply_cli(reg, p, proxies, data, batch, seed, &err)) g_clear_pointer(&p, zc_pipeline_free);
    space = p ? zc_cli_space(reg, p, &err) : NULL;
    if (space) {
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
    if (archs) {
      genotypes = g_new0(char *, archs->len + 1);
      for (guint i = 0; i < archs->len; i++) genotypes[i] = zc_space_format(space, g_ptr_array_index(archs, i));
      ZcRunSettings st = {.jobs = (int)jobs, .quiet = common.quiet, .cache_path = cache, .no_cache = no_cache,
                          .backend = backend};
      if (!zc_run_score(reg, p, &st, (const char *const *)genotypes, archs->len, &res, &err))
        status = zc_cli_fail(zc_cli_status_for(err), err);
    } else {
      status = zc_cli_fail(zc_cli_status_for(err), err);
    }
  }
  if (status == ZC_EXIT_OK) {
    GString *line = g_string_new("arch");
    for (guint k = 0; k < res.n_scores; k++) {
      g_string_append_c(line, ',');
      zc_csv_append_field(line, res.names[k]);
    }
    puts(line->str);
    for (guint i = 0; i < res.n; i++) {
      g_string_truncate(line, 0);
      zc_csv_append_field(line, genotypes[i]);
      for (guint k = 0; k < res.n_scores; k++) {
        g_string_append_c(line, ',');
        zc_csv_append_double(line, res.scores[(gsize)i * res.n_scores + k]);
      }
      puts(line->str);
      /* failures and degenerate scores were reported while scoring */
      for (guint j = 0; j < res.n_proxies; j++)
        if (res.status[(gsize)i * res.n_proxies + j] == ZC_STATUS_NAN && !common.quiet)
          fprintf(stderr, "zcnas: warning: %s on %s: NaN or infinite score\n", res.proxies[j], genotypes[i]);
    }
    fflush(stdout);
    g_string_free(line, TRUE);
  }
  zc_score_result_clear(&res);
  g_strfreev(genotypes);
  if (archs) {
    for (guint i = 0; i < archs->len; i++) zc_space_arch_free(space, g_ptr_array_index(archs, i));
    g_ptr_array_unref(archs);
  }
  g_clear_error(&err);
  zc_space_free(space);
  zc_pipeline_free(p);
  zc_registry_free(reg);
  g_free(space_name);
  g_free(arch_file);
  g_free(proxies);
  g_free(data);
  g_free(cache);
  g_strfreev(arch);
  g_free(batch_text);
  g_free(jobs_text);
  g_free(backend);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
