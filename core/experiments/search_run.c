/* One search: the core's ask / evaluate / tell loop.  See search_run.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/pipeline.h>
#include <zcnas/setup.h>
#include "benchmark.h"
#include "base/options-private.h"
#include "base/pipeline-private.h"
#include "search_run.h"
#include "workers.h"
#include "host/score_layout.h"
#include "host/searcher-private.h"
#include "host/setup-private.h"

#define ASK_MAX 16               /* requests evaluated (in parallel) at a time */

void zc_search_outcome_free(ZcSearchOutcome *o) {
  if (!o) return;
  g_free(o->label);
  g_free(o->best_arch);
  g_array_unref(o->curve_test);
  g_array_unref(o->curve_seconds);
  g_free(o);
}

static config_setting_t *lookup(ZcRunCtx *ctx, config_setting_t *group, const char *key) {
  config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
  return s ? s : zc_pipeline_lookup(ctx->p, key);
}

static gboolean lookup_count(ZcRunCtx *ctx, config_setting_t *group, const char *key, guint64 fallback, guint64 *out,
                             GError **error) {
  config_setting_t *s = lookup(ctx, group, key);
  *out = fallback;
  if (!s) return TRUE;
  if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
    char *origin = zc_setting_origin(s);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: '%s' must be a whole number", origin, key);
    g_free(origin);
    return FALSE;
  }
  long long v = config_setting_get_int64(s);
  if (v < 0) {
    char *origin = zc_setting_origin(s);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: '%s' must not be negative", origin, key);
    g_free(origin);
    return FALSE;
  }
  *out = (guint64)v;
  return TRUE;
}

const char *zc_search_searcher_name(const config_setting_t *searcher) {
  const char *name = NULL;
  if (config_setting_type(searcher) == CONFIG_TYPE_STRING) name = config_setting_get_string(searcher);
  else config_setting_lookup_string(searcher, "name", &name);
  return name;
}

static const ZcOption benchmark_schema[] = {
  {"table", ZC_OPT_STRING, NULL, 0, 0, NULL, "CSV file of ground truth"},
  {"key", ZC_OPT_STRING, "arch_str", 0, 0, NULL, "column of genotypes or indices"},
  {"metric", ZC_OPT_STRING, NULL, 0, 0, NULL, "the ground truth the oracle answers (e.g. validation accuracy)"},
  {"test", ZC_OPT_STRING, "", 0, 0, NULL, "what reports give for the found networks (default: metric)"},
  {"name", ZC_OPT_STRING, "", 0, 0, NULL, "unused here"},
  {"lenient", ZC_OPT_BOOL, "false", 0, 0, NULL, "unused here"},
  {NULL},
};

ZcGroundTruth *zc_search_ground_truth(ZcRunCtx *ctx, ZcSpace *space, char **metric, char **test, GError **error) {
  *metric = *test = NULL;
  config_setting_t *b = zc_pipeline_lookup(ctx->p, "benchmark");
  if (!b) return NULL;
  ZcOptions *o = zc_options_resolve(benchmark_schema, b, "benchmark", NULL, error);
  if (!o) return NULL;
  const char *m = zc_options_string(o, "metric"), *t = zc_options_string(o, "test");
  const char *cols[] = {m, *t ? t : m, NULL};
  GError *err = NULL;
  ZcGroundTruth *gt = zc_ground_truth_load(space, zc_options_string(o, "table"), ctx->base_dir,
                                           zc_options_string(o, "key"), cols, &err);
  if (!gt) {
    char *origin = zc_setting_origin(b);
    g_propagate_prefixed_error(error, err, "%s: benchmark: ", origin);
    g_free(origin);
  } else {
    *metric = g_strdup(m);
    *test = g_strdup(*t ? t : m);
    zc_run_add_input(ctx, "benchmark table", zc_ground_truth_path(gt));
  }
  zc_options_free(o);
  return gt;
}

/* ---- the run's proxies ---------------------------------------------------------------- */

static gboolean list_has(config_setting_t *list, const char *name) {
  for (int i = 0; list && i < config_setting_length(list); i++) {
    config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
    const char *n = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
    if (!n && config_setting_type(e) == CONFIG_TYPE_GROUP) config_setting_lookup_string(e, "name", &n);
    if (n && !strcmp(n, name)) return TRUE;
  }
  return FALSE;
}

