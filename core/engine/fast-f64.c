/* The double copy of the fast conv kernels (fast-conv.inc). */
#include "config.h"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include <string.h>
#include <cblas.h>
#include "engine-impl.h"

typedef double real;
#define FN(name) name##_f64
#define GEMM cblas_dgemm
#define ZC_DT ZC_F64

#include "fast-conv.inc"
#include "fast-pool.inc"
