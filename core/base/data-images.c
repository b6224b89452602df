/* images:DIR — a directory of PNG and JPEG files with a label list: see docs/data.md
 * ("images").  PNG through libpng, JPEG through libjpeg(-turbo); the kind is built when
 * configure finds both (ZC_HAVE_IMAGES), else it fails with one message. */
#include "config.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/data.h>
#include <zcnas/error.h>
#include "data-private.h"

#ifndef ZC_HAVE_IMAGES

gboolean zc_data_load_images(ZcDataset *ds, const ZcDataOpts *o, GError **error) {
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
              "data spec '%s': zcnas was built without PNG/JPEG support (configured "
              "--without-images, or libpng or libjpeg missing: install the Debian packages "
              "libpng-dev and libjpeg-dev, configure and rebuild)", zc_dataset_spec(ds));
  return FALSE;
}

#else
#include <png.h>
#include <jpeglib.h>

/* Largest side of one image. */
#define MAX_SIDE 4096u

typedef struct {
  char *file;          /* as named in the list */
  guint c, h, w;       /* c: 1 (grey) or 3 (RGB) */
  guint8 *px;          /* c x h x w, channel-planar */
} Decoded;

/* Interleaved rows (h x w x c) to planes (c x h x w). */
static guint8 *planar(const guint8 *rows, guint c, guint h, guint w) {
  const gsize hw = (gsize)h * w;
  guint8 *p = g_malloc(hw * c);
  for (gsize j = 0; j < hw; j++)
    for (guint ch = 0; ch < c; ch++) p[ch * hw + j] = rows[j * c + ch];
  return p;
}

/* ---- PNG ---------------------------------------------------------------------------- */

typedef struct {
  const guint8 *buf;
  gsize len, pos;
  char msg[200];
} PngIo;

static void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  PngIo *io = png_get_io_ptr(png);
  if (n > io->len - io->pos) png_error(png, "truncated file");
  memcpy(out, io->buf + io->pos, n);
  io->pos += n;
}

static void png_on_error(png_structp png, png_const_charp msg) {
  PngIo *io = png_get_error_ptr(png);
  g_strlcpy(io->msg, msg, sizeof io->msg);
  png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {}

static gboolean decode_png(const char *path, const guint8 *buf, gsize len, Decoded *d,
                           GError **error) {
  PngIo io = {buf, len, 0, ""};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, png_on_error, png_on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  guint8 *volatile rows = NULL;
  png_bytep *volatile rp = NULL;
  if (!info) {
    png_destroy_read_struct(&png, NULL, NULL);
    g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "%s: cannot allocate the PNG decoder", path);
    return FALSE;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    g_free(rows);
    g_free(rp);
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: bad PNG: %s", path, io.msg);
    return FALSE;
  }
  png_set_read_fn(png, &io, png_read_mem);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  if (w > MAX_SIDE || h > MAX_SIDE) png_error(png, "image larger than 4096 pixels on a side");
  /* to 8-bit grey or RGB: palettes expanded, 16-bit cut to 8 (the high byte), low bit
   * depths widened, alpha (and tRNS transparency) dropped */
  png_set_strip_16(png);
  png_set_palette_to_rgb(png);
  png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  guint c = png_get_channels(png, info);
  if (c != 1 && c != 3) png_error(png, "unexpected channel count after conversion");
  rows = g_malloc((gsize)h * w * c);
  rp = g_new(png_bytep, h);
  for (png_uint_32 y = 0; y < h; y++) rp[y] = rows + (gsize)y * w * c;
  png_read_image(png, rp);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  d->c = c;
  d->h = h;
  d->w = w;
  d->px = planar(rows, c, h, w);
  g_free(rows);
  g_free(rp);
  return TRUE;
}

/* ---- JPEG ----------------------------------------------------------------------------- */

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
  char msg[JMSG_LENGTH_MAX];
} JpegErr;

static void jpeg_on_error(j_common_ptr cinfo) {
  JpegErr *e = (JpegErr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->msg);
  longjmp(e->jb, 1);
}

static void jpeg_on_message(j_common_ptr cinfo) {}   /* warnings: corrupt data is still decoded */

static gboolean decode_jpeg(const char *path, const guint8 *buf, gsize len, Decoded *d,
                            GError **error) {
  struct jpeg_decompress_struct cinfo;
  JpegErr err;
  guint8 *volatile rows = NULL;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = jpeg_on_error;
  err.pub.output_message = jpeg_on_message;
  if (setjmp(err.jb)) {
    jpeg_destroy_decompress(&cinfo);
    g_free(rows);
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: bad JPEG: %s", path, err.msg);
    return FALSE;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, buf, (unsigned long)len);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  if (cinfo.image_width > MAX_SIDE || cinfo.image_height > MAX_SIDE) {
    g_strlcpy(err.msg, "image larger than 4096 pixels on a side", sizeof err.msg);
    longjmp(err.jb, 1);
  }
  jpeg_start_decompress(&cinfo);
  guint c = (guint)cinfo.output_components, w = cinfo.output_width, h = cinfo.output_height;
  rows = g_malloc((gsize)h * w * c);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW r = rows + (gsize)cinfo.output_scanline * w * c;
    jpeg_read_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  d->c = c;
  d->h = h;
  d->w = w;
  d->px = planar(rows, c, h, w);
  g_free(rows);
  return TRUE;
}

/* ---- the label list ---------------------------------------------------------------- */

/* Reads DIR/labels.csv (or the labels= file): lines FILE,LABEL; '#' lines and blank
 * lines skipped; a first line "file,label" is a header. */
