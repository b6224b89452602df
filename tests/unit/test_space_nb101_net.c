/* NAS-Bench-101 networks built by the nb101 space plugin, loaded through the real loader
 * from the build tree (plugins/spaces/.libs/nb101.so): the built network's parameter
 * count against the official trainable_parameters and the space's cost, its multiply-adds
 * and layer shapes against NAS-Bench-Suite-Zero's FLOPs, the space's interface, and
 * forward/backward on a few cells. */
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
#include <zcnas/csvout.h>

#define PLUGIN ZC_TEST_BUILDDIR "/plugins/spaces/.libs/nb101.so"
#define SHARE_DATA ZC_TEST_SRCDIR "/share/data/"

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

static ZcSpace *space_new(void) {
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, "nb101");
  assert_non_null(d);
  GError *err = NULL;
  const char *kv[] = {NULL};
  ZcOptions *o = zc_options_from_strv(d->options, kv, "space 'nb101'", &err);
  if (!o) fail_msg("%s", err->message);
  ZcSpace *s = zc_space_new(d, o, &err);
  if (!s) fail_msg("%s", err->message);
  return s;
}

static ZcArch *parse(ZcSpace *s, const char *text) {
  GError *err = NULL;
  ZcArch *a = zc_space_parse(s, text, &err);
  if (!a) fail_msg("%s", err->message);
  return a;
}

static ZcNet *build(ZcSpace *s, const ZcArch *a, gboolean f64, guint64 seed) {
  ZcBuildSpec spec = {sizeof spec, f64, seed};
  GError *err = NULL;
  ZcNet *net = zc_space_build(s, a, &spec, &err);
  if (!net) fail_msg("%s", err->message);
  return net;
}

static GPtrArray *read_csv(const char *path) {
  char *text = NULL;
  GError *err = NULL;
  if (!g_file_get_contents(path, &text, NULL, &err)) fail_msg("%s", err->message);
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l) g_ptr_array_add(rows, zc_csv_split_line(*l));
  g_strfreev(lines);
  g_free(text);
  return rows;
}

static int column(GPtrArray *rows, const char *name) {
  char **h = g_ptr_array_index(rows, 0);
  for (int k = 0; h[k]; k++)
    if (!strcmp(h[k], name)) return k;
  fail_msg("no column %s", name);
  return -1;
}

static char *row_text(GPtrArray *rows, guint r) {
  char **f = g_ptr_array_index(rows, r);
  return g_strdup_printf("%s/%s", f[column(rows, "adjacency_rowmajor")], f[column(rows, "ops")]);
}

static void test_interface(void **state) {
  ZcSpace *s = space_new();
  guint c, h, w, classes;
  zc_space_input_shape(s, &c, &h, &w, &classes);
  assert_int_equal(c, 3);
  assert_int_equal(h, 32);
  assert_int_equal(w, 32);
  assert_int_equal(classes, 10);
  assert_int_equal(zc_space_count(s), 0);
  assert_false(zc_space_can_crossover(s));
  assert_true(zc_space_can_mutate(s));
  GError *err = NULL;
  assert_null(zc_space_parse(s, "0100/input;conv9x9;output", &err));
  assert_non_null(strstr(err->message, "at position 12: unknown operation 'conv9x9' of vertex 1"));
  g_clear_error(&err);
  /* canonical text = the pruned spec: vertex 1 (no path to the output) goes */
  ZcArch *a = parse(s, "011000000/input;conv1x1-bn-relu;output");
  char *t = zc_space_format(s, a);
  assert_string_equal(t, "0100/input;output");
  g_free(t);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

/* Built networks: zc_net_n_params equals the official trainable_parameters and the
 * space's cost on all 30 official cells. */
static void test_params_official(void **state) {
  ZcSpace *s = space_new();
  GPtrArray *rows = read_csv(SHARE_DATA "nb101_official_subset30_108ep.csv");
  int cp = column(rows, "trainable_parameters");
  guint ok = 0;
  for (guint r = 1; r < rows->len; r++) {
    char **f = g_ptr_array_index(rows, r);
    char *t = row_text(rows, r);
    ZcArch *a = parse(s, t);
    ZcNet *net = build(s, a, FALSE, r);
    ZcCost cost;
    assert_true(zc_space_cost(s, a, &cost, NULL));
    double n = (double)zc_net_n_params(net);
    ok += n == g_ascii_strtod(f[cp], NULL) && fabs(n * 1e-6 - cost.params_m) < 1e-9;
    zc_net_free(net);
    zc_space_arch_free(s, a);
    g_free(t);
  }
  assert_int_equal(ok, 30);
  g_ptr_array_unref(rows);
  zc_space_free(s);
}

/* NAS-Bench-Suite-Zero's FLOPs from the built network's own layers: its multiply-adds
 * (zc_net_macs), plus 3 per conv output (BN 2, ReLU 1) and k*k per max-pool output
 * (3x3 in the cells, 2x2 between stacks), read from the node shapes.  First 40 rows. */
static void test_flops_nbsz(void **state) {
  ZcSpace *s = space_new();
  GPtrArray *rows = read_csv(SHARE_DATA "nb101_nbsz_zc_sample500.csv");
  int cf = column(rows, "flops");
  guint ok = 0;
  for (guint r = 1; r <= 40; r++) {
    char **f = g_ptr_array_index(rows, r);
    char *t = row_text(rows, r);
    ZcArch *a = parse(s, t);
    ZcNet *net = build(s, a, FALSE, r);
    double flops = zc_net_macs(net);
    for (guint i = 0; i < zc_net_n_layers(net); i++) {
      ZcLayerInfo L;
      assert_true(zc_net_layer(net, NULL, i, &L));
      if (L.kind == ZC_LAYER_CONV) flops += 3.0 * zc_net_numel(net, L.node);
    }
    for (int node = 0; node <= zc_net_output(net); node++) {
      if (strcmp(zc_net_op_name(net, node), "maxpool")) continue;
      ZcShape in, out;
      assert_true(zc_net_shape(net, zc_net_node_input(net, node, 0), &in));
      assert_true(zc_net_shape(net, node, &out));
      flops += (in.dims[1] == out.dims[1] ? 9.0 : 4.0) * zc_net_numel(net, node);
    }
    ok += fabs(flops * 1e-6 - g_ascii_strtod(f[cf], NULL)) < 5e-7;
    zc_net_free(net);
    zc_space_arch_free(s, a);
    g_free(t);
  }
  assert_int_equal(ok, 40);
  g_ptr_array_unref(rows);
  zc_space_free(s);
}

static void *randn(ZcDType dt, gsize n, guint64 seed) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, 99);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

