/* Scoring architectures with a set of proxies; failures are recorded, never fatal. */
#include "config.h"
#include <math.h>
#include <zcnas/error.h>
#include <zcnas/eval.h>
#include <zcnas/scorer.h>
#include "score_layout.h"
#include "eval-private.h"
#include "proxy-private.h"
#include "scorer-private.h"

struct ZcScorer {
  GPtrArray *proxies;   /* ZcProxy* */
  guint64 seed;
  ZcEvalContext *ctx;
  ZcPassSpec *specs;    /* per proxy: the pass it asks for (its options fix it) */
  guint *order;         /* proxies grouped by pass spec, mutating ones last in a group */
  guint *retain;        /* per proxy: what its pass keeps readable, for all who share it */
  guint *offsets;       /* first column of each proxy */
  GPtrArray *names;     /* char*, NULL-terminated */
  GArray *direction;    /* gint8 */
  ZcScoreLayout layout;
};

/* Order in which proxies run: grouped by the pass they ask for (groups in order of first
 * appearance), and inside a group the proxies that change the network last. */
static guint *share_order(GPtrArray *proxies, const ZcPassSpec *specs) {
  guint n = proxies->len, k = 0;
  guint *order = g_new(guint, n);
  gboolean *done = g_new0(gboolean, n);
  for (guint i = 0; i < n; i++) {
    if (done[i]) continue;
    for (int mutating = 0; mutating < 2; mutating++)
      for (guint j = i; j < n; j++) {
        gboolean mut = (zc_proxy_needs(g_ptr_array_index(proxies, j))->flags & ZC_NEEDS_MUTATES) != 0;
        if (!done[j] && mut == mutating && zc_pass_spec_equal(&specs[i], &specs[j])) {
          order[k++] = j;
          done[j] = TRUE;
        }
      }
  }
  g_free(done);
  return order;
}

/* What each proxy's pass keeps readable: the union over the proxies sharing that pass. */
static guint *pass_retain(GPtrArray *proxies, const ZcPassSpec *specs) {
  guint n = proxies->len;
  guint *retain = g_new0(guint, MAX(n, 1));
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      if (zc_pass_spec_equal(&specs[i], &specs[j])) retain[i] |= zc_proxy_retain(g_ptr_array_index(proxies, j));
  return retain;
}

ZcScorer *zc_scorer_new(GPtrArray *proxies, guint64 run_seed, ZcDataset *data, guint batch, int threads) {
  ZcScorer *s = g_new0(ZcScorer, 1);
  s->proxies = proxies;
  s->seed = run_seed;
  s->ctx = zc_eval_context_new(data, batch, run_seed, threads);
  s->specs = g_new(ZcPassSpec, MAX(proxies->len, 1));
  for (guint i = 0; i < proxies->len; i++) zc_proxy_pass_spec(g_ptr_array_index(proxies, i), &s->specs[i]);
  s->order = share_order(proxies, s->specs);
  s->retain = pass_retain(proxies, s->specs);
  s->offsets = g_new(guint, MAX(proxies->len, 1));
  s->names = g_ptr_array_new_with_free_func(g_free);
  s->direction = g_array_new(FALSE, FALSE, sizeof(gint8));
  zc_score_layout_build(proxies, s->names, s->direction, s->offsets, &s->layout);
  return s;
}

gboolean zc_scorer_set_backend(ZcScorer *s, const char *backend, GError **error) {
  return zc_eval_context_set_backend(s->ctx, backend, error);
}

void zc_score_layout_build(GPtrArray *proxies, GPtrArray *names, GArray *direction, guint *offset,
                           ZcScoreLayout *layout) {
  for (guint i = 0; i < proxies->len; i++) {
    ZcProxy *p = g_ptr_array_index(proxies, i);
    const ZcProxyNeeds *n = zc_proxy_needs(p);
    offset[i] = names->len;
    for (guint k = 0; k < n->n_outputs; k++) {
      g_ptr_array_add(names, zc_proxy_column(p, k));
      gint8 d = n->direction ? n->direction[k] : 1;
      g_array_append_val(direction, d);
    }
  }
  layout->n_scores = names->len;
  g_ptr_array_add(names, NULL);
  layout->names = (const char *const *)names->pdata;
  layout->direction = (const gint8 *)(void *)direction->data;
}

