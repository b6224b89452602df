/* Evaluation functions used only inside libzcnas (core/host/eval.c). */
#ifndef ZC_HOST_EVAL_PRIVATE_H
#define ZC_HOST_EVAL_PRIVATE_H
#include <zcnas/eval.h>

/* The pass spec of the proxy about to be scored. */
void zc_eval_set_spec(ZcEval *ev, const ZcPassSpec *spec);
/* What the passes keep readable (ZC_RETAIN_*; default ZC_RETAIN_ALL): the union over the
 * proxies that share the pass, set by the scorer. */
void zc_eval_set_retain(ZcEval *ev, guint retain);

#endif
