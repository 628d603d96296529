#include "split.h"

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
  double w = leaf_weight(p, G, H);
  double ret = -(2.0 * G * w + (H + p->lambda) * w * w);
  if (p->alpha != 0.0) ret += p->alpha * fabs(w);
  return ret;
}

static inline void consider(const Params *p, SplitInfo *best, double parent, int f, int b, int dleft,
                            double GL, double HL, double G, double H) {
  double GR = G - GL, HR = H - HL;
  if (HL < p->min_child_weight || HR < p->min_child_weight) return;
  double chg = node_score(p, GL, HL) + node_score(p, GR, HR) - parent;
  if (chg > best->loss_chg) {
    best->loss_chg = chg; best->feature = f; best->bin = b; best->default_left = dleft; best->kind = SPLIT_ON_THRESHOLD;
    best->GL = GL; best->HL = HL; best->GR = GR; best->HR = HR;
  }
}

/* The common case (alpha = 0, max_delta_step = 0): score = G^2 / (H + lambda), with
 * the checks folded into the scan so the loop has no calls. */
static void scan_plain(const Params *p, SplitInfo *best, double parent, int f, const HistBin *hf,
                       int first, int last, int dleft, double GL, double HL, double G, double H) {
  double lambda = p->lambda, mcw = p->min_child_weight, bestchg = best->loss_chg;
  int bb = -2;
  double bgl = 0, bhl = 0;
  for (int b = first; b <= last; b++) {
    if (b >= 0) { GL += hf[b].g; HL += hf[b].h; }
    double GR = G - GL, HR = H - HL;
    if (HL < mcw || HR < mcw || HL <= 0.0 || HR <= 0.0) continue;
    double chg = GL * GL / (HL + lambda) + GR * GR / (HR + lambda) - parent;
    if (chg > bestchg) { bestchg = chg; bb = b; bgl = GL; bhl = HL; }
  }
  if (bb >= -1) {
    best->loss_chg = bestchg; best->feature = f; best->bin = bb; best->default_left = dleft; best->kind = SPLIT_ON_THRESHOLD;
    best->GL = bgl; best->HL = bhl; best->GR = G - bgl; best->HR = H - bhl;
  }
}

void split_find(const Params *p, const Cuts *cuts, const HistBin *hist, double G, double H,
                const int32_t *features, int n_features, SplitInfo *best) {
  memset(best, 0, sizeof *best);
  best->loss_chg = 0.0;
  best->feature = -1;
  double parent = node_score(p, G, H);
  if (p->alpha == 0.0 && p->max_delta_step == 0.0) {
    for (int k = 0; k < n_features; k++) {
      int f = features[k], nb = cuts->n_bins[f];
      if (cuts_is_categorical(cuts, f)) { split_categorical(p, cuts, hist, G, H, parent, f, best); continue; }
      const HistBin *hf = hist + cuts->offset[f];
      if (hf[nb].h > 0.0) {
        scan_plain(p, best, parent, f, hf, 0, nb - 1, 0, 0.0, 0.0, G, H);
        scan_plain(p, best, parent, f, hf, -1, nb - 2, 1, hf[nb].g, hf[nb].h, G, H);
      } else {
        scan_plain(p, best, parent, f, hf, 0, nb - 2, 0, 0.0, 0.0, G, H);
      }
    }
    return;
  }
  for (int k = 0; k < n_features; k++) {
    int f = features[k], nb = cuts->n_bins[f];
    if (cuts_is_categorical(cuts, f)) { split_categorical(p, cuts, hist, G, H, parent, f, best); continue; }
    const HistBin *hf = hist + cuts->offset[f];
    const HistBin miss = hf[nb];
    int has_missing = miss.h > 0.0;
    /* forward: missing goes right */
    double GL = 0, HL = 0;
    for (int b = 0; b < nb - 1 + has_missing; b++) {
      GL += hf[b].g; HL += hf[b].h;
      consider(p, best, parent, f, b, 0, GL, HL, G, H);
    }
    if (has_missing) {
      /* backward: missing goes left */
      GL = miss.g; HL = miss.h;
      consider(p, best, parent, f, -1, 1, GL, HL, G, H);
      for (int b = 0; b < nb - 1; b++) {
        GL += hf[b].g; HL += hf[b].h;
        consider(p, best, parent, f, b, 1, GL, HL, G, H);
      }
    }
  }
}

void split_accumulate(const Params *p, const Cuts *cuts, const HistBin *hist, double G, double H,
                      const int32_t *features, int n_features, double *acc) {
  double parent = node_score(p, G, H);
  int plain = p->alpha == 0.0 && p->max_delta_step == 0.0;
  double lambda = p->lambda, mcw = p->min_child_weight;
  for (int k = 0; k < n_features; k++) {
    int f = features[k], nb = cuts->n_bins[f];
    const HistBin *hf = hist + cuts->offset[f];
    double *af = acc + 2 * (size_t)cuts->offset[f];
    const HistBin miss = hf[nb];
    /* without missing values in this node both directions score the same: compute once */
    int dirs = miss.h > 0.0 ? 2 : 1;
    for (int dir = 0; dir < dirs; dir++) {
      double GL = dir ? miss.g : 0, HL = dir ? miss.h : 0;
      for (int b = 0; b < nb - 1; b++) {
        GL += hf[b].g; HL += hf[b].h;
        double GR = G - GL, HR = H - HL;
        /* An empty side is allowed in a symmetric level (that node simply keeps all its
         * rows on one side); min_child_weight binds only where a side has rows. */
        double gain;
        if ((HL > 0 && HL < mcw) || (HR > 0 && HR < mcw)) gain = -INFINITY;
        else if (plain) gain = (HL > 0 ? GL * GL / (HL + lambda) : 0) + (HR > 0 ? GR * GR / (HR + lambda) : 0) - parent;
        else gain = node_score(p, GL, HL) + node_score(p, GR, HR) - parent;
        if (dirs == 2) af[2 * b + dir] += gain;
        else { af[2 * b] += gain; af[2 * b + 1] += gain; }
      }
    }
  }
}
