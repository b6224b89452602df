/* AutoFormer genotypes: see autoformer_genotype.h. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include "autoformer_genotype.h"

/* method.md §6.1 (AutoFormer supernet-{T,S,B}.yaml). */
static const ZcAfSpace spaces[ZC_AF_N_VARIANTS] = {
  [ZC_AF_TINY] = {"tiny", 3, {192, 216, 240}, 3, {12, 13, 14}, 2, {7, 8}, 2, {3, 4}},
  [ZC_AF_SMALL] = {"small", 3, {320, 384, 448}, 3, {12, 13, 14}, 3, {6, 7, 8}, 3, {5, 6, 7}},
  [ZC_AF_BASE] = {"base", 3, {528, 576, 624}, 3, {14, 15, 16}, 3, {6, 7, 8}, 2, {9, 10}},
};

const ZcAfSpace *zc_af_space(ZcAfVariant variant) {
  g_return_val_if_fail(variant < ZC_AF_N_VARIANTS, NULL);
  return &spaces[variant];
}

const char *zc_af_variant_name(ZcAfVariant variant) {
  g_return_val_if_fail(variant < ZC_AF_N_VARIANTS, NULL);
  return spaces[variant].name;
}

gboolean zc_af_variant_from_name(const char *name, ZcAfVariant *out, GError **error) {
  static const char *const short_names[ZC_AF_N_VARIANTS] = {"T", "S", "B"};
  for (int v = 0; v < ZC_AF_N_VARIANTS && name; v++)
    if (!strcmp(name, spaces[v].name) || !strcmp(name, short_names[v])) {
      *out = (ZcAfVariant)v;
      return TRUE;
    }
  g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
              "unknown AutoFormer variant '%s': expected tiny, small or base",
              name ? name : "(null)");
  return FALSE;
}

/* ---- choice tables ---------------------------------------------------------- */

static gboolean in_table(guint v, const guint *table, guint n) {
  for (guint i = 0; i < n; i++)
    if (table[i] == v) return TRUE;
  return FALSE;
}

static guint table_min(const guint *t, guint n) {
  guint m = t[0];
  for (guint i = 1; i < n; i++) m = MIN(m, t[i]);
  return m;
}

static guint table_max(const guint *t, guint n) {
  guint m = t[0];
  for (guint i = 1; i < n; i++) m = MAX(m, t[i]);
  return m;
}

/* Shortest decimal form of ratio_x2 / 2: "3", "3.5". */
static void ratio_str(guint ratio_x2, char buf[16]) {
  if (ratio_x2 % 2) g_snprintf(buf, 16, "%u.5", ratio_x2 / 2);
  else g_snprintf(buf, 16, "%u", ratio_x2 / 2);
}

/* "192, 216, 240" */
static char *table_str(const guint *t, guint n, gboolean ratios) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    char buf[16];
    if (ratios) ratio_str(t[i], buf);
    else g_snprintf(buf, sizeof buf, "%u", t[i]);
    g_string_append_printf(s, "%s%s", i ? ", " : "", buf);
  }
  return g_string_free(s, FALSE);
}

