/* The autoformer space plugin, loaded through the real loader from the build tree
 * (plugins/spaces/.libs/autoformer.so).  The genotype module is linked into this test as
 * the reference for sizes and validity.  Built networks: parameter and multiply-add counts,
 * layer roles and tags, initialisation, residual wiring and both heads recomputed here
 * from the engine's intermediate values, and a forward+backward through the largest
 * AutoFormer-Base subnet.  Variation through the plugin interface keeps to the parameter
 * window and gives canonical genotypes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/net.h>
#include <zcnas/registry.h>
#include <zcnas/csvout.h>
#include <zcnas/error.h>
#include "autoformer_genotype.h"

#define PLUGIN ZC_TEST_BUILDDIR "/plugins/spaces/.libs/autoformer.so"
#define AUTOPROX_CSV ZC_TEST_SRCDIR "/share/data/autoprox_gt_autoformer.csv"

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

/* A space instance with "key=value" options (NULL-terminated); NULL with *error set when
 * the plugin refuses them. */
static ZcSpace *space_try(const char *const *kv, GError **error) {
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, "autoformer");
  assert_non_null(d);
  ZcOptions *o = zc_options_from_strv(d->options, kv, "space 'autoformer'", error);
  return o ? zc_space_new(d, o, error) : NULL;
}

static ZcSpace *space_with(const char *const *kv) {
  GError *err = NULL;
  ZcSpace *s = space_try(kv, &err);
  if (!s) fail_msg("%s", err->message);
  return s;
}

static ZcArch *parse(ZcSpace *s, const char *text) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(s, text, &err);
  if (!a) fail_msg("%s", err->message);
  return a;
}

/* The plugin's arch as a module genotype (through its canonical text). */
static void to_genotype(ZcSpace *s, ZcAfVariant v, const ZcArch *a, ZcAfGenotype *g) {
  char *text = zc_space_format(s, a);
  GError *err = NULL;
  if (!zc_af_genotype_parse(v, text, g, &err)) fail_msg("%s: %s", text, err->message);
  g_free(text);
}

static ZcNet *build(ZcSpace *s, const ZcArch *a, gboolean f64, guint64 seed) {
  ZcBuildSpec spec = {sizeof spec, f64, seed};
  GError *err = NULL;
  ZcNet *net = zc_space_build(s, a, &spec, &err);
  if (!net) fail_msg("%s", err->message);
  return net;
}

static int count_role(ZcNet *net, const char *role) {
  int n = 0;
  for (guint i = 0; i < zc_net_n_layers(net); i++) {
    ZcLayerInfo L;
    zc_net_layer(net, NULL, i, &L);
    if (!g_strcmp0(L.role, role)) n++;
  }
  return n;
}

/* Sizes of sampled subnets of each variant at 32x32 (4 patches + class token): parameters
 * and multiply-adds of the built network against the genotype module's counts. */
