/* Running a network: the memory plan in the workspace, forward, backward, VJP and HVP,
 * modes, and the hooks proxies read. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "engine-impl.h"

#define ALIGN 64
static gsize align_up(gsize n) { return (n + ALIGN - 1) & ~(gsize) (ALIGN - 1); }

/* ---- modes ---- */

void zc_net_set_bn_mode(ZcNet *net, ZcBnMode mode) { net->bn_mode = mode; }
void zc_net_set_bn_update_running(ZcNet *net, gboolean update) { net->bn_update = update; }
void zc_net_set_input_grad(ZcNet *net, gboolean on) { net->input_grad = on; }
void zc_net_set_moments(ZcNet *net, int k) {
  g_return_if_fail(k >= 0 && k <= ZC_MAX_CHUNKS);
  net->moments_k = k;
}

double zc_net_bn_running_var_mean(const ZcNet *net, int node) {
  if (node < 0 || node >= (int) net->nodes->len || zc_node(net, node)->op != ZC_OP_BN) return NAN;
  const ZcBnAttr *a = zc_node(net, node)->attr;
  double s = 0;
  for (int c = 0; c < a->C; c++) s += a->run_var[c];
  return s / a->C;
}

/* Sizes follow the network's (user-chosen) widths: refused memory is an error, not an abort. */
static gboolean ensure_moments(ZcNet *net, GError **error) {
  for (guint i = 0; i < net->layers->len; i++) {
    ZcNode *n = zc_node(net, g_array_index(net->layers, int, i));
    double **m1, **ma, **m2;
    gsize numel;
    if (zc_is_conv(n->op)) {
      ZcConvAttr *a = n->attr;
      m1 = &a->m1; ma = &a->mabs; m2 = &a->m2; numel = zc_param(net, a->w)->numel;
    } else {
      ZcLinearAttr *a = n->attr;
      m1 = &a->m1; ma = &a->mabs; m2 = &a->m2; numel = zc_param(net, a->w)->numel;
    }
    if (!*m1) {
      *m1 = g_try_new0(double, numel); *ma = g_try_new0(double, numel); *m2 = g_try_new0(double, numel);
      if (!*m1 || !*ma || !*m2) {
        g_clear_pointer(m1, g_free); g_clear_pointer(ma, g_free); g_clear_pointer(m2, g_free);
        g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "gradient moments: cannot allocate 3 x %" G_GSIZE_FORMAT " bytes",
                    numel * sizeof(double));
        return FALSE;
      }
    }
  }
  return TRUE;
}

static void zero_moments(ZcNet *net) {
  for (guint i = 0; i < net->layers->len; i++) {
    ZcNode *n = zc_node(net, g_array_index(net->layers, int, i));
    double *m1, *ma, *m2;
    gsize numel;
    if (zc_is_conv(n->op)) {
      ZcConvAttr *a = n->attr;
      m1 = a->m1; ma = a->mabs; m2 = a->m2; numel = zc_param(net, a->w)->numel;
    } else {
      ZcLinearAttr *a = n->attr;
      m1 = a->m1; ma = a->mabs; m2 = a->m2; numel = zc_param(net, a->w)->numel;
    }
    if (m1) { memset(m1, 0, numel * 8); memset(ma, 0, numel * 8); memset(m2, 0, numel * 8); }
  }
  net->moments_done = 0;
}

/* Parameter ids of a weight layer's node (conv, transposed conv or linear); b = -1 without bias. */
static void layer_param_ids(const ZcNode *n, int *w, int *b) {
  if (zc_is_conv(n->op)) { *w = ((ZcConvAttr *) n->attr)->w; *b = ((ZcConvAttr *) n->attr)->b; }
  else { *w = ((ZcLinearAttr *) n->attr)->w; *b = ((ZcLinearAttr *) n->attr)->b; }
}

/* ---- plan ---- */

/* Whether the gradient of node n keeps its own buffer (readable after backward): the
 * input, the output, weight-layer outputs, tagged nodes, nodes asked for with
 * zc_net_keep_grad(), or all with zc_net_keep_all_grads(). */
