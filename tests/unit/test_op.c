/* Engine ops: every backward against central finite differences in float64 (relative
 * error < 1e-6), and forwards against naive reference loops.
 * Kinks: ReLU, max pool and L1 are only differentiable away from ties/zero; inputs are
 * N(0,1) draws from fixed streams, so no pre-activation lies within the FD step (1e-5)
 * of a kink -- a fixed seed that passes once passes always. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "test_engine_util.h"

#define TOL 1e-6

static void finish(ZcNet *net, int batch, guint64 seed) {
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, seed);
  double e = tu_grad_check(net, batch, seed);
  if (!(e < TOL)) print_error("relative FD error %g\n", e);
  assert_true(e < TOL);
  zc_net_free(net);
}

static void test_conv_variants(void **state) {
  struct { int c, h, w; ZcConvSpec s; } cases[] = {
    {3, 6, 6, {.out_channels = 4, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1, .bias = TRUE}},
    {4, 7, 6, {.out_channels = 6, .kh = 3, .kw = 2, .stride_h = 2, .stride_w = 1, .pad_h = 1, .pad_w = 0, .dil_h = 2, .groups = 2}},
    {4, 5, 5, {.out_channels = 4, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1, .groups = 4}},
    {3, 4, 4, {.out_channels = 5, .kh = 1, .kw = 1, .bias = TRUE}},
    {3, 8, 8, {.out_channels = 2, .kh = 1, .kw = 1, .stride_h = 2, .stride_w = 2}},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    ZcNet *net = zc_net_new(ZC_F64);
    int x = zc_net_input(net, cases[i].c, cases[i].h, cases[i].w);
    assert_true(zc_net_conv2d_spec(net, x, &cases[i].s, NULL) >= 0);
    finish(net, 3, 10 + i);
  }
}

/* naive direct convolution */
static void conv_ref(const double *x, const double *w, const double *b, int C, int H, int W, const ZcConvSpec *s,
                     int Ho, int Wo, double *y) {
  int G = s->groups ? s->groups : 1, Co = s->out_channels, Cg = C / G, dh = s->dil_h ? s->dil_h : 1,
      dw = s->dil_w ? s->dil_w : 1, sh = s->stride_h ? s->stride_h : 1, sw = s->stride_w ? s->stride_w : 1;
  for (int o = 0; o < Co; o++)
    for (int i = 0; i < Ho; i++)
      for (int j = 0; j < Wo; j++) {
        double acc = b ? b[o] : 0;
        int g = o / (Co / G);
        for (int c = 0; c < Cg; c++)
          for (int u = 0; u < s->kh; u++)
            for (int v = 0; v < s->kw; v++) {
              int ih = i * sh - s->pad_h + u * dh, iw = j * sw - s->pad_w + v * dw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              acc += w[((o * Cg + c) * s->kh + u) * s->kw + v] * x[((g * Cg + c) * H + ih) * W + iw];
            }
        y[(o * Ho + i) * Wo + j] = acc;
      }
}

