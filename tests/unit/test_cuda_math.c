/* The CUDA backend's element bodies (core/engine/cuda/ew-math.h), compiled for the host,
 * against the reference backend: each test builds a tiny network, runs it on cpu-ref, and
 * recomputes the same values, gradients, moments or sign patterns from the same inputs
 * with the bodies in a plain loop.  No GPU needed; float32 and float64.
 *
 * Bounds.  The bodies repeat the reference formulas operation by operation, so on the host
 * they agree to the bit (the worst error seen is printed at the end: 0).  The bounds leave
 * room only for what a compiler may legitimately do differently to the two copies of one
 * formula -- fuse an a*b+c into one rounding (an FMA) in one copy and not the other -- which
 * costs a rounding or two along a short chain:
 *   float32: <= 4 ulp per element;
 *   float64: <= 1e-14 relative per element (about 45 ulp; the bound).
 * A wrong formula is far outside (test_a_wrong_body_is_caught, float32 / float64: GELU's tanh
 * form 7e4 ulp / 8e-3, a LayerNorm without its eps 135 ulp / 8e-6; a plain sequential sum
 * instead of sum8 in LayerNorm, 2e-14).  What the bounds do let through is a reassociated
 * product or a folded scale: one rounding, 1 ulp. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "engine/cuda/ew-math.h"
#include "test_engine_util.h"

#define ULP_F32 4
#define REL_F64 1e-14
#define BN_EPS 1e-5        /* build.c's BatchNorm defaults (not in the public API) */
#define BN_MOMENTUM 0.1

static double worst_seen[2];   /* float32 ulps, float64 relative */

static double f32_ordered(const float *p) {   /* the bits as a monotone integer: ulps apart */
  uint32_t u;
  memcpy(&u, p, 4);
  return u >> 31 ? -(double) (u & 0x7fffffffu) : (double) u;
}

/* Worst element error of got against ref: ulps (float32) or relative (float64). */
static double err_of(ZcDType dt, const void *got, const void *ref, gsize n) {
  double e = 0;
  for (gsize i = 0; i < n; i++) {
    double a = zc_get(dt, got, i), b = zc_get(dt, ref, i), d;
    if (a == b) continue;
    if (dt == ZC_F32) d = fabs(f32_ordered((const float *) got + i) - f32_ordered((const float *) ref + i));
    else d = b != 0 ? fabs(a - b) / fabs(b) : INFINITY;
    if (isnan(d) || d > e) e = d;   /* NaN sticks */
  }
  return e;
}
static gboolean within(ZcDType dt, double e) { return e <= (dt == ZC_F32 ? ULP_F32 : REL_F64); }

static void check(const char *what, ZcDType dt, const void *got, const void *ref, gsize n) {
  double e = err_of(dt, got, ref, n);
  int k = dt == ZC_F64;
  if (e > worst_seen[k]) worst_seen[k] = e;
  if (!within(dt, e))
    print_error("%s (%s): error %.3g %s over %zu elements\n", what, k ? "f64" : "f32", e, k ? "relative" : "ulp",
                (size_t) n);
  assert_true(within(dt, e));
}

/* ---- running a network on the reference backend ---- */

typedef struct {
  ZcNet *net;
  ZcWorkspace *ws;
  int batch;
  void *x, *seed;   /* the input and dL/d(output) */
} Run;

/* Forward the input x (NULL: N(0,1) draws; the run takes it) and, if asked, backward a random
 * dL/d(output); every gradient is kept. */
