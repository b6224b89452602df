/* Typed options: a libconfig group checked against a schema, with FILE:LINE errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <zcnas/zcnas.h>

static const ZcOption schema[] = {
  {"batch", ZC_OPT_INT, "64", 1, 4096, NULL, "batch"},
  {"eps", ZC_OPT_FLOAT, "0.5", 0, 1, NULL, "eps"},
  {"abs", ZC_OPT_BOOL, "true", 0, 0, NULL, "abs"},
  {"mode", ZC_OPT_CHOICE, "union", 0, 0, "union|sum", "mode"},
  {"label", ZC_OPT_STRING, "x", 0, 0, NULL, "label"},
  {"bins", ZC_OPT_INT_LIST, "[2, 8]", 0, 10, NULL, "bins"},
  {NULL},
};
static const char *const reserved[] = {"name", NULL};

/* Parse `text` as a libconfig file and resolve its group `g`; the file name in messages
 * is the temporary file's. */
static ZcOptions *resolve_text(const char *text, char **file_out, GError **err) {
  char *file = NULL;
  int fd = g_file_open_tmp("zcopt-XXXXXX.cfg", &file, NULL);
  assert_true(fd >= 0);
  close(fd);
  g_file_set_contents(file, text, -1, NULL);
  config_t cfg;
  config_init(&cfg);
  assert_true(config_read_file(&cfg, file));
  ZcOptions *o = zc_options_resolve(schema, config_lookup(&cfg, "g"), "proxy 'x'", reserved, err);
  config_destroy(&cfg);
  g_unlink(file);
  if (file_out) *file_out = file;
  else g_free(file);
  return o;
}

static void test_defaults(void **state) {
  ZcOptions *o = zc_options_resolve(schema, NULL, "proxy 'x'", NULL, NULL);
  assert_non_null(o);
  assert_int_equal(zc_options_int(o, "batch"), 64);
  assert_true(fabs(zc_options_float(o, "eps") - 0.5) < 1e-15);
  assert_true(zc_options_bool(o, "abs"));
  assert_string_equal(zc_options_string(o, "mode"), "union");
  const gint64 *bins;
  assert_int_equal(zc_options_int_list(o, "bins", &bins), 2);
  assert_int_equal(bins[1], 8);
  assert_string_equal(zc_options_origin(o, "batch"), "default");
  zc_options_free(o);
}

static void test_values_and_origin(void **state) {
  char *file;
  GError *err = NULL;
  ZcOptions *o = resolve_text("g = {\n name = \"x\";\n batch = 32;\n eps = 1;\n mode = \"sum\";\n bins = [3];\n};\n", &file, &err);
  assert_non_null(o);
  assert_int_equal(zc_options_int(o, "batch"), 32);
  assert_true(zc_options_float(o, "eps") == 1.0);   /* an integer is accepted as a number */
  assert_string_equal(zc_options_string(o, "mode"), "sum");
  char *where = g_strdup_printf("%s:3", file);
  assert_string_equal(zc_options_origin(o, "batch"), where);
  g_free(where);
  zc_options_free(o);
  g_free(file);
}

static void expect_error(const char *text, int line, const char *fragment) {
  char *file;
  GError *err = NULL;
  ZcOptions *o = resolve_text(text, &file, &err);
  assert_null(o);
  assert_non_null(err);
  char *prefix = g_strdup_printf("%s:%d: proxy 'x': ", file, line);
  if (!g_str_has_prefix(err->message, prefix) || !strstr(err->message, fragment))
    fail_msg("got '%s', expected prefix '%s' and '%s'", err->message, prefix, fragment);
  assert_int_equal(err->code, ZC_ERROR_CONFIG);
  g_free(prefix);
  g_free(file);
  g_error_free(err);
}

static void test_errors(void **state) {
  expect_error("g = {\n bath = 3;\n};\n", 2, "'bath': unknown setting (known: batch, eps, abs, mode, label, bins)");
  expect_error("g = {\n batch = 3.5;\n};\n", 2, "'batch': expected an integer");
  expect_error("g = {\n\n batch = 0;\n};\n", 3, "'batch': 0 is out of range [1, 4096]");
  expect_error("g = {\n eps = 2.0;\n};\n", 2, "'eps': 2 is out of range [0, 1]");
  expect_error("g = {\n abs = 1;\n};\n", 2, "'abs': expected true or false");
  expect_error("g = {\n mode = \"both\";\n};\n", 2, "'mode': 'both' is not one of union|sum");
  expect_error("g = {\n bins = [1, 11];\n};\n", 2, "'bins': 11 is out of range [0, 10]");
  expect_error("g = {\n label = 5;\n};\n", 2, "'label': expected a string");
}