static void test_conv_forward_reference(void **state) {
  ZcConvSpec s = {.out_channels = 6, .kh = 3, .kw = 2, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 1,
                  .dil_h = 2, .dil_w = 1, .groups = 3, .bias = TRUE};
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 6, 9, 7);
  int c = zc_net_conv2d_spec(net, x, &s, NULL);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 5);
  ZcShape sh;
  zc_net_shape(net, c, &sh);
  assert_int_equal(sh.dims[1], (9 + 4 - 4 - 1) / 2 + 1);
  assert_int_equal(sh.dims[2], (7 + 2 - 1 - 1) / 1 + 1);
  ZcWorkspace *ws = zc_workspace_new(2);
  double *in = tu_randn(ZC_F64, 2 * 6 * 9 * 7, 5, 0);
  assert_true(zc_net_forward(net, ws, in, 2, NULL));
  ZcLayerInfo L;
  zc_net_layer(net, ws, 0, &L);
  const double *y = zc_net_value(net, ws, c);
  double ref[6 * 5 * 8];
  for (int b = 0; b < 2; b++) {
    conv_ref(in + b * 6 * 9 * 7, L.weight, L.bias, 6, 9, 7, &s, sh.dims[1], sh.dims[2], ref);
    for (int i = 0; i < 6 * sh.dims[1] * sh.dims[2]; i++) assert_true(fabs(ref[i] - y[b * 6 * sh.dims[1] * sh.dims[2] + i]) < 1e-12);
  }
  g_free(in);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_depthwise_forward_reference(void **state) {
  ZcConvSpec s = {.out_channels = 5, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 2,
                  .dil_h = 2, .dil_w = 2, .groups = 5, .bias = TRUE};
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input(net, 5, 7, 6);
  int c = zc_net_conv2d_spec(net, x, &s, NULL);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 6);
  ZcShape sh;
  zc_net_shape(net, c, &sh);
  ZcWorkspace *ws = zc_workspace_new(2);
  float *in = tu_randn(ZC_F32, 3 * 5 * 7 * 6, 6, 0);
  assert_true(zc_net_forward(net, ws, in, 3, NULL));
  ZcLayerInfo L;
  zc_net_layer(net, ws, 0, &L);
  gsize on = 5 * sh.dims[1] * sh.dims[2];
  double xin[5 * 7 * 6], w[45], b[5], ref[5 * 4 * 6];
  for (int i = 0; i < 45; i++) w[i] = ((float *) L.weight)[i];
  for (int i = 0; i < 5; i++) b[i] = ((float *) L.bias)[i];
  const float *y = zc_net_value(net, ws, c);
  for (int n = 0; n < 3; n++) {
    for (int i = 0; i < 5 * 7 * 6; i++) xin[i] = in[n * 5 * 7 * 6 + i];
    conv_ref(xin, w, b, 5, 7, 6, &s, sh.dims[1], sh.dims[2], ref);
    for (gsize i = 0; i < on; i++) assert_true(fabs(ref[i] - y[n * on + i]) < 1e-5);
  }
  g_free(in);
  zc_workspace_free(ws);
  zc_net_free(net);
  /* and its backward in float64 */
  net = zc_net_new(ZC_F64);
  x = zc_net_input(net, 5, 7, 6);
  zc_net_conv2d_spec(net, x, &s, NULL);
  finish(net, 3, 7);
}

static void test_conv_transpose(void **state) {
  /* shape, forward against the scatter definition, FD backward */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 4, 5);
  int c = zc_net_conv_transpose2d(net, x, 2, 3, 2, 1, 1, TRUE, NULL);
  ZcShape sh;
  zc_net_shape(net, c, &sh);
  assert_int_equal(sh.dims[0], 2);
  assert_int_equal(sh.dims[1], 3 * 2 - 2 + 3 + 1);
  assert_int_equal(sh.dims[2], 4 * 2 - 2 + 3 + 1);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 8);
  ZcWorkspace *ws = zc_workspace_new(2);
  double *in = tu_randn(ZC_F64, 2 * 60, 8, 0);
  assert_true(zc_net_forward(net, ws, in, 2, NULL));
  ZcLayerInfo L;
  zc_net_layer(net, ws, 0, &L);
  assert_int_equal(L.kind, ZC_LAYER_CONV_TRANSPOSE);
  assert_int_equal(L.out_channels, 2);
  assert_int_equal(L.in_channels, 3);
  const double *W = L.weight, *b = L.bias, *y = zc_net_value(net, ws, c);
  const int Ho = sh.dims[1], Wo = sh.dims[2];
  for (int n = 0; n < 2; n++) {
    double ref[2 * 8 * 10] = {0};
    for (int o = 0; o < 2; o++)
      for (int p = 0; p < Ho * Wo; p++) ref[o * Ho * Wo + p] = b[o];
    for (int ci = 0; ci < 3; ci++)
      for (int ih = 0; ih < 4; ih++)
        for (int iw = 0; iw < 5; iw++)
          for (int o = 0; o < 2; o++)
            for (int i = 0; i < 3; i++)
              for (int j = 0; j < 3; j++) {
                int oh = ih * 2 - 1 + i, ow = iw * 2 - 1 + j;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                ref[(o * Ho + oh) * Wo + ow] += W[((ci * 2 + o) * 3 + i) * 3 + j] * in[n * 60 + (ci * 4 + ih) * 5 + iw];
              }
    for (int k = 0; k < 2 * Ho * Wo; k++) assert_true(fabs(ref[k] - y[n * 2 * Ho * Wo + k]) < 1e-12);
  }
  g_free(in);
  zc_workspace_free(ws);
  finish(net, 3, 9);
}

