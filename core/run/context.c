/* The run context every experiment works with: see context.h.  Below the experiments,
 * so that they depend on it and not on the runner that calls them (experiment.c). */
#include "config.h"
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include "context.h"

/* The settings every experiment shares (zcnas/run.h). */
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
  {"ndcg", ZC_OPT_INT_LIST, "[1000]", 1, 1000000000, NULL,
   "nDCG at the top k (a count; gain 2^accuracy - 1, as VKDNW; docs/experiments.md) (correlate)"},
  {"hit", ZC_OPT_INT_LIST, "[10]", 1, 1000000000, NULL,
   "top-k hit rate: share of the true top k (a count) in the proxy's top k (correlate)"},
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

char *zc_run_data_file(const ZcOptions *data_opts, const char *base_dir) {
  const char *spec = zc_options_string(data_opts, "spec");
  const char *colon = strchr(spec, ':');
  if (!colon || g_str_has_prefix(spec, "gaussian:")) return NULL;
  const char *arg = colon + 1;
  return base_dir && !g_path_is_absolute(arg) ? g_build_filename(base_dir, arg, NULL) : g_strdup(arg);
}

int zc_run_default_threads(int jobs) {
  int n = (int)g_get_num_processors() / MAX(jobs, 1);
  return MAX(n, 1);
}

config_setting_t *zc_run_lookup(const ZcRunCtx *ctx, const char *key) {
  config_setting_t *s = ctx->scope ? config_setting_lookup((config_setting_t *)ctx->scope, key) : NULL;
  return s ? s : zc_pipeline_lookup(ctx->p, key);
}

config_setting_t *zc_run_require(const ZcRunCtx *ctx, const char *experiment, const char *key, GError **error) {
  config_setting_t *s = zc_run_lookup(ctx, key);
  if (!s && ctx->scope) {
    char *origin = zc_setting_origin(ctx->scope);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: this task of the suite needs '%s' (in the task or at the top level)",
                origin, key);
    g_free(origin);
  } else if (!s) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: experiment \"%s\" needs '%s'", ctx->file, experiment, key);
  }
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

GArray *zc_run_inputs_dup(const GArray *inputs) {
  if (!inputs) return NULL;
  GArray *out = g_array_sized_new(FALSE, TRUE, sizeof(ZcRunInput), inputs->len);
  g_array_set_clear_func(out, input_clear);
  for (guint i = 0; i < inputs->len; i++) {
    ZcRunInput in = g_array_index(inputs, ZcRunInput, i);
    in.what = g_strdup(in.what);
    g_array_append_val(out, in);
  }
  return out;
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


char *zc_run_safe_name(const char *s) {
  char *out = g_strdup(s);
  for (char *c = out; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '-' && *c != '.' && *c != '_') *c = '_';
  return out;
}
