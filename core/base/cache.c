/* Persistent score cache on SQLite: see zcnas/cache.h. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <zcnas/cache.h>
#include <zcnas/error.h>

/* "ZCNS": lets `file` and other tools tell our databases apart */
#define ZC_CACHE_APPLICATION_ID 0x5a434e53

/* A put waiting for the next flush: owned copies. */
typedef struct {
  ZcCacheKey key;
  ZcCacheRecord *rec;
} Pending;

struct ZcCache {
  gchar *path;
  sqlite3 *db;
  ZcCacheFlags flags;
  guint batch;
  GPtrArray *pending; /* Pending*: puts not yet written, oldest first */
  sqlite3_stmt *find_id, *get_rec, *get_out, *ins_score, *upd_score, *del_out, *ins_out;
};

static const char *const schema_sql =
    "CREATE TABLE zcnas_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE scores("
    " id INTEGER PRIMARY KEY,"
    " space TEXT NOT NULL, genotype TEXT NOT NULL, proxy TEXT NOT NULL,"
    " proxy_version TEXT NOT NULL, options_hash TEXT NOT NULL, data_hash TEXT NOT NULL,"
    " batch INTEGER NOT NULL, seed INTEGER NOT NULL, dtype TEXT NOT NULL, backend TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('ok', 'nan', 'failed', 'degenerate')),"
    " message TEXT, wall_s REAL, peak_bytes INTEGER, timestamp_us INTEGER NOT NULL,"
    " UNIQUE (space, genotype, proxy, proxy_version, options_hash, data_hash, batch, seed,"
    "         dtype, backend));"
    "CREATE INDEX scores_space_proxy ON scores(space, proxy);"
    /* bits = the exact IEEE-754 pattern (what lookups read: NaN and -0.0 survive);
     * value (NULL unless finite) and class are for queries by people and SQL */
    "CREATE TABLE outputs("
    " score_id INTEGER NOT NULL REFERENCES scores(id) ON DELETE CASCADE,"
    " ord INTEGER NOT NULL, name TEXT NOT NULL, bits INTEGER NOT NULL, value REAL,"
    " class TEXT NOT NULL CHECK (class IN ('finite', 'nan', 'inf', '-inf')),"
    " PRIMARY KEY (score_id, name)) WITHOUT ROWID;";

#define KEY_WHERE                                                                              \
  "space = ?1 AND genotype = ?2 AND proxy = ?3 AND proxy_version = ?4 AND options_hash = ?5 " \
  "AND data_hash = ?6 AND batch = ?7 AND seed = ?8 AND dtype = ?9 AND backend = ?10"

static int error_code_of(int rc) {
  switch (rc & 0xff) {
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
  case SQLITE_SCHEMA:
  case SQLITE_MISMATCH:
  case SQLITE_CONSTRAINT:
    return ZC_ERROR_DATA;
  case SQLITE_NOMEM:
    return ZC_ERROR_NOMEM;
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
  case SQLITE_FULL:
  case SQLITE_READONLY:
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_PERM:
  case SQLITE_PROTOCOL:
    return ZC_ERROR_IO;
  default:
    return ZC_ERROR_FAILED;
  }
}

static gboolean db_fail(ZcCache *c, int rc, GError **error, const char *what) {
  gboolean damaged = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
  g_set_error(error, ZC_ERROR, error_code_of(rc), "%s: %s%s: %s", c->path,
              damaged ? "not a usable zcnas score cache: " : "", what,
              c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
  return FALSE;
}

static gboolean exec(ZcCache *c, const char *sql, GError **error) {
  int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    gchar *what = g_strndup(sql, 40);   /* enough to say which statement */
    db_fail(c, rc, error, what);
    g_free(what);
    return FALSE;
  }
  return TRUE;
}

static gboolean prepare(ZcCache *c, sqlite3_stmt **st, const char *sql, GError **error) {
  int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
  if (rc != SQLITE_OK) return db_fail(c, rc, error, "preparing a statement");
  return TRUE;
}

/* One integer from a query (0 when it returns no row). */
static gboolean query_int(ZcCache *c, const char *sql, gint64 *out, GError **error) {
  sqlite3_stmt *st = NULL;
  if (!prepare(c, &st, sql, error)) return FALSE;
  int rc = sqlite3_step(st);
  gboolean ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
  else if (rc == SQLITE_DONE) *out = 0;
  if (!ok) db_fail(c, rc, error, sql);
  sqlite3_finalize(st);
  return ok;
}

gchar *zc_cache_default_path(void) {
  return g_build_filename(g_get_user_cache_dir(), "zcnas", "scores.sqlite", NULL);
}

/* ---- records -------------------------------------------------------------------- */

ZcCacheRecord *zc_cache_record_new(ZcScoreStatus status) {
  ZcCacheRecord *r = g_new0(ZcCacheRecord, 1);
  r->status = status;
  r->wall_s = NAN;
  r->peak_bytes = -1;
  r->names = g_ptr_array_new_with_free_func(g_free);
  r->values = g_array_new(FALSE, FALSE, sizeof(double));
  return r;
}

