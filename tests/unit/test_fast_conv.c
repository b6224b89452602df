/* The "cpu" backend's fast conv2d kernels (core/engine/fast-conv.inc) against the reference
 * backend "cpu-ref": outputs, weight/bias/input gradients (assigned and accumulated) and
 * gradient moments, in float64 (tight) and float32; bit-identity across thread counts;
 * float64 finite differences of the fast backend. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "test_engine_util.h"

typedef struct {
  const char *name;
  int in_c, h, w;
  ZcConvSpec s;
  int batch;
} Case;

/* conv(spec) -> relu -> 3x3 same conv, added to the relu: the relu's gradient is written
 * by the add and then accumulated into by the second conv, the input's is assigned. */
static ZcNet *build(ZcDType dt, const Case *c, int mid) {
  ZcNet *net = zc_net_new(dt);
  int x = zc_net_input(net, c->in_c, c->h, c->w);
  int v = zc_net_conv2d_spec(net, x, &c->s, NULL);
  assert_true(v >= 0);
  int r = zc_net_relu(net, v, NULL);
  int u = zc_net_conv2d(net, r, mid, 3, 1, 1, c->s.bias, NULL);
  int xs[2] = {u, r};
  assert_true(zc_net_add(net, xs, 2, NULL) >= 0);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, 5);
  return net;
}

/* Everything a run produces, in order: output, parameter gradients, input gradient,
 * moments of every layer (as doubles). */
typedef struct {
  GArray *v;  /* double */
  GByteArray *raw;
} Result;

static void put(Result *res, ZcDType dt, const void *p, gsize n) {
  for (gsize i = 0; i < n; i++) {
    double d = zc_get(dt, p, i);
    g_array_append_val(res->v, d);
  }
  g_byte_array_append(res->raw, p, (guint) (n * zc_dtype_size(dt)));
}

static Result run(ZcNet *net, const char *backend, int threads, int batch, gboolean input_grad, int moments) {
  ZcDType dt = zc_net_dtype(net);
  GError *err = NULL;
  ZcWorkspace *ws = zc_workspace_new_backend(backend, threads, &err);
  assert_non_null(ws);
  gsize nin = zc_net_numel(net, 0) * batch, nout = zc_net_numel(net, zc_net_output(net)) * batch;
  void *x = tu_randn(dt, nin, 11, 1), *seed = tu_randn(dt, nout, 11, 2);
  zc_net_set_input_grad(net, input_grad);
  zc_net_set_moments(net, moments);
  assert_true(zc_net_forward(net, ws, x, batch, &err));
  Result res = {g_array_new(FALSE, FALSE, sizeof(double)), g_byte_array_new()};
  put(&res, dt, zc_net_value(net, ws, zc_net_output(net)), nout);
  assert_true(zc_net_backward_seed(net, ws, seed, 0, &err));
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo pi;
    assert_true(zc_net_param(net, i, &pi));
    put(&res, dt, pi.grad, pi.numel);
  }
  if (input_grad) put(&res, dt, zc_net_grad(net, ws, 0), nin);
  for (guint l = 0; moments && l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L = {.struct_size = sizeof L};
    assert_true(zc_net_layer(net, ws, l, &L));
    assert_non_null(L.m1);
    put(&res, ZC_F64, L.m1, L.weight_numel);
    put(&res, ZC_F64, L.mabs, L.weight_numel);
    put(&res, ZC_F64, L.m2, L.weight_numel);
  }
  g_free(x);
  g_free(seed);
  zc_workspace_free(ws);
  return res;
}

static void result_free(Result *r) {
  g_array_free(r->v, TRUE);
  g_byte_array_free(r->raw, TRUE);
}

/* max |a - b| / max |b| */
static double norm_err(const Result *a, const Result *b) {
  assert_int_equal(a->v->len, b->v->len);
  double num = 0, den = 0;
  for (guint i = 0; i < a->v->len; i++) {
    double x = g_array_index(a->v, double, i), y = g_array_index(b->v, double, i);
    num = fmax(num, fabs(x - y));
    den = fmax(den, fabs(y));
  }
  assert_true(den > 0);
  return num / den;
}

