/* Whole networks: hand-computed values, float32 vs float64, thread-count independence,
 * per-sample / per-chunk gradient moments against separate runs, sign patterns against
 * brute force, workspace reuse, init, hooks, VJP and HVP. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "test_engine_util.h"

/* relu-conv-bn */
static int rcb(ZcNet *net, int x, int c, int k, int stride) {
  int r = zc_net_relu(net, x, NULL);
  int v = zc_net_conv2d(net, r, c, k, stride, k / 2, FALSE, NULL);
  return zc_net_batchnorm(net, v, TRUE, NULL);
}

/* A small NB201-like network: stem, one cell, a reduction block, GAP, classifier. */
static ZcNet *small_nb201(ZcDType dt, int C, int classes) {
  ZcNet *net = zc_net_new(dt);
  int x = zc_net_input(net, 3, 8, 8);
  int s = zc_net_batchnorm(net, zc_net_conv2d(net, x, C, 3, 1, 1, FALSE, NULL), TRUE, NULL);
  zc_net_add_tags(net, s, ZC_TAG_STEM_OUTPUT);
  int n1 = rcb(net, s, C, 3, 1);
  int a2[2] = {rcb(net, s, C, 1, 1), zc_net_identity(net, n1, NULL)};
  int n2 = zc_net_add(net, a2, 2, NULL);
  int a3[3] = {zc_net_avgpool(net, s, 3, 1, 1, FALSE, NULL), rcb(net, n1, C, 3, 1), zc_net_zero(net, n2, NULL)};
  int n3 = zc_net_add(net, a3, 3, NULL);
  zc_net_add_tags(net, n3, ZC_TAG_BLOCK_OUTPUT);
  int m = rcb(net, rcb(net, n3, 2 * C, 3, 2), 2 * C, 3, 1);
  int sc = zc_net_conv2d(net, zc_net_avgpool(net, n3, 2, 2, 0, TRUE, NULL), 2 * C, 1, 1, 0, FALSE, NULL);
  int rb[2] = {m, sc};
  int r = zc_net_add(net, rb, 2, NULL);
  zc_net_add_tags(net, r, ZC_TAG_BLOCK_OUTPUT);
  int f = zc_net_relu(net, zc_net_batchnorm(net, r, TRUE, NULL), NULL);
  zc_net_add_tags(net, f, ZC_TAG_PRE_GAP);
  int l = zc_net_linear(net, zc_net_global_avgpool(net, f, NULL), classes, TRUE, NULL);
  zc_net_set_role(net, l, "head");
  return net;
}

static GByteArray *run_collect(ZcNet *net, ZcWorkspace *ws, const void *x, int B, const gint32 *lab);

/* A small AutoFormer-like ViT: patch embedding with class token, one pre-LN block
 * (attention with 2 heads of 4 != embed 6, GELU MLP), final LN, head on the class token. */
static ZcNet *small_vit(ZcDType dt, int classes) {
  ZcNet *net = zc_net_new(dt);
  int x = zc_net_input(net, 3, 8, 8);
  int t = zc_net_patch_embed(net, x, 6, 4, TRUE, NULL);
  int a = zc_net_mhsa(net, zc_net_layernorm(net, t, 1e-6, TRUE, NULL), 2, 4, FALSE, NULL);
  int r1[2] = {t, a};
  int h = zc_net_add(net, r1, 2, NULL);
  zc_net_add_tags(net, h, ZC_TAG_BLOCK_OUTPUT);
  int f1 = zc_net_linear(net, zc_net_layernorm(net, h, 1e-6, TRUE, NULL), 9, TRUE, NULL);
  zc_net_set_role(net, f1, "fc1");
  int f2 = zc_net_linear(net, zc_net_gelu(net, f1, NULL), 6, TRUE, NULL);
  zc_net_set_role(net, f2, "fc2");
  int r2[2] = {h, f2};
  int o = zc_net_add(net, r2, 2, NULL);
  zc_net_add_tags(net, o, ZC_TAG_BLOCK_OUTPUT);
  int hd = zc_net_linear(net, zc_net_token_select(net, zc_net_layernorm(net, o, 1e-6, TRUE, NULL), NULL), classes, TRUE, NULL);
  zc_net_set_role(net, hd, "head");
  return net;
}

static void test_whole_nets_finite_differences(void **state) {
  ZcNet *net = small_nb201(ZC_F64, 3, 4);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 71);
  assert_true(tu_grad_check(net, 3, 71) < 1e-6);
  zc_net_set_bn_mode(net, ZC_BN_OFF);
  assert_true(tu_grad_check(net, 2, 72) < 1e-6);
  zc_net_free(net);
  net = small_vit(ZC_F64, 3);
  zc_net_init(net, ZC_INIT_TRUNC_NORMAL, 0.5, 73);
  assert_true(tu_grad_check(net, 2, 73) < 1e-6);
  zc_net_free(net);
}