void zc_cache_record_free(ZcCacheRecord *r) {
  if (!r) return;
  g_free(r->message);
  g_ptr_array_unref(r->names);
  g_array_unref(r->values);
  g_free(r);
}

static ZcCacheRecord *record_copy(const ZcCacheRecord *r) {
  g_return_val_if_fail(r, NULL);
  ZcCacheRecord *d = zc_cache_record_new(r->status);
  d->message = g_strdup(r->message);
  d->wall_s = r->wall_s;
  d->peak_bytes = r->peak_bytes;
  d->timestamp_us = r->timestamp_us;
  for (guint i = 0; i < r->names->len; i++)
    zc_cache_record_set(d, g_ptr_array_index(r->names, i), g_array_index(r->values, double, i));
  return d;
}

static gssize record_find(const ZcCacheRecord *r, const char *name) {
  for (guint i = 0; i < r->names->len; i++)
    if (strcmp(g_ptr_array_index(r->names, i), name) == 0) return i;
  return -1;
}

void zc_cache_record_set(ZcCacheRecord *r, const char *name, double value) {
  g_return_if_fail(r && name);
  gssize i = record_find(r, name);
  if (i >= 0) {
    g_array_index(r->values, double, i) = value;
    return;
  }
  g_ptr_array_add(r->names, g_strdup(name));
  g_array_append_val(r->values, value);
}

gboolean zc_cache_record_get(const ZcCacheRecord *r, const char *name, double *value) {
  g_return_val_if_fail(r && name, FALSE);
  gssize i = record_find(r, name);
  if (i < 0) return FALSE;
  if (value) *value = g_array_index(r->values, double, i);
  return TRUE;
}

static const char *status_name(ZcScoreStatus s) {
  return s == ZC_SCORE_OK ? "ok" : s == ZC_SCORE_NAN ? "nan" : s == ZC_SCORE_DEGENERATE ? "degenerate" : "failed";
}

static ZcScoreStatus status_parse(const char *s) {
  if (s && strcmp(s, "ok") == 0) return ZC_SCORE_OK;
  if (s && strcmp(s, "nan") == 0) return ZC_SCORE_NAN;
  if (s && strcmp(s, "degenerate") == 0) return ZC_SCORE_DEGENERATE;
  return ZC_SCORE_FAILED;
}

static const char *value_class(double v) {
  if (isnan(v)) return "nan";
  if (isinf(v)) return v > 0 ? "inf" : "-inf";
  return "finite";
}