static void test_decoder_ops(void **state) {
  /* TransNAS-style decoder: conv-BN-LeakyReLU, deconv-BN-LeakyReLU, conv-tanh; and sigmoid */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 3, 3);
  int a = zc_net_leaky_relu(net, zc_net_batchnorm(net, zc_net_conv2d(net, x, 4, 3, 1, 1, FALSE, NULL), TRUE, NULL), 0.2, NULL);
  int b = zc_net_leaky_relu(net, zc_net_batchnorm(net, zc_net_conv_transpose2d(net, a, 3, 3, 2, 1, 1, FALSE, NULL), TRUE, NULL), 0.2, NULL);
  int c = zc_net_tanh(net, zc_net_conv2d(net, b, 2, 3, 1, 1, TRUE, NULL), NULL);
  zc_net_sigmoid(net, c, NULL);
  ZcShape sh;
  zc_net_shape(net, b, &sh);
  assert_int_equal(sh.dims[1], 6);
  finish(net, 3, 12);
  /* forward values */
  net = zc_net_new(ZC_F64);
  x = zc_net_input_vector(net, 3);
  int l = zc_net_leaky_relu(net, x, 0.2, NULL);
  int t = zc_net_tanh(net, x, NULL);
  int s = zc_net_sigmoid(net, x, NULL);
  ZcWorkspace *ws = zc_workspace_new(1);
  double in[3] = {-2, 0.5, 3};
  zc_net_forward(net, ws, in, 1, NULL);
  const double *lv = zc_net_value(net, ws, l), *tv = zc_net_value(net, ws, t), *sv = zc_net_value(net, ws, s);
  assert_true(lv[0] == -0.4 && lv[1] == 0.5);
  assert_true(fabs(tv[2] - tanh(3)) < 1e-15 && fabs(sv[0] - 1 / (1 + exp(2))) < 1e-15);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_linear(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_vector(net, 5);
  assert_true(zc_net_linear(net, x, 3, TRUE, NULL) >= 0);
  finish(net, 4, 20);
  net = zc_net_new(ZC_F64);
  x = zc_net_input_tokens(net, 4, 5);
  assert_true(zc_net_linear(net, x, 6, FALSE, NULL) >= 0);
  finish(net, 3, 21);
}

static void test_batchnorm_modes(void **state) {
  ZcBnMode modes[] = {ZC_BN_BATCH, ZC_BN_RUNNING, ZC_BN_OFF};
  for (int m = 0; m < 3; m++)
    for (int aff = 0; aff < 2; aff++) {
      ZcNet *net = zc_net_new(ZC_F64);
      int x = zc_net_input(net, 3, 4, 4);
      int c = zc_net_conv2d(net, x, 4, 3, 1, 1, FALSE, NULL);
      zc_net_batchnorm(net, c, aff, NULL);
      zc_net_set_bn_mode(net, modes[m]);
      finish(net, 3, 30 + m * 2 + aff);
    }
  /* BN on vectors, batch statistics */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_vector(net, 5);
  int l = zc_net_linear(net, x, 4, TRUE, NULL);
  zc_net_batchnorm(net, l, TRUE, NULL);
  finish(net, 6, 37);
}

