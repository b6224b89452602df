/* DARTS / NAS-Bench-301 networks built by the darts space plugin, loaded through the real
 * loader from the build tree (plugins/spaces/.libs/darts.so): parameter counts against the
 * space's cost and NAS-Bench-Suite-Zero's table, multiply-adds against a count written out
 * here, shapes and tags, forward and backward, and the wiring of a cell checked on the
 * engine's own intermediate values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/zcnas.h>
#include <zcnas/net.h>
#include <zcnas/csvout.h>
#include <zcnas/registry.h>

#define PLUGIN ZC_TEST_BUILDDIR "/plugins/spaces/.libs/darts.so"
#define TABLE ZC_TEST_SRCDIR "/share/data/nb301_nbsz_zc_sample725.csv"

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

static ZcSpace *space_with(const char *const *kv) {
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, "darts");
  assert_non_null(d);
  GError *err = NULL;
  ZcOptions *o = zc_options_from_strv(d->options, kv, "space 'darts'", &err);
  if (!o) fail_msg("%s", err->message);
  ZcSpace *s = zc_space_new(d, o, &err);
  if (!s) fail_msg("%s", err->message);
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

/* Conv and linear multiply-adds of DARTS NetworkCIFAR (C, L cells, 32x32, 10 classes),
 * written out from the compact text: stem, two 1x1 preprocessings per cell, ops. */
static double expected_macs(const char *compact, double C, int L) {
  int in[2][8], op[2][8];
  const char *p = compact;
  for (int cell = 0; cell < 2; cell++)
    for (int k = 0; k < 8; k++) {
      int used = 0;
      assert_int_equal(sscanf(p, "%d,%d%n", &in[cell][k], &op[cell][k], &used), 2);
      p += used + 1;
    }
  double m = 27 * 3 * C * 1024, cpp = 3 * C, cp = 3 * C, c = C, side = 32;
  for (int i = 0; i < L; i++) {
    int red = i == L / 3 || i == 2 * L / 3;
    if (red) c *= 2;
    m += (cpp + cp) * c * side * side;   /* FactorizedReduce's two halves = one 1x1 conv's MACs */
    double so = red ? side / 2 : side;
    for (int k = 0; k < 8; k++) {
      double o = so * so, kk;
      switch (op[red][k]) {
      case 2: if (red && in[red][k] < 2) m += c * c * o; break;
      case 3: case 4: kk = op[red][k] == 3 ? 9 : 25; m += 2 * (c * kk * o + c * c * o); break;
      case 5: case 6: kk = op[red][k] == 5 ? 9 : 25; m += c * kk * o + c * c * o; break;
      default: break;
      }
    }
    cpp = cp, cp = 4 * c, side = so;
  }
  return m + cp * 10;
}

/* Every row of the table (725 networks): built params = cost = table, MACs as above. */
static void test_params_every_row(void **state) {
  ZcSpace *s = space_with((const char *const[]){NULL});
  char *text;
  assert_true(g_file_get_contents(TABLE, &text, NULL, NULL));
  char **lines = g_strsplit(text, "\n", -1);
  char **h = zc_csv_split_line(lines[0]);
  int cc = -1, cp = -1;
  for (int k = 0; h[k]; k++) {
    if (!strcmp(h[k], "compact")) cc = k;
    if (!strcmp(h[k], "params")) cp = k;
  }
  g_strfreev(h);
  int n = 0;
  for (int r = 1; lines[r] && *lines[r]; r++, n++) {
    char **row = zc_csv_split_line(lines[r]);
    ZcArch *a = parse(s, row[cc]);
    ZcCost cost;
    assert_true(zc_space_cost(s, a, &cost, NULL));
    ZcNet *net = build(s, a, FALSE, (guint64)r);
    double table = round(g_ascii_strtod(row[cp], NULL) * 1e6);
    if ((double)zc_net_n_params(net) != table || round(cost.params_m * 1e6) != table)
      fail_msg("row %d: built %zu, cost %.0f, table %.0f", r, zc_net_n_params(net), cost.params_m * 1e6, table);
    double want = expected_macs(row[cc], 32, 8);
    if (zc_net_macs(net) != want) fail_msg("row %d: %.0f MACs, expected %.0f", r, zc_net_macs(net), want);
    assert_true(cost.flops_m * 1e6 > want);   /* FLOPs add ReLU/BN/pool terms */
    zc_net_free(net);
    zc_space_arch_free(s, a);
    g_strfreev(row);
  }
  assert_int_equal(n, 725);
  g_strfreev(lines);
  g_free(text);
  zc_space_free(s);
}

static void test_shapes_and_tags(void **state) {
  ZcSpace *s = space_with((const char *const[]){NULL});
  guint c, h, w, classes;
  zc_space_input_shape(s, &c, &h, &w, &classes);
  assert_true(c == 3 && h == 32 && w == 32 && classes == 10);
  ZcArch *a = parse(s, "0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6");
  ZcNet *net = build(s, a, FALSE, 1);
  int t[16];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, t, 16), 8);
  static const int ch[8] = {128, 128, 256, 256, 256, 512, 512, 512}, side[8] = {32, 32, 16, 16, 16, 8, 8, 8};
  for (int i = 0; i < 8; i++) {
    ZcShape sh;
    assert_true(zc_net_shape(net, t[i], &sh));
    assert_int_equal(sh.dims[0], ch[i]);
    assert_int_equal(sh.dims[1], side[i]);
  }
  int pre[2];
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_PRE_GAP, pre, 2), 1);
  assert_int_equal(pre[0], t[7]);
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT, pre, 2), 1);
  assert_string_equal(zc_net_get_role(net, zc_net_output(net)), "head");
  zc_net_free(net);
  zc_space_arch_free(s, a);
  /* macro options: C = 16, 5 cells (reductions at 1 and 3) */
  ZcSpace *s2 = space_with((const char *const[]){"channels=16", "layers=5", NULL});
  a = parse(s2, "0,3 1,4 2,5 0,6 1,2 3,0 4,1 2,3|0,4 1,3 2,2 1,6 3,5 0,0 4,1 1,2");
  net = build(s2, a, FALSE, 2);
  ZcCost cost;
  assert_true(zc_space_cost(s2, a, &cost, NULL));
  assert_true((double)zc_net_n_params(net) == round(cost.params_m * 1e6));
  assert_true(zc_net_macs(net) == expected_macs("0,3 1,4 2,5 0,6 1,2 3,0 4,1 2,3|0,4 1,3 2,2 1,6 3,5 0,0 4,1 1,2", 16, 5));
  assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, t, 16), 5);
  zc_net_free(net);
  zc_space_arch_free(s2, a);
  zc_space_free(s2);
  zc_space_free(s);
}

