/* DARTS / NAS-Bench-301 genotypes: a normal and a reduction cell, each with 4 intermediate
 * nodes; node n (n = 0..3, cell state n+2) sums two (op, input) pairs whose inputs are states
 * 0..n+1 (0 and 1: the two cell inputs, 2..5: the intermediate nodes); the cell output is the
 * concatenation of states 2, 3, 4, 5.
 *
 * Op codes follow NAS-Bench-301's / NASLib's compact encoding (checked against the genotype
 * column of NBSZ's NB301 table on every row):
 *   0 max_pool_3x3, 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5,
 *   5 dil_conv_3x3, 6 dil_conv_5x5.
 *
 * Text forms (both parsed by darts_parse):
 *   compact (canonical):  "i,o i,o i,o i,o i,o i,o i,o i,o|i,o ... i,o"  normal|reduce, pairs
 *                         in node order, input then op code (NASLib's compact, as in the table)
 *   genotype:             "Genotype(normal=[('max_pool_3x3', 0), ...], normal_concat=[2, 3, 4, 5],
 *                          reduce=[...], reduce_concat=[2, 3, 4, 5])"  (or range(2, 6)) */
#ifndef ZC_DARTS_GENOTYPE_H
#define ZC_DARTS_GENOTYPE_H
#include <glib.h>
#include <zcnas/rng.h>

#define DARTS_NODES 4
#define DARTS_PAIRS 8      /* (op, input) pairs per cell: two per node */
#define DARTS_OPS 7

enum { DARTS_MAX_POOL, DARTS_AVG_POOL, DARTS_SKIP, DARTS_SEP3, DARTS_SEP5, DARTS_DIL3, DARTS_DIL5 };
enum { DARTS_NORMAL, DARTS_REDUCE };

typedef struct {
  guint8 input[2][DARTS_PAIRS];   /* [cell][pair]: state 0..node+1, node = pair / 2 */
  guint8 op[2][DARTS_PAIRS];
} DartsGenotype;

const char *darts_op_name(guint op);

/* Either text form; errors name the position (1-based character) and the field. */
gboolean darts_parse(const char *text, DartsGenotype *g, GError **error);
char *darts_format(const DartsGenotype *g);            /* compact, canonical */
char *darts_format_genotype(const DartsGenotype *g);   /* Genotype(...), concat [2, 3, 4, 5] */

/* Sound isomorphism key: the two pairs of each node in sorted order (a sum is symmetric). */
char *darts_iso_key(const DartsGenotype *g);

/* NASLib's sample_random_architecture: per node and cell two distinct inputs, ops uniform. */
void darts_sample(ZcRng *rng, DartsGenotype *g);
/* NASLib's DARTS mutation (mutation_rate 1), always producing a different genotype: a random
 * (cell, pair) gets either another op or another input (never the input of its sibling
 * pair).  NASLib may redraw the same value; here the draw is among the other values. */
void darts_mutate(const DartsGenotype *parent, ZcRng *rng, DartsGenotype *child);
/* Node-wise crossover: each of the 8 nodes (4 per cell) comes, both pairs together, from
 * either parent with probability 1/2 (so distinct inputs stay distinct). */
void darts_crossover(const DartsGenotype *a, const DartsGenotype *b, ZcRng *rng, DartsGenotype *child);

/* Macro skeleton: DARTS NetworkCIFAR without auxiliary head. */
typedef struct {
  guint channels;     /* C of the first cells (32 for NBSZ's NB301 networks) */
  guint layers;       /* cells; reductions at layers/3 and 2*layers/3 (8) */
  guint resolution;   /* input side (32) */
  guint classes;      /* 10 */
} DartsMacro;

/* Is cell i a reduction cell? */
gboolean darts_is_reduction(const DartsMacro *m, guint i);

/* Parameters (BN affine terms where the network has them) and forward FLOPs at batch 1,
 * counted as NAS-Bench-Suite-Zero did (tensorwatch's torchstat): convolution and linear
 * multiply-adds (no bias terms), 1 per ReLU input, 1 per BatchNorm input (2 when affine),
 * k*k per pooling output, and (H+1)*(W+1) per channel for the global average pool. */
void darts_cost(const DartsGenotype *g, const DartsMacro *m, double *params, double *flops);
/* Just the convolution and linear multiply-adds (what zc_net_macs counts). */
double darts_macs(const DartsGenotype *g, const DartsMacro *m);

#endif
