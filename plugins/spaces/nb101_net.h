/* NAS-Bench-101 networks on the engine (the space's `build`).  Private to the nb101 plugin. */
#ifndef ZC_NB101_NET_H
#define ZC_NB101_NET_H
#include <glib.h>
#include <zcnas/net.h>
#include "nb101_genotype.h"

/* The NAS-Bench-101 CIFAR network of the (pruned) spec `s` on macro `m`, element type
 * ZC_F64 when `float64`, initialised with ZC_INIT_TORCH_DEFAULT from `seed`.  NULL with
 * ZC_ERROR_CONFIG when the engine refuses a layer.  Free it with zc_net_free(). */
ZcNet *nb101_net_build(const Nb101Spec *s, const Nb101Macro *m, gboolean float64, guint64 seed, GError **error);

#endif
