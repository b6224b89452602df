/* NAS-Bench-201 networks built by the nb201 space plugin, loaded through the real loader
 * from the build tree (plugins/spaces/.libs/nb201.so): sizes against the genotype cost
 * and an independent multiply-add count, tags and roles, forward/backward on extreme
 * cells, and cell wiring checked against values computed here from the engine's own
 * intermediate results (identity sums, zero cells, average pooling without padding). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/net.h>
#include <zcnas/registry.h>

#define PLUGIN ZC_TEST_BUILDDIR "/plugins/spaces/.libs/nb201.so"

static ZcRegistry *reg;

static int setup(void **state) {
  GError *err = NULL;
  reg = zc_registry_new();
  if (!zc_registry_load_file(reg, PLUGIN, &err)) {
    fprintf(stderr, "%s\n", err->message);
    g_error_free(err);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  zc_registry_free(reg);
  return 0;
}

/* A space instance with "key=value" options (NULL-terminated). */
static ZcSpace *space_with(const char *const *kv) {
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, "nb201");
  assert_non_null(d);
  GError *err = NULL;
  ZcOptions *o = zc_options_from_strv(d->options, kv, "space 'nb201'", &err);
  if (!o) fail_msg("%s", err->message);
  ZcSpace *s = zc_space_new(d, o, &err);
  if (!s) fail_msg("%s", err->message);
  return s;
}

static ZcSpace *space_for(const char *dataset) {
  char *kv0 = g_strdup_printf("dataset=%s", dataset);
  const char *kv[] = {kv0, NULL};
  ZcSpace *s = space_with(kv);
  g_free(kv0);
  return s;
}

static ZcNet *build(ZcSpace *s, const ZcArch *a, gboolean f64, guint64 seed) {
  ZcBuildSpec spec = {sizeof spec, f64, seed};
  GError *err = NULL;
  ZcNet *net = zc_space_build(s, a, &spec, &err);
  if (!net) fail_msg("%s", err->message);
  return net;
}

static ZcArch *parse(ZcSpace *s, const char *text) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(s, text, &err);
  if (!a) fail_msg("%s", err->message);
  return a;
}

/* Conv and linear multiply-adds of the NB201 skeleton, written out from method.md §8.1. */
static double expected_macs(const char *text, double C, int N, double side, double classes) {
  static const char *const ops[] = {"nor_conv_1x1", "nor_conv_3x3"};
  int n1 = 0, n3 = 0;
  for (const char *p = text; (p = strstr(p, "nor_conv_")); p++) {
    if (!strncmp(p, ops[0], strlen(ops[0]))) n1++;
    if (!strncmp(p, ops[1], strlen(ops[1]))) n3++;
  }
  double m = 3 * 9 * C * side * side;   /* stem */
  double c = C, hw = side * side;
  for (int stage = 0; stage < 3; stage++) {
    if (stage) {
      double co = 2 * c, hwo = hw / 4;
      m += 9 * c * co * hwo + 9 * co * co * hwo + c * co * hwo;   /* conv_a, conv_b, shortcut */
      c = co;
      hw = hwo;
    }
    m += N * (n1 * c * c * hw + n3 * 9 * c * c * hw);
  }
  return m + c * classes;
}

