/* The "cpu" backend's float batch-norm and activation kernels: the reference templates
 * (ops-norm.inc, ops-act.inc) compiled once more for AVX2 and patched in where the CPU has
 * it.  FP contraction stays off and the templates fix their summation order, so the wider
 * vectors give the very same bits as the reference. */
#include "config.h"
#include "engine-impl.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC optimize("O3", "fp-contract=off")
#pragma GCC target("avx2")
#include <math.h>
#include <string.h>
#include <cblas.h>

typedef float real;
#define FN(name) name##_f32_avx2
#define GEMM cblas_sgemm
#define ZC_KDECL(name) void name##_f32_avx2(ZcRun *run, const ZcNode *node);
ZC_KDECL(zc_k_bn_fwd) ZC_KDECL(zc_k_bn_bwd) ZC_KDECL(zc_k_ln_fwd) ZC_KDECL(zc_k_ln_bwd)
ZC_KDECL(zc_k_relu_fwd) ZC_KDECL(zc_k_relu_bwd) ZC_KDECL(zc_k_gelu_fwd) ZC_KDECL(zc_k_gelu_bwd)
ZC_KDECL(zc_k_leaky_fwd) ZC_KDECL(zc_k_leaky_bwd) ZC_KDECL(zc_k_tanh_fwd) ZC_KDECL(zc_k_tanh_bwd)
ZC_KDECL(zc_k_sigmoid_fwd) ZC_KDECL(zc_k_sigmoid_bwd) ZC_KDECL(zc_k_softmax_fwd) ZC_KDECL(zc_k_softmax_bwd)
ZC_KDECL(zc_k_attn_fwd) ZC_KDECL(zc_k_attn_bwd)
#undef ZC_KDECL
#include "ops-norm.inc"
#include "ops-act.inc"

#define PATCH(op, k) do { ops[op].forward[ZC_F32] = zc_k_##k##_fwd_f32_avx2; ops[op].backward[ZC_F32] = zc_k_##k##_bwd_f32_avx2; } while (0)
void zc_fast_avx2_setup(ZcOpClass *ops) {
  if (!__builtin_cpu_supports("avx2")) return;
  PATCH(ZC_OP_BN, bn);
  PATCH(ZC_OP_LN, ln);
  PATCH(ZC_OP_RELU, relu);
  PATCH(ZC_OP_GELU, gelu);
  PATCH(ZC_OP_LEAKY_RELU, leaky);
  PATCH(ZC_OP_TANH, tanh);
  PATCH(ZC_OP_SIGMOID, sigmoid);
}
#else
void zc_fast_avx2_setup(ZcOpClass *ops) {}
#endif
