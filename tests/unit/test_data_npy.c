/* The npy and npz data kinds (core/base/data-npy.c): .npy files whose headers are written
 * here byte by byte (versions 1.0, 2.0, 3.0), .npz archives built here (stored and
 * deflated members, numpy's zip64 local headers), read back to exact normalised floats;
 * layouts, label_base and the class filter; one message per malformed file. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>
#include <cmocka.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include "data_harness.h"

static char *tmpdir;

static int setup(void **state) {
  tmpdir = g_dir_make_tmp("zcnas-test-npy-XXXXXX", NULL);
  return tmpdir ? 0 : -1;
}

static int teardown(void **state) {
  GDir *d = g_dir_open(tmpdir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(tmpdir, name, NULL);
    g_unlink(p);
  }
  if (d) g_dir_close(d);
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return 0;
}

static char *tpath(const char *name) { return g_build_filename(tmpdir, name, NULL); }

/* A .npy image: magic, version, header length (2 or 4 bytes LE), the dict padded with
 * spaces and a newline to a multiple of 64 bytes (as numpy does), then the data. */
static GByteArray *npy_bytes(int major, const char *dict, const void *data, gsize len) {
  GByteArray *a = g_byte_array_new();
  const guint8 magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', (guint8)major, 0};
  g_byte_array_append(a, magic, 8);
  gsize pre = major == 1 ? 10 : 12;
  GString *h = g_string_new(dict);
  while ((pre + h->len + 1) % 64) g_string_append_c(h, ' ');
  g_string_append_c(h, '\n');
  guint8 l[4] = {(guint8)h->len, (guint8)(h->len >> 8), (guint8)(h->len >> 16), (guint8)(h->len >> 24)};
  g_byte_array_append(a, l, major == 1 ? 2 : 4);
  g_byte_array_append(a, (const guint8 *)h->str, (guint)h->len);
  g_byte_array_append(a, data, (guint)len);
  g_string_free(h, TRUE);
  return a;
}

static char *write_bytes(const char *name, const guint8 *b, gsize len) {
  char *p = tpath(name);
  assert_true(g_file_set_contents(p, (const char *)b, (gssize)len, NULL));
  return p;
}

static char *write_npy(const char *name, int major, const char *dict, const void *data, gsize len) {
  GByteArray *a = npy_bytes(major, dict, data, len);
  char *p = write_bytes(name, a->data, a->len);
  g_byte_array_free(a, TRUE);
  return p;
}

/* ---- a zip writer (stored or raw-deflated members) ----------------------------------- */

static void put16(GByteArray *a, guint v) {
  guint8 b[2] = {(guint8)v, (guint8)(v >> 8)};
  g_byte_array_append(a, b, 2);
}
static void put32(GByteArray *a, guint32 v) {
  put16(a, v & 0xffff);
  put16(a, v >> 16);
}

typedef struct {
  const char *name;
  GByteArray *npy;
} Member;

/* zip64_local: the local header has 0xffffffff sizes and a zip64 extra field, as numpy's
 * savez writes (force_zip64); the central directory has the real sizes. */