static void test_params_and_macs(void **state) {
  static const struct { const char *ds; double side, classes; } sets[] = {
    {"cifar10", 32, 10}, {"cifar100", 32, 100}, {"imagenet16-120", 16, 120}};
  for (int d = 0; d < 3; d++) {
    ZcSpace *s = space_for(sets[d].ds);
    guint c, h, w, classes;
    zc_space_input_shape(s, &c, &h, &w, &classes);
    assert_int_equal(h, (guint)sets[d].side);
    assert_int_equal(classes, (guint)sets[d].classes);
    for (guint64 idx = d; idx < 15625; idx += 389) {   /* 41 cells per dataset */
      ZcArch *a = zc_space_from_index(s, idx, NULL);
      ZcCost cost;
      assert_true(zc_space_cost(s, a, &cost, NULL));
      ZcNet *net = build(s, a, FALSE, idx);
      char *text = zc_space_format(s, a);
      if ((double)zc_net_n_params(net) != round(cost.params_m * 1e6))
        fail_msg("%s %s: %zu params, cost says %.0f", sets[d].ds, text, zc_net_n_params(net),
                 cost.params_m * 1e6);
      double want = expected_macs(text, 16, 5, sets[d].side, sets[d].classes);
      if (zc_net_macs(net) != want) fail_msg("%s %s: %.0f MACs, expected %.0f", sets[d].ds, text, zc_net_macs(net), want);
      /* the cost's FLOPs add BN/ReLU/pool terms to these multiply-adds, never fewer */
      assert_true(cost.flops_m * 1e6 > want);
      ZcShape sh;
      assert_true(zc_net_shape(net, 0, &sh));
      assert_int_equal(sh.dims[1], (int)sets[d].side);
      assert_true(zc_net_shape(net, zc_net_output(net), &sh));
      assert_int_equal(sh.ndim, 1);
      assert_int_equal(sh.dims[0], (int)sets[d].classes);
      g_free(text);
      zc_net_free(net);
      zc_space_arch_free(s, a);
    }
    zc_space_free(s);
  }
}

static void test_macro_options(void **state) {
  const char *kv[] = {"channels=8", "cells=2", "dataset=cifar100", NULL};
  ZcSpace *s = space_with(kv);
  const char *text = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|";
  ZcArch *a = parse(s, text);
  ZcCost cost;
  assert_true(zc_space_cost(s, a, &cost, NULL));
  ZcNet *net = build(s, a, FALSE, 1);
  assert_true((double)zc_net_n_params(net) == round(cost.params_m * 1e6));
  assert_true(zc_net_macs(net) == expected_macs(text, 8, 2, 32, 100));
  int tagged[16];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, tagged, 16), 3 * 2 + 2);
  ZcShape sh;
  zc_net_shape(net, tagged[7], &sh);
  assert_int_equal(sh.dims[0], 32);   /* 4C in the last stage */
  assert_int_equal(sh.dims[1], 8);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static void test_tags_roles_layers(void **state) {
  ZcSpace *s = space_for("cifar10");
  ZcArch *a = parse(s, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
  ZcNet *net = build(s, a, TRUE, 5);
  assert_int_equal(zc_net_dtype(net), ZC_F64);
  int stem[4], blocks[32], gap[4];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT, stem, 4), 1);
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 32), 17);
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_PRE_GAP, gap, 4), 1);
  assert_string_equal(zc_net_op_name(net, stem[0]), "batchnorm");
  assert_string_equal(zc_net_op_name(net, gap[0]), "relu");
  assert_string_equal(zc_net_op_name(net, blocks[5]), "add");   /* first reduction: shortcut + main */
  /* the stem output is a 16-channel full-resolution map; block 5 and 11 are the reductions */
  ZcShape sh;
  zc_net_shape(net, stem[0], &sh);
  assert_int_equal(sh.dims[0], 16);
  assert_int_equal(sh.dims[1], 32);
  for (int i = 0; i < 17; i++) {
    zc_net_shape(net, blocks[i], &sh);
    int want_c = i < 5 ? 16 : i < 11 ? 32 : 64;
    assert_int_equal(sh.dims[0], want_c);
    assert_int_equal(sh.dims[1], 32 * 16 / want_c);
    if (i) assert_true(blocks[i] > blocks[i - 1]);
  }
  zc_net_shape(net, gap[0], &sh);
  assert_int_equal(sh.ndim, 3);
  assert_int_equal(sh.dims[0], 64);
  assert_int_equal(sh.dims[1], 8);
  assert_true(gap[0] > blocks[16]);
  /* weight layers: stem, 15 cells x 6 convs, 2 x 3 in the reductions, head */
  assert_int_equal(zc_net_n_layers(net), 1 + 90 + 6 + 1);
  ZcLayerInfo L;
  assert_true(zc_net_layer(net, NULL, zc_net_n_layers(net) - 1, &L));
  assert_int_equal(L.kind, ZC_LAYER_LINEAR);
  assert_string_equal(L.role, "head");
  assert_int_equal(L.node, zc_net_output(net));
  assert_int_equal(L.in_channels, 64);
  /* layer 31 = first conv of the first reduction (after stem and 5 x 6 cell convs):
   * 3x3 stride 2 from 16 to 32; then conv_b; then the shortcut's 1x1 */
  assert_true(zc_net_layer(net, NULL, 31, &L));
  assert_int_equal(L.kh, 3);
  assert_int_equal(L.in_channels, 16);
  assert_int_equal(L.out_channels, 32);
  assert_null(L.bias);
  assert_true(zc_net_layer(net, NULL, 32, &L));
  assert_int_equal(L.in_channels, 32);
  assert_true(zc_net_layer(net, NULL, 33, &L));
  assert_int_equal(L.kh, 1);
  assert_int_equal(L.in_channels, 16);
  /* stem layer: 3 -> 16, 3x3, no bias, initialised U(+-1/sqrt(27)) */
  assert_true(zc_net_layer(net, NULL, 0, &L));
  assert_int_equal(L.in_channels, 3);
  assert_null(L.bias);
  double mx = 0, s2 = 0;
  for (gsize i = 0; i < L.weight_numel; i++) {
    double v = ((double *)L.weight)[i];
    mx = fmax(mx, fabs(v));
    s2 += v * v;
  }
  assert_true(mx <= 1 / sqrt(27.0));
  assert_true(fabs(sqrt(s2 / L.weight_numel) - 1 / sqrt(81.0)) < 0.02);   /* uniform: bound/sqrt(3) */
  /* same seed, same weights; another seed, others */
  ZcNet *again = build(s, a, TRUE, 5), *other = build(s, a, TRUE, 6);
  ZcLayerInfo L2, L3;
  zc_net_layer(again, NULL, 40, &L2);
  zc_net_layer(other, NULL, 40, &L3);
  zc_net_layer(net, NULL, 40, &L);
  assert_memory_equal(L.weight, L2.weight, L.weight_numel * sizeof(double));
  assert_memory_not_equal(L.weight, L3.weight, L.weight_numel * sizeof(double));
  zc_net_free(again);
  zc_net_free(other);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static void *randn(ZcDType dt, gsize n, guint64 seed) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, 99);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

