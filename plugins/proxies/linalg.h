/* Small dense linear algebra for the Jacobian proxies (jacov, epe_nas), compiled into the
 * plugins that need it: correlation matrices over samples and the two Jacobian scores
 * (eigenvalues from <zcnas/linalg.h>).  Everything in double; matrices are row-major. */
#ifndef ZC_PROXY_LINALG_H
#define ZC_PROXY_LINALG_H
#include <glib.h>
#include <zcnas/zcnas.h>

G_BEGIN_DECLS

/* The input Jacobian of the sum of all outputs from a ZC_PASS_INPUT_JACOBIAN pass:
 * d(input) read as a new n x d double matrix (n = batch, d = per-sample input size).
 * NULL + error when the pass left no input gradient. */
double *zc_linalg_input_jacobian(ZcNet *net, ZcWorkspace *ws, guint *n, gsize *d, GError **error);

/* numpy.corrcoef(X) for X of n rows (variables) and d columns (observations): out[i*n+j]
 * = cov(i,j) / sqrt(cov(i,i) cov(j,j)), clipped to [-1, 1].  A row with zero variance
 * gives NaN in its row and column (as numpy).  d >= 1; d == 1 gives NaN everywhere. */
void zc_linalg_corrcoef(const double *X, guint n, gsize d, double *out);

/* jacov (NASLib): C = corrcoef(J) over the n samples (rows of J, d input elements each),
 * eigenvalues v, score -sum_i [log(v_i + k) + 1/(v_i + k)] with k = 1e-5. */
double zc_linalg_jacov_score(const double *J, guint n, gsize d);

/* epe_nas (NASLib, from the EPE-NAS authors): per class c present in `labels` (rows of J
 * in order of first appearance), R_c = corrcoef of J's rows of class c, s_c = sum over all
 * entries of log(|R_c| + 1e-5); with n_classes > 100 s_c is divided by the number of rows
 * of R_c.  A class seen once has R_c = 1 (numpy's corrcoef of one row); NASLib then keeps
 * s_c = log(1 + 1e-5) with <= 100 classes and drops the class with more (len() of a 0-d
 * array fails and the class is skipped).  Score: sum_c |s_c| (<= 100 classes) or
 * sum_c sum_c' |s_c - s_c'| / (classes kept) (> 100). */
double zc_linalg_epe_score(const double *J, const gint32 *labels, guint n, gsize d, guint n_classes);

G_END_DECLS
#endif
