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
 * adds 0 for everyone.  Under ZC_MISSING_WORST a filled-in value depends on every
 * candidate, so the ranks are instead recomputed from scratch (a sort per member) when
 * read. */
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
  ZcMissing missing;
  guint m;             /* number of members */
  guint idx[64];       /* their score indices, ascending */
  GArray *x;           /* N x m directed member values */
  GArray *r;           /* N x m average ranks among the valid candidates (NaN: invalid) */
  guint n_valid;
  GArray *fit;         /* fitness of each candidate, valid when !dirty */
  gboolean dirty;
};

gboolean zc_combine_parse(const char *text, ZcCombine *rule) {
  static const ZcCombine rules[] = {ZC_COMBINE_LOGRANK, ZC_COMBINE_RANKSUM, ZC_COMBINE_ZSUM, ZC_COMBINE_PRODUCT};
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
  case ZC_COMBINE_PRODUCT: return "product";
  }
  return "?";
}

gboolean zc_missing_parse(const char *text, ZcMissing *policy) {
  if (text && !strcmp(text, "drop")) *policy = ZC_MISSING_DROP;
  else if (text && !strcmp(text, "worst")) *policy = ZC_MISSING_WORST;
  else return FALSE;
  return TRUE;
}

const char *zc_missing_name(ZcMissing policy) { return policy == ZC_MISSING_WORST ? "worst" : "drop"; }

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

void zc_fitness_set_missing(ZcFitness *f, ZcMissing policy) {
  g_return_if_fail(zc_fitness_size(f) == 0);
  f->missing = policy;
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

/* A member value that can take part: the rank rules over several members order +-inf like any value (as the
 * rank statistics do: AZ-NAS's -inf expressivity of a dead network ranks last), the
 * others need a finite one. */
static gboolean usable(const ZcFitness *f, double v) {
  /* one member: the fitness is the value itself, and an infinite one must not win a search */
  return f->m > 1 && (f->rule == ZC_COMBINE_LOGRANK || f->rule == ZC_COMBINE_RANKSUM) ? !isnan(v) : isfinite(v);
}

static gboolean row_valid(const ZcFitness *f, const double *row, guint m) {
  for (guint j = 0; j < m; j++)
    if (!usable(f, row[j])) return FALSE;
  return TRUE;
}

guint zc_fitness_add(ZcFitness *f, const double *scores) {
  guint n = zc_fitness_size(f), m = f->m;
  double v[64];
  for (guint j = 0; j < m; j++) v[j] = f->layout->direction[f->idx[j]] * scores[f->idx[j]];
  g_array_append_vals(f->x, v, m);
  /* ZC_MISSING_WORST ranks everything in recompute() */
  gboolean valid = f->missing == ZC_MISSING_DROP && row_valid(f, v, m);
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

/* ZC_MISSING_WORST: fill each member's missing values with its lowest directed usable value
 * among the candidates with some finite member, and rank those candidates.  Returns the
 * number of valid candidates; xf and rf are N x m (rf NaN for the invalid). */
static guint fill_worst(const ZcFitness *f, double *xf, double *rf) {
  guint n = zc_fitness_size(f), m = f->m, nv = 0;
  const double *x = (const double *)f->x->data;
  gboolean *valid = g_new0(gboolean, n + 1);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < m; j++) valid[i] |= usable(f, x[(gsize)i * m + j]);
  double *col = g_new(double, n + 1), *rk = g_new(double, n + 1);
  for (guint j = 0; j < m; j++) {
    double worst = INFINITY;
    gboolean any = FALSE;   /* worst may be -inf itself: "none" needs its own flag */
    for (guint i = 0; i < n; i++)
      if (valid[i] && usable(f, x[(gsize)i * m + j])) {
        worst = fmin(worst, x[(gsize)i * m + j]);
        any = TRUE;
      }
    for (guint i = 0; i < n; i++) {
      double v = x[(gsize)i * m + j];
      col[i] = !valid[i] ? NAN : usable(f, v) ? v : any ? worst : NAN;
    }
    for (guint i = 0; i < n; i++) valid[i] &= !isnan(col[i]);   /* a member with no value at all */
    for (guint i = 0; i < n; i++) xf[(gsize)i * m + j] = col[i];
  }
  for (guint j = 0; j < m; j++) {
    for (guint i = 0; i < n; i++) col[i] = valid[i] ? xf[(gsize)i * m + j] : NAN;
    zc_stats_rank(col, n, rk);
    for (guint i = 0; i < n; i++) rf[(gsize)i * m + j] = rk[i];
  }
  for (guint i = 0; i < n; i++) nv += valid[i];
  g_free(col);
  g_free(rk);
  g_free(valid);
  return nv;
}

static void recompute(ZcFitness *f) {
  guint n = zc_fitness_size(f), m = f->m, nv = f->n_valid;
  const double *x = (const double *)f->x->data, *r = (const double *)f->r->data;
  double *xf = NULL, *rf = NULL;
  if (f->missing == ZC_MISSING_WORST) {
    xf = g_new(double, (gsize)n * m + 1);
    rf = g_new(double, (gsize)n * m + 1);
    nv = fill_worst(f, xf, rf);
    x = xf;
    r = rf;
  }
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
        else if (f->rule == ZC_COMBINE_ZSUM) s += sd[j] > 0 ? (xi[j] - mean[j]) / sd[j] : 0;
        else {
          /* the raw value is direction x directed value; log of a non-positive one is no value */
          int d = f->layout->direction[f->idx[j]];
          double raw = d * xi[j];
          s = raw > 0 ? s + d * log(raw) : NAN;
        }
      }
      fit[i] = s;
    }
  }
  g_free(xf);
  g_free(rf);
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
