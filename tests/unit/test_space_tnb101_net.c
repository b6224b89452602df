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

static void test_refused_tasks(void **state) {
  static const char *const tasks[] = {"task=jigsaw", "task=room_layout", "task=segmentsemantic",
                                      "task=autoencoder", "task=normal"};
  for (guint i = 0; i < G_N_ELEMENTS(tasks); i++) {
    const char *kv[] = {tasks[i], NULL};
    GError *err = NULL;
    assert_null(space_try(kv, &err));
    assert_non_null(err);
    assert_non_null(strstr(err->message, i < 3 ? "is not implemented yet" : "needs an L1 image loss"));
    g_error_free(err);
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
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
