/* zcnas — proxy plugins.
 *
 * A proxy declares what it needs as data (ZcProxyNeeds): the core then prepares exactly
 * that — the network in the right precision and BatchNorm mode, the right input, the
 * passes — shares passes between proxies that need the same ones, and hands each proxy
 * a ZcEval from which it reads what it scores.  A proxy writes its outputs into `out`
 * (n_outputs doubles).  A NaN or Inf output is a result, not an error: return TRUE. */
#ifndef ZC_PROXY_H
#define ZC_PROXY_H
#include <glib.h>
#include <zcnas/net.h>   /* ZcBnMode */
#include <zcnas/options.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

typedef struct ZcPluginDesc ZcPluginDesc;  /* <zcnas/plugin.h> */

enum {
  ZC_NEEDS_NET = 1u << 0,          /* a built network (else only the architecture and its cost) */
  ZC_NEEDS_BACKWARD = 1u << 1,     /* weight gradients of the loss */
  ZC_NEEDS_LABELS = 1u << 2,       /* labelled real data */
  ZC_NEEDS_FLOAT64 = 1u << 3,      /* double-precision network */
  ZC_NEEDS_SAMPLE_GRADS = 1u << 4, /* per-sample / sub-batch gradient moments */
  ZC_NEEDS_PATTERNS = 1u << 5,     /* activation sign patterns */
  ZC_NEEDS_INPUT_GRAD = 1u << 6,   /* gradient with respect to the input */
  ZC_NEEDS_MUTATES = 1u << 7,      /* score() changes the network or its values (re-init,
                                      extra passes): the core will not share them after it */
  ZC_NEEDS_SUM_BACKWARD = 1u << 8, /* with ZC_NEEDS_BACKWARD: backward of the sum of the outputs
                                      instead of the loss (synflow) */
  ZC_NEEDS_ABS_PARAMS = 1u << 9,   /* every parameter replaced by its absolute value */
  ZC_NEEDS_OWN_INIT = 1u << 10,    /* initialise with `init` / `init_arg` below, not the
                                      space's own scheme */
  /* What score() reads beyond the hooks (ABI 3.1; see zc_net_set_retain).  Without them a
   * pass keeps readable only the values hooks and backward need, which saves memory:
   * the input, the output, conv/linear outputs, activations, tagged nodes. */
  ZC_NEEDS_NODE_VALUES = 1u << 11, /* the value of any node (zc_net_read_value of every node) */
  ZC_NEEDS_LAYER_GRADS = 1u << 12  /* dL/d(output) of conv/linear layers (ZcLayerInfo.output_grad) */
};

typedef enum {
  ZC_INPUT_NONE = 0, /* data-free */
  ZC_INPUT_REAL,     /* the configured data set */
  ZC_INPUT_GAUSSIAN, /* N(0,1) of the input shape */
  ZC_INPUT_ONES      /* a single all-ones image */
} ZcInputKind;

/* Declared needs.  The pass a proxy gets follows from flags, bn, input, init and init_arg
 * (zc_pass_spec_from_needs, core/host/proxy.c); configure() is only for what depends on the proxy's options
 * (a batch size, sub-batches, an init scheme chosen by an option).  ZC_NEEDS_NET, ZC_NEEDS_LABELS,
 * ZC_NEEDS_PATTERNS and n_batches prepare nothing by themselves (the network, labels,
 * patterns and batches are made when the proxy asks its ZcEval for them); the loader
 * refuses a proxy whose declaration contradicts itself: a flag acting on a network (all
 * but ZC_NEEDS_LABELS) without ZC_NEEDS_NET, ZC_NEEDS_LABELS without ZC_INPUT_REAL, an
 * input with n_batches 0 or n_batches without an input. */
typedef struct {
  guint32 flags;               /* ZC_NEEDS_* */
  ZcBnMode bn;                 /* ZC_BN_BATCH, ZC_BN_RUNNING or ZC_BN_OFF */
  ZcInputKind input;
  guint n_batches;             /* how many batches of data (ZiCo: 2) */
  guint n_outputs;
  const char *const *outputs;  /* output names; a single output is named after the proxy */
  const gint8 *direction;      /* per output: +1 higher is better, -1 lower is better */
  int init;                    /* with ZC_NEEDS_OWN_INIT: a ZcInit scheme of <zcnas/net.h> */
  double init_arg;             /* its argument (std of ZC_INIT_NORMAL, ...); 0 means 1.0 */
} ZcProxyNeeds;

typedef struct ZcEval ZcEval;  /* one architecture being scored, <zcnas/eval.h> */

/* How the core prepares the network before score(): filled from ZcProxyNeeds, then
 * handed to the proxy's optional configure() to adjust.  Proxies whose specs are equal
 * share one build and one pass. */
typedef enum {
  ZC_PASS_NONE = 0,  /* build and initialise only */
  ZC_PASS_FORWARD,   /* forward the input */
  ZC_PASS_LOSS,      /* forward, cross-entropy with the labels, backward */
  ZC_PASS_SUM,       /* forward, backward of the sum of the outputs (synflow) */
  ZC_PASS_INPUT_JACOBIAN /* forward, backward of the sum of the outputs to the input only,
                            no weight gradients: d(sum out)/dx per sample (jacov, epe_nas) */
} ZcPassKind;

#define ZC_INIT_SPACE (-1)   /* the space's own initialisation */

typedef struct {
  guint32 struct_size;  /* sizeof(ZcPassSpec), set by the core; configure() leaves it alone */
  gboolean float64;
  ZcBnMode bn;
  ZcInputKind input;
  guint batch;          /* 0: the run's batch size (ZC_INPUT_ONES always uses 1) */
  int init;             /* ZC_INIT_SPACE or a ZcInit scheme of <zcnas/net.h> */
  double init_arg;      /* argument of the scheme (std of ZC_INIT_NORMAL, ...) */
  gboolean abs_params;  /* every parameter replaced by its absolute value */
  ZcPassKind pass;
  int moments_k;        /* gradient moments over k chunks (zc_net_set_moments); 0 = off */
  gboolean input_grad;  /* keep dL/d(input) */
} ZcPassSpec;

typedef struct {
  guint32 struct_size;
  const ZcProxyNeeds *needs;
  gpointer (*create)(const ZcOptions *opts, GError **error);
  void (*destroy)(gpointer self);
  gboolean (*score)(gpointer self, ZcEval *ev, double *out, GError **error);
  /* Optional: adjust the pass the core prepares (e.g. moments_k from an option). */
  void (*configure)(gpointer self, ZcPassSpec *spec);
} ZcProxyIface;

gboolean zc_pass_spec_equal(const ZcPassSpec *a, const ZcPassSpec *b);

/* ---- the core's wrapper around a proxy instance ---- */
typedef struct ZcProxy ZcProxy;
ZcProxy *zc_proxy_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error);
void zc_proxy_free(ZcProxy *proxy);
/* The pass this proxy instance asks for. */
void zc_proxy_pass_spec(const ZcProxy *proxy, ZcPassSpec *spec);

G_END_DECLS
#endif
