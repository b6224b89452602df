/* What every device backend shares: the mirror of the net's tensors in backend memory,
 * kept in step with the host copies proxies read, and staged ops (the reference kernel run
 * on a host copy of the bytes an op touches) for every op without a device kernel.
 *
 * The mirror is one backend buffer, reused across networks, in four packed regions so that
 * each transfer is one copy: parameter values (uploaded with every forward: proxies and
 * initialisers write the host copies between runs), parameter gradients and gradient
 * moments (uploaded when a backward starts, downloaded when it ends), BatchNorm running
 * statistics (uploaded with every forward, downloaded after one that updates them). */
#include "config.h"
#include <string.h>
#include "engine-impl.h"

#define MIRROR_ALIGN 256
#define NONE G_MAXSIZE
static gsize up(gsize n) { return (n + MIRROR_ALIGN - 1) & ~(gsize) (MIRROR_ALIGN - 1); }

enum { R_DATA, R_GRAD, R_MOM, R_BN, N_REGIONS };

struct ZcDevState {
  guint n_params, n_nodes;
  gsize *pdata, *pgrad;     /* per parameter: byte offset of its value / gradient in the mirror */
  gsize *mom, *bn;          /* per node: offset of m1 (mabs, m2 follow) / of run_mean (run_var follows) */
  gsize lo[N_REGIONS], hi[N_REGIONS];
  guint8 *mirror;           /* backend memory */
  gsize mirror_cap;
  guint8 *pack;             /* host: a region packed for one transfer */
  gsize pack_cap;
  guint8 *shadow;           /* host: the arena's bytes a staged op touches */
  gsize shadow_cap;
};

void zc_dev_state_free(ZcDevState *d) {
  if (!d) return;
  g_free(d->pdata); g_free(d->pgrad); g_free(d->mom); g_free(d->bn);
  g_free(d->pack); g_free(d->shadow);
  g_free(d);  /* the mirror is backend memory: zc_dev_release_mirror released it */
}

static ZcDevState *dev_of(const ZcRun *r) { return r->ws->backend->dev; }
static ZcBackend *be_of(const ZcRun *r) { return r->ws->backend; }

static void layer_moments(const ZcNode *n, double **m1, double **ma, double **m2) {
  if (zc_is_conv(n->op)) { ZcConvAttr *a = n->attr; *m1 = a->m1; *ma = a->mabs; *m2 = a->m2; }
  else { ZcLinearAttr *a = n->attr; *m1 = a->m1; *ma = a->mabs; *m2 = a->m2; }
}

/* The layout for this net: deterministic, recomputed with each plan (it is O(tensors)). */
static void layout(ZcDevState *d, const ZcNet *net) {
  d->n_params = net->params->len;
  d->n_nodes = net->nodes->len;
  d->pdata = g_renew(gsize, d->pdata, MAX(d->n_params, 1));
  d->pgrad = g_renew(gsize, d->pgrad, MAX(d->n_params, 1));
  d->mom = g_renew(gsize, d->mom, d->n_nodes);
  d->bn = g_renew(gsize, d->bn, d->n_nodes);
  gsize off = 0;
  d->lo[R_DATA] = off;
  for (guint i = 0; i < d->n_params; i++) { d->pdata[i] = off; off += up(zc_param(net, i)->numel * net->esz); }
  d->hi[R_DATA] = off;
  d->lo[R_GRAD] = off;
  for (guint i = 0; i < d->n_params; i++) { d->pgrad[i] = off; off += up(zc_param(net, i)->numel * net->esz); }
  d->hi[R_GRAD] = off;
  d->lo[R_MOM] = off;
  for (guint i = 0; i < d->n_nodes; i++) {
    const ZcNode *n = zc_node(net, i);
    double *m1, *ma, *m2;
    d->mom[i] = NONE;
    if (!zc_is_conv(n->op) && n->op != ZC_OP_LINEAR) continue;
    layer_moments(n, &m1, &ma, &m2);
    if (!m1) continue;
    int w = zc_is_conv(n->op) ? ((ZcConvAttr *) n->attr)->w : ((ZcLinearAttr *) n->attr)->w;
    d->mom[i] = off;
    off += 3 * up(zc_param(net, w)->numel * sizeof(double));
  }
  d->hi[R_MOM] = off;
  d->lo[R_BN] = off;
  for (guint i = 0; i < d->n_nodes; i++) {
    const ZcNode *n = zc_node(net, i);
    d->bn[i] = NONE;
    if (n->op != ZC_OP_BN) continue;
    d->bn[i] = off;
    off += 2 * up(((ZcBnAttr *) n->attr)->C * sizeof(double));
  }
  d->hi[R_BN] = off;
}

