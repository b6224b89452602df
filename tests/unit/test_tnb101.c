/* TransNAS-Bench-101 genotypes, costs and networks (plugins/spaces/tnb101_genotype.c and
 * tnb101_net.c compiled in): official strings round trip on every row of the shipped
 * NAS-Bench-Suite-Zero tables, enumeration orders, NASLib sampling and mutation, params
 * and FLOPs against the tables on every row of every supported task, built networks
 * against the counts, forward/backward at small inputs. */
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
#include "tnb101_genotype.h"
#include "tnb101_net.h"

#define SHARE_DATA ZC_TEST_SRCDIR "/share/data/"

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

static void parse_ok(const char *text, TnbGenotype *g) {
  GError *err = NULL;
  if (!tnb_parse(text, g, &err)) fail_msg("%s", err->message);
}

/* Every row of both tables: parse, canonical text = the official string, and the ops /
 * layer digits equal the table's op_indices column. */
static void test_round_trip_tables(void **state) {
  static const char *const files[] = {"tnb101_micro_nbsz_sample.csv", "tnb101_macro_nbsz_sample.csv"};
  for (int v = 0; v < 2; v++) {
    char *path = g_strconcat(SHARE_DATA, files[v], NULL);
    GPtrArray *rows = read_csv(path);
    int ca = column(rows, "arch_str"), co = column(rows, "op_indices");
    guint ok = 0;
    for (guint r = 1; r < rows->len; r++) {
      char **f = g_ptr_array_index(rows, r);
      TnbGenotype g;
      parse_ok(f[ca], &g);
      char *t = tnb_format(&g);
      char digits[7] = {0};
      for (int i = 0; i < 6; i++)
        digits[i] = (char)('0' + (v == 0 ? g.op[i] : i < g.n_layers ? g.layer[i] : 0));
      ok += g.micro == (v == 0) && !strcmp(t, f[ca]) && !strcmp(digits, f[co]);
      g_free(t);
    }
    assert_int_equal(ok, rows->len - 1);
    assert_int_equal(rows->len - 1, v == 0 ? 3555 : 3499);
    g_ptr_array_unref(rows);
    g_free(path);
  }
}

static void test_enumeration(void **state) {
  /* micro: base-4 op_indices, the order of the benchmark's full table (000000, 000001, ...) */
  for (guint i = 0; i < TNB_MICRO_COUNT; i++) {
    TnbGenotype g, h;
    tnb_micro_from_index(i, &g);
    char *t = tnb_format(&g);
    parse_ok(t, &h);
    assert_int_equal(tnb_micro_to_index(&h), i);
    if (i == 0) assert_string_equal(t, "64-41414-0_00_000");
    if (i == 1) assert_string_equal(t, "64-41414-0_00_001");
    if (i == 4 * 4 * 4 * 4 * 4 * 2 + 3) assert_string_equal(t, "64-41414-2_00_003");
    if (i == TNB_MICRO_COUNT - 1) assert_string_equal(t, "64-41414-3_33_333");
    g_free(t);
  }
  /* macro: 3,256 codes in padded-string order, each once; the full table starts with
   * 64-111114-basic; the last code is 444311 (4 strides, 3 doublings, 6 layers) */
  guint prev = 0;
  for (guint i = 0; i < TNB_MACRO_COUNT; i++) {
    TnbGenotype g, h;
    assert_true(tnb_macro_from_index(i, &g));
    char *t = tnb_format(&g);
    parse_ok(t, &h);
    guint j = 99999;
    assert_true(tnb_macro_to_index(&h, &j));
    assert_int_equal(j, i);
    guint code = 0;
    for (int k = 0; k < 6; k++) code = code * 10 + (k < h.n_layers ? h.layer[k] : 0);
    assert_true(i == 0 || code > prev);
    prev = code;
    if (i == 0) assert_string_equal(t, "64-111114-basic");
    if (i == TNB_MACRO_COUNT - 1) assert_string_equal(t, "64-444311-basic");
    g_free(t);
  }
  TnbGenotype g;
  assert_false(tnb_macro_from_index(TNB_MACRO_COUNT, &g));
}

static void expect_error(const char *text, const char *msg) {
  TnbGenotype g;
  GError *err = NULL;
  assert_false(tnb_parse(text, &g, &err));
  assert_non_null(err);
  if (!strstr(err->message, msg)) fail_msg("'%s': got '%s', expected '%s'", text, err->message, msg);
  g_error_free(err);
}

