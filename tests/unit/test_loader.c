/* The plugin loader: every refusal rule, each exercised by a plugin broken in exactly
 * that way (tests/plugins/testplugin.c), and the good plugins still load beside them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <grp.h>
#include <pwd.h>
#include <zcnas/zcnas.h>
#include <zcnas/registry.h>
#include "host/proxy-private.h"   /* zc_pass_spec_from_needs */

#define TP_DIR ZC_TEST_BUILDDIR "/tests/plugins/.libs"

static const char *refusal_for(const ZcRegistry *reg, const char *file) {
  const GPtrArray *r = zc_registry_refusals(reg);
  for (guint i = 0; i < r->len; i++)
    if (strstr(g_ptr_array_index(r, i), file)) return g_ptr_array_index(r, i);
  return NULL;
}

static void assert_refused(const ZcRegistry *reg, const char *file, const char *reason) {
  const char *msg = refusal_for(reg, file);
  if (!msg || !strstr(msg, reason)) fail_msg("%s: expected refusal containing '%s', got '%s'", file, reason, msg);
}

static void test_scan_refuses_each_broken_plugin(void **state) {
  ZcRegistry *reg = zc_registry_new();
  guint loaded = zc_registry_scan(reg, TP_DIR);
  /* only tp_good, toy and tp_searcher load; each other file is refused with its own reason */
  assert_int_equal(loaded, 3);   /* tp_good, the toy space and the test searcher */
  assert_non_null(zc_registry_find(reg, ZC_KIND_PROXY, "tp_good"));
  assert_refused(reg, "tp_no_entry.so", "no entry symbol zc_plugin_describe");
  assert_refused(reg, "tp_major.so", "major versions differ");
  assert_refused(reg, "tp_minor_newer.so", "is newer than host ABI");
  assert_refused(reg, "tp_empty_name.so", "empty plugin name");
  assert_refused(reg, "tp_fingerprint.so", "build fingerprint");
  assert_refused(reg, "tp_small_iface.so", "interface is 8 bytes");
  assert_refused(reg, "tp_zdup.so", "already loaded from");
  assert_int_equal(zc_registry_refusals(reg)->len, 7);
  zc_registry_free(reg);
}

static void test_load_file_error_names_file(void **state) {
  ZcRegistry *reg = zc_registry_new();
  GError *err = NULL;
  assert_false(zc_registry_load_file(reg, TP_DIR "/tp_major.so", &err));
  assert_non_null(err);
  assert_true(g_str_has_prefix(err->message, TP_DIR "/tp_major.so: "));
  assert_int_equal(err->code, ZC_ERROR_PLUGIN);
  g_clear_error(&err);
  /* a file that is not a shared object at all */
  assert_false(zc_registry_load_file(reg, ZC_TEST_SRCDIR "/tests/plugins/testplugin.c", &err));
  assert_true(strstr(err->message, "testplugin.c") != NULL);
  g_clear_error(&err);
  zc_registry_free(reg);
}

/* Descriptors built in the test itself: the version rules without shared objects. */
static gboolean noop_score(gpointer self, ZcEval *ev, double *out, GError **error) { return TRUE; }
static const gint8 up[] = {1};
static const ZcProxyNeeds needs = {.n_outputs = 1, .direction = up};
static const ZcProxyIface iface = {sizeof(ZcProxyIface), &needs, NULL, NULL, noop_score};

static ZcPluginDesc make_desc(guint16 major, guint16 minor, const char *name) {
  ZcPluginDesc d = {sizeof(ZcPluginDesc), major, minor, ZC_FINGERPRINT, ZC_KIND_PROXY, name, "1", "d", "MIT", NULL, &iface};
  return d;
}

static void test_version_rules(void **state) {
  GError *err = NULL;
  ZcPluginDesc same = make_desc(ZC_ABI_MAJOR, ZC_ABI_MINOR, "a");
  assert_true(zc_plugin_desc_check(&same, &err));
  ZcPluginDesc newer = make_desc(ZC_ABI_MAJOR, ZC_ABI_MINOR + 1, "a");
  assert_false(zc_plugin_desc_check(&newer, &err));
  g_clear_error(&err);
  ZcPluginDesc major_up = make_desc(ZC_ABI_MAJOR + 1, 0, "a");
  assert_false(zc_plugin_desc_check(&major_up, &err));
  g_clear_error(&err);
  ZcPluginDesc major_down = make_desc(ZC_ABI_MAJOR - 1, 0, "a");
  assert_false(zc_plugin_desc_check(&major_down, &err));
  g_clear_error(&err);
  ZcPluginDesc bad_name = make_desc(ZC_ABI_MAJOR, 0, "has space");
  assert_false(zc_plugin_desc_check(&bad_name, &err));
  g_clear_error(&err);
  assert_false(zc_plugin_desc_check(NULL, &err));
  g_clear_error(&err);
}

