/* numpy .npy arrays and .npz archives of them: see docs/data.md ("npy and npz").
 *
 * .npy (numpy's format.py, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a major and
 * minor version byte, the header length (2 bytes little-endian in 1.0, 4 bytes in 2.0
 * and 3.0), and an ASCII (3.0: UTF-8) Python dict literal with the keys 'descr',
 * 'fortran_order' and 'shape'; the array data follow in C order.
 * .npz: a zip archive of NAME.npy members, stored or deflated.  The central directory
 * gives each member's sizes (numpy writes the local headers with zip64 placeholders),
 * the local header only where its data begin; every member's CRC-32 is checked. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zlib.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include "data-private.h"

#define NPY_MAX_DIMS 8

typedef struct {
  char type;      /* 'u', 'i', 'f' */
  guint size;     /* bytes per element */
  gboolean big;   /* big-endian elements */
  guint ndim;
  guint64 shape[NPY_MAX_DIMS];
  guint64 count;  /* elements */
  const guint8 *data;
} NpyArray;

G_GNUC_PRINTF(3, 4)
static gboolean data_error(GError **error, const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: %s", name, msg);
  return FALSE;
}

static guint32 le16(const guint8 *p) { return (guint32)p[0] | (guint32)p[1] << 8; }
static guint32 le32(const guint8 *p) { return le16(p) | (guint32)le16(p + 2) << 16; }
static guint64 le64(const guint8 *p) { return le32(p) | (guint64)le32(p + 4) << 32; }

/* ---- the header dict ------------------------------------------------------------- */

typedef struct {
  const char *p, *end;
} Cursor;

static void skip_ws(Cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static gboolean eat(Cursor *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return TRUE;
  }
  return FALSE;
}

/* A quoted Python string (no escapes needed by the keys and dtypes we accept). */
static char *parse_str(Cursor *c) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return NULL;
  char q = *c->p++;
  const char *s = c->p;
  while (c->p < c->end && *c->p != q && *c->p != '\\') c->p++;
  if (c->p >= c->end || *c->p != q) return NULL;
  return g_strndup(s, (gsize)(c->p++ - s));
}