gboolean zc_af_genotype_validate(const ZcAfGenotype *g, GError **error) {
  g_return_val_if_fail(g != NULL, FALSE);
  if (g->variant >= ZC_AF_N_VARIANTS) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "AutoFormer genotype: bad variant %d",
                (int)g->variant);
    return FALSE;
  }
  const ZcAfSpace *sp = &spaces[g->variant];
  g_autofree char *choices = NULL;
  if (!in_table(g->embed_dim, sp->embed, sp->n_embed)) {
    choices = table_str(sp->embed, sp->n_embed, FALSE);
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                "AutoFormer-%s genotype: embed dim %u is not a choice (%s)", sp->name,
                g->embed_dim, choices);
    return FALSE;
  }
  if (!in_table(g->depth, sp->depth, sp->n_depth)) {
    choices = table_str(sp->depth, sp->n_depth, FALSE);
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                "AutoFormer-%s genotype: depth %u is not a choice (%s)", sp->name, g->depth,
                choices);
    return FALSE;
  }
  for (guint i = 0; i < ZC_AF_MAX_DEPTH; i++) {
    if (i >= g->depth) {
      if (g->ratio_x2[i] || g->heads[i]) {
        g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                    "AutoFormer-%s genotype: layer %u is set but depth is %u", sp->name, i,
                    g->depth);
        return FALSE;
      }
      continue;
    }
    if (!in_table(g->ratio_x2[i], sp->ratio_x2, sp->n_ratio)) {
      char buf[16];
      ratio_str(g->ratio_x2[i], buf);
      choices = table_str(sp->ratio_x2, sp->n_ratio, TRUE);
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                  "AutoFormer-%s genotype: MLP ratio %s of layer %u is not a choice (%s)",
                  sp->name, buf, i, choices);
      return FALSE;
    }
    if (!in_table(g->heads[i], sp->heads, sp->n_heads)) {
      choices = table_str(sp->heads, sp->n_heads, FALSE);
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                  "AutoFormer-%s genotype: head count %u of layer %u is not a choice (%s)",
                  sp->name, g->heads[i], i, choices);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean zc_af_genotype_equal(const ZcAfGenotype *a, const ZcAfGenotype *b) {
  if (a->variant != b->variant || a->embed_dim != b->embed_dim || a->depth != b->depth)
    return FALSE;
  return !memcmp(a->ratio_x2, b->ratio_x2, sizeof a->ratio_x2) &&
         !memcmp(a->heads, b->heads, sizeof a->heads);
}

static void genotype_clear(ZcAfGenotype *g, ZcAfVariant variant) {
  memset(g, 0, sizeof *g);
  g->variant = variant;
}

void zc_af_genotype_min(ZcAfVariant variant, ZcAfGenotype *out) {
  g_return_if_fail(variant < ZC_AF_N_VARIANTS);
  const ZcAfSpace *sp = &spaces[variant];
  genotype_clear(out, variant);
  out->embed_dim = table_min(sp->embed, sp->n_embed);
  out->depth = table_min(sp->depth, sp->n_depth);
  for (guint i = 0; i < out->depth; i++) {
    out->ratio_x2[i] = (guint8)table_min(sp->ratio_x2, sp->n_ratio);
    out->heads[i] = (guint8)table_min(sp->heads, sp->n_heads);
  }
}

void zc_af_genotype_max(ZcAfVariant variant, ZcAfGenotype *out) {
  g_return_if_fail(variant < ZC_AF_N_VARIANTS);
  const ZcAfSpace *sp = &spaces[variant];
  genotype_clear(out, variant);
  out->embed_dim = table_max(sp->embed, sp->n_embed);
  out->depth = table_max(sp->depth, sp->n_depth);
  for (guint i = 0; i < out->depth; i++) {
    out->ratio_x2[i] = (guint8)table_max(sp->ratio_x2, sp->n_ratio);
    out->heads[i] = (guint8)table_max(sp->heads, sp->n_heads);
  }
}

/* ---- text form -------------------------------------------------------------- */

char *zc_af_genotype_to_string(const ZcAfGenotype *g) {
  g_return_val_if_fail(g != NULL, NULL);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "e%u-d%u-r", g->embed_dim, g->depth);
  for (guint i = 0; i < g->depth && i < ZC_AF_MAX_DEPTH; i++) {
    char buf[16];
    ratio_str(g->ratio_x2[i], buf);
    g_string_append_printf(s, "%s%s", i ? "," : "", buf);
  }
  g_string_append(s, "-h");
  for (guint i = 0; i < g->depth && i < ZC_AF_MAX_DEPTH; i++)
    g_string_append_printf(s, "%s%u", i ? "," : "", g->heads[i]);
  return g_string_free(s, FALSE);
}

typedef struct {
  const char *text;
  const char *p;
  const ZcAfSpace *sp;
  GError **error;
} Parser;

G_GNUC_PRINTF(2, 3)
static gboolean perr(Parser *ps, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(ps->error, ZC_ERROR, ZC_ERROR_PARSE,
              "AutoFormer-%s genotype '%s' at position %ld: %s", ps->sp->name, ps->text,
              (long)(ps->p - ps->text), msg);
  return FALSE;
}

