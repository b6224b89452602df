/* Per-depth-percentile gradient statistics of sampled networks: see zcnas/layerstats.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include <zcnas/eval.h>
#include <zcnas/layersel.h>
#include <zcnas/layerstats.h>
#include <zcnas/rng.h>

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

gboolean zc_layerstats_run(ZcSpace *space, ZcDataset *data, const ZcLayerstatsSettings *s, guint *start, guint *end,
                           GError **error) {
  if (s->subbatches < 0 || s->subbatches == 1 || s->subbatches > 64 || s->batch < 2 ||
      s->batch < (guint)s->subbatches || (!s->subbatches && s->batch > 64)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "layerstats: subbatches must be 0 or 2..64 and at most the batch (batch <= 64 with 0), not %d with batch %u",
                s->subbatches, s->batch);
    return FALSE;
  }
  Acc acc;
  memset(&acc, 0, sizeof acc);
  ZcEvalContext *ectx = zc_eval_context_new(data, s->batch, s->seed, s->threads);
  ZcRng rng;
  zc_rng_init(&rng, s->seed, zc_hash_str("zcnas layerstats"));
  gboolean ok = TRUE;
  for (guint i = 0; i < s->count && ok; i++) {
    ZcArch *a = zc_space_sample(space, &rng, error);
    ok = a && one_network(ectx, space, a, data != NULL, s->subbatches ? s->subbatches : (int)s->batch, &acc, error);
    zc_space_arch_free(space, a);
    if (!s->quiet && (i + 1) % 10 == 0) g_printerr("\rlayerstats: %u/%u", i + 1, s->count);
  }
  if (!s->quiet && s->count >= 10) g_printerr("\n");
  zc_eval_context_free(ectx);
  double mean[NB];
  gboolean have[NB];
  if (ok) ok = write_outputs(&acc, s->out_dir, mean, have, error);
  if (ok) {
    gboolean spikes = zc_layersel_spikes(mean, have, NB, ZC_LAYERSEL_SPIKE_THR, start, end);
    if (s->report) {
      fprintf(s->report, "bin,networks,mean_log_sigma\n");
      for (guint b = 0; b < NB; b++) fprintf(s->report, "%u,%u,%.6g\n", b, acc.n[b], mean[b]);
      fprintf(s->report, "suggested: layer_start=%u layer_end=%u (%s)\n", *start, *end,
              spikes ? "spike detector on mean log sigma, robust z > 2" : "no spike: all bins");
    }
  }
  return ok;
}