static gboolean grad_kept(const ZcNet *net, const ZcNode *n) {
  return net->keep_all || n->keep_grad || n->id == 0 || n->id == zc_net_output(net) || n->tags ||
         ((zc_is_conv(n->op) || n->op == ZC_OP_LINEAR) && (net->retain & ZC_RETAIN_LAYER_GRADS));
}

void zc_net_set_retain(ZcNet *net, guint what) { net->retain = what & ZC_RETAIN_ALL; }

/* Which values an op's backward reads (ops-*.inc): its inputs', its own.  Ops not listed
 * read both (the safe answer for a new op). */
static gboolean bwd_reads_nothing(ZcOp op) {
  switch (op) {
  case ZC_OP_INPUT: case ZC_OP_ADD: case ZC_OP_CONCAT: case ZC_OP_SLICE: case ZC_OP_ZERO: case ZC_OP_IDENTITY:
  case ZC_OP_FLATTEN: case ZC_OP_SHIFT: case ZC_OP_GAP: case ZC_OP_TOKENS: case ZC_OP_TOKEN_MEAN:
  case ZC_OP_TOKEN_SELECT: return TRUE;
  default: return FALSE;
  }
}
static gboolean bwd_reads_output(ZcOp op) {
  switch (op) {
  case ZC_OP_CONV: case ZC_OP_CONVT: case ZC_OP_LINEAR: case ZC_OP_BN: case ZC_OP_LN: case ZC_OP_GELU:
  case ZC_OP_ATTN: return FALSE;
  default: return !bwd_reads_nothing(op);
  }
}
static gboolean bwd_reads_input(ZcOp op) { return op != ZC_OP_RELU && op != ZC_OP_SOFTMAX && !bwd_reads_nothing(op); }

/* Whether node n's value must stay readable after the forward. */
static gboolean value_kept(const ZcNet *net, const ZcNode *n, const char *read_by_bwd) {
  return (net->retain & ZC_RETAIN_VALUES) || net->keep_all || n->keep_grad || n->id == 0 ||
         n->id == zc_net_output(net) || n->tags || zc_is_conv(n->op) || n->op == ZC_OP_LINEAR ||
         n->op == ZC_OP_RELU || n->op == ZC_OP_GELU || read_by_bwd[n->id];
}

/* First-fit placement of byte intervals that are live over a range of node indices (the
 * values, in forward order; the shared gradients, in backward order). */
typedef struct {
  gsize *off, *size, top;
  int *end, n;
} FirstFit;

static FirstFit first_fit_new(guint cap) {
  return (FirstFit){g_new(gsize, MAX(cap, 1)), g_new(gsize, MAX(cap, 1)), 0, g_new(int, MAX(cap, 1)), 0};
}
static void first_fit_free(FirstFit *f) { g_free(f->off); g_free(f->size); g_free(f->end); }

/* Forget the intervals whose end is below `limit`, then place `bytes` living until `end`
 * at the lowest offset clear of every remaining one. */
static gsize first_fit_place(FirstFit *f, int limit, gsize bytes, int end) {
  int w = 0;
  for (int k = 0; k < f->n; k++)
    if (f->end[k] >= limit) { f->off[w] = f->off[k]; f->size[w] = f->size[k]; f->end[w] = f->end[k]; w++; }
  f->n = w;
  gsize o = 0;
  for (gboolean moved = TRUE; moved;) {
    moved = FALSE;
    for (int k = 0; k < f->n; k++)
      if (o < f->off[k] + f->size[k] && f->off[k] < o + bytes) { o = f->off[k] + f->size[k]; moved = TRUE; }
  }
  f->top = MAX(f->top, o + bytes);
  f->off[f->n] = o; f->size[f->n] = bytes; f->end[f->n] = end; f->n++;
  return o;
}

/* Place the values: kept ones each get their own bytes; the others live from their own
 * forward to their last consumer's and share bytes first-fit (as plan_shared_grads does
 * for gradients).  An alias lives in its target's bytes, which then live as long as both. */
