/* zcnas — search-space plugins.
 *
 * A space knows its architectures (genotypes): it parses and prints them canonically,
 * samples, mutates and crosses them over, may enumerate them by index, counts their
 * parameters and FLOPs without building anything, and builds networks on the engine.
 * ZcArch is opaque and owned by whoever received it; free it with zc_space_arch_free(). */
#ifndef ZC_SPACE_H
#define ZC_SPACE_H
#include <glib.h>
#include <zcnas/options.h>
#include <zcnas/rng.h>
#include <zcnas/net.h>

G_BEGIN_DECLS

typedef struct ZcPluginDesc ZcPluginDesc;  /* <zcnas/plugin.h> */

typedef struct ZcArch ZcArch;
typedef struct ZcNet ZcNet;         /* the engine's network, <zcnas/net.h> */
typedef struct ZcSpace ZcSpace;     /* a loaded space plugin with its options */

typedef struct {
  double params_m;   /* parameters, millions */
  double flops_m;    /* forward FLOPs at batch 1, millions (convention documented per space) */
} ZcCost;

/* What the core asks of a built network. */
typedef struct {
  guint32 struct_size;
  gboolean float64;     /* double-precision network */
  guint64 seed;         /* initialisation seed (already specific to the architecture) */
} ZcBuildSpec;

/* What the task's loss compares the network's output with (ABI 3.3). */
typedef enum {
  ZC_TARGET_LABEL,        /* one class label per sample: the data's labels (seeded ones for
                             Gaussian input); output (classes) */
  ZC_TARGET_PIXEL_LABEL,  /* one class label per output pixel, seeded by the core (no data set
                             ships per-pixel labels); output (classes, H, W), H x W = input side */
  ZC_TARGET_INPUT,        /* the input batch itself; output shaped like the input */
  ZC_TARGET_REAL          /* a real-valued tensor shaped like the output, seeded N(0,1) by the
                             core (no data set ships regression targets) */
} ZcTargetKind;

/* The loss a space's networks train with (ZcSpaceIface.task).  A space without `task`
 * gets {ZC_LOSS_CE, ZC_TARGET_LABEL, classes of input_shape}: today's behaviour. */
typedef struct {
  guint32 struct_size;     /* set by the core before calling task() */
  ZcLossKind loss;         /* ZC_LOSS_CE (per sample, or per pixel for a (C,H,W) output),
                              ZC_LOSS_MSE or ZC_LOSS_L1 */
  ZcTargetKind target;
  guint classes;           /* LABEL / PIXEL_LABEL: number of classes */
  guint target_numel;      /* REAL: elements of one sample's output (and target) */
} ZcSpaceTask;

typedef struct {
  guint32 struct_size;
  gpointer (*create)(const ZcOptions *opts, GError **error);
  void (*destroy)(gpointer self);
  ZcArch *(*parse)(gpointer self, const char *text, GError **error);
  char *(*format)(gpointer self, const ZcArch *arch);   /* canonical text; g_free() it */
  ZcArch *(*copy)(gpointer self, const ZcArch *arch);
  void (*arch_free)(gpointer self, ZcArch *arch);
  ZcArch *(*sample)(gpointer self, ZcRng *rng, GError **error);
  ZcArch *(*mutate)(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error);  /* may be NULL */
  ZcArch *(*crossover)(gpointer self, const ZcArch *a, const ZcArch *b, ZcRng *rng,
                       GError **error);                                                 /* may be NULL */
  guint64 (*count)(gpointer self);                       /* may be NULL: not enumerable */
  ZcArch *(*from_index)(gpointer self, guint64 index, GError **error);  /* may be NULL */
  gboolean (*to_index)(gpointer self, const ZcArch *arch, guint64 *index);  /* may be NULL */
  char *(*iso_key)(gpointer self, const ZcArch *arch);   /* may be NULL: equal keys = same function */
  gboolean (*cost)(gpointer self, const ZcArch *arch, ZcCost *cost, GError **error);
  ZcNet *(*build)(gpointer self, const ZcArch *arch, const ZcBuildSpec *spec,
                  GError **error);                        /* may be NULL until the engine is used */
  /* Input shape (channels, height, width) and classes of the networks this space builds. */
  void (*input_shape)(gpointer self, guint *channels, guint *height, guint *width, guint *classes);
  /* ABI 3.3, may be NULL (cross-entropy on one label per sample): the loss and target of
   * the task the networks are built for; fill *task (struct_size is set). */
  void (*task)(gpointer self, ZcSpaceTask *task);
} ZcSpaceIface;

/* ---- the core's wrapper around a space instance (what searchers and programs call) ---- */
/* Instantiate a space plugin (desc of kind ZC_KIND_SPACE) with resolved options, which
 * the space takes over. */
ZcSpace *zc_space_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error);
void zc_space_free(ZcSpace *space);
const char *zc_space_name(const ZcSpace *space);
ZcArch *zc_space_parse(ZcSpace *space, const char *text, GError **error);
char *zc_space_format(ZcSpace *space, const ZcArch *arch);
ZcArch *zc_space_copy(ZcSpace *space, const ZcArch *arch);
void zc_space_arch_free(ZcSpace *space, ZcArch *arch);
ZcArch *zc_space_sample(ZcSpace *space, ZcRng *rng, GError **error);
gboolean zc_space_can_mutate(const ZcSpace *space);
ZcArch *zc_space_mutate(ZcSpace *space, const ZcArch *parent, ZcRng *rng, GError **error);
gboolean zc_space_can_crossover(const ZcSpace *space);
ZcArch *zc_space_crossover(ZcSpace *space, const ZcArch *a, const ZcArch *b, ZcRng *rng,
                           GError **error);
guint64 zc_space_count(ZcSpace *space);   /* 0: not enumerable */
ZcArch *zc_space_from_index(ZcSpace *space, guint64 index, GError **error);
gboolean zc_space_to_index(ZcSpace *space, const ZcArch *arch, guint64 *index);
char *zc_space_iso_key(ZcSpace *space, const ZcArch *arch);  /* NULL when the space has none */
gboolean zc_space_cost(ZcSpace *space, const ZcArch *arch, ZcCost *cost, GError **error);
ZcNet *zc_space_build(ZcSpace *space, const ZcArch *arch, const ZcBuildSpec *spec, GError **error);
void zc_space_input_shape(ZcSpace *space, guint *channels, guint *height, guint *width,
                          guint *classes);
/* The space's task (its `task` member, or the default: CE on one label per sample with
 * the classes of input_shape). */
void zc_space_task(ZcSpace *space, ZcSpaceTask *task);

G_END_DECLS
#endif
