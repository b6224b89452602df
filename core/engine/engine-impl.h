/* zcnas engine — private structures shared by the engine's sources.
 *
 * A node is a small record (op kind, inputs, per-sample shape, tags) plus a pointer to a
 * per-op attribute struct; what an op does lives in its ZcOpClass, a table of kernels
 * indexed by dtype.  Each workspace owns a backend (backend.c) holding its own copy of
 * that table: the plain-C/OpenBLAS kernels are the reference ("cpu-ref"), and a faster
 * backend replaces entries of its copy, never a global. */
#ifndef ZC_ENGINE_IMPL_H
#define ZC_ENGINE_IMPL_H
#include <string.h>
#include <glib.h>
#include <zcnas/net.h>
#include <zcnas/error.h>

typedef enum {
  ZC_OP_INPUT, ZC_OP_CONV, ZC_OP_LINEAR, ZC_OP_BN, ZC_OP_LN, ZC_OP_RELU, ZC_OP_GELU,
  ZC_OP_SOFTMAX, ZC_OP_ATTN, ZC_OP_ADD, ZC_OP_CONCAT, ZC_OP_SLICE, ZC_OP_ZERO,
  ZC_OP_IDENTITY, ZC_OP_FLATTEN, ZC_OP_SHIFT, ZC_OP_AVGPOOL, ZC_OP_MAXPOOL, ZC_OP_GAP,
  ZC_OP_TOKENS, ZC_OP_TOKEN_MEAN, ZC_OP_TOKEN_SELECT, ZC_OP_CONVT, ZC_OP_LEAKY_RELU,
  ZC_OP_TANH, ZC_OP_SIGMOID,
  ZC_N_OPS
} ZcOp;

typedef struct ZcNode ZcNode;
typedef struct ZcRun ZcRun;
typedef void (*ZcKernelFn)(ZcRun *run, const ZcNode *node);

struct ZcNode {
  int id;
  ZcOp op;
  int n_in;
  int *in;
  ZcShape shape;          /* per sample */
  gsize numel;
  gpointer attr;          /* per-op struct below, owned */
  char *role;
  guint tags;
  gboolean keep_grad;     /* gradient readable after backward (zc_net_keep_grad) */
  /* plan of the current run (byte offsets into the arena) */
  gsize val_off, grad_off, aux_off;
  int alias;              /* >= 0: an earlier node computing the same value (same element-wise
                             op on the same input): this one shares its value, skips its forward */
  gboolean val_kept;      /* its value is readable after the forward (else its bytes are reused
                             once its last forward consumer ran) */
};

typedef struct {
  ZcParamKind kind;
  int node;
  ZcShape shape;
  gsize numel;
  int fan_in, fan_out;
  void *data, *grad;        /* net dtype */
  guint8 *neg;              /* sign bits saved by params_abs */
} ZcParam;

/* ---- per-op attributes ---- */
/* Conv geometry.  A transposed conv stores the geometry of the conv it is the adjoint of:
 * that conv maps the transposed conv's output (in_c, in_h, in_w) to its input
 * (s.out_channels, out_h, out_w), with the same weight [s.out_channels, in_c, kh, kw]. */
typedef struct {
  ZcConvSpec s;
  int in_c, in_h, in_w, out_h, out_w;
  int w, b;                 /* parameter ids, b = -1 without bias */
  int layer;                /* index among weight layers */
  double *m1, *mabs, *m2;   /* moments, weight-sized */
} ZcConvAttr;
typedef struct {
  int in_f, out_f;
  int w, b;
  int layer;
  double *m1, *mabs, *m2;
} ZcLinearAttr;
typedef struct {
  int C;
  gboolean affine;
  int gamma, beta;
  double eps, momentum;
  double *run_mean, *run_var;
  guint8 *rm_neg;
} ZcBnAttr;
typedef struct {
  int C;
  double eps;
  gboolean affine;
  int gamma, beta;
} ZcLnAttr;
typedef struct { int heads, hd; } ZcAttnAttr;
typedef struct { double slope; } ZcLeakyAttr;
typedef struct { int start, len; } ZcSliceAttr;
typedef struct { int dy, dx; } ZcShiftAttr;
typedef struct { int k, stride, pad; gboolean cip; } ZcPoolAttr;
typedef struct { gboolean cls, pos; int cls_p, pos_p; } ZcTokensAttr;
typedef struct { int skip; } ZcTokenMeanAttr;