static gsize plan_values(ZcNet *net, int batch, gsize off) {
  const guint N = net->nodes->len;
  char *read_by_bwd = g_new0(char, N);
  int *last = g_new(int, N);
  for (guint i = 0; i < N; i++) last[i] = (int) i;
  for (guint i = 0; i < N; i++) {
    ZcNode *n = zc_node(net, i);
    if (bwd_reads_output(n->op)) read_by_bwd[i] = 1;
    for (int k = 0; k < n->n_in; k++) {
      if (bwd_reads_input(n->op)) read_by_bwd[n->in[k]] = 1;
      last[n->in[k]] = MAX(last[n->in[k]], (int) i);
    }
    if (n->op == ZC_OP_GELU) read_by_bwd[n->in[0]] = 1;   /* pre-activation sign patterns */
  }
  for (guint i = 0; i < N; i++) zc_node(net, i)->val_kept = value_kept(net, zc_node(net, i), read_by_bwd);
  for (int i = (int) N - 1; i >= 0; i--) {   /* an alias's needs go to its target */
    ZcNode *n = zc_node(net, i);
    if (n->alias < 0) continue;
    ZcNode *t = zc_node(net, n->alias);
    t->val_kept |= n->val_kept;
    last[t->id] = MAX(last[t->id], last[i]);
  }
  for (guint i = 0; i < N; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->alias >= 0 || !n->val_kept) continue;
    n->val_off = off;
    off += align_up(n->numel * batch * net->esz);
  }
  FirstFit f = first_fit_new(N);   /* the shared values go after the kept ones */
  for (guint i = 0; i < N; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->alias >= 0 || n->val_kept) continue;
    /* values whose last reader ran before this node are free */
    n->val_off = off + first_fit_place(&f, (int) i, align_up(n->numel * batch * net->esz), last[i]);
  }
  for (guint i = 0; i < N; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->alias >= 0) { n->val_off = zc_node(net, n->alias)->val_off; n->val_kept = zc_node(net, n->alias)->val_kept; }
  }
  off += f.top;
  first_fit_free(&f);
  g_free(read_by_bwd); g_free(last);
  return off;
}

/* Other gradients share memory.  The gradient of node j is live from the backward of its
 * last consumer c (first to write it) down to its own backward, i.e. over node indices
 * [j, c]; two such intervals that do not intersect may use the same bytes.  Intervals are
 * placed first-fit in backward order.  Returns the new end of the arena. */
static gsize plan_shared_grads(ZcNet *net, int batch, gsize base) {
  const guint N = net->nodes->len;
  int *last = g_new(int, N);
  for (guint i = 0; i < N; i++) last[i] = -1;
  for (guint i = 0; i < N; i++) {
    ZcNode *n = zc_node(net, i);
    for (int k = 0; k < n->n_in; k++) last[n->in[k]] = MAX(last[n->in[k]], (int) i);
  }
  /* backward order = decreasing first-write index; ties in any fixed order */
  int *order = g_new(int, N), no = 0;
  for (int c = (int) N - 1; c >= -1; c--)
    for (guint j = 0; j < N; j++)
      if (last[j] == c && !grad_kept(net, zc_node(net, j))) order[no++] = (int) j;
  /* intervals in negated indices, so that "ended" reads as in forward order: a gradient
   * whose own backward (at its node index) ran before index c is free */
  FirstFit f = first_fit_new(N);
  for (int q = 0; q < no; q++) {
    ZcNode *n = zc_node(net, order[q]);
    n->grad_off = base + first_fit_place(&f, -last[n->id], align_up(n->numel * batch * net->esz), -n->id);
  }
  gsize end = base + f.top;
  first_fit_free(&f);
  g_free(last); g_free(order);
  return end;
}

/* Element-wise ops without parameters or state: two of them on the same input compute the
 * same value (NB201 applies one ReLU per edge, so a node with three outgoing edges has
 * three identical ReLUs).  Such a node shares the first one's value and skips its forward;
 * its gradient is its own, so nothing a proxy reads changes. */
