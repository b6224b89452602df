/* Fitness of candidates from one or several scores (zcnas/fitness.h).
 *
 * The directed member values (direction x score) of every candidate are kept, and their
 * average ranks among the valid candidates (every member finite), maintained as
 * candidates arrive: a new value v moves every rank above it up by 1 and every rank tied
 * with it up by 1/2 (the mean of a tie group grows by half a place), and takes
 * less + 1 + ties/2 itself: the ranks zc_stats_rank gives, in O(N m) per add rather than
 * a sort per member.  Fitness values are recomputed from them at most once per add, when
 * read, so a searcher reading them all after each tell pays O(N m).  ZSUM uses the
 * population standard deviation (divisor N, numpy's default); a member whose sd is 0
 * adds 0 for everyone. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/fitness.h>

struct ZcFitness {
  const ZcScoreLayout *layout;
  guint64 members;
  ZcCombine rule;
  guint m;             /* number of members */
  guint idx[64];       /* their score indices, ascending */
  GArray *x;           /* N x m directed member values */
  GArray *r;           /* N x m average ranks among the valid candidates (NaN: invalid) */
  guint n_valid;
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
  f->r = g_array_new(FALSE, FALSE, sizeof(double));
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
  g_array_free(f->r, TRUE);
  g_array_free(f->fit, TRUE);
  g_free(f);
}

guint64 zc_fitness_members(const ZcFitness *f) { return f->members; }
guint zc_fitness_size(const ZcFitness *f) { return f->x->len / f->m; }

static gboolean row_valid(const double *row, guint m) {
  for (guint j = 0; j < m; j++)
    if (!isfinite(row[j])) return FALSE;
  return TRUE;
}

guint zc_fitness_add(ZcFitness *f, const double *scores) {
  guint n = zc_fitness_size(f), m = f->m;
  double v[64];
  for (guint j = 0; j < m; j++) v[j] = f->layout->direction[f->idx[j]] * scores[f->idx[j]];
  g_array_append_vals(f->x, v, m);
  gboolean valid = row_valid(v, m);
  double less[64] = {0}, ties[64] = {0};
  const double *x = (const double *)f->x->data;
  double *r = (double *)f->r->data;
  for (guint i = 0; valid && i < n; i++) {
    if (isnan(r[(gsize)i * m])) continue;
    for (guint j = 0; j < m; j++) {
      double xi = x[(gsize)i * m + j];
      if (xi < v[j]) {
        less[j]++;
      } else if (xi == v[j]) {
        ties[j]++;
        r[(gsize)i * m + j] += 0.5;
      } else {
        r[(gsize)i * m + j] += 1.0;
      }
    }
  }
  for (guint j = 0; j < m; j++) v[j] = valid ? less[j] + 1.0 + 0.5 * ties[j] : NAN;
  g_array_append_vals(f->r, v, m);
  f->n_valid += valid;
  f->dirty = TRUE;
  return n;
}

static void recompute(ZcFitness *f) {
  guint n = zc_fitness_size(f), m = f->m, nv = f->n_valid;
  const double *x = (const double *)f->x->data, *r = (const double *)f->r->data;
  g_array_set_size(f->fit, n);
  double *fit = (double *)f->fit->data;
  f->dirty = FALSE;
  double mean[64] = {0}, sd[64] = {0};
  if (f->rule == ZC_COMBINE_ZSUM && m > 1) {
    for (guint i = 0; i < n; i++)
      if (!isnan(r[(gsize)i * m]))
        for (guint j = 0; j < m; j++) mean[j] += x[(gsize)i * m + j];
    for (guint j = 0; j < m; j++) mean[j] /= nv;
    for (guint i = 0; i < n; i++)
      if (!isnan(r[(gsize)i * m]))
        for (guint j = 0; j < m; j++) sd[j] += (x[(gsize)i * m + j] - mean[j]) * (x[(gsize)i * m + j] - mean[j]);
    for (guint j = 0; j < m; j++) sd[j] = sqrt(sd[j] / nv);
  }
  double log_n = log((double)nv);
  for (guint i = 0; i < n; i++) {
    const double *xi = x + (gsize)i * m, *ri = r + (gsize)i * m;
    if (isnan(ri[0])) {
      fit[i] = NAN;
    } else if (m == 1) {
      fit[i] = xi[0];
    } else {
      double s = 0;
      for (guint j = 0; j < m; j++) {
        if (f->rule == ZC_COMBINE_LOGRANK) s += log(ri[j]) - log_n;
        else if (f->rule == ZC_COMBINE_RANKSUM) s += ri[j];
        else if (sd[j] > 0) s += (xi[j] - mean[j]) / sd[j];
      }
      fit[i] = s;
    }
  }
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