static gboolean expect_char(Parser *ps, char c, const char *what) {
  if (*ps->p != c) {
    if (*ps->p) return perr(ps, "expected '%c' %s, found '%c'", c, what, *ps->p);
    return perr(ps, "expected '%c' %s, found end of string", c, what);
  }
  ps->p++;
  return TRUE;
}

/* Decimal without sign or leading zero. */
static gboolean parse_uint(Parser *ps, const char *what, guint *out) {
  const char *start = ps->p;
  if (!g_ascii_isdigit(*ps->p)) return perr(ps, "expected %s (a decimal number)", what);
  if (*ps->p == '0' && g_ascii_isdigit(ps->p[1])) return perr(ps, "%s has a leading zero", what);
  guint64 v = 0;
  while (g_ascii_isdigit(*ps->p)) {
    v = v * 10 + (guint64)(*ps->p - '0');
    if (v > 100000) {
      ps->p = start;
      return perr(ps, "%s is too large", what);
    }
    ps->p++;
  }
  *out = (guint)v;
  return TRUE;
}

/* A canonical ratio spelling from the table. */
static gboolean parse_ratio(Parser *ps, guint8 *out) {
  size_t len = 0;
  while (g_ascii_isdigit(ps->p[len]) || ps->p[len] == '.') len++;
  for (guint i = 0; i < ps->sp->n_ratio; i++) {
    char buf[16];
    ratio_str(ps->sp->ratio_x2[i], buf);
    if (len == strlen(buf) && !strncmp(ps->p, buf, len)) {
      *out = (guint8)ps->sp->ratio_x2[i];
      ps->p += len;
      return TRUE;
    }
  }
  g_autofree char *choices = table_str(ps->sp->ratio_x2, ps->sp->n_ratio, TRUE);
  if (!len) return perr(ps, "expected an MLP ratio (one of %s)", choices);
  return perr(ps, "MLP ratio '%.*s' is not one of %s (written exactly so)", (int)len, ps->p,
              choices);
}

gboolean zc_af_genotype_parse(ZcAfVariant variant, const char *text, ZcAfGenotype *out,
                              GError **error) {
  g_return_val_if_fail(variant < ZC_AF_N_VARIANTS, FALSE);
  g_return_val_if_fail(out != NULL, FALSE);
  if (!text) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "AutoFormer-%s genotype: no string given",
                spaces[variant].name);
    return FALSE;
  }
  Parser ps = {text, text, &spaces[variant], error};
  ZcAfGenotype g;
  genotype_clear(&g, variant);
  g_autofree char *choices = NULL;

  if (!expect_char(&ps, 'e', "(embed dim)")) return FALSE;
  const char *at = ps.p;
  if (!parse_uint(&ps, "an embed dim", &g.embed_dim)) return FALSE;
  if (!in_table(g.embed_dim, ps.sp->embed, ps.sp->n_embed)) {
    ps.p = at;
    choices = table_str(ps.sp->embed, ps.sp->n_embed, FALSE);
    return perr(&ps, "embed dim %u is not one of %s", g.embed_dim, choices);
  }
  if (!expect_char(&ps, '-', "after the embed dim")) return FALSE;
  if (!expect_char(&ps, 'd', "(depth)")) return FALSE;
  at = ps.p;
  if (!parse_uint(&ps, "a depth", &g.depth)) return FALSE;
  if (!in_table(g.depth, ps.sp->depth, ps.sp->n_depth)) {
    ps.p = at;
    choices = table_str(ps.sp->depth, ps.sp->n_depth, FALSE);
    return perr(&ps, "depth %u is not one of %s", g.depth, choices);
  }
  if (!expect_char(&ps, '-', "after the depth")) return FALSE;
  if (!expect_char(&ps, 'r', "(MLP ratios)")) return FALSE;
  for (guint i = 0;; i++) {
    if (i == g.depth)
      return perr(&ps, "more than %u MLP ratios for depth %u", g.depth, g.depth);
    if (!parse_ratio(&ps, &g.ratio_x2[i])) return FALSE;
    if (*ps.p != ',') {
      if (i + 1 != g.depth)
        return perr(&ps, "%u MLP ratios given, depth %u needs %u", i + 1, g.depth, g.depth);
      break;
    }
    ps.p++;
  }
  if (!expect_char(&ps, '-', "after the MLP ratios")) return FALSE;
  if (!expect_char(&ps, 'h', "(head counts)")) return FALSE;
  for (guint i = 0;; i++) {
    if (i == g.depth)
      return perr(&ps, "more than %u head counts for depth %u", g.depth, g.depth);
    at = ps.p;
    guint h;
    if (!parse_uint(&ps, "a head count", &h)) return FALSE;
    if (!in_table(h, ps.sp->heads, ps.sp->n_heads)) {
      ps.p = at;
      choices = table_str(ps.sp->heads, ps.sp->n_heads, FALSE);
      return perr(&ps, "head count %u is not one of %s", h, choices);
    }
    g.heads[i] = (guint8)h;
    if (*ps.p != ',') {
      if (i + 1 != g.depth)
        return perr(&ps, "%u head counts given, depth %u needs %u", i + 1, g.depth, g.depth);
      break;
    }
    ps.p++;
  }
  if (*ps.p) return perr(&ps, "expected end of string, found '%c'", *ps.p);
  *out = g;
  return TRUE;
}