static void test_vit_threads_moments_patterns(void **state) {
  /* per-sample moments of a ViT against separate runs, bit-identical over threads */
  ZcNet *net = small_vit(ZC_F64, 3);
  zc_net_init(net, ZC_INIT_TRUNC_NORMAL, 0.3, 74);
  const int B = 4;
  double *x = tu_randn(ZC_F64, (gsize) B * 192, 74, 0);
  gint32 lab[4] = {0, 1, 2, 1};
  ZcWorkspace *w1 = zc_workspace_new(1), *w2 = zc_workspace_new(2);
  gsize tot = zc_net_n_layer_weights(net);
  double *m2 = g_new0(double, tot);
  for (int s = 0; s < B; s++) {
    double loss;
    assert_true(zc_net_forward(net, w1, x + (gsize) s * 192, 1, NULL));
    assert_true(zc_net_backward_loss(net, w1, ZC_LOSS_CE, lab + s, &loss, 0, NULL));
    gsize off = 0;
    for (guint i = 0; i < zc_net_n_layers(net); i++) {
      ZcLayerInfo L;
      zc_net_layer(net, w1, i, &L);
      for (gsize e = 0; e < L.weight_numel; e++) m2[off + e] += ((double *) L.weight_grad)[e] * ((double *) L.weight_grad)[e];
      off += L.weight_numel;
    }
  }
  zc_net_set_moments(net, B);
  GByteArray *a = run_collect(net, w1, x, B, lab), *b = run_collect(net, w2, x, B, lab);
  assert_true(a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
  gsize off = 0;
  const char *roles[] = {"patch", "qkv", "proj", "fc1", "fc2", "head"};
  assert_int_equal(zc_net_n_layers(net), 6);
  for (guint i = 0; i < zc_net_n_layers(net); i++) {
    ZcLayerInfo L;
    zc_net_layer(net, w2, i, &L);
    assert_string_equal(L.role, roles[i]);
    for (gsize e = 0; e < L.weight_numel; e++) assert_true(fabs(L.m2[e] - m2[off + e]) <= 1e-12 * fmax(1e-12, m2[off + e]) + 1e-300);
    off += L.weight_numel;
  }
  /* GELU patterns come from the fc1 output (pre-activation) */
  ZcActInfo A;
  assert_int_equal(zc_net_n_acts(net), 1);
  assert_true(zc_net_act(net, w2, 0, &A));
  assert_int_equal(A.kind, ZC_ACT_GELU);
  assert_int_equal(A.units, 5 * 9);
  guint64 pat[45];
  assert_true(zc_net_sign_patterns(net, w2, A.node, B, pat, NULL));
  const double *f1 = A.pre;
  for (int u = 0; u < 45; u++)
    for (int s = 0; s < B; s++) assert_int_equal((int) (pat[u] >> s & 1), f1[s * 45 + u] > 0);
  g_byte_array_unref(a); g_byte_array_unref(b);
  g_free(m2); g_free(x);
  zc_workspace_free(w1); zc_workspace_free(w2);
  zc_net_free(net);
}

static void test_hand_computed_linear_ce(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_vector(net, 2);
  zc_net_linear(net, x, 2, TRUE, NULL);
  ZcParamInfo w, b;
  zc_net_param(net, 0, &w);
  zc_net_param(net, 1, &b);
  double *W = w.data, *B = b.data;
  W[0] = 1; W[1] = 2; W[2] = 3; W[3] = 4; B[0] = 0.5; B[1] = -0.5;
  ZcWorkspace *ws = zc_workspace_new(1);
  double in[2] = {1, 1};
  gint32 lab = 0;
  double loss;
  assert_true(zc_net_forward(net, ws, in, 1, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, &lab, &loss, 0, NULL));
  /* logits 3.5, 6.5: loss = log(1 + e^3); p1 = e^3/(1+e^3) */
  double p1 = exp(3) / (1 + exp(3));
  assert_true(fabs(loss - log(1 + exp(3))) < 1e-14);
  const double *gW = w.grad, *gB = b.grad;
  assert_true(fabs(gW[0] + p1) < 1e-14 && fabs(gW[1] + p1) < 1e-14);
  assert_true(fabs(gW[2] - p1) < 1e-14 && fabs(gW[3] - p1) < 1e-14);
  assert_true(fabs(gB[0] + p1) < 1e-14 && fabs(gB[1] - p1) < 1e-14);
  /* accumulate doubles the gradient */
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, &lab, &loss, ZC_BWD_ACCUMULATE, NULL));
  assert_true(fabs(gB[1] - 2 * p1) < 1e-14);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_hand_computed_conv(void **state) {
  /* 3x3 all-ones kernel, padding 1, on a 3x3 image 1..9: centre = 45, corner = 1+2+4+5 */
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input(net, 1, 3, 3);
  int c = zc_net_conv2d(net, x, 1, 3, 1, 1, FALSE, NULL);
  zc_net_init(net, ZC_INIT_CONSTANT, 1.0, 0);
  ZcWorkspace *ws = zc_workspace_new(1);
  float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_true(zc_net_forward(net, ws, in, 1, NULL));
  const float *y = zc_net_value(net, ws, c);
  assert_true(y[4] == 45 && y[0] == 12 && y[8] == 28);
  /* synflow-style: sum of outputs, all-ones seed: dR/dW = sum over positions of inputs */
  assert_true(zc_net_backward_seed(net, ws, NULL, 0, NULL));
  ZcLayerInfo L;
  zc_net_layer(net, ws, 0, &L);
  assert_true(((float *) L.weight_grad)[4] == 45);       /* centre tap sees every pixel */
  assert_true(((float *) L.weight_grad)[0] == 1 + 2 + 4 + 5);  /* top-left tap */
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_f32_matches_f64(void **state) {
  ZcNet *n32 = small_nb201(ZC_F32, 4, 5), *n64 = small_nb201(ZC_F64, 4, 5);
  zc_net_init(n32, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1, 7);
  zc_net_init(n64, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1, 7);
  const int B = 4;
  gsize nin = (gsize) B * 3 * 64;
  double *x64 = tu_randn(ZC_F64, nin, 7, 1);
  float *x32 = tu_randn(ZC_F32, nin, 7, 1);
  ZcWorkspace *ws = zc_workspace_new(1);
  gint32 lab[4] = {0, 1, 2, 3};
  double l32, l64;
  assert_true(zc_net_forward(n32, ws, x32, B, NULL));
  assert_true(zc_net_backward_loss(n32, ws, ZC_LOSS_CE, lab, &l32, 0, NULL));
  float y32[20];
  memcpy(y32, zc_net_value(n32, ws, zc_net_output(n32)), sizeof y32);
  assert_true(zc_net_forward(n64, ws, x64, B, NULL));
  assert_true(zc_net_backward_loss(n64, ws, ZC_LOSS_CE, lab, &l64, 0, NULL));
  const double *y64 = zc_net_value(n64, ws, zc_net_output(n64));
  double md = 0, mx = 0;
  for (int i = 0; i < 20; i++) { md = fmax(md, fabs(y32[i] - y64[i])); mx = fmax(mx, fabs(y64[i])); }
  assert_true(md < 1e-4 * fmax(mx, 1));
  assert_true(fabs(l32 - l64) < 1e-4 * fabs(l64));
  for (guint i = 0; i < zc_net_n_layers(n64); i++) {
    ZcLayerInfo a, b;
    zc_net_layer(n32, ws, i, &a);
    zc_net_layer(n64, ws, i, &b);
    double num = 0, den = 0;
    for (gsize k = 0; k < a.weight_numel; k++) {
      double d = ((float *) a.weight_grad)[k] - ((double *) b.weight_grad)[k];
      num += d * d; den += ((double *) b.weight_grad)[k] * ((double *) b.weight_grad)[k];
    }
    /* layer 2 feeds only the `zero` op: its gradient is exactly zero in both */
    if (den == 0) assert_true(num == 0);
    else assert_true(sqrt(num / den) < 1e-3);
  }
  g_free(x32); g_free(x64);
  zc_workspace_free(ws);
  zc_net_free(n32); zc_net_free(n64);
}

/* Run forward + CE backward, return a copy of outputs, all param grads and moments. */
static GByteArray *run_collect(ZcNet *net, ZcWorkspace *ws, const void *x, int B, const gint32 *lab) {
  GByteArray *out = g_byte_array_new();
  double loss;
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
  g_byte_array_append(out, (const guint8 *) &loss, sizeof loss);
  int o = zc_net_output(net);
  g_byte_array_append(out, zc_net_value(net, ws, o), zc_net_numel(net, o) * B * zc_dtype_size(zc_net_dtype(net)));
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    zc_net_param(net, i, &p);
    g_byte_array_append(out, p.grad, p.numel * zc_dtype_size(zc_net_dtype(net)));
  }
  for (guint i = 0; i < zc_net_n_layers(net); i++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, i, &L);
    if (L.m1) {
      g_byte_array_append(out, (const guint8 *) L.m1, L.weight_numel * 8);
      g_byte_array_append(out, (const guint8 *) L.m2, L.weight_numel * 8);
    }
  }
  return out;
}

