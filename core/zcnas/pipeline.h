/* zcnas — pipeline files.
 *
 * A pipeline is a libconfig file (with @include) naming an experiment, a search space,
 * proxies, a searcher, data and outputs.  `--set path=value` overrides any setting.
 * The core checks its own top-level keys here; each plugin's group is checked against
 * that plugin's option schema when the plugin is instantiated. */
#ifndef ZC_PIPELINE_H
#define ZC_PIPELINE_H
#include <glib.h>
#include <libconfig.h>

G_BEGIN_DECLS

typedef struct ZcPipeline ZcPipeline;

/* Load `file` (NULL: an empty pipeline) and apply `sets` ("path=value", NULL-terminated). */
ZcPipeline *zc_pipeline_load(const char *file, const char *const *sets, GError **error);
void zc_pipeline_free(ZcPipeline *p);
/* A setting by dotted path ("space", "output.dir"), or NULL. */
config_setting_t *zc_pipeline_lookup(const ZcPipeline *p, const char *path);
/* Apply one "path=value" override; creates groups and settings as needed.  The value is
 * true/false, a 64-bit integer, a number, a "string", a bare word (a string without any
 * of " ; [ ] ( ) { }) or a [list] / (list) of those; anything else is an error.  A value
 * keeps the type of the setting it replaces; a new setting takes the type of its value. */
gboolean zc_pipeline_set(ZcPipeline *p, const char *assignment, GError **error);

G_END_DECLS
#endif