static const Case cases[] = {
  {"3x3 pad 1", 5, 9, 7, {.out_channels = 6, .kh = 3, .kw = 3, .pad_h = 1, .pad_w = 1, .bias = TRUE}, 13},
  {"5x5 pad 2", 4, 8, 8, {.out_channels = 5, .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2}, 13},
  {"3x3 dil 2 pad 2", 6, 9, 10, {.out_channels = 4, .kh = 3, .kw = 3, .pad_h = 2, .pad_w = 2, .dil_h = 2, .dil_w = 2,
                                 .bias = TRUE}, 7},
  {"1x3 pad 0,1", 4, 6, 9, {.out_channels = 7, .kh = 1, .kw = 3, .pad_h = 0, .pad_w = 1}, 13},
  {"3x3 no pad", 4, 7, 8, {.out_channels = 4, .kh = 3, .kw = 3, .bias = TRUE}, 5},
  {"4x2 pad 2,0 dil 1,3", 4, 7, 9, {.out_channels = 5, .kh = 4, .kw = 2, .pad_h = 2, .dil_w = 3}, 6},
  {"3x1 over-padded", 4, 5, 5, {.out_channels = 4, .kh = 3, .kw = 1, .pad_h = 3, .pad_w = 2}, 3},
  /* 48x48: several sub-batches per chunk; 37 samples: chunks of 2 and 3 */
  /* maps large enough for the padded-width kernel (waste <= ZC_FC_MAX_WASTE); the small
   * ones above take the dense columns */
  {"5x5 pad 2 64x64", 4, 64, 64, {.out_channels = 5, .kh = 5, .kw = 5, .pad_h = 2, .pad_w = 2}, 5},
  {"3x3 dil 2 pad 2 64x64", 4, 64, 64, {.out_channels = 4, .kh = 3, .kw = 3, .pad_h = 2, .pad_w = 2, .dil_h = 2,
                                         .dil_w = 2}, 5},
  {"1x3 pad 0,1 64x64", 4, 64, 64, {.out_channels = 7, .kh = 1, .kw = 3, .pad_h = 0, .pad_w = 1}, 5},
  {"3x3 no pad 64x64", 4, 64, 64, {.out_channels = 4, .kh = 3, .kw = 3, .bias = TRUE}, 5},
  {"3x3 pad 1 48x48", 4, 48, 48, {.out_channels = 4, .kh = 3, .kw = 3, .pad_h = 1, .pad_w = 1, .bias = TRUE}, 37},
  /* strided kernel (96x96: several sub-batches per chunk) */
  {"stride 2", 4, 8, 8, {.out_channels = 6, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1,
                         .bias = TRUE}, 13},
  {"1x1 stride 2", 5, 9, 8, {.out_channels = 4, .kh = 1, .kw = 1, .stride_h = 2, .stride_w = 2}, 7},
  {"3x2 stride 3,2 dil 2,1 pad 2,1", 4, 10, 9, {.out_channels = 4, .kh = 3, .kw = 2, .stride_h = 3, .stride_w = 2,
                                               .pad_h = 2, .pad_w = 1, .dil_h = 2}, 6},
  {"3x3 stride 2 96x96", 4, 96, 96, {.out_channels = 4, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1,
                                     .pad_w = 1}, 18},
  /* the reference kernel (3 input channels; groups) */
  {"stem", 3, 8, 8, {.out_channels = 4, .kh = 3, .kw = 3, .pad_h = 1, .pad_w = 1}, 5},
  {"groups 2", 4, 6, 6, {.out_channels = 4, .kh = 3, .kw = 3, .pad_h = 1, .pad_w = 1, .groups = 2}, 5},
};

static void compare(ZcDType dt, double tol, gboolean input_grad, int moments) {
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    const Case *c = &cases[k];
    int B = MAX(c->batch, moments);
    ZcNet *net = build(dt, c, c->s.out_channels);
    Result ref = run(net, "cpu-ref", 2, B, input_grad, moments);
    Result fast = run(net, "cpu", 2, B, input_grad, moments);
    double e = norm_err(&fast, &ref);
    if (!(e <= tol)) fail_msg("%s (%s, input grad %d, moments %d): error %g > %g", c->name, dt == ZC_F64 ? "f64" : "f32",
                              input_grad, moments, e, tol);
    result_free(&ref);
    result_free(&fast);
    zc_net_free(net);
  }
}

static void test_f64_vs_ref(void **state) {
  compare(ZC_F64, 1e-12, TRUE, 0);
  compare(ZC_F64, 1e-12, FALSE, 0);
}
static void test_f32_vs_ref(void **state) {
  compare(ZC_F32, 1e-4, TRUE, 0);
  compare(ZC_F32, 1e-4, FALSE, 0);
}
static void test_moments_vs_ref(void **state) {
  compare(ZC_F64, 1e-12, TRUE, 4);
  compare(ZC_F32, 1e-4, FALSE, 4);
}

/* The fast backend gives the same bits on 1 and 3 threads. */
static void test_threads_bit_identical(void **state) {
  for (int dt = 0; dt < ZC_N_DTYPES; dt++)
    for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
      const Case *c = &cases[k];
      ZcNet *net = build((ZcDType) dt, c, c->s.out_channels);
      for (int m = 0; m <= 4; m += 4) {
        Result a = run(net, "cpu", 1, MAX(c->batch, m), TRUE, m), b = run(net, "cpu", 3, MAX(c->batch, m), TRUE, m);
        assert_int_equal(a.raw->len, b.raw->len);
        if (memcmp(a.raw->data, b.raw->data, a.raw->len)) fail_msg("%s dtype %d moments %d: 1 vs 3 threads differ", c->name, dt, m);
        result_free(&a);
        result_free(&b);
      }
      zc_net_free(net);
    }
}

/* Central differences on the fast backend (float64): input and every parameter. */
static void test_fast_finite_differences(void **state) {
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    const Case *c = &cases[k];
    if (c->h * c->w > 100) continue;  /* the large ones only add time */
    const int B = 3;
    ZcNet *net = build(ZC_F64, c, c->s.out_channels);
    double worst = tu_grad_check_on(net, B, 3, "cpu", 2);
    if (!(worst < 1e-6)) fail_msg("%s: finite-difference error %g", c->name, worst);
    zc_net_free(net);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_f64_vs_ref),
    cmocka_unit_test(test_f32_vs_ref),
    cmocka_unit_test(test_moments_vs_ref),
    cmocka_unit_test(test_threads_bit_identical),
    cmocka_unit_test(test_fast_finite_differences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
