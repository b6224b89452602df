/* The workspace: one arena for activations, gradients, saved state and scratch, reused
 * across networks, plus the threads kernels run on. */
#include "config.h"
#include <cblas.h>
#include "engine-impl.h"

ZcWorkspace *zc_workspace_new(int n_threads) {
  ZcWorkspace *ws = g_new0(ZcWorkspace, 1);
  ws->threads = MAX(1, n_threads);
  ws->run = g_new0(ZcRun, 1);
  /* Our own partition parallelises; OpenBLAS must not split (or reorder) a GEMM. */
  openblas_set_num_threads(1);
  return ws;
}

void zc_workspace_free(ZcWorkspace *ws) {
  if (!ws) return;
  g_free(ws->buf);
  g_free(ws->run);
  g_free(ws);
}

void zc_workspace_set_threads(ZcWorkspace *ws, int n_threads) {
  g_return_if_fail(ws);
  ws->threads = MAX(1, n_threads);
  ws->owner = 0;  /* the plan depends on the thread count */
}
int zc_workspace_get_threads(const ZcWorkspace *ws) { return ws->threads; }
gsize zc_workspace_bytes(const ZcWorkspace *ws) { return ws->cap; }
guint zc_workspace_grow_count(const ZcWorkspace *ws) { return ws->grows; }

/* ---- parallel-for: tasks are claimed from a shared counter ---- */

typedef struct {
  ZcTaskFn fn;
  void *ctx;
  int n_tasks;
  gint next;
} Job;

typedef struct {
  Job *job;
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
  Worker *w = data;
  run_tasks(w->job, w->thread);
  return NULL;
}

void zc_parallel(const ZcRun *run, int n_tasks, ZcTaskFn fn, void *ctx) {
  int nt = MIN(run->ws->threads, n_tasks);
  if (nt <= 1) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  Job job = {.fn = fn, .ctx = ctx, .n_tasks = n_tasks, .next = 0};
  GThread *th[nt];
  Worker wk[nt];
  for (int i = 1; i < nt; i++) {
    wk[i].job = &job;
    wk[i].thread = i;
    th[i] = g_thread_new("zc-engine", worker_main, &wk[i]);
  }
  run_tasks(&job, 0);
  for (int i = 1; i < nt; i++) g_thread_join(th[i]);
}
