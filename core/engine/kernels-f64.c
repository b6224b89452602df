/* The double copies of the reference kernels: each ops-*.inc is written once against
 * `real`, FN() and GEMM, and compiled here for double. */
#include "config.h"
/* Let GCC vectorise the element-wise loops (no -ffast-math: summation order is kept). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "engine-impl.h"

typedef double real;
#define FN(name) name##_f64
#define GEMM cblas_dgemm

#include "ops-conv.inc"
#include "ops-norm.inc"
#include "ops-act.inc"
#include "ops-struct.inc"
