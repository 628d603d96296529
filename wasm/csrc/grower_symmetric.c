/* Symmetric (oblivious) trees, as CatBoost grows them: every node of a level splits on
 * the same (feature, threshold, missing direction). The level's choice maximises the
 * split gain summed over all its nodes:
 *     score(f, b, dir) = sum over nodes n of  loss_chg_n(f, b, dir)
 * computed from each node's histogram (built for the smaller sibling, the other by
 * subtraction, as in the other growers). With random_strength > 0 a normal noise term
 *     random_strength * sigma_g^2 / mean_h * (1 - iteration / num_rounds) * N(0, 1)
 * is added to each candidate's score: sigma_g^2 / mean_h is the size of the gain a
 * split on pure noise yields, so the noise is on the scale of the scores, and it
 * shrinks over the iterations (CatBoost's schedule shrinks it with model length).
 * A tree of depth d is a binary tree with up to 2^d leaves, saved as an ordinary XGBoost
 * tree. A node that no training weight reaches (the level's split sent all its rows to
 * the sibling) stops there as a leaf of weight 0: splitting it would only add more
 * empty leaves of weight 0 — the same predictions — and split nodes of zero cover,
 * which TreeSHAP cannot weight (native XGBoost's pred_contribs fails on them). */
#include "grower.h"