static void find_aliases(ZcNet *net) {
  GHashTable *first = g_hash_table_new(g_int64_hash, g_int64_equal);
  gint64 *keys = g_new(gint64, net->nodes->len);
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    n->alias = -1;
    gboolean pure = n->op == ZC_OP_RELU || n->op == ZC_OP_GELU || n->op == ZC_OP_TANH || n->op == ZC_OP_SIGMOID;
    if (!pure || n->n_in != 1) continue;
    keys[i] = (gint64) n->op << 32 | n->in[0];
    gpointer k = g_hash_table_lookup(first, &keys[i]);
    if (k) n->alias = GPOINTER_TO_INT(k) - 1;
    else g_hash_table_insert(first, &keys[i], GINT_TO_POINTER(i + 1));
  }
  g_hash_table_destroy(first);
  g_free(keys);
}

static gboolean plan(ZcNet *net, ZcWorkspace *ws, int batch, GError **error) {
  ZcRun *r = ws->run;
  const gsize esz = net->esz;
  if (net->nodes->len == 0 || zc_node(net, 0)->op != ZC_OP_INPUT) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "network has no input node");
    return FALSE;
  }
  if (batch < 1 || (net->moments_k > 0 && batch < net->moments_k)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "batch %d: must be >= 1 and >= the %d moment chunks", batch,
                net->moments_k);
    return FALSE;
  }
  memset(r, 0, sizeof *r);
  r->net = net;
  r->ws = ws;
  r->batch = batch;
  r->moments = net->moments_k > 0;
  r->bn_groups = r->moments ? net->moments_k : 1;
  r->nchunks = r->moments ? net->moments_k : MIN(batch, ZC_DEFAULT_CHUNKS);
  for (int c = 0; c <= r->nchunks; c++) r->chunk0[c] = zc_part_start(batch, r->nchunks, c);
  r->bn_mode = net->bn_mode;
  r->bn_update = net->bn_update && net->bn_mode == ZC_BN_BATCH;

  gsize scratch = 0, wmax = 0;
  find_aliases(net);
  gsize off = plan_values(net, batch, 0);
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    const ZcOpClass *oc = zc_run_ops(r, n->op);
    gsize bytes = align_up(n->numel * batch * esz);
    if (grad_kept(net, n)) { n->grad_off = off; off += bytes; }
    n->aux_off = off;
    if (oc->aux_elems) off += align_up(oc->aux_elems(net, n, batch, r->bn_groups) * esz);
    if (oc->scratch_elems) scratch = MAX(scratch, oc->scratch_elems(r, n));
  }
  for (guint i = 0; i < net->layers->len; i++) {
    ZcNode *n = zc_node(net, g_array_index(net->layers, int, i));
    int w, b;
    layer_param_ids(n, &w, &b);
    wmax = MAX(wmax, zc_param(net, w)->numel);
  }
  off = plan_shared_grads(net, batch, off);
  gsize part_off = off;
  off += align_up(wmax * r->nchunks * esz);
  gsize scr_off = off;
  r->scratch_stride = align_up(scratch * esz);
  off += r->scratch_stride * ws->threads;
  if (off + ALIGN > ws->cap) {
    ws->backend->klass->release(ws->backend, ws->buf);
    ws->buf = ws->backend->klass->alloc(ws->backend, off + ALIGN);
    if (!ws->buf) {
      ws->cap = 0;
      ws->owner = 0;
      g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "workspace: cannot allocate %" G_GSIZE_FORMAT " bytes", off);
      return FALSE;
    }
    ws->cap = off + ALIGN;
    ws->grows++;
  }
  net->plan_ws = ws->serial;
  r->base = (guint8 *) align_up((gsize) ws->buf);
  r->partials = r->base + part_off;
  r->scratch = r->base + scr_off;
  if (ws->flags_cap < 2 * (gsize) net->nodes->len) {   /* host flags, read by the engine between kernels */
    ws->flags_cap = 2 * (gsize) net->nodes->len;
    ws->flags = g_realloc(ws->flags, ws->flags_cap);
  }
  r->need_grad = ws->flags;
  r->grad_fresh = ws->flags + net->nodes->len;
  if (r->moments && !ensure_moments(net, error)) return FALSE;
  return ws->backend->klass->host_memory || zc_dev_prepare(r, error);
}

