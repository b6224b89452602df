/* LIBRA-NAS proxy selection (zcnas/selection.h): histogram entropies, the rho window,
 * information gain and bias; selection.json.  docs/libra.md gives the algorithm. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/selection.h>
#include <zcnas/stats.h>

/* NAS-Bench-Suite-Zero writes -1e8 for a failed evaluation: a missing value, not a score */
#define ZC_NBSZ_SENTINEL (-1e8)

void zc_selection_params_init(ZcSelectionParams *params) {
  g_return_if_fail(params);
  memset(params, 0, sizeof *params);
  params->struct_size = sizeof *params;
  params->bins = 24;
  params->scheme = ZC_BINS_WIDTH;
  params->log_base = 2.0;
  params->window = 0.1;
  params->fallback = ZC_WINDOW_WIDEN;
  params->combine = ZC_COMBINE_LOGRANK;
}

/* ---- histogram entropies ------------------------------------------------------------ */

static guint bin_count(guint bins, ZcBinScheme scheme, gsize m) {
  if (scheme == ZC_BINS_STURGES) {
    double k = round(1.0 + 3.322 * log10((double)m));
    return k < 1 ? 1 : (guint)k;
  }
  return bins ? bins : 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Bin index (0..k-1) of each of m finite values.  Equal width: numpy.histogram's bins
 * over [min, max], the last one closed.  Quantile: edges at the j/k quantiles (linear
 * interpolation, numpy's default); a value equal to an edge goes below it, as
 * pandas.qcut's right-closed intervals, so ties never straddle a bin. */
static void bin_column(const double *x, gsize m, guint k, ZcBinScheme scheme, guint *out) {
  if (scheme == ZC_BINS_QUANTILE) {
    double *s = g_memdup2(x, m * sizeof *s);
    qsort(s, m, sizeof *s, cmp_double);
    double *edge = g_new(double, k);
    for (guint j = 1; j < k; j++) {
      double pos = (double)j / k * (double)(m - 1);
      gsize lo = (gsize)floor(pos);
      double frac = pos - (double)lo;
      edge[j] = lo + 1 < m ? s[lo] + frac * (s[lo + 1] - s[lo]) : s[lo];
    }
    for (gsize i = 0; i < m; i++) {
      guint b = 0;
      while (b + 1 < k && x[i] > edge[b + 1]) b++;
      out[i] = b;
    }
    g_free(edge);
    g_free(s);
    return;
  }
  double lo = x[0], hi = x[0];
  for (gsize i = 1; i < m; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  for (gsize i = 0; i < m; i++) {
    guint b = 0;
    if (hi > lo) {
      /* halves: the same ratio, and no overflow when the range exceeds DBL_MAX */
      double t = (0.5 * x[i] - 0.5 * lo) / (0.5 * hi - 0.5 * lo) * k;
      b = t >= k ? k - 1 : t > 0 ? (guint)t : 0;
    }
    out[i] = b;
  }
}

typedef struct {
  const guint *code;   /* d bin indices of one row */
  guint d;
} Cell;

static int cmp_cell(const void *a, const void *b) {
  const Cell *x = a, *y = b;
  for (guint j = 0; j < x->d; j++)
    if (x->code[j] != y->code[j]) return x->code[j] < y->code[j] ? -1 : 1;
  return 0;
}

double zc_entropy_joint(const double *const *cols, guint d, gsize n, guint bins, ZcBinScheme scheme,
                        double log_base) {
  g_return_val_if_fail(d == 0 || cols, NAN);
  if (!(log_base > 0) || log_base == 1 || !isfinite(log_base)) return NAN;
  gsize *rows = g_new(gsize, n + 1), m = 0;
  for (gsize i = 0; i < n; i++) {
    gboolean ok = TRUE;
    for (guint j = 0; j < d && ok; j++) ok = isfinite(cols[j][i]);
    if (ok) rows[m++] = i;
  }
  if (m == 0 || d == 0) {
    g_free(rows);
    return m == 0 ? NAN : 0.0;
  }
  guint k = bin_count(bins, scheme, m);
  guint *code = g_new(guint, m * d), *b = g_new(guint, m);
  double *x = g_new(double, m);
  for (guint j = 0; j < d; j++) {
    for (gsize r = 0; r < m; r++) x[r] = cols[j][rows[r]];
    bin_column(x, m, k, scheme, b);
    for (gsize r = 0; r < m; r++) code[r * d + j] = b[r];
  }
  Cell *cell = g_new(Cell, m);
  for (gsize r = 0; r < m; r++) cell[r] = (Cell){code + r * d, d};
  qsort(cell, m, sizeof *cell, cmp_cell);
  /* H = log m - (1/m) sum_c c log c over the occupied cells */
  double sum = 0;
  gsize run = 1;
  for (gsize r = 1; r <= m; r++) {
    if (r < m && cmp_cell(&cell[r - 1], &cell[r]) == 0) {
      run++;
      continue;
    }
    sum += (double)run * log((double)run);
    run = 1;
  }
  double h = (log((double)m) - sum / (double)m) / log(log_base);
  g_free(cell);
  g_free(x);
  g_free(b);
  g_free(code);
  g_free(rows);
  return h <= 0 ? 0.0 : h;   /* one occupied cell: exactly 0, not -0 or a rounding residue */
}

/* ---- selection ------------------------------------------------------------------------ */

static double clean(double v) { return isfinite(v) && v > ZC_NBSZ_SENTINEL ? v : NAN; }

static double *column(const ZcTable *t, gsize j) {
  gsize n = zc_table_n_rows(t);
  double *v = g_new(double, n + 1);
  for (gsize i = 0; i < n; i++) v[i] = clean(zc_table_value(t, i, j));
  return v;
}

static gsize n_finite2(const double *a, const double *b, gsize n) {
  gsize m = 0;
  for (gsize i = 0; i < n; i++) m += isfinite(a[i]) && (!b || isfinite(b[i]));
  return m;
}

/* H(y | z1), or H(y | z1, z) when with_z, on the rows where y, z1 (and z, when given) are
 * finite; bins are drawn over those rows, per variable.  IG(z) = the difference of the
 * two on the same rows. */
static double cond_entropy(const double *y, const double *z1, const double *z, gboolean with_z, gsize n,
                           const ZcSelectionParams *p) {
  gsize m = 0;
  double *c[3] = {g_new(double, n + 1), g_new(double, n + 1), g_new(double, n + 1)};
  for (gsize i = 0; i < n; i++)
    if (isfinite(y[i]) && isfinite(z1[i]) && (!z || isfinite(z[i]))) {
      c[0][m] = y[i], c[1][m] = z1[i], c[2][m] = z ? z[i] : 0;
      m++;
    }
  double h = NAN;
  if (m > 0) {
    guint d = with_z ? 3 : 2;
    const double *const all[3] = {c[0], c[1], c[2]};
    const double *const given[2] = {c[1], c[2]};
    h = zc_entropy_joint(all, d, m, p->bins, p->scheme, p->log_base) -
        zc_entropy_joint(given, d - 1, m, p->bins, p->scheme, p->log_base);
  }
  for (int j = 0; j < 3; j++) g_free(c[j]);
  return h;
}

void zc_selection_free(ZcSelection *s) {
  if (!s) return;
  g_free(s->source);
  g_free(s->source_sha256);
  g_free(s->metric);
  g_free(s->bias_column);
  /* the elements are freed here, not by the array: zc_selection_load_json builds one too */
  for (guint h = 0; s->candidates && h < s->candidates->len; h++) {
    ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
    g_free(c->name);
    g_free(c);
  }
  if (s->candidates) g_ptr_array_unref(s->candidates);
  for (int k = 0; k < 3; k++) g_free(s->selected[k]);
  g_free(s);
}

static ZcSelection *selection_new(void) {
  ZcSelection *s = g_new0(ZcSelection, 1);
  zc_selection_params_init(&s->params);
  s->candidates = g_ptr_array_new();
  s->bias_metric = s->h_y_given_z1 = s->window_used = NAN;
  return s;
}

static gboolean check_params(const ZcSelectionParams *p, GError **error) {
  const char *bad = NULL;
  if (p->struct_size != sizeof *p) bad = "struct_size (call zc_selection_params_init first)";
  else if (p->scheme > ZC_BINS_STURGES) bad = "binning";
  else if (p->scheme != ZC_BINS_STURGES && (p->bins < 1 || p->bins > 1000000)) bad = "bins (1 .. 1000000)";
  else if (!(p->log_base > 0) || p->log_base == 1 || !isfinite(p->log_base)) bad = "log_base (> 0, not 1)";
  else if (!(p->window > 0) || !(p->window <= 2)) bad = "window (0 < window <= 2)";
  else if (p->fallback > ZC_WINDOW_FEWER) bad = "fallback";
  else if (p->combine > ZC_COMBINE_ZSUM) bad = "combine";
  if (bad) g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "selection: invalid %s", bad);
  return bad == NULL;
}

static gssize column_index(const ZcTable *t, const char *name, const char *what, GError **error) {
  gssize j = name ? zc_table_metric_index(t, name) : -1;
  if (j < 0) g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s column '%s' is not in the table", what, name ? name : "");
  return j;
}

static char *file_sha256(const char *path, GError **error) {
  char *text = NULL;
  gsize len = 0;
  GError *err = NULL;
  if (!g_file_get_contents(path, &text, &len, &err)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot read: %s", path, err->message);
    g_error_free(err);
    return NULL;
  }
  char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
  g_free(text);
  return hex;
}

/* The window W for width k * w: every other candidate with rho in (rho1 - k w, rho1]. */
static guint window_fill(ZcSelection *s, guint z1, double lo) {
  double top = ((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, z1))->rho;
  guint count = 0;
  for (guint h = 0; h < s->candidates->len; h++) {
    ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
    c->in_window = h != z1 && c->rho > lo && c->rho <= top;
    count += c->in_window;
  }
  return count;
}

/* Choose the window: width w, widened to k w (k = 1, 2, ...) under ZC_WINDOW_WIDEN until
 * it holds 2 candidates or every other candidate with a rho. */
static void choose_window(ZcSelection *s, guint z1) {
  const ZcSelectionParams *p = &s->params;
  double top = ((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, z1))->rho;
  guint others = 0;
  double r[2] = {-INFINITY, -INFINITY};   /* the two highest rhos of the others */
  for (guint h = 0; h < s->candidates->len; h++) {
    double rho = ((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, h))->rho;
    if (h == z1 || isnan(rho)) continue;
    others++;
    if (rho > r[0]) r[1] = r[0], r[0] = rho;
    else if (rho > r[1]) r[1] = rho;
  }
  guint want = others < 2 ? others : 2;
  double k = 1;
  if (p->fallback == ZC_WINDOW_WIDEN && want > 0 && window_fill(s, z1, top - p->window) < want) {
    double need = r[want - 1];   /* must come in: need > top - k w */
    k = fmax(1, floor((top - need) / p->window));
    while (!(need > top - k * p->window)) k++;
  }
  s->window_used = k * p->window;
  window_fill(s, z1, top - s->window_used);
}

ZcSelection *zc_selection_compute(const ZcTable *table, const char *source, const char *metric,
                                  const char *bias_column, const char *const *candidates,
                                  const ZcSelectionParams *params, GError **error) {
  g_return_val_if_fail(table, NULL);
  ZcSelectionParams defaults;
  zc_selection_params_init(&defaults);
  if (!params) params = &defaults;
  if (!check_params(params, error)) return NULL;
  gssize jy = column_index(table, metric, "metric", error);
  gssize jb = jy >= 0 ? column_index(table, bias_column, "bias", error) : -1;
  if (jb < 0) return NULL;

  /* the candidate columns, in table column order when not given */
  GPtrArray *names = g_ptr_array_new();
  gsize nm = zc_table_n_metrics(table);
  if (candidates)
    for (const char *const *c = candidates; *c; c++) g_ptr_array_add(names, (gpointer)*c);
  else
    for (gsize j = 0; j < nm; j++)
      if ((gssize)j != jy) g_ptr_array_add(names, (gpointer)zc_table_metric_name(table, j));
  GArray *cols = g_array_new(FALSE, FALSE, sizeof(gssize));
  gboolean ok = TRUE;
  for (guint h = 0; h < names->len && ok; h++) {
    const char *name = g_ptr_array_index(names, h);
    gssize j = column_index(table, name, "candidate", error);
    ok = j >= 0;
    if (ok && j == jy) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "candidate column '%s' is the metric column", name);
      ok = FALSE;
    }
    for (guint e = 0; e < h && ok; e++)
      if (g_array_index(cols, gssize, e) == j) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "candidate column '%s' is listed twice", name);
        ok = FALSE;
      }
    g_array_append_val(cols, j);
  }
  if (ok && names->len == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "no candidate proxy columns besides the metric '%s'", metric);
    ok = FALSE;
  }
  gsize n = zc_table_n_rows(table);
  double *y = ok ? column(table, (gsize)jy) : NULL, *bias = ok ? column(table, (gsize)jb) : NULL;
  gsize ny = y ? n_finite2(y, NULL, n) : 0;
  if (ok && ny < 3) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "metric column '%s' has %" G_GSIZE_FORMAT " usable values of %"
                G_GSIZE_FORMAT " rows (needs at least 3)", metric, ny, n);
    ok = FALSE;
  }
  ZcSelection *s = NULL;
  double **z = g_new0(double *, names->len + 1);
  if (ok) {
    s = selection_new();
    s->params = *params;
    s->source = g_strdup(source);
    s->metric = g_strdup(metric);
    s->bias_column = g_strdup(bias_column);
    s->n_rows = n;
    s->bias_metric = zc_stats_spearman(y, bias, n, NULL);
    if (source && !(s->source_sha256 = file_sha256(source, error))) ok = FALSE;
  }
  /* rho and bias of every candidate; z1 = the highest rho (the first of equals) */
  gssize z1 = -1;
  for (guint h = 0; ok && h < names->len; h++) {
    ZcSelectionCandidate *c = g_new0(ZcSelectionCandidate, 1);
    c->name = g_strdup(g_ptr_array_index(names, h));
    z[h] = column(table, (gsize)g_array_index(cols, gssize, h));
    c->n = n_finite2(z[h], y, n);
    c->rho = c->n >= 3 ? zc_stats_spearman(z[h], y, n, NULL) : NAN;
    c->bias = zc_stats_spearman(z[h], bias, n, NULL);
    c->ig = NAN;
    g_ptr_array_add(s->candidates, c);
    if (!isnan(c->rho) && (z1 < 0 || c->rho > ((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, z1))->rho))
      z1 = h;
  }
  if (ok && z1 < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "no candidate column has 3 rows with a value and a '%s' to rank (%u candidates)", metric, names->len);
    ok = FALSE;
  }
  if (ok) {
    s->selected[0] = g_strdup(g_ptr_array_index(names, z1));
    s->n_selected = 1;
    choose_window(s, (guint)z1);
    s->h_y_given_z1 = cond_entropy(y, z[z1], NULL, FALSE, n, params);
    /* z2: lowest information gain over z1 in the window */
    gssize z2 = -1;
    for (guint h = 0; h < names->len; h++) {
      ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
      if (!c->in_window) continue;
      c->ig = cond_entropy(y, z[z1], z[h], FALSE, n, params) - cond_entropy(y, z[z1], z[h], TRUE, n, params);
      if (isfinite(c->ig) && (z2 < 0 || c->ig < ((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, z2))->ig))
        z2 = h;
    }
    /* z3: of the rest of the window, the bias closest to the accuracy's */
    gssize z3 = -1;
    double best = INFINITY;
    for (guint h = 0; z2 >= 0 && h < names->len; h++) {
      ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
      double gap = fabs(s->bias_metric - c->bias);
      if (c->in_window && (gssize)h != z2 && gap < best) best = gap, z3 = h;
    }
    if (z2 >= 0) s->selected[s->n_selected++] = g_strdup(g_ptr_array_index(names, z2));
    if (z3 >= 0) s->selected[s->n_selected++] = g_strdup(g_ptr_array_index(names, z3));
  }
  for (guint h = 0; h < names->len; h++) g_free(z[h]);
  g_free(z);
  g_free(y);
  g_free(bias);
  g_array_unref(cols);
  g_ptr_array_unref(names);
  if (!ok) {
    zc_selection_free(s);
    return NULL;
  }
  return s;
}