static void *randn(ZcDType dt, gsize n, guint64 seed) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, 99);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

static void test_forward_backward(void **state) {
  static const char *const archs[] = {
    "0,0 1,5 1,1 0,1 1,3 0,3 1,3 3,2|1,0 0,2 1,3 0,3 3,0 0,1 2,0 3,6",   /* table row 1 */
    "0,2 1,2 0,2 2,2 3,2 1,2 4,2 0,2|0,2 1,2 2,2 0,2 3,2 1,2 4,2 2,2",   /* skips only */
    "0,4 1,6 2,4 0,6 1,4 3,6 4,4 2,6|0,6 1,4 2,6 0,4 1,6 3,4 4,6 2,4",   /* 5x5 convs only */
    "0,0 1,1 2,0 0,1 1,0 3,1 4,0 2,1|0,1 1,0 2,1 0,0 1,1 3,0 4,1 2,0",   /* pools only */
  };
  ZcSpace *s = space_with((const char *const[]){NULL});
  ZcWorkspace *ws = zc_workspace_new(2);
  for (guint k = 0; k < G_N_ELEMENTS(archs); k++)
    for (int f64 = 0; f64 < 2; f64++) {
      ZcArch *a = parse(s, archs[k]);
      ZcNet *net = build(s, a, f64, 3 + k);
      ZcDType dt = zc_net_dtype(net);
      const int batch = 2;
      void *x = randn(dt, (gsize)batch * 3 * 32 * 32, 7 + k);
      gint32 labels[2] = {3, 8};
      GError *err = NULL;
      if (!zc_net_forward(net, ws, x, batch, &err)) fail_msg("%s", err->message);
      int out = zc_net_output(net);
      ZcShape sh;
      assert_true(zc_net_shape(net, out, &sh));
      assert_int_equal(sh.ndim, 1);
      assert_int_equal(sh.dims[0], 10);
      const void *y = zc_net_value(net, ws, out);
      for (gsize i = 0; i < (gsize)batch * 10; i++) assert_true(isfinite(zc_get(dt, y, i)));
      double loss = NAN;
      if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
      assert_true(isfinite(loss) && loss > 0);
      double gsum = 0;
      for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
        ZcParamInfo p;
        assert_true(zc_net_param(net, i, &p));
        for (gsize e = 0; e < p.numel; e++) {
          double g = zc_get(dt, p.grad, e);
          assert_true(isfinite(g));
          gsum += fabs(g);
        }
      }
      assert_true(gsum > 0);
      g_free(x);
      zc_net_free(net);
      zc_space_arch_free(s, a);
    }
  zc_workspace_free(ws);
  zc_space_free(s);
}

/* First (normal) cell of "0,2 1,2 | 2,2 0,2 | ...": node 2 = pre0 + pre1, node 3 =
 * node 2 + pre0, checked on the channel blocks of the cell's concatenated output. */
static void test_cell_wiring(void **state) {
  ZcSpace *s = space_with((const char *const[]){NULL});
  ZcArch *a = parse(s, "0,2 1,2 2,2 0,2 0,3 1,4 2,5 3,6|0,4 1,3 2,2 1,6 3,5 0,0 4,1 1,2");
  ZcNet *net = build(s, a, TRUE, 9);
  ZcWorkspace *ws = zc_workspace_new(1);
  void *x = randn(ZC_F64, 3 * 32 * 32, 5);
  assert_true(zc_net_forward(net, ws, x, 1, NULL));
  int t[8];
  zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, t, 8);
  /* batchnorm nodes in build order: stem, preprocess0, preprocess1 */
  int bn[3], nb = 0;
  for (int i = 0; i < t[0] && nb < 3; i++)
    if (!strcmp(zc_net_op_name(net, i), "batchnorm")) bn[nb++] = i;
  assert_int_equal(nb, 3);
  const double *p0 = zc_net_value(net, ws, bn[1]), *p1 = zc_net_value(net, ws, bn[2]), *o = zc_net_value(net, ws, t[0]);
  assert_non_null(p0);
  assert_non_null(o);
  const gsize plane = 32 * 32 * 32;   /* c = 32 channels of 32x32 */
  double worst = 0;
  for (gsize i = 0; i < plane; i++) {
    worst = fmax(worst, fabs(o[i] - (p0[i] + p1[i])));
    worst = fmax(worst, fabs(o[plane + i] - (2 * p0[i] + p1[i])));
  }
  assert_true(worst < 1e-12);
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_params_every_row),
    cmocka_unit_test(test_shapes_and_tags),
    cmocka_unit_test(test_forward_backward),
    cmocka_unit_test(test_cell_wiring),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