static gint64 double_bits(double v) {
  gint64 b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double bits_double(sqlite3_stmt *st, int col) {
  gint64 b = sqlite3_column_int64(st, col);
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* ---- open / close ---------------------------------------------------------------- */

static void finalize_all(ZcCache *c) {
  sqlite3_stmt **all[] = {&c->find_id, &c->get_rec, &c->get_out, &c->ins_score,
                          &c->upd_score, &c->del_out, &c->ins_out};
  for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
    sqlite3_finalize(*all[i]);
    *all[i] = NULL;
  }
}

static void key_copy(ZcCacheKey *dst, const ZcCacheKey *src) {
  *dst = *src;
  dst->space = g_strdup(src->space);
  dst->genotype = g_strdup(src->genotype);
  dst->proxy = g_strdup(src->proxy);
  dst->proxy_version = g_strdup(src->proxy_version);
  dst->options_hash = g_strdup(src->options_hash);
  dst->data_hash = g_strdup(src->data_hash);
  dst->dtype = g_strdup(src->dtype);
  dst->backend = g_strdup(src->backend);
}

static gboolean key_equal(const ZcCacheKey *a, const ZcCacheKey *b) {
  return a->batch == b->batch && a->seed == b->seed && strcmp(a->space, b->space) == 0 &&
         strcmp(a->genotype, b->genotype) == 0 && strcmp(a->proxy, b->proxy) == 0 &&
         strcmp(a->proxy_version, b->proxy_version) == 0 && strcmp(a->options_hash, b->options_hash) == 0 &&
         strcmp(a->data_hash, b->data_hash) == 0 && strcmp(a->dtype, b->dtype) == 0 &&
         strcmp(a->backend, b->backend) == 0;
}

static void pending_free(gpointer data) {
  Pending *p = data;
  g_free((gchar *)p->key.space);
  g_free((gchar *)p->key.genotype);
  g_free((gchar *)p->key.proxy);
  g_free((gchar *)p->key.proxy_version);
  g_free((gchar *)p->key.options_hash);
  g_free((gchar *)p->key.data_hash);
  g_free((gchar *)p->key.dtype);
  g_free((gchar *)p->key.backend);
  zc_cache_record_free(p->rec);
  g_free(p);
}

static int put_rows(ZcCache *c, const ZcCacheKey *key, const ZcCacheRecord *rec);

static void cache_free(ZcCache *c) {
  finalize_all(c);
  if (c->db) sqlite3_close(c->db);
  if (c->pending) g_ptr_array_unref(c->pending);
  g_free(c->path);
  g_free(c);
}

/* Lists the tables of a database that is not ours, for the error message. */
static gchar *table_list(ZcCache *c) {
  sqlite3_stmt *st = NULL;
  GString *s = g_string_new(NULL);
  if (sqlite3_prepare_v2(c->db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                         -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      g_string_append_printf(s, "%s%s", s->len ? ", " : "", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return g_string_free(s, FALSE);
}

static gboolean create_schema(ZcCache *c, GError **error) {
  if (!exec(c, "BEGIN IMMEDIATE", error)) return FALSE;
  /* another process may have created it while we waited for the lock */
  gint64 n = 0;
  if (!query_int(c, "SELECT count(*) FROM sqlite_master", &n, error)) goto fail;
  if (n == 0) {
    if (!exec(c, schema_sql, error)) goto fail;
    gchar *meta = g_strdup_printf(
        "INSERT INTO zcnas_meta VALUES ('schema_version', '%d'), ('created_by', 'zcnas %s');"
        "PRAGMA application_id = %d;",
        ZC_CACHE_SCHEMA_VERSION, PACKAGE_VERSION, ZC_CACHE_APPLICATION_ID);
    gboolean ok = exec(c, meta, error);
    g_free(meta);
    if (!ok) goto fail;
  }
  return exec(c, "COMMIT", error);
fail:
  sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Version 1 -> 2: the scores table allows status 'degenerate' (SQLite cannot change a
 * CHECK constraint in place: copy, drop, rename; foreign keys are off until opened). */
static gboolean upgrade_v1(ZcCache *c, GError **error) {
  gchar *create = g_strdup(strstr(schema_sql, "CREATE TABLE scores("));
  *strstr(create, "CREATE INDEX") = '\0';
  gchar *create_new = g_strconcat("CREATE TABLE scores_v2(", create + strlen("CREATE TABLE scores("), NULL);
  gchar *sql = g_strconcat(create_new,
                           "INSERT INTO scores_v2 SELECT * FROM scores;"
                           "DROP TABLE scores;"
                           "ALTER TABLE scores_v2 RENAME TO scores;"
                           "CREATE INDEX scores_space_proxy ON scores(space, proxy);"
                           "UPDATE zcnas_meta SET value = '2' WHERE key = 'schema_version';",
                           NULL);
  gboolean ok = exec(c, "BEGIN IMMEDIATE", error);
  if (ok) {
    /* another process may have upgraded it while we waited for the lock */
    gint64 v = 0;
    ok = query_int(c, "SELECT value FROM zcnas_meta WHERE key = 'schema_version'", &v, error);
    if (ok && v == 1) ok = exec(c, sql, error);
    ok = ok && exec(c, "COMMIT", error);
    if (!ok) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
  }
  g_free(sql);
  g_free(create_new);
  g_free(create);
  return ok;
}

static gboolean check_schema(ZcCache *c, GError **error) {
  gint64 has_meta = 0;
  if (!query_int(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'zcnas_meta'",
                 &has_meta, error))
    return FALSE;
  if (!has_meta) {
    gchar *tables = table_list(c);
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: an SQLite database but not a zcnas score cache (no zcnas_meta table; tables: %s)",
                c->path, tables);
    g_free(tables);
    return FALSE;
  }
  sqlite3_stmt *st = NULL;
  if (!prepare(c, &st, "SELECT value FROM zcnas_meta WHERE key = 'schema_version'", error)) return FALSE;
  int rc = sqlite3_step(st);
  gint64 version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_fail(c, rc, error, "reading the schema version");
  if (version == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: not a zcnas score cache (no schema version)", c->path);
    return FALSE;
  }
  if (version == 1 && !(c->flags & ZC_CACHE_READ_ONLY)) {
    if (!upgrade_v1(c, error)) return FALSE;
  } else if (version == 1) {
    /* read as it is: version 1 differs only in the statuses it allows */
  } else if (version != ZC_CACHE_SCHEMA_VERSION) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: score cache schema version %" G_GINT64_FORMAT " is not supported by this zcnas "
                "(it reads version %d)%s",
                c->path, version, ZC_CACHE_SCHEMA_VERSION,
                version > ZC_CACHE_SCHEMA_VERSION ? "; it was written by a newer zcnas" : "");
    return FALSE;
  }
  gint64 n = 0;
  if (!query_int(c, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('scores', 'outputs')",
                 &n, error))
    return FALSE;
  if (n != 2) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: damaged score cache (tables scores/outputs missing)",
                c->path);
    return FALSE;
  }
  return TRUE;
}