int grow_symmetric_tree(GrowContext *ctx, Tree *t) {
  if (ctx->monotone || ctx->interactions_on) return xgb_fail("monotone_constraints and interaction_constraints are not implemented for symmetric trees");
  const Params *p = ctx->p;
  const Cuts *cuts = ctx->cuts;
  int slots = cuts->total_slots, depth_limit = p->max_depth > 0 ? p->max_depth : 6, rc = -1;
  int max_nodes = (1 << (depth_limit + 1));
  HistBin **hist = xgb_calloc(max_nodes, sizeof(HistBin *));
  double *G = xgb_calloc(max_nodes, sizeof(double)), *H = xgb_calloc(max_nodes, sizeof(double));
  double *acc = xgb_alloc(sizeof(double) * 2 * (size_t)slots);
  HistBin **level_hists = xgb_alloc(sizeof(HistBin *) * max_nodes);
  double *level_G = xgb_alloc(sizeof(double) * max_nodes * 3), *level_H = level_G ? level_G + max_nodes : NULL, *parent = level_G ? level_G + 2 * max_nodes : NULL;
  int32_t *level_feats = xgb_alloc(sizeof(int32_t) * (ctx->n_features + 1));
  int32_t *level = xgb_alloc(sizeof(int32_t) * max_nodes), *next = xgb_alloc(sizeof(int32_t) * max_nodes);
  /* the level's split nodes (partition_level): their ids and right sides' first rows, and both sides' sums */
  int32_t *split_nid = xgb_alloc(sizeof(int32_t) * 2 * (size_t)max_nodes), *split_mid = split_nid ? split_nid + max_nodes : NULL;
  double *sides = xgb_alloc(sizeof(double) * 4 * (size_t)max_nodes);
  double *GL = sides, *HL = sides ? sides + max_nodes : NULL, *GR = sides ? sides + 2 * max_nodes : NULL, *HR = sides ? sides + 3 * max_nodes : NULL;
  if (!hist || !G || !H || !acc || !level_hists || !level_G || !level_feats || !level || !next || !split_nid || !sides) goto done;
  if (grow_reserve_nodes(ctx, max_nodes) < 0) goto done;

  int root = tree_add_node(t, -1);
  if (root < 0) goto done;
  ctx->node_begin[root] = 0; ctx->node_end[root] = ctx->nrow;
  ctx->node_virtual[root] = 0; ctx->node_alt[root] = 0;
  sum_gradients(ctx, 0, 0, ctx->nrow, &G[root], &H[root]);
  if (!(hist[root] = xgb_alloc(sizeof(HistBin) * slots))) goto done;
  if (hist_build_node(ctx, hist[root], root) < 0) goto done;
  int n_level = 1;
  level[0] = root;

  double noise = 0.0;
  if (p->random_strength > 0.0 && ctx->num_rounds > 0) {
    double decay = 1.0 - (double)ctx->iteration / ctx->num_rounds;
    noise = p->random_strength * ctx->grad_variance * (decay > 0 ? decay : 0);
  }

  for (int depth = 0; depth < depth_limit; depth++) {
    int nf;
    choose_features(ctx, ctx->features, ctx->n_features, p->colsample_bylevel, level_feats, &nf);
    memset(acc, 0, sizeof(double) * 2 * (size_t)slots);
    for (int k = 0; k < n_level; k++) {
      level_hists[k] = hist[level[k]]; level_G[k] = G[level[k]]; level_H[k] = H[level[k]];
    }
    if (split_accumulate_level(p, cuts, level_hists, level_G, level_H, parent, n_level, level_feats, nf, acc) < 0) goto done;
    double best = -INFINITY;
    int bf = -1, bb = 0, bdir = 0;
    for (int k = 0; k < nf; k++) {
      int f = level_feats[k], nb = cuts->n_bins[f];
      const double *af = acc + 2 * (size_t)cuts->offset[f];
      int has_missing = 0;
      for (int j = 0; j < n_level && !has_missing; j++) has_missing = hist[level[j]][cuts->offset[f] + nb].h > 0;
      for (int b = 0; b < nb - 1; b++) {
        for (int dir = 0; dir < (has_missing ? 2 : 1); dir++) {
          double s = af[2 * b + dir];
          if (noise > 0.0 && isfinite(s)) s += noise * rng_normal(ctx->rng);
          if (s > best) { best = s; bf = f; bb = b; bdir = dir; }
        }
      }
    }
    /* the unperturbed gain decides whether the level is worth adding */
    double real_gain = bf >= 0 ? acc[2 * ((size_t)cuts->offset[bf] + bb) + bdir] : 0.0;
    if (bf < 0 || !(real_gain > XGB_RT_EPS) || real_gain < p->gamma) break;

    /* empty nodes stay leaves; the others split on (bf, bb, bdir), their rows partitioned and both sides summed for
     * the whole level at once (side by side on several threads: partition_level) */
    int n_split = 0;
    for (int k = 0; k < n_level; k++) {
      int nid = level[k];
      if (!(H[nid] > 0)) {
        /* empty: adds 0 to every candidate's score above, and stays a leaf */
        finish_leaf(p, t, nid, G[nid], H[nid]);
        free(hist[nid]);
        hist[nid] = NULL;
        continue;
      }
      split_nid[n_split++] = nid;
    }
    int last = depth + 1 == depth_limit; /* children are leaves: no need to move rows */
    if (partition_level(ctx, split_nid, n_split, bf, bb, bdir, !last, split_mid, GL, HL, GR, HR) < 0) goto done;
    int n_next = 0;
    for (int k = 0; k < n_split; k++) {
      int nid = split_nid[k], begin = ctx->node_begin[nid], end = ctx->node_end[nid], mid = split_mid[k];
      int l = tree_add_node(t, nid), r = l < 0 ? -1 : tree_add_node(t, nid);
      if (r < 0) goto done;
      t->left[nid] = l; t->right[nid] = r;
      t->feature[nid] = bf;
      t->cond[nid] = cuts->cuts[bf][bb];
      t->default_left[nid] = (uint8_t)bdir;
      t->sum_hess[nid] = (float)H[nid];
      t->base_weight[nid] = (float)leaf_weight(p, G[nid], H[nid]);
      ctx->node_split_bin[nid] = bb;
      ctx->node_alt[l] = ctx->node_alt[r] = ctx->node_alt[nid]; /* where partition_level left its rows */
      G[l] = GL[k]; H[l] = HL[k]; G[r] = GR[k]; H[r] = HR[k];
      if (last) {
        ctx->node_begin[l] = ctx->node_begin[r] = begin;
        ctx->node_end[l] = ctx->node_end[r] = end;
        ctx->node_virtual[l] = ctx->node_virtual[r] = 1;
      } else {
        ctx->node_begin[l] = begin; ctx->node_end[l] = mid;
        ctx->node_begin[r] = mid; ctx->node_end[r] = end;
        ctx->node_virtual[l] = ctx->node_virtual[r] = 0;
      }
      /* both sides summed over their rows, not one as the parent's sum minus the other:
       * an empty side is then exactly 0 (cover 0, weight 0), not a rounding residue */
      t->loss_chg[nid] = (float)(node_score(p, G[l], H[l]) + node_score(p, G[r], H[r]) - node_score(p, G[nid], H[nid]));
      if (!last) {
        HistBin *small = xgb_alloc(sizeof(HistBin) * slots);
        if (!small) goto done;
        int left_smaller = (mid - begin) <= (end - mid);
        if (hist_build_node(ctx, small, left_smaller ? l : r) < 0) { free(small); goto done; }
        hist_subtract(hist[nid], hist[nid], small, slots);
        hist[l] = left_smaller ? small : hist[nid];
        hist[r] = left_smaller ? hist[nid] : small;
      } else {
        free(hist[nid]);
      }
      hist[nid] = NULL;
      next[n_next++] = l;
      next[n_next++] = r;
    }
    int32_t *tmp = level; level = next; next = tmp;
    n_level = n_next;
  }
  for (int k = 0; k < n_level; k++) finish_leaf(p, t, level[k], G[level[k]], H[level[k]]);
  rc = 0;
done:
  if (hist) for (int i = 0; i < max_nodes; i++) free(hist[i]);
  free(hist); free(G); free(H); free(acc); free(level_hists); free(level_G); free(level_feats); free(level); free(next);
  free(split_nid); free(sides);
  return rc;
}
