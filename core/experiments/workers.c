/* Scoring architectures through the cache, on worker threads or MPI ranks.
 * See workers.h. */
#include "config.h"
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zcnas/error.h>
#include <zcnas/net.h>
#include <zcnas/proxy.h>
#include <zcnas/run.h>
#include <zcnas/setup.h>
#include "ranks.h"
#include "base/progress.h"
#include "host/score_layout.h"
#include "workers.h"
#include "base/data-private.h"
#include "host/space-private.h"
#include "host/proxy-private.h"
#include "host/scorer-private.h"
#include "host/setup-private.h"

#define MAX_PROXIES 64   /* missing proxies of an architecture are a 64-bit mask */

struct ZcEvaluator {
  ZcEvaluatorSetup setup;
  ZcSpace *space;            /* the calling thread's instance */
  GPtrArray *proxies;        /* ZcProxy*: names, versions, options, passes */
  guint np;
  guint *offset, *n_out;
  GPtrArray *names;          /* output columns, NULL-terminated */
  GArray *direction;
  ZcScoreLayout layout;
  char **opt_hash;           /* per proxy: its options and the space's */
  const char **dtype;
  const char *data_hash;
  ZcWorker **workers;        /* created on first need */
  guint n_workers;
  GMutex setup_lock;         /* plugin instantiation from worker threads */
  guint64 n_cached, n_computed;
  gboolean checked;          /* the first architecture was scored alone (preflight) */
};

struct ZcWorker {
  ZcEvaluator *ev;
  ZcSpace *space;
  int threads;
  GHashTable *scorers;       /* mask (guint64*) -> SubScorer */
};

typedef struct {
  ZcScorer *scorer;          /* NULL when its proxies could not be instantiated */
  char *error;
  gboolean transient;        /* the error came from the environment */
  gboolean run_error;        /* ... or from the configuration */
  guint n;
  guint idx[MAX_PROXIES];    /* proxy of the full list behind each of the scorer's */
} SubScorer;

static gboolean cancelled(const ZcEvaluator *ev) {
  return ev->setup.cancel && g_atomic_int_get(ev->setup.cancel) != 0;
}

static char *sha256_hex16(const char *text) {
  char *full = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
  full[16] = '\0';   /* 64 bits are plenty to tell option sets apart */
  return full;
}

ZcEvaluator *zc_evaluator_new(const ZcEvaluatorSetup *setup, GError **error) {
  ZcSpace *space = zc_setup_space(setup->reg, setup->space, error);
  if (!space) return NULL;
  GPtrArray *proxies = zc_setup_proxies(setup->reg, setup->proxies, error);
  if (!proxies) {
    zc_space_free(space);
    return NULL;
  }
  if (proxies->len > MAX_PROXIES) {
    char *origin = zc_setting_origin(setup->proxies);
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s: at most %d proxies per pipeline", origin, MAX_PROXIES);
    g_free(origin);
    g_ptr_array_unref(proxies);
    zc_space_free(space);
    return NULL;
  }
  /* data the space cannot take is the same error for every architecture and every proxy:
   * say so now, not when a proxy first asks for a batch */
  guint c, h, w, classes;
  zc_space_input_shape(space, &c, &h, &w, &classes);
  if (setup->data && !zc_dataset_check_shape(setup->data, c, h, w, ZC_ERROR_CONFIG, error)) {
    g_ptr_array_unref(proxies);
    zc_space_free(space);
    return NULL;
  }
  ZcEvaluator *ev = g_new0(ZcEvaluator, 1);
  ev->setup = *setup;
  ev->setup.jobs = MAX(setup->jobs, 1);
  ev->space = space;
  ev->proxies = proxies;
  ev->np = proxies->len;
  ev->offset = g_new(guint, ev->np);
  ev->n_out = g_new(guint, ev->np);
  ev->opt_hash = g_new0(char *, ev->np + 1);
  ev->dtype = g_new0(const char *, ev->np);
  ev->names = g_ptr_array_new_with_free_func(g_free);
  ev->direction = g_array_new(FALSE, FALSE, sizeof(gint8));
  char *space_canon = zc_options_canonical(zc_space_options(space));
  for (guint j = 0; j < ev->np; j++) {
    ZcProxy *p = g_ptr_array_index(proxies, j);
    const ZcProxyNeeds *needs = zc_proxy_needs(p);
    ev->n_out[j] = needs->n_outputs;
    char *canon = zc_options_canonical(zc_proxy_options(p));
    char *text = g_strdup_printf("proxy:%s\nspace:%s{%s}", canon, zc_space_name(space), space_canon);
    ev->opt_hash[j] = sha256_hex16(text);
    g_free(text);
    g_free(canon);
    ZcPassSpec spec;
    zc_proxy_pass_spec(p, &spec);
    ev->dtype[j] = spec.float64 ? "f64" : "f32";
  }
  g_free(space_canon);
  zc_score_layout_build(proxies, ev->names, ev->direction, ev->offset, &ev->layout);
  ev->data_hash = setup->data ? zc_dataset_content_hash(setup->data) : "none";
  g_mutex_init(&ev->setup_lock);
  return ev;
}

