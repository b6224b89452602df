/* Proxy `jacov` (jacob_cov, Mellor et al. 2020 v1, as NASLib / NAS-Bench-Suite-Zero): the
 * input Jacobian J of the sum of the outputs on one batch (BatchNorm with batch statistics;
 * labels unused), one row per sample; C = corrcoef(J) over samples, v its eigenvalues,
 *   score = -sum_i [log(v_i + 1e-5) + 1/(v_i + 1e-5)]   (method.md §7.5).
 * The prepared pass (ZC_PASS_INPUT_JACOBIAN, shared with epe_nas) is a forward and an
 * input-only backward of the sum of the outputs.  C is symmetric: a Jacobi solver in double replaces
 * NASLib's general numpy.linalg.eig. */
#include "config.h"
#include <math.h>
#include <zcnas/zcnas.h>
#include "linalg.h"

static const gint8 higher_is_better[] = {1};

static const ZcProxyNeeds jacov_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_INPUT_GRAD,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 1,
  .direction = higher_is_better,
};

static gboolean jacov_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  guint n;
  gsize d;
  double *J = zc_linalg_input_jacobian(net, ws, &n, &d, error);
  if (!J) return FALSE;
  out[0] = zc_linalg_jacov_score(J, n, d);
  g_free(J);
  return TRUE;
}

static const ZcProxyIface jacov_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &jacov_needs,
  .score = jacov_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, jacov, "1.0", "eigenvalue score of the correlation of input Jacobians (NASLib jacov)",
                 "MIT", NULL, &jacov_iface)
