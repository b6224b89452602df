/* Instantiating plugins from their pipeline groups.  See zcnas/setup.h. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/setup.h>
#include "proxy-private.h"
#include "searcher-private.h"
#include "setup-private.h"

static const char *const reserved_keys[] = {"name", NULL};

ZcOptions *zc_setup_options(const ZcRegistry *reg, ZcKind kind, const config_setting_t *setting,
                            const ZcPluginDesc **desc_out, GError **error) {
  char *origin = zc_setting_origin(setting);
  const char *name = NULL;
  const config_setting_t *group = NULL;
  if (config_setting_type(setting) == CONFIG_TYPE_STRING) {
    name = config_setting_get_string(setting);
  } else if (config_setting_type(setting) == CONFIG_TYPE_GROUP) {
    group = setting;
    if (!config_setting_lookup_string(setting, "name", &name)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: %s group needs name = \"...\"", origin,
                  zc_kind_name(kind));
      g_free(origin);
      return NULL;
    }
  } else {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: a %s is given as \"name\" or { name = \"...\"; ... }",
                origin, zc_kind_name(kind));
    g_free(origin);
    return NULL;
  }
  const ZcPluginDesc *desc = zc_registry_require(reg, kind, name, origin, error);
  g_free(origin);
  if (!desc) return NULL;
  char *where = g_strdup_printf("%s '%s'", zc_kind_name(kind), name);
  ZcOptions *opts = zc_options_resolve(desc->options, group, where, reserved_keys, error);
  g_free(where);
  if (opts && desc_out) *desc_out = desc;
  return opts;
}

ZcSpace *zc_setup_space(const ZcRegistry *reg, const config_setting_t *setting, GError **error) {
  const ZcPluginDesc *desc = NULL;
  ZcOptions *opts = zc_setup_options(reg, ZC_KIND_SPACE, setting, &desc, error);
  return opts ? zc_space_new(desc, opts, error) : NULL;
}

GPtrArray *zc_setup_proxies(const ZcRegistry *reg, const config_setting_t *list, GError **error) {
  GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)zc_proxy_free);
  for (int k = 0; k < config_setting_length(list); k++) {
    const config_setting_t *s = config_setting_get_elem(list, (unsigned)k);
    const ZcPluginDesc *desc = NULL;
    ZcOptions *opts = zc_setup_options(reg, ZC_KIND_PROXY, s, &desc, error);
    ZcProxy *p = opts ? zc_proxy_new(desc, opts, error) : NULL;
    if (!p) {
      g_ptr_array_unref(out);
      return NULL;
    }
    for (guint i = 0; i < out->len; i++)
      if (!strcmp(zc_proxy_name(g_ptr_array_index(out, i)), desc->name)) {
        char *origin = zc_setting_origin(s);
        g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: proxy '%s' is listed twice", origin, desc->name);
        g_free(origin);
        zc_proxy_free(p);
        g_ptr_array_unref(out);
        return NULL;
      }
    g_ptr_array_add(out, p);
  }
  if (out->len == 0) {
    char *origin = zc_setting_origin(list);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: the proxy list is empty", origin);
    g_free(origin);
    g_ptr_array_unref(out);
    return NULL;
  }
  return out;
}