static gboolean parse_header(const char *name, const char *hdr, gsize len, NpyArray *a,
                             GError **error) {
  Cursor c = {hdr, hdr + len};
  g_autofree char *descr = NULL;
  int fortran = -1;
  gboolean have_shape = FALSE;
  if (!eat(&c, '{')) return data_error(error, name, "malformed .npy header: no '{'");
  while (!eat(&c, '}')) {
    g_autofree char *key = parse_str(&c);
    if (!key || !eat(&c, ':'))
      return data_error(error, name, "malformed .npy header at offset %d",
                        (int)(c.p - hdr));
    skip_ws(&c);
    if (!strcmp(key, "descr")) {
      g_free(descr);
      descr = parse_str(&c);
      if (!descr)
        return data_error(error, name,
                          "unsupported dtype: 'descr' is not a plain type string (a structured "
                          "array?); expected uint8 or float32 images, integer labels");
    } else if (!strcmp(key, "fortran_order")) {
      if ((gsize)(c.end - c.p) >= 4 && !strncmp(c.p, "True", 4)) fortran = 1, c.p += 4;
      else if ((gsize)(c.end - c.p) >= 5 && !strncmp(c.p, "False", 5)) fortran = 0, c.p += 5;
      else return data_error(error, name, "malformed .npy header: fortran_order is not True or False");
    } else if (!strcmp(key, "shape")) {
      if (!eat(&c, '(')) return data_error(error, name, "malformed .npy header: shape is not a tuple");
      a->ndim = 0;
      while (!eat(&c, ')')) {
        skip_ws(&c);
        if (c.p >= c.end || !g_ascii_isdigit(*c.p))
          return data_error(error, name, "malformed .npy header: bad shape");
        guint64 v = 0;
        while (c.p < c.end && g_ascii_isdigit(*c.p)) {
          if (v > G_MAXUINT64 / 10 - 1) return data_error(error, name, "shape too large");
          v = v * 10 + (guint64)(*c.p++ - '0');
        }
        if (c.p < c.end && *c.p == 'L') c.p++;   /* Python 2 longs */
        if (a->ndim == NPY_MAX_DIMS)
          return data_error(error, name, "more than %d dimensions", NPY_MAX_DIMS);
        a->shape[a->ndim++] = v;
        if (!eat(&c, ',') && (skip_ws(&c), c.p >= c.end || *c.p != ')'))
          return data_error(error, name, "malformed .npy header: bad shape");
      }
      have_shape = TRUE;
    } else {
      return data_error(error, name, "malformed .npy header: unknown key '%s'", key);
    }
    if (!eat(&c, ',') && (skip_ws(&c), c.p >= c.end || *c.p != '}'))
      return data_error(error, name, "malformed .npy header at offset %d", (int)(c.p - hdr));
  }
  if (!descr || fortran < 0 || !have_shape)
    return data_error(error, name, "malformed .npy header: it lacks '%s'",
                      !descr ? "descr" : fortran < 0 ? "fortran_order" : "shape");
  /* dtype: byte order, kind, size, e.g. '|u1', '<f4', '<i8' */
  if (strlen(descr) < 3 || !strchr("<>|=", descr[0]) || !strchr("uif", descr[1]) ||
      !strchr("1248", descr[2]) || descr[3] || (descr[1] == 'f' && descr[2] != '4'))
    return data_error(error, name,
                      "unsupported dtype '%s' (expected uint8 '|u1' or float32 '<f4' images, "
                      "integer labels)", descr);
  if (fortran == 1)
    return data_error(error, name,
                      "the array is in Fortran order, only C order is supported "
                      "(save numpy.ascontiguousarray(a))");
  a->type = descr[1];
  a->size = (guint)(descr[2] - '0');
  a->big = descr[0] == '>';
  a->count = 1;
  for (guint i = 0; i < a->ndim; i++) {
    if (a->shape[i] && a->count > G_MAXUINT64 / a->shape[i])
      return data_error(error, name, "shape too large");
    a->count *= a->shape[i];
  }
  return TRUE;
}

/* Parses a whole .npy image (buf, len); a->data points into buf. */
static gboolean npy_parse(const char *name, const guint8 *buf, gsize len, NpyArray *a,
                          GError **error) {
  memset(a, 0, sizeof *a);
  if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
    return data_error(error, name, len < 10 ? "truncated: %" G_GSIZE_FORMAT " bytes, not a .npy file"
                                            : "bad magic: not a .npy file (%" G_GSIZE_FORMAT " bytes)",
                      len);
  guint major = buf[6];
  if (major < 1 || major > 3)
    return data_error(error, name, "unsupported .npy version %u.%u (expected 1.0, 2.0 or 3.0)",
                      major, buf[7]);
  gsize pre = major == 1 ? 10 : 12;
  if (len < pre) return data_error(error, name, "truncated .npy header");
  guint64 hlen = major == 1 ? le16(buf + 8) : le32(buf + 8);
  if (hlen > len - pre)
    return data_error(error, name, "truncated: the header needs %" G_GUINT64_FORMAT
                      " bytes, the file has %" G_GSIZE_FORMAT, pre + hlen, len);
  if (!parse_header(name, (const char *)buf + pre, hlen, a, error)) return FALSE;
  guint64 have = len - pre - hlen;
  if (a->count > G_MAXUINT64 / a->size || a->count * a->size != have)
    return data_error(error, name,
                      "%s: the header's shape needs %" G_GUINT64_FORMAT " bytes of data, the file has %"
                      G_GUINT64_FORMAT, a->count > have / a->size ? "truncated" : "trailing bytes",
                      a->count * a->size, have);
  a->data = buf + pre + hlen;
  return TRUE;
}