/* ---- op classes ---- */
typedef struct {
  const char *name;
  /* elements (net dtype) of per-run saved state, and of per-thread scratch */
  gsize (*aux_elems)(const ZcNet *net, const ZcNode *node, int batch, int groups);
  gsize (*scratch_elems)(const ZcRun *run, const ZcNode *node);  /* run: batch and chunks are set */
  ZcKernelFn forward[ZC_N_DTYPES];
  ZcKernelFn backward[ZC_N_DTYPES];
} ZcOpClass;
/* The reference op table (ops.c): names and the plain-C/OpenBLAS kernels. */
extern const ZcOpClass zc_op_classes[ZC_N_OPS];

/* ---- backends (backend.c) ----
 * A backend owns the memory it runs on and its op table.  The CPU backends share host
 * memory (the arena is plain RAM, parameters stay in the net), so their copy-in/out is
 * memcpy.  A device backend (host_memory FALSE) implements them with transfers and keeps a
 * mirror of the net's tensors (device.c); the engine calls the zc_dev_* hooks below at the
 * points where host and device must agree. */
typedef struct ZcBackend ZcBackend;
typedef struct ZcDevState ZcDevState;
typedef struct {
  const char *name;         /* what users write: backend = "cpu" */
  const char *cache_id;     /* recorded in cache keys; changes whenever kernel arithmetic does */
  gboolean host_memory;     /* the arena is host memory: zc_net_value() may hand out pointers */
  void (*setup)(ZcOpClass *ops);                 /* patch the instance's copy of the reference table */
  void *(*alloc)(ZcBackend *be, gsize bytes);    /* arena; NULL when refused */
  void (*release)(ZcBackend *be, void *mem);
  void (*copy_out)(ZcBackend *be, void *host_dst, const void *src, gsize bytes);
  void (*copy_in)(ZcBackend *be, void *dst, const void *host_src, gsize bytes);
  void (*zero)(ZcBackend *be, void *dst, gsize bytes);
  /* optional: whether this machine can run the backend at all (a GPU is visible), asked
   * when a pipeline or --backend names it, so that the run stops before any work */
  gboolean (*probe)(GError **error);
  /* optional: open the device (NULL: nothing to open); fails with a message naming why */
  gboolean (*open)(ZcBackend *be, GError **error);
  void (*close)(ZcBackend *be);
  /* optional: wait for queued work and report the first failure since the last call (the
   * engine calls it at the end of every forward and backward) */
  gboolean (*finish)(ZcBackend *be, GError **error);
  /* optional: sign bits of `node`'s first n samples (patterns.c), computed where the values are */
  void (*sign_bits)(ZcBackend *be, const ZcRun *run, const void *values, gsize units, int n_samples,
                    guint64 *host_out);
} ZcBackendClass;
struct ZcBackend {
  const ZcBackendClass *klass;
  ZcOpClass ops[ZC_N_OPS];  /* this instance's table: kernels never come from a global */
  ZcDevState *dev;          /* device backends: the tensor mirror and the host staging copy */
  gpointer priv;            /* the class's own state (streams, library handles) */
};
ZcBackend *zc_backend_new(const char *name, GError **error);
/* The "cpu" backend's patches to the reference table (fast.c). */
void zc_fast_setup(ZcOpClass *ops);
void zc_backend_free(ZcBackend *be);
static inline void zc_backend_zero(ZcBackend *be, void *dst, gsize bytes) {
  if (be->klass->zero) be->klass->zero(be, dst, bytes);
  else memset(dst, 0, bytes);
}

