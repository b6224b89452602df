/* gnuplot plots of a correlate run.  See plot.h. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "plot.h"
#include "run/context.h"

/* gnuplot single-quoted string: ' doubles */
static void quoted(GString *s, const char *text) {
  g_string_append_c(s, '\'');
  for (const char *c = text; *c; c++) {
    if (*c == '\'') g_string_append_c(s, '\'');
    g_string_append_c(s, *c);
  }
  g_string_append_c(s, '\'');
}

static const char *gnuplot_program(void) {
  const char *env = g_getenv("ZCNAS_GNUPLOT");
  return env ? env : ZC_GNUPLOT;
}

static gboolean write_data(const char *path, GString *s) {
  gboolean ok = g_file_set_contents(path, s->str, -1, NULL);
  g_string_free(s, TRUE);
  return ok;
}

/* Run the script `gp` with gnuplot, then remove it, the data files and `tmp`. */
static void run_gnuplot(const char *prog, const char *tmp, GString *gp, GPtrArray *data_files, gboolean quiet) {
  char *script = g_build_filename(tmp, "plots.gp", NULL);
  g_file_set_contents(script, gp->str, -1, NULL);
  const char *argv[] = {prog, script, NULL};
  char *err_text = NULL;
  int wait = 0;
  GError *err = NULL;
  gboolean ran = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_text,
                              &wait, &err);
  if (!ran || !g_spawn_check_wait_status(wait, NULL)) {
    if (!quiet)
      fprintf(stderr, "zcnas: warning: gnuplot failed, plots may be missing: %s\n",
              err ? err->message : err_text && *err_text ? err_text : "exit status");
  }
  g_clear_error(&err);
  g_free(err_text);
  for (guint k = 0; k < data_files->len; k++) g_unlink(g_ptr_array_index(data_files, k));
  g_unlink(script);
  g_rmdir(tmp);
  g_free(script);
  g_ptr_array_unref(data_files);
  g_string_free(gp, TRUE);
}

/* A heat-map of `values` (rows x cols, row-major; NaN: an empty cell) in [-1, 1] with each
 * value written in its cell: the script into gp, its data file into tmp. */
static void append_heatmap(GString *gp, GPtrArray *data_files, const char *tmp, const char *absdir, const char *png,
                           const char *title, const char *const *rows, guint n_rows, const char *const *cols,
                           guint n_cols, const double *values) {
  char *dat = g_strdup_printf("%s/heat-%u.dat", tmp, data_files->len);
  GString *d = g_string_new(NULL);
  for (guint r = 0; r < n_rows; r++)
    for (guint c = 0; c < n_cols; c++) {
      double v = values[(gsize)r * n_cols + c];
      if (isnan(v)) g_string_append_printf(d, "%u %u NaN \"\"\n", c, r);
      else g_string_append_printf(d, "%u %u %.10g \"%.2f\"\n", c, r, v, v);
    }
  write_data(dat, d);
  g_ptr_array_add(data_files, g_strdup(dat));
  char *out = g_build_filename(absdir, png, NULL);
  guint w = MAX(640, 160 + 70 * n_cols), h = MAX(480, 120 + 28 * n_rows);
  g_string_append_printf(gp, "reset\nset terminal pngcairo size %u,%u noenhanced\nset key off\nset output ", w, h);
  quoted(gp, out);
  g_string_append(gp, "\nset title ");
  quoted(gp, title);
  g_string_append_printf(gp, "\nset cbrange [-1:1]\nset palette defined (-1 '#b2182b', 0 'white', 1 '#2166ac')\n"
                             "set xrange [-0.5:%u.5]\nset yrange [%u.5:-0.5]\nset xtics rotate by -30 (",
                         n_cols - 1, n_rows - 1);
  for (guint c = 0; c < n_cols; c++) {
    if (c) g_string_append_c(gp, ',');
    quoted(gp, cols[c]);
    g_string_append_printf(gp, " %u", c);
  }
  g_string_append(gp, ")\nset ytics (");
  for (guint r = 0; r < n_rows; r++) {
    if (r) g_string_append_c(gp, ',');
    quoted(gp, rows[r]);
    g_string_append_printf(gp, " %u", r);
  }
  g_string_append(gp, ")\nplot ");
  quoted(gp, dat);
  g_string_append(gp, " using 1:2:3 with image, '' using 1:2:4 with labels\nunset output\n");
  g_free(out);
  g_free(dat);
}

