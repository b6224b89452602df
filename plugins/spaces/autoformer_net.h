/* AutoFormer subnets on the engine (the autoformer space's `build`).  Private to the plugin. */
#ifndef ZC_AUTOFORMER_NET_H
#define ZC_AUTOFORMER_NET_H
#include <glib.h>
#include <zcnas/net.h>
#include "autoformer_genotype.h"

/* The plain AutoFormer subnet of method.md §6.2 for genotype `g` under `opts`
 * (img_size, patch_size, in_chans, num_classes >= 1, qkv_bias, head; rel_pos must be
 * FALSE: the engine has no relative-position attention).  Initialised as AutoFormer's
 * Vision_TransformerSuper: linear weights, class token and position embedding
 * trunc-normal(0.02), linear biases 0, LayerNorm 1/0, and the patch conv left at
 * PyTorch's Conv2d default (weight and bias U(+-1/sqrt(fan_in)), fan_in = in_chans*p*p),
 * because AutoFormer's _init_weights only visits nn.Linear and nn.LayerNorm.
 * NULL with ZC_ERROR_CONFIG on options the network cannot have. */
ZcNet *zc_af_net_build(const ZcAfGenotype *g, const ZcAfCostOpts *opts, gboolean float64, guint64 seed,
                       GError **error);

/* LayerNorm epsilon of every norm (nn.LayerNorm's default, which LayerNormSuper keeps). */
#define ZC_AF_LN_EPS 1e-5

#endif