void zc_evaluator_free(ZcEvaluator *ev) {
  if (!ev) return;
  for (guint w = 0; w < ev->n_workers; w++) zc_worker_free(ev->workers[w]);
  g_free(ev->workers);
  g_ptr_array_unref(ev->proxies);
  zc_space_free(ev->space);
  g_free(ev->offset);
  g_free(ev->n_out);
  g_strfreev(ev->opt_hash);
  g_free(ev->dtype);
  g_ptr_array_unref(ev->names);
  g_array_unref(ev->direction);
  g_mutex_clear(&ev->setup_lock);
  g_free(ev);
}

ZcSpace *zc_evaluator_space(ZcEvaluator *ev) { return ev->space; }
const ZcScoreLayout *zc_evaluator_layout(const ZcEvaluator *ev) { return &ev->layout; }
guint zc_evaluator_n_proxies(const ZcEvaluator *ev) { return ev->np; }
const char *zc_evaluator_proxy_name(const ZcEvaluator *ev, guint i) {
  return zc_proxy_name(g_ptr_array_index(ev->proxies, i));
}
guint zc_evaluator_offset(const ZcEvaluator *ev, guint i) { return ev->offset[i]; }
guint zc_evaluator_n_outputs(const ZcEvaluator *ev, guint i) { return ev->n_out[i]; }
void zc_evaluator_counts(const ZcEvaluator *ev, guint64 *cached, guint64 *computed) {
  *cached = ev->n_cached;
  *computed = ev->n_computed;
}

/* ---- workers ------------------------------------------------------------------------ */

static void sub_free(gpointer p) {
  SubScorer *s = p;
  zc_scorer_free(s->scorer);
  g_free(s->error);
  g_free(s);
}

ZcWorker *zc_worker_new(ZcEvaluator *ev, int threads, GError **error) {
  g_mutex_lock(&ev->setup_lock);
  ZcSpace *space = zc_setup_space(ev->setup.reg, ev->setup.space, error);
  g_mutex_unlock(&ev->setup_lock);
  if (!space) return NULL;
  ZcWorker *w = g_new0(ZcWorker, 1);
  w->ev = ev;
  w->space = space;
  w->threads = MAX(threads, 1);
  w->scorers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, sub_free);
  return w;
}

void zc_worker_free(ZcWorker *w) {
  if (!w) return;
  g_hash_table_unref(w->scorers);
  zc_space_free(w->space);
  g_free(w);
}