static char *write_npz(const char *name, const Member *m, guint n, gboolean deflate,
                       gboolean zip64_local) {
  GByteArray *z = g_byte_array_new(), *cd = g_byte_array_new();
  for (guint i = 0; i < n; i++) {
    const guint8 *data = m[i].npy->data;
    gsize ulen = m[i].npy->len, clen = ulen;
    guint8 *comp = NULL;
    if (deflate) {   /* zlib's compress2 minus its 2-byte header and 4-byte Adler-32 */
      uLongf cap = compressBound(ulen);
      comp = g_malloc(cap);
      assert_int_equal(compress2(comp, &cap, data, ulen, 9), Z_OK);
      clen = cap - 6;
    }
    guint32 crc = (guint32)crc32(0, data, (uInt)ulen);
    guint32 off = z->len;
    gsize nlen = strlen(m[i].name);
    put32(z, 0x04034b50);
    put16(z, zip64_local ? 45 : 20);
    put16(z, 0);
    put16(z, deflate ? 8 : 0);
    put32(z, 0);
    put32(z, crc);
    put32(z, zip64_local ? 0xffffffffu : (guint32)clen);
    put32(z, zip64_local ? 0xffffffffu : (guint32)ulen);
    put16(z, (guint)nlen);
    put16(z, zip64_local ? 20 : 0);
    g_byte_array_append(z, (const guint8 *)m[i].name, (guint)nlen);
    if (zip64_local) {
      put16(z, 1);
      put16(z, 16);
      put32(z, (guint32)ulen), put32(z, 0);
      put32(z, (guint32)clen), put32(z, 0);
    }
    g_byte_array_append(z, deflate ? comp + 2 : data, (guint)clen);
    g_free(comp);
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, deflate ? 8 : 0);
    put32(cd, 0);
    put32(cd, crc);
    put32(cd, (guint32)clen);
    put32(cd, (guint32)ulen);
    put16(cd, (guint)nlen);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, off);
    g_byte_array_append(cd, (const guint8 *)m[i].name, (guint)nlen);
  }
  guint32 cd_off = z->len;
  g_byte_array_append(z, cd->data, cd->len);
  put32(z, 0x06054b50);
  put16(z, 0);
  put16(z, 0);
  put16(z, n);
  put16(z, n);
  put32(z, cd->len);
  put32(z, cd_off);
  put16(z, 0);
  char *p = write_bytes(name, z->data, z->len);
  g_byte_array_free(z, TRUE);
  g_byte_array_free(cd, TRUE);
  return p;
}

/* ---- helpers ------------------------------------------------------------------------ */


/* 4 images of 3x2x2 bytes: pixel (i, ch, j) = 20*i + 4*ch + j + 1 (all distinct) */
static guint8 pix(guint i, guint ch, guint j) { return (guint8)(20 * i + 4 * ch + j + 1); }
static void planar_u8(guint8 *out) {
  for (guint i = 0; i < 4; i++)
    for (guint ch = 0; ch < 3; ch++)
      for (guint j = 0; j < 4; j++) out[i * 12 + ch * 4 + j] = pix(i, ch, j);
}
static const gint64 LABELS[4] = {2, 0, 1, 0};

