/* Proxy `vkdnw`: Variance of Knowledge of Deep Network Weights (Tybl & Neumann, CVPR 2025;
 * code github.com/ondratybl/VKDNW, NB201/ZeroShotProxy/compute_vkdnw_score.py and
 * NB201/tss_utils.py; docs/proxies-other.md pins every choice and its source).
 *
 * Network: Kaiming-normal fan-in init (biases 0, BN 1/0), BatchNorm on running statistics
 * just after initialisation (their model.eval() on a fresh network: mean 0, variance 1),
 * float64, one batch of N real images (labels unused).
 *
 * Parameters theta: the FIRST element (flat index 0) of every parameter tensor of the
 * network (their named_parameters(): conv/linear weights and biases, BN gamma and beta), so
 * P = number of parameter tensors.
 *
 * For each sample n, z_n the C logits, J_n = dz_n/dtheta (C x P), p_n = (1 - alpha)
 * softmax(z_n) + alpha / C (alpha = 0.05), and L_n the Cholesky factor of the multinomial
 * covariance S_n = diag(p_n) - p_n p_n^T (Tanabe & Sagae 1992, Theorem 1: unit lower
 * triangular with L[i][j] = -p_i / q_j below the diagonal, q_j = sum_{i>j} p_i, columns scaled
 * by d_j = sqrt(p_j q_j / q_{j-1}), q_{-1} = 1; L L^T = S).  The Fisher matrix is
 *   fisher = code:   F = 1/N sum_n (L_n J_n)^T (L_n J_n)     (their code: J^T L^T L J)
 *   fisher = exact:  F = 1/N sum_n (L_n^T J_n)^T (L_n^T J_n) = 1/N sum_n J_n^T S_n J_n
 * lambda = |eigenvalues of F| (their torch.svd(F).S); its quantiles (linear interpolation,
 * as torch.quantile) at 0.1, ..., 0.9 ("deciles", the NB201 tables) or 0, 0.1, ..., 0.9
 * ("deciles_min", their MobileNetV2 code); t = q / (|q|_1 + 1e-10);
 *   entropy = -sum t log(t + 1e-10)
 *   dim     = number of parameter tensors (their vkdnw_dim, "the number of trainable layers")
 *   single  = dim + entropy: VKDNW_single.  Their NB201 ranking sorts by the pair (dim,
 *             entropy); entropy < log 10 < 2.31 while dim moves in steps of >= 2 parameter
 *             tensors per layer, so on NB201 (45 per operation choice) the sum ranks the same.
 *
 * J_n comes from the engine exactly.  With BatchNorm on running statistics (the default)
 * the samples of a batch are independent: one forward of the N samples, then C data-only
 * backwards of the seed e_c on every sample, each followed by zc_net_param_sample_grads
 * reading sample n's gradient of element 0 of every tensor (vkdnw_fim_accumulate_batched).
 * With bn = batch (each sample normalised by its own statistics, as their per-sample vmap
 * would), or a parameter the engine cannot split by sample: one forward of sample n at
 * batch 1 and C backwards with dL/dz = e_c / C (an L1 loss against z - e_c), reading
 * element 0 of every parameter gradient.  The eigenvalues come from
 * LAPACK dsyevd when the BLAS library provides it (configure checks), else eigsym.c. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/zcnas.h>
#include "vkdnw_fim.h"

static const char *const vkdnw_outputs[] = {"single", "entropy", "dim"};
static const gint8 vkdnw_direction[] = {1, 1, 1};

static const ZcProxyNeeds vkdnw_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_FLOAT64 | ZC_NEEDS_OWN_INIT | ZC_NEEDS_MUTATES,
  .bn = ZC_BN_RUNNING,
  .input = ZC_INPUT_REAL,
  .n_batches = 1,
  .n_outputs = 3,
  .outputs = vkdnw_outputs,
  .direction = vkdnw_direction,
  .init = ZC_INIT_KAIMING_NORMAL_FAN_IN,
  .init_arg = 1.0,
};

static const ZcOption vkdnw_options[] = {
  {"fisher", ZC_OPT_CHOICE, "code", 0, 0, "code|exact",
   "code: 1/N sum (L J)^T (L J) as their compute_vkdnw_score.py (the published numbers); "
   "exact: 1/N sum J^T (diag p - p p^T) J, the Fisher information of the softmax output"},
  {"quantiles", ZC_OPT_CHOICE, "deciles", 0, 0, "deciles|deciles_min",
   "deciles: quantiles 0.1..0.9 of the spectrum (their NB201 tables); deciles_min: 0, 0.1..0.9 (their MobileNetV2 code)"},
  {"params", ZC_OPT_CHOICE, "all", 0, 0, "all|weights",
   "all: element 0 of every parameter tensor (their named_parameters); weights: of conv/linear weights only"},
  {"alpha", ZC_OPT_FLOAT, "0.05", 0.0, 1.0, NULL, "smoothing of the softmax: p = (1 - alpha) softmax + alpha / C"},
  {"bn", ZC_OPT_CHOICE, "running", 0, 0, "running|batch",
   "running: BatchNorm on the running statistics of a fresh network (their model.eval()); "
   "batch: each sample's own statistics"},
  {"batch", ZC_OPT_INT, "0", 0, 4096, NULL, "samples N; 0: the run's batch size"},
  {NULL},
};

typedef struct {
  gboolean exact, with_min, weights_only, bn_batch;
  double alpha;
  int batch;
} Vkdnw;

static gpointer vkdnw_create(const ZcOptions *opts, GError **error) {
  Vkdnw *v = g_new0(Vkdnw, 1);
  v->exact = !strcmp(zc_options_string(opts, "fisher"), "exact");
  v->with_min = !strcmp(zc_options_string(opts, "quantiles"), "deciles_min");
  v->weights_only = !strcmp(zc_options_string(opts, "params"), "weights");
  v->bn_batch = !strcmp(zc_options_string(opts, "bn"), "batch");
  v->alpha = zc_options_float(opts, "alpha");
  v->batch = (int)zc_options_int(opts, "batch");
  return v;
}

static void vkdnw_destroy(gpointer self) { g_free(self); }

static void vkdnw_configure(gpointer self, ZcPassSpec *spec) {
  Vkdnw *v = self;
  if (v->bn_batch) spec->bn = ZC_BN_BATCH;
  if (v->batch > 0) spec->batch = (guint)v->batch;
}

static gboolean vkdnw_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Vkdnw *v = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  /* the prepared pass forwarded the N images (our batch option, else the run's batch) */
  guint n = (guint)zc_net_batch(net, ws);
  const void *images;
  if (!zc_eval_batch(ev, ZC_INPUT_REAL, n, 0, TRUE, &images, NULL, error)) return FALSE;

  VkdnwFim fim;
  vkdnw_fim_init(&fim, net, v->weights_only);
  /* on running statistics the samples of a batch are independent: one batched forward and
   * C backwards give every sample's Jacobian; otherwise (and for a parameter the engine
   * cannot split by sample) batch-1 runs per sample */
  gboolean ok = FALSE, batched = !v->bn_batch;
  GError *err = NULL;
  if (batched) {
    ok = vkdnw_fim_accumulate_batched(&fim, net, ws, images, (int)n, v->alpha, v->exact, &err);
    if (!ok && g_error_matches(err, ZC_ERROR, ZC_ERROR_UNSUPPORTED)) {
      g_clear_error(&err);
      vkdnw_fim_clear(&fim);
      vkdnw_fim_init(&fim, net, v->weights_only);
      batched = FALSE;
    } else if (!ok) {
      g_propagate_error(error, err);
    }
  }
  if (!batched) ok = vkdnw_fim_accumulate(&fim, net, ws, images, (int)n, v->alpha, v->exact, error);
  if (ok) {
    double ent = vkdnw_fim_entropy(&fim, v->with_min);
    double dim = (double)zc_net_n_param_tensors(net);
    out[0] = dim + ent;
    out[1] = ent;
    out[2] = dim;
  }
  vkdnw_fim_clear(&fim);
  return ok;
}

static const ZcProxyIface vkdnw_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &vkdnw_needs,
  .create = vkdnw_create,
  .destroy = vkdnw_destroy,
  .score = vkdnw_score,
  .configure = vkdnw_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, vkdnw, "1.0",
                 "entropy of the deciles of the Fisher spectrum of one weight per tensor, plus their count (VKDNW)",
                 "MIT", vkdnw_options, &vkdnw_iface)