static void test_parse_errors(void **state) {
  expect_error("64-41414-1_00_2x0", "at position 16: cell node 3, edge from node 1: not an op 0..3");
  expect_error("64-41414-1_00_21", "at position 17: cell node 3, edge from node 2: missing op");
  expect_error("64-41414-1_0_210", "at position 13: cell node 2, edge from node 1: not an op 0..3");
  expect_error("64-41414-1_00210", "at position 14: cell: expected '_' before node 3");
  expect_error("64-41414-1_00_2100", "at position 18: unexpected text after the cell");
  expect_error("32-41414-1_00_210", "at position 1: base channels: 32, the benchmark has only 64");
  expect_error("64-4141-1_00_210", "at position 4: micro layer code: the benchmark's micro networks all have 41414");
  expect_error("64-1111-basic", "at position 4: macro layer code: 0 stride-2 layers");
  expect_error("64-3333-basic", "0 channel-doubling layers");
  expect_error("64-444444-basic", "6 stride-2 layers");
  expect_error("64-124-basic", "3 layers, the benchmark has 4..6");
  expect_error("64-1250-basic", "at position 6: layer code: '5' is not a layer type 1..4");
  expect_error("64-1242", "at position 8: expected '-' after the layer code");
  expect_error("", "at position 1: base channels: expected a number");
}

/* Params and FLOPs without building against NBSZ's columns (millions, 6 decimals: within
 * 5e-7) on every row of every supported task. */
static void test_cost_tables(void **state) {
  static const char *const files[] = {"tnb101_micro_nbsz_sample.csv", "tnb101_macro_nbsz_sample.csv"};
  for (int v = 0; v < 2; v++) {
    char *path = g_strconcat(SHARE_DATA, files[v], NULL);
    GPtrArray *rows = read_csv(path);
    int ct = column(rows, "task"), ca = column(rows, "arch_str"), cp = column(rows, "params"),
        cf = column(rows, "flops");
    guint n = 0, okp = 0, okf = 0;
    for (guint r = 1; r < rows->len; r++) {
      char **f = g_ptr_array_index(rows, r);
      TnbMacro m = {TNB_N_TASKS, 256};
      for (int t = 0; t < TNB_N_TASKS; t++)
        if (!strcmp(f[ct], tnb_task_name((TnbTask)t))) m.task = (TnbTask)t;
      assert_true(m.task < TNB_N_TASKS);
      TnbGenotype g;
      parse_ok(f[ca], &g);
      double p, fl;
      assert_true(tnb_cost(&g, &m, &p, &fl, NULL));
      n++;
      okp += fabs(p * 1e-6 - g_ascii_strtod(f[cp], NULL)) < 5e-7;
      okf += fabs(fl * 1e-6 - g_ascii_strtod(f[cf], NULL)) < 5e-7;
    }
    /* micro 5 x 711 rows (jigsaw included); macro 662 + 662 + 725 + 725 + 725 */
    assert_int_equal(n, v == 0 ? 3555 : 3499);
    assert_int_equal(okp, n);
    assert_int_equal(okf, n);
    g_ptr_array_unref(rows);
    g_free(path);
  }
  /* jigsaw is counted but not built */
  TnbGenotype g;
  TnbMacro m = {TNB_TASK_JIGSAW, 256};
  GError *err = NULL;
  parse_ok("64-41414-1_00_210", &g);
  assert_null(tnb_net_build(&g, &m, FALSE, 1, &err));
  assert_non_null(strstr(err->message, "task 'jigsaw' is not built: its siamese encoder"));
  g_clear_error(&err);
}

/* room_layout and segmentsemantic have no table: their parameters against a count by hand
 * from NBSZ's class_object row of 64-41414-1_00_210 (0.929668 M: encoder + linear 512 -> 100
 * with bias), at 256x256 (encoder output 512 x 8 x 8, so 5 upsamplings). */
static void test_independent_params(void **state) {
  const double encoder = 929668 - (512 * 100 + 100);
  /* room_layout: linear 512 -> 9 with bias */
  const double room = encoder + 512 * 9 + 9;
  /* SegmentationDecoder, n = 5: conv 512->1024, conv 1024->512 (6 - n = 1), deconvs
   * 512->256->128->64->32 (n - 1 = 4), deconv 32->32, each 3x3 with bias and an affine BN;
   * conv 32->17 with bias */
  static const int layers[][2] = {{512, 1024}, {1024, 512}, {512, 256}, {256, 128}, {128, 64}, {64, 32}, {32, 32}};
  double seg = encoder;
  for (guint i = 0; i < G_N_ELEMENTS(layers); i++) seg += layers[i][0] * layers[i][1] * 9.0 + 3.0 * layers[i][1];
  seg += 32 * 17 * 9 + 17;
  TnbGenotype g;
  parse_ok("64-41414-1_00_210", &g);
  static const TnbTask tasks[] = {TNB_TASK_ROOM_LAYOUT, TNB_TASK_SEGMENTSEMANTIC};
  const double want[] = {room, seg};
  for (int t = 0; t < 2; t++) {
    TnbMacro m = {tasks[t], 256};
    double p, fl;
    assert_true(tnb_cost(&g, &m, &p, &fl, NULL));
    if (p != want[t]) fail_msg("%s: params %.0f, by hand %.0f", tnb_task_name(tasks[t]), p, want[t]);
    ZcNet *net = tnb_net_build(&g, &m, FALSE, 1, NULL);
    assert_non_null(net);
    assert_int_equal(zc_net_n_params(net), (gsize)want[t]);
    zc_net_free(net);
  }
}

