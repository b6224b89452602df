/* zc_net_param_sample_grads: each sample's term of every parameter gradient, checked
 * against that sample run alone at batch 1 (BatchNorm on running statistics: the samples
 * are independent), and, in batch mode, against the batch gradient they must sum to. */
#include "config.h"
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include "test_engine_util.h"

#define B 4

/* conv (stride 2, pad 1, groups 3, bias) -> BN -> ReLU -> conv (dilation 2, groups 2,
 * bias) -> BN -> ReLU -> GAP -> linear (bias): every kind of parameter the function splits */
static ZcNet *conv_net(void) {
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input(net, 3, 9, 9);
  ZcConvSpec a = {.out_channels = 6, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1,
                  .dil_h = 1, .dil_w = 1, .groups = 3, .bias = TRUE};
  ZcConvSpec b = {.out_channels = 4, .kh = 3, .kw = 2, .stride_h = 1, .stride_w = 1, .pad_h = 2, .pad_w = 1,
                  .dil_h = 2, .dil_w = 2, .groups = 2, .bias = TRUE};
  x = zc_net_conv2d_spec(net, x, &a, NULL);
  x = zc_net_relu(net, zc_net_batchnorm(net, x, TRUE, NULL), NULL);
  x = zc_net_conv2d_spec(net, x, &b, NULL);
  x = zc_net_relu(net, zc_net_batchnorm(net, x, TRUE, NULL), NULL);
  x = zc_net_linear(net, zc_net_global_avgpool(net, x, NULL), 5, TRUE, NULL);
  assert_true(x >= 0);
  zc_net_init(net, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1.0, 3);
  /* non-trivial BN affine parameters and running statistics */
  for (guint t = 0; t < zc_net_n_param_tensors(net); t++) {
    ZcParamInfo pi;
    zc_net_param(net, t, &pi);
    if (pi.kind == ZC_PARAM_WEIGHT) continue;
    double *v = tu_randn(ZC_F64, pi.numel, 11, t);
    for (gsize i = 0; i < pi.numel; i++) v[i] = 0.5 + 0.3 * v[i];
    zc_net_write_param(net, t, v);
    g_free(v);
  }
  return net;
}

/* the (tensor, element) pairs of every parameter element */
static guint all_elements(ZcNet *net, guint **tensors, gsize **elements) {
  guint n = 0;
  for (guint t = 0; t < zc_net_n_param_tensors(net); t++) {
    ZcParamInfo pi;
    zc_net_param(net, t, &pi);
    n += (guint)pi.numel;
  }
  *tensors = g_new(guint, n);
  *elements = g_new(gsize, n);
  guint k = 0;
  for (guint t = 0; t < zc_net_n_param_tensors(net); t++) {
    ZcParamInfo pi;
    zc_net_param(net, t, &pi);
    for (gsize e = 0; e < pi.numel; e++, k++) {
      (*tensors)[k] = t;
      (*elements)[k] = e;
    }
  }
  return n;
}

/* the parameter gradient of every element, in all_elements order */
static void read_grads(ZcNet *net, double *g) {
  gsize k = 0;
  for (guint t = 0; t < zc_net_n_param_tensors(net); t++) {
    ZcParamInfo pi;
    zc_net_param(net, t, &pi);
    assert_true(zc_net_read_param(net, t, TRUE, g + k));
    k += pi.numel;
  }
}

static void keep_owner_grads(ZcNet *net) {
  for (guint t = 0; t < zc_net_n_param_tensors(net); t++) {
    ZcParamInfo pi;
    zc_net_param(net, t, &pi);
    zc_net_keep_grad(net, pi.node);
  }
}

