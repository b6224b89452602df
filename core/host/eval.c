/* One architecture being scored: the networks, passes and inputs proxies read, each
 * prepared once and shared between the proxies that ask for the same thing. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/eval.h>
#include <zcnas/rng.h>
#include "base/data-private.h"
#include "eval-private.h"

/* ---- per-worker context: workspace and cached input batches ------------------------------ */

typedef struct {
  ZcInputKind kind;
  guint n, index, c, h, w;
  gboolean float64;
  void *images;
  gint32 *labels;
  guint64 key;           /* the batch's random stream (images, labels, seeded targets) */
  void *target;          /* seeded loss target (per-pixel labels or a real tensor), lazily */
  ZcTargetKind tkind;
  gsize tnumel;          /* target elements per sample */
  guint tclasses;
} CachedBatch;

struct ZcEvalContext {
  ZcDataset *data;
  guint batch;
  guint64 seed;
  ZcWorkspace *ws;
  int threads;
  GPtrArray *batches;   /* CachedBatch* */
};

static void cached_batch_free(gpointer p) {
  CachedBatch *b = p;
  g_free(b->images);
  g_free(b->labels);
  g_free(b->target);
  g_free(b);
}

ZcEvalContext *zc_eval_context_new(ZcDataset *data, guint batch, guint64 run_seed, int threads) {
  ZcEvalContext *ctx = g_new0(ZcEvalContext, 1);
  ctx->data = data;
  ctx->batch = batch ? batch : 64;
  ctx->seed = run_seed;
  ctx->threads = threads > 0 ? threads : 1;
  ctx->ws = zc_workspace_new(ctx->threads);
  ctx->batches = g_ptr_array_new_with_free_func(cached_batch_free);
  return ctx;
}

gboolean zc_eval_context_set_backend(ZcEvalContext *ctx, const char *backend, GError **error) {
  ZcWorkspace *ws = zc_workspace_new_backend(backend, ctx->threads, error);
  if (!ws) return FALSE;
  zc_workspace_free(ctx->ws);
  ctx->ws = ws;
  return TRUE;
}

void zc_eval_context_free(ZcEvalContext *ctx) {
  if (!ctx) return;
  zc_workspace_free(ctx->ws);
  g_ptr_array_unref(ctx->batches);
  g_free(ctx);
}

#define ZC_STREAM_DATA G_GUINT64_CONSTANT(0x64617461)   /* "data" */

/* `task`: what the labels are for; the data's class count is checked against the head only
 * when the task's target is a class label per sample. */
static gboolean make_batch(ZcEvalContext *ctx, CachedBatch *b, const ZcSpaceTask *task, GError **error) {
  gsize per = (gsize)b->c * b->h * b->w, total = per * b->n;
  gsize esize = b->float64 ? sizeof(double) : sizeof(float);
  guint classes = task->classes ? task->classes : 1;
  b->images = g_malloc(total * esize);
  b->labels = g_new(gint32, b->n);
  guint64 key = zc_rng_subkey(zc_rng_key(ctx->seed, ZC_STREAM_DATA), (guint64)b->kind * 1000003u + b->index);
  b->key = key;
  if (b->kind == ZC_INPUT_REAL) {
    if (!ctx->data) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "this proxy needs real data: set data.spec (e.g. cifar10:PATH)");
      return FALSE;
    }
    if (!zc_dataset_check_shape(ctx->data, b->c, b->h, b->w, ZC_ERROR_DATA, error)) return FALSE;
    if (task->target == ZC_TARGET_LABEL && zc_dataset_num_classes(ctx->data) > classes) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "data %s has %u classes, the network's head only %u",
                  zc_dataset_spec(ctx->data), zc_dataset_num_classes(ctx->data), classes);
      return FALSE;
    }
    ZcBatch *db = zc_dataset_batch(ctx->data, b->n, key, b->c, error);
    if (!db) return FALSE;
    for (gsize i = 0; i < total; i++) zc_set(b->float64 ? ZC_F64 : ZC_F32, b->images, i, db->images[i]);
    for (guint i = 0; i < b->n; i++) b->labels[i] = (gint32)db->labels[i];
    zc_batch_free(db);
    return TRUE;
  }
  for (gsize i = 0; i < total; i++) {
    double v = b->kind == ZC_INPUT_GAUSSIAN ? zc_rng_normal_at(key, i) : 1.0;
    zc_set(b->float64 ? ZC_F64 : ZC_F32, b->images, i, v);
  }
  guint64 lkey = zc_rng_subkey(key, 1);
  for (guint i = 0; i < b->n; i++) b->labels[i] = (gint32)(zc_rng_u64_at(lkey, i) % classes);
  return TRUE;
}