/* ---- benchmark rows ------------------------------------------------------------ */

static gboolean field_uint(const char *field, const char *name, guint *out, GError **error) {
  char *end = NULL;
  errno = 0;
  unsigned long v = field ? strtoul(field, &end, 10) : 0;
  if (!field || end == field || *end || errno || v > 100000 || field[0] == '-') {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE, "AutoFormer row: %s '%s' is not a number",
                name, field ? field : "(null)");
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

/* Splits a ';' list; checks its length against depth and the supernet depth. */
static char **split_list(const char *field, const char *name, guint depth, guint super_depth,
                         GError **error) {
  char **items = g_strsplit(field ? field : "", ";", -1);
  guint n = g_strv_length(items);
  if (n == depth || n == super_depth) return items;
  g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
              "AutoFormer row: %s has %u entries, expected depth %u (or %u for the supernet)",
              name, n, depth, super_depth);
  g_strfreev(items);
  return NULL;
}

gboolean zc_af_genotype_from_fields(ZcAfVariant variant, const char *embed_dim,
                                    const char *depth, const char *mlp_ratios,
                                    const char *num_heads, ZcAfGenotype *out, GError **error) {
  g_return_val_if_fail(variant < ZC_AF_N_VARIANTS, FALSE);
  const ZcAfSpace *sp = &spaces[variant];
  guint super_depth = table_max(sp->depth, sp->n_depth);
  ZcAfGenotype g;
  genotype_clear(&g, variant);
  if (!field_uint(embed_dim, "hidden dim", &g.embed_dim, error)) return FALSE;
  if (!field_uint(depth, "depth", &g.depth, error)) return FALSE;
  /* above the supernet's depth, a supernet-length list would be read past its end */
  if (g.depth == 0 || g.depth > super_depth) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                "AutoFormer row: depth %u out of range 1..%u (the %s supernet)", g.depth,
                super_depth, sp->name);
    return FALSE;
  }
  g_auto(GStrv) ratios = split_list(mlp_ratios, "MLP ratio list", g.depth, super_depth, error);
  if (!ratios) return FALSE;
  g_auto(GStrv) heads = split_list(num_heads, "head list", g.depth, super_depth, error);
  if (!heads) return FALSE;
  for (guint i = 0; i < g.depth; i++) {
    char *end = NULL;
    double r = g_ascii_strtod(ratios[i], &end);
    double r2 = r * 2.0;
    if (end == ratios[i] || *end || !(r2 >= 1.0 && r2 <= 255.0) || r2 != (double)(guint)r2) {
      g_set_error(error, ZC_ERROR, ZC_ERROR_PARSE,
                  "AutoFormer row: MLP ratio '%s' of layer %u is not a multiple of 0.5",
                  ratios[i], i);
      return FALSE;
    }
    g.ratio_x2[i] = (guint8)r2;
    guint h;
    if (!field_uint(heads[i], "head count", &h, error)) return FALSE;
    if (h > 255) h = 255;  /* rejected by validate below */
    g.heads[i] = (guint8)h;
  }
  if (!zc_af_genotype_validate(&g, error)) return FALSE;
  *out = g;
  return TRUE;
}