static guint64 elem_u(const NpyArray *a, guint64 i) {
  const guint8 *p = a->data + i * a->size;
  guint64 v = 0;
  for (guint b = 0; b < a->size; b++) v |= (guint64)p[a->big ? a->size - 1 - b : b] << (8 * b);
  return v;
}

/* ---- images and labels from arrays ------------------------------------------------ */

static gboolean take_images(ZcDataset *ds, const char *name, const NpyArray *a,
                            const ZcDataOpts *o, GError **error) {
  if (a->type == 'i' || (a->type == 'u' && a->size != 1) || (a->type == 'f' && a->size != 4))
    return data_error(error, name, "unsupported dtype %s%u for images (expected uint8 or float32)",
                      a->type == 'u' ? "uint" : a->type == 'i' ? "int" : "float", a->size * 8);
  guint64 n = a->ndim ? a->shape[0] : 0, c = 0, h = 0, w = 0;
  gboolean nhwc = FALSE;
  g_autofree char *shp = NULL;
  {
    GString *s = g_string_new("(");
    for (guint i = 0; i < a->ndim; i++) g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", a->shape[i]);
    g_string_append(s, ")");
    shp = g_string_free(s, FALSE);
  }
  if (o->shape_c && a->ndim != 2)
    return data_error(error, name, "option shape applies to 2-D arrays (N, C*H*W), this one has shape %s", shp);
  if (o->layout && a->ndim != 4)
    return data_error(error, name, "option layout applies to 4-D arrays, this one has shape %s", shp);
  if (a->ndim == 2) {
    guint64 d = a->shape[1];
    if (o->shape_c) {
      c = o->shape_c, h = o->shape_h, w = o->shape_w;
      if (c * h * w != d)
        return data_error(error, name, "rows of %" G_GUINT64_FORMAT " values do not hold shape=%" G_GUINT64_FORMAT
                          "x%" G_GUINT64_FORMAT "x%" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT ")",
                          d, c, h, w, c * h * w);
    } else {
      /* square images: 3 channels when d/3 is a square, else 1 when d is one (never
       * both: 3s^2 = t^2 has no solution in positive integers) */
      guint64 s3 = (guint64)(sqrt((double)d / 3) + 0.5), s1 = (guint64)(sqrt((double)d) + 0.5);
      if (d % 3 == 0 && s3 * s3 * 3 == d) c = 3, h = w = s3;
      else if (s1 * s1 == d) c = 1, h = w = s1;
      else
        return data_error(error, name, "rows of %" G_GUINT64_FORMAT " values are not 3xSxS or 1xSxS "
                          "images: give shape=CxHxW", d);
    }
  } else if (a->ndim == 3) {
    c = 1, h = a->shape[1], w = a->shape[2];
  } else if (a->ndim == 4) {
    int layout = o->layout;
    if (layout == ZC_LAYOUT_AUTO) {
      gboolean cf = a->shape[1] == 1 || a->shape[1] == 3, cl = a->shape[3] == 1 || a->shape[3] == 3;
      if (cf == cl)
        return data_error(error, name, "shape %s: cannot tell where the channels are: give "
                          "layout=nchw or layout=nhwc", shp);
      layout = cf ? ZC_LAYOUT_NCHW : ZC_LAYOUT_NHWC;
    }
    nhwc = layout == ZC_LAYOUT_NHWC;
    c = a->shape[nhwc ? 3 : 1], h = a->shape[nhwc ? 1 : 2], w = a->shape[nhwc ? 2 : 3];
  } else {
    return data_error(error, name, "images of shape %s: expected (N, C*H*W), (N, H, W), "
                      "(N, C, H, W) or (N, H, W, C)", shp);
  }
  if (!n || !c || !h || !w || c > ZC_DATA_MAX_CHANNELS || h > 4096 || w > 4096)
    return data_error(error, name, "images of shape %s: %s", shp,
                      !n ? "no images" : "expected 1..16 channels and sides of 1..4096");
  const gsize hw = (gsize)(h * w), img = (gsize)c * hw;
  ds->n = (gsize)n;
  ds->c = (guint)c;
  ds->h = ds->sh = (guint)h;
  ds->w = ds->sw = (guint)w;
  if (a->type == 'u') {
    ds->pixels = g_try_malloc(ds->n * img);
    if (!ds->pixels) goto nomem;
    if (!nhwc) memcpy(ds->pixels, a->data, ds->n * img);
    else
      for (gsize i = 0; i < ds->n; i++)
        for (gsize j = 0; j < hw; j++)
          for (guint ch = 0; ch < c; ch++)
            ds->pixels[i * img + ch * hw + j] = a->data[i * img + j * c + ch];
  } else {
    ds->fpixels = g_try_malloc(ds->n * img * sizeof(float));
    if (!ds->fpixels) goto nomem;
    for (gsize i = 0; i < ds->n; i++)
      for (gsize j = 0; j < hw; j++)
        for (guint ch = 0; ch < c; ch++) {
          gsize src = nhwc ? i * img + j * c + ch : i * img + ch * hw + j;
          guint32 bits = (guint32)elem_u(a, src);
          float v;
          memcpy(&v, &bits, sizeof v);
          if (!isfinite(v))
            return data_error(error, name, "image %" G_GSIZE_FORMAT ": pixel value %g is not finite",
                              i, (double)v);
          ds->fpixels[i * img + ch * hw + j] = v;
        }
  }
  return TRUE;
nomem:
  g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: cannot allocate %" G_GSIZE_FORMAT " bytes", name,
              ds->n * img);
  return FALSE;
}

