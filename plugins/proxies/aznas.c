/* Proxy `aznas`: the four raw components of AZ-NAS (Lee & Ham, CVPR 2024; method.md §7.17).
 * Ranking them across candidates into the AZ-NAS score is not done here.
 *
 * Network: CNN: BatchNorm on batch statistics (train mode), Kaiming-normal fan-in init
 * (biases 0, BN 1/0), one Gaussian batch.  ViT: eval mode, the space's own init.  Features
 * F_0..F_K are the nodes tagged ZC_TAG_STEM_OUTPUT or ZC_TAG_BLOCK_OUTPUT, in execution
 * order (a CNN: stem, then every cell/block; a ViT: the residual stream after each
 * attention and each MLP sub-block).
 *
 *   expressivity   sum_i e_i, e_i = entropy of the normalised eigenvalues of the
 *                  covariance of F_i seen as (B*H*W or B*T) rows x C channels, centred;
 *                  e = -sum p log(p + 1e-8), p = s / sum(s)
 *   progressivity  min_i (e_{i+1} - e_i)
 *   trainability   mean over consecutive pairs of t = -sigma - 1/(sigma + 1e-6) + 2, sigma
 *                  the top singular value of M = G_in^T G_out / rows, G_out a Rademacher
 *                  tensor shaped like F_i and G_in = (dF_i/dF_{i-1})^T G_out (zc_net_vjp),
 *                  pixel-unshuffled when the spatial size shrinks.  A pair whose G_in equals
 *                  G_out (identity map) gives -inf on a CNN and is skipped on a ViT.
 *   complexity     forward MFLOPs of the architecture (zc_eval_cost)
 * As in the reference code a NaN component is reported as -inf. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <zcnas/zcnas.h>
#include "eigsym.h"

static const char *const aznas_outputs[] = {"expressivity", "progressivity", "trainability", "complexity"};
static const gint8 aznas_direction[] = {1, 1, 1, 1};

static const ZcProxyNeeds aznas_needs = {
  .flags = ZC_NEEDS_NET | ZC_NEEDS_OWN_INIT,
  .bn = ZC_BN_BATCH,
  .input = ZC_INPUT_GAUSSIAN,
  .n_batches = 1,
  .n_outputs = 4,
  .outputs = aznas_outputs,
  .direction = aznas_direction,
  .init = ZC_INIT_KAIMING_NORMAL_FAN_IN,
  .init_arg = 1.0,
};

typedef enum { INIT_AUTO, INIT_KAIMING, INIT_SPACE } InitChoice;

static const ZcOption aznas_options[] = {
  {"init", ZC_OPT_CHOICE, "auto", 0, 0, "auto|kaiming_fan_in|space",
   "auto: Kaiming-normal fan-in for CNNs (AZ-NAS NB201 code), the space's init for ViTs (its AutoFormer code)"},
  {NULL},
};

typedef struct {
  InitChoice init;
} Aznas;

static gpointer aznas_create(const ZcOptions *opts, GError **error) {
  Aznas *a = g_new0(Aznas, 1);
  const char *s = zc_options_string(opts, "init");
  a->init = !strcmp(s, "space") ? INIT_SPACE : !strcmp(s, "kaiming_fan_in") ? INIT_KAIMING : INIT_AUTO;
  return a;
}

static void aznas_destroy(gpointer self) { g_free(self); }

static void aznas_configure(gpointer self, ZcPassSpec *spec) {
  Aznas *a = self;
  if (a->init == INIT_SPACE) spec->init = ZC_INIT_SPACE;
}

#define AZNAS_STREAM G_GUINT64_CONSTANT(0x617a6e6173)   /* "aznas": Rademacher tensors */

/* A feature as rows x C doubles: (b, h, w) rows of a (C,H,W) map, (b, t) rows of (T,C). */
static double *feature_rows(const ZcShape *sh, const float *x, int batch, int *rows_out, int *cols_out) {
  int C, P;
  if (sh->ndim == 3) {
    C = sh->dims[0];
    P = sh->dims[1] * sh->dims[2];
  } else {
    C = sh->dims[sh->ndim - 1];
    P = sh->ndim == 2 ? sh->dims[0] : 1;
  }
  gsize rows = (gsize)batch * P;
  double *m = g_new(double, rows * C);
  if (sh->ndim == 3) {
    for (int b = 0; b < batch; b++)
      for (int c = 0; c < C; c++) {
        const float *src = x + ((gsize)b * C + c) * P;
        double *dst = m + (gsize)b * P * C + c;
        for (int p = 0; p < P; p++) dst[(gsize)p * C] = src[p];
      }
  } else {
    for (gsize i = 0; i < rows * C; i++) m[i] = x[i];
  }
  *rows_out = (int)rows;
  *cols_out = C;
  return m;
}

