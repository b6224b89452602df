/* Fitness of candidates from one or several scores (zcnas/fitness.h).
 *
 * The directed member values (direction x score) of every candidate are kept; the fitness
 * of all candidates is recomputed at once when asked after an add (O(m N log N)), so a
 * searcher that reads many values between two adds pays once.  A candidate is valid when
 * every member is finite; only valid candidates are ranked (N counts them) and they alone
 * enter the means and standard deviations of ZSUM.  ZSUM uses the population standard
 * deviation (divisor N, numpy's default); a member whose sd is 0 adds 0 for everyone. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/fitness.h>
#include <zcnas/stats.h>

struct ZcFitness {
  const ZcScoreLayout *layout;
  guint64 members;
  ZcCombine rule;
  guint m;             /* number of members */
  guint idx[64];       /* their score indices, ascending */
  GArray *x;           /* N x m directed member values */
  GArray *fit;         /* fitness of each candidate, valid when !dirty */
  gboolean dirty;
};

gboolean zc_combine_parse(const char *text, ZcCombine *rule) {
  static const ZcCombine rules[] = {ZC_COMBINE_LOGRANK, ZC_COMBINE_RANKSUM, ZC_COMBINE_ZSUM};
  for (guint i = 0; text && i < G_N_ELEMENTS(rules); i++)
    if (strcmp(text, zc_combine_name(rules[i])) == 0) {
      *rule = rules[i];
      return TRUE;
    }
  return FALSE;
}

const char *zc_combine_name(ZcCombine rule) {
  switch (rule) {
  case ZC_COMBINE_LOGRANK: return "logrank";
  case ZC_COMBINE_RANKSUM: return "ranksum";
  case ZC_COMBINE_ZSUM: return "zsum";
  }
  return "?";
}

ZcFitness *zc_fitness_new(const ZcScoreLayout *layout, guint64 members, ZcCombine rule) {
  g_return_val_if_fail(layout && members && layout->n_scores <= 64, NULL);
  g_return_val_if_fail(layout->n_scores == 64 || members >> layout->n_scores == 0, NULL);
  ZcFitness *f = g_new0(ZcFitness, 1);
  f->layout = layout;
  f->members = members;
  f->rule = rule;
  for (guint k = 0; k < layout->n_scores; k++)
    if (members >> k & 1) f->idx[f->m++] = k;
  f->x = g_array_new(FALSE, FALSE, sizeof(double));
  f->fit = g_array_new(FALSE, FALSE, sizeof(double));
  return f;
}

gboolean zc_fitness_members_parse(const ZcScoreLayout *layout, const char *names, guint64 *members,
                                  GError **error) {
  guint64 set = 0;
  if (!names || !*names) {
    for (guint k = 0; k < layout->n_scores && k < 64; k++)
      if (zc_score_layout_kind(layout, k) == ZC_SCORE_KIND_PROXY) set |= G_GUINT64_CONSTANT(1) << k;
    if (!set) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "fitness: the search has no proxy score to combine");
      return FALSE;
    }
    *members = set;
    return TRUE;
  }
  char **items = g_strsplit(names, ",", -1);
  for (guint i = 0; items[i]; i++) {
    char *name = g_strstrip(items[i]);
    int k = zc_score_layout_find(layout, name);
    if (k < 0 || k >= 64) {
      GString *known = g_string_new(NULL);
      for (guint j = 0; j < layout->n_scores; j++) g_string_append_printf(known, "%s%s", j ? ", " : "", layout->names[j]);
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "fitness: no score named '%s' (the search has: %s)", name,
                  known->len ? known->str : "none");
      g_string_free(known, TRUE);
      g_strfreev(items);
      return FALSE;
    }
    set |= G_GUINT64_CONSTANT(1) << k;
  }
  g_strfreev(items);
  *members = set;
  return TRUE;
}

void zc_fitness_free(ZcFitness *f) {
  if (!f) return;
  g_array_free(f->x, TRUE);
  g_array_free(f->fit, TRUE);
  g_free(f);
}

guint64 zc_fitness_members(const ZcFitness *f) { return f->members; }
guint zc_fitness_size(const ZcFitness *f) { return f->x->len / f->m; }

guint zc_fitness_add(ZcFitness *f, const double *scores) {
  guint i = zc_fitness_size(f);
  for (guint j = 0; j < f->m; j++) {
    double v = f->layout->direction[f->idx[j]] * scores[f->idx[j]];
    g_array_append_val(f->x, v);
  }
  f->dirty = TRUE;
  return i;
}

static gboolean row_valid(const double *row, guint m) {
  for (guint j = 0; j < m; j++)
    if (!isfinite(row[j])) return FALSE;
  return TRUE;
}

static void recompute(ZcFitness *f) {
  guint n = zc_fitness_size(f), m = f->m;
  const double *x = (const double *)f->x->data;
  g_array_set_size(f->fit, n);
  double *fit = (double *)f->fit->data;
  f->dirty = FALSE;
  if (m == 1) {
    for (guint i = 0; i < n; i++) fit[i] = isfinite(x[i]) ? x[i] : NAN;
    return;
  }
  guint *valid = g_new(guint, n ? n : 1);
  guint nv = 0;
  for (guint i = 0; i < n; i++) {
    fit[i] = NAN;
    if (row_valid(x + (gsize)i * m, m)) {
      valid[nv++] = i;
      fit[i] = 0.0;
    }
  }
  double *col = g_new(double, nv ? nv : 1), *r = g_new(double, nv ? nv : 1);
  for (guint j = 0; j < m && nv; j++) {
    for (guint v = 0; v < nv; v++) col[v] = x[(gsize)valid[v] * m + j];
    if (f->rule == ZC_COMBINE_ZSUM) {
      double mean = 0, ss = 0;
      for (guint v = 0; v < nv; v++) mean += col[v];
      mean /= nv;
      for (guint v = 0; v < nv; v++) ss += (col[v] - mean) * (col[v] - mean);
      double sd = sqrt(ss / nv);
      if (sd > 0)
        for (guint v = 0; v < nv; v++) fit[valid[v]] += (col[v] - mean) / sd;
      continue;
    }
    zc_stats_rank(col, nv, r);
    for (guint v = 0; v < nv; v++)
      fit[valid[v]] += f->rule == ZC_COMBINE_LOGRANK ? log(r[v] / nv) : r[v];
  }
  g_free(col);
  g_free(r);
  g_free(valid);
}

double zc_fitness_value(ZcFitness *f, guint i) {
  g_return_val_if_fail(i < zc_fitness_size(f), NAN);
  if (f->dirty) recompute(f);
  return g_array_index(f->fit, double, i);
}

int zc_fitness_best(ZcFitness *f) {
  guint n = zc_fitness_size(f);
  if (f->dirty) recompute(f);
  int best = -1;
  const double *fit = (const double *)f->fit->data;
  for (guint i = 0; i < n; i++)
    if (!isnan(fit[i]) && (best < 0 || fit[i] > fit[best])) best = (int)i;
  return best;
}
