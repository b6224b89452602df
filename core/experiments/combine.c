/* A pipeline's `combine` columns (combine.h). */
#include "config.h"
#include <math.h>
#include <string.h>
#include <libconfig.h>
#include <zcnas/error.h>
#include <zcnas/options.h>
#include <zcnas/selection.h>
#include "combine.h"

static void spec_free(gpointer p) {
  ZcCombineSpec *c = p;
  g_free(c->name);
  g_strfreev(c->of);
  g_free(c->origin);
  g_free(c);
}

static const char *const known_fields[] = {"name", "of", "selection", "rule", "missing", NULL};

static gboolean load_one(ZcRunCtx *ctx, config_setting_t *e, ZcCombineSpec *c, GError **error) {
  c->origin = zc_setting_origin(e);
  if (!config_setting_is_group(e)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine: each entry is a group { name = ...; of = [...]; }",
                c->origin);
    return FALSE;
  }
  for (int i = 0; i < config_setting_length(e); i++) {
    const char *field = config_setting_name(config_setting_get_elem(e, (unsigned)i));
    if (!g_strv_contains(known_fields, field)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "%s: combine: unknown field '%s' (known: name, of, selection, rule, missing)", c->origin, field);
      return FALSE;
    }
  }
  const char *name = NULL, *rule = NULL, *missing = NULL, *selection = NULL;
  if (!config_setting_lookup_string(e, "name", &name) || !*name) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine: 'name' (a string) is required", c->origin);
    return FALSE;
  }
  c->name = g_strdup(name);
  config_setting_t *of = config_setting_get_member(e, "of");
  config_setting_lookup_string(e, "selection", &selection);
  if (!!of == !!selection) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": give its members either as 'of' or as 'selection'",
                c->origin, name);
    return FALSE;
  }
  c->rule = ZC_COMBINE_LOGRANK;
  if (selection) {
    char *path = g_path_is_absolute(selection) || !ctx->base_dir ? g_strdup(selection)
                                                                  : g_build_filename(ctx->base_dir, selection, NULL);
    GError *err = NULL;
    ZcSelection *sel = zc_selection_load_json(path, &err);
    if (!sel) {
      g_propagate_prefixed_error(error, err, "%s: combine \"%s\": selection: ", c->origin, name);
      g_free(path);
      return FALSE;
    }
    zc_run_add_input(ctx, "selection", path);
    g_free(path);
    c->of = g_new0(char *, sel->n_selected + 1);
    for (guint k = 0; k < sel->n_selected; k++) c->of[k] = g_strdup(sel->selected[k]);
    c->rule = sel->params.combine;
    zc_selection_free(sel);
  } else {
    int len = config_setting_is_aggregate(of) ? config_setting_length(of) : 0;
    if (len < 1 || len > 64) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": 'of' is a list of 1 to 64 score names",
                  c->origin, name);
      return FALSE;
    }
    c->of = g_new0(char *, (gsize)len + 1);
    for (int k = 0; k < len; k++) {
      const char *s = config_setting_get_string_elem(of, k);
      if (!s || !*s) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": 'of' item %d is not a score name",
                    c->origin, name, k + 1);
        return FALSE;
      }
      c->of[k] = g_strdup(s);
    }
  }
  if (config_setting_lookup_string(e, "rule", &rule) && !zc_combine_parse(rule, &c->rule)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "%s: combine \"%s\": rule \"%s\" is none of logrank, ranksum, zsum, product", c->origin, name, rule);
    return FALSE;
  }
  c->missing = ZC_MISSING_DROP;
  if (config_setting_lookup_string(e, "missing", &missing) && !zc_missing_parse(missing, &c->missing)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": missing \"%s\" is neither drop nor worst",
                c->origin, name, missing);
    return FALSE;
  }
  return TRUE;
}

