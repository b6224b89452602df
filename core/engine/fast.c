/* The "cpu" backend's kernels: the reference table with faster kernels patched in where
 * they apply.  Each fast kernel falls back to the reference one for shapes it does not
 * handle, so the table stays complete. */
#include "config.h"
#include "engine-impl.h"

void zc_fast_setup(ZcOpClass *ops) {}
