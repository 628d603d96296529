#include "split.h"
#include "threads.h"

static inline double threshold_l1(double g, double alpha) {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0.0;
}

double leaf_weight(const Params *p, double G, double H) {
  if (H < p->min_child_weight || H <= 0.0) return 0.0;
  double w = -threshold_l1(G, p->alpha) / (H + p->lambda);
  if (p->max_delta_step != 0.0 && fabs(w) > p->max_delta_step) w = copysign(p->max_delta_step, w);
  return w;
}

double node_score(const Params *p, double G, double H) {
  if (H < p->min_child_weight || H <= 0.0) return 0.0;
  if (p->max_delta_step == 0.0) {
    double t = threshold_l1(G, p->alpha);
    return t * t / (H + p->lambda);
  }
  /* XGBoost's hist evaluator (split_evaluator.h CalcGainGivenWeight): the clipped weight's score, with no alpha
   * term — the older CalcGain added alpha * |w| here, and so did this core, growing other trees than native's
   * whenever alpha and max_delta_step met (count:poisson's default max_delta_step 0.7 with any alpha) */
  double w = leaf_weight(p, G, H);
  return -(2.0 * G * w + (H + p->lambda) * w * w);
}

/* A side's score T(G)^2 / (H + lambda) as native's evaluator divides (split_evaluator.h Divide(float, float)): the
 * square and the denominator are taken in double, each rounded to a float, and divided in float. Dividing in double
 * and rounding the quotient differed from native's by an ulp or so on most sides, and the split gains (a difference
 * of such sums) by many ulps: with weights spanning 1e-6..1e6 every node's loss_chg differed and a depth-6 tree took
 * f1 < 2 (393191.5) where native takes f1 < 1.25 (393191). */
static inline float float_score(double num, double den) { return (float)num / (float)den; }

/* A side's score as XGBoost's hist evaluator returns it (CalcGainGivenWeight): a float — from the sums in double
 * without max_delta_step, in float from the clipped weight with it. A split's loss_chg is then the float sum of its
 * two sides less the node's float score, in float: candidates whose gains differ only past a float's precision tie
 * there, and the first found is kept. Gains in double told such near-ties apart by their last bits — splits on either
 * side of a bin whose rows mirror another's (common on few distinct values in the first rounds, where every row has
 * the same hessian) — and picked another threshold than native's: a multi:softprob tree split at f2 < 3 where native
 * splits at f2 < 2, its margins 0.01 apart on the rows between. */
static inline float side_gain(const Params *p, double G, double H) {
  if (H <= 0.0) return 0.0f;
  if (p->max_delta_step == 0.0) {
    double t = threshold_l1(G, p->alpha);
    return float_score(t * t, H + p->lambda);
  }
  float w = (float)leaf_weight(p, G, H), g = (float)G, h = (float)H, lambda = (float)p->lambda;
  return -(2.0f * g * w + (h + lambda) * (w * w));
}
static inline double split_gain(const Params *p, double GL, double HL, double GR, double HR, float parent) {
  float chg = side_gain(p, GL, HL) + side_gain(p, GR, HR);
  return (double)(chg - parent);
}
double split_loss_chg(const Params *p, double GL, double HL, double GR, double HR, float root_gain) {
  return split_gain(p, GL, HL, GR, HR, root_gain);
}

float bounded_weight(const Params *p, double G, double H, float lower, float upper) {
  return clamp_weight((float)leaf_weight(p, G, H), lower, upper);
}
/* native's CalcGainGivenWeight in float: the side's score at weight w (no alpha term) */
static inline float gain_given_weight(const Params *p, double G, double H, float w) {
  if (H <= 0.0) return 0.0f;
  float g = (float)G, h = (float)H, lambda = (float)p->lambda;
  return -(2.0f * g * w + (h + lambda) * (w * w));
}
/* native's CalcSplitGain with constraints: both sides at their clamped weights, -inf for a split whose weights break
 * feature f's direction (checked before the node's score is taken off, as native) */
