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

#define ASK_MAX 16
#if 0 /* being rewritten for the searcher contract v2 */   /* candidates asked (and scored in parallel) at a time */

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

#endif
gboolean zc_experiment_search(ZcRunCtx *ctx, GError **error) {
  (void)ctx;
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "search: being rewritten");
  return FALSE;
}
