/* The command-line parser of each subcommand: exit statuses for every usage error, and
 * the output of good invocations (the real plugins of the build tree are loaded). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include "cli.h"

/* Run a subcommand with stdout and stderr captured into *out and *err. */
static int run(int (*cmd)(int, char **), char **out, char **err, ...) {
  GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
  va_list ap;
  va_start(ap, err);
  for (const char *a; (a = va_arg(ap, const char *));) g_ptr_array_add(args, g_strdup(a));
  va_end(ap);
  g_ptr_array_add(args, NULL);
  char *fo, *fe;
  int fdo = g_file_open_tmp("zccli-out-XXXXXX", &fo, NULL), fde = g_file_open_tmp("zccli-err-XXXXXX", &fe, NULL);
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  dup2(fdo, 1);
  dup2(fde, 2);
  char **argv = (char **)args->pdata;
  int argc = (int)args->len - 1;
  char **copy = g_memdup2(argv, sizeof(char *) * (gsize)(argc + 1));   /* the parser may permute argv */
  int status = cmd(argc, copy);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so), close(se), close(fdo), close(fde);
  g_file_get_contents(fo, out, NULL, NULL);
  g_file_get_contents(fe, err, NULL, NULL);
  g_unlink(fo), g_unlink(fe);
  g_free(fo), g_free(fe), g_free(copy);
  g_ptr_array_unref(args);
  return status;
}

#define RUN(cmd, ...) run(cmd, &out, &err, __VA_ARGS__, NULL)
#define CLEAR() (g_free(out), g_free(err), out = err = NULL)

static const char *A6111 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";

static void test_arch(void **state) {
  char *out = NULL, *err = NULL;
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201"), 2);
  assert_true(strstr(err, "give exactly one of --arch, --index, --sample or --all") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--index", "1", "--all"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--sample", "-3"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--bogus"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nope", "--index", "1"), 2);
  assert_true(strstr(err, "no space plugin named 'nope': no file nope.so in ") != NULL);
  assert_true(strstr(err, "`zcnas plugins --kind space` lists those available") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--index", "15625"), 2);
  assert_true(strstr(err, "out of range") != NULL);
  assert_string_equal(out, "");   /* no half table */
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--index", "6111"), 0);
  char *want = g_strdup_printf("index,arch,params_m,flops_m\n6111,%s,1.073466,155.583104\n", A6111);
  assert_string_equal(out, want);
  g_free(want);
  CLEAR();
  /* a space option through --set switches the head to 100 classes: +90*64+90 parameters */
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--arch", A6111, "--set", "space.dataset=cifar100"), 0);
  assert_true(strstr(out, ",1.079316,") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--index", "1", "--set", "space.dataset=svhn"), 2);
  assert_true(strstr(err, "--set space.dataset: space 'nb201': 'dataset': 'svhn' is not one of") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--sample", "5", "--seed", "3"), 0);
  char *first = g_strdup(out);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--sample", "5", "--seed", "3"), 0);
  assert_string_equal(out, first);   /* seeded */
  g_free(first);
  CLEAR();
}

static void test_score(void **state) {
  char *out = NULL, *err = NULL;
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111), 2);
  assert_true(strstr(err, "give --proxy") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--proxy", "params"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params,zzz"), 2);
  assert_true(strstr(err, "no proxy plugin named 'zzz'") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params", "--batch", "0"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params,flops", "--no-cache"), 0);
  char *want = g_strdup_printf("arch,params,flops\n%s,1.073466,155.583104\n", A6111);
  assert_string_equal(out, want);
  g_free(want);
  CLEAR();
  /* an architecture file with a bad line: FILE:LINE */
  char *f;
  int fd = g_file_open_tmp("zcarchs-XXXXXX", &f, NULL);
  close(fd);
  char *text = g_strdup_printf("index,arch,params_m\n1,%s,1\n2,|bad~0|,3\n", A6111);
  g_file_set_contents(f, text, -1, NULL);
  g_free(text);
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch-file", f, "--proxy", "params"), 2);
  char *loc = g_strdup_printf("%s:3: nb201 arch '|bad~0|' at position 2", f);
  assert_true(strstr(err, loc) != NULL);
  g_free(loc);
  CLEAR();
  g_unlink(f);
  g_free(f);
}