/* The run's proxy list with the searcher's own added: the run group's list, else the
 * top level's (copied into the run group when something must be added, so other runs
 * of a comparison keep theirs).  NULL when there are none at all. */
static config_setting_t *run_proxies(ZcRunCtx *ctx, config_setting_t *group, char **extra, GError **error) {
  /* a search's own list is the top level's; a comparison's run may have its own */
  config_setting_t *own = group ? config_setting_get_member(group, "proxies") : zc_pipeline_lookup(ctx->p, "proxies");
  config_setting_t *list = own ? own : zc_pipeline_lookup(ctx->p, "proxies");
  gboolean missing = FALSE;
  for (char **e = extra; *e; e++) missing |= !list_has(list, *e);
  if (!missing) return list;
  if (!own) {
    config_setting_t *root = group ? group : zc_pipeline_root(ctx->p);
    own = config_setting_add(root, "proxies", CONFIG_TYPE_LIST);
    for (int i = 0; list && i < config_setting_length(list); i++) {
      config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
      if (config_setting_type(e) != CONFIG_TYPE_STRING) {
        char *origin = zc_setting_origin(e);
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                    "%s: the searcher adds proxies to this list: give this run its own 'proxies'", origin);
        g_free(origin);
        return NULL;
      }
      config_setting_set_string(config_setting_add(own, NULL, CONFIG_TYPE_STRING), config_setting_get_string(e));
    }
  }
  for (char **e = extra; *e; e++)
    if (!list_has(own, *e)) config_setting_set_string(config_setting_add(own, NULL, CONFIG_TYPE_STRING), *e);
  return own;
}

/* ---- fitness sources ------------------------------------------------------------------ */

typedef struct {
  ZcRunCtx *ctx;
  ZcSpace *space;          /* the evaluator's, or own_space */
  ZcSpace *own_space;
  ZcEvaluator *ev;         /* live proxies, or NULL */
  ZcTable *table;          /* table-backed proxies, or NULL */
  GPtrArray *proxies;      /* ZcProxy* (table mode: for names and directions) */
  GPtrArray *names;        /* proxy score names (table mode) */
  GArray *direction;
  guint *offset;           /* table mode: first column of each proxy */
  guint n_proxy_scores, np;
  ZcGroundTruth *gt;
  char *oracle_name;
  /* the searcher's layout: proxy scores, then the oracle */
  ZcScoreLayout layout;
  const char **layout_names;
  gint8 *layout_dir;
  guint8 *layout_kind;
  guint64 oracle_budget, oracle_used;
} Sources;

static void sources_clear(Sources *s) {
  zc_evaluator_free(s->ev);
  zc_space_free(s->own_space);
  zc_table_free(s->table);
  if (s->proxies) g_ptr_array_unref(s->proxies);
  if (s->names) g_ptr_array_unref(s->names);
  if (s->direction) g_array_unref(s->direction);
  g_free(s->offset);
  g_free(s->oracle_name);
  g_free(s->layout_names);
  g_free(s->layout_dir);
  g_free(s->layout_kind);
}

static const ZcOption scores_schema[] = {
  {"table", ZC_OPT_STRING, NULL, 0, 0, NULL, "CSV of proxy scores: a scores.csv zcnas wrote, or a published table"},
  {"key", ZC_OPT_STRING, "arch", 0, 0, NULL, "column of genotypes or indices"},
  {NULL},
};