static char *write_labels(const char *name, int major) {
  return write_npy(name, major, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", LABELS, sizeof LABELS);
}

/* ---- tests ------------------------------------------------------------------------- */

/* A 2-D uint8 array (N, C*H*W) with shape=3x2x2: exact floats, labels, shape, defaults. */
static void test_npy_u8_exact(void **state) {
  guint8 px[48];
  planar_u8(px);
  g_autofree char *p = write_npy("a.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12), }", px, 48);
  g_autofree char *l = write_labels("a_labels.npy", 1);   /* the neighbour file */
  g_autofree char *spec = g_strdup_printf("npy(shape=3x2x2,mean=0/0/0,std=1/1/1):%s", p);
  ZcDataset *ds = open_ok(spec);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(c, 3), assert_int_equal(h, 2), assert_int_equal(w, 2);
  assert_int_equal(zc_dataset_n_images(ds), 4);
  assert_int_equal(zc_dataset_num_classes(ds), 3);
  assert_int_equal(zc_dataset_kind(ds), ZC_DATA_NPY);
  float out[12];
  for (guint i = 0; i < 4; i++) {
    assert_int_equal(zc_dataset_label(ds, i), (guint)LABELS[i]);
    zc_dataset_image(ds, i, out);
    for (guint ch = 0; ch < 3; ch++)
      for (guint j = 0; j < 4; j++) assert_true(out[ch * 4 + j] == (float)pix(i, ch, j) / 255.0f);
  }
  zc_dataset_free(ds);
  /* default normalisation: the ImageNet16 statistics NB201 uses */
  g_free(spec);
  spec = g_strdup_printf("npy(shape=3x2x2):%s", p);
  ds = open_ok(spec);
  const double m[3] = {122.68, 116.66, 104.01}, s[3] = {63.22, 61.26, 65.09};
  zc_dataset_image(ds, 3, out);
  for (guint ch = 0; ch < 3; ch++) {
    assert_float_equal(zc_dataset_mean(ds)[ch], m[ch] / 255, 1e-7);
    assert_float_equal(zc_dataset_std(ds)[ch], s[ch] / 255, 1e-7);
    for (guint j = 0; j < 4; j++) assert_float_equal(out[ch * 4 + j], (pix(3, ch, j) - m[ch]) / s[ch], 1e-5);
  }
  zc_dataset_free(ds);
  /* without shape=, rows of 12 values are square 3-channel images: 3x2x2 */
  g_free(spec);
  spec = g_strdup_printf("npy(mean=0/0/0,std=1/1/1):%s", p);
  ds = open_ok(spec);
  zc_dataset_image(ds, 2, out);
  assert_true(out[5] == (float)pix(2, 1, 1) / 255.0f);
  zc_dataset_free(ds);
  /* rows of 6 values are neither 3xSxS nor 1xSxS: shape= is needed */
  g_autofree char *p6 = write_npy("six.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 6), }", px, 24);
  g_autofree char *l6 = write_labels("six_labels.npy", 1);
  g_free(spec);
  spec = g_strdup_printf("npy:%s", p6);
  expect_error(spec, ZC_ERROR_DATA, "rows of 6 values are not 3xSxS or 1xSxS", "shape=CxHxW");
}

/* Versions 2.0 and 3.0, 4-D NCHW and NHWC (auto and explicit layout), a (N, 1) int32
 * labels column and labels=PATH: the same data, the same hash. */
static void test_npy_versions_layouts(void **state) {
  guint8 px[48], hwc[48];
  planar_u8(px);
  for (guint i = 0; i < 4; i++)
    for (guint ch = 0; ch < 3; ch++)
      for (guint j = 0; j < 4; j++) hwc[i * 12 + j * 3 + ch] = pix(i, ch, j);
  const gint32 lab32[4] = {2, 0, 1, 0};
  g_autofree char *p1 = write_npy("v1.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 3, 2, 2), }", px, 48);
  g_autofree char *p2 = write_npy("v2.npy", 2, "{'descr':'|u1','fortran_order':False,'shape':(4,3,2,2)}", px, 48);
  g_autofree char *p3 = write_npy("v3.npy", 3, "{\"shape\": (4, 3, 2, 2), \"fortran_order\": False, \"descr\": \"|u1\"}", px, 48);
  g_autofree char *p4 = write_npy("hwc.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 2, 2, 3), }", hwc, 48);
  g_autofree char *l = write_npy("lab.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (4, 1), }", lab32, 16);
  const char *specs[] = {"npy(labels=%s):%s", "npy(labels=%s):%s", "npy(labels=%s):%s",
                         "npy(labels=%s):%s", "npy(labels=%s,layout=nhwc):%s"};
  const char *paths[] = {p1, p2, p3, p4, p4};
  char *hash0 = NULL;
  for (guint k = 0; k < 5; k++) {
    g_autofree char *spec = g_strdup_printf(specs[k], l, paths[k]);
    ZcDataset *ds = open_ok(spec);
    guint c, h, w;
    zc_dataset_shape(ds, &c, &h, &w);
    assert_int_equal(c, 3), assert_int_equal(h, 2), assert_int_equal(w, 2);
    if (!hash0) hash0 = g_strdup(zc_dataset_content_hash(ds));
    else assert_string_equal(zc_dataset_content_hash(ds), hash0);
    zc_dataset_free(ds);
  }
  /* the same bytes forced to NCHW are 2-channel 2x3 images: another hash */
  g_autofree char *spec = g_strdup_printf("npy(labels=%s,layout=nchw):%s", l, p4);
  ZcDataset *ds = open_ok(spec);
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  assert_int_equal(c, 2), assert_int_equal(h, 2), assert_int_equal(w, 3);
  assert_string_not_equal(zc_dataset_content_hash(ds), hash0);
  zc_dataset_free(ds);
  g_free(hash0);
}

/* float32 images are taken as already scaled to [0, 1]. */
static void test_npy_float32(void **state) {
  float v[2 * 1 * 2 * 2] = {0.0f, 0.25f, 0.5f, 1.0f, 0.125f, 0.75f, 0.3f, 0.9f};
  g_autofree char *p = write_npy("f.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", v, sizeof v);
  const gint64 lab[2] = {1, 0};
  g_autofree char *l = write_npy("f_labels.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", lab, sizeof lab);
  g_autofree char *spec = g_strdup_printf("npy(mean=0.5,std=0.25):%s", p);
  ZcDataset *ds = open_ok(spec);
  guint c;
  zc_dataset_shape(ds, &c, NULL, NULL);
  assert_int_equal(c, 1);   /* (N, H, W): grey */
  float out[4];
  for (guint i = 0; i < 2; i++) {
    zc_dataset_image(ds, i, out);
    for (guint j = 0; j < 4; j++) assert_true(out[j] == (v[i * 4 + j] - 0.5f) * (1.0f / 0.25f));
  }
  assert_int_equal(zc_dataset_label(ds, 0), 1);
  zc_dataset_free(ds);
  /* a NaN pixel is refused */
  v[5] = NAN;
  g_autofree char *pn = write_npy("nan.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", v, sizeof v);
  g_autofree char *ln = write_npy("nan_labels.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", lab, sizeof lab);
  g_autofree char *sn = g_strdup_printf("npy:%s", pn);
  expect_error(sn, ZC_ERROR_DATA, "image 1: pixel value nan is not finite", pn);
}

/* The ImageNet16 recipe: 1-based labels, classes=K keeps classes 1..K (0..K-1 after the
 * base) and drops the images of the others, moving the kept ones down in order. */
static void test_label_base_and_class_filter(void **state) {
  guint8 px[6 * 3];   /* 6 images of 1x3 (H=1, W=3)... as (6, 1, 3) grey */
  for (guint i = 0; i < 18; i++) px[i] = (guint8)(i * 10);
  const guint16 lab[6] = {1, 5, 2, 3, 5, 1};
  g_autofree char *p = write_npy("b.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (6, 1, 3), }", px, 18);
  g_autofree char *l = write_npy("b_labels.npy", 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (6,), }", lab, sizeof lab);
  g_autofree char *s1 = g_strdup_printf("npy(label_base=1,mean=0,std=1):%s", p);
  ZcDataset *ds = open_ok(s1);
  assert_int_equal(zc_dataset_n_images(ds), 6);
  assert_int_equal(zc_dataset_num_classes(ds), 5);
  assert_int_equal(zc_dataset_label(ds, 1), 4);
  zc_dataset_free(ds);
  g_autofree char *s2 = g_strdup_printf("npy(label_base=1,classes=3,mean=0,std=1):%s", p);
  ds = open_ok(s2);
  /* kept: images 0 (1), 2 (2), 3 (3), 5 (1) */
  const guint keep[4] = {0, 2, 3, 5}, want[4] = {0, 1, 2, 0};
  assert_int_equal(zc_dataset_n_images(ds), 4);
  assert_int_equal(zc_dataset_num_classes(ds), 3);
  float out[3];
  for (guint k = 0; k < 4; k++) {
    assert_int_equal(zc_dataset_label(ds, k), want[k]);
    zc_dataset_image(ds, k, out);
    for (guint j = 0; j < 3; j++) assert_true(out[j] == (float)px[keep[k] * 3 + j] / 255.0f);
  }
  zc_dataset_free(ds);
  /* label 0 with label_base=1 */
  const guint16 bad[6] = {1, 5, 0, 3, 5, 1};
  g_autofree char *l2 = write_npy("c_labels.npy", 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (6,), }", bad, sizeof bad);
  g_autofree char *s3 = g_strdup_printf("npy(label_base=1,labels=%s):%s", l2, p);
  expect_error(s3, ZC_ERROR_DATA, "label 0 of image 2 is below label_base 1", l2);
  /* a label over 65535 and a negative one */
  const gint32 big[6] = {1, 70000, 0, 3, 5, 1}, neg[6] = {1, 2, -1, 3, 5, 1};
  g_autofree char *l3 = write_npy("big_labels.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", big, sizeof big);
  g_autofree char *l4 = write_npy("neg_labels.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", neg, sizeof neg);
  g_autofree char *s4 = g_strdup_printf("npy(labels=%s):%s", l3, p);
  expect_error(s4, ZC_ERROR_DATA, "label 70000 of image 1 out of range 0..65535", l3);
  g_autofree char *s5 = g_strdup_printf("npy(labels=%s):%s", l4, p);
  expect_error(s5, ZC_ERROR_DATA, "label -1 of image 2 is below label_base 0", l4);
  /* no image in the kept classes */
  const guint16 high[6] = {7, 8, 9, 7, 8, 9};
  g_autofree char *l5 = write_npy("h_labels.npy", 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (6,), }", high, sizeof high);
  g_autofree char *s6 = g_strdup_printf("npy(labels=%s,classes=3):%s", l5, p);
  expect_error(s6, ZC_ERROR_DATA, "none of the 6 images has a label in 0..2", l5);
}

/* .npz: stored and deflated members, numpy's zip64 local headers, renamed members: the
 * same batches as the .npy files. */
static void test_npz_stored_deflated(void **state) {
  /* 40 images of 3x4x4 from a fixed formula, 4 classes */
  guint8 px[40 * 48];
  gint64 lab[40];
  for (guint i = 0; i < 40 * 48; i++) px[i] = (guint8)((i * 37u + 11u) % 251u);
  for (guint i = 0; i < 40; i++) lab[i] = i % 4;
  Member m[2] = {{"data.npy", npy_bytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (40, 48), }", px, sizeof px)},
                 {"labels.npy", npy_bytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (40,), }", lab, sizeof lab)}};
  g_autofree char *zs = write_npz("s.npz", m, 2, FALSE, FALSE);
  g_autofree char *zd = write_npz("d.npz", m, 2, TRUE, TRUE);
  g_autofree char *np = write_bytes("n.npy", m[0].npy->data, m[0].npy->len);
  g_autofree char *nl = write_bytes("n_labels.npy", m[1].npy->data, m[1].npy->len);
  Member r[2] = {{"labels.npy", m[1].npy}, {"x_train.npy", m[0].npy}};   /* other order, other name */
  g_autofree char *zr = write_npz("r.npz", r, 2, TRUE, FALSE);
  char *s[4] = {g_strdup_printf("npz:%s", zs), g_strdup_printf("npz:%s", zd),
                           g_strdup_printf("npy:%s", np), g_strdup_printf("npz(data=x_train):%s", zr)};
  ZcBatch *b[4];
  for (guint k = 0; k < 4; k++) {
    ZcDataset *ds = open_ok(s[k]);
    assert_int_equal(zc_dataset_n_images(ds), 40);
    assert_int_equal(zc_dataset_num_classes(ds), 4);
    GError *err = NULL;
    b[k] = zc_dataset_batch(ds, 12, 7, 0, &err);
    assert_null(err);
    zc_dataset_free(ds);
  }
  for (guint k = 1; k < 4; k++) {
    assert_int_equal(b[k]->n, 12);
    assert_memory_equal(b[k]->images, b[0]->images, 12 * 48 * sizeof(float));
    assert_memory_equal(b[k]->labels, b[0]->labels, 12 * sizeof(guint32));
  }
  /* and the batch holds the right pixels: every image is one of the 40, with its label */
  for (guint i = 0; i < 12; i++) {
    gboolean found = FALSE;
    for (guint src = 0; src < 40 && !found; src++) {
      float want = ((float)px[src * 48] / 255.0f - 122.68f / 255) * (1.0f / (63.22f / 255));
      if (b[0]->images[i * 48] == want && b[0]->labels[i] == src % 4) found = TRUE;
    }
    assert_true(found);
  }
  for (guint k = 0; k < 4; k++) {
    zc_batch_free(b[k]);
    g_free(s[k]);
  }

  /* errors of the archive */
  g_autofree char *sm = g_strdup_printf("npz:%s", zr);
  expect_error(sm, ZC_ERROR_DATA, "no member data.npy", "data=NAME");
  g_autofree char *sl = g_strdup_printf("npz(labels=y):%s", zs);
  expect_error(sl, ZC_ERROR_DATA, "no member y.npy", zs);
  /* a flipped byte in the deflated images: corrupt data or a CRC mismatch */
  gchar *buf;
  gsize len;
  assert_true(g_file_get_contents(zs, &buf, &len, NULL));
  buf[200] ^= 0x55;   /* inside data.npy's pixels (stored) */
  g_autofree char *zc = write_bytes("crc.npz", (guint8 *)buf, len);
  g_autofree char *sc = g_strdup_printf("npz:%s", zc);
  expect_error(sc, ZC_ERROR_DATA, "member data.npy: CRC-32 mismatch", zc);
  g_autofree char *zt = write_bytes("trunc.npz", (guint8 *)buf, len / 2);
  g_autofree char *st = g_strdup_printf("npz:%s", zt);
  expect_error(st, ZC_ERROR_DATA, "not a .npz (zip) file", zt);
  g_free(buf);
  assert_true(g_file_get_contents(zd, &buf, &len, NULL));
  buf[120] ^= 0xff;   /* inside data.npy's deflate stream */
  g_autofree char *zx = write_bytes("inflate.npz", (guint8 *)buf, len);
  g_autofree char *sx = g_strdup_printf("npz:%s", zx);
  expect_error(sx, ZC_ERROR_DATA, "member data.npy: ", zx);
  g_free(buf);
  /* labels count differs from the images */
  Member q[2] = {m[0], {"labels.npy", npy_bytes(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (39,), }", lab, 39 * 8)}};
  g_autofree char *zq = write_npz("q.npz", q, 2, FALSE, FALSE);
  g_autofree char *sq = g_strdup_printf("npz:%s", zq);
  expect_error(sq, ZC_ERROR_DATA, "member labels.npy: 39 labels, but", "has 40 images");
  g_byte_array_free(q[1].npy, TRUE);
  g_byte_array_free(m[0].npy, TRUE);
  g_byte_array_free(m[1].npy, TRUE);
}

/* One ZC_ERROR_DATA per malformed .npy, naming the file and the fault. */
/* The shipped fixture (tests/data/cifar10-16x16-first100.npz, made by tests/data/mknpz16.c
 * from the first 100 records of share/data/cifar10_test2000.bin by 2x2 box averages,
 * rounded): its pixels are CIFAR-10 resampled to 16x16 (bilinear at scale 1/2 is the box
 * average) within half a grey level, its 1-based labels the CIFAR labels. */
static void test_fixture_is_cifar10_halved(void **state) {
  const char *npz = ZC_TEST_SRCDIR "/tests/data/cifar10-16x16-first100.npz";
  const char *bin = ZC_TEST_SRCDIR "/share/data/cifar10_test2000.bin";
  if (!g_file_test(npz, G_FILE_TEST_IS_REGULAR) || !g_file_test(bin, G_FILE_TEST_IS_REGULAR))
    fail_msg("%s or %s missing", npz, bin);
  g_autofree char *s1 = g_strdup_printf("npz(label_base=1,mean=0/0/0,std=1/1/1):%s", npz);
  g_autofree char *s2 = g_strdup_printf("cifar10(size=16,mean=0/0/0,std=1/1/1):%s", bin);
  ZcDataset *a = open_ok(s1), *b = open_ok(s2);
  guint c, h, w;
  zc_dataset_shape(a, &c, &h, &w);
  assert_int_equal(c, 3), assert_int_equal(h, 16), assert_int_equal(w, 16);
  assert_int_equal(zc_dataset_n_images(a), 100);
  assert_int_equal(zc_dataset_num_classes(a), 10);
  float x[768], y[768];
  double worst = 0;
  for (guint i = 0; i < 100; i++) {
    assert_int_equal(zc_dataset_label(a, i), zc_dataset_label(b, i));
    zc_dataset_image(a, i, x);
    zc_dataset_image(b, i, y);
    for (guint j = 0; j < 768; j++) worst = MAX(worst, fabs((double)x[j] - y[j]));
  }
  assert_true(worst <= 0.5 / 255 + 1e-6);
  assert_true(worst > 0);   /* rounded: not the float average itself */
  zc_dataset_free(a);
  zc_dataset_free(b);
}

static void test_npy_errors(void **state) {
  guint8 px[48];
  planar_u8(px);
  g_autofree char *l = write_labels("e_labels.npy", 1);
  struct {
    const char *dict;
    gsize len;
    const char *what;
  } cases[] = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 12), }", 48, "unsupported dtype '<f8'"},
      {"{'descr': '<i2', 'fortran_order': False, 'shape': (4, 6), }", 48, "unsupported dtype int16 for images"},
      {"{'descr': '|u1', 'fortran_order': True, 'shape': (4, 12), }", 48, "Fortran order"},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12), }", 47, "truncated: the header's shape needs 48 bytes"},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12), }", 48, NULL},   /* fine */
      {"{'descr': [('a', '|u1')], 'fortran_order': False, 'shape': (4,), }", 4, "unsupported dtype"},
      {"{'descr': '|u1', 'shape': (4, 12), }", 48, "lacks 'fortran_order'"},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12, 1, 1, 1), }", 48, "images of shape (4, 12, 1, 1, 1)"},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 3, 4), }", 48, "cannot tell where the channels are"},
  };
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    g_autofree char *p = write_npy("e.npy", 1, cases[k].dict, px, cases[k].len);
    g_autofree char *spec = g_strdup_printf("npy(shape=3x2x2,labels=%s):%s", l, p);
    if (strstr(cases[k].dict, "(4, 12, 1") || strstr(cases[k].dict, "(2, 2, 3, 4)") || strstr(cases[k].dict, "[("))
      g_free(spec), spec = g_strdup_printf("npy(labels=%s):%s", l, p);
    if (!cases[k].what) {
      zc_dataset_free(open_ok(spec));
      continue;
    }
    expect_error(spec, ZC_ERROR_DATA, cases[k].what, p);
  }
  /* bad magic, too short, unknown version */
  static const char not_npy[] = "PK\003\004 not numpy at all";
  g_autofree char *pm = write_bytes("m.npy", (const guint8 *)not_npy, sizeof not_npy - 1);
  g_autofree char *sm = g_strdup_printf("npy(labels=%s):%s", l, pm);
  expect_error(sm, ZC_ERROR_DATA, "bad magic: not a .npy file", pm);
  g_autofree char *ps = write_bytes("s.npy", (const guint8 *)"\x93NUMPY", 6);
  g_autofree char *ss = g_strdup_printf("npy(labels=%s):%s", l, ps);
  expect_error(ss, ZC_ERROR_DATA, "truncated: 6 bytes, not a .npy file", ps);
  g_autofree char *pv = write_npy("v.npy", 4, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12), }", px, 48);
  g_autofree char *sv = g_strdup_printf("npy(labels=%s):%s", l, pv);
  expect_error(sv, ZC_ERROR_DATA, "unsupported .npy version 4.0", pv);
  /* float labels; labels of the wrong count; the neighbour file missing */
  g_autofree char *p = write_npy("g.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 12), }", px, 48);
  const float fl[4] = {0, 1, 2, 3};
  g_autofree char *lf = write_npy("fl.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", fl, sizeof fl);
  g_autofree char *sf = g_strdup_printf("npy(shape=3x2x2,labels=%s):%s", lf, p);
  expect_error(sf, ZC_ERROR_DATA, "unsupported dtype float32 for labels", lf);
  g_autofree char *l3 = write_npy("l3.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", LABELS, 24);
  g_autofree char *s3 = g_strdup_printf("npy(shape=3x2x2,labels=%s):%s", l3, p);
  expect_error(s3, ZC_ERROR_DATA, "3 labels, but", "has 4 images");
  g_autofree char *sn = g_strdup_printf("npy(shape=3x2x2):%s", p);
  g_autofree char *gl = tpath("g_labels.npy");
  expect_error(sn, ZC_ERROR_IO, gl, "cannot read");
  /* options in the wrong place */
  expect_error("cifar10(label_base=1):/x", ZC_ERROR_CONFIG, "apply to npy, npz and images only", NULL);
  expect_error("npy(data=x):/x", ZC_ERROR_CONFIG, "option data applies to npz only", NULL);
  expect_error("npy(layout=chw):/x", ZC_ERROR_CONFIG, "layout 'chw' is not nchw or nhwc", NULL);
  expect_error("npy(label_base=2):/x", ZC_ERROR_CONFIG, "label_base '2' is not 0 or 1", NULL);
  expect_error("npy(shape=3x2):/x", ZC_ERROR_CONFIG, "shape '3x2' is not CxHxW", NULL);
}

