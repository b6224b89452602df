/* zcnas — the "sum over conv/linear layers" that most gradient proxies are made of
 * (NAS-Bench-Suite-Zero: a per-layer quantity of the weights W and their gradients g,
 * summed over layers).  Accumulated in double whatever the network's precision. */
#ifndef ZC_LAYERSUM_H
#define ZC_LAYERSUM_H
#include <glib.h>
#include <zcnas/net.h>

G_BEGIN_DECLS

typedef enum {
  ZC_LAYERSUM_GRAD_L2,      /* sum_l ||g_l||_F */
  ZC_LAYERSUM_WEIGHT_L2,    /* sum_l ||W_l||_F */
  ZC_LAYERSUM_ABS_WG,       /* sum_l sum |W_l * g_l| */
  ZC_LAYERSUM_WG            /* sum_l sum W_l * g_l */
} ZcLayerSum;

/* The sum over the weight layers of `net` for the last run held by `ws`. */
double zc_net_layer_sum(ZcNet *net, const ZcWorkspace *ws, ZcLayerSum what);

G_END_DECLS
#endif