/* Visit every host tensor of a region with its mirror offset and size. */
typedef void (*TensorFn)(void *host, gsize off, gsize bytes, gpointer ctx);
static void for_region(const ZcNet *net, const ZcDevState *d, int region, TensorFn fn, gpointer ctx) {
  switch (region) {
  case R_DATA: case R_GRAD:
    for (guint i = 0; i < d->n_params; i++) {
      ZcParam *p = zc_param(net, i);
      fn(region == R_DATA ? p->data : p->grad, region == R_DATA ? d->pdata[i] : d->pgrad[i], p->numel * net->esz, ctx);
    }
    break;
  case R_MOM:
    for (guint i = 0; i < d->n_nodes; i++) {
      if (d->mom[i] == NONE) continue;
      const ZcNode *n = zc_node(net, i);
      double *m[3];
      layer_moments(n, &m[0], &m[1], &m[2]);
      int w = zc_is_conv(n->op) ? ((ZcConvAttr *) n->attr)->w : ((ZcLinearAttr *) n->attr)->w;
      gsize bytes = zc_param(net, w)->numel * sizeof(double);
      for (int k = 0; k < 3; k++) fn(m[k], d->mom[i] + k * up(bytes), bytes, ctx);
    }
    break;
  case R_BN:
    for (guint i = 0; i < d->n_nodes; i++) {
      if (d->bn[i] == NONE) continue;
      ZcBnAttr *a = zc_node(net, i)->attr;
      gsize bytes = a->C * sizeof(double);
      fn(a->run_mean, d->bn[i], bytes, ctx);
      fn(a->run_var, d->bn[i] + up(bytes), bytes, ctx);
    }
    break;
  }
}

typedef struct { guint8 *pack; gsize lo; } PackCtx;
static void pack_one(void *host, gsize off, gsize bytes, gpointer vc) {
  PackCtx *c = vc;
  memcpy(c->pack + (off - c->lo), host, bytes);
}
static void unpack_one(void *host, gsize off, gsize bytes, gpointer vc) {
  PackCtx *c = vc;
  memcpy(host, c->pack + (off - c->lo), bytes);
}

static void upload(ZcRun *r, int region) {
  ZcDevState *d = dev_of(r);
  gsize n = d->hi[region] - d->lo[region];
  if (!n) return;
  PackCtx c = {d->pack, d->lo[region]};
  memset(d->pack, 0, n);   /* the alignment gaps: no uninitialised bytes go to the device */
  for_region(r->net, d, region, pack_one, &c);
  be_of(r)->klass->copy_in(be_of(r), d->mirror + d->lo[region], d->pack, n);
}
static void download(ZcRun *r, int region) {
  ZcDevState *d = dev_of(r);
  gsize n = d->hi[region] - d->lo[region];
  if (!n) return;
  be_of(r)->klass->copy_out(be_of(r), d->pack, d->mirror + d->lo[region], n);
  PackCtx c = {d->pack, d->lo[region]};
  for_region(r->net, d, region, unpack_one, &c);
}

gboolean zc_dev_prepare(ZcRun *r, GError **error) {
  ZcBackend *be = be_of(r);
  if (!be->dev) be->dev = g_new0(ZcDevState, 1);
  ZcDevState *d = be->dev;
  layout(d, r->net);
  gsize total = d->hi[R_BN];
  if (total > d->mirror_cap) {   /* grows only: reused across networks */
    be->klass->release(be, d->mirror);
    d->mirror = be->klass->alloc(be, total);
    if (!d->mirror) {
      d->mirror_cap = 0;
      g_set_error(error, ZC_ERROR, ZC_ERROR_NOMEM, "backend %s: cannot allocate %" G_GSIZE_FORMAT
                  " bytes for the network's parameters", be->klass->name, total);
      return FALSE;
    }
    d->mirror_cap = total;
  }
  gsize largest = 0;
  for (int k = 0; k < N_REGIONS; k++) largest = MAX(largest, d->hi[k] - d->lo[k]);
  if (largest > d->pack_cap) {
    d->pack_cap = largest;
    d->pack = g_realloc(d->pack, largest);
  }
  upload(r, R_DATA);
  upload(r, R_BN);
  return TRUE;
}

void zc_dev_end_forward(ZcRun *r) {
  if (r->bn_update) download(r, R_BN);
}

void zc_dev_begin_backward(ZcRun *r) {
  upload(r, R_GRAD);
  if (r->moments) upload(r, R_MOM);
}

void zc_dev_end_backward(ZcRun *r) {
  download(r, R_GRAD);
  if (r->moments) download(r, R_MOM);
}

void zc_dev_release_mirror(ZcBackend *be) {
  if (be->dev && be->dev->mirror) be->klass->release(be, be->dev->mirror);
  if (be->dev) { be->dev->mirror = NULL; be->dev->mirror_cap = 0; }
}