static void test_threads_bit_identical(void **state) {
  for (int mom = 0; mom < 2; mom++) {
    ZcNet *net = small_nb201(ZC_F32, 8, 10);
    zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 3);
    zc_net_set_moments(net, mom ? 6 : 0);
    const int B = 12;
    float *x = tu_randn(ZC_F32, (gsize) B * 3 * 64, 3, 0);
    gint32 lab[12];
    for (int i = 0; i < B; i++) lab[i] = i % 10;
    ZcWorkspace *w1 = zc_workspace_new(1), *w2 = zc_workspace_new(2), *w3 = zc_workspace_new(3);
    zc_net_set_bn_update_running(net, FALSE);
    GByteArray *a = run_collect(net, w1, x, B, lab), *b = run_collect(net, w2, x, B, lab),
               *c = run_collect(net, w3, x, B, lab);
    assert_int_equal(a->len, b->len);
    assert_true(memcmp(a->data, b->data, a->len) == 0);
    assert_true(memcmp(a->data, c->data, a->len) == 0);
    g_byte_array_unref(a); g_byte_array_unref(b); g_byte_array_unref(c);
    zc_workspace_free(w1); zc_workspace_free(w2); zc_workspace_free(w3);
    g_free(x);
    zc_net_free(net);
  }
}

