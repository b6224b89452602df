/* Proxy `epe_nas` (Lopes et al. 2021, as NASLib / NAS-Bench-Suite-Zero): the input Jacobian
 * J of the sum of the outputs on one labelled batch (BatchNorm with batch statistics), then
 * per class c of the batch R_c = corrcoef of the rows of class c and
 * s_c = sum log(|R_c| + 1e-5); score sum_c |s_c| for <= 100 classes (the network's output
 * width), else the mean pairwise |s_c - s_c'| with s_c divided by the class's row count
 * (method.md §7.7; details in linalg.h).  Classification only: on a space whose task has no
 * class label per sample (zc_space_task) it reports "degenerate".  Same prepared pass as jacov
 * (ZC_PASS_INPUT_JACOBIAN: forward and input-only backward of the sum of the outputs). */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include "linalg.h"

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds epe_nas_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_INPUT_GRAD | ZC_NEEDS_LABELS,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean epe_nas_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  ZcSpaceTask task;
  zc_space_task(zc_eval_space(ev), &task);
  if (task.target != ZC_TARGET_LABEL) {
    /* NAS-Bench-Suite-Zero has no epe_nas value for such tasks either (autoencoder, normal:
     * its failure marker on every row) */
    g_set_error(error, ZC_ERROR, ZC_ERROR_DEGENERATE,
                "the task of space %s has no class label per sample (its loss compares %s): epe_nas groups "
                "the Jacobians by class and is undefined here",
                zc_space_name(zc_eval_space(ev)),
                task.target == ZC_TARGET_PIXEL_LABEL ? "a label per pixel"
                : task.target == ZC_TARGET_INPUT    ? "the output with the input image"
                                                    : "the output with a real-valued target");
    return FALSE;
  }
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  const void *images;
  const gint32 *labels;
  int batch = zc_net_batch(net, ws);
  if (!zc_eval_batch(ev, ZC_INPUT_REAL, (guint)batch, 0, zc_net_dtype(net) == ZC_F64, &images, &labels, error))
    return FALSE;
  guint n;
  gsize d;
  double *J = zc_linalg_input_jacobian(net, ws, &n, &d, error);
  if (!J) return FALSE;
  guint classes = (guint)zc_net_numel(net, zc_net_output(net));
  /* with no class twice in the batch every network scores the same constant (0 above
   * 100 classes): a score that ranks nothing */
  gboolean pair = FALSE;
  for (guint i = 0; i < n && !pair; i++)
    for (guint j = i + 1; j < n && !pair; j++) pair = labels[i] == labels[j];
  if (!pair) {
    g_free(J);
    g_set_error(error, ZC_ERROR, ZC_ERROR_DEGENERATE,
                "no class occurs twice in the batch of %u images (%u classes): the score would be the same "
                "for every network; use a larger batch",
                n, classes);
    return FALSE;
  }
  out[0] = zc_linalg_epe_score(J, labels, n, d, classes);
  g_free(J);
  return TRUE;
}

static const ZcProxyIface epe_nas_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &epe_nas_needs,
  .score = epe_nas_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, epe_nas, "1.0", "per-class correlation of input Jacobians (NASLib epe_nas)", "MIT",
                 NULL, &epe_nas_iface)
