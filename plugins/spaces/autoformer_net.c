/* AutoFormer subnets on the engine (method.md §6.2, pre-norm, --change_qkv):
 *
 *   patch conv k = s = p (role "patch"), class token, position embedding   (T = P + 1, E)
 *   depth x   t = t + proj(attn(qkv(LN(t))))      tag BLOCK_OUTPUT
 *             t = t + fc2(GELU(fc1(LN(t))))       tag BLOCK_OUTPUT
 *   LN, then token 0 (head cls) or the mean of the patch tokens (head gap), linear "head"
 *
 * q/k/v width 64 per head; qkv (E -> 3*64*h, bias = qkv_bias) and proj (64*h -> E, bias)
 * come from zc_net_mhsa with roles "qkv" and "proj"; fc1 E -> int(E*r) and fc2 back, both
 * with bias.  The class token is prepended for both heads, as AutoFormer does.
 *
 * Weight layers are built in PyTorch's module order (patch, then per block qkv, proj,
 * fc1, fc2, then head), which is also their execution order.  Parameter tensors follow
 * build order (patch conv, class token, position embedding, then per block LN1, qkv,
 * proj, LN2, fc1, fc2, final LN, head); this only decides which RNG sub-stream
 * initialises which tensor. */
#include "config.h"
#include <math.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include "autoformer_net.h"

static gboolean fail_if(gboolean bad, GError **error, const char *msg) {
  if (bad) g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "autoformer: %s", msg);
  return bad;
}

static int block(ZcNet *net, int t, int e, guint heads, guint ratio_x2, gboolean qkv_bias, GError **error) {
  int x = zc_net_layernorm(net, t, ZC_AF_LN_EPS, TRUE, error);
  if (x < 0 || (x = zc_net_mhsa(net, x, (int)heads, ZC_AF_HEAD_DIM, qkv_bias, error)) < 0) return -1;
  int sum[2] = {t, x};
  if ((t = zc_net_add(net, sum, 2, error)) < 0) return -1;
  zc_net_add_tags(net, t, ZC_TAG_BLOCK_OUTPUT);
  int f = (int)((guint64)e * ratio_x2 / 2);   /* int(E * r), exact */
  if ((x = zc_net_layernorm(net, t, ZC_AF_LN_EPS, TRUE, error)) < 0) return -1;
  if ((x = zc_net_linear(net, x, f, TRUE, error)) < 0) return -1;
  zc_net_set_role(net, x, "fc1");
  if ((x = zc_net_gelu(net, x, error)) < 0) return -1;
  if ((x = zc_net_linear(net, x, e, TRUE, error)) < 0) return -1;
  zc_net_set_role(net, x, "fc2");
  sum[0] = t;
  sum[1] = x;
  if ((t = zc_net_add(net, sum, 2, error)) < 0) return -1;
  zc_net_add_tags(net, t, ZC_TAG_BLOCK_OUTPUT);
  return t;
}

static int build(ZcNet *net, const ZcAfGenotype *g, const ZcAfCostOpts *o, GError **error) {
  const int e = (int)g->embed_dim;
  int x = zc_net_input(net, (int)o->in_chans, (int)o->img_size, (int)o->img_size);
  if (x < 0) return fail_if(TRUE, error, "bad input shape"), -1;
  int t = zc_net_patch_embed(net, x, e, (int)o->patch_size, TRUE, error);
  if (t < 0) return -1;
  for (guint i = 0; i < g->depth; i++)
    if ((t = block(net, t, e, g->heads[i], g->ratio_x2[i], o->qkv_bias, error)) < 0) return -1;
  if ((t = zc_net_layernorm(net, t, ZC_AF_LN_EPS, TRUE, error)) < 0) return -1;
  t = o->head == ZC_AF_HEAD_GAP ? zc_net_token_mean(net, t, 1, error) : zc_net_token_select(net, t, error);
  if (t < 0 || (t = zc_net_linear(net, t, (int)o->num_classes, TRUE, error)) < 0) return -1;
  zc_net_set_role(net, t, "head");
  zc_net_set_output(net, t);
  return t;
}

/* The patch conv back to PyTorch's Conv2d default, U(+-1/sqrt(fan_in)) for weight and
 * bias, drawn from the very stream ZC_INIT_TORCH_DEFAULT would use for these tensors
 * (element e of parameter tensor i: zc_rng_uniform_at(subkey(key(seed, INIT), i), e)). */
static void patch_conv_torch_default(ZcNet *net, int fan_in, guint64 seed) {
  const guint64 base = zc_rng_key(seed, ZC_RNG_STREAM_INIT);
  const double bound = 1.0 / sqrt((double)fan_in);
  const ZcDType dt = zc_net_dtype(net);
  for (guint i = 0; i < zc_net_n_param_tensors(net); i++) {
    ZcParamInfo p;
    if (!zc_net_param(net, i, &p) || g_strcmp0(zc_net_get_role(net, p.node), "patch")) continue;
    if (p.kind != ZC_PARAM_WEIGHT && p.kind != ZC_PARAM_BIAS) continue;
    const guint64 key = zc_rng_subkey(base, i);
    for (gsize k = 0; k < p.numel; k++) zc_set(dt, p.data, k, (2 * zc_rng_uniform_at(key, k) - 1) * bound);
  }
}

ZcNet *zc_af_net_build(const ZcAfGenotype *g, const ZcAfCostOpts *opts, gboolean float64, guint64 seed,
                       GError **error) {
  g_return_val_if_fail(g && opts, NULL);
  if (!zc_af_genotype_validate(g, error) || !zc_af_cost_opts_check(opts, error)) return NULL;
  if (fail_if(opts->rel_pos, error, "relative position tables are not supported by the engine") ||
      fail_if(opts->num_classes == 0, error, "the network needs at least one class") ||
      fail_if(opts->img_size % opts->patch_size != 0, error, "the patch size must divide the image size"))
    return NULL;
  ZcNet *net = zc_net_new(float64 ? ZC_F64 : ZC_F32);
  if (build(net, g, opts, error) < 0) {
    zc_net_free(net);
    return NULL;
  }
  zc_net_init(net, ZC_INIT_TRUNC_NORMAL, 0.02, seed);
  patch_conv_torch_default(net, (int)(opts->in_chans * opts->patch_size * opts->patch_size), seed);
  return net;
}