static void test_batchnorm_forward_and_running(void **state) {
  /* one channel, batch 4, 1x1: x = 1,2,3,4 -> mean 2.5, biased var 1.25, unbiased 5/3 */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 1, 1, 1);
  int b = zc_net_batchnorm(net, x, TRUE, NULL);
  ZcWorkspace *ws = zc_workspace_new(1);
  double in[4] = {1, 2, 3, 4};
  assert_true(zc_net_forward(net, ws, in, 4, NULL));
  const double *y = zc_net_value(net, ws, b);
  for (int i = 0; i < 4; i++) assert_true(fabs(y[i] - (in[i] - 2.5) / sqrt(1.25 + 1e-5)) < 1e-12);
  assert_true(fabs(zc_net_bn_running_var_mean(net, b) - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-12);
  /* running mode uses running_mean = 0.25, running_var = 0.9 + 1/6 */
  zc_net_set_bn_mode(net, ZC_BN_RUNNING);
  assert_true(zc_net_forward(net, ws, in, 4, NULL));
  y = zc_net_value(net, ws, b);
  assert_true(fabs(y[0] - (1 - 0.25) / sqrt(0.9 + 1.0 / 6 + 1e-5)) < 1e-12);
  assert_true(fabs(zc_net_bn_running_var_mean(net, b) - (0.9 + 1.0 / 6)) < 1e-12);  /* not updated */
  zc_net_set_bn_mode(net, ZC_BN_OFF);
  assert_true(zc_net_forward(net, ws, in, 4, NULL));
  y = zc_net_value(net, ws, b);
  for (int i = 0; i < 4; i++) assert_true(y[i] == in[i]);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_layernorm_gelu_softmax(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_tokens(net, 3, 6);
  int l = zc_net_layernorm(net, x, 1e-6, TRUE, NULL);
  int g = zc_net_gelu(net, l, NULL);
  int f = zc_net_linear(net, g, 4, TRUE, NULL);
  zc_net_softmax(net, f, NULL);
  /* non-trivial LN affine */
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 40);
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo pi;
    zc_net_param(net, i, &pi);
    if (pi.kind == ZC_PARAM_NORM_SCALE || pi.kind == ZC_PARAM_NORM_SHIFT)
      for (gsize k = 0; k < pi.numel; k++) ((double *) pi.data)[k] = 0.5 + 0.1 * k;
  }
  double e = tu_grad_check(net, 2, 40);
  assert_true(e < TOL);
  /* forward reference for LN + GELU on one row */
  ZcWorkspace *ws = zc_workspace_new(1);
  double *in = tu_randn(ZC_F64, 2 * 18, 41, 0);
  zc_net_forward(net, ws, in, 2, NULL);
  const double *lv = zc_net_value(net, ws, l), *gv = zc_net_value(net, ws, g);
  double m = 0, v = 0;
  for (int k = 0; k < 6; k++) m += in[k];
  m /= 6;
  for (int k = 0; k < 6; k++) v += (in[k] - m) * (in[k] - m);
  v /= 6;
  for (int k = 0; k < 6; k++) {
    double ref = (in[k] - m) / sqrt(v + 1e-6) * (0.5 + 0.1 * k) + (0.5 + 0.1 * k);
    assert_true(fabs(lv[k] - ref) < 1e-12);
    assert_true(fabs(gv[k] - 0.5 * ref * (1 + erf(ref / sqrt(2)))) < 1e-12);
  }
  const double *sv = zc_net_value(net, ws, zc_net_output(net));
  assert_true(fabs(sv[0] + sv[1] + sv[2] + sv[3] - 1) < 1e-12);
  g_free(in);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_attention(void **state) {
  /* heads*head_dim (2*3) differs from the embedding (5) */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_tokens(net, 4, 5);
  int p = zc_net_mhsa(net, x, 2, 3, TRUE, NULL);
  assert_true(p >= 0);
  assert_string_equal(zc_net_get_role(net, p), "proj");
  assert_string_equal(zc_net_get_role(net, p - 2), "qkv");
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 50);
  /* forward reference */
  ZcWorkspace *ws = zc_workspace_new(2);
  double *in = tu_randn(ZC_F64, 2 * 20, 50, 0);
  zc_net_forward(net, ws, in, 2, NULL);
  const double *qkv = zc_net_value(net, ws, p - 2), *att = zc_net_value(net, ws, p - 1);
  for (int s = 0; s < 2; s++)
    for (int h = 0; h < 2; h++)
      for (int i = 0; i < 4; i++) {
        double sc[4], mx = -1e300, z = 0;
        for (int j = 0; j < 4; j++) {
          double d = 0;
          for (int k = 0; k < 3; k++) d += qkv[(s * 4 + i) * 18 + h * 3 + k] * qkv[(s * 4 + j) * 18 + 6 + h * 3 + k];
          sc[j] = d / sqrt(3.0);
          mx = fmax(mx, sc[j]);
        }
        for (int j = 0; j < 4; j++) { sc[j] = exp(sc[j] - mx); z += sc[j]; }
        for (int k = 0; k < 3; k++) {
          double o = 0;
          for (int j = 0; j < 4; j++) o += sc[j] / z * qkv[(s * 4 + j) * 18 + 12 + h * 3 + k];
          assert_true(fabs(o - att[(s * 4 + i) * 6 + h * 3 + k]) < 1e-12);
        }
      }
  g_free(in);
  zc_workspace_free(ws);
  double e = tu_grad_check(net, 2, 51);
  assert_true(e < TOL);
  zc_net_free(net);
}