/* The scorer of one subset of the proxies: fresh instances, its own workspace. */
static SubScorer *sub_scorer(ZcWorker *w, guint64 mask) {
  SubScorer *s = g_hash_table_lookup(w->scorers, &mask);
  if (s) return s;
  ZcEvaluator *ev = w->ev;
  s = g_new0(SubScorer, 1);
  GPtrArray *px = g_ptr_array_new_with_free_func((GDestroyNotify)zc_proxy_free);
  GError *err = NULL;
  g_mutex_lock(&ev->setup_lock);
  for (guint j = 0; j < ev->np && !err; j++) {
    if (!(mask >> j & 1)) continue;
    const ZcPluginDesc *desc = NULL;
    config_setting_t *item = config_setting_get_elem((config_setting_t *)ev->setup.proxies, j);
    ZcOptions *opts = zc_setup_options(ev->setup.reg, ZC_KIND_PROXY, item, &desc, &err);
    ZcProxy *p = opts ? zc_proxy_new(desc, opts, &err) : NULL;
    if (p) {
      s->idx[s->n++] = j;
      g_ptr_array_add(px, p);
    }
  }
  g_mutex_unlock(&ev->setup_lock);
  if (err) {
    s->error = g_strdup(err->message);
    s->transient = zc_error_is_transient(err);
    s->run_error = zc_error_is_run_error(err);
    g_error_free(err);
    g_ptr_array_unref(px);
  } else {
    s->scorer = zc_scorer_new(px, ev->setup.seed, ev->setup.data, ev->setup.batch, w->threads);
    if (ev->setup.backend && !zc_scorer_set_backend(s->scorer, ev->setup.backend, &err)) {
      s->error = g_strdup(err->message);   /* checked when the run started: not expected */
      g_error_free(err);
      g_clear_pointer(&s->scorer, zc_scorer_free);
    }
  }
  g_hash_table_insert(w->scorers, g_memdup2(&mask, sizeof mask), s);
  return s;
}

ZcTaskResult *zc_task_result_new(const ZcEvaluator *ev, guint task, guint64 mask) {
  ZcTaskResult *r = g_new0(ZcTaskResult, 1);
  r->task = task;
  r->mask = mask;
  r->values = g_new(double, MAX(ev->layout.n_scores, 1));
  for (guint k = 0; k < ev->layout.n_scores; k++) r->values[k] = NAN;
  r->results = g_new0(ZcProxyResult, ev->np);
  return r;
}

void zc_task_result_free(const ZcEvaluator *ev, ZcTaskResult *r) {
  if (!r) return;
  for (guint j = 0; j < ev->np; j++) zc_proxy_result_clear(&r->results[j]);
  g_free(r->results);
  g_free(r->values);
  g_free(r);
}

static void fail_all(const ZcEvaluator *ev, ZcTaskResult *r, const char *message, gboolean transient,
                     gboolean run_error) {
  for (guint j = 0; j < ev->np; j++)
    if (r->mask >> j & 1) {
      r->results[j].status = ZC_STATUS_FAILED;
      r->results[j].message = g_strdup(message);
      r->results[j].transient = transient;
      r->results[j].run_error = run_error;
    }
}

ZcTaskResult *zc_worker_score(ZcWorker *w, guint task, const char *genotype, guint64 mask) {
  ZcEvaluator *ev = w->ev;
  ZcTaskResult *r = zc_task_result_new(ev, task, mask);
  GError *err = NULL;
  ZcArch *arch = zc_space_parse(w->space, genotype, &err);
  SubScorer *s = arch ? sub_scorer(w, mask) : NULL;
  if (!arch) {
    fail_all(ev, r, err->message, FALSE, FALSE);
    g_error_free(err);
  } else if (!s->scorer) {
    fail_all(ev, r, s->error, s->transient, s->run_error);
  } else {
    const ZcScoreLayout *sl = zc_scorer_layout(s->scorer);
    double *out = g_new(double, MAX(sl->n_scores, 1));
    ZcProxyResult *res = g_new0(ZcProxyResult, s->n);
    zc_scorer_score(s->scorer, w->space, arch, out, res);
    for (guint k = 0; k < s->n; k++) {
      guint j = s->idx[k];
      memcpy(r->values + ev->offset[j], out + zc_scorer_offset(s->scorer, k), ev->n_out[j] * sizeof(double));
      r->results[j] = res[k];   /* the message moves over */
    }
    g_free(res);
    g_free(out);
  }
  if (arch) zc_space_arch_free(w->space, arch);
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) r->peak_bytes = (gint64)ru.ru_maxrss * 1024;
  return r;
}

