/* Pipeline files: @include, --set overrides and the core's top-level checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
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


static gint64 int_at(ZcPipeline *p, const char *path) {
  config_setting_t *s = zc_pipeline_lookup(p, path);
  assert_non_null(s);
  return config_setting_get_int64(s);
}

/* libconfig 1.5 keeps a literal without L in an int: 4294967296 read as 0. */
static void test_file_ints_are_64_bit(void **state) {
  g_free(write("wide-inc.cfg", "data = { batch = 4294967312; };\n"));
  char *f = write("wide.cfg", "# 99999999999999999999 in a comment\nexperiment = \"x 99999999999999999999\";\n"
                              "seed = 4294967296;   /* 1 */ jobs = -2147483649;\n@include \"wide-inc.cfg\"\n"
                              "sample = { count = 4294967299; seed = 0xFFFFFFFF; };\n"
                              "output = { precision = [5, 8589934592, 0x100000000]; level = 1.5e10; };\n");
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(f, NULL, &err);
  assert_non_null(p);
  assert_int_equal(int_at(p, "seed"), 4294967296LL);
  assert_int_equal(int_at(p, "jobs"), -2147483649LL);
  assert_int_equal(int_at(p, "data.batch"), 4294967312LL);
  assert_int_equal(int_at(p, "sample.count"), 4294967299LL);
  assert_int_equal(int_at(p, "sample.seed"), -1);   /* a 32-bit hex literal is an int's bit pattern */
  config_setting_t *prec = zc_pipeline_lookup(p, "output.precision");
  assert_int_equal(config_setting_get_int64_elem(prec, 1), 8589934592LL);
  assert_int_equal(config_setting_get_int64_elem(prec, 2), 4294967296LL);
  zc_pipeline_free(p);
  g_free(f);
  /* beyond 64 bits: an error naming the file, line, setting and the value as written */
  f = write("huge.cfg", "experiment = \"search\";\n\nseed = 99999999999999999999;\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  char *want = g_strdup_printf("%s:3: 'seed': 99999999999999999999 is out of range of a 64-bit integer", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_free(f);
  f = write("huge2.cfg", "sample = { seed = -99999999999999999999L; };\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  assert_true(strstr(err->message, ":1: 'sample.seed': -99999999999999999999L is out of range") != NULL);
  g_clear_error(&err);
  g_free(f);
}

static void test_set_ints_are_64_bit(void **state) {
  char *f = write("narrow.cfg", "seed = 1;\nsample = { count = 3; };\ndata = { batch = 16; };\n");
  const char *sets[] = {"seed=4294967296", "sample.count=4294967299", "data.batch=4294967312", "jobs=-5000000000",
                        NULL};
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(f, sets, &err);
  assert_non_null(p);
  assert_int_equal(int_at(p, "seed"), 4294967296LL);
  assert_int_equal(int_at(p, "sample.count"), 4294967299LL);
  assert_int_equal(int_at(p, "data.batch"), 4294967312LL);
  assert_int_equal(int_at(p, "jobs"), -5000000000LL);
  /* an overridden value is reported as coming from --set, not from the file */
  char *origin = zc_setting_origin(zc_pipeline_lookup(p, "sample.count"));
  assert_string_equal(origin, "--set sample.count");
  g_free(origin);
  assert_false(zc_pipeline_set(p, "seed=99999999999999999999", &err));
  assert_string_equal(err->message, "--set seed: 99999999999999999999 is out of range of a 64-bit integer");
  g_clear_error(&err);
  assert_false(zc_pipeline_set(p, "sample.seed=99999999999999999999", &err));   /* a new setting too */
  assert_string_equal(err->message, "--set sample.seed: 99999999999999999999 is out of range of a 64-bit integer");
  g_clear_error(&err);
  zc_pipeline_free(p);
  g_free(f);
}

static void expect_set_error(ZcPipeline *p, const char *assignment, const char *fragment) {
  GError *err = NULL;
  if (zc_pipeline_set(p, assignment, &err)) fail_msg("--set %s was accepted", assignment);
  if (!strstr(err->message, fragment)) fail_msg("--set %s: got '%s', expected '%s'", assignment, err->message, fragment);
  g_error_free(err);
}

/* VALUE is a scalar (true/false, integer, number, "string" or a bare word) or a
 * [list] / (list) of scalars; anything else is an error, not a strange string. */
static void test_set_value_rule(void **state) {
  char *f = write("rule.cfg", "proxies = ( \"params\" );\noutput = { dir = \"out\"; level = 0.9; w = [0.5, 1.5]; };\n");
  GError *err = NULL;
  ZcPipeline *p = zc_pipeline_load(f, NULL, &err);
  assert_non_null(p);
  expect_set_error(p, "proxies=[params", "--set proxies: '[params': unbalanced [ ]");
  expect_set_error(p, "proxies=params]", "unbalanced [ ]");
  expect_set_error(p, "proxies=(params]", "unbalanced ( )");
  expect_set_error(p, "proxies=[params, [flops]]", "a bare value may not hold any of");
  expect_set_error(p, "proxies=[params,,flops]", "has an empty item");
  expect_set_error(p, "output.dir=\"/tmp/x\";", "--set output.dir: \"/tmp/x\"; is not one string");
  expect_set_error(p, "output.dir=/tmp/x;", "--set output.dir: '/tmp/x;': a bare value may not hold any of");
  expect_set_error(p, "output.dir=\"a\"b\"", "is not one string");
  expect_set_error(p, "output.dir={ x = 1; }", "a bare value may not hold any of");
  expect_set_error(p, "output.level=nan", "--set output.level: 'nan' does not fit the type of this setting");
  expect_set_error(p, "output.level=\"0.5\"", "does not fit the type");
  assert_true(zc_pipeline_set(p, "output.dir=\"/tmp/a b; c\"", &err));
  assert_string_equal(config_setting_get_string(zc_pipeline_lookup(p, "output.dir")), "/tmp/a b; c");
  assert_true(zc_pipeline_set(p, "output.dir=/tmp/x", &err));
  assert_string_equal(config_setting_get_string(zc_pipeline_lookup(p, "output.dir")), "/tmp/x");
  assert_true(zc_pipeline_set(p, "output.dir=123", &err));   /* a string setting takes the text as written */
  assert_string_equal(config_setting_get_string(zc_pipeline_lookup(p, "output.dir")), "123");
  assert_true(zc_pipeline_set(p, "output.level=1", &err));
  assert_true(config_setting_get_float(zc_pipeline_lookup(p, "output.level")) == 1.0);
  assert_true(zc_pipeline_set(p, "proxies=[params, \"a,b\", 3]", &err));
  config_setting_t *px = zc_pipeline_lookup(p, "proxies");
  assert_int_equal(config_setting_length(px), 3);
  assert_string_equal(config_setting_get_string_elem(px, 1), "a,b");
  assert_int_equal(config_setting_get_int64_elem(px, 2), 3);
  assert_true(zc_pipeline_set(p, "proxies=nwot,snip", &err));   /* a list also takes a,b */
  assert_int_equal(config_setting_length(px), 2);
  assert_true(zc_pipeline_set(p, "output.w=[0.25, 2]", &err));   /* an integer in an array of numbers */
  assert_true(config_setting_get_float_elem(zc_pipeline_lookup(p, "output.w"), 1) == 2.0);
  expect_set_error(p, "output.w=[true, 2]", "mixed types in an array");
  /* a new setting takes the type of its value; a bare word that is no number is a string */
  assert_true(zc_pipeline_set(p, "data.spec=gaussian:3x8x8", &err));
  assert_int_equal(config_setting_type(zc_pipeline_lookup(p, "data.spec")), CONFIG_TYPE_STRING);
  assert_true(zc_pipeline_set(p, "space.max_params_m=nan", &err));
  assert_int_equal(config_setting_type(zc_pipeline_lookup(p, "space.max_params_m")), CONFIG_TYPE_STRING);
  assert_true(zc_pipeline_set(p, "space.min_params_m=2.5", &err));
  assert_int_equal(config_setting_type(zc_pipeline_lookup(p, "space.min_params_m")), CONFIG_TYPE_FLOAT);
  assert_true(zc_pipeline_set(p, "space.cells=4294967296L", &err));
  assert_int_equal(int_at(p, "space.cells"), 4294967296LL);
  assert_null(err);
  zc_pipeline_free(p);
  g_free(f);
}

/* A pipeline file argument that is a directory, empty or unreadable says so. */
static void test_file_argument_messages(void **state) {
  GError *err = NULL;
  assert_null(zc_pipeline_load(dir, NULL, &err));
  char *want = g_strdup_printf("%s: is a directory, not a pipeline file", dir);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  /* an @include of a directory used to end the process ("input in flex scanner failed") */
  char *sub = g_build_filename(dir, "sub", NULL);
  assert_int_equal(g_mkdir(sub, 0700), 0);
  char *f = write("incdir.cfg", "seed = 1;\n\n@include \"sub\"\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s:3: @include \"sub\": is a directory", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_rmdir(sub);
  g_free(sub);
  g_free(f);
  f = write("incnone.cfg", "\n@include \"none.cfg\"\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s:2: @include \"none.cfg\": no such file", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_free(f);
  /* the fuzzer's case: NUL bytes hid an @include of the pipeline's own directory from the
   * check above, and libconfig ended the process; a file with a NUL is refused whole */
  f = g_build_filename(dir, "nul.cfg", NULL);
  static const char nul[] = "@include \"\0\0a \0\005\020@pipeline.cfg\"\n";
  assert_true(g_file_set_contents(f, nul, sizeof nul - 1, NULL));
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s: the pipeline file contains a NUL byte: not a text file", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  char *inc = g_build_filename(dir, "nul-inc.cfg", NULL);
  assert_true(g_file_set_contents(inc, "seed = 1;\0\n", 11, NULL));
  g_free(f);
  f = write("incnul.cfg", "@include \"nul-inc.cfg\"\n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s:1: @include \"nul-inc.cfg\": contains a NUL byte: not a text file", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_free(inc);
  g_free(f);
  f = write("empty.cfg", "\n  \n");
  assert_null(zc_pipeline_load(f, NULL, &err));
  want = g_strdup_printf("%s: the pipeline file is empty", f);
  assert_string_equal(err->message, want);
  g_free(want);
  g_clear_error(&err);
  g_free(f);
  f = write("locked.cfg", "seed = 1;\n");
  assert_int_equal(g_chmod(f, 0), 0);
  FILE *fp = fopen(f, "r");   /* root reads any file */
  if (fp) fclose(fp);
  else {
    assert_null(zc_pipeline_load(f, NULL, &err));
    want = g_strdup_printf("%s: cannot read the pipeline file: %s", f, g_strerror(EACCES));
    assert_string_equal(err->message, want);
    g_free(want);
    g_clear_error(&err);
  }
  g_free(f);
}
int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_include_and_set),
    cmocka_unit_test(test_syntax_error_names_line),
    cmocka_unit_test(test_top_level_checks),
    cmocka_unit_test(test_file_ints_are_64_bit),
    cmocka_unit_test(test_set_ints_are_64_bit),
    cmocka_unit_test(test_set_value_rule),
    cmocka_unit_test(test_file_argument_messages),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
