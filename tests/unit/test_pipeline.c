/* Pipeline files: @include, --set overrides and the core's top-level checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/zcnas.h>
#include <zcnas/pipeline.h>

static char *dir;

static int setup(void **state) {
  dir = g_dir_make_tmp("zcpipe-XXXXXX", NULL);
  return dir ? 0 : -1;
}

static int teardown(void **state) {
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(d))) {
    char *f = g_build_filename(dir, n, NULL);
    g_unlink(f);
    g_free(f);
  }
  g_dir_close(d);
  g_rmdir(dir);
  g_free(dir);
  return 0;
}

static char *write(const char *name, const char *text) {
  char *f = g_build_filename(dir, name, NULL);
  assert_true(g_file_set_contents(f, text, -1, NULL));
  return f;
}

static void test_include_and_set(void **state) {
  g_free(write("common.cfg", "seed = 7;\nspace = { name = \"nb201\"; dataset = \"cifar10\"; };\n"));
  char *f = write("main.cfg", "@include \"common.cfg\"\nexperiment = \"search\";\nproxies = ( \"params\" );\n");
  const char *sets[] = {"space.dataset=cifar100", "seed=9", "searcher.budget=5", "proxies=[params, flops]", NULL};
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(f, sets, &err);
  assert_non_null(p);
  assert_string_equal(config_setting_get_string(zc_pipeline_lookup(p, "space.dataset")), "cifar100");
  assert_int_equal(config_setting_get_int64(zc_pipeline_lookup(p, "seed")), 9);
  assert_int_equal(config_setting_get_int64(zc_pipeline_lookup(p, "searcher.budget")), 5);
  config_setting_t *px = zc_pipeline_lookup(p, "proxies");
  assert_int_equal(config_setting_length(px), 2);
  assert_string_equal(config_setting_get_string_elem(px, 1), "flops");
  /* a value keeps the type of the setting it replaces */
  assert_false(zc_pipeline_set(p, "seed=abc", &err));
  assert_string_equal(err->message, "--set seed: 'abc' does not fit the type of this setting");
  g_clear_error(&err);
  assert_false(zc_pipeline_set(p, "space=3", &err));
  assert_true(strstr(err->message, "is a group") != NULL);
  g_clear_error(&err);
  assert_false(zc_pipeline_set(p, "noequals", &err));
  g_clear_error(&err);
  zc_pipeline_free(p);
  g_free(f);
}

static void test_syntax_error_names_line(void **state) {
  char *f = write("bad.cfg", "seed = 1;\nspace = { name = \"nb201\"; };\nseed = ;\n");
  GError *err = NULL;
  assert_null(zc_pipeline_load(f, NULL, &err));
  char *prefix = g_strdup_printf("%s:3: ", f);
  assert_true(g_str_has_prefix(err->message, prefix));
  assert_int_equal(err->code, ZC_ERROR_CONFIG);
  g_free(prefix);
  g_clear_error(&err);
  g_free(f);
}

static void test_top_level_checks(void **state) {
  GError *err = NULL;
  char *f = write("unknown.cfg", "seed = 1;\n\nsearch = { };\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  char *want = g_strdup_printf("%s:3: unknown top-level setting 'search' (known: experiment,", f);
  assert_true(g_str_has_prefix(err->message, want));
  g_free(want);
  g_clear_error(&err);
  g_free(f);
  f = write("type.cfg", "seed = \"one\";\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s:1: 'seed' must be an integer", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_free(f);
  /* an override that breaks the rules is reported as coming from --set */
  const char *sets[] = {"bogus=1", NULL};
  assert_null(zc_pipeline_load(NULL, sets, &err));
  assert_true(g_str_has_prefix(err->message, "--set bogus: unknown top-level setting 'bogus'"));
  g_clear_error(&err);
  assert_null(zc_pipeline_load("/nonexistent/x.cfg", NULL, &err));
  assert_string_equal(err->message, "/nonexistent/x.cfg: no such pipeline file");
  g_clear_error(&err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_include_and_set),
    cmocka_unit_test(test_syntax_error_names_line),
    cmocka_unit_test(test_top_level_checks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
