/* The cross-backend harness (after ggml's test-backend-ops): every op, forward and
 * backward, float32 and float64, and every hook a proxy reads -- node values, kept
 * gradients, parameter gradients, gradient moments, sign patterns, vector-Jacobian
 * products -- run on the reference backend ("cpu-ref") and on every other backend of this
 * build from the same network, inputs and parameters, and compared with a normalised
 * error  sum (a - b)^2 / sum b^2  per tensor.  Also: each backend is bit-identical with
 * itself across thread counts.
 *
 * Built twice: test_backend checks every backend this machine can run but cuda;
 * test_backend_cuda (ZC_HARNESS_ONLY="cuda") checks cuda alone, and exits 77 (skipped)
 * where the build has no CUDA backend or no GPU is visible. */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "test_engine_util.h"

/* NMSE bounds: float64 kernels may sum in another order, float32 ones too (ggml: 1e-7) */
#define TOL_F64 1e-20
#define TOL_F32 1e-8

typedef struct {
  const char *name;
  int kind;                       /* 0: image (8, 10, 10); 1: tokens (6, 8) */
  int (*build)(ZcNet *net, int x);
} OpCase;

static ZcConvSpec spec(int out, int kh, int kw, int s, int p, int d, int g, gboolean bias) {
  return (ZcConvSpec){.out_channels = out, .kh = kh, .kw = kw, .stride_h = s, .stride_w = s, .pad_h = p,
                      .pad_w = p, .dil_h = d, .dil_w = d, .groups = g, .bias = bias};
}
static int conv(ZcNet *n, int x, ZcConvSpec s) { return zc_net_conv2d_spec(n, x, &s, NULL); }
static int b_conv3(ZcNet *n, int x) { return conv(n, x, spec(12, 3, 3, 1, 1, 1, 1, FALSE)); }
static int b_conv3_bias(ZcNet *n, int x) { return conv(n, x, spec(6, 3, 3, 1, 1, 1, 1, TRUE)); }
static int b_conv5(ZcNet *n, int x) { return conv(n, x, spec(6, 5, 5, 1, 2, 1, 1, FALSE)); }
static int b_conv_dil(ZcNet *n, int x) { return conv(n, x, spec(6, 3, 3, 1, 2, 2, 1, FALSE)); }
static int b_conv_nopad(ZcNet *n, int x) { return conv(n, x, spec(6, 3, 3, 1, 0, 1, 1, TRUE)); }
static int b_conv_s2(ZcNet *n, int x) { return conv(n, x, spec(10, 3, 3, 2, 1, 1, 1, FALSE)); }
static int b_conv1(ZcNet *n, int x) { return conv(n, x, spec(10, 1, 1, 1, 0, 1, 1, TRUE)); }
static int b_conv_grouped(ZcNet *n, int x) { return conv(n, x, spec(8, 3, 3, 1, 1, 1, 2, FALSE)); }
static int b_conv_dw(ZcNet *n, int x) { return conv(n, x, spec(8, 3, 3, 1, 1, 1, 8, FALSE)); }
static int b_conv_asym(ZcNet *n, int x) {
  ZcConvSpec s = spec(6, 1, 3, 1, 0, 1, 1, FALSE);
  s.pad_w = 1;
  return conv(n, x, s);
}
static int b_convt(ZcNet *n, int x) { return zc_net_conv_transpose2d(n, x, 5, 3, 2, 1, 1, TRUE, NULL); }
static int b_bn(ZcNet *n, int x) { return zc_net_batchnorm(n, b_conv3(n, x), TRUE, NULL); }
static int b_bn_plain(ZcNet *n, int x) { return zc_net_batchnorm(n, x, FALSE, NULL); }
static int b_relu_block(ZcNet *n, int x) {   /* NB201's ReLU-conv-BN */
  return zc_net_batchnorm(n, b_conv3(n, zc_net_relu(n, x, NULL)), TRUE, NULL);
}
static int b_act(ZcNet *n, int x) {
  int a = zc_net_gelu(n, x, NULL), b = zc_net_leaky_relu(n, x, 0.1, NULL);
  int c = zc_net_tanh(n, x, NULL), d = zc_net_sigmoid(n, x, NULL);
  int xs[] = {a, b, c, d};
  return zc_net_add(n, xs, 4, NULL);
}
static int b_struct(ZcNet *n, int x) {
  int a = zc_net_slice(n, x, 2, 4, NULL), b = zc_net_shift(n, zc_net_slice(n, x, 0, 4, NULL), 1, -1, NULL);
  int c = zc_net_zero(n, a, NULL), d = zc_net_identity(n, b, NULL);
  int xs[] = {a, b, c, d};
  int s = zc_net_add(n, xs, 4, NULL);
  int cs[] = {s, zc_net_relu(n, a, NULL)};
  return zc_net_concat(n, cs, 2, NULL);
}
static int b_pool(ZcNet *n, int x) {
  int a = zc_net_avgpool(n, x, 3, 1, 1, FALSE, NULL), b = zc_net_maxpool(n, x, 3, 1, 1, NULL);
  int xs[] = {a, b};
  return zc_net_global_avgpool(n, zc_net_add(n, xs, 2, NULL), NULL);
}
static int b_pool_s2(ZcNet *n, int x) {
  int a = zc_net_avgpool(n, x, 3, 2, 1, TRUE, NULL), b = zc_net_maxpool(n, x, 3, 2, 1, NULL);
  int xs[] = {a, b};
  return zc_net_flatten(n, zc_net_add(n, xs, 2, NULL), NULL);
}
static int b_pool_cip(ZcNet *n, int x) {   /* stride 1 with padding counted, an even window, a wide one */
  int a = zc_net_avgpool(n, x, 3, 1, 1, TRUE, NULL);
  int b = zc_net_avgpool(n, zc_net_avgpool(n, zc_net_avgpool(n, x, 2, 1, 1, FALSE, NULL), 2, 1, 0, FALSE, NULL), 5, 1, 2,
                         FALSE, NULL);
  int c = zc_net_slice(n, a, 0, 8, NULL);
  int s = zc_net_avgpool(n, c, 2, 1, 1, FALSE, NULL);   /* 11 x 11: larger than its input */
  int xs[] = {zc_net_avgpool(n, s, 2, 1, 0, TRUE, NULL), b};
  return zc_net_add(n, xs, 2, NULL);
}
static int b_fr(ZcNet *n, int x) { return zc_net_factorized_reduce(n, x, 10, TRUE, NULL); }
static int b_head(ZcNet *n, int x) { return zc_net_linear(n, zc_net_global_avgpool(n, x, NULL), 7, TRUE, NULL); }
static int b_vit(ZcNet *n, int x) {  /* patch embed, LN, MHSA, MLP, token mean and select */
  int t = zc_net_patch_embed(n, x, 8, 5, TRUE, NULL);
  int h = zc_net_mhsa(n, zc_net_layernorm(n, t, 1e-6, TRUE, NULL), 2, 4, TRUE, NULL);
  int r[] = {t, h};
  t = zc_net_add(n, r, 2, NULL);
  int m = zc_net_linear(n, zc_net_gelu(n, zc_net_linear(n, zc_net_layernorm(n, t, 1e-6, TRUE, NULL), 16, TRUE, NULL), NULL),
                        8, TRUE, NULL);
  int r2[] = {t, m};
  t = zc_net_add(n, r2, 2, NULL);
  int a = zc_net_token_mean(n, t, 1, NULL), b = zc_net_token_select(n, t, NULL);
  int ab[] = {a, b};
  return zc_net_linear(n, zc_net_add(n, ab, 2, NULL), 5, FALSE, NULL);
}
static int b_tokens(ZcNet *n, int x) {  /* softmax, LN without affine, linear on tokens */
  return zc_net_softmax(n, zc_net_layernorm(n, zc_net_linear(n, x, 9, TRUE, NULL), 1e-5, FALSE, NULL), NULL);
}

