/* NAS-Bench-101 cell genotypes: text form, pruning, module hash, variation and cost. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include "nb101_genotype.h"

static const char *const op_names[NB101_N_OPS] = {"input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3",
                                                   "output"};

const char *nb101_op_name(guint op) { return op < NB101_N_OPS ? op_names[op] : "?"; }

guint nb101_n_edges(const Nb101Spec *s) {
  guint e = 0;
  for (int i = 0; i < s->n; i++)
    for (int j = 0; j < s->n; j++) e += s->adj[i][j] != 0;
  return e;
}

/* ---- pruning and validity ------------------------------------------------------------ */

gboolean nb101_prune_check(Nb101Spec *s, GError **error) {
  int n = s->n;
  gboolean from_in[NB101_MAX_VERTICES] = {FALSE}, to_out[NB101_MAX_VERTICES] = {FALSE};
  from_in[0] = TRUE;
  for (int v = 1; v < n; v++)
    for (int u = 0; u < v; u++)
      if (from_in[u] && s->adj[u][v]) from_in[v] = TRUE;
  to_out[n - 1] = TRUE;
  for (int v = n - 2; v >= 0; v--)
    for (int w = v + 1; w < n; w++)
      if (to_out[w] && s->adj[v][w]) to_out[v] = TRUE;
  if (!from_in[n - 1]) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb101: no path from the input to the output vertex");
    return FALSE;
  }
  int keep[NB101_MAX_VERTICES], k = 0;
  for (int v = 0; v < n; v++)
    if (from_in[v] && to_out[v]) keep[k++] = v;
  Nb101Spec p;
  memset(&p, 0, sizeof p);
  p.n = (guint8)k;
  for (int i = 0; i < k; i++) {
    p.op[i] = s->op[keep[i]];
    for (int j = 0; j < k; j++) p.adj[i][j] = s->adj[keep[i]][keep[j]];
  }
  *s = p;
  guint e = nb101_n_edges(s);
  if (e > NB101_MAX_EDGES) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb101: %u edges after pruning (at most %d)", e,
                NB101_MAX_EDGES);
    return FALSE;
  }
  return TRUE;
}

/* ---- text form ---------------------------------------------------------------------- */

static gboolean parse_fail(GError **error, const char *text, const char *p, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean parse_fail(GError **error, const char *text, const char *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb101 arch '%s' at position %d: %s", text, (int)(p - text) + 1,
              msg);
  g_free(msg);
  return FALSE;
}

gboolean nb101_parse(const char *text, Nb101Spec *s, GError **error) {
  if (!nb101_parse_raw(text, s, error)) return FALSE;
  GError *e = NULL;
  if (!nb101_prune_check(s, &e)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb101 arch '%s': %s", text, e->message + strlen("nb101: "));
    g_error_free(e);
    return FALSE;
  }
  return TRUE;
}

gboolean nb101_parse_raw(const char *text, Nb101Spec *s, GError **error) {
  memset(s, 0, sizeof *s);
  const char *slash = strchr(text, '/');
  if (!slash)
    return parse_fail(error, text, text + strlen(text),
                      "expected '/' between the adjacency matrix and the operations");
  int len = (int)(slash - text), n = 0;
  while (n * n < len) n++;
  if (n * n != len || n < 2 || n > NB101_MAX_VERTICES)
    return parse_fail(error, text, text,
                      "adjacency matrix of %d characters (expected n*n for n = 2..7 vertices)", len);
  s->n = (guint8)n;
  for (int k = 0; k < len; k++) {
    char c = text[k];
    int i = k / n, j = k % n;
    if (c != '0' && c != '1')
      return parse_fail(error, text, text + k, "adjacency entry (%d,%d) is '%c', expected '0' or '1'", i, j, c);
    if (c == '1' && j <= i)
      return parse_fail(error, text, text + k,
                        "adjacency entry (%d,%d) is 1: the matrix must be strictly upper triangular", i, j);
    s->adj[i][j] = (guint8)(c == '1');
  }
  const char *p = slash + 1;
  for (int v = 0; v < n; v++) {
    if (v > 0) {
      if (*p != ';') {
        if (!*p) return parse_fail(error, text, p, "%d operations for %d vertices", v, n);
        return parse_fail(error, text, p, "expected ';', found '%c'", *p);
      }
      p++;
    }
    const char *start = p;
    while (*p && *p != ';') p++;
    gsize l = (gsize)(p - start);
    int op = -1;
    for (int k = 0; k < NB101_N_OPS; k++)
      if (strlen(op_names[k]) == l && strncmp(start, op_names[k], l) == 0) op = k;
    if (op < 0) {
      char *word = g_strndup(start, l);
      gboolean r = parse_fail(error, text, start,
                              "unknown operation '%s' of vertex %d (expected input, conv3x3-bn-relu, "
                              "conv1x1-bn-relu, maxpool3x3 or output)",
                              word, v);
      g_free(word);
      return r;
    }
    if (v == 0 && op != NB101_INPUT)
      return parse_fail(error, text, start, "vertex 0 must be 'input', found '%s'", op_names[op]);
    if (v == n - 1 && op != NB101_OUTPUT)
      return parse_fail(error, text, start, "the last vertex (%d) must be 'output', found '%s'", v, op_names[op]);
    if (v > 0 && v < n - 1 && (op == NB101_INPUT || op == NB101_OUTPUT))
      return parse_fail(error, text, start, "interior vertex %d cannot be '%s'", v, op_names[op]);
    s->op[v] = (guint8)op;
  }
  if (*p) return parse_fail(error, text, p, "more operations than the %d vertices of the matrix", n);
  return TRUE;
}

