/* TransNAS-Bench-101 genotypes: parsing, printing, enumeration, NASLib's sampling and
 * mutation, and parameter / FLOP counts without building (tnb101_genotype.h). */
#include "config.h"
#include <string.h>
#include <math.h>
#include <zcnas/error.h>
#include "tnb101_genotype.h"

static const char micro_layers[] = "41414";

static gboolean parse_err(GError **error, const char *text, const char *p, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean parse_err(GError **error, const char *text, const char *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "tnb101 architecture '%s' at position %d: %s", text,
              (int)(p - text) + 1, msg);
  g_free(msg);
  return FALSE;
}

static void layer_counts(const TnbGenotype *g, guint *strides, guint *doubles) {
  *strides = *doubles = 0;
  for (guint i = 0; i < g->n_layers; i++) {
    if (g->layer[i] >= 3) (*strides)++;
    if (g->layer[i] % 2 == 0) (*doubles)++;
  }
}

gboolean tnb_parse(const char *text, TnbGenotype *g, GError **error) {
  g_return_val_if_fail(text && g, FALSE);
  memset(g, 0, sizeof *g);
  const char *p = text;
  /* base channels */
  const char *start = p;
  guint base = 0;
  while (*p >= '0' && *p <= '9' && p - start < 5) base = base * 10 + (guint)(*p++ - '0');
  if (p == start) return parse_err(error, text, p, "base channels: expected a number (64)");
  if (base != TNB_BASE)
    return parse_err(error, text, start, "base channels: %u, the benchmark has only %d", base, TNB_BASE);
  if (*p != '-') return parse_err(error, text, p, "expected '-' after the base channels");
  p++;
  /* layer code */
  start = p;
  while (*p && *p != '-') {
    if (*p < '1' || *p > '4')
      return parse_err(error, text, p, "layer code: '%c' is not a layer type 1..4", *p);
    if (g->n_layers == TNB_MAX_LAYERS)
      return parse_err(error, text, p, "layer code: more than %d layers", TNB_MAX_LAYERS);
    g->layer[g->n_layers++] = (guint8)(*p++ - '0');
  }
  if (*p != '-') return parse_err(error, text, p, "expected '-' after the layer code");
  const char *cell = ++p;
  if (strcmp(cell, "basic") == 0) {
    g->micro = FALSE;
    guint s, d;
    layer_counts(g, &s, &d);
    if (g->n_layers < 4)
      return parse_err(error, text, start, "macro layer code: %u layers, the benchmark has 4..6", g->n_layers);
    if (s < 1 || s > 4)
      return parse_err(error, text, start, "macro layer code: %u stride-2 layers (3 or 4), the benchmark has 1..4", s);
    if (d < 1 || d > 3)
      return parse_err(error, text, start,
                       "macro layer code: %u channel-doubling layers (2 or 4), the benchmark has 1..3", d);
    return TRUE;
  }
  g->micro = TRUE;
  if (g->n_layers != 5 || memcmp(start, micro_layers, 5) != 0)
    return parse_err(error, text, start, "micro layer code: the benchmark's micro networks all have %s", micro_layers);
  /* cell: a_bb_ccc */
  int e = 0;
  for (int node = 1; node <= 3; node++) {
    if (node > 1) {
      if (*p != '_') return parse_err(error, text, p, "cell: expected '_' before node %d", node);
      p++;
    }
    for (int from = 0; from < node; from++, e++) {
      if (*p < '0' || *p > '3')
        return parse_err(error, text, p, "cell node %d, edge from node %d: %s", node, from,
                         *p ? "not an op 0..3 (zero, skip, conv1x1, conv3x3)" : "missing op");
      g->op[e] = (guint8)(*p++ - '0');
    }
  }
  if (*p) return parse_err(error, text, p, "unexpected text after the cell (expected a_bb_ccc or 'basic')");
  return TRUE;
}

char *tnb_format(const TnbGenotype *g) {
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%d-", TNB_BASE);
  for (guint i = 0; i < g->n_layers; i++) g_string_append_c(s, (char)('0' + g->layer[i]));
  if (!g->micro) {
    g_string_append(s, "-basic");
  } else {
    g_string_append_printf(s, "-%u_%u%u_%u%u%u", g->op[0], g->op[1], g->op[2], g->op[3], g->op[4], g->op[5]);
  }
  return g_string_free(s, FALSE);
}