static void test_running_matches_batch_one(void **state) {
  (void)state;
  ZcNet *net = conv_net();
  /* running statistics from a forward in batch mode, then frozen */
  ZcWorkspace *ws = zc_workspace_new(1);
  double *x = tu_randn(ZC_F64, (gsize)B * 3 * 81, 5, 0), *R = tu_randn(ZC_F64, (gsize)B * 5, 5, 1);
  zc_net_set_bn_mode(net, ZC_BN_BATCH);
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  zc_net_set_bn_mode(net, ZC_BN_RUNNING);
  zc_net_set_bn_update_running(net, FALSE);
  assert_true(zc_net_bn_running_var_mean(net, 2) != 1.0);

  guint *tensors;
  gsize *elements;
  guint n = all_elements(net, &tensors, &elements);
  double *terms = g_new(double, (gsize)B * n), *g = g_new(double, n);
  /* the way vkdnw runs it: data gradients only, owners' output gradients kept */
  keep_owner_grads(net);
  zc_net_set_input_grad(net, TRUE);
  GError *err = NULL;
  assert_true(zc_net_forward(net, ws, x, B, &err));
  assert_true(zc_net_backward_seed(net, ws, R, ZC_BWD_NO_PARAMS, &err));
  assert_true(zc_net_param_sample_grads(net, ws, n, tensors, elements, terms, &err));
  zc_net_set_input_grad(net, FALSE);
  double worst = 0, scale = 0;
  for (int s = 0; s < B; s++) {
    assert_true(zc_net_forward(net, ws, x + (gsize)s * 3 * 81, 1, NULL));
    assert_true(zc_net_backward_seed(net, ws, R + (gsize)s * 5, 0, NULL));
    read_grads(net, g);
    for (guint k = 0; k < n; k++) {
      worst = fmax(worst, fabs(terms[(gsize)s * n + k] - g[k]));
      scale = fmax(scale, fabs(g[k]));
    }
  }
  print_message("running: %u elements x %d samples, max |term - batch-1 gradient| %.2e (scale %.2e)\n", n, B, worst,
                scale);
  assert_true(scale > 1e-2);
  assert_true(worst <= 1e-12 * scale);
  g_free(terms);
  g_free(g);
  g_free(tensors);
  g_free(elements);
  g_free(x);
  g_free(R);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_batch_mode_terms_sum_to_gradient(void **state) {
  (void)state;
  ZcNet *net = conv_net();
  ZcWorkspace *ws = zc_workspace_new(2);
  double *x = tu_randn(ZC_F64, (gsize)B * 3 * 81, 6, 0), *R = tu_randn(ZC_F64, (gsize)B * 5, 6, 1);
  zc_net_set_bn_mode(net, ZC_BN_BATCH);
  zc_net_set_bn_update_running(net, FALSE);
  keep_owner_grads(net);
  guint *tensors;
  gsize *elements;
  guint n = all_elements(net, &tensors, &elements);
  double *terms = g_new(double, (gsize)B * n), *g = g_new(double, n);
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_seed(net, ws, R, 0, NULL));
  assert_true(zc_net_param_sample_grads(net, ws, n, tensors, elements, terms, NULL));
  read_grads(net, g);
  double worst = 0, scale = 0;
  for (guint k = 0; k < n; k++) {
    double sum = 0;
    for (int s = 0; s < B; s++) sum += terms[(gsize)s * n + k];
    worst = fmax(worst, fabs(sum - g[k]));
    scale = fmax(scale, fabs(g[k]));
  }
  print_message("batch mode: max |sum of terms - gradient| %.2e (scale %.2e)\n", worst, scale);
  assert_true(scale > 1e-2);
  assert_true(worst <= 1e-12 * scale);
  g_free(terms);
  g_free(g);
  g_free(tensors);
  g_free(elements);
  g_free(x);
  g_free(R);
  zc_workspace_free(ws);
  zc_net_free(net);
}

/* linear layers on tokens: the term sums over the sample's tokens */
static void test_tokens_and_refusals(void **state) {
  (void)state;
  ZcNet *net = zc_net_new(ZC_F64);
  int x = zc_net_input_tokens(net, 3, 4);
  x = zc_net_linear(net, x, 5, TRUE, NULL);
  int ln = zc_net_layernorm(net, x, 1e-5, TRUE, NULL);
  x = zc_net_linear(net, zc_net_token_mean(net, ln, 0, NULL), 2, TRUE, NULL);
  assert_true(x >= 0);
  zc_net_init(net, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1.0, 4);
  ZcWorkspace *ws = zc_workspace_new(1);
  double *in = tu_randn(ZC_F64, (gsize)B * 12, 7, 0), *R = tu_randn(ZC_F64, (gsize)B * 2, 7, 1);
  /* tensors 0, 1: the first linear's weight and bias; last two: the head's */
  guint nt = zc_net_n_param_tensors(net);
  guint tensors[4] = {0, 1, nt - 2, nt - 1};
  gsize elements[4] = {7, 3, 9, 1};
  double terms[B * 4], g[64];
  assert_true(zc_net_forward(net, ws, in, B, NULL));
  assert_true(zc_net_backward_seed(net, ws, R, 0, NULL));
  assert_true(zc_net_param_sample_grads(net, ws, 4, tensors, elements, terms, NULL));
  for (int s = 0; s < B; s++) {
    /* sample s alone */
    assert_true(zc_net_forward(net, ws, in + (gsize)s * 12, 1, NULL));
    assert_true(zc_net_backward_seed(net, ws, R + (gsize)s * 2, 0, NULL));
    for (int k = 0; k < 4; k++) {
      assert_true(zc_net_read_param(net, tensors[k], TRUE, g));
      assert_true(fabs(terms[s * 4 + k] - g[elements[k]]) <= 1e-12 * (1 + fabs(g[elements[k]])));
    }
  }
  /* LayerNorm's gamma: not split; an element past the end: refused */
  GError *err = NULL;
  guint t_ln = 2;
  gsize e0 = 0, e_far = 1000;
  assert_true(zc_net_forward(net, ws, in, B, NULL) && zc_net_backward_seed(net, ws, R, 0, NULL));
  assert_false(zc_net_param_sample_grads(net, ws, 1, &t_ln, &e0, terms, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_UNSUPPORTED));
  g_clear_error(&err);
  assert_false(zc_net_param_sample_grads(net, ws, 1, tensors, &e_far, terms, &err));
  assert_non_null(strstr(err->message, "no element 1000"));
  g_clear_error(&err);
  g_free(in);
  g_free(R);
  zc_workspace_free(ws);
  zc_net_free(net);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_running_matches_batch_one),
    cmocka_unit_test(test_batch_mode_terms_sum_to_gradient),
    cmocka_unit_test(test_tokens_and_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
