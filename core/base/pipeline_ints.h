/* Internal: 64-bit integers in pipeline files and --set values.  See pipeline_ints.c. */
#ifndef ZC_PIPELINE_INTS_H
#define ZC_PIPELINE_INTS_H
#include <glib.h>
#include <libconfig.h>

/* Give every integer setting read from a file the value its literal says, as a 64-bit
 * integer; a literal beyond 64 bits is an error "FILE:LINE: 'PATH': ...". */
gboolean zc_pipeline_fix_ints(config_t *cfg, GError **error);
/* Store `x` in the integer setting `s`, widening it to a 64-bit one when `x` needs it. */
void zc_setting_store_int(config_setting_t *s, gint64 x);
/* The dotted path of a setting ("sample.count", "proxies[1]"). g_free() it. */
char *zc_setting_path(const config_setting_t *s);

#endif
