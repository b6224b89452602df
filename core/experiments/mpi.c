/* Sharing scoring tasks across Open MPI ranks.  See ranks.h and zcnas/run.h.
 *
 * Messages: rank 0 sends TASK (task, mask, genotype) and, at the end, STOP; a worker
 * rank answers each TASK with RESULT (task, mask, peak bytes, values, per proxy status,
 * message and seconds).  Bodies are serialised GVariants.  Both sides poll with a short
 * sleep rather than block in MPI, so waiting ranks leave the cores to the working ones. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/run.h>
#include "ranks.h"
#ifdef HAVE_MPI
#include <mpi.h>
#endif

#ifdef HAVE_MPI

enum { TAG_TASK = 1, TAG_RESULT = 2, TAG_STOP = 3 };
#define POLL_US 500

static gboolean initialised, released;
static int world_rank, world_size = 1;

gboolean zc_run_mpi_init(int *argc, char ***argv) {
  /* only under mpirun: a plain run needs no MPI runtime at all */
  if (initialised || !g_getenv("OMPI_COMM_WORLD_SIZE")) return FALSE;
  int provided = 0, already = 0;
  MPI_Initialized(&already);
  if (!already && MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return FALSE;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  initialised = TRUE;
  return TRUE;
}

int zc_run_mpi_rank(void) { return initialised ? world_rank : 0; }

void zc_run_mpi_finalize(void) {
  if (!initialised) return;
  zc_mpi_release();
  MPI_Finalize();
  initialised = FALSE;
}

gboolean zc_mpi_active(void) { return initialised && world_size > 1; }