/* OpenBLAS's thread count is process-wide and the program's to set (the zcnas program pins
 * it to 1): the library leaves it as it found it. */
extern int openblas_get_num_threads(void);   /* OpenBLAS (cblas.h's complex.h would take I) */
extern void openblas_set_num_threads(int n);
static void test_openblas_threads_left_alone(void **state) {
  int before = openblas_get_num_threads();
  openblas_set_num_threads(2);
  int set = openblas_get_num_threads();
  if (set < 2) skip();   /* an OpenBLAS built for one thread */
  ZcWorkspace *ws = zc_workspace_new(3);
  zc_workspace_set_threads(ws, 1);
  ZcNet *net = small_nb201(ZC_F32, 4, 10);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 3);
  float *x = tu_randn(ZC_F32, (gsize) 4 * 3 * 64, 3, 0);
  assert_true(zc_net_forward(net, ws, x, 4, NULL));
  assert_int_equal(openblas_get_num_threads(), set);
  g_free(x);
  zc_net_free(net);
  zc_workspace_free(ws);
  openblas_set_num_threads(before);
}

/* Moments with k chunks against k separate runs of each chunk (BN batch mode: ghost
 * statistics; k = B: per-sample gradients). */
static void check_moments(ZcBnMode mode, int B, int K) {
  ZcNet *net = small_nb201(ZC_F64, 4, 5);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 11);
  zc_net_set_bn_mode(net, mode);
  zc_net_set_bn_update_running(net, mode == ZC_BN_BATCH);
  if (mode == ZC_BN_RUNNING) {  /* non-trivial running stats from one batch-mode pass */
    double *xw = tu_randn(ZC_F64, (gsize) 8 * 192, 12, 0);
    ZcWorkspace *w = zc_workspace_new(1);
    zc_net_set_bn_mode(net, ZC_BN_BATCH);
    zc_net_set_bn_update_running(net, TRUE);
    zc_net_forward(net, w, xw, 8, NULL);
    zc_net_set_bn_mode(net, mode);
    zc_net_set_bn_update_running(net, FALSE);
    zc_workspace_free(w);
    g_free(xw);
  }
  double *x = tu_randn(ZC_F64, (gsize) B * 192, 13, 0);
  gint32 lab[64];
  for (int i = 0; i < B; i++) lab[i] = (i * 3) % 5;
  ZcWorkspace *ws = zc_workspace_new(2);
  guint nl = zc_net_n_layers(net);
  /* separate runs */
  gsize tot = zc_net_n_layer_weights(net);
  double *m1 = g_new0(double, tot), *ma = g_new0(double, tot), *m2 = g_new0(double, tot);
  for (int k = 0; k < K; k++) {
    int s0 = k * B / K, s1 = (k + 1) * B / K;
    double loss;
    assert_true(zc_net_forward(net, ws, x + (gsize) s0 * 192, s1 - s0, NULL));
    assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab + s0, &loss, 0, NULL));
    gsize off = 0;
    for (guint i = 0; i < nl; i++) {
      ZcLayerInfo L;
      zc_net_layer(net, ws, i, &L);
      for (gsize e = 0; e < L.weight_numel; e++) {
        double g = ((double *) L.weight_grad)[e];
        m1[off + e] += g; ma[off + e] += fabs(g); m2[off + e] += g * g;
      }
      off += L.weight_numel;
    }
  }
  /* one pass (from the same running statistics) */
  double rv = zc_net_bn_running_var_mean(net, 2);
  if (mode == ZC_BN_BATCH) zc_net_reset_bn_running(net);  /* the separate runs started from 0/1 */
  zc_net_set_moments(net, K);
  double loss;
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
  gsize off = 0;
  double worst = 0;
  for (guint i = 0; i < nl; i++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, i, &L);
    assert_non_null(L.m1);
    assert_int_equal(L.moments_k, K);
    for (gsize e = 0; e < L.weight_numel; e++) {
      double sc = fmax(1e-8, sqrt(m2[off + e]));
      worst = fmax(worst, fabs(L.m1[e] - m1[off + e]) / sc);
      worst = fmax(worst, fabs(L.mabs[e] - ma[off + e]) / sc);
      worst = fmax(worst, fabs(sqrt(L.m2[e]) - sqrt(m2[off + e])) / sc);
      /* the ordinary gradient is the sum over chunks */
      worst = fmax(worst, fabs(((double *) L.weight_grad)[e] - m1[off + e]) / sc);
    }
    off += L.weight_numel;
  }
  assert_true(worst < 1e-10);
  /* BN running statistics updated once per chunk, in order, as by the separate runs */
  assert_true(fabs(zc_net_bn_running_var_mean(net, 2) - rv) < 1e-12);
  g_free(m1); g_free(ma); g_free(m2); g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_moments_per_sample(void **state) { check_moments(ZC_BN_RUNNING, 6, 6); }