char **zc_plot_correlate(const char *dir, const ZcCorrTable *t, const double *scores, const gint8 *direction,
                         const double *truth, guint n, gboolean quiet) {
  GPtrArray *pngs = g_ptr_array_new_with_free_func(g_free);
  const char *prog = gnuplot_program();
  if (!prog || !*prog || !g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE)) {
    if (!quiet) fprintf(stderr, "zcnas: warning: gnuplot not found: no plots drawn\n");
    g_ptr_array_add(pngs, NULL);
    return (char **)g_ptr_array_free(pngs, FALSE);
  }
  char *tmp = g_dir_make_tmp("zcnas-plot-XXXXXX", NULL);
  if (!tmp) {
    g_ptr_array_add(pngs, NULL);
    return (char **)g_ptr_array_free(pngs, FALSE);
  }
  char *cwd = g_get_current_dir();
  char *absdir = g_path_is_absolute(dir) ? g_strdup(dir) : g_build_filename(cwd, dir, NULL);
  g_free(cwd);
  GString *gp = g_string_new("set terminal pngcairo size 640,480 noenhanced\nset grid\nset key off\n");
  GPtrArray *data_files = g_ptr_array_new_with_free_func(g_free);
  for (guint c = 0; c < t->n_cols; c++)
    for (guint b = 0; b < t->n_bench; b++) {
      char *sc = zc_run_safe_name(t->cols[c]), *sb = zc_run_safe_name(t->bench[b]);
      char *png = g_strdup_printf("scatter-%s-%s.png", sc, sb);
      char *dat = g_strdup_printf("%s/scatter-%u-%u.dat", tmp, c, b);
      GString *d = g_string_new(NULL);
      for (guint i = 0; i < n; i++) {
        double x = truth[(gsize)i * t->n_bench + b], y = scores[(gsize)i * t->n_cols + c];
        if (isfinite(x) && isfinite(y)) g_string_append_printf(d, "%.10g %.10g\n", x, y);
      }
      if (d->len == 0) {   /* nothing to draw; an empty plot would stop the script */
        g_string_free(d, TRUE);
        g_free(png);
        g_free(dat);
        g_free(sc);
        g_free(sb);
        continue;
      }
      write_data(dat, d);
      g_ptr_array_add(data_files, g_strdup(dat));
      char *out = g_build_filename(absdir, png, NULL);
      g_string_append(gp, "set output ");
      quoted(gp, out);
      char *title = g_strdup_printf("%s vs %s: Spearman %.3f (%s)", t->cols[c], t->bench[b],
                                    zc_corr_cell(t, c, b, 0)->estimate,
                                    direction[c] < 0 ? "lower is better" : "higher is better");
      g_string_append(gp, "\nset title ");
      quoted(gp, title);
      g_string_append(gp, "\nset xlabel ");
      quoted(gp, t->bench[b]);
      g_string_append(gp, "\nset ylabel ");
      quoted(gp, t->cols[c]);
      g_string_append(gp, "\nplot ");
      quoted(gp, dat);
      g_string_append(gp, " using 1:2 with points pt 7 ps 0.5 lc rgb '#1f77b4'\nunset output\n");
      g_ptr_array_add(pngs, png);
      g_free(title);
      g_free(out);
      g_free(dat);
      g_free(sc);
      g_free(sb);
    }
  /* ρ with its interval, one chart per benchmark */
  g_string_append(gp, "unset xlabel\nset ylabel 'Spearman rho'\nset yrange [-1:1]\nset style fill solid 0.6\n"
                      "set boxwidth 0.6\nset xtics rotate by -30\nset xzeroaxis\n");
  for (guint b = 0; b < t->n_bench; b++) {
    char *sb = zc_run_safe_name(t->bench[b]);
    char *png = g_strdup_printf("spearman-%s.png", sb);
    char *dat = g_strdup_printf("%s/rho-%u.dat", tmp, b);
    GString *d = g_string_new(NULL);
    for (guint c = 0; c < t->n_cols; c++) {
      const ZcStatInterval *v = zc_corr_cell(t, c, b, 0);
      char *label = zc_run_safe_name(t->cols[c]);
      double e = isnan(v->estimate) ? 0.0 : v->estimate;   /* n/a: an empty bar */
      g_string_append_printf(d, "%u \"%s%s\" %.10g %.10g %.10g\n", c, label, isnan(v->estimate) ? " (n/a)" : "", e,
                             isnan(v->lo) ? e : v->lo, isnan(v->hi) ? e : v->hi);
      g_free(label);
    }
    write_data(dat, d);
    g_ptr_array_add(data_files, g_strdup(dat));
    char *out = g_build_filename(absdir, png, NULL);
    g_string_append(gp, "set output ");
    quoted(gp, out);
    char *title = g_strdup_printf("Spearman rho vs %s", t->bench[b]);
    g_string_append(gp, "\nset title ");
    quoted(gp, title);
    g_string_append_printf(gp, "\nset xrange [-0.5:%u.5]\nplot ", t->n_cols - 1);
    quoted(gp, dat);
    g_string_append(gp, " using 1:3:xtic(2) with boxes lc rgb '#1f77b4', '' using 1:3:4:5 with yerrorbars "
                        "lc rgb 'black' pt 0\nunset output\nset autoscale x\n");
    g_ptr_array_add(pngs, png);
    g_free(title);
    g_free(out);
    g_free(dat);
    g_free(sb);
  }
  if (t->n_bench > 1) {
    double *rho = g_new(double, (gsize)t->n_cols * t->n_bench);
    for (guint c = 0; c < t->n_cols; c++)
      for (guint b = 0; b < t->n_bench; b++) rho[(gsize)c * t->n_bench + b] = zc_corr_cell(t, c, b, 0)->estimate;
    append_heatmap(gp, data_files, tmp, absdir, "heatmap.png", "Spearman rho, proxy x benchmark",
                   (const char *const *)t->cols, t->n_cols, (const char *const *)t->bench, t->n_bench, rho);
    g_ptr_array_add(pngs, g_strdup("heatmap.png"));
    g_free(rho);
  }
  run_gnuplot(prog, tmp, gp, data_files, quiet);
  g_free(absdir);
  g_free(tmp);
  g_ptr_array_add(pngs, NULL);
  return (char **)g_ptr_array_free(pngs, FALSE);
}

