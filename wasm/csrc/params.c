#include "params.h"

void params_from_array(Params *p, const double *v) {
  p->objective = (int)v[P_OBJECTIVE];
  p->num_class = (int)v[P_NUM_CLASS];
  p->eta = v[P_ETA];
  p->gamma = v[P_GAMMA];
  p->min_child_weight = v[P_MIN_CHILD_WEIGHT];
  p->lambda = v[P_LAMBDA];
  p->alpha = v[P_ALPHA];
  p->max_delta_step = v[P_MAX_DELTA_STEP];
  p->max_depth = (int)v[P_MAX_DEPTH];
  p->max_leaves = (int)v[P_MAX_LEAVES];
  p->grow_policy = (int)v[P_GROW_POLICY];
  p->subsample = v[P_SUBSAMPLE];
  p->colsample_bytree = v[P_COLSAMPLE_BYTREE];
  p->colsample_bylevel = v[P_COLSAMPLE_BYLEVEL];
  p->colsample_bynode = v[P_COLSAMPLE_BYNODE];
  p->max_bin = (int)v[P_MAX_BIN];
  p->seed = (uint64_t)v[P_SEED];
  p->num_parallel_tree = (int)v[P_NUM_PARALLEL_TREE];
  p->base_score = v[P_BASE_SCORE];
  p->huber_slope = v[P_HUBER_SLOPE];
  p->random_strength = v[P_RANDOM_STRENGTH];
  p->bootstrap_type = (int)v[P_BOOTSTRAP_TYPE];
  p->bagging_temperature = v[P_BAGGING_TEMPERATURE];
  p->max_cat_to_onehot = (int)v[P_MAX_CAT_TO_ONEHOT];
  p->max_cat_threshold = (int)v[P_MAX_CAT_THRESHOLD];
  p->scale_pos_weight = v[P_SCALE_POS_WEIGHT];
  p->tweedie_variance_power = v[P_TWEEDIE_VARIANCE_POWER];
}
