/* zcnas — the CPU network engine: build a network, run it forward and backward, and read
 * what zero-cost proxies need through hooks.
 *
 * Model
 * -----
 * A ZcNet is a DAG of nodes.  A search space builds it with the zc_net_* builder calls
 * below; each returns the id (>= 0) of the new node, or -1 with a GError on bad arguments.
 * Nodes are numbered in build order, which is also execution order, so an input id is
 * always smaller than the node that reads it.  Shapes are per sample (see tensor.h); the
 * batch size is chosen at each run.  The network owns its parameters and their gradients.
 *
 * Activations, their gradients and all scratch memory live in a ZcWorkspace, an arena
 * that is reused across networks: it grows to the largest (network, batch) it has seen
 * and then allocates nothing more.  A workspace holds the state of ONE run at a time: a
 * forward of another network (or another batch size) invalidates what an earlier forward
 * left there, and zc_net_backward* refuses to run on stale values.  Likewise only the
 * workspace of a network's latest forward holds readable results of that network.
 *
 * Memory: every node keeps its value for the whole run (hooks may read any of them);
 * gradients keep a buffer only where hooks read them (see zc_net_grad), the rest share
 * memory by lifetime during the backward.
 *
 * Threads: a network and a workspace are used by one thread at a time; separate
 * (network, workspace) pairs may run concurrently in one process.
 *
 * Determinism
 * -----------
 * The workspace's thread count only changes speed: every reduction over the batch uses
 * a partition into chunks that depends on the batch size (and the moments setting), never
 * on the threads, and chunk results are combined in a fixed order.  OpenBLAS's own thread
 * count is process-wide state that the library leaves alone: our partition already
 * parallelises, so a program should run OpenBLAS single-threaded (the zcnas program calls
 * openblas_set_num_threads(1) at start-up).
 *
 * Typical use
 * -----------
 *   ZcWorkspace *ws = zc_workspace_new(1);              (once per worker)
 *   ZcNet *net = zc_net_new(ZC_F32);
 *   int x = zc_net_input(net, 3, 32, 32);
 *   int c = zc_net_conv2d(net, x, 16, 3, 1, 1, FALSE, err);   (3x3, stride 1, pad 1)
 *   ...
 *   zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1.0, seed);
 *   zc_net_forward(net, ws, images, 64, err);
 *   zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, err);
 *   for (guint i = 0; i < zc_net_n_layers(net); i++) { zc_net_layer(net, ws, i, &L); ... } */
#ifndef ZC_NET_H
#define ZC_NET_H
#include <glib.h>
#include <zcnas/tensor.h>

G_BEGIN_DECLS

typedef struct ZcNet ZcNet;
typedef struct ZcWorkspace ZcWorkspace;

/* ------------------------------------------------------------------ workspace ---- */

/* A new, empty workspace running kernels on `n_threads` threads (>= 1), on the default
 * backend (see below). */
ZcWorkspace *zc_workspace_new(int n_threads);
/* ... on a named backend; an unknown name is ZC_ERROR_CONFIG.  A workspace owns its
 * backend: its memory and its kernels.  One worker = one workspace = one backend. */
ZcWorkspace *zc_workspace_new_backend(const char *backend, int n_threads, GError **error);
const char *zc_workspace_backend(const ZcWorkspace *ws);
void zc_workspace_free(ZcWorkspace *ws);
void zc_workspace_set_threads(ZcWorkspace *ws, int n_threads);
/* Cores shared by the workspaces of a process: the program declares how many it may use
 * (<= 0: no limit, the default); a worker thread busy scoring holds one while it works;
 * parallel regions borrow helpers only from cores nobody holds.  So N single-architecture
 * workers on N cores run single-threaded, and the last one running gets every core. */
void zc_engine_set_cores(int cores);
void zc_engine_hold_core(gboolean hold);
/* Bytes currently reserved (the high-water mark of every run so far). */
gsize zc_workspace_bytes(const ZcWorkspace *ws);
/* Number of times the arena had to grow (for tests: stays constant once warm). */
guint zc_workspace_grow_count(const ZcWorkspace *ws);

/* ------------------------------------------------------------------ backends ----- */