static void test_sizes_each_variant(void **state) {
  static const char *const variants[] = {"tiny", "small", "base"};
  static const int samples[] = {3, 2, 1};
  /* base subnets have 41-77 M parameters (a few seconds each to initialise): sample the
   * small end; test_largest_base_runs counts the largest */
  static const char *const window[] = {"max_params_m=0", "max_params_m=0", "max_params_m=46"};
  ZcAfCostOpts o;
  zc_af_cost_opts_default(&o);
  o.img_size = 32;
  o.num_classes = 100;
  for (int v = 0; v < 3; v++) {
    char *kv0 = g_strdup_printf("variant=%s", variants[v]);
    const char *kv[] = {kv0, "image_size=32", "classes=100", window[v], NULL};
    ZcSpace *s = space_with(kv);
    ZcRng rng;
    zc_rng_init(&rng, 17, (guint64)v);
    for (int k = 0; k < samples[v]; k++) {
      GError *err = NULL;
      ZcArch *a = zc_space_sample(s, &rng, &err);
      if (!a) fail_msg("%s", err->message);
      ZcAfGenotype g;
      to_genotype(s, (ZcAfVariant)v, a, &g);
      ZcCost cost;
      assert_true(zc_space_cost(s, a, &cost, NULL));
      assert_true(round(cost.params_m * 1e6) == (double)zc_af_params(&g, &o));
      assert_true(fabs(cost.flops_m - zc_af_macs(&g, &o) / 1e6) < 1e-9);
      ZcNet *net = build(s, a, FALSE, (guint64)k);
      if (zc_net_n_params(net) != zc_af_params(&g, &o))
        fail_msg("%s sample %d: %zu params, module %" G_GUINT64_FORMAT, variants[v], k, zc_net_n_params(net),
                 zc_af_params(&g, &o));
      assert_true(zc_net_macs(net) == (double)zc_af_macs(&g, &o));
      /* layers: patch, then qkv, proj, fc1, fc2 per block, then the head */
      assert_int_equal(zc_net_n_layers(net), 2 + 4 * g.depth);
      assert_int_equal(count_role(net, "patch"), 1);
      assert_int_equal(count_role(net, "qkv"), (int)g.depth);
      assert_int_equal(count_role(net, "proj"), (int)g.depth);
      assert_int_equal(count_role(net, "fc1"), (int)g.depth);
      assert_int_equal(count_role(net, "fc2"), (int)g.depth);
      assert_int_equal(count_role(net, "head"), 1);
      ZcLayerInfo L;
      for (guint i = 0; i < g.depth; i++) {
        zc_net_layer(net, NULL, 1 + 4 * i, &L);
        assert_string_equal(L.role, "qkv");
        assert_int_equal(L.out_channels, 3 * 64 * g.heads[i]);
        assert_null(L.bias);   /* qkv_bias defaults to false */
        zc_net_layer(net, NULL, 3 + 4 * i, &L);
        assert_string_equal(L.role, "fc1");
        assert_int_equal(L.out_channels, g.embed_dim * g.ratio_x2[i] / 2);
        assert_int_equal(L.out_spatial, 5);
      }
      zc_net_layer(net, NULL, zc_net_n_layers(net) - 1, &L);
      assert_int_equal(L.node, zc_net_output(net));
      assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, NULL, 0), 2 * g.depth);
      zc_net_free(net);
      zc_space_arch_free(s, a);
    }
    zc_space_free(s);
    g_free(kv0);
  }
}

static void *randn(ZcDType dt, gsize n, guint64 seed) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, 99);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

/* The largest AutoFormer-Base subnet (e624, 16 layers, ratio 4, 10 heads) at 32x32,
 * batch 2: forward and backward give finite outputs, loss and gradients. */
static void test_largest_base_runs(void **state) {
  const char *kv[] = {"variant=base", "image_size=32", "qkv_bias=true", NULL};
  ZcSpace *s = space_with(kv);
  ZcAfGenotype g;
  zc_af_genotype_max(ZC_AF_BASE, &g);
  char *text = zc_af_genotype_to_string(&g);
  ZcArch *a = parse(s, text);
  ZcNet *net = build(s, a, FALSE, 3);
  ZcAfCostOpts o;
  zc_af_cost_opts_default(&o);
  o.img_size = 32;
  o.qkv_bias = TRUE;
  assert_int_equal(zc_net_n_params(net), zc_af_params(&g, &o));
  assert_int_equal(zc_net_n_layers(net), 2 + 4 * 16);
  ZcWorkspace *ws = zc_workspace_new(2);
  void *x = randn(ZC_F32, 2 * 3 * 32 * 32, 1);
  gint32 labels[2] = {3, 999};
  GError *err = NULL;
  if (!zc_net_forward(net, ws, x, 2, &err)) fail_msg("%s", err->message);
  const float *y = zc_net_value(net, ws, zc_net_output(net));
  for (int i = 0; i < 2 * 1000; i++) assert_true(isfinite(y[i]));
  double loss = NAN;
  if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
  /* logits start near 0 (trunc-normal 0.02 head on a unit-variance LN output) */
  assert_true(fabs(loss - log(1000.0)) < 0.5);
  double gq = 0;
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    assert_true(zc_net_param(net, i, &p));
    const float *gr = p.grad;
    for (gsize k = 0; k < p.numel; k++) assert_true(isfinite(gr[k]));
    if (i == 3) for (gsize k = 0; k < p.numel; k++) gq += (double)gr[k] * gr[k];
  }
  assert_true(gq > 0);
  g_free(x);
  g_free(text);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static double moment(const double *v, gsize n, int k) {
  double s = 0;
  for (gsize i = 0; i < n; i++) s += pow(v[i], k);
  return s / n;
}

/* Initialisation as AutoFormer's: linear weights, class token and position embedding
 * trunc-normal(0.02), linear biases 0, LayerNorm 1/0; the patch conv keeps PyTorch's
 * Conv2d default U(+-1/sqrt(3*16*16)) for weight and bias. */