void zc_scorer_free(ZcScorer *s) {
  if (!s) return;
  g_ptr_array_unref(s->proxies);
  zc_eval_context_free(s->ctx);
  g_free(s->specs);
  g_free(s->order);
  g_free(s->retain);
  g_free(s->offsets);
  g_ptr_array_unref(s->names);
  g_array_unref(s->direction);
  g_free(s);
}

const ZcScoreLayout *zc_scorer_layout(const ZcScorer *s) { return &s->layout; }
guint zc_scorer_offset(const ZcScorer *s, guint i) { return s->offsets[i]; }

void zc_scorer_score(ZcScorer *s, ZcSpace *space, const ZcArch *arch, double *out, ZcProxyResult *results) {
  ZcEval *ev = zc_eval_new(s->ctx, space, arch);
  for (guint oi = 0; oi < s->proxies->len; oi++) {
    guint i = s->order[oi];
    ZcProxy *p = g_ptr_array_index(s->proxies, i);
    zc_eval_set_spec(ev, &s->specs[i]);
    zc_eval_set_retain(ev, s->retain[i]);
    guint n = zc_proxy_needs(p)->n_outputs;
    double *o = out + zc_scorer_offset(s, i);
    ZcProxyResult *r = &results[i];
    r->status = ZC_STATUS_OK;
    r->message = NULL;
    r->transient = FALSE;
    r->run_error = FALSE;
    for (guint k = 0; k < n; k++) o[k] = NAN;
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    if (!zc_proxy_score(p, ev, o, &err)) {
      r->status = g_error_matches(err, ZC_ERROR, ZC_ERROR_DEGENERATE) ? ZC_STATUS_DEGENERATE : ZC_STATUS_FAILED;
      r->message = g_strdup(err ? err->message : "failed without a message");
      r->transient = zc_error_is_transient(err);
      r->run_error = zc_error_is_run_error(err);
      g_clear_error(&err);
      for (guint k = 0; k < n; k++) o[k] = NAN;
    } else {
      for (guint k = 0; k < n; k++)
        if (!isfinite(o[k])) r->status = ZC_STATUS_NAN;
    }
    r->seconds = (double)(g_get_monotonic_time() - t0) * 1e-6;
    /* a failed proxy may have left the network half changed, too */
    if (r->status == ZC_STATUS_FAILED || r->status == ZC_STATUS_DEGENERATE || (zc_proxy_needs(p)->flags & ZC_NEEDS_MUTATES)) zc_eval_invalidate(ev);
  }
  zc_eval_free(ev);
}

gboolean zc_error_is_transient(const GError *err) {
  /* memory and I/O depend on the machine and the moment; everything else a proxy
   * reports depends on the architecture, its options and the data */
  return err && err->domain == ZC_ERROR && (err->code == ZC_ERROR_NOMEM || err->code == ZC_ERROR_IO);
}

gboolean zc_error_is_run_error(const GError *err) {
  return err && err->domain == ZC_ERROR && (err->code == ZC_ERROR_CONFIG || err->code == ZC_ERROR_DATA);
}

void zc_proxy_result_clear(ZcProxyResult *r) {
  g_free(r->message);
  r->message = NULL;
}

const char *zc_status_name(ZcStatus st) {
  switch (st) {
  case ZC_STATUS_OK: return "ok";
  case ZC_STATUS_NAN: return "nan";
  case ZC_STATUS_FAILED: return "failed";
  case ZC_STATUS_DEGENERATE: return "degenerate";
  }
  return "?";
}