/* What kernels run on: "cpu" (fast CPU kernels, the default) and "cpu-ref" (the reference
 * kernels, the oracle the others are checked against).  Scores are deterministic per
 * backend; cache keys record the backend's cache id, which changes whenever its kernels'
 * arithmetic does. */
const char *zc_backend_default(void);
const char *zc_backend_name_at(guint index);         /* NULL past the last */
gboolean zc_backend_check(const char *name, GError **error);
const char *zc_backend_cache_id(const char *name);   /* NULL for an unknown name */

/* ------------------------------------------------------------------ network ------ */

/* The memory a network may claim: its parameters (values and gradients) plus one sample's
 * activations (values and gradients).  A builder call that would exceed it returns -1 with
 * a ZC_ERROR_NOMEM error giving both numbers.  ZCNAS_MEMORY_BUDGET (bytes, optionally with
 * K, M, G or T) sets it; by default it is half of the physical memory. */
ZcNet *zc_net_new(ZcDType dtype);
void zc_net_free(ZcNet *net);
ZcDType zc_net_dtype(const ZcNet *net);
int zc_net_n_nodes(const ZcNet *net);
/* Per-sample shape of a node; FALSE if the id is out of range. */
gboolean zc_net_shape(const ZcNet *net, int node, ZcShape *shape);
gsize zc_net_numel(const ZcNet *net, int node);     /* per sample */
const char *zc_net_op_name(const ZcNet *net, int node);
/* Input k of a node; -1 when it has no such input. */
int zc_net_node_input(const ZcNet *net, int node, int k);
/* Total number of scalar parameters (weights, biases, norm affine, embeddings). */
gsize zc_net_n_params(const ZcNet *net);
/* Multiply-accumulates of one sample through conv, linear and attention matmuls (the usual
 * "FLOPs" of NAS papers count these; double them for floating-point operations). */
double zc_net_macs(const ZcNet *net);
/* One line per node (id, op, inputs, shape, role, tags), for debugging; g_free() it. */
char *zc_net_describe(const ZcNet *net);
/* The output node: the last node built unless set. */
int zc_net_output(const ZcNet *net);
void zc_net_set_output(ZcNet *net, int node);

/* ------------------------------------------------------------------ builder ------ */
/* Every builder returns the new node id or -1 (error set: unknown input, shape mismatch,
 * bad hyper-parameter).  Shapes: (C,H,W) images, (T,C) tokens, (C) vectors. */

int zc_net_input(ZcNet *net, int c, int h, int w);        /* image input, (C,H,W) */
int zc_net_input_tokens(ZcNet *net, int t, int c);        /* token input, (T,C) */
int zc_net_input_vector(ZcNet *net, int c);               /* vector input, (C) */

/* Full conv2d hyper-parameters; weight [out_c, in_c/groups, kh, kw] as PyTorch.  Zero
 * stride, dilation or groups mean 1. */
typedef struct {
  int out_channels;
  int kh, kw;
  int stride_h, stride_w;
  int pad_h, pad_w;
  int dil_h, dil_w;
  int groups;            /* 1 = dense; in_c = out_c = groups is depthwise */
  gboolean bias;
} ZcConvSpec;
int zc_net_conv2d_spec(ZcNet *net, int x, const ZcConvSpec *spec, GError **error);
/* Square kernel, same stride/padding in both directions, dilation 1, groups 1. */
int zc_net_conv2d(ZcNet *net, int x, int out_c, int k, int stride, int pad, gboolean bias, GError **error);

/* Transposed conv (PyTorch ConvTranspose2d, groups 1, dilation 1): weight [in_c, out_c, k, k],
 * output (H-1)*stride - 2*pad ++ output_pad; 0 <= output_pad < stride. */
int zc_net_conv_transpose2d(ZcNet *net, int x, int out_c, int k, int stride, int pad, int output_pad, gboolean bias,
                            GError **error);

/* y = x W^T + b over the last dimension: (C) -> (out) or (T,C) -> (T,out). */
int zc_net_linear(ZcNet *net, int x, int out_features, gboolean bias, GError **error);