static void send_variant(GVariant *v, int dest, int tag) {
  g_variant_ref_sink(v);
  gsize n = g_variant_get_size(v);
  MPI_Send(g_variant_get_data(v), (int)n, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
  g_variant_unref(v);
}

/* set in a result's status word: the failure came from the environment (not cached) */
#define TRANSIENT_BIT 0x100u
/* ... or from the run's configuration or data */
#define RUN_ERROR_BIT 0x200u

/* Wait for a message of `tag` from `source` (MPI_ANY_SOURCE allowed); NULL when
 * `cancel` was raised first. */
static GVariant *recv_variant(const char *type, int source, int tag, int *from, const volatile gint *cancel) {
  MPI_Status st;
  for (;;) {
    int flag = 0;
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &st);
    if (flag) break;
    if (cancel && g_atomic_int_get(cancel)) return NULL;
    g_usleep(POLL_US);
  }
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  guint8 *buf = g_malloc(MAX(n, 1));
  MPI_Recv(buf, n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (from) *from = st.MPI_SOURCE;
  GBytes *bytes = g_bytes_new_take(buf, (gsize)n);
  GVariant *v = g_variant_new_from_bytes(G_VARIANT_TYPE(type), bytes, FALSE);
  g_bytes_unref(bytes);
  return v;
}

static void send_task(int dest, guint task, guint64 mask, const char *genotype) {
  send_variant(g_variant_new("(uts)", task, mask, genotype), dest, TAG_TASK);
}

gboolean zc_mpi_deal(ZcEvaluator *ev, const char *const *genotypes, const guint64 *masks, guint n, ZcTaskDone done,
                     gpointer user, const volatile gint *cancel, GError **error) {
  guint next = 0, outstanding = 0;
  for (int r = 1; r < world_size && next < n; r++, next++, outstanding++) send_task(r, next, masks[next], genotypes[next]);
  guint np = zc_evaluator_n_proxies(ev), ns = zc_evaluator_layout(ev)->n_scores;
  while (outstanding > 0) {
    int from = 0;
    /* once cancelled, collect what is in flight but deal nothing more */
    gboolean stop = cancel && g_atomic_int_get(cancel);
    GVariant *v = recv_variant("(utxada(usd))", MPI_ANY_SOURCE, TAG_RESULT, &from, NULL);
    outstanding--;
    guint32 task;
    guint64 mask;
    gint64 peak;
    GVariant *values, *results;
    g_variant_get(v, "(utx@ad@a(usd))", &task, &mask, &peak, &values, &results);
    ZcTaskResult *r = zc_task_result_new(ev, task, mask);
    r->peak_bytes = peak;
    gsize nv = 0;
    const double *vals = g_variant_get_fixed_array(values, &nv, sizeof(double));
    memcpy(r->values, vals, MIN(nv, ns) * sizeof(double));
    for (guint j = 0; j < np && j < g_variant_n_children(results); j++) {
      guint32 status;
      const char *msg;
      double secs;
      g_variant_get_child(results, j, "(u&sd)", &status, &msg, &secs);
      r->results[j].status = (ZcStatus)(status & ~(TRANSIENT_BIT | RUN_ERROR_BIT));
      r->results[j].transient = (status & TRANSIENT_BIT) != 0;
      r->results[j].run_error = (status & RUN_ERROR_BIT) != 0;
      r->results[j].message = *msg ? g_strdup(msg) : NULL;
      r->results[j].seconds = secs;
    }
    g_variant_unref(values);
    g_variant_unref(results);
    g_variant_unref(v);
    done(r, user);
    if (!stop && !(cancel && g_atomic_int_get(cancel)) && next < n) {
      send_task(from, next, masks[next], genotypes[next]);
      next++;
      outstanding++;
    }
  }
  return TRUE;
}

gboolean zc_mpi_serve(ZcEvaluator *ev, GError **error) {
  ZcWorker *w = zc_worker_new(ev, zc_run_default_threads(1), error);
  if (!w) return FALSE;
  guint np = zc_evaluator_n_proxies(ev), ns = zc_evaluator_layout(ev)->n_scores;
  for (;;) {
    MPI_Status st;
    int flag = 0;
    MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      g_usleep(POLL_US);
      continue;
    }
    if (st.MPI_TAG == TAG_STOP) {
      MPI_Recv(NULL, 0, MPI_BYTE, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      break;
    }
    GVariant *v = recv_variant("(uts)", 0, TAG_TASK, NULL, NULL);
    guint32 task;
    guint64 mask;
    const char *genotype;
    g_variant_get(v, "(ut&s)", &task, &mask, &genotype);
    ZcTaskResult *r = zc_worker_score(w, task, genotype, mask);
    g_variant_unref(v);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(usd)"));
    for (guint j = 0; j < np; j++)
      g_variant_builder_add(&b, "(usd)", (guint32)r->results[j].status | (r->results[j].transient ? TRANSIENT_BIT : 0) |
                                (r->results[j].run_error ? RUN_ERROR_BIT : 0),
                            r->results[j].message ? r->results[j].message : "", r->results[j].seconds);
    GVariant *values = g_variant_new_fixed_array(G_VARIANT_TYPE_DOUBLE, r->values, ns, sizeof(double));
    send_variant(g_variant_new("(utx@ad@a(usd))", r->task, r->mask, r->peak_bytes, values, g_variant_builder_end(&b)),
                 0, TAG_RESULT);
    zc_task_result_free(ev, r);
  }
  zc_worker_free(w);
  return TRUE;
}

void zc_mpi_release(void) {
  if (!initialised || world_rank != 0 || released) return;
  released = TRUE;
  for (int r = 1; r < world_size; r++) MPI_Send(NULL, 0, MPI_BYTE, r, TAG_STOP, MPI_COMM_WORLD);
}

#else /* !HAVE_MPI */

gboolean zc_run_mpi_init(int *argc, char ***argv) { return FALSE; }
int zc_run_mpi_rank(void) { return 0; }
void zc_run_mpi_finalize(void) {}
gboolean zc_mpi_active(void) { return FALSE; }
gboolean zc_mpi_deal(ZcEvaluator *ev, const char *const *genotypes, const guint64 *masks, guint n, ZcTaskDone done,
                     gpointer user, const volatile gint *cancel, GError **error) {
  g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "zcnas was built without MPI");
  return FALSE;
}
gboolean zc_mpi_serve(ZcEvaluator *ev, GError **error) {
  g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "zcnas was built without MPI");
  return FALSE;
}
void zc_mpi_release(void) {}

#endif