/* Forward and cross-entropy backward at batch 2: output (2, 10), finite loss, every
 * parameter gradient finite and the stem weight's gradient non-zero; 9 module outputs. */
static void test_forward_backward(void **state) {
  static const char *const archs[] = {
    "0100/input;output",   /* projections only */
    /* official row 0: concatenation of 3 vertices, channels 43/43/42 at 128 */
    "0101000001110000010000000001000001000000010000000/input;conv3x3-bn-relu;conv1x1-bn-relu;"
    "conv1x1-bn-relu;conv3x3-bn-relu;conv1x1-bn-relu;output",
    /* input -> output projection added to the concatenation of vertices 1, 3, 4 (43/43/42
     * channels at 128); vertex 1 truncated 43 -> 42 into vertex 4; a max pool */
    "011001000011000100000001000001000000/input;conv3x3-bn-relu;maxpool3x3;conv1x1-bn-relu;"
    "conv3x3-bn-relu;output",
  };
  ZcSpace *s = space_new();
  ZcWorkspace *ws = zc_workspace_new(2);
  for (guint i = 0; i < G_N_ELEMENTS(archs); i++) {
    GError *err = NULL;
    ZcArch *a = zc_space_parse(s, archs[i], &err);
    if (!a) fail_msg("%s", err->message);
    ZcNet *net = build(s, a, FALSE, i);
    int blocks[16];
    assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 16), 9);
    void *x = randn(ZC_F32, 2 * 3 * 32 * 32, i);
    gint32 labels[2] = {3, 7};
    if (!zc_net_forward(net, ws, x, 2, &err)) fail_msg("%s", err->message);
    int out = zc_net_output(net);
    assert_int_equal(zc_net_numel(net, out), 10);
    const float *y = zc_net_value(net, ws, out);
    for (int k = 0; k < 20; k++) assert_true(isfinite(y[k]));
    double loss = NAN;
    if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
    assert_true(isfinite(loss) && loss > 0);
    double g0 = 0;
    for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
      ZcParamInfo info;
      assert_true(zc_net_param(net, p, &info));
      for (gsize k = 0; k < info.numel; k++) {
        double g = zc_get(ZC_F32, info.grad, k);
        assert_true(isfinite(g));
        if (p == 0) g0 += g * g;
      }
    }
    assert_true(g0 > 0);
    g_free(x);
    zc_net_free(net);
    zc_space_arch_free(s, a);
  }
  zc_workspace_free(ws);
  zc_space_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_interface),
    cmocka_unit_test(test_params_official),
    cmocka_unit_test(test_flops_nbsz),
    cmocka_unit_test(test_forward_backward),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
