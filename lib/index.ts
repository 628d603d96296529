/** ensemble-workbook lib: the one public index. */
export * from "./data";
export * from "./metrics";
export * from "./members";
export * from "./ensemble";
export * from "./plots";
export { progress, progressReporter } from "./progress";
export type { Progress, ProgressOptions } from "./progress";
export * from "./trainer-hyperparameters";