/* ---- one evaluation ------------------------------------------------------------------------ */

typedef struct {
  ZcNet *net;
  int init;          /* what the parameters hold now */
  double init_arg;
  gboolean abs;
  gboolean dirty;    /* changed by a proxy: rebuild before reuse */
} NetState;

struct ZcEval {
  ZcEvalContext *ctx;
  ZcSpace *space;
  const ZcArch *arch;
  guint64 seed;
  gboolean have_cost;
  ZcCost cost;
  NetState nets[2];       /* float32, float64 */
  gboolean have_current;  /* the workspace holds the pass of `current` */
  ZcPassSpec current;
  guint current_retain;   /* what the current pass kept readable */
  ZcPassSpec proxy_spec;  /* what the proxy being scored asked for */
  guint retain;           /* what the next pass must keep readable */
};

ZcEval *zc_eval_new(ZcEvalContext *ctx, ZcSpace *space, const ZcArch *arch) {
  ZcEval *ev = g_new0(ZcEval, 1);
  ev->ctx = ctx;
  ev->space = space;
  ev->arch = arch;
  ev->retain = ZC_RETAIN_ALL;
  /* keyed by the space and the canonical genotype: independent of order and company */
  char *canon = zc_space_format(space, arch);
  char *key = g_strdup_printf("%s:%s", zc_space_name(space), canon);
  ev->seed = zc_rng_key(ctx->seed, zc_hash_str(key));
  g_free(key);
  g_free(canon);
  return ev;
}

void zc_eval_free(ZcEval *ev) {
  if (!ev) return;
  for (int d = 0; d < 2; d++) zc_net_free(ev->nets[d].net);
  g_free(ev);
}

ZcSpace *zc_eval_space(ZcEval *ev) { return ev->space; }
const ZcArch *zc_eval_arch(ZcEval *ev) { return ev->arch; }
guint64 zc_eval_seed(ZcEval *ev) { return ev->seed; }

gboolean zc_eval_cost(ZcEval *ev, ZcCost *cost, GError **error) {
  if (!ev->have_cost) {
    if (!zc_space_cost(ev->space, ev->arch, &ev->cost, error)) return FALSE;
    ev->have_cost = TRUE;
  }
  *cost = ev->cost;
  return TRUE;
}

static CachedBatch *cached_batch(ZcEval *ev, ZcInputKind kind, guint n, guint index, gboolean float64,
                                 GError **error) {
  guint c, h, w, classes;
  zc_space_input_shape(ev->space, &c, &h, &w, &classes);
  ZcEvalContext *ctx = ev->ctx;
  for (guint i = 0; i < ctx->batches->len; i++) {
    CachedBatch *b = g_ptr_array_index(ctx->batches, i);
    if (b->kind == kind && b->n == n && b->index == index && b->float64 == float64 && b->c == c && b->h == h &&
        b->w == w)
      return b;
  }
  ZcSpaceTask task;
  zc_space_task(ev->space, &task);
  CachedBatch *b = g_new0(CachedBatch, 1);
  b->kind = kind;
  b->n = n;
  b->index = index;
  b->c = c;
  b->h = h;
  b->w = w;
  b->float64 = float64;
  if (!make_batch(ctx, b, &task, error)) {
    cached_batch_free(b);
    return NULL;
  }
  g_ptr_array_add(ctx->batches, b);
  return b;
}

