/* libFuzzer harness: the image data readers (core/base/data.c), opened through the normal
 * data spec.
 *
 * Input: a first line, then file contents.
 *   - A first line "gaussian...:ARG" is the whole spec (e.g. "gaussian(classes=3):1x4x4").
 *   - Otherwise it is "KIND[(OPTIONS)]" and the rest is the file: for cifar10/cifar100
 *     one binary file; for fmnist the images file, then optionally the marker
 *     "==LABELS==" and the labels file (each IDX, gzip-compressed or not); for npy the
 *     .npy images, then optionally "==LABELS==" and the labels .npy; for npz the archive.
 * An opened dataset is read back in full: labels, images, content hash, and batches. */
#include "config.h"
#include <string.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include "fuzz_util.h"

#define MARKER "==LABELS=="
#define IMAGES "f-images-idx3-ubyte"
#define LABELS "f-labels-idx1-ubyte"

static void exercise(ZcDataset *ds) {
  guint c, h, w;
  zc_dataset_shape(ds, &c, &h, &w);
  FUZZ_ASSERT(c >= 1 && c <= ZC_DATA_MAX_CHANNELS && h && w, "shape %ux%ux%u", c, h, w);
  guint classes = zc_dataset_num_classes(ds);
  FUZZ_ASSERT(classes >= 1, "no classes");
  gsize n = zc_dataset_n_images(ds), pixels = (gsize)c * h * w;
  /* Batches of a huge Gaussian shape would only measure the allocator. */
  if (pixels > (1u << 20)) return;
  float *img = g_new(float, pixels);
  for (gsize i = 0; i < n && i < 8; i++) {
    FUZZ_ASSERT(zc_dataset_label(ds, i) < classes, "label %u of image %zu", zc_dataset_label(ds, i), (size_t)i);
    zc_dataset_image(ds, i, img);
  }
  g_free(img);
  FUZZ_ASSERT(strlen(zc_dataset_content_hash(ds)) == 64, "hash");
  GError *err = NULL;
  if (!zc_dataset_set_normalization(ds, zc_dataset_mean(ds), zc_dataset_std(ds), c, &err)) {
    FUZZ_ASSERT(FALSE, "own normalisation refused: %s", err->message);
  }
  const guint outs[2] = {0, 3};
  for (int k = 0; k < 2; k++) {
    ZcBatch *b = zc_dataset_batch(ds, 4, 1, outs[k], &err);
    if (b) {
      for (guint i = 0; i < b->n; i++) FUZZ_ASSERT(b->labels[i] < classes, "batch label");
      zc_batch_free(b);
    } else {
      FUZZ_ASSERT(err && err->message && *err->message, "batch failed without a message");
      g_clear_error(&err);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data, *end = text + size;
  const char *nl = memchr(text, '\n', size);
  if (!nl || nl - text > 256) return 0;
  char *head = g_strndup(text, (gsize)(nl - text));
  if (strlen(head) != (size_t)(nl - text)) {   /* a NUL in the spec line */
    g_free(head);
    return 0;
  }
  const char *body = nl + 1;
  char *spec, *images = NULL, *labels = NULL;
  char *lpath = g_build_filename(fuzz_tmpdir(), LABELS, NULL);
  g_remove(lpath);
  if (strchr(head, ':')) {
    if (!g_str_has_prefix(head, "gaussian")) {   /* no paths of our choosing: /dev/zero */
      g_free(lpath);
      g_free(head);
      return 0;
    }
    spec = g_strdup(head);
  } else if (g_str_has_prefix(head, "npy")) {
    const char *m = g_strstr_len(body, end - body, MARKER);
    images = fuzz_write("d.npy", body, (size_t)((m ? m : end) - body));
    if (m) labels = fuzz_write("d_labels.npy", m + strlen(MARKER), (size_t)(end - m - strlen(MARKER)));
    else g_remove(labels = g_build_filename(fuzz_tmpdir(), "d_labels.npy", NULL));
    spec = g_strdup_printf("%s:d.npy", head);
  } else if (g_str_has_prefix(head, "fmnist")) {
    const char *m = g_strstr_len(body, end - body, MARKER);
    images = fuzz_write(IMAGES, body, (size_t)((m ? m : end) - body));
    if (m) labels = fuzz_write(LABELS, m + strlen(MARKER), (size_t)(end - m - strlen(MARKER)));
    spec = g_strdup_printf("%s:%s", head, IMAGES);
  } else {
    images = fuzz_write("data.bin", body, (size_t)(end - body));
    spec = g_strdup_printf("%s:data.bin", head);
  }
  GError *err = NULL;
  ZcDataset *ds = zc_dataset_open(spec, fuzz_tmpdir(), &err);
  if (ds) {
    exercise(ds);
    zc_dataset_free(ds);
  } else {
    FUZZ_ASSERT(err && err->message && *err->message, "open failed without a message");
    g_error_free(err);
  }
  g_free(lpath);
  g_free(spec);
  g_free(images);
  g_free(labels);
  g_free(head);
  return 0;
}
