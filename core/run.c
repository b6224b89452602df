/* Running a pipeline's experiment.  See zcnas/run.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/run.h>
#include <zcnas/scorer.h>
#include <zcnas/setup.h>

const ZcOption zc_data_schema[] = {
  {"spec", ZC_OPT_STRING, "", 0, 0, NULL,
   "input data: cifar10:PATH, cifar100:PATH, fmnist:PATH or gaussian:CxHxW (docs/data.md); empty: none"},
  {"batch", ZC_OPT_INT, "64", 1, 4096, NULL, "images per batch"},
  {NULL},
};

const ZcOption zc_output_schema[] = {
  {"dir", ZC_OPT_STRING, "zcnas-out", 0, 0, NULL, "directory for the result files"},
  {"top", ZC_OPT_INT, "10", 1, 1000000, NULL, "rows of the result table printed"},
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

static gint64 pipeline_int(const ZcPipeline *p, const char *path, gint64 def) {
  config_setting_t *s = zc_pipeline_lookup(p, path);
  return s ? config_setting_get_int64(s) : def;
}

typedef struct {
  char *arch;
  double *scores;
} Row;

typedef struct {
  int objective;
  gint8 direction;
} RowOrder;

static gint compare_rows(gconstpointer a, gconstpointer b, gpointer user) {
  const RowOrder *o = user;
  double x = (*(Row *const *)a)->scores[o->objective] * o->direction;
  double y = (*(Row *const *)b)->scores[o->objective] * o->direction;
  if (isnan(x) != isnan(y)) return isnan(x) ? 1 : -1;   /* NaN last */
  if (x != y && !isnan(x)) return x > y ? -1 : 1;
  return 0;                                            /* stable sort keeps draw order */
}

static void row_free(gpointer p) {
  Row *r = p;
  g_free(r->arch);
  g_free(r->scores);
  g_free(r);
}

static void print_table(FILE *out, GPtrArray *rows, const ZcScoreLayout *layout, guint top) {
  gsize w = 4;
  for (guint i = 0; i < rows->len && i < top; i++) w = MAX(w, strlen(((Row *)g_ptr_array_index(rows, i))->arch));
  fprintf(out, "%-4s  %-*s", "rank", (int)w, "arch");
  for (guint k = 0; k < layout->n_scores; k++) fprintf(out, "  %12s", layout->names[k]);
  fputc('\n', out);
  for (guint i = 0; i < rows->len && i < top; i++) {
    const Row *r = g_ptr_array_index(rows, i);
    fprintf(out, "%-4u  %-*s", i + 1, (int)w, r->arch);
    for (guint k = 0; k < layout->n_scores; k++) fprintf(out, "  %12.6g", r->scores[k]);
    fputc('\n', out);
  }
}

