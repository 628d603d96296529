/* Split finding on a histogram, with XGBoost's regularised objective.
 *
 * For a node with gradient sum G and hessian sum H the optimal leaf weight is
 *   w* = -T(G) / (H + lambda),  T(G) = sign(G) max(|G| - alpha, 0)   (L1 soft-threshold)
 * (clipped to ±max_delta_step when that is set), and the node's score is
 *   score(G, H) = T(G)^2 / (H + lambda).
 * A split into (GL, HL) and (GR, HR) is worth
 *   loss_chg = score(GL, HL) + score(GR, HR) - score(G, H)
 * and is taken when loss_chg > gamma (and > 1e-6), both children have H >= min_child_weight.
 * Each feature is scanned left to right over its bins twice: once with the node's
 * missing values sent right, once sent left; the better direction is the default.
 * When the node has missing values, the scans also try, as XGBoost does, "every
 * present value left, missing right" and "every present value right, missing left".
 * Categorical features (binning.h) are searched by split_categorical.c instead: one-hot
 * or partition splits on sets of categories, scored the same way. */
#ifndef XGB_SPLIT_H
#define XGB_SPLIT_H
#include "params.h"
#include "histogram.h"
#include "binning.h"

typedef enum { SPLIT_ON_THRESHOLD = 0, SPLIT_ONE_HOT = 1, SPLIT_PARTITION = 2 } SplitKind;

/* monotone_constraints at one node, as XGBoost's TreeEvaluator (split_evaluator.h) keeps them: mono[f] is -1, 0 or 1
 * for every feature; the weights of the node's children are clamped to the node's [lower, upper], a split on a feature
 * of constraint c scores -inf unless its children's weights are ordered as c says (left <= right for 1), and every
 * side's score is taken at its clamped weight (also on unconstrained features: native's evaluator changes formula
 * whenever the constraints are given). The node's own score (root_gain) is taken at its weight clamped to its
 * parent's bounds (native computes it when the parent is split). NULL: no monotone_constraints given. */
typedef struct {
  const int8_t *mono;
  float lower, upper, parent_lower, parent_upper;
} NodeBounds;
/* w clamped to [lower, upper] as native's SplitEvaluator::CalcWeight clamps a float weight */
static inline float clamp_weight(float w, float lower, float upper) { return w < lower ? lower : w > upper ? upper : w; }

typedef struct {
  double loss_chg;
  int feature, bin;       /* threshold: left iff bin <= bin (-1 sends every present value right);
                           * one-hot: the category code that goes right;
                           * partition: how many categories, in split_categorical.c's order, go right */
  int default_left;
  int kind;               /* SplitKind */
  double GL, HL, GR, HR;
} SplitInfo;

double leaf_weight(const Params *p, double G, double H);
double node_score(const Params *p, double G, double H);
/* A split's loss_chg as native's hist evaluator rounds it: each side's score a float, their sum less the node's
 * float score (root_gain) in float (split.c). */
double split_loss_chg(const Params *p, double GL, double HL, double GR, double HR, float root_gain);
/* The same under monotone constraints nb (on feature f): -INFINITY when the children's weights break f's constraint. */
double split_loss_chg_bounded(const Params *p, const NodeBounds *nb, int f, double GL, double HL, double GR, double HR, float root_gain);
/* A node's weight clamped to [lower, upper] (a float, as native's) */
float bounded_weight(const Params *p, double G, double H, float lower, float upper);
/* Categorical features (split_categorical.c): the best one-hot or partition split of
 * feature f, replacing *best when its loss_chg is larger; and the chosen split's set of
 * category codes (those that go right) as a bitset, written to words (n_words words,
 * n_words = cat_set_words(cuts, f)). */
void split_categorical(const Params *p, const Cuts *cuts, const HistBin *hist, double G, double H,
                       float root_gain, const NodeBounds *nb, int f, SplitInfo *best);
int cat_set_words(const Cuts *cuts, int f);
int split_categorical_set(const Params *p, const Cuts *cuts, const HistBin *hist, const SplitInfo *s, uint32_t *words);
/* Several nodes at once, in parallel over (node, feature) (threads.h); the result is
 * each node's best split over its features (loss_chg <= 0 when none is valid), the one a
 * single scan of its features finds. scratch: sum of the nodes' n_features entries. */
#define SPLIT_MAX_NODES 8
typedef struct {
  const HistBin *hist; double G, H;
  const int32_t *features; int n_features;
  SplitInfo *out;
  const NodeBounds *bounds; /* monotone constraints, or NULL */
  float root_gain;        /* filled in: the node's score, a float as native's (split.c side_gain) */
} SplitNode;
int split_find_nodes(const Params *p, const Cuts *cuts, SplitNode *nodes, int n_nodes, SplitInfo *scratch);
/* Gain of every candidate (feature, bin, direction) summed over the nodes of a level
 * (in node order), into acc[2 * (offset[f] + bin) + dir]: what symmetric trees maximise.
 * Invalid candidates (min_child_weight) add -INFINITY. In parallel over features;
 * parent: n_nodes scratch doubles. Returns 0, or -1 when a worker thread failed. */
int split_accumulate_level(const Params *p, const Cuts *cuts, HistBin *const *hists, const double *G, const double *H,
                           double *parent, int n_nodes, const int32_t *features, int n_features, double *acc);
#endif
