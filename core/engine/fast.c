/* The "cpu" backend's kernels: the reference table with faster kernels patched in where
 * they apply.  Each fast kernel falls back to the reference one for shapes it does not
 * handle, so the table stays complete. */
#include "config.h"
#include "engine-impl.h"

void zc_fast_setup(ZcOpClass *ops) {
  zc_fast_conv_setup_f32(ops);  /* conv2d: padded-width implicit GEMM (fast-conv.inc) */
  zc_fast_conv_setup_f64(ops);
  zc_fast_pool_setup_f32(ops);  /* stride-1 average pooling as separable box sums (fast-pool.inc) */
  zc_fast_pool_setup_f64(ops);
  zc_fast_avx2_setup(ops);      /* float norm/activation kernels in AVX2, same bits (fast-avx2.c) */
}