/* ---- device backends (device.c) ----
 * The net's tensors (parameters, their gradients, the gradient moments, BatchNorm running
 * statistics) live in host memory, where proxies read them; a device backend's kernels read
 * a mirror of them in device memory.  The engine keeps the two in step at four points. */
gboolean zc_dev_prepare(ZcRun *run, GError **error);    /* after the plan: upload parameters, BN stats */
void zc_dev_end_forward(ZcRun *run);                    /* download updated BN running stats */
void zc_dev_begin_backward(ZcRun *run);                 /* upload parameter gradients, moments */
void zc_dev_end_backward(ZcRun *run);                   /* download them */
void zc_dev_release_mirror(ZcBackend *be);            /* before the backend closes */
void zc_dev_state_free(ZcDevState *dev);
/* Mirror addresses for device kernels (NULL when the net has no such tensor). */
void *zc_dev_param(const ZcRun *run, int param, gboolean grad);
void zc_dev_moments(const ZcRun *run, int node, double **m1, double **mabs, double **m2);
void zc_dev_bn_running(const ZcRun *run, int node, double **mean, double **var);
/* Any op without a device kernel: the reference kernel on a host copy of exactly the bytes
 * it reads, whose writes are copied back.  Correct for every op; slow by design. */
void zc_dev_staged_forward(ZcRun *run, const ZcNode *node);
void zc_dev_staged_backward(ZcRun *run, const ZcNode *node);
/* Fill every entry of a table with the staged kernels (a device backend's starting point). */
void zc_dev_setup_staged(ZcOpClass *ops);
/* The loss on a device arena: the output staged to the host, its gradient copied back. */
gboolean zc_dev_loss(ZcRun *run, ZcLossKind kind, const void *target, gboolean seed_grad, double *loss,
                     GError **error);
/* The CUDA backend's class (cuda/backend-cuda.c; only in builds configured --with-cuda), and
 * the same code against the host emulation of cuda/emu/ (every build). */
extern const ZcBackendClass zc_cuda_backend_class;
extern const ZcBackendClass zc_cuda_emu_backend_class;

struct ZcNet {
  ZcDType dtype;
  gsize esz;
  guint64 serial;           /* unique per net: the workspace remembers whose run it holds */
  GPtrArray *nodes;         /* ZcNode* */
  GPtrArray *params;        /* ZcParam* */
  GArray *layers;           /* int node ids of conv/linear */
  GArray *acts;             /* int node ids of relu/gelu */
  int output;               /* -1: last node */
  ZcBnMode bn_mode;
  gboolean bn_update;
  gboolean input_grad;
  gboolean keep_all;        /* every gradient keeps its own buffer */
  guint retain;             /* ZC_RETAIN_*: what stays readable after a run */
  int moments_k;
  int moments_done;         /* chunks accumulated into the moments so far */
  guint64 plan_ws;          /* serial of the workspace the node offsets were planned for */
  guint64 mem_bytes;        /* charged against the memory budget so far (build.c) */
};

typedef struct ZcPool ZcPool;
void zc_pool_free(ZcPool *pool);

struct ZcWorkspace {
  ZcBackend *backend;       /* owns buf and the op table the runs use */
  ZcPool *pool;             /* threads - 1 workers, started on first use */
  guint8 *buf;
  gsize cap;
  guint grows;
  int threads;
  guint64 owner;            /* serial of the net whose run is stored, 0 = none */
  guint64 serial;           /* unique per workspace */
  int batch;
  gboolean have_forward;
  ZcRun *run;
  char *flags;              /* the run's need_grad/grad_fresh: host memory whatever the backend */
  gsize flags_cap;
};

