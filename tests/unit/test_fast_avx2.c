/* The "cpu" backend's AVX2 copies of the float norm/activation kernels (fast-avx2.c) give
 * the same bits as the reference ("cpu-ref"): forward values, parameter and input
 * gradients of nets made only of those ops, with moments (ghost-batch BN) on and off. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "test_engine_util.h"

/* (C,H,W): BN (affine) -> ReLU -> BN (no affine) -> GELU -> leaky -> tanh -> sigmoid */
static ZcNet *image_net(void) {
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input(net, 5, 7, 9);
  x = zc_net_relu(net, zc_net_batchnorm(net, x, TRUE, NULL), NULL);
  x = zc_net_gelu(net, zc_net_batchnorm(net, x, FALSE, NULL), NULL);
  x = zc_net_sigmoid(net, zc_net_tanh(net, zc_net_leaky_relu(net, x, 0.1, NULL), NULL), NULL);
  assert_true(x >= 0);
  return net;
}
/* (T,C) tokens: LN -> GELU -> LN (no affine) */
static ZcNet *token_net(void) {
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input_tokens(net, 6, 37);
  x = zc_net_layernorm(net, zc_net_gelu(net, zc_net_layernorm(net, x, 1e-6, TRUE, NULL), NULL), 1e-5, FALSE, NULL);
  assert_true(x >= 0);
  return net;
}

static GByteArray *run(ZcNet *net, const char *backend, int batch, int moments) {
  GError *err = NULL;
  ZcWorkspace *ws = zc_workspace_new_backend(backend, 2, &err);
  assert_non_null(ws);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, 3);
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {  /* gamma/beta away from 1/0 */
    ZcParamInfo pi;
    zc_net_param(net, i, &pi);
    for (gsize k = 0; k < pi.numel; k++) ((float *) pi.data)[k] += 0.25f * (float) sin((double) (k + 7 * i));
  }
  gsize nin = zc_net_numel(net, 0) * batch, nout = zc_net_numel(net, zc_net_output(net)) * batch;
  float *x = tu_randn(ZC_F32, nin, 9, 1), *seed = tu_randn(ZC_F32, nout, 9, 2);
  zc_net_set_input_grad(net, TRUE);
  zc_net_set_moments(net, moments);
  assert_true(zc_net_forward(net, ws, x, batch, &err));
  GByteArray *out = g_byte_array_new();
  g_byte_array_append(out, zc_net_value(net, ws, zc_net_output(net)), (guint) (nout * sizeof(float)));
  assert_true(zc_net_backward_seed(net, ws, seed, 0, &err));
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo pi;
    zc_net_param(net, i, &pi);
    g_byte_array_append(out, pi.grad, (guint) (pi.numel * sizeof(float)));
  }
  g_byte_array_append(out, zc_net_grad(net, ws, 0), (guint) (nin * sizeof(float)));
  g_free(x);
  g_free(seed);
  zc_workspace_free(ws);
  return out;
}

static void same_bits(ZcNet *(*make)(void), int batch, int moments) {
  ZcNet *net = make();
  GByteArray *ref = run(net, "cpu-ref", batch, moments), *fast = run(net, "cpu", batch, moments);
  assert_int_equal(ref->len, fast->len);
  assert_memory_equal(ref->data, fast->data, ref->len);
  g_byte_array_free(ref, TRUE);
  g_byte_array_free(fast, TRUE);
  zc_net_free(net);
}

static void test_image_ops(void **state) {
  same_bits(image_net, 13, 0);
  same_bits(image_net, 13, 4);
}
static void test_token_ops(void **state) { same_bits(token_net, 11, 0); }

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_image_ops),
    cmocka_unit_test(test_token_ops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
