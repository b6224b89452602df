/* libFuzzer harness: the selection.json reader of LIBRA-NAS (core/host/selection_json.c),
 * which the `libra` searcher loads from a path a pipeline names.
 *
 * Input: the file.  A selection that loads is written back and loaded again: the second
 * load must succeed and agree with the first on every name and number. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/selection.h>
#include "fuzz_util.h"

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *file = fuzz_write("selection.json", data, size);
  GError *err = NULL;
  ZcSelection *s = zc_selection_load_json(file, &err);
  g_free(file);
  if (!s) {
    FUZZ_ASSERT(err != NULL, "a failed load set no error");
    g_error_free(err);
    return 0;
  }
  char *again = g_build_filename(fuzz_tmpdir(), "again.json", NULL);
  FUZZ_ASSERT(zc_selection_write_json(s, again, &err), "write back: %s", err->message);
  ZcSelection *t = zc_selection_load_json(again, &err);
  FUZZ_ASSERT(t != NULL, "reload: %s", err->message);
  FUZZ_ASSERT(t->n_selected == s->n_selected && t->candidates->len == s->candidates->len, "reload: other counts");
  for (guint k = 0; k < s->n_selected; k++) FUZZ_ASSERT(!strcmp(s->selected[k], t->selected[k]), "reload: selected[%u]", k);
  for (guint k = 0; k < s->candidates->len; k++) {
    const ZcSelectionCandidate *a = g_ptr_array_index(s->candidates, k), *b = g_ptr_array_index(t->candidates, k);
    if (strcmp(a->name, b->name) || a->n != b->n || !same_double(a->rho, b->rho) || !same_double(a->bias, b->bias) ||
        !same_double(a->ig, b->ig) || a->in_window != b->in_window)
      FUZZ_ASSERT(0, "reload: candidate %u differs", k);
  }
  zc_selection_free(s);
  zc_selection_free(t);
  g_free(again);
  return 0;
}
