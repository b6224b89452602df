/* Running a pipeline's experiment: the settings every experiment shares (data, output,
 * jobs, cache; schemas in core/run/context.c), then search.c, correlate.c,
 * layerstats_experiment.c or select.c.  See zcnas/run.h. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include "experiment.h"
#include "ranks.h"
#include "workers.h"
#include "base/pipeline-private.h"

static gint64 pipeline_int(const ZcPipeline *p, const char *path, gint64 def) {
  config_setting_t *s = zc_pipeline_lookup(p, path);
  return s ? config_setting_get_int64(s) : def;
}

/* --jobs, else the pipeline's `jobs`, else 1; `what` prefixes the message. */
static gboolean run_jobs(const ZcPipeline *p, const ZcRunSettings *st, const char *what, int *jobs, GError **error) {
  gint64 j = st->jobs ? st->jobs : pipeline_int(p, "jobs", 1);
  if (j < 1 || j > 1024) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%sjobs must be in 1..1024, not %" G_GINT64_FORMAT, what, j);
    return FALSE;
  }
  *jobs = (int)j;
  return TRUE;
}

/* --backend, else the pipeline's `backend`, else the default; `what` prefixes the message. */
static gboolean run_backend(const ZcPipeline *p, const ZcRunSettings *st, const char *what, const char **backend,
                            GError **error) {
  config_setting_t *s = st->backend ? NULL : zc_pipeline_lookup(p, "backend");
  *backend = st->backend ? st->backend : s ? config_setting_get_string(s) : zc_backend_default();
  GError *err = NULL;
  if (zc_backend_check(*backend, &err)) return TRUE;
  char *origin = s ? zc_setting_origin(s) : NULL;
  if (origin) g_propagate_prefixed_error(error, err, "%s: ", origin);
  else g_propagate_prefixed_error(error, err, "%s", st->backend ? "--backend: " : what);
  g_free(origin);
  return FALSE;
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

/* Close the run's cache; its error counts only when the run went well so far. */
static gboolean close_cache(ZcRunCtx *ctx, gboolean ok, GError **error) {
  if (!ctx->cache) return ok;
  GError *err = NULL;
  if (!zc_cache_close(ctx->cache, ok ? &err : NULL) && ok) {
    g_propagate_prefixed_error(error, err, "score cache: ");
    return FALSE;
  }
  return ok;
}

static const char *const experiments[] = {"search", "compare", "select", "correlate", "suite", "layerstats", NULL};

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
  char *what = g_strdup_printf("%s: ", file);
  int jobs = 0;
  const char *backend = NULL;
  ok = ok && run_jobs(p, st, what, &jobs, error) && run_backend(p, st, what, &backend, error);
  g_free(what);
  if (!ok) {
    zc_mpi_release();
    return FALSE;
  }
  ZcRunCtx ctx = {.reg = reg, .p = p, .st = st, .file = file, .jobs = jobs, .backend = backend};
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
  /* select reads a table and scores nothing: no cache */
  if (ok && ctx.leader && strcmp(experiment, "select")) ok = open_cache(&ctx, error);
  if (ok && ctx.leader) {
    char *data = zc_run_data_file(ctx.data_opts, ctx.base_dir);
    zc_run_add_input(&ctx, "pipeline file", zc_pipeline_file(p));
    zc_run_add_input(&ctx, "data file", data);
    if (ctx.cache) zc_run_add_input(&ctx, "score cache", zc_cache_path(ctx.cache));
    g_free(data);
  }
  if (ok) {
    if (!strcmp(experiment, "search")) ok = zc_experiment_search(&ctx, error);
    else if (!strcmp(experiment, "compare")) ok = zc_experiment_compare(&ctx, error);
    else if (!strcmp(experiment, "correlate")) ok = zc_experiment_correlate(&ctx, error);
    else if (!strcmp(experiment, "select")) ok = zc_experiment_select(&ctx, error);
    else if (!strcmp(experiment, "suite")) ok = zc_experiment_suite(&ctx, error);
    else ok = zc_experiment_layerstats(&ctx, error);
  }
  zc_mpi_release();
  ok = close_cache(&ctx, ok, error);
  if (ctx.inputs) g_array_unref(ctx.inputs);
  zc_dataset_free(ctx.dataset);
  zc_options_free(ctx.output_opts);
  zc_options_free(ctx.data_opts);
  g_free(ctx.base_dir);
  return ok;
}

/* ---- proxies from the command line; scoring a list (zcnas score) -------------------- */

