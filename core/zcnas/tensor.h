/* zcnas — element types and small tensor descriptions shared by the engine and plugins.
 *
 * Buffers handed out by the engine are plain C arrays of the network's element type
 * (float or double), laid out densely with the batch index outermost:
 *   images      N x C x H x W   (NCHW)
 *   token maps  N x T x C       (batch x tokens x channels)
 *   vectors     N x C
 * A "per-sample shape" is the shape without the leading N. */
#ifndef ZC_TENSOR_H
#define ZC_TENSOR_H
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ZC_F32 = 0,
  ZC_F64 = 1
} ZcDType;
#define ZC_N_DTYPES 2

/* Size in bytes of one element of `dt`. */
static inline gsize zc_dtype_size(ZcDType dt) { return dt == ZC_F64 ? sizeof(double) : sizeof(float); }

/* Up to 3 per-sample dimensions: (C,H,W), (T,C) or (C). */
#define ZC_MAX_DIMS 3

typedef struct {
  int ndim;
  int dims[ZC_MAX_DIMS];
} ZcShape;

/* Number of elements of one sample. */
static inline gsize zc_shape_numel(const ZcShape *s) {
  gsize n = 1;
  for (int i = 0; i < s->ndim; i++) n *= (gsize) s->dims[i];
  return n;
}

/* Element i of a buffer of type `dt`, read as double. */
static inline double zc_get(ZcDType dt, const void *p, gsize i) {
  return dt == ZC_F64 ? ((const double *) p)[i] : (double) ((const float *) p)[i];
}
/* Store v at element i of a buffer of type `dt`. */
static inline void zc_set(ZcDType dt, void *p, gsize i, double v) {
  if (dt == ZC_F64) ((double *) p)[i] = v;
  else ((float *) p)[i] = (float) v;
}

G_END_DECLS
#endif
