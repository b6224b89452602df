/* Space wrapper functions used only inside libzcnas (core/host/space.c). */
#ifndef ZC_HOST_SPACE_PRIVATE_H
#define ZC_HOST_SPACE_PRIVATE_H
#include <zcnas/space.h>

const ZcOptions *zc_space_options(const ZcSpace *space);

#endif
