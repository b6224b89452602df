/* Small dense linear algebra in double for the pattern/correlation proxies (nwot, meco):
 * log|det| by LU with partial pivoting and symmetric eigenvalues by cyclic Jacobi.
 * Private to the plugins that compile it in. */
#ifndef ZC_EIG_H
#define ZC_EIG_H
#include <glib.h>

G_BEGIN_DECLS

/* log|det A| of the n x n row-major matrix A (overwritten by its LU factors); -inf when
 * A is singular.  *sign (may be NULL) gets the sign of the determinant (0 if singular). */
double zc_eig_logabsdet(double *a, int n, int *sign);

/* Eigenvalues of the symmetric n x n row-major matrix A (overwritten), ascending, into
 * w[n].  Cyclic Jacobi rotations until the off-diagonal mass is below 1e-14 of the
 * matrix's Frobenius norm (at most 100 sweeps). */
void zc_eig_symmetric(double *a, int n, double *w);

G_END_DECLS
#endif
