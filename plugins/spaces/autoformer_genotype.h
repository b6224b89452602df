/* AutoFormer search space: genotypes, their text form, sampling, evolution
 * operators and cost (parameters, multiply-adds) without building a network.
 * Private to the space plugin; see docs/method.md §6 for the definitions.
 *
 * Genotype string (one line, no spaces):
 *
 *     e<embed>-d<depth>-r<ratio>,<ratio>,...-h<heads>,<heads>,...
 *     e.g.  e240-d13-r4,3.5,3.5,4,4,4,4,3.5,3.5,3.5,3.5,3.5,4-h3,3,3,4,4,3,3,3,4,3,3,4,3
 *
 * - embed and depth: decimal, no sign, no leading zero, taken from the variant's
 *   choice table; one embed dim for the whole network (every layer uses it).
 * - exactly `depth` MLP ratios and `depth` head counts, layer 0 first.
 * - ratios are written in their shortest decimal form: 3, 3.5, 4 (not 3.0 or 4.00);
 *   only these spellings are accepted, so that one genotype has exactly one string.
 * Parse errors are ZC_ERROR_PARSE and name the 0-based character position.
 */
#ifndef ZC_AUTOFORMER_GENOTYPE_H
#define ZC_AUTOFORMER_GENOTYPE_H
#include <glib.h>
#include <zcnas/rng.h>

G_BEGIN_DECLS

typedef enum { ZC_AF_TINY, ZC_AF_SMALL, ZC_AF_BASE, ZC_AF_N_VARIANTS } ZcAfVariant;

#define ZC_AF_MAX_DEPTH 16   /* largest depth of any variant (base) */
#define ZC_AF_MAX_CHOICES 3  /* largest number of choices in any table */
#define ZC_AF_HEAD_DIM 64    /* q/k/v width per head (AutoFormer --change_qkv) */

/* The choice tables of one variant (method.md §6.1).  MLP ratios are stored
 * as twice the ratio so that they are exact integers (3.5 -> 7). */
typedef struct {
  const char *name;                     /* "tiny", "small", "base" */
  guint n_embed, embed[ZC_AF_MAX_CHOICES];
  guint n_depth, depth[ZC_AF_MAX_CHOICES];
  guint n_ratio, ratio_x2[ZC_AF_MAX_CHOICES];
  guint n_heads, heads[ZC_AF_MAX_CHOICES];
} ZcAfSpace;

/* One subnet.  Plain data: copy by assignment.  Entries at index >= depth
 * are zero, so two valid genotypes are equal iff their bytes are equal. */
typedef struct {
  ZcAfVariant variant;
  guint embed_dim;
  guint depth;
  guint8 ratio_x2[ZC_AF_MAX_DEPTH];  /* MLP ratio of each layer, times 2 */
  guint8 heads[ZC_AF_MAX_DEPTH];     /* attention heads of each layer */
} ZcAfGenotype;

const ZcAfSpace *zc_af_space(ZcAfVariant variant);
const char *zc_af_variant_name(ZcAfVariant variant);
/* "tiny" | "small" | "base" (also "T", "S", "B"); ZC_ERROR_CONFIG otherwise. */
gboolean zc_af_variant_from_name(const char *name, ZcAfVariant *out, GError **error);

/* Every field in the variant's tables, per-layer entries in range, tail zero.
 * ZC_ERROR_PARSE naming the field at fault. */
gboolean zc_af_genotype_validate(const ZcAfGenotype *g, GError **error);
gboolean zc_af_genotype_equal(const ZcAfGenotype *a, const ZcAfGenotype *b);

/* Text form (see top of file).  parse(print(g)) == g for every valid g. */
gboolean zc_af_genotype_parse(ZcAfVariant variant, const char *text, ZcAfGenotype *out,
                              GError **error);
char *zc_af_genotype_to_string(const ZcAfGenotype *g);   /* g_free() it */

/* The smallest and the largest subnet of a variant (every choice at its
 * minimum / maximum); every cost below is monotone, so they bound the space. */
void zc_af_genotype_min(ZcAfVariant variant, ZcAfGenotype *out);
void zc_af_genotype_max(ZcAfVariant variant, ZcAfGenotype *out);

/* Fields of one row of a benchmark table (e.g. Auto-Prox autoprox_gt_autoformer.csv):
 * embed dim, depth, and `;`-separated per-layer lists of MLP ratios (any decimal
 * spelling: "4.0", "4") and head counts.  A list may have exactly `depth` entries,
 * or the supernet's maximum depth entries of which the first `depth` are used (what
 * AutoFormer's set_sample_config does with longer lists); any other length is an
 * error.  The result is validated against the variant's tables. */
gboolean zc_af_genotype_from_fields(ZcAfVariant variant, const char *embed_dim,
                                    const char *depth, const char *mlp_ratios,
                                    const char *num_heads, ZcAfGenotype *out, GError **error);

/* ---- cost without building the network --------------------------------------- */

typedef enum {
  ZC_AF_HEAD_CLS,  /* classify the class token */
  ZC_AF_HEAD_GAP   /* average the patch tokens (AutoFormer --gp); the class token is
                      still prepended and counted, as in AutoFormer */
} ZcAfHead;