/* ---- the cache ----------------------------------------------------------------------- */

static void cache_key(const ZcEvaluator *ev, guint j, const char *genotype, ZcCacheKey *k) {
  ZcProxy *p = g_ptr_array_index(ev->proxies, j);
  k->space = zc_space_name(ev->space);
  k->genotype = genotype;
  k->proxy = zc_proxy_name(p);
  k->proxy_version = zc_proxy_version(p) ? zc_proxy_version(p) : "";
  k->options_hash = ev->opt_hash[j];
  k->data_hash = ev->data_hash;
  k->batch = ev->setup.batch;
  k->seed = ev->setup.seed;
  k->dtype = ev->dtype[j];
  k->backend = zc_backend_cache_id(ev->setup.backend ? ev->setup.backend : zc_backend_default());
}

static ZcStatus status_from_cache(ZcScoreStatus s) {
  return s == ZC_SCORE_OK           ? ZC_STATUS_OK
         : s == ZC_SCORE_NAN        ? ZC_STATUS_NAN
         : s == ZC_SCORE_DEGENERATE ? ZC_STATUS_DEGENERATE
                                    : ZC_STATUS_FAILED;
}

/* Fill proxy j of an architecture from the cache; FALSE when not cached (or cached
 * without every output this proxy now has). */
static gboolean cache_fill(ZcEvaluator *ev, guint j, const char *genotype, double *row, ZcStatus *status,
                           double *seconds, GError **error) {
  ZcCacheKey key;
  cache_key(ev, j, genotype, &key);
  ZcCacheRecord *rec = NULL;
  if (!zc_cache_lookup(ev->setup.cache, &key, &rec, error)) return FALSE;
  if (!rec) return FALSE;
  gboolean all = TRUE;
  double v[64];
  for (guint k = 0; k < ev->n_out[j] && all; k++) {
    double x;
    all = zc_cache_record_get(rec, ev->layout.names[ev->offset[j] + k], &x);
    if (all && k < G_N_ELEMENTS(v)) v[k] = x;
  }
  if (all && ev->n_out[j] <= G_N_ELEMENTS(v)) {
    memcpy(row + ev->offset[j], v, ev->n_out[j] * sizeof(double));
    *status = status_from_cache(rec->status);
    *seconds += rec->wall_s;
  } else {
    all = FALSE;
  }
  zc_cache_record_free(rec);
  return all;
}

static gboolean cache_store(ZcEvaluator *ev, guint j, const char *genotype, const ZcTaskResult *r, GError **error) {
  ZcCacheKey key;
  cache_key(ev, j, genotype, &key);
  const ZcProxyResult *pr = &r->results[j];
  ZcCacheRecord *rec = zc_cache_record_new(pr->status == ZC_STATUS_OK           ? ZC_SCORE_OK
                                           : pr->status == ZC_STATUS_NAN        ? ZC_SCORE_NAN
                                           : pr->status == ZC_STATUS_DEGENERATE ? ZC_SCORE_DEGENERATE
                                                                                : ZC_SCORE_FAILED);
  rec->message = g_strdup(pr->message);
  rec->wall_s = pr->seconds;
  rec->peak_bytes = r->peak_bytes;
  for (guint k = 0; k < ev->n_out[j]; k++)
    zc_cache_record_set(rec, ev->layout.names[ev->offset[j] + k], r->values[ev->offset[j] + k]);
  gboolean ok = zc_cache_put(ev->setup.cache, &key, rec, error);
  zc_cache_record_free(rec);
  return ok;
}

/* ---- a run ---------------------------------------------------------------------------- */

