/* Correlation tables and the result files of a correlate run.  See report.h. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include <zcnas/version.h>
#include "report.h"
#include "host/scorer-private.h"

ZcStatInterval *zc_corr_cell(const ZcCorrTable *t, guint col, guint bench, guint stat) {
  return &t->cell[((gsize)col * t->n_bench + bench) * t->n_stats + stat];
}

const char *zc_nan_policy_name(ZcNanPolicy policy) { return policy == ZC_NAN_LAST ? "last" : "skip"; }

ZcCorrTable *zc_corr_table_compute(const ZcScoreLayout *layout, const double *scores, guint n, char **bench,
                                   guint n_bench, const double *truth, ZcNanPolicy nan_policy,
                                   const gint64 *precision_pct, guint n_prec,
                                   const gint64 *ndcg_k, guint n_ndcg, const gint64 *hit_k, guint n_hit,
                                   guint n_boot, double level, guint64 seed, GError **error) {
  ZcCorrTable *t = g_new0(ZcCorrTable, 1);
  t->n_stats = 3 + n_prec + n_ndcg + n_hit;
  t->stats = g_new0(ZcStatColumn, t->n_stats);
  const struct {
    ZcStatKind kind;
    const char *name, *title;
  } base[] = {{ZC_STAT_SPEARMAN, "spearman", "Spearman ρ"},
              {ZC_STAT_KENDALL_TAU_B, "kendall_tau_b", "Kendall τ"},
              {ZC_STAT_PEARSON, "pearson", "Pearson r"}};
  for (guint s = 0; s < 3; s++) {
    t->stats[s].name = g_strdup(base[s].name);
    t->stats[s].title = g_strdup(base[s].title);
    t->stats[s].spec.kind = base[s].kind;
  }
  for (guint k = 0; k < n_prec; k++) {
    ZcStatColumn *c = &t->stats[3 + k];
    c->name = g_strdup_printf("precision_at_%" G_GINT64_FORMAT, precision_pct[k]);
    c->title = g_strdup_printf("P@%" G_GINT64_FORMAT "%%", precision_pct[k]);
    c->spec.kind = ZC_STAT_PRECISION_AT_FRAC;
    c->spec.top_frac = (double)precision_pct[k] / 100.0;
  }
  /* nDCG@k as VKDNW defines it (gain 2^accuracy - 1, zc_stats_ndcg_at_k), then the top-k hit rate */
  for (guint k = 0; k < n_ndcg; k++) {
    ZcStatColumn *c = &t->stats[3 + n_prec + k];
    c->name = g_strdup_printf("ndcg_at_%" G_GINT64_FORMAT, ndcg_k[k]);
    c->title = g_strdup_printf("nDCG@%" G_GINT64_FORMAT, ndcg_k[k]);
    c->spec.kind = ZC_STAT_NDCG_AT_K;
    c->spec.top_k = (gsize)ndcg_k[k];
  }
  for (guint k = 0; k < n_hit; k++) {
    ZcStatColumn *c = &t->stats[3 + n_prec + n_ndcg + k];
    c->name = g_strdup_printf("hit_at_%" G_GINT64_FORMAT, hit_k[k]);
    c->title = g_strdup_printf("hit@%" G_GINT64_FORMAT, hit_k[k]);
    c->spec.kind = ZC_STAT_HIT_AT_K;
    c->spec.top_k = (gsize)hit_k[k];
  }
  t->n_cols = layout->n_scores;
  t->cols = g_new0(char *, t->n_cols + 1);
  for (guint c = 0; c < t->n_cols; c++) t->cols[c] = g_strdup(layout->names[c]);
  t->n_bench = n_bench;
  t->bench = g_new0(char *, n_bench + 1);
  for (guint b = 0; b < n_bench; b++) t->bench[b] = g_strdup(bench[b]);
  t->n_boot = n_boot;
  t->level = level;
  t->nan_policy = nan_policy;
  t->cell = g_new0(ZcStatInterval, (gsize)t->n_cols * n_bench * t->n_stats);
  double *x = g_new(double, MAX(n, 1)), *y = g_new(double, MAX(n, 1)), *y_last = g_new(double, MAX(n, 1));
  gboolean ok = TRUE;
  for (guint c = 0; c < t->n_cols && ok; c++)
    for (guint b = 0; b < n_bench && ok; b++) {
      for (guint i = 0; i < n; i++) {
        x[i] = truth[(gsize)i * n_bench + b];
        y[i] = scores[(gsize)i * t->n_cols + c] * layout->direction[c];
        /* below every score, ties among themselves: ranked last */
        y_last[i] = isnan(y[i]) ? -INFINITY : y[i];
      }
      for (guint s = 0; s < t->n_stats && ok; s++) {
        ZcStatInterval *cell = zc_corr_cell(t, c, b, s);
        const double *ys = nan_policy == ZC_NAN_LAST && t->stats[s].spec.kind != ZC_STAT_PEARSON ? y_last : y;
        if (n_boot > 0) {
          ok = zc_stats_bootstrap(&t->stats[s].spec, x, ys, n, n_boot, level, seed, cell, error);
        } else {
          gsize skipped = 0;
          cell->estimate = zc_stats_eval(&t->stats[s].spec, x, ys, n, &skipped);
          cell->lo = cell->hi = NAN;
          cell->level = level;
          cell->n_skipped = skipped;
          cell->n_used = n - skipped;
        }
      }
    }
  g_free(x);
  g_free(y);
  g_free(y_last);
  if (!ok) {
    zc_corr_table_free(t);
    return NULL;
  }
  return t;
}

