/* TransNAS-Bench-101 networks on the engine (tnb101_net.c). */
#ifndef ZC_TNB101_NET_H
#define ZC_TNB101_NET_H
#include <zcnas/net.h>
#include "tnb101_genotype.h"

ZcNet *tnb_net_build(const TnbGenotype *g, const TnbMacro *m, gboolean float64, guint64 seed,
                     GError **error);

#endif