double split_loss_chg_bounded(const Params *p, const NodeBounds *nb, int f, double GL, double HL, double GR, double HR, float root_gain) {
  float wl = bounded_weight(p, GL, HL, nb->lower, nb->upper), wr = bounded_weight(p, GR, HR, nb->lower, nb->upper);
  float gain = gain_given_weight(p, GL, HL, wl) + gain_given_weight(p, GR, HR, wr);
  int c = nb->mono[f];
  if ((c > 0 && !(wl <= wr)) || (c < 0 && !(wl >= wr))) return -INFINITY;
  return (double)(gain - root_gain);
}
/* a node's root_gain under constraints: its score at its weight clamped to its parent's bounds (native's CalcGain) */
static float bounded_root_gain(const Params *p, const NodeBounds *nb, double G, double H) {
  return gain_given_weight(p, G, H, bounded_weight(p, G, H, nb->parent_lower, nb->parent_upper));
}

/* A candidate replaces the best only when strictly better: each scan runs in native's direction (the missing-right
 * one upwards, the missing-left one downwards) and keeps its first best, as native's EnumerateSplit. */
static inline void consider(const Params *p, const NodeBounds *nb, SplitInfo *best, float parent, int f, int b, int dleft,
                            double GL, double HL, double GR, double HR) {
  if (HL < p->min_child_weight || HR < p->min_child_weight) return;
  double chg = nb ? split_loss_chg_bounded(p, nb, f, GL, HL, GR, HR, parent) : split_gain(p, GL, HL, GR, HR, parent);
  if (chg > best->loss_chg) {
    best->loss_chg = chg; best->feature = f; best->bin = b; best->default_left = dleft; best->kind = SPLIT_ON_THRESHOLD;
    best->GL = GL; best->HL = HL; best->GR = GR; best->HR = HR;
  }
}

/* The common case (alpha = 0, max_delta_step = 0): score = G^2 / (H + lambda), with
 * the checks folded into the scan so the loop has no calls.
 *
 * As native's EnumerateSplit: the missing-right scan goes up the bins summing the left side (the right one is the
 * node's sums less it), the missing-left scan goes down them summing the right side (the left one, missing values
 * included, is the node's sums less it). Each keeps its first best, so among tied thresholds (either side of a bin
 * with no rows in the node) the lowest when missing values go right and the highest when they go left; the
 * missing-left scan replaces the other's best only when strictly better. Empty bins are common: deep nodes, and a fit
 * on a row view, where the whole matrix's cuts include values only other rows have (qmatrix.h).
 * The missing-left side was summed upwards from the missing values' slot: the same rows, other roundings — with
 * weights spanning 1e-6..1e6 a small leaf's hessian was ulps off native's. */
static void scan_plain(const Params *p, SplitInfo *best, float parent, int f, const HistBin *hf, int last, double G, double H) {
  double lambda = p->lambda, mcw = p->min_child_weight, bestchg = best->loss_chg;
  int bb = -2;
  double bgl = 0, bhl = 0, GL = 0, HL = 0;
  for (int b = 0; b <= last; b++) {
    GL += hf[b].g; HL += hf[b].h;
    double GR = G - GL, HR = H - HL;
    if (HL < mcw || HR < mcw || HL <= 0.0 || HR <= 0.0) continue;
    /* as split_gain: each side a float, their sum less the node's score in float */
    float sides = float_score(GL * GL, HL + lambda) + float_score(GR * GR, HR + lambda);
    double chg = (double)(sides - parent);
    if (chg > bestchg) { bestchg = chg; bb = b; bgl = GL; bhl = HL; }
  }
  if (bb >= 0) {
    best->loss_chg = bestchg; best->feature = f; best->bin = bb; best->default_left = 0; best->kind = SPLIT_ON_THRESHOLD;
    best->GL = bgl; best->HL = bhl; best->GR = G - bgl; best->HR = H - bhl;
  }
}
static void scan_plain_left(const Params *p, SplitInfo *best, float parent, int f, const HistBin *hf, int n_bins, double G, double H) {
  double lambda = p->lambda, mcw = p->min_child_weight, bestchg = best->loss_chg;
  int bb = -2;
  double bgr = 0, bhr = 0, GR = 0, HR = 0;
  for (int b = n_bins - 2; b >= -1; b--) {
    GR += hf[b + 1].g; HR += hf[b + 1].h;
    double GL = G - GR, HL = H - HR;
    if (HL < mcw || HR < mcw || HL <= 0.0 || HR <= 0.0) continue;
    float sides = float_score(GL * GL, HL + lambda) + float_score(GR * GR, HR + lambda);
    double chg = (double)(sides - parent);
    if (chg > bestchg) { bestchg = chg; bb = b; bgr = GR; bhr = HR; }
  }
  if (bb >= -1) {
    best->loss_chg = bestchg; best->feature = f; best->bin = bb; best->default_left = 1; best->kind = SPLIT_ON_THRESHOLD;
    best->GL = G - bgr; best->HL = H - bhr; best->GR = bgr; best->HR = bhr;
  }
}

