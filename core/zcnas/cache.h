/* zcnas — persistent cache of proxy scores (SQLite, WAL journal).
 *
 * One record per key (space, canonical genotype, proxy, proxy version, options hash,
 * data hash, batch, seed, dtype, backend): every named output of the proxy, a status,
 * wall seconds, peak memory and a timestamp.  Outputs keep NaN and ±Inf exactly
 * (SQLite turns NaN into NULL and -0.0 into 0, so each value is also stored as its
 * 64-bit IEEE-754 pattern, which is what lookups read).
 *
 * Durability: with the default batch size of 1 every put is written in its own
 * transaction before zc_cache_put() returns.  With a larger batch, puts are queued in
 * memory (lookups on the same ZcCache see them) and written in one transaction when
 * the batch is full, on zc_cache_flush() and on zc_cache_close(); a process killed at
 * any moment loses at most the unflushed batch, and the file stays consistent (WAL).
 * The write lock is held only while a batch is written, so several processes can
 * share one file (a writer waits up to the busy timeout for the lock).  If writing
 * fails (lock timeout, disk full) the queued puts stay queued and the next flush
 * retries them.  With synchronous=NORMAL (the default) a committed batch survives a
 * process crash; ZC_CACHE_SYNC_FULL also survives power loss at the cost of an fsync
 * per commit.  A ZcCache is not thread-safe; use one per thread. */
#ifndef ZC_CACHE_H
#define ZC_CACHE_H
#include <glib.h>

G_BEGIN_DECLS

#define ZC_CACHE_SCHEMA_VERSION 2   /* 2 added status 'degenerate'; 1 is upgraded on open */

typedef struct ZcCache ZcCache;

/* The key.  Strings must not be NULL ("" is a value).  options_hash and data_hash are
 * strings the caller derives (e.g. a hex digest of the proxy's canonical options). */
typedef struct {
  const char *space;
  const char *genotype;        /* canonical form */
  const char *proxy;
  const char *proxy_version;
  const char *options_hash;
  const char *data_hash;
  gint64 batch;
  guint64 seed;
  const char *dtype;           /* "f32", "f64" ... */
  const char *backend;         /* "cpu", "cuda" ... */
} ZcCacheKey;

typedef enum {
  ZC_SCORE_OK,                 /* every output finite */
  ZC_SCORE_NAN,                /* evaluated, but some output is NaN or ±Inf (put() sets
                                  it for an OK record with such an output) */
  ZC_SCORE_FAILED,             /* the proxy failed; message says why */
  ZC_SCORE_DEGENERATE          /* the proxy's score would be meaningless (outputs NaN) */
} ZcScoreStatus;

typedef struct {
  ZcScoreStatus status;
  gchar *message;              /* NULL unless FAILED (may be set for others) */
  double wall_s;
  gint64 peak_bytes;
  gint64 timestamp_us;         /* Unix time in microseconds; put() fills 0 with now */
  GPtrArray *names;            /* output names, gchar*, in insertion order */
  GArray *values;              /* double, parallel to names */
} ZcCacheRecord;

ZcCacheRecord *zc_cache_record_new(ZcScoreStatus status);
void zc_cache_record_free(ZcCacheRecord *rec);
/* Set an output (replaces a previous value of the same name). */
void zc_cache_record_set(ZcCacheRecord *rec, const char *name, double value);
/* Value of an output; FALSE when the record has no such output. */
gboolean zc_cache_record_get(const ZcCacheRecord *rec, const char *name, double *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ZcCacheRecord, zc_cache_record_free)

/* $XDG_CACHE_HOME/zcnas/scores.sqlite (g_get_user_cache_dir()); newly allocated. */
gchar *zc_cache_default_path(void);

typedef enum {
  ZC_CACHE_READ_ONLY = 1 << 0, /* open an existing cache, never write */
  ZC_CACHE_SYNC_FULL = 1 << 1  /* synchronous=FULL: fsync every commit */
} ZcCacheFlags;

/* Open or create (with parent directories) the cache at path (NULL: the default path;
 * "" is refused with ZC_ERROR_CONFIG).  Unless READ_ONLY, a cache that could not be
 * written (permissions) fails here with ZC_ERROR_IO, before anything is scored.
 * A file that is not SQLite, is corrupt, is an SQLite database without our schema, or
 * has a newer schema version fails with ZC_ERROR_DATA naming the file; I/O problems are
 * ZC_ERROR_IO. */
ZcCache *zc_cache_open(const char *path, GError **error);
ZcCache *zc_cache_open_full(const char *path, ZcCacheFlags flags, GError **error);
/* Flush, then close.  FALSE (and error) when the final commit failed; the cache is
 * freed either way.  NULL is allowed. */
gboolean zc_cache_close(ZcCache *cache, GError **error);
const char *zc_cache_path(const ZcCache *cache);

/* Puts per transaction (>= 1; default 1).  Shrinking it flushes when due. */
gboolean zc_cache_set_batch(ZcCache *cache, guint batch, GError **error);
void zc_cache_set_busy_timeout(ZcCache *cache, int ms);   /* default 10000 */

/* Lookup: TRUE on success with *record the stored record or NULL when the key is not
 * cached; FALSE with error on a database failure. */
gboolean zc_cache_lookup(ZcCache *cache, const ZcCacheKey *key, ZcCacheRecord **record,
                         GError **error);
/* Store (or replace) the record of key: queue a copy, and write the queue when it
 * holds a batch.  FALSE when that write failed (the puts stay queued). */
gboolean zc_cache_put(ZcCache *cache, const ZcCacheKey *key, const ZcCacheRecord *record,
                      GError **error);
/* Write the queued puts in one transaction (nothing to do when none). */
gboolean zc_cache_flush(ZcCache *cache, GError **error);
/* Puts queued and not yet written. */
guint zc_cache_pending(const ZcCache *cache);

typedef struct {
  gchar *space;
  gchar *proxy;
  gint64 rows;
  gint64 failed;               /* status FAILED */
  gint64 nonfinite;            /* status NAN */
  gint64 degenerate;           /* status DEGENERATE */
} ZcCacheGroupCount;

typedef struct {
  gint64 rows;
  gint64 file_bytes;           /* database plus its WAL file */
  GArray *groups;              /* ZcCacheGroupCount, ordered by space then proxy */
} ZcCacheStats;

gboolean zc_cache_stats(ZcCache *cache, ZcCacheStats *stats, GError **error);
void zc_cache_stats_clear(ZcCacheStats *stats);

/* Write every record (or those of one space and/or proxy; NULL = all) as RFC 4180 CSV:
 * the key columns, status, message, wall_s, peak_bytes, timestamp (ISO 8601 UTC), then
 * one column per output name (the union over the exported rows, sorted), empty where a
 * record lacks that output; non-finite values as nan, inf, -inf.  Rows in key order. */
gboolean zc_cache_export_csv(ZcCache *cache, const char *csv_path, const char *space,
                             const char *proxy, GError **error);

/* Flush, checkpoint the WAL and VACUUM (reclaims space after deletions). */
gboolean zc_cache_vacuum(ZcCache *cache, GError **error);
/* Remove records: all, or only failed ones, of one space and/or proxy (NULL = any);
 * *removed receives how many. */
gboolean zc_cache_purge(ZcCache *cache, gboolean failed_only, const char *space, const char *proxy,
                        gint64 *removed, GError **error);
/* PRAGMA quick_check: FALSE with ZC_ERROR_DATA naming the file when damaged. */
gboolean zc_cache_check(ZcCache *cache, GError **error);

G_END_DECLS
#endif
