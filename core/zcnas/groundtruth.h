/* zcnas — a benchmark's ground truth, looked up by architecture.
 *
 * A CSV table with a key column (an architecture as the space writes it, or its index
 * for enumerable spaces) and numeric metric columns (accuracies).  Keys are canonicalised
 * through the space, so any spelling the space parses finds its row.  This is what the
 * core's oracle answers from; searchers query it through ZcRequest (budgeted), programs
 * and tools (LIBRA's selection, reports) may read it directly. */
#ifndef ZC_GROUNDTRUTH_H
#define ZC_GROUNDTRUTH_H
#include <glib.h>
#include <zcnas/space.h>
#include <zcnas/table.h>

G_BEGIN_DECLS

typedef struct ZcGroundTruth ZcGroundTruth;

/* Load `path` (a relative path is looked up beside base_dir, then in zcnas's data
 * directory; base_dir may be NULL), keyed by `key` through `space` (borrowed; it must
 * outlive the result), with the metric columns `metrics` (NULL-terminated).  Errors
 * name the file and line, or list the columns the file has. */
ZcGroundTruth *zc_ground_truth_load(ZcSpace *space, const char *path, const char *base_dir, const char *key,
                                    const char *const *metrics, GError **error);
void zc_ground_truth_free(ZcGroundTruth *gt);
/* The file actually read. */
const char *zc_ground_truth_path(const ZcGroundTruth *gt);
/* sha256 of that file (hex). */
const char *zc_ground_truth_sha256(const ZcGroundTruth *gt);
const ZcTable *zc_ground_truth_table(const ZcGroundTruth *gt);
/* Metric `metric` (index into the list given to load) of `arch`; FALSE when the table
 * has no row for it. */
gboolean zc_ground_truth_lookup(const ZcGroundTruth *gt, const ZcArch *arch, guint metric, double *value);
/* The same, by genotype text (parsed and canonicalised by the space). */
gboolean zc_ground_truth_lookup_text(const ZcGroundTruth *gt, const char *genotype, guint metric,
                                     double *value);

G_END_DECLS
#endif
