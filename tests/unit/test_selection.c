/* LIBRA-NAS proxy selection (zcnas/selection.h): histogram entropies checked against
 * -sum p log2 p written out by hand, the information gain and z1/z2/z3 of a 12-row
 * table worked by hand, the window edge, both fallbacks, the bin schemes, the
 * NAS-Bench-Suite-Zero failure mark, and selection.json written and read back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/error.h>
#include <zcnas/selection.h>
#include <zcnas/stats.h>
#include <zcnas/table.h>

#define EPS 1e-12

/* cmocka's assert_float_equal compares floats: doubles need their own */
#define assert_near(a, b, eps) assert_near_at((a), (b), (eps), #a, __FILE__, __LINE__)
static void assert_near_at(double a, double b, double eps, const char *what, const char *file, int line) {
  if (!(fabs(a - b) <= eps)) fail_msg("%s:%d: %s = %.17g, expected %.17g (within %g)", file, line, what, a, b, eps);
}

/* A temporary file with the given content; the caller frees and unlinks. */
static gchar *temp_file(const char *name, const char *content) {
  GError *err = NULL;
  gchar *path = NULL;
  int fd = g_file_open_tmp(name, &path, &err);
  assert_true(fd >= 0);
  close(fd);
  assert_true(g_file_set_contents(path, content, -1, &err));
  return path;
}

static void drop(gchar *path) {
  g_unlink(path);
  g_free(path);
}

static void assert_contains(const char *haystack, const char *needle) {
  if (!strstr(haystack, needle)) fail_msg("'%s' not found in:\n%s", needle, haystack);
}

/* Load a CSV text whose first column is the key `k` and the others metrics. */
static ZcTable *load(const char *csv, gchar **path_out) {
  gchar *path = temp_file("zc-sel-XXXXXX.csv", csv);
  gchar *first = g_strndup(csv, strcspn(csv, "\n"));
  gchar **cols = g_strsplit(first, ",", -1);
  GError *err = NULL;
  ZcTable *t = zc_table_load(path, cols[0], (const char *const *)cols + 1, NULL, NULL, &err);
  if (!t) fail_msg("%s", err->message);
  g_strfreev(cols);
  g_free(first);
  if (path_out) *path_out = path;
  else drop(path);
  return t;
}

static const ZcSelectionCandidate *cand(const ZcSelection *s, const char *name) {
  for (guint h = 0; h < s->candidates->len; h++) {
    const ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
    if (!strcmp(c->name, name)) return c;
  }
  fail_msg("no candidate %s", name);
  return NULL;
}

/* ---- entropies --------------------------------------------------------------------- */

/* 8 rows, 2 equal-width bins per column (values 0 and 1):
 *   x = 0 0 0 1 1 1 1 1,  y = 0 1 0 1 1 1 0 1
 *   cells (x,y): (0,0) 2, (0,1) 1, (1,0) 1, (1,1) 4
 *   H(x,y) = -(2/8 log2 2/8 + 1/8 log2 1/8 + 1/8 log2 1/8 + 4/8 log2 4/8)
 *          = 0.5 + 0.375 + 0.375 + 0.5 = 1.75 bits
 *   H(x)   = -(3/8 log2 3/8 + 5/8 log2 5/8) */
