/* Plugins linked into the program itself: two plugins of the tree, compiled with
 * -DZC_PLUGIN_STATIC into this one binary (no zc_plugin_describe entry clash), each
 * registered through its own zc_plugin_describe_NAME() with zc_registry_add. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/registry.h>

const ZcPluginDesc *zc_plugin_describe_random(void);
const ZcPluginDesc *zc_plugin_describe_l2_norm(void);

static void test_two_static_plugins_register(void **state) {
  (void)state;
  ZcRegistry *reg = zc_registry_new();
  GError *err = NULL;
  assert_true(zc_registry_add(reg, zc_plugin_describe_random(), "builtin", &err));
  assert_null(err);
  assert_true(zc_registry_add(reg, zc_plugin_describe_l2_norm(), "builtin", &err));
  assert_null(err);
  const ZcPluginDesc *s = zc_registry_find(reg, ZC_KIND_SEARCHER, "random");
  const ZcPluginDesc *p = zc_registry_find(reg, ZC_KIND_PROXY, "l2_norm");
  assert_ptr_equal(s, zc_plugin_describe_random());
  assert_ptr_equal(p, zc_plugin_describe_l2_norm());
  assert_string_equal(zc_registry_origin(reg, p), "builtin");
  GPtrArray *all = zc_registry_list(reg, 0);
  assert_int_equal(all->len, 2);
  g_ptr_array_unref(all);
  /* registered once only, as a loaded file would be */
  assert_false(zc_registry_add(reg, zc_plugin_describe_random(), "builtin", &err));
  assert_non_null(strstr(err->message, "already loaded"));
  g_clear_error(&err);
  zc_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_two_static_plugins_register),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
