/* Image data: the real CIFAR-10 sample and Fashion-MNIST test set against independent
 * byte-level reads, class-balanced seeded batches, the Gaussian source's moments, spec
 * parsing, content hashes, and every bad-file error path on small files made here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zlib.h>
#include <cmocka.h>
#include <zcnas/data.h>
#include <zcnas/error.h>

/* the shipped CIFAR-10 sample and the first 1,000 Fashion-MNIST test images (tests/data) */
#define CIFAR_BIN ZC_TEST_SRCDIR "/share/data/cifar10_test2000.bin"
#define FMNIST_IMG ZC_TEST_SRCDIR "/tests/data/fmnist-t10k-first1000-images-idx3-ubyte.gz"
#define FMNIST_LAB ZC_TEST_SRCDIR "/tests/data/fmnist-t10k-first1000-labels-idx1-ubyte.gz"

/* Data files ship with the repository: a missing one is a failure, never a skip. */
static void need(const char *path) {
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) fail_msg("%s not found", path);
}

static ZcDataset *open_ok(const char *spec, const char *base) {
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open(spec, base, &err);
  if (err) print_message("%s\n", err->message);
  assert_null(err);
  assert_non_null(ds);
  return ds;
}

/* Expect the spec to fail with `code` and a message containing every given piece. */
static void expect_open_error(const char *spec, const char *base, int code, const char *what,
                              const char *what2) {
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open(spec, base, &err);
  assert_null(ds);
  assert_non_null(err);
  if (!g_error_matches(err, ZC_ERROR, code) || !strstr(err->message, what) ||
      (what2 && !strstr(err->message, what2)))
    print_message("spec %s: code %d message: %s (want %d, '%s')\n", spec ? spec : "(null)",
                  err->code, err->message, code, what);
  assert_true(g_error_matches(err, ZC_ERROR, code));
  assert_non_null(strstr(err->message, what));
  if (what2) assert_non_null(strstr(err->message, what2));
  g_error_free(err);
}

/* ---- temp files -------------------------------------------------------------- */

typedef struct {
  char *dir;
} Tmp;

static int tmp_setup(void **state) {
  Tmp *t = g_new0(Tmp, 1);
  t->dir = g_dir_make_tmp("zcnas-test-data-XXXXXX", NULL);
  assert_non_null(t->dir);
  *state = t;
  return 0;
}

static int tmp_teardown(void **state) {
  Tmp *t = *state;
  GDir *d = g_dir_open(t->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(t->dir, name, NULL);
    g_unlink(p);
  }
  if (d) g_dir_close(d);
  g_rmdir(t->dir);
  g_free(t->dir);
  g_free(t);
  return 0;
}

static char *put(Tmp *t, const char *name, const void *data, gsize len) {
  char *p = g_build_filename(t->dir, name, NULL);
  assert_true(g_file_set_contents(p, data, (gssize)len, NULL));
  return p;
}

static char *put_gz(Tmp *t, const char *name, const void *data, gsize len) {
  char *p = g_build_filename(t->dir, name, NULL);
  gzFile f = gzopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(gzwrite(f, data, (unsigned)len), (int)len);
  assert_int_equal(gzclose(f), Z_OK);
  return p;
}

static void be32(guint8 *p, guint32 v) {
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* IDX3 image file of n images rows x cols, pixel = (17 i + j) mod 256. */
static guint8 *idx3(guint32 magic, guint32 n, guint32 rows, guint32 cols, gsize *len) {
  *len = 16 + (gsize)n * rows * cols;
  guint8 *b = g_malloc(*len);
  be32(b, magic);
  be32(b + 4, n);
  be32(b + 8, rows);
  be32(b + 12, cols);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < (gsize)rows * cols; j++)
      b[16 + i * rows * cols + j] = (guint8)((17 * i + j) % 256);
  return b;
}

static guint8 *idx1(guint32 magic, guint32 n, gsize *len) {
  *len = 8 + n;
  guint8 *b = g_malloc(*len);
  be32(b, magic);
  be32(b + 4, n);
  for (guint32 i = 0; i < n; i++) b[8 + i] = (guint8)(i % 10);
  return b;
}

/* ---- real CIFAR-10 sample -------------------------------------------------------- */

