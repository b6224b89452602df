/* Image data readers and class-balanced batches: see zcnas/data.h. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include "data-private.h"


static const char *const kind_names[] = {"cifar10", "cifar100", "fmnist", "gaussian", "npy", "npz", "images"};

/* ---- file readers ---------------------------------------------------------------- */

/* Largest batch of float images handed out (docs/data.md). */
#define MAX_BATCH_BYTES ((guint64)2 << 30)

/* Opens a data file that must be a regular file of at most ZC_DATA_MAX_FILE_BYTES: a FIFO,
 * device or /dev/zero would otherwise be read until memory runs out (O_NONBLOCK: opening
 * a FIFO must not wait for a writer).  Returns the descriptor, -1 with an error. */
static int open_data_file(const char *path, guint64 *size, GError **error) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot read: %s", path, g_strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot stat: %s", path, g_strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: not a regular file (%s)", path,
                S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "not a file");
  } else if ((guint64)st.st_size > ZC_DATA_MAX_FILE_BYTES) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: %" G_GUINT64_FORMAT " bytes, more than the %" G_GUINT64_FORMAT
                " bytes a data file may have", path, (guint64)st.st_size, ZC_DATA_MAX_FILE_BYTES);
  } else {
    *size = (guint64)st.st_size;
    return fd;
  }
  close(fd);
  return -1;
}

/* The whole file, its size known before anything is allocated. */
gboolean zc_data_read_file(const char *path, guint8 **buf, gsize *len, GError **error) {
  guint64 size = 0;
  int fd = open_data_file(path, &size, error);
  if (fd < 0) return FALSE;
  guint8 *data = g_try_malloc(size ? size : 1);
  gsize got = 0;
  while (data && got < size) {
    ssize_t r = read(fd, data + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot read: %s", path,
                  r < 0 ? g_strerror(errno) : "the file shrank while being read");
      g_free(data);
      close(fd);
      return FALSE;
    }
    got += (gsize)r;
  }
  close(fd);
  if (!data) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: cannot allocate %" G_GUINT64_FORMAT " bytes", path, size);
    return FALSE;
  }
  *buf = data;
  *len = got;
  return TRUE;
}

/* Whole decompressed contents of a gzip file (a plain file is read as is). */
static gboolean read_gz(const char *path, guint8 **buf, gsize *len, GError **error) {
  guint64 size = 0;
  int fd = open_data_file(path, &size, error);
  if (fd < 0) return FALSE;
  errno = 0;
  gzFile f = gzdopen(fd, "rb");   /* owns fd from here on */
  if (!f) {
    close(fd);
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot open: %s", path,
                errno ? g_strerror(errno) : "out of memory");
    return FALSE;
  }
  GByteArray *a = g_byte_array_new();
  guint8 chunk[1 << 16];
  int got;
  gboolean too_big = FALSE;
  while ((got = gzread(f, chunk, sizeof chunk)) > 0) {
    if (a->len + (guint64)got > ZC_DATA_MAX_FILE_BYTES) {   /* a gzip bomb */
      too_big = TRUE;
      break;
    }
    g_byte_array_append(a, chunk, (guint)got);
  }
  if (too_big) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: decompresses to more than the %" G_GUINT64_FORMAT " bytes a data file may have", path,
                ZC_DATA_MAX_FILE_BYTES);
    gzclose(f);
    g_byte_array_free(a, TRUE);
    return FALSE;
  }
  int errnum = Z_OK;
  const char *msg = gzerror(f, &errnum);
  gboolean ok = got == 0 && errnum == Z_OK;
  if (!ok) {
    if (errnum == Z_BUF_ERROR)
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: truncated gzip stream (ends after %u decompressed bytes)", path, a->len);
    else if (errnum == Z_ERRNO)
      g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: read error: %s", path, g_strerror(errno));
    else
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: corrupt gzip data: %s", path,
                  msg ? msg : "unknown error");
  }
  gzclose(f);
  if (!ok) {
    g_byte_array_free(a, TRUE);
    return FALSE;
  }
  *len = a->len;
  *buf = g_byte_array_free(a, FALSE);
  return TRUE;
}

