/* Proxy wrapper functions used only inside libzcnas (core/host/proxy.c). */
#ifndef ZC_HOST_PROXY_PRIVATE_H
#define ZC_HOST_PROXY_PRIVATE_H
#include <zcnas/eval.h>
#include <zcnas/proxy.h>

const char *zc_proxy_name(const ZcProxy *proxy);
const char *zc_proxy_version(const ZcProxy *proxy);
const ZcProxyNeeds *zc_proxy_needs(const ZcProxy *proxy);
const ZcOptions *zc_proxy_options(const ZcProxy *proxy);
/* Output column names: the proxy's name for a single output, else "proxy.output". */
char *zc_proxy_column(const ZcProxy *proxy, guint output);
gboolean zc_proxy_score(ZcProxy *proxy, ZcEval *ev, double *out, GError **error);
/* What a pass must keep readable for this proxy (ZC_RETAIN_* of <zcnas/net.h>): from its
 * ZC_NEEDS_NODE_VALUES / ZC_NEEDS_LAYER_GRADS; everything for a plugin built before ABI
 * 3.1, which could not declare them. */
guint zc_proxy_retain(const ZcProxy *proxy);
/* The pass a proxy with these needs gets before its configure() (exported for the tests). */
void zc_pass_spec_from_needs(const ZcProxyNeeds *needs, ZcPassSpec *spec);

#endif