void *zc_dev_param(const ZcRun *r, int param, gboolean grad) {
  const ZcDevState *d = dev_of(r);
  if (param < 0 || (guint) param >= d->n_params) return NULL;
  return d->mirror + (grad ? d->pgrad[param] : d->pdata[param]);
}

void zc_dev_moments(const ZcRun *r, int node, double **m1, double **mabs, double **m2) {
  const ZcDevState *d = dev_of(r);
  *m1 = *mabs = *m2 = NULL;
  if (!r->moments || d->mom[node] == NONE) return;
  const ZcNode *n = zc_node(r->net, node);
  int w = zc_is_conv(n->op) ? ((ZcConvAttr *) n->attr)->w : ((ZcLinearAttr *) n->attr)->w;
  gsize step = up(zc_param(r->net, w)->numel * sizeof(double));
  *m1 = (double *) (d->mirror + d->mom[node]);
  *mabs = (double *) (d->mirror + d->mom[node] + step);
  *m2 = (double *) (d->mirror + d->mom[node] + 2 * step);
}

void zc_dev_bn_running(const ZcRun *r, int node, double **mean, double **var) {
  const ZcDevState *d = dev_of(r);
  *mean = *var = NULL;
  if (d->bn[node] == NONE) return;
  *mean = (double *) (d->mirror + d->bn[node]);
  *var = (double *) (d->mirror + d->bn[node] + up(((ZcBnAttr *) zc_node(r->net, node)->attr)->C * sizeof(double)));
}

/* ---- staged ops ---- */

/* The run's pointers moved onto the host shadow (same offsets) and back. */
typedef struct { guint8 *base, *scratch, *partials; } Bases;

static guint8 *shadow(ZcRun *r) {
  ZcDevState *d = dev_of(r);
  if (d->shadow_cap < r->ws->cap + 64) {
    g_free(d->shadow);
    d->shadow_cap = r->ws->cap + 64;
    d->shadow = g_malloc(d->shadow_cap);
  }
  return (guint8 *) (((gsize) d->shadow + 63) & ~(gsize) 63);
}
static Bases to_shadow(ZcRun *r) {
  Bases b = {r->base, r->scratch, r->partials};
  guint8 *sh = shadow(r);
  r->scratch = sh + (r->scratch - r->base);
  r->partials = sh + (r->partials - r->base);
  r->base = sh;
  return b;
}
static void from_shadow(ZcRun *r, Bases b) { r->base = b.base; r->scratch = b.scratch; r->partials = b.partials; }

/* Copy bytes [off, off + n) of the arena between the device (b.base) and the shadow (r->base). */
static void stage_out(ZcRun *r, Bases b, gsize off, gsize n) {
  if (n) be_of(r)->klass->copy_out(be_of(r), r->base + off, b.base + off, n);
}
static void stage_in(ZcRun *r, Bases b, gsize off, gsize n) {
  if (n) be_of(r)->klass->copy_in(be_of(r), b.base + off, r->base + off, n);
}
static gsize value_bytes(const ZcRun *r, const ZcNode *n) { return n->numel * r->batch * r->net->esz; }
static gsize aux_bytes(const ZcRun *r, const ZcNode *n) {
  const ZcOpClass *oc = &zc_op_classes[n->op];
  return oc->aux_elems ? oc->aux_elems(r->net, n, r->batch, r->bn_groups) * r->net->esz : 0;
}

/* The parameters a node owns (up to 2) and whether it has gradient moments or BN stats. */
static int node_params(const ZcNode *n, int ids[2]) {
  int k = 0;
  switch (n->op) {
  case ZC_OP_CONV: case ZC_OP_CONVT: ids[k++] = ((ZcConvAttr *) n->attr)->w; ids[k++] = ((ZcConvAttr *) n->attr)->b; break;
  case ZC_OP_LINEAR: ids[k++] = ((ZcLinearAttr *) n->attr)->w; ids[k++] = ((ZcLinearAttr *) n->attr)->b; break;
  case ZC_OP_BN: if (((ZcBnAttr *) n->attr)->affine) { ids[k++] = ((ZcBnAttr *) n->attr)->gamma; ids[k++] = ((ZcBnAttr *) n->attr)->beta; } break;
  case ZC_OP_LN: if (((ZcLnAttr *) n->attr)->affine) { ids[k++] = ((ZcLnAttr *) n->attr)->gamma; ids[k++] = ((ZcLnAttr *) n->attr)->beta; } break;
  case ZC_OP_TOKENS: {
    const ZcTokensAttr *a = n->attr;
    if (a->cls) ids[k++] = a->cls_p;
    if (a->pos) ids[k++] = a->pos_p;
    break;
  }
  default: break;
  }
  return k;
}