static const OpCase cases[] = {
  {"conv3x3", 0, b_conv3},          {"conv3x3+bias", 0, b_conv3_bias}, {"conv5x5", 0, b_conv5},
  {"conv dilated", 0, b_conv_dil},  {"conv no pad", 0, b_conv_nopad},   {"conv stride 2", 0, b_conv_s2},
  {"conv1x1", 0, b_conv1},          {"conv grouped", 0, b_conv_grouped}, {"conv depthwise", 0, b_conv_dw},
  {"conv 1x3", 0, b_conv_asym},     {"conv transposed", 0, b_convt},    {"batchnorm", 0, b_bn},
  {"batchnorm plain", 0, b_bn_plain}, {"relu-conv-bn", 0, b_relu_block}, {"activations", 0, b_act},
  {"structure", 0, b_struct},       {"pools", 0, b_pool},               {"pools stride 2", 0, b_pool_s2}, {"pools stride 1", 0, b_pool_cip},
  {"factorized reduce", 0, b_fr},   {"linear head", 0, b_head},         {"vit block", 0, b_vit},
  {"tokens", 1, b_tokens},
};

#define BATCH 7   /* divides no chunk count */

static ZcNet *make_net(const OpCase *c, ZcDType dt) {
  ZcNet *net = zc_net_new(dt);
  int x = c->kind == 0 ? zc_net_input(net, 8, 10, 10) : zc_net_input_tokens(net, 6, 8);
  int y = c->build(net, x);
  assert_true(y > 0);
  zc_net_init(net, ZC_INIT_NORMAL, 0.5, 11);
  zc_net_set_input_grad(net, TRUE);
  zc_net_keep_all_grads(net, TRUE);
  zc_net_set_bn_update_running(net, FALSE);   /* the net must not change between the runs */
  return net;
}

