/* Eigenvalues of small dense symmetric matrices, for the dss and aznas proxies (private to
 * those plugins, linked into each; not installed).
 *
 * Two solvers: cyclic Jacobi (libzcnas's zc_linalg_eigsym(): accurate on small eigenvalues,
 * O(n^3) per sweep, for n up to ~64) and Householder tridiagonalisation + implicit QL
 * (4/3 n^3 once, for larger n).
 * eigsym_values() picks between them.  Matrices are row-major doubles, overwritten. */
#ifndef ZC_EIGSYM_H
#define ZC_EIGSYM_H
#include <glib.h>
#include <zcnas/tensor.h>

/* Above this order eigsym_values() uses the tridiagonal QL solver. */
#define EIGSYM_JACOBI_MAX 64

/* Eigenvalues of the symmetric n x n matrix A (only the lower triangle is read, A is
 * destroyed), in ascending order, into w[0..n).  FALSE if the iteration did not converge
 * (w then holds the best values found). */
gboolean eigsym_values(int n, double *A, double *w);
gboolean eigsym_jacobi(int n, double *A, double *w);
gboolean eigsym_tridiag_ql(int n, double *A, double *w);

/* Gram matrix of the smaller side of the rows x cols matrix X (row-major, `dt`): X^T X
 * (cols x cols) when rows >= cols, else X X^T; full (both triangles), into G, whose order
 * min(rows, cols) is returned.  Eigenvalues of it are the squared singular values of X. */
int eigsym_gram(ZcDType dt, const void *X, int rows, int cols, double *G);

/* Singular values of X (row-major rows x cols, `dt`) as sqrt of the Gram eigenvalues
 * (negative round-off clamped to 0), ascending, into s[0..min(rows, cols)); returns how many. */
int eigsym_singular_values(ZcDType dt, const void *X, int rows, int cols, double *s);
/* Sum of the singular values (nuclear norm). */
double eigsym_nuclear_norm(ZcDType dt, const void *X, int rows, int cols);

#endif
