/* Space plugin: TransNAS-Bench-101, micro (4,096 cells) and macro (3,256 block stacks)
 * variants, with the task's head.  Genotype code is in tnb101_genotype.c, the network in
 * tnb101_net.c; this file adapts them to the space interface. */
#include "config.h"
#include <string.h>
#include <zcnas/zcnas.h>
#include "tnb101_genotype.h"
#include "tnb101_net.h"

struct ZcArch {
  TnbGenotype g;
};

typedef struct {
  gboolean micro;
  TnbMacro macro;
} TnbSpace;

static const ZcOption tnb_options[] = {
  {"variant", ZC_OPT_CHOICE, "micro", 0, 0, "micro|macro",
   "micro: the 4,096 cells in the 64-41414 skeleton; macro: the 3,256 basic-block stacks"},
  {"task", ZC_OPT_CHOICE, "class_object", 0, 0,
   "class_object|class_scene|autoencoder|normal|jigsaw|room_layout|segmentsemantic",
   "Taskonomy task and its head: class_object (100 classes), class_scene (63), room_layout (9 regression "
   "outputs, MSE), autoencoder / normal (decoder to the input side, L1), segmentsemantic (17 classes per "
   "pixel), jigsaw (1000 permutations; counted, not built)"},
  {"resolution", ZC_OPT_INT, "256", 16, 1024, NULL,
   "input side (the benchmark's 256; smaller is cheaper on a CPU)"},
  {NULL},
};

static gpointer tnb_create(const ZcOptions *opts, GError **error) {
  const char *task = zc_options_string(opts, "task");
  TnbTask t = TNB_N_TASKS;
  for (int i = 0; i < TNB_N_TASKS; i++)
    if (g_str_equal(task, tnb_task_name((TnbTask)i))) t = (TnbTask)i;
  if (t == TNB_N_TASKS) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: unknown task '%s'", task);
    return NULL;
  }
  TnbSpace *s = g_new0(TnbSpace, 1);
  s->micro = g_str_equal(zc_options_string(opts, "variant"), "micro");
  s->macro.task = t;
  s->macro.resolution = (guint)zc_options_int(opts, "resolution");
  return s;
}

static void tnb_destroy(gpointer self) { g_free(self); }

static ZcArch *arch_new(const TnbGenotype *g) {
  ZcArch *a = g_new(ZcArch, 1);
  a->g = *g;
  return a;
}

static ZcArch *tnb_parse_arch(gpointer self, const char *text, GError **error) {
  TnbSpace *s = self;
  TnbGenotype g;
  if (!tnb_parse(text, &g, error)) return NULL;
  if (g.micro != s->micro) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                "tnb101 architecture '%s' is a %s architecture, the space is variant=%s", text,
                g.micro ? "micro" : "macro", s->micro ? "micro" : "macro");
    return NULL;
  }
  return arch_new(&g);
}

static char *tnb_format_arch(gpointer self, const ZcArch *a) { return tnb_format(&a->g); }
static ZcArch *tnb_copy(gpointer self, const ZcArch *a) { return arch_new(&a->g); }
static void tnb_arch_free(gpointer self, ZcArch *a) { g_free(a); }

static ZcArch *tnb_sample_arch(gpointer self, ZcRng *rng, GError **error) {
  TnbSpace *s = self;
  TnbGenotype g;
  tnb_sample(s->micro, rng, &g);
  return arch_new(&g);
}

static ZcArch *tnb_mutate_arch(gpointer self, const ZcArch *parent, ZcRng *rng, GError **error) {
  TnbGenotype g;
  tnb_mutate(&parent->g, rng, &g);
  return arch_new(&g);
}

static guint64 tnb_count(gpointer self) {
  TnbSpace *s = self;
  return s->micro ? TNB_MICRO_COUNT : TNB_MACRO_COUNT;
}