char *nb101_format(const Nb101Spec *s) {
  GString *g = g_string_new(NULL);
  for (int i = 0; i < s->n; i++)
    for (int j = 0; j < s->n; j++) g_string_append_c(g, s->adj[i][j] ? '1' : '0');
  for (int v = 0; v < s->n; v++) {
    g_string_append_c(g, v ? ';' : '/');
    g_string_append(g, op_names[s->op[v]]);
  }
  return g_string_free(g, FALSE);
}

/* ---- module hash ---------------------------------------------------------------------- */

static int hash_label(guint op) {
  switch (op) {
  case NB101_INPUT: return -1;
  case NB101_OUTPUT: return -2;
  case NB101_CONV3: return 0;
  case NB101_CONV1: return 1;
  default: return 2;
  }
}

static gint cmp_str(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sorted concatenation of the hashes of the vertices in `set` (md5 hex strings). */
static void append_sorted(GString *out, char hashes[][33], const int *set, int k) {
  const char *v[NB101_MAX_VERTICES];
  for (int i = 0; i < k; i++) v[i] = hashes[set[i]];
  qsort(v, (size_t)k, sizeof v[0], cmp_str);
  for (int i = 0; i < k; i++) g_string_append(out, v[i]);
}

char *nb101_hash(const Nb101Spec *s) {
  int n = s->n;
  char h[NB101_MAX_VERTICES][33], nh[NB101_MAX_VERTICES][33];
  GString *buf = g_string_new(NULL);
  for (int v = 0; v < n; v++) {
    int in = 0, out = 0;
    for (int u = 0; u < n; u++) in += s->adj[u][v], out += s->adj[v][u];
    /* Python's str() of the tuple (out_degree, in_degree, label) */
    g_string_printf(buf, "(%d, %d, %d)", out, in, hash_label(s->op[v]));
    char *d = g_compute_checksum_for_string(G_CHECKSUM_MD5, buf->str, (gssize)buf->len);
    memcpy(h[v], d, 33);
    g_free(d);
  }
  for (int it = 0; it < n; it++) {
    for (int v = 0; v < n; v++) {
      int ins[NB101_MAX_VERTICES], outs[NB101_MAX_VERTICES], ni = 0, no = 0;
      for (int w = 0; w < n; w++) {
        if (s->adj[w][v]) ins[ni++] = w;
        if (s->adj[v][w]) outs[no++] = w;
      }
      g_string_truncate(buf, 0);
      append_sorted(buf, h, ins, ni);
      g_string_append_c(buf, '|');
      append_sorted(buf, h, outs, no);
      g_string_append_c(buf, '|');
      g_string_append(buf, h[v]);
      char *d = g_compute_checksum_for_string(G_CHECKSUM_MD5, buf->str, (gssize)buf->len);
      memcpy(nh[v], d, 33);
      g_free(d);
    }
    memcpy(h, nh, sizeof h);
  }
  /* Python's str() of the sorted list of hex strings: ['a', 'b', ...] */
  const char *sorted[NB101_MAX_VERTICES];
  for (int v = 0; v < n; v++) sorted[v] = h[v];
  qsort(sorted, (size_t)n, sizeof sorted[0], cmp_str);
  g_string_assign(buf, "[");
  for (int v = 0; v < n; v++) g_string_append_printf(buf, "%s'%s'", v ? ", " : "", sorted[v]);
  g_string_append_c(buf, ']');
  char *d = g_compute_checksum_for_string(G_CHECKSUM_MD5, buf->str, (gssize)buf->len);
  g_string_free(buf, TRUE);
  return d;
}

/* ---- variation -------------------------------------------------------------------------- */

static guint8 random_interior_op(ZcRng *rng) { return (guint8)(NB101_CONV3 + zc_rng_below(rng, 3)); }

void nb101_sample(ZcRng *rng, Nb101Spec *s) {
  for (;;) {
    memset(s, 0, sizeof *s);
    s->n = NB101_MAX_VERTICES;
    for (int i = 0; i < NB101_MAX_VERTICES; i++)
      for (int j = i + 1; j < NB101_MAX_VERTICES; j++) s->adj[i][j] = (guint8)(zc_rng_u64(rng) & 1);
    s->op[0] = NB101_INPUT;
    s->op[NB101_MAX_VERTICES - 1] = NB101_OUTPUT;
    for (int v = 1; v < NB101_MAX_VERTICES - 1; v++) s->op[v] = random_interior_op(rng);
    if (nb101_prune_check(s, NULL)) return;
  }
}

/* The spec with isolated conv3x3 vertices inserted before the output, up to 7 vertices
 * (they are pruned away again unless a mutation connects them). */
static void pad7(const Nb101Spec *s, Nb101Spec *p) {
  memset(p, 0, sizeof *p);
  p->n = NB101_MAX_VERTICES;
  int n = s->n, last = NB101_MAX_VERTICES - 1;
  for (int v = 0; v < NB101_MAX_VERTICES; v++) p->op[v] = NB101_CONV3;
  for (int v = 0; v < n - 1; v++) p->op[v] = s->op[v];
  p->op[last] = NB101_OUTPUT;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      int pi = i == n - 1 ? last : i, pj = j == n - 1 ? last : j;
      p->adj[pi][pj] = s->adj[i][j];
    }
}