void zc_corr_table_free(ZcCorrTable *t) {
  if (!t) return;
  for (guint s = 0; s < t->n_stats; s++) {
    g_free(t->stats[s].name);
    g_free(t->stats[s].title);
  }
  g_free(t->stats);
  g_strfreev(t->cols);
  g_strfreev(t->bench);
  g_free(t->cell);
  g_free(t);
}

gboolean zc_report_write_text(const char *path, const char *text, GError **error) {
  GError *err = NULL;
  /* written whole to a temporary file and renamed: never a half file */
  if (g_file_set_contents(path, text, -1, &err)) return TRUE;
  g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s", err->message);
  g_error_free(err);
  return FALSE;
}

static gboolean write_gstring(const char *path, GString *s, GError **error) {
  gboolean ok = zc_report_write_text(path, s->str, error);
  g_string_free(s, TRUE);
  return ok;
}

gboolean zc_report_scores_csv(const char *path, const char *const *genotypes, guint n, const ZcScoreLayout *layout,
                              const double *scores, const ZcStatus *status, guint np, char **bench, guint n_bench,
                              const double *truth, GError **error) {
  GString *s = g_string_new("n,arch");
  for (guint c = 0; c < layout->n_scores; c++) {
    g_string_append_c(s, ',');
    zc_csv_append_field(s, layout->names[c]);
  }
  for (guint b = 0; b < n_bench; b++) {
    g_string_append_c(s, ',');
    zc_csv_append_field(s, bench[b]);
  }
  g_string_append(s, ",status\n");
  for (guint i = 0; i < n; i++) {
    g_string_append_printf(s, "%u,", i + 1);
    zc_csv_append_field(s, genotypes[i]);
    for (guint c = 0; c < layout->n_scores; c++) {
      g_string_append_c(s, ',');
      zc_csv_append_double(s, scores[(gsize)i * layout->n_scores + c]);
    }
    for (guint b = 0; b < n_bench; b++) {
      g_string_append_c(s, ',');
      zc_csv_append_double(s, truth[(gsize)i * n_bench + b]);
    }
    g_string_append_c(s, ',');
    for (guint j = 0; j < np; j++) {
      if (j) g_string_append_c(s, ';');
      g_string_append(s, zc_status_name(status[(gsize)i * np + j]));
    }
    g_string_append_c(s, '\n');
  }
  return write_gstring(path, s, error);
}

gboolean zc_report_correlations_csv(const char *path, const ZcCorrTable *t, GError **error) {
  GString *s = g_string_new("proxy,benchmark,n,n_skipped");
  for (guint k = 0; k < t->n_stats; k++)
    g_string_append_printf(s, ",%s,%s_lo,%s_hi", t->stats[k].name, t->stats[k].name, t->stats[k].name);
  g_string_append_c(s, '\n');
  for (guint c = 0; c < t->n_cols; c++)
    for (guint b = 0; b < t->n_bench; b++) {
      zc_csv_append_field(s, t->cols[c]);
      g_string_append_c(s, ',');
      zc_csv_append_field(s, t->bench[b]);
      const ZcStatInterval *first = zc_corr_cell(t, c, b, 0);
      g_string_append_printf(s, ",%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT, first->n_used, first->n_skipped);
      for (guint k = 0; k < t->n_stats; k++) {
        const ZcStatInterval *v = zc_corr_cell(t, c, b, k);
        double vals[3] = {v->estimate, v->lo, v->hi};
        for (int q = 0; q < 3; q++) {
          g_string_append_c(s, ',');
          zc_csv_append_double(s, vals[q]);
        }
      }
      g_string_append_c(s, '\n');
    }
  return write_gstring(path, s, error);
}

static void json_number(JsonBuilder *b, const char *name, double v) {
  json_builder_set_member_name(b, name);
  if (isfinite(v)) json_builder_add_double_value(b, v);
  else json_builder_add_null_value(b);   /* JSON has no NaN */
}

static void json_string(JsonBuilder *b, const char *name, const char *v) {
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v);
}