static gboolean take_labels(ZcDataset *ds, const char *name, const NpyArray *a, const ZcDataOpts *o,
                            GError **error) {
  if (a->type == 'f')
    return data_error(error, name, "unsupported dtype float%u for labels (expected an integer type)",
                      a->size * 8);
  gboolean col = a->ndim == 2 && a->shape[1] == 1;
  if ((a->ndim != 1 && !col) || a->shape[0] != ds->n)
    return data_error(error, name, "%" G_GUINT64_FORMAT " labels%s, but %s has %" G_GSIZE_FORMAT
                      " images", a->ndim == 1 || col ? a->shape[0] : a->count,
                      a->ndim == 1 || col ? "" : " (expected shape (N,) or (N, 1))", ds->path, ds->n);
  g_autofree gint64 *raw = g_new(gint64, ds->n ? ds->n : 1);
  for (gsize i = 0; i < ds->n; i++) {
    guint64 u = elem_u(a, i);
    if (a->type == 'i' && a->size < 8 && (u >> (a->size * 8 - 1)) & 1)
      u |= ~(guint64)0 << (a->size * 8);   /* sign-extend */
    if (a->type == 'u' && u > (guint64)G_MAXINT64) u = (guint64)G_MAXINT64;   /* out of range anyway */
    raw[i] = (gint64)u;
  }
  return zc_data_set_labels(ds, raw, name, o, error);
}

/* ---- .npy ------------------------------------------------------------------------- */

/* The labels file of a .npy: labels=PATH (relative to base_dir), else STEM_labels.npy
 * beside the images file. */
static char *npy_labels_path(const char *images, const ZcDataOpts *o) {
  if (o->labels)
    return (o->base_dir && !g_path_is_absolute(o->labels)) ? g_build_filename(o->base_dir, o->labels, NULL)
                                                           : g_strdup(o->labels);
  gsize n = strlen(images);
  if (n > 4 && !strcmp(images + n - 4, ".npy")) n -= 4;
  return g_strdup_printf("%.*s_labels.npy", (int)n, images);
}

gboolean zc_data_load_npy(ZcDataset *ds, const ZcDataOpts *o, GError **error) {
  g_autofree guint8 *ibuf = NULL, *lbuf = NULL;
  gsize ilen, llen;
  NpyArray img, lab;
  if (!zc_data_read_file(ds->path, &ibuf, &ilen, error) ||
      !npy_parse(ds->path, ibuf, ilen, &img, error) || !take_images(ds, ds->path, &img, o, error))
    return FALSE;
  g_clear_pointer(&ibuf, g_free);
  g_autofree char *lpath = npy_labels_path(ds->path, o);
  return zc_data_read_file(lpath, &lbuf, &llen, error) && npy_parse(lpath, lbuf, llen, &lab, error) &&
         take_labels(ds, lpath, &lab, o, error);
}

