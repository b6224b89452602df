/* bench/proxies: what each zero-cost proxy costs, in units of one plain training step.
 *
 * On N architectures sampled (seeded) from a space, at batch B on real images:
 *   unit   = mean wall time of one forward + cross-entropy backward of the network
 *            (space init, BatchNorm on batch statistics; building it is not counted);
 *   proxy  = mean wall time per architecture of the real scorer with that proxy alone
 *            (it builds, initialises and runs what the proxy asks for);
 *   nbsz13 = the 13 NAS-Bench-Suite-Zero proxies in ONE scorer, so passes they share are
 *            run once.
 * Every scorer first scores one architecture untimed (workspace warm-up); each network is
 * timed R times (--reps, default 3) and the fastest kept.  The clock is the process CPU
 * time (all threads), so other jobs on a shared machine barely matter; --wall for wall time.  Proxies that
 * are not built are skipped with a note; a proxy that fails on this space is still timed
 * and its failures are counted.  The last line is
 *     lswag_units <x> nbsz13_units <y>
 * (nan where lswag, or every NBSZ proxy, is missing).
 *
 * Usage: bench/proxies [--toy] [-n N] [-b BATCH] [--threads T] [--reps R] [--wall] [--seed S] [--data SPEC]
 *                      [--plugin-path DIRS] [--proxies P,P,...]
 * Default: space nb201 (CIFAR-10 network), N = 20, B = 64, 1 thread, images from
 * share/data/cifar10_test2000.bin.  --toy uses the test suite's toy space (built by
 * `make check`) on Gaussian images. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include <zcnas/zcnas.h>
#include <zcnas/registry.h>
#include <zcnas/scorer.h>

static const char *const nbsz13[] = {"epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "l2_norm",
                                     "nwot", "params", "plain", "snip", "synflow", "zen", NULL};

typedef struct {
  ZcRegistry *reg;
  ZcSpace *space;
  ZcDataset *data;
  GPtrArray *archs;   /* ZcArch* */
  guint batch;
  guint64 seed;
  int threads;
  int reps;
} Bench;

/* Seconds on the chosen clock: CPU time of the whole process (all engine threads; not
 * disturbed by other processes on a shared machine), or wall time. */
static gboolean use_wall = FALSE;
static double now(void) {
  if (use_wall) return (double)g_get_monotonic_time() * 1e-6;
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Mean seconds of one forward + CE backward per architecture. */
static double unit_seconds(Bench *b, GError **error) {
  ZcEvalContext *ctx = zc_eval_context_new(b->data, b->batch, b->seed, b->threads);
  ZcWorkspace *ws = zc_workspace_new(b->threads);
  double total = 0;
  gboolean ok = TRUE;
  for (guint i = 0; i <= b->archs->len && ok; i++) {
    const ZcArch *a = g_ptr_array_index(b->archs, i == 0 ? 0 : i - 1);   /* i == 0: warm-up */
    ZcEval *ev = zc_eval_new(ctx, b->space, a);
    ZcBuildSpec bs = {sizeof bs, FALSE, zc_eval_seed(ev)};
    ZcNet *net = zc_space_build(b->space, a, &bs, error);
    const void *x;
    const gint32 *y;
    ok = net && zc_eval_batch(ev, ZC_INPUT_REAL, b->batch, 0, FALSE, &x, &y, error);
    if (ok) {
      zc_net_set_bn_mode(net, ZC_BN_BATCH);
      double best = INFINITY;
      for (int r = 0; r < b->reps && ok; r++) {
        double loss, t0 = now();
        ok = zc_net_forward(net, ws, x, (int)b->batch, error) &&
             zc_net_backward_loss(net, ws, ZC_LOSS_CE, y, &loss, 0, error);
        best = MIN(best, now() - t0);
      }
      if (i > 0) total += best;
    }
    zc_net_free(net);
    zc_eval_free(ev);
  }
  zc_workspace_free(ws);
  zc_eval_context_free(ctx);
  return ok ? total / b->archs->len : NAN;
}

/* Mean seconds per architecture of one scorer with `names`; failures counted. */
static double scorer_seconds(Bench *b, const char *const *names, guint *failed, GError **error) {
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)zc_proxy_free);
  for (guint i = 0; names[i]; i++) {
    const ZcPluginDesc *d = zc_registry_find(b->reg, ZC_KIND_PROXY, names[i]);
    ZcOptions *o = zc_options_from_strv(d->options, NULL, names[i], error);
    ZcProxy *p = o ? zc_proxy_new(d, o, error) : NULL;
    if (!p) {
      g_ptr_array_unref(list);
      return NAN;
    }
    g_ptr_array_add(list, p);
  }
  guint np = list->len;
  ZcScorer *sc = zc_scorer_new(list, b->seed, b->data, b->batch, b->threads);
  double *out = g_new(double, zc_scorer_layout(sc)->n_scores);
  ZcProxyResult *res = g_new0(ZcProxyResult, np);
  double total = 0;
  *failed = 0;
  for (guint i = 0; i <= b->archs->len; i++) {
    const ZcArch *a = g_ptr_array_index(b->archs, i == 0 ? 0 : i - 1);
    double best = INFINITY;
    for (int r = 0; r < b->reps; r++) {
      double t0 = now();
      zc_scorer_score(sc, b->space, a, out, res);
      best = MIN(best, now() - t0);
      for (guint k = 0; k < np; k++) {
        if (i > 0 && r == 0 && res[k].status == ZC_STATUS_FAILED) (*failed)++;
        zc_proxy_result_clear(&res[k]);
      }
    }
    if (i > 0) total += best;
  }
  g_free(res);
  g_free(out);
  zc_scorer_free(sc);
  return total / b->archs->len;
}

