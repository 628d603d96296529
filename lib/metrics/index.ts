export { rmse, mae, r2 } from "./regression";
export { coxNLogLik } from "./survival";
export { logloss, auc, accuracy, positiveClass } from "./classification";
export { formatMetric } from "./format";
export { FOLD_MEAN_METRICS, metricsFor, primaryMetric, PROBABILITY_METRICS } from "./byObjective";
