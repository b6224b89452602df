/* The images:DIR data kind (core/base/data-images.c): PNG files written here with
 * libpng (RGB, grey, RGBA, palette, 16-bit) read back to their exact pixels, a JPEG of a
 * flat colour written with libjpeg decoded within 2 of the colour, the label list rules,
 * mixed sizes refused without size= and resampled with it, one message per bad file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <png.h>
#include <jpeglib.h>
#include <cmocka.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include "data_harness.h"

static char *tmpdir;

static void rm_tree(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR)) rm_tree(p);
    else g_unlink(p);
  }
  if (d) g_dir_close(d);
  g_rmdir(dir);
}

static int setup(void **state) {
  tmpdir = g_dir_make_tmp("zcnas-test-images-XXXXXX", NULL);
  return tmpdir ? 0 : -1;
}

static int teardown(void **state) {
  rm_tree(tmpdir);
  g_free(tmpdir);
  return 0;
}

/* A fresh subdirectory for one test. */
static char *subdir(const char *name) {
  char *d = g_build_filename(tmpdir, name, NULL);
  assert_int_equal(g_mkdir(d, 0700), 0);
  return d;
}

/* An 8- or 16-bit PNG of colour type `type` from interleaved samples (16-bit: big-endian
 * pairs), or a palette PNG when palette != NULL. */
static void write_png(const char *dir, const char *name, guint w, guint h, int type, int depth,
                      const guint8 *rows, const png_color *palette, int npal) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  assert_non_null(info);
  if (setjmp(png_jmpbuf(png))) fail_msg("libpng failed writing %s", path);
  png_init_io(png, f);
  png_set_IHDR(png, info, w, h, depth, type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (palette) png_set_PLTE(png, info, palette, npal);
  png_write_info(png, info);
  gsize stride = (gsize)w * png_get_channels(png, info) * (depth / 8);
  for (guint y = 0; y < h; y++) png_write_row(png, rows + y * stride);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  fclose(f);
}

static void write_jpeg(const char *dir, const char *name, guint w, guint h, const guint8 rgb[3]) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr jerr;
  c.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = w;
  c.image_height = h;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  jpeg_start_compress(&c, TRUE);
  g_autofree guint8 *row = g_malloc((gsize)w * 3);
  for (guint x = 0; x < w; x++) memcpy(row + x * 3, rgb, 3);
  while (c.next_scanline < h) {
    JSAMPROW r = row;
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  assert_true(g_file_set_contents(path, text, -1, NULL));
}


/* value of sample k of a 4x3 test image (distinct bytes) */
static guint8 sample(guint img, guint k) { return (guint8)(17 * img + 5 * k + 3); }

/* RGB, RGBA (alpha dropped), grey (replicated), 16-bit RGB (high byte) and palette PNGs
 * of 4x3 pixels: every delivered value is the written byte / 255. */
