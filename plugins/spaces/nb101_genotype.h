/* NAS-Bench-101 cell genotypes (nasbench's ModelSpec): a DAG of at most 7 vertices given
 * by a strictly upper-triangular adjacency matrix and one operation per vertex.
 *
 * Text form `ADJ/OPS`: ADJ is the n*n adjacency matrix row-major as '0'/'1' characters
 * (row = source vertex, column = destination), OPS the n operation names joined by ';':
 * `input`, `conv3x3-bn-relu`, `conv1x1-bn-relu`, `maxpool3x3`, `output` (the columns
 * `adjacency_rowmajor` and `ops` of the NAS-Bench-101 tables, joined by '/').
 *
 * A parsed spec is always pruned as nasbench's ModelSpec prunes it: vertices that are not
 * on a path input -> output are removed.  The limits (<= 7 vertices, <= 9 edges) apply to
 * the pruned spec, as nasbench's api.is_valid checks them. */
#ifndef ZC_NB101_GENOTYPE_H
#define ZC_NB101_GENOTYPE_H
#include <glib.h>
#include <zcnas/rng.h>

#define NB101_MAX_VERTICES 7
#define NB101_MAX_EDGES 9

enum { NB101_INPUT, NB101_CONV3, NB101_CONV1, NB101_MAXPOOL, NB101_OUTPUT, NB101_N_OPS };

typedef struct {
  guint8 n;                                            /* vertices, 2..7 */
  guint8 adj[NB101_MAX_VERTICES][NB101_MAX_VERTICES];  /* adj[src][dst], src < dst */
  guint8 op[NB101_MAX_VERTICES];                       /* op[0] input, op[n-1] output */
} Nb101Spec;

const char *nb101_op_name(guint op);

/* Parse `ADJ/OPS`, check it and prune it.  Errors name the field and 1-based position. */
gboolean nb101_parse(const char *text, Nb101Spec *s, GError **error);
/* The same syntax checks without pruning or the limits (the raw matrix, as NASLib stores it). */
gboolean nb101_parse_raw(const char *text, Nb101Spec *s, GError **error);
/* The canonical text of a (pruned) spec. */
char *nb101_format(const Nb101Spec *s);

/* Prune in place (ModelSpec._prune) and check nasbench's validity rules.  FALSE with a
 * ZC_ERROR_PARSE message when the spec is not a valid NAS-Bench-101 cell. */
gboolean nb101_prune_check(Nb101Spec *s, GError **error);
guint nb101_n_edges(const Nb101Spec *s);

/* The official NAS-Bench-101 module hash (nasbench graph_util.hash_module with the
 * labels of api._hash_spec: input -1, output -2, conv3x3 0, conv1x1 1, maxpool 2):
 * 32 lowercase hex digits; g_free() it.  Equal hashes = isomorphic cells. */
char *nb101_hash(const Nb101Spec *s);

/* Uniform over the 7-vertex (matrix, ops) pairs of nasbench's random_spec (every upper
 * edge 0/1 with probability 1/2, every interior op uniform over the 3), rejecting those
 * that are not valid cells; the result is pruned. */
void nb101_sample(ZcRng *rng, Nb101Spec *s);
/* NASLib's NB101 mutation (mutation rate 1): the parent padded to 7 vertices, each upper
 * edge flipped with probability 1/7, each interior op changed to one of the 2 others with
 * probability 1/5; retried until the child is valid and differs from the parent. */
void nb101_mutate(const Nb101Spec *parent, ZcRng *rng, Nb101Spec *child);

/* The channels of each vertex of a module (nasbench model_builder.compute_vertex_channels). */
void nb101_vertex_channels(const Nb101Spec *s, guint in_c, guint out_c, guint *vc);

typedef struct {
  guint stem_channels;  /* 128 */
  guint stacks;         /* 3 */
  guint modules;        /* modules (cells) per stack, 3 */
  guint resolution;     /* 32 */
  guint classes;        /* 10 */
} Nb101Macro;

/* Trainable parameters (conv weights, BatchNorm gamma and beta, classifier weight and
 * bias) and forward FLOPs at batch 1 (see docs/spaces.md for the FLOPs convention). */
void nb101_cost(const Nb101Spec *s, const Nb101Macro *m, double *params, double *flops);

#endif