static ZcArch *tnb_from_index_arch(gpointer self, guint64 index, GError **error) {
  TnbSpace *s = self;
  guint64 n = tnb_count(self);
  if (index >= n) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "tnb101 %s index %" G_GUINT64_FORMAT " is out of range 0..%" G_GUINT64_FORMAT,
                s->micro ? "micro" : "macro", index, n - 1);
    return NULL;
  }
  TnbGenotype g;
  if (s->micro) tnb_micro_from_index((guint)index, &g);
  else tnb_macro_from_index((guint)index, &g);
  return arch_new(&g);
}

static gboolean tnb_to_index_arch(gpointer self, const ZcArch *a, guint64 *index) {
  guint i;
  if (a->g.micro) i = tnb_micro_to_index(&a->g);
  else if (!tnb_macro_to_index(&a->g, &i)) return FALSE;
  *index = i;
  return TRUE;
}

static gboolean tnb_cost_arch(gpointer self, const ZcArch *a, ZcCost *cost, GError **error) {
  TnbSpace *s = self;
  double p, f;
  if (!tnb_cost(&a->g, &s->macro, &p, &f, error)) return FALSE;
  cost->params_m = p * 1e-6;
  cost->flops_m = f * 1e-6;
  return TRUE;
}

static ZcNet *tnb_build(gpointer self, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  TnbSpace *s = self;
  return tnb_net_build(&a->g, &s->macro, spec->float64, spec->seed, error);
}

static void tnb_input_shape(gpointer self, guint *c, guint *h, guint *w, guint *classes) {
  TnbSpace *s = self;
  *c = 3;
  *h = *w = s->macro.resolution;
  *classes = tnb_task_classes(s->macro.task);
}

/* NASLib's get_loss_fn (what NAS-Bench-Suite-Zero's proxies back-propagated): cross-entropy
 * for the classification tasks, jigsaw and segmentsemantic, L1 for autoencoder and normal, MSE
 * for room_layout.  Targets the shipped data cannot give are the core's seeded stand-ins. */
static void tnb_task(gpointer self, ZcSpaceTask *task) {
  TnbSpace *s = self;
  TnbTask t = s->macro.task;
  task->classes = tnb_task_classes(t);
  task->target_numel = 0;
  switch (t) {
  case TNB_TASK_ROOM_LAYOUT:
    task->loss = ZC_LOSS_MSE;
    task->target = ZC_TARGET_REAL;
    task->target_numel = TNB_ROOM_LAYOUT_DIMS;
    break;
  case TNB_TASK_AUTOENCODER:
  case TNB_TASK_NORMAL:   /* stand-in for the surface-normal map: the input image */
    task->loss = ZC_LOSS_L1;
    task->target = ZC_TARGET_INPUT;
    break;
  case TNB_TASK_SEGMENTSEMANTIC:
    task->loss = ZC_LOSS_CE;
    task->target = ZC_TARGET_PIXEL_LABEL;
    break;
  default:
    task->loss = ZC_LOSS_CE;
    task->target = ZC_TARGET_LABEL;
    break;
  }
}

static const ZcSpaceIface tnb_iface = {
  .struct_size = sizeof(ZcSpaceIface),
  .create = tnb_create,
  .destroy = tnb_destroy,
  .parse = tnb_parse_arch,
  .format = tnb_format_arch,
  .copy = tnb_copy,
  .arch_free = tnb_arch_free,
  .sample = tnb_sample_arch,
  .mutate = tnb_mutate_arch,
  .count = tnb_count,
  .from_index = tnb_from_index_arch,
  .to_index = tnb_to_index_arch,
  .cost = tnb_cost_arch,
  .build = tnb_build,
  .input_shape = tnb_input_shape,
  .task = tnb_task,
};

ZC_PLUGIN_DEFINE(ZC_KIND_SPACE, tnb101, "1.1",
                 "TransNAS-Bench-101 micro (4,096 cells) and macro (3,256 stacks), the Taskonomy task heads and losses",
                 "MIT", tnb_options, &tnb_iface)
