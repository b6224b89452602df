/* Shared by the data readers' tests (test_data_npy.c, test_data_images.c): open a data
 * spec that must load, or one that must fail with a given code and message.  Include after
 * <cmocka.h>, <zcnas/data.h> and <zcnas/error.h>. */
#ifndef ZC_TEST_DATA_HARNESS_H
#define ZC_TEST_DATA_HARNESS_H

static ZcDataset *open_ok(const char *spec) {
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open(spec, NULL, &err);
  if (err) print_message("%s: %s\n", spec, err->message);
  assert_null(err);
  assert_non_null(ds);
  return ds;
}

static void expect_error(const char *spec, int code, const char *what, const char *what2) {
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open(spec, NULL, &err);
  assert_null(ds);
  assert_non_null(err);
  if (!g_error_matches(err, ZC_ERROR, code) || !strstr(err->message, what) ||
      (what2 && !strstr(err->message, what2)))
    print_message("%s: code %d: %s (want %d, '%s')\n", spec, err->code, err->message, code, what);
  assert_true(g_error_matches(err, ZC_ERROR, code));
  assert_non_null(strstr(err->message, what));
  if (what2) assert_non_null(strstr(err->message, what2));
  g_error_free(err);
}

#endif