static void test_init(void **state) {
  const char *kv[] = {"variant=tiny", "image_size=64", "classes=10", "qkv_bias=true", NULL};
  ZcSpace *s = space_with(kv);
  ZcAfGenotype g;
  zc_af_genotype_max(ZC_AF_TINY, &g);
  char *text = zc_af_genotype_to_string(&g);
  ZcArch *a = parse(s, text);
  ZcNet *net = build(s, a, TRUE, 9);
  const double bound = 1 / sqrt(768.0);
  int seen[5] = {0};
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    assert_true(zc_net_param(net, i, &p));
    const double *d = p.data;
    const char *role = zc_net_get_role(net, p.node);
    seen[p.kind]++;
    if (!g_strcmp0(role, "patch")) {
      double mx = 0;
      for (gsize k = 0; k < p.numel; k++) mx = fmax(mx, fabs(d[k]));
      assert_true(mx <= bound);
      if (p.kind == ZC_PARAM_WEIGHT) {
        /* uniform: variance bound^2/3, kurtosis 1.8 (a normal has 3) */
        double m2 = moment(d, p.numel, 2), m4 = moment(d, p.numel, 4);
        assert_true(fabs(m2 / (bound * bound / 3) - 1) < 0.02);
        assert_true(fabs(m4 / (m2 * m2) - 1.8) < 0.05);
        assert_true(mx > 0.99 * bound);
      } else {
        assert_true(mx > 0.5 * bound);
      }
      continue;
    }
    switch (p.kind) {
    case ZC_PARAM_WEIGHT:
    case ZC_PARAM_EMBED: {
      double m2 = moment(d, p.numel, 2), m4 = moment(d, p.numel, 4);
      gsize n = p.numel;
      assert_true(fabs(sqrt(m2) / 0.02 - 1) < (n > 10000 ? 0.02 : 0.1));
      if (n > 10000) assert_true(fabs(m4 / (m2 * m2) - 3) < 0.15);
      break;
    }
    case ZC_PARAM_BIAS:
    case ZC_PARAM_NORM_SHIFT:
      for (gsize k = 0; k < p.numel; k++) assert_true(d[k] == 0);
      break;
    case ZC_PARAM_NORM_SCALE:
      for (gsize k = 0; k < p.numel; k++) assert_true(d[k] == 1);
      break;
    }
  }
  /* 14 blocks: 2 LN, 4 linear each; plus the final LN, the head, and the patch conv */
  assert_int_equal(seen[ZC_PARAM_NORM_SCALE], 2 * 14 + 1);
  assert_int_equal(seen[ZC_PARAM_EMBED], 2);
  assert_int_equal(seen[ZC_PARAM_WEIGHT], 4 * 14 + 2);
  assert_int_equal(seen[ZC_PARAM_BIAS], 4 * 14 + 2);   /* qkv_bias on */
  g_free(text);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

/* out = W x + b with the head's parameters (the last two tensors), for one sample. */
static void head_ref(ZcNet *net, const double *x, int E, int C, double *out) {
  guint n = zc_net_n_param_tensors(net);
  ZcParamInfo W, b;
  assert_true(zc_net_param(net, n - 2, &W) && zc_net_param(net, n - 1, &b));
  assert_int_equal(W.numel, (gsize)E * C);
  for (int c = 0; c < C; c++) {
    double s = ((const double *)b.data)[c];
    for (int e = 0; e < E; e++) s += ((const double *)W.data)[c * E + e] * x[e];
    out[c] = s;
  }
}