static gboolean current(const ZcNet *net, const ZcWorkspace *ws) {
  /* node offsets belong to the latest plan: only that workspace's run is readable */
  return ws && ws->owner == net->serial && ws->have_forward && ws->run->net == net && net->plan_ws == ws->serial;
}

static gboolean check_current(const ZcNet *net, const ZcWorkspace *ws, GError **error) {
  if (current(net, ws)) return TRUE;
  g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED,
              "the workspace holds no forward of this network (run zc_net_forward first; another network "
              "may have used the workspace since)");
  return FALSE;
}

/* ---- forward ---- */

/* A device backend's queued work done, and its first failure (out of memory, a library
 * refusing a shape) reported; the CPU backends have nothing to wait for. */
static gboolean backend_finish(ZcWorkspace *ws, GError **error) {
  ZcBackend *be = ws->backend;
  if (!be->klass->finish || be->klass->finish(be, error)) return TRUE;
  ws->owner = 0;   /* nothing of this run may be read */
  ws->have_forward = FALSE;
  return FALSE;
}

gboolean zc_net_forward(ZcNet *net, ZcWorkspace *ws, const void *input, int batch, GError **error) {
  g_return_val_if_fail(net && ws && input, FALSE);
  ws->owner = 0;
  ws->have_forward = FALSE;
  if (!plan(net, ws, batch, error)) return FALSE;
  ZcRun *r = ws->run;
  ws->backend->klass->copy_in(ws->backend, zc_run_val(r, 0), input, zc_node(net, 0)->numel * batch * net->esz);
  for (guint i = 1; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->alias < 0) zc_run_ops(r, n->op)->forward[net->dtype](r, n);
  }
  if (!ws->backend->klass->host_memory) zc_dev_end_forward(r);
  if (!backend_finish(ws, error)) return FALSE;
  ws->owner = net->serial;
  ws->batch = batch;
  ws->have_forward = TRUE;
  return TRUE;
}

/* ---- backward ---- */

static gboolean has_params(const ZcNode *n) {
  switch (n->op) {
  case ZC_OP_CONV: case ZC_OP_CONVT: case ZC_OP_LINEAR: return TRUE;
  case ZC_OP_TOKENS: return ((ZcTokensAttr *) n->attr)->cls || ((ZcTokensAttr *) n->attr)->pos;
  case ZC_OP_BN: return ((ZcBnAttr *) n->attr)->affine;
  case ZC_OP_LN: return ((ZcLnAttr *) n->attr)->affine;
  default: return FALSE;
  }
}

/* Which nodes backward must produce gradients for; node gradients up to `to` start empty.
 * from >= 0: VJP mode, only descendants of `from` (and `from` itself). */
static void prepare_backward(ZcNet *net, ZcRun *r, int from, int to, guint flags) {
  r->param_grads = from < 0 && !(flags & ZC_BWD_NO_PARAMS);
  for (int i = 0; i <= to; i++) {
    ZcNode *n = zc_node(net, i);
    gboolean need;
    if (from >= 0) {
      need = i == from;
      if (i > from)
        for (int k = 0; k < n->n_in && !need; k++) need = r->need_grad[n->in[k]];
    } else {
      need = (i == 0 && net->input_grad) || (r->param_grads && has_params(n));
      for (int k = 0; k < n->n_in && !need; k++) need = r->need_grad[n->in[k]];
    }
    r->need_grad[i] = (char) need;
  }
  /* no gradient buffer holds anything yet: the first writer overwrites (or zeroes) it */
  memset(r->grad_fresh, 1, to + 1);
  if (r->param_grads && !(flags & ZC_BWD_ACCUMULATE)) {
    for (guint i = 0; i < net->params->len; i++) {
      ZcParam *p = zc_param(net, i);
      memset(p->grad, 0, p->numel * net->esz);
    }
    zero_moments(net);
  }
  if (r->param_grads && !r->ws->backend->klass->host_memory) zc_dev_begin_backward(r);
}

