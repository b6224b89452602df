/* Losses on the output node: value and dL/d(output).  Per-sample losses are averaged over
 * the batch, or, in moments mode, over each chunk and summed over chunks. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "engine-impl.h"

gboolean zc_loss_eval(ZcRun *r, ZcLossKind kind, const void *target, gboolean seed_grad, double *loss,
                      GError **error) {
  ZcNet *net = r->net;
  const ZcDType dt = net->dtype;
  const ZcNode *out = zc_node(net, zc_net_output(net));
  const gsize N = out->numel;
  const void *y = zc_run_val(r, out->id);
  void *g = zc_run_grad(r, out->id);
  if (!target) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "loss: no target given");
    return FALSE;
  }
  /* class layout: (C,H,W)/(C) classes in dim 0, P positions; (T,C) classes last */
  int C, P, cstride, pstride;
  if (out->shape.ndim == 2) { C = out->shape.dims[1]; P = out->shape.dims[0]; cstride = 1; pstride = C; }
  else { C = out->shape.dims[0]; P = (int) (N / C); cstride = P; pstride = 1; }
  double total = 0;
  int nk = r->moments ? net->moments_k : 1;
  for (int s = 0; s < r->batch; s++) {
    int k = zc_chunk_of(r, s, nk);
    double ws = 1.0 / (zc_part_start(r->batch, nk, k + 1) - zc_part_start(r->batch, nk, k));
    gsize base = (gsize) s * N;
    double ls = 0;
    switch (kind) {
    case ZC_LOSS_CE:
    case ZC_LOSS_CE_SOFT:
      for (int p = 0; p < P; p++) {
        gsize o = base + (gsize) p * pstride;
        double mx = -INFINITY;
        for (int c = 0; c < C; c++) mx = MAX(mx, zc_get(dt, y, o + (gsize) c * cstride));
        double se = 0;
        for (int c = 0; c < C; c++) se += exp(zc_get(dt, y, o + (gsize) c * cstride) - mx);
        double lse = mx + log(se);
        double tsum = 1;
        if (kind == ZC_LOSS_CE) {
          gint32 lab = ((const gint32 *) target)[(gsize) s * P + p];
          if (lab < 0 || lab >= C) {
            g_set_error(error, ZC_ERROR, ZC_ERROR_DATA, "loss: label %d of sample %d outside [0, %d)", lab, s, C);
            return FALSE;
          }
          ls += lse - zc_get(dt, y, o + (gsize) lab * cstride);
        } else {
          tsum = 0;
          for (int c = 0; c < C; c++) {
            double t = zc_get(dt, target, o + (gsize) c * cstride);
            tsum += t;
            ls -= t * (zc_get(dt, y, o + (gsize) c * cstride) - lse);
          }
        }
        if (!seed_grad) continue;
        for (int c = 0; c < C; c++) {
          gsize i = o + (gsize) c * cstride;
          double pr = exp(zc_get(dt, y, i) - lse) * tsum;
          double t = kind == ZC_LOSS_CE ? (c == ((const gint32 *) target)[(gsize) s * P + p]) : zc_get(dt, target, i);
          zc_set(dt, g, i, (pr - t) * ws / P);
        }
      }
      ls /= P;
      break;
    case ZC_LOSS_MSE:
    case ZC_LOSS_L1:
      for (gsize i = base; i < base + N; i++) {
        double d = zc_get(dt, y, i) - zc_get(dt, target, i);
        ls += kind == ZC_LOSS_MSE ? d * d : fabs(d);
        if (seed_grad) {
          double gd = kind == ZC_LOSS_MSE ? 2 * d : (d > 0) - (d < 0);
          zc_set(dt, g, i, gd * ws / N);
        }
      }
      ls /= N;
      break;
    default:
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "loss: unknown kind %d", kind);
      return FALSE;
    }
    total += ws * ls;
  }
  if (loss) *loss = total;
  return TRUE;
}