/* BatchNorm over channel dim 0 of (C,H,W) or (C); eps 1e-5, momentum 0.1.  Its behaviour
 * follows the network's BN mode (zc_net_set_bn_mode). */
int zc_net_batchnorm(ZcNet *net, int x, gboolean affine, GError **error);
/* LayerNorm over the last dimension with weight/bias when affine. */
int zc_net_layernorm(ZcNet *net, int x, double eps, gboolean affine, GError **error);

/* ReLU; its gradient at exactly 0 is 0 (as PyTorch). */
int zc_net_relu(ZcNet *net, int x, GError **error);
int zc_net_gelu(ZcNet *net, int x, GError **error);       /* exact: x * Phi(x) */
int zc_net_softmax(ZcNet *net, int x, GError **error);    /* over the last dimension */
/* LeakyReLU (x > 0 ? x : slope x), tanh, sigmoid: TransNAS decoders.  Not in the
 * activation walk (zc_net_act), which lists ReLU and GELU nodes. */
int zc_net_leaky_relu(ZcNet *net, int x, double slope, GError **error);
int zc_net_tanh(ZcNet *net, int x, GError **error);
int zc_net_sigmoid(ZcNet *net, int x, GError **error);

/* Multi-head self-attention on (T,E), built from three nodes: linear qkv (E -> 3*heads*
 * head_dim, bias = qkv_bias, role "qkv"), the attention core (scale head_dim^-0.5) and
 * linear proj (heads*head_dim -> E, with bias, role "proj").  Returns the proj node. */
int zc_net_mhsa(ZcNet *net, int x, int heads, int head_dim, gboolean qkv_bias, GError **error);

/* n-ary sum of equally shaped nodes. */
int zc_net_add(ZcNet *net, const int *xs, int n, GError **error);
/* Concatenation along dim 0 (channels of (C,H,W) or (C)); other dims must agree. */
int zc_net_concat(ZcNet *net, const int *xs, int n, GError **error);
/* Channels [start, start+len) of dim 0. */
int zc_net_slice(ZcNet *net, int x, int start, int len, GError **error);
int zc_net_zero(ZcNet *net, int x, GError **error);       /* zeros shaped like x */
/* Zeros shaped like x[:, :, ::stride, ::stride] (DARTS Zero(stride) on (C,H,W)). */
int zc_net_zero_strided(ZcNet *net, int x, int stride, GError **error);
int zc_net_identity(ZcNet *net, int x, GError **error);
/* (C,H,W) -> (C*H*W). */
int zc_net_flatten(ZcNet *net, int x, GError **error);
/* out[c,h,w] = x[c,h+dy,w+dx], zero outside: the "x[:, :, 1:, 1:]" of DARTS. */
int zc_net_shift(ZcNet *net, int x, int dy, int dx, GError **error);

int zc_net_avgpool(ZcNet *net, int x, int k, int stride, int pad, gboolean count_include_pad, GError **error);
/* Max pool; padding counts as -inf.  Gradient goes to the first maximum in scan order. */
int zc_net_maxpool(ZcNet *net, int x, int k, int stride, int pad, GError **error);
int zc_net_global_avgpool(ZcNet *net, int x, GError **error);   /* (C,H,W) -> (C) */

/* Patch embedding on (Cin,H,W): conv k = stride = patch (role "patch", bias), then tokens
 * (1 class token when cls_token, then H/patch*W/patch patches) plus a learned position
 * embedding.  Returns the (T,E) node. */
int zc_net_patch_embed(ZcNet *net, int x, int embed, int patch, gboolean cls_token, GError **error);
/* (T,C) -> (C): mean over tokens skip..T-1 (skip = 1 leaves out a class token). */
int zc_net_token_mean(ZcNet *net, int x, int skip, GError **error);
/* (T,C) -> (C): token 0. */
int zc_net_token_select(ZcNet *net, int x, GError **error);

/* DARTS factorised reduce: ReLU, conv1x1 stride 2 on x and on x shifted by one pixel
 * (each out_c/2 channels, no bias), concat, BatchNorm(affine). */
int zc_net_factorized_reduce(ZcNet *net, int x, int out_c, gboolean affine, GError **error);

/* ------------------------------------------------------------------ tags ---------- */