static void test_joint_entropy_by_hand(void **state) {
  (void)state;
  const double x[9] = {0, 0, 0, 1, 1, 1, 1, 1, NAN}, y[9] = {0, 1, 0, 1, 1, 1, 0, 1, 1};
  const double *const xy[2] = {x, y};
  double h_xy = -(2.0 / 8 * log2(2.0 / 8) + 1.0 / 8 * log2(1.0 / 8) + 1.0 / 8 * log2(1.0 / 8) + 4.0 / 8 * log2(4.0 / 8));
  double h_x = -(3.0 / 8 * log2(3.0 / 8) + 5.0 / 8 * log2(5.0 / 8));
  assert_near(h_xy, 1.75, EPS);
  /* the 9th row has a NaN: skipped */
  assert_near(zc_entropy_joint(xy, 2, 9, 2, ZC_BINS_WIDTH, 2.0), h_xy, EPS);
  assert_near(zc_entropy_joint(xy, 1, 9, 2, ZC_BINS_WIDTH, 2.0), h_x, EPS);
  /* nats: the same in base e */
  assert_near(zc_entropy_joint(xy, 2, 9, 2, ZC_BINS_WIDTH, G_E), h_xy * log(2.0), EPS);
  /* one row per cell of 8 bins: log2 8 */
  const double *const xonly[1] = {y};
  const double u[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const double *const ucol[1] = {u};
  assert_near(zc_entropy_joint(ucol, 1, 8, 8, ZC_BINS_WIDTH, 2.0), 3.0, EPS);
  /* a constant column: 0; no rows: NaN */
  const double c[4] = {5, 5, 5, 5};
  const double *const ccol[1] = {c};
  assert_near(zc_entropy_joint(ccol, 1, 4, 24, ZC_BINS_WIDTH, 2.0), 0.0, 0);
  /* a range wider than DBL_MAX still gives two halves: 1 bit */
  const double huge[4] = {-1.5e308, -1e308, 1e308, 1.5e308};
  const double *const hcol[1] = {huge};
  assert_near(zc_entropy_joint(hcol, 1, 4, 2, ZC_BINS_WIDTH, 2.0), 1.0, EPS);
  assert_true(isnan(zc_entropy_joint(xonly, 1, 0, 2, ZC_BINS_WIDTH, 2.0)));
}

/* Quantile bins hold equal counts; Sturges' rule ignores `bins`. */
static void test_bin_schemes(void **state) {
  (void)state;
  /* 1..7 and 100 in 4 bins.  Equal width (24.75 wide): counts 7, 0, 0, 1.
   * Quantile edges 2.75, 4.5, 6.25: counts 2, 2, 2, 2 -> log2 4 = 2. */
  const double v[8] = {1, 2, 3, 4, 5, 6, 7, 100};
  const double *const col[1] = {v};
  double h_width = -(7.0 / 8 * log2(7.0 / 8) + 1.0 / 8 * log2(1.0 / 8));
  assert_near(zc_entropy_joint(col, 1, 8, 4, ZC_BINS_WIDTH, 2.0), h_width, EPS);
  assert_near(zc_entropy_joint(col, 1, 8, 4, ZC_BINS_QUANTILE, 2.0), 2.0, EPS);
  /* Sturges, N = 8: round(1 + 3.322 log10 8) = round(3.9999) = 4 bins of width 7/4 over
   * 0..7: {0,1} {2,3} {4,5} {6,7} -> 2 bits, whatever `bins` says (24 would give 3). */
  const double u[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const double *const ucol[1] = {u};
  assert_near(zc_entropy_joint(ucol, 1, 8, 24, ZC_BINS_STURGES, 2.0), 2.0, EPS);
  assert_near(zc_entropy_joint(ucol, 1, 8, 24, ZC_BINS_WIDTH, 2.0), 3.0, EPS);
  /* N = 1000: round(1 + 3.322 * 3) = 11 bins over 0..999 (90.8 wide: 91 or 90 values
   * each); entropy within 0.01 of log2 11 */
  double w[1000];
  for (int i = 0; i < 1000; i++) w[i] = i;
  const double *const wcol[1] = {w};
  assert_near(zc_entropy_joint(wcol, 1, 1000, 24, ZC_BINS_STURGES, 2.0), log2(11.0), 0.01);
}

/* ---- the selection worked by hand ----------------------------------------------------- */

/* 12 rows, 2 equal-width bins per variable, window 2 (every candidate in it).
 *   y  = 1..12                       bins: rows 1-6 | 7-12
 *   z1 = 1 2 3 4 5 8 6 7 9 10 11 12  bins: rows 1-5,7 | 6,8-12     rho 0.979: z1
 *   zA: bin 1 only on rows 6 and 7 (exactly the rows where z1's bin is not y's)
 *   zB: bin 1 on rows 1 2 3 8 9 10
 *   zC: z1's bins, reversed inside each bin (lower rho, no new information)
 * H(y|z1): cells (y,z1) 5, 1, 1, 5 of 12 and z1's bins 6, 6:
 *   H(y,z1) = -(2 * 5/12 log2 5/12 + 2 * 1/12 log2 1/12),  H(z1) = 1.
 * IG(zA) = H(y|z1) - 0 (z1 and zA together fix y's bin).
 * IG(zB): cells of (z1,zB) of 3 rows each: rows {1,2,3} y 0 0 0, {4,5,7} y 0 0 1,
 *   {8,9,10} y 1 1 1, {6,11,12} y 0 1 1, so H(y|z1,zB) = 2/4 * h(1/3), with
 *   H(y,z1,zB) = -(3/12 log2 3/12 * 2 + 2/12 log2 2/12 * 2 + 1/12 log2 1/12 * 2), H(z1,zB) = 2.
 * IG(zC) = 0 -> z2 = zC.  z3: of zA and zB, the bias (Spearman with p) closest to b(y). */
#define HAND_TABLE                                                                                                   \
  "k,y,z1,zA,zB,zC,p\n"                                                                                              \
  "a,1,1,0.1,9.1,6,7\n"                                                                                              \
  "b,2,2,0.2,9.2,5,3\n"                                                                                              \
  "c,3,3,0.3,9.3,4,8\n"                                                                                              \
  "d,4,4,0.4,0.4,3,2\n"                                                                                              \
  "e,5,5,0.5,0.5,2,4\n"                                                                                              \
  "f,6,8,10,0.6,12,1\n"                                                                                              \
  "g,7,6,9.5,0.7,1,5\n"                                                                                              \
  "h,8,7,0.6,9.8,11,12\n"                                                                                            \
  "i,9,9,0.7,9.9,10,9\n"                                                                                             \
  "j,10,10,0.8,10,9,11\n"                                                                                            \
  "k,11,11,0.9,0.11,8,6\n"                                                                                           \
  "l,12,12,1.0,0.12,7,10\n"

static ZcSelectionParams hand_params(void) {
  ZcSelectionParams p;
  zc_selection_params_init(&p);
  p.bins = 2;
  p.window = 2.0;
  return p;
}

static void test_hand_selection(void **state) {
  (void)state;
  gchar *path = NULL;
  ZcTable *t = load(HAND_TABLE, &path);
  ZcSelectionParams p = hand_params();
  GError *err = NULL;
  const char *cands[] = {"z1", "zA", "zB", "zC", NULL};
  ZcSelection *s = zc_selection_compute(t, path, "y", "p", cands, &p, &err);
  if (!s) fail_msg("%s", err->message);

  double h_y_z1 = -(2 * (5.0 / 12) * log2(5.0 / 12) + 2 * (1.0 / 12) * log2(1.0 / 12));
  double h_y_given_z1 = h_y_z1 - 1.0;
  double h_given_b = -(2 * (3.0 / 12) * log2(3.0 / 12) + 2 * (2.0 / 12) * log2(2.0 / 12) + 2 * (1.0 / 12) * log2(1.0 / 12)) - 2.0;
  /* the same by the within-cell form: h(1/6) and half of h(1/3) */
  assert_near(h_y_given_z1, -(1.0 / 6 * log2(1.0 / 6) + 5.0 / 6 * log2(5.0 / 6)), EPS);
  assert_near(h_given_b, 0.5 * -(1.0 / 3 * log2(1.0 / 3) + 2.0 / 3 * log2(2.0 / 3)), EPS);

  assert_int_equal(s->candidates->len, 4);
  assert_near(s->h_y_given_z1, h_y_given_z1, EPS);
  assert_near(cand(s, "zA")->ig, h_y_given_z1, EPS);
  assert_near(cand(s, "zB")->ig, h_y_given_z1 - h_given_b, EPS);
  assert_near(cand(s, "zC")->ig, 0.0, EPS);
  assert_true(isnan(cand(s, "z1")->ig));
  /* rho: 1 - 6 * 6 / (12 * 143) for z1 */
  assert_near(cand(s, "z1")->rho, 1 - 36.0 / 1716, EPS);
  assert_int_equal(cand(s, "z1")->n, 12);
  assert_near(s->window_used, 2.0, 0);

  /* z3 by the rule, from independently computed biases: of zA and zB (zC is z2) */
  const char *rest[] = {"zA", "zB"};
  double by = s->bias_metric, best = INFINITY;
  const char *z3 = NULL;
  for (int k = 0; k < 2; k++) {
    gsize n = zc_table_n_rows(t);
    double *zc = g_new(double, n), *pc = g_new(double, n);
    gssize jz = zc_table_metric_index(t, rest[k]), jp = zc_table_metric_index(t, "p");
    for (gsize i = 0; i < n; i++) zc[i] = zc_table_value(t, i, jz), pc[i] = zc_table_value(t, i, jp);
    double b = zc_stats_spearman(zc, pc, n, NULL);
    assert_near(cand(s, rest[k])->bias, b, EPS);
    if (fabs(by - b) < best) best = fabs(by - b), z3 = rest[k];
    g_free(zc);
    g_free(pc);
  }
  assert_int_equal(s->n_selected, 3);
  assert_string_equal(s->selected[0], "z1");
  assert_string_equal(s->selected[1], "zC");
  assert_string_equal(s->selected[2], z3);
  assert_string_equal(z3, "zB");   /* the data was made so: not the higher-rho zA */
  zc_selection_free(s);
  zc_table_free(t);
  drop(path);
}

/* ---- window and fallbacks ------------------------------------------------------------ */

/* 5 rows: rho(z1) = 1, rho(a) = 0.8, rho(b) = 0.7, rho(e) = 0.6 (sum d^2 = 0, 4, 6, 8). */
#define WINDOW_TABLE                                                                                                 \
  "k,y,z1,a,b,e,p\n"                                                                                                 \
  "r1,1,1,2,3,3,1\n"                                                                                                 \
  "r2,2,2,1,1,2,2\n"                                                                                                 \
  "r3,3,3,3,2,1,3\n"                                                                                                 \
  "r4,4,4,5,4,4,4\n"                                                                                                 \
  "r5,5,5,4,5,5,5\n"

static double rho_of(const ZcTable *t, const char *name) {
  gsize n = zc_table_n_rows(t);
  double *y = g_new(double, n), *z = g_new(double, n);
  for (gsize i = 0; i < n; i++) y[i] = zc_table_value(t, i, 0), z[i] = zc_table_value(t, i, zc_table_metric_index(t, name));
  double r = zc_stats_spearman(z, y, n, NULL);
  g_free(y);
  g_free(z);
  return r;
}

static ZcSelection *window_select(const ZcTable *t, double width, ZcWindowFallback fallback) {
  ZcSelectionParams p;
  zc_selection_params_init(&p);
  p.window = width;
  p.fallback = fallback;
  p.bins = 2;
  const char *cands[] = {"z1", "a", "b", "e", NULL};
  GError *err = NULL;
  ZcSelection *s = zc_selection_compute(t, NULL, "y", "p", cands, &p, &err);
  if (!s) fail_msg("%s", err->message);
  return s;
}

static void test_window_edge(void **state) {
  (void)state;
  ZcTable *t = load(WINDOW_TABLE, NULL);
  double r1 = rho_of(t, "z1"), re = rho_of(t, "e");
  assert_near(rho_of(t, "a"), 0.8, 1e-12);
  assert_near(re, 0.6, 1e-12);
  /* width such that rho(z1) - width == rho(e) exactly (Sterbenz: r1/2 <= re <= r1) */
  double width = r1 - re;
  assert_true(r1 - width == re);
  ZcSelection *s = window_select(t, width, ZC_WINDOW_WIDEN);
  assert_true(cand(s, "a")->in_window);
  assert_true(cand(s, "b")->in_window);
  assert_false(cand(s, "e")->in_window);   /* on the edge: out */
  assert_false(cand(s, "z1")->in_window);
  assert_true(s->window_used == width);
  zc_selection_free(s);
  /* the next double up takes e in */
  s = window_select(t, nextafter(width, 1.0), ZC_WINDOW_WIDEN);
  assert_true(cand(s, "e")->in_window);
  zc_selection_free(s);
  zc_table_free(t);
}

static void test_fallbacks(void **state) {
  (void)state;
  ZcTable *t = load(WINDOW_TABLE, NULL);
  /* width 0.12: (0.88, 1] holds nothing; widened to 2 x 0.12 (0.76: a) and 3 x 0.12
   * (0.64: a, b), where it stops with 2 candidates */
  ZcSelection *s = window_select(t, 0.12, ZC_WINDOW_WIDEN);
  assert_true(s->window_used == 3 * 0.12);
  assert_true(cand(s, "a")->in_window);
  assert_true(cand(s, "b")->in_window);
  assert_false(cand(s, "e")->in_window);
  assert_int_equal(s->n_selected, 3);
  zc_selection_free(s);
  /* fewer: the window stays empty and z1 is all */
  s = window_select(t, 0.12, ZC_WINDOW_FEWER);
  assert_true(s->window_used == 0.12);
  assert_false(cand(s, "a")->in_window);
  assert_int_equal(s->n_selected, 1);
  assert_string_equal(s->selected[0], "z1");
  assert_null(s->selected[1]);
  zc_selection_free(s);
  /* fewer with one candidate in the window (0.25: a): z1 and z2 only */
  s = window_select(t, 0.25, ZC_WINDOW_FEWER);
  assert_int_equal(s->n_selected, 2);
  assert_string_equal(s->selected[1], "a");
  assert_null(s->selected[2]);
  zc_selection_free(s);
  /* widen with one other proxy in all: stops when every other is in */
  ZcSelectionParams p;
  zc_selection_params_init(&p);
  const char *two[] = {"z1", "e", NULL};
  GError *err = NULL;
  s = zc_selection_compute(t, NULL, "y", "p", two, &p, &err);
  assert_non_null(s);
  assert_true(cand(s, "e")->in_window);
  assert_int_equal(s->n_selected, 2);
  /* k x 0.1 with k = 4 or 5, whichever first takes rho 0.6 in */
  assert_true(s->window_used == 4 * 0.1 || s->window_used == 5 * 0.1);
  zc_selection_free(s);
  zc_table_free(t);
}

/* ---- missing values ------------------------------------------------------------------- */

/* -1e8 (and below) is NAS-Bench-Suite-Zero's failure mark: the row is left out of that
 * proxy's rho; ranked as a value it would be the lowest, on the row of the best y. */
static void test_sentinel_is_missing(void **state) {
  (void)state;
  ZcTable *t = load("k,y,z,w,p\n"
                    "a,1,1,2,1\n"
                    "b,2,3,1,2\n"
                    "c,3,2,3,3\n"
                    "d,4,4,5,4\n"
                    "e,5,5,4,5\n"
                    "f,6,-100000000,-inf,6\n"
                    "g,7,-2e8,7,7\n",
                    NULL);
  GError *err = NULL;
  ZcSelection *s = zc_selection_compute(t, NULL, "y", "p", NULL, NULL, &err);
  if (!s) fail_msg("%s", err->message);
  const double y[5] = {1, 2, 3, 4, 5}, z[5] = {1, 3, 2, 4, 5};
  const double y6[6] = {1, 2, 3, 4, 5, 7}, w6[6] = {2, 1, 3, 5, 4, 7};
  assert_int_equal(cand(s, "z")->n, 5);
  assert_near(cand(s, "z")->rho, zc_stats_spearman(z, y, 5, NULL), EPS);
  assert_int_equal(cand(s, "w")->n, 6);   /* -inf is missing too */
  assert_near(cand(s, "w")->rho, zc_stats_spearman(w6, y6, 6, NULL), EPS);
  zc_selection_free(s);
  zc_table_free(t);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_errors_name_the_column(void **state) {
  (void)state;
  ZcTable *t = load(WINDOW_TABLE, NULL);
  GError *err = NULL;
  assert_null(zc_selection_compute(t, NULL, "acc", "p", NULL, NULL, &err));
  assert_int_equal(err->code, ZC_ERROR_CONFIG);
  assert_contains(err->message, "'acc'");
  g_clear_error(&err);
  const char *bad[] = {"z1", "nope", NULL};
  assert_null(zc_selection_compute(t, NULL, "y", "p", bad, NULL, &err));
  assert_contains(err->message, "'nope'");
  g_clear_error(&err);
  assert_null(zc_selection_compute(t, NULL, "y", "params", NULL, NULL, &err));
  assert_contains(err->message, "'params'");
  g_clear_error(&err);
  zc_table_free(t);
  /* too few rows */
  t = load("k,y,z,p\na,1,2,3\nb,2,1,4\n", NULL);
  assert_null(zc_selection_compute(t, NULL, "y", "p", NULL, NULL, &err));
  assert_int_equal(err->code, ZC_ERROR_DATA);
  assert_contains(err->message, "'y'");
  g_clear_error(&err);
  zc_table_free(t);
}

/* ---- selection.json -------------------------------------------------------------------- */

static void assert_same_double(double a, double b) {
  if (isnan(a) || isnan(b)) assert_true(isnan(a) && isnan(b));
  else assert_true(a == b);
}

static void test_json_round_trip(void **state) {
  (void)state;
  gchar *csv = NULL;
  ZcTable *t = load(HAND_TABLE, &csv);
  ZcSelectionParams p = hand_params();
  p.scheme = ZC_BINS_QUANTILE;
  p.log_base = 10;
  p.fallback = ZC_WINDOW_FEWER;
  p.combine = ZC_COMBINE_ZSUM;
  GError *err = NULL;
  ZcSelection *a = zc_selection_compute(t, csv, "y", "p", NULL, &p, &err);
  assert_non_null(a);
  gchar *dir = g_dir_make_tmp("zc-sel-XXXXXX", &err);
  gchar *json = g_build_filename(dir, "selection.json", NULL);
  assert_true(zc_selection_write_json(a, json, &err));
  ZcSelection *b = zc_selection_load_json(json, &err);
  if (!b) fail_msg("%s", err->message);
  assert_int_equal(b->params.struct_size, sizeof(ZcSelectionParams));
  assert_int_equal(b->params.bins, 2);
  assert_int_equal(b->params.scheme, ZC_BINS_QUANTILE);
  assert_true(b->params.log_base == 10);
  assert_true(b->params.window == 2.0);
  assert_int_equal(b->params.fallback, ZC_WINDOW_FEWER);
  assert_int_equal(b->params.combine, ZC_COMBINE_ZSUM);
  assert_string_equal(b->source, csv);
  assert_non_null(a->source_sha256);
  assert_int_equal(strlen(a->source_sha256), 64);
  assert_string_equal(b->source_sha256, a->source_sha256);
  assert_string_equal(b->metric, "y");
  assert_string_equal(b->bias_column, "p");
  assert_int_equal(b->n_rows, 12);
  assert_same_double(b->bias_metric, a->bias_metric);
  assert_same_double(b->h_y_given_z1, a->h_y_given_z1);
  assert_same_double(b->window_used, a->window_used);
  assert_int_equal(b->candidates->len, a->candidates->len);
  for (guint h = 0; h < a->candidates->len; h++) {
    const ZcSelectionCandidate *x = g_ptr_array_index(a->candidates, h), *y = g_ptr_array_index(b->candidates, h);
    assert_string_equal(y->name, x->name);
    assert_int_equal(y->n, x->n);
    assert_same_double(y->rho, x->rho);
    assert_same_double(y->bias, x->bias);
    assert_same_double(y->ig, x->ig);
    assert_int_equal(y->in_window, x->in_window);
  }
  assert_true(isnan(cand(b, "z1")->ig));   /* null in the file */
  assert_int_equal(b->n_selected, a->n_selected);
  for (guint k = 0; k < 3; k++) {
    if (k < a->n_selected) assert_string_equal(b->selected[k], a->selected[k]);
    else assert_null(b->selected[k]);
  }
  /* no temporary file is left beside it */
  GDir *d = g_dir_open(dir, 0, NULL);
  int files = 0;
  while (g_dir_read_name(d)) files++;
  g_dir_close(d);
  assert_int_equal(files, 1);
  zc_selection_free(a);
  zc_selection_free(b);
  g_unlink(json);
  g_rmdir(dir);
  g_free(json);
  g_free(dir);
  zc_table_free(t);
  drop(csv);
}

/* A selection.json text: the given params/source members, fixed top-level numbers, and the
 * candidates and selected lists as JSON text. */
static gchar *selection_text(const char *params, const char *candidates, const char *selected) {
  return g_strdup_printf("{\"format\": \"zcnas-selection\", \"version\": 1, %s"
                         "\"metric\": \"acc\", \"bias_column\": \"params\", \"n_rows\": 3, \"bias_metric\": 0.5, "
                         "\"h_y_given_z1\": 1, \"window_used\": 0.1, \"candidates\": [%s], \"selected\": [%s]}",
                         params, candidates, selected);
}

static void test_json_errors_name_the_field(void **state) {
  (void)state;
  const char *good_params = "\"params\": {\"bins\": 24, \"binning\": \"width\", \"log_base\": 2, \"window\": 0.1, "
                            "\"fallback\": \"widen\", \"combine\": \"logrank\"}, "
                            "\"source\": {\"path\": null, \"sha256\": null}, ";
  const char *cand_a = "{\"name\": \"a\", \"n\": 3, \"rho\": 0.5, \"bias\": 0.1, \"in_window\": false, \"ig\": null}";
  gchar *cands = g_strconcat(cand_a, ", {\"name\": \"b\", \"n\": 3, \"rho\": \"high\", \"bias\": 0.1, "
                             "\"in_window\": true, \"ig\": 0.2}", NULL);
  gchar *text = selection_text(good_params, cands, "\"a\", \"b\"");
  g_free(cands);
  gchar *path = temp_file("zc-sel-XXXXXX.json", text);
  GError *err = NULL;
  assert_null(zc_selection_load_json(path, &err));
  assert_contains(err->message, path);
  assert_contains(err->message, "candidates[1].rho");
  g_clear_error(&err);
  drop(path);
  g_free(text);
  /* a missing field */
  text = g_strdup_printf("{\"format\": \"zcnas-selection\", \"version\": 1, %s \"bias_column\": \"params\"}", good_params);
  path = temp_file("zc-sel-XXXXXX.json", text);
  assert_null(zc_selection_load_json(path, &err));
  assert_contains(err->message, "'metric'");
  assert_contains(err->message, "missing");
  g_clear_error(&err);
  drop(path);
  g_free(text);
  /* a selected proxy that is no candidate */
  text = selection_text(good_params, cand_a, "\"a\", \"zz\"");
  path = temp_file("zc-sel-XXXXXX.json", text);
  assert_null(zc_selection_load_json(path, &err));
  assert_contains(err->message, "selected[1]");
  g_clear_error(&err);
  drop(path);
  g_free(text);
  /* a number too large for a double (found by fuzzing: it read as infinity, and the
   * selection then changed when written back) */
  text = selection_text(good_params,
                        "{\"name\": \"a\", \"n\": 3, \"rho\": 0.5e999, \"bias\": 0.1, \"in_window\": false, \"ig\": null}",
                        "\"a\"");
  path = temp_file("zc-sel-XXXXXX.json", text);
  assert_null(zc_selection_load_json(path, &err));
  assert_contains(err->message, "candidates[0].rho");
  assert_contains(err->message, "out of range");
  g_clear_error(&err);
  drop(path);
  g_free(text);
  /* not JSON at all */
  path = temp_file("zc-sel-XXXXXX.json", "{ nope");
  assert_null(zc_selection_load_json(path, &err));
  assert_contains(err->message, path);
  g_clear_error(&err);
  drop(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_joint_entropy_by_hand),
    cmocka_unit_test(test_bin_schemes),
    cmocka_unit_test(test_hand_selection),
    cmocka_unit_test(test_window_edge),
    cmocka_unit_test(test_fallbacks),
    cmocka_unit_test(test_sentinel_is_missing),
    cmocka_unit_test(test_errors_name_the_column),
    cmocka_unit_test(test_json_round_trip),
    cmocka_unit_test(test_json_errors_name_the_field),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