static gboolean spec_equal(const Nb101Spec *a, const Nb101Spec *b) {
  if (a->n != b->n) return FALSE;
  for (int i = 0; i < a->n; i++) {
    if (a->op[i] != b->op[i]) return FALSE;
    for (int j = 0; j < a->n; j++)
      if (a->adj[i][j] != b->adj[i][j]) return FALSE;
  }
  return TRUE;
}

void nb101_mutate(const Nb101Spec *parent, ZcRng *rng, Nb101Spec *child) {
  Nb101Spec base;
  pad7(parent, &base);
  for (;;) {
    *child = base;
    for (int i = 0; i < NB101_MAX_VERTICES - 1; i++)
      for (int j = i + 1; j < NB101_MAX_VERTICES; j++)
        if (zc_rng_uniform(rng) < 1.0 / NB101_MAX_VERTICES) child->adj[i][j] ^= 1;
    for (int v = 1; v < NB101_MAX_VERTICES - 1; v++)
      if (zc_rng_uniform(rng) < 1.0 / (NB101_MAX_VERTICES - 2)) {
        guint shift = 1 + (guint)zc_rng_below(rng, 2);   /* one of the two other ops */
        child->op[v] = (guint8)(NB101_CONV3 + (child->op[v] - NB101_CONV3 + shift) % 3);
      }
    if (nb101_prune_check(child, NULL) && !spec_equal(child, parent)) return;
  }
}

/* ---- channels, parameters and FLOPs ----------------------------------------------------- */

void nb101_vertex_channels(const Nb101Spec *s, guint in_c, guint out_c, guint *vc) {
  int n = s->n, o = n - 1;
  for (int v = 0; v < n; v++) vc[v] = 0;
  vc[0] = in_c;
  vc[o] = out_c;
  if (n == 2) return;
  guint in_deg_out = 0;   /* in-degree of the output, the input's edge not counted */
  for (int v = 1; v < o; v++) in_deg_out += s->adj[v][o];
  guint interior = out_c / in_deg_out, correction = out_c % in_deg_out;
  for (int v = 1; v < o; v++)
    if (s->adj[v][o]) {
      vc[v] = interior;
      if (correction) vc[v]++, correction--;
    }
  for (int v = n - 3; v > 0; v--)
    if (!s->adj[v][o])
      for (int d = v + 1; d < o; d++)
        if (s->adj[v][d] && vc[d] > vc[v]) vc[v] = vc[d];
}

/* conv k x k (no bias) - BN - ReLU at hw output pixels */
static void conv_bn_relu(double cin, double cout, double k, double hw, double *P, double *F) {
  *P += k * k * cin * cout + 2 * cout;
  *F += k * k * cin * cout * hw + 2 * cout * hw + cout * hw;
}

void nb101_cost(const Nb101Spec *s, const Nb101Macro *m, double *params, double *flops) {
  double P = 0, F = 0;
  double side = m->resolution;
  guint c = m->stem_channels;
  conv_bn_relu(3, c, 3, side * side, &P, &F);
  int n = s->n, o = n - 1;
  for (guint stack = 0; stack < m->stacks; stack++) {
    guint in_c = c;
    if (stack > 0) {
      side = (double)(((guint)side + 1) / 2);   /* max pool 2x2 stride 2, 'same' */
      F += 4 * in_c * side * side;
      c *= 2;
    }
    double hw = side * side;
    for (guint mod = 0; mod < m->modules; mod++) {
      guint vc[NB101_MAX_VERTICES];
      nb101_vertex_channels(s, in_c, c, vc);
      for (int t = 1; t < o; t++) {
        if (s->adj[0][t]) conv_bn_relu(in_c, vc[t], 1, hw, &P, &F);   /* projection */
        switch (s->op[t]) {
        case NB101_CONV3: conv_bn_relu(vc[t], vc[t], 3, hw, &P, &F); break;
        case NB101_CONV1: conv_bn_relu(vc[t], vc[t], 1, hw, &P, &F); break;
        default: F += 9 * (double)vc[t] * hw; break;   /* max pool 3x3 */
        }
      }
      if (s->adj[0][o]) conv_bn_relu(in_c, c, 1, hw, &P, &F);   /* projection to the output */
      in_c = c;
    }
  }
  /* global average pool (a mean in the forward, not counted), dense with bias */
  F += (double)c * m->classes;
  P += (double)c * m->classes + m->classes;
  *params = P;
  *flops = F;
}