static guint32 be32(const guint8 *p) {
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static gboolean load_cifar(ZcDataset *ds, gboolean hundred, GError **error) {
  const gsize lab = hundred ? 2 : 1, rec = lab + 3072;
  const guint classes = hundred ? 100 : 10;
  guint8 *buf;
  gsize len;
  if (!zc_data_read_file(ds->path, &buf, &len, error)) return FALSE;
  if (len == 0 || len % rec) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: size %" G_GSIZE_FORMAT " bytes is not a multiple of %" G_GSIZE_FORMAT
                " bytes (CIFAR-%u records)%s",
                ds->path, len, rec, classes, len ? "" : ": the file is empty");
    g_free(buf);
    return FALSE;
  }
  ds->n = len / rec;
  ds->c = 3;
  ds->h = ds->w = 32;
  ds->num_classes = classes;
  ds->pixels = g_malloc(ds->n * 3072);
  ds->labels = g_new(guint32, ds->n);
  for (gsize i = 0; i < ds->n; i++) {
    const guint8 *r = buf + i * rec;
    if (hundred && r[0] >= 20) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: record %" G_GSIZE_FORMAT ": coarse label %u out of range 0..19",
                  ds->path, i, r[0]);
      g_free(buf);
      return FALSE;
    }
    guint8 label = r[lab - 1];
    if (label >= classes) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: record %" G_GSIZE_FORMAT ": %slabel %u out of range 0..%u", ds->path, i,
                  hundred ? "fine " : "", label, classes - 1);
      g_free(buf);
      return FALSE;
    }
    ds->labels[i] = label;
    memcpy(ds->pixels + i * 3072, r + lab, 3072);
  }
  g_free(buf);
  return TRUE;
}

/* "...-images-idx3-ubyte..." -> "...-labels-idx1-ubyte..." in the file's base name. */
static char *fmnist_labels_path(const char *images, GError **error) {
  static const char from[] = "-images-idx3-ubyte", to[] = "-labels-idx1-ubyte";
  g_autofree char *dir = g_path_get_dirname(images);
  g_autofree char *base = g_path_get_basename(images);
  char *at = g_strrstr(base, from);
  if (!at) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "%s: cannot find the labels file: the name does not contain '%s'", images, from);
    return NULL;
  }
  memcpy(at, to, sizeof to - 1);
  if (!strcmp(dir, ".") && !strchr(images, '/')) return g_strdup(base);
  return g_build_filename(dir, base, NULL);
}

static gboolean load_fmnist(ZcDataset *ds, GError **error) {
  g_autofree char *lpath = fmnist_labels_path(ds->path, error);
  if (!lpath) return FALSE;
  g_autofree guint8 *img = NULL, *lab = NULL;
  gsize ilen, llen;
  if (!read_gz(ds->path, &img, &ilen, error)) return FALSE;
  if (ilen < 16) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: truncated: %" G_GSIZE_FORMAT " bytes, an IDX3 header needs 16", ds->path,
                ilen);
    return FALSE;
  }
  if (be32(img) != 2051) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: wrong magic %u (expected 2051, an IDX3 unsigned-byte image file)",
                ds->path, be32(img));
    return FALSE;
  }
  guint32 n = be32(img + 4), rows = be32(img + 8), cols = be32(img + 12);
  if (!n || !rows || !cols || rows > 4096 || cols > 4096 || n > 100000000u) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: implausible header: %u images of %ux%u", ds->path, n, rows, cols);
    return FALSE;
  }
  guint64 want = 16 + (guint64)n * rows * cols;
  if (ilen != want) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: %s: the header says %u images of %ux%u (%" G_GUINT64_FORMAT
                " bytes), the data has %" G_GSIZE_FORMAT,
                ds->path, ilen < want ? "truncated" : "trailing bytes", n, rows, cols, want, ilen);
    return FALSE;
  }
  if (!read_gz(lpath, &lab, &llen, error)) return FALSE;
  if (llen < 8 || be32(lab) != 2049) {
    if (llen < 8)
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: truncated: %" G_GSIZE_FORMAT " bytes, an IDX1 header needs 8", lpath, llen);
    else
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: wrong magic %u (expected 2049, an IDX1 unsigned-byte label file)", lpath,
                  be32(lab));
    return FALSE;
  }
  if (be32(lab + 4) != n || llen != 8 + (gsize)n) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: %u labels in the header and %" G_GSIZE_FORMAT
                " in the data, but %s has %u images",
                lpath, be32(lab + 4), llen - 8, ds->path, n);
    return FALSE;
  }
  for (guint32 i = 0; i < n; i++)
    if (lab[8 + i] >= 10) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: label %u of image %u out of range 0..9",
                  lpath, lab[8 + i], i);
      return FALSE;
    }
  ds->n = n;
  ds->c = 1;
  ds->h = rows;
  ds->w = cols;
  ds->num_classes = 10;
  ds->pixels = g_memdup2(img + 16, (gsize)n * rows * cols);
  ds->labels = g_new(guint32, n);
  for (guint32 i = 0; i < n; i++) ds->labels[i] = lab[8 + i];
  return TRUE;
}

static void index_classes(ZcDataset *ds) {
  ds->class_start = g_new0(gsize, ds->num_classes + 1);
  ds->by_class = g_new(gsize, ds->n ? ds->n : 1);
  for (gsize i = 0; i < ds->n; i++) ds->class_start[ds->labels[i] + 1]++;
  for (guint k = 0; k < ds->num_classes; k++) ds->class_start[k + 1] += ds->class_start[k];
  gsize *fill = g_memdup2(ds->class_start, sizeof(gsize) * ds->num_classes);
  for (gsize i = 0; i < ds->n; i++) ds->by_class[fill[ds->labels[i]]++] = i;
  g_free(fill);
}

