/* Score cache: keying, exact round trip of non-finite values and failures, reuse
 * across reopen, refusal of garbage, foreign and damaged files, batching, stats and
 * CSV export, and a writer killed with SIGKILL that loses only its unflushed batch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <zcnas/cache.h>
#include <zcnas/error.h>
#include <zcnas/table.h>

static gchar *tmpdir;

static void rm_rf(const char *path) {
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      gchar *p = g_build_filename(path, name, NULL);
      rm_rf(p);
      g_free(p);
    }
    if (d) g_dir_close(d);
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

static gchar *tpath(const char *name) { return g_build_filename(tmpdir, name, NULL); }

static void assert_contains(const char *haystack, const char *needle) {
  if (!strstr(haystack, needle)) fail_msg("'%s' not found in:\n%s", needle, haystack);
}

static ZcCacheKey base_key(void) {
  ZcCacheKey k = {.space = "nb201", .genotype = "|nor_conv_3x3~0|+|skip_connect~0|none~1|",
                  .proxy = "synflow", .proxy_version = "1.0", .options_hash = "opt0",
                  .data_hash = "data0", .batch = 64, .seed = 9000, .dtype = "f32", .backend = "cpu"};
  return k;
}

static ZcCacheRecord *record_with(double v) {
  ZcCacheRecord *r = zc_cache_record_new(ZC_SCORE_OK);
  zc_cache_record_set(r, "score", v);
  return r;
}

/* The "score" output of key, or a sentinel when absent. */
static double score_of(ZcCache *c, const ZcCacheKey *k) {
  ZcCacheRecord *r = NULL;
  GError *err = NULL;
  assert_true(zc_cache_lookup(c, k, &r, &err));
  assert_null(err);
  if (!r) return -12345;
  double v = -999;
  assert_true(zc_cache_record_get(r, "score", &v));
  zc_cache_record_free(r);
  return v;
}

static void test_every_key_field_matters(void **state) {
  gchar *p = tpath("keys.sqlite");
  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  ZcCacheKey k0 = base_key();
  ZcCacheRecord *r = record_with(0);
  assert_true(zc_cache_put(c, &k0, r, &err));
  zc_cache_record_free(r);
  ZcCacheKey v[10];
  for (int i = 0; i < 10; i++) v[i] = k0;
  v[0].space = "nb101"; v[1].genotype = "|nor_conv_3x3~0|+|skip_connect~0|none~2|";
  v[2].proxy = "snip"; v[3].proxy_version = "1.1"; v[4].options_hash = "opt1";
  v[5].data_hash = "data1"; v[6].batch = 32; v[7].seed = G_MAXUINT64;   /* top bit set */
  v[8].dtype = "f64"; v[9].backend = "cuda";
  for (int i = 0; i < 10; i++) {
    assert_true(score_of(c, &v[i]) == -12345);   /* not found under the base record */
    r = record_with(i + 1);
    assert_true(zc_cache_put(c, &v[i], r, &err));
    zc_cache_record_free(r);
  }
  assert_true(score_of(c, &k0) == 0);
  for (int i = 0; i < 10; i++) assert_true(score_of(c, &v[i]) == i + 1);
  ZcCacheStats s;
  assert_true(zc_cache_stats(c, &s, &err));
  assert_int_equal(s.rows, 11);
  zc_cache_stats_clear(&s);
  assert_true(zc_cache_close(c, &err));
  g_free(p);
}