typedef struct {
  ZcEvaluator *ev;
  const char *const *genotypes;   /* by task */
  const guint *arch_of;           /* task -> architecture */
  double *scores;
  ZcStatus *status;
  double *seconds;                /* by architecture, may be NULL */
  ZcProgress *progress;
  guint64 done;                   /* architectures finished, cached ones included */
  guint64 finished_here;          /* tasks finished by this run */
  guint64 kill_after;             /* test hook: 0 = off */
  guint warned;
  guint64 warned_degenerate;      /* proxies whose degenerate score was reported */
  GError *error;                  /* first cache failure */
} RunState;

static void task_done(ZcTaskResult *r, gpointer user) {
  RunState *s = user;
  ZcEvaluator *ev = s->ev;
  guint i = s->arch_of[r->task];
  const char *genotype = s->genotypes[r->task];
  double *row = s->scores + (gsize)i * ev->layout.n_scores;
  for (guint j = 0; j < ev->np; j++) {
    if (!(r->mask >> j & 1)) continue;
    memcpy(row + ev->offset[j], r->values + ev->offset[j], ev->n_out[j] * sizeof(double));
    s->status[(gsize)i * ev->np + j] = r->results[j].status;
    if (s->seconds) s->seconds[i] += r->results[j].seconds;
    ev->n_computed++;
    /* a degenerate score is the same story on every architecture: said once per proxy */
    if (r->results[j].status == ZC_STATUS_DEGENERATE && !ev->setup.quiet && !(s->warned_degenerate >> j & 1)) {
      s->warned_degenerate |= G_GUINT64_CONSTANT(1) << j;
      fprintf(stderr, "%szcnas: warning: %s: %s (status degenerate, score NaN)\n", isatty(2) ? "\r\033[K" : "",
              zc_evaluator_proxy_name(ev, j), r->results[j].message ? r->results[j].message : "?");
    }
    if (r->results[j].status == ZC_STATUS_FAILED && !ev->setup.quiet && s->warned++ < 5)
      fprintf(stderr, "%szcnas: warning: %s failed on %s: %s\n", isatty(2) ? "\r\033[K" : "",
              zc_evaluator_proxy_name(ev, j), genotype, r->results[j].message ? r->results[j].message : "?");
    /* a failure of the machine (out of memory ...) or of the configuration is not a
     * property of the architecture */
    if (ev->setup.cache && !s->error && !r->results[j].transient && !r->results[j].run_error)
      cache_store(ev, j, genotype, r, &s->error);
  }
  zc_task_result_free(ev, r);
  s->done++;
  s->finished_here++;
  zc_progress_update(s->progress, s->done);
  if (s->kill_after && s->finished_here >= s->kill_after) {
    /* test hook (ZCNAS_DEBUG_KILL_AFTER=N): die like kill -9 after N architectures */
    if (ev->setup.cache) zc_cache_flush(ev->setup.cache, NULL);
    raise(SIGKILL);
  }
}

typedef struct {
  ZcEvaluator *ev;
  ZcWorker *worker;
  const char *const *genotypes;
  const guint64 *masks;
  guint n;
  gint *next;
  gint *stop;
  GAsyncQueue *queue;
} ThreadArg;

static int thread_exit_marker;

static gpointer worker_thread(gpointer data) {
  ThreadArg *a = data;
  zc_engine_hold_core(TRUE);
  for (;;) {
    if (g_atomic_int_get(a->stop) || cancelled(a->ev)) break;
    guint t = (guint)g_atomic_int_add(a->next, 1);
    if (t >= a->n) break;
    g_async_queue_push(a->queue, zc_worker_score(a->worker, t, a->genotypes[t], a->masks[t]));
  }
  zc_engine_hold_core(FALSE);   /* before saying so: the tail gets this core at once */
  g_async_queue_push(a->queue, &thread_exit_marker);
  return NULL;
}

