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
  ZC_NEEDS_INPUT_GRAD = 1u << 6    /* gradient with respect to the input */
};

typedef enum {
  ZC_INPUT_NONE = 0, /* data-free */
  ZC_INPUT_REAL,     /* the configured data set */
  ZC_INPUT_GAUSSIAN, /* N(0,1) of the input shape */
  ZC_INPUT_ONES      /* a single all-ones image */
} ZcInputKind;

typedef struct {
  guint32 flags;               /* ZC_NEEDS_* */
  ZcBnMode bn;                 /* ZC_BN_BATCH, ZC_BN_RUNNING or ZC_BN_OFF */
  ZcInputKind input;
  guint n_batches;             /* how many batches of data (ZiCo: 2) */
  guint n_outputs;
  const char *const *outputs;  /* output names; a single output is named after the proxy */
  const gint8 *direction;      /* per output: +1 higher is better, -1 lower is better */
} ZcProxyNeeds;

typedef struct ZcEval ZcEval;  /* one architecture being scored, <zcnas/eval.h> */

typedef struct {
  guint32 struct_size;
  const ZcProxyNeeds *needs;
  gpointer (*create)(const ZcOptions *opts, GError **error);
  void (*destroy)(gpointer self);
  gboolean (*score)(gpointer self, ZcEval *ev, double *out, GError **error);
} ZcProxyIface;

/* ---- the core's wrapper around a proxy instance ---- */
typedef struct ZcProxy ZcProxy;
ZcProxy *zc_proxy_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error);
void zc_proxy_free(ZcProxy *proxy);
const char *zc_proxy_name(const ZcProxy *proxy);
const char *zc_proxy_version(const ZcProxy *proxy);
const ZcProxyNeeds *zc_proxy_needs(const ZcProxy *proxy);
const ZcOptions *zc_proxy_options(const ZcProxy *proxy);
/* Output column names: the proxy's name for a single output, else "proxy.output". */
char *zc_proxy_column(const ZcProxy *proxy, guint output);
gboolean zc_proxy_score(ZcProxy *proxy, ZcEval *ev, double *out, GError **error);

G_END_DECLS
#endif