static void micro_skeleton(TnbGenotype *g) {
  memset(g, 0, sizeof *g);
  g->micro = TRUE;
  g->n_layers = 5;
  for (int i = 0; i < 5; i++) g->layer[i] = (guint8)(micro_layers[i] - '0');
}

void tnb_micro_from_index(guint index, TnbGenotype *g) {
  micro_skeleton(g);
  for (int e = TNB_EDGES - 1; e >= 0; e--) {
    g->op[e] = (guint8)(index % 4);
    index /= 4;
  }
}

guint tnb_micro_to_index(const TnbGenotype *g) {
  guint index = 0;
  for (int e = 0; e < TNB_EDGES; e++) index = index * 4 + g->op[e];
  return index;
}

/* The 3,256 macro codes as 6-digit numbers (padded with 0s) in increasing order. */
static guint32 macro_codes[TNB_MACRO_COUNT];
static gsize macro_once = 0;

static void macro_table(void) {
  if (!g_once_init_enter(&macro_once)) return;
  guint n = 0;
  for (guint v = 0; v < 1000000; v++) {
    guint d[6], x = v, len = 0, s = 0, c = 0;
    for (int i = 5; i >= 0; i--) {
      d[i] = x % 10;
      x /= 10;
    }
    /* digits 1..4 then only 0s, 4..6 of them */
    gboolean ok = TRUE, ended = FALSE;
    for (int i = 0; i < 6 && ok; i++) {
      if (d[i] == 0) ended = TRUE;
      else if (ended || d[i] > 4) ok = FALSE;
      else {
        len++;
        s += d[i] >= 3;
        c += d[i] % 2 == 0;
      }
    }
    if (ok && len >= 4 && s >= 1 && s <= 4 && c >= 1 && c <= 3) {
      g_assert(n < TNB_MACRO_COUNT);
      macro_codes[n++] = v;
    }
  }
  g_assert(n == TNB_MACRO_COUNT);
  g_once_init_leave(&macro_once, 1);
}

static guint32 macro_code_of(const TnbGenotype *g) {
  guint32 v = 0;
  for (guint i = 0; i < 6; i++) v = v * 10 + (i < g->n_layers ? g->layer[i] : 0);
  return v;
}

gboolean tnb_macro_from_index(guint index, TnbGenotype *g) {
  if (index >= TNB_MACRO_COUNT) return FALSE;
  macro_table();
  memset(g, 0, sizeof *g);
  guint32 v = macro_codes[index];
  guint8 d[6];
  for (int i = 5; i >= 0; i--) {
    d[i] = (guint8)(v % 10);
    v /= 10;
  }
  for (int i = 0; i < 6 && d[i]; i++) g->layer[g->n_layers++] = d[i];
  return TRUE;
}