/* State of one run (lives in the workspace). */
struct ZcRun {
  ZcNet *net;
  ZcWorkspace *ws;
  int batch;
  guint8 *base;
  int nchunks;              /* partition of the batch for reductions */
  int chunk0[65];           /* chunk c = samples [chunk0[c], chunk0[c+1]) */
  int bn_groups;            /* 1, or moments_k (ghost batch statistics) */
  gboolean moments;
  gboolean param_grads;     /* backward writes parameter gradients */
  gboolean bn_update;
  ZcBnMode bn_mode;
  guint8 *scratch;          /* per-thread scratch */
  gsize scratch_stride;     /* bytes */
  guint8 *partials;         /* nchunks x largest weight (bytes) */
  char *need_grad;          /* per node: backward must produce dL/d(node) */
  char *grad_fresh;         /* per node: its gradient buffer holds nothing yet (= zero) */
};

#define ZC_MAX_CHUNKS 64
#define ZC_DEFAULT_CHUNKS 16  /* batch reductions use min(batch, 16) chunks: work for up to 16 threads */

static inline gboolean zc_is_conv(ZcOp op) { return op == ZC_OP_CONV || op == ZC_OP_CONVT; }
static inline ZcNode *zc_node(const ZcNet *net, int id) { return g_ptr_array_index(net->nodes, id); }
static inline ZcParam *zc_param(const ZcNet *net, int id) { return g_ptr_array_index(net->params, id); }
static inline const ZcOpClass *zc_run_ops(const ZcRun *r, ZcOp op) { return &r->ws->backend->ops[op]; }
static inline void *zc_run_val(const ZcRun *r, int id) { return r->base + zc_node(r->net, id)->val_off; }
static inline void *zc_run_grad(const ZcRun *r, int id) { return r->base + zc_node(r->net, id)->grad_off; }
static inline void *zc_run_aux(const ZcRun *r, int id) { return r->base + zc_node(r->net, id)->aux_off; }
/* dL/d(node j) to add into: zeroed first if nothing has written it yet. */
static inline void *zc_run_grad_acc(ZcRun *r, int j) {
  void *g = zc_run_grad(r, j);
  if (r->grad_fresh[j]) {
    memset(g, 0, zc_node(r->net, j)->numel * r->batch * r->net->esz);
    r->grad_fresh[j] = 0;
  }
  return g;
}
/* dL/d(node j) for kernels that can overwrite: *assign is TRUE when the buffer holds
 * nothing yet, and the caller must then write (not add) every element. */
static inline void *zc_run_grad_out(ZcRun *r, int j, gboolean *assign) {
  *assign = r->grad_fresh[j];
  r->grad_fresh[j] = 0;
  return zc_run_grad(r, j);
}
static inline void *zc_run_scratch(const ZcRun *r, int thread) { return r->scratch + (gsize) thread * r->scratch_stride; }
static inline int zc_chunk_of(const ZcRun *r, int sample, int nchunks) {
  /* inverse of start(c) = c*B/n */
  int c = (int) (((gint64) sample * nchunks + nchunks - 1) / r->batch);
  while (c > 0 && (gint64) c * r->batch / nchunks > sample) c--;
  while (c + 1 < nchunks && (gint64) (c + 1) * r->batch / nchunks <= sample) c++;
  return c;
}
static inline int zc_part_start(int batch, int n, int c) { return (int) ((gint64) c * batch / n); }

/* Run fn(ctx, task, thread) for task in [0, n_tasks) on the workspace's threads.  Tasks must
 * write disjoint memory; which thread runs a task never changes a result. */
typedef void (*ZcTaskFn)(void *ctx, int task, int thread);
void zc_parallel(const ZcRun *run, int n_tasks, ZcTaskFn fn, void *ctx);

/* Kernel prototypes (defined once per dtype from the ops-*.inc templates). */
#define ZC_KDECL(name) \
  void name##_f32(ZcRun *run, const ZcNode *node); \
  void name##_f64(ZcRun *run, const ZcNode *node);
