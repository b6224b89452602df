/* Searcher plugin `libra`: LIBRA-NAS search (Low Information gain and Bias Re-Alignment).
 * The `select` experiment chose up to three proxies on a labelled benchmark and wrote them,
 * with the rule that merges them, to selection.json (<zcnas/selection.h>, docs/libra.md);
 * this searcher has the core score those proxies and searches with their combined fitness,
 * by aging or AutoFormer evolution or random sampling (the engine of evolve.c,
 * docs/searchers.md).  `combine` overrides the selection's rule. */
#include "config.h"
#include <string.h>
#include <zcnas/selection.h>
#include "evolve.h"

static const ZcOption libra_options[] = {
  {"selection", ZC_OPT_PATH, NULL, 0, 0, NULL,
   "selection.json written by the select experiment (a relative name: beside the pipeline, then in the data directory)"},
  {"mode", ZC_OPT_CHOICE, "aging", 0, 0, "aging|autoformer|random",
   "regularised evolution, AutoFormer's generations, or random sampling"},
  {"combine", ZC_OPT_CHOICE, "selection", 0, 0, "selection|logrank|ranksum|zsum|product",
   "how the selected scores make one fitness (selection: the rule the selection names)"},
  SEARCH_OPTION_DEDUPE("genotype"),
  EVOLVE_OPTIONS,
  {NULL},
};

static ZcSelection *load(const ZcOptions *opts, GError **error) {
  GError *err = NULL;
  ZcSelection *sel = zc_selection_load_json(zc_options_string(opts, "selection"), &err);
  if (sel && sel->n_selected == 0) {
    zc_selection_free(sel);
    sel = NULL;
    g_set_error(&err, ZC_ERROR, ZC_ERROR_DATA, "%s: no proxy selected", zc_options_string(opts, "selection"));
  }
  if (!sel) {
    zc_options_set_error(opts, "selection", error, "%s", err->message);
    g_error_free(err);
  }
  return sel;
}

/* The proxies to run: the selected scores' proxies (a score "proxy.output" is an output of
 * the proxy "proxy"), each once, in selection order. */
static char **libra_proxies(const ZcOptions *opts, GError **error) {
  ZcSelection *sel = load(opts, error);
  if (!sel) return NULL;
  char **names = g_new0(char *, sel->n_selected + 1);
  guint n = 0;
  for (guint i = 0; i < sel->n_selected; i++) {
    char *proxy = g_strndup(sel->selected[i], strcspn(sel->selected[i], "."));
    if (g_strv_contains((const char *const *)names, proxy)) g_free(proxy);
    else names[n++] = proxy;
  }
  zc_selection_free(sel);
  return names;
}

static gpointer libra_create(const ZcOptions *opts, const ZcSearchSetup *setup, GError **error) {
  EvolveMode mode;
  if (!evolve_mode_parse(zc_options_string(opts, "mode"), &mode)) {
    zc_options_set_error(opts, "mode", error, "unknown mode");
    return NULL;
  }
  ZcSelection *sel = load(opts, error);
  if (!sel) return NULL;
  guint64 members = 0;
  for (guint i = 0; i < sel->n_selected; i++) {
    int k = zc_score_layout_find(setup->layout, sel->selected[i]);
    if (k < 0 || zc_score_layout_kind(setup->layout, (guint)k) != ZC_SCORE_KIND_PROXY) {
      zc_options_set_error(opts, "selection", error, "selects '%s', which the search does not score",
                           sel->selected[i]);
      zc_selection_free(sel);
      return NULL;
    }
    members |= G_GUINT64_CONSTANT(1) << k;
  }
  ZcCombine rule = sel->params.combine;
  zc_selection_free(sel);
  const char *combine = zc_options_string(opts, "combine");
  if (strcmp(combine, "selection") && !zc_combine_parse(combine, &rule)) {
    zc_options_set_error(opts, "combine", error, "unknown rule");
    return NULL;
  }
  return evolve_new(opts, setup, mode, members, rule, error);
}

static const ZcSearcherIface libra_iface = {
  .struct_size = sizeof(ZcSearcherIface),
  .proxies = libra_proxies,
  .create = libra_create,
  .destroy = evolve_free,
  .ask = evolve_ask,
  .tell = evolve_tell,
  .rank = evolve_rank,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SEARCHER, libra, "1.0", "LIBRA-NAS: search with the proxies a selection chose", "MIT",
                 libra_options, &libra_iface)