static gboolean read_list(const char *lpath, GPtrArray *files, GArray *labels, GError **error) {
  g_autofree guint8 *buf = NULL;
  gsize len;
  if (!zc_data_read_file(lpath, &buf, &len, error)) return FALSE;
  if (memchr(buf, '\0', len)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: contains a NUL byte: not a text file", lpath);
    return FALSE;
  }
  g_autofree char *text = g_strndup((const char *)buf, len);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean first = TRUE;
  for (guint i = 0; lines[i]; i++) {
    char *l = g_strstrip(lines[i]);   /* also drops a CR */
    if (!*l || *l == '#') continue;
    char *comma = strrchr(l, ',');
    if (!comma) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s:%u: expected FILE,LABEL, got '%s'", lpath, i + 1, l);
      return FALSE;
    }
    *comma = '\0';
    char *file = g_strstrip(l), *lab = g_strstrip(comma + 1);
    if (first && !g_ascii_strcasecmp(file, "file") && !g_ascii_strcasecmp(lab, "label")) {
      first = FALSE;
      continue;
    }
    first = FALSE;
    guint64 v;
    if (!*file || !g_ascii_string_to_unsigned(lab, 10, 0, G_MAXINT64, &v, NULL)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s:%u: %s", lpath, i + 1,
                  !*file ? "empty file name" : "the label is not a non-negative integer");
      return FALSE;
    }
    gint64 sv = (gint64)v;
    g_ptr_array_add(files, g_strdup(file));
    g_array_append_val(labels, sv);
  }
  if (!files->len) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: lists no images", lpath);
    return FALSE;
  }
  return TRUE;
}

static void decoded_clear(gpointer p) {
  Decoded *d = p;
  g_free(d->file);
  g_free(d->px);
}

gboolean zc_data_load_images(ZcDataset *ds, const ZcDataOpts *o, GError **error) {
  if (!g_file_test(ds->path, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: not a directory (images:DIR)", ds->path);
    return FALSE;
  }
  const char *lname = o->labels ? o->labels : "labels.csv";
  g_autofree char *lpath = g_path_is_absolute(lname) ? g_strdup(lname) : g_build_filename(ds->path, lname, NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(gint64));
  if (!read_list(lpath, files, raw, error)) return FALSE;

  g_autoptr(GArray) imgs = g_array_sized_new(FALSE, TRUE, sizeof(Decoded), files->len);
  g_array_set_clear_func(imgs, decoded_clear);
  guint c = 1;
  guint64 total = 0;
  for (guint i = 0; i < files->len; i++) {
    const char *file = files->pdata[i];
    g_autofree char *path = g_path_is_absolute(file) ? g_strdup(file) : g_build_filename(ds->path, file, NULL);
    g_autofree guint8 *buf = NULL;
    gsize len;
    if (!zc_data_read_file(path, &buf, &len, error)) return FALSE;
    Decoded d = {0};
    gboolean ok;
    if (len >= 8 && !png_sig_cmp(buf, 0, 8))
      ok = decode_png(path, buf, len, &d, error);
    else if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
      ok = decode_jpeg(path, buf, len, &d, error);
    else {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: neither a PNG nor a JPEG file", path);
      ok = FALSE;
    }
    if (!ok) return FALSE;
    d.file = g_strdup(file);
    g_array_append_val(imgs, d);
    c = MAX(c, d.c);
    const Decoded *first = &g_array_index(imgs, Decoded, 0);
    if (!o->size_h && (d.h != first->h || d.w != first->w)) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                  "%s: %ux%u pixels, but the first image %s has %ux%u: all images need one size "
                  "unless size=S or size=HxW is given", path, d.h, d.w, first->file, first->h, first->w);
      return FALSE;
    }
    total += (guint64)3 * d.h * d.w;
    if (total > ZC_DATA_MAX_FILE_BYTES) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: the images decode to more than the %" G_GUINT64_FORMAT
                  " bytes a data set may have", ds->path, ZC_DATA_MAX_FILE_BYTES);
      return FALSE;
    }
  }
  const Decoded *first = &g_array_index(imgs, Decoded, 0);
  gboolean same = TRUE;
  for (guint i = 0; i < imgs->len; i++) {
    const Decoded *d = &g_array_index(imgs, Decoded, i);
    same = same && d->h == first->h && d->w == first->w;
  }
  ds->n = imgs->len;
  ds->c = c;
  /* one size: stored as read (size= resamples when a batch is made, as for CIFAR);
   * several sizes and size=: each image resampled here, kept as floats in [0, 1] */
  ds->h = ds->sh = same ? first->h : o->size_h;
  ds->w = ds->sw = same ? first->w : o->size_w;
  const gsize hw = (gsize)ds->h * ds->w, img = (gsize)c * hw;
  if (same) ds->pixels = g_malloc(ds->n * img);
  else ds->fpixels = g_malloc(ds->n * img * sizeof(float));
  for (gsize i = 0; i < ds->n; i++) {
    const Decoded *d = &g_array_index(imgs, Decoded, i);
    const gsize dhw = (gsize)d->h * d->w;
    for (guint ch = 0; ch < c; ch++) {
      const guint8 *src = d->px + (d->c == 1 ? 0 : ch) * dhw;   /* grey: replicated */
      if (same) {
        memcpy(ds->pixels + i * img + ch * hw, src, hw);
      } else {
        g_autofree float *plane = g_new(float, dhw);
        float *dst = ds->fpixels + i * img + ch * hw;
        for (gsize j = 0; j < dhw; j++) plane[j] = (float)src[j];
        zc_data_resample(plane, d->h, d->w, dst, ds->h, ds->w);
        for (gsize j = 0; j < hw; j++) dst[j] /= 255.0f;
      }
    }
  }
  g_array_set_size(imgs, 0);
  return zc_data_set_labels(ds, (const gint64 *)raw->data, lpath, o, error);
}

#endif