/* Zero the gradients nobody wrote, so that every node up to `to` reads correctly. */
static void finish_backward(ZcNet *net, ZcRun *r, int to) {
  for (int i = 0; i <= to; i++)
    if (r->grad_fresh[i] && grad_kept(net, zc_node(net, i))) {
      zc_backend_zero(r->ws->backend, zc_run_grad(r, i), zc_node(net, i)->numel * r->batch * net->esz);
      r->grad_fresh[i] = 0;
    }
}

static void propagate(ZcNet *net, ZcRun *r, int from, int to) {
  for (int i = to; i > MAX(from, 0); i--) {
    ZcNode *n = zc_node(net, i);
    /* skip nodes that need no gradient, and nodes nobody sent a gradient to (it is zero:
     * e.g. the input of a `zero` op), which contribute nothing */
    if ((!r->need_grad[i] && i != to) || r->grad_fresh[i]) continue;
    ZcKernelFn bw = zc_run_ops(r, n->op)->backward[net->dtype];
    if (bw) bw(r, n);
  }
  if (r->param_grads && r->moments) net->moments_done += r->nchunks;
  finish_backward(net, r, to);
  if (r->param_grads && !r->ws->backend->klass->host_memory) zc_dev_end_backward(r);
}

static gboolean loss_eval(ZcRun *r, ZcLossKind kind, const void *target, gboolean seed_grad, double *loss,
                          GError **error) {
  if (r->ws->backend->klass->host_memory) return zc_loss_eval(r, kind, target, seed_grad, loss, error);
  return zc_dev_loss(r, kind, target, seed_grad, loss, error);
}

gboolean zc_net_loss(ZcNet *net, ZcWorkspace *ws, ZcLossKind kind, const void *target, double *loss,
                     GError **error) {
  if (!check_current(net, ws, error)) return FALSE;
  return loss_eval(ws->run, kind, target, FALSE, loss, error);
}

gboolean zc_net_backward_loss(ZcNet *net, ZcWorkspace *ws, ZcLossKind kind, const void *target, double *loss,
                              guint flags, GError **error) {
  if (!check_current(net, ws, error)) return FALSE;
  ZcRun *r = ws->run;
  int out = zc_net_output(net);
  prepare_backward(net, r, -1, out, flags);
  r->grad_fresh[out] = 0;  /* the loss writes every element */
  if (!loss_eval(r, kind, target, TRUE, loss, error)) return FALSE;
  propagate(net, r, -1, out);
  return backend_finish(ws, error);
}

gboolean zc_net_backward_seed(ZcNet *net, ZcWorkspace *ws, const void *seed, guint flags, GError **error) {
  if (!check_current(net, ws, error)) return FALSE;
  ZcRun *r = ws->run;
  int out = zc_net_output(net);
  prepare_backward(net, r, -1, out, flags);
  gsize N = zc_node(net, out)->numel * r->batch;
  void *g = zc_run_grad(r, out);
  r->grad_fresh[out] = 0;
  if (seed) {
    ws->backend->klass->copy_in(ws->backend, g, seed, N * net->esz);
  } else {
    void *ones = g_malloc(N * net->esz);
    for (gsize i = 0; i < N; i++) zc_set(net->dtype, ones, i, 1.0);
    ws->backend->klass->copy_in(ws->backend, g, ones, N * net->esz);
    g_free(ones);
  }
  propagate(net, r, -1, out);
  return backend_finish(ws, error);
}

gboolean zc_net_vjp(ZcNet *net, ZcWorkspace *ws, int from, int to, const void *g_out, void *g_in, GError **error) {
  if (!check_current(net, ws, error)) return FALSE;
  if (from < 0 || to >= (int) net->nodes->len || from >= to) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "vjp: need 0 <= from (%d) < to (%d) < %u", from, to,
                net->nodes->len);
    return FALSE;
  }
  ZcRun *r = ws->run;
  prepare_backward(net, r, from, to, ZC_BWD_NO_PARAMS);
  ws->backend->klass->copy_in(ws->backend, zc_run_grad(r, to), g_out, zc_node(net, to)->numel * r->batch * net->esz);
  r->grad_fresh[to] = 0;
  r->need_grad[to] = 1;
  propagate(net, r, from, to);
  if (!backend_finish(ws, error)) return FALSE;
  gsize bytes = zc_node(net, from)->numel * r->batch * net->esz;
  if (r->grad_fresh[from]) memset(g_in, 0, bytes);  /* nothing flowed back (shared buffer) */
  else ws->backend->klass->copy_out(ws->backend, g_in, zc_run_grad(r, from), bytes);
  return TRUE;
}