static void test_require_lists_available(void **state) {
  ZcRegistry *reg = zc_registry_new();
  ZcPluginDesc a = make_desc(ZC_ABI_MAJOR, 0, "alpha"), b = make_desc(ZC_ABI_MAJOR, 0, "beta");
  assert_true(zc_registry_add(reg, &b, "static", NULL));
  assert_true(zc_registry_add(reg, &a, "static", NULL));
  GError *err = NULL;
  assert_null(zc_registry_require(reg, ZC_KIND_PROXY, "gamma", "x.cfg:3", &err));
  assert_string_equal(err->message, "x.cfg:3: no proxy plugin named 'gamma' (available: alpha, beta)");
  g_clear_error(&err);
  assert_null(zc_registry_require(reg, ZC_KIND_SPACE, "alpha", "x.cfg:4", &err));
  assert_true(strstr(err->message, "(available: none)") != NULL);
  g_clear_error(&err);
  GPtrArray *list = zc_registry_list(reg, ZC_KIND_PROXY);
  assert_int_equal(list->len, 2);
  assert_string_equal(((ZcPluginDesc *)g_ptr_array_index(list, 0))->name, "alpha");
  g_ptr_array_unref(list);
  zc_registry_free(reg);
}

static void test_search_path_order(void **state) {
  g_setenv("ZCNAS_PLUGIN_PATH", "/env/a:/env/b", TRUE);
  char *p = zc_registry_default_path("/cli", NULL);
  assert_string_equal(p, "/cli:/env/a:/env/b:" ZC_PLUGINDIR);
  g_free(p);
  g_unsetenv("ZCNAS_PLUGIN_PATH");
  p = zc_registry_default_path(NULL, NULL);
  assert_string_equal(p, ZC_PLUGINDIR);
  g_free(p);
  /* the program's own directories replace the installed one; the library never guesses
   * them from where the executable lives (this test runs from the build tree) */
  p = zc_registry_default_path("/cli", "/own/a:/own/b");
  assert_string_equal(p, "/cli:/own/a:/own/b");
  g_free(p);
}


/* A temp dir (mode 0700) holding `name`: a copy of tests/plugins' `src` cut to `len` bytes
 * (-1: whole). */
static char *copy_plugin(const char *dir, const char *src, const char *name, gssize len) {
  gchar *data = NULL;
  gsize n = 0;
  char *from = g_build_filename(TP_DIR, src, NULL), *to = g_build_filename(dir, name, NULL);
  assert_true(g_file_get_contents(from, &data, &n, NULL));
  assert_true(g_file_set_contents(to, data, len < 0 ? (gssize)n : len, NULL));
  assert_int_equal(chmod(to, 0755), 0);
  g_free(data);
  g_free(from);
  return to;
}

/* Files that would crash (SIGBUS on a truncated object) or hang (a FIFO) the dynamic
 * linker are refused before dlopen, each with its reason; the good plugin beside them loads. */
static void test_scan_refuses_non_plugin_files(void **state) {
  char *dir = g_dir_make_tmp("zc-loader-XXXXXX", NULL);
  g_free(copy_plugin(dir, "tp_good.so", "good.so", -1));
  g_free(copy_plugin(dir, "tp_good.so", "trunc.so", 3000));
  char *fifo = g_build_filename(dir, "x.so", NULL), *text = g_build_filename(dir, "y.so", NULL),
       *sub = g_build_filename(dir, "z.so", NULL);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_true(g_file_set_contents(text, "#!/bin/sh\necho not a plugin\n", -1, NULL));
  assert_int_equal(mkdir(sub, 0700), 0);
  ZcRegistry *reg = zc_registry_new();
  assert_int_equal(zc_registry_scan(reg, dir), 1);
  assert_non_null(zc_registry_find(reg, ZC_KIND_PROXY, "tp_good"));
  assert_refused(reg, "trunc.so", "truncated: segment");
  assert_refused(reg, "x.so", "a FIFO, not a plugin file");
  assert_refused(reg, "y.so", "not an ELF shared object");
  assert_refused(reg, "z.so", "a directory, not a plugin file");
  assert_int_equal(zc_registry_refusals(reg)->len, 4);
  zc_registry_free(reg);
  rmdir(sub);
  unlink(fifo);
  unlink(text);
  g_free(fifo);
  g_free(text);
  g_free(sub);
  char *rm = g_strdup_printf("rm -rf '%s'", dir);
  assert_int_equal(system(rm), 0);
  g_free(rm);
  g_free(dir);
}