/* Entropy of the normalised covariance spectrum of a rows x C feature (m is centred). */
static double spectral_entropy(double *m, int rows, int C) {
  double *mean = g_new0(double, C);
  for (gsize r = 0; r < (gsize)rows; r++)
    for (int c = 0; c < C; c++) mean[c] += m[r * C + c];
  for (int c = 0; c < C; c++) mean[c] /= rows;
  for (gsize r = 0; r < (gsize)rows; r++)
    for (int c = 0; c < C; c++) m[r * C + c] -= mean[c];
  double *S = g_new(double, (gsize)C * C), *s = g_new(double, C);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, C, rows, 1.0 / rows, m, C, 0.0, S, C);
  eigsym_values(C, S, s);
  double tot = 0, e = 0;
  for (int i = 0; i < C; i++) tot += s[i];
  for (int i = 0; i < C; i++) {
    double p = s[i] / tot;
    e -= p * log(p + 1e-8);
  }
  g_free(mean);
  g_free(S);
  g_free(s);
  return e;
}

/* sigma_max of G_in^T G_out / rows, G_in pixel-unshuffled by `stride` (1: none). */
static double top_singular(const ZcShape *in_sh, const float *gin, const ZcShape *out_sh, const float *gout,
                           int batch, int stride) {
  int rows, co, ci;
  double *Go = feature_rows(out_sh, gout, batch, &rows, &co);
  double *Gi;
  if (stride > 1) {   /* (C, H, W) -> (C s s, H/s, W/s), channel c*s*s + a*s + b */
    int C = in_sh->dims[0], H = in_sh->dims[1], W = in_sh->dims[2], Ho = H / stride, Wo = W / stride;
    ci = C * stride * stride;
    Gi = g_new(double, (gsize)rows * ci);
    for (int b = 0; b < batch; b++)
      for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++) {
            int oc = c * stride * stride + (y % stride) * stride + (x % stride);
            gsize row = ((gsize)b * Ho + y / stride) * Wo + x / stride;
            Gi[row * ci + oc] = gin[(((gsize)b * C + c) * H + y) * W + x];
          }
  } else {
    int r2;
    Gi = feature_rows(in_sh, gin, batch, &r2, &ci);
  }
  double *M = g_new(double, (gsize)ci * co);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ci, co, rows, 1.0 / rows, Gi, ci, Go, co, 0.0, M, co);
  int k = MIN(ci, co);
  double *s = g_new(double, k);
  eigsym_singular_values(ZC_F64, M, ci, co, s);
  double top = s[k - 1];
  g_free(s);
  g_free(M);
  g_free(Gi);
  g_free(Go);
  return top;
}

static gboolean has_batchnorm(const ZcNet *net) {
  for (int i = 0; i < zc_net_n_nodes(net); i++)
    if (!strcmp(zc_net_op_name(net, i), "batchnorm")) return TRUE;
  return FALSE;
}

