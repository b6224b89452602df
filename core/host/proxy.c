/* The core's handle on a proxy plugin instance. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include <zcnas/plugin.h>
#include <zcnas/proxy.h>
#include "proxy-private.h"

struct ZcProxy {
  const ZcPluginDesc *desc;
  const ZcProxyIface *iface;
  ZcOptions *opts;
  gpointer self;
};

ZcProxy *zc_proxy_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error) {
  g_return_val_if_fail(desc && desc->kind == ZC_KIND_PROXY, NULL);
  const ZcProxyIface *iface = desc->iface;
  if (!iface->needs || iface->needs->n_outputs == 0) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "proxy '%s' declares no outputs", desc->name);
    zc_options_free(opts);
    return NULL;
  }
  gpointer self = iface->create ? iface->create(opts, error) : GINT_TO_POINTER(1);
  if (!self) {
    zc_options_free(opts);
    return NULL;
  }
  ZcProxy *p = g_new0(ZcProxy, 1);
  p->desc = desc;
  p->iface = iface;
  p->opts = opts;
  p->self = self;
  /* the spec crosses into the plugin and back: its layout must have survived */
  ZcPassSpec spec;
  zc_proxy_pass_spec(p, &spec);
  if (spec.struct_size != sizeof spec) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PLUGIN, "proxy '%s': configure() changed the pass spec's size to %u (this host: %u)",
                desc->name, spec.struct_size, (unsigned)sizeof spec);
    zc_proxy_free(p);
    return NULL;
  }
  return p;
}

void zc_proxy_free(ZcProxy *p) {
  if (!p) return;
  if (p->iface->destroy) p->iface->destroy(p->self);
  zc_options_free(p->opts);
  g_free(p);
}

const char *zc_proxy_name(const ZcProxy *p) { return p->desc->name; }
const char *zc_proxy_version(const ZcProxy *p) { return p->desc->version; }
const ZcProxyNeeds *zc_proxy_needs(const ZcProxy *p) { return p->iface->needs; }

guint zc_proxy_retain(const ZcProxy *p) {
  if (p->desc->abi_major == 3 && p->desc->abi_minor < 1) return ZC_RETAIN_ALL;
  guint32 f = p->iface->needs->flags;
  return (f & ZC_NEEDS_NODE_VALUES ? ZC_RETAIN_VALUES : 0) | (f & ZC_NEEDS_LAYER_GRADS ? ZC_RETAIN_LAYER_GRADS : 0);
}
const ZcOptions *zc_proxy_options(const ZcProxy *p) { return p->opts; }

char *zc_proxy_column(const ZcProxy *p, guint k) {
  const ZcProxyNeeds *n = p->iface->needs;
  if (n->n_outputs == 1) return g_strdup(p->desc->name);
  return g_strdup_printf("%s.%s", p->desc->name, n->outputs[k]);
}

gboolean zc_proxy_score(ZcProxy *p, ZcEval *ev, double *out, GError **error) {
  return p->iface->score(p->self, ev, out, error);
}

/* The pass a proxy with these needs gets before its configure(). */
void zc_pass_spec_from_needs(const ZcProxyNeeds *n, ZcPassSpec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->struct_size = sizeof *spec;
  spec->float64 = (n->flags & ZC_NEEDS_FLOAT64) != 0;
  spec->bn = n->bn;
  spec->input = n->input;
  spec->init = n->flags & ZC_NEEDS_OWN_INIT ? n->init : ZC_INIT_SPACE;
  spec->init_arg = n->flags & ZC_NEEDS_OWN_INIT && n->init_arg != 0 ? n->init_arg : 1.0;
  spec->abs_params = (n->flags & ZC_NEEDS_ABS_PARAMS) != 0;
  if (n->flags & ZC_NEEDS_SUM_BACKWARD) spec->pass = ZC_PASS_SUM;
  else if (n->flags & (ZC_NEEDS_BACKWARD | ZC_NEEDS_SAMPLE_GRADS)) spec->pass = ZC_PASS_LOSS;
  else if (n->flags & ZC_NEEDS_INPUT_GRAD) spec->pass = ZC_PASS_INPUT_JACOBIAN;
  else if (n->input != ZC_INPUT_NONE) spec->pass = ZC_PASS_FORWARD;
  else spec->pass = ZC_PASS_NONE;
  spec->input_grad = (n->flags & ZC_NEEDS_INPUT_GRAD) != 0;
  if (n->input == ZC_INPUT_ONES) spec->batch = 1;
}

gboolean zc_pass_spec_equal(const ZcPassSpec *a, const ZcPassSpec *b) {
  return a->float64 == b->float64 && a->bn == b->bn && a->input == b->input && a->batch == b->batch &&
         a->init == b->init && a->init_arg == b->init_arg && a->abs_params == b->abs_params &&
         a->pass == b->pass && a->moments_k == b->moments_k && a->input_grad == b->input_grad;
}

void zc_proxy_pass_spec(const ZcProxy *p, ZcPassSpec *spec) {
  zc_pass_spec_from_needs(p->iface->needs, spec);
  if (p->iface->configure) p->iface->configure(p->self, spec);
}
