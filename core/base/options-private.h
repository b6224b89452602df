/* Option functions used only inside libzcnas (core/base/options.c). */
#ifndef ZC_BASE_OPTIONS_PRIVATE_H
#define ZC_BASE_OPTIONS_PRIVATE_H
#include <zcnas/options.h>

/* Replace each relative ZC_OPT_PATH value by the file found beside base_dir (the
 * pipeline's directory; NULL: the current one), else in zcnas's data directory; FALSE
 * with ZC_ERROR_CONFIG naming the option's origin when neither exists. */
gboolean zc_options_resolve_paths(ZcOptions *opts, const char *base_dir, GError **error);

#endif