gboolean zc_eval_batch(ZcEval *ev, ZcInputKind kind, guint n, guint index, gboolean float64, const void **images,
                       const gint32 **labels, GError **error) {
  CachedBatch *b = cached_batch(ev, kind, n, index, float64, error);
  if (!b) return FALSE;
  *images = b->images;
  if (labels) *labels = b->labels;
  return TRUE;
}

#define ZC_STREAM_PIXEL_LABELS 2
#define ZC_STREAM_REAL_TARGETS 3

gboolean zc_eval_loss_target(ZcEval *ev, ZcNet *net, ZcInputKind kind, guint n, guint index, ZcLossKind *loss,
                             const void **target, GError **error) {
  gboolean f64 = zc_net_dtype(net) == ZC_F64;
  CachedBatch *b = cached_batch(ev, kind, n, index, f64, error);
  if (!b) return FALSE;
  ZcSpaceTask task;
  zc_space_task(ev->space, &task);
  ZcShape out;
  zc_net_shape(net, zc_net_output(net), &out);
  gsize numel = zc_net_numel(net, zc_net_output(net));
  const char *space = zc_space_name(ev->space);
  *loss = task.loss;
  switch (task.target) {
  case ZC_TARGET_LABEL:
    *target = b->labels;
    return TRUE;
  case ZC_TARGET_INPUT:
    if (numel != (gsize)b->c * b->h * b->w) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "space %s: the task's target is the input (%ux%ux%u), the network's output has %" G_GSIZE_FORMAT
                  " elements", space, b->c, b->h, b->w, numel);
      return FALSE;
    }
    *target = b->images;
    return TRUE;
  case ZC_TARGET_PIXEL_LABEL:
    if (out.ndim != 3 || task.classes == 0 || (guint)out.dims[0] != task.classes) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "space %s: per-pixel labels of %u classes need a (%u, H, W) output", space, task.classes,
                  task.classes);
      return FALSE;
    }
    break;
  case ZC_TARGET_REAL:
    if (task.target_numel && numel != task.target_numel) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                  "space %s: the task's target has %u elements per sample, the network's output %" G_GSIZE_FORMAT,
                  space, task.target_numel, numel);
      return FALSE;
    }
    break;
  default:
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "space %s: unknown target kind %d", space, (int)task.target);
    return FALSE;
  }
  /* seeded targets: a pure function of the batch's stream (run seed, kind, index) */
  gsize per = task.target == ZC_TARGET_PIXEL_LABEL ? numel / task.classes : numel;
  if (!b->target || b->tkind != task.target || b->tnumel != per || b->tclasses != task.classes) {
    g_free(b->target);
    gsize total = per * b->n;
    if (task.target == ZC_TARGET_PIXEL_LABEL) {
      gint32 *t = g_new(gint32, total);
      guint64 key = zc_rng_subkey(b->key, ZC_STREAM_PIXEL_LABELS);
      for (gsize i = 0; i < total; i++) t[i] = (gint32)(zc_rng_u64_at(key, i) % task.classes);
      b->target = t;
    } else {
      b->target = g_malloc(total * (f64 ? sizeof(double) : sizeof(float)));
      guint64 key = zc_rng_subkey(b->key, ZC_STREAM_REAL_TARGETS);
      for (gsize i = 0; i < total; i++) zc_set(f64 ? ZC_F64 : ZC_F32, b->target, i, zc_rng_normal_at(key, i));
    }
    b->tkind = task.target;
    b->tnumel = per;
    b->tclasses = task.classes;
  }
  *target = b->target;
  return TRUE;
}

void zc_eval_invalidate(ZcEval *ev) {
  ev->have_current = FALSE;
  for (int d = 0; d < 2; d++) ev->nets[d].dirty = TRUE;
}