/* Files written by numpy itself (tests/data/numpy-*, numpy 1.24.2: savez with its zip64
 * local headers, savez_compressed, save of a float32 NHWC array with int32 labels): the
 * pixels are ((k * 7 + 3) mod 256) over the NCHW array, labels 1, 2, 3, 1, 2, 3. */
static void test_numpy_written(void **state) {
  const char *specs[3] = {"npz(label_base=1,mean=0/0/0,std=1/1/1):" ZC_TEST_SRCDIR "/tests/data/numpy-savez.npz",
                          "npz(label_base=1,mean=0/0/0,std=1/1/1):" ZC_TEST_SRCDIR "/tests/data/numpy-savez-compressed.npz",
                          "npy(label_base=1,mean=0/0/0,std=1/1/1):" ZC_TEST_SRCDIR "/tests/data/numpy-nhwc-float32.npy"};
  for (guint k = 0; k < 3; k++) {
    ZcDataset *ds = open_ok(specs[k]);
    guint c, h, w;
    zc_dataset_shape(ds, &c, &h, &w);
    assert_int_equal(c, 3), assert_int_equal(h, 4), assert_int_equal(w, 4);
    assert_int_equal(zc_dataset_n_images(ds), 6);
    assert_int_equal(zc_dataset_num_classes(ds), 3);
    float out[48];
    for (guint i = 0; i < 6; i++) {
      assert_int_equal(zc_dataset_label(ds, i), i % 3);
      zc_dataset_image(ds, i, out);
      for (guint j = 0; j < 48; j++) {
        guint b = ((i * 48 + j) * 7 + 3) % 256;
        /* uint8: b / 255 in float; float32: numpy's b / 255 in double, rounded to float */
        float want = k < 2 ? (float)b / 255.0f : (float)((double)b / 255.0);
        assert_true(out[j] == want);
      }
    }
    zc_dataset_free(ds);
  }
}

/* images: needs libpng and libjpeg; without them one message says so (either branch
 * checks a message). */
static void test_images_built_or_not(void **state) {
  g_autofree char *missing = tpath("no-such-dir");
  g_autofree char *spec = g_strdup_printf("images:%s", missing);
#ifdef ZC_HAVE_IMAGES
  expect_error(spec, ZC_ERROR_IO, "no-such-dir: not a directory", NULL);
#else
  expect_error(spec, ZC_ERROR_CONFIG, "zcnas was built without PNG/JPEG support", "libpng-dev");
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_npy_u8_exact),
      cmocka_unit_test(test_npy_versions_layouts),
      cmocka_unit_test(test_npy_float32),
      cmocka_unit_test(test_label_base_and_class_filter),
      cmocka_unit_test(test_npz_stored_deflated),
      cmocka_unit_test(test_npy_errors),
      cmocka_unit_test(test_fixture_is_cifar10_halved),
      cmocka_unit_test(test_images_built_or_not),
      cmocka_unit_test(test_numpy_written),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
