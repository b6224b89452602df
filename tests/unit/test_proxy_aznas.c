/* aznas against independent computations:
 *  - expressivity/progressivity on a 2-channel toy net from hand 2x2 covariances (closed-form
 *    eigenvalues);
 *  - trainability on the toy net from a VJP computed by finite differences on a float64
 *    copy of the block (conv - BN(batch) - ReLU), closed-form 2x2 singular values;
 *  - on a small NB201 net (stride-2 blocks) from the engine's VJP, a pixel-unshuffle and
 *    LAPACK's SVD written here; an all-skip cell gives -inf; complexity is the space's FLOPs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "proxy_harness.h"

#define AZNAS_STREAM G_GUINT64_CONSTANT(0x617a6e6173)   /* as plugins/proxies/aznas.c */

extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
                    const int *lwork, int *info);

/* The Rademacher tensor the plugin draws for pair i. */
static void rademacher(guint64 eval_seed, guint i, float *g, gsize n) {
  guint64 k = zc_rng_subkey(zc_rng_key(eval_seed, AZNAS_STREAM), i);
  for (gsize j = 0; j < n; j++) g[j] = (zc_rng_u64_at(k, j / 64) >> (j % 64)) & 1 ? 1.0f : -1.0f;
}

/* The network the plugin scores: Kaiming-normal fan-in, BN on batch statistics, Gaussian
 * batch 0, forwarded. */
typedef struct {
  ZcEvalContext *ctx;
  ZcEval *ev;
  ZcArch *arch;
  ZcNet *net;
  ZcWorkspace *ws;
  guint64 seed;
  int n;
} Prepared;

static void prepare(Harness *h, const char *arch, Prepared *p) {
  GError *err = NULL;
  p->arch = zc_space_parse(h->space, arch, &err);
  assert_non_null(p->arch);
  p->ctx = zc_eval_context_new(NULL, h->batch, h->seed, 1);
  p->ev = zc_eval_new(p->ctx, h->space, p->arch);
  p->seed = zc_eval_seed(p->ev);
  ZcBuildSpec bs = {sizeof bs, FALSE, p->seed};
  p->net = zc_space_build(h->space, p->arch, &bs, &err);
  zc_net_init(p->net, ZC_INIT_KAIMING_NORMAL_FAN_IN, 1.0, p->seed);
  zc_net_set_bn_mode(p->net, ZC_BN_BATCH);
  p->ws = zc_workspace_new(1);
  p->n = (int)h->batch;
  const void *x;
  assert_true(zc_eval_batch(p->ev, ZC_INPUT_GAUSSIAN, h->batch, 0, FALSE, &x, NULL, &err));
  assert_true(zc_net_forward(p->net, p->ws, x, p->n, &err));
}

static void prepared_clear(Harness *h, Prepared *p) {
  zc_workspace_free(p->ws);
  zc_net_free(p->net);
  zc_eval_free(p->ev);
  zc_eval_context_free(p->ctx);
  zc_space_arch_free(h->space, p->arch);
}

/* Entropy of the spectrum of a symmetric 2x2 [[a, b], [b, d]]. */
static double entropy2(double a, double b, double d) {
  double m = (a + d) / 2, r = sqrt((a - d) * (a - d) / 4 + b * b);
  double l[2] = {m - r, m + r}, e = 0;
  for (int i = 0; i < 2; i++) {
    double p = l[i] / (l[0] + l[1]);
    e -= p * log(p + 1e-8);
  }
  return e;
}

/* Top singular value of a 2x2 matrix: sqrt of the larger eigenvalue of M^T M. */
static double sigma2(const double M[4]) {
  double a = M[0] * M[0] + M[2] * M[2], d = M[1] * M[1] + M[3] * M[3], b = M[0] * M[1] + M[2] * M[3];
  return sqrt((a + d) / 2 + sqrt((a - d) * (a - d) / 4 + b * b));
}

