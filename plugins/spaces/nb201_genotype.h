/* NAS-Bench-201 cell genotypes: 6 edges, 5 operations.
 *
 * Edge order is the order of the standard string |op~0|+|op~0|op~1|+|op~0|op~1|op~2|:
 * (0->1), (0->2), (1->2), (0->3), (1->3), (2->3).  Op codes follow the NAS-Bench-201
 * search-space list: 0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3. */
#ifndef ZC_NB201_GENOTYPE_H
#define ZC_NB201_GENOTYPE_H
#include <glib.h>
#include <zcnas/rng.h>

#define NB201_EDGES 6
#define NB201_OPS 5
#define NB201_COUNT 15625u

enum { NB201_NONE, NB201_SKIP, NB201_CONV1, NB201_CONV3, NB201_AVG };

typedef struct {
  guint8 op[NB201_EDGES];
} Nb201Genotype;

/* The two nodes each edge connects. */
extern const guint8 nb201_edge_from[NB201_EDGES];
extern const guint8 nb201_edge_to[NB201_EDGES];
const char *nb201_op_name(guint op);

gboolean nb201_parse(const char *text, Nb201Genotype *g, GError **error);
char *nb201_format(const Nb201Genotype *g);

/* Official NAS-Bench-201 / NATS-Bench index (0..15624) in both directions. */
void nb201_from_index(guint index, Nb201Genotype *g);
guint nb201_to_index(const Nb201Genotype *g);

/* NATS-Bench get_unique_str with zeros considered: equal keys compute the same function. */
char *nb201_iso_key(const Nb201Genotype *g);

void nb201_sample(ZcRng *rng, Nb201Genotype *g);
/* One edge changed to a different operation. */
void nb201_mutate(const Nb201Genotype *parent, ZcRng *rng, Nb201Genotype *child);
/* Each edge from either parent with probability 1/2. */
void nb201_crossover(const Nb201Genotype *a, const Nb201Genotype *b, ZcRng *rng, Nb201Genotype *child);

/* Macro skeleton settings. */
typedef struct {
  guint channels;   /* C of the first stage (16) */
  guint cells;      /* N cells per stage (5) */
  guint resolution; /* input side (32, or 16 for ImageNet16-120) */
  guint classes;
} Nb201Macro;

/* Parameters (with BatchNorm affine terms) and forward FLOPs at batch 1: multiply-adds of
 * convolutions and linear layers, k*k per output of pooling, 2 per BatchNorm output,
 * 1 per ReLU output, 1 per input of global average pooling. */
void nb201_cost(const Nb201Genotype *g, const Nb201Macro *m, double *params, double *flops);

#endif
