/* DARTS / NAS-Bench-301 networks on the engine (the space's `build`).  Private to the darts
 * plugin. */
#ifndef ZC_DARTS_NET_H
#define ZC_DARTS_NET_H
#include <glib.h>
#include <zcnas/net.h>
#include "darts_genotype.h"

/* The DARTS CIFAR network of genotype `g` on macro `m` (see darts_net.c), element type
 * ZC_F64 when `float64`, initialised with ZC_INIT_TORCH_DEFAULT from `seed`.  NULL with
 * ZC_ERROR_CONFIG when the genotype holds an invalid op or input, or the engine refuses a
 * layer.  Free it with zc_net_free(). */
ZcNet *darts_net_build(const DartsGenotype *g, const DartsMacro *m, gboolean float64, guint64 seed,
                       GError **error);

#endif