/* Everything a proxy may read after a forward and a backward, copied out. */
typedef struct {
  GPtrArray *t;   /* double* tensors, in a fixed order */
  GArray *len;    /* gsize */
  guint64 *patterns;
  gsize n_patterns;
} Capture;

static void add(Capture *c, ZcDType dt, const void *src, gsize n) {
  double *d = g_new(double, n + 1);
  for (gsize i = 0; i < n; i++) d[i] = zc_get(dt, src, i);
  g_ptr_array_add(c->t, d);
  g_array_append_val(c->len, n);
}

/* retain: what the run keeps (zc_net_set_retain); a value it does not keep must fail to
 * read, and is captured as an empty tensor. */
static void capture(ZcNet *net, const char *backend, int threads, int moments, guint retain, Capture *c) {
  ZcDType dt = zc_net_dtype(net);
  GError *err = NULL;
  ZcWorkspace *ws = zc_workspace_new_backend(backend, threads, &err);
  assert_non_null(ws);
  zc_net_set_moments(net, moments);
  zc_net_set_retain(net, retain);
  gsize nin = zc_net_numel(net, 0) * BATCH, nout = zc_net_numel(net, zc_net_output(net)) * BATCH;
  void *x = tu_randn(dt, nin, 5, 1), *seed = tu_randn(dt, nout, 5, 2);
  assert_true(zc_net_forward(net, ws, x, BATCH, &err));
  c->t = g_ptr_array_new_with_free_func(g_free);
  c->len = g_array_new(FALSE, FALSE, sizeof(gsize));
  /* forward values and sign patterns, before the backward touches anything */
  gsize esz = zc_dtype_size(dt);
  for (int i = 0; i < zc_net_n_nodes(net); i++) {
    gsize n = zc_net_numel(net, i) * BATCH;
    void *v = g_malloc(n * esz);
    gboolean ok = zc_net_read_value(net, ws, i, v, &err);
    assert_true(ok || !(retain & ZC_RETAIN_VALUES));
    /* a pointer only where the arena is host memory; never one the getter would refuse */
    assert_true(ok || !zc_net_value(net, ws, i));
    if (!strcmp(backend, "cpu-staged")) assert_null(zc_net_value(net, ws, i));
    g_clear_error(&err);
    add(c, dt, v, ok ? n : 0);
    g_free(v);
  }
  c->n_patterns = 0;
  c->patterns = NULL;
  for (guint a = 0; a < zc_net_n_acts(net); a++) {
    ZcActInfo A;
    zc_net_act(net, ws, a, &A);
    c->patterns = g_renew(guint64, c->patterns, c->n_patterns + A.units);
    assert_true(zc_net_sign_patterns(net, ws, A.node, BATCH, c->patterns + c->n_patterns, &err));
    c->n_patterns += A.units;
  }
  /* vector-Jacobian product input <- output */
  void *gin = g_malloc(nin * esz);
  assert_true(zc_net_vjp(net, ws, 0, zc_net_output(net), seed, gin, &err));
  add(c, dt, gin, nin);
  g_free(gin);
  /* backward: every kept node gradient, parameter gradients, moments */
  assert_true(zc_net_backward_seed(net, ws, seed, 0, &err));
  for (int i = 0; i < zc_net_n_nodes(net); i++) {
    gsize n = zc_net_numel(net, i) * BATCH;
    void *v = g_malloc(n * esz);
    gboolean ok = zc_net_read_grad(net, ws, i, v, &err);
    assert_true(ok || !(retain & ZC_RETAIN_LAYER_GRADS));
    g_clear_error(&err);
    add(c, dt, v, ok ? n : 0);
    g_free(v);
  }
  for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
    ZcParamInfo P;
    zc_net_param(net, p, &P);
    void *v = g_malloc(P.numel * esz);
    assert_true(zc_net_read_param(net, p, TRUE, v));
    add(c, dt, v, P.numel);
    g_free(v);
  }
  for (guint l = 0; l < zc_net_n_layers(net) && moments; l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    assert_non_null(L.m1);
    add(c, ZC_F64, L.m1, L.weight_numel);
    add(c, ZC_F64, L.mabs, L.weight_numel);
    add(c, ZC_F64, L.m2, L.weight_numel);
  }
  g_free(x);
  g_free(seed);
  zc_workspace_free(ws);
}