static void run(Run *r, ZcNet *net, int batch, guint64 seed, void *x, gboolean backward) {
  GError *err = NULL;
  ZcDType dt = zc_net_dtype(net);
  r->net = net;
  r->batch = batch;
  r->ws = zc_workspace_new_backend("cpu-ref", 1, &err);
  assert_non_null(r->ws);
  zc_net_set_input_grad(net, TRUE);
  zc_net_keep_all_grads(net, TRUE);
  r->x = x ? x : tu_randn(dt, zc_net_numel(net, 0) * batch, seed, 1);
  r->seed = tu_randn(dt, zc_net_numel(net, zc_net_output(net)) * batch, seed, 2);
  assert_true(zc_net_forward(net, r->ws, r->x, batch, &err));
  if (backward) assert_true(zc_net_backward_seed(net, r->ws, r->seed, 0, &err));
}
static void run_free(Run *r) {
  zc_workspace_free(r->ws);
  g_free(r->x);
  g_free(r->seed);
  zc_net_free(r->net);
}
/* cpu-ref memory is the host's: values and gradients are read in place */
static const void *val(const Run *r, int node) { return zc_net_value(r->net, r->ws, node); }
static const void *grad(const Run *r, int node) {
  const void *g = zc_net_grad(r->net, r->ws, node);
  assert_non_null(g);
  return g;
}
static gsize numel(const Run *r, int node) { return zc_net_numel(r->net, node) * r->batch; }

/* Give every norm gamma / beta random values (init sets 1 / 0, which would hide them). */
static void randomise_norm_params(ZcNet *net, guint64 seed) {
  for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
    ZcParamInfo P;
    zc_net_param(net, p, &P);
    if (P.kind != ZC_PARAM_NORM_SCALE && P.kind != ZC_PARAM_NORM_SHIFT) continue;
    void *v = tu_randn(zc_net_dtype(net), P.numel, seed, 10 + p);
    zc_net_write_param(net, p, v);
    g_free(v);
  }
}
static const void *param_of(ZcNet *net, int node, ZcParamKind kind) {
  for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
    ZcParamInfo P;
    zc_net_param(net, p, &P);
    if (P.node == node && P.kind == kind) return P.data;
  }
  return NULL;
}

enum { ACT_RELU, ACT_GELU, ACT_LEAKY, ACT_TANH, ACT_SIGMOID, N_ACTS };
static const char *const act_names[] = {"relu", "gelu", "leaky relu", "tanh", "sigmoid"};
#define LEAKY_SLOPE 0.1
static int add_act(ZcNet *net, int x, int which) {
  switch (which) {
  case ACT_RELU: return zc_net_relu(net, x, NULL);
  case ACT_GELU: return zc_net_gelu(net, x, NULL);
  case ACT_LEAKY: return zc_net_leaky_relu(net, x, LEAKY_SLOPE, NULL);
  case ACT_TANH: return zc_net_tanh(net, x, NULL);
  default: return zc_net_sigmoid(net, x, NULL);
  }
}

/* BatchNorm ghost groups and moment chunks: group g = samples [g*B/k, (g+1)*B/k) */
static int part_start(int batch, int k, int g) { return (int) ((gint64) g * batch / k); }

/* The per-dtype tests (test_cuda_math.inc), once for float and once for double. */
#define real float
#define T(name) name##_f32
#define EW(name) zc_ew_##name##_f32
#define DT ZC_F32
#include "test_cuda_math.inc"
#undef real
#undef T
#undef EW
#undef DT
#define real double
#define T(name) name##_f64
#define EW(name) zc_ew_##name##_f64
#define DT ZC_F64
#include "test_cuda_math.inc"

#define BOTH(name) cmocka_unit_test(name##_f32), cmocka_unit_test(name##_f64)
int main(void) {
  const struct CMUnitTest tests[] = {
    BOTH(test_activations),   BOTH(test_bn_batch_ghost), BOTH(test_bn_running_and_eval),
    BOTH(test_layernorm),     BOTH(test_softmax),        BOTH(test_pooling),
    BOTH(test_ce_loss),       BOTH(test_moments),        BOTH(test_sign_bits),
    BOTH(test_a_wrong_body_is_caught),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  print_message("worst error seen: float32 %g ulp (bound %d), float64 %g relative (bound %g)\n", worst_seen[0],
                ULP_F32, worst_seen[1], REL_F64);
  return failed;
}
