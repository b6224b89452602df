/* NAS-Bench-201 networks on the engine (the space's `build`).  Private to the nb201 plugin. */
#ifndef ZC_NB201_NET_H
#define ZC_NB201_NET_H
#include <glib.h>
#include <zcnas/net.h>
#include "nb201_genotype.h"

/* The NAS-Bench-201 / NATS-Bench topology network of genotype `g` on macro `m`, with
 * element type ZC_F64 when `float64`, initialised with ZC_INIT_TORCH_DEFAULT from `seed`.
 * NULL with ZC_ERROR_CONFIG when the engine refuses a layer (e.g. a resolution too small
 * for two stride-2 reductions).  Free it with zc_net_free(). */
ZcNet *nb201_net_build(const Nb201Genotype *g, const Nb201Macro *m, gboolean float64, guint64 seed,
                       GError **error);

#endif
