/* zcnas — what a proxy sees while it scores one architecture. */
#ifndef ZC_EVAL_H
#define ZC_EVAL_H
#include <glib.h>
#include <zcnas/space.h>
#include <zcnas/proxy.h>

G_BEGIN_DECLS

ZcSpace *zc_eval_space(ZcEval *ev);
const ZcArch *zc_eval_arch(ZcEval *ev);
/* Seed of this evaluation: derived from the run's seed and the canonical genotype, so a
 * score never depends on which other architectures are scored or in which order. */
guint64 zc_eval_seed(ZcEval *ev);
/* Parameters and FLOPs of the architecture (computed once, shared by proxies). */
gboolean zc_eval_cost(ZcEval *ev, ZcCost *cost, GError **error);

/* For the core: an evaluation of `arch` (borrowed) under the run seed `run_seed`. */
ZcEval *zc_eval_new(ZcSpace *space, const ZcArch *arch, guint64 run_seed);
void zc_eval_free(ZcEval *ev);

G_END_DECLS
#endif