/* ---- spec ------------------------------------------------------------------------- */

typedef struct {
  guint n_mean, n_std;
  float mean[ZC_DATA_MAX_CHANNELS], std[ZC_DATA_MAX_CHANNELS];
  guint classes;   /* 0 = default */
  guint size_h, size_w;   /* 0 = as stored */
  char *labels, *data_key;
  gboolean has_label_base, has_layout;
  guint label_base;
  guint shape_c, shape_h, shape_w;
  int layout;
} SpecOpts;

static void spec_opts_clear(SpecOpts *o) {
  g_free(o->labels);
  g_free(o->data_key);
}

G_GNUC_PRINTF(3, 4)
static gboolean spec_error(GError **error, const char *spec, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "data spec '%s': %s", spec, msg);
  return FALSE;
}

static gboolean parse_floats(const char *spec, const char *key, const char *val, float *out,
                             guint *n, GError **error) {
  g_auto(GStrv) parts = g_strsplit(val, "/", -1);
  guint k = g_strv_length(parts);
  if (k == 0 || k > ZC_DATA_MAX_CHANNELS)
    return spec_error(error, spec, "%s needs 1 to %d '/'-separated values", key,
                      ZC_DATA_MAX_CHANNELS);
  for (guint i = 0; i < k; i++) {
    char *end = NULL;
    double v = g_ascii_strtod(parts[i], &end);
    if (!parts[i][0] || *end || !isfinite(v))
      return spec_error(error, spec, "%s value '%s' is not a number", key, parts[i]);
    out[i] = (float)v;
  }
  *n = k;
  return TRUE;
}

static gboolean parse_uint_field(const char *s, guint max, guint *out) {
  if (!g_ascii_isdigit(s[0])) return FALSE;
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || errno || v == 0 || v > max) return FALSE;
  *out = (guint)v;
  return TRUE;
}


static gboolean parse_options(const char *spec, const char *opts, SpecOpts *o, GError **error) {
  g_auto(GStrv) items = g_strsplit(opts, ",", -1);
  for (guint i = 0; items[i]; i++) {
    char *eq = strchr(items[i], '=');
    if (!eq || eq == items[i])
      return spec_error(error, spec, "option '%s' is not key=value", items[i]);
    *eq = '\0';
    const char *key = items[i], *val = eq + 1;
    if (!strcmp(key, "mean")) {
      if (!parse_floats(spec, key, val, o->mean, &o->n_mean, error)) return FALSE;
    } else if (!strcmp(key, "std")) {
      if (!parse_floats(spec, key, val, o->std, &o->n_std, error)) return FALSE;
    } else if (!strcmp(key, "classes")) {
      if (!parse_uint_field(val, 65536, &o->classes))
        return spec_error(error, spec, "classes '%s' is not a number in 1..65536", val);
    } else if (!strcmp(key, "size")) {
      char *x = strchr(val, 'x');
      if (x) *x = '\0';
      if (!parse_uint_field(val, 4096, &o->size_h) || !parse_uint_field(x ? x + 1 : val, 4096, &o->size_w))
        return spec_error(error, spec, "size '%s%s%s' is not S or HxW with sides in 1..4096", val, x ? "x" : "",
                          x ? x + 1 : "");
    } else if (!strcmp(key, "labels") || !strcmp(key, "data")) {
      if (!*val) return spec_error(error, spec, "option %s needs a name", key);
      char **slot = key[0] == 'l' ? &o->labels : &o->data_key;
      g_free(*slot);
      *slot = g_strdup(val);
    } else if (!strcmp(key, "label_base")) {
      if (strcmp(val, "0") && strcmp(val, "1"))
        return spec_error(error, spec, "label_base '%s' is not 0 or 1", val);
      o->label_base = (guint)(val[0] - '0');
      o->has_label_base = TRUE;
    } else if (!strcmp(key, "shape")) {
      g_auto(GStrv) d = g_strsplit(val, "x", -1);
      if (g_strv_length(d) != 3 || !parse_uint_field(d[0], ZC_DATA_MAX_CHANNELS, &o->shape_c) ||
          !parse_uint_field(d[1], 4096, &o->shape_h) || !parse_uint_field(d[2], 4096, &o->shape_w))
        return spec_error(error, spec, "shape '%s' is not CxHxW (C in 1..%d, H and W in 1..4096)", val,
                          ZC_DATA_MAX_CHANNELS);
    } else if (!strcmp(key, "layout")) {
      if (!strcmp(val, "nchw")) o->layout = ZC_LAYOUT_NCHW;
      else if (!strcmp(val, "nhwc")) o->layout = ZC_LAYOUT_NHWC;
      else return spec_error(error, spec, "layout '%s' is not nchw or nhwc", val);
      o->has_layout = TRUE;
    } else {
      return spec_error(error, spec,
                        "unknown option '%s' (expected mean, std, classes, size, labels, data, "
                        "label_base, shape or layout)", key);
    }
  }
  return TRUE;
}