/* forward, then backward of the cross-entropy; every output, the loss and every
 * parameter gradient finite */
static void run_checked(ZcSpace *s, ZcNet *net, ZcWorkspace *ws, int batch) {
  guint c, h, w, classes;
  zc_space_input_shape(s, &c, &h, &w, &classes);
  ZcDType dt = zc_net_dtype(net);
  void *x = randn(dt, (gsize)batch * c * h * w, 7);
  gint32 labels[8];
  for (int i = 0; i < batch; i++) labels[i] = (gint32)((i * 7) % classes);
  GError *err = NULL;
  if (!zc_net_forward(net, ws, x, batch, &err)) fail_msg("%s", err->message);
  int out = zc_net_output(net);
  assert_int_equal(zc_net_numel(net, out), classes);
  const void *y = zc_net_value(net, ws, out);
  for (gsize i = 0; i < (gsize)batch * classes; i++) assert_true(isfinite(zc_get(dt, y, i)));
  double loss = NAN;
  if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
  assert_true(isfinite(loss) && loss > 0);
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    assert_true(zc_net_param(net, i, &p));
    for (gsize k = 0; k < p.numel; k++) assert_true(isfinite(zc_get(dt, p.grad, k)));
  }
  g_free(x);
}

static void test_forward_backward(void **state) {
  static const char *const archs[] = {
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
  };
  ZcWorkspace *ws = zc_workspace_new(2);
  ZcSpace *s = space_for("cifar10");
  for (guint i = 0; i < G_N_ELEMENTS(archs); i++) {
    ZcArch *a = parse(s, archs[i]);
    ZcNet *net = build(s, a, FALSE, i);
    run_checked(s, net, ws, 4);
    ZcParamInfo head_w;
    /* the head weight is the second-to-last tensor; a gradient reaches it unless every
     * cell is cut (all none) */
    assert_true(zc_net_param(net, zc_net_n_param_tensors(net) - 2, &head_w));
    double g2 = 0;
    for (gsize k = 0; k < head_w.numel; k++) g2 += pow(zc_get(ZC_F32, head_w.grad, k), 2);
    if (i == 0) assert_true(g2 == 0);
    else assert_true(g2 > 0);
    zc_net_free(net);
    zc_space_arch_free(s, a);
  }
  zc_space_free(s);
  /* ImageNet16-120 in double precision */
  s = space_for("imagenet16-120");
  ZcArch *a = parse(s, archs[3]);
  ZcNet *net = build(s, a, TRUE, 3);
  run_checked(s, net, ws, 4);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
  zc_workspace_free(ws);
}