/* A staged op's own tensors in the mirror: its parameter gradients and moments (during a
 * backward the mirror holds the current ones), its BN running stats (during a forward). */
static void node_state(ZcRun *r, const ZcNode *n, gboolean backward, gboolean to_device) {
  ZcBackend *be = be_of(r);
  ZcDevState *d = dev_of(r);
  ZcNet *net = r->net;
  void (*copy)(ZcBackend *, void *, const void *, gsize) = to_device ? be->klass->copy_in : be->klass->copy_out;
#define XFER(host, devoff, bytes) \
  (to_device ? copy(be, d->mirror + (devoff), (host), (bytes)) : copy(be, (host), d->mirror + (devoff), (bytes)))
  if (!backward) {
    if (n->op == ZC_OP_BN && d->bn[n->id] != NONE) {
      ZcBnAttr *a = n->attr;
      gsize bytes = a->C * sizeof(double);
      XFER(a->run_mean, d->bn[n->id], bytes);
      XFER(a->run_var, d->bn[n->id] + up(bytes), bytes);
    }
    return;
  }
  if (!r->param_grads) return;
  int ids[2];
  int k = node_params(n, ids);
  for (int i = 0; i < k; i++)
    if (ids[i] >= 0) XFER(zc_param(net, ids[i])->grad, d->pgrad[ids[i]], zc_param(net, ids[i])->numel * net->esz);
  if (r->moments && d->mom[n->id] != NONE) {
    double *m[3];
    layer_moments(n, &m[0], &m[1], &m[2]);
    gsize bytes = zc_param(net, ids[0])->numel * sizeof(double);
    for (int j = 0; j < 3; j++) XFER(m[j], d->mom[n->id] + j * up(bytes), bytes);
  }
#undef XFER
}

void zc_dev_staged_forward(ZcRun *r, const ZcNode *n) {
  ZcNet *net = r->net;
  Bases b = to_shadow(r);
  for (int k = 0; k < n->n_in; k++) {
    const ZcNode *in = zc_node(net, n->in[k]);
    stage_out(r, b, in->val_off, value_bytes(r, in));
  }
  zc_op_classes[n->op].forward[net->dtype](r, n);
  stage_in(r, b, n->val_off, value_bytes(r, n));
  stage_in(r, b, n->aux_off, aux_bytes(r, n));
  if (r->bn_update) node_state(r, n, FALSE, TRUE);
  from_shadow(r, b);
}

void zc_dev_staged_backward(ZcRun *r, const ZcNode *n) {
  ZcNet *net = r->net;
  ZcKernelFn bw = zc_op_classes[n->op].backward[net->dtype];
  if (!bw) return;
  Bases b = to_shadow(r);
  stage_out(r, b, n->val_off, value_bytes(r, n));
  stage_out(r, b, n->grad_off, value_bytes(r, n));
  stage_out(r, b, n->aux_off, aux_bytes(r, n));
  for (int k = 0; k < n->n_in; k++) {
    const ZcNode *in = zc_node(net, n->in[k]);
    stage_out(r, b, in->val_off, value_bytes(r, in));
    if (!r->grad_fresh[in->id]) stage_out(r, b, in->grad_off, value_bytes(r, in));   /* it accumulates */
  }
  node_state(r, n, TRUE, FALSE);
  bw(r, n);
  node_state(r, n, TRUE, TRUE);
  for (int k = 0; k < n->n_in; k++) {
    const ZcNode *in = zc_node(net, n->in[k]);
    if (!r->grad_fresh[in->id]) stage_in(r, b, in->grad_off, value_bytes(r, in));
  }
  from_shadow(r, b);
}

void zc_dev_setup_staged(ZcOpClass *ops) {
  for (int op = 0; op < ZC_N_OPS; op++)
    for (int t = 0; t < ZC_N_DTYPES; t++) {
      if (ops[op].forward[t]) ops[op].forward[t] = zc_dev_staged_forward;
      if (ops[op].backward[t]) ops[op].backward[t] = zc_dev_staged_backward;
    }
}

gboolean zc_dev_loss(ZcRun *r, ZcLossKind kind, const void *target, gboolean seed_grad, double *loss,
                     GError **error) {
  const ZcNode *out = zc_node(r->net, zc_net_output(r->net));
  Bases b = to_shadow(r);
  stage_out(r, b, out->val_off, value_bytes(r, out));
  gboolean ok = zc_loss_eval(r, kind, target, seed_grad, loss, error);
  if (ok && seed_grad) stage_in(r, b, out->grad_off, value_bytes(r, out));
  from_shadow(r, b);
  return ok;
}