static double max_abs_diff(const double *a, const double *b, int n) {
  double m = 0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

/* cls: the head reads token 0 of the final LayerNorm; gap: the mean of tokens 1..T-1.
 * Same genotype and seed, so both networks hold the same parameters. */
static void test_heads(void **state) {
  const char *kv_cls[] = {"variant=tiny", "image_size=48", "classes=7", NULL};
  const char *kv_gap[] = {"variant=tiny", "image_size=48", "classes=7", "head=gap", NULL};
  ZcSpace *sc = space_with(kv_cls), *sg = space_with(kv_gap);
  const char *text = "e192-d12-r3.5,4,3.5,4,3.5,3.5,4,3.5,4,4,4,3.5-h4,4,3,4,3,3,4,4,3,3,3,4";
  ZcArch *ac = parse(sc, text), *ag = parse(sg, text);
  ZcNet *nc = build(sc, ac, TRUE, 21), *ng = build(sg, ag, TRUE, 21);
  assert_int_equal(zc_net_n_params(nc), zc_net_n_params(ng));
  ZcCost c1, c2;
  assert_true(zc_space_cost(sc, ac, &c1, NULL) && zc_space_cost(sg, ag, &c2, NULL));
  assert_true(c1.params_m == c2.params_m && c1.flops_m == c2.flops_m);
  ZcWorkspace *wc = zc_workspace_new(1), *wg = zc_workspace_new(1);
  const int B = 2, E = 192, T = 10, C = 7;
  void *x = randn(ZC_F64, B * 3 * 48 * 48, 4);
  assert_true(zc_net_forward(nc, wc, x, B, NULL));
  assert_true(zc_net_forward(ng, wg, x, B, NULL));
  int oc = zc_net_output(nc), og = zc_net_output(ng);
  /* the node before the pooling is the final LayerNorm, identical in both nets */
  assert_string_equal(zc_net_op_name(nc, oc - 2), "layernorm");
  assert_string_equal(zc_net_op_name(nc, oc - 1), "token_select");
  assert_string_equal(zc_net_op_name(ng, og - 1), "token_mean");
  const double *lc = zc_net_value(nc, wc, oc - 2), *lg = zc_net_value(ng, wg, og - 2);
  assert_memory_equal(lc, lg, sizeof(double) * B * T * E);
  const double *yc = zc_net_value(nc, wc, oc), *yg = zc_net_value(ng, wg, og);
  double want[7], mean[192];
  for (int n = 0; n < B; n++) {
    const double *t = lc + n * T * E;
    head_ref(nc, t, E, C, want);
    assert_true(max_abs_diff(yc + n * C, want, C) < 1e-12);
    for (int e = 0; e < E; e++) {
      mean[e] = 0;
      for (int k = 1; k < T; k++) mean[e] += t[k * E + e] / (T - 1);
    }
    head_ref(ng, mean, E, C, want);
    assert_true(max_abs_diff(yg + n * C, want, C) < 1e-12);
    assert_true(max_abs_diff(yc + n * C, yg + n * C, C) > 1e-6);   /* the head changes the output */
  }
  g_free(x);
  zc_workspace_free(wc);
  zc_workspace_free(wg);
  zc_net_free(nc);
  zc_net_free(ng);
  zc_space_arch_free(sc, ac);
  zc_space_arch_free(sg, ag);
  zc_space_free(sc);
  zc_space_free(sg);
}

/* Pre-norm residual wiring: tag 2i = x + proj(attn(LN1 x)), tag 2i+1 = that + fc2(GELU(fc1(LN2 .)));
 * LN1 of block 0 normalises the embedded tokens with eps 1e-5. */
static void test_blocks(void **state) {
  const char *kv[] = {"variant=small", "image_size=32", "classes=10", NULL};
  ZcSpace *s = space_with(kv);
  ZcArch *a = parse(s, "e320-d12-r3,3,3,3,3,3,3,3,3,3,3,4-h5,5,5,5,5,5,5,5,5,5,5,7");
  ZcNet *net = build(s, a, TRUE, 5);
  ZcWorkspace *ws = zc_workspace_new(2);
  const int B = 3, E = 320, T = 5, n = B * T * E;
  void *x = randn(ZC_F64, B * 3 * 32 * 32, 6);
  assert_true(zc_net_forward(net, ws, x, B, NULL));
  int tags[24];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, tags, 24), 24);
  /* the embedded tokens: the node that the first LayerNorm reads */
  ZcLayerInfo L;
  assert_true(zc_net_layer(net, ws, 1, &L));   /* qkv of block 0 */
  int ln1 = L.node - 1;
  assert_string_equal(zc_net_op_name(net, ln1), "layernorm");
  assert_string_equal(zc_net_op_name(net, ln1 - 1), "tokens");
  int prev = ln1 - 1;
  const double *t0 = zc_net_value(net, ws, prev), *l0 = zc_net_value(net, ws, ln1);
  for (int r = 0; r < B * T; r++) {
    double m = 0, v = 0;
    for (int e = 0; e < E; e++) m += t0[r * E + e] / E;
    for (int e = 0; e < E; e++) v += pow(t0[r * E + e] - m, 2) / E;
    for (int e = 0; e < E; e++) assert_true(fabs(l0[r * E + e] - (t0[r * E + e] - m) / sqrt(v + 1e-5)) < 1e-12);
  }
  for (int i = 0; i < 24; i++) {
    /* the branch added to the stream: proj (layer 2 + 4 (i/2)) or fc2 (layer 4 + 4 (i/2)) */
    assert_true(zc_net_layer(net, ws, (guint)(i % 2 ? 4 : 2) + 4 * (i / 2), &L));
    assert_string_equal(L.role, i % 2 ? "fc2" : "proj");
    const double *in = zc_net_value(net, ws, prev), *out = zc_net_value(net, ws, tags[i]);
    const double *br = L.output;
    for (int k = 0; k < n; k++) assert_true(out[k] == in[k] + br[k]);
    prev = tags[i];
  }
  /* the MLP of block 11 is 4x wide and sees LN2 of the attention output */
  assert_true(zc_net_layer(net, ws, 3 + 4 * 11, &L));
  assert_int_equal(L.out_channels, 4 * 320);
  assert_true(zc_net_layer(net, ws, 1 + 4 * 11, &L));
  assert_int_equal(L.out_channels, 3 * 64 * 7);
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static void check_child(ZcSpace *s, ZcAfVariant v, const ZcArch *c, double lo_m, double hi_m) {
  char *text = zc_space_format(s, c);
  ZcAfGenotype g;
  GError *err = NULL;
  if (!zc_af_genotype_parse(v, text, &g, &err)) fail_msg("%s: %s", text, err->message);
  assert_true(zc_af_genotype_validate(&g, NULL));
  char *again = zc_af_genotype_to_string(&g);
  assert_string_equal(again, text);   /* canonical */
  ZcCost cost;
  assert_true(zc_space_cost(s, c, &cost, NULL));
  if (cost.params_m < lo_m || cost.params_m > hi_m) fail_msg("%s: %.3f M outside [%g, %g]", text, cost.params_m, lo_m, hi_m);
  g_free(again);
  g_free(text);
}

