/* zcnas — what a proxy sees while it scores one architecture.
 *
 * The core prepares the network a proxy asked for (ZcPassSpec, <zcnas/proxy.h>): it
 * builds it once per precision, initialises it, sets the BatchNorm mode, runs the pass,
 * and keeps the result for the next proxy that asks for the same spec.  The proxy then
 * reads the engine's hooks (<zcnas/net.h>) on the network and workspace it is given. */
#ifndef ZC_EVAL_H
#define ZC_EVAL_H
#include <glib.h>
#include <zcnas/data.h>
#include <zcnas/net.h>
#include <zcnas/proxy.h>
#include <zcnas/space.h>

G_BEGIN_DECLS

ZcSpace *zc_eval_space(ZcEval *ev);
const ZcArch *zc_eval_arch(ZcEval *ev);
/* Seed of this evaluation: derived from the run's seed and the canonical genotype, so a
 * score never depends on which other architectures are scored or in which order. */
guint64 zc_eval_seed(ZcEval *ev);
/* Parameters and FLOPs of the architecture (computed once, shared by proxies). */
gboolean zc_eval_cost(ZcEval *ev, ZcCost *cost, GError **error);

/* The network prepared as this proxy's pass spec says (its needs, adjusted by its
 * configure()), and the workspace holding that pass.  What most proxies call first. */
gboolean zc_eval_prepare(ZcEval *ev, ZcNet **net, ZcWorkspace **ws, GError **error);
/* The pass spec of the proxy being scored. */
const ZcPassSpec *zc_eval_spec(ZcEval *ev);
/* The network prepared as `spec` says (any spec: for proxies that need a second pass). */
gboolean zc_eval_run(ZcEval *ev, const ZcPassSpec *spec, ZcNet **net, ZcWorkspace **ws, GError **error);
/* Batch number `index` (0 is the one zc_eval_run uses) of the given input kind, in the
 * given precision: images (n x C x H x W) and labels.  Owned by the evaluation context;
 * valid until the context is freed.  The batches are the same for every architecture
 * of a run: they depend only on the data, the batch size, the run seed and `index`. */
gboolean zc_eval_batch(ZcEval *ev, ZcInputKind kind, guint n, guint index, gboolean float64,
                       const void **images, const gint32 **labels, GError **error);
/* The loss of the space's task (zc_space_task) and its target for the batch of
 * zc_eval_batch(kind, n, index) in `net`'s precision, checked against `net`'s output:
 * what ZC_PASS_LOSS back-propagates.  The target is the labels (ZC_LOSS_CE, one per
 * sample), seeded labels per output pixel (gint32), the images themselves, or a seeded
 * N(0,1) tensor shaped like the output (net dtype); seeded ones depend only on the run
 * seed, `kind` and `index`, like the batch.  Owned by the evaluation context.  A proxy
 * that back-propagates "the loss" itself calls
 *   zc_net_backward_loss(net, ws, *loss, *target, ...). */
gboolean zc_eval_loss_target(ZcEval *ev, ZcNet *net, ZcInputKind kind, guint n, guint index, ZcLossKind *loss,
                             const void **target, GError **error);
/* The proxy changed the network (re-initialised it, ran other passes): nothing prepared
 * so far may be reused. */
void zc_eval_invalidate(ZcEval *ev);

/* ---- for the core -------------------------------------------------------------------- */

/* What every evaluation of one worker shares: the workspace, the data, cached batches. */
typedef struct ZcEvalContext ZcEvalContext;
/* `data` (borrowed, may be NULL: Gaussian input), the run's batch size and seed, and the
 * engine threads of the workspace. */
ZcEvalContext *zc_eval_context_new(ZcDataset *data, guint batch, guint64 run_seed, int threads);
void zc_eval_context_free(ZcEvalContext *ctx);
/* Run on engine backend `backend` (default: zc_backend_default()); before any evaluation. */
gboolean zc_eval_context_set_backend(ZcEvalContext *ctx, const char *backend, GError **error);
/* An evaluation of `arch` (borrowed). */
ZcEval *zc_eval_new(ZcEvalContext *ctx, ZcSpace *space, const ZcArch *arch);
void zc_eval_free(ZcEval *ev);

G_END_DECLS
#endif