static void test_round_trip_values_and_failure(void **state) {
  gchar *p = tpath("values.sqlite");
  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  ZcCacheKey k = base_key();
  const char *names[] = {"a", "nan", "pinf", "ninf", "neg", "tiny", "huge", "negzero"};
  const double vals[] = {1.0 / 3.0, NAN, INFINITY, -INFINITY, -123.456e-7, 4.9406564584124654e-324,
                         1.7976931348623157e308, -0.0};
  ZcCacheRecord *r = zc_cache_record_new(ZC_SCORE_OK);
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) zc_cache_record_set(r, names[i], vals[i]);
  r->wall_s = 0.125;
  r->peak_bytes = G_GINT64_CONSTANT(123456789012);
  r->timestamp_us = G_GINT64_CONSTANT(1767225600123456);
  assert_true(zc_cache_put(c, &k, r, &err));
  zc_cache_record_free(r);

  ZcCacheKey kf = k;
  kf.proxy = "grasp";
  r = zc_cache_record_new(ZC_SCORE_FAILED);
  r->message = g_strdup("out of memory at layer 3, \"conv\"");
  assert_true(zc_cache_put(c, &kf, r, &err));
  zc_cache_record_free(r);
  assert_true(zc_cache_close(c, &err));

  c = zc_cache_open(p, &err);   /* a new connection: nothing comes from memory */
  assert_non_null(c);
  assert_true(zc_cache_lookup(c, &k, &r, &err));
  assert_non_null(r);
  /* a non-finite output turns "ok" into "nan" */
  assert_int_equal(r->status, ZC_SCORE_NAN);
  assert_int_equal(r->names->len, G_N_ELEMENTS(names));
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    assert_string_equal(g_ptr_array_index(r->names, i), names[i]);   /* insertion order */
    double got = g_array_index(r->values, double, i);
    if (isnan(vals[i])) assert_true(isnan(got));
    else assert_memory_equal(&got, &vals[i], sizeof got);   /* bit-exact, -0.0 included */
  }
  assert_true(r->wall_s == 0.125);
  assert_true(r->peak_bytes == G_GINT64_CONSTANT(123456789012));
  assert_true(r->timestamp_us == G_GINT64_CONSTANT(1767225600123456));
  zc_cache_record_free(r);

  assert_true(zc_cache_lookup(c, &kf, &r, &err));
  assert_int_equal(r->status, ZC_SCORE_FAILED);
  assert_string_equal(r->message, "out of memory at layer 3, \"conv\"");
  assert_int_equal(r->names->len, 0);
  assert_true(isnan(r->wall_s) && r->peak_bytes == -1);
  gint64 now = g_get_real_time();
  assert_true(r->timestamp_us > now - (gint64)3600 * G_USEC_PER_SEC && r->timestamp_us <= now);
  zc_cache_record_free(r);

  /* replacing a record replaces its outputs */
  r = zc_cache_record_new(ZC_SCORE_OK);
  zc_cache_record_set(r, "other", 2.5);
  assert_true(zc_cache_put(c, &k, r, &err));
  zc_cache_record_free(r);
  assert_true(zc_cache_lookup(c, &k, &r, &err));
  assert_int_equal(r->status, ZC_SCORE_OK);
  assert_int_equal(r->names->len, 1);
  assert_false(zc_cache_record_get(r, "a", NULL));
  double v = 0;
  assert_true(zc_cache_record_get(r, "other", &v) && v == 2.5);
  zc_cache_record_free(r);
  ZcCacheStats s;
  assert_true(zc_cache_stats(c, &s, &err));
  assert_int_equal(s.rows, 2);
  zc_cache_stats_clear(&s);
  assert_true(zc_cache_close(c, &err));
  g_free(p);
}

static void test_reopen_dirs_and_default_path(void **state) {
  gchar *p = g_build_filename(tmpdir, "a", "b", "c", "scores.sqlite", NULL);
  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  ZcCacheKey k = base_key();
  ZcCacheRecord *r = record_with(42);
  assert_true(zc_cache_put(c, &k, r, &err));
  zc_cache_record_free(r);
  /* WAL mode: the log file exists while the cache is open */
  gchar *wal = g_strconcat(p, "-wal", NULL);
  assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
  g_free(wal);
  assert_true(zc_cache_close(c, &err));
  for (int round = 0; round < 2; round++) {
    c = zc_cache_open(p, &err);
    assert_non_null(c);
    assert_true(score_of(c, &k) == 42);
    assert_true(zc_cache_close(c, &err));
  }
  /* read-only: lookups work, puts are refused */
  c = zc_cache_open_full(p, ZC_CACHE_READ_ONLY, &err);
  assert_non_null(c);
  assert_true(score_of(c, &k) == 42);
  r = record_with(1);
  assert_false(zc_cache_put(c, &k, r, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_IO));
  g_clear_error(&err);
  zc_cache_record_free(r);
  zc_cache_close(c, NULL);
  g_free(p);

  /* main() pointed XDG_CACHE_HOME at tmpdir/xdg before GLib read it */
  gchar *def = zc_cache_default_path();
  gchar *want = g_build_filename(tmpdir, "xdg", "zcnas", "scores.sqlite", NULL);
  assert_string_equal(def, want);
  c = zc_cache_open(NULL, &err);
  assert_non_null(c);
  assert_string_equal(zc_cache_path(c), want);
  assert_true(zc_cache_close(c, &err));
  assert_true(g_file_test(want, G_FILE_TEST_IS_REGULAR));
  g_free(def);
  g_free(want);
}

