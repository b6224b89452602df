/* The Fisher matrix of VKDNW (plugins/proxies/vkdnw.c) and the statistic of its spectrum:
 * private to the vkdnw plugin and its unit test. */
#ifndef ZC_VKDNW_FIM_H
#define ZC_VKDNW_FIM_H
#include <glib.h>
#include <zcnas/net.h>

typedef struct {
  int P;           /* parameters: element 0 of each selected parameter tensor */
  guint *idx;      /* their parameter-tensor indices */
  double *F;       /* P x P, row-major, full: 1/N sum_n M_n^T M_n */
  int n;           /* samples accumulated */
  double *J;       /* scratch: C x P Jacobian of the last sample */
  int C;
} VkdnwFim;

void vkdnw_fim_init(VkdnwFim *f, ZcNet *net, gboolean weights_only);
void vkdnw_fim_clear(VkdnwFim *f);

/* Lower-triangular L (C x C, row-major) with L L^T = diag(p) - p p^T for a probability
 * vector p (Tanabe & Sagae 1992, Theorem 1); the last column is 0. */
void vkdnw_cholesky(int C, const double *p, double *L);

/* p = (1 - alpha) softmax(z) + alpha / C */
void vkdnw_smoothed_softmax(int C, const double *z, double alpha, double *p);

/* Add the n samples of `images` (float64, batch-major) to F: per sample one forward at
 * batch 1 and C backwards of the unit seeds.  The network is float64. */
gboolean vkdnw_fim_accumulate(VkdnwFim *f, ZcNet *net, ZcWorkspace *ws, const double *images, int n, double alpha,
                              gboolean exact, GError **error);

/* The same sum from one forward of the N samples at once and C data-only backwards, each
 * sample's Jacobian row read with zc_net_param_sample_grads: exact when the samples of a
 * batch are independent (BatchNorm on running statistics).  Fails with
 * ZC_ERROR_UNSUPPORTED for a parameter that function cannot split by sample. */
gboolean vkdnw_fim_accumulate_batched(VkdnwFim *f, ZcNet *net, ZcWorkspace *ws, const double *images, int n,
                                      double alpha, gboolean exact, GError **error);

/* |eigenvalues| of the P x P symmetric A (destroyed), ascending, into w; LAPACK dsyevd when
 * available, else eigsym_values(). */
gboolean vkdnw_abs_eigenvalues(int P, double *A, double *w);

/* Linear-interpolation quantile (torch.quantile / numpy "linear") of sorted v[0..n). */
double vkdnw_quantile(const double *v, int n, double q);

/* -sum t log(t + 1e-10), t = q / (sum q + 1e-10), q the quantiles at 0.1..0.9 of the sorted
 * nonnegative lambda[0..n) (with_min: also at 0). */
double vkdnw_decile_entropy(const double *lambda, int n, gboolean with_min);

/* The entropy of F's spectrum (F is copied). */
double vkdnw_fim_entropy(const VkdnwFim *f, gboolean with_min);

#endif