/* The best split on feature f alone (best starts empty: loss_chg 0, feature -1). */
/* root: the node's score as native keeps it (its root_gain, a float: side_gain) */
/* nb: monotone constraints (NULL: none), scored by consider()'s general path */
static void split_find_feature(const Params *p, const Cuts *cuts, const HistBin *hist, double G, double H,
                               float root, const NodeBounds *nb, int f, SplitInfo *best) {
  memset(best, 0, sizeof *best);
  best->loss_chg = 0.0;
  best->feature = -1;
  int n_bins = cuts->n_bins[f];
  if (cuts_is_categorical(cuts, f)) { split_categorical(p, cuts, hist, G, H, root, nb, f, best); return; }
  const HistBin *hf = hist + cuts->offset[f];
  int has_missing = hf[n_bins].h > 0.0;
  /* without missing values the last bin's candidate sends every row left: not a split */
  int last = has_missing ? n_bins - 1 : n_bins - 2;
  if (p->alpha == 0.0 && p->max_delta_step == 0.0 && !nb) {
    scan_plain(p, best, root, f, hf, last, G, H);
    if (has_missing) scan_plain_left(p, best, root, f, hf, n_bins, G, H);
    return;
  }
  /* forward: missing goes right */
  double GL = 0, HL = 0;
  for (int b = 0; b <= last; b++) {
    GL += hf[b].g; HL += hf[b].h;
    consider(p, nb, best, root, f, b, 0, GL, HL, G - GL, H - HL);
  }
  if (has_missing) {
    /* backward: missing goes left */
    double GR = 0, HR = 0;
    for (int b = n_bins - 2; b >= -1; b--) {
      GR += hf[b + 1].g; HR += hf[b + 1].h;
      consider(p, nb, best, root, f, b, 1, G - GR, H - HR, GR, HR);
    }
  }
}

/* Features in the given order, a later one replacing the best only when strictly
 * better: the same choice a single scan over all features makes. */
static void reduce_features(const SplitInfo *per_feature, int n, SplitInfo *best) {
  memset(best, 0, sizeof *best);
  best->loss_chg = 0.0;
  best->feature = -1;
  for (int k = 0; k < n; k++)
    if (per_feature[k].feature >= 0 && per_feature[k].loss_chg > best->loss_chg) *best = per_feature[k];
}

typedef struct { const Params *p; const Cuts *cuts; SplitNode *nodes; int n_nodes; SplitInfo *scratch; int *first; } SplitJob;

static void find_task(void *arg, int task) {
  const SplitJob *j = arg;
  int n = 0;
  while (n + 1 < j->n_nodes && task >= j->first[n + 1]) n++;
  const SplitNode *node = &j->nodes[n];
  int f = node->features[task - j->first[n]];
  /* categorical features: afterwards, on the main thread (their search allocates) */
  if (cuts_is_categorical(j->cuts, f)) return;
  split_find_feature(j->p, j->cuts, node->hist, node->G, node->H, node->root_gain, node->bounds, f, &j->scratch[task]);
}

