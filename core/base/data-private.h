/* The data readers' internals, shared by core/base/data.c (spec, batches) and the
 * readers in their own files (data-npy.c: .npy/.npz; data-images.c: PNG/JPEG
 * directories).  Used only inside libzcnas. */
#ifndef ZC_BASE_DATA_PRIVATE_H
#define ZC_BASE_DATA_PRIVATE_H
#include <zcnas/data.h>

/* Largest data file read (and, for gzip, largest decompressed contents): the biggest
 * supported CIFAR file, the CIFAR-100 training set, has 154 MB.  See docs/data.md. */
#define ZC_DATA_MAX_FILE_BYTES ((guint64)1 << 30)
/* Largest label (after label_base) of the file kinds that carry integer labels. */
#define ZC_DATA_MAX_LABEL 65535u

struct ZcDataset {
  ZcDataKind kind;
  char *spec;
  char *path;           /* images file or directory; NULL for gaussian */
  guint c, h, w, num_classes;   /* h, w: the size of the images handed out */
  guint sh, sw;         /* the size stored (equal to h, w unless resized) */
  gsize n;              /* stored images */
  guint8 *pixels;       /* n x c x sh x sw bytes (0..255), or NULL when fpixels holds them */
  float *fpixels;       /* n x c x sh x sw floats already scaled to [0, 1] (float32 .npy) */
  guint32 *labels;      /* n */
  gsize *by_class;      /* image indices grouped by class, ascending inside a class */
  gsize *class_start;   /* num_classes + 1 offsets into by_class */
  float mean[ZC_DATA_MAX_CHANNELS], std[ZC_DATA_MAX_CHANNELS];
  char *hash;
};

/* Options of the file readers (parsed from the spec by data.c; 0 / NULL = not given). */
typedef struct {
  const char *labels;     /* npy: labels file; npz: labels member; images: list file */
  const char *data_key;   /* npz: images member */
  const char *base_dir;   /* what relative paths are resolved against (may be NULL) */
  guint label_base;       /* subtracted from every stored label */
  guint classes;          /* keep only classes 0..classes-1 */
  guint shape_c, shape_h, shape_w;   /* npy/npz 2-D arrays: the CxHxW of one row */
  int layout;             /* ZC_LAYOUT_* */
  guint size_h, size_w;   /* images: the size= option */
} ZcDataOpts;

enum { ZC_LAYOUT_AUTO, ZC_LAYOUT_NCHW, ZC_LAYOUT_NHWC };

/* The spec the dataset was opened with. */
const char *zc_dataset_spec(const ZcDataset *ds);
/* Whether the data can feed a network taking channels x height x width (the same size;
 * the same channels, or gray images for a 3-channel input); FALSE with an error of the
 * given code (a ZcErrorCode) naming the spec and both shapes otherwise. */
gboolean zc_dataset_check_shape(const ZcDataset *ds, guint channels, guint height, guint width, int code,
                                GError **error);

/* A regular file of at most ZC_DATA_MAX_FILE_BYTES, read whole. */
gboolean zc_data_read_file(const char *path, guint8 **buf, gsize *len, GError **error);

/* Labels read as signed 64-bit values (one per stored image): subtracts label_base,
 * refuses negative or too large ones (naming `lpath` and the image index), keeps only
 * the images of classes 0..classes-1 when o->classes is set (moving pixels down), and
 * sets ds->labels, ds->n and ds->num_classes.  ds->pixels or ds->fpixels must hold
 * ds->n images of ds->c x ds->sh x ds->sw. */
gboolean zc_data_set_labels(ZcDataset *ds, const gint64 *raw, const char *lpath,
                            const ZcDataOpts *o, GError **error);

/* Bilinear resampling of one channel (see data.c). */
void zc_data_resample(const float *src, guint sh, guint sw, float *dst, guint h, guint w);

gboolean zc_data_load_npy(ZcDataset *ds, const ZcDataOpts *o, GError **error);
gboolean zc_data_load_npz(ZcDataset *ds, const ZcDataOpts *o, GError **error);
gboolean zc_data_load_images(ZcDataset *ds, const ZcDataOpts *o, GError **error);

#endif