/* Cells whose output does not depend on their input: every block output is exactly zero
 * (BN of a zero map is its shift, 0 at init), so the logits are the head bias. */
static void test_zero_cells(void **state) {
  static const char *const archs[] = {
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    /* convs inside, but node 3 receives nothing */
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|none~1|none~2|",
  };
  ZcWorkspace *ws = zc_workspace_new(1);
  ZcSpace *s = space_for("cifar100");
  for (guint i = 0; i < G_N_ELEMENTS(archs); i++) {
    ZcArch *a = parse(s, archs[i]);
    ZcNet *net = build(s, a, FALSE, 11);
    void *x = randn(ZC_F32, 4 * 3 * 32 * 32, 1);
    assert_true(zc_net_forward(net, ws, x, 4, NULL));
    int blocks[32], stem;
    assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 32), 17);
    zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT, &stem, 1);
    double stem_abs = 0;
    const float *sv = zc_net_value(net, ws, stem);
    for (gsize k = 0; k < 4 * zc_net_numel(net, stem); k++) stem_abs += fabs(sv[k]);
    assert_true(stem_abs > 0);
    for (int b = 0; b < 17; b++) {
      const float *v = zc_net_value(net, ws, blocks[b]);
      for (gsize k = 0; k < 4 * zc_net_numel(net, blocks[b]); k++)
        if (v[k] != 0) fail_msg("%s: block %d element %zu is %g", archs[i], b, k, v[k]);
    }
    ZcParamInfo bias;
    assert_true(zc_net_param(net, zc_net_n_param_tensors(net) - 1, &bias));
    assert_int_equal(bias.kind, ZC_PARAM_BIAS);
    const float *y = zc_net_value(net, ws, zc_net_output(net));
    for (int n = 0; n < 4; n++) assert_memory_equal(y + n * 100, bias.data, 100 * sizeof(float));
    if (i == 1) {
      /* the first cell's conv on edge 0->1 still sees the stem output */
      ZcLayerInfo L;
      assert_true(zc_net_layer(net, ws, 1, &L));
      double o = 0;
      for (gsize k = 0; k < 4 * L.out_channels * L.out_spatial; k++) o += fabs(((const float *)L.output)[k]);
      assert_true(o > 0);
    }
    g_free(x);
    zc_net_free(net);
    zc_space_arch_free(s, a);
  }
  zc_space_free(s);
  zc_workspace_free(ws);
}

/* All skip: node1 = x, node2 = x + x, node3 = x + node1 + node2 = 4x exactly. */
static void test_skip_cells_sum(void **state) {
  ZcWorkspace *ws = zc_workspace_new(1);
  ZcSpace *s = space_for("cifar10");
  ZcArch *a = parse(s, "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|");
  ZcNet *net = build(s, a, TRUE, 2);
  void *x = randn(ZC_F64, 2 * 3 * 32 * 32, 3);
  assert_true(zc_net_forward(net, ws, x, 2, NULL));
  int blocks[17], prev;
  zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT, &prev, 1);
  zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 17);
  for (int b = 0; b < 17; b++) {
    if (b == 5 || b == 11) { prev = blocks[b]; continue; }   /* reductions */
    const double *in = zc_net_value(net, ws, prev), *out = zc_net_value(net, ws, blocks[b]);
    for (gsize k = 0; k < 2 * zc_net_numel(net, prev); k++) assert_true(out[k] == 4 * in[k]);
    prev = blocks[b];
  }
  g_free(x);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
  zc_workspace_free(ws);
}