/* ---- weight counts ---- */

gsize zc_net_n_layer_weights(const ZcNet *net) {
  gsize n = 0;
  for (guint i = 0; i < net->layers->len; i++) {
    ZcNode *nd = zc_node(net, g_array_index(net->layers, int, i));
    int w, b;
    layer_param_ids(nd, &w, &b);
    n += zc_param(net, w)->numel;
  }
  return n;
}

/* ---- reading results ---- */

const void *zc_net_value(const ZcNet *net, const ZcWorkspace *ws, int node) {
  if (!current(net, ws) || node < 0 || node >= (int) net->nodes->len || !ws->backend->klass->host_memory) return NULL;
  if (!zc_node(net, node)->val_kept) return NULL;
  return zc_run_val(ws->run, node);
}

static gboolean read_node(const ZcNet *net, const ZcWorkspace *ws, int node, gboolean grad, void *dst,
                          GError **error) {
  if (!check_current(net, ws, error)) return FALSE;
  if (node < 0 || node >= (int) net->nodes->len) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "node %d: the network has %u nodes", node, net->nodes->len);
    return FALSE;
  }
  ZcNode *n = zc_node(net, node);
  if (grad && !grad_kept(net, n)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "node %d (%s): its gradient is not kept (zc_net_keep_grad before the forward)", node,
                zc_op_classes[n->op].name);
    return FALSE;
  }
  if (!grad && !n->val_kept) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "node %d (%s): its value is not retained after the forward (zc_net_set_retain with "
                "ZC_RETAIN_VALUES; a proxy declares ZC_NEEDS_NODE_VALUES)", node, zc_op_classes[n->op].name);
    return FALSE;
  }
  const void *src = grad ? zc_run_grad(ws->run, node) : zc_run_val(ws->run, node);
  ws->backend->klass->copy_out(ws->backend, dst, src, n->numel * ws->batch * net->esz);
  return TRUE;
}
gboolean zc_net_read_value(const ZcNet *net, const ZcWorkspace *ws, int node, void *dst, GError **error) {
  return read_node(net, ws, node, FALSE, dst, error);
}
gboolean zc_net_read_grad(const ZcNet *net, const ZcWorkspace *ws, int node, void *dst, GError **error) {
  return read_node(net, ws, node, TRUE, dst, error);
}

gboolean zc_net_read_param(const ZcNet *net, guint index, gboolean grad, void *dst) {
  if (index >= net->params->len) return FALSE;
  ZcParam *p = zc_param(net, index);
  memcpy(dst, grad ? p->grad : p->data, p->numel * net->esz);
  return TRUE;
}
gboolean zc_net_write_param(ZcNet *net, guint index, const void *src) {
  if (index >= net->params->len) return FALSE;
  ZcParam *p = zc_param(net, index);
  memcpy(p->data, src, p->numel * net->esz);
  return TRUE;
}
void zc_net_keep_grad(ZcNet *net, int node) {
  g_return_if_fail(node >= 0 && node < (int) net->nodes->len);
  zc_node(net, node)->keep_grad = TRUE;
}
void zc_net_keep_all_grads(ZcNet *net, gboolean on) { net->keep_all = on; }

const void *zc_net_grad(const ZcNet *net, const ZcWorkspace *ws, int node) {
  if (!current(net, ws) || node < 0 || node >= (int) net->nodes->len || !ws->backend->klass->host_memory) return NULL;
  if (!grad_kept(net, zc_node(net, node))) return NULL;
  return zc_run_grad(ws->run, node);
}
int zc_net_batch(const ZcNet *net, const ZcWorkspace *ws) { return current(net, ws) ? ws->batch : 0; }

