/* Helpers shared by the engine tests: random batches and central finite differences. */
#ifndef ZC_ENGINE_TESTUTIL_H
#define ZC_ENGINE_TESTUTIL_H
#include <zcnas/net.h>
#include <zcnas/rng.h>

/* n values N(0,1) (net dtype) from stream (seed, stream). */
static inline void *tu_randn(ZcDType dt, gsize n, guint64 seed, guint64 stream) {
  void *p = g_malloc(n * zc_dtype_size(dt));
  guint64 key = zc_rng_key(seed, stream);
  for (gsize i = 0; i < n; i++) zc_set(dt, p, i, zc_rng_normal_at(key, i));
  return p;
}

/* f = sum_i R_i * out_i for the output node after a forward of x. */
static inline double tu_objective(ZcNet *net, ZcWorkspace *ws, const void *x, int batch, const double *R) {
  GError *err = NULL;
  if (!zc_net_forward(net, ws, x, batch, &err)) { g_error_free(err); return NAN; }
  int out = zc_net_output(net);
  gsize N = zc_net_numel(net, out) * batch;
  const void *y = zc_net_value(net, ws, out);
  double f = 0;
  for (gsize i = 0; i < N; i++) f += R[i] * zc_get(zc_net_dtype(net), y, i);
  return f;
}

/* Relative error ||a - n|| / ||n|| of analytic gradient a against central differences
 * over up to max_check sampled elements of `data` (length len), with step h. */
static inline double tu_fd_check(ZcNet *net, ZcWorkspace *ws, void *x, int batch, const double *R,
                                 void *data, const void *analytic, gsize len, int max_check, double h) {
  ZcDType dt = zc_net_dtype(net);
  double num = 0, den = 0;
  gsize step = len > (gsize) max_check ? len / max_check : 1;
  for (gsize i = (len > 1 ? 7 % len : 0) % step; i < len; i += step) {
    double v = zc_get(dt, data, i);
    zc_set(dt, data, i, v + h);
    double fp = tu_objective(net, ws, x, batch, R);
    zc_set(dt, data, i, v - h);
    double fm = tu_objective(net, ws, x, batch, R);
    zc_set(dt, data, i, v);
    double n = (fp - fm) / (2 * h), a = zc_get(dt, analytic, i);
    num += (a - n) * (a - n);
    den += n * n;
  }
  /* a gradient that is exactly zero (bias before batch-stat BN) is compared absolutely */
  return sqrt(num) / fmax(sqrt(den), 1e-4);
}

/* Check dR/d(every parameter tensor) and dR/d(input) of a float64 net against central
 * differences, on a backend (NULL: the default) with `threads` threads; returns the worst
 * relative error. */
static inline double tu_grad_check_on(ZcNet *net, int batch, guint64 seed, const char *backend, int threads) {
  GError *err = NULL;
  ZcWorkspace *ws = zc_workspace_new_backend(backend, threads, NULL);
  gsize nin = zc_net_numel(net, 0) * batch, nout = zc_net_numel(net, zc_net_output(net)) * batch;
  double *x = tu_randn(ZC_F64, nin, seed, 1);
  double *R = tu_randn(ZC_F64, nout, seed, 2);
  zc_net_set_input_grad(net, TRUE);
  double worst = 0;
  if (!zc_net_forward(net, ws, x, batch, &err) || !zc_net_backward_seed(net, ws, R, 0, &err)) {
    g_error_free(err);
    worst = INFINITY;
    goto out;
  }
  double *gx = g_memdup2(zc_net_grad(net, ws, 0), nin * sizeof(double));
  guint np = zc_net_n_param_tensors(net);
  double **gp = g_new0(double *, np);
  for (guint i = 0; i < np; i++) {
    ZcParamInfo pi;
    zc_net_param(net, i, &pi);
    gp[i] = g_memdup2(pi.grad, pi.numel * sizeof(double));
  }
  worst = tu_fd_check(net, ws, x, batch, R, x, gx, nin, 40, 1e-5);
  for (guint i = 0; i < np; i++) {
    ZcParamInfo pi;
    zc_net_param(net, i, &pi);
    double e = tu_fd_check(net, ws, x, batch, R, pi.data, gp[i], pi.numel, 30, 1e-5);
    if (e > worst) worst = e;
    g_free(gp[i]);
  }
  g_free(gp);
  g_free(gx);
out:
  g_free(x);
  g_free(R);
  zc_workspace_free(ws);
  return worst;
}
static inline double tu_grad_check(ZcNet *net, int batch, guint64 seed) {
  return tu_grad_check_on(net, batch, seed, NULL, 1);
}
#endif