static void test_structural(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 4, 5, 5);
  int a = zc_net_conv2d(net, x, 4, 3, 1, 1, FALSE, NULL);
  int r = zc_net_relu(net, a, NULL);
  int i = zc_net_identity(net, x, NULL);
  int z = zc_net_zero(net, a, NULL);
  int s = zc_net_shift(net, r, 1, 1, NULL);
  int add3[3] = {r, i, z};
  int sum = zc_net_add(net, add3, 3, NULL);
  int cat2[2] = {sum, s};
  int cat = zc_net_concat(net, cat2, 2, NULL);
  int sl = zc_net_slice(net, cat, 2, 5, NULL);
  int f = zc_net_flatten(net, sl, NULL);
  zc_net_linear(net, f, 3, TRUE, NULL);
  finish(net, 2, 60);
  /* DARTS Zero(2) on 5x5: 3x3 zeros */
  net = zc_net_new(ZC_F64);
  x = zc_net_input(net, 2, 5, 5);
  int zs = zc_net_zero_strided(net, x, 2, NULL);
  ZcShape zsh;
  zc_net_shape(net, zs, &zsh);
  assert_int_equal(zsh.dims[1], 3);
  assert_int_equal(zsh.dims[2], 3);
  ZcWorkspace *ws = zc_workspace_new(1);
  double *zin = tu_randn(ZC_F64, 2 * 50, 1, 1);
  assert_true(zc_net_forward(net, ws, zin, 2, NULL));
  for (int k = 0; k < 2 * 18; k++) assert_true(((const double *) zc_net_value(net, ws, zs))[k] == 0);
  g_free(zin);
  zc_workspace_free(ws);
  zc_net_free(net);
  /* errors name the builder and the problem */
  net = zc_net_new(ZC_F64);
  x = zc_net_input(net, 4, 5, 5);
  GError *err = NULL;
  assert_int_equal(zc_net_slice(net, x, 3, 2, &err), -1);
  assert_non_null(strstr(err->message, "slice"));
  g_clear_error(&err);
  int bad[2] = {x, 7};
  assert_int_equal(zc_net_add(net, bad, 2, &err), -1);
  assert_non_null(strstr(err->message, "does not exist"));
  g_clear_error(&err);
  assert_int_equal(zc_net_conv2d(net, x, 4, 7, 1, 0, FALSE, &err), -1);
  g_clear_error(&err);
  zc_net_free(net);
}