static void count_warning(const char *message, gpointer data) {
  assert_non_null(strstr(message, "insecure"));
  (*(int *)data)++;
}

/* Plugins others can write are refused, unless ZCNAS_ALLOW_INSECURE_PLUGINS=1 makes that
 * a warning. */
static void test_insecure_plugins(void **state) {
  char *dir = g_dir_make_tmp("zc-loader-XXXXXX", NULL);
  char *file = copy_plugin(dir, "tp_good.so", "tp_good.so", -1);
  g_unsetenv("ZCNAS_ALLOW_INSECURE_PLUGINS");
  /* group-writable file: refused unless the group is the owner's private group (a group of
   * one, named after the owner, e.g. root's own) */
  assert_int_equal(chmod(file, 0775), 0);
  ZcRegistry *reg = zc_registry_new();
  GError *err = NULL;
  if (geteuid() == 0) {
    assert_true(zc_registry_load_file(reg, file, NULL));   /* group root: root's private group */
    zc_registry_free(reg);
    reg = zc_registry_new();
    assert_int_equal(chown(file, (uid_t)-1, 12345), 0);    /* a group without a name */
  }
  struct stat st;
  assert_int_equal(stat(file, &st), 0);
  struct group *gr = getgrgid(st.st_gid);
  struct passwd *pw = getpwuid(geteuid());
  gboolean private = gr && pw && gr->gr_gid == pw->pw_gid && !strcmp(gr->gr_name, pw->pw_name) &&
                     (!gr->gr_mem[0] || (!strcmp(gr->gr_mem[0], pw->pw_name) && !gr->gr_mem[1]));
  if (!private) {
    assert_false(zc_registry_load_file(reg, file, &err));
    assert_non_null(strstr(err->message, "insecure: writable by its group"));
    assert_true(g_str_has_prefix(err->message, file));
    g_clear_error(&err);
  }
  zc_registry_free(reg);
  if (geteuid() == 0) assert_int_equal(chown(file, (uid_t)-1, 0), 0);
  /* owned by another user (only root can arrange that) */
  if (geteuid() == 0) {
    assert_int_equal(chown(file, 12345, (gid_t)-1), 0);
    reg = zc_registry_new();
    assert_false(zc_registry_load_file(reg, file, &err));
    assert_non_null(strstr(err->message, "insecure: owned by user id 12345"));
    g_clear_error(&err);
    zc_registry_free(reg);
    assert_int_equal(chown(file, 0, (gid_t)-1), 0);
  }
  /* world-writable directory, even with a sticky bit */
  assert_int_equal(chmod(file, 0755), 0);
  assert_int_equal(chmod(dir, 01777), 0);
  reg = zc_registry_new();
  assert_false(zc_registry_load_file(reg, file, &err));
  assert_non_null(strstr(err->message, "is writable by everyone"));
  g_clear_error(&err);
  zc_registry_free(reg);
  /* the opt-out: loaded, with a warning */
  g_setenv("ZCNAS_ALLOW_INSECURE_PLUGINS", "1", TRUE);
  int warnings = 0;
  reg = zc_registry_new();
  zc_registry_set_warn_func(reg, count_warning, &warnings);
  assert_true(zc_registry_load_file(reg, file, NULL));
  assert_int_equal(warnings, 1);
  zc_registry_free(reg);
  g_unsetenv("ZCNAS_ALLOW_INSECURE_PLUGINS");
  assert_int_equal(chmod(dir, 0700), 0);
  unlink(file);
  rmdir(dir);
  g_free(file);
  g_free(dir);
}

/* With a search path, only the file named after the plugin asked for is opened: the
 * broken plugins beside it are never touched. */