gboolean tnb_macro_to_index(const TnbGenotype *g, guint *index) {
  if (g->micro) return FALSE;
  macro_table();
  guint32 v = macro_code_of(g);
  guint lo = 0, hi = TNB_MACRO_COUNT;
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (macro_codes[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  if (lo == TNB_MACRO_COUNT || macro_codes[lo] != v) return FALSE;
  *index = lo;
  return TRUE;
}

/* NASLib g(r, p, q): r layers, the first p stride-2 (+2), the first q channel-doubling
 * (+1), in a random permutation (numpy's permutation: a Fisher-Yates shuffle). */
static void macro_from_rpq(guint r, guint p, guint q, ZcRng *rng, TnbGenotype *g) {
  memset(g, 0, sizeof *g);
  g->n_layers = (guint8)r;
  for (guint i = 0; i < r; i++) g->layer[i] = (guint8)(1 + 2 * (i < p) + (i < q));
  for (guint i = r - 1; i > 0; i--) {
    guint j = (guint)zc_rng_below(rng, i + 1);
    guint8 t = g->layer[i];
    g->layer[i] = g->layer[j];
    g->layer[j] = t;
  }
}

void tnb_sample(gboolean micro, ZcRng *rng, TnbGenotype *g) {
  if (micro) {
    /* NASLib redraws cells whose edges 0,1,2 or 2,4,5 are all skip connections. */
    for (;;) {
      micro_skeleton(g);
      for (int e = 0; e < TNB_EDGES; e++) g->op[e] = (guint8)zc_rng_below(rng, TNB_N_OPS);
      gboolean bad = (g->op[0] == TNB_SKIP && g->op[1] == TNB_SKIP && g->op[2] == TNB_SKIP) ||
                     (g->op[2] == TNB_SKIP && g->op[4] == TNB_SKIP && g->op[5] == TNB_SKIP);
      if (!bad) return;
    }
  }
  guint r = 4 + (guint)zc_rng_below(rng, 3);
  guint p = 1 + (guint)zc_rng_below(rng, 4);
  guint q = 1 + (guint)zc_rng_below(rng, 3);
  macro_from_rpq(r, p, q, rng, g);
}

void tnb_mutate(const TnbGenotype *parent, ZcRng *rng, TnbGenotype *child) {
  *child = *parent;
  if (parent->micro) {
    /* one edge, another op among the 3 others */
    guint e = (guint)zc_rng_below(rng, TNB_EDGES);
    guint o = (guint)zc_rng_below(rng, TNB_N_OPS - 1);
    if (o >= parent->op[e]) o++;
    child->op[e] = (guint8)o;
    return;
  }
  /* NASLib: (r, p, q) = (layers, stride layers, doubling layers); one of the three drawn
   * uniformly gets another value (r in 4..6, p in 1..4, q in 1..3), then a random
   * permutation of g(r, p, q). */
  guint r = parent->n_layers, p, q;
  layer_counts(parent, &p, &q);
  guint which = (guint)zc_rng_below(rng, 3);
  guint lo = which == 0 ? 4 : 1, n = which == 0 ? 3 : which == 1 ? 4 : 3;
  guint cur = which == 0 ? r : which == 1 ? p : q;
  guint v = lo + (guint)zc_rng_below(rng, n - 1);
  if (v >= cur) v++;
  if (which == 0) r = v;
  else if (which == 1) p = v;
  else q = v;
  macro_from_rpq(r, p, q, rng, child);
}

/* ------------------------------------------------------------------ tasks ---------- */

static const char *const task_names[TNB_N_TASKS] = {
    "class_object", "class_scene", "autoencoder", "normal", "jigsaw", "room_layout", "segmentsemantic"};

const char *tnb_task_name(TnbTask t) { return t < TNB_N_TASKS ? task_names[t] : "?"; }

guint tnb_task_classes(TnbTask t) {
  switch (t) {
  case TNB_TASK_CLASS_OBJECT: return 100;
  case TNB_TASK_CLASS_SCENE: return 63;
  case TNB_TASK_JIGSAW: return 1000;
  case TNB_TASK_SEGMENTSEMANTIC: return 17;
  default: return 0;
  }
}

TnbHead tnb_task_head(TnbTask t) {
  switch (t) {
  case TNB_TASK_CLASS_OBJECT:
  case TNB_TASK_CLASS_SCENE:
  case TNB_TASK_ROOM_LAYOUT: return TNB_HEAD_LINEAR;
  case TNB_TASK_JIGSAW: return TNB_HEAD_SIAMESE;
  case TNB_TASK_AUTOENCODER:
  case TNB_TASK_NORMAL: return TNB_HEAD_GENERATIVE;
  default: return TNB_HEAD_SEGMENTATION;
  }
}

guint tnb_task_outputs(TnbTask t) {
  if (t == TNB_TASK_ROOM_LAYOUT) return TNB_ROOM_LAYOUT_DIMS;
  if (tnb_task_head(t) == TNB_HEAD_GENERATIVE) return 3;
  return tnb_task_classes(t);
}

gboolean tnb_task_supported(TnbTask t) { return t < TNB_N_TASKS && t != TNB_TASK_JIGSAW; }

/* ------------------------------------------------------------------ counting ------- */

/* Accumulated counts; sides are square. */
typedef struct {
  double params, flops, macs;
} Count;

static guint down(guint h, guint s) { return s == 2 ? (h + 1) / 2 : h; }

/* conv k x k (cin -> cout) producing ho x ho, optional bias */
static void conv(Count *c, guint cin, guint cout, guint k, guint ho, gboolean bias) {
  double m = (double)cin * cout * k * k * ho * ho;
  c->params += (double)cin * cout * k * k + (bias ? cout : 0);
  c->macs += m;
  c->flops += m + (bias ? (double)cout * ho * ho : 0);
}
static void bn(Count *c, guint ch, guint h) {
  c->params += 2.0 * ch;
  c->flops += 2.0 * ch * h * h;
}
static void relu(Count *c, guint ch, guint h) { c->flops += (double)ch * h * h; }

/* TransNAS ReLUConvBN(cin, cout, k, stride) on an hi x hi input. */
static void relu_conv_bn(Count *c, guint cin, guint cout, guint k, guint s, guint hi) {
  guint ho = down(hi, s);
  relu(c, cin, hi);
  conv(c, cin, cout, k, ho, FALSE);
  bn(c, cout, ho);
}

static void micro_cell(Count *c, const TnbGenotype *g, guint cin, guint cout, guint s, guint hi) {
  static const int from[TNB_EDGES] = {0, 0, 1, 0, 1, 2};
  guint ho = down(hi, s);
  for (int e = 0; e < TNB_EDGES; e++) {
    guint ci = from[e] == 0 ? cin : cout, st = from[e] == 0 ? s : 1, h = from[e] == 0 ? hi : ho;
    switch (g->op[e]) {
    case TNB_SKIP:
      if (st != 1 || ci != cout) {   /* factorized reduce: ReLU, two 1x1 halves, BN */
        relu(c, ci, h);
        conv(c, ci, cout / 2, 1, ho, FALSE);
        conv(c, ci, cout - cout / 2, 1, ho, FALSE);
        bn(c, cout, ho);
      }
      break;
    case TNB_CONV1: relu_conv_bn(c, ci, cout, 1, st, h); break;
    case TNB_CONV3: relu_conv_bn(c, ci, cout, 3, st, h); break;
    default: break;
    }
  }
}

static void basic_block(Count *c, guint cin, guint cout, guint s, guint hi) {
  guint ho = down(hi, s);
  relu_conv_bn(c, cin, cout, 3, s, hi);
  relu_conv_bn(c, cout, cout, 3, 1, ho);
  if (s != 1 || cin != cout) {
    conv(c, cin, cout, 1, ho, FALSE);
    bn(c, cout, ho);
  }
}

static void encoder(Count *c, const TnbGenotype *g, guint res, guint *ch_out, guint *side) {
  guint h = down(res, 2);
  conv(c, 3, TNB_BASE / 2, 3, h, FALSE);
  bn(c, TNB_BASE / 2, h);
  relu_conv_bn(c, TNB_BASE / 2, TNB_BASE, 3, 2, h);
  h = down(h, 2);
  guint ch = TNB_BASE;
  for (guint i = 0; i < g->n_layers; i++) {
    guint t = g->layer[i] % 2 == 0 ? ch * 2 : ch, s = g->layer[i] > 2 ? 2 : 1;
    if (g->micro) {
      micro_cell(c, g, ch, t, s, h);
      h = down(h, s);
      micro_cell(c, g, t, t, 1, h);
    } else {
      basic_block(c, ch, t, s, h);
      h = down(h, s);
      basic_block(c, t, t, 1, h);
    }
    ch = t;
  }
  *ch_out = ch;
  *side = h;
}

guint tnb_encoder_side(const TnbGenotype *g, guint resolution, guint *channels) {
  Count c = {0};
  guint ch, side;
  encoder(&c, g, resolution, &ch, &side);
  if (channels) *channels = ch;
  return side;
}

guint tnb_decoder_upsamples(guint side, guint resolution) {
  for (guint n = 2; n <= 6; n++)
    if (side << n == resolution) return n;
  return 0;
}

/* TransNAS GenerativeDecoder: 13 conv/deconv layers (bias, BN, LeakyReLU 0.2) and a final
 * conv 16 -> 3 with tanh.  torchstat counts no FLOPs for transposed convolutions. */
static void decoder(Count *c, guint cin, guint h, guint n) {
  static const guint outs[13] = {1024, 1024, 512, 512, 256, 128, 64, 64, 32, 32, 16, 32, 16};
  for (int i = 0; i < 13; i++) {
    gboolean up = (i == 2 && n == 6) || (i == 4 && n >= 5) || (i == 6 && n >= 4) || (i == 8 && n >= 3) ||
                  i == 10 || i == 12;
    guint cout = outs[i];
    if (up) {
      h *= 2;
      double m = (double)cin * cout * 9 * (h / 2) * (h / 2);
      c->params += (double)cin * cout * 9 + cout;
      c->macs += m;
    } else {
      conv(c, cin, cout, 3, h, TRUE);
    }
    bn(c, cout, h);
    relu(c, cout, h);   /* LeakyReLU */
    cin = cout;
  }
  conv(c, cin, 3, 3, h, TRUE);
}

/* TransNAS SegmentationDecoder: conv 3x3 to 1024, 6 - n convs halving the channels, n - 1
 * transposed convs halving them (x2 side), one more transposed conv (x2, same channels),
 * each with bias, BN and LeakyReLU 0.2; then conv 3x3 to the classes with bias only. */
static void seg_decoder(Count *c, guint cin, guint h, guint n, guint classes) {
  guint ch = 1024;
  conv(c, cin, ch, 3, h, TRUE);
  bn(c, ch, h);
  relu(c, ch, h);
  for (guint i = 0; i < 6 - n; i++, ch /= 2) {
    conv(c, ch, ch / 2, 3, h, TRUE);
    bn(c, ch / 2, h);
    relu(c, ch / 2, h);
  }
  for (guint i = 0; i < n; i++) {
    guint co = i + 1 < n ? ch / 2 : ch;
    c->params += (double)ch * co * 9 + co;
    c->macs += (double)ch * co * 9 * h * h;
    h *= 2;
    bn(c, co, h);
    relu(c, co, h);
    ch = co;
  }
  conv(c, ch, classes, 3, h, TRUE);
}

static gboolean count(const TnbGenotype *g, const TnbMacro *m, Count *c, GError **error) {
  if (m->task >= TNB_N_TASKS) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "tnb101: unknown task %d", (int)m->task);
    return FALSE;
  }
  guint ch, h;
  TnbHead head = tnb_task_head(m->task);
  guint outs = tnb_task_outputs(m->task);
  if (head == TNB_HEAD_SIAMESE) {
    /* each tile (a quarter of the side) goes through the shared encoder, counted once as
     * NBSZ's torchstat counted it; the decoder's pool sees the 9 tiles (counted 9 times),
     * and the pooled features of the 9 tiles are concatenated for the linear layer */
    encoder(c, g, m->resolution / 4, &ch, &h);
    c->flops += (double)TNB_JIGSAW_TILES * ch * (h + 1) * (h + 1);
    c->params += (double)ch * TNB_JIGSAW_TILES * outs + outs;
    c->macs += (double)ch * TNB_JIGSAW_TILES * outs;
    c->flops += (double)ch * TNB_JIGSAW_TILES * outs;
    return TRUE;
  }
  encoder(c, g, m->resolution, &ch, &h);
  if (head == TNB_HEAD_LINEAR) {
    c->flops += (double)ch * (h + 1) * (h + 1);   /* torchstat's adaptive average pool */
    c->params += (double)ch * outs + outs;
    c->macs += (double)ch * outs;
    c->flops += (double)ch * outs;
    return TRUE;
  }
  guint n = tnb_decoder_upsamples(h, m->resolution);
  if (!n) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "tnb101: the %s decoder cannot map the %ux%u encoder output back to %ux%u "
                "(needs a ratio 4..64, a power of two)", tnb_task_name(m->task), h, h, m->resolution,
                m->resolution);
    return FALSE;
  }
  if (head == TNB_HEAD_GENERATIVE) decoder(c, ch, h, n);
  else seg_decoder(c, ch, h, n, outs);
  return TRUE;
}

gboolean tnb_cost(const TnbGenotype *g, const TnbMacro *m, double *params, double *flops, GError **error) {
  Count c = {0};
  if (!count(g, m, &c, error)) return FALSE;
  *params = c.params;
  *flops = c.flops;
  return TRUE;
}

double tnb_macs(const TnbGenotype *g, const TnbMacro *m) {
  Count c = {0};
  if (!count(g, m, &c, NULL)) return NAN;
  return c.macs;
}
