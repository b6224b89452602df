/* grasp against Hessian-gradient products computed here in float64 on the same batch, with
 * g0 the gradient at W0 (checked against finite differences by grad_norm's test):
 *   along g0: W0^T H g0 = d/ds <W0, grad L(W0 + s g0)>, with a small step (1e-6 in norm),
 *   along W0: W0^T H g0 = g0^T H W0 = d/dt <g0, grad L(W0 (1 + t))> at t = 1e-4 (rescaling
 *             moves no ReLU input across 0 behind batch-statistics BN: smooth),
 * central differences of gradients.  The first is the definition's direction, independent
 * of the proxy's (along W, step 1e-9); both must agree with the proxy.  The engine HVP's
 * step (1e-4 along g) is shown to be further off.  After scoring, the prepared pass is as it
 * was (grasp shares it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define B 8

/* <u, grad L(W0 (1 + t) + s g0)> */
static double grad_dot(ZcNet *net, ZcWorkspace *ws, const void *x, const gint32 *y, const double *W0,
                       const double *g0, double t, double s_, const double *u) {
  gsize off = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    double *w = L.weight;
    for (gsize i = 0; i < L.weight_numel; i++) w[i] = W0[off + i] * (1 + t) + s_ * g0[off + i];
    off += L.weight_numel;
  }
  double loss, s = 0;
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, y, &loss, 0, NULL));
  off = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    const double *g = L.weight_grad;
    for (gsize i = 0; i < L.weight_numel; i++) s += u[off + i] * g[i];
    off += L.weight_numel;
  }
  return s;
}

static void test_grasp_matches_gradient_differences(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 29);
  const char *arch = "c4-d2";
  double *score = harness_score(&h, "grasp", arch, NULL);

  ZcEvalContext *ctx;
  const void *x;
  const gint32 *y;
  ZcNet *net = harness_network(&h, arch, TRUE, ZC_INPUT_REAL, B, &x, &y, &ctx);
  ZcWorkspace *ws = zc_workspace_new(1);
  double loss;
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  assert_true(zc_net_backward_loss(net, ws, ZC_LOSS_CE, y, &loss, 0, NULL));
  gsize nw = zc_net_n_layer_weights(net), off = 0;
  double *W0 = g_new(double, nw), *g0 = g_new(double, nw);
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    memcpy(W0 + off, L.weight, L.weight_numel * sizeof(double));
    memcpy(g0 + off, L.weight_grad, L.weight_numel * sizeof(double));
    off += L.weight_numel;
  }
  /* scaling the weights of a conv layer followed by batch-statistics BN moves no ReLU
   * across its kink, so this difference is smooth: stable to 1e-8 for steps 1e-7..1e-3 */
  double t = 1e-4;
  double want = -(grad_dot(net, ws, x, y, W0, g0, t, 0, g0) - grad_dot(net, ws, x, y, W0, g0, -t, 0, g0)) / (2 * t);
  assert_true(fabs(want) > 1e-6);
  /* the proxy's own step (1e-9) is good to about 2e-5 (see grasp.c): the rounding of the
   * gradients it differences moves it by ~1e-5 between kernels that sum in another order */
  const double tol = 2e-5;
  if (fabs(score[0] - want) > tol * fabs(want)) fail_msg("grasp %.12g, along W %.12g", score[0], want);
  double ng = 0;
  for (gsize i = 0; i < nw; i++) ng += g0[i] * g0[i];
  double e = 1e-6 / sqrt(ng);
  double along_g = -(grad_dot(net, ws, x, y, W0, g0, 0, e, W0) - grad_dot(net, ws, x, y, W0, g0, 0, -e, W0)) / (2 * e);
  if (fabs(score[0] - along_g) > tol * fabs(along_g)) fail_msg("grasp %.12g, along g %.12g", score[0], along_g);
  /* along g0 with the engine HVP's step (1e-4 in norm) some ReLU inputs cross 0 */
  e = 1e-4 / sqrt(ng);
  double big = -(grad_dot(net, ws, x, y, W0, g0, 0, e, W0) - grad_dot(net, ws, x, y, W0, g0, 0, -e, W0)) / (2 * e);
  assert_true(fabs(big - want) > 10 * fabs(score[0] - want));
  g_free(W0);
  g_free(g0);
  g_free(score);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_eval_context_free(ctx);
  harness_clear(&h);
}

static void test_grasp_leaves_pass_shareable(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, "gaussian(classes=4):3x8x8", B, 29);
  /* two grasp instances on one pass: the second reads what the first left */
  double *both = harness_score(&h, "grasp,grasp:step=1e-8", "c4-d2", NULL);
  double *alone = harness_score(&h, "grasp:step=1e-8", "c4-d2", NULL);
  if (both[1] != alone[0]) fail_msg("grasp after grasp %.12g, alone %.12g", both[1], alone[0]);
  g_free(both);
  g_free(alone);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grasp_matches_gradient_differences),
    cmocka_unit_test(test_grasp_leaves_pass_shareable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
