/* Parameter initialisation schemes and the absolute-value switch (zc_net_params_abs). */
#include "config.h"
#include <math.h>
#include <string.h>
#include <zcnas/rng.h>
#include "engine-impl.h"

static void fill_const(ZcNet *net, ZcParam *p, double v) {
  for (gsize i = 0; i < p->numel; i++) zc_set(net->dtype, p->data, i, v);
}

void zc_net_init_norm_defaults(ZcNet *net, int node) {
  for (guint i = 0; i < net->params->len; i++) {
    ZcParam *p = zc_param(net, i);
    if (p->node != node) continue;
    if (p->kind == ZC_PARAM_NORM_SCALE) fill_const(net, p, 1.0);
    else if (p->kind == ZC_PARAM_NORM_SHIFT) fill_const(net, p, 0.0);
  }
}

static void fill_uniform(ZcNet *net, ZcParam *p, guint64 key, double bound) {
  for (gsize i = 0; i < p->numel; i++) zc_set(net->dtype, p->data, i, (2 * zc_rng_uniform_at(key, i) - 1) * bound);
}
static void fill_normal(ZcNet *net, ZcParam *p, guint64 key, double std) {
  for (gsize i = 0; i < p->numel; i++) zc_set(net->dtype, p->data, i, std * zc_rng_normal_at(key, i));
}
/* timm trunc_normal_: N(0, std^2) conditioned on [-2, 2] (absolute bounds), by rejection;
 * attempt a of element i uses stream index 64 i + a. */
static void fill_trunc_normal(ZcNet *net, ZcParam *p, guint64 key, double std) {
  for (gsize i = 0; i < p->numel; i++) {
    double z = 0;
    for (int a = 0; a < 64; a++) {
      z = std * zc_rng_normal_at(key, 64 * i + a);
      if (z >= -2 && z <= 2) break;
      z = 0;
    }
    zc_set(net->dtype, p->data, i, z);
  }
}

void zc_net_reset_bn_running(ZcNet *net) {
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->op != ZC_OP_BN) continue;
    ZcBnAttr *a = n->attr;
    for (int c = 0; c < a->C; c++) { a->run_mean[c] = 0; a->run_var[c] = 1; }
  }
}

void zc_net_init(ZcNet *net, ZcInit scheme, double arg, guint64 seed) {
  g_return_if_fail(net);
  guint64 base = zc_rng_key(seed, ZC_RNG_STREAM_INIT);
  for (guint i = 0; i < net->params->len; i++) {
    ZcParam *p = zc_param(net, i);
    guint64 key = zc_rng_subkey(base, i);
    if (scheme == ZC_INIT_CONSTANT) { fill_const(net, p, arg); continue; }
    switch (p->kind) {
    case ZC_PARAM_WEIGHT:
      switch (scheme) {
      case ZC_INIT_TORCH_DEFAULT: fill_uniform(net, p, key, 1.0 / sqrt(p->fan_in)); break;
      case ZC_INIT_KAIMING_NORMAL_FAN_IN: fill_normal(net, p, key, sqrt(2.0 / p->fan_in)); break;
      case ZC_INIT_KAIMING_NORMAL_FAN_OUT: fill_normal(net, p, key, sqrt(2.0 / p->fan_out)); break;
      case ZC_INIT_NORMAL: fill_normal(net, p, key, arg); break;
      case ZC_INIT_XAVIER_UNIFORM: fill_uniform(net, p, key, sqrt(6.0 / (p->fan_in + p->fan_out))); break;
      case ZC_INIT_XAVIER_NORMAL: fill_normal(net, p, key, sqrt(2.0 / (p->fan_in + p->fan_out))); break;
      case ZC_INIT_TRUNC_NORMAL: fill_trunc_normal(net, p, key, arg); break;
      default: break;
      }
      break;
    case ZC_PARAM_BIAS:
      if (scheme == ZC_INIT_TORCH_DEFAULT) fill_uniform(net, p, key, 1.0 / sqrt(p->fan_in));
      else fill_const(net, p, 0.0);
      break;
    case ZC_PARAM_NORM_SCALE: fill_const(net, p, 1.0); break;
    case ZC_PARAM_NORM_SHIFT: fill_const(net, p, 0.0); break;
    case ZC_PARAM_EMBED:
      if (scheme == ZC_INIT_NORMAL) fill_normal(net, p, key, arg);
      else fill_trunc_normal(net, p, key, scheme == ZC_INIT_TRUNC_NORMAL ? arg : 0.02);
      break;
    }
  }
  zc_net_reset_bn_running(net);
}

static void abs_buf(ZcDType dt, void *data, gsize n, guint8 **neg) {
  if (!*neg) *neg = g_malloc0((n + 7) / 8);
  else memset(*neg, 0, (n + 7) / 8);
  for (gsize i = 0; i < n; i++) {
    double v = zc_get(dt, data, i);
    if (signbit(v)) { (*neg)[i / 8] |= (guint8) (1u << (i % 8)); zc_set(dt, data, i, -v); }
  }
}
static void restore_buf(ZcDType dt, void *data, gsize n, const guint8 *neg) {
  if (!neg) return;
  for (gsize i = 0; i < n; i++)
    if (neg[i / 8] & (1u << (i % 8))) zc_set(dt, data, i, -zc_get(dt, data, i));
}

void zc_net_params_abs(ZcNet *net) {
  for (guint i = 0; i < net->params->len; i++) {
    ZcParam *p = zc_param(net, i);
    abs_buf(net->dtype, p->data, p->numel, &p->neg);
  }
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->op != ZC_OP_BN) continue;
    ZcBnAttr *a = n->attr;
    abs_buf(ZC_F64, a->run_mean, a->C, &a->rm_neg);
  }
}

void zc_net_params_restore_sign(ZcNet *net) {
  for (guint i = 0; i < net->params->len; i++) {
    ZcParam *p = zc_param(net, i);
    restore_buf(net->dtype, p->data, p->numel, p->neg);
    g_clear_pointer(&p->neg, g_free);
  }
  for (guint i = 0; i < net->nodes->len; i++) {
    ZcNode *n = zc_node(net, i);
    if (n->op != ZC_OP_BN) continue;
    ZcBnAttr *a = n->attr;
    restore_buf(ZC_F64, a->run_mean, a->C, a->rm_neg);
    g_clear_pointer(&a->rm_neg, g_free);
  }
}