/* 3x3 average, stride 1, padding 1, count_include_pad = False, computed here. */
static void avgpool_ref(const double *x, double *y, int C, int H, int W) {
  for (int c = 0; c < C; c++)
    for (int i = 0; i < H; i++)
      for (int j = 0; j < W; j++) {
        double s = 0;
        int n = 0;
        for (int di = -1; di <= 1; di++)
          for (int dj = -1; dj <= 1; dj++) {
            int u = i + di, v = j + dj;
            if (u < 0 || v < 0 || u >= H || v >= W) continue;
            s += x[(c * H + u) * W + v];
            n++;
          }
        y[(c * H + i) * W + j] = s / n;
      }
}

/* node1 = P(x), node2 = x + P(node1), node3 = P(x) + node2 (edge 1->3 none). */
static void test_pool_cell_reference(void **state) {
  ZcWorkspace *ws = zc_workspace_new(1);
  ZcSpace *s = space_for("imagenet16-120");
  ZcArch *a = parse(s, "|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|none~1|skip_connect~2|");
  ZcNet *net = build(s, a, TRUE, 4);
  void *x = randn(ZC_F64, 2 * 3 * 16 * 16, 5);
  assert_true(zc_net_forward(net, ws, x, 2, NULL));
  int stem, blocks[17];
  zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT, &stem, 1);
  zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 17);
  const int C = 16, H = 16, W = 16, n = C * H * W;
  double *p1 = g_new(double, n), *n1 = g_new(double, n), *pn1 = g_new(double, n);
  for (int smp = 0; smp < 2; smp++) {
    const double *in = (const double *)zc_net_value(net, ws, stem) + smp * n;
    const double *out = (const double *)zc_net_value(net, ws, blocks[0]) + smp * n;
    avgpool_ref(in, p1, C, H, W);
    memcpy(n1, p1, n * sizeof(double));
    avgpool_ref(n1, pn1, C, H, W);
    double err = 0, ref = 0;
    for (int k = 0; k < n; k++) {
      double want = p1[k] + (in[k] + pn1[k]);
      err = fmax(err, fabs(out[k] - want));
      ref = fmax(ref, fabs(want));
    }
    assert_true(ref > 0.1);
    assert_true(err <= 1e-12 * ref);
  }
  g_free(p1);
  g_free(n1);
  g_free(pn1);
  g_free(x);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
  zc_workspace_free(ws);
}

/* Direct convolution of one sample, no bias. */
static void conv_ref(const double *x, int C, int H, int W, const double *w, int O, int k, int stride, int pad,
                     double *y, int Ho, int Wo) {
  for (int o = 0; o < O; o++)
    for (int i = 0; i < Ho; i++)
      for (int j = 0; j < Wo; j++) {
        double s = 0;
        for (int c = 0; c < C; c++)
          for (int u = 0; u < k; u++)
            for (int v = 0; v < k; v++) {
              int hi = i * stride - pad + u, wi = j * stride - pad + v;
              if (hi < 0 || wi < 0 || hi >= H || wi >= W) continue;
              s += w[((o * C + c) * k + u) * k + v] * x[(c * H + hi) * W + wi];
            }
        y[(o * Ho + i) * Wo + j] = s;
      }
}

/* Training-mode BatchNorm with weight 1, bias 0 (the initial values), over N samples. */
static void bn_ref(const double *x, int N, int C, int HW, double *y) {
  for (int c = 0; c < C; c++) {
    double m = 0, v = 0;
    for (int n = 0; n < N; n++)
      for (int k = 0; k < HW; k++) m += x[(n * C + c) * HW + k];
    m /= N * HW;
    for (int n = 0; n < N; n++)
      for (int k = 0; k < HW; k++) v += pow(x[(n * C + c) * HW + k] - m, 2);
    v /= N * HW;
    for (int n = 0; n < N; n++)
      for (int k = 0; k < HW; k++) y[(n * C + c) * HW + k] = (x[(n * C + c) * HW + k] - m) / sqrt(v + 1e-5);
  }
}

static double max_rel_err(const double *a, const double *b, gsize n) {
  double e = 0, r = 0;
  for (gsize k = 0; k < n; k++) {
    e = fmax(e, fabs(a[k] - b[k]));
    r = fmax(r, fabs(b[k]));
  }
  return r > 0 ? e / r : INFINITY;
}