ZC_KDECL(zc_k_conv_fwd) ZC_KDECL(zc_k_conv_bwd)
ZC_KDECL(zc_k_convt_fwd) ZC_KDECL(zc_k_convt_bwd)
ZC_KDECL(zc_k_linear_fwd) ZC_KDECL(zc_k_linear_bwd)
ZC_KDECL(zc_k_bn_fwd) ZC_KDECL(zc_k_bn_bwd)
ZC_KDECL(zc_k_ln_fwd) ZC_KDECL(zc_k_ln_bwd)
ZC_KDECL(zc_k_relu_fwd) ZC_KDECL(zc_k_relu_bwd)
ZC_KDECL(zc_k_gelu_fwd) ZC_KDECL(zc_k_gelu_bwd)
ZC_KDECL(zc_k_leaky_fwd) ZC_KDECL(zc_k_leaky_bwd)
ZC_KDECL(zc_k_tanh_fwd) ZC_KDECL(zc_k_tanh_bwd)
ZC_KDECL(zc_k_sigmoid_fwd) ZC_KDECL(zc_k_sigmoid_bwd)
ZC_KDECL(zc_k_softmax_fwd) ZC_KDECL(zc_k_softmax_bwd)
ZC_KDECL(zc_k_attn_fwd) ZC_KDECL(zc_k_attn_bwd)
ZC_KDECL(zc_k_add_fwd) ZC_KDECL(zc_k_add_bwd)
ZC_KDECL(zc_k_concat_fwd) ZC_KDECL(zc_k_concat_bwd)
ZC_KDECL(zc_k_slice_fwd) ZC_KDECL(zc_k_slice_bwd)
ZC_KDECL(zc_k_zero_fwd)
ZC_KDECL(zc_k_copy_fwd) ZC_KDECL(zc_k_copy_bwd)
ZC_KDECL(zc_k_shift_fwd) ZC_KDECL(zc_k_shift_bwd)
ZC_KDECL(zc_k_avgpool_fwd) ZC_KDECL(zc_k_avgpool_bwd)
ZC_KDECL(zc_k_maxpool_fwd) ZC_KDECL(zc_k_maxpool_bwd)
ZC_KDECL(zc_k_gap_fwd) ZC_KDECL(zc_k_gap_bwd)
ZC_KDECL(zc_k_tokens_fwd) ZC_KDECL(zc_k_tokens_bwd)
ZC_KDECL(zc_k_tmean_fwd) ZC_KDECL(zc_k_tmean_bwd)
ZC_KDECL(zc_k_tsel_fwd) ZC_KDECL(zc_k_tsel_bwd)
#undef ZC_KDECL
/* Sum the per-chunk weight-gradient partials into grad (and the moments) in chunk order. */
void zc_conv_reduce_partials_f32(ZcRun *r, float *grad, gsize n, double *m1, double *mabs, double *m2);
void zc_conv_reduce_partials_f64(ZcRun *r, double *grad, gsize n, double *m1, double *mabs, double *m2);
/* Patch the fast conv kernels (fast-conv.inc) into a table. */
void zc_fast_conv_setup_f32(ZcOpClass *ops);
void zc_fast_conv_setup_f64(ZcOpClass *ops);
/* ... and the stride-1 average pooling (fast-pool.inc). */
void zc_fast_pool_setup_f32(ZcOpClass *ops);
void zc_fast_pool_setup_f64(ZcOpClass *ops);
/* Patch the AVX2 copies of the float norm/activation kernels, where the CPU has AVX2. */
void zc_fast_avx2_setup(ZcOpClass *ops);

/* Set gamma = 1, beta = 0 of a BN/LN node (init.c). */
void zc_net_init_norm_defaults(ZcNet *net, int node);

/* Losses (loss.c): write dL/d(output) into the output grad, return the loss. */
gboolean zc_loss_eval(ZcRun *run, ZcLossKind kind, const void *target, gboolean seed_grad,
                      double *loss, GError **error);

#endif
