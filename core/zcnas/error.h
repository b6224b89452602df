/* zcnas — error domain shared by the core and every plugin.
 * Fallible functions take `GError **error` last and return FALSE/NULL on failure. */
#ifndef ZC_ERROR_H
#define ZC_ERROR_H
#include <glib.h>

G_BEGIN_DECLS

#define ZC_ERROR (zc_error_quark())
GQuark zc_error_quark(void);

typedef enum {
  ZC_ERROR_FAILED,      /* anything else */
  ZC_ERROR_CONFIG,      /* bad pipeline file, option or command line */
  ZC_ERROR_PARSE,       /* malformed architecture string or data record */
  ZC_ERROR_PLUGIN,      /* plugin refused by the loader or missing */
  ZC_ERROR_IO,          /* file could not be read or written */
  ZC_ERROR_DATA,        /* data file of the wrong format or size */
  ZC_ERROR_NUMERIC,     /* NaN/Inf where a finite value was required */
  ZC_ERROR_NOMEM,       /* allocation refused */
  ZC_ERROR_UNSUPPORTED, /* the plugin cannot do this on this input */
  ZC_ERROR_DEGENERATE   /* a proxy's score would be meaningless here (e.g. the same for
                           every network): recorded as status "degenerate", not an error */
} ZcErrorCode;

G_END_DECLS
#endif