static gboolean aznas_score(gpointer self, ZcEval *ev, double *out, GError **error) {
  Aznas *a = self;
  ZcNet *net;
  ZcWorkspace *ws;
  if (!zc_eval_prepare(ev, &net, &ws, error)) return FALSE;
  guint nf = zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT | ZC_TAG_BLOCK_OUTPUT, NULL, 0);
  if (nf < 2) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED,
                "aznas: space '%s' tags %u stem/block outputs (ZC_TAG_STEM_OUTPUT, ZC_TAG_BLOCK_OUTPUT); "
                "at least 2 are needed", zc_space_name(zc_eval_space(ev)), nf);
    return FALSE;
  }
  int *F = g_new(int, nf);
  zc_net_find_tagged(net, ZC_TAG_STEM_OUTPUT | ZC_TAG_BLOCK_OUTPUT, F, nf);
  ZcShape sh0;
  zc_net_shape(net, F[0], &sh0);
  const gboolean vit = sh0.ndim == 2;
  if (vit) {   /* eval mode and (auto) the space's own init: a second preparation */
    ZcPassSpec spec = *zc_eval_spec(ev);
    if (a->init == INIT_AUTO) spec.init = ZC_INIT_SPACE;
    if (has_batchnorm(net)) spec.bn = ZC_BN_RUNNING;
    if (!zc_pass_spec_equal(&spec, zc_eval_spec(ev)) && !zc_eval_run(ev, &spec, &net, &ws, error)) {
      g_free(F);
      return FALSE;
    }
  }
  const int batch = zc_net_batch(net, ws);

  /* expressivity, progressivity */
  double *e = g_new(double, nf);
  for (guint i = 0; i < nf; i++) {
    ZcShape sh;
    zc_net_shape(net, F[i], &sh);
    int rows, C;
    void *v = g_malloc(zc_net_numel(net, F[i]) * batch * sizeof(float));
    if (!zc_net_read_value(net, ws, F[i], v, error)) {
      g_free(v);
      g_free(e);
      return FALSE;
    }
    double *m = feature_rows(&sh, v, batch, &rows, &C);
    g_free(v);
    e[i] = spectral_entropy(m, rows, C);
    g_free(m);
  }
  double expressivity = 0, progressivity = INFINITY;
  for (guint i = 0; i < nf; i++) expressivity += e[i];
  for (guint i = 0; i + 1 < nf; i++) {
    double d = e[i + 1] - e[i];
    progressivity = isnan(d) || isnan(progressivity) ? NAN : MIN(progressivity, d);
  }

  /* trainability */
  const guint64 key = zc_rng_key(zc_eval_seed(ev), AZNAS_STREAM);
  double tsum = 0;
  guint tn = 0;
  gboolean ok = TRUE;
  for (guint i = 1; i < nf && ok; i++) {
    ZcShape si, so;
    zc_net_shape(net, F[i - 1], &si);
    zc_net_shape(net, F[i], &so);
    gsize no = zc_net_numel(net, F[i]) * batch, ni = zc_net_numel(net, F[i - 1]) * batch;
    float *gout = g_new(float, no), *gin = g_new(float, ni);
    guint64 pk = zc_rng_subkey(key, i);
    for (gsize j = 0; j < no; j += 64) {
      guint64 bits = zc_rng_u64_at(pk, j / 64);
      for (gsize k = j; k < MIN(no, j + 64); k++) gout[k] = (bits >> (k - j)) & 1 ? 1.0f : -1.0f;
    }
    ok = zc_net_vjp(net, ws, F[i - 1], F[i], gout, gin, error);
    if (ok) {
      gboolean same_shape = si.ndim == so.ndim && !memcmp(si.dims, so.dims, sizeof(int) * si.ndim);
      if (same_shape && !memcmp(gin, gout, no * sizeof(float))) {
        if (!vit) {   /* identity map: the CNN code scores it -inf, the ViT code skips it */
          tsum += -INFINITY;
          tn++;
        }
      } else {
        int stride = 1;
        if (!vit && (si.dims[1] != so.dims[1] || si.dims[2] != so.dims[2])) {
          stride = si.dims[1] / so.dims[1];
          if (stride < 1 || si.dims[1] != stride * so.dims[1] || si.dims[2] != stride * so.dims[2]) {
            g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED,
                        "aznas: features %d (%dx%d) and %d (%dx%d) differ by a non-integer stride", F[i - 1],
                        si.dims[1], si.dims[2], F[i], so.dims[1], so.dims[2]);
            ok = FALSE;
          }
        } else if (vit && si.dims[0] != so.dims[0]) {
          g_set_error(error, ZC_ERROR, ZC_ERROR_UNSUPPORTED, "aznas: token counts of features %d and %d differ",
                      F[i - 1], F[i]);
          ok = FALSE;
        }
        if (ok) {
          double s = top_singular(&si, gin, &so, gout, batch, stride);
          tsum += -s - 1.0 / (s + 1e-6) + 2;
          tn++;
        }
      }
    }
    g_free(gout);
    g_free(gin);
  }
  g_free(e);
  g_free(F);
  if (!ok) return FALSE;
  double trainability = tn ? tsum / tn : NAN;

  ZcCost cost;
  if (!zc_eval_cost(ev, &cost, error)) return FALSE;
  out[0] = isnan(expressivity) ? -INFINITY : expressivity;
  out[1] = isnan(progressivity) ? -INFINITY : progressivity;
  out[2] = isnan(trainability) ? -INFINITY : trainability;
  out[3] = cost.flops_m;
  return TRUE;
}

static const ZcProxyIface aznas_iface = {
  .struct_size = sizeof(ZcProxyIface),
  .needs = &aznas_needs,
  .create = aznas_create,
  .destroy = aznas_destroy,
  .score = aznas_score,
  .configure = aznas_configure,
};

ZC_PLUGIN_DEFINE(ZC_KIND_PROXY, aznas, "1.0",
                 "AZ-NAS components: expressivity, progressivity, trainability, complexity (raw, unranked)",
                 "MIT", aznas_options, &aznas_iface)