/* ---- cost ------------------------------------------------------------------------ */

void zc_af_cost_opts_default(ZcAfCostOpts *opts) {
  *opts = (ZcAfCostOpts){.img_size = 224, .patch_size = 16, .in_chans = 3,
                         .num_classes = 1000, .qkv_bias = FALSE, .rel_pos = FALSE,
                         .max_rel_pos = 14, .head = ZC_AF_HEAD_CLS};
}

void zc_af_cost_opts_official(ZcAfCostOpts *opts) {
  zc_af_cost_opts_default(opts);
  opts->qkv_bias = TRUE;
  opts->rel_pos = TRUE;
  opts->head = ZC_AF_HEAD_GAP;
}

gboolean zc_af_cost_opts_check(const ZcAfCostOpts *o, GError **error) {
  if (!o->patch_size || !o->in_chans || o->img_size < o->patch_size) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "AutoFormer cost: image %u, patch %u, %u channels: need patch > 0, "
                "image >= patch, channels > 0",
                o->img_size, o->patch_size, o->in_chans);
    return FALSE;
  }
  return TRUE;
}

static guint64 num_patches(const ZcAfCostOpts *o) {
  guint64 side = o->patch_size ? o->img_size / o->patch_size : 0;
  return side * side;
}

/* int(E * r) with r = ratio_x2 / 2, exact. */
static guint64 ffn_dim(guint64 e, guint ratio_x2) { return e * ratio_x2 / 2; }

guint64 zc_af_params(const ZcAfGenotype *g, const ZcAfCostOpts *o) {
  g_return_val_if_fail(g && o, 0);
  const guint64 e = g->embed_dim, p2 = (guint64)o->patch_size * o->patch_size;
  const guint64 np = num_patches(o), c = o->num_classes;
  guint64 n = e * o->in_chans * p2 + e;  /* patch conv */
  for (guint i = 0; i < g->depth && i < ZC_AF_MAX_DEPTH; i++) {
    const guint64 q = (guint64)ZC_AF_HEAD_DIM * g->heads[i], f = ffn_dim(e, g->ratio_x2[i]);
    n += 2 * e;                                    /* LN1 */
    n += e * 3 * q + (o->qkv_bias ? 3 * q : 0);    /* qkv */
    n += q * e + e;                                /* proj */
    n += 2 * e;                                    /* LN2 */
    n += e * f + f + f * e + e;                    /* fc1, fc2 */
    if (o->rel_pos)                                /* k and v, vertical and horizontal */
      n += 2 * 2 * (2 * (guint64)o->max_rel_pos + 2) * ZC_AF_HEAD_DIM;
  }
  n += 2 * e;                    /* final LN */
  if (c) n += e * c + c;         /* head */
  n += e * (2 + np);             /* class token, position embedding */
  return n;
}

guint64 zc_af_macs(const ZcAfGenotype *g, const ZcAfCostOpts *o) {
  g_return_val_if_fail(g && o, 0);
  const guint64 e = g->embed_dim, p2 = (guint64)o->patch_size * o->patch_size;
  const guint64 np = num_patches(o), tok = np + 1;
  guint64 m = np * e * o->in_chans * p2;
  for (guint i = 0; i < g->depth && i < ZC_AF_MAX_DEPTH; i++) {
    const guint64 h = g->heads[i], q = ZC_AF_HEAD_DIM * h, f = ffn_dim(e, g->ratio_x2[i]);
    m += tok * e * 3 * q;                                  /* qkv */
    m += 2 * h * tok * tok * ZC_AF_HEAD_DIM;               /* q.k^T, attn.v */
    if (o->rel_pos) m += 2 * h * tok * tok * ZC_AF_HEAD_DIM;
    m += tok * q * e;                                      /* proj */
    m += tok * e * f * 2;                                  /* fc1, fc2 */
  }
  m += e * o->num_classes;
  return m;
}