/* The network of one precision with the parameters `spec` asks for. */
static ZcNet *prepared_net(ZcEval *ev, const ZcPassSpec *spec, GError **error) {
  NetState *st = &ev->nets[spec->float64 ? 1 : 0];
  gboolean rebuild = !st->net || st->dirty || (spec->init == ZC_INIT_SPACE && st->init != ZC_INIT_SPACE);
  if (rebuild) {
    zc_net_free(st->net);
    ZcBuildSpec bs = {sizeof(ZcBuildSpec), spec->float64, ev->seed};
    st->net = zc_space_build(ev->space, ev->arch, &bs, error);
    if (!st->net) return NULL;
    st->init = ZC_INIT_SPACE;
    st->init_arg = 0;
    st->abs = FALSE;
    st->dirty = FALSE;
  }
  if (spec->init != ZC_INIT_SPACE && (st->init != spec->init || st->init_arg != spec->init_arg)) {
    zc_net_init(st->net, (ZcInit)spec->init, spec->init_arg, ev->seed);
    st->init = spec->init;
    st->init_arg = spec->init_arg;
    st->abs = FALSE;
  }
  if (spec->abs_params != st->abs) {
    if (spec->abs_params) zc_net_params_abs(st->net);
    else zc_net_params_restore_sign(st->net);
    st->abs = spec->abs_params;
  }
  return st->net;
}

gboolean zc_eval_run(ZcEval *ev, const ZcPassSpec *spec, ZcNet **net_out, ZcWorkspace **ws_out, GError **error) {
  ZcNet *net = NULL;
  /* a pass that kept less than asked for now cannot be shared */
  if (ev->have_current && zc_pass_spec_equal(&ev->current, spec) && (ev->retain & ~ev->current_retain) == 0) {
    net = ev->nets[spec->float64 ? 1 : 0].net;
  } else {
    ev->have_current = FALSE;
    net = prepared_net(ev, spec, error);
    if (!net) return FALSE;
    zc_net_set_bn_mode(net, spec->bn);
    zc_net_reset_bn_running(net);
    zc_net_set_moments(net, spec->moments_k);
    zc_net_set_input_grad(net, spec->input_grad);
    zc_net_set_retain(net, ev->retain);
    if (spec->pass != ZC_PASS_NONE) {
      guint n = spec->input == ZC_INPUT_ONES ? 1 : spec->batch ? spec->batch : ev->ctx->batch;
      ZcInputKind kind = spec->input == ZC_INPUT_NONE ? ZC_INPUT_GAUSSIAN : spec->input;
      const void *images;
      if (!zc_eval_batch(ev, kind, n, 0, spec->float64, &images, NULL, error)) return FALSE;
      if (!zc_net_forward(net, ev->ctx->ws, images, (int)n, error)) return FALSE;
      if (spec->pass == ZC_PASS_LOSS) {
        double loss;
        ZcLossKind lk;
        const void *target;
        if (!zc_eval_loss_target(ev, net, kind, n, 0, &lk, &target, error) ||
            !zc_net_backward_loss(net, ev->ctx->ws, lk, target, &loss, 0, error))
          return FALSE;
      } else if (spec->pass == ZC_PASS_SUM) {
        if (!zc_net_backward_seed(net, ev->ctx->ws, NULL, 0, error)) return FALSE;
      } else if (spec->pass == ZC_PASS_INPUT_JACOBIAN) {
        if (!zc_net_backward_seed(net, ev->ctx->ws, NULL, ZC_BWD_NO_PARAMS, error)) return FALSE;
      }
    }
    ev->current = *spec;
    ev->current_retain = ev->retain;
    ev->have_current = TRUE;
  }
  *net_out = net;
  if (ws_out) *ws_out = ev->ctx->ws;
  return TRUE;
}

void zc_eval_set_spec(ZcEval *ev, const ZcPassSpec *spec) { ev->proxy_spec = *spec; }
void zc_eval_set_retain(ZcEval *ev, guint retain) { ev->retain = retain; }
const ZcPassSpec *zc_eval_spec(ZcEval *ev) { return &ev->proxy_spec; }

gboolean zc_eval_prepare(ZcEval *ev, ZcNet **net, ZcWorkspace **ws, GError **error) {
  return zc_eval_run(ev, &ev->proxy_spec, net, ws, error);
}
