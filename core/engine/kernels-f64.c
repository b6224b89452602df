/* The double copies of the reference kernels: each ops-*.inc is written once against
 * `real`, FN() and GEMM, and compiled here for double. */
#include "config.h"
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