gboolean zc_plot_curves(const char *dir, const char *png, const char *xlabel, const char *ylabel, char **labels,
                        guint n_series, GArray **points, gboolean quiet) {
  const char *prog = gnuplot_program();
  if (!prog || !*prog || !g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE)) {
    if (!quiet) fprintf(stderr, "zcnas: warning: gnuplot not found: no plots drawn\n");
    return FALSE;
  }
  char *tmp = g_dir_make_tmp("zcnas-plot-XXXXXX", NULL);
  if (!tmp) return FALSE;
  char *cwd = g_get_current_dir();
  char *absdir = g_path_is_absolute(dir) ? g_strdup(dir) : g_build_filename(cwd, dir, NULL);
  g_free(cwd);
  GString *gp = g_string_new("set terminal pngcairo size 800,520 noenhanced\nset grid\nset key bottom right\n");
  GPtrArray *data_files = g_ptr_array_new_with_free_func(g_free);
  char *out = g_build_filename(absdir, png, NULL);
  g_string_append(gp, "set output ");
  quoted(gp, out);
  g_string_append(gp, "\nset xlabel ");
  quoted(gp, xlabel);
  g_string_append(gp, "\nset ylabel ");
  quoted(gp, ylabel);
  g_string_append(gp, "\nset style fill transparent solid 0.2 noborder\nplot ");
  for (guint k = 0; k < n_series; k++) {
    char *dat = g_strdup_printf("%s/curve-%u.dat", tmp, k);
    GString *d = g_string_new(NULL);
    for (guint i = 0; i < points[k]->len / 3; i++) {
      const double *p = &g_array_index(points[k], double, 3 * i);
      if (isfinite(p[1])) g_string_append_printf(d, "%.9g %.9g %.9g\n", p[0], p[1], isfinite(p[2]) ? p[2] : 0.0);
    }
    write_data(dat, d);
    if (k) g_string_append(gp, ", ");
    quoted(gp, dat);
    g_string_append_printf(gp, " using 1:($2-$3):($2+$3) with filledcurves lc %u notitle, ", k + 1);
    quoted(gp, dat);
    g_string_append_printf(gp, " using 1:2 with lines lw 2 lc %u title ", k + 1);
    quoted(gp, labels[k]);
    g_ptr_array_add(data_files, dat);
  }
  g_string_append(gp, "\nunset output\n");
  run_gnuplot(prog, tmp, gp, data_files, quiet);
  g_free(out);
  g_free(absdir);
  g_free(tmp);
  return TRUE;
}

gboolean zc_plot_heatmap(const char *dir, const char *png, const char *title, const char *const *rows, guint n_rows,
                         const char *const *cols, guint n_cols, const double *values, gboolean quiet) {
  const char *prog = gnuplot_program();
  if (!prog || !*prog || !g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE)) {
    if (!quiet) fprintf(stderr, "zcnas: warning: gnuplot not found: no plots drawn\n");
    return FALSE;
  }
  if (n_rows == 0 || n_cols == 0) return FALSE;
  char *tmp = g_dir_make_tmp("zcnas-plot-XXXXXX", NULL);
  if (!tmp) return FALSE;
  char *cwd = g_get_current_dir();
  char *absdir = g_path_is_absolute(dir) ? g_strdup(dir) : g_build_filename(cwd, dir, NULL);
  g_free(cwd);
  GString *gp = g_string_new(NULL);
  GPtrArray *data_files = g_ptr_array_new_with_free_func(g_free);
  append_heatmap(gp, data_files, tmp, absdir, png, title, rows, n_rows, cols, n_cols, values);
  run_gnuplot(prog, tmp, gp, data_files, quiet);
  g_free(absdir);
  g_free(tmp);
  return TRUE;
}
