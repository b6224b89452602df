/* experiment = "search": a searcher asks, the proxies score (through the cache, on the
 * workers), the searcher is told; scores.csv holds every candidate in the order asked. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/setup.h>
#include "experiment.h"
#include "ranks.h"
#include "workers.h"
#include "host/searcher-private.h"
#include "host/scorer-private.h"
#include "host/setup-private.h"

#define ASK_MAX 16   /* candidates asked (and scored in parallel) at a time */

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

static void csv_row(GString *line, guint n, const Row *r, guint ns, const ZcStatus *status, guint np) {
  g_string_printf(line, "%u,", n);
  zc_csv_append_field(line, r->arch);
  for (guint k = 0; k < ns; k++) {
    g_string_append_c(line, ',');
    zc_csv_append_double(line, r->scores[k]);
  }
  g_string_append_c(line, ',');
  for (guint j = 0; j < np; j++) {
    if (j) g_string_append_c(line, ';');
    g_string_append(line, zc_status_name(status[j]));
  }
  g_string_append_c(line, '\n');
}

gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error) {
  config_setting_t *space_s = zc_run_require(ctx, "search", "space", error);
  config_setting_t *proxies_s = space_s ? zc_run_require(ctx, "search", "proxies", error) : NULL;
  config_setting_t *searcher_s = proxies_s ? zc_run_require(ctx, "search", "searcher", error) : NULL;
  if (!searcher_s) return FALSE;
  gboolean served;
  ZcEvaluator *ev = zc_run_evaluator(ctx, space_s, proxies_s, &served, error);
  if (!ev) return served;
  ZcSpace *space = zc_evaluator_space(ev);
  const ZcScoreLayout *layout = zc_evaluator_layout(ev);
  guint np = zc_evaluator_n_proxies(ev), ns = layout->n_scores;
  ZcSearcher *searcher = zc_setup_searcher(ctx->reg, searcher_s, space, layout, ctx->seed, error);
  gboolean ok = searcher != NULL;
  static const char *const outputs[] = {"scores.csv", NULL};
  if (ok) ok = zc_run_guard_outputs(ctx, outputs, error);
  FILE *csv = NULL;
  char *csv_path = g_build_filename(ctx->dir, "scores.csv", NULL);
  /* written beside its final name and renamed when closed: a crash never leaves a
   * half-written scores.csv (the scores themselves are in the cache) */
  char *tmp_path = g_strconcat(csv_path, ".XXXXXX", NULL);
  int fd = ok ? g_mkstemp_full(tmp_path, O_WRONLY, 0666) : -1;
  if (ok && (fd < 0 || !(csv = fdopen(fd, "w")))) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv_path, g_strerror(errno));
    if (fd >= 0) close(fd);
    ok = FALSE;
  }
  GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
  if (ok) {
    GString *line = g_string_new("n,arch");
    for (guint k = 0; k < ns; k++) {
      g_string_append_c(line, ',');
      zc_csv_append_field(line, layout->names[k]);
    }
    g_string_append(line, ",status\n");
    fputs(line->str, csv);
    ZcArch *asked[ASK_MAX];
    char *genotypes[ASK_MAX];
    double *scores = g_new(double, ASK_MAX * MAX(ns, 1));
    ZcStatus *status = g_new(ZcStatus, ASK_MAX * MAX(np, 1));
    guint n;
    while (ok && (n = zc_searcher_ask(searcher, asked, ASK_MAX, error)) > 0) {
      for (guint i = 0; i < n; i++) genotypes[i] = zc_space_format(space, asked[i]);
      ok = zc_evaluator_run(ev, (const char *const *)genotypes, n, scores, status, "search", error);
      for (guint i = 0; i < n; i++) {
        if (ok) {
          Row *r = g_new0(Row, 1);
          r->arch = genotypes[i];
          r->scores = g_memdup2(scores + (gsize)i * ns, sizeof(double) * MAX(ns, 1));
          zc_searcher_tell(searcher, asked[i], r->scores);
          csv_row(line, rows->len + 1, r, ns, status + (gsize)i * np, np);
          fputs(line->str, csv);
          g_ptr_array_add(rows, r);
        } else {
          g_free(genotypes[i]);
        }
        zc_space_arch_free(space, asked[i]);
      }
      fflush(csv);
    }
    g_free(scores);
    g_free(status);
    g_string_free(line, TRUE);
    if (fclose(csv) != 0 || g_rename(tmp_path, csv_path) != 0) {
      if (ok) g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv_path, g_strerror(errno));
      g_unlink(tmp_path);
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
    FILE *out = ctx->st->report ? ctx->st->report : stdout;
    fprintf(out, "search: %s over %s, %u architectures, ranked by %s (seed %" G_GUINT64_FORMAT ")\n",
            zc_searcher_name(searcher), zc_space_name(space), rows->len, layout->names[order.objective], ctx->seed);
    print_table(out, rows, layout, (guint)zc_options_int(ctx->output_opts, "top"));
    fprintf(out, "all scores: %s\n", csv_path);
  }
  g_ptr_array_unref(rows);
  g_free(tmp_path);
  g_free(csv_path);
  zc_searcher_free(searcher);
  zc_evaluator_free(ev);
  return ok;
}
