/* The workspace: one arena for activations, gradients, saved state and scratch, reused
 * across networks, plus the threads kernels run on. */
#include "config.h"
#include "engine-impl.h"

ZcWorkspace *zc_workspace_new_backend(const char *backend, int n_threads, GError **error) {
  ZcBackend *be = zc_backend_new(backend ? backend : zc_backend_default(), error);
  if (!be) return NULL;
  ZcWorkspace *ws = g_new0(ZcWorkspace, 1);
  ws->backend = be;
  ws->threads = MAX(1, n_threads);
  ws->run = g_new0(ZcRun, 1);
  static guint64 next_serial = 1;
  ws->serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
  return ws;
}

ZcWorkspace *zc_workspace_new(int n_threads) { return zc_workspace_new_backend(NULL, n_threads, NULL); }

const char *zc_workspace_backend(const ZcWorkspace *ws) { return ws->backend->klass->name; }

void zc_workspace_free(ZcWorkspace *ws) {
  if (!ws) return;
  zc_pool_free(ws->pool);
  ws->backend->klass->release(ws->backend, ws->buf);
  zc_backend_free(ws->backend);
  g_free(ws->run);
  g_free(ws->flags);
  g_free(ws);
}

void zc_workspace_set_threads(ZcWorkspace *ws, int n_threads) {
  g_return_if_fail(ws);
  zc_pool_free(ws->pool);
  ws->pool = NULL;
  ws->threads = MAX(1, n_threads);
  ws->owner = 0;  /* the plan depends on the thread count */
}
gsize zc_workspace_bytes(const ZcWorkspace *ws) { return ws->cap; }
guint zc_workspace_grow_count(const ZcWorkspace *ws) { return ws->grows; }

/* ---- parallel-for on a persistent pool: tasks are claimed from a shared counter ---- */

typedef struct {
  ZcTaskFn fn;
  void *ctx;
  int n_tasks;
  gint next;
  int helpers;        /* pool threads allowed to join (the cores lent to this region) */
  gint joined;
} Job;

struct ZcPool {
  GMutex mu;
  GCond start, done;
  GThread **th;
  int n_workers;
  guint64 gen;        /* bumped for every job */
  Job *job;
  int active;         /* workers still on the current job */
  gboolean quit;
};

typedef struct {
  ZcPool *pool;
  int thread;
} Worker;

static void run_tasks(Job *job, int thread) {
  for (;;) {
    int t = g_atomic_int_add(&job->next, 1);
    if (t >= job->n_tasks) break;
    job->fn(job->ctx, t, thread);
  }
}

static gpointer worker_main(gpointer data) {
  Worker w = *(Worker *) data;
  g_free(data);
  ZcPool *p = w.pool;
  guint64 seen = 0;
  g_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == seen && !p->quit) g_cond_wait(&p->start, &p->mu);
    if (p->quit) break;
    seen = p->gen;
    Job *job = p->job;
    g_mutex_unlock(&p->mu);
    if (g_atomic_int_add(&job->joined, 1) < job->helpers) run_tasks(job, w.thread);
    g_mutex_lock(&p->mu);
    if (--p->active == 0) g_cond_signal(&p->done);
  }
  g_mutex_unlock(&p->mu);
  return NULL;
}

static ZcPool *pool_new(int n_workers) {
  ZcPool *p = g_new0(ZcPool, 1);
  g_mutex_init(&p->mu);
  g_cond_init(&p->start);
  g_cond_init(&p->done);
  p->n_workers = n_workers;
  p->th = g_new0(GThread *, n_workers);
  for (int i = 0; i < n_workers; i++) {
    Worker *w = g_new(Worker, 1);
    w->pool = p;
    w->thread = i + 1;
    p->th[i] = g_thread_new("zc-engine", worker_main, w);
  }
  return p;
}

void zc_pool_free(ZcPool *p) {
  if (!p) return;
  g_mutex_lock(&p->mu);
  p->quit = TRUE;
  g_cond_broadcast(&p->start);
  g_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_workers; i++) g_thread_join(p->th[i]);
  g_free(p->th);
  g_mutex_clear(&p->mu);
  g_cond_clear(&p->start);
  g_cond_clear(&p->done);
  g_free(p);
}

/* ---- cores shared between workspaces ----
 * Workers that each own a workspace with as many threads as the machine has cores would
 * oversubscribe it while all are busy, and leave cores idle at the tail of a run when they
 * are single-threaded.  So the program declares its cores (zc_engine_set_cores); a worker
 * busy with an architecture holds one (zc_engine_hold_core), and a parallel region borrows
 * helpers only from the cores nobody holds.  Which thread runs a task never changes a
 * result, so neither does this. */
static gint spare_cores = G_MAXINT;   /* no budget: every region uses its workspace's threads */

void zc_engine_set_cores(int cores) { g_atomic_int_set(&spare_cores, cores > 0 ? cores : G_MAXINT); }

void zc_engine_hold_core(gboolean hold) {
  if (g_atomic_int_get(&spare_cores) == G_MAXINT) return;
  g_atomic_int_add(&spare_cores, hold ? -1 : 1);
}

static int borrow(int want) {
  for (;;) {
    int have = g_atomic_int_get(&spare_cores);
    if (have == G_MAXINT) return want;
    int take = CLAMP(have, 0, want);
    if (take == 0 || g_atomic_int_compare_and_exchange(&spare_cores, have, have - take)) return take;
  }
}

static void give_back(int n) {
  if (n > 0 && g_atomic_int_get(&spare_cores) != G_MAXINT) g_atomic_int_add(&spare_cores, n);
}

void zc_parallel(const ZcRun *run, int n_tasks, ZcTaskFn fn, void *ctx) {
  ZcWorkspace *ws = run->ws;
  int helpers = ws->threads <= 1 || n_tasks <= 1 ? 0 : borrow(MIN(ws->threads, n_tasks) - 1);
  if (helpers == 0) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  if (!ws->pool) ws->pool = pool_new(ws->threads - 1);
  ZcPool *p = ws->pool;
  Job job = {.fn = fn, .ctx = ctx, .n_tasks = n_tasks, .next = 0, .helpers = helpers};
  g_mutex_lock(&p->mu);
  p->job = &job;
  p->active = p->n_workers;
  p->gen++;
  g_cond_broadcast(&p->start);
  g_mutex_unlock(&p->mu);
  run_tasks(&job, 0);
  g_mutex_lock(&p->mu);
  while (p->active > 0) g_cond_wait(&p->done, &p->mu);
  g_mutex_unlock(&p->mu);
  give_back(helpers);
}