static void json_int(JsonBuilder *b, const char *name, gint64 v) {
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

gboolean zc_report_correlations_json(const char *path, const ZcCorrTable *t, const ZcReportInfo *info,
                                     GError **error) {
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_string(b, "zcnas_version", ZC_VERSION_STRING);
  json_builder_set_member_name(b, "settings");
  json_builder_begin_object(b);
  json_string(b, "pipeline", info->pipeline);
  json_string(b, "space", info->space);
  json_string(b, "proxies", info->proxies);
  json_int(b, "architectures", info->n_archs);
  json_int(b, "candidates", info->n_candidates);
  json_int(b, "sample_seed", (gint64)info->sample_seed);
  json_int(b, "seed", (gint64)info->seed);
  json_string(b, "data", info->data_spec);
  json_string(b, "data_hash", info->data_hash);
  json_int(b, "batch", info->batch);
  json_int(b, "bootstrap", t->n_boot);
  json_number(b, "level", t->level);
  json_string(b, "nan_policy", zc_nan_policy_name(t->nan_policy));
  json_builder_set_member_name(b, "benchmarks");
  json_builder_begin_array(b);
  for (guint k = 0; k < info->n_bench; k++) {
    json_builder_begin_object(b);
    json_string(b, "name", t->bench[k]);
    json_string(b, "table", info->bench_tables[k]);
    json_string(b, "metric", info->bench_metrics[k]);
    json_string(b, "sha256", info->bench_hashes[k]);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "results");
  json_builder_begin_array(b);
  for (guint c = 0; c < t->n_cols; c++)
    for (guint bi = 0; bi < t->n_bench; bi++) {
      json_builder_begin_object(b);
      json_string(b, "proxy", t->cols[c]);
      json_string(b, "benchmark", t->bench[bi]);
      const ZcStatInterval *first = zc_corr_cell(t, c, bi, 0);
      json_int(b, "n", (gint64)first->n_used);
      json_int(b, "n_skipped", (gint64)first->n_skipped);
      for (guint k = 0; k < t->n_stats; k++) {
        const ZcStatInterval *v = zc_corr_cell(t, c, bi, k);
        json_builder_set_member_name(b, t->stats[k].name);
        json_builder_begin_object(b);
        json_number(b, "estimate", v->estimate);
        json_number(b, "lo", v->lo);
        json_number(b, "hi", v->hi);
        json_builder_end_object(b);
      }
      json_builder_end_object(b);
    }
  json_builder_end_array(b);
  json_builder_end_object(b);
  JsonGenerator *gen = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  char *text = json_generator_to_data(gen, NULL);
  GString *s = g_string_new(text);
  g_string_append_c(s, '\n');
  g_free(text);
  json_node_unref(root);
  g_object_unref(gen);
  g_object_unref(b);
  return write_gstring(path, s, error);
}

static void append_estimate(GString *s, const ZcStatInterval *v) {
  if (isnan(v->estimate)) g_string_append(s, "n/a");
  else if (isnan(v->lo)) g_string_append_printf(s, "%.3f", v->estimate);
  else g_string_append_printf(s, "%.3f [%.3f, %.3f]", v->estimate, v->lo, v->hi);
}

gboolean zc_report_markdown(const char *path, const ZcCorrTable *t, const ZcReportInfo *info, GError **error) {
  GString *s = g_string_new("# zcnas correlate report\n\n");
  g_string_append_printf(s, "How well each proxy ranks %u architectures of %s by the ground truth", info->n_archs,
                         info->space);
  if (t->n_boot) g_string_append_printf(s, " (%.0f %% bootstrap intervals, %u replicates)", t->level * 100, t->n_boot);
  g_string_append(s, ".\n\n| proxy | benchmark | n |");
  for (guint k = 0; k < t->n_stats; k++) g_string_append_printf(s, " %s |", t->stats[k].title);
  g_string_append(s, "\n|---|---|---:|");
  for (guint k = 0; k < t->n_stats; k++) g_string_append(s, "---|");
  g_string_append_c(s, '\n');
  for (guint c = 0; c < t->n_cols; c++)
    for (guint b = 0; b < t->n_bench; b++) {
      const ZcStatInterval *first = zc_corr_cell(t, c, b, 0);
      g_string_append_printf(s, "| %s | %s | %" G_GSIZE_FORMAT " |", t->cols[c], t->bench[b], first->n_used);
      for (guint k = 0; k < t->n_stats; k++) {
        g_string_append_c(s, ' ');
        append_estimate(s, zc_corr_cell(t, c, b, k));
        g_string_append(s, " |");
      }
      g_string_append_c(s, '\n');
    }
  gboolean any_skipped = FALSE;
  for (guint c = 0; c < t->n_cols; c++)
    for (guint b = 0; b < t->n_bench; b++) {
      const ZcStatInterval *v = zc_corr_cell(t, c, b, 0);
      if (!v->n_skipped) continue;
      if (!any_skipped)
        g_string_append(s, t->nan_policy == ZC_NAN_LAST ? "\nLeft out (NaN ground truth; Pearson r: NaN score too):\n\n"
                                                          : "\nLeft out (NaN score or ground truth):\n\n");
      any_skipped = TRUE;
      g_string_append_printf(s, "- %s vs %s: %" G_GSIZE_FORMAT " architectures\n", t->cols[c], t->bench[b],
                             v->n_skipped);
    }
  g_string_append(s, "\nProxy scores are multiplied by their direction (+1 higher is better, -1 lower is better) "
                     "before they are compared, so a positive value means the proxy ranks like the benchmark.\n");
  g_string_append(s, "\n## Settings\n\n");
  g_string_append_printf(s, "- pipeline: `%s`\n- space: `%s`\n- proxies: %s\n", info->pipeline, info->space,
                         info->proxies);
  g_string_append_printf(s, "- architectures: %u sampled (seed %" G_GUINT64_FORMAT ") of %u the benchmarks cover\n",
                         info->n_archs, info->sample_seed, info->n_candidates);
  g_string_append_printf(s, "- NaN scores: %s\n",
                         t->nan_policy == ZC_NAN_LAST
                             ? "last (a failed or non-finite score ranks below every other; Pearson r leaves it out)"
                             : "skip (an architecture with a failed or non-finite score is left out)");
  g_string_append_printf(s, "- data: %s (SHA-256 `%s`), batch %u, run seed %" G_GUINT64_FORMAT "\n",
                         *info->data_spec ? info->data_spec : "none", info->data_hash, info->batch, info->seed);
  for (guint k = 0; k < info->n_bench; k++)
    g_string_append_printf(s, "- benchmark %s: column `%s` of `%s` (SHA-256 `%s`)\n", t->bench[k],
                           info->bench_metrics[k], info->bench_tables[k], info->bench_hashes[k]);
  g_string_append_printf(s, "- software: zcnas %s (plugin ABI %d.%d)\n", ZC_VERSION_STRING, ZC_ABI_MAJOR, ZC_ABI_MINOR);
  if (info->plots && info->plots[0]) {
    g_string_append(s, "\n## Plots\n\n");
    for (guint k = 0; info->plots[k]; k++) g_string_append_printf(s, "![%s](%s)\n", info->plots[k], info->plots[k]);
  }
  return write_gstring(path, s, error);
}

void zc_report_print(FILE *out, const ZcCorrTable *t) {
  gsize wc = 5, wb = 9;
  for (guint c = 0; c < t->n_cols; c++) wc = MAX(wc, strlen(t->cols[c]));
  for (guint b = 0; b < t->n_bench; b++) wb = MAX(wb, strlen(t->bench[b]));
  fprintf(out, "%-*s  %-*s  %5s", (int)wc, "proxy", (int)wb, "benchmark", "n");
  for (guint k = 0; k < t->n_stats; k++) fprintf(out, "  %21s", t->stats[k].name);
  fputc('\n', out);
  for (guint c = 0; c < t->n_cols; c++)
    for (guint b = 0; b < t->n_bench; b++) {
      fprintf(out, "%-*s  %-*s  %5" G_GSIZE_FORMAT, (int)wc, t->cols[c], (int)wb, t->bench[b],
              zc_corr_cell(t, c, b, 0)->n_used);
      for (guint k = 0; k < t->n_stats; k++) {
        GString *s = g_string_new(NULL);
        append_estimate(s, zc_corr_cell(t, c, b, k));
        fprintf(out, "  %21s", s->str);
        g_string_free(s, TRUE);
      }
      fputc('\n', out);
    }
}