static void test_cifar10_real_file(void **state) {
  need(CIFAR_BIN);
  g_autoptr(ZcDataset) ds = open_ok("cifar10:" CIFAR_BIN, NULL);
  assert_int_equal(zc_dataset_kind(ds), ZC_DATA_CIFAR10);
  assert_int_equal(zc_dataset_n_images(ds), 2000);
  assert_int_equal(zc_dataset_num_classes(ds), 10);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(c, 3);
  assert_int_equal(h, 32);
  assert_int_equal(w, 32);
  for (gsize i = 0; i < 2000; i++) assert_int_equal(zc_dataset_label(ds, i), i % 10);

  /* independent read of the bytes */
  g_autofree guint8 *raw = NULL;
  gsize len;
  assert_true(g_file_get_contents(CIFAR_BIN, (char **)&raw, &len, NULL));
  assert_int_equal(len, 2000 * 3073);
  double sum_raw[3] = {0}, sum_ds[3] = {0};
  const float *mean = zc_dataset_mean(ds), *std = zc_dataset_std(ds);
  assert_true(fabsf(mean[0] - 0.4914f) < 1e-6 && fabsf(std[2] - 0.2616f) < 1e-6);
  float img[3072];
  for (gsize i = 0; i < 2000; i++) {
    const guint8 *r = raw + i * 3073;
    assert_int_equal(r[0], i % 10);
    zc_dataset_image(ds, i, img);
    for (int ch = 0; ch < 3; ch++)
      for (int j = 0; j < 1024; j++) {
        sum_raw[ch] += r[1 + ch * 1024 + j] / 255.0;
        sum_ds[ch] += img[ch * 1024 + j] * std[ch] + mean[ch];
      }
    if (i == 7)  /* one pixel exactly: channel 1 (green), row 3, column 4 */
      assert_true(fabsf(img[1024 + 3 * 32 + 4] -
                        (r[1 + 1024 + 3 * 32 + 4] / 255.0f - 0.4822f) / 0.2435f) < 1e-5);
  }
  static const double published[3] = {0.497, 0.488, 0.455};  /* data README */
  for (int ch = 0; ch < 3; ch++) {
    double m_raw = sum_raw[ch] / (2000.0 * 1024), m_ds = sum_ds[ch] / (2000.0 * 1024);
    assert_true(fabs(m_raw - m_ds) < 1e-5);
    assert_true(fabs(m_raw - published[ch]) < 0.0015);
  }
}

/* size=: bilinear resampling of the stored images.  Halving averages each 2x2 block (the
 * half-pixel centres fall exactly between four pixels); doubling keeps the mean of an
 * image; 32x32 is the identity and keeps the content hash. */
static void test_cifar10_resized(void **state) {
  (void)state;
  need(CIFAR_BIN);
  g_autoptr(ZcDataset) ds = open_ok("cifar10:" CIFAR_BIN, NULL);
  g_autoptr(ZcDataset) half = open_ok("cifar10(size=16):" CIFAR_BIN, NULL);
  g_autoptr(ZcDataset) twice = open_ok("cifar10(size=64x64):" CIFAR_BIN, NULL);
  g_autoptr(ZcDataset) same = open_ok("cifar10(size=32x32):" CIFAR_BIN, NULL);
  guint c, h, w;
  zc_dataset_shape(half, &c, &h, &w);
  assert_true(c == 3 && h == 16 && w == 16);
  g_autofree guint8 *raw = NULL;
  gsize len;
  assert_true(g_file_get_contents(CIFAR_BIN, (char **)&raw, &len, NULL));
  const float *mean = zc_dataset_mean(ds), *std = zc_dataset_std(ds);
  float small[3 * 256], big[3 * 4096], orig[3072], ident[3072];
  for (gsize i = 0; i < 20; i++) {
    const guint8 *r = raw + i * 3073 + 1;
    zc_dataset_image(half, i, small);
    for (int ch = 0; ch < 3; ch++)
      for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
          const guint8 *p = r + ch * 1024 + (2 * y) * 32 + 2 * x;
          double block = (p[0] + p[1] + p[32] + p[33]) / 4.0 / 255.0;
          double want = (block - mean[ch]) / std[ch];
          assert_true(fabs(small[ch * 256 + y * 16 + x] - want) < 1e-5);
        }
    zc_dataset_image(twice, i, big);
    zc_dataset_image(ds, i, orig);
    for (int ch = 0; ch < 3; ch++) {
      double a = 0, b = 0;
      for (int j = 0; j < 1024; j++) a += orig[ch * 1024 + j];
      for (int j = 0; j < 4096; j++) b += big[ch * 4096 + j];
      assert_true(fabs(a / 1024 - b / 4096) < 1e-4);
      /* a corner of the doubled image is the corner pixel */
      assert_true(fabs(big[ch * 4096] - orig[ch * 1024]) < 1e-6);
    }
    zc_dataset_image(same, i, ident);
    assert_memory_equal(ident, orig, sizeof orig);
  }
  assert_string_equal(zc_dataset_content_hash(same), zc_dataset_content_hash(ds));
  assert_string_not_equal(zc_dataset_content_hash(twice), zc_dataset_content_hash(ds));
  expect_open_error("cifar10(size=0):" CIFAR_BIN, NULL, ZC_ERROR_CONFIG, "size '0'", NULL);
  expect_open_error("gaussian(size=64):3x32x32", NULL, ZC_ERROR_CONFIG, "option size applies to image files", NULL);
}