static void test_expressivity_and_trainability_on_two_channels(void **state) {
  Harness h;
  harness_init(&h, "toy", NULL, NULL, 8, 21);
  const char *arch = "c2-d1";
  double *s = harness_score(&h, "aznas", arch, NULL);
  Prepared p;
  prepare(&h, arch, &p);
  int F[2];
  assert_int_equal(zc_net_find_tagged(p.net, ZC_TAG_STEM_OUTPUT | ZC_TAG_BLOCK_OUTPUT, F, 2), 2);
  const int n = p.n, hw = 64;

  /* expressivity: centred 2x2 covariance of each feature over (sample, pixel) rows */
  double e[2];
  for (int f = 0; f < 2; f++) {
    const float *x = zc_net_value(p.net, p.ws, F[f]);
    double mu[2] = {0, 0}, S[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
      for (int c = 0; c < 2; c++)
        for (int k = 0; k < hw; k++) mu[c] += x[(i * 2 + c) * hw + k];
    mu[0] /= n * hw;
    mu[1] /= n * hw;
    for (int i = 0; i < n; i++)
      for (int k = 0; k < hw; k++) {
        double u = x[(i * 2) * hw + k] - mu[0], v = x[(i * 2 + 1) * hw + k] - mu[1];
        S[0] += u * u;
        S[1] += u * v;
        S[2] += v * v;
      }
    e[f] = entropy2(S[0] / (n * hw), S[1] / (n * hw), S[2] / (n * hw));
  }
  if (fabs(s[0] - (e[0] + e[1])) > 1e-6) fail_msg("expressivity %.9g, by hand %.9g", s[0], e[0] + e[1]);
  if (fabs(s[1] - (e[1] - e[0])) > 1e-6) fail_msg("progressivity %.9g, by hand %.9g", s[1], e[1] - e[0]);

  /* trainability: G_in = J^T G_out by central differences through conv - BN - ReLU in float64 */
  ZcNet *blk = zc_net_new(ZC_F64);
  int x0 = zc_net_input(blk, 2, 8, 8);
  int c = zc_net_conv2d(blk, x0, 2, 3, 1, 1, FALSE, NULL);
  int b = zc_net_batchnorm(blk, c, TRUE, NULL);
  zc_net_relu(blk, b, NULL);
  zc_net_init(blk, ZC_INIT_CONSTANT, 1.0, 0);   /* BN gamma 1; beta set to 0 below */
  for (guint t = 0; t < zc_net_n_param_tensors(blk); t++) {
    ZcParamInfo pi;
    zc_net_param(blk, t, &pi);
    if (pi.kind == ZC_PARAM_NORM_SHIFT) memset(pi.data, 0, pi.numel * sizeof(double));
  }
  ZcLayerInfo Ltoy, Lblk;
  zc_net_layer(p.net, p.ws, 1, &Ltoy);   /* the block's conv */
  zc_net_layer(blk, NULL, 0, &Lblk);
  for (gsize i = 0; i < Lblk.weight_numel; i++) ((double *)Lblk.weight)[i] = ((const float *)Ltoy.weight)[i];
  gsize N = (gsize)n * 2 * hw;
  double *in = g_new(double, N), *gin = g_new(double, N);
  float *gout = g_new(float, N);
  for (gsize i = 0; i < N; i++) in[i] = ((const float *)zc_net_value(p.net, p.ws, F[0]))[i];
  rademacher(p.seed, 1, gout, N);
  ZcWorkspace *ws = zc_workspace_new(1);
  for (gsize j = 0; j < N; j++) {
    double v0 = in[j], hstep = 1e-6, r[2];
    for (int sgn = 0; sgn < 2; sgn++) {
      in[j] = v0 + (sgn ? -hstep : hstep);
      assert_true(zc_net_forward(blk, ws, in, n, NULL));
      const double *y = zc_net_value(blk, ws, zc_net_output(blk));
      double acc = 0;
      for (gsize k = 0; k < N; k++) acc += gout[k] * y[k];
      r[sgn] = acc;
    }
    in[j] = v0;
    gin[j] = (r[0] - r[1]) / (2 * hstep);
  }
  double M[4] = {0, 0, 0, 0};   /* M[ci][co] = sum over rows of gin[ci] gout[co] / rows */
  for (int i = 0; i < n; i++)
    for (int k = 0; k < hw; k++)
      for (int ci = 0; ci < 2; ci++)
        for (int co = 0; co < 2; co++) M[ci * 2 + co] += gin[(i * 2 + ci) * hw + k] * gout[(i * 2 + co) * hw + k];
  for (int q = 0; q < 4; q++) M[q] /= n * hw;
  double sg = sigma2(M), t = -sg - 1 / (sg + 1e-6) + 2;
  if (fabs(s[2] - t) > 1e-4 * fabs(t)) fail_msg("trainability %.9g, finite differences %.9g (sigma %.9g)", s[2], t, sg);

  ZcCost cost;
  assert_true(zc_space_cost(h.space, p.arch, &cost, NULL));
  assert_true(s[3] == cost.flops_m);
  zc_workspace_free(ws);
  zc_net_free(blk);
  g_free(in);
  g_free(gin);
  g_free(gout);
  prepared_clear(&h, &p);
  g_free(s);
  harness_clear(&h);
}

/* sigma_max of a row-major r x c matrix by LAPACK. */
static double lapack_top(const double *A, int r, int c) {
  int m = c, nn = r, k = MIN(m, nn), lwork = -1, info, one = 1;
  double *a = g_memdup2(A, sizeof(double) * r * c), *sv = g_new(double, k), q;
  dgesvd_("N", "N", &m, &nn, a, &m, sv, NULL, &one, NULL, &one, &q, &lwork, &info);
  lwork = (int)q;
  double *work = g_new(double, lwork);
  dgesvd_("N", "N", &m, &nn, a, &m, sv, NULL, &one, NULL, &one, work, &lwork, &info);
  double top = sv[0];
  g_free(work);
  g_free(sv);
  g_free(a);
  return top;
}

static const char *const nb_set[] = {"channels=4", "cells=1", NULL};

static void test_trainability_nb201_with_reductions(void **state) {
  Harness h;
  harness_init(&h, "nb201", nb_set, NULL, 4, 8);
  const char *arch = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
  double *s = harness_score(&h, "aznas", arch, NULL);
  Prepared p;
  prepare(&h, arch, &p);
  int F[16];
  guint nf = zc_net_find_tagged(p.net, ZC_TAG_STEM_OUTPUT | ZC_TAG_BLOCK_OUTPUT, F, 16);
  assert_int_equal(nf, 6);   /* stem, 3 cells, 2 reduction blocks */
  double tsum = 0;
  int reductions = 0;
  for (guint i = 1; i < nf; i++) {
    ZcShape si, so;
    zc_net_shape(p.net, F[i - 1], &si);
    zc_net_shape(p.net, F[i], &so);
    gsize no = zc_shape_numel(&so) * p.n, ni = zc_shape_numel(&si) * p.n;
    float *gout = g_new(float, no), *gin = g_new(float, ni);
    rademacher(p.seed, i, gout, no);
    assert_true(zc_net_vjp(p.net, p.ws, F[i - 1], F[i], gout, gin, NULL));
    int st = si.dims[1] / so.dims[1], Co = so.dims[0], Ci = si.dims[0] * st * st, Ho = so.dims[1], Wo = so.dims[2];
    reductions += st == 2;
    int rows = p.n * Ho * Wo;
    double *M = g_new0(double, Ci * Co);
    for (int bb = 0; bb < p.n; bb++)
      for (int y = 0; y < Ho; y++)
        for (int x = 0; x < Wo; x++)
          for (int ci = 0; ci < Ci; ci++) {
            /* unshuffled channel ci = c*st*st + dy*st + dx reads pixel (y*st+dy, x*st+dx) */
            int c = ci / (st * st), dy = (ci / st) % st, dx = ci % st;
            double a = gin[(((gsize)bb * si.dims[0] + c) * si.dims[1] + y * st + dy) * si.dims[2] + x * st + dx];
            for (int co = 0; co < Co; co++) M[ci * Co + co] += a * gout[(((gsize)bb * Co + co) * Ho + y) * Wo + x];
          }
    for (int q = 0; q < Ci * Co; q++) M[q] /= rows;
    double sg = lapack_top(M, Ci, Co);
    tsum += -sg - 1 / (sg + 1e-6) + 2;
    g_free(M);
    g_free(gout);
    g_free(gin);
  }
  assert_int_equal(reductions, 2);
  double want = tsum / (nf - 1);
  if (fabs(s[2] - want) > 1e-5 * fabs(want)) fail_msg("trainability %.9g, by hand %.9g", s[2], want);
  assert_true(isfinite(s[0]) && isfinite(s[1]));
  prepared_clear(&h, &p);
  g_free(s);

  /* a cell that is the identity: -inf, as the reference code scores it */
  s = harness_score(&h, "aznas", "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|", NULL);
  assert_true(isinf(s[2]) && s[2] < 0);
  g_free(s);
  harness_clear(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_expressivity_and_trainability_on_two_channels),
    cmocka_unit_test(test_trainability_nb201_with_reductions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