static void set_defaults(ZcDataset *ds) {
  static const float c10m[] = {0.4914f, 0.4822f, 0.4465f}, c10s[] = {0.2470f, 0.2435f, 0.2616f};
  static const float c100m[] = {0.5071f, 0.4865f, 0.4409f}, c100s[] = {0.2673f, 0.2564f, 0.2762f};
  /* ImageNet16 (Chrabaszcz et al. 2017), the values NB201 normalises ImageNet16-120 with */
  static const float in16m[] = {122.68f / 255, 116.66f / 255, 104.01f / 255},
                     in16s[] = {63.22f / 255, 61.26f / 255, 65.09f / 255};
  for (guint i = 0; i < ZC_DATA_MAX_CHANNELS; i++) {
    ds->mean[i] = 0.0f;
    ds->std[i] = 1.0f;
  }
  if (ds->kind == ZC_DATA_CIFAR10) {
    memcpy(ds->mean, c10m, sizeof c10m);
    memcpy(ds->std, c10s, sizeof c10s);
  } else if (ds->kind == ZC_DATA_CIFAR100) {
    memcpy(ds->mean, c100m, sizeof c100m);
    memcpy(ds->std, c100s, sizeof c100s);
  } else if (ds->kind == ZC_DATA_FMNIST) {
    ds->mean[0] = 0.2860f;
    ds->std[0] = 0.3530f;
  } else if (ds->kind != ZC_DATA_GAUSSIAN && ds->c == 3) {
    memcpy(ds->mean, in16m, sizeof in16m);
    memcpy(ds->std, in16s, sizeof in16s);
  } else if (ds->kind != ZC_DATA_GAUSSIAN && ds->c == 1) {
    ds->mean[0] = 0.5f;   /* grey files: a neutral default, see docs/data.md */
    ds->std[0] = 0.25f;
  }
}

static gboolean parse_shape(const char *spec, const char *arg, ZcDataset *ds, GError **error) {
  g_auto(GStrv) d = g_strsplit(arg, "x", -1);
  guint v[3];
  if (g_strv_length(d) != 3 || !parse_uint_field(d[0], ZC_DATA_MAX_CHANNELS, &v[0]) ||
      !parse_uint_field(d[1], 4096, &v[1]) || !parse_uint_field(d[2], 4096, &v[2]))
    return spec_error(error, spec,
                      "gaussian shape '%s' is not CxHxW (C in 1..%d, H and W in 1..4096)", arg,
                      ZC_DATA_MAX_CHANNELS);
  ds->c = v[0];
  ds->h = v[1];
  ds->w = v[2];
  return TRUE;
}

/* Which options each kind takes (a misplaced one is a spec error, never ignored). */
static gboolean check_options(const char *spec, int k, const SpecOpts *so, GError **error) {
  const gboolean file = k == ZC_DATA_NPY || k == ZC_DATA_NPZ || k == ZC_DATA_IMAGES;
  if (so->classes && k != ZC_DATA_GAUSSIAN && !file)
    return spec_error(error, spec, "option classes applies to gaussian, npy, npz and images only");
  if (so->size_h && k == ZC_DATA_GAUSSIAN)
    return spec_error(error, spec, "option size applies to image files (gaussian takes CxHxW)");
  if (!file && (so->labels || so->has_label_base))
    return spec_error(error, spec, "options labels and label_base apply to npy, npz and images only");
  if (k != ZC_DATA_NPZ && so->data_key)
    return spec_error(error, spec, "option data applies to npz only");
  if (k != ZC_DATA_NPY && k != ZC_DATA_NPZ && (so->shape_c || so->has_layout))
    return spec_error(error, spec, "options shape and layout apply to npy and npz only");
  return TRUE;
}

