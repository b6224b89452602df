/* zcnas select: LIBRA-NAS proxy selection from a labelled score table, the pipeline
 * experiment "select" (core/experiments/select.c) with its settings as flags. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/run.h>
#include "cli.h"

/* "select.KEY=\"VALUE\"", the value in libconfig string escapes */
static char *set_string(const char *key, const char *value) {
  GString *s = g_string_new(NULL);
  g_string_printf(s, "select.%s=\"", key);
  for (const char *c = value; *c; c++) {
    if (*c == '"' || *c == '\\') g_string_append_c(s, '\\');
    g_string_append_c(s, *c);
  }
  g_string_append_c(s, '"');
  return g_string_free(s, FALSE);
}

static char *set_double(const char *key, double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr(buf, sizeof buf, v);
  gboolean plain = !strpbrk(buf, ".eEn");   /* an integer would be read as one */
  return g_strdup_printf("select.%s=%s%s", key, buf, plain ? ".0" : "");
}

int zc_cmd_select(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *metric = NULL, *key = NULL, *bias = NULL, *proxies = NULL, *binning = NULL, *fallback = NULL,
       *combine = NULL, *out = NULL, *bins = NULL;
  double log_base = NAN, window = NAN;
  gboolean lenient = FALSE;
  GOptionEntry entries[] = {
    {"metric", 'm', 0, G_OPTION_ARG_STRING, &metric, "Column of the accuracy (required)", "COLUMN"},
    {"key", 'k', 0, G_OPTION_ARG_STRING, &key, "Column of architecture keys (default arch_str)", "COLUMN"},
    {"bias", 0, 0, G_OPTION_ARG_STRING, &bias, "Column the bias is measured against (default params)", "COLUMN"},
    {"proxies", 'p', 0, G_OPTION_ARG_STRING, &proxies,
     "Candidate columns, comma-separated (default: the columns named after a proxy plugin)", "A,B,..."},
    {"bins", 0, 0, G_OPTION_ARG_STRING, &bins, "Histogram bins per variable (default 24)", "N"},
    {"binning", 0, 0, G_OPTION_ARG_STRING, &binning, "width, quantile or sturges (default width)", "SCHEME"},
    {"log-base", 0, 0, G_OPTION_ARG_DOUBLE, &log_base, "Base of the entropy logarithm (default 2)", "B"},
    {"window", 'w', 0, G_OPTION_ARG_DOUBLE, &window, "Rho window below the best proxy (default 0.1)", "W"},
    {"fallback", 0, 0, G_OPTION_ARG_STRING, &fallback, "widen or fewer (default widen)", "RULE"},
    {"combine", 0, 0, G_OPTION_ARG_STRING, &combine, "logrank, ranksum or zsum, recorded for the search (default logrank)",
     "RULE"},
    {"lenient", 0, 0, G_OPTION_ARG_NONE, &lenient, "Skip bad rows with a warning instead of failing", NULL},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Directory for selection.json (default .)", "DIR"},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("TABLE.csv --metric COLUMN");
  g_option_context_set_summary(ctx, "Choose three zero-cost proxies from a table of proxy scores and accuracies\n"
                                    "(LIBRA-NAS; see docs/libra.md): z1 of highest Spearman rho, z2 of lowest\n"
                                    "information gain over z1 in the rho window, z3 of bias closest to the\n"
                                    "accuracy's.  Prints every candidate, writes DIR/selection.json.  A relative\n"
                                    "TABLE is looked up in the current directory, then in zcnas's data directory.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  gint64 nbins = 0;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  else if (argc != 2) status = zc_cli_usage("select", "give exactly one table");
  else if (!metric) status = zc_cli_usage("select", "give --metric COLUMN");
  else if (bins && zc_cli_int_option("select", "--bins", bins, 1, 1000000, &nbins)) status = ZC_EXIT_USAGE;

  /* the flags become settings of the experiment, before the --set lines */
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  if (status == ZC_EXIT_OK) {
    g_ptr_array_add(sets, g_strdup("experiment=\"select\""));
    g_ptr_array_add(sets, set_string("table", argv[1]));
    g_ptr_array_add(sets, set_string("metric", metric));
    const char *strings[][2] = {{"key", key}, {"bias", bias}, {"binning", binning}, {"fallback", fallback},
                                {"combine", combine}};
    for (gsize k = 0; k < G_N_ELEMENTS(strings); k++)
      if (strings[k][1]) g_ptr_array_add(sets, set_string(strings[k][0], strings[k][1]));
    if (bins) g_ptr_array_add(sets, g_strdup_printf("select.bins=%" G_GINT64_FORMAT, nbins));
    if (!isnan(log_base)) g_ptr_array_add(sets, set_double("log_base", log_base));
    if (!isnan(window)) g_ptr_array_add(sets, set_double("window", window));
    if (lenient) g_ptr_array_add(sets, g_strdup("select.lenient=true"));
    if (proxies) {
      GString *list = g_string_new("select.proxies=[");
      char **names = g_strsplit(proxies, ",", -1);
      for (char **n = names; *n; n++) {
        char *one = set_string("x", g_strstrip(*n));   /* select.x="NAME": keep the quoted part */
        g_string_append_printf(list, "%s%s", n == names ? "" : ",", strchr(one, '"'));
        g_free(one);
      }
      g_string_append_c(list, ']');
      g_strfreev(names);
      g_ptr_array_add(sets, g_string_free(list, FALSE));
    }
    for (char **s = common.sets; s && *s; s++) g_ptr_array_add(sets, g_strdup(*s));
    g_ptr_array_add(sets, NULL);
    GError *err = NULL;
    ZcRegistry *reg = zc_cli_registry(&common);
    ZcPipeline *p = zc_pipeline_load(NULL, (const char *const *)sets->pdata, &err);
    ZcRunSettings st = {.out_dir = out ? out : ".", .quiet = common.quiet, .report = stdout, .no_cache = TRUE};
    if (!p || !zc_run_pipeline(reg, p, &st, &err)) status = zc_cli_fail(zc_cli_status_for(err), err);
    g_clear_error(&err);
    zc_pipeline_free(p);
    zc_registry_free(reg);
  }
  g_ptr_array_unref(sets);
  g_free(metric);
  g_free(key);
  g_free(bias);
  g_free(proxies);
  g_free(bins);
  g_free(binning);
  g_free(fallback);
  g_free(combine);
  g_free(out);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