/* Free-form role of a node (weight layers: "patch", "qkv", "proj", "fc1", "fc2",
 * "head"...); copied.  NULL clears it. */
void zc_net_set_role(ZcNet *net, int node, const char *role);
const char *zc_net_get_role(const ZcNet *net, int node);

enum {
  ZC_TAG_BLOCK_OUTPUT = 1u << 0,   /* output of a cell/block */
  ZC_TAG_PRE_GAP      = 1u << 1,   /* feature map right before global pooling */
  ZC_TAG_STEM_OUTPUT  = 1u << 2,
  ZC_TAG_USER         = 1u << 8    /* first bit free for plugins */
};
void zc_net_add_tags(ZcNet *net, int node, guint tags);
/* Ids of the nodes carrying any of `tags`, in execution order; returns how many exist
 * (writes at most `max` of them). */
guint zc_net_find_tagged(const ZcNet *net, guint tags, int *nodes, guint max);

/* ------------------------------------------------------------------ modes --------- */

typedef enum {
  ZC_BN_BATCH,     /* batch statistics (PyTorch train()); running stats updated */
  ZC_BN_RUNNING,   /* running statistics (PyTorch eval()) */
  ZC_BN_OFF        /* identity (NASLib bn=False) */
} ZcBnMode;
void zc_net_set_bn_mode(ZcNet *net, ZcBnMode mode);
/* In ZC_BN_BATCH mode, whether forward updates running_mean/running_var (default TRUE). */
void zc_net_set_bn_update_running(ZcNet *net, gboolean update);
/* Reset running_mean = 0, running_var = 1 everywhere. */
void zc_net_reset_bn_running(ZcNet *net);
/* Mean of running_var over the channels of the BN node; NAN if not BN. */
double zc_net_bn_running_var_mean(const ZcNet *net, int node);

/* Whether backward also produces dL/d(input) (input Jacobians).  Default FALSE. */
void zc_net_set_input_grad(ZcNet *net, gboolean on);

/* Per-sample / per-sub-batch gradient moments.  With k >= 1 the batch of B
 * samples is split into k contiguous chunks (chunk j = samples [j*B/k, (j+1)*B/k)), and
 * ONE forward+backward then behaves like k independent runs: BatchNorm in batch mode uses
 * each chunk's own statistics (running stats updated once per chunk, in order), the
 * loss is the sum over chunks of each chunk's mean loss, and for every conv/linear
 * weight w the backward accumulates, over chunks j,
 *     m1 += g_j,   mabs += |g_j|,   m2 += g_j^2,   where g_j = d(mean loss of chunk j)/dw.
 * k = B gives per-sample gradients (k <= 64).  The ordinary parameter gradient then holds
 * sum_j g_j.  With backward_seed the chunk objective is <seed, output> over the chunk.
 * k = 0 (default) switches this off.  Moments are double precision whatever the dtype.
 * The batch size must be >= k at run time. */
void zc_net_set_moments(ZcNet *net, int k);

/* ------------------------------------------------------------------ init ---------- */

typedef enum {
  ZC_INIT_TORCH_DEFAULT,       /* conv/linear W: kaiming-uniform a=sqrt(5) (= U(+-1/sqrt(fan_in)));
                                  bias U(+-1/sqrt(fan_in)); norm gamma 1 beta 0 */
  ZC_INIT_KAIMING_NORMAL_FAN_IN,   /* W ~ N(0, 2/fan_in), biases 0, norm 1/0 */
  ZC_INIT_KAIMING_NORMAL_FAN_OUT,  /* W ~ N(0, 2/fan_out) (fan_out = out_c*kh*kw) */
  ZC_INIT_NORMAL,              /* W and embeddings ~ N(0, arg^2) (often arg = 1), biases 0,
                                  norm 1/0 */
  ZC_INIT_XAVIER_UNIFORM,      /* W ~ U(+-sqrt(6/(fan_in+fan_out))), biases 0, norm 1/0 */
  ZC_INIT_XAVIER_NORMAL,       /* W ~ N(0, 2/(fan_in+fan_out)) */
  ZC_INIT_TRUNC_NORMAL,        /* W, class token, position embedding ~ N(0, arg^2) truncated to
                                  [-2, 2] (timm trunc_normal_, arg = 0.02 for ViTs); biases 0 */
  ZC_INIT_CONSTANT             /* every parameter = arg */
} ZcInit;
/* Class token and position embedding: ZC_INIT_NORMAL / ZC_INIT_TRUNC_NORMAL as stated,
 * every other scheme trunc-normal(0.02) (the ViT convention; PyTorch has no default). */
