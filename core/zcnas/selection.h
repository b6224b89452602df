/* zcnas — LIBRA-NAS proxy selection (Low Information gain and Bias Re-Alignment).
 *
 * From a labelled score table (proxy columns, an accuracy column, a bias column such as
 * the parameter count) choose three proxies:
 *   z1  the proxy with the highest signed Spearman rho with the accuracy;
 *   z2  inside the window W = { z != z1 : rho(z1) - width < rho(z) <= rho(z1) }, the one of
 *       lowest information gain IG(z) = H(y | z1) - H(y | z1, z), entropies of histograms;
 *   z3  inside W without z2, the one whose bias b(z) = Spearman(z, bias column) is closest
 *       to the accuracy's b(y).
 * What the paper leaves open (binning, window fallback, the rule that merges the three)
 * is set by ZcSelectionParams; docs/libra.md gives the defaults and their sources.
 * The result is written to and read back from selection.json, with every number that led
 * to it, so a search on another benchmark can take it as its fitness. */
#ifndef ZC_SELECTION_H
#define ZC_SELECTION_H
#include <glib.h>
#include <zcnas/fitness.h>
#include <zcnas/table.h>

G_BEGIN_DECLS

typedef enum {
  ZC_BINS_WIDTH = 0,   /* equal-width bins between the column's min and max (default) */
  ZC_BINS_QUANTILE,    /* equal-count bins (edges at quantiles) */
  ZC_BINS_STURGES      /* equal width, round(1 + 3.322 log10 N) bins (`bins` is ignored) */
} ZcBinScheme;

typedef enum {
  ZC_WINDOW_WIDEN = 0, /* widen the window by `window` steps until it holds 2 candidates
                          (or every other proxy) (default) */
  ZC_WINDOW_FEWER      /* keep the window; select fewer than three proxies */
} ZcWindowFallback;

typedef struct {
  guint32 struct_size;
  guint bins;                 /* per variable; default 24 */
  ZcBinScheme scheme;
  double log_base;            /* default 2 */
  double window;              /* default 0.1 */
  ZcWindowFallback fallback;
  ZcCombine combine;          /* how a search merges the selected proxies; default logrank */
} ZcSelectionParams;

void zc_selection_params_init(ZcSelectionParams *params);

typedef struct {
  char *name;          /* proxy (score) name */
  gsize n;             /* rows with a finite value of this proxy and of the accuracy */
  double rho;          /* signed Spearman rho with the accuracy */
  double bias;         /* Spearman rho with the bias column */
  double ig;           /* IG given z1; NaN outside the window and for z1 */
  gboolean in_window;
} ZcSelectionCandidate;

typedef struct {
  ZcSelectionParams params;
  char *source;        /* the table's path, as given */
  char *source_sha256;
  char *metric;        /* the accuracy column */
  char *bias_column;
  gsize n_rows;        /* rows of the table */
  double bias_metric;  /* b(y): Spearman(accuracy, bias column) */
  double h_y_given_z1; /* H(y | z1) */
  double window_used;  /* the window width finally used (after widening) */
  GPtrArray *candidates;   /* ZcSelectionCandidate*, in table column order */
  guint n_selected;        /* 1 .. 3 */
  char *selected[3];       /* z1, z2, z3 (NULL past n_selected) */
} ZcSelection;

/* Select from `table`: `metric` is the accuracy column, `bias_column` the bias (e.g.
 * "params"), `candidates` a NULL-terminated list of proxy columns (NULL: every metric
 * column except metric), `source` the table's file (hashed; may be NULL), params NULL for
 * the defaults.  Values <= -1e8 (NAS-Bench-Suite-Zero's failure mark) and non-finite
 * values count as missing: each rho and bias is taken over the rows where both columns
 * have a value (a proxy with fewer than 3 has no rho), each IG over the rows where y, z1
 * and the proxy do.  Ties go to the first candidate in order.  Errors name the column:
 * ZC_ERROR_CONFIG for a column not in the table, ZC_ERROR_DATA for a metric with fewer
 * than 3 values or no candidate with a rho. */
ZcSelection *zc_selection_compute(const ZcTable *table, const char *source, const char *metric,
                                  const char *bias_column, const char *const *candidates,
                                  const ZcSelectionParams *params, GError **error);
void zc_selection_free(ZcSelection *selection);
/* selection.json: written atomically (temporary file, then rename). */
gboolean zc_selection_write_json(const ZcSelection *selection, const char *path, GError **error);
/* Read back what zc_selection_write_json wrote; errors name the file and the field. */
ZcSelection *zc_selection_load_json(const char *path, GError **error);

/* Entropies of equal-width / quantile / Sturges histograms (exposed for tests and for
 * users checking a selection by hand): the joint entropy H(X1, ..., Xd) of d columns of n
 * rows (cols[j][i]; rows with a non-finite value are skipped), in the given log base. */
double zc_entropy_joint(const double *const *cols, guint d, gsize n, guint bins, ZcBinScheme scheme,
                        double log_base);

G_END_DECLS
#endif
