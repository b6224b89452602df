/* zcnas — writing CSV: RFC 4180 quoting and one spelling of numbers everywhere. */
#ifndef ZC_CSVOUT_H
#define ZC_CSVOUT_H
#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

/* Append `field`, quoted only when it holds a comma, quote or line break. */
void zc_csv_append_field(GString *line, const char *field);
/* Append a number: "%.10g", or nan / inf / -inf. */
void zc_csv_append_double(GString *line, double x);

/* Split one CSV line (RFC 4180 quoting, no embedded line breaks) into fields. */
char **zc_csv_split_line(const char *line);

G_END_DECLS
#endif