/* Initialise every parameter of the network.  Element e of parameter p draws from
 * zc_rng_*_at(zc_rng_subkey(zc_rng_key(seed, ZC_RNG_STREAM_INIT), p), e'), so values depend
 * only on (seed, parameter id, index).  BN running stats are reset.  `arg` as above
 * (ignored by other schemes; pass 1.0 / 0.02). */
#define ZC_RNG_STREAM_INIT G_GUINT64_CONSTANT(0x696e6974)
void zc_net_init(ZcNet *net, ZcInit scheme, double arg, guint64 seed);
/* Replace every parameter and BN buffer by its absolute value ... */
void zc_net_params_abs(ZcNet *net);
/* ... and give back the signs saved by the last zc_net_params_abs(). */
void zc_net_params_restore_sign(ZcNet *net);

/* ------------------------------------------------------------------ parameters ---- */

typedef enum {
  ZC_PARAM_WEIGHT,     /* conv / linear weight */
  ZC_PARAM_BIAS,       /* conv / linear bias */
  ZC_PARAM_NORM_SCALE, /* BN / LN gamma */
  ZC_PARAM_NORM_SHIFT, /* BN / LN beta */
  ZC_PARAM_EMBED       /* class token, position embedding */
} ZcParamKind;

typedef struct {
  int node;            /* owning node */
  ZcParamKind kind;
  ZcShape shape;       /* weights: (out, in/groups*kh*kw) flattened as (out, in/g, kh*kw) */
  gsize numel;
  void *data;          /* net dtype: the host master copy; change it with zc_net_write_param */
  void *grad;          /* net dtype: host copy, valid after a backward */
} ZcParamInfo;
guint zc_net_n_param_tensors(const ZcNet *net);
gboolean zc_net_param(ZcNet *net, guint index, ZcParamInfo *out);
/* Parameters live in host memory (the master copy every backend uploads from).  Copy a
 * parameter's values (grad FALSE) or gradient (TRUE) into dst (numel elements, net dtype);
 * replace its values from src.  Writing goes through here, the one place a backend holding
 * a device copy can learn that it changed. */
gboolean zc_net_read_param(const ZcNet *net, guint index, gboolean grad, void *dst);
gboolean zc_net_write_param(ZcNet *net, guint index, const void *src);

/* ------------------------------------------------------------------ running ------- */

/* Forward the batch `input` (batch x per-sample shape of the input node, net dtype). */
gboolean zc_net_forward(ZcNet *net, ZcWorkspace *ws, const void *input, int batch, GError **error);

typedef enum {
  ZC_LOSS_CE,        /* target: const gint32 labels, one per sample (per pixel for (C,H,W)
                        logits); mean over samples (and pixels) */
  ZC_LOSS_CE_SOFT,   /* target: probabilities shaped like the output, net dtype */
  ZC_LOSS_MSE,       /* target shaped like the output; mean over all elements (PyTorch) */
  ZC_LOSS_L1         /* idem, |.|, gradient sign(0) = 0 */
} ZcLossKind;

enum {
  ZC_BWD_ACCUMULATE = 1u << 0,  /* add to parameter gradients and moments instead of
                                   zeroing them first */
  ZC_BWD_NO_PARAMS  = 1u << 1   /* leave parameter gradients alone and skip weight-gradient
                                   work: with zc_net_set_input_grad, input Jacobians only */
};
/* Loss of the output node against `target` (see ZcLossKind); FALSE on bad data. */
gboolean zc_net_loss(ZcNet *net, ZcWorkspace *ws, ZcLossKind kind, const void *target,
                     double *loss, GError **error);