double zc_af_flops_m(const ZcAfGenotype *g, const ZcAfCostOpts *o) {
  return (double)zc_af_macs(g, o) / 1e6;
}

/* ---- sampling and evolution ---------------------------------------------------- */

void zc_af_limits_init(ZcAfLimits *lim) {
  memset(lim, 0, sizeof *lim);
  lim->max_attempts = 1000;
  zc_af_cost_opts_default(&lim->cost);
}

static guint pick(ZcRng *rng, const guint *table, guint n) {
  return table[zc_rng_below(rng, n)];
}

static gboolean within(const ZcAfGenotype *g, const ZcAfLimits *lim) {
  if (!lim) return TRUE;
  guint64 n = zc_af_params(g, &lim->cost);
  return (!lim->min_params || n >= lim->min_params) && (!lim->max_params || n <= lim->max_params);
}

/* Fails at once when no subnet of the variant can meet the window. */
static gboolean limits_feasible(ZcAfVariant variant, const ZcAfLimits *lim, const char *op,
                                GError **error) {
  if (!lim) return TRUE;
  if (!zc_af_cost_opts_check(&lim->cost, error)) return FALSE;
  ZcAfGenotype lo, hi;
  zc_af_genotype_min(variant, &lo);
  zc_af_genotype_max(variant, &hi);
  guint64 pmin = zc_af_params(&lo, &lim->cost), pmax = zc_af_params(&hi, &lim->cost);
  if ((lim->max_params && lim->max_params < pmin) || (lim->min_params && lim->min_params > pmax) ||
      (lim->max_params && lim->min_params > lim->max_params)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED,
                "AutoFormer-%s %s: parameter window [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                "] misses the space's [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
                spaces[variant].name, op, lim->min_params, lim->max_params, pmin, pmax);
    return FALSE;
  }
  return TRUE;
}

static gboolean give_up(ZcAfVariant variant, const ZcAfLimits *lim, guint attempts,
                        const char *op, GError **error) {
  g_set_error(error, ZC_ERROR, ZC_ERROR_FAILED,
              "AutoFormer-%s %s: no candidate with %" G_GUINT64_FORMAT " <= params <= %"
              G_GUINT64_FORMAT " in %u attempts",
              spaces[variant].name, op, lim->min_params, lim->max_params, attempts);
  return FALSE;
}

static guint attempts_of(const ZcAfLimits *lim) {
  return !lim ? 1 : lim->max_attempts ? lim->max_attempts : 1000;
}

static void sample_once(ZcAfVariant variant, ZcRng *rng, ZcAfGenotype *g) {
  const ZcAfSpace *sp = &spaces[variant];
  genotype_clear(g, variant);
  g->depth = pick(rng, sp->depth, sp->n_depth);
  for (guint i = 0; i < g->depth; i++) g->ratio_x2[i] = (guint8)pick(rng, sp->ratio_x2, sp->n_ratio);
  for (guint i = 0; i < g->depth; i++) g->heads[i] = (guint8)pick(rng, sp->heads, sp->n_heads);
  g->embed_dim = pick(rng, sp->embed, sp->n_embed);
}

gboolean zc_af_genotype_sample(ZcAfVariant variant, ZcRng *rng, const ZcAfLimits *limits,
                               ZcAfGenotype *out, GError **error) {
  g_return_val_if_fail(variant < ZC_AF_N_VARIANTS && rng && out, FALSE);
  if (!limits_feasible(variant, limits, "sampling", error)) return FALSE;
  guint n = attempts_of(limits);
  for (guint a = 0; a < n; a++) {
    ZcAfGenotype g;
    sample_once(variant, rng, &g);
    if (within(&g, limits)) {
      *out = g;
      return TRUE;
    }
  }
  return give_up(variant, limits, n, "sampling", error);
}