/* The first reduction block recomputed from its input: ReLU-conv3x3 s2-BN, ReLU-conv3x3-BN,
 * plus avgpool 2x2 s2 - conv1x1. */
static void test_reduction_reference(void **state) {
  ZcWorkspace *ws = zc_workspace_new(2);
  const char *kv[] = {"dataset=imagenet16-120", "channels=4", "cells=1", NULL};
  ZcSpace *s = space_with(kv);
  ZcArch *a = parse(s, "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|skip_connect~2|");
  ZcNet *net = build(s, a, TRUE, 8);
  const int N = 3, C = 4, H = 16, O = 8, Ho = 8;
  void *x = randn(ZC_F64, N * 3 * H * H, 9);
  assert_true(zc_net_forward(net, ws, x, N, NULL));
  int blocks[5];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 5), 5);
  const double *in = zc_net_value(net, ws, blocks[0]), *out = zc_net_value(net, ws, blocks[1]);
  /* layers: stem, cell (conv1x1, conv3x3), then conv_a, conv_b, shortcut */
  ZcLayerInfo La, Lb, Ls;
  assert_true(zc_net_layer(net, ws, 3, &La) && zc_net_layer(net, ws, 4, &Lb) && zc_net_layer(net, ws, 5, &Ls));
  assert_int_equal(La.kh, 3);
  assert_int_equal(Ls.kh, 1);
  double *r = g_new(double, C * H * H), *ya = g_new(double, N * O * Ho * Ho), *ba = g_new(double, N * O * Ho * Ho);
  double *yb = g_new(double, N * O * Ho * Ho), *bb = g_new(double, N * O * Ho * Ho);
  double *pool = g_new(double, C * Ho * Ho), *ys = g_new(double, N * O * Ho * Ho);
  for (int n = 0; n < N; n++) {
    const double *xi = in + n * C * H * H;
    for (int k = 0; k < C * H * H; k++) r[k] = fmax(xi[k], 0);
    conv_ref(r, C, H, H, La.weight, O, 3, 2, 1, ya + n * O * Ho * Ho, Ho, Ho);
    for (int c = 0; c < C; c++)
      for (int i = 0; i < Ho; i++)
        for (int j = 0; j < Ho; j++) {
          const double *q = xi + (c * H + 2 * i) * H + 2 * j;
          pool[(c * Ho + i) * Ho + j] = (q[0] + q[1] + q[H] + q[H + 1]) / 4;
        }
    conv_ref(pool, C, Ho, Ho, Ls.weight, O, 1, 1, 0, ys + n * O * Ho * Ho, Ho, Ho);
  }
  assert_true(max_rel_err(La.output, ya, N * O * Ho * Ho) < 1e-12);
  assert_true(max_rel_err(Ls.output, ys, N * O * Ho * Ho) < 1e-12);
  bn_ref(ya, N, O, Ho * Ho, ba);
  for (int n = 0; n < N; n++) {
    for (int k = 0; k < O * Ho * Ho; k++) r[k] = fmax(ba[n * O * Ho * Ho + k], 0);
    conv_ref(r, O, Ho, Ho, Lb.weight, O, 3, 1, 1, yb + n * O * Ho * Ho, Ho, Ho);
  }
  assert_true(max_rel_err(Lb.output, yb, N * O * Ho * Ho) < 1e-10);
  bn_ref(yb, N, O, Ho * Ho, bb);
  for (int k = 0; k < N * O * Ho * Ho; k++) bb[k] += ys[k];
  assert_true(max_rel_err(out, bb, N * O * Ho * Ho) < 1e-10);
  g_free(r); g_free(ya); g_free(ba); g_free(yb); g_free(bb); g_free(pool); g_free(ys);
  g_free(x);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
  zc_workspace_free(ws);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_params_and_macs),
    cmocka_unit_test(test_macro_options),
    cmocka_unit_test(test_tags_roles_layers),
    cmocka_unit_test(test_forward_backward),
    cmocka_unit_test(test_zero_cells),
    cmocka_unit_test(test_skip_cells_sum),
    cmocka_unit_test(test_pool_cell_reference),
    cmocka_unit_test(test_reduction_reference),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