/* ---- .npz --------------------------------------------------------------------------- */

/* The contents of member `want` ("data.npy"); *found FALSE (no error) when absent. */
static gboolean zip_member(const char *path, const guint8 *z, gsize len, const char *want,
                           guint8 **out, gsize *out_len, gboolean *found, GError **error) {
  *found = FALSE;
  /* end of central directory: 22 bytes + a comment of up to 65535 */
  gssize e = -1;
  for (gssize i = (gssize)len - 22; i >= 0 && i >= (gssize)len - 22 - 65535; i--)
    if (le32(z + i) == 0x06054b50) {
      e = i;
      break;
    }
  if (e < 0)
    return data_error(error, path, len < 22 ? "truncated: %" G_GSIZE_FORMAT " bytes, not a .npz (zip) file"
                                             : "bad magic: not a .npz (zip) file (no end of central directory in %"
                                               G_GSIZE_FORMAT " bytes)", len);
  guint32 count = le16(z + e + 10), cd_size = le32(z + e + 12), cd_off = le32(z + e + 16);
  if (count == 0xffff || cd_off == 0xffffffffu)
    return data_error(error, path, "zip64 archives with more than 65535 members or 4 GiB are not supported");
  if ((guint64)cd_off + cd_size > (guint64)e)
    return data_error(error, path, "truncated or corrupt zip: the central directory lies outside the file");
  const guint8 *p = z + cd_off, *cd_end = z + cd_off + cd_size;
  for (guint32 m = 0; m < count; m++) {
    if (p + 46 > cd_end || le32(p) != 0x02014b50)
      return data_error(error, path, "corrupt zip central directory (entry %u)", m);
    guint flags = le16(p + 8), method = le16(p + 10);
    guint32 crc = le32(p + 16);
    guint64 csize = le32(p + 20), usize = le32(p + 24), loff = le32(p + 42);
    guint nlen = le16(p + 28), xlen = le16(p + 30), clen = le16(p + 32);
    if (p + 46 + nlen + xlen + clen > cd_end)
      return data_error(error, path, "corrupt zip central directory (entry %u)", m);
    const guint8 *nm = p + 46;
    gboolean match = nlen == strlen(want) && !memcmp(nm, want, nlen);
    if (match) {
      /* zip64 extra field: the 8-byte values of the fields set to 0xffffffff, in order */
      const guint8 *x = nm + nlen, *xe = x + xlen;
      while (x + 4 <= xe) {
        guint id = le16(x), sz = le16(x + 2);
        if (x + 4 + sz > xe) break;
        if (id == 1) {
          const guint8 *v = x + 4, *ve = v + sz;
          if (usize == 0xffffffffu && v + 8 <= ve) usize = le64(v), v += 8;
          if (csize == 0xffffffffu && v + 8 <= ve) csize = le64(v), v += 8;
          if (loff == 0xffffffffu && v + 8 <= ve) loff = le64(v);
        }
        x += 4 + sz;
      }
      if (flags & 1) return data_error(error, path, "member %s is encrypted", want);
      if (method != 0 && method != 8)
        return data_error(error, path, "member %s: compression method %u not supported (stored or deflated only)",
                          want, method);
      if (usize > ZC_DATA_MAX_FILE_BYTES)
        return data_error(error, path, "member %s: %" G_GUINT64_FORMAT " bytes, more than the %"
                          G_GUINT64_FORMAT " bytes a data file may have", want, usize, ZC_DATA_MAX_FILE_BYTES);
      if (loff + 30 > (guint64)len || le32(z + loff) != 0x04034b50)
        return data_error(error, path, "member %s: corrupt zip (no local header at offset %" G_GUINT64_FORMAT ")",
                          want, loff);
      guint64 start = loff + 30 + le16(z + loff + 26) + le16(z + loff + 28);
      if (start > len || csize > len - start)
        return data_error(error, path, "member %s: truncated (%" G_GUINT64_FORMAT " bytes from offset %"
                          G_GUINT64_FORMAT ", the file has %" G_GSIZE_FORMAT ")", want, csize, start, len);
      guint8 *buf = g_try_malloc(usize ? usize : 1);
      if (!buf) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: member %s: cannot allocate %" G_GUINT64_FORMAT " bytes",
                    path, want, usize);
        return FALSE;
      }
      if (method == 0) {
        if (csize != usize) {
          g_free(buf);
          return data_error(error, path, "member %s: stored with sizes %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
                            want, csize, usize);
        }
        memcpy(buf, z + start, usize);
      } else {
        /* both sizes are at most 1 GiB (checked above and by zc_data_read_file): one call */
        z_stream s = {0};
        int rc = inflateInit2(&s, -MAX_WBITS);
        if (rc == Z_OK) {
          s.next_in = (Bytef *)(z + start);
          s.avail_in = (uInt)csize;
          s.next_out = buf;
          s.avail_out = (uInt)usize;
          rc = inflate(&s, Z_FINISH);
        }
        gboolean ok = rc == Z_STREAM_END && s.total_out == usize;
        const char *why = rc == Z_STREAM_END ? "wrong size" : s.msg ? s.msg : "the stream ends early";
        g_autofree char *whys = g_strdup(why);
        inflateEnd(&s);
        if (!ok) {
          g_free(buf);
          return data_error(error, path, "member %s: corrupt or truncated deflate data (%s)", want, whys);
        }
      }
      guint32 got = (guint32)crc32(0L, Z_NULL, 0);
      for (guint64 off = 0; off < usize;) {
        uInt step = (uInt)MIN(usize - off, (guint64)1 << 30);
        got = (guint32)crc32(got, buf + off, step);
        off += step;
      }
      if (got != crc) {
        g_free(buf);
        return data_error(error, path, "member %s: CRC-32 mismatch (corrupt data)", want);
      }
      *out = buf;
      *out_len = (gsize)usize;
      *found = TRUE;
      return TRUE;
    }
    p += 46 + nlen + xlen + clen;
  }
  return TRUE;
}

