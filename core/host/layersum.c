/* Sums over conv/linear layers of weights and gradients: see zcnas/layersum.h. */
#include "config.h"
#include <math.h>
#include <zcnas/layersum.h>

/* One layer's quantity; typed loops, since layers hold up to millions of weights. */
#define LAYER_TERM(T)                                                                        \
  static double term_##T(ZcLayerSum what, const T *w, const T *g, gsize n) {                 \
    double s = 0;                                                                            \
    switch (what) {                                                                          \
    case ZC_LAYERSUM_GRAD_L2: for (gsize i = 0; i < n; i++) s += (double)g[i] * g[i]; return sqrt(s); \
    case ZC_LAYERSUM_WEIGHT_L2: for (gsize i = 0; i < n; i++) s += (double)w[i] * w[i]; return sqrt(s); \
    case ZC_LAYERSUM_ABS_WG: for (gsize i = 0; i < n; i++) s += fabs((double)w[i] * g[i]); return s; \
    case ZC_LAYERSUM_WG: for (gsize i = 0; i < n; i++) s += (double)w[i] * g[i]; return s;  \
    }                                                                                        \
    return NAN;                                                                              \
  }
LAYER_TERM(float)
LAYER_TERM(double)

double zc_net_layer_sum(ZcNet *net, const ZcWorkspace *ws, ZcLayerSum what) {
  gboolean f64 = zc_net_dtype(net) == ZC_F64;
  double total = 0;
  for (guint l = 0; l < zc_net_n_layers(net); l++) {
    ZcLayerInfo L;
    zc_net_layer(net, ws, l, &L);
    total += f64 ? term_double(what, L.weight, L.weight_grad, L.weight_numel)
                 : term_float(what, L.weight, L.weight_grad, L.weight_numel);
  }
  return total;
}
