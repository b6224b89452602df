/* zcnas layerstats: the offline statistics behind L-SWAG's layer selection (method.md
 * §2.3).  For N sampled networks at initialisation: one forward+backward with gradient
 * moments over K chunks of the batch (lswag's pass: K = 8 by default, or one gradient per
 * image), per weight layer the mean over its weights of
 * log sigma_w (sigma_w = std over the K gradients of |g_w|) and the layer's Lambda term
 * log(sum 1/sigma_w); each network's layers averaged per depth-percentile bin
 * (10 bins, lswag's rule), then mean and std over networks.  Writes layerstats.csv and,
 * with gnuplot, layerstats.png; prints the layer range the spike detector picks. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include <zcnas/eval.h>
#include <zcnas/rng.h>
#include <zcnas/run.h>
#include "../../plugins/proxies/layersel.h"
#include "cli.h"

#define BINS 10
#define NB (BINS + 1)

typedef struct {
  double sum[2][NB], sumsq[2][NB];
  guint n[NB];
} Acc;

/* Per-bin means of one network's layer statistics, added to the accumulators. */
static gboolean one_network(ZcEvalContext *ctx, ZcSpace *space, const ZcArch *a, gboolean real, int k, Acc *acc,
                            GError **error) {
  ZcEval *ev = zc_eval_new(ctx, space, a);
  ZcPassSpec spec = {0};
  spec.bn = ZC_BN_BATCH;
  spec.input = real ? ZC_INPUT_REAL : ZC_INPUT_GAUSSIAN;
  spec.init = ZC_INIT_SPACE;
  spec.init_arg = 1.0;
  spec.pass = ZC_PASS_LOSS;
  spec.moments_k = k;
  ZcNet *net;
  ZcWorkspace *ws;
  gboolean ok = zc_eval_run(ev, &spec, &net, &ws, error);
  if (ok) {
    double s[2][NB] = {{0}};
    guint c[NB] = {0};
    guint L = zc_net_n_layers(net);
    for (guint l = 0; l < L; l++) {
      ZcLayerInfo info;
      ZcLayerGradStat st;
      zc_net_layer(net, ws, l, &info);
      if (!zc_layersel_grad_stat(&info, TRUE, 0, &st) || !st.kept) continue;
      guint b = zc_layersel_bin(l + 1, L, BINS);
      s[0][b] += st.mean_log_sigma;
      s[1][b] += log(st.inv_sigma_sum);
      c[b]++;
    }
    for (guint b = 0; b < NB; b++) {
      if (!c[b]) continue;
      for (int q = 0; q < 2; q++) {
        double m = s[q][b] / c[b];
        acc->sum[q][b] += m;
        acc->sumsq[q][b] += m * m;
      }
      acc->n[b]++;
    }
  }
  zc_eval_free(ev);
  return ok;
}

static gboolean write_outputs(const Acc *acc, const char *dir, double *mean, gboolean *have, GError **error) {
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", dir, g_strerror(errno));
    return FALSE;
  }
  char *csv = g_build_filename(dir, "layerstats.csv", NULL);
  FILE *f = g_fopen(csv, "w");
  if (!f) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv, g_strerror(errno));
    g_free(csv);
    return FALSE;
  }
  fprintf(f, "bin,percentile,networks,mean_log_sigma,std_log_sigma,mean_lambda_term,std_lambda_term\n");
  for (guint b = 0; b < NB; b++) {
    double m[2] = {NAN, NAN}, sd[2] = {NAN, NAN};
    guint n = acc->n[b];
    for (int q = 0; q < 2 && n; q++) {
      m[q] = acc->sum[q][b] / n;
      sd[q] = sqrt(fmax(acc->sumsq[q][b] / n - m[q] * m[q], 0));
    }
    have[b] = n > 0;
    mean[b] = m[0];
    fprintf(f, "%u,%u,%u,%.9g,%.9g,%.9g,%.9g\n", b, b * (100 / BINS), n, m[0], sd[0], m[1], sd[1]);
  }
  fclose(f);
  if (!*ZC_GNUPLOT) {
    g_printerr("zcnas: warning: gnuplot was not found by configure: no layerstats.png\n");
    g_free(csv);
    return TRUE;
  }
  char *gp = g_build_filename(dir, "layerstats.gp", NULL);
  char *png = g_build_filename(dir, "layerstats.png", NULL);
  char *script = g_strdup_printf(
    "set terminal png size 900,600\nset output '%s'\nset datafile separator ','\nset key autotitle columnhead\n"
    "set multiplot layout 2,1\nset xlabel 'depth percentile bin'\nset xrange [-0.5:%d.5]\n"
    "set ylabel 'mean log sigma'\nplot '%s' using 1:4:5 with yerrorlines title 'log sigma (mean +- std over networks)'\n"
    "set ylabel 'log sum 1/sigma'\nplot '%s' using 1:6:7 with yerrorlines title 'Lambda term per layer'\n"
    "unset multiplot\n",
    png, BINS, csv, csv);
  gboolean ok = g_file_set_contents(gp, script, -1, error);
  if (ok) {
    char *argv[] = {(char *)ZC_GNUPLOT, gp, NULL};
    int status = 0;
    char *err_text = NULL;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_text, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL))
      g_printerr("zcnas: warning: gnuplot failed, no layerstats.png%s%s", err_text ? ": " : "\n",
                 err_text ? err_text : "");
    g_free(err_text);
  }
  g_free(script);
  g_free(gp);
  g_free(png);
  g_free(csv);
  return ok;
}

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
  else if (count < 1) status = zc_cli_usage("layerstats", "give --count N (N >= 1)");
  else if (subbatches < 0 || subbatches == 1 || subbatches > 64) status = zc_cli_usage("layerstats", "--subbatches must be 0 or 2..64");
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
    Acc acc;
    memset(&acc, 0, sizeof acc);
    ZcEvalContext *ectx = zc_eval_context_new(dataset, (guint)batch, (guint64)seed, zc_run_default_threads(1));
    ZcRng rng;
    zc_rng_init(&rng, (guint64)seed, zc_hash_str("zcnas layerstats"));
    for (gint64 i = 0; i < count && status == ZC_EXIT_OK; i++) {
      ZcArch *a = zc_space_sample(space, &rng, &err);
      if (!a || !one_network(ectx, space, a, dataset != NULL, (int)(subbatches ? subbatches : batch), &acc, &err))
        status = zc_cli_fail(ZC_EXIT_FAILURE, err);
      zc_space_arch_free(space, a);
      if (!common.quiet && (i + 1) % 10 == 0) g_printerr("\r%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, i + 1, count);
    }
    if (!common.quiet && count >= 10) g_printerr("\n");
    zc_eval_context_free(ectx);
    double mean[NB];
    gboolean have[NB];
    if (status == ZC_EXIT_OK && !write_outputs(&acc, out ? out : ".", mean, have, &err))
      status = zc_cli_fail(ZC_EXIT_FAILURE, err);
    if (status == ZC_EXIT_OK) {
      guint s, e;
      gboolean spikes = zc_layersel_spikes(mean, have, NB, ZC_LAYERSEL_SPIKE_THR, &s, &e);
      printf("bin,networks,mean_log_sigma\n");
      for (guint b = 0; b < NB; b++) printf("%u,%u,%.6g\n", b, acc.n[b], mean[b]);
      printf("suggested: layer_start=%u layer_end=%u (%s)\n", s, e,
             spikes ? "spike detector on mean log sigma, robust z > 2" : "no spike: all bins");
    }
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
