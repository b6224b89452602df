/* Running a pipeline's experiment: the settings every experiment shares (data, output,
 * jobs, cache), then search.c or correlate.c.  See zcnas/run.h. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include "experiment.h"
#include "ranks.h"

const ZcOption zc_data_schema[] = {
  {"spec", ZC_OPT_STRING, "", 0, 0, NULL,
   "input data: cifar10:PATH, cifar100:PATH, fmnist:PATH or gaussian:CxHxW (docs/data.md); empty: none"},
  {"batch", ZC_OPT_INT, "64", 1, 4096, NULL, "images per batch"},
  {NULL},
};

const ZcOption zc_output_schema[] = {
  {"dir", ZC_OPT_STRING, "zcnas-out", 0, 0, NULL, "directory for the result files"},
  {"top", ZC_OPT_INT, "10", 1, 1000000, NULL, "rows of the result table printed (search)"},
  {"bootstrap", ZC_OPT_INT, "1000", 0, 1000000, NULL, "bootstrap replicates for the intervals; 0: none (correlate)"},
  {"level", ZC_OPT_FLOAT, "0.95", 0.5, 0.999, NULL, "confidence level of the intervals (correlate)"},
  {"precision", ZC_OPT_INT_LIST, "[5, 10]", 1, 100, NULL, "precision at the top k % of the ground truth (correlate)"},
  {"plots", ZC_OPT_BOOL, "true", 0, 0, NULL, "draw PNG plots with gnuplot when it is installed (correlate)"},
  {"nan_policy", ZC_OPT_CHOICE, "skip", 0, 0, "skip|last",
   "a failed or NaN score: skip (leave the architecture out) or last (rank it below all others, as "
   "NAS-Bench-Suite-Zero does) (correlate)"},
  {NULL},
};

const ZcOption zc_sample_schema[] = {
  {"count", ZC_OPT_INT, "100", 0, 1000000000, NULL, "architectures drawn from those the benchmark covers; 0: all"},
  {"seed", ZC_OPT_INT, "-1", -1, 4611686018427387904.0, NULL, "seed of the draw; -1: the pipeline's seed"},
  {NULL},
};

gboolean zc_run_open_data(const ZcOptions *data_opts, const char *base_dir, ZcDataset **out, GError **error) {
  const char *spec = zc_options_string(data_opts, "spec");
  *out = NULL;
  if (!*spec) return TRUE;
  GError *err = NULL;
  *out = zc_dataset_open(spec, base_dir, &err);
  if (!*out) {
    g_propagate_prefixed_error(error, err, "%s: ", zc_options_origin(data_opts, "spec"));
    return FALSE;
  }
  return TRUE;
}

int zc_run_default_threads(int jobs) {
  int n = (int)g_get_num_processors() / MAX(jobs, 1);
  return MAX(n, 1);
}

config_setting_t *zc_run_require(const ZcRunCtx *ctx, const char *experiment, const char *key, GError **error) {
  config_setting_t *s = zc_pipeline_lookup(ctx->p, key);
  if (!s)
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: experiment \"%s\" needs '%s'", ctx->file, experiment, key);
  return s;
}

char *zc_run_file_sha256(const char *path, GError **error) {
  GMappedFile *m = g_mapped_file_new(path, FALSE, error);
  if (!m) return NULL;
  char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)g_mapped_file_get_contents(m),
                                          g_mapped_file_get_length(m));
  g_mapped_file_unref(m);
  return hex;
}

static gint64 pipeline_int(const ZcPipeline *p, const char *path, gint64 def) {
  config_setting_t *s = zc_pipeline_lookup(p, path);
  return s ? config_setting_get_int64(s) : def;
}

/* --no-cache, --cache FILE, the pipeline's `cache` (relative to its directory), or the
 * user's default cache. */
static gboolean open_cache(ZcRunCtx *ctx, GError **error) {
  if (ctx->st->no_cache) return TRUE;
  char *path = NULL;
  config_setting_t *s = zc_pipeline_lookup(ctx->p, "cache");
  if (ctx->st->cache_path) path = g_strdup(ctx->st->cache_path);
  else if (s && ctx->base_dir && !g_path_is_absolute(config_setting_get_string(s)))
    path = g_build_filename(ctx->base_dir, config_setting_get_string(s), NULL);
  else if (s) path = g_strdup(config_setting_get_string(s));
  GError *err = NULL;
  ctx->cache = zc_cache_open(path, &err);
  g_free(path);
  if (!ctx->cache) {
    if (s && !ctx->st->cache_path) {
      char *origin = zc_setting_origin(s);
      g_propagate_prefixed_error(error, err, "%s: cache: ", origin);
      g_free(origin);
    } else {
      g_propagate_prefixed_error(error, err, "score cache: ");
    }
    return FALSE;
  }
  return TRUE;
}


/* ---- inputs of the run: never overwritten by its outputs ---------------------------- */

typedef struct {
  dev_t dev;
  ino_t ino;
  char *what;   /* "benchmark table /path/x.csv" */
} ZcRunInput;

static void input_clear(gpointer p) { g_free(((ZcRunInput *)p)->what); }

void zc_run_add_input(ZcRunCtx *ctx, const char *what, const char *path) {
  GStatBuf sb;
  if (!path || !*path || g_stat(path, &sb) != 0) return;
  if (!ctx->inputs) {
    ctx->inputs = g_array_new(FALSE, TRUE, sizeof(ZcRunInput));
    g_array_set_clear_func(ctx->inputs, input_clear);
  }
  ZcRunInput in = {sb.st_dev, sb.st_ino, g_strdup_printf("%s %s", what, path)};
  g_array_append_val(ctx->inputs, in);
}

