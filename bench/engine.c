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
 * 3. First of all (so that the process's peak resident memory is its own): the largest
 *    NAS-Bench-201 network (every edge ReLU-conv3x3-BN, 5 cells per stage, the residual
 *    reduction blocks, the head) at batch 64 through forward and a backward with L-SWAG's
 *    8 gradient-moment chunks, retaining what L-SWAG's pass does (no ZC_RETAIN_*): workspace
 *    and peak resident memory of that one worker.
 * Prints peak resident memory, and last: engine_vs_sgemm_ratio <x>.
 * Usage: bench/engine [threads] [blocks-per-stage] [iterations] [backend] */
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

/* A batch of N(0,1) images 3x32x32 (stream `key`) and labels i % 10. */
static float *gaussian_batch(int batch, guint64 key, gint32 *labels) {
  gsize n = (gsize) batch * 3 * 32 * 32;
  float *x = g_new(float, n);
  for (gsize i = 0; i < n; i++) x[i] = (float) zc_rng_normal_at(key, i);
  for (int i = 0; i < batch; i++) labels[i] = i % 10;
  return x;
}

/* Forward and cross-entropy backward; prints the error. */
static gboolean step(ZcNet *net, ZcWorkspace *ws, const float *x, const gint32 *labels, int batch) {
  GError *err = NULL;
  double loss;
  if (zc_net_forward(net, ws, x, batch, &err) && zc_net_backward_loss(net, ws, ZC_LOSS_CE, labels, &loss, 0, &err))
    return TRUE;
  fprintf(stderr, "bench: %s\n", err->message);
  g_error_free(err);
  return FALSE;
}

/* NB201's ReLU-conv-BN edge */
static int rcb(ZcNet *net, int x, int C, int k, int stride) {
  return zc_net_batchnorm(net, zc_net_conv2d(net, zc_net_relu(net, x, NULL), C, k, stride, k / 2, FALSE, NULL), TRUE,
                          NULL);
}

/* The all-conv3x3 NAS-Bench-201 network, as the nb201 space builds it. */
static ZcNet *build_nb201_largest(void) {
  ZcNet *net = zc_net_new(ZC_F32);
  int x = zc_net_input(net, 3, 32, 32);
  x = zc_net_batchnorm(net, zc_net_conv2d(net, x, 16, 3, 1, 1, FALSE, NULL), TRUE, NULL);
  int C = 16;
  for (int stage = 0; stage < 3; stage++) {
    if (stage > 0) {   /* residual reduction block */
      int a = rcb(net, rcb(net, x, 2 * C, 3, 2), 2 * C, 3, 1);
      int b = zc_net_conv2d(net, zc_net_avgpool(net, x, 2, 2, 0, TRUE, NULL), 2 * C, 1, 1, 0, FALSE, NULL);
      int ab[] = {a, b};
      x = zc_net_add(net, ab, 2, NULL);
      C *= 2;
    }
    for (int cell = 0; cell < 5; cell++) {
      int n[4] = {x};
      for (int j = 1; j < 4; j++) {
        int e[3];
        for (int i = 0; i < j; i++) e[i] = rcb(net, n[i], C, 3, 1);
        n[j] = j == 1 ? e[0] : zc_net_add(net, e, j, NULL);
      }
      x = n[3];
    }
  }
  x = zc_net_global_avgpool(net, zc_net_relu(net, zc_net_batchnorm(net, x, TRUE, NULL), NULL), NULL);
  zc_net_linear(net, x, 10, TRUE, NULL);
  return net;
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
  const char *backend = argc > 4 ? argv[4] : NULL;
  const int batch = 64;
  if (threads < 1 || blocks < 1 || iters < 1) {
    fprintf(stderr, "usage: %s [threads] [blocks-per-stage] [iterations]\n", argv[0]);
    return 2;
  }
  openblas_set_num_threads(1);   /* as the zcnas program: our threads, single-threaded GEMMs */
  GError *err = NULL;
  ZcWorkspace *ws = zc_workspace_new_backend(backend, threads, &err);
  if (!ws) {
    fprintf(stderr, "bench: %s\n", err->message);
    return 2;
  }
  printf("backend %s\n", zc_workspace_backend(ws));

  {
    ZcNet *big = build_nb201_largest();
    zc_net_init(big, ZC_INIT_TORCH_DEFAULT, 1, 1);
    zc_net_set_moments(big, 8);
    zc_net_set_retain(big, 0);   /* what L-SWAG's pass retains: values hooks and backward read */
    gint32 lab[64];
    float *x = gaussian_batch(batch, 3, lab);
    if (!step(big, ws, x, lab, batch)) return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("nb201_largest: %d nodes, %zu params, batch %d, moments 8: workspace_mib %.1f peak_rss_mib %.1f\n",
           zc_net_n_nodes(big), (size_t) zc_net_n_params(big), batch, zc_workspace_bytes(ws) / 1048576.0,
           ru.ru_maxrss / 1024.0);
    g_free(x);
    zc_net_free(big);
  }

  double sg = sgemm_rate(threads);
  printf("threads %d\nsgemm_gflops %.2f\n", threads, sg);

  double flops;
  ZcNet *net = build(blocks, &flops, batch);
  zc_net_init(net, ZC_INIT_TORCH_DEFAULT, 1, 1);
  gint32 lab[64];
  float *x = gaussian_batch(batch, 7, lab);
  double loss;
  if (!step(net, ws, x, lab, batch)) return 1;   /* warm-up: sizes the workspace */
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