/* AutoFormer's evolution window [18 M, 23 M] on the small space at 224x224. */
static void test_variation_limits(void **state) {
  const char *kv[] = {"variant=small", "min_params_m=18", "max_params_m=23", NULL};
  ZcSpace *s = space_with(kv);
  assert_true(zc_space_can_mutate(s) && zc_space_can_crossover(s));
  ZcRng rng;
  zc_rng_init(&rng, 5, 0);
  enum { P = 12, K = 300 };
  ZcArch *pop[P];
  for (int i = 0; i < P; i++) {
    GError *err = NULL;
    pop[i] = zc_space_sample(s, &rng, &err);
    if (!pop[i]) fail_msg("%s", err->message);
    check_child(s, ZC_AF_SMALL, pop[i], 18, 23);
  }
  int changed_m = 0, changed_c = 0, depth_changed = 0;
  for (int k = 0; k < K; k++) {
    GError *err = NULL;
    const ZcArch *p = pop[k % P], *q = pop[(k * 7 + 3) % P];
    ZcArch *m = zc_space_mutate(s, p, &rng, &err);
    if (!m) fail_msg("%s", err->message);
    check_child(s, ZC_AF_SMALL, m, 18, 23);
    ZcArch *c = zc_space_crossover(s, p, q, &rng, &err);
    if (!c) fail_msg("%s", err->message);
    check_child(s, ZC_AF_SMALL, c, 18, 23);
    char *tp = zc_space_format(s, p), *tm = zc_space_format(s, m), *tc = zc_space_format(s, c);
    changed_m += strcmp(tp, tm) != 0;
    changed_c += strcmp(tp, tc) != 0;
    depth_changed += strncmp(strchr(tp, 'd'), strchr(tm, 'd'), 3) != 0;
    g_free(tp); g_free(tm); g_free(tc);
    zc_space_arch_free(s, m);
    zc_space_arch_free(s, c);
  }
  /* mutation changes something most of the time; the depth (p 0.4, 2 of 3 values new) often */
  assert_true(changed_m > K / 2);
  assert_true(changed_c > K / 3);
  assert_true(depth_changed > K / 8 && depth_changed < K / 2);
  for (int i = 0; i < P; i++) zc_space_arch_free(s, pop[i]);
  zc_space_free(s);

  /* s_prob = m_prob = 0: the child is its parent */
  const char *kv0[] = {"variant=tiny", "s_prob=0", "m_prob=0", NULL};
  s = space_with(kv0);
  ZcArch *p = zc_space_sample(s, &rng, NULL), *m = zc_space_mutate(s, p, &rng, NULL);
  char *tp = zc_space_format(s, p), *tm = zc_space_format(s, m);
  assert_string_equal(tp, tm);
  g_free(tp); g_free(tm);
  zc_space_arch_free(s, p);
  zc_space_arch_free(s, m);
  zc_space_free(s);
}