static void test_png_exact(void **state) {
  g_autofree char *d = subdir("png");
  guint8 rgb[36], rgba[48], grey[12], rgb16[72], idx[12];
  for (guint k = 0; k < 36; k++) rgb[k] = sample(0, k);
  for (guint j = 0; j < 12; j++) {
    for (guint ch = 0; ch < 3; ch++) rgba[j * 4 + ch] = sample(1, j * 3 + ch);
    rgba[j * 4 + 3] = (guint8)(j * 20);   /* alpha: must not matter */
    grey[j] = sample(2, j);
    idx[j] = (guint8)(j % 3);
  }
  for (guint k = 0; k < 36; k++) rgb16[2 * k] = sample(3, k), rgb16[2 * k + 1] = (guint8)(k * 7);
  const png_color pal[3] = {{10, 20, 30}, {200, 100, 0}, {255, 255, 255}};
  write_png(d, "a.png", 4, 3, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
  write_png(d, "b.png", 4, 3, PNG_COLOR_TYPE_RGBA, 8, rgba, NULL, 0);
  write_png(d, "c.png", 4, 3, PNG_COLOR_TYPE_GRAY, 8, grey, NULL, 0);
  write_png(d, "d.png", 4, 3, PNG_COLOR_TYPE_RGB, 16, rgb16, NULL, 0);
  write_png(d, "e.png", 4, 3, PNG_COLOR_TYPE_PALETTE, 8, idx, pal, 3);
  write_text(d, "labels.csv", "# five PNGs\nfile,label\na.png,0\r\n\n b.png , 1\nc.png,2\nd.png,0\ne.png,1\n");
  g_autofree char *spec = g_strdup_printf("images(mean=0/0/0,std=1/1/1):%s", d);
  ZcDataset *ds = open_ok(spec);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(c, 3), assert_int_equal(h, 3), assert_int_equal(w, 4);
  assert_int_equal(zc_dataset_n_images(ds), 5);
  assert_int_equal(zc_dataset_num_classes(ds), 3);
  const guint lab[5] = {0, 1, 2, 0, 1};
  float out[36];
  for (guint i = 0; i < 5; i++) {
    assert_int_equal(zc_dataset_label(ds, i), lab[i]);
    zc_dataset_image(ds, i, out);
    for (guint ch = 0; ch < 3; ch++)
      for (guint j = 0; j < 12; j++) {
        guint8 want = i == 2 ? grey[j] : i == 4 ? (&pal[idx[j]].red)[ch] : sample(i, j * 3 + ch);
        assert_true(out[ch * 12 + j] == (float)want / 255.0f);
      }
  }
  zc_dataset_free(ds);
}

/* Only grey images: one channel (as fmnist), grey default normalisation. */
static void test_grey_only(void **state) {
  g_autofree char *d = subdir("grey");
  guint8 g[12];
  for (guint j = 0; j < 12; j++) g[j] = sample(5, j);
  write_png(d, "g.png", 4, 3, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
  write_text(d, "labels.csv", "g.png,0\n");
  g_autofree char *spec = g_strdup_printf("images:%s", d);
  ZcDataset *ds = open_ok(spec);
  guint c;
  zc_dataset_shape(ds, &c, NULL, NULL);
  assert_int_equal(c, 1);
  float out[12];
  zc_dataset_image(ds, 0, out);
  assert_float_equal(out[7], ((double)g[7] / 255 - 0.5) / 0.25, 1e-6);
  zc_dataset_free(ds);
}

/* A flat-colour JPEG decodes within 2 of the colour; with a PNG beside it of the same size. */
static void test_jpeg_flat(void **state) {
  g_autofree char *d = subdir("jpeg");
  const guint8 col[3] = {200, 120, 40};
  write_jpeg(d, "flat.jpg", 16, 16, col);
  guint8 rgb[16 * 16 * 3];
  for (guint k = 0; k < sizeof rgb; k++) rgb[k] = (guint8)k;
  write_png(d, "p.png", 16, 16, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
  write_text(d, "list.txt", "flat.jpg,1\np.png,2\n");
  g_autofree char *spec = g_strdup_printf("images(labels=list.txt,label_base=1,mean=0/0/0,std=1/1/1):%s", d);
  ZcDataset *ds = open_ok(spec);
  assert_int_equal(zc_dataset_n_images(ds), 2);
  assert_int_equal(zc_dataset_label(ds, 0), 0);
  assert_int_equal(zc_dataset_label(ds, 1), 1);
  float out[3 * 256];
  zc_dataset_image(ds, 0, out);
  for (guint ch = 0; ch < 3; ch++)
    for (guint j = 0; j < 256; j++) assert_float_equal(out[ch * 256 + j] * 255.0f, col[ch], 2.0);
  zc_dataset_free(ds);
}

/* Different sizes: refused without size=, naming the first file that differs; with
 * size= every image is resampled to it. */
static void test_sizes(void **state) {
  g_autofree char *d = subdir("sizes");
  guint8 a[4 * 4 * 3], b[8 * 8 * 3];
  memset(a, 60, sizeof a);
  for (guint k = 0; k < sizeof b; k++) b[k] = (guint8)(k % 3 == 0 ? 240 : 30);
  write_png(d, "a.png", 4, 4, PNG_COLOR_TYPE_RGB, 8, a, NULL, 0);
  write_png(d, "a2.png", 4, 4, PNG_COLOR_TYPE_RGB, 8, a, NULL, 0);
  write_png(d, "b.png", 8, 8, PNG_COLOR_TYPE_RGB, 8, b, NULL, 0);
  write_text(d, "labels.csv", "a.png,0\na2.png,1\nb.png,1\n");
  g_autofree char *spec = g_strdup_printf("images:%s", d);
  expect_error(spec, ZC_ERROR_DATA, "b.png: 8x8 pixels, but the first image a.png has 4x4", "size=");
  g_autofree char *s2 = g_strdup_printf("images(size=4,mean=0/0/0,std=1/1/1):%s", d);
  ZcDataset *ds = open_ok(s2);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(h, 4), assert_int_equal(w, 4);
  float out[48];
  zc_dataset_image(ds, 0, out);
  assert_true(out[5] == 60.0f / 255.0f);
  zc_dataset_image(ds, 2, out);   /* a flat 8x8 plane halves to the same flat 4x4 */
  assert_true(out[0] == 240.0f / 255.0f && out[15] == 240.0f / 255.0f);
  assert_true(out[16] == 30.0f / 255.0f && out[47] == 30.0f / 255.0f);
  zc_dataset_free(ds);
}

/* The list's errors and bad image files: one message each, naming file (and line). */
static void test_errors(void **state) {
  g_autofree char *d = subdir("bad");
  guint8 rgb[12];
  memset(rgb, 9, sizeof rgb);
  write_png(d, "ok.png", 2, 2, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
  write_text(d, "text.png", "not an image");
  g_autofree char *spec = g_strdup_printf("images:%s", d);
  g_autofree char *lpath = g_build_filename(d, "labels.csv", NULL);
  expect_error(spec, ZC_ERROR_IO, lpath, "cannot read");
  write_text(d, "labels.csv", "ok.png 3\n");
  expect_error(spec, ZC_ERROR_DATA, "labels.csv:1: expected FILE,LABEL", NULL);
  write_text(d, "labels.csv", "ok.png,0\nok.png,x\n");
  expect_error(spec, ZC_ERROR_DATA, "labels.csv:2: the label is not a non-negative integer", NULL);
  write_text(d, "labels.csv", "# nothing\n\n");
  expect_error(spec, ZC_ERROR_DATA, "labels.csv: lists no images", NULL);
  write_text(d, "labels.csv", "ok.png,0\nmissing.png,1\n");
  expect_error(spec, ZC_ERROR_IO, "missing.png: cannot read", NULL);
  write_text(d, "labels.csv", "ok.png,0\ntext.png,1\n");
  expect_error(spec, ZC_ERROR_DATA, "text.png: neither a PNG nor a JPEG file", NULL);
  /* a PNG cut short, a JPEG cut short */
  g_autofree char *okp = g_build_filename(d, "ok.png", NULL);
  gchar *buf;
  gsize len;
  assert_true(g_file_get_contents(okp, &buf, &len, NULL));
  g_autofree char *cut = g_build_filename(d, "cut.png", NULL);
  assert_true(g_file_set_contents(cut, buf, (gssize)(len - 20), NULL));
  g_free(buf);
  write_text(d, "labels.csv", "cut.png,0\n");
  expect_error(spec, ZC_ERROR_DATA, "cut.png: bad PNG: ", NULL);
  const guint8 col[3] = {1, 2, 3};
  write_jpeg(d, "j.jpg", 8, 8, col);
  g_autofree char *jp = g_build_filename(d, "j.jpg", NULL);
  assert_true(g_file_get_contents(jp, &buf, &len, NULL));
  g_autofree char *jcut = g_build_filename(d, "jcut.jpg", NULL);
  assert_true(g_file_set_contents(jcut, buf, 100, NULL));
  g_free(buf);
  write_text(d, "labels.csv", "jcut.jpg,0\n");
  expect_error(spec, ZC_ERROR_DATA, "jcut.jpg: bad JPEG: ", NULL);
  /* label_base=1 with a label 0 */
  write_text(d, "labels.csv", "ok.png,0\n");
  g_autofree char *s1 = g_strdup_printf("images(label_base=1):%s", d);
  expect_error(s1, ZC_ERROR_DATA, "label 0 of image 0 is below label_base 1", "labels.csv");
  /* not a directory */
  g_autofree char *s2 = g_strdup_printf("images:%s", okp);
  expect_error(s2, ZC_ERROR_IO, "not a directory", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_png_exact), cmocka_unit_test(test_grey_only),
      cmocka_unit_test(test_jpeg_flat), cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
