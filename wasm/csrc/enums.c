/* The names of the core's enums, in enum order, for one check at load time.
 *
 * The bindings pass objectives, metrics, grow policies, bootstrap types and the whole
 * parameter vector to the core as integer codes (params.ts: paramsToArray, booster.ts:
 * metric ids). The codes mean something only while the TypeScript lists and these C
 * enums agree; a reordered or added entry on one side alone would silently train with
 * another objective or read a parameter from the wrong slot. So the core publishes the
 * names here and wasm.ts compares them with the TypeScript lists once, when the module
 * is loaded, and refuses to run on a mismatch. The _Static_asserts tie each table to
 * its enum's count, so a new enum entry without a name does not compile. */
#include <string.h>
#include "api.h"
#include "metric/metric.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const OBJECTIVE_NAMES[] = {
  "reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "binary:logistic",
  "multi:softprob", "multi:softmax", "count:poisson",
  "reg:gamma", "reg:tweedie", "reg:squaredlogerror", "reg:logistic", "binary:logitraw", "binary:hinge",
  "survival:cox", "survival:aft",
  "rank:pairwise", "rank:ndcg", "rank:map",
};
_Static_assert(COUNT(OBJECTIVE_NAMES) == OBJ_COUNT, "one name per ObjectiveId");

static const char *const METRIC_NAMES[] = {
  "rmse", "mae", "logloss", "error", "auc", "mlogloss", "merror", "poisson-nloglik", "mphe", "rmsle", "mape",
  "gamma-nloglik", "gamma-deviance", "tweedie-nloglik", "aucpr",
  "cox-nloglik", "aft-nloglik", "interval-regression-accuracy", "ndcg", "map", "pre",
};
_Static_assert(COUNT(METRIC_NAMES) == M_COUNT, "one name per MetricId");

static const char *const GROW_POLICY_NAMES[] = { "depthwise", "lossguide", "symmetric" };
_Static_assert(COUNT(GROW_POLICY_NAMES) == GROW_SYMMETRIC + 1, "one name per GrowPolicy");

static const char *const BOOTSTRAP_NAMES[] = { "no", "bernoulli", "bayesian" };
_Static_assert(COUNT(BOOTSTRAP_NAMES) == BOOT_BAYESIAN + 1, "one name per BootstrapType");

static const char *const PARAM_NAMES[] = {
  "objective", "num_class", "eta", "gamma", "min_child_weight", "lambda", "alpha",
  "max_delta_step", "max_depth", "max_leaves", "grow_policy", "subsample",
  "colsample_bytree", "colsample_bylevel", "colsample_bynode", "max_bin", "seed",
  "num_parallel_tree", "base_score", "huber_slope", "random_strength",
  "bootstrap_type", "bagging_temperature", "max_cat_to_onehot", "max_cat_threshold", "scale_pos_weight",
  "tweedie_variance_power", "aft_loss_distribution", "aft_loss_distribution_scale", "num_pairsample", "fix_list_weight",
};
_Static_assert(COUNT(PARAM_NAMES) == P_COUNT, "one name per ParamId");

static char joined[1024];

/* kind: 0 objectives, 1 metrics, 2 grow policies, 3 bootstrap types, 4 parameters.
 * Returns the names joined by ',' (a static buffer, valid until the next call), or
 * NULL for an unknown kind. */
XGB_API const char *xgb_enum_names(int kind) {
  const char *const *names;
  int n;
  switch (kind) {
    case 0: names = OBJECTIVE_NAMES; n = COUNT(OBJECTIVE_NAMES); break;
    case 1: names = METRIC_NAMES; n = COUNT(METRIC_NAMES); break;
    case 2: names = GROW_POLICY_NAMES; n = COUNT(GROW_POLICY_NAMES); break;
    case 3: names = BOOTSTRAP_NAMES; n = COUNT(BOOTSTRAP_NAMES); break;
    case 4: names = PARAM_NAMES; n = COUNT(PARAM_NAMES); break;
    default: return NULL;
  }
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(names[i]);
    if (at + len + 2 > sizeof joined) return NULL;
    if (i) joined[at++] = ',';
    memcpy(joined + at, names[i], len);
    at += len;
  }
  joined[at] = '\0';
  return joined;
}
