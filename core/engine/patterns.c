/* Bit-packed activation sign patterns: one guint64 per unit, bit s = sample s is positive;
 * distinct counts (radix sort + unique). */
#include "config.h"
#include <string.h>
#include "engine-impl.h"

gboolean zc_net_sign_patterns(const ZcNet *net, const ZcWorkspace *ws, int node, int n_samples, guint64 *out,
                              GError **error) {
  if (node < 0 || node >= (int) net->nodes->len) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "sign patterns: node %d does not exist", node);
    return FALSE;
  }
  const ZcNode *n = zc_node(net, node);
  /* a ReLU's output is > 0 exactly where its input is (y = x > 0 ? x : 0): read the output,
   * which stays retained when the input's bytes are reused */
  int src = n->op == ZC_OP_GELU ? n->in[0] : node;
  int batch = zc_net_batch(net, ws);
  if (!batch || !zc_node(net, src)->val_kept) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED, "sign patterns: no forward of this network in the workspace");
    return FALSE;
  }
  if (n_samples < 1 || n_samples > 64 || n_samples > batch) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "sign patterns: %d samples (need 1..64 and <= batch %d)",
                n_samples, batch);
    return FALSE;
  }
  gsize U = n->numel;
  const void *v = zc_run_val(ws->run, src);
  ZcBackend *be = ws->backend;
  if (be->klass->sign_bits) {   /* computed where the values are: U words come back, not n_samples x U values */
    be->klass->sign_bits(be, ws->run, v, U, n_samples, out);
    return TRUE;
  }
  void *staged = NULL;
  if (!be->klass->host_memory) {
    staged = g_malloc(U * n_samples * net->esz);
    be->klass->copy_out(be, staged, v, U * n_samples * net->esz);
    v = staged;
  }
  memset(out, 0, U * sizeof(guint64));
  for (int s = 0; s < n_samples; s++) {
    guint64 bit = (guint64) 1 << s;
    if (net->dtype == ZC_F64) {
      const double *x = (const double *) v + (gsize) s * U;
      for (gsize u = 0; u < U; u++) if (x[u] > 0) out[u] |= bit;
    } else {
      const float *x = (const float *) v + (gsize) s * U;
      for (gsize u = 0; u < U; u++) if (x[u] > 0) out[u] |= bit;
    }
  }
  g_free(staged);
  return TRUE;
}

/* LSD radix sort, 16 bits per pass. */
static void radix_sort(guint64 *a, guint64 *tmp, gsize n) {
  gsize *cnt = g_new(gsize, 65536);
  for (int pass = 0; pass < 4; pass++) {
    int sh = 16 * pass;
    memset(cnt, 0, 65536 * sizeof(gsize));
    for (gsize i = 0; i < n; i++) cnt[(a[i] >> sh) & 0xffff]++;
    gsize sum = 0;
    for (int b = 0; b < 65536; b++) { gsize c = cnt[b]; cnt[b] = sum; sum += c; }
    for (gsize i = 0; i < n; i++) tmp[cnt[(a[i] >> sh) & 0xffff]++] = a[i];
    guint64 *t = a; a = tmp; tmp = t;
  }
  g_free(cnt);  /* 4 passes: the result is back in the original array */
}

static gsize count_sorted(const guint64 *a, gsize n) {
  gsize d = n ? 1 : 0;
  for (gsize i = 1; i < n; i++) d += a[i] != a[i - 1];
  return d;
}

gsize zc_patterns_count_distinct_union(const guint64 *const *sets, const gsize *lens, guint n_sets) {
  gsize n = 0;
  for (guint i = 0; i < n_sets; i++) n += lens[i];
  if (!n) return 0;
  guint64 *a = g_new(guint64, n), *tmp = g_new(guint64, n);
  gsize off = 0;
  for (guint i = 0; i < n_sets; i++) { memcpy(a + off, sets[i], lens[i] * sizeof(guint64)); off += lens[i]; }
  radix_sort(a, tmp, n);
  gsize d = count_sorted(a, n);
  g_free(a);
  g_free(tmp);
  return d;
}

gsize zc_patterns_count_distinct(const guint64 *p, gsize n) {
  return zc_patterns_count_distinct_union(&p, &n, 1);
}