static void test_pools(void **state) {
  for (int cip = 0; cip < 2; cip++) {
    ZcNet *net = zc_net_new(ZC_F64);
    int x = zc_net_input(net, 2, 6, 5);
    int a = zc_net_avgpool(net, x, 3, 1, 1, cip, NULL);
    int m = zc_net_maxpool(net, a, 3, 2, 1, NULL);
    int a2 = zc_net_avgpool(net, m, 2, 2, 0, TRUE, NULL);
    zc_net_global_avgpool(net, a2, NULL);
    finish(net, 2, 70 + cip);
  }
  /* hand values: 3x3/pad 1 average of a 2x2 block of ones; corner = 1 or 4/9 */
  for (int cip = 0; cip < 2; cip++) {
    ZcNet *net = zc_net_new(ZC_F64);
    int x = zc_net_input(net, 1, 2, 2);
    int a = zc_net_avgpool(net, x, 3, 1, 1, cip, NULL);
    ZcWorkspace *ws = zc_workspace_new(1);
    double in[4] = {1, 1, 1, 1};
    zc_net_forward(net, ws, in, 1, NULL);
    const double *y = zc_net_value(net, ws, a);
    assert_true(fabs(y[0] - (cip ? 4.0 / 9 : 1.0)) < 1e-15);
    zc_workspace_free(ws);
    zc_net_free(net);
  }
  /* max pool picks the maximum */
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 1, 2, 2);
  int m = zc_net_maxpool(net, x, 2, 2, 0, NULL);
  ZcWorkspace *ws = zc_workspace_new(1);
  double in[4] = {1, 5, -2, 3};
  zc_net_forward(net, ws, in, 1, NULL);
  assert_true(((const double *) zc_net_value(net, ws, m))[0] == 5);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_tokens(void **state) {
  for (int cls = 0; cls < 2; cls++) {
    ZcNet *net = zc_net_new(ZC_F64);
    int x = zc_net_input(net, 3, 4, 4);
    int t = zc_net_patch_embed(net, x, 6, 2, cls, NULL);
    ZcShape sh;
    zc_net_shape(net, t, &sh);
    assert_int_equal(sh.dims[0], 4 + cls);
    assert_int_equal(sh.dims[1], 6);
    int ln = zc_net_layernorm(net, t, 1e-6, TRUE, NULL);
    if (cls) zc_net_token_select(net, ln, NULL);
    else zc_net_token_mean(net, ln, 0, NULL);
    finish(net, 2, 80 + cls);
  }
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 2, 2, 2);
  int t = zc_net_patch_embed(net, x, 4, 1, TRUE, NULL);
  zc_net_token_mean(net, t, 1, NULL);
  finish(net, 2, 82);
}

static void test_factorized_reduce(void **state) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 6, 6);
  int f = zc_net_factorized_reduce(net, x, 4, TRUE, NULL);
  ZcShape sh;
  zc_net_shape(net, f, &sh);
  assert_int_equal(sh.dims[0], 4);
  assert_int_equal(sh.dims[1], 3);
  finish(net, 3, 90);
}