static void test_plugins_and_run(void **state) {
  char *out = NULL, *err = NULL;
  assert_int_equal(RUN(zc_cmd_plugins, "plugins", "--kind", "bogus"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_plugins, "plugins", "--kind", "searcher"), 0);
  assert_true(strstr(out, "\nsearcher random ") != NULL);   /* after evolution */
  CLEAR();
  assert_int_equal(RUN(zc_cmd_run, "run"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_run, "run", "/nonexistent.cfg"), 2);
  assert_true(strstr(err, "/nonexistent.cfg: no such pipeline file") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_run, "run", "a.cfg", "--jobs", "-1"), 2);
  CLEAR();
}


/* No value of an option may double as "not given": --batch -1 was the default 64,
 * --index -1 and --sample 0 were ignored, --jobs 0 took the pipeline's jobs; and a
 * 64-bit count must not be cut to 32 bits. */
static void test_no_value_means_unset(void **state) {
  char *out = NULL, *err = NULL;
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params", "--batch=-1"), 2);
  assert_true(strstr(err, "zcnas score: --batch: ") && strstr(err, "-1"));
  assert_string_equal(out, "");
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params", "--batch", "x"), 2);
  assert_true(strstr(err, "zcnas score: --batch: ") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch", A6111, "--proxy", "params", "--batch", "4294967312"), 2);
  assert_true(strstr(err, "'batch': 4294967312 is out of range [1, 4096]") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--arch", A6111, "--index=-1"), 2);
  assert_true(strstr(err, "give exactly one of") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--index=-1"), 2);
  assert_true(strstr(err, "zcnas arch: --index: ") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--arch", A6111, "--sample", "0"), 2);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_arch, "arch", "--space", "nb201", "--sample", "0"), 2);
  assert_true(strstr(err, "zcnas arch: --sample: ") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_run, "run", "a.cfg", "--jobs", "0"), 2);
  assert_true(strstr(err, "zcnas run: --jobs: ") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_layerstats, "layerstats", "--space", "nb201", "--count", "4294967297"), 2);
  assert_true(strstr(err, "--count") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_layerstats, "layerstats", "--space", "nb201", "--count", "1", "--batch", "4294967360"), 2);
  assert_true(strstr(err, "--batch") != NULL);
  CLEAR();
  assert_int_equal(RUN(zc_cmd_run, "run", g_get_tmp_dir()), 2);
  assert_true(strstr(err, ": is a directory, not a pipeline file") != NULL);
  CLEAR();
}

/* An architecture file saved with a UTF-8 byte order mark and CRLF line ends, as plain
 * lines and as CSV whose first column is the architecture. */
static void test_arch_file_bom(void **state) {
  char *out = NULL, *err = NULL;
  char *f;
  int fd = g_file_open_tmp("zcarchs-XXXXXX", &f, NULL);
  close(fd);
  char *want = g_strdup_printf("arch,params\n%s,1.073466\n", A6111);
  for (int csv = 0; csv < 2; csv++) {
    char *text = csv ? g_strdup_printf("\xEF\xBB\xBF" "arch,index\r\n%s,6111\r\n", A6111)
                     : g_strdup_printf("\xEF\xBB\xBF%s\r\n", A6111);
    g_file_set_contents(f, text, -1, NULL);
    g_free(text);
    assert_int_equal(RUN(zc_cmd_score, "score", "--space", "nb201", "--arch-file", f, "--proxy", "params"), 0);
    assert_string_equal(out, want);
    CLEAR();
  }
  g_free(want);
  g_unlink(f);
  g_free(f);
}
int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_arch),
    cmocka_unit_test(test_score),
    cmocka_unit_test(test_plugins_and_run),
    cmocka_unit_test(test_no_value_means_unset),
    cmocka_unit_test(test_arch_file_bom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