static gboolean ensure_workers(ZcEvaluator *ev, guint want, GError **error) {
  if (ev->n_workers >= want) return TRUE;
  ev->workers = g_renew(ZcWorker *, ev->workers, want);
  int threads = zc_run_default_threads(1);   /* all cores: lent out by the engine (zc_engine_hold_core) */
  while (ev->n_workers < want) {
    ZcWorker *w = zc_worker_new(ev, threads, error);
    if (!w) return FALSE;
    ev->workers[ev->n_workers++] = w;
  }
  return TRUE;
}

static gboolean run_local(ZcEvaluator *ev, RunState *s, const char *const *genotypes, const guint64 *masks, guint n,
                          GError **error) {
  guint nthreads = MIN((guint)ev->setup.jobs, n);
  if (!ensure_workers(ev, MAX(nthreads, 1), error)) return FALSE;
  if (nthreads <= 1 || ev->setup.jobs == 1) {
    zc_engine_hold_core(TRUE);
    for (guint t = 0; t < n && !cancelled(ev) && !s->error; t++)
      task_done(zc_worker_score(ev->workers[0], t, genotypes[t], masks[t]), s);
    zc_engine_hold_core(FALSE);
    return TRUE;
  }
  gint next = 0, stop = 0;
  GAsyncQueue *queue = g_async_queue_new();
  ThreadArg *args = g_new(ThreadArg, nthreads);
  GThread **threads = g_new(GThread *, nthreads);
  for (guint w = 0; w < nthreads; w++) {
    args[w] = (ThreadArg){ev, ev->workers[w], genotypes, masks, n, &next, &stop, queue};
    threads[w] = g_thread_new("zcnas-worker", worker_thread, &args[w]);
  }
  for (guint exited = 0; exited < nthreads;) {
    gpointer item = g_async_queue_timeout_pop(queue, 250000);
    if (cancelled(ev) || s->error) g_atomic_int_set(&stop, 1);
    if (!item) {
      zc_progress_update(s->progress, s->done);
      continue;
    }
    if (item == &thread_exit_marker) exited++;
    else task_done(item, s);
  }
  for (guint w = 0; w < nthreads; w++) g_thread_join(threads[w]);
  g_async_queue_unref(queue);
  g_free(threads);
  g_free(args);
  return TRUE;
}

static void mpi_done(ZcTaskResult *r, gpointer user) { task_done(r, user); }

/* Score task 0 here; FALSE (ZC_ERROR_CONFIG) when a proxy failed because of the run's
 * configuration or data, which would fail on every architecture alike. */
static gboolean preflight(ZcEvaluator *ev, RunState *s, guint64 mask, GError **error) {
  if (!ensure_workers(ev, 1, error)) return FALSE;
  ZcTaskResult *r = zc_worker_score(ev->workers[0], 0, s->genotypes[0], mask);
  for (guint j = 0; j < ev->np; j++)
    if ((mask >> j & 1) && r->results[j].status == ZC_STATUS_FAILED && r->results[j].run_error) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "proxy '%s' cannot run with this configuration: %s",
                  zc_evaluator_proxy_name(ev, j), r->results[j].message ? r->results[j].message : "?");
      zc_task_result_free(ev, r);
      return FALSE;
    }
  task_done(r, s);
  return TRUE;
}

gboolean zc_evaluator_run(ZcEvaluator *ev, const char *const *genotypes, guint n, double *scores, ZcStatus *status,
                          const char *label, GError **error) {
  return zc_evaluator_run_masked(ev, genotypes, NULL, n, scores, status, NULL, label, error);
}

