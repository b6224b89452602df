/* The tnb101 space plugin through the real loader (plugins/spaces/.libs/tnb101.so): its
 * options and interface, refused tasks, params of built networks against NBSZ's table and
 * the space's cost, and forward/backward at a small resolution. */
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
#include <zcnas/eval.h>

#define PLUGIN ZC_TEST_BUILDDIR "/plugins/spaces/.libs/tnb101.so"

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

static ZcSpace *space_try(const char **kv, GError **err) {
  const ZcPluginDesc *d = zc_registry_find(reg, ZC_KIND_SPACE, "tnb101");
  assert_non_null(d);
  ZcOptions *o = zc_options_from_strv(d->options, kv, "space 'tnb101'", err);
  if (!o) return NULL;
  return zc_space_new(d, o, err);
}

static ZcSpace *space_new(const char **kv) {
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

static void test_interface(void **state) {
  const char *micro[] = {NULL};
  const char *macro[] = {"variant=macro", "task=class_scene", NULL};
  ZcSpace *s = space_new(micro);
  guint c, h, w, classes;
  zc_space_input_shape(s, &c, &h, &w, &classes);
  assert_int_equal(c, 3);
  assert_int_equal(h, 256);
  assert_int_equal(w, 256);
  assert_int_equal(classes, 100);
  assert_int_equal(zc_space_count(s), 4096);
  assert_true(zc_space_can_mutate(s));
  assert_false(zc_space_can_crossover(s));
  ZcArch *a = parse(s, "64-41414-1_00_210");
  guint64 idx;
  assert_true(zc_space_to_index(s, a, &idx));
  assert_int_equal(idx, 1 * 1024 + 2 * 16 + 1 * 4);   /* op_indices 100210 in base 4 */
  ZcCost cost;
  assert_true(zc_space_cost(s, a, &cost, NULL));
  /* NBSZ's class_object row for 64-41414-1_00_210 */
  assert_true(fabs(cost.params_m - 0.929668) < 5e-7);
  assert_true(fabs(cost.flops_m - 263.318016) < 5e-7);
  zc_space_arch_free(s, a);
  GError *err = NULL;
  assert_null(zc_space_parse(s, "64-1242-basic", &err));
  assert_non_null(strstr(err->message, "is a macro architecture, the space is variant=micro"));
  g_clear_error(&err);
  zc_space_free(s);

  s = space_new(macro);
  zc_space_input_shape(s, &c, &h, &w, &classes);
  assert_int_equal(classes, 63);
  assert_int_equal(zc_space_count(s), 3256);
  a = zc_space_from_index(s, 3255, &err);
  assert_non_null(a);
  char *t = zc_space_format(s, a);
  assert_string_equal(t, "64-444311-basic");
  g_free(t);
  zc_space_arch_free(s, a);
  assert_null(zc_space_from_index(s, 3256, &err));
  assert_non_null(strstr(err->message, "out of range 0..3255"));
  g_clear_error(&err);
  a = parse(s, "64-1242-basic");
  assert_true(zc_space_cost(s, a, &cost, NULL));
  assert_true(fabs(cost.params_m - 11.218783) < 5e-7);   /* NBSZ class_scene row */
  assert_true(fabs(cost.flops_m - 13602.455552) < 5e-7);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

/* Every task is offered; jigsaw is counted but its network is refused with the reason. */
static void test_refused_tasks(void **state) {
  const char *kv[] = {"task=jigsaw", NULL};
  ZcSpace *s = space_new(kv);
  ZcArch *a = parse(s, "64-41414-1_00_210");
  ZcCost cost;
  assert_true(zc_space_cost(s, a, &cost, NULL));
  assert_true(fabs(cost.params_m - 5.487368) < 5e-7);   /* NBSZ's jigsaw row */
  assert_true(fabs(cost.flops_m - 21.101056) < 5e-7);
  ZcBuildSpec spec = {sizeof spec, FALSE, 1};
  GError *err = NULL;
  assert_null(zc_space_build(s, a, &spec, &err));
  assert_non_null(strstr(err->message, "task 'jigsaw' is not built: its siamese encoder"));
  g_error_free(err);
  ZcSpaceTask task;
  zc_space_task(s, &task);
  assert_int_equal(task.loss, ZC_LOSS_CE);
  assert_int_equal(task.target, ZC_TARGET_LABEL);
  assert_int_equal(task.classes, 1000);
  zc_space_arch_free(s, a);
  zc_space_free(s);
}

static double bias_grad(ZcNet *net, guint j) {
  int wp, bp;
  assert_true(zc_net_layer_params(net, zc_net_n_layers(net) - 1, &wp, &bp));
  assert_true(bp >= 0);
  ZcParamInfo info;
  assert_true(zc_net_param(net, (guint)bp, &info));
  return ((const double *)info.grad)[j];
}

/* The loss seam: ZC_PASS_LOSS through the evaluation context back-propagates the task's
 * loss against the task's target.  At 16x16, batch 3, float64, the head's bias gradient
 * equals the one computed by hand from the output values and the target:
 *   room_layout     MSE vs seeded N(0,1):  sum_s 2 (y - t) / (9 B)
 *   autoencoder     L1 vs the input, after tanh:  sum_{s,p} sign(y - x) (1 - y^2) / (3 H W B)
 *   segmentsemantic CE per pixel vs seeded labels:  sum_{s,p} (softmax_c - [t = c]) / (H W B) */
static void test_loss_seam(void **state) {
  static const char *const tasks[] = {"task=room_layout", "task=autoencoder", "task=segmentsemantic"};
  static const ZcLossKind kinds[] = {ZC_LOSS_MSE, ZC_LOSS_L1, ZC_LOSS_CE};
  const guint B = 3, P = 16 * 16;
  for (int t = 0; t < 3; t++) {
    const char *kv[] = {"resolution=16", tasks[t], NULL};
    ZcSpace *s = space_new(kv);
    ZcArch *a = parse(s, "64-41414-3_01_230");
    ZcEvalContext *ctx = zc_eval_context_new(NULL, B, 42, 1);
    ZcEval *ev = zc_eval_new(ctx, s, a);
    ZcPassSpec spec = {sizeof spec, TRUE, ZC_BN_BATCH, ZC_INPUT_GAUSSIAN, B, ZC_INIT_SPACE, 0, FALSE,
                       ZC_PASS_LOSS, 0, FALSE};
    ZcNet *net;
    ZcWorkspace *ws;
    GError *err = NULL;
    if (!zc_eval_run(ev, &spec, &net, &ws, &err)) fail_msg("%s: %s", tasks[t], err->message);
    ZcLossKind lk;
    const void *target, *images;
    assert_true(zc_eval_loss_target(ev, net, ZC_INPUT_GAUSSIAN, B, 0, &lk, &target, NULL));
    assert_true(zc_eval_batch(ev, ZC_INPUT_GAUSSIAN, B, 0, TRUE, &images, NULL, NULL));
    assert_int_equal(lk, kinds[t]);
    const double *y = zc_net_value(net, ws, zc_net_output(net));
    gsize N = zc_net_numel(net, zc_net_output(net));
    guint C = t == 0 ? 9 : t == 1 ? 3 : 17;
    assert_int_equal(N, t == 0 ? 9 : C * P);
    if (t == 1) assert_ptr_equal(target, images);
    for (guint c = 0; c < C; c++) {
      double want = 0;
      for (guint b = 0; b < B; b++) {
        const double *ys = y + b * N;
        if (t == 0) {
          want += 2 * (ys[c] - ((const double *)target)[b * N + c]) / (9.0 * B);
        } else if (t == 1) {
          for (guint p = 0; p < P; p++) {
            double v = ys[c * P + p], d = v - ((const double *)images)[b * N + c * P + p];
            want += ((d > 0) - (d < 0)) * (1 - v * v) / ((double)N * B);
          }
        } else {
          const gint32 *lab = (const gint32 *)target + (gsize)b * P;
          for (guint p = 0; p < P; p++) {
            double mx = -INFINITY, se = 0;
            for (guint k = 0; k < C; k++) mx = fmax(mx, ys[k * P + p]);
            for (guint k = 0; k < C; k++) se += exp(ys[k * P + p] - mx);
            assert_true(lab[p] >= 0 && lab[p] < 17);
            want += (exp(ys[c * P + p] - mx) / se - (lab[p] == (gint32)c)) / ((double)P * B);
          }
        }
      }
      double got = bias_grad(net, c);
      if (fabs(got - want) > 1e-10 * fmax(1, fabs(want)))
        fail_msg("%s: bias %u gradient %.15g, by hand %.15g", tasks[t], c, got, want);
    }
    zc_eval_free(ev);
    zc_eval_context_free(ctx);
    zc_space_arch_free(s, a);
    zc_space_free(s);
  }
}

/* Seeded targets are a pure function of the run seed and the batch: the same bytes from
 * another context with the same seed (whatever was asked before), others with another seed. */
static gpointer target_bytes(ZcSpace *s, ZcArch *a, guint64 seed, gboolean other_first, gsize *len) {
  ZcEvalContext *ctx = zc_eval_context_new(NULL, 2, seed, 1);
  ZcEval *ev = zc_eval_new(ctx, s, a);
  ZcBuildSpec bs = {sizeof bs, FALSE, 1};
  ZcNet *net = zc_space_build(s, a, &bs, NULL);
  assert_non_null(net);
  ZcLossKind lk;
  const void *target;
  if (other_first) assert_true(zc_eval_loss_target(ev, net, ZC_INPUT_GAUSSIAN, 2, 1, &lk, &target, NULL));
  assert_true(zc_eval_loss_target(ev, net, ZC_INPUT_GAUSSIAN, 2, 0, &lk, &target, NULL));
  ZcSpaceTask task;
  zc_space_task(s, &task);
  gsize n = zc_net_numel(net, zc_net_output(net)) * 2;
  *len = task.target == ZC_TARGET_PIXEL_LABEL ? n / task.classes * sizeof(gint32) : n * sizeof(float);
  gpointer copy = g_memdup2(target, *len);
  zc_net_free(net);
  zc_eval_free(ev);
  zc_eval_context_free(ctx);
  return copy;
}

static void test_target_determinism(void **state) {
  static const char *const tasks[] = {"task=room_layout", "task=segmentsemantic"};
  for (int t = 0; t < 2; t++) {
    const char *kv[] = {"resolution=16", tasks[t], NULL};
    ZcSpace *s = space_new(kv);
    ZcArch *a = parse(s, "64-41414-1_00_210");
    gsize l1, l2, l3;
    gpointer x = target_bytes(s, a, 42, FALSE, &l1), y = target_bytes(s, a, 42, TRUE, &l2),
             z = target_bytes(s, a, 43, FALSE, &l3);
    assert_int_equal(l1, t == 0 ? 2 * 9 * sizeof(float) : 2 * 256 * sizeof(gint32));
    assert_int_equal(l1, l2);
    assert_int_equal(l1, l3);
    assert_memory_equal(x, y, l1);
    assert_memory_not_equal(x, z, l1);
    g_free(x);
    g_free(y);
    g_free(z);
    zc_space_arch_free(s, a);
    zc_space_free(s);
  }
}

/* Built networks at 256x256: parameter count = cost = NBSZ's params column. */
static void test_params_built(void **state) {
  static const struct { const char *variant, *task, *arch; double params; } rows[] = {
    {"variant=micro", "task=class_scene", "64-41414-1_00_223", 9.440607},
    {"variant=micro", "task=class_scene", "64-41414-1_00_210", 0.910687},
    {"variant=macro", "task=class_scene", "64-2124-basic", 11.661663},
    {"variant=macro", "task=class_scene", "64-1242-basic", 11.218783},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    const char *kv[] = {rows[i].variant, rows[i].task, NULL};
    ZcSpace *s = space_new(kv);
    ZcArch *a = parse(s, rows[i].arch);
    ZcBuildSpec spec = {sizeof spec, FALSE, 1};
    GError *err = NULL;
    ZcNet *net = zc_space_build(s, a, &spec, &err);
    if (!net) fail_msg("%s", err->message);
    ZcCost cost;
    assert_true(zc_space_cost(s, a, &cost, NULL));
    assert_true(fabs(zc_net_n_params(net) * 1e-6 - cost.params_m) < 1e-12);
    assert_true(fabs(cost.params_m - rows[i].params) < 5e-7);
    zc_net_free(net);
    zc_space_arch_free(s, a);
    zc_space_free(s);
  }
}

/* resolution=64: forward+backward (CE) of sampled architectures, output (2, 100). */
static void test_forward_backward(void **state) {
  const char *kvs[2][4] = {{"resolution=64", NULL}, {"variant=macro", "resolution=64", NULL}};
  ZcWorkspace *ws = zc_workspace_new(2);
  for (int v = 0; v < 2; v++) {
    ZcSpace *s = space_new(kvs[v]);
    ZcRng rng;
    zc_rng_init(&rng, 11, 0);
    for (int i = 0; i < 2; i++) {
      GError *err = NULL;
      ZcArch *a = zc_space_sample(s, &rng, &err);
      ZcBuildSpec spec = {sizeof spec, FALSE, (guint64)i};
      ZcNet *net = zc_space_build(s, a, &spec, &err);
      if (!net) fail_msg("%s", err->message);
      float *x = g_new(float, 2 * 3 * 64 * 64);
      guint64 key = zc_rng_key(5, 9);
      for (int k = 0; k < 2 * 3 * 64 * 64; k++) x[k] = (float)zc_rng_normal_at(key, (guint64)k);
      if (!zc_net_forward(net, ws, x, 2, &err)) fail_msg("%s", err->message);
      assert_int_equal(zc_net_numel(net, zc_net_output(net)), 100);
      gint32 labels[2] = {0, 99};
      double loss = NAN;
      if (!zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err)) fail_msg("%s", err->message);
      assert_true(isfinite(loss) && loss > 0);
      for (guint p = 0; p < zc_net_n_param_tensors(net); p++) {
        ZcParamInfo info;
        assert_true(zc_net_param(net, p, &info));
        for (gsize k = 0; k < info.numel; k++) assert_true(isfinite(((float *)info.grad)[k]));
      }
      g_free(x);
      zc_net_free(net);
      zc_space_arch_free(s, a);
    }
    zc_space_free(s);
  }
  zc_workspace_free(ws);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_interface),
    cmocka_unit_test(test_refused_tasks),
    cmocka_unit_test(test_params_built),
    cmocka_unit_test(test_forward_backward),
    cmocka_unit_test(test_loss_seam),
    cmocka_unit_test(test_target_determinism),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
