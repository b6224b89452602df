/* The data readers' functions used only inside libzcnas (core/base/data.c). */
#ifndef ZC_BASE_DATA_PRIVATE_H
#define ZC_BASE_DATA_PRIVATE_H
#include <zcnas/data.h>

/* The spec the dataset was opened with. */
const char *zc_dataset_spec(const ZcDataset *ds);

#endif