GPtrArray *zc_combine_specs_load(ZcRunCtx *ctx, GError **error) {
  GPtrArray *specs = g_ptr_array_new_with_free_func(spec_free);
  config_setting_t *s = zc_run_lookup(ctx, "combine");
  if (!s) return specs;
  if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
    char *origin = zc_setting_origin(s);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine is a list of groups: ( { name = ...; of = [...]; } )",
                origin);
    g_free(origin);
    g_ptr_array_unref(specs);
    return NULL;
  }
  for (int i = 0; i < config_setting_length(s); i++) {
    ZcCombineSpec *c = g_new0(ZcCombineSpec, 1);
    g_ptr_array_add(specs, c);
    if (!load_one(ctx, config_setting_get_elem(s, (unsigned)i), c, error)) {
      g_ptr_array_unref(specs);
      return NULL;
    }
    for (guint j = 0; j + 1 < specs->len; j++)
      if (!strcmp(((ZcCombineSpec *)specs->pdata[j])->name, c->name)) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine: a second column named \"%s\"", c->origin, c->name);
        g_ptr_array_unref(specs);
        return NULL;
      }
  }
  return specs;
}

gboolean zc_combine_extend(const GPtrArray *specs, const ZcScoreLayout *layout, const double *scores, guint n,
                           ZcScoreLayout *out, GPtrArray **names_out, gint8 **dir_out, double **scores_out,
                           GError **error) {
  guint ns = layout->n_scores, nc = specs->len, nt = ns + nc;
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  gint8 *dir = g_new(gint8, nt + 1);
  for (guint k = 0; k < ns; k++) {
    g_ptr_array_add(names, g_strdup(layout->names[k]));
    dir[k] = layout->direction[k];
  }
  double *all = g_new(double, (gsize)n * nt + 1);
  for (guint i = 0; i < n; i++) memcpy(all + (gsize)i * nt, scores + (gsize)i * ns, sizeof(double) * ns);
  gboolean ok = TRUE;
  for (guint c = 0; c < nc && ok; c++) {
    const ZcCombineSpec *sp = specs->pdata[c];
    if (zc_score_layout_find(layout, sp->name) >= 0) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": a score of that name exists already",
                  sp->origin, sp->name);
      ok = FALSE;
      break;
    }
    /* members may be scores or earlier combinations: the fitness sees the columns so far */
    ZcScoreLayout sofar = {ns + c, (const char *const *)names->pdata, dir, NULL};
    guint64 members = 0;
    for (guint k = 0; sp->of[k] && ok; k++) {
      int idx = zc_score_layout_find(&sofar, sp->of[k]);
      if (idx < 0 || idx >= 64) {
        GString *known = g_string_new(NULL);
        for (guint j = 0; j < sofar.n_scores; j++) g_string_append_printf(known, "%s%s", j ? ", " : "", sofar.names[j]);
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: combine \"%s\": no score named '%s' (this run has: %s)",
                    sp->origin, sp->name, sp->of[k], known->str);
        g_string_free(known, TRUE);
        ok = FALSE;
      } else {
        members |= G_GUINT64_CONSTANT(1) << idx;
      }
    }
    if (!ok) break;
    ZcFitness *f = zc_fitness_new(&sofar, members, sp->rule);
    zc_fitness_set_missing(f, sp->missing);
    double *row = g_new(double, sofar.n_scores + 1);
    for (guint i = 0; i < n; i++) {
      memcpy(row, all + (gsize)i * nt, sizeof(double) * sofar.n_scores);
      zc_fitness_add(f, row);
    }
    for (guint i = 0; i < n; i++) all[(gsize)i * nt + ns + c] = zc_fitness_value(f, i);
    g_free(row);
    zc_fitness_free(f);
    g_ptr_array_add(names, g_strdup(sp->name));
    dir[ns + c] = 1;
  }
  if (!ok) {
    g_ptr_array_unref(names);
    g_free(dir);
    g_free(all);
    return FALSE;
  }
  g_ptr_array_add(names, NULL);
  *out = (ZcScoreLayout){nt, (const char *const *)names->pdata, dir, NULL};
  *names_out = names;
  *dir_out = dir;
  *scores_out = all;
  return TRUE;
}

gboolean zc_combine_check(const GPtrArray *specs, const ZcScoreLayout *layout, GError **error) {
  if (!specs->len) return TRUE;
  ZcScoreLayout out;
  GPtrArray *names = NULL;
  gint8 *dir = NULL;
  double *none = NULL;
  if (!zc_combine_extend(specs, layout, NULL, 0, &out, &names, &dir, &none, error)) return FALSE;
  g_ptr_array_unref(names);
  g_free(dir);
  g_free(none);
  return TRUE;
}