static void test_require_loads_only_what_is_asked(void **state) {
  ZcRegistry *reg = zc_registry_new();
  zc_registry_set_path(reg, "/nonexistent:" TP_DIR);
  GError *err = NULL;
  const ZcPluginDesc *d = zc_registry_require(reg, ZC_KIND_PROXY, "tp_good", "x.cfg:1", &err);
  assert_non_null(d);
  assert_string_equal(zc_registry_origin(reg, d), TP_DIR "/tp_good.so");
  assert_int_equal(zc_registry_refusals(reg)->len, 0);
  GPtrArray *all = zc_registry_list(reg, 0);
  assert_int_equal(all->len, 1);
  g_ptr_array_unref(all);
  /* found but refused: the reason and the file, not "no such plugin" */
  assert_null(zc_registry_require(reg, ZC_KIND_PROXY, "tp_major", "--set proxies[0]", &err));
  assert_non_null(strstr(err->message, "--set proxies[0]: proxy 'tp_major' was refused: " TP_DIR "/tp_major.so: "));
  assert_non_null(strstr(err->message, "major versions differ"));
  g_clear_error(&err);
  /* the file must provide the kind asked for */
  assert_null(zc_registry_require(reg, ZC_KIND_SPACE, "tp_good", "x.cfg:2", &err));
  assert_non_null(strstr(err->message, "provides proxy 'tp_good', not space 'tp_good'"));
  g_clear_error(&err);
  /* no file at all: the directories searched */
  assert_null(zc_registry_require(reg, ZC_KIND_PROXY, "nope", "x.cfg:3", &err));
  assert_non_null(strstr(err->message, "no file nope.so in /nonexistent:"));
  g_clear_error(&err);
  /* a name is never a path */
  assert_null(zc_registry_require(reg, ZC_KIND_PROXY, "../x", "x.cfg:4", &err));
  g_clear_error(&err);
  zc_registry_free(reg);
}