static void test_sample_mutate(void **state) {
  ZcRng rng;
  zc_rng_init(&rng, 7, 1);
  guint hist[TNB_N_OPS] = {0};
  for (int i = 0; i < 2000; i++) {
    TnbGenotype g, c;
    tnb_sample(TRUE, &rng, &g);
    assert_true(g.micro);
    assert_false(g.op[0] == TNB_SKIP && g.op[1] == TNB_SKIP && g.op[2] == TNB_SKIP);
    assert_false(g.op[2] == TNB_SKIP && g.op[4] == TNB_SKIP && g.op[5] == TNB_SKIP);
    for (int e = 0; e < TNB_EDGES; e++) hist[g.op[e]]++;
    tnb_mutate(&g, &rng, &c);
    int diff = 0;
    for (int e = 0; e < TNB_EDGES; e++) diff += c.op[e] != g.op[e];
    assert_int_equal(diff, 1);
    assert_true(c.micro);
  }
  for (int o = 0; o < TNB_N_OPS; o++) assert_true(hist[o] > 2500 && hist[o] < 3500);  /* ~3000 */
  for (int i = 0; i < 2000; i++) {
    TnbGenotype g, c;
    guint idx;
    tnb_sample(FALSE, &rng, &g);
    assert_false(g.micro);
    assert_true(tnb_macro_to_index(&g, &idx));
    tnb_mutate(&g, &rng, &c);
    assert_true(tnb_macro_to_index(&c, &idx));
    guint ps = 0, pd = 0, cs = 0, cd = 0;
    for (int k = 0; k < g.n_layers; k++) ps += g.layer[k] >= 3, pd += g.layer[k] % 2 == 0;
    for (int k = 0; k < c.n_layers; k++) cs += c.layer[k] >= 3, cd += c.layer[k] % 2 == 0;
    /* exactly one of (layers, stride layers, doubling layers) changed */
    assert_int_equal((g.n_layers != c.n_layers) + (ps != cs) + (pd != cd), 1);
  }
}

/* The built network's parameter count and multiply-adds equal the counts without
 * building, at the benchmark's 256x256, for both variants and both head kinds. */
static void test_net_counts(void **state) {
  static const char *const archs[] = {"64-41414-1_00_210", "64-41414-3_33_333", "64-41414-0_00_000",
                                      "64-41414-1_11_111", "64-1242-basic", "64-444311-basic",
                                      "64-111114-basic", "64-31312-basic"};
  static const TnbTask tasks[] = {TNB_TASK_CLASS_SCENE, TNB_TASK_AUTOENCODER, TNB_TASK_ROOM_LAYOUT,
                                  TNB_TASK_SEGMENTSEMANTIC};
  for (guint i = 0; i < G_N_ELEMENTS(archs); i++)
    for (guint t = 0; t < G_N_ELEMENTS(tasks); t++) {
      TnbGenotype g;
      parse_ok(archs[i], &g);
      TnbMacro m = {tasks[t], 256};
      GError *err = NULL;
      ZcNet *net = tnb_net_build(&g, &m, FALSE, 1, &err);
      if (!net) fail_msg("%s: %s", archs[i], err->message);
      double p, fl;
      assert_true(tnb_cost(&g, &m, &p, &fl, NULL));
      assert_int_equal((gsize)p, zc_net_n_params(net));
      if (fabs(zc_net_macs(net) - tnb_macs(&g, &m)) > 0.5)
        fail_msg("%s %s: macs %.0f vs %.0f", archs[i], tnb_task_name(tasks[t]), zc_net_macs(net), tnb_macs(&g, &m));
      ZcShape sh;
      assert_true(zc_net_shape(net, zc_net_output(net), &sh));
      if (t == 0 || t == 2) {
        assert_int_equal(sh.ndim, 1);
        assert_int_equal(sh.dims[0], t == 0 ? 63 : 9);
      } else {
        assert_int_equal(sh.ndim, 3);
        assert_int_equal(sh.dims[0], t == 1 ? 3 : 17);
        assert_int_equal(sh.dims[1], 256);
        assert_int_equal(sh.dims[2], 256);
      }
      int blocks[16];
      assert_int_equal(zc_net_find_tagged(net, ZC_TAG_BLOCK_OUTPUT, blocks, 16), 2 * g.n_layers);
      zc_net_free(net);
    }
}