/* Loss, then backward to all parameters (and the input if zc_net_set_input_grad). */
gboolean zc_net_backward_loss(ZcNet *net, ZcWorkspace *ws, ZcLossKind kind, const void *target,
                              double *loss, guint flags, GError **error);
/* Backward with dL/d(output) := seed (batch x output shape, net dtype); seed NULL means
 * all ones (gradient of the sum of outputs). */
gboolean zc_net_backward_seed(ZcNet *net, ZcWorkspace *ws, const void *seed, guint flags, GError **error);

/* Values and gradients of the last run (batch x per-sample shape, net dtype); NULL when
 * the workspace holds no current run of this net.
 * Gradients: to save memory, only some nodes keep theirs after a backward -- the input
 * (meaningful with zc_net_set_input_grad(TRUE)), the output, conv/linear outputs, tagged
 * nodes, and nodes marked with zc_net_keep_grad() (call before the forward); the others
 * share buffers during the backward and zc_net_grad() returns NULL for them.  Kept
 * gradients up to the output are valid after a backward (zero where nothing flows). */
void zc_net_keep_grad(ZcNet *net, int node);
void zc_net_keep_all_grads(ZcNet *net, gboolean on);
/* What stays readable after a run, to save memory (set before the forward):
 *   ZC_RETAIN_VALUES       every node's value; without it only the values a hook or the
 *                          backward reads: the input, the output, conv/linear outputs,
 *                          activations (and a GELU's input: ReLU patterns come from the
 *                          output, ZcActInfo.pre may be NULL), tagged nodes, nodes given to
 *                          zc_net_keep_grad, and whatever a backward or VJP needs.  Other
 *                          values share bytes once their last consumer ran, and reading
 *                          them fails (zc_net_read_value) or gives NULL (zc_net_value).
 *   ZC_RETAIN_LAYER_GRADS  dL/d(output) of every conv/linear layer (ZcLayerInfo.output_grad)
 * Default ZC_RETAIN_ALL.  The core retains per pass what its proxies declare
 * (ZC_NEEDS_NODE_VALUES, ZC_NEEDS_LAYER_GRADS in <zcnas/proxy.h>). */
enum { ZC_RETAIN_VALUES = 1u << 0, ZC_RETAIN_LAYER_GRADS = 1u << 1, ZC_RETAIN_ALL = 3u };
void zc_net_set_retain(ZcNet *net, guint what);
/* Copy a node's value or (kept) gradient of the last run into host memory dst (batch x
 * zc_net_numel(node) elements, net dtype): this works on every backend and is what
 * proxies use.  FALSE with an error when there is no current run or no kept gradient. */
gboolean zc_net_read_value(const ZcNet *net, const ZcWorkspace *ws, int node, void *dst, GError **error);
gboolean zc_net_read_grad(const ZcNet *net, const ZcWorkspace *ws, int node, void *dst, GError **error);
/* Direct pointers into the backend's memory: only on a backend whose memory is the
 * host's (the CPU backends), NULL elsewhere.  Prefer the copies above. */
const void *zc_net_value(const ZcNet *net, const ZcWorkspace *ws, int node);
const void *zc_net_grad(const ZcNet *net, const ZcWorkspace *ws, int node);
int zc_net_batch(const ZcNet *net, const ZcWorkspace *ws);

/* Vector-Jacobian product between two nodes of the last forward: g_in = (dF_to/dF_from)^T
 * g_out, everything else held constant.  g_out: batch x shape(to); g_in: batch x
 * shape(from).  Parameter gradients are not touched.  BN in batch mode differentiates
 * through the batch statistics. */
gboolean zc_net_vjp(ZcNet *net, ZcWorkspace *ws, int from, int to, const void *g_out, void *g_in,
                    GError **error);

/* Per-sample gradients of single parameter elements, from the last backward: out[s * n + i]
 * is sample s's term of the gradient of element elements[i] of parameter tensor
 * tensors[i] (the parameter gradient is the sum of the terms over the batch).  For
 * conv weights and biases, linear weights and biases (on vectors or tokens) and the
 * gamma/beta of BatchNorm over maps or vectors (ZC_ERROR_UNSUPPORTED otherwise, and for
 * BatchNorm under gradient moments).  It reads the owning nodes' input values and output
 * gradients, so call zc_net_keep_all_grads(net, TRUE) and keep ZC_RETAIN_VALUES before the
 * forward.  One backward per output direction then gives every sample's gradient: a
 * Jacobian at the cost of a few reads. */
