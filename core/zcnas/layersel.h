/* zcnas — layer selection shared by several proxies and `zcnas layerstats`:
 * depth-percentile bins of weight layers, per-layer gradient statistics from the engine's
 * moments, the "spike" detector that picks a layer range, and counts of distinct
 * activation sign patterns.  Public so that researchers' own proxies bin layers by the
 * same rule. */
#ifndef ZC_LAYERSEL_H
#define ZC_LAYERSEL_H
#include <glib.h>
#include <zcnas/net.h>

G_BEGIN_DECLS

/* Depth-percentile bin of weight layer l (1-based) of L:
 * int((l / L) * 100 // (100 / bins)), with Python's float floor division, so bins run
 * 0..bins and bin `bins` holds the last layer alone. */
guint zc_layersel_bin(guint l, guint L, guint bins);

/* Gradient statistics of one weight layer from the moments of the last run:
 * sigma_w = sqrt(Var_k(|g_w|)) (abs) or sqrt(Var_k(g_w)) (signed), the variance over the
 * K chunks with denominator K - ddof.  A variance <= 1e-12 E[g^2] counts as zero (it is
 * rounding left by E[g^2] - E[|g|]^2).  Weights with sigma = 0 are left out. */
typedef struct {
  double inv_sigma_sum;             /* sum over kept weights of 1 / sigma_w */
  double mean_abs_over_sigma_sum;   /* sum over kept weights of E|g_w| / sigma_w */
  double mean_log_sigma;            /* mean over kept weights of log sigma_w */
  gsize kept;             /* weights with sigma_w != 0 */
} ZcLayerGradStat;
/* FALSE when the layer has no moments (no moments pass) or K - ddof < 1. */
gboolean zc_layersel_grad_stat(const ZcLayerInfo *L, gboolean abs, int ddof, ZcLayerGradStat *out);

/* The layer range picked by the spike detector on per-bin statistics m[0..nbins-1]
 * (have[b] FALSE for a bin without layers).  A bin is a spike when its value exceeds the
 * median of the bins by more than `thr` robust standard deviations (1.4826 x median
 * absolute deviation; when that is 0, any value above the median is a spike).  The range
 * is the first through the last spike bin.  Returns FALSE (start = 0, end = nbins - 1)
 * when no bin is a spike. */
gboolean zc_layersel_spikes(const double *m, const gboolean *have, guint nbins, double thr, guint *start,
                            guint *end);
#define ZC_LAYERSEL_SPIKE_THR 2.0

/* Whether an activation counts for pattern expressivity (zc_layersel_psi): a ReLU whose
 * input is a conv map (C,H,W), or any GELU (ViT MLPs; sign of its pre-activation). */
gboolean zc_layersel_act_counts(const ZcActInfo *a);

/* Number of distinct S-bit sign patterns (samples 0..S-1 of the last forward) over the
 * units of the activations with use[a] TRUE: of their union, or the sum of per-activation
 * distinct counts.  use NULL: every activation that zc_layersel_act_counts(). */
gboolean zc_layersel_psi(ZcNet *net, ZcWorkspace *ws, int S, const gboolean *use, gboolean union_mode,
                         double *psi, GError **error);

G_END_DECLS
#endif