/* One KEY=VALUE of a proxy, typed by the proxy's schema. */
static gboolean add_proxy_option(config_setting_t *group, const ZcPluginDesc *desc, const char *key,
                                 const char *value, GError **error) {
  const ZcOption *o = NULL;
  for (const ZcOption *x = desc->options; x && x->name && !o; x++)
    if (!strcmp(x->name, key)) o = x;
  if (!o || !strcmp(key, "name")) {
    GString *known = g_string_new(NULL);
    for (const ZcOption *x = desc->options; x && x->name; x++)
      g_string_append_printf(known, "%s%s", known->len ? ", " : "", x->name);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxy '%s' has no option '%s' (options: %s)", desc->name, key,
                known->len ? known->str : "none");
    g_string_free(known, TRUE);
    return FALSE;
  }
  char *end = NULL;
  config_setting_t *s = NULL;
  gboolean ok = TRUE;
  switch (o->type) {
  case ZC_OPT_INT: {
    gint64 v = g_ascii_strtoll(value, &end, 10);
    ok = *value && !*end && (s = config_setting_add(group, key, CONFIG_TYPE_INT64)) && config_setting_set_int64(s, v);
    break;
  }
  case ZC_OPT_FLOAT: {
    double v = g_ascii_strtod(value, &end);
    ok = *value && !*end && (s = config_setting_add(group, key, CONFIG_TYPE_FLOAT)) && config_setting_set_float(s, v);
    break;
  }
  case ZC_OPT_BOOL: {
    int v = !g_ascii_strcasecmp(value, "true") || !strcmp(value, "1") ? 1
            : !g_ascii_strcasecmp(value, "false") || !strcmp(value, "0") ? 0 : -1;
    ok = v >= 0 && (s = config_setting_add(group, key, CONFIG_TYPE_BOOL)) && config_setting_set_bool(s, v);
    break;
  }
  case ZC_OPT_STRING:
  case ZC_OPT_PATH:
  case ZC_OPT_CHOICE:
    ok = (s = config_setting_add(group, key, CONFIG_TYPE_STRING)) && config_setting_set_string(s, value);
    break;
  case ZC_OPT_INT_LIST: {   /* items separated by ';' (',' separates options) */
    ok = (s = config_setting_add(group, key, CONFIG_TYPE_LIST)) != NULL;
    char **items = g_strsplit(value, ";", -1);
    for (char **it = items; ok && *it; it++) {
      gint64 v = g_ascii_strtoll(*it, &end, 10);
      config_setting_t *e = NULL;
      ok = **it && !*end && (e = config_setting_add(s, NULL, CONFIG_TYPE_INT64)) && config_setting_set_int64(e, v);
    }
    g_strfreev(items);
    break;
  }
  }
  if (!ok)
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxy '%s': option '%s': '%s' is not a valid %s", desc->name, key,
                value, o->type == ZC_OPT_INT ? "integer" : o->type == ZC_OPT_FLOAT ? "number"
                       : o->type == ZC_OPT_BOOL ? "boolean (true or false)" : o->type == ZC_OPT_INT_LIST ? "list of integers (a;b)" : "value");
  return ok;
}