static gboolean open_table(Sources *s, config_setting_t *proxies_s, config_setting_t *scores_s, GError **error) {
  ZcRunCtx *ctx = s->ctx;
  ZcOptions *o = zc_options_resolve(scores_schema, scores_s, "scores", NULL, error);
  if (!o) return FALSE;
  gboolean ok = FALSE;
  char *origin = zc_setting_origin(scores_s);
  if (!proxies_s) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: a score table needs 'proxies' naming the columns to read",
                origin);
    goto out;
  }
  s->proxies = zc_setup_proxies(ctx->reg, proxies_s, error);
  if (!s->proxies) goto out;
  s->names = g_ptr_array_new_with_free_func(g_free);
  s->direction = g_array_new(FALSE, FALSE, sizeof(gint8));
  s->offset = g_new0(guint, s->proxies->len + 1);
  ZcScoreLayout l;
  zc_score_layout_build(s->proxies, s->names, s->direction, s->offset, &l);
  s->n_proxy_scores = l.n_scores;
  GError *err = NULL;
  char *path = zc_benchmark_find_table(zc_options_string(o, "table"), ctx->base_dir, &err);
  ZcTableOptions topts = {zc_ground_truth_canon_key, s->space, FALSE, 0};
  if (path) s->table = zc_table_load(path, zc_options_string(o, "key"), l.names, &topts, NULL, &err);
  if (path) zc_run_add_input(ctx, "score table", path);
  g_free(path);
  if (!s->table) {
    /* a column the table lacks, or a table that is not one, is the pipeline's choice */
    if (err->domain == ZC_ERROR && err->code == ZC_ERROR_DATA) err->code = ZC_ERROR_CONFIG;
    g_propagate_prefixed_error(error, err, "%s: scores: ", origin);
    goto out;
  }
  ok = TRUE;
out:
  g_free(origin);
  zc_options_free(o);
  return ok;
}

static gboolean sources_open(Sources *s, ZcRunCtx *ctx, config_setting_t *group, config_setting_t *proxies_s,
                             ZcGroundTruth *gt, const char *metric, guint64 oracle_budget, gboolean *served,
                             GError **error) {
  s->ctx = ctx;
  s->gt = gt;
  s->oracle_budget = oracle_budget;
  config_setting_t *space_s = zc_run_require(ctx, "search", "space", error);
  if (!space_s) return FALSE;
  config_setting_t *scores_s = lookup(ctx, group, "scores");
  gboolean live = proxies_s && config_setting_length(proxies_s) > 0 && !scores_s;
  if (live) {
    s->ev = zc_run_evaluator(ctx, space_s, proxies_s, served, error);
    if (!s->ev) return FALSE;
    s->space = zc_evaluator_space(s->ev);
    s->n_proxy_scores = zc_evaluator_layout(s->ev)->n_scores;
    s->np = zc_evaluator_n_proxies(s->ev);
  } else {
    s->own_space = s->space = zc_setup_space(ctx->reg, space_s, error);
    if (!s->space) return FALSE;
    if (scores_s && !open_table(s, proxies_s, scores_s, error)) return FALSE;
    s->np = s->proxies ? s->proxies->len : 0;
  }
  const ZcScoreLayout *pl = s->ev ? zc_evaluator_layout(s->ev) : NULL;
  guint n = s->n_proxy_scores + (gt ? 1 : 0);
  s->layout_names = g_new0(const char *, n + 1);
  s->layout_dir = g_new0(gint8, MAX(n, 1));
  s->layout_kind = g_new0(guint8, MAX(n, 1));
  for (guint k = 0; k < s->n_proxy_scores; k++) {
    s->layout_names[k] = pl ? pl->names[k] : g_ptr_array_index(s->names, k);
    s->layout_dir[k] = pl ? pl->direction[k] : g_array_index(s->direction, gint8, k);
    s->layout_kind[k] = ZC_SCORE_KIND_PROXY;
  }
  if (gt) {
    s->oracle_name = g_strdup(metric);
    s->layout_names[n - 1] = s->oracle_name;
    s->layout_dir[n - 1] = 1;
    s->layout_kind[n - 1] = ZC_SCORE_KIND_ORACLE;
  }
  s->layout = (ZcScoreLayout){n, s->layout_names, s->layout_dir, s->layout_kind};
  return TRUE;
}

static ZcEvalStatus from_proxy_status(ZcStatus st) {
  switch (st) {
  case ZC_STATUS_OK: return ZC_EVAL_OK;
  case ZC_STATUS_NAN: return ZC_EVAL_NAN;
  case ZC_STATUS_DEGENERATE: return ZC_EVAL_DEGENERATE;
  default: return ZC_EVAL_FAILED;
  }
}