static void test_moments_bn_off(void **state) { check_moments(ZC_BN_OFF, 5, 5); }
static void test_moments_chunks_ghost_bn(void **state) { check_moments(ZC_BN_BATCH, 12, 3); check_moments(ZC_BN_BATCH, 10, 4); }

static void test_sign_patterns(void **state) {
  ZcNet *net = small_nb201(ZC_F32, 4, 5);
  zc_net_init(net, ZC_INIT_NORMAL, 1, 21);
  const int B = 40;
  float *x = tu_randn(ZC_F32, (gsize) B * 192, 21, 0);
  ZcWorkspace *ws = zc_workspace_new(2);
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  guint na = zc_net_n_acts(net);
  assert_true(na >= 5);
  guint64 *sets[16];
  gsize lens[16];
  for (guint i = 0; i < na; i++) {
    ZcActInfo A;
    assert_true(zc_net_act(net, ws, i, &A));
    sets[i] = g_new(guint64, A.units);
    lens[i] = A.units;
    assert_true(zc_net_sign_patterns(net, ws, A.node, B, sets[i], NULL));
    /* against the pre-activation, bit by bit */
    const float *pre = A.pre, *post = A.post;
    for (gsize u = 0; u < A.units; u += 7)
      for (int s = 0; s < B; s++) {
        assert_int_equal((int) (sets[i][u] >> s & 1), pre[(gsize) s * A.units + u] > 0);
        assert_true(post[(gsize) s * A.units + u] == fmaxf(pre[(gsize) s * A.units + u], 0));
      }
    /* distinct count vs brute force */
    gsize brute = 0;
    for (gsize u = 0; u < A.units; u++) {
      gboolean seen = FALSE;
      for (gsize v = 0; v < u && !seen; v++) seen = sets[i][v] == sets[i][u];
      brute += !seen;
    }
    assert_int_equal(zc_patterns_count_distinct(sets[i], A.units), brute);
  }
  /* union over all layers vs brute force */
  GHashTable *h = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < na; i++)
    for (gsize u = 0; u < lens[i]; u++) g_hash_table_add(h, &sets[i][u]);
  assert_int_equal(zc_patterns_count_distinct_union((const guint64 *const *) sets, lens, na), g_hash_table_size(h));
  g_hash_table_destroy(h);
  for (guint i = 0; i < na; i++) g_free(sets[i]);
  GError *err = NULL;
  guint64 dummy[1];
  assert_false(zc_net_sign_patterns(net, ws, 1, 65, dummy, &err));
  g_clear_error(&err);
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_workspace_reuse(void **state) {
  ZcNet *a = small_nb201(ZC_F32, 4, 5), *b = small_nb201(ZC_F32, 8, 5);
  zc_net_init(a, ZC_INIT_TORCH_DEFAULT, 1, 1);
  zc_net_init(b, ZC_INIT_TORCH_DEFAULT, 1, 2);
  float *x = tu_randn(ZC_F32, 8 * 192, 1, 0);
  gint32 lab[8] = {0};
  double loss;
  ZcWorkspace *ws = zc_workspace_new(2);
  assert_true(zc_net_forward(b, ws, x, 8, NULL));
  assert_true(zc_net_backward_loss(b, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
  guint g = zc_workspace_grow_count(ws);
  gsize bytes = zc_workspace_bytes(ws);
  zc_net_set_bn_update_running(a, FALSE);
  float ya[40];
  for (int r = 0; r < 3; r++) {
    assert_true(zc_net_forward(a, ws, x, 8, NULL));
    /* nothing leaks from the other network's runs */
    if (r == 0) memcpy(ya, zc_net_value(a, ws, zc_net_output(a)), sizeof ya);
    else assert_true(memcmp(ya, zc_net_value(a, ws, zc_net_output(a)), sizeof ya) == 0);
    /* b's values are gone: its backward must refuse */
    GError *err = NULL;
    assert_false(zc_net_backward_loss(b, ws, ZC_LOSS_CE, lab, &loss, 0, &err));
    assert_non_null(err);
    g_clear_error(&err);
    assert_null(zc_net_value(b, ws, 1));
    assert_true(zc_net_backward_loss(a, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
    assert_true(zc_net_forward(b, ws, x, 4, NULL));
    assert_true(zc_net_backward_loss(b, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
  }
  assert_int_equal(zc_workspace_grow_count(ws), g);
  assert_int_equal(zc_workspace_bytes(ws), bytes);
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(a); zc_net_free(b);
}

static void test_shared_gradient_buffers(void **state) {
  /* sharing gradient memory changes nothing in the results, and saves memory */
  ZcNet *net = small_nb201(ZC_F32, 6, 5);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 81);
  zc_net_set_bn_update_running(net, FALSE);
  const int B = 6;
  float *x = tu_randn(ZC_F32, (gsize) B * 192, 81, 0);
  gint32 lab[6] = {0, 1, 2, 3, 4, 0};
  ZcWorkspace *w1 = zc_workspace_new(2), *w2 = zc_workspace_new(2);
  GByteArray *a = run_collect(net, w1, x, B, lab);
  int relu = 3;
  assert_string_equal(zc_net_op_name(net, relu), "relu");
  assert_null(zc_net_grad(net, w1, relu));
  assert_non_null(zc_net_grad(net, w1, 0));
  zc_net_keep_all_grads(net, TRUE);
  GByteArray *b = run_collect(net, w2, x, B, lab);
  assert_true(a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
  assert_true(zc_workspace_bytes(w1) < zc_workspace_bytes(w2));
  /* a kept ReLU gradient: dL/d(relu out) = dL/d(conv in); compare with the next conv's
   * input gradient computed by hand is too long -- check it is finite and non-zero */
  const float *gr = zc_net_grad(net, w2, relu);
  assert_non_null(gr);
  double norm = 0;
  for (gsize i = 0; i < zc_net_numel(net, relu) * B; i++) norm += gr[i] * gr[i];
  assert_true(norm > 0 && isfinite(norm));
  zc_net_keep_all_grads(net, FALSE);
  zc_net_keep_grad(net, relu);
  GByteArray *c = run_collect(net, w1, x, B, lab);
  assert_true(memcmp(a->data, c->data, a->len) == 0);
  assert_true(memcmp(gr, zc_net_grad(net, w1, relu), zc_net_numel(net, relu) * B * sizeof(float)) == 0);
  /* only the workspace of the latest forward is readable */
  assert_null(zc_net_value(net, w2, 1));
  g_byte_array_unref(a); g_byte_array_unref(b); g_byte_array_unref(c);
  g_free(x);
  zc_workspace_free(w1); zc_workspace_free(w2);
  zc_net_free(net);
}

static void test_init_schemes(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 16, 8, 8);
  int c = zc_net_conv2d(net, x, 64, 3, 1, 1, TRUE, NULL);   /* fan_in 144, fan_out 576 */
  zc_net_batchnorm(net, c, TRUE, NULL);
  ZcParamInfo w, b, g;
  zc_net_param(net, 0, &w);
  zc_net_param(net, 1, &b);
  zc_net_param(net, 2, &g);
  const double *W = w.data;
  struct { ZcInit s; double arg, var; } cases[] = {
    {ZC_INIT_TORCH_DEFAULT, 1, 1.0 / 144 / 3},       /* U(+-1/sqrt(144)) */
    {ZC_INIT_KAIMING_NORMAL_FAN_IN, 1, 2.0 / 144},
    {ZC_INIT_KAIMING_NORMAL_FAN_OUT, 1, 2.0 / 576},
    {ZC_INIT_NORMAL, 1, 1},
    {ZC_INIT_XAVIER_UNIFORM, 1, 6.0 / 720 / 3},
    {ZC_INIT_XAVIER_NORMAL, 1, 2.0 / 720},
    {ZC_INIT_TRUNC_NORMAL, 0.02, 0.0004},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    zc_net_init(net, cases[i].s, cases[i].arg, 99);
    double s2 = 0, mx = 0;
    for (gsize k = 0; k < w.numel; k++) { s2 += W[k] * W[k]; mx = fmax(mx, fabs(W[k])); }
    double var = s2 / w.numel;
    assert_true(fabs(var / cases[i].var - 1) < 0.05);   /* 9216 draws: ~1.5% s.e. */
    if (cases[i].s == ZC_INIT_TORCH_DEFAULT) assert_true(mx <= 1.0 / 12);
    if (cases[i].s == ZC_INIT_TRUNC_NORMAL) assert_true(mx <= 2);
    assert_true(((double *) g.data)[5] == 1.0);
    if (cases[i].s != ZC_INIT_TORCH_DEFAULT) assert_true(((double *) b.data)[3] == 0.0);
  }
  /* same seed -> same values; other seed -> others; values depend on (seed, param, index) only */
  zc_net_init(net, ZC_INIT_NORMAL, 1, 5);
  double w0 = W[17];
  zc_net_init(net, ZC_INIT_NORMAL, 1, 6);
  assert_true(W[17] != w0);
  zc_net_init(net, ZC_INIT_NORMAL, 1, 5);
  assert_true(W[17] == w0);
  assert_true(W[17] == zc_rng_normal_at(zc_rng_subkey(zc_rng_key(5, ZC_RNG_STREAM_INIT), 0), 17));
  /* abs and restore */
  double *copy = g_memdup2(W, w.numel * sizeof(double));
  zc_net_params_abs(net);
  for (gsize k = 0; k < w.numel; k++) assert_true(W[k] == fabs(copy[k]));
  zc_net_params_restore_sign(net);
  assert_true(memcmp(W, copy, w.numel * sizeof(double)) == 0);
  g_free(copy);
  zc_net_init(net, ZC_INIT_CONSTANT, 0.25, 0);
  assert_true(W[100] == 0.25 && ((double *) g.data)[0] == 0.25);
  zc_net_free(net);
}

static void test_hooks(void **state) {
  ZcNet *net = small_nb201(ZC_F32, 4, 5);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 31);
  const int B = 4;
  float *x = tu_randn(ZC_F32, (gsize) B * 192, 31, 0);
  gint32 lab[4] = {1, 2, 3, 4};
  double loss;
  ZcWorkspace *ws = zc_workspace_new(1);
  zc_net_set_input_grad(net, TRUE);
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, NULL));
  assert_non_null(zc_net_grad(net, ws, 0));
  guint nl = zc_net_n_layers(net);
  assert_int_equal(nl, 8);
  int prev = -1;
  for (guint i = 0; i < nl; i++) {
    ZcLayerInfo L;
    assert_true(zc_net_layer(net, ws, i, &L));
    assert_int_equal(L.depth, i);
    assert_true(L.node > prev);  /* execution order */
    prev = L.node;
    assert_true(L.output == zc_net_value(net, ws, L.node));
    assert_true(L.output_grad == zc_net_grad(net, ws, L.node));
    assert_null(L.m1);
    if (i == nl - 1) {
      assert_int_equal(L.kind, ZC_LAYER_LINEAR);
      assert_string_equal(L.role, "head");
      /* head: dL/dW = sum_n dL/da_n x_n^T with a the layer output -- check one entry */
      const float *a_in = zc_net_value(net, ws, L.node - 1), *ga = L.output_grad;
      double ref = 0;
      for (int n = 0; n < B; n++) ref += ga[n * 5 + 2] * a_in[n * L.in_channels + 3];
      assert_true(fabs(((float *) L.weight_grad)[2 * L.in_channels + 3] - ref) < 1e-6);
    } else {
      assert_int_equal(L.kind, ZC_LAYER_CONV);
    }
  }
  /* MACs: stem 3*4*9*64 + n1 4*4*9*64 + 1x1 4*4*64 + 4*4*9*64 + 4*8*9*16 + 8*8*9*16
   *       + shortcut 4*8*16 + head 8*5 */
  assert_true(zc_net_macs(net) == 3 * 4 * 9 * 64 + 4 * 4 * 9 * 64 + 4 * 4 * 64 + 4 * 4 * 9 * 64 + 4 * 8 * 9 * 16 +
                                      8 * 8 * 9 * 16 + 4 * 8 * 16 + 8 * 5);
  char *desc = zc_net_describe(net);
  assert_non_null(strstr(desc, "role=head"));
  assert_non_null(strstr(desc, "conv2d"));
  g_free(desc);
  int tagged[8];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, tagged, 8), 2);
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_PRE_GAP, tagged, 8), 1);
  assert_string_equal(zc_net_op_name(net, tagged[0]), "relu");
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_vjp(void **state) {
  /* vjp between intermediate nodes equals the input gradient of the same sub-chain built
   * as its own network */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 6, 6);
  int a = zc_net_conv2d(net, x, 4, 3, 1, 1, TRUE, NULL);
  int r = zc_net_relu(net, a, NULL);
  int c = zc_net_conv2d(net, r, 5, 3, 2, 1, FALSE, NULL);
  int bn = zc_net_batchnorm(net, c, TRUE, NULL);
  int side = zc_net_identity(net, r, NULL);   /* not on the path a -> bn through side */
  zc_net_global_avgpool(net, side, NULL);
  zc_net_set_output(net, bn);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 41);
  ZcNet *sub = zc_net_new(ZC_F64);
  int sx = zc_net_input(sub, 4, 6, 6);
  zc_net_batchnorm(sub, zc_net_conv2d(sub, zc_net_relu(sub, sx, NULL), 5, 3, 2, 1, FALSE, NULL), TRUE, NULL);
  ZcParamInfo p, q;
  zc_net_param(net, 2, &p);
  zc_net_param(sub, 0, &q);
  memcpy(q.data, p.data, p.numel * sizeof(double));
  const int B = 3;
  double *in = tu_randn(ZC_F64, (gsize) B * 108, 41, 0);
  double *gout = tu_randn(ZC_F64, (gsize) B * 45, 41, 1);
  double *gin = g_new(double, (gsize) B * 144);
  ZcWorkspace *ws = zc_workspace_new(2);
  assert_true(zc_net_forward(net, ws, in, B, NULL));
  double *av = g_memdup2(zc_net_value(net, ws, a), (gsize) B * 144 * sizeof(double));
  assert_true(zc_net_vjp(net, ws, a, bn, gout, gin, NULL));
  assert_true(zc_net_forward(sub, ws, av, B, NULL));
  zc_net_set_input_grad(sub, TRUE);
  assert_true(zc_net_backward_seed(sub, ws, gout, 0, NULL));
  const double *ref = zc_net_grad(sub, ws, 0);
  for (int i = 0; i < B * 144; i++) assert_true(fabs(ref[i] - gin[i]) < 1e-12);
  /* input-only backward leaves parameter gradients alone and gives the same input gradient */
  double *gx = g_memdup2(ref, (gsize) B * 144 * sizeof(double));
  ZcParamInfo sw;
  zc_net_param(sub, 0, &sw);
  double *gw = g_memdup2(sw.grad, sw.numel * sizeof(double));
  double *gout2 = tu_randn(ZC_F64, (gsize) B * 45, 42, 1);
  assert_true(zc_net_backward_seed(sub, ws, gout2, ZC_BWD_NO_PARAMS, NULL));
  assert_true(memcmp(gw, sw.grad, sw.numel * sizeof(double)) == 0);
  assert_true(zc_net_backward_seed(sub, ws, gout, ZC_BWD_NO_PARAMS, NULL));
  assert_true(memcmp(gx, zc_net_grad(sub, ws, 0), (gsize) B * 144 * sizeof(double)) == 0);
  g_free(gx); g_free(gw); g_free(gout2);
  GError *err = NULL;
  assert_false(zc_net_vjp(net, ws, a, bn, gout, gin, &err));   /* workspace now holds `sub` */
  g_clear_error(&err);
  g_free(av); g_free(in); g_free(gout); g_free(gin);
  zc_workspace_free(ws);
  zc_net_free(sub);
  zc_net_free(net);
}

