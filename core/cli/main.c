/* zcnas: score neural architectures at initialisation with zero-cost proxies,
 * check how well proxies rank a benchmark, and run searchers.  Dispatches to the
 * subcommands in cmd_*.c. */
#include "config.h"
#include <cblas.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/net.h>
#include <zcnas/version.h>
#include "cli.h"

static const struct {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
} commands[] = {
  {"run", zc_cmd_run, "run the experiment of a pipeline file"},
  {"score", zc_cmd_score, "score architectures with proxies, CSV on stdout"},
  {"arch", zc_cmd_arch, "list, sample or look up architectures of a space, CSV on stdout"},
  {"plugins", zc_cmd_plugins, "list the plugins found"},
  {"cache", zc_cmd_cache, "statistics, export and compaction of the score cache"},
  {"layerstats", zc_cmd_layerstats, "per-depth gradient statistics of sampled networks (L-SWAG layer range)"},
  {"select", zc_cmd_select, "LIBRA-NAS: three proxies chosen from a table of scores and accuracies"},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: zcnas COMMAND [OPTION...]\n\n"
               "Zero-cost neural architecture search: score networks at initialisation with\n"
               "proxies such as L-SWAG, measure how well a proxy ranks a benchmark, and run\n"
               "searchers head to head.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n  zcnas COMMAND --help   options of one command\n"
               "  zcnas --version        version and plugin ABI\n\n"
               "Plugins are looked up in --plugin-path, then ZCNAS_PLUGIN_PATH, then %s.\n"
               "Exit status: 0 ok, 1 run failure, 2 usage or configuration error.\n",
          ZC_PLUGINDIR);
}

int main(int argc, char **argv) {
  setlocale(LC_ALL, "");
  setlocale(LC_NUMERIC, "C");   /* numbers in CSV and pipelines always use '.' */
  /* Policy of the program, not of libzcnas: the engine's workspaces parallelise by their own
   * fixed partition, so OpenBLAS (process-wide setting) must not add threads of its own. */
  openblas_set_num_threads(1);
  /* Every worker's workspace may use all cores; the engine lends them out so that busy
   * workers never oversubscribe the machine and the last one running uses them all. */
  zc_engine_set_cores((int)g_get_num_processors());
  if (argc < 2) {
    usage(stderr);
    return ZC_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return ZC_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("zcnas %s (plugin ABI %d.%d)\n", ZC_VERSION_STRING, ZC_ABI_MAJOR, ZC_ABI_MINOR);
    return ZC_EXIT_OK;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "zcnas: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return ZC_EXIT_USAGE;
}
