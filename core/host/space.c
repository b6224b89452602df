/* The core's handle on a space plugin instance: checks arguments, forwards to the
 * plugin's interface, and answers politely where a space lacks an optional function. */
#include "config.h"
#include <zcnas/error.h>
#include <zcnas/plugin.h>
#include <zcnas/space.h>
#include "space-private.h"

struct ZcSpace {
  const ZcPluginDesc *desc;
  const ZcSpaceIface *iface;
  ZcOptions *opts;
  gpointer self;
};

ZcSpace *zc_space_new(const ZcPluginDesc *desc, ZcOptions *opts, GError **error) {
  g_return_val_if_fail(desc && desc->kind == ZC_KIND_SPACE, NULL);
  const ZcSpaceIface *iface = desc->iface;
  gpointer self = iface->create(opts, error);
  if (!self) {
    zc_options_free(opts);
    return NULL;
  }
  ZcSpace *s = g_new0(ZcSpace, 1);
  s->desc = desc;
  s->iface = iface;
  s->opts = opts;
  s->self = self;
  return s;
}

void zc_space_free(ZcSpace *s) {
  if (!s) return;
  s->iface->destroy(s->self);
  zc_options_free(s->opts);
  g_free(s);
}

const char *zc_space_name(const ZcSpace *s) { return s->desc->name; }
const ZcOptions *zc_space_options(const ZcSpace *s) { return s->opts; }

ZcArch *zc_space_parse(ZcSpace *s, const char *text, GError **error) {
  return s->iface->parse(s->self, text, error);
}
char *zc_space_format(ZcSpace *s, const ZcArch *a) { return s->iface->format(s->self, a); }
ZcArch *zc_space_copy(ZcSpace *s, const ZcArch *a) { return s->iface->copy(s->self, a); }
void zc_space_arch_free(ZcSpace *s, ZcArch *a) {
  if (a) s->iface->arch_free(s->self, a);
}
ZcArch *zc_space_sample(ZcSpace *s, ZcRng *rng, GError **error) { return s->iface->sample(s->self, rng, error); }

static gpointer unsupported(const ZcSpace *s, const char *what, GError **error) {
  g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "space '%s' does not support %s", s->desc->name, what);
  return NULL;
}

gboolean zc_space_can_mutate(const ZcSpace *s) { return s->iface->mutate != NULL; }
ZcArch *zc_space_mutate(ZcSpace *s, const ZcArch *parent, ZcRng *rng, GError **error) {
  if (!s->iface->mutate) return unsupported(s, "mutation", error);
  return s->iface->mutate(s->self, parent, rng, error);
}
gboolean zc_space_can_crossover(const ZcSpace *s) { return s->iface->crossover != NULL; }
ZcArch *zc_space_crossover(ZcSpace *s, const ZcArch *a, const ZcArch *b, ZcRng *rng, GError **error) {
  if (!s->iface->crossover) return unsupported(s, "crossover", error);
  return s->iface->crossover(s->self, a, b, rng, error);
}
guint64 zc_space_count(ZcSpace *s) { return s->iface->count ? s->iface->count(s->self) : 0; }
ZcArch *zc_space_from_index(ZcSpace *s, guint64 index, GError **error) {
  if (!s->iface->from_index) return unsupported(s, "architecture indices", error);
  return s->iface->from_index(s->self, index, error);
}
gboolean zc_space_to_index(ZcSpace *s, const ZcArch *a, guint64 *index) {
  return s->iface->to_index && s->iface->to_index(s->self, a, index);
}
char *zc_space_iso_key(ZcSpace *s, const ZcArch *a) {
  return s->iface->iso_key ? s->iface->iso_key(s->self, a) : NULL;
}
gboolean zc_space_cost(ZcSpace *s, const ZcArch *a, ZcCost *cost, GError **error) {
  return s->iface->cost(s->self, a, cost, error);
}
ZcNet *zc_space_build(ZcSpace *s, const ZcArch *a, const ZcBuildSpec *spec, GError **error) {
  if (!s->iface->build) return unsupported(s, "building networks", error);
  return s->iface->build(s->self, a, spec, error);
}
void zc_space_task(ZcSpace *s, ZcSpaceTask *task) {
  guint c, h, w, classes = 0;
  s->iface->input_shape(s->self, &c, &h, &w, &classes);
  *task = (ZcSpaceTask){sizeof(ZcSpaceTask), ZC_LOSS_CE, ZC_TARGET_LABEL, classes, 0};
  if (s->iface->struct_size > G_STRUCT_OFFSET(ZcSpaceIface, task) && s->iface->task) s->iface->task(s->self, task);
}

void zc_space_input_shape(ZcSpace *s, guint *c, guint *h, guint *w, guint *classes) {
  s->iface->input_shape(s->self, c, h, w, classes);
}
