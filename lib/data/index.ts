export { loadCsv, loadDiabetes, dataFile } from "./csv";
export type { Table } from "./csv";
export { toMatrix, toDMatrix, matrixFromRows, takeRows } from "./matrix";
export type { Matrix, LabelledMatrix, ColumnChoice } from "./matrix";
export { kFold, stratifiedKFold, trainTestSplit, takeTableRows } from "./folds";
export type { Fold } from "./folds";
