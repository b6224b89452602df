/* The plugin loader: every refusal rule, each exercised by a plugin broken in exactly
 * that way (tests/plugins/testplugin.c), and the good plugins still load beside them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/registry.h>

#define TP_DIR ZC_TEST_BUILDDIR "/tests/plugins/.libs"

static const char *refusal_for(const ZcRegistry *reg, const char *file) {
  const GPtrArray *r = zc_registry_refusals(reg);
  for (guint i = 0; i < r->len; i++)
    if (strstr(g_ptr_array_index(r, i), file)) return g_ptr_array_index(r, i);
  return NULL;
}

static void assert_refused(const ZcRegistry *reg, const char *file, const char *reason) {
  const char *msg = refusal_for(reg, file);
  if (!msg || !strstr(msg, reason)) fail_msg("%s: expected refusal containing '%s', got '%s'", file, reason, msg);
}

static void test_scan_refuses_each_broken_plugin(void **state) {
  ZcRegistry *reg = zc_registry_new();
  guint loaded = zc_registry_scan(reg, TP_DIR);
  /* only tp_good and toy load; each other file is refused with its own reason */
  assert_int_equal(loaded, 2);   /* tp_good and the toy space */
  assert_non_null(zc_registry_find(reg, ZC_KIND_PROXY, "tp_good"));
  assert_refused(reg, "tp_no_entry.so", "no entry symbol zc_plugin_describe");
  assert_refused(reg, "tp_major.so", "major versions differ");
  assert_refused(reg, "tp_minor_newer.so", "is newer than host ABI");
  assert_refused(reg, "tp_empty_name.so", "empty plugin name");
  assert_refused(reg, "tp_fingerprint.so", "build fingerprint");
  assert_refused(reg, "tp_small_iface.so", "interface is 8 bytes");
  assert_refused(reg, "tp_zdup.so", "already loaded from");
  assert_int_equal(zc_registry_refusals(reg)->len, 7);
  zc_registry_free(reg);
}

static void test_load_file_error_names_file(void **state) {
  ZcRegistry *reg = zc_registry_new();
  GError *err = NULL;
  assert_false(zc_registry_load_file(reg, TP_DIR "/tp_major.so", &err));
  assert_non_null(err);
  assert_true(g_str_has_prefix(err->message, TP_DIR "/tp_major.so: "));
  assert_int_equal(err->code, ZC_ERROR_PLUGIN);
  g_clear_error(&err);
  /* a file that is not a shared object at all */
  assert_false(zc_registry_load_file(reg, ZC_TEST_SRCDIR "/tests/plugins/testplugin.c", &err));
  assert_true(strstr(err->message, "testplugin.c") != NULL);
  g_clear_error(&err);
  zc_registry_free(reg);
}

/* Descriptors built in the test itself: the version rules without shared objects. */
static gboolean noop_score(gpointer self, ZcEval *ev, double *out, GError **error) { return TRUE; }
static const gint8 up[] = {1};
static const ZcProxyNeeds needs = {.n_outputs = 1, .direction = up};
static const ZcProxyIface iface = {sizeof(ZcProxyIface), &needs, NULL, NULL, noop_score};

static ZcPluginDesc make_desc(guint16 major, guint16 minor, const char *name) {
  ZcPluginDesc d = {sizeof(ZcPluginDesc), major, minor, ZC_FINGERPRINT, ZC_KIND_PROXY, name, "1", "d", "MIT", NULL, &iface};
  return d;
}

static void test_version_rules(void **state) {
  GError *err = NULL;
  ZcPluginDesc same = make_desc(ZC_ABI_MAJOR, ZC_ABI_MINOR, "a");
  assert_true(zc_plugin_desc_check(&same, &err));
  ZcPluginDesc newer = make_desc(ZC_ABI_MAJOR, ZC_ABI_MINOR + 1, "a");
  assert_false(zc_plugin_desc_check(&newer, &err));
  g_clear_error(&err);
  ZcPluginDesc major_up = make_desc(ZC_ABI_MAJOR + 1, 0, "a");
  assert_false(zc_plugin_desc_check(&major_up, &err));
  g_clear_error(&err);
  ZcPluginDesc major_down = make_desc(ZC_ABI_MAJOR - 1, 0, "a");
  assert_false(zc_plugin_desc_check(&major_down, &err));
  g_clear_error(&err);
  ZcPluginDesc bad_name = make_desc(ZC_ABI_MAJOR, 0, "has space");
  assert_false(zc_plugin_desc_check(&bad_name, &err));
  g_clear_error(&err);
  assert_false(zc_plugin_desc_check(NULL, &err));
  g_clear_error(&err);
}

static void test_require_lists_available(void **state) {
  ZcRegistry *reg = zc_registry_new();
  ZcPluginDesc a = make_desc(ZC_ABI_MAJOR, 0, "alpha"), b = make_desc(ZC_ABI_MAJOR, 0, "beta");
  assert_true(zc_registry_add(reg, &b, "static", NULL));
  assert_true(zc_registry_add(reg, &a, "static", NULL));
  GError *err = NULL;
  assert_null(zc_registry_require(reg, ZC_KIND_PROXY, "gamma", "x.cfg:3", &err));
  assert_string_equal(err->message, "x.cfg:3: no proxy plugin named 'gamma' (available: alpha, beta)");
  g_clear_error(&err);
  assert_null(zc_registry_require(reg, ZC_KIND_SPACE, "alpha", "x.cfg:4", &err));
  assert_true(strstr(err->message, "(available: none)") != NULL);
  g_clear_error(&err);
  GPtrArray *list = zc_registry_list(reg, ZC_KIND_PROXY);
  assert_int_equal(list->len, 2);
  assert_string_equal(((ZcPluginDesc *)g_ptr_array_index(list, 0))->name, "alpha");
  g_ptr_array_unref(list);
  zc_registry_free(reg);
}

static void test_search_path_order(void **state) {
  g_setenv("ZCNAS_PLUGIN_PATH", "/env/a:/env/b", TRUE);
  char *p = zc_registry_default_path("/cli");
  assert_true(g_str_has_prefix(p, "/cli:/env/a:/env/b:"));
  g_free(p);
  g_unsetenv("ZCNAS_PLUGIN_PATH");
  p = zc_registry_default_path(NULL);
  assert_false(g_str_has_prefix(p, "/cli"));
  g_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scan_refuses_each_broken_plugin),
    cmocka_unit_test(test_load_file_error_names_file),
    cmocka_unit_test(test_version_rules),
    cmocka_unit_test(test_require_lists_available),
    cmocka_unit_test(test_search_path_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
