/* zcnas arch: architectures of a space as CSV rows "index,arch,params_m,flops_m". */
#include "config.h"
#include <stdio.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "cli.h"

/* `line` starts empty: the header is printed before the first row only, so that an
 * architecture that fails leaves no half table behind. */
static gboolean print_row(ZcSpace *space, const ZcArch *a, GString *line, GError **error) {
  ZcCost cost;
  if (!zc_space_cost(space, a, &cost, error)) return FALSE;
  if (line->len == 0) puts("index,arch,params_m,flops_m");
  g_string_truncate(line, 0);
  guint64 index;
  if (zc_space_to_index(space, a, &index)) g_string_append_printf(line, "%" G_GUINT64_FORMAT, index);
  g_string_append_c(line, ',');
  char *text = zc_space_format(space, a);
  zc_csv_append_field(line, text);
  g_free(text);
  g_string_append_printf(line, ",%.6f,%.6f\n", cost.params_m, cost.flops_m);
  fputs(line->str, stdout);
  return TRUE;
}

int zc_cmd_arch(int argc, char **argv) {
  ZcCliCommon common = {0};
  char *space_name = NULL, *arch = NULL;
  char *index_text = NULL, *sample_text = NULL;   /* as text: no number may stand for "not given" */
  gint64 index = 0, sample = 0, seed = 0;
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    {"space", 's', 0, G_OPTION_ARG_STRING, &space_name, "Search space plugin", "NAME"},
    {"arch", 'a', 0, G_OPTION_ARG_STRING, &arch, "One architecture, in the space's text form", "STR"},
    {"index", 'i', 0, G_OPTION_ARG_STRING, &index_text, "One architecture by its benchmark index", "N"},
    {"sample", 0, 0, G_OPTION_ARG_STRING, &sample_text, "N random architectures (with --seed)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for --sample (default 0)", "S"},
    {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Every architecture of an enumerable space, in index order", NULL},
    {NULL},
  };
  GOptionContext *ctx = g_option_context_new("--space S (--arch STR | --index N | --sample N [--seed S] | --all)");
  g_option_context_set_summary(ctx, "Print architectures of a search space as CSV: index,arch,params_m,flops_m.\n"
                                    "Space options are set with --set space.KEY=VALUE (e.g. space.dataset=cifar100).");
  g_option_context_add_main_entries(ctx, entries, NULL);
  zc_cli_common_add(ctx, &common);
  int status = ZC_EXIT_OK;
  int modes = 0;
  if (!zc_cli_parse(ctx, &argc, &argv)) status = ZC_EXIT_USAGE;
  modes = (arch != NULL) + (index_text != NULL) + (sample_text != NULL) + (all != 0);
  if (status == ZC_EXIT_OK) {
    if (argc > 1) status = zc_cli_usage("arch", "unexpected argument '%s'", argv[1]);
    else if (modes != 1) status = zc_cli_usage("arch", "give exactly one of --arch, --index, --sample or --all");
    else if (index_text) status = zc_cli_int_option("arch", "--index", index_text, 0, G_MAXINT64, &index);
    else if (sample_text) status = zc_cli_int_option("arch", "--sample", sample_text, 1, G_MAXINT64, &sample);
  }
  GError *err = NULL;
  ZcRegistry *reg = NULL;
  ZcPipeline *p = NULL;
  ZcSpace *space = NULL;
  if (status == ZC_EXIT_OK) {
    reg = zc_cli_registry(&common);
    p = zc_cli_pipeline(NULL, &common, space_name, &err);
    space = p ? zc_cli_space(reg, p, &err) : NULL;
    if (!space) status = zc_cli_fail(zc_cli_status_for(err), err);
  }
  if (space) {
    GString *line = g_string_new(NULL);
    if (arch) {
      ZcArch *a = zc_space_parse(space, arch, &err);
      if (!a || !print_row(space, a, line, &err)) status = zc_cli_fail(zc_cli_status_for(err), err);
      zc_space_arch_free(space, a);
    } else if (index_text) {
      ZcArch *a = zc_space_from_index(space, (guint64)index, &err);
      if (!a || !print_row(space, a, line, &err)) status = zc_cli_fail(zc_cli_status_for(err), err);
      zc_space_arch_free(space, a);
    } else if (all) {
      guint64 n = zc_space_count(space);
      if (!n) {
        g_set_error(&err, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "space '%s' cannot be enumerated; use --sample",
                    zc_space_name(space));
        status = zc_cli_fail(ZC_EXIT_USAGE, err);
      }
      for (guint64 i = 0; i < n && status == ZC_EXIT_OK; i++) {
        ZcArch *a = zc_space_from_index(space, i, &err);
        if (!a || !print_row(space, a, line, &err)) status = zc_cli_fail(ZC_EXIT_FAILURE, err);
        zc_space_arch_free(space, a);
      }
    } else {
      ZcRng rng;
      zc_rng_init(&rng, (guint64)seed, zc_hash_str("zcnas arch --sample"));
      for (gint64 i = 0; i < sample && status == ZC_EXIT_OK; i++) {
        ZcArch *a = zc_space_sample(space, &rng, &err);
        if (!a || !print_row(space, a, line, &err)) status = zc_cli_fail(ZC_EXIT_FAILURE, err);
        zc_space_arch_free(space, a);
      }
    }
    g_string_free(line, TRUE);
  }
  g_clear_error(&err);
  zc_space_free(space);
  zc_pipeline_free(p);
  zc_registry_free(reg);
  g_free(space_name);
  g_free(arch);
  g_free(index_text);
  g_free(sample_text);
  zc_cli_common_clear(&common);
  g_option_context_free(ctx);
  return status;
}
