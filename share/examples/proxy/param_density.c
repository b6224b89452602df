/* An example zcnas proxy plugin, complete in one file.
 *
 * `param_density` scores an architecture by its parameters per million FLOPs, raised to
 * a configurable power.  It needs no network, so it shows the plugin contract without the
 * engine: a descriptor, an option schema, declared needs, create/score/destroy.
 *
 * Build and use it against an installed zcnas:
 *   cc -shared -fPIC param_density.c $(pkg-config --cflags --libs zcnas) -o param_density.so
 *   ZCNAS_PLUGIN_PATH=$PWD zcnas plugins --kind proxy
 *   ZCNAS_PLUGIN_PATH=$PWD zcnas score --space nb201 --arch "$(zcnas arch --space nb201 --index 1 | cut -d, -f2 | tail -1)" --proxy param_density
 */
#include <math.h>
#include <zcnas/zcnas.h>

/* Options: checked by zcnas against this table before create() sees them, so a pipeline
 * with `power = "x"` or `power = 9.0` fails with FILE:LINE and never reaches the plugin. */
static const ZcOption density_options[] = {
  {"power", ZC_OPT_FLOAT, "1.0", -4.0, 4.0, NULL, "exponent applied to params/FLOPs"},
  {NULL},
};

/* What the proxy needs, as data: nothing but the architecture's cost; one output,
 * higher is better. */
static const gint8 density_direction[] = {1};
static const ZcProxyNeeds density_needs = {
  .flags = 0,
  .input = ZC_INPUT_NONE,
  .n_outputs = 1,
  .direction = density_direction,
};

typedef struct {
  double power;
} Density;

static gpointer density_create(const ZcOptions *opts, GError **error) {
  Density *d = g_new0(Density, 1);
  d->power = zc_options_float(opts, "power");
  return d;
}

static void density_destroy(gpointer self) { g_free(self); }

static gboolean density_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Density *d = self;
  ZcCost cost;
  if (!zc_eval_cost(ev, &cost, error)) return FALSE;
  /* a zero-FLOP network gives inf or nan: that is a result, recorded as such */
  out[0] = pow(cost.params_m / cost.flops_m, d->power);
  return TRUE;
}

static const ZcProxyIface density_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &density_needs,
  .create = density_create,
  .destroy = density_destroy,
  .score = density_score,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, param_density, "1.0", "parameters per MFLOP (example plugin)", "MIT",
                 density_options, &density_iface)