ZcDataset *zc_dataset_open(const char *spec, const char *base_dir, GError **error) {
  if (!spec) {
    spec_error(error, "(null)", "no spec given");
    return NULL;
  }
  const char *colon = strchr(spec, ':'), *paren = strchr(spec, '(');
  if (!colon) {
    spec_error(error, spec, "expected KIND:ARGUMENT (e.g. cifar10:PATH, gaussian:3x32x32)");
    return NULL;
  }
  g_autofree char *opts = NULL;
  const char *kind_end = colon, *arg = colon + 1;
  if (paren && paren < colon) {
    const char *close = strchr(paren, ')');
    if (!close || close[1] != ':') {
      spec_error(error, spec, "options must be written KIND(key=value,...):ARGUMENT");
      return NULL;
    }
    kind_end = paren;
    opts = g_strndup(paren + 1, (gsize)(close - paren - 1));
    arg = close + 2;
  }
  g_autofree char *kind = g_strndup(spec, (gsize)(kind_end - spec));
  int k = -1;
  for (int i = 0; i <= ZC_DATA_IMAGES; i++)
    if (!strcmp(kind, kind_names[i])) k = i;
  if (k < 0) {
    spec_error(error, spec,
               "unknown kind '%s' (expected cifar10, cifar100, fmnist, gaussian, npy, npz or images)",
               kind);
    return NULL;
  }
  if (!*arg) {
    spec_error(error, spec, "missing %s after ':'",
               k == ZC_DATA_GAUSSIAN ? "CxHxW" : k == ZC_DATA_IMAGES ? "DIR" : "PATH");
    return NULL;
  }
  SpecOpts so = {0};
  if ((opts && !parse_options(spec, opts, &so, error)) || !check_options(spec, k, &so, error)) {
    spec_opts_clear(&so);
    return NULL;
  }

  g_autoptr(ZcDataset) ds = g_new0(ZcDataset, 1);
  ds->kind = (ZcDataKind)k;
  ds->spec = g_strdup(spec);
  gboolean ok;
  if (k == ZC_DATA_GAUSSIAN) {
    ok = parse_shape(spec, arg, ds, error);
    ds->num_classes = so.classes ? so.classes : 10;
  } else {
    ds->path = (base_dir && !g_path_is_absolute(arg)) ? g_build_filename(base_dir, arg, NULL)
                                                       : g_strdup(arg);
    ZcDataOpts o = {so.labels, so.data_key, base_dir, so.label_base, so.classes,
                    so.shape_c, so.shape_h, so.shape_w, so.layout, so.size_h, so.size_w};
    switch (k) {
      case ZC_DATA_FMNIST: ok = load_fmnist(ds, error); break;
      case ZC_DATA_NPY: ok = zc_data_load_npy(ds, &o, error); break;
      case ZC_DATA_NPZ: ok = zc_data_load_npz(ds, &o, error); break;
      case ZC_DATA_IMAGES: ok = zc_data_load_images(ds, &o, error); break;
      default: ok = load_cifar(ds, k == ZC_DATA_CIFAR100, error); break;
    }
  }
  spec_opts_clear(&so);
  if (!ok) return NULL;
  if (!ds->sh) {   /* readers that resampled already set sh, sw */
    ds->sh = ds->h;
    ds->sw = ds->w;
  }
  if (so.size_h) {
    ds->h = so.size_h;
    ds->w = so.size_w;
  }
  index_classes(ds);
  set_defaults(ds);
  if ((so.n_mean && so.n_mean != ds->c) || (so.n_std && so.n_std != ds->c)) {
    spec_error(error, spec, "mean and std need %u value%s (one per channel)", ds->c,
               ds->c == 1 ? "" : "s");
    return NULL;
  }
  if (so.n_mean || so.n_std) {
    GError *e = NULL;
    if (!zc_dataset_set_normalization(ds, so.n_mean ? so.mean : ds->mean,
                                      so.n_std ? so.std : ds->std, ds->c, &e)) {
      spec_error(error, spec, "%s", e->message);
      g_error_free(e);
      return NULL;
    }
  }
  return g_steal_pointer(&ds);
}

/* ---- labels of the npy, npz and images kinds ------------------------------------ */

gboolean zc_data_set_labels(ZcDataset *ds, const gint64 *raw, const char *lpath,
                            const ZcDataOpts *o, GError **error) {
  const gsize img = (gsize)ds->c * ds->sh * ds->sw;
  guint32 *lab = g_new(guint32, ds->n ? ds->n : 1);
  gsize kept = 0;
  guint max = 0;
  for (gsize i = 0; i < ds->n; i++) {
    gint64 v = raw[i] - (gint64)o->label_base;
    if (raw[i] < (gint64)o->label_base || v > (gint64)ZC_DATA_MAX_LABEL) {
      if (raw[i] < (gint64)o->label_base)
        g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                    "%s: label %" G_GINT64_FORMAT " of image %" G_GSIZE_FORMAT
                    " is below label_base %u", lpath, raw[i], i, o->label_base);
      else
        g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                    "%s: label %" G_GINT64_FORMAT " of image %" G_GSIZE_FORMAT
                    " out of range %u..%u", lpath, raw[i], i, o->label_base,
                    ZC_DATA_MAX_LABEL + o->label_base);
      g_free(lab);
      return FALSE;
    }
    if (o->classes && v >= o->classes) continue;   /* another class: left out */
    if (kept != i) {
      if (ds->pixels) memmove(ds->pixels + kept * img, ds->pixels + i * img, img);
      else memmove(ds->fpixels + kept * img, ds->fpixels + i * img, img * sizeof(float));
    }
    lab[kept++] = (guint32)v;
    max = MAX(max, (guint)v);
  }
  if (kept == 0) {
    if (ds->n == 0)
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: no images", ds->path);
    else
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: none of the %" G_GSIZE_FORMAT " images has a label in %u..%u (classes=%u)",
                  lpath, ds->n, o->label_base, o->label_base + o->classes - 1, o->classes);
    g_free(lab);
    return FALSE;
  }
  ds->n = kept;
  ds->labels = lab;
  ds->num_classes = o->classes ? o->classes : max + 1;
  return TRUE;
}
void zc_dataset_free(ZcDataset *ds) {
  if (!ds) return;
  g_free(ds->spec);
  g_free(ds->path);
  g_free(ds->pixels);
  g_free(ds->fpixels);
  g_free(ds->labels);
  g_free(ds->by_class);
  g_free(ds->class_start);
  g_free(ds->hash);
  g_free(ds);
}