static gboolean prepare_all(ZcCache *c, GError **error) {
  return prepare(c, &c->find_id, "SELECT id FROM scores WHERE " KEY_WHERE, error) &&
         prepare(c, &c->get_rec,
                 "SELECT id, status, message, wall_s, peak_bytes, timestamp_us FROM scores WHERE " KEY_WHERE,
                 error) &&
         prepare(c, &c->get_out, "SELECT name, bits FROM outputs WHERE score_id = ? ORDER BY ord",
                 error) &&
         prepare(c, &c->ins_score,
                 "INSERT INTO scores (space, genotype, proxy, proxy_version, options_hash, data_hash,"
                 " batch, seed, dtype, backend, status, message, wall_s, peak_bytes, timestamp_us)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                 error) &&
         prepare(c, &c->upd_score,
                 "UPDATE scores SET status = ?11, message = ?12, wall_s = ?13, peak_bytes = ?14,"
                 " timestamp_us = ?15 WHERE id = ?16",
                 error) &&
         prepare(c, &c->del_out, "DELETE FROM outputs WHERE score_id = ?", error) &&
         prepare(c, &c->ins_out, "INSERT INTO outputs (score_id, ord, name, bits, value, class) VALUES (?, ?, ?, ?, ?, ?)",
                 error);
}

/* Writing needs the file (or, to create it, its directory) and the directory for the
 * WAL and shared-memory files beside it. */
static gboolean check_writable(const char *path, GError **error) {
  gchar *dir = g_path_get_dirname(path);
  gchar *wal = g_strconcat(path, "-wal", NULL);
  const char *what = NULL;
  int e = 0;
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    if (g_access(path, W_OK) != 0) what = "the score cache cannot be written", e = errno;
    else if (!g_file_test(wal, G_FILE_TEST_EXISTS) && g_access(dir, W_OK) != 0)
      what = "the score cache cannot be written (its journal cannot be created in the directory)", e = errno;
  } else if (g_access(dir, W_OK) != 0) {
    what = "the score cache cannot be created in its directory", e = errno;
  }
  if (what) g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s: %s", path, what, g_strerror(e));
  g_free(wal);
  g_free(dir);
  return what == NULL;
}

ZcCache *zc_cache_open_full(const char *path, ZcCacheFlags flags, GError **error) {
  if (path && !*path) {
    /* SQLite would silently use a temporary database */
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "the score cache path is empty");
    return NULL;
  }
  ZcCache *c = g_new0(ZcCache, 1);
  c->path = path ? g_strdup(path) : zc_cache_default_path();
  c->flags = flags;
  c->batch = 1;
  c->pending = g_ptr_array_new_with_free_func(pending_free);
  gboolean ro = (flags & ZC_CACHE_READ_ONLY) != 0;

  if (!ro) {
    gchar *dir = g_path_get_dirname(c->path);
    if (g_mkdir_with_parents(dir, 0755) != 0) {
      int e = errno;
      g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot create directory %s: %s", c->path, dir,
                  g_strerror(e));
      g_free(dir);
      cache_free(c);
      return NULL;
    }
    g_free(dir);
  }
  if (g_file_test(c->path, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: is a directory, not a score cache", c->path);
    cache_free(c);
    return NULL;
  }
  if (ro && !g_file_test(c->path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: no score cache here: %s", c->path, g_strerror(ENOENT));
    cache_free(c);
    return NULL;
  }
  /* say now, before anything is scored, when results could not be stored */
  if (!ro && !check_writable(c->path, error)) {
    cache_free(c);
    return NULL;
  }
  int oflags = ro ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(c->path, &c->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    g_set_error(error, ZC_ERROR, error_code_of(rc) == ZC_ERROR_DATA ? ZC_ERROR_DATA : ZC_ERROR_IO,
                "%s: cannot open the score cache: %s", c->path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    cache_free(c);
    return NULL;
  }
  sqlite3_extended_result_codes(c->db, 1);
  sqlite3_busy_timeout(c->db, 10000);

  /* the first read of the header tells garbage and corrupt files apart */
  gint64 n_tables = 0;
  GError *e = NULL;
  if (!query_int(c, "SELECT count(*) FROM sqlite_master", &n_tables, &e)) {
    int rc0 = sqlite3_errcode(c->db) & 0xff;
    if (rc0 == SQLITE_CANTOPEN || rc0 == SQLITE_READONLY || rc0 == SQLITE_PERM || rc0 == SQLITE_IOERR)
      g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: cannot %s the score cache: %s%s%s", c->path,
                  ro ? "read" : "open or create", sqlite3_errmsg(c->db), sqlite3_system_errno(c->db) ? ": " : "",
                  sqlite3_system_errno(c->db) ? g_strerror(sqlite3_system_errno(c->db)) : "");
    else
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: not a usable zcnas score cache: %s", c->path,
                  sqlite3_errmsg(c->db));
    g_error_free(e);
    cache_free(c);
    return NULL;
  }
  if (n_tables == 0) {
    if (ro) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: empty database, not a zcnas score cache", c->path);
      cache_free(c);
      return NULL;
    }
    /* WAL must be chosen outside a transaction; it is remembered by the file */
    if (!exec(c, "PRAGMA journal_mode = WAL", error) || !create_schema(c, error)) {
      cache_free(c);
      return NULL;
    }
  }
  if (!check_schema(c, error)) {
    cache_free(c);
    return NULL;
  }
  if (!ro && sqlite3_db_readonly(c->db, "main") == 1) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: the score cache cannot be written (opened read-only)", c->path);
    cache_free(c);
    return NULL;
  }
  if (!ro && !exec(c, "PRAGMA journal_mode = WAL", error)) {
    cache_free(c);
    return NULL;
  }
  const char *sync = (flags & ZC_CACHE_SYNC_FULL) ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (!exec(c, sync, error) || !exec(c, "PRAGMA foreign_keys = ON", error) || !prepare_all(c, error)) {
    cache_free(c);
    return NULL;
  }
  return c;
}