/* A proxy whose needs contradict themselves is refused when it loads. */
static void test_inconsistent_needs_refused(void **state) {
  static const ZcProxyNeeds labels_no_data = {.flags = ZC_NEEDS_LABELS, .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds grads_no_net = {.flags = ZC_NEEDS_BACKWARD, .input = ZC_INPUT_REAL, .n_batches = 1,
                                            .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds input_no_batches = {.input = ZC_INPUT_REAL, .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds sum_no_backward = {.flags = ZC_NEEDS_NET | ZC_NEEDS_SUM_BACKWARD, .input = ZC_INPUT_ONES,
                                               .n_batches = 1, .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds *bad[] = {&labels_no_data, &grads_no_net, &input_no_batches, &sum_no_backward};
  static const char *why[] = {"ZC_NEEDS_LABELS without ZC_INPUT_REAL", "without ZC_NEEDS_NET", "n_batches 0",
                              "ZC_NEEDS_SUM_BACKWARD without ZC_NEEDS_BACKWARD"};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    ZcProxyIface f = iface;
    f.needs = bad[i];
    ZcPluginDesc d = make_desc(ZC_ABI_MAJOR, 0, "n");
    d.iface = &f;
    GError *err = NULL;
    assert_false(zc_plugin_desc_check(&d, &err));
    assert_non_null(strstr(err->message, why[i]));
    g_clear_error(&err);
  }
}

/* The pass follows from the declared needs: precision, BatchNorm, input, the pass kind,
 * |params| and an own initialisation (written out field by field here). */
static void test_pass_follows_needs(void **state) {
  static const ZcProxyNeeds synflow_like = {
    .flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_SUM_BACKWARD | ZC_NEEDS_ABS_PARAMS | ZC_NEEDS_FLOAT64,
    .bn = ZC_BN_OFF, .input = ZC_INPUT_ONES, .n_batches = 1, .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds zen_like = {.flags = ZC_NEEDS_NET | ZC_NEEDS_OWN_INIT, .bn = ZC_BN_BATCH,
                                        .input = ZC_INPUT_GAUSSIAN, .n_batches = 1, .n_outputs = 1,
                                        .direction = up, .init = ZC_INIT_NORMAL, .init_arg = 0.5};
  static const ZcProxyNeeds loss = {.flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_LABELS, .bn = ZC_BN_BATCH,
                                    .input = ZC_INPUT_REAL, .n_batches = 1, .n_outputs = 1, .direction = up};
  ZcPassSpec s;
  zc_pass_spec_from_needs(&synflow_like, &s);
  assert_int_equal(s.struct_size, sizeof s);
  assert_true(s.float64 && s.abs_params && s.pass == ZC_PASS_SUM && s.batch == 1 && s.bn == ZC_BN_OFF);
  assert_int_equal(s.init, ZC_INIT_SPACE);
  zc_pass_spec_from_needs(&zen_like, &s);
  assert_true(!s.float64 && !s.abs_params && s.pass == ZC_PASS_FORWARD && s.batch == 0);
  assert_int_equal(s.init, ZC_INIT_NORMAL);
  assert_true(s.init_arg == 0.5);
  zc_pass_spec_from_needs(&loss, &s);
  assert_true(s.pass == ZC_PASS_LOSS && !s.abs_params && s.init == ZC_INIT_SPACE && s.init_arg == 1.0);
}

/* What a pass keeps readable follows the declared needs; a plugin built before ABI 3.1
 * (which could not declare them) gets everything. */
static void test_retain_follows_needs(void **state) {
  static const ZcProxyNeeds plain = {.flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD, .bn = ZC_BN_BATCH,
                                     .input = ZC_INPUT_GAUSSIAN, .n_batches = 1, .n_outputs = 1, .direction = up};
  static const ZcProxyNeeds reads = {.flags = ZC_NEEDS_NET | ZC_NEEDS_BACKWARD | ZC_NEEDS_NODE_VALUES |
                                              ZC_NEEDS_LAYER_GRADS,
                                     .bn = ZC_BN_BATCH, .input = ZC_INPUT_GAUSSIAN, .n_batches = 1, .n_outputs = 1,
                                     .direction = up};
  ZcProxyIface f1 = iface, f2 = iface;
  f1.needs = &plain;
  f2.needs = &reads;
  ZcPluginDesc a = make_desc(ZC_ABI_MAJOR, 1, "a"), b = make_desc(ZC_ABI_MAJOR, 1, "b"),
               old = make_desc(ZC_ABI_MAJOR, 0, "old");
  a.iface = &f1;
  b.iface = &f2;
  old.iface = &f1;
  ZcProxy *pa = zc_proxy_new(&a, NULL, NULL), *pb = zc_proxy_new(&b, NULL, NULL), *po = zc_proxy_new(&old, NULL, NULL);
  assert_int_equal(zc_proxy_retain(pa), 0);
  assert_int_equal(zc_proxy_retain(pb), ZC_RETAIN_VALUES | ZC_RETAIN_LAYER_GRADS);
  assert_int_equal(zc_proxy_retain(po), ZC_RETAIN_ALL);
  zc_proxy_free(pa);
  zc_proxy_free(pb);
  zc_proxy_free(po);
}

/* The pass spec carries its size into configure() and back; a proxy that clobbers it was
 * built against another layout and is refused. */
static void clobber_configure(gpointer self, ZcPassSpec *spec) { memset(spec, 0, sizeof *spec); }
static void test_pass_spec_size_checked(void **state) {
  ZcProxyIface f = iface;
  f.configure = clobber_configure;
  ZcPluginDesc d = make_desc(ZC_ABI_MAJOR, 0, "clobber");
  d.iface = &f;
  GError *err = NULL;
  assert_null(zc_proxy_new(&d, NULL, &err));
  assert_non_null(strstr(err->message, "pass spec's size"));
  g_clear_error(&err);
  ZcPluginDesc fine = make_desc(ZC_ABI_MAJOR, 0, "fine");
  ZcProxy *ok = zc_proxy_new(&fine, NULL, &err);
  assert_non_null(ok);
  ZcPassSpec spec;
  zc_proxy_pass_spec(ok, &spec);
  assert_int_equal(spec.struct_size, sizeof spec);
  zc_proxy_free(ok);
}

/* The fingerprint follows the layout: the same expression with one struct one member
 * longer gives another value (the type name is replaced only from here on). */
static guint64 fingerprint_here(void) { return ZC_FINGERPRINT; }
typedef struct {
  double params_m, flops_m, latency_ms;
} WiderCost;
#define ZcCost WiderCost
static void test_fingerprint_follows_layout(void **state) {
  guint64 wider = ZC_FINGERPRINT;
  assert_true(wider != fingerprint_here());
}
#undef ZcCost

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scan_refuses_each_broken_plugin),
    cmocka_unit_test(test_load_file_error_names_file),
    cmocka_unit_test(test_version_rules),
    cmocka_unit_test(test_inconsistent_needs_refused),
    cmocka_unit_test(test_pass_follows_needs),
    cmocka_unit_test(test_retain_follows_needs),
    cmocka_unit_test(test_pass_spec_size_checked),
    cmocka_unit_test(test_fingerprint_follows_layout),
    cmocka_unit_test(test_require_lists_available),
    cmocka_unit_test(test_search_path_order),
    cmocka_unit_test(test_scan_refuses_non_plugin_files),
    cmocka_unit_test(test_insecure_plugins),
    cmocka_unit_test(test_require_loads_only_what_is_asked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
