/* Internal: the values of --set PATH=VALUE.  See pipeline_set.c. */
#ifndef ZC_PIPELINE_SET_H
#define ZC_PIPELINE_SET_H
#include <glib.h>
#include <libconfig.h>

/* Give setting `s` the value written `raw` (it keeps its type), or with `s` NULL create
 * member `name` of group `parent` with the type of the value.  `path` names it in messages. */
gboolean zc_pipeline_set_value(config_setting_t *parent, const char *name, config_setting_t *s, const char *raw,
                               const char *path, GError **error);

#endif