int main(int argc, char **argv) {
  gboolean toy = FALSE;
  int n = 20, batch = 64, threads = 1, reps = 3;
  gint64 seed = 0;
  char *data_spec = NULL, *plugin_path = NULL, *only = NULL;
  GOptionEntry entries[] = {
    {"toy", 0, 0, G_OPTION_ARG_NONE, &toy, "Use the toy space of the tests (Gaussian images)", NULL},
    {"n", 'n', 0, G_OPTION_ARG_INT, &n, "Architectures (default 20)", "N"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Batch size (default 64)", "B"},
    {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "Engine threads (default 1)", "T"},
    {"reps", 0, 0, G_OPTION_ARG_INT, &reps, "Timings per network, the fastest kept (default 3)", "R"},
    {"wall", 0, 0, G_OPTION_ARG_NONE, &use_wall, "Time wall clock instead of the process CPU time", NULL},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Sample and run seed (default 0)", "S"},
    {"data", 0, 0, G_OPTION_ARG_STRING, &data_spec, "Data spec (default cifar10:share/data/cifar10_test2000.bin)", "SPEC"},
    {"plugin-path", 0, 0, G_OPTION_ARG_STRING, &plugin_path, "Plugin directories (default: the build tree's)", "DIRS"},
    {"proxies", 0, 0, G_OPTION_ARG_STRING, &only, "Time only these proxies alone (default: every proxy built)", "P,P"},
    {NULL}};
  GError *err = NULL;
  GOptionContext *oc = g_option_context_new("- cost of each proxy in forward+backward units");
  g_option_context_add_main_entries(oc, entries, NULL);
  if (!g_option_context_parse(oc, &argc, &argv, &err) || n < 1 || batch < 1 || threads < 1 || reps < 1) {
    fprintf(stderr, "bench/proxies: %s\n", err ? err->message : "n, batch, threads and reps must be >= 1");
    return 2;
  }
  g_option_context_free(oc);
  openblas_set_num_threads(1);   /* as the zcnas program: our threads, single-threaded GEMMs */

  Bench b = {0};
  b.batch = (guint)batch;
  b.seed = (guint64)seed;
  b.threads = threads;
  b.reps = reps;
  b.reg = zc_registry_new();
  zc_registry_scan(b.reg, plugin_path ? plugin_path
                                      : ZC_ABS_BUILDDIR "/plugins/proxies/.libs:" ZC_ABS_BUILDDIR
                                        "/plugins/spaces/.libs:" ZC_ABS_BUILDDIR "/tests/plugins/.libs");
  const char *space_name = toy ? "toy" : "nb201";
  const ZcPluginDesc *sd = zc_registry_find(b.reg, ZC_KIND_SPACE, space_name);
  if (!sd) {
    fprintf(stderr, "bench/proxies: space '%s' is not built%s\n", space_name,
            toy ? " (the toy space comes with `make check`)" : "; try --toy");
    return 1;
  }
  const char *toy_set[] = {"classes=10", "resolution=32", NULL};
  ZcOptions *so = zc_options_from_strv(sd->options, toy ? toy_set : NULL, space_name, &err);
  if (!so || !(b.space = zc_space_new(sd, so, &err))) {
    fprintf(stderr, "bench/proxies: %s\n", err->message);
    return 1;
  }
  char *spec = data_spec ? g_strdup(data_spec)
               : toy     ? g_strdup("gaussian(classes=10):3x32x32")
                         : g_strdup("cifar10:" ZC_ABS_SRCDIR "/share/data/cifar10_test2000.bin");
  if (!(b.data = zc_dataset_open(spec, NULL, &err))) {
    fprintf(stderr, "bench/proxies: %s\n", err->message);
    return 1;
  }
  b.archs = g_ptr_array_new();
  ZcRng rng;
  zc_rng_init(&rng, b.seed, G_GUINT64_CONSTANT(0x62656e6368));   /* "bench" */
  for (int i = 0; i < n; i++) {
    ZcArch *a = zc_space_sample(b.space, &rng, &err);
    if (!a) {
      fprintf(stderr, "bench/proxies: %s\n", err->message);
      return 1;
    }
    g_ptr_array_add(b.archs, a);
  }
  printf("# space %s, %d architectures, batch %d, %d thread(s), fastest of %d timings, %s time, data %s\n", space_name, n,
         batch, threads, reps, use_wall ? "wall" : "process CPU", spec);

  double unit = unit_seconds(&b, &err);
  if (isnan(unit)) {
    fprintf(stderr, "bench/proxies: plain forward+backward failed: %s\n", err->message);
    return 1;
  }
  printf("# unit = one forward + CE backward: %.4f s per network\n", unit);
  printf("%-14s %12s %10s %8s\n", "proxy", "s/network", "units", "failed");

  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  if (only) {
    char **v = g_strsplit(only, ",", -1);
    for (char **p = v; *p; p++) g_ptr_array_add(names, g_strdup(*p));
    g_strfreev(v);
  } else {
    GPtrArray *all = zc_registry_list(b.reg, ZC_KIND_PROXY);
    for (guint i = 0; i < all->len; i++) {
      const ZcPluginDesc *d = g_ptr_array_index(all, i);
      if (!strstr(zc_registry_origin(b.reg, d), "/tests/plugins/")) g_ptr_array_add(names, g_strdup(d->name));   /* not the test suite's */
    }
    g_ptr_array_unref(all);
  }
  double lswag_units = NAN;
  for (guint i = 0; i < names->len; i++) {
    const char *name = g_ptr_array_index(names, i);
    if (!zc_registry_find(b.reg, ZC_KIND_PROXY, name)) {
      printf("%-14s %12s %10s %8s   (not built: skipped)\n", name, "-", "-", "-");
      continue;
    }
    const char *one[] = {name, NULL};
    guint failed;
    double s = scorer_seconds(&b, one, &failed, &err);
    if (isnan(s)) {
      printf("%-14s %12s %10s %8s   (%s)\n", name, "-", "-", "-", err->message);
      g_clear_error(&err);
      continue;
    }
    printf("%-14s %12.4f %10.3f %5u/%-3d\n", name, s, s / unit, failed, n);
    if (!strcmp(name, "lswag")) lswag_units = s / unit;
    fflush(stdout);
  }

  /* the 13 NBSZ proxies in one scorer */
  GPtrArray *present = g_ptr_array_new();
  GString *missing = g_string_new(NULL);
  for (guint i = 0; nbsz13[i]; i++) {
    if (zc_registry_find(b.reg, ZC_KIND_PROXY, nbsz13[i])) g_ptr_array_add(present, (gpointer)nbsz13[i]);
    else g_string_append_printf(missing, " %s", nbsz13[i]);
  }
  g_ptr_array_add(present, NULL);
  double nbsz_units = NAN;
  if (present->len > 1) {
    guint failed;
    double s = scorer_seconds(&b, (const char *const *)present->pdata, &failed, &err);
    if (!isnan(s)) nbsz_units = s / unit;
    printf("%-14s %12.4f %10.3f %5u/%-3d   (%u of 13 NBSZ proxies in one scorer)\n", "nbsz13", s, nbsz_units,
           failed, (int)(n * (present->len - 1)), present->len - 1);
  }
  if (missing->len) printf("# not built, left out of nbsz13:%s\n", missing->str);
  if (isnan(lswag_units)) printf("# lswag is not built\n");
  printf("lswag_units %.4g nbsz13_units %.4g\n", lswag_units, nbsz_units);

  g_string_free(missing, TRUE);
  g_ptr_array_unref(present);
  g_ptr_array_unref(names);
  for (guint i = 0; i < b.archs->len; i++) zc_space_arch_free(b.space, g_ptr_array_index(b.archs, i));
  g_ptr_array_unref(b.archs);
  zc_dataset_free(b.data);
  zc_space_free(b.space);
  zc_registry_free(b.reg);
  g_free(spec);
  g_free(data_spec);
  g_free(plugin_path);
  g_free(only);
  return 0;
}
