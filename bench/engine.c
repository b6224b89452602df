/* bench/engine: speed of the CPU engine against this machine's sgemm.
 *
 * 1. sgemm rate: every thread runs its own single-threaded cblas_sgemm (the way the engine
 *    calls it) on 384x1024x288 blocks (the shape class of a 3x3 conv on 32x32 maps); the
 *    rate is the sum over threads.
 * 2. forward + CE backward of NB201-like conv stacks at batch 64, 32x32 input:
 *    stem conv3x3 3->16, then three stages of ReLU-conv3x3-BN blocks at 16 (32x32),
 *    32 (16x16) and 64 (8x8) channels, the first block of stages 2-3 with stride 2,
 *    then GAP and a linear head.  GFLOP/s counts conv/linear multiply-adds x2 (forward,
 *    weight gradient and input gradient).
 * Both rates are best-of-several (the machine may be shared).
 * Prints peak resident memory, and last: engine_vs_sgemm_ratio <x>.
 * Usage: bench/engine [threads] [blocks-per-stage] [iterations] */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <cblas.h>
#include <zcnas/net.h>
#include <zcnas/rng.h>

typedef struct {
  int M, N, K, reps;
  float *a, *b, *c;
} GemmJob;

static gpointer gemm_thread(gpointer data) {
  GemmJob *j = data;
  for (int r = 0; r < j->reps; r++)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->M, j->N, j->K, 1, j->a, j->K, j->b, j->N, 0, j->c, j->N);
  return NULL;
}

static double sgemm_rate(int threads) {
  const int M = 384, N = 1024, K = 288, reps = 8;
  GemmJob *jobs = g_new0(GemmJob, threads);
  GThread **th = g_new0(GThread *, threads);
  for (int t = 0; t < threads; t++) {
    jobs[t] = (GemmJob){M, N, K, reps, g_new(float, (gsize) M * K), g_new(float, (gsize) K * N), g_new(float, (gsize) M * N)};
    for (gsize i = 0; i < (gsize) M * K; i++) jobs[t].a[i] = (float) zc_rng_uniform_at(1, i);
    for (gsize i = 0; i < (gsize) K * N; i++) jobs[t].b[i] = (float) zc_rng_uniform_at(2, i);
  }
  gemm_thread(&jobs[0]);  /* warm-up */
  double sec = INFINITY;  /* best of 5 rounds: the machine may be shared */
  for (int round = 0; round < 5; round++) {
    gint64 t0 = g_get_monotonic_time();
    for (int t = 1; t < threads; t++) th[t] = g_thread_new("gemm", gemm_thread, &jobs[t]);
    gemm_thread(&jobs[0]);
    for (int t = 1; t < threads; t++) g_thread_join(th[t]);
    sec = MIN(sec, (g_get_monotonic_time() - t0) / 1e6);
  }
  for (int t = 0; t < threads; t++) { g_free(jobs[t].a); g_free(jobs[t].b); g_free(jobs[t].c); }
  g_free(jobs);
  g_free(th);
  return 2.0 * M * N * K * reps * threads / sec / 1e9;
}

static double conv_flops(int cin, int cout, int k, int hwo, int batch, gboolean input_grad) {
  double f = 2.0 * cout * cin * k * k * hwo * batch;
  return f * (input_grad ? 3 : 2);
}

static ZcNet *build(int blocks, double *flops, int batch) {
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input(net, 3, 32, 32);
  x = zc_net_batchnorm(net, zc_net_conv2d(net, x, 16, 3, 1, 1, FALSE, NULL), TRUE, NULL);
  *flops = conv_flops(3, 16, 3, 32 * 32, batch, FALSE);
  int C = 16, H = 32;
  for (int stage = 0; stage < 3; stage++) {
    for (int b = 0; b < blocks; b++) {
      int stride = (stage > 0 && b == 0) ? 2 : 1;
      int cin = C;
      if (stride == 2) { C *= 2; H /= 2; }
      x = zc_net_relu(net, x, NULL);
      x = zc_net_conv2d(net, x, C, 3, stride, 1, FALSE, NULL);
      x = zc_net_batchnorm(net, x, TRUE, NULL);
      *flops += conv_flops(cin, C, 3, H * H, batch, TRUE);
    }
  }
  x = zc_net_global_avgpool(net, zc_net_relu(net, x, NULL), NULL);
  zc_net_linear(net, x, 10, TRUE, NULL);
  *flops += conv_flops(64, 10, 1, 1, batch, TRUE);
  return net;
}

int main(int argc, char **argv) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = argc > 1 ? atoi(argv[1]) : (int) MAX(1, ncpu);
  int blocks = argc > 2 ? atoi(argv[2]) : 5;
  int iters = argc > 3 ? atoi(argv[3]) : 5;
  const int batch = 64;
  if (threads < 1 || blocks < 1 || iters < 1) {
    fprintf(stderr, "usage: %s [threads] [blocks-per-stage] [iterations]\n", argv[0]);
    return 2;
  }
  openblas_set_num_threads(1);   /* as the zcnas program: our threads, single-threaded GEMMs */
  ZcWorkspace *ws = zc_workspace_new(threads);
  double sg = sgemm_rate(threads);
  printf("threads %d\nsgemm_gflops %.2f\n", threads, sg);

  double flops;
  ZcNet *net = build(blocks, &flops, batch);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 1);
  gsize nin = (gsize) batch * 3 * 32 * 32;
  float *x = g_new(float, nin);
  for (gsize i = 0; i < nin; i++) x[i] = (float) zc_rng_normal_at(7, i);
  gint32 lab[64];
  for (int i = 0; i < batch; i++) lab[i] = i % 10;
  double loss;
  GError *err = NULL;
  /* warm-up: sizes the workspace */
  if (!zc_net_forward(net, ws, x, batch, &err) || !zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, &err)) {
    fprintf(stderr, "bench: %s\n", err->message);
    return 1;
  }
  /* best of `iters` iterations (the machine may be shared), mean for reference */
  double best = INFINITY, bestf = INFINITY, total = 0;
  for (int it = 0; it < iters; it++) {
    gint64 a = g_get_monotonic_time();
    zc_net_forward(net, ws, x, batch, NULL);
    gint64 b = g_get_monotonic_time();
    zc_net_backward_loss(net, ws, ZC_LOSS_CE, lab, &loss, 0, NULL);
    double sec = (g_get_monotonic_time() - a) / 1e6;
    total += sec;
    if (sec < best) { best = sec; bestf = (b - a) / 1e6; }
  }
  double sec = best;
  double gf = flops / sec / 1e9;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("net nb201-like blocks/stage %d, %u weight layers, %zu params, batch %d\n", blocks, zc_net_n_layers(net),
         (size_t) zc_net_n_params(net), batch);
  printf("fwd_bwd_seconds %.4f best (forward %.4f), %.4f mean of %d\n", sec, bestf, total / iters, iters);
  printf("engine_gflops %.2f\n", gf);
  printf("workspace_mib %.1f\n", zc_workspace_bytes(ws) / 1048576.0);
  printf("peak_rss_mib %.1f\n", ru.ru_maxrss / 1024.0);
  printf("engine_vs_sgemm_ratio %.3f\n", gf / sg);
  g_free(x);
  zc_net_free(net);
  zc_workspace_free(ws);
  return 0;
}