/* Two ReLUs of one input (NB201's edges) share one value: outputs and every gradient are
 * bit-identical to the same network with the second ReLU on a copy of the input, and the
 * workspace is smaller by one activation. */
static ZcNet *two_relu_net(gboolean via_copy) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 6, 6);
  int a = zc_net_relu(net, x, NULL);
  int b = zc_net_relu(net, via_copy ? zc_net_identity(net, x, NULL) : x, NULL);
  int xs[] = {zc_net_conv2d(net, a, 4, 3, 1, 1, FALSE, NULL), zc_net_conv2d(net, b, 4, 3, 1, 1, FALSE, NULL)};
  zc_net_add(net, xs, 2, NULL);
  zc_net_init(net, ZC_INIT_NORMAL, 1.0, 3);
  zc_net_set_input_grad(net, TRUE);
  return net;
}

static void test_shared_elementwise_values(void **state) {
  const int B = 5;
  ZcNet *shared = two_relu_net(FALSE), *copied = two_relu_net(TRUE);
  ZcWorkspace *w1 = zc_workspace_new(1), *w2 = zc_workspace_new(1);
  double *x = tu_randn(ZC_F64, 3 * 36 * B, 1, 1);
  assert_true(zc_net_forward(shared, w1, x, B, NULL) && zc_net_backward_seed(shared, w1, NULL, 0, NULL));
  assert_true(zc_net_forward(copied, w2, x, B, NULL) && zc_net_backward_seed(copied, w2, NULL, 0, NULL));
  gsize n = 4 * 36 * B;
  assert_memory_equal(zc_net_value(shared, w1, zc_net_output(shared)), zc_net_value(copied, w2, zc_net_output(copied)),
                      n * sizeof(double));
  assert_memory_equal(zc_net_grad(shared, w1, 0), zc_net_grad(copied, w2, 0), 3 * 36 * B * sizeof(double));
  for (guint p = 0; p < zc_net_n_param_tensors(shared); p++) {
    ZcParamInfo a, b;
    zc_net_param(shared, p, &a);
    zc_net_param(copied, p, &b);
    assert_memory_equal(a.grad, b.grad, a.numel * sizeof(double));
  }
  /* the second ReLU reads as the first; the copy network holds two more activations */
  assert_ptr_equal(zc_net_value(shared, w1, 2), zc_net_value(shared, w1, 1));
  assert_true(zc_workspace_bytes(w1) + 2 * 3 * 36 * B * sizeof(double) <= zc_workspace_bytes(w2));
  assert_true(tu_grad_check(shared, B, 9) < 1e-6);
  g_free(x);
  zc_workspace_free(w1);
  zc_workspace_free(w2);
  zc_net_free(shared);
  zc_net_free(copied);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shared_elementwise_values),
    cmocka_unit_test(test_hand_computed_linear_ce),
    cmocka_unit_test(test_whole_nets_finite_differences),
    cmocka_unit_test(test_vit_threads_moments_patterns),
    cmocka_unit_test(test_hand_computed_conv),
    cmocka_unit_test(test_f32_matches_f64),
    cmocka_unit_test(test_threads_bit_identical),
    cmocka_unit_test(test_openblas_threads_left_alone),
    cmocka_unit_test(test_moments_per_sample),
    cmocka_unit_test(test_moments_bn_off),
    cmocka_unit_test(test_moments_chunks_ghost_bn),
    cmocka_unit_test(test_sign_patterns),
    cmocka_unit_test(test_workspace_reuse),
    cmocka_unit_test(test_shared_gradient_buffers),
    cmocka_unit_test(test_init_schemes),
    cmocka_unit_test(test_hooks),
    cmocka_unit_test(test_vjp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