guint zc_net_n_param_tensors(const ZcNet *net) { return net->params->len; }
gboolean zc_net_param(ZcNet *net, guint index, ZcParamInfo *out) {
  if (index >= net->params->len) return FALSE;
  ZcParam *p = zc_param(net, index);
  out->node = p->node;
  out->kind = p->kind;
  out->shape = p->shape;
  out->numel = p->numel;
  out->data = p->data;
  out->grad = p->grad;
  return TRUE;
}

guint zc_net_n_layers(const ZcNet *net) { return net->layers->len; }

gboolean zc_net_layer(ZcNet *net, const ZcWorkspace *ws, guint index, ZcLayerInfo *L) {
  if (index >= net->layers->len) return FALSE;
  memset(L, 0, sizeof *L);
  L->struct_size = sizeof *L;
  int id = g_array_index(net->layers, int, index);
  ZcNode *n = zc_node(net, id);
  L->node = id;
  L->depth = index;
  L->role = n->role;
  int w, b;
  if (n->op == ZC_OP_CONVT) {
    ZcConvAttr *a = n->attr;
    L->kind = ZC_LAYER_CONV_TRANSPOSE;
    L->out_channels = a->in_c; L->in_channels = a->s.out_channels; L->groups = 1;
    L->kh = a->s.kh; L->kw = a->s.kw;
    L->out_spatial = (gsize) a->in_h * a->in_w;
    L->m1 = a->m1; L->mabs = a->mabs; L->m2 = a->m2;
  } else if (n->op == ZC_OP_CONV) {
    ZcConvAttr *a = n->attr;
    L->kind = ZC_LAYER_CONV;
    L->out_channels = a->s.out_channels; L->in_channels = a->in_c; L->groups = a->s.groups;
    L->kh = a->s.kh; L->kw = a->s.kw;
    L->out_spatial = (gsize) a->out_h * a->out_w;
    L->m1 = a->m1; L->mabs = a->mabs; L->m2 = a->m2;
  } else {
    ZcLinearAttr *a = n->attr;
    L->kind = ZC_LAYER_LINEAR;
    L->out_channels = a->out_f; L->in_channels = a->in_f; L->groups = 1; L->kh = L->kw = 1;
    L->out_spatial = n->numel / a->out_f;
    L->m1 = a->m1; L->mabs = a->mabs; L->m2 = a->m2;
  }
  if (net->moments_done == 0) L->m1 = L->mabs = L->m2 = NULL;
  L->moments_k = net->moments_done;
  layer_param_ids(n, &w, &b);
  ZcParam *pw = zc_param(net, w);
  L->weight_numel = pw->numel;
  L->weight = pw->data; L->weight_grad = pw->grad;
  if (b >= 0) { L->bias = zc_param(net, b)->data; L->bias_grad = zc_param(net, b)->grad; }
  L->output = zc_net_value(net, ws, id);
  L->output_grad = zc_net_grad(net, ws, id);
  return TRUE;
}

gboolean zc_net_layer_params(const ZcNet *net, guint index, int *weight, int *bias) {
  if (index >= net->layers->len) return FALSE;
  layer_param_ids(zc_node(net, g_array_index(net->layers, int, index)), weight, bias);
  return TRUE;
}

guint zc_net_n_acts(const ZcNet *net) { return net->acts->len; }

gboolean zc_net_act(const ZcNet *net, const ZcWorkspace *ws, guint index, ZcActInfo *A) {
  if (index >= net->acts->len) return FALSE;
  int id = g_array_index(net->acts, int, index);
  ZcNode *n = zc_node(net, id);
  A->node = id;
  A->index = index;
  A->kind = n->op == ZC_OP_RELU ? ZC_ACT_RELU : ZC_ACT_GELU;
  A->input_ndim = zc_node(net, n->in[0])->shape.ndim;
  A->units = n->numel;
  A->pre = zc_net_value(net, ws, n->in[0]);
  A->post = zc_net_value(net, ws, id);
  return TRUE;
}