/* ---- accessors --------------------------------------------------------------------- */

ZcDataKind zc_dataset_kind(const ZcDataset *ds) { return ds->kind; }
const char *zc_dataset_spec(const ZcDataset *ds) { return ds->spec; }
gsize zc_dataset_n_images(const ZcDataset *ds) { return ds->n; }
guint zc_dataset_num_classes(const ZcDataset *ds) { return ds->num_classes; }
const float *zc_dataset_mean(const ZcDataset *ds) { return ds->mean; }
const float *zc_dataset_std(const ZcDataset *ds) { return ds->std; }

gboolean zc_dataset_check_shape(const ZcDataset *ds, guint channels, guint height, guint width, int code,
                                GError **error) {
  if (ds->h == height && ds->w == width && (ds->c == channels || (ds->c == 1 && channels == 3))) return TRUE;
  g_set_error(error, ZC_ERROR, code, "data %s has images %ux%ux%u, the space expects %ux%ux%u", ds->spec, ds->c,
              ds->h, ds->w, channels, height, width);
  return FALSE;
}

void zc_dataset_shape(const ZcDataset *ds, guint *channels, guint *height, guint *width) {
  if (channels) *channels = ds->c;
  if (height) *height = ds->h;
  if (width) *width = ds->w;
}

guint zc_dataset_label(const ZcDataset *ds, gsize i) {
  g_return_val_if_fail(i < ds->n, 0);
  return ds->labels[i];
}

/* Bilinear resampling of one channel (half-pixel centres, edges clamped: what
 * torchvision's Resize does without antialiasing).  Byte images are resampled through
 * a float copy: bytes are exact in float, so the values are those of the byte version. */
void zc_data_resample(const float *src, guint sh, guint sw, float *dst, guint h, guint w) {
  const double fy = (double)sh / h, fx = (double)sw / w;
  for (guint y = 0; y < h; y++) {
    double sy = MAX((y + 0.5) * fy - 0.5, 0.0);
    guint y0 = MIN((guint)sy, sh - 1), y1 = MIN(y0 + 1, sh - 1);
    double ay = sy - y0;
    for (guint x = 0; x < w; x++) {
      double sx = MAX((x + 0.5) * fx - 0.5, 0.0);
      guint x0 = MIN((guint)sx, sw - 1), x1 = MIN(x0 + 1, sw - 1);
      double ax = sx - x0;
      double top = (double)src[y0 * sw + x0] * (1 - ax) + (double)src[y0 * sw + x1] * ax;
      double bot = (double)src[y1 * sw + x0] * (1 - ax) + (double)src[y1 * sw + x1] * ax;
      dst[(gsize)y * w + x] = (float)(top * (1 - ay) + bot * ay);
    }
  }
}

void zc_dataset_image(const ZcDataset *ds, gsize i, float *out) {
  g_return_if_fail(i < ds->n);
  const gsize hw = (gsize)ds->h * ds->w, shw = (gsize)ds->sh * ds->sw;
  const gboolean same = shw == hw && ds->sh == ds->h;
  /* bytes are scaled by 1/255; floats (float32 .npy) are taken as scaled already */
  const float scale = ds->fpixels ? 1.0f : 255.0f;
  float *plane = same ? NULL : g_new(float, shw);
  for (guint ch = 0; ch < ds->c; ch++) {
    const float m = ds->mean[ch], inv = 1.0f / ds->std[ch];
    const gsize at = (i * ds->c + ch) * shw;
    if (same && ds->pixels) {
      for (gsize j = 0; j < hw; j++) out[ch * hw + j] = ((float)ds->pixels[at + j] / 255.0f - m) * inv;
    } else if (same) {
      for (gsize j = 0; j < hw; j++) out[ch * hw + j] = (ds->fpixels[at + j] - m) * inv;
    } else {
      if (ds->pixels)
        for (gsize j = 0; j < shw; j++) plane[j] = (float)ds->pixels[at + j];
      else
        memcpy(plane, ds->fpixels + at, shw * sizeof(float));
      zc_data_resample(plane, ds->sh, ds->sw, out + ch * hw, ds->h, ds->w);
      if (ds->pixels)
        for (gsize j = 0; j < hw; j++) out[ch * hw + j] = (out[ch * hw + j] / scale - m) * inv;
      else
        for (gsize j = 0; j < hw; j++) out[ch * hw + j] = (out[ch * hw + j] - m) * inv;
    }
  }
  g_free(plane);
}

