/* PNG plots of a correlate run drawn by gnuplot (private to libzcnas; core/experiments/plot.c):
 * a scatter of each proxy against each benchmark, a bar chart of Spearman's ρ with its
 * interval per benchmark, and a proxy × benchmark heat-map when there are several.
 * gnuplot is the one configure found (ZC_GNUPLOT), or $ZCNAS_GNUPLOT when set (empty:
 * none).  Without gnuplot, plots are skipped with one warning: never an error. */
#ifndef ZC_PLOT_H
#define ZC_PLOT_H
#include <glib.h>
#include "report.h"

/* Draw into `dir`; returns the PNG file names written (NULL-terminated, g_strfreev). */
char **zc_plot_correlate(const char *dir, const ZcCorrTable *t, const double *scores, const gint8 *direction,
                         const double *truth, guint n, gboolean quiet);

/* Mean curves with a +-sd band, one per series, into dir/png: points[k] holds triples
 * (x, mean, sd).  FALSE when nothing was drawn (no gnuplot: one warning unless quiet). */
gboolean zc_plot_curves(const char *dir, const char *png, const char *xlabel, const char *ylabel, char **labels,
                        guint n_series, GArray **points, gboolean quiet);

/* A heat-map of values in [-1, 1] (rows x cols, row-major; NaN: an empty cell), each
 * value written in its cell, into dir/png.  FALSE when nothing was drawn. */
gboolean zc_plot_heatmap(const char *dir, const char *png, const char *title, const char *const *rows, guint n_rows,
                         const char *const *cols, guint n_cols, const double *values, gboolean quiet);

#endif
