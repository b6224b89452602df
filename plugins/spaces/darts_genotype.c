/* DARTS / NAS-Bench-301 genotypes: both text forms, variation and cost. */
#include "config.h"
#include <string.h>
#include <zcnas/error.h>
#include "darts_genotype.h"

static const char *const op_names[DARTS_OPS] = {"max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                                "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
                                                "dil_conv_5x5"};
static const char *const cell_names[2] = {"normal", "reduce"};

const char *darts_op_name(guint op) { return op < DARTS_OPS ? op_names[op] : "?"; }

/* ---- parsing ------------------------------------------------------------------------ */

typedef struct {
  const char *text, *p;
  GError **error;
} Cursor;

static gboolean fail_at(Cursor *c, const char *at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static gboolean fail_at(Cursor *c, const char *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(c->error, ZC_ERROR, ZC_ERROR_PARSE, "darts arch '%s' at position %d: %s", c->text,
              (int)(at - c->text) + 1, msg);
  g_free(msg);
  return FALSE;
}

/* "'x'" or "the end of the string" */
static char *found(const char *p) {
  return *p ? g_strdup_printf("'%c'", *p) : g_strdup("the end of the string");
}

static gboolean expect(Cursor *c, char ch) {
  if (*c->p == ch) {
    c->p++;
    return TRUE;
  }
  char *f = found(c->p);
  gboolean r = fail_at(c, c->p, "expected '%c', found %s", ch, f);
  g_free(f);
  return r;
}

static void skip_ws(Cursor *c) {
  while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r') c->p++;
}

static gboolean expect_ws(Cursor *c, char ch) {
  skip_ws(c);
  if (!expect(c, ch)) return FALSE;
  skip_ws(c);
  return TRUE;
}

static gboolean expect_word(Cursor *c, const char *word) {
  gsize n = strlen(word);
  if (strncmp(c->p, word, n) == 0) {
    c->p += n;
    return TRUE;
  }
  return fail_at(c, c->p, "expected '%s'", word);
}

/* A small decimal integer (at most 3 digits). */
static gboolean number(Cursor *c, const char *what, int *v) {
  if (*c->p < '0' || *c->p > '9') {
    char *f = found(c->p);
    gboolean r = fail_at(c, c->p, "expected %s (a number), found %s", what, f);
    g_free(f);
    return r;
  }
  const char *start = c->p;
  int x = 0;
  while (*c->p >= '0' && *c->p <= '9') {
    if (c->p - start >= 3) return fail_at(c, start, "%s is too large", what);
    x = 10 * x + (*c->p++ - '0');
  }
  *v = x;
  return TRUE;
}

static gboolean check_input(Cursor *c, const char *at, int cell, int pair, int input) {
  int node = pair / 2;
  if (input > node + 1)
    return fail_at(c, at, "%s cell, node %d, pair %d: input %d is not one of the states 0..%d", cell_names[cell],
                   node, pair % 2, input, node + 1);
  return TRUE;
}

/* "i,o i,o ...|i,o ..." */
static gboolean parse_compact(Cursor *c, DartsGenotype *g) {
  for (int cell = 0; cell < 2; cell++) {
    if (cell && !expect(c, '|')) return FALSE;
    for (int pair = 0; pair < DARTS_PAIRS; pair++) {
      if (pair && !expect(c, ' ')) return FALSE;
      const char *at = c->p;
      int input, op;
      if (!number(c, "an input state", &input) || !check_input(c, at, cell, pair, input)) return FALSE;
      if (!expect(c, ',')) return FALSE;
      at = c->p;
      if (!number(c, "an op code", &op)) return FALSE;
      if (op >= DARTS_OPS)
        return fail_at(c, at, "%s cell, node %d, pair %d: op code %d is not one of 0..6", cell_names[cell],
                       pair / 2, pair % 2, op);
      g->input[cell][pair] = (guint8)input;
      g->op[cell][pair] = (guint8)op;
    }
  }
  return TRUE;
}

/* "[('op', i), ...]" with exactly 8 pairs */
static gboolean parse_pairs(Cursor *c, int cell, DartsGenotype *g) {
  if (!expect_ws(c, '[')) return FALSE;
  for (int pair = 0; pair < DARTS_PAIRS; pair++) {
    skip_ws(c);
    if (*c->p == ']')
      return fail_at(c, c->p, "%s: %d (op, input) pairs given, a cell needs %d", cell_names[cell], pair,
                     DARTS_PAIRS);
    if (pair && !expect_ws(c, ',')) return FALSE;
    if (!expect_ws(c, '(')) return FALSE;
    char q = *c->p;
    if (q != '\'' && q != '"') {
      char *f = found(c->p);
      gboolean r = fail_at(c, c->p, "expected a quoted operation name, found %s", f);
      g_free(f);
      return r;
    }
    const char *start = ++c->p;
    while (*c->p && *c->p != q) c->p++;
    if (!*c->p) return fail_at(c, start - 1, "unterminated operation name");
    gsize len = (gsize)(c->p - start);
    int op = -1;
    for (int k = 0; k < DARTS_OPS; k++)
      if (strlen(op_names[k]) == len && strncmp(start, op_names[k], len) == 0) op = k;
    if (op < 0) {
      char *word = g_strndup(start, len);
      gboolean r = fail_at(c, start,
                           "%s cell, node %d, pair %d: unknown operation '%s' (expected max_pool_3x3, "
                           "avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3 or dil_conv_5x5)",
                           cell_names[cell], pair / 2, pair % 2, word);
      g_free(word);
      return r;
    }
    c->p++;
    if (!expect_ws(c, ',')) return FALSE;
    const char *at = c->p;
    int input;
    if (!number(c, "an input state", &input) || !check_input(c, at, cell, pair, input)) return FALSE;
    if (!expect_ws(c, ')')) return FALSE;
    g->input[cell][pair] = (guint8)input;
    g->op[cell][pair] = (guint8)op;
  }
  skip_ws(c);
  if (*c->p == ',') {
    const char *at = c->p;
    c->p++;
    skip_ws(c);
    if (*c->p == '(') return fail_at(c, at, "%s: more than %d (op, input) pairs", cell_names[cell], DARTS_PAIRS);
    c->p = at;
  }
  return expect_ws(c, ']');
}

/* "[2, 3, 4, 5]" or "range(2, 6)" */
static gboolean parse_concat(Cursor *c, int cell) {
  const char *at = c->p;
  int v[4], n = 0;
  if (strncmp(c->p, "range", 5) == 0) {
    c->p += 5;
    if (!expect_ws(c, '(') || !number(c, "a range start", &v[0]) || !expect_ws(c, ',') ||
        !number(c, "a range end", &v[1]) || !expect_ws(c, ')'))
      return FALSE;
    if (v[0] != 2 || v[1] != 6)
      return fail_at(c, at, "%s_concat must be range(2, 6) or [2, 3, 4, 5]", cell_names[cell]);
    return TRUE;
  }
  if (!expect_ws(c, '[')) return FALSE;
  gboolean ok = TRUE;
  while (*c->p != ']') {
    if (n && !expect_ws(c, ',')) return FALSE;
    int x;
    if (!number(c, "a concatenated state", &x)) return FALSE;
    skip_ws(c);
    if (n >= 4 || x != n + 2) ok = FALSE;
    if (n < 4) v[n] = x;
    n++;
  }
  c->p++;
  if (!ok || n != 4) return fail_at(c, at, "%s_concat must be [2, 3, 4, 5] or range(2, 6)", cell_names[cell]);
  return TRUE;
}

static gboolean parse_genotype(Cursor *c, DartsGenotype *g) {
  if (!expect_word(c, "Genotype") || !expect_ws(c, '(')) return FALSE;
  for (int cell = 0; cell < 2; cell++) {
    if (cell && !expect_ws(c, ',')) return FALSE;
    if (!expect_word(c, cell_names[cell]) || !expect_ws(c, '=') || !parse_pairs(c, cell, g)) return FALSE;
    if (!expect_ws(c, ',')) return FALSE;
    char *key = g_strdup_printf("%s_concat", cell_names[cell]);
    gboolean ok = expect_word(c, key);
    g_free(key);
    if (!ok || !expect_ws(c, '=') || !parse_concat(c, cell)) return FALSE;
    skip_ws(c);
  }
  return expect_ws(c, ')');
}

gboolean darts_parse(const char *text, DartsGenotype *g, GError **error) {
  g_return_val_if_fail(text && g, FALSE);
  Cursor c = {text, text, error};
  DartsGenotype tmp;
  skip_ws(&c);
  gboolean ok = (*c.p == 'G') ? parse_genotype(&c, &tmp) : parse_compact(&c, &tmp);
  if (!ok) return FALSE;
  skip_ws(&c);
  if (*c.p) return fail_at(&c, c.p, "unexpected '%c' after the reduction cell", *c.p);
  *g = tmp;
  return TRUE;
}

char *darts_format(const DartsGenotype *g) {
  GString *s = g_string_new(NULL);
  for (int cell = 0; cell < 2; cell++) {
    if (cell) g_string_append_c(s, '|');
    for (int pair = 0; pair < DARTS_PAIRS; pair++)
      g_string_append_printf(s, "%s%u,%u", pair ? " " : "", g->input[cell][pair], g->op[cell][pair]);
  }
  return g_string_free(s, FALSE);
}

char *darts_format_genotype(const DartsGenotype *g) {
  GString *s = g_string_new("Genotype(");
  for (int cell = 0; cell < 2; cell++) {
    g_string_append_printf(s, "%s%s=[", cell ? ", " : "", cell_names[cell]);
    for (int pair = 0; pair < DARTS_PAIRS; pair++)
      g_string_append_printf(s, "%s('%s', %u)", pair ? ", " : "", op_names[g->op[cell][pair]], g->input[cell][pair]);
    g_string_append_printf(s, "], %s_concat=[2, 3, 4, 5]", cell_names[cell]);
  }
  g_string_append_c(s, ')');
  return g_string_free(s, FALSE);
}

char *darts_iso_key(const DartsGenotype *g) {
  DartsGenotype k = *g;
  for (int cell = 0; cell < 2; cell++)
    for (int pair = 0; pair < DARTS_PAIRS; pair += 2) {
      guint a = k.input[cell][pair] * 16u + k.op[cell][pair];
      guint b = k.input[cell][pair + 1] * 16u + k.op[cell][pair + 1];
      if (b < a) {
        k.input[cell][pair] = g->input[cell][pair + 1], k.op[cell][pair] = g->op[cell][pair + 1];
        k.input[cell][pair + 1] = g->input[cell][pair], k.op[cell][pair + 1] = g->op[cell][pair];
      }
    }
  return darts_format(&k);
}

/* ---- variation ---------------------------------------------------------------------- */

void darts_sample(ZcRng *rng, DartsGenotype *g) {
  for (int cell = 0; cell < 2; cell++)
    for (int node = 0; node < DARTS_NODES; node++) {
      guint n = (guint)node + 2;
      guint a = (guint)zc_rng_below(rng, n);
      guint b = (a + 1 + (guint)zc_rng_below(rng, n - 1)) % n;   /* distinct from a */
      g->input[cell][2 * node] = (guint8)a;
      g->input[cell][2 * node + 1] = (guint8)b;
      g->op[cell][2 * node] = (guint8)zc_rng_below(rng, DARTS_OPS);
      g->op[cell][2 * node + 1] = (guint8)zc_rng_below(rng, DARTS_OPS);
    }
}

void darts_mutate(const DartsGenotype *parent, ZcRng *rng, DartsGenotype *child) {
  *child = *parent;
  guint cell = (guint)zc_rng_below(rng, 2);
  guint pair = (guint)zc_rng_below(rng, DARTS_PAIRS);
  guint sibling = pair ^ 1u;
  guint states = pair / 2 + 2;
  /* inputs other than this pair's and its sibling's (none left only for node 0 with
   * distinct inputs 0 and 1: then the op changes) */
  guint free_inputs[6], n_free = 0;
  for (guint s = 0; s < states; s++)
    if (s != parent->input[cell][pair] && s != parent->input[cell][sibling]) free_inputs[n_free++] = s;
  if (n_free > 0 && (zc_rng_u64(rng) & 1)) {
    child->input[cell][pair] = (guint8)free_inputs[zc_rng_below(rng, n_free)];
  } else {
    guint shift = 1 + (guint)zc_rng_below(rng, DARTS_OPS - 1);
    child->op[cell][pair] = (guint8)((parent->op[cell][pair] + shift) % DARTS_OPS);
  }
}

void darts_crossover(const DartsGenotype *a, const DartsGenotype *b, ZcRng *rng, DartsGenotype *child) {
  for (int cell = 0; cell < 2; cell++)
    for (int node = 0; node < DARTS_NODES; node++) {
      const DartsGenotype *from = (zc_rng_u64(rng) & 1) ? b : a;
      for (int k = 2 * node; k < 2 * node + 2; k++) {
        child->input[cell][k] = from->input[cell][k];
        child->op[cell][k] = from->op[cell][k];
      }
    }
}

/* ---- parameters and FLOPs ----------------------------------------------------------- */

gboolean darts_is_reduction(const DartsMacro *m, guint i) {
  return i == m->layers / 3 || i == 2 * m->layers / 3;
}

typedef struct {
  double params, flops, macs;
} Tally;

/* Output side of a 3x3 window / 1x1 conv at stride 2 with the padding DARTS uses. */
static double half(double side) { return (double)(((guint)side + 1) / 2); }

/* One op of a cell on c channels: input side hin, stride s. */
static void op_cost(guint op, double c, double hin, int s, Tally *t) {
  double hout = s == 2 ? half(hin) : hin;
  double in = c * hin * hin, out = c * hout * hout;
  switch (op) {
  case DARTS_MAX_POOL:
  case DARTS_AVG_POOL:
    t->flops += 9 * out + out;   /* window, BN (not affine) */
    break;
  case DARTS_SKIP:
    if (s == 2) {   /* FactorizedReduce(c, c), BN not affine */
      t->params += c * c;
      t->macs += c * c * hout * hout;
      t->flops += in + c * c * hout * hout + out;
    }
    break;
  case DARTS_SEP3:
  case DARTS_SEP5: {
    double k = op == DARTS_SEP3 ? 3 : 5;
    double m = 2 * (c * k * k * hout * hout + c * c * hout * hout);
    t->params += 2 * (c * k * k + c * c);
    t->macs += m;
    t->flops += in + m + out + out + out;   /* ReLU, convs, BN, ReLU, BN */
    break;
  }
  case DARTS_DIL3:
  case DARTS_DIL5: {
    double k = op == DARTS_DIL3 ? 3 : 5;
    double m = c * k * k * hout * hout + c * c * hout * hout;
    t->params += c * k * k + c * c;
    t->macs += m;
    t->flops += in + m + out;
    break;
  }
  default: break;
  }
}

static void cost(const DartsGenotype *g, const DartsMacro *m, Tally *t) {
  double C = m->channels, side = m->resolution;
  memset(t, 0, sizeof *t);
  /* stem: conv3x3 3 -> 3C, BN affine */
  double cs = 3 * C, hw = side * side;
  t->params += 27 * cs + 2 * cs;
  t->macs += 27 * cs * hw;
  t->flops += 27 * cs * hw + 2 * cs * hw;
  double cpp = cs, cp = cs, cc = C, hpp = side, hp = side;
  for (guint i = 0; i < m->layers; i++) {
    gboolean red = darts_is_reduction(m, i);
    if (red) cc *= 2;
    /* preprocess0: FactorizedReduce after a reduction, else ReLUConvBN 1x1; BN affine */
    t->params += cpp * cc + 2 * cc;
    t->macs += cpp * cc * hp * hp;
    t->flops += cpp * hpp * hpp + cpp * cc * hp * hp + 2 * cc * hp * hp;
    /* preprocess1 */
    t->params += cp * cc + 2 * cc;
    t->macs += cp * cc * hp * hp;
    t->flops += cp * hp * hp + cp * cc * hp * hp + 2 * cc * hp * hp;
    double ho = red ? half(hp) : hp;
    int cell = red ? DARTS_REDUCE : DARTS_NORMAL;
    for (int pair = 0; pair < DARTS_PAIRS; pair++) {
      gboolean from_input = g->input[cell][pair] < 2;
      int s = red && from_input ? 2 : 1;
      Tally o = {0, 0, 0};
      op_cost(g->op[cell][pair], cc, from_input ? hp : ho, s, &o);
      t->params += o.params, t->macs += o.macs, t->flops += o.flops;
    }
    cpp = cp, hpp = hp;
    cp = 4 * cc, hp = ho;
  }
  /* head: global average pool (torchstat: (H+1)*(W+1) per channel), linear with bias */
  t->flops += cp * (hp + 1) * (hp + 1) + cp * m->classes;
  t->macs += cp * m->classes;
  t->params += cp * m->classes + m->classes;
}

void darts_cost(const DartsGenotype *g, const DartsMacro *m, double *params, double *flops) {
  Tally t;
  cost(g, m, &t);
  *params = t.params;
  *flops = t.flops;
}

double darts_macs(const DartsGenotype *g, const DartsMacro *m) {
  Tally t;
  cost(g, m, &t);
  return t.macs;
}