static void write_file(const char *path, const char *data, gssize len) {
  assert_true(g_file_set_contents(path, data, len, NULL));
}

static void sql(const char *path, const char *statements) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char *msg = NULL;
  if (sqlite3_exec(db, statements, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s", msg);
  sqlite3_close(db);
}

static void test_refuses_bad_files(void **state) {
  GError *err = NULL;
  /* garbage */
  gchar *p = tpath("garbage.sqlite");
  GString *junk = g_string_new(NULL);
  for (int i = 0; i < 2000; i++) g_string_append_printf(junk, "not a database %d\n", i);
  write_file(p, junk->str, junk->len);
  g_string_free(junk, TRUE);
  assert_null(zc_cache_open(p, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_contains(err->message, p);
  assert_contains(err->message, "not a database");
  g_clear_error(&err);
  /* a parent "directory" that is a file */
  gchar *under = g_build_filename(p, "sub", "scores.sqlite", NULL);
  assert_null(zc_cache_open(under, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_IO));
  assert_contains(err->message, under);
  assert_contains(err->message, "cannot create directory");
  g_clear_error(&err);
  g_free(under);
  g_free(p);

  /* a foreign SQLite database */
  p = tpath("foreign.sqlite");
  sql(p, "CREATE TABLE invoices(id INTEGER, total REAL); INSERT INTO invoices VALUES (1, 2.5);");
  assert_null(zc_cache_open(p, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_contains(err->message, p);
  assert_contains(err->message, "not a zcnas score cache");
  assert_contains(err->message, "invoices");
  g_clear_error(&err);
  g_free(p);

  /* a newer schema */
  p = tpath("newer.sqlite");
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  zc_cache_close(c, NULL);
  sql(p, "UPDATE zcnas_meta SET value = '99' WHERE key = 'schema_version';");
  assert_null(zc_cache_open(p, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
  assert_contains(err->message, "schema version 99");
  assert_contains(err->message, "newer zcnas");
  g_clear_error(&err);
  g_free(p);

  /* a directory, and an empty file (which becomes a new cache) */
  assert_null(zc_cache_open(tmpdir, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_IO));
  g_clear_error(&err);
  p = tpath("empty.sqlite");
  write_file(p, "", 0);
  c = zc_cache_open(p, &err);
  assert_non_null(c);
  zc_cache_close(c, NULL);
  g_free(p);

  /* damage: a good cache, then (a) everything after page 1 overwritten: refused at
   * open; (b) only the last pages (score rows) overwritten: opens, the check and the
   * lookups that reach the damage report it */
  for (int scenario = 0; scenario < 2; scenario++) {
    p = tpath(scenario ? "damaged-tail.sqlite" : "damaged.sqlite");
    c = zc_cache_open(p, &err);
    assert_non_null(c);
    ZcCacheKey k = base_key();
    gchar g[32];
    for (int i = 0; i < 600; i++) {
      g_snprintf(g, sizeof g, "arch-%d", i);
      k.genotype = g;
      ZcCacheRecord *r = record_with(i);
      assert_true(zc_cache_put(c, &k, r, &err));
      zc_cache_record_free(r);
    }
    assert_true(zc_cache_check(c, &err));
    assert_true(zc_cache_close(c, &err));
    gchar *bytes = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(p, &bytes, &len, NULL));
    assert_true(len > 16 * 4096);
    gsize from = scenario ? len - 4 * 4096 : 4096;
    for (gsize i = from; i < len; i++) bytes[i] = (char)(i * 131 + 7);
    write_file(p, bytes, len);
    g_free(bytes);
    c = zc_cache_open(p, &err);
    if (scenario == 0) {
      assert_null(c);
      assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
      assert_contains(err->message, p);
      assert_contains(err->message, "malformed");
      g_clear_error(&err);
    } else {
      assert_non_null(c);
      assert_false(zc_cache_check(c, &err));
      assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_DATA));
      assert_contains(err->message, p);
      g_clear_error(&err);
      /* every lookup either answers or fails cleanly naming the file */
      int failed = 0;
      for (int i = 0; i < 600; i++) {
        g_snprintf(g, sizeof g, "arch-%d", i);
        k.genotype = g;
        ZcCacheRecord *r = NULL;
        if (!zc_cache_lookup(c, &k, &r, &err)) {
          assert_contains(err->message, p);
          g_clear_error(&err);
          failed++;
        } else if (r) {
          double v = -1;
          assert_true(zc_cache_record_get(r, "score", &v) && v == i);
        }
        zc_cache_record_free(r);
      }
      print_message("damaged tail: %d of 600 lookups failed cleanly\n", failed);
      zc_cache_close(c, NULL);
    }
    g_free(p);
  }
}

static void test_batches_commit_on_flush(void **state) {
  gchar *p = tpath("batch.sqlite");
  GError *err = NULL;
  ZcCache *w = zc_cache_open(p, &err);
  ZcCache *rd = zc_cache_open(p, &err);   /* a second connection sees only commits */
  assert_non_null(w);
  assert_non_null(rd);
  assert_true(zc_cache_set_batch(w, 4, &err));
  ZcCacheKey k = base_key();
  gchar g[32];
  for (int i = 0; i < 3; i++) {
    g_snprintf(g, sizeof g, "b%d", i);
    k.genotype = g;
    ZcCacheRecord *r = record_with(i);
    assert_true(zc_cache_put(w, &k, r, &err));
    zc_cache_record_free(r);
    assert_true(score_of(w, &k) == i);          /* the writer sees its own batch */
    assert_true(score_of(rd, &k) == -12345);    /* others do not, yet */
  }
  assert_int_equal(zc_cache_pending(w), 3);
  g_snprintf(g, sizeof g, "b%d", 3);
  ZcCacheRecord *r = record_with(3);
  assert_true(zc_cache_put(w, &k, r, &err));     /* the 4th put commits the batch */
  zc_cache_record_free(r);
  assert_int_equal(zc_cache_pending(w), 0);
  assert_true(score_of(rd, &k) == 3);
  g_snprintf(g, sizeof g, "b%d", 4);
  r = record_with(4);
  assert_true(zc_cache_put(w, &k, r, &err));
  zc_cache_record_free(r);
  assert_true(score_of(rd, &k) == -12345);
  assert_true(zc_cache_flush(w, &err));
  assert_true(score_of(rd, &k) == 4);
  /* close commits what is pending */
  g_snprintf(g, sizeof g, "b%d", 5);
  r = record_with(5);
  assert_true(zc_cache_put(w, &k, r, &err));
  zc_cache_record_free(r);
  assert_true(zc_cache_close(w, &err));
  assert_true(score_of(rd, &k) == 5);
  zc_cache_close(rd, NULL);
  g_free(p);
}

static void test_batch_holds_no_lock_and_retries(void **state) {
  gchar *p = tpath("shared.sqlite");
  GError *err = NULL;
  ZcCache *a = zc_cache_open(p, &err), *b = zc_cache_open(p, &err);
  assert_non_null(a);
  assert_non_null(b);
  assert_true(zc_cache_set_batch(a, 100, &err));
  zc_cache_set_busy_timeout(a, 0);
  zc_cache_set_busy_timeout(b, 0);   /* any lock held by a would fail b at once */
  ZcCacheKey k = base_key();
  ZcCacheRecord *r = record_with(1);
  assert_true(zc_cache_put(a, &k, r, &err));   /* queued in a */
  zc_cache_record_free(r);
  ZcCacheKey kb = k;
  kb.proxy = "snip";
  r = record_with(2);
  assert_true(zc_cache_put(b, &kb, r, &err));   /* b writes while a's batch fills */
  zc_cache_record_free(r);
  assert_null(err);

  /* another process holds the write lock: a's flush fails and keeps its queue */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  assert_false(zc_cache_flush(a, &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_IO));
  assert_contains(err->message, p);
  g_clear_error(&err);
  assert_int_equal(zc_cache_pending(a), 1);
  assert_true(score_of(a, &k) == 1);          /* still visible to its writer */
  assert_true(score_of(b, &k) == -12345);
  assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_true(zc_cache_flush(a, &err));
  assert_int_equal(zc_cache_pending(a), 0);
  assert_true(score_of(b, &k) == 1);
  assert_true(score_of(a, &kb) == 2);
  assert_true(zc_cache_close(a, &err));
  assert_true(zc_cache_close(b, &err));
  g_free(p);
}

/* Several processes write one file at once, as parallel workers of an experiment do. */
static void test_concurrent_writers(void **state) {
  enum { WORKERS = 3, EACH = 150 };
  gchar *p = tpath("workers.sqlite");
  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);   /* created up front, closed before forking */
  assert_non_null(c);
  assert_true(zc_cache_close(c, &err));
  pid_t pids[WORKERS];
  for (int w = 0; w < WORKERS; w++) {
    pids[w] = fork();
    assert_true(pids[w] >= 0);
    if (pids[w] == 0) {
      ZcCache *wc = zc_cache_open(p, NULL);
      if (!wc || !zc_cache_set_batch(wc, 1 + 4 * w, NULL)) _exit(2);
      ZcCacheKey k = base_key();
      gchar g[32];
      for (int i = 0; i < EACH; i++) {
        g_snprintf(g, sizeof g, "w%d-%d", w, i);
        k.genotype = g;
        ZcCacheRecord *r = record_with(w * 1000 + i);
        if (!zc_cache_put(wc, &k, r, NULL)) _exit(3);
        zc_cache_record_free(r);
      }
      _exit(zc_cache_close(wc, NULL) ? 0 : 4);
    }
  }
  for (int w = 0; w < WORKERS; w++) {
    int status = 0;
    assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
  c = zc_cache_open(p, &err);
  assert_non_null(c);
  ZcCacheStats st;
  assert_true(zc_cache_stats(c, &st, &err));
  assert_int_equal(st.rows, WORKERS * EACH);
  zc_cache_stats_clear(&st);
  ZcCacheKey k = base_key();
  gchar g[32];
  for (int w = 0; w < WORKERS; w++)
    for (int i = 0; i < EACH; i += 7) {
      g_snprintf(g, sizeof g, "w%d-%d", w, i);
      k.genotype = g;
      assert_true(score_of(c, &k) == w * 1000 + i);
    }
  assert_true(zc_cache_close(c, &err));
  g_free(p);
}

static void test_stats_export_vacuum(void **state) {
  gchar *p = tpath("export.sqlite");
  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  const char *spaces[] = {"nb201", "nb301"}, *proxies[] = {"snip", "synflow"};
  ZcCacheKey k = base_key();
  for (int s = 0; s < 2; s++)
    for (int q = 0; q < 2; q++)
      for (int i = 0; i < 5 + s + 2 * q; i++) {
        k.space = spaces[s];
        k.proxy = proxies[q];
        /* genotypes with commas and quotes, as DARTS genotypes have */
        gchar *g = g_strdup_printf("Genotype(normal=[('sep_conv_3x3', %d)], \"x\")", i);
        k.genotype = g;
        ZcCacheRecord *r = zc_cache_record_new(i == 0 ? ZC_SCORE_FAILED : ZC_SCORE_OK);
        if (i == 0) r->message = g_strdup("boom");
        else if (i == 1) zc_cache_record_set(r, "score", -INFINITY);
        else zc_cache_record_set(r, "score", i + 0.5);
        if (q == 1 && i > 0) zc_cache_record_set(r, "extra", NAN);
        assert_true(zc_cache_put(c, &k, r, &err));
        zc_cache_record_free(r);
        g_free(g);
      }
  ZcCacheStats st;
  assert_true(zc_cache_stats(c, &st, &err));
  assert_int_equal(st.rows, 5 + 7 + 6 + 8);
  assert_int_equal(st.groups->len, 4);
  ZcCacheGroupCount *g3 = &g_array_index(st.groups, ZcCacheGroupCount, 3);
  assert_string_equal(g3->space, "nb301");
  assert_string_equal(g3->proxy, "synflow");
  assert_int_equal(g3->rows, 8);
  assert_int_equal(g3->failed, 1);
  assert_int_equal(g3->nonfinite, 7);   /* -inf once, NaN "extra" on the rest */
  ZcCacheGroupCount *g0 = &g_array_index(st.groups, ZcCacheGroupCount, 0);
  assert_int_equal(g0->rows, 5);
  assert_int_equal(g0->nonfinite, 1);
  assert_true(st.file_bytes > 0);
  zc_cache_stats_clear(&st);

  /* export one group and read it back with the table reader */
  gchar *csv = tpath("export.csv");
  assert_true(zc_cache_export_csv(c, csv, "nb301", "synflow", &err));
  const char *m[] = {"score", "extra", "batch", "seed", "wall_s", NULL};
  ZcTableOptions o = {.lenient = TRUE};
  GPtrArray *warn = NULL;
  ZcTable *t = zc_table_load(csv, "genotype", m, &o, &warn, &err);
  assert_null(err);
  assert_int_equal(zc_table_n_rows(t), 8);
  assert_true(warn == NULL || warn->len == 0);
  const double *row = zc_table_lookup(t, "Genotype(normal=[('sep_conv_3x3', 4)], \"x\")");
  assert_non_null(row);
  assert_true(row[0] == 4.5 && isnan(row[1]) && row[2] == 64 && row[3] == 9000 && isnan(row[4]));
  row = zc_table_lookup(t, "Genotype(normal=[('sep_conv_3x3', 1)], \"x\")");
  assert_true(isinf(row[0]) && row[0] < 0);
  row = zc_table_lookup(t, "Genotype(normal=[('sep_conv_3x3', 0)], \"x\")");
  assert_true(isnan(row[0]) && isnan(row[1]));   /* the failed record: empty cells */
  zc_table_free(t);
  if (warn) g_ptr_array_unref(warn);
  gchar *text = NULL;
  assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  assert_true(g_str_has_prefix(text, "space,genotype,proxy,proxy_version,options_hash,data_hash,batch,seed,"
                                     "dtype,backend,status,message,wall_s,peak_bytes,timestamp,extra,score\r\n"));
  assert_contains(text, ",failed,boom,");
  g_free(text);
  /* everything: 26 rows plus the header */
  assert_true(zc_cache_export_csv(c, csv, NULL, NULL, &err));
  t = zc_table_load(csv, "timestamp", NULL, &o, NULL, &err);
  assert_non_null(t);
  zc_table_free(t);
  assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  int lines = 0;
  for (char *q = text; *q; q++) lines += *q == '\n';
  assert_int_equal(lines, 27);
  g_free(text);
  g_free(csv);

  assert_true(zc_cache_vacuum(c, &err));
  assert_true(zc_cache_check(c, &err));
  k.space = "nb201"; k.proxy = "snip";
  gchar *g = g_strdup_printf("Genotype(normal=[('sep_conv_3x3', %d)], \"x\")", 3);
  k.genotype = g;
  assert_true(score_of(c, &k) == 3.5);
  g_free(g);
  assert_true(zc_cache_close(c, &err));
  g_free(p);
}

/* ---- SIGKILL ------------------------------------------------------------------------ */

enum { KILL_BATCH = 7, KILL_MAX = 1000000 };

static double kill_value(int i) { return i * 0.25 - 3; }

static ZcCacheKey kill_key(int i, gchar *buf, gsize len) {
  ZcCacheKey k = base_key();
  g_snprintf(buf, len, "arch-%d", i);
  k.genotype = buf;
  return k;
}

/* The child: put forever, report each committed count on the pipe. */
static void G_GNUC_NORETURN kill_child(const char *path, int fd) {
  ZcCache *c = zc_cache_open(path, NULL);
  if (!c || !zc_cache_set_batch(c, KILL_BATCH, NULL)) _exit(2);
  gchar g[32];
  for (int i = 0; i < KILL_MAX; i++) {
    ZcCacheKey k = kill_key(i, g, sizeof g);
    ZcCacheRecord *r = zc_cache_record_new(ZC_SCORE_OK);
    zc_cache_record_set(r, "score", kill_value(i));
    zc_cache_record_set(r, "aux", -kill_value(i));
    if (!zc_cache_put(c, &k, r, NULL)) _exit(3);
    zc_cache_record_free(r);
    if (zc_cache_pending(c) == 0) {
      gint32 done = i + 1;
      if (write(fd, &done, sizeof done) != sizeof done) _exit(4);
    }
  }
  _exit(5);   /* not reached: the parent kills us first */
}

static void kill_round(const char *name, gint32 kill_after) {
  gchar *p = tpath(name);
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    kill_child(p, fds[1]);
  }
  close(fds[1]);
  gint32 flushed = 0, v;
  while (flushed < kill_after && read(fds[0], &v, sizeof v) == sizeof v) flushed = v;
  assert_true(flushed >= kill_after);
  assert_int_equal(kill(pid, SIGKILL), 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  while (read(fds[0], &v, sizeof v) == sizeof v) flushed = MAX(flushed, v);   /* late reports */
  close(fds[0]);

  GError *err = NULL;
  ZcCache *c = zc_cache_open(p, &err);
  assert_null(err);
  assert_true(zc_cache_check(c, &err));
  ZcCacheStats st;
  assert_true(zc_cache_stats(c, &st, &err));
  /* whole batches only, at least every reported one, at most one unreported batch
   * beyond (committed after the last report was written but before the kill) */
  assert_true(st.rows >= flushed);
  assert_int_equal(st.rows % KILL_BATCH, 0);
  assert_true(st.rows <= flushed + KILL_BATCH);
  print_message("killed writer: %d reported flushed, %" G_GINT64_FORMAT " rows in the cache\n", flushed, st.rows);
  zc_cache_stats_clear(&st);
  gchar g[32];
  for (int i = 0; i < flushed; i++) {
    ZcCacheKey k = kill_key(i, g, sizeof g);
    ZcCacheRecord *r = NULL;
    assert_true(zc_cache_lookup(c, &k, &r, &err));
    if (!r) fail_msg("record %d of %d flushed is missing", i, flushed);
    double a = 0, b = 0;
    assert_true(zc_cache_record_get(r, "score", &a) && zc_cache_record_get(r, "aux", &b));
    assert_true(a == kill_value(i) && b == -kill_value(i));
    zc_cache_record_free(r);
  }
  /* and the cache takes new writes */
  ZcCacheKey k = kill_key(-1, g, sizeof g);
  ZcCacheRecord *r = zc_cache_record_new(ZC_SCORE_OK);
  assert_true(zc_cache_put(c, &k, r, &err));
  zc_cache_record_free(r);
  assert_true(zc_cache_close(c, &err));
  g_free(p);
}

/* kill at a few different points of the run */
static void test_sigkill_loses_only_unflushed(void **state) {
  kill_round("killed-1.sqlite", 1);
  kill_round("killed-2.sqlite", 60);
  kill_round("killed-3.sqlite", 400);
}

/* Status "degenerate" round-trips; a version-1 cache (whose scores table refuses that
 * status) is upgraded in place when opened for writing, keeping its records; purge
 * removes what it is asked to and says how many. */
static void test_degenerate_upgrade_purge(void **state) {
  GError *err = NULL;
  gchar *p = tpath("v1.sqlite");
  ZcCache *c = zc_cache_open(p, &err);
  assert_non_null(c);
  ZcCacheKey k = base_key();
  ZcCacheRecord *r = record_with(1.5);
  assert_true(zc_cache_put(c, &k, r, &err));
  zc_cache_record_free(r);
  assert_true(zc_cache_close(c, &err));
  /* what version 1 wrote */
  sql(p, "PRAGMA writable_schema = ON;"
         "UPDATE sqlite_master SET sql = replace(sql, ', ''degenerate''', '') WHERE name = 'scores';"
         "PRAGMA writable_schema = OFF;"
         "UPDATE zcnas_meta SET value = '1' WHERE key = 'schema_version';");
  c = zc_cache_open_full(p, ZC_CACHE_READ_ONLY, &err);   /* read as it is */
  assert_non_null(c);
  assert_float_equal(score_of(c, &k), 1.5, 0);
  zc_cache_close(c, NULL);
  c = zc_cache_open(p, &err);
  assert_non_null(c);
  assert_float_equal(score_of(c, &k), 1.5, 0);
  ZcCacheKey k2 = k;
  k2.genotype = "|none~0|+|none~0|none~1|";
  r = zc_cache_record_new(ZC_SCORE_DEGENERATE);
  zc_cache_record_set(r, "score", NAN);
  r->message = g_strdup("same for every network");
  assert_true(zc_cache_put(c, &k2, r, &err));
  zc_cache_record_free(r);
  ZcCacheRecord *got = NULL;
  assert_true(zc_cache_lookup(c, &k2, &got, &err));
  assert_non_null(got);
  assert_int_equal(got->status, ZC_SCORE_DEGENERATE);
  zc_cache_record_free(got);
  ZcCacheStats st;
  assert_true(zc_cache_stats(c, &st, &err));
  assert_int_equal(st.rows, 2);
  assert_int_equal(g_array_index(st.groups, ZcCacheGroupCount, 0).degenerate, 1);
  zc_cache_stats_clear(&st);
  gint64 removed = -1;
  assert_true(zc_cache_purge(c, TRUE, NULL, NULL, &removed, &err));
  assert_int_equal(removed, 0);
  assert_true(zc_cache_purge(c, FALSE, NULL, "other", &removed, &err));
  assert_int_equal(removed, 0);
  assert_true(zc_cache_purge(c, FALSE, "nb201", "synflow", &removed, &err));
  assert_int_equal(removed, 2);
  assert_true(zc_cache_close(c, &err));
  /* an empty path is refused, never a temporary database */
  assert_null(zc_cache_open("", &err));
  assert_true(g_error_matches(err, ZC_ERROR, ZC_ERROR_CONFIG));
  g_clear_error(&err);
  g_free(p);
}

int main(void) {
  tmpdir = g_dir_make_tmp("zc-cache-XXXXXX", NULL);
  if (!tmpdir) return 1;
  gchar *xdg = g_build_filename(tmpdir, "xdg", NULL);
  g_setenv("XDG_CACHE_HOME", xdg, TRUE);   /* before GLib reads it */
  g_free(xdg);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_key_field_matters),
      cmocka_unit_test(test_round_trip_values_and_failure),
      cmocka_unit_test(test_reopen_dirs_and_default_path),
      cmocka_unit_test(test_refuses_bad_files),
      cmocka_unit_test(test_batches_commit_on_flush),
      cmocka_unit_test(test_batch_holds_no_lock_and_retries),
      cmocka_unit_test(test_concurrent_writers),
      cmocka_unit_test(test_stats_export_vacuum),
      cmocka_unit_test(test_sigkill_loses_only_unflushed),
      cmocka_unit_test(test_degenerate_upgrade_purge),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  rm_rf(tmpdir);
  g_free(tmpdir);
  return rc;
}