static void expect_refused(const char *const *kv, const char *what) {
  GError *err = NULL;
  assert_null(space_try(kv, &err));
  assert_non_null(err);
  if (!strstr(err->message, what)) fail_msg("message '%s' lacks '%s'", err->message, what);
  g_error_free(err);
}

static void test_options_and_interface(void **state) {
  const char *k1[] = {"variant=small", "max_params_m=5", NULL};
  expect_refused(k1, "max_params_m");
  const char *k2[] = {"variant=tiny", "min_params_m=11", NULL};
  expect_refused(k2, "min_params_m");
  const char *k3[] = {"min_params_m=23", "max_params_m=18", NULL};
  expect_refused(k3, "above max_params_m");
  const char *k4[] = {"image_size=40", NULL};
  expect_refused(k4, "does not divide image_size 40");
  const char *k5[] = {"variant=huge", NULL};
  expect_refused(k5, "variant");

  const char *kv[] = {"variant=tiny", "image_size=32", "patch_size=8", "classes=10", NULL};
  ZcSpace *s = space_with(kv);
  guint c, h, w, classes;
  zc_space_input_shape(s, &c, &h, &w, &classes);
  assert_true(c == 3 && h == 32 && w == 32 && classes == 10);
  assert_int_equal(zc_space_count(s), 0);
  GError *err = NULL;
  assert_null(zc_space_from_index(s, 0, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_UNSUPPORTED));
  g_clear_error(&err);
  ZcArch *a = parse(s, "e216-d14-r4,4,4,4,4,4,4,4,4,4,4,4,4,3.5-h3,3,3,3,3,3,3,3,3,3,3,3,3,4");
  guint64 idx;
  assert_false(zc_space_to_index(s, a, &idx));
  assert_null(zc_space_iso_key(s, a));
  ZcArch *b = zc_space_copy(s, a);
  char *ta = zc_space_format(s, a), *tb = zc_space_format(s, b);
  assert_string_equal(ta, tb);
  /* patch 8 at 32x32: 16 patches, 17 tokens */
  ZcNet *net = build(s, b, FALSE, 1);
  ZcAfGenotype g;
  to_genotype(s, ZC_AF_TINY, b, &g);
  ZcAfCostOpts o;
  zc_af_cost_opts_default(&o);
  o.img_size = 32;
  o.patch_size = 8;
  o.num_classes = 10;
  assert_int_equal(zc_net_n_params(net), zc_af_params(&g, &o));
  assert_true(zc_net_macs(net) == (double)zc_af_macs(&g, &o));
  ZcLayerInfo L;
  zc_net_layer(net, NULL, 1, &L);
  assert_int_equal(L.out_spatial, 17);
  zc_net_free(net);
  g_free(ta); g_free(tb);
  zc_space_arch_free(s, a);
  zc_space_arch_free(s, b);
  /* a bad genotype names its position; a small-space string is no tiny genotype */
  assert_null(zc_space_parse(s, "e192-d12-r3.5,4", &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_PARSE));
  assert_non_null(strstr(err->message, "at position 15"));
  g_clear_error(&err);
  assert_null(zc_space_parse(s, "e320-d12-r3,3,3,3,3,3,3,3,3,3,3,4-h5,5,5,5,5,5,5,5,5,5,5,7", &err));
  assert_non_null(strstr(err->message, "embed dim 320 is not one of 192, 216, 240"));
  g_clear_error(&err);
  zc_space_free(s);
}

/* Every row of Auto-Prox's AutoFormer-Tiny table maps to a tiny genotype, and the text rule
 * of docs/spaces.md (e<hidden_dim>-d<depth>-r<ratios, ';' -> ',', "4.0" -> "4">-h<heads>)
 * gives exactly its canonical string, which the plugin accepts. */
