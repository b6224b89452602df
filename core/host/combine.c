/* Names of the rules that merge several scores into one fitness (zcnas/fitness.h). */
#include "config.h"
#include <string.h>
#include <zcnas/fitness.h>

static const char *const combine_names[] = {"logrank", "ranksum", "zsum"};

gboolean zc_combine_parse(const char *text, ZcCombine *rule) {
  for (guint k = 0; text && k < G_N_ELEMENTS(combine_names); k++)
    if (!strcmp(text, combine_names[k])) {
      if (rule) *rule = (ZcCombine)k;
      return TRUE;
    }
  return FALSE;
}

const char *zc_combine_name(ZcCombine rule) {
  return (guint)rule < G_N_ELEMENTS(combine_names) ? combine_names[rule] : "unknown";
}