gboolean zc_run_set_proxies(const ZcRegistry *reg, ZcPipeline *p, const char *spec, GError **error) {
  config_setting_t *old = zc_pipeline_lookup(p, "proxies");
  if (old && config_setting_type(old) != CONFIG_TYPE_LIST) config_setting_remove(config_setting_parent(old), "proxies");
  if (!zc_pipeline_set(p, "proxies=[]", error)) return FALSE;
  config_setting_t *list = zc_pipeline_lookup(p, "proxies");
  char *text = g_strdup(spec);
  g_strstrip(text);
  if (text[0] == '[' && text[strlen(text) - 1] == ']') {   /* proxies=[a,b] as before */
    text[strlen(text) - 1] = '\0';
    memmove(text, text + 1, strlen(text));
  }
  if (strpbrk(text, "[]")) {   /* what is left of a bracket pair is unbalanced */
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxies '%s': unbalanced [ ]", spec);
    g_free(text);
    return FALSE;
  }
  char **items = g_strsplit(text, ",", -1);
  config_setting_t *group = NULL;
  const ZcPluginDesc *desc = NULL;
  gboolean ok = TRUE;
  for (char **it = items; ok && *it; it++) {
    char *item = g_strstrip(*it);
    if (!*item) continue;
    char *colon = strchr(item, ':'), *eq = strchr(item, '=');
    char *opt = NULL;
    if (strpbrk(item, "{};()")) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "proxies '%s': groups cannot be given here; write NAME or NAME:KEY=VALUE,... "
                  "(e.g. lswag:subbatches=0,pattern_samples=0)",
                  spec);
      ok = FALSE;
      break;
    }
    if (eq && (!colon || colon > eq)) {   /* KEY=VALUE of the proxy before */
      if (!desc) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxies '%s': option '%s' before any proxy name (NAME:KEY=VALUE)",
                    spec, item);
        ok = FALSE;
        break;
      }
      opt = item;
    } else {
      if (colon) *colon = '\0';
      char *name = item;
      gsize len = strlen(name);
      if (len >= 2 && name[0] == '"' && name[len - 1] == '"') name[len - 1] = '\0', name++;
      gboolean plain = *name != '\0';
      for (const char *c = name; *c; c++) plain = plain && (g_ascii_isalnum(*c) || *c == '_' || *c == '-');
      if (!plain) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                    "proxies '%s': '%s' is not a proxy name; give NAME or NAME:KEY=VALUE,... "
                    "(e.g. lswag:subbatches=0,pattern_samples=0)",
                    spec, name);
        ok = FALSE;
        break;
      }
      desc = zc_registry_require(reg, ZC_KIND_PROXY, name, "proxies", error);
      if (!desc) {
        ok = FALSE;
        break;
      }
      group = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
      config_setting_set_string(config_setting_add(group, "name", CONFIG_TYPE_STRING), name);
      opt = colon && colon[1] ? colon + 1 : NULL;
    }
    if (opt) {
      char *e = strchr(opt, '=');
      if (!e || e == opt) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxy '%s': expected KEY=VALUE, not '%s'", desc->name, opt);
        ok = FALSE;
        break;
      }
      *e = '\0';
      if (config_setting_get_member(group, opt)) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxy '%s': option '%s' given twice", desc->name, opt);
        ok = FALSE;
        break;
      }
      ok = add_proxy_option(group, desc, g_strstrip(opt), g_strstrip(e + 1), error);
    }
  }
  g_strfreev(items);
  g_free(text);
  return ok;
}

void zc_score_result_clear(ZcScoreResult *r) {
  g_strfreev(r->names);
  g_strfreev(r->proxies);
  g_free(r->scores);
  g_free(r->status);
  memset(r, 0, sizeof *r);
}

gboolean zc_run_score(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *st,
                      const char *const *genotypes, guint n, ZcScoreResult *out, GError **error) {
  memset(out, 0, sizeof *out);
  int jobs = 0;
  const char *backend = NULL;
  if (!run_jobs(p, st, "", &jobs, error) || !run_backend(p, st, "", &backend, error)) return FALSE;
  ZcRunCtx ctx = {.reg = reg, .p = p, .st = st, .file = "command line", .jobs = jobs, .backend = backend,
                  .leader = TRUE};
  ctx.seed = (guint64)pipeline_int(p, "seed", 0);
  ctx.data_opts = zc_options_resolve(zc_data_schema, zc_pipeline_lookup(p, "data"), "data", NULL, error);
  gboolean ok = ctx.data_opts && zc_run_open_data(ctx.data_opts, NULL, &ctx.dataset, error) && open_cache(&ctx, error);
  ZcEvaluator *ev = NULL;
  if (ok) {
    gboolean served;   /* the leader: never serves */
    ctx.batch = (guint)zc_options_int(ctx.data_opts, "batch");
    ev = zc_run_evaluator(&ctx, zc_pipeline_lookup(p, "space"), zc_pipeline_lookup(p, "proxies"), &served, error);
    ok = ev != NULL;
  }
  if (ok) {
    const ZcScoreLayout *layout = zc_evaluator_layout(ev);
    out->n = n;
    out->n_scores = layout->n_scores;
    out->n_proxies = zc_evaluator_n_proxies(ev);
    out->names = g_new0(char *, out->n_scores + 1);
    for (guint k = 0; k < out->n_scores; k++) out->names[k] = g_strdup(layout->names[k]);
    out->proxies = g_new0(char *, out->n_proxies + 1);
    for (guint j = 0; j < out->n_proxies; j++) out->proxies[j] = g_strdup(zc_evaluator_proxy_name(ev, j));
    out->scores = g_new(double, (gsize)n * out->n_scores + 1);
    ZcStatus *status = g_new(ZcStatus, (gsize)n * out->n_proxies + 1);
    ok = zc_evaluator_run(ev, genotypes, n, out->scores, status, "score", error);
    out->status = g_new(int, (gsize)n * out->n_proxies + 1);
    for (gsize k = 0; k < (gsize)n * out->n_proxies; k++) out->status[k] = (int)status[k];
    g_free(status);
  }
  zc_evaluator_free(ev);
  ok = close_cache(&ctx, ok, error);
  if (!ok) zc_score_result_clear(out);
  zc_dataset_free(ctx.dataset);
  zc_options_free(ctx.data_opts);
  return ok;
}