gboolean zc_dataset_set_normalization(ZcDataset *ds, const float *mean, const float *std,
                                      guint n, GError **error) {
  if (n != ds->c) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "normalisation of %s: %u values given, the data has %u channel%s",
                ds->spec, n, ds->c, ds->c == 1 ? "" : "s");
    return FALSE;
  }
  for (guint i = 0; i < n; i++)
    if (!(std[i] > 0.0f) || !isfinite(std[i]) || !isfinite(mean[i])) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "normalisation of %s: channel %u has mean %g, std %g; std must be > 0",
                  ds->spec, i, (double)mean[i], (double)std[i]);
      return FALSE;
    }
  float m[ZC_DATA_MAX_CHANNELS], s[ZC_DATA_MAX_CHANNELS];  /* mean/std may alias ours */
  memcpy(m, mean, n * sizeof *m);
  memcpy(s, std, n * sizeof *s);
  memcpy(ds->mean, m, n * sizeof *m);
  memcpy(ds->std, s, n * sizeof *s);
  g_clear_pointer(&ds->hash, g_free);
  return TRUE;
}

const char *zc_dataset_content_hash(ZcDataset *ds) {
  if (ds->hash) return ds->hash;
  GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
  GString *hdr = g_string_new(NULL);
  g_string_append_printf(hdr, "zcnas-data-v1 %s %ux%ux%u classes=%u n=%" G_GSIZE_FORMAT,
                         kind_names[ds->kind], ds->c, ds->h, ds->w, ds->num_classes, ds->n);
  for (guint i = 0; i < ds->c; i++)  /* exact bit patterns, written portably */
    g_string_append_printf(hdr, " %a/%a", (double)ds->mean[i], (double)ds->std[i]);
  if (ds->sh != ds->h || ds->sw != ds->w) g_string_append_printf(hdr, " resized-from=%ux%u", ds->sh, ds->sw);
  g_checksum_update(ck, (const guchar *)hdr->str, (gssize)hdr->len);
  g_string_free(hdr, TRUE);
  const gsize img = (gsize)ds->c * ds->sh * ds->sw;
  if (ds->n) {
    /* labels: one byte each while they fit (the hashes of the CIFAR and FMNIST data did
     * not change when labels became 32-bit), else 4 bytes little-endian */
    const gsize lw = ds->num_classes <= 256 ? 1 : 4;
    guint8 *lb = g_malloc(ds->n * lw);
    for (gsize i = 0; i < ds->n; i++)
      for (gsize b = 0; b < lw; b++) lb[i * lw + b] = (guint8)(ds->labels[i] >> (8 * b));
    g_checksum_update(ck, lb, (gssize)(ds->n * lw));
    g_free(lb);
    /* float pixels: their bytes as stored (IEEE 754, little-endian on every supported host) */
    const guint8 *px = ds->pixels ? ds->pixels : (const guint8 *)ds->fpixels;
    const gsize ps = ds->pixels ? 1 : sizeof(float);
    for (gsize off = 0, total = ds->n * img * ps; off < total;) {  /* gssize chunks */
      gsize step = MIN(total - off, (gsize)1 << 30);
      g_checksum_update(ck, px + off, (gssize)step);
      off += step;
    }
  }
  ds->hash = g_strdup(g_checksum_get_string(ck));
  g_checksum_free(ck);
  return ds->hash;
}

/* ---- batches ------------------------------------------------------------------------ */

void zc_batch_free(ZcBatch *b) {
  if (!b) return;
  g_free(b->images);
  g_free(b->labels);
  g_free(b);
}

/* Per-class counts: floor(n/K) each, n mod K classes chosen by the seed get one more. */
static guint *class_counts(guint n, guint classes, guint64 seed) {
  guint *cnt = g_new(guint, classes);
  for (guint k = 0; k < classes; k++) cnt[k] = n / classes;
  guint extra = n % classes;
  if (extra) {
    guint64 *perm = g_new(guint64, classes);
    for (guint k = 0; k < classes; k++) perm[k] = k;
    ZcRng r;
    zc_rng_init(&r, seed, zc_hash_str("zcnas.data.extra-classes"));
    zc_rng_shuffle_u64(&r, perm, classes);
    for (guint k = 0; k < extra; k++) cnt[perm[k]]++;
    g_free(perm);
  }
  return cnt;
}