typedef struct {
  guint img_size;      /* square input side, default 224 */
  guint patch_size;    /* default 16; num_patches = (img_size / patch_size)^2 */
  guint in_chans;      /* default 3 */
  guint num_classes;   /* default 1000; 0 = no classifier */
  gboolean qkv_bias;   /* default FALSE (AutoFormer's module default) */
  gboolean rel_pos;    /* learned 2-D relative position tables for k and v; default FALSE */
  guint max_rel_pos;   /* relative distance clip, default 14 */
  ZcAfHead head;       /* default ZC_AF_HEAD_CLS */
} ZcAfCostOpts;

/* The plain network of method.md §6.2. */
void zc_af_cost_opts_default(ZcAfCostOpts *opts);
/* What AutoFormer's published runs use: qkv_bias, --relative_position, --gp. */
void zc_af_cost_opts_official(ZcAfCostOpts *opts);
/* patch_size > 0, img_size >= patch_size, in_chans > 0; ZC_ERROR_CONFIG otherwise. */
gboolean zc_af_cost_opts_check(const ZcAfCostOpts *opts, GError **error);

/* Parameter count, AutoFormer's get_sampled_params_numel convention: patch-embed
 * conv weight+bias; per layer LN1, qkv (E -> 3*64*h, bias optional), proj (64*h -> E,
 * bias), LN2, fc1 (E -> int(E*r), bias), fc2 (int(E*r) -> E, bias), with rel_pos
 * 2 tables (k, v) x 2 directions x (2*max_rel_pos+2) x 64; final LN; head (E -> C,
 * bias); plus E*(2 + num_patches) for the class token and position embedding.
 * Does not consult the choice tables (any embed/ratio/heads may be costed). */
guint64 zc_af_params(const ZcAfGenotype *g, const ZcAfCostOpts *opts);

/* Multiply-accumulates of the matrix products for one image, N = num_patches + 1 tokens:
 *   patch conv  num_patches * E * in_chans * p^2
 *   per layer   qkv N*E*3*64h, q.k^T h*N*N*64, attn.v h*N*N*64, proj N*64h*E,
 *               fc1 N*E*int(E r), fc2 N*int(E r)*E,
 *               with rel_pos also q.r_k h*N*N*64 and attn.r_v h*N*N*64
 *   head        E*C (one pooled vector)
 * Not counted: biases, LayerNorm, softmax, GELU, residual and embedding additions,
 * pooling.  (AutoFormer's own get_complexity also adds LayerNorm and some element-
 * wise terms; this count is the conventional "FLOPs = MACs" of the matmuls.) */
guint64 zc_af_macs(const ZcAfGenotype *g, const ZcAfCostOpts *opts);
/* zc_af_macs / 1e6. */
double zc_af_flops_m(const ZcAfGenotype *g, const ZcAfCostOpts *opts);

/* ---- sampling and evolution --------------------------------------------------- */

/* Parameter-count window that sampling, mutation and crossover keep to. */
typedef struct {
  guint64 min_params;   /* 0 = no lower limit */
  guint64 max_params;   /* 0 = no upper limit */
  guint max_attempts;   /* candidates tried before giving up; 0 = 1000 */
  ZcAfCostOpts cost;    /* how parameters are counted */
} ZcAfLimits;

/* No window, default cost options, 1000 attempts. */
void zc_af_limits_init(ZcAfLimits *lim);

/* Uniform random subnet (AutoFormer get_random_cand: depth, then depth ratios, then
 * depth head counts, then the embed dim).  With limits, draws again until inside the
 * window; ZC_ERROR_FAILED after max_attempts (at once when the window misses the
 * space's [min, max]).  Values come only from `rng`. */
gboolean zc_af_genotype_sample(ZcAfVariant variant, ZcRng *rng, const ZcAfLimits *limits,
                               ZcAfGenotype *out, GError **error);

/* AutoFormer's mutation: with probability s_prob re-draw the depth (new layers get
 * random choices, removed layers are dropped); then each layer's ratio, then each
 * layer's heads is re-drawn with probability m_prob; then with probability s_prob
 * the embed dim is re-drawn.  A re-draw may give the old value back (as in
 * AutoFormer).  Defaults: s_prob 0.4, m_prob 0.2.  Limits as in sampling. */
#define ZC_AF_S_PROB 0.4
#define ZC_AF_M_PROB 0.2
gboolean zc_af_genotype_mutate(const ZcAfGenotype *parent, ZcRng *rng, double s_prob,
                               double m_prob, const ZcAfLimits *limits, ZcAfGenotype *out,
                               GError **error);

/* AutoFormer's crossover: every gene (depth, each layer's ratio and heads, embed dim)
 * is taken from either parent with probability 1/2.  AutoFormer only crosses parents
 * of equal depth (it re-draws the pair otherwise); here parents of different depth are
 * accepted: the child's depth comes from either parent, layers present in both
 * parents are mixed, and layers beyond the shorter parent are copied from the longer
 * one.  Both parents must be of the same variant.  Limits as in sampling. */
gboolean zc_af_genotype_crossover(const ZcAfGenotype *a, const ZcAfGenotype *b, ZcRng *rng,
                                  const ZcAfLimits *limits, ZcAfGenotype *out, GError **error);

G_END_DECLS
#endif
