/* Correlation results of a correlate run and the files they are written to (private to
 * libzcnas; core/experiments/report.c): scores.csv, correlations.csv, correlations.json, report.md
 * and the table on stdout.  Nothing written depends on timing, thread count or cache
 * hits, so a resumed or parallel run writes the same bytes as a plain one. */
#ifndef ZC_REPORT_H
#define ZC_REPORT_H
#include <stdio.h>
#include <glib.h>
#include <zcnas/scorer.h>
#include <zcnas/stats.h>

typedef struct {
  char *name;          /* "spearman", "kendall_tau_b", "pearson", "precision_at_5" ... */
  char *title;         /* "Spearman ρ", "P@5%" */
  ZcStatSpec spec;
} ZcStatColumn;

/* What a NaN proxy score (failed or non-finite network) counts as in a correlation. */
typedef enum {
  ZC_NAN_SKIP,   /* the architecture is left out of that proxy's correlations */
  ZC_NAN_LAST    /* it ranks below every other (NAS-Bench-Suite-Zero's convention);
                    Pearson r, which needs values, still leaves it out */
} ZcNanPolicy;
/* "skip", "last" */
const char *zc_nan_policy_name(ZcNanPolicy policy);

typedef struct {
  guint n_stats;
  ZcStatColumn *stats;
  guint n_cols;            /* score columns (proxy outputs) */
  char **cols;
  guint n_bench;
  char **bench;
  ZcStatInterval *cell;    /* [col][bench][stat] */
  guint n_boot;
  double level;
  ZcNanPolicy nan_policy;
} ZcCorrTable;

ZcStatInterval *zc_corr_cell(const ZcCorrTable *t, guint col, guint bench, guint stat);

/* Correlate every score column (times its direction, so higher = better) with every
 * benchmark column.  scores: n x n_cols, truth: n x n_bench.  NaN scores are treated
 * as nan_policy says; a NaN ground truth is always left out. */
ZcCorrTable *zc_corr_table_compute(const ZcScoreLayout *layout, const double *scores, guint n, char **bench,
                                   guint n_bench, const double *truth, ZcNanPolicy nan_policy,
                                   const gint64 *precision_pct, guint n_prec,
                                   const gint64 *ndcg_k, guint n_ndcg, const gint64 *hit_k, guint n_hit,
                                   guint n_boot, double level, guint64 seed, GError **error);
void zc_corr_table_free(ZcCorrTable *t);

/* What report.md and correlations.json say about the run. */
typedef struct {
  const char *pipeline;
  const char *space;           /* "nb201 {dataset=cifar10}" */
  const char *proxies;         /* "params, flops" */
  guint n_archs, n_candidates;
  guint64 sample_seed, seed;
  const char *data_spec;       /* "" when none */
  const char *data_hash;       /* "none" */
  guint batch;
  guint n_bench;
  const char *const *bench_tables;   /* per benchmark: path */
  const char *const *bench_hashes;   /* per benchmark: sha256 */
  const char *const *bench_metrics;
  const char *const *plots;          /* PNG file names, NULL-terminated (may be NULL) */
  guint *failed;                     /* per proxy column: architectures failed or NaN */
} ZcReportInfo;

gboolean zc_report_write_text(const char *path, const char *text, GError **error);
/* scores.csv: n, arch, every score column, every benchmark, status (per proxy ';'). */
gboolean zc_report_scores_csv(const char *path, const char *const *genotypes, guint n, const ZcScoreLayout *layout,
                              const double *scores, const ZcStatus *status, guint np, char **bench, guint n_bench,
                              const double *truth, GError **error);
gboolean zc_report_correlations_csv(const char *path, const ZcCorrTable *t, GError **error);
gboolean zc_report_correlations_json(const char *path, const ZcCorrTable *t, const ZcReportInfo *info,
                                     GError **error);
gboolean zc_report_markdown(const char *path, const ZcCorrTable *t, const ZcReportInfo *info, GError **error);
/* The table on stdout: one line per proxy column and benchmark. */
void zc_report_print(FILE *out, const ZcCorrTable *t);

#endif
