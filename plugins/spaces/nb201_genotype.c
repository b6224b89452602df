/* NAS-Bench-201 genotypes: text form, official index, isomorphism key, variation and cost. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include "nb201_genotype.h"

const guint8 nb201_edge_from[NB201_EDGES] = {0, 0, 1, 0, 1, 2};
const guint8 nb201_edge_to[NB201_EDGES] = {1, 2, 2, 3, 3, 3};

static const char *const op_names[NB201_OPS] = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                                 "avg_pool_3x3"};

const char *nb201_op_name(guint op) { return op < NB201_OPS ? op_names[op] : "?"; }

/* ---- text form ---------------------------------------------------------------------- */

static gboolean parse_fail(GError **error, const char *text, const char *p, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean parse_fail(GError **error, const char *text, const char *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "nb201 arch '%s' at position %d: %s", text,
              (int)(p - text) + 1, msg);
  g_free(msg);
  return FALSE;
}

static gboolean expect(const char *text, const char **p, char c, GError **error) {
  if (**p != c) {
    if (**p) return parse_fail(error, text, *p, "expected '%c', found '%c'", c, **p);
    return parse_fail(error, text, *p, "expected '%c', found the end of the string", c);
  }
  (*p)++;
  return TRUE;
}

gboolean nb201_parse(const char *text, Nb201Genotype *g, GError **error) {
  const char *p = text;
  int edge = 0;
  for (int node = 1; node <= 3; node++) {
    if (node > 1 && !expect(text, &p, '+', error)) return FALSE;
    if (!expect(text, &p, '|', error)) return FALSE;
    for (int from = 0; from < node; from++, edge++) {
      const char *start = p;
      while (*p && *p != '~' && *p != '|' && *p != '+') p++;
      gsize len = (gsize)(p - start);
      int op = -1;
      for (int k = 0; k < NB201_OPS; k++)
        if (strlen(op_names[k]) == len && strncmp(start, op_names[k], len) == 0) op = k;
      if (len == 0 && !*p) return parse_fail(error, text, start, "expected an operation, found the end of the string");
      if (len == 0) return parse_fail(error, text, start, "expected an operation, found '%c'", *p);
      if (op < 0) {
        char *word = g_strndup(start, len);
        gboolean r = parse_fail(error, text, start,
                                "unknown operation '%s' (expected none, skip_connect, nor_conv_1x1, "
                                "nor_conv_3x3 or avg_pool_3x3)",
                                word);
        g_free(word);
        return r;
      }
      if (!expect(text, &p, '~', error)) return FALSE;
      if (*p != '0' + from)
        return parse_fail(error, text, p, "expected input node %d of node %d, found '%c'", from, node,
                          *p ? *p : ' ');
      p++;
      if (!expect(text, &p, '|', error)) return FALSE;
      g->op[edge] = (guint8)op;
    }
  }
  if (*p) return parse_fail(error, text, p, "unexpected '%c' after the last node", *p);
  return TRUE;
}

char *nb201_format(const Nb201Genotype *g) {
  return g_strdup_printf("|%s~0|+|%s~0|%s~1|+|%s~0|%s~1|%s~2|", op_names[g->op[0]], op_names[g->op[1]],
                         op_names[g->op[2]], op_names[g->op[3]], op_names[g->op[4]], op_names[g->op[5]]);
}

/* ---- the official index --------------------------------------------------------------
 * NAS-Bench-201 enumerates all cells with edge 0 most significant and ops in list order,
 * then shuffles that list once with Python's random.seed(88); random.shuffle(list).  We
 * replay that shuffle: MT19937 seeded by init_by_array([88]) and Python's _randbelow
 * (getrandbits of bit_length(n), rejecting values >= n). */

typedef struct {
  guint32 mt[624];
  int i;
} PyMt;

static void mt_init_genrand(PyMt *m, guint32 s) {
  m->mt[0] = s;
  for (int i = 1; i < 624; i++) m->mt[i] = 1812433253u * (m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) + (guint32)i;
  m->i = 624;
}

static void mt_init_by_array(PyMt *m, const guint32 *key, int n) {
  mt_init_genrand(m, 19650218u);
  int i = 1, j = 0;
  for (int k = 624 > n ? 624 : n; k; k--) {
    m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (guint32)j;
    i++, j++;
    if (i >= 624) { m->mt[0] = m->mt[623]; i = 1; }
    if (j >= n) j = 0;
  }
  for (int k = 623; k; k--) {
    m->mt[i] = (m->mt[i] ^ ((m->mt[i - 1] ^ (m->mt[i - 1] >> 30)) * 1566083941u)) - (guint32)i;
    i++;
    if (i >= 624) { m->mt[0] = m->mt[623]; i = 1; }
  }
  m->mt[0] = 0x80000000u;
}

