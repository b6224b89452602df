/* zcnas — small dense linear algebra shared by the proxies: eigenvalues of symmetric
 * matrices (correlation, Gram and covariance matrices of a batch or of a layer's channels,
 * so n up to a few hundred).  Everything in double; matrices are row-major. */
#ifndef ZC_LINALG_H
#define ZC_LINALG_H
#include <glib.h>

G_BEGIN_DECLS

/* Eigenvalues of the symmetric n x n matrix A, ascending, into w[0..n), by cyclic Jacobi
 * rotations on a copy (A is not changed; its symmetric part (A + A^T)/2 is used).  Accurate
 * to a few ulps of the largest |eigenvalue|, the small ones included.  Any NaN in A gives
 * NaN eigenvalues and FALSE; FALSE too when 100 sweeps leave off-diagonal mass above
 * 1e-30 of the matrix's squared Frobenius norm (w then holds the values reached). */
gboolean zc_linalg_eigsym(const double *A, guint n, double *w);

G_END_DECLS
#endif