static void test_losses(void **state) {
  /* gradient of each loss against central differences of the loss value */
  ZcLossKind kinds[] = {ZC_LOSS_CE, ZC_LOSS_CE_SOFT, ZC_LOSS_MSE, ZC_LOSS_L1};
  for (int k = 0; k < 4; k++)
    for (int spatial = 0; spatial < 2; spatial++) {
      ZcNet *net = zc_net_new(ZC_F64);
      int x = spatial ? zc_net_input(net, 3, 2, 2) : zc_net_input_vector(net, 3);
      if (spatial) zc_net_conv2d(net, x, 4, 1, 1, 0, TRUE, NULL);
      else zc_net_linear(net, x, 4, TRUE, NULL);
      zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 100 + k);
      const int B = 5, P = spatial ? 4 : 1;
      gsize nout = (gsize) B * 4 * P;
      double *in = tu_randn(ZC_F64, B * zc_net_numel(net, 0), 100, k);
      gint32 labels[20];
      for (int i = 0; i < B * P; i++) labels[i] = (i * 7 + k) % 4;
      double *t = tu_randn(ZC_F64, nout, 101, k);
      if (k == 1)  /* soft labels: rows summing to 1 */
        for (int s = 0; s < B; s++)
          for (int p = 0; p < P; p++) {
            double z = 0;
            for (int c = 0; c < 4; c++) { t[(s * 4 + c) * P + p] = exp(t[(s * 4 + c) * P + p]); z += t[(s * 4 + c) * P + p]; }
            for (int c = 0; c < 4; c++) t[(s * 4 + c) * P + p] /= z;
          }
      const void *target = k == 0 ? (const void *) labels : t;
      ZcWorkspace *ws = zc_workspace_new(1);
      double loss;
      zc_net_forward(net, ws, in, B, NULL);
      assert_true(zc_net_backward_loss(net, ws, kinds[k], target, &loss, 0, NULL));
      ZcParamInfo w;
      zc_net_param(net, 0, &w);
      double *g = g_memdup2(w.grad, w.numel * sizeof(double));
      double num = 0, den = 0;
      for (gsize i = 0; i < w.numel; i++) {
        double v = ((double *) w.data)[i], lp, lm;
        ((double *) w.data)[i] = v + 1e-5;
        zc_net_forward(net, ws, in, B, NULL);
        zc_net_loss(net, ws, kinds[k], target, &lp, NULL);
        ((double *) w.data)[i] = v - 1e-5;
        zc_net_forward(net, ws, in, B, NULL);
        zc_net_loss(net, ws, kinds[k], target, &lm, NULL);
        ((double *) w.data)[i] = v;
        double n = (lp - lm) / 2e-5;
        num += (n - g[i]) * (n - g[i]);
        den += n * n;
      }
      assert_true(sqrt(num / den) < TOL);
      /* value: mean over samples (and positions / elements) */
      zc_net_forward(net, ws, in, B, NULL);
      const double *y = zc_net_value(net, ws, zc_net_output(net));
      double ref = 0;
      for (int s = 0; s < B; s++)
        for (int p = 0; p < P; p++) {
          double mx = -1e300, z = 0;
          for (int c = 0; c < 4; c++) mx = fmax(mx, y[(s * 4 + c) * P + p]);
          for (int c = 0; c < 4; c++) z += exp(y[(s * 4 + c) * P + p] - mx);
          for (int c = 0; c < 4; c++) {
            double yi = y[(s * 4 + c) * P + p], ti = t[(s * 4 + c) * P + p];
            if (k == 0) ref += c == labels[s * P + p] ? -(yi - mx - log(z)) : 0;
            else if (k == 1) ref += -ti * (yi - mx - log(z));
            else if (k == 2) ref += (yi - ti) * (yi - ti);
            else ref += fabs(yi - ti);
          }
        }
      ref /= k < 2 ? B * P : (double) nout;
      double l2;
      zc_net_loss(net, ws, kinds[k], target, &l2, NULL);
      assert_true(fabs(l2 - ref) < 1e-12 * fmax(1, fabs(ref)));
      g_free(g);
      g_free(in);
      g_free(t);
      zc_workspace_free(ws);
      zc_net_free(net);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_conv_variants),
    cmocka_unit_test(test_conv_forward_reference),
    cmocka_unit_test(test_depthwise_forward_reference),
    cmocka_unit_test(test_conv_transpose),
    cmocka_unit_test(test_decoder_ops),
    cmocka_unit_test(test_linear),
    cmocka_unit_test(test_batchnorm_modes),
    cmocka_unit_test(test_batchnorm_forward_and_running),
    cmocka_unit_test(test_layernorm_gelu_softmax),
    cmocka_unit_test(test_attention),
    cmocka_unit_test(test_structural),
    cmocka_unit_test(test_pools),
    cmocka_unit_test(test_tokens),
    cmocka_unit_test(test_factorized_reduce),
    cmocka_unit_test(test_losses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