static guint32 mt_next(PyMt *m) {
  if (m->i >= 624) {
    for (int k = 0; k < 624; k++) {
      guint32 y = (m->mt[k] & 0x80000000u) | (m->mt[(k + 1) % 624] & 0x7fffffffu);
      m->mt[k] = m->mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    m->i = 0;
  }
  guint32 y = m->mt[m->i++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

static guint32 py_randbelow(PyMt *m, guint32 n) {
  int k = g_bit_storage(n);   /* n.bit_length() */
  guint32 r;
  do r = mt_next(m) >> (32 - k); while (r >= n);
  return r;
}

static guint16 index_to_pos[NB201_COUNT], pos_to_index[NB201_COUNT];

static gpointer build_tables(gpointer unused) {
  static const guint32 seed[1] = {88};
  PyMt m;
  mt_init_by_array(&m, seed, 1);
  for (guint i = 0; i < NB201_COUNT; i++) index_to_pos[i] = (guint16)i;
  for (guint i = NB201_COUNT - 1; i >= 1; i--) {
    guint j = py_randbelow(&m, i + 1);
    guint16 t = index_to_pos[i];
    index_to_pos[i] = index_to_pos[j];
    index_to_pos[j] = t;
  }
  for (guint i = 0; i < NB201_COUNT; i++) pos_to_index[index_to_pos[i]] = (guint16)i;
  return NULL;
}

static void ensure_tables(void) {
  static GOnce once = G_ONCE_INIT;
  g_once(&once, build_tables, NULL);
}

static guint position(const Nb201Genotype *g) {
  guint p = 0;
  for (int e = 0; e < NB201_EDGES; e++) p = p * NB201_OPS + g->op[e];
  return p;
}

void nb201_from_index(guint index, Nb201Genotype *g) {
  ensure_tables();
  guint p = index_to_pos[index % NB201_COUNT];
  for (int e = NB201_EDGES - 1; e >= 0; e--) {
    g->op[e] = (guint8)(p % NB201_OPS);
    p /= NB201_OPS;
  }
}

guint nb201_to_index(const Nb201Genotype *g) {
  ensure_tables();
  return pos_to_index[position(g)];
}

/* ---- isomorphism key -------------------------------------------------------------------- */

static gint compare_strings(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *nb201_iso_key(const Nb201Genotype *g) {
  char *node[4] = {g_strdup("0"), NULL, NULL, NULL};
  int edge = 0;
  for (int to = 1; to <= 3; to++) {
    GPtrArray *terms = g_ptr_array_new_with_free_func(g_free);
    for (int from = 0; from < to; from++, edge++) {
      guint op = g->op[edge];
      /* "#" is the zero tensor: a none edge, or any op applied to a zero node */
      if (op == NB201_NONE || strcmp(node[from], "#") == 0) g_ptr_array_add(terms, g_strdup("#"));
      else if (op == NB201_SKIP) g_ptr_array_add(terms, g_strdup(node[from]));
      else g_ptr_array_add(terms, g_strdup_printf("(%s)@%s", node[from], op_names[op]));
    }
    g_ptr_array_sort(terms, compare_strings);
    g_ptr_array_add(terms, NULL);
    node[to] = g_strjoinv("+", (char **)terms->pdata);
    g_ptr_array_unref(terms);
  }
  for (int i = 0; i < 3; i++) g_free(node[i]);
  return node[3];
}

/* ---- variation -------------------------------------------------------------------------- */

void nb201_sample(ZcRng *rng, Nb201Genotype *g) {
  for (int e = 0; e < NB201_EDGES; e++) g->op[e] = (guint8)zc_rng_below(rng, NB201_OPS);
}

void nb201_mutate(const Nb201Genotype *parent, ZcRng *rng, Nb201Genotype *child) {
  *child = *parent;
  guint e = (guint)zc_rng_below(rng, NB201_EDGES);
  guint shift = 1 + (guint)zc_rng_below(rng, NB201_OPS - 1);   /* never the same op */
  child->op[e] = (guint8)((parent->op[e] + shift) % NB201_OPS);
}

void nb201_crossover(const Nb201Genotype *a, const Nb201Genotype *b, ZcRng *rng, Nb201Genotype *child) {
  for (int e = 0; e < NB201_EDGES; e++) child->op[e] = (zc_rng_u64(rng) & 1) ? b->op[e] : a->op[e];
}

/* ---- parameters and FLOPs --------------------------------------------------------------- */

void nb201_cost(const Nb201Genotype *g, const Nb201Macro *m, double *params, double *flops) {
  double P = 0, F = 0;
  double c = m->channels, hw = (double)m->resolution * m->resolution;
  /* stem: conv3x3 3->C, BN */
  P += 27 * c + 2 * c;
  F += 27 * c * hw + 2 * c * hw;
  for (int stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      /* residual reduction block c -> 2c, stride 2 */
      double cin = c, cout = 2 * c, hw_in = hw, hw_out = hw / 4;
      P += 9 * cin * cout + 2 * cout + 9 * cout * cout + 2 * cout + cin * cout;
      F += cin * hw_in                                   /* ReLU */
           + 9 * cin * cout * hw_out + 2 * cout * hw_out /* conv a, BN */
           + cout * hw_out                               /* ReLU */
           + 9 * cout * cout * hw_out + 2 * cout * hw_out /* conv b, BN */
           + 4 * cin * hw_out + cin * cout * hw_out;     /* shortcut: avg pool 2x2, conv 1x1 */
      c = cout;
      hw = hw_out;
    }
    for (int e = 0; e < NB201_EDGES; e++) {
      double cell_p = 0, cell_f = 0;
      switch (g->op[e]) {
      case NB201_CONV1: cell_p = c * c + 2 * c; cell_f = c * c * hw + 3 * c * hw; break;
      case NB201_CONV3: cell_p = 9 * c * c + 2 * c; cell_f = 9 * c * c * hw + 3 * c * hw; break;
      case NB201_AVG: cell_f = 9 * c * hw; break;
      default: break;
      }
      P += m->cells * cell_p;
      F += m->cells * cell_f;
    }
  }
  /* head: BN, ReLU, global average pool, linear */
  P += 2 * c + c * m->classes + m->classes;
  F += 2 * c * hw + c * hw + c * hw + c * m->classes;
  *params = P;
  *flops = F;
}