ZcCache *zc_cache_open(const char *path, GError **error) {
  return zc_cache_open_full(path, 0, error);
}

const char *zc_cache_path(const ZcCache *c) { return c ? c->path : NULL; }

gboolean zc_cache_flush(ZcCache *c, GError **error) {
  g_return_val_if_fail(c, FALSE);
  if (c->pending->len == 0) return TRUE;
  /* the write lock is held only here, so other processes are not kept waiting while
   * a batch fills */
  if (!exec(c, "BEGIN IMMEDIATE", error)) return FALSE;
  for (guint i = 0; i < c->pending->len; i++) {
    Pending *p = g_ptr_array_index(c->pending, i);
    int rc = put_rows(c, &p->key, p->rec);
    if (rc != SQLITE_OK) {
      db_fail(c, rc, error, "storing scores");
      sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  }
  int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    g_set_error(error, ZC_ERROR, error_code_of(rc), "%s: committing %u scores failed: %s", c->path,
                c->pending->len, sqlite3_errmsg(c->db));
    if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return FALSE;
  }
  g_ptr_array_set_size(c->pending, 0);
  return TRUE;
}

gboolean zc_cache_close(ZcCache *c, GError **error) {
  if (!c) return TRUE;
  GError *e = NULL;
  gboolean ok = zc_cache_flush(c, &e);
  if (!ok) {
    g_set_error(error, e->domain, e->code, "%s (%u scores not written)", e->message, c->pending->len);
    g_error_free(e);
  }
  cache_free(c);
  return ok;
}

gboolean zc_cache_set_batch(ZcCache *c, guint batch, GError **error) {
  g_return_val_if_fail(c, FALSE);
  c->batch = MAX(batch, 1);
  if (c->pending->len >= c->batch) return zc_cache_flush(c, error);
  return TRUE;
}

void zc_cache_set_busy_timeout(ZcCache *c, int ms) {
  g_return_if_fail(c);
  sqlite3_busy_timeout(c->db, ms);
}

guint zc_cache_pending(const ZcCache *c) { return c ? c->pending->len : 0; }

/* ---- lookup / put ------------------------------------------------------------------ */

static gboolean key_valid(const ZcCacheKey *k) {
  return k->space && k->genotype && k->proxy && k->proxy_version && k->options_hash && k->data_hash &&
         k->dtype && k->backend;
}

static void bind_key(sqlite3_stmt *st, const ZcCacheKey *k) {
  sqlite3_bind_text(st, 1, k->space, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, k->genotype, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, k->proxy, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, k->proxy_version, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, k->options_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 6, k->data_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 7, k->batch);
  sqlite3_bind_int64(st, 8, (sqlite3_int64)k->seed);   /* the bits of a guint64 */
  sqlite3_bind_text(st, 9, k->dtype, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 10, k->backend, -1, SQLITE_TRANSIENT);
}

