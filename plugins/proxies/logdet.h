/* log|det| of a small dense matrix by LU with partial pivoting, for nwot.  Private to the
 * plugins that compile it in. */
#ifndef ZC_LOGDET_H
#define ZC_LOGDET_H
#include <glib.h>

G_BEGIN_DECLS

/* log|det A| of the n x n row-major matrix A (overwritten by its LU factors); -inf when
 * A is singular.  *sign (may be NULL) gets the sign of the determinant (0 if singular). */
double zc_logabsdet(double *a, int n, int *sign);

G_END_DECLS
#endif
