#include "config.h"
#include <zcnas/error.h>

G_DEFINE_QUARK(zc-error-quark, zc_error)