static void reset(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

gboolean zc_cache_lookup(ZcCache *c, const ZcCacheKey *key, ZcCacheRecord **record, GError **error) {
  g_return_val_if_fail(c && key && record, FALSE);
  g_return_val_if_fail(key_valid(key), FALSE);
  *record = NULL;
  for (guint i = c->pending->len; i-- > 0;) {   /* the newest unflushed put wins */
    Pending *p = g_ptr_array_index(c->pending, i);
    if (key_equal(&p->key, key)) {
      *record = record_copy(p->rec);
      return TRUE;
    }
  }
  bind_key(c->get_rec, key);
  int rc = sqlite3_step(c->get_rec);
  if (rc == SQLITE_DONE) {
    reset(c->get_rec);
    return TRUE;
  }
  if (rc != SQLITE_ROW) {
    db_fail(c, rc, error, "lookup");
    reset(c->get_rec);
    return FALSE;
  }
  sqlite3_int64 id = sqlite3_column_int64(c->get_rec, 0);
  ZcCacheRecord *r = zc_cache_record_new(status_parse((const char *)sqlite3_column_text(c->get_rec, 1)));
  if (sqlite3_column_type(c->get_rec, 2) != SQLITE_NULL)
    r->message = g_strdup((const char *)sqlite3_column_text(c->get_rec, 2));
  r->wall_s = sqlite3_column_type(c->get_rec, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(c->get_rec, 3);
  r->peak_bytes = sqlite3_column_type(c->get_rec, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(c->get_rec, 4);
  r->timestamp_us = sqlite3_column_int64(c->get_rec, 5);
  reset(c->get_rec);

  sqlite3_bind_int64(c->get_out, 1, id);
  while ((rc = sqlite3_step(c->get_out)) == SQLITE_ROW) {
    zc_cache_record_set(r, (const char *)sqlite3_column_text(c->get_out, 0), bits_double(c->get_out, 1));
  }
  reset(c->get_out);
  if (rc != SQLITE_DONE) {
    zc_cache_record_free(r);
    return db_fail(c, rc, error, "reading outputs");
  }
  *record = r;
  return TRUE;
}

static int step_done(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  reset(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int put_rows(ZcCache *c, const ZcCacheKey *key, const ZcCacheRecord *rec) {
  ZcScoreStatus status = rec->status;
  gint64 ts = rec->timestamp_us;

  bind_key(c->find_id, key);
  int rc = sqlite3_step(c->find_id);
  sqlite3_int64 id = -1;
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(c->find_id, 0);
  reset(c->find_id);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;

  sqlite3_stmt *st = id >= 0 ? c->upd_score : c->ins_score;
  if (id < 0) bind_key(st, key);
  sqlite3_bind_text(st, 11, status_name(status), -1, SQLITE_STATIC);
  if (rec->message) sqlite3_bind_text(st, 12, rec->message, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(st, 12);
  if (isfinite(rec->wall_s)) sqlite3_bind_double(st, 13, rec->wall_s);
  else sqlite3_bind_null(st, 13);
  if (rec->peak_bytes >= 0) sqlite3_bind_int64(st, 14, rec->peak_bytes);
  else sqlite3_bind_null(st, 14);
  sqlite3_bind_int64(st, 15, ts);
  if (id >= 0) sqlite3_bind_int64(st, 16, id);
  if ((rc = step_done(st)) != SQLITE_OK) return rc;
  if (id < 0) {
    id = sqlite3_last_insert_rowid(c->db);
  } else {
    sqlite3_bind_int64(c->del_out, 1, id);
    if ((rc = step_done(c->del_out)) != SQLITE_OK) return rc;
  }
  for (guint i = 0; i < rec->names->len; i++) {
    double v = g_array_index(rec->values, double, i);
    sqlite3_bind_int64(c->ins_out, 1, id);
    sqlite3_bind_int64(c->ins_out, 2, i);
    sqlite3_bind_text(c->ins_out, 3, g_ptr_array_index(rec->names, i), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(c->ins_out, 4, double_bits(v));
    if (isfinite(v)) sqlite3_bind_double(c->ins_out, 5, v);
    else sqlite3_bind_null(c->ins_out, 5);
    sqlite3_bind_text(c->ins_out, 6, value_class(v), -1, SQLITE_STATIC);
    if ((rc = step_done(c->ins_out)) != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

gboolean zc_cache_put(ZcCache *c, const ZcCacheKey *key, const ZcCacheRecord *rec, GError **error) {
  g_return_val_if_fail(c && key && rec, FALSE);
  g_return_val_if_fail(key_valid(key), FALSE);
  if (c->flags & ZC_CACHE_READ_ONLY) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: the score cache is open read-only", c->path);
    return FALSE;
  }
  Pending *p = g_new0(Pending, 1);
  key_copy(&p->key, key);
  p->rec = record_copy(rec);
  /* a non-finite output makes an "ok" record a "nan" one */
  if (p->rec->status == ZC_SCORE_OK)
    for (guint i = 0; i < p->rec->values->len; i++)
      if (!isfinite(g_array_index(p->rec->values, double, i))) p->rec->status = ZC_SCORE_NAN;
  if (!p->rec->timestamp_us) p->rec->timestamp_us = g_get_real_time();
  g_ptr_array_add(c->pending, p);
  if (c->pending->len >= c->batch) return zc_cache_flush(c, error);
  return TRUE;
}

/* ---- stats, export, maintenance ------------------------------------------------------- */

static gint64 file_size(const char *path) {
  GStatBuf sb;
  return g_stat(path, &sb) == 0 ? (gint64)sb.st_size : 0;
}

void zc_cache_stats_clear(ZcCacheStats *s) {
  if (!s) return;
  if (s->groups) {
    for (guint i = 0; i < s->groups->len; i++) {
      ZcCacheGroupCount *g = &g_array_index(s->groups, ZcCacheGroupCount, i);
      g_free(g->space);
      g_free(g->proxy);
    }
    g_array_unref(s->groups);
  }
  memset(s, 0, sizeof *s);
}

gboolean zc_cache_stats(ZcCache *c, ZcCacheStats *s, GError **error) {
  g_return_val_if_fail(c && s, FALSE);
  memset(s, 0, sizeof *s);
  s->groups = g_array_new(FALSE, TRUE, sizeof(ZcCacheGroupCount));
  sqlite3_stmt *st = NULL;
  if (!prepare(c, &st,
               "SELECT space, proxy, count(*), sum(status = 'failed'), sum(status = 'nan'), sum(status = 'degenerate')"
               " FROM scores GROUP BY space, proxy ORDER BY space, proxy",
               error)) {
    zc_cache_stats_clear(s);
    return FALSE;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ZcCacheGroupCount g = {
        g_strdup((const char *)sqlite3_column_text(st, 0)), g_strdup((const char *)sqlite3_column_text(st, 1)),
        sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
        sqlite3_column_int64(st, 5)};
    g_array_append_val(s->groups, g);
    s->rows += g.rows;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    zc_cache_stats_clear(s);
    return db_fail(c, rc, error, "counting scores");
  }
  gchar *wal = g_strconcat(c->path, "-wal", NULL);
  s->file_bytes = file_size(c->path) + file_size(wal);
  g_free(wal);
  return TRUE;
}

static void csv_field(GString *out, const char *s) {
  if (!s) return;
  if (strpbrk(s, ",\"\r\n") || g_ascii_isspace(s[0]) || (s[0] && g_ascii_isspace(s[strlen(s) - 1]))) {
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p++) {
      if (*p == '"') g_string_append_c(out, '"');
      g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
  } else {
    g_string_append(out, s);
  }
}

static void csv_double(GString *out, double v) {
  if (isnan(v)) g_string_append(out, "nan");
  else if (isinf(v)) g_string_append(out, v > 0 ? "inf" : "-inf");
  else {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.17g", v));
  }
}

#define FILTER_WHERE "(?1 IS NULL OR s.space = ?1) AND (?2 IS NULL OR s.proxy = ?2)"

gboolean zc_cache_export_csv(ZcCache *c, const char *csv_path, const char *space, const char *proxy,
                             GError **error) {
  g_return_val_if_fail(c && csv_path, FALSE);
  sqlite3_stmt *names = NULL, *rows = NULL;
  GPtrArray *cols = g_ptr_array_new_with_free_func(g_free);
  GHashTable *col_of = g_hash_table_new(g_str_hash, g_str_equal);
  GString *out = g_string_new(NULL);
  double *vals = NULL;
  gboolean ok = FALSE;
  int rc;

  if (!prepare(c, &names,
               "SELECT DISTINCT o.name FROM outputs o JOIN scores s ON s.id = o.score_id WHERE " FILTER_WHERE
               " ORDER BY o.name",
               error))
    goto out;
  sqlite3_bind_text(names, 1, space, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(names, 2, proxy, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step(names)) == SQLITE_ROW) {
    gchar *n = g_strdup((const char *)sqlite3_column_text(names, 0));
    g_ptr_array_add(cols, n);
    g_hash_table_insert(col_of, n, GUINT_TO_POINTER(cols->len));
  }
  if (rc != SQLITE_DONE) {
    db_fail(c, rc, error, "listing outputs");
    goto out;
  }
  static const char *const fixed[] = {"space", "genotype", "proxy", "proxy_version", "options_hash",
                                      "data_hash", "batch", "seed", "dtype", "backend", "status",
                                      "message", "wall_s", "peak_bytes", "timestamp"};
  for (gsize i = 0; i < G_N_ELEMENTS(fixed); i++) g_string_append_printf(out, "%s%s", i ? "," : "", fixed[i]);
  for (guint j = 0; j < cols->len; j++) {
    g_string_append_c(out, ',');
    csv_field(out, g_ptr_array_index(cols, j));
  }
  g_string_append(out, "\r\n");

  if (!prepare(c, &rows,
               "SELECT s.id, s.space, s.genotype, s.proxy, s.proxy_version, s.options_hash, s.data_hash,"
               " s.batch, s.seed, s.dtype, s.backend, s.status, s.message, s.wall_s, s.peak_bytes,"
               " s.timestamp_us FROM scores s WHERE " FILTER_WHERE
               " ORDER BY s.space, s.proxy, s.genotype, s.proxy_version, s.options_hash, s.data_hash,"
               " s.batch, s.seed, s.dtype, s.backend",
               error))
    goto out;
  sqlite3_bind_text(rows, 1, space, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(rows, 2, proxy, -1, SQLITE_TRANSIENT);
  vals = g_new(double, cols->len + 1);
  gboolean *have = g_new(gboolean, cols->len + 1);
  while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
    for (int k = 1; k <= 6; k++) {
      if (k > 1) g_string_append_c(out, ',');
      csv_field(out, (const char *)sqlite3_column_text(rows, k));
    }
    g_string_append_printf(out, ",%" G_GINT64_FORMAT ",%" G_GUINT64_FORMAT ",", (gint64)sqlite3_column_int64(rows, 7),
                           (guint64)sqlite3_column_int64(rows, 8));
    csv_field(out, (const char *)sqlite3_column_text(rows, 9));
    g_string_append_c(out, ',');
    csv_field(out, (const char *)sqlite3_column_text(rows, 10));
    g_string_append_c(out, ',');
    csv_field(out, (const char *)sqlite3_column_text(rows, 11));
    g_string_append_c(out, ',');
    csv_field(out, (const char *)sqlite3_column_text(rows, 12));
    g_string_append_c(out, ',');
    if (sqlite3_column_type(rows, 13) != SQLITE_NULL) csv_double(out, sqlite3_column_double(rows, 13));
    g_string_append_c(out, ',');
    if (sqlite3_column_type(rows, 14) != SQLITE_NULL)
      g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)sqlite3_column_int64(rows, 14));
    g_string_append_c(out, ',');
    gint64 us = sqlite3_column_int64(rows, 15);
    GDateTime *dt0 = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    GDateTime *dt = dt0 ? g_date_time_add(dt0, us % G_USEC_PER_SEC) : NULL;
    gchar *iso = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S.%fZ") : NULL;
    if (iso) g_string_append(out, iso);
    g_free(iso);
    if (dt) g_date_time_unref(dt);
    if (dt0) g_date_time_unref(dt0);

    for (guint j = 0; j < cols->len; j++) have[j] = FALSE;
    sqlite3_bind_int64(c->get_out, 1, sqlite3_column_int64(rows, 0));
    int orc;
    while ((orc = sqlite3_step(c->get_out)) == SQLITE_ROW) {
      guint j = GPOINTER_TO_UINT(g_hash_table_lookup(col_of, sqlite3_column_text(c->get_out, 0)));
      if (!j) continue;
      vals[j - 1] = bits_double(c->get_out, 1);
      have[j - 1] = TRUE;
    }
    reset(c->get_out);
    if (orc != SQLITE_DONE) {
      g_free(have);
      db_fail(c, orc, error, "reading outputs");
      goto out;
    }
    for (guint j = 0; j < cols->len; j++) {
      g_string_append_c(out, ',');
      if (have[j]) csv_double(out, vals[j]);
    }
    g_string_append(out, "\r\n");
  }
  g_free(have);
  if (rc != SQLITE_DONE) {
    db_fail(c, rc, error, "reading scores");
    goto out;
  }
  GError *werr = NULL;
  if (!g_file_set_contents(csv_path, out->str, (gssize)out->len, &werr)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: %s", csv_path, werr->message);
    g_error_free(werr);
    goto out;
  }
  ok = TRUE;
out:
  g_free(vals);
  sqlite3_finalize(names);
  sqlite3_finalize(rows);
  g_hash_table_unref(col_of);
  g_ptr_array_unref(cols);
  g_string_free(out, TRUE);
  return ok;
}

gboolean zc_cache_vacuum(ZcCache *c, GError **error) {
  g_return_val_if_fail(c, FALSE);
  if (!zc_cache_flush(c, error)) return FALSE;
  GError *err = NULL;
  if (exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", &err) && exec(c, "VACUUM", &err)) return TRUE;
  /* SQLite reports a damaged file in odd ways ("database or disk is full"): say so */
  GError *damage = NULL;
  if (!zc_cache_check(c, &damage)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA,
                "%s: not a usable zcnas score cache: the file is damaged (%s); nothing was changed "
                "(the sqlite3 shell's .recover may save its records)",
                c->path, sqlite3_errstr(SQLITE_CORRUPT));
    g_error_free(damage);
    g_error_free(err);
    return FALSE;
  }
  g_propagate_error(error, err);
  return FALSE;
}

gboolean zc_cache_purge(ZcCache *c, gboolean failed_only, const char *space, const char *proxy, gint64 *removed,
                        GError **error) {
  g_return_val_if_fail(c, FALSE);
  *removed = 0;
  if (c->flags & ZC_CACHE_READ_ONLY) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s: the score cache is open read-only", c->path);
    return FALSE;
  }
  if (!zc_cache_flush(c, error)) return FALSE;
  sqlite3_stmt *st = NULL;
  /* outputs go with their score (ON DELETE CASCADE) */
  if (!prepare(c, &st,
               "DELETE FROM scores AS s WHERE " FILTER_WHERE " AND (?3 = 0 OR s.status = 'failed')",
               error))
    return FALSE;
  sqlite3_bind_text(st, 1, space, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, proxy, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 3, failed_only ? 1 : 0);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return db_fail(c, rc, error, "removing scores");
  *removed = sqlite3_changes(c->db);
  return TRUE;
}

gboolean zc_cache_check(ZcCache *c, GError **error) {
  g_return_val_if_fail(c, FALSE);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &st, NULL);
  if (rc != SQLITE_OK) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: damaged score cache: %s", c->path, sqlite3_errmsg(c->db));
    return FALSE;
  }
  GString *problems = g_string_new(NULL);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *m = (const char *)sqlite3_column_text(st, 0);
    if (m && strcmp(m, "ok") != 0) g_string_append_printf(problems, "%s%s", problems->len ? "; " : "", m);
  }
  if (rc != SQLITE_DONE)
    g_string_append_printf(problems, "%s%s", problems->len ? "; " : "", sqlite3_errmsg(c->db));
  sqlite3_finalize(st);
  gboolean ok = problems->len == 0;
  if (!ok) g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "%s: damaged score cache: %s", c->path, problems->str);
  g_string_free(problems, TRUE);
  return ok;
}