/* Options inside their documented ranges whose network does not fit in memory: the build
 * fails with an error giving the bytes needed and allowed, and does not abort. */
static void test_huge_network_is_an_error(void **state) {
  const char *kv[] = {"variant=tiny", "image_size=4096", "patch_size=1", NULL};
  ZcSpace *s = space_with(kv);
  ZcArch *a = parse(s, "e216-d14-r4,4,4,4,4,4,4,4,4,4,4,4,4,3.5-h3,3,3,3,3,3,3,3,3,3,3,3,3,4");
  ZcBuildSpec spec = {sizeof spec, FALSE, 1};
  GError *err = NULL;
  assert_null(zc_space_build(s, a, &spec, &err));
  assert_non_null(err);
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_NOMEM));
  if (!strstr(err->message, "over the memory budget of")) fail_msg("message: %s", err->message);
  g_clear_error(&err);
  /* an explicit budget: a small network that exceeds it is refused the same way */
  g_setenv("ZCNAS_MEMORY_BUDGET", "100K", TRUE);
  const char *small[] = {"variant=tiny", "image_size=32", "patch_size=8", "classes=10", NULL};
  ZcSpace *t = space_with(small);
  ZcArch *b = parse(t, "e216-d14-r4,4,4,4,4,4,4,4,4,4,4,4,4,3.5-h3,3,3,3,3,3,3,3,3,3,3,3,3,4");
  assert_null(zc_space_build(t, b, &spec, &err));
  if (!err || !strstr(err->message, "memory budget of 102400 bytes")) fail_msg("message: %s", err ? err->message : "none");
  g_clear_error(&err);
  g_setenv("ZCNAS_MEMORY_BUDGET", "lots", TRUE);
  assert_null(zc_space_build(t, b, &spec, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
  g_unsetenv("ZCNAS_MEMORY_BUDGET");
  ZcNet *net = zc_space_build(t, b, &spec, &err);
  assert_non_null(net);
  zc_net_free(net);
  zc_space_arch_free(t, b);
  zc_space_free(t);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static void test_benchmark_rows(void **state) {
  char *text;
  assert_true(g_file_get_contents(AUTOPROX_CSV, &text, NULL, NULL));
  const char *kv[] = {"variant=tiny", NULL};
  ZcSpace *s = space_with(kv);
  char **lines = g_strsplit(text, "\n", -1);
  int rows = 0;
  for (char **l = lines + 1; *l; l++) {
    if (!**l) continue;
    char **f = zc_csv_split_line(*l);
    ZcAfGenotype g;
    GError *err = NULL;
    if (!zc_af_genotype_from_fields(ZC_AF_TINY, f[1], f[2], f[3], f[4], &g, &err)) fail_msg("%s", err->message);
    char *canon = zc_af_genotype_to_string(&g);
    char *ratios = g_strdup(f[3]), *heads = g_strdup(f[4]);
    g_strdelimit(ratios, ";", ',');
    g_strdelimit(heads, ";", ',');
    GString *r = g_string_new(NULL);
    char **items = g_strsplit(ratios, ",", -1);
    for (char **it = items; *it; it++) {
      if (g_str_has_suffix(*it, ".0")) (*it)[strlen(*it) - 2] = 0;
      g_string_append_printf(r, "%s%s", it == items ? "" : ",", *it);
    }
    char *rule = g_strdup_printf("e%s-d%s-r%s-h%s", f[1], f[2], r->str, heads);
    assert_string_equal(rule, canon);
    ZcArch *a = parse(s, rule);
    char *back = zc_space_format(s, a);
    assert_string_equal(back, canon);
    rows++;
    g_free(back);
    zc_space_arch_free(s, a);
    g_free(rule);
    g_strfreev(items);
    g_string_free(r, TRUE);
    g_free(ratios);
    g_free(heads);
    g_free(canon);
    g_strfreev(f);
  }
  assert_int_equal(rows, 100);
  g_strfreev(lines);
  g_free(text);
  zc_space_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sizes_each_variant),
    cmocka_unit_test(test_largest_base_runs),
    cmocka_unit_test(test_init),
    cmocka_unit_test(test_heads),
    cmocka_unit_test(test_blocks),
    cmocka_unit_test(test_variation_limits),
    cmocka_unit_test(test_huge_network_is_an_error),
    cmocka_unit_test(test_options_and_interface),
    cmocka_unit_test(test_benchmark_rows),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