gboolean zc_data_load_npz(ZcDataset *ds, const ZcDataOpts *o, GError **error) {
  g_autofree guint8 *z = NULL, *ibuf = NULL, *lbuf = NULL;
  gsize zlen, ilen, llen;
  gboolean found;
  const char *dk = o->data_key ? o->data_key : "data", *lk = o->labels ? o->labels : "labels";
  g_autofree char *dm = g_strconcat(dk, ".npy", NULL), *lm = g_strconcat(lk, ".npy", NULL);
  g_autofree char *dname = g_strdup_printf("%s: member %s", ds->path, dm);
  g_autofree char *lname = g_strdup_printf("%s: member %s", ds->path, lm);
  if (!zc_data_read_file(ds->path, &z, &zlen, error)) return FALSE;
  if (!zip_member(ds->path, z, zlen, dm, &ibuf, &ilen, &found, error)) return FALSE;
  if (!found)
    return data_error(error, ds->path, "no member %s (the images; option data=NAME picks another)", dm);
  NpyArray img, lab;
  if (!npy_parse(dname, ibuf, ilen, &img, error) || !take_images(ds, dname, &img, o, error)) return FALSE;
  g_clear_pointer(&ibuf, g_free);
  if (!zip_member(ds->path, z, zlen, lm, &lbuf, &llen, &found, error)) return FALSE;
  if (!found)
    return data_error(error, ds->path, "no member %s (the labels; option labels=NAME picks another)", lm);
  return npy_parse(lname, lbuf, llen, &lab, error) && take_labels(ds, lname, &lab, o, error);
}