gboolean zc_run_guard_outputs(const ZcRunCtx *ctx, const char *const *names, GError **error) {
  for (; ctx->inputs && *names; names++) {
    char *path = g_build_filename(ctx->dir, *names, NULL);
    GStatBuf sb;
    const ZcRunInput *hit = NULL;
    if (g_stat(path, &sb) == 0)
      for (guint i = 0; i < ctx->inputs->len && !hit; i++) {
        const ZcRunInput *in = &g_array_index(ctx->inputs, ZcRunInput, i);
        if (in->dev == sb.st_dev && in->ino == sb.st_ino) hit = in;
      }
    if (hit)
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "%s: writing this output would overwrite the %s, an input of this run; "
                  "choose another output directory (--out or output.dir)",
                  path, hit->what);
    g_free(path);
    if (hit) return FALSE;
  }
  return TRUE;
}

/* The file behind data.spec KIND:PATH (resolved as zc_dataset_open does); NULL for
 * generated data. */
static char *data_file(const ZcOptions *data_opts, const char *base_dir) {
  const char *spec = zc_options_string(data_opts, "spec");
  const char *colon = strchr(spec, ':');
  if (!colon || g_str_has_prefix(spec, "gaussian:")) return NULL;
  const char *arg = colon + 1;
  return base_dir && !g_path_is_absolute(arg) ? g_build_filename(base_dir, arg, NULL) : g_strdup(arg);
}

static const char *const experiments[] = {"search", "correlate", "layerstats", NULL};

gboolean zc_run_pipeline(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *st, GError **error) {
  config_setting_t *exp = zc_pipeline_lookup(p, "experiment");
  const char *experiment = exp ? config_setting_get_string(exp) : NULL;
  const char *file = zc_pipeline_file(p) ? zc_pipeline_file(p) : "pipeline";
  char *known = g_strjoinv(", ", (char **)experiments);
  gboolean ok = TRUE;
  if (!experiment) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: no experiment = \"...\" (known: %s)", file, known);
    ok = FALSE;
  } else if (!g_strv_contains(experiments, experiment)) {
    char *origin = zc_setting_origin(exp);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: unknown experiment '%s' (known: %s)", origin, experiment, known);
    g_free(origin);
    ok = FALSE;
  }
  g_free(known);
  gint64 jobs = st->jobs ? st->jobs : pipeline_int(p, "jobs", 1);
  if (ok && (jobs < 1 || jobs > 1024)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: jobs must be in 1..1024, not %" G_GINT64_FORMAT, file, jobs);
    ok = FALSE;
  }
  if (!ok) {
    zc_mpi_release();
    return FALSE;
  }
  ZcRunCtx ctx = {.reg = reg, .p = p, .st = st, .file = file, .jobs = (int)jobs};
  ctx.seed = (guint64)pipeline_int(p, "seed", 0);
  ctx.leader = zc_run_mpi_rank() == 0;
  ctx.base_dir = zc_pipeline_file(p) ? g_path_get_dirname(zc_pipeline_file(p)) : NULL;
  ctx.data_opts = zc_options_resolve(zc_data_schema, zc_pipeline_lookup(p, "data"), "data", NULL, error);
  ctx.output_opts = ctx.data_opts ? zc_options_resolve(zc_output_schema, zc_pipeline_lookup(p, "output"), "output",
                                                       NULL, error)
                                  : NULL;
  ok = ctx.output_opts != NULL;
  if (ok) {
    ctx.batch = (guint)zc_options_int(ctx.data_opts, "batch");
    ctx.dir = st->out_dir ? st->out_dir : zc_options_string(ctx.output_opts, "dir");
  }
  if (ok && ctx.leader && g_mkdir_with_parents(ctx.dir, 0755) != 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot create output directory: %s", ctx.dir, g_strerror(errno));
    ok = FALSE;
  }
  if (ok) ok = zc_run_open_data(ctx.data_opts, ctx.base_dir, &ctx.dataset, error);
  if (ok && ctx.leader) ok = open_cache(&ctx, error);
  if (ok && ctx.leader) {
    char *data = data_file(ctx.data_opts, ctx.base_dir);
    zc_run_add_input(&ctx, "pipeline file", zc_pipeline_file(p));
    zc_run_add_input(&ctx, "data file", data);
    if (ctx.cache) zc_run_add_input(&ctx, "score cache", zc_cache_path(ctx.cache));
    g_free(data);
  }
  if (ok) {
    if (!strcmp(experiment, "search")) ok = zc_experiment_search(&ctx, error);
    else if (!strcmp(experiment, "correlate")) ok = zc_experiment_correlate(&ctx, error);
    else ok = zc_experiment_layerstats(&ctx, error);
  }
  zc_mpi_release();
  if (ctx.cache) {
    GError *err = NULL;
    if (!zc_cache_close(ctx.cache, ok ? &err : NULL) && ok) {
      g_propagate_prefixed_error(error, err, "score cache: ");
      ok = FALSE;
    }
  }
  if (ctx.inputs) g_array_unref(ctx.inputs);
  zc_dataset_free(ctx.dataset);
  zc_options_free(ctx.output_opts);
  zc_options_free(ctx.data_opts);
  g_free(ctx.base_dir);
  return ok;
}