static void capture_clear(Capture *c) {
  g_ptr_array_unref(c->t);
  g_array_unref(c->len);
  g_free(c->patterns);
}

static double nmse(const double *a, const double *b, gsize n) {
  double num = 0, den = 0;
  for (gsize i = 0; i < n; i++) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return den > 0 ? num / den : num;
}

/* Worst NMSE over the tensors, and the share of differing sign-pattern bits. */
static double compare(const Capture *a, const Capture *b, double *bits_off) {
  assert_int_equal(a->t->len, b->t->len);
  double worst = 0;
  for (guint i = 0; i < a->t->len; i++) {
    gsize n = g_array_index(a->len, gsize, i), m = g_array_index(b->len, gsize, i);
    assert_true(n == m || n == 0);   /* a: what a run with less retained could read */
    if (n) worst = fmax(worst, nmse(a->t->pdata[i], b->t->pdata[i], n));
  }
  assert_int_equal(a->n_patterns, b->n_patterns);
  gsize off = 0;
  for (gsize i = 0; i < a->n_patterns; i++) off += (gsize)__builtin_popcountll(a->patterns[i] ^ b->patterns[i]);
  *bits_off = a->n_patterns ? (double)off / (a->n_patterns * BATCH) : 0;
  return worst;
}

static gboolean identical(const Capture *a, const Capture *b) {
  for (guint i = 0; i < a->t->len; i++)
    if (g_array_index(a->len, gsize, i) != g_array_index(b->len, gsize, i) || memcmp(a->t->pdata[i], b->t->pdata[i], g_array_index(a->len, gsize, i) * sizeof(double))) return FALSE;
  return a->n_patterns == b->n_patterns && (!a->n_patterns || !memcmp(a->patterns, b->patterns, a->n_patterns * 8));
}

