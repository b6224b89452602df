/* zcnas — image data for proxy minibatches: CIFAR-10/100 binary files, Fashion-MNIST
 * IDX files, numpy .npy/.npz arrays, directories of PNG/JPEG files and a seeded Gaussian
 * source, normalised per channel, delivered as float32 NCHW batches with labels.
 *
 * Data spec strings (also in docs/data.md):
 *
 *     KIND[(OPTIONS)]:ARGUMENT
 *
 *   cifar10:PATH        CIFAR-10 binary file: records of 1 label byte (0-9) + 3072 pixel
 *                       bytes (1024 R, 1024 G, 1024 B, row-major 32x32)
 *   cifar100:PATH       CIFAR-100 binary file: coarse label byte, fine label byte, 3072
 *                       pixel bytes; the fine label (0-99) is used
 *   fmnist:PATH         Fashion-MNIST images in IDX format (magic 2051), gzip-compressed
 *                       or not; the labels file (magic 2049) lies beside it under the
 *                       standard name: "-images-idx3-ubyte" -> "-labels-idx1-ubyte"
 *   npy:PATH            numpy .npy images, uint8 (scaled by 1/255) or float32 (taken as
 *                       in [0, 1]), shaped (N, C*H*W) (rows channel-planar; CxHxW from
 *                       shape=, else 3xSxS or 1xSxS), (N, H, W), (N, C, H, W) or
 *                       (N, H, W, C) (layout=nchw|nhwc, else the axis of size 1 or 3);
 *                       integer labels in labels=PATH, else STEM_labels.npy beside it
 *   npz:PATH            numpy .npz (stored or deflated members): images in member data
 *                       (data=NAME), labels in member labels (labels=NAME)
 *   images:DIR          PNG and JPEG files listed in DIR/labels.csv (labels=FILE), lines
 *                       FILE,LABEL; '#' and blank lines skipped; grey-only data has 1
 *                       channel, else 3; one size unless size= is given (needs zcnas
 *                       built with libpng and libjpeg)
 *   gaussian:CxHxW      N(0,1) pixels, a pure function of (batch seed, image, pixel);
 *                       10 classes unless classes=K is given
 *
 *   OPTIONS: comma-separated key=value; values of several channels are '/'-separated:
 *     mean=0.5/0.5/0.5   std=0.25/0.25/0.25   (one value per channel, std > 0)
 *     classes=K          gaussian: number of classes; npy, npz, images: keep only the
 *                        images of classes 0..K-1 (after label_base), the data has K
 *     label_base=0|1     subtracted from every stored label (npy, npz, images)
 *     size=S, size=HxW   image files: resample to S x S or H x W (bilinear)
 *     labels=, data=, shape=CxHxW, layout=nchw|nhwc   as above
 *   e.g.  cifar10(mean=0.5/0.5/0.5,std=0.5/0.5/0.5):/data/test_batch.bin
 *   A relative PATH is taken relative to `base_dir` (or the working directory).
 *
 * Pixels are scaled to [0, 1] (byte / 255) and then normalised, (x - mean) / std, per
 * channel.  Default mean / std (the usual torchvision values of the training sets):
 *   CIFAR-10   0.4914, 0.4822, 0.4465 / 0.2470, 0.2435, 0.2616
 *   CIFAR-100  0.5071, 0.4865, 0.4409 / 0.2673, 0.2564, 0.2762
 *   FMNIST     0.2860 / 0.3530
 *   npy, npz, images, 3 channels: ImageNet16 (NB201) 122.68, 116.66, 104.01 / 63.22,
 *              61.26, 65.09, all /255; 1 channel: 0.5 / 0.25
 *   gaussian   0 / 1 (no change)
 */
#ifndef ZC_DATA_H
#define ZC_DATA_H
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ZC_DATA_CIFAR10,
  ZC_DATA_CIFAR100,
  ZC_DATA_FMNIST,
  ZC_DATA_GAUSSIAN,
  ZC_DATA_NPY,        /* numpy .npy array (+ labels .npy) */
  ZC_DATA_NPZ,        /* numpy .npz archive with images and labels members */
  ZC_DATA_IMAGES      /* directory of PNG / JPEG files with a label list */
} ZcDataKind;

#define ZC_DATA_MAX_CHANNELS 16

typedef struct ZcDataset ZcDataset;

/* A minibatch: images n x channels x height x width (float32, NCHW, normalised) and
 * one label per image. */
typedef struct {
  guint n, channels, height, width;
  float *images;
  guint32 *labels;
} ZcBatch;

/* Parse a spec and load the data.  Errors: ZC_ERROR_CONFIG for a bad spec, ZC_ERROR_IO
 * when a file cannot be read, ZC_ERROR_DATA for a file of the wrong format; messages
 * name the spec or the file. */
ZcDataset *zc_dataset_open(const char *spec, const char *base_dir, GError **error);
void zc_dataset_free(ZcDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZcDataset, zc_dataset_free)

ZcDataKind zc_dataset_kind(const ZcDataset *ds);
/* Stored images; 0 for the Gaussian source (unbounded). */
gsize zc_dataset_n_images(const ZcDataset *ds);
void zc_dataset_shape(const ZcDataset *ds, guint *channels, guint *height, guint *width);
guint zc_dataset_num_classes(const ZcDataset *ds);
/* Label of stored image i (i < n_images). */
guint zc_dataset_label(const ZcDataset *ds, gsize i);
/* Stored image i, scaled and normalised, channels x height x width floats. */
void zc_dataset_image(const ZcDataset *ds, gsize i, float *out);
/* Per-channel mean and std in use (arrays of `channels` values). */
const float *zc_dataset_mean(const ZcDataset *ds);
const float *zc_dataset_std(const ZcDataset *ds);
/* Replace them (n == channels, every std > 0); ZC_ERROR_CONFIG otherwise. */
gboolean zc_dataset_set_normalization(ZcDataset *ds, const float *mean, const float *std,
                                      guint n, GError **error);

/* Hex SHA-256 of what the dataset delivers: kind, shape, classes, normalisation, and
 * every stored pixel and label (for the Gaussian source the first four only: its values
 * are a function of the batch seed).  Stable across runs and machines; owned by ds. */
const char *zc_dataset_content_hash(ZcDataset *ds);

/* A class-balanced batch of n images: every class gets floor(n/K) images and n mod K
 * classes (chosen by the seed) one more; the images of a class are drawn without
 * replacement, and the batch order is shuffled.  A pure function of the dataset
 * content, n and seed.  out_channels: 0 keeps the stored channels; 3 with 1-channel
 * data replicates the grey channel (normalised with the grey mean/std); anything else
 * must equal the stored count.  ZC_ERROR_DATA when a class has too few images. */
ZcBatch *zc_dataset_batch(const ZcDataset *ds, guint n, guint64 seed, guint out_channels,
                          GError **error);
void zc_batch_free(ZcBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZcBatch, zc_batch_free)

G_END_DECLS
#endif