static gboolean run_search(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *st, const char *dir,
                           guint top, ZcDataset *data, guint batch, GError **error) {
  guint64 seed = (guint64)pipeline_int(p, "seed", 0);
  config_setting_t *space_s = zc_pipeline_lookup(p, "space");
  config_setting_t *proxies_s = zc_pipeline_lookup(p, "proxies");
  config_setting_t *searcher_s = zc_pipeline_lookup(p, "searcher");
  const char *missing = !space_s ? "space" : !proxies_s ? "proxies" : !searcher_s ? "searcher" : NULL;
  if (missing) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: experiment \"search\" needs '%s'",
                zc_pipeline_file(p) ? zc_pipeline_file(p) : "pipeline", missing);
    return FALSE;
  }
  ZcSpace *space = zc_setup_space(reg, space_s, error);
  if (!space) return FALSE;
  GPtrArray *proxies = zc_setup_proxies(reg, proxies_s, error);
  if (!proxies) {
    zc_space_free(space);
    return FALSE;
  }
  ZcScorer *scorer = zc_scorer_new(proxies, seed, data, batch, zc_run_default_threads(1));
  const ZcScoreLayout *layout = zc_scorer_layout(scorer);
  ZcSearcher *searcher = zc_setup_searcher(reg, searcher_s, space, layout, seed, error);
  gboolean ok = searcher != NULL;
  FILE *csv = NULL;
  char *csv_path = g_build_filename(dir, "scores.csv", NULL);
  if (ok && !(csv = g_fopen(csv_path, "w"))) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv_path, g_strerror(errno));
    ok = FALSE;
  }
  GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
  guint np = zc_scorer_n_proxies(scorer);
  if (ok) {
    GString *line = g_string_new("n,arch");
    for (guint k = 0; k < layout->n_scores; k++) {
      g_string_append_c(line, ',');
      zc_csv_append_field(line, layout->names[k]);
    }
    g_string_append(line, ",status\n");
    fputs(line->str, csv);
    ZcArch *asked[16];
    ZcProxyResult *res = g_new0(ZcProxyResult, np);
    guint n;
    while (ok && (n = zc_searcher_ask(searcher, asked, G_N_ELEMENTS(asked), error)) > 0) {
      for (guint i = 0; i < n; i++) {
        Row *r = g_new0(Row, 1);
        r->arch = zc_space_format(space, asked[i]);
        r->scores = g_new(double, layout->n_scores);
        zc_scorer_score(scorer, space, asked[i], r->scores, res);
        zc_searcher_tell(searcher, asked[i], r->scores);
        g_string_printf(line, "%u,", rows->len + 1);
        zc_csv_append_field(line, r->arch);
        for (guint k = 0; k < layout->n_scores; k++) {
          g_string_append_c(line, ',');
          zc_csv_append_double(line, r->scores[k]);
        }
        g_string_append_c(line, ',');
        for (guint j = 0; j < np; j++) {
          if (j) g_string_append_c(line, ';');
          g_string_append(line, zc_status_name(res[j].status));
          if (res[j].status != ZC_STATUS_OK && !st->quiet)
            fprintf(stderr, "zcnas: warning: %s on %s: %s\n", zc_proxy_name(zc_scorer_proxy(scorer, j)), r->arch,
                    res[j].message ? res[j].message : "NaN or infinite score");
          zc_proxy_result_clear(&res[j]);
        }
        g_string_append_c(line, '\n');
        fputs(line->str, csv);
        fflush(csv);   /* each finished row is on disk before the next starts */
        g_ptr_array_add(rows, r);
        zc_space_arch_free(space, asked[i]);
      }
    }
    g_free(res);
    g_string_free(line, TRUE);
    if (fclose(csv) != 0 && ok) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv_path, g_strerror(errno));
      ok = FALSE;
    }
  }
  if (ok) {
    const char *objective = NULL;
    config_setting_t *s = config_setting_get_member(searcher_s, "objective");
    if (s && config_setting_type(s) == CONFIG_TYPE_STRING) objective = config_setting_get_string(s);
    RowOrder order = {objective && *objective ? zc_score_layout_find(layout, objective) : 0, 1};
    if (order.objective < 0) order.objective = 0;
    order.direction = layout->direction[order.objective];
    g_ptr_array_sort_with_data(rows, compare_rows, &order);
    fprintf(st->report, "search: %s over %s, %u architectures, ranked by %s (seed %" G_GUINT64_FORMAT ")\n",
            zc_searcher_name(searcher), zc_space_name(space), rows->len, layout->names[order.objective], seed);
    print_table(st->report, rows, layout, top);
    fprintf(st->report, "all scores: %s\n", csv_path);
  }
  g_ptr_array_unref(rows);
  g_free(csv_path);
  zc_searcher_free(searcher);
  zc_scorer_free(scorer);
  zc_space_free(space);
  return ok;
}

gboolean zc_run_pipeline(const ZcRegistry *reg, const ZcPipeline *p, const ZcRunSettings *st, GError **error) {
  config_setting_t *exp = zc_pipeline_lookup(p, "experiment");
  const char *experiment = exp ? config_setting_get_string(exp) : NULL;
  const char *file = zc_pipeline_file(p) ? zc_pipeline_file(p) : "pipeline";
  if (!experiment) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: no experiment = \"...\" (known: search)", file);
    return FALSE;
  }
  if (strcmp(experiment, "search")) {
    char *origin = zc_setting_origin(exp);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: unknown experiment '%s' (known: search)", origin, experiment);
    g_free(origin);
    return FALSE;
  }
  gint64 jobs = st->jobs ? st->jobs : pipeline_int(p, "jobs", 1);
  if (jobs < 1 || jobs > 1024) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: jobs must be in 1..1024, not %" G_GINT64_FORMAT, file, jobs);
    return FALSE;
  }
  ZcOptions *data = zc_options_resolve(zc_data_schema, zc_pipeline_lookup(p, "data"), "data", NULL, error);
  ZcOptions *output = data ? zc_options_resolve(zc_output_schema, zc_pipeline_lookup(p, "output"), "output", NULL, error)
                           : NULL;
  gboolean ok = output != NULL;
  const char *dir = ok ? (st->out_dir ? st->out_dir : zc_options_string(output, "dir")) : NULL;
  if (ok && g_mkdir_with_parents(dir, 0755) != 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot create output directory: %s", dir, g_strerror(errno));
    ok = FALSE;
  }
  ZcDataset *dataset = NULL;
  char *base = zc_pipeline_file(p) ? g_path_get_dirname(zc_pipeline_file(p)) : NULL;
  if (ok) ok = zc_run_open_data(data, base, &dataset, error);
  g_free(base);
  if (ok)
    ok = run_search(reg, p, st, dir, (guint)zc_options_int(output, "top"), dataset, (guint)zc_options_int(data, "batch"),
                    error);
  zc_dataset_free(dataset);
  zc_options_free(output);
  zc_options_free(data);
  return ok;
}