static void test_every_op_every_backend(void **state) {
  for (guint b = 0; zc_backend_name_at(b); b++) {
    const char *be = zc_backend_name_at(b);
#ifdef ZC_HARNESS_ONLY
    if (strcmp(be, ZC_HARNESS_ONLY)) continue;
#else
    if (!strcmp(be, "cuda")) continue;   /* test_backend_cuda */
#endif
    /* the staged backend runs the reference kernels on copies: same bits */
    gboolean exact = !strcmp(be, "cpu-staged");
    for (gsize k = 0; k < G_N_ELEMENTS(cases); k++)
      for (int d = 0; d < 2; d++)
        for (int moments = 0; moments <= 2; moments += 2) {
          ZcDType dt = d ? ZC_F64 : ZC_F32;
          ZcNet *net = make_net(&cases[k], dt);
          Capture ref, got, got3;
          /* the other backend also runs with nothing but what hooks and backward need
           * retained: the shared bytes must change nothing that is still read */
          guint slim = moments ? 0 : ZC_RETAIN_ALL;
          capture(net, "cpu-ref", 1, moments, ZC_RETAIN_ALL, &ref);
          capture(net, be, 1, moments, slim, &got);
          capture(net, be, 3, moments, slim, &got3);
          double bits = 0, e = compare(&got, &ref, &bits);
          double tol = dt == ZC_F64 ? TOL_F64 : TOL_F32;
          if (e > tol || bits > 0.002 || !identical(&got, &got3))
            print_error("%s on %s, %s, moments %d (retain %u): NMSE %.3g (bound %.0e), %.4f of pattern bits differ, "
                        "1 vs 3 threads %s\n",
                        cases[k].name, be, dt == ZC_F64 ? "f64" : "f32", moments, slim, e, tol, bits,
                        identical(&got, &got3) ? "identical" : "DIFFER");
          assert_true(e <= (exact ? 0 : tol));
          assert_true(bits <= (exact ? 0 : 0.002));
          assert_true(identical(&got, &got3));
          capture_clear(&ref);
          capture_clear(&got);
          capture_clear(&got3);
          zc_net_free(net);
        }
  }
}

/* The harness can fail: a perturbed parameter between the two runs is seen. */
static void test_harness_sees_a_difference(void **state) {
  ZcNet *net = make_net(&cases[0], ZC_F32);
  Capture a, b;
  capture(net, "cpu-ref", 1, 0, ZC_RETAIN_ALL, &a);
  ZcParamInfo P;
  zc_net_param(net, 0, &P);
  float *w = g_memdup2(P.data, P.numel * sizeof(float));
  w[3] *= 1.05f;   /* one weight of 864, by 5 % */
  zc_net_write_param(net, 0, w);
  capture(net, "cpu-ref", 1, 0, ZC_RETAIN_ALL, &b);
  double bits;
  assert_true(compare(&a, &b, &bits) > TOL_F32);
  capture_clear(&a);
  capture_clear(&b);
  g_free(w);
  zc_net_free(net);
}

static void test_backend_names(void **state) {
  GError *err = NULL;
  assert_string_equal(zc_backend_default(), "cpu");
  assert_true(zc_backend_check("cpu-ref", NULL));
  assert_null(zc_workspace_new_backend("gpu", 1, &err));
  assert_non_null(strstr(err->message, "backend 'gpu': unknown"));
  g_error_free(err);
  /* cache ids differ: a score computed by one backend is never served for another */
  assert_string_not_equal(zc_backend_cache_id("cpu"), zc_backend_cache_id("cpu-ref"));
  ZcWorkspace *ws = zc_workspace_new_backend("cpu-ref", 1, NULL);
  assert_string_equal(zc_workspace_backend(ws), "cpu-ref");
  zc_workspace_free(ws);
}

int main(void) {
#ifdef ZC_HARNESS_ONLY
  GError *why = NULL;
  gboolean built = FALSE;
  for (guint b = 0; zc_backend_name_at(b); b++) built |= !strcmp(zc_backend_name_at(b), ZC_HARNESS_ONLY);
  if (!built || !zc_backend_check(ZC_HARNESS_ONLY, &why)) {
    printf("skipped: %s\n", built ? why->message : "this build has no " ZC_HARNESS_ONLY " backend (./configure --with-" ZC_HARNESS_ONLY ")");
    g_clear_error(&why);
    return 77;
  }
#endif
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_backend_names),
    cmocka_unit_test(test_harness_sees_a_difference),
    cmocka_unit_test(test_every_op_every_backend),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
