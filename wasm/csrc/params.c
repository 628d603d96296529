#include "params.h"

/* XGBoost keeps these parameters as floats (TrainParam, RegLossParam, PseudoHuberParam, TweedieRegressionParam, LambdaRankParam): the
 * core takes them rounded so. Used as given, lambda 0.1 put leaves and split scores an ulp off native's
 * (H + 0.1 against H + 0.1f), and so did eta, alpha and min_child_weight. */
static double as_float(double v) { return (double)(float)v; }

void params_from_array(Params *p, const double *v) {
  p->objective = (int)v[P_OBJECTIVE];
  p->num_class = (int)v[P_NUM_CLASS];
  p->eta = as_float(v[P_ETA]);
  p->gamma = as_float(v[P_GAMMA]);
  p->min_child_weight = as_float(v[P_MIN_CHILD_WEIGHT]);
  p->lambda = as_float(v[P_LAMBDA]);
  p->alpha = as_float(v[P_ALPHA]);
  p->max_delta_step = as_float(v[P_MAX_DELTA_STEP]);
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
  p->huber_slope = as_float(v[P_HUBER_SLOPE]);
  p->random_strength = v[P_RANDOM_STRENGTH];
  p->bootstrap_type = (int)v[P_BOOTSTRAP_TYPE];
  p->bagging_temperature = v[P_BAGGING_TEMPERATURE];
  p->max_cat_to_onehot = (int)v[P_MAX_CAT_TO_ONEHOT];
  p->max_cat_threshold = (int)v[P_MAX_CAT_THRESHOLD];
  p->scale_pos_weight = as_float(v[P_SCALE_POS_WEIGHT]);
  p->tweedie_variance_power = as_float(v[P_TWEEDIE_VARIANCE_POWER]);
  p->aft_loss_distribution = (int)v[P_AFT_LOSS_DISTRIBUTION];
  p->aft_loss_distribution_scale = as_float(v[P_AFT_LOSS_DISTRIBUTION_SCALE]);
  p->num_pairsample = (int)v[P_NUM_PAIRSAMPLE];
  p->fix_list_weight = as_float(v[P_FIX_LIST_WEIGHT]);
}