/* Proxy index of score k (live or table layout). */
static guint proxy_of_score(const Sources *s, guint k) {
  guint j = 0;
  if (s->ev) {
    while (j + 1 < s->np && zc_evaluator_offset(s->ev, j + 1) <= k) j++;
  } else {
    while (j + 1 < s->np && s->offset[j + 1] <= k) j++;
  }
  return j;
}

/* Evaluate n requests: scores (n x layout), status (n x layout), seconds (n). */
static gboolean evaluate(Sources *s, char **genotypes, const guint64 *want, guint n, double *scores,
                         ZcEvalStatus *status, double *seconds, GError **error) {
  guint ns = s->layout.n_scores, nps = s->n_proxy_scores;
  for (gsize k = 0; k < (gsize)n * ns; k++) {
    scores[k] = NAN;
    status[k] = ZC_EVAL_NOT_WANTED;
  }
  for (guint i = 0; i < n; i++) seconds[i] = 0;
  if (s->ev) {
    guint64 *pmask = g_new0(guint64, n);
    for (guint i = 0; i < n; i++)
      for (guint k = 0; k < nps; k++)
        if (want[i] >> k & 1) pmask[i] |= G_GUINT64_CONSTANT(1) << proxy_of_score(s, k);
    double *ps = g_new(double, (gsize)n * MAX(nps, 1));
    ZcStatus *pst = g_new(ZcStatus, (gsize)n * MAX(s->np, 1));
    gboolean ok = zc_evaluator_run_masked(s->ev, (const char *const *)genotypes, pmask, n, ps, pst, seconds, "search",
                                          error);
    for (guint i = 0; ok && i < n; i++)
      for (guint k = 0; k < nps; k++) {
        if (!(want[i] >> k & 1)) continue;
        ZcEvalStatus st = from_proxy_status(pst[(gsize)i * s->np + proxy_of_score(s, k)]);
        double v = ps[(gsize)i * nps + k];
        if (st == ZC_EVAL_OK && !isfinite(v)) st = ZC_EVAL_NAN;
        status[(gsize)i * ns + k] = st;
        scores[(gsize)i * ns + k] = st == ZC_EVAL_OK ? v : NAN;
      }
    g_free(pmask);
    g_free(ps);
    g_free(pst);
    if (!ok) return FALSE;
  } else {
    for (guint i = 0; i < n; i++) {
      const double *row = s->table ? zc_table_lookup(s->table, genotypes[i]) : NULL;
      for (guint k = 0; k < nps; k++) {
        if (!(want[i] >> k & 1)) continue;
        double v = row ? row[k] : NAN;
        ZcEvalStatus st = !row ? ZC_EVAL_MISSING : v <= ZC_TABLE_FAILURE ? ZC_EVAL_FAILED
                                                 : isfinite(v)            ? ZC_EVAL_OK
                                                                          : ZC_EVAL_NAN;
        status[(gsize)i * ns + k] = st;
        scores[(gsize)i * ns + k] = st == ZC_EVAL_OK ? v : NAN;
      }
    }
  }
  if (s->gt)
    for (guint i = 0; i < n; i++) {
      guint k = ns - 1;
      if (!(want[i] >> k & 1)) continue;
      double v = NAN;
      ZcEvalStatus st;
      if (s->oracle_used >= s->oracle_budget) st = ZC_EVAL_OVER_BUDGET;
      else if (!zc_ground_truth_lookup_text(s->gt, genotypes[i], 0, &v)) st = ZC_EVAL_MISSING;
      else st = isfinite(v) ? ZC_EVAL_OK : ZC_EVAL_NAN;
      if (st != ZC_EVAL_OVER_BUDGET) s->oracle_used++;
      status[(gsize)i * ns + k] = st;
      scores[(gsize)i * ns + k] = st == ZC_EVAL_OK ? v : NAN;
    }
  return TRUE;
}

/* ---- outputs ---------------------------------------------------------------------------- */

static double truth_of(ZcGroundTruth *gt, const char *genotype, guint metric) {
  double v = NAN;
  if (gt && genotype) zc_ground_truth_lookup_text(gt, genotype, metric, &v);
  return v;
}

static gboolean write_file(const char *dir, const char *name, GString *text, GError **error) {
  char *path = g_build_filename(dir, name, NULL);
  gboolean ok = g_file_set_contents(path, text->str, (gssize)text->len, error);
  g_free(path);
  return ok;
}