gboolean zc_evaluator_run_masked(ZcEvaluator *ev, const char *const *genotypes, const guint64 *want, guint n,
                                 double *scores, ZcStatus *status, double *seconds, const char *label, GError **error) {
  guint ns = ev->layout.n_scores, np = ev->np;
  for (gsize k = 0; k < (gsize)n * ns; k++) scores[k] = NAN;
  for (gsize k = 0; k < (gsize)n * np; k++) status[k] = ZC_STATUS_OK;
  for (guint i = 0; seconds && i < n; i++) seconds[i] = 0;
  guint64 all = np == 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT(1) << np) - 1;
  GPtrArray *task_geno = g_ptr_array_new();
  GArray *task_mask = g_array_new(FALSE, FALSE, sizeof(guint64));
  GArray *arch_of = g_array_new(FALSE, FALSE, sizeof(guint));
  gboolean ok = TRUE;
  for (guint i = 0; i < n && ok; i++) {
    guint64 need = want ? want[i] & all : all;
    double unused = 0;
    if (ev->setup.cache)
      for (guint j = 0; j < np && ok; j++) {
        GError *err = NULL;
        if (!(need >> j & 1)) continue;
        if (cache_fill(ev, j, genotypes[i], scores + (gsize)i * ns, &status[(gsize)i * np + j],
                       seconds ? &seconds[i] : &unused, &err)) {
          need &= ~(G_GUINT64_CONSTANT(1) << j);
          ev->n_cached++;
        } else if (err) {
          g_propagate_error(error, err);
          ok = FALSE;
        }
      }
    if (need) {
      g_ptr_array_add(task_geno, (gpointer)genotypes[i]);
      g_array_append_val(task_mask, need);
      g_array_append_val(arch_of, i);
    }
  }
  RunState s = {ev, (const char *const *)task_geno->pdata, (const guint *)(void *)arch_of->data, scores, status,
                seconds};
  const char *kill = g_getenv("ZCNAS_DEBUG_KILL_AFTER");
  s.kill_after = kill ? g_ascii_strtoull(kill, NULL, 10) : 0;
  guint ntasks = task_geno->len;
  s.done = n - ntasks;
  s.progress = zc_progress_new(label, n, n - ntasks, ev->setup.quiet || !ok);
  const guint64 *masks = (const guint64 *)(void *)task_mask->data;
  if (ok && ntasks && !ev->checked && !cancelled(ev)) {
    /* the run's first architecture alone: an error of the configuration or the data
     * (shape, classes, batch) is reported once, before the others are scored */
    ev->checked = TRUE;
    ok = preflight(ev, &s, masks[0], error);
    s.genotypes++, s.arch_of++, masks++, ntasks--;
  }
  if (ok && ntasks) {
    if (zc_mpi_active())
      ok = zc_mpi_deal(ev, s.genotypes, masks, ntasks, mpi_done, &s, ev->setup.cancel, error);
    else
      ok = run_local(ev, &s, s.genotypes, masks, ntasks, error);
  }
  zc_progress_finish(s.progress);
  if (ev->setup.cache) {
    GError *err = NULL;
    if (!zc_cache_flush(ev->setup.cache, &err) && !s.error) s.error = err;
    else g_clear_error(&err);
  }
  if (ok && s.error) {
    g_propagate_prefixed_error(error, s.error, "score cache: ");
    s.error = NULL;
    ok = FALSE;
  }
  g_clear_error(&s.error);
  if (ok && s.done < n) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED,
                "interrupted: %" G_GUINT64_FORMAT " of %u architectures scored%s", s.done, n,
                ev->setup.cache ? " and cached; run again to resume" : "");
    ok = FALSE;
  }
  g_ptr_array_unref(task_geno);
  g_array_unref(task_mask);
  g_array_unref(arch_of);
  return ok;
}

ZcEvaluator *zc_run_evaluator(const ZcRunCtx *ctx, config_setting_t *space_s, config_setting_t *proxies_s,
                              gboolean *served, GError **error) {
  ZcEvaluatorSetup setup = {ctx->reg, space_s, proxies_s, ctx->dataset, ctx->batch, ctx->seed, ctx->jobs,
                            ctx->cache, ctx->st->quiet, ctx->st->cancel, ctx->backend};
  ZcEvaluator *ev = zc_evaluator_new(&setup, error);
  *served = FALSE;
  if (ev && !ctx->leader) {
    *served = zc_mpi_serve(ev, error);
    zc_evaluator_free(ev);
    return NULL;
  }
  return ev;
}