static void *randn(ZcDType dt, gsize n, guint64 seed) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, 99);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

/* Forward + backward at small inputs: class_object at 64x64 with cross-entropy (output
 * (2, 100)), autoencoder at 32x32 with L1 against the input (output (3, 32, 32), in
 * [-1, 1] from the tanh), room_layout with MSE on 9 outputs, segmentsemantic with
 * cross-entropy per pixel (output (17, H, W)); loss finite and positive, every gradient
 * finite, the stem's gradient non-zero. */
static void run_fwd_bwd(const char *arch, TnbTask task, guint res) {
  TnbGenotype g;
  parse_ok(arch, &g);
  TnbMacro m = {task, res};
  GError *err = NULL;
  ZcNet *net = tnb_net_build(&g, &m, FALSE, 3, &err);
  if (!net) fail_msg("%s: %s", arch, err->message);
  ZcWorkspace *ws = zc_workspace_new(2);
  gsize in = 3 * (gsize)res * res;
  float *x = randn(ZC_F32, 2 * in, 5);
  if (!zc_net_forward(net, ws, x, 2, &err)) fail_msg("%s", err->message);
  int out = zc_net_output(net);
  gsize no = zc_net_numel(net, out);
  const float *y = zc_net_value(net, ws, out);
  double loss = NAN;
  if (task == TNB_TASK_ROOM_LAYOUT) {
    assert_int_equal(no, 9);
    double *t = randn(ZC_F32, 2 * no, 8);
    if (!zc_net_backward_loss(net, ws, ZC_LOSS_MSE, t, &loss, 0, &err)) fail_msg("%s", err->message);
    g_free(t);
  } else if (task == TNB_TASK_SEGMENTSEMANTIC) {
    assert_int_equal(no, 17 * (gsize)res * res);
    gint32 *lab = g_new(gint32, 2 * (gsize)res * res);
    for (gsize k = 0; k < 2 * (gsize)res * res; k++) lab[k] = (gint32)(k * 7 % 17);
    if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, &err)) fail_msg("%s", err->message);
    g_free(lab);
  } else if (tnb_task_classes(task)) {
    assert_int_equal(no, tnb_task_classes(task));
    for (gsize k = 0; k < 2 * no; k++) assert_true(isfinite(y[k]));
    gint32 labels[2] = {3, 62};
    if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
  } else {
    assert_int_equal(no, in);
    for (gsize k = 0; k < 2 * no; k++) assert_true(y[k] >= -1 && y[k] <= 1);
    if (!zc_net_backward_loss(net, ws, ZC_LOSS_L1, x, &loss, 0, &err)) fail_msg("%s", err->message);
  }
  assert_true(isfinite(loss) && loss > 0);
  double g0 = 0;
  for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
    ZcParamInfo info;
    assert_true(zc_net_param(net, p, &info));
    for (gsize k = 0; k < info.numel; k++) {
      double gr = zc_get(ZC_F32, info.grad, k);
      assert_true(isfinite(gr));
      if (p == 0) g0 += gr * gr;
    }
  }
  assert_true(g0 > 0);
  g_free(x);
  zc_workspace_free(ws);
  zc_net_free(net);
}

static void test_forward_backward(void **state) {
  run_fwd_bwd("64-41414-1_13_213", TNB_TASK_CLASS_OBJECT, 64);
  run_fwd_bwd("64-41414-0_10_001", TNB_TASK_CLASS_SCENE, 64);   /* node 1 and 2 zero nodes */
  run_fwd_bwd("64-1242-basic", TNB_TASK_CLASS_OBJECT, 64);
  run_fwd_bwd("64-41414-2_02_103", TNB_TASK_AUTOENCODER, 32);
  run_fwd_bwd("64-2341-basic", TNB_TASK_NORMAL, 32);
  run_fwd_bwd("64-41414-3_01_230", TNB_TASK_ROOM_LAYOUT, 64);
  run_fwd_bwd("64-1242-basic", TNB_TASK_ROOM_LAYOUT, 32);
  run_fwd_bwd("64-41414-2_11_302", TNB_TASK_SEGMENTSEMANTIC, 32);
  run_fwd_bwd("64-4123-basic", TNB_TASK_SEGMENTSEMANTIC, 64);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip_tables),
    cmocka_unit_test(test_enumeration),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_cost_tables),
    cmocka_unit_test(test_independent_params),
    cmocka_unit_test(test_sample_mutate),
    cmocka_unit_test(test_net_counts),
    cmocka_unit_test(test_forward_backward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