static void append_header(GString *line, const char *first, const ZcScoreLayout *l) {
  g_string_append(line, first);
  for (guint k = 0; k < l->n_scores; k++) {
    g_string_append_c(line, ',');
    zc_csv_append_field(line, l->names[k]);
  }
}

/* ---- the loop ----------------------------------------------------------------------------- */

ZcSearchOutcome *zc_search_run(ZcRunCtx *ctx, config_setting_t *group, const char *label, guint64 searcher_seed,
                               ZcGroundTruth *gt, const char *metric, const char *test, const char *dir,
                               gboolean print, gboolean *served, GError **error) {
  *served = FALSE;
  config_setting_t *searcher_s = lookup(ctx, group, "searcher");
  if (!searcher_s) {
    char *origin = group ? zc_setting_origin(group) : g_strdup(ctx->file);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: a search needs 'searcher' = { name = \"...\"; ... }", origin);
    g_free(origin);
    return NULL;
  }
  guint64 budget, oracle_budget;
  if (!lookup_count(ctx, group, "budget", 100, &budget, error) ||
      !lookup_count(ctx, group, "oracle_budget", 0, &oracle_budget, error))
    return NULL;
  const ZcPluginDesc *desc = NULL;
  ZcOptions *opts = zc_setup_options(ctx->reg, ZC_KIND_SEARCHER, searcher_s, &desc, error);
  if (!opts) return NULL;
  if (!zc_options_resolve_paths(opts, ctx->base_dir, error)) {
    zc_options_free(opts);
    return NULL;
  }
  char **extra = zc_searcher_proxies(desc, opts, error);
  config_setting_t *proxies_s = NULL;
  GError *err = NULL;
  if (extra) proxies_s = run_proxies(ctx, group, extra, &err);
  gboolean have_proxies = extra && !err;
  g_strfreev(extra);
  if (err) g_propagate_error(error, err);
  Sources src = {0};
  if (!have_proxies || !sources_open(&src, ctx, group, proxies_s, gt, metric, oracle_budget, served, error)) {
    zc_options_free(opts);
    sources_clear(&src);
    return NULL;
  }
  ZcSearchSetup setup = {sizeof(ZcSearchSetup), src.space, &src.layout, searcher_seed, budget, oracle_budget};
  ZcSearcher *searcher = zc_searcher_new(desc, opts, &setup, error);
  if (!searcher) {
    sources_clear(&src);
    return NULL;
  }
  ZcSearchOutcome *o = g_new0(ZcSearchOutcome, 1);
  o->label = g_strdup(label);
  o->seed = searcher_seed;
  o->best_fitness = o->best_metric = o->best_test = NAN;
  o->curve_test = g_array_new(FALSE, FALSE, sizeof(double));
  o->curve_seconds = g_array_new(FALSE, FALSE, sizeof(double));
  const ZcScoreLayout *l = &src.layout;
  guint ns = l->n_scores;
  GString *scores_csv = g_string_new(NULL), *traj_csv = g_string_new(NULL);
  append_header(scores_csv, "n,arch", l);
  g_string_append(scores_csv, ",status\n");
  g_string_append_printf(traj_csv, "n,arch,status,seconds,incumbent,incumbent_fitness");
  if (gt) {
    g_string_append(traj_csv, ",incumbent_");
    g_string_append(traj_csv, test);
  }
  g_string_append_c(traj_csv, '\n');
  ZcRequest req[ASK_MAX];
  char *genotypes[ASK_MAX];
  guint64 want[ASK_MAX];
  double *scores = g_new(double, (gsize)ASK_MAX * MAX(ns, 1));
  ZcEvalStatus *status = g_new(ZcEvalStatus, (gsize)ASK_MAX * MAX(ns, 1));
  double seconds[ASK_MAX];
  guint64 all_proxies = 0;
  for (guint k = 0; k < src.n_proxy_scores; k++) all_proxies |= G_GUINT64_CONSTANT(1) << k;
  gboolean ok = TRUE;
  char *incumbent = NULL;
  guint64 valid = ns == 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT(1) << ns) - 1;
  gboolean done = FALSE;
  while (ok && !done) {
    /* fill a batch: ask until the searcher waits or is done, or the batch or the budget
     * is full; the batch never depends on --jobs */
    guint room = ASK_MAX, n = 0;
    if (budget) room = (guint)MIN((guint64)ASK_MAX, budget - o->evaluations);
    if (room == 0) break;
    while (n < room) {
      guint got = 0;
      ZcAskStatus st = zc_searcher_ask(searcher, req + n, room - n, &got, error);
      if (st == ZC_ASK_READY) {
        n += got;
        continue;
      }
      if (st == ZC_ASK_DONE) done = TRUE;
      if (st == ZC_ASK_ERROR) ok = FALSE;
      if (st == ZC_ASK_WAIT && n == 0) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED, "searcher '%s' waits with no evaluation pending",
                    zc_searcher_name(searcher));
        ok = FALSE;
      }
      break;
    }
    for (guint i = 0; ok && i < n; i++)
      if (req[i].want & ~valid) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED, "searcher '%s' wants score bits beyond the layout's %u scores",
                    zc_searcher_name(searcher), ns);
        ok = FALSE;
      }
    if (!ok) {
      for (guint i = 0; i < n; i++) zc_space_arch_free(src.space, req[i].arch);
      break;
    }
    for (guint i = 0; i < n; i++) {
      genotypes[i] = zc_space_format(src.space, req[i].arch);
      want[i] = req[i].want ? req[i].want : all_proxies;
    }
    ok = evaluate(&src, genotypes, want, n, scores, status, seconds, error);
    for (guint i = 0; i < n; i++) {
      if (ok) {
        const double *row = scores + (gsize)i * ns;
        const ZcEvalStatus *srow = status + (gsize)i * ns;
        ZcEvalStatus overall = ZC_EVAL_OK;
        for (guint k = 0; k < ns && overall == ZC_EVAL_OK; k++)
          if (srow[k] != ZC_EVAL_OK && srow[k] != ZC_EVAL_NOT_WANTED) overall = srow[k];
        ZcResult res = {req[i].arch, o->evaluations, row, srow, overall};
        zc_searcher_tell(searcher, &res);
        o->evaluations++;
        o->seconds += seconds[i];
        ZcRanked top = {NULL, NAN};
        if (zc_searcher_rank(searcher, &top, 1) == 1 && top.arch) {
          g_free(incumbent);
          incumbent = zc_space_format(src.space, top.arch);
        }
        double inc_test = truth_of(gt, incumbent, 1);
        g_array_append_val(o->curve_test, inc_test);
        g_array_append_val(o->curve_seconds, o->seconds);
        g_string_append_printf(scores_csv, "%" G_GUINT64_FORMAT ",", o->evaluations);
        zc_csv_append_field(scores_csv, genotypes[i]);
        for (guint k = 0; k < ns; k++) {
          g_string_append_c(scores_csv, ',');
          if (srow[k] != ZC_EVAL_NOT_WANTED) zc_csv_append_double(scores_csv, row[k]);
        }
        g_string_append_printf(scores_csv, ",%s\n", zc_eval_status_name(overall));
        g_string_append_printf(traj_csv, "%" G_GUINT64_FORMAT ",", o->evaluations);
        zc_csv_append_field(traj_csv, genotypes[i]);
        g_string_append_printf(traj_csv, ",%s,%.3f,", zc_eval_status_name(overall), o->seconds);
        if (incumbent) zc_csv_append_field(traj_csv, incumbent);
        g_string_append_c(traj_csv, ',');
        zc_csv_append_double(traj_csv, top.fitness);
        if (gt) {
          g_string_append_c(traj_csv, ',');
          zc_csv_append_double(traj_csv, inc_test);
        }
        g_string_append_c(traj_csv, '\n');
      }
      g_free(genotypes[i]);
      zc_space_arch_free(src.space, req[i].arch);
    }
  }
  g_free(incumbent);
  g_free(scores);
  g_free(status);
  o->oracle_queries = src.oracle_used;
  /* the searcher's ranking: ranking.csv, the outcome's best, the table on stdout */
  guint nr = (guint)MIN(o->evaluations, (guint64)G_MAXUINT);
  ZcRanked *ranked = g_new0(ZcRanked, MAX(nr, 1));
  nr = ok ? zc_searcher_rank(searcher, ranked, nr) : 0;
  GString *rank_csv = g_string_new("rank,arch,fitness,params_m,flops_m");
  if (gt) g_string_append_printf(rank_csv, ",%s,%s", metric, test);
  g_string_append_c(rank_csv, '\n');
  char **ranked_text = g_new0(char *, nr + 1);
  ZcCost *cost = g_new(ZcCost, MAX(nr, 1));
  for (guint r = 0; r < nr; r++) {
    ranked_text[r] = zc_space_format(src.space, ranked[r].arch);
    if (!zc_space_cost(src.space, ranked[r].arch, &cost[r], NULL)) cost[r] = (ZcCost){NAN, NAN};
    g_string_append_printf(rank_csv, "%u,", r + 1);
    zc_csv_append_field(rank_csv, ranked_text[r]);
    g_string_append_c(rank_csv, ',');
    zc_csv_append_double(rank_csv, ranked[r].fitness);
    g_string_append_c(rank_csv, ',');
    zc_csv_append_double(rank_csv, cost[r].params_m);
    g_string_append_c(rank_csv, ',');
    zc_csv_append_double(rank_csv, cost[r].flops_m);
    if (gt) {
      g_string_append_c(rank_csv, ',');
      zc_csv_append_double(rank_csv, truth_of(gt, ranked_text[r], 0));
      g_string_append_c(rank_csv, ',');
      zc_csv_append_double(rank_csv, truth_of(gt, ranked_text[r], 1));
    }
    g_string_append_c(rank_csv, '\n');
  }
  if (nr) {
    o->best_arch = g_strdup(ranked_text[0]);
    o->best_fitness = ranked[0].fitness;
    o->best_metric = truth_of(gt, o->best_arch, 0);
    o->best_test = truth_of(gt, o->best_arch, 1);
  }
  if (ok && print) {
    FILE *out = ctx->st->report ? ctx->st->report : stdout;
    fprintf(out, "search: %s over %s, %" G_GUINT64_FORMAT " architectures evaluated (searcher seed %" G_GUINT64_FORMAT
                 ", %.1f s of evaluation)\n",
            label, zc_space_name(src.space), o->evaluations, searcher_seed, o->seconds);
    guint top = (guint)MIN((gint64)nr, zc_options_int(ctx->output_opts, "top"));
    gsize w = 4;
    for (guint r = 0; r < top; r++) w = MAX(w, strlen(ranked_text[r]));
    fprintf(out, "%-4s  %-*s  %12s  %9s", "rank", (int)w, "arch", "fitness", "params_M");
    if (gt) fprintf(out, "  %16s  %16s", metric, test);
    fputc('\n', out);
    for (guint r = 0; r < top; r++) {
      fprintf(out, "%-4u  %-*s  %12.6g  %9.3f", r + 1, (int)w, ranked_text[r], ranked[r].fitness, cost[r].params_m);
      if (gt) fprintf(out, "  %16.4f  %16.4f", truth_of(gt, ranked_text[r], 0), truth_of(gt, ranked_text[r], 1));
      fputc('\n', out);
    }
  }
  g_strfreev(ranked_text);
  g_free(cost);
  g_free(ranked);
  if (ok && ctx->leader) {
    ok = g_mkdir_with_parents(dir, 0777) == 0;
    if (!ok) g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", dir, g_strerror(errno));
  }
  if (ok && ctx->leader) {
    static const char *const outputs[] = {"scores.csv", "trajectory.csv", "ranking.csv", NULL};
    ok = zc_run_guard_outputs(ctx, outputs, error) && write_file(dir, "scores.csv", scores_csv, error) &&
         write_file(dir, "trajectory.csv", traj_csv, error) && write_file(dir, "ranking.csv", rank_csv, error);
  }
  g_string_free(scores_csv, TRUE);
  g_string_free(traj_csv, TRUE);
  g_string_free(rank_csv, TRUE);
  zc_searcher_free(searcher);
  sources_clear(&src);
  if (!ok) {
    zc_search_outcome_free(o);
    return NULL;
  }
  return o;
}