static void mutate_once(const ZcAfGenotype *p, ZcRng *rng, double s_prob, double m_prob,
                        ZcAfGenotype *g) {
  const ZcAfSpace *sp = &spaces[p->variant];
  *g = *p;
  if (zc_rng_uniform(rng) < s_prob) {
    guint d = pick(rng, sp->depth, sp->n_depth);
    for (guint i = g->depth; i < d; i++) g->ratio_x2[i] = (guint8)pick(rng, sp->ratio_x2, sp->n_ratio);
    for (guint i = g->depth; i < d; i++) g->heads[i] = (guint8)pick(rng, sp->heads, sp->n_heads);
    for (guint i = d; i < ZC_AF_MAX_DEPTH; i++) g->ratio_x2[i] = g->heads[i] = 0;
    g->depth = d;
  }
  for (guint i = 0; i < g->depth; i++)
    if (zc_rng_uniform(rng) < m_prob) g->ratio_x2[i] = (guint8)pick(rng, sp->ratio_x2, sp->n_ratio);
  for (guint i = 0; i < g->depth; i++)
    if (zc_rng_uniform(rng) < m_prob) g->heads[i] = (guint8)pick(rng, sp->heads, sp->n_heads);
  if (zc_rng_uniform(rng) < s_prob) g->embed_dim = pick(rng, sp->embed, sp->n_embed);
}

gboolean zc_af_genotype_mutate(const ZcAfGenotype *parent, ZcRng *rng, double s_prob,
                               double m_prob, const ZcAfLimits *limits, ZcAfGenotype *out,
                               GError **error) {
  g_return_val_if_fail(parent && rng && out, FALSE);
  if (!zc_af_genotype_validate(parent, error)) return FALSE;
  if (!(s_prob >= 0.0 && s_prob <= 1.0 && m_prob >= 0.0 && m_prob <= 1.0)) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "AutoFormer mutation: probabilities s_prob %g and m_prob %g must lie in [0, 1]",
                s_prob, m_prob);
    return FALSE;
  }
  if (!limits_feasible(parent->variant, limits, "mutation", error)) return FALSE;
  guint n = attempts_of(limits);
  for (guint a = 0; a < n; a++) {
    ZcAfGenotype g;
    mutate_once(parent, rng, s_prob, m_prob, &g);
    if (within(&g, limits)) {
      *out = g;
      return TRUE;
    }
  }
  return give_up(parent->variant, limits, n, "mutation", error);
}

static void crossover_once(const ZcAfGenotype *a, const ZcAfGenotype *b, ZcRng *rng,
                           ZcAfGenotype *g) {
  genotype_clear(g, a->variant);
  /* one coin per gene, in AutoFormer's tuple order: depth, ratios, heads, embed */
  g->depth = (zc_rng_u64(rng) & 1) ? b->depth : a->depth;
  const ZcAfGenotype *longer = a->depth >= b->depth ? a : b;
  guint common = MIN(a->depth, b->depth);
  for (guint i = 0; i < g->depth; i++)
    g->ratio_x2[i] = i < common ? ((zc_rng_u64(rng) & 1) ? b : a)->ratio_x2[i] : longer->ratio_x2[i];
  for (guint i = 0; i < g->depth; i++)
    g->heads[i] = i < common ? ((zc_rng_u64(rng) & 1) ? b : a)->heads[i] : longer->heads[i];
  g->embed_dim = (zc_rng_u64(rng) & 1) ? b->embed_dim : a->embed_dim;
}

gboolean zc_af_genotype_crossover(const ZcAfGenotype *a, const ZcAfGenotype *b, ZcRng *rng,
                                  const ZcAfLimits *limits, ZcAfGenotype *out, GError **error) {
  g_return_val_if_fail(a && b && rng && out, FALSE);
  if (!zc_af_genotype_validate(a, error) || !zc_af_genotype_validate(b, error)) return FALSE;
  if (a->variant != b->variant) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG,
                "AutoFormer crossover: parents of different variants (%s, %s)",
                spaces[a->variant].name, spaces[b->variant].name);
    return FALSE;
  }
  if (!limits_feasible(a->variant, limits, "crossover", error)) return FALSE;
  guint n = attempts_of(limits);
  for (guint t = 0; t < n; t++) {
    ZcAfGenotype g;
    crossover_once(a, b, rng, &g);
    if (within(&g, limits)) {
      *out = g;
      return TRUE;
    }
  }
  return give_up(a->variant, limits, n, "crossover", error);
}
