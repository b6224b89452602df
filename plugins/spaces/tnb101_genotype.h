/* TransNAS-Bench-101 genotypes (Duan et al., CVPR 2021): the micro (cell) and the macro
 * (block stack) search spaces, in the benchmark's own architecture strings.
 *
 *   micro  "64-41414-a_bb_ccc"   base channels 64, the fixed layer code 41414, and the cell:
 *          a = op of edge 1<-0; bb = edges 2<-0, 2<-1; ccc = edges 3<-0, 3<-1, 3<-2.
 *          Ops (TransNAS cell_ops.OPS): 0 zero, 1 skip (identity, or a factorized reduce
 *          when the edge changes shape), 2 ReLU-conv1x1-BN, 3 ReLU-conv3x3-BN.
 *          4,096 cells; index = the 6 edge ops read as a base-4 number, edge 1<-0 most
 *          significant (the op_indices order of NASLib and of the benchmark tables).
 *   macro  "64-1242-basic"        base channels 64 and 4..6 layer digits, each a stack of two
 *          ResNet basic blocks: 1 keep, 2 double the channels, 3 stride 2, 4 both.  The
 *          benchmark has 1..4 stride layers and 1..3 channel-doubling layers: 3,256 stacks;
 *          index = rank of the layer code padded with 0s to 6 digits, in string order
 *          (NASLib's op_indices order, the order of the benchmark's full table).
 */
#ifndef ZC_TNB101_GENOTYPE_H
#define ZC_TNB101_GENOTYPE_H
#include <glib.h>
#include <zcnas/rng.h>

#define TNB_EDGES 6
#define TNB_MAX_LAYERS 6
#define TNB_BASE 64
#define TNB_MICRO_COUNT 4096u
#define TNB_MACRO_COUNT 3256u

enum { TNB_ZERO, TNB_SKIP, TNB_CONV1, TNB_CONV3, TNB_N_OPS };

typedef struct {
  gboolean micro;                 /* micro (cell) string, else macro (basic blocks) */
  guint8 n_layers;                /* micro: 5 (41414); macro: 4..6 */
  guint8 layer[TNB_MAX_LAYERS];   /* layer digits 1..4 */
  guint8 op[TNB_EDGES];           /* micro: edge ops, NASLib/TransNAS edge order */
} TnbGenotype;

/* Parse an official string of either variant; errors name the 1-based position and field. */
gboolean tnb_parse(const char *text, TnbGenotype *g, GError **error);
char *tnb_format(const TnbGenotype *g);

/* Enumeration (micro: base-4 op_indices order; macro: padded op_indices string order). */
void tnb_micro_from_index(guint index, TnbGenotype *g);
guint tnb_micro_to_index(const TnbGenotype *g);
gboolean tnb_macro_from_index(guint index, TnbGenotype *g);
gboolean tnb_macro_to_index(const TnbGenotype *g, guint *index);

/* NASLib's sample_random_architecture and mutate (TransBench101SearchSpaceMicro / Macro). */
void tnb_sample(gboolean micro, ZcRng *rng, TnbGenotype *g);
void tnb_mutate(const TnbGenotype *parent, ZcRng *rng, TnbGenotype *child);

typedef enum {
  TNB_TASK_CLASS_OBJECT,
  TNB_TASK_CLASS_SCENE,
  TNB_TASK_AUTOENCODER,
  TNB_TASK_NORMAL,
  TNB_TASK_JIGSAW,
  TNB_TASK_ROOM_LAYOUT,
  TNB_TASK_SEGMENTSEMANTIC,
  TNB_N_TASKS
} TnbTask;

/* The head each task puts on the encoder (TransNAS / NASLib create_model):
 *   LINEAR        global average pool, linear (class_object 100, class_scene 63, room_layout 9)
 *   SIAMESE       jigsaw: 9 tiles through the shared encoder, pool, linear on the 9 concatenated
 *                 features to 1000 permutation classes (counted, not built)
 *   GENERATIVE    autoencoder, normal: GenerativeDecoder back to the input side, 3 channels, tanh
 *   SEGMENTATION  segmentsemantic: SegmentationDecoder to 17 classes per pixel at the input side */
typedef enum { TNB_HEAD_LINEAR, TNB_HEAD_SIAMESE, TNB_HEAD_GENERATIVE, TNB_HEAD_SEGMENTATION } TnbHead;

#define TNB_JIGSAW_TILES 9
/* Why jigsaw networks are not built (the space refuses the task with this reason). */
#define TNB_JIGSAW_WHY                                                                        \
  "its siamese encoder runs the 9 tiles of each image through one set of weights (9x the batch, " \
  "BatchNorm statistics over all tiles), and the engine has neither weight sharing nor an op "  \
  "that changes the batch; its params/FLOPs are counted (zcnas arch)"
#define TNB_ROOM_LAYOUT_DIMS 9

const char *tnb_task_name(TnbTask t);
TnbHead tnb_task_head(TnbTask t);
/* Classes of a task whose target is a class (object 100, scene 63, jigsaw 1000,
 * segmentsemantic 17 per pixel), else 0. */
guint tnb_task_classes(TnbTask t);
/* Output channels of the head: the classes, 9 for room_layout, 3 for the decoders. */
guint tnb_task_outputs(TnbTask t);
/* Tasks whose network tnb101_net.c builds (all but jigsaw); tnb_cost counts every task. */
gboolean tnb_task_supported(TnbTask t);

typedef struct {
  TnbTask task;
  guint resolution;   /* input side: 256 in the benchmark */
} TnbMacro;

/* Side of the encoder's output feature map for a given input side. */
guint tnb_encoder_side(const TnbGenotype *g, guint resolution, guint *channels);

/* Parameters and forward FLOPs at batch 1 of the encoder plus the task's head/decoder
 * (jigsaw: the encoder on one tile of side resolution/4, once, as NBSZ's table counts it),
 * counted as NAS-Bench-Suite-Zero's tables (torchstat: conv/linear multiply-adds without
 * bias terms, 1 per ReLU input, 2 per affine BatchNorm input, (H+1)(W+1) per channel for
 * the global average pool).  FALSE (error set) for a resolution the decoder cannot reach. */
gboolean tnb_cost(const TnbGenotype *g, const TnbMacro *m, double *params, double *flops,
                  GError **error);
/* Just the conv/transposed-conv/linear multiply-adds (what zc_net_macs counts). */
double tnb_macs(const TnbGenotype *g, const TnbMacro *m);

/* Decoder upsampling count, TransNAS GenerativeDecoder: log2(resolution / side);
 * 0 when not a power of two in 2..6. */
guint tnb_decoder_upsamples(guint side, guint resolution);

#endif