gboolean zc_net_param_sample_grads(ZcNet *net, const ZcWorkspace *ws, guint n, const guint *tensors,
                                   const gsize *elements, double *out, GError **error);

/* Total number of conv/linear weights. */
gsize zc_net_n_layer_weights(const ZcNet *net);

/* ------------------------------------------------------------------ hooks ---------- */

typedef enum { ZC_LAYER_CONV, ZC_LAYER_LINEAR, ZC_LAYER_CONV_TRANSPOSE } ZcLayerKind;

/* One weight layer (conv2d, transposed conv or linear) in execution order. */
typedef struct {
  guint32 struct_size;      /* sizeof(ZcLayerInfo), set by zc_net_layer */
  int node;
  guint depth;              /* index among weight layers, 0-based, execution order */
  ZcLayerKind kind;
  const char *role;         /* set by the space, NULL if none */
  int out_channels, in_channels, groups, kh, kw;   /* linear: kh = kw = 1, groups = 1 */
  gsize weight_numel;
  void *weight, *weight_grad;            /* net dtype, host copies (see zc_net_read_param) */
  void *bias, *bias_grad;                /* NULL without bias */
  const double *m1, *mabs, *m2;          /* moments (see zc_net_set_moments), else NULL */
  int moments_k;                         /* chunks that went into them */
  /* The layer's output activation a and dL/da of the last run (NULL if none, and on a
   * backend whose memory is not the host's: copy them with zc_net_read_value / _grad of
   * `node`): batch x out_channels x out_spatial for conv, batch x out_spatial x
   * out_channels for linear on tokens (out_spatial = 1 on vectors). */
  const void *output, *output_grad;
  gsize out_spatial;
} ZcLayerInfo;
guint zc_net_n_layers(const ZcNet *net);
gboolean zc_net_layer(ZcNet *net, const ZcWorkspace *ws, guint index, ZcLayerInfo *out);
/* Parameter indices of weight layer `index` (for zc_net_read_param / zc_net_write_param);
 * *bias = -1 without bias.  FALSE past the last layer. */
gboolean zc_net_layer_params(const ZcNet *net, guint index, int *weight, int *bias);

typedef enum { ZC_ACT_RELU, ZC_ACT_GELU } ZcActKind;
/* One activation node (ReLU / GELU) in execution order. */
typedef struct {
  int node;
  guint index;
  ZcActKind kind;
  int input_ndim;           /* ndim of the per-sample pre-activation (3 = conv map) */
  gsize units;              /* per-sample elements */
  const void *pre, *post;   /* batch x units, net dtype; NULL without a run, and on a backend
                               whose memory is not the host's: then copy the values of
                               zc_net_node_input(net, node, 0) and of node */
} ZcActInfo;
guint zc_net_n_acts(const ZcNet *net);
gboolean zc_net_act(const ZcNet *net, const ZcWorkspace *ws, guint index, ZcActInfo *out);

/* ------------------------------------------------------------------ sign patterns -- */

/* Bit patterns of node `node` over samples [0, n_samples) of the last forward
 * (n_samples <= 64): out[u] has bit s set iff value(sample s, unit u) > 0.  For an
 * activation node (ReLU/GELU) the PRE-activation (its input) is used; for any other node
 * its own value.  out holds zc_net_numel(node) words. */
gboolean zc_net_sign_patterns(const ZcNet *net, const ZcWorkspace *ws, int node, int n_samples,
                              guint64 *out, GError **error);
/* Number of distinct values among n words (sorts a copy; radix sort, O(n)). */
gsize zc_patterns_count_distinct(const guint64 *p, gsize n);
/* Distinct count of the union of several pattern sets (concatenated by the caller or not):
 * sets[i] has lens[i] words. */
gsize zc_patterns_count_distinct_union(const guint64 *const *sets, const gsize *lens, guint n_sets);

G_END_DECLS
#endif
