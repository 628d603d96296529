export { loadTable, loadCsv, NA_VALUES } from "./load";
export type { LoadOptions } from "./load";
export type { TableFormat } from "./sources";
/** The files a folder of table files holds, in the order loadTable reads them (recursive, path order; dot files and _SUCCESS-style markers skipped). */
export { listFiles as listTableFiles } from "./sources";
/** The separator a CSV's name or content type implies: a tab for .tsv / .tab and text/tab-separated-values, else undefined. */
export { separatorOf } from "./sources";
export { sniffSeparator } from "./csvParse";
/** The hint an Error of JSON.parse stopped at NaN or Infinity (Python's json.dumps writes them) gets: what to write instead. */
export { jsonNanHint } from "./json";
/** LIBSVM text as sparse rows (the loader's reader; the model server's text/libsvm bodies). */
export { parseLibsvm } from "./libsvm";
export type { LibsvmRows } from "./libsvm";
export { loadDiabetes, dataFile, vegaDataset } from "./datasets";
export { columnTypes, columnTypeRows } from "./describe";
export { ordinalCodes } from "./ordinal";
export type { ColumnTypeRow } from "./describe";
export { CategoricalColumn, categoryCode, numericNaValues } from "./columns";
export type { Table } from "./table";
export { toMatrix, matrixFromRows, takeRows, encodeLabels, floatsReleased, MAX_CATEGORIES } from "./matrix";
export { toDMatrix, holdCoreMatrix, releaseFloats, rowView } from "./core-matrix";
export type { Matrix, LabelledMatrix, ColumnChoice, ColumnSchema, ColumnType, Drift, RowsInput } from "./matrix";
export { kFold, stratifiedKFold, trainTestSplit, takeTableRows } from "./folds";
export type { Fold } from "./folds";
