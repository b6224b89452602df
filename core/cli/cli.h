/* The zcnas program: shared pieces of its subcommands. */
#ifndef ZC_CLI_H
#define ZC_CLI_H
#include <glib.h>
#include <zcnas/pipeline.h>
#include <zcnas/registry.h>
#include <zcnas/setup.h>

/* Exit statuses of every subcommand. */
enum { ZC_EXIT_OK = 0, ZC_EXIT_FAILURE = 1, ZC_EXIT_USAGE = 2 };

/* Options every subcommand accepts. */
typedef struct {
  char *plugin_path;
  char **sets;      /* --set PATH=VALUE, repeatable */
  gboolean quiet;
} ZcCliCommon;

void zc_cli_common_add(GOptionContext *ctx, ZcCliCommon *common);
void zc_cli_common_clear(ZcCliCommon *common);
/* A registry that opens a plugin's file from the search path only when the command asks
 * for that plugin (zc_registry_require). */
ZcRegistry *zc_cli_registry(const ZcCliCommon *common);
/* A registry with every plugin of the search path loaded; refusals are printed as
 * warnings on stderr. */
ZcRegistry *zc_cli_registry_all(const ZcCliCommon *common);
/* Parse a subcommand's arguments; prints the message and returns FALSE on error. */
gboolean zc_cli_parse(GOptionContext *ctx, int *argc, char ***argv);
/* Print "zcnas: MESSAGE" and return `status`. */
int zc_cli_fail(int status, const GError *error);
int zc_cli_usage(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Read the integer VALUE of option `name` ("--batch") into `out`, in [min, max].  Options whose
 * absence matters are read as strings so that no value doubles as "not given".
 * ZC_EXIT_OK, or ZC_EXIT_USAGE after a usage message. */
int zc_cli_int_option(const char *command, const char *name, const char *value, gint64 min, gint64 max,
                      gint64 *out);
/* Exit status that fits an error: 2 for configuration and parse errors, else 1. */
int zc_cli_status_for(const GError *error);

/* A pipeline from `file` (NULL: empty) with the --set overrides, and space.name set to
 * `space_name` when given. */
ZcPipeline *zc_cli_pipeline(const char *file, const ZcCliCommon *common, const char *space_name,
                            GError **error);
/* The space of a pipeline. */
ZcSpace *zc_cli_space(const ZcRegistry *reg, const ZcPipeline *p, GError **error);
/* Architectures listed in a file (ZcArch*, owned by the caller); errors name FILE:LINE. */
GPtrArray *zc_cli_read_archs(ZcSpace *space, const char *file, GError **error);

int zc_cmd_plugins(int argc, char **argv);
int zc_cmd_arch(int argc, char **argv);
int zc_cmd_score(int argc, char **argv);
int zc_cmd_run(int argc, char **argv);
int zc_cmd_cache(int argc, char **argv);
int zc_cmd_layerstats(int argc, char **argv);
int zc_cmd_select(int argc, char **argv);

#endif