int split_find_nodes(const Params *p, const Cuts *cuts, SplitNode *nodes, int n_nodes, SplitInfo *scratch) {
  int first[SPLIT_MAX_NODES + 1];
  if (n_nodes > SPLIT_MAX_NODES) return xgb_fail("split_find_nodes: %d nodes at once (at most %d)", n_nodes, SPLIT_MAX_NODES);
  first[0] = 0;
  for (int n = 0; n < n_nodes; n++) {
    nodes[n].root_gain = nodes[n].bounds ? bounded_root_gain(p, nodes[n].bounds, nodes[n].G, nodes[n].H) : side_gain(p, nodes[n].G, nodes[n].H);
    first[n + 1] = first[n] + nodes[n].n_features;
  }
  SplitJob j = { p, cuts, nodes, n_nodes, scratch, first };
  if (par_run(find_task, &j, first[n_nodes]) < 0) return -1;
  for (int n = 0; n < n_nodes; n++)
    for (int k = 0; k < nodes[n].n_features; k++)
      if (cuts_is_categorical(cuts, nodes[n].features[k]))
        split_find_feature(p, cuts, nodes[n].hist, nodes[n].G, nodes[n].H, nodes[n].root_gain, nodes[n].bounds, nodes[n].features[k], &scratch[first[n] + k]);
  for (int n = 0; n < n_nodes; n++) reduce_features(scratch + first[n], nodes[n].n_features, nodes[n].out);
  return 0;
}

/* The gains of feature f over the nodes of a level, added in node order. */
static void accumulate_feature(const Params *p, const Cuts *cuts, HistBin *const *hists, const double *G, const double *H,
                               const double *parent, int n_nodes, int f, double *acc) {
  int plain = p->alpha == 0.0 && p->max_delta_step == 0.0;
  double lambda = p->lambda, mcw = p->min_child_weight;
  int nb = cuts->n_bins[f];
  double *af = acc + 2 * (size_t)cuts->offset[f];
  for (int n = 0; n < n_nodes; n++) {
    const HistBin *hf = hists[n] + cuts->offset[f];
    const HistBin miss = hf[nb];
    /* without missing values in this node both directions score the same: compute once */
    int dirs = miss.h > 0.0 ? 2 : 1;
    for (int dir = 0; dir < dirs; dir++) {
      double GL = dir ? miss.g : 0, HL = dir ? miss.h : 0;
      for (int b = 0; b < nb - 1;) {
        GL += hf[b].g; HL += hf[b].h;
        double GR = G[n] - GL, HR = H[n] - HL;
        /* An empty side is allowed in a symmetric level (that node simply keeps all its
         * rows on one side); min_child_weight binds only where a side has rows. */
        double gain;
        if ((HL > 0 && HL < mcw) || (HR > 0 && HR < mcw)) gain = -INFINITY;
        else if (plain) gain = (HL > 0 ? GL * GL / (HL + lambda) : 0) + (HR > 0 ? GR * GR / (HR + lambda) : 0) - parent[n];
        else gain = node_score(p, GL, HL) + node_score(p, GR, HR) - parent[n];
        /* The bins after b that none of the node's rows falls in (both sums exactly 0: most bins of a deep level's
         * nodes, which hold a few rows each) leave GL and HL as they are: their candidates score this same gain,
         * added over the run at once instead of computed bin by bin (a small table's symmetric fit spent most of
         * its time in this loop). The sums are the same, added in the same order. */
        int e = b + 1;
        while (e < nb - 1 && hf[e].g == 0.0 && hf[e].h == 0.0) e++;
        if (dirs == 2) for (int k = b; k < e; k++) af[2 * k + dir] += gain;
        else for (double *a = af + 2 * b, *a_end = af + 2 * e; a < a_end; a++) *a += gain;
        b = e;
      }
    }
  }
}

typedef struct {
  const Params *p; const Cuts *cuts; HistBin *const *hists; const double *G, *H, *parent; int n_nodes;
  const int32_t *features; double *acc;
} AccumulateJob;

static void accumulate_task(void *arg, int k) {
  const AccumulateJob *j = arg;
  accumulate_feature(j->p, j->cuts, j->hists, j->G, j->H, j->parent, j->n_nodes, j->features[k], j->acc);
}

int split_accumulate_level(const Params *p, const Cuts *cuts, HistBin *const *hists, const double *G, const double *H,
                           double *parent, int n_nodes, const int32_t *features, int n_features, double *acc) {
  for (int n = 0; n < n_nodes; n++) parent[n] = node_score(p, G[n], H[n]);
  AccumulateJob j = { p, cuts, hists, G, H, parent, n_nodes, features, acc };
  return par_run(accumulate_task, &j, n_features);
}