static void test_cifar10_batches(void **state) {
  need(CIFAR_BIN);
  g_autoptr(ZcDataset) ds = open_ok("cifar10:" CIFAR_BIN, NULL);
  GError *err = NULL;
  /* 95 images: 9 per class, 5 classes get a 10th */
  g_autoptr(ZcBatch) a = zc_dataset_batch(ds, 95, 3, 0, &err);
  assert_null(err);
  g_autoptr(ZcBatch) other = zc_dataset_batch(ds, 40, 99, 0, NULL);  /* must not matter */
  g_autoptr(ZcBatch) b = zc_dataset_batch(ds, 95, 3, 0, NULL);
  g_autoptr(ZcBatch) d = zc_dataset_batch(ds, 95, 4, 0, NULL);
  assert_non_null(other);
  assert_int_equal(a->n, 95);
  assert_int_equal(a->channels, 3);
  assert_int_equal(a->height, 32);
  assert_memory_equal(a->images, b->images, 95 * 3072 * sizeof(float));
  assert_memory_equal(a->labels, b->labels, 95 * sizeof(guint32));
  assert_true(memcmp(a->images, d->images, 95 * 3072 * sizeof(float)) != 0);
  int cnt[10] = {0}, tens = 0;
  for (guint i = 0; i < 95; i++) cnt[a->labels[i]]++;
  for (int k = 0; k < 10; k++) {
    assert_true(cnt[k] == 9 || cnt[k] == 10);
    tens += cnt[k] == 10;
  }
  assert_int_equal(tens, 5);
  /* each batch image is a stored image of its label (record k has label k mod 10), with
   * no image twice: look it up among the 200 of its class */
  GHashTable *used = g_hash_table_new(g_direct_hash, g_direct_equal);
  float img[3072];
  for (guint i = 0; i < 95; i++) {
    int found = -1;
    for (gsize k = a->labels[i]; k < 2000 && found < 0; k += 10) {
      zc_dataset_image(ds, k, img);
      if (!memcmp(img, a->images + (gsize)i * 3072, sizeof img)) found = (int)k;
    }
    assert_true(found >= 0);
    assert_false(g_hash_table_contains(used, GINT_TO_POINTER(found + 1)));
    g_hash_table_add(used, GINT_TO_POINTER(found + 1));
  }
  g_hash_table_destroy(used);
  /* the batch order is shuffled, not grouped by class */
  int changes = 0;
  for (guint i = 1; i < 95; i++) changes += a->labels[i] != a->labels[i - 1];
  assert_true(changes > 60);
  /* the whole set: 200 per class, every image once -> same sums as the data */
  g_autoptr(ZcBatch) all = zc_dataset_batch(ds, 2000, 11, 0, NULL);
  assert_non_null(all);
  double s_batch = 0, s_data = 0;
  for (gsize i = 0; i < 2000 * 3072; i++) s_batch += all->images[i];
  for (gsize k = 0; k < 2000; k++) {
    zc_dataset_image(ds, k, img);
    for (int j = 0; j < 3072; j++) s_data += img[j];
  }
  assert_true(fabs(s_batch - s_data) < 1e-6 * 2000 * 3072);
  /* one more than the data holds: a class runs short */
  assert_null(zc_dataset_batch(ds, 2001, 11, 0, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_non_null(strstr(err->message, "has 200 images"));
  assert_non_null(strstr(err->message, "cifar10_test2000.bin"));
  g_clear_error(&err);
  assert_null(zc_dataset_batch(ds, 0, 1, 0, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
  assert_null(zc_dataset_batch(ds, 10, 1, 1, &err));  /* 3 -> 1 channel is not offered */
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
}

/* ---- real Fashion-MNIST test images (the first 1,000 of the test set) ------------- */

static void test_fmnist_real_files(void **state) {
  need(FMNIST_IMG);
  need(FMNIST_LAB);
  g_autoptr(ZcDataset) ds = open_ok("fmnist:" FMNIST_IMG, NULL);
  assert_int_equal(zc_dataset_n_images(ds), 1000);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(c, 1);
  assert_int_equal(h, 28);
  assert_int_equal(w, 28);
  /* independent read of the labels and pixels with zlib */
  gzFile fl = gzopen(FMNIST_LAB, "rb"), fi = gzopen(FMNIST_IMG, "rb");
  assert_non_null(fl);
  assert_non_null(fi);
  guint8 hdr[16];
  assert_int_equal(gzread(fl, hdr, 8), 8);
  assert_int_equal(gzread(fi, hdr, 16), 16);
  g_autofree guint8 *labels = g_malloc(1000), *pix = g_malloc(1000 * 784);
  assert_int_equal(gzread(fl, labels, 1000), 1000);
  assert_int_equal(gzread(fi, pix, 1000 * 784), 1000 * 784);
  gzclose(fl);
  gzclose(fi);
  int cnt[10] = {0};
  double sum_raw = 0, sum_ds = 0;
  float img[784];
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(zc_dataset_label(ds, i), labels[i]);
    cnt[labels[i]]++;
    zc_dataset_image(ds, i, img);
    for (int j = 0; j < 784; j++) {
      sum_raw += pix[i * 784 + j] / 255.0;
      sum_ds += img[j] * 0.3530 + 0.2860;
    }
  }
  /* class counts of these 1,000 images, counted independently (tests/data/README.md) */
  static const int published[10] = {107, 105, 111, 93, 115, 87, 97, 95, 95, 95};
  for (int k = 0; k < 10; k++) assert_int_equal(cnt[k], published[k]);
  assert_true(fabs(sum_raw - sum_ds) / 784000 < 1e-6);
  assert_true(fabs(sum_raw / 784000 - 0.2903) < 0.0001);  /* mean pixel of these images, computed with od + awk */
  /* 1 -> 3 channel replication */
  g_autoptr(ZcBatch) b = zc_dataset_batch(ds, 30, 8, 3, NULL);
  assert_non_null(b);
  assert_int_equal(b->channels, 3);
  for (guint i = 0; i < 30; i++) {
    const float *p = b->images + (gsize)i * 3 * 784;
    assert_memory_equal(p, p + 784, 784 * sizeof(float));
    assert_memory_equal(p, p + 2 * 784, 784 * sizeof(float));
  }
  g_autoptr(ZcBatch) g1 = zc_dataset_batch(ds, 30, 8, 0, NULL);
  assert_int_equal(g1->channels, 1);
  for (guint i = 0; i < 30; i++)
    assert_memory_equal(g1->images + (gsize)i * 784, b->images + (gsize)i * 3 * 784, 784 * 4);
}

/* ---- gaussian --------------------------------------------------------------------- */

static void test_gaussian_source(void **state) {
  g_autoptr(ZcDataset) ds = open_ok("gaussian:3x8x8", NULL);
  assert_int_equal(zc_dataset_n_images(ds), 0);
  assert_int_equal(zc_dataset_num_classes(ds), 10);
  g_autoptr(ZcBatch) a = zc_dataset_batch(ds, 1000, 5, 0, NULL);
  g_autoptr(ZcBatch) b = zc_dataset_batch(ds, 1000, 5, 0, NULL);
  g_autoptr(ZcBatch) d = zc_dataset_batch(ds, 1000, 6, 0, NULL);
  assert_memory_equal(a->images, b->images, 1000 * 192 * sizeof(float));
  assert_memory_equal(a->labels, b->labels, 1000 * sizeof(guint32));
  const gsize n = 1000 * 192;
  double s = 0, s2 = 0, s4 = 0, cross = 0;
  int same = 0, cnt[10] = {0};
  for (gsize i = 0; i < n; i++) {
    double x = a->images[i];
    s += x;
    s2 += x * x;
    s4 += x * x * x * x;
    cross += x * d->images[i];
    same += a->images[i] == d->images[i];
  }
  assert_true(fabs(s / n) < 5 / sqrt((double)n));
  assert_true(fabs(s2 / n - 1) < 5 * sqrt(2.0 / n));
  assert_true(fabs(s4 / n - 3) < 0.15);
  assert_true(fabs(cross / n) < 5 / sqrt((double)n));  /* other seed: independent */
  assert_true(same < 5);
  for (guint i = 0; i < 1000; i++) cnt[a->labels[i]]++;
  for (int k = 0; k < 10; k++) assert_int_equal(cnt[k], 100);
  /* a prefix batch: image i depends only on (seed, i) */
  g_autoptr(ZcBatch) p = zc_dataset_batch(ds, 10, 5, 0, NULL);
  assert_memory_equal(p->images, a->images, 10 * 192 * sizeof(float));
  /* classes option and normalisation of the source */
  g_autoptr(ZcDataset) g7 = open_ok("gaussian(classes=7,mean=1,std=2):1x4x4", NULL);
  assert_int_equal(zc_dataset_num_classes(g7), 7);
  g_autoptr(ZcBatch) q = zc_dataset_batch(g7, 15, 5, 0, NULL);
  int c7[7] = {0}, threes = 0;
  for (guint i = 0; i < 15; i++) c7[q->labels[i]]++;
  for (int k = 0; k < 7; k++) {
    assert_true(c7[k] == 2 || c7[k] == 3);
    threes += c7[k] == 3;
  }
  assert_int_equal(threes, 1);
  g_autoptr(ZcDataset) g1 = open_ok("gaussian(classes=7):1x4x4", NULL);
  g_autoptr(ZcBatch) q1 = zc_dataset_batch(g1, 15, 5, 0, NULL);
  for (guint i = 0; i < 15 * 16; i++)
    assert_true(fabsf(q->images[i] - (q1->images[i] - 1.0f) / 2.0f) < 1e-6f);
}

/* ---- normalisation and hash ------------------------------------------------------- */

static void test_normalization_override_and_hash(void **state) {
  Tmp *t = *state;
  guint8 rec[2 * 3073];
  for (int r = 0; r < 2; r++) {
    rec[r * 3073] = (guint8)(r + 3);
    for (int j = 0; j < 3072; j++) rec[r * 3073 + 1 + j] = (guint8)((j * 7 + r) % 256);
  }
  g_autofree char *p = put(t, "two.bin", rec, sizeof rec);
  g_autofree char *spec = g_strdup_printf("cifar10(mean=0/0/0,std=1/1/1):%s", p);
  g_autoptr(ZcDataset) ds = open_ok(spec, NULL);
  float img[3072];
  zc_dataset_image(ds, 1, img);
  for (int j = 0; j < 3072; j++) assert_true(fabsf(img[j] - ((j * 7 + 1) % 256) / 255.0f) < 1e-7f);
  assert_int_equal(zc_dataset_label(ds, 1), 4);
  /* relative path under base_dir gives the same data and hash */
  g_autoptr(ZcDataset) rel = open_ok("cifar10(mean=0/0/0,std=1/1/1):two.bin", t->dir);
  const char *h1 = zc_dataset_content_hash(ds);
  assert_int_equal(strlen(h1), 64);
  assert_string_equal(h1, zc_dataset_content_hash(rel));
  /* the hash follows the normalisation and the bytes */
  g_autofree char *plain_spec = g_strdup_printf("cifar10:%s", p);
  g_autoptr(ZcDataset) plain = open_ok(plain_spec, NULL);
  g_autofree char *h_plain = g_strdup(zc_dataset_content_hash(plain));
  assert_string_not_equal(h1, h_plain);
  const float m[3] = {0, 0, 0}, s[3] = {1, 1, 1};
  assert_true(zc_dataset_set_normalization(plain, m, s, 3, NULL));
  assert_string_equal(zc_dataset_content_hash(plain), h1);
  rec[3073 + 100] ^= 1;
  g_autofree char *p2 = put(t, "two-changed.bin", rec, sizeof rec);
  g_autofree char *spec2 = g_strdup_printf("cifar10(mean=0/0/0,std=1/1/1):%s", p2);
  g_autoptr(ZcDataset) changed = open_ok(spec2, NULL);
  assert_string_not_equal(zc_dataset_content_hash(changed), h1);
  /* gaussian: the hash names the shape and classes */
  g_autoptr(ZcDataset) ga = open_ok("gaussian:3x8x8", NULL);
  g_autoptr(ZcDataset) gb = open_ok("gaussian:3x8x8", NULL);
  g_autoptr(ZcDataset) gc = open_ok("gaussian:3x8x9", NULL);
  assert_string_equal(zc_dataset_content_hash(ga), zc_dataset_content_hash(gb));
  assert_string_not_equal(zc_dataset_content_hash(ga), zc_dataset_content_hash(gc));
  /* bad overrides through the API */
  GError *err = NULL;
  const float bad_s[3] = {1, 0, 1};
  assert_false(zc_dataset_set_normalization(plain, m, bad_s, 3, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  assert_non_null(strstr(err->message, "channel 1"));
  g_clear_error(&err);
  assert_false(zc_dataset_set_normalization(plain, m, s, 1, &err));
  assert_non_null(strstr(err->message, "3 channels"));
  g_clear_error(&err);
}

static void test_cifar100_fine_labels(void **state) {
  Tmp *t = *state;
  guint8 rec[3 * 3074] = {0};
  const guint8 coarse[3] = {19, 0, 4}, fine[3] = {99, 0, 42};
  for (int r = 0; r < 3; r++) {
    rec[r * 3074] = coarse[r];
    rec[r * 3074 + 1] = fine[r];
    rec[r * 3074 + 2 + 5] = (guint8)(200 + r);
  }
  g_autofree char *p = put(t, "c100.bin", rec, sizeof rec);
  g_autofree char *spec = g_strdup_printf("cifar100:%s", p);
  g_autoptr(ZcDataset) ds = open_ok(spec, NULL);
  assert_int_equal(zc_dataset_num_classes(ds), 100);
  for (int r = 0; r < 3; r++) assert_int_equal(zc_dataset_label(ds, r), fine[r]);
  assert_true(fabsf(zc_dataset_mean(ds)[0] - 0.5071f) < 1e-6f);
  float img[3072];
  zc_dataset_image(ds, 2, img);
  assert_true(fabsf(img[5] - (202 / 255.0f - 0.5071f) / 0.2673f) < 1e-5f);
  /* 100 classes, three with one image: a batch of 3 needs 3 distinct classes with images */
  GError *err = NULL;
  assert_null(zc_dataset_batch(ds, 3, 1, 0, &err));  /* 3 random classes, most empty */
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  g_clear_error(&err);
}

/* ---- bad files -------------------------------------------------------------------- */

static void test_cifar_bad_files(void **state) {
  Tmp *t = *state;
  guint8 buf[3 * 3074] = {0};
  g_autofree char *p1 = put(t, "short.bin", buf, 2 * 3072);
  g_autofree char *s1 = g_strdup_printf("cifar10:%s", p1);
  expect_open_error(s1, NULL, ZC_ERROR_DATA, "not a multiple of 3073 bytes", p1);
  g_autofree char *p2 = put(t, "empty.bin", buf, 0);
  g_autofree char *s2 = g_strdup_printf("cifar10:%s", p2);
  expect_open_error(s2, NULL, ZC_ERROR_DATA, "the file is empty", p2);
  buf[3073] = 10;  /* record 1 */
  g_autofree char *p3 = put(t, "label.bin", buf, 2 * 3073);
  g_autofree char *s3 = g_strdup_printf("cifar10:%s", p3);
  expect_open_error(s3, NULL, ZC_ERROR_DATA, "record 1: label 10 out of range 0..9", p3);
  memset(buf, 0, sizeof buf);
  g_autofree char *p4 = put(t, "c100short.bin", buf, 3073);
  g_autofree char *s4 = g_strdup_printf("cifar100:%s", p4);
  expect_open_error(s4, NULL, ZC_ERROR_DATA, "not a multiple of 3074 bytes", p4);
  buf[2 * 3074 + 1] = 100;  /* record 2 fine */
  g_autofree char *p5 = put(t, "c100fine.bin", buf, 3 * 3074);
  g_autofree char *s5 = g_strdup_printf("cifar100:%s", p5);
  expect_open_error(s5, NULL, ZC_ERROR_DATA, "record 2: fine label 100 out of range 0..99", p5);
  buf[2 * 3074 + 1] = 0;
  buf[3074] = 20;  /* record 1 coarse */
  g_autofree char *p6 = put(t, "c100coarse.bin", buf, 3 * 3074);
  g_autofree char *s6 = g_strdup_printf("cifar100:%s", p6);
  expect_open_error(s6, NULL, ZC_ERROR_DATA, "record 1: coarse label 20 out of range", p6);
  g_autofree char *missing = g_build_filename(t->dir, "nope.bin", NULL);
  g_autofree char *s7 = g_strdup_printf("cifar10:%s", missing);
  expect_open_error(s7, NULL, ZC_ERROR_IO, "nope.bin", "cannot read");
}

static void test_fmnist_small_and_bad_files(void **state) {
  Tmp *t = *state;
  gsize il, ll;
  g_autofree guint8 *img = idx3(2051, 5, 2, 3, &il);
  g_autofree guint8 *lab = idx1(2049, 5, &ll);
  /* a good pair, gzip-compressed */
  g_autofree char *gi = put_gz(t, "ok-images-idx3-ubyte.gz", img, il);
  g_autofree char *gl = put_gz(t, "ok-labels-idx1-ubyte.gz", lab, ll);
  g_autofree char *s_ok = g_strdup_printf("fmnist:%s", gi);
  g_autoptr(ZcDataset) ok = open_ok(s_ok, NULL);
  assert_int_equal(zc_dataset_n_images(ok), 5);
  guint c, h, w;
  zc_dataset_shape(ok, &c, &h, &w);
  assert_true(c == 1 && h == 2 && w == 3);
  float px[6];
  zc_dataset_image(ok, 4, px);
  assert_true(fabsf(px[5] - ((17 * 4 + 5) / 255.0f - 0.2860f) / 0.3530f) < 1e-6f);
  assert_int_equal(zc_dataset_label(ok, 3), 3);
  /* the same, uncompressed, via a relative path */
  g_autofree char *pi = put(t, "raw-images-idx3-ubyte", img, il);
  g_autofree char *pl = put(t, "raw-labels-idx1-ubyte", lab, ll);
  g_autoptr(ZcDataset) raw = open_ok("fmnist:raw-images-idx3-ubyte", t->dir);
  assert_int_equal(zc_dataset_n_images(raw), 5);
  g_autoptr(ZcDataset) okn = open_ok(s_ok, NULL);  /* same content, same hash */
  assert_string_equal(zc_dataset_content_hash(raw), zc_dataset_content_hash(okn));

  /* wrong magic in the images file */
  g_autofree guint8 *img_bad = idx3(2049, 5, 2, 3, &il);
  g_autofree char *bi = put_gz(t, "magic-images-idx3-ubyte.gz", img_bad, il);
  g_autofree char *bl = put_gz(t, "magic-labels-idx1-ubyte.gz", lab, ll);
  g_autofree char *s_bi = g_strdup_printf("fmnist:%s", bi);
  expect_open_error(s_bi, NULL, ZC_ERROR_DATA, "wrong magic 2049 (expected 2051", bi);
  /* wrong magic in the labels file */
  g_autofree guint8 *lab_bad = idx1(2051, 5, &ll);
  g_autofree char *mi = put_gz(t, "lmagic-images-idx3-ubyte.gz", img, 16 + 30);
  g_autofree char *ml = put_gz(t, "lmagic-labels-idx1-ubyte.gz", lab_bad, ll);
  g_autofree char *s_ml = g_strdup_printf("fmnist:%s", mi);
  expect_open_error(s_ml, NULL, ZC_ERROR_DATA, "wrong magic 2051 (expected 2049", ml);
  /* truncated gzip stream: compress a larger file, keep half of the bytes */
  gsize big_len;
  g_autofree guint8 *big = idx3(2051, 200, 28, 28, &big_len);
  g_autofree char *full = put_gz(t, "full-images-idx3-ubyte.gz", big, big_len);
  g_autofree char *gz = NULL;
  gsize gz_len;
  assert_true(g_file_get_contents(full, &gz, &gz_len, NULL));
  g_autofree char *ti = put(t, "trunc-images-idx3-ubyte.gz", gz, gz_len / 2);
  g_autofree char *s_ti = g_strdup_printf("fmnist:%s", ti);
  expect_open_error(s_ti, NULL, ZC_ERROR_DATA, "truncated gzip", ti);
  /* corrupt gzip data */
  gz[gz_len / 2] ^= 0x55;
  gz[gz_len / 2 + 1] ^= 0xaa;
  g_autofree char *ci = put(t, "corrupt-images-idx3-ubyte.gz", gz, gz_len);
  g_autofree char *s_ci = g_strdup_printf("fmnist:%s", ci);
  expect_open_error(s_ci, NULL, ZC_ERROR_DATA, "gzip", ci);
  /* header promises more images than the data holds, and the reverse */
  g_autofree char *si = put_gz(t, "short-images-idx3-ubyte.gz", img, il - 1);
  g_autofree char *sl = put_gz(t, "short-labels-idx1-ubyte.gz", lab, ll);
  g_autofree char *s_si = g_strdup_printf("fmnist:%s", si);
  expect_open_error(s_si, NULL, ZC_ERROR_DATA, "truncated: the header says 5 images of 2x3", si);
  guint8 *longer = g_malloc(il + 4);
  memcpy(longer, img, il);
  memset(longer + il, 0, 4);
  g_autofree char *li = put_gz(t, "long-images-idx3-ubyte.gz", longer, il + 4);
  g_autofree char *ll_ = put_gz(t, "long-labels-idx1-ubyte.gz", lab, ll);
  g_free(longer);
  g_autofree char *s_li = g_strdup_printf("fmnist:%s", li);
  expect_open_error(s_li, NULL, ZC_ERROR_DATA, "trailing bytes", li);
  /* header too short, implausible header */
  g_autofree char *hi = put_gz(t, "hdr-images-idx3-ubyte.gz", img, 10);
  g_autofree char *s_hi = g_strdup_printf("fmnist:%s", hi);
  expect_open_error(s_hi, NULL, ZC_ERROR_DATA, "header needs 16", hi);
  g_autofree guint8 *zero = idx3(2051, 0, 2, 3, &il);
  g_autofree char *zi = put_gz(t, "zero-images-idx3-ubyte.gz", zero, il);
  g_autofree char *s_zi = g_strdup_printf("fmnist:%s", zi);
  expect_open_error(s_zi, NULL, ZC_ERROR_DATA, "implausible header: 0 images", zi);
  /* label count differs from the image count */
  g_autofree guint8 *lab4 = idx1(2049, 4, &ll);
  g_autofree char *ci2 = put_gz(t, "count-images-idx3-ubyte.gz", img, 16 + 30);
  g_autofree char *cl2 = put_gz(t, "count-labels-idx1-ubyte.gz", lab4, ll);
  g_autofree char *s_c = g_strdup_printf("fmnist:%s", ci2);
  expect_open_error(s_c, NULL, ZC_ERROR_DATA, "4 labels in the header", cl2);
  /* label out of range */
  g_autofree guint8 *lab_r = idx1(2049, 5, &ll);
  lab_r[8 + 2] = 10;
  g_autofree char *ri = put_gz(t, "range-images-idx3-ubyte.gz", img, 16 + 30);
  g_autofree char *rl = put_gz(t, "range-labels-idx1-ubyte.gz", lab_r, ll);
  g_autofree char *s_r = g_strdup_printf("fmnist:%s", ri);
  expect_open_error(s_r, NULL, ZC_ERROR_DATA, "label 10 of image 2 out of range", rl);
  /* labels file missing; images file missing; a name without the standard part */
  g_autofree char *ni = put_gz(t, "alone-images-idx3-ubyte.gz", img, 16 + 30);
  g_autofree char *s_n = g_strdup_printf("fmnist:%s", ni);
  expect_open_error(s_n, NULL, ZC_ERROR_IO, "alone-labels-idx1-ubyte.gz", NULL);
  expect_open_error("fmnist:/nonexistent/x-images-idx3-ubyte.gz", NULL, ZC_ERROR_IO,
                    "/nonexistent/x-images-idx3-ubyte.gz", NULL);
  g_autofree char *oi = put_gz(t, "images.gz", img, 16 + 30);
  g_autofree char *s_o = g_strdup_printf("fmnist:%s", oi);
  expect_open_error(s_o, NULL, ZC_ERROR_CONFIG, "-images-idx3-ubyte", oi);
}

/* Readers of fixed-record formats take regular files only, of a bounded size known up
 * front: /dev/zero, a FIFO or a directory is a data error naming the path, never an
 * endless read or a blocked open. */
static void test_not_regular_or_too_big(void **state) {
  Tmp *t = *state;
  expect_open_error("cifar10:/dev/zero", NULL, ZC_ERROR_DATA, "/dev/zero: not a regular file", "a device");
  g_autofree char *fifo = g_build_filename(t->dir, "fifo.bin", NULL);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  g_autofree char *s1 = g_strdup_printf("cifar100:%s", fifo);
  expect_open_error(s1, NULL, ZC_ERROR_DATA, "not a regular file (a FIFO)", fifo);
  g_autofree char *fimg = g_build_filename(t->dir, "t10k-images-idx3-ubyte", NULL);
  assert_int_equal(mkfifo(fimg, 0600), 0);
  g_autofree char *s2 = g_strdup_printf("fmnist:%s", fimg);
  expect_open_error(s2, NULL, ZC_ERROR_DATA, "not a regular file (a FIFO)", fimg);
  g_autofree char *s3 = g_strdup_printf("cifar10:%s", t->dir);
  expect_open_error(s3, NULL, ZC_ERROR_DATA, "not a regular file (a directory)", t->dir);
  /* over the documented 1 GiB cap (a sparse file: nothing is written) */
  g_autofree char *big = g_build_filename(t->dir, "big.bin", NULL);
  FILE *f = fopen(big, "wb");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), ((off_t)1 << 30) + 1), 0);
  fclose(f);
  g_autofree char *s4 = g_strdup_printf("cifar10:%s", big);
  expect_open_error(s4, NULL, ZC_ERROR_DATA, "1073741825 bytes, more than the 1073741824", big);
}

/* A batch whose size comes from user input is refused before anything is allocated. */
static void test_huge_batch_is_an_error(void **state) {
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open("gaussian(classes=65536):16x4096x4096", NULL, &err);
  assert_non_null(ds);
  assert_null(zc_dataset_batch(ds, 64, 1, 0, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  if (!strstr(err->message, "a batch of 64 images of 16x4096x4096 needs 68719476736 bytes"))
    fail_msg("message: %s", err->message);
  g_clear_error(&err);
  zc_dataset_free(ds);
  expect_open_error("gaussian:3x100000x100000", NULL, ZC_ERROR_CONFIG, "is not CxHxW", "H and W in 1..4096");
  expect_open_error("gaussian(classes=100000):3x2x2", NULL, ZC_ERROR_CONFIG, "classes '100000'", "1..65536");
}

static void test_spec_errors(void **state) {
  const int C = ZC_ERROR_CONFIG;
  expect_open_error(NULL, NULL, C, "no spec", NULL);
  expect_open_error("cifar10", NULL, C, "expected KIND:ARGUMENT", "'cifar10'");
  expect_open_error("imagenet:/x", NULL, C, "unknown kind 'imagenet'", NULL);
  expect_open_error("cifar10:", NULL, C, "missing PATH", NULL);
  expect_open_error("gaussian:", NULL, C, "missing CxHxW", NULL);
  expect_open_error("gaussian:3x32", NULL, C, "'3x32' is not CxHxW", NULL);
  expect_open_error("gaussian:0x32x32", NULL, C, "is not CxHxW", NULL);
  expect_open_error("gaussian:3x32x32x", NULL, C, "is not CxHxW", NULL);
  expect_open_error("gaussian:17x2x2", NULL, C, "is not CxHxW", NULL);
  expect_open_error("gaussian:3x-2x2", NULL, C, "is not CxHxW", NULL);
  expect_open_error("gaussian(classes=7:3x2x2", NULL, C, "KIND(key=value,...)", NULL);
  expect_open_error("gaussian(classes=7)3x2x2:", NULL, C, "KIND(key=value,...)", NULL);
  expect_open_error("gaussian(classes):3x2x2", NULL, C, "'classes' is not key=value", NULL);
  expect_open_error("gaussian(classes=0):3x2x2", NULL, C, "classes '0'", NULL);
  expect_open_error("gaussian(colour=1):3x2x2", NULL, C, "unknown option 'colour'", NULL);
  expect_open_error("gaussian(mean=a/0/0):3x2x2", NULL, C, "mean value 'a'", NULL);
  expect_open_error("gaussian(mean=0/0):3x2x2", NULL, C, "need 3 values", NULL);
  expect_open_error("gaussian(std=1/0/1):3x2x2", NULL, C, "channel 1", "std must be > 0");
  expect_open_error("cifar10(classes=5):/x", NULL, C, "applies to gaussian, npy, npz and images only", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cifar10_real_file),
    cmocka_unit_test(test_cifar10_batches),
    cmocka_unit_test(test_fmnist_real_files),
    cmocka_unit_test(test_gaussian_source),
    cmocka_unit_test_setup_teardown(test_normalization_override_and_hash, tmp_setup, tmp_teardown),
    cmocka_unit_test_setup_teardown(test_cifar100_fine_labels, tmp_setup, tmp_teardown),
    cmocka_unit_test_setup_teardown(test_cifar_bad_files, tmp_setup, tmp_teardown),
    cmocka_unit_test_setup_teardown(test_fmnist_small_and_bad_files, tmp_setup, tmp_teardown),
    cmocka_unit_test(test_spec_errors),
    cmocka_unit_test(test_cifar10_resized),
    cmocka_unit_test_setup_teardown(test_not_regular_or_too_big, tmp_setup, tmp_teardown),
    cmocka_unit_test(test_huge_batch_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