static void test_required(void **state) {
  static const ZcOption req[] = {{"path", ZC_OPT_STRING, NULL, 0, 0, NULL, "p"}, {NULL}};
  GError *err = NULL;
  assert_null(zc_options_resolve(req, NULL, "data", NULL, &err));
  assert_true(strstr(err->message, "'path': required setting is missing") != NULL);
  g_error_free(err);
}

static void test_from_strv_and_canonical(void **state) {
  const char *kv[] = {"batch=8", "eps=0.25", "bins=[1,2,3]", NULL};
  ZcOptions *o = zc_options_from_strv(schema, kv, "proxy 'x'", NULL);
  assert_non_null(o);
  char *c = zc_options_canonical(o);
  assert_string_equal(c, "batch=8;eps=0.25;abs=true;mode=union;label=x;bins=[1,2,3]");
  g_free(c);
  assert_string_equal(zc_options_origin(o, "batch"), "--set batch");
  zc_options_free(o);
  /* equal settings spelled differently give the same canonical string */
  const char *kv2[] = {"eps=2.5e-1", "batch=8", "bins=1,2,3", NULL};
  ZcOptions *o2 = zc_options_from_strv(schema, kv2, "proxy 'x'", NULL);
  char *c2 = zc_options_canonical(o2);
  assert_string_equal(c2, "batch=8;eps=0.25;abs=true;mode=union;label=x;bins=[1,2,3]");
  g_free(c2);
  zc_options_free(o2);
  GError *err = NULL;
  const char *bad[] = {"batch=x", NULL};
  assert_null(zc_options_from_strv(schema, bad, "proxy 'x'", &err));
  assert_string_equal(err->message, "--set batch: proxy 'x': 'batch': 'x' is not an integer");
  g_error_free(err);
}


/* NaN compares false with both bounds, so a range check alone lets it through; Inf from
 * an overflowing literal likewise.  Integers are compared and printed as integers. */
static void test_non_finite_and_wide(void **state) {
  expect_error("g = {\n eps = 1e400;\n};\n", 2, "'eps': inf is not a finite number");
  expect_error("g = {\n batch = 4294967296L;\n};\n", 2, "'batch': 4294967296 is out of range [1, 4096]");
  static const ZcOption wide[] = {{"seed", ZC_OPT_INT, "0", -1, 4611686018427387904.0, NULL, "s"},
                                  {"f", ZC_OPT_FLOAT, "0", 0, 0, NULL, "no range"},
                                  {NULL}};
  config_t cfg;
  config_init(&cfg);
  config_setting_t *g = config_setting_add(config_root_setting(&cfg), "g", CONFIG_TYPE_GROUP);
  config_setting_t *seed = config_setting_add(g, "seed", CONFIG_TYPE_INT64);
  config_setting_set_int64(seed, 4611686018427387905LL);   /* 2^62 + 1: a double rounds it to the bound */
  GError *err = NULL;
  assert_null(zc_options_resolve(wide, g, "sample", NULL, &err));
  assert_string_equal(err->message,
                      "--set g.seed: sample: 'seed': 4611686018427387905 is out of range [-1, 4611686018427387904]");
  g_clear_error(&err);
  config_setting_remove(g, "seed");
  config_setting_t *f = config_setting_add(g, "f", CONFIG_TYPE_FLOAT);
  for (int k = 0; k < 2; k++) {
    config_setting_set_float(f, k ? NAN : INFINITY);
    assert_null(zc_options_resolve(wide, g, "w", NULL, &err));
    assert_true(strstr(err->message, "'f': ") && strstr(err->message, "is not a finite number"));
    g_clear_error(&err);
  }
  /* a ranged option: NaN used to pass the range check */
  config_setting_remove(g, "f");
  config_setting_set_float(config_setting_add(g, "eps", CONFIG_TYPE_FLOAT), NAN);
  assert_null(zc_options_resolve(schema, g, "proxy 'x'", NULL, &err));
  assert_true(strstr(err->message, "'eps': nan is not a finite number") != NULL);
  g_clear_error(&err);
  const char *kv[] = {"batch=99999999999999999999", NULL};
  assert_null(zc_options_from_strv(schema, kv, "proxy 'x'", &err));
  assert_string_equal(err->message, "--set batch: proxy 'x': 'batch': 99999999999999999999 is out of range of a 64-bit integer");
  g_clear_error(&err);
  config_destroy(&cfg);
}
int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_values_and_origin),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_non_finite_and_wide),
    cmocka_unit_test(test_required),
    cmocka_unit_test(test_from_strv_and_canonical),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
