export { rmse, mae, r2 } from "./regression";
export { logloss, auc, accuracy, positiveClass } from "./classification";
export { formatMetric } from "./format";
export { metricsFor, primaryMetric, PROBABILITY_METRICS } from "./byObjective";