ZcBatch *zc_dataset_batch(const ZcDataset *ds, guint n, guint64 seed, guint out_channels,
                          GError **error) {
  g_return_val_if_fail(ds != NULL, NULL);
  guint oc = out_channels ? out_channels : ds->c;
  if (oc != ds->c && !(ds->c == 1 && oc == 3)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "%s: cannot deliver %u channels from %u (only 1 -> 3 replication)", ds->spec,
                oc, ds->c);
    return NULL;
  }
  if (n == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: a batch needs at least one image",
                ds->spec);
    return NULL;
  }
  const gsize hw = (gsize)ds->h * ds->w;
  /* n and the image size are user input: refuse before allocating */
  guint64 bytes = (guint64)n * oc * hw * sizeof(float);
  if (bytes / n / oc / sizeof(float) != hw || bytes > MAX_BATCH_BYTES) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: a batch of %u images of %ux%ux%u needs %" G_GUINT64_FORMAT
                " bytes, more than the %" G_GUINT64_FORMAT " bytes allowed", ds->spec, n, oc, ds->h, ds->w,
                bytes, MAX_BATCH_BYTES);
    return NULL;
  }
  float *images = g_try_malloc(bytes);
  if (!images) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: cannot allocate %" G_GUINT64_FORMAT " bytes for a batch",
                ds->spec, bytes);
    return NULL;
  }
  g_autofree guint *cnt = class_counts(n, ds->num_classes, seed);

  /* labels and source image of every slot, grouped by class before the shuffle */
  guint64 *slot = g_new(guint64, n);   /* stored index, or class for gaussian */
  g_autofree guint32 *lab = g_new(guint32, n);
  guint pos = 0;
  guint64 class_key = zc_rng_key(seed, zc_hash_str("zcnas.data.class-draw"));
  for (guint k = 0; k < ds->num_classes; k++) {
    if (ds->kind == ZC_DATA_GAUSSIAN) {
      for (guint j = 0; j < cnt[k]; j++) lab[pos + j] = k;
      pos += cnt[k];
      continue;
    }
    gsize have = ds->class_start[k + 1] - ds->class_start[k];
    if (cnt[k] > have) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: class %u has %" G_GSIZE_FORMAT " images, a balanced batch of %u needs %u",
                  ds->path, k, have, n, cnt[k]);
      g_free(slot);
      g_free(images);
      return NULL;
    }
    /* partial Fisher-Yates over the class's images, its own stream */
    g_autofree gsize *idx = g_memdup2(ds->by_class + ds->class_start[k], have * sizeof(gsize));
    ZcRng r = {zc_rng_subkey(class_key, k), 0};
    for (guint j = 0; j < cnt[k]; j++) {
      gsize t = j + (gsize)zc_rng_below(&r, have - j);
      gsize v = idx[t];
      idx[t] = idx[j];
      idx[j] = v;
      slot[pos + j] = v;
      lab[pos + j] = k;
    }
    pos += cnt[k];
  }
  /* shuffle slots (label travels with its slot) */
  guint64 *order = g_new(guint64, n);
  for (guint i = 0; i < n; i++) order[i] = i;
  ZcRng r;
  zc_rng_init(&r, seed, zc_hash_str("zcnas.data.order"));
  zc_rng_shuffle_u64(&r, order, n);

  ZcBatch *b = g_new0(ZcBatch, 1);
  b->n = n;
  b->channels = oc;
  b->height = ds->h;
  b->width = ds->w;
  b->images = images;
  b->labels = g_new(guint32, n);
  guint64 img_key = zc_rng_key(seed, zc_hash_str("zcnas.data.gaussian"));
  for (guint i = 0; i < n; i++) {
    guint s = (guint)order[i];
    b->labels[i] = lab[s];
    float *dst = b->images + (gsize)i * oc * hw;
    if (ds->kind == ZC_DATA_GAUSSIAN) {
      /* values keyed by the batch position, so equal seeds give equal images */
      guint64 key = zc_rng_subkey(img_key, i);
      for (guint ch = 0; ch < ds->c; ch++)
        for (gsize j = 0; j < hw; j++)
          dst[ch * hw + j] =
              ((float)zc_rng_normal_at(key, ch * hw + j) - ds->mean[ch]) / ds->std[ch];
    } else {
      zc_dataset_image(ds, (gsize)slot[s], dst);
    }
    for (guint ch = ds->c; ch < oc; ch++) memcpy(dst + ch * hw, dst, hw * sizeof(float));
  }
  g_free(order);
  g_free(slot);
  return b;
}
