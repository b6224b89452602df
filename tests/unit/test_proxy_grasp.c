/* grasp against a Hessian-gradient product from another direction: with g0 the gradient
 * at W0 (checked against finite differences by grad_norm's test) and H symmetric,
 * W0^T H g0 = g0^T H W0 = d/dt <g0, grad L(W0 (1 + t))> at t = 0, a central difference of
 * gradients along W0 (the engine's HVP differences along g0 instead), in float64 on the
 * same batch.  The proxy's -sum W (.) Hg must match -W0^T H g0.  Also: after scoring, the
 * prepared pass is as it was (grasp shares it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define B 8

/* <g0, grad L(W0 (1 + t))> */
static double grad_dot(ZcNet *net, ZcWorkspace *ws, const void *x, const gint32 *y, const double *W0,
                       const double *g0, double t) {
  gsize off = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    double *w = L.weight;
    for (gsize i = 0; i < L.weight_numel; i++) w[i] = W0[off + i] * (1 + t);
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
    for (gsize i = 0; i < L.weight_numel; i++) s += g0[off + i] * g[i];
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
  double t = 1e-5;
  double want = -(grad_dot(net, ws, x, y, W0, g0, t) - grad_dot(net, ws, x, y, W0, g0, -t)) / (2 * t);
  assert_true(fabs(want) > 1e-6);
  /* The engine's HVP steps 1e-4 (in norm) along g, which moves some ReLU inputs across 0:
   * on this net that costs 0.2% (a step of 1e-5 or less agrees to 1e-8).  1% still catches
   * a wrong sign, layer or factor. */
  if (fabs(score[0] - want) > 1e-2 * fabs(want)) fail_msg("grasp %.9g, gradient differences %.9g", score[0], want);
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
  /* grad_norm on the float32 loss pass, once with grasp:float64=false sharing (and running
   * before it: same spec, grasp does not mutate) and once alone */
  double *both = harness_score(&h, "grasp:float64=false,grad_norm", "c4-d2", NULL);
  double *alone = harness_score(&h, "grad_norm", "c4-d2", NULL);
  if (both[1] != alone[0]) fail_msg("grad_norm after grasp %.9g, alone %.9g", both[1], alone[0]);
  double *ref = harness_score(&h, "grasp", "c4-d2", NULL);
  /* float32 Hg by a 1e-2 step: the same quantity to a few percent at best */
  if (fabs(both[0] - ref[0]) > 0.2 * fabs(ref[0])) fail_msg("float32 grasp %.9g vs float64 %.9g", both[0], ref[0]);
  g_free(both);
  g_free(alone);
  g_free(ref);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_grasp_matches_gradient_differences),
    cmocka_unit_test(test_grasp_leaves_pass_shareable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
