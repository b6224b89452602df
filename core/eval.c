/* One architecture being scored: what proxies read, computed once and shared. */
#include "config.h"
#include <zcnas/eval.h>
#include <zcnas/rng.h>

struct ZcEval {
  ZcSpace *space;
  const ZcArch *arch;
  guint64 seed;
  gboolean have_cost;
  ZcCost cost;
};

ZcEval *zc_eval_new(ZcSpace *space, const ZcArch *arch, guint64 run_seed) {
  ZcEval *ev = g_new0(ZcEval, 1);
  ev->space = space;
  ev->arch = arch;
  /* keyed by the space and the canonical genotype: independent of order and company */
  char *canon = zc_space_format(space, arch);
  char *key = g_strdup_printf("%s:%s", zc_space_name(space), canon);
  ev->seed = zc_rng_key(run_seed, zc_hash_str(key));
  g_free(key);
  g_free(canon);
  return ev;
}

void zc_eval_free(ZcEval *ev) { g_free(ev); }

ZcSpace *zc_eval_space(ZcEval *ev) { return ev->space; }
const ZcArch *zc_eval_arch(ZcEval *ev) { return ev->arch; }
guint64 zc_eval_seed(ZcEval *ev) { return ev->seed; }

gboolean zc_eval_cost(ZcEval *ev, ZcCost *cost, GError **error) {
  if (!ev->have_cost) {
    if (!zc_space_cost(ev->space, ev->arch, &ev->cost, error)) return FALSE;
    ev->have_cost = TRUE;
  }
  *cost = ev->cost;
  return TRUE;
}
