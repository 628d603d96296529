/**
 * Training channels: input/data/<channel>/ holds one or more files — CSV (with or without a header), LIBSVM, Parquet,
 * Arrow IPC, JSON or JSON Lines — read by lib's one table loader, `loadTable`, file by file in path order
 * (dot files and Hadoop/Spark markers such as _SUCCESS skipped) into one table of typed columns: numbers as
 * float32, text as categories, pandas' missing-value tokens (or the job's `na_values`) as missing. The format
 * is the channel's ContentType in inputdataconfig.json when given, else each file's extension, else its bytes; a CSV
 * file's separator is its first line's (comma, tab, semicolon or pipe), as SageMaker's XGBoost sniffs it.
 *
 * The loader's errors name the file by its full path; here they name it as `<channel> channel file <relative
 * path>`, the way the job's failure line has always named files.
 */
import * as fs from "fs";
import * as path from "path";
import { escape, table as aqTable } from "arquero";
import { CategoricalColumn, decimalNumber, labelRange, listTableFiles, loadTable, separatorOf, Table } from "ensemble-workbook";

export interface Channel {
  name: string;
  files: string[];
  /** whether the columns were named by a header row (false: c0..cN, or LIBSVM's label, f0..fN) */
  header: boolean;
  table: Table;
  /** read as LIBSVM */
  libsvm: boolean;
}

export interface ChannelOptions {
  /** the channel's ContentType from inputdataconfig.json */
  contentType?: string;
  header: boolean | "auto";
  naValues?: string[];
  /** threads that parse a CSV file (the job's core budget, parallel_fits; default loadTable's, the cores) */
  threads?: number;
  /** checks the channel's columns before its rows are read (loadTable's onColumns): a throw is the job's error as it is */
  onColumns?: (columns: ChannelColumns) => void;
}

/** A channel's column names, and whether a header row named them (false: c0..cN) */
export interface ChannelColumns {
  names: string[];
  header: boolean;
  /** read as LIBSVM: columns label, f0 … fN, to the file's largest index */
  libsvm?: boolean;
}

const namedByHeader = (names: string[]) => !names.every((c, i) => c === `c${i}`);

/** the channels this trainer reads */
export const CHANNELS = ["train", "validation"];

/**
 * What the job was given that this trainer would not use, refused before anything is read (SageMaker's XGBoost
 * refuses the same: "Extraneous channel found", distributed training it does itself):
 * - a channel other than train and validation (in inputdataconfig.json, else a folder under input/data): a channel
 *   named `valid` or `test` was dropped without a word, and `validation-rmse` became the cross-validation's score;
 * - Pipe mode (the channel is a FIFO, train_0, not a folder of files);
 * - more than one host (resourceconfig.json): each instance trained its own ensemble on its shard or copy.
 */
export function checkJobInputs(inputDataConfig: unknown, dataDir: string, resourceConfig: unknown): void {
  const names = inputDataConfig && typeof inputDataConfig === "object" ? Object.keys(inputDataConfig) : fs.existsSync(dataDir) ? fs.readdirSync(dataDir).filter((n) => !n.startsWith(".")) : [];
  const extra = names.filter((n) => !CHANNELS.includes(n));
  if (extra.length) throw new Error(`channel${extra.length > 1 ? "s" : ""} ${extra.map((n) => `"${n}"`).join(", ")} ${extra.length > 1 ? "are" : "is"} not read by this trainer: its channels are ${CHANNELS.join(" and ")} (optional)`);
  for (const n of names) {
    const mode = (inputDataConfig as Record<string, { TrainingInputMode?: unknown } | undefined> | undefined)?.[n]?.TrainingInputMode;
    if (mode === "Pipe") throw new Error(`${n} channel: TrainingInputMode Pipe is not supported (the trainer reads files: File or FastFile mode)`);
  }
  const hosts = resourceConfig && typeof resourceConfig === "object" ? (resourceConfig as { hosts?: unknown }).hosts : undefined;
  if (Array.isArray(hosts) && hosts.length > 1) {
    throw new Error(`the job runs on ${hosts.length} instances (${hosts.join(", ")}), and this trainer trains on one: each would fit its own ensemble on its share of the data; set InstanceCount 1`);
  }
}

/** The channel's declared content type, if inputdataconfig.json names one. */
export function channelContentType(inputDataConfig: unknown, name: string): string | undefined {
  if (!inputDataConfig || typeof inputDataConfig !== "object") return undefined;
  const ch: unknown = (inputDataConfig as Record<string, unknown>)[name];
  const ct = ch && typeof ch === "object" ? (ch as { ContentType?: unknown }).ContentType : undefined;
  return typeof ct === "string" && ct.trim() !== "" ? ct : undefined;
}

/** loader messages name files by full path: name them relative to the channel folder */
function channelError(e: unknown, dir: string, name: string): Error {
  const msg = (e as Error).message ?? String(e);
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const named = msg.split(prefix).join(`${name} channel file `).replace(/^loadTable: /, "");
  return new Error(named.startsWith(`${name} channel`) ? named : `${name} channel: ${named}`);
}

/** Read a channel; undefined when the folder does not exist and the channel is optional. */
export async function readChannel(dir: string, name: string, required: boolean, opts: ChannelOptions): Promise<Channel | undefined> {
  if (!fs.existsSync(dir)) {
    if (!required) return undefined;
    throw new Error(`missing ${name} channel: no folder ${dir} (the training job needs a "${name}" channel with CSV, Parquet, Arrow, JSON or LIBSVM files)`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${name} channel: ${dir} is not a folder`);
  const files = listTableFiles(dir);
  if (files.length === 0) throw new Error(`${name} channel is empty: no files in ${dir}`);
  let table: Table;
  let refused: unknown;
  let libsvm = false; // LIBSVM's columns (label, f0 … fN) are named by no header: its label is the first column
  const onColumns = opts.onColumns;
  try {
    table = await loadTable(files, {
      header: opts.header,
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
      // each CSV file's separator from its first line, as SageMaker's XGBoost reads a CSV channel (csv.Sniffer): a
      // semicolon-separated export failed the job, which had no sep to pass; a text/tab-separated-values channel is tabs
      ...(opts.contentType !== undefined && separatorOf({ contentType: opts.contentType }) ? {} : { sep: "auto" }),
      ...(opts.naValues !== undefined ? { na_values: opts.naValues } : {}),
      onColumns: (names: string[], format: string) => {
        libsvm = format === "libsvm";
        try {
          onColumns?.({ names, header: !libsvm && namedByHeader(names), libsvm });
        } catch (e) {
          refused = e;
          throw e;
        }
      },
    });
  } catch (e) {
    if (refused !== undefined && e === refused) throw e; // the caller's own error: no file to name
    throw channelError(e, dir, name);
  }
  return { name, files, header: !libsvm && namedByHeader(table.columnNames()), table, libsvm };
}

/** A channel's columns as read. */
export const channelColumns = (channel: Channel): ChannelColumns => ({ names: channel.table.columnNames(), header: channel.header, libsvm: channel.libsvm });

/** The label column: hyperparameter `label`, else "target" with a header, else the first column. */
export function resolveLabel(channel: ChannelColumns, label: string | undefined): string {
  const columns = channel.names;
  if (label === undefined) {
    if (!channel.header) return columns[0];
    if (!columns.includes("target")) {
      throw new Error(`label column "target" (the default for CSV with a header) not found; set hyperparameter label to one of: ${columns.join(", ")}`);
    }
    return "target";
  }
  if (!channel.header && /^\d+$/.test(label)) label = `c${label}`; // column index when there is no header
  if (!columns.includes(label)) {
    throw new Error(`hyperparameter label="${label}": no such column; columns are: ${columns.join(", ")}${channel.header ? "" : " (no header: c<i> or a 0-based index)"}`);
  }
  return label;
}

/**
 * categorical_features → column names: names must be feature columns of the channel; a 0-based index counts the
 * channel's columns, label included (as `label` does), and must not be the label.
 */
export function resolveCategorical(channel: ChannelColumns, label: string, given: (string | number)[]): string[] {
  const columns = channel.names;
  const names = given.map((c) => {
    if (typeof c === "number") {
      if (c >= columns.length) throw new Error(`hyperparameter categorical_features: index ${c} is past the last column (${columns.length} columns: 0 to ${columns.length - 1})`);
      return columns[c];
    }
    if (!columns.includes(c)) throw new Error(`hyperparameter categorical_features: column "${c}" not found; columns are: ${columns.join(", ")}`);
    return c;
  });
  if (names.includes(label)) throw new Error(`hyperparameter categorical_features: "${label}" is the label column, not a feature (text labels are class names already)`);
  // a name and an index of one column (the parser refuses the same name or index twice)
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) {
    const first = names.indexOf(names[twice]);
    throw new Error(`hyperparameter categorical_features: column "${names[twice]}" is given twice (as ${JSON.stringify(given[first])} and as ${JSON.stringify(given[twice])})`);
  }
  return names;
}

/**
 * Rows whose label is missing cannot be trained or scored on (pandas and R write unlabelled rows as NA; the movies
 * table lacks the IMDB rating of 213 films): they are left out — the table is filtered, not copied — and counted
 * for the log. Returns how many were left out.
 */
export function dropMissingLabels(channel: Channel, label: string): number {
  const col: unknown = channel.table.column(label);
  const n = channel.table.numRows();
  let missing = 0;
  if (col instanceof Float32Array) for (let i = 0; i < n; i++) missing += Number.isNaN(col[i]) ? 1 : 0;
  else if (col instanceof CategoricalColumn) for (let i = 0; i < n; i++) missing += col.codes[i] < 0 ? 1 : 0;
  else return 0; // dates: lib names the problem
  if (missing === 0) return 0;
  if (missing === n) throw new Error(`${channel.name} channel: every row's label "${label}" is missing`);
  channel.table = channel.table.filter(escape((d: Record<string, unknown>) => d[label] !== null && d[label] !== undefined && !Number.isNaN(d[label]))) as Table;
  return missing;
}

/**
 * A numeric label's values as the objective needs them, checked on both channels as they are read — before any
 * fit, naming the channel, the row and the value (a bad value used to fail a fold's fit, naming a fold-relative row
 * of an eval set called "validation", or the final fit after the whole cross-validation):
 * - binary:* — 0 or 1: the folds are stratified by class and auc / accuracy score classes (native XGBoost also takes
 *   soft labels in [0, 1]; here they failed as "fold 1 holds no rows of class 1");
 * - multi:* — whole numbers from 0 (the classes; a 1.5 asked for num_class 2.5);
 * - the other objectives' ranges as the core checks them (labelRange: count:poisson and reg:tweedie ≥ 0, reg:gamma > 0,
 *   reg:logistic in [0, 1], reg:squaredlogerror > -1).
 * Text labels are classes already (lib maps them); a missing label is left out (dropMissingLabels, after this: the
 * rows named are the channel's data rows in file order).
 */
export function checkLabelValues(channel: Channel, label: string, objective: string): void {
  const col: unknown = channel.table.column(label);
  if (!(col instanceof Float32Array)) return;
  const n = channel.table.numRows();
  const core = labelRange(objective);
  const rule: [(y: number) => boolean, string] | undefined = objective.startsWith("binary:")
    ? [(y) => y === 0 || y === 1, "labels 0 or 1 (the folds are stratified by class, and auc and accuracy score classes)"]
    : objective.startsWith("multi:")
      ? [(y) => Number.isInteger(y) && y >= 0, "labels whole numbers from 0, the classes"]
      : core && [core[0], core[1].replace(">=", "≥")];
  if (!rule) return;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(col[i]) && !rule[0](col[i])) throw new Error(`${channel.name} channel: label column "${label}", row ${i + 1} of its data rows holds ${col[i]}; ${objective} needs ${rule[1]}`);
  }
}

/**
 * Feature cells the fits cannot take, found as the channels are read, naming channel, column and row:
 * - an infinite number (`inf`, or a number past float32's ±3.4e38 such as 1e39): XGBoost refuses infinite features
 *   too; here it failed at the fit as `DMatrix: X[4][1] is Infinity`;
 * - text in a validation column that is numeric in the train channel (declared categorical columns aside): it
 *   failed only after the whole cross-validation, at the final fit.
 */
export function checkFeatureCells(channel: Channel, label: string, train?: Channel, declared: readonly string[] = []): void {
  // on the table as read (before dropMissingLabels filters it: a filtered table's columns are still the whole ones),
  // leaving out the rows whose label is missing, which the job leaves out
  const n = channel.table.numRows();
  const y: unknown = channel.table.column(label);
  const unlabelled = (i: number) => (y instanceof Float32Array ? Number.isNaN(y[i]) : y instanceof CategoricalColumn ? y.codes[i] < 0 : false);
  for (const name of channel.table.columnNames()) {
    if (name === label) continue;
    const col: unknown = channel.table.column(name);
    if (col instanceof Float32Array) {
      for (let i = 0; i < n; i++) {
        if ((col[i] === Infinity || col[i] === -Infinity) && !unlabelled(i)) {
          throw new Error(`${channel.name} channel: column "${name}", row ${i + 1} of its data rows holds ${col[i]} (inf, or a number beyond float32's ±3.4e38): features must be finite (missing values are empty cells or NaN)`);
        }
      }
    } else if (col instanceof CategoricalColumn && train && train.table.column(name) instanceof Float32Array && !declared.includes(name)) {
      // the first cell that is not a number (a number's own text stays as it was written: "2.0"; "0x10" is not one)
      const i = col.codes.findIndex((c, row) => c >= 0 && !unlabelled(row) && !isNumberText(col.categories[c]));
      if (i < 0) continue;
      throw new Error(`${channel.name} channel: column "${name}" holds text ("${col.categories[col.codes[i]]}", row ${i + 1} of its data rows) where the train channel's column is numeric`);
    }
  }
}

/** a cell's text that reads as a number, as the loaders read numbers: decimal (not "0x10"), or inf / nan as pandas'
 * parser takes them */
export function isNumberText(t: string): boolean {
  return decimalNumber(t) !== undefined || /^\s*[+-]?(inf|infinity|nan)\s*$/i.test(t);
}

/** The validation channel must have the train channel's columns, in the same order. */
export function checkSameColumns(train: readonly string[], validation: readonly string[], libsvm = false): void {
  // LIBSVM columns run to each file's largest index: a validation set whose largest is smaller lacks only features
  // absent from all its rows (missing: widenValidation adds them); one past the train channel's names a feature the
  // model will not have
  if (libsvm && validation.length <= train.length && validation.every((c, i) => c === train[i])) return;
  if (libsvm && validation.length > train.length && train.every((c, i) => c === validation[i])) {
    throw new Error(`validation channel: LIBSVM feature index ${validation.length - 2} (${validation[validation.length - 1]}) is past the train channel's largest index, ${train.length - 2}: the model has no such feature`);
  }
  if (train.length !== validation.length || train.some((c, i) => c !== validation[i])) {
    throw new Error(`validation channel columns [${validation.join(", ")}] differ from the train channel's [${train.join(", ")}]`);
  }
}

/** A LIBSVM validation channel narrower than the train channel (checkSameColumns): the train channel's further
 * feature columns added, every entry missing, as XGBoost reads an entry a row lacks. */
export function widenValidation(ch: Channel, train: readonly string[]): void {
  const have = ch.table.numCols();
  if (!ch.libsvm || have >= train.length) return;
  const rows = ch.table.numRows();
  ch.table = ch.table.assign(aqTable(Object.fromEntries(train.slice(have).map((name) => [name, new Float32Array(rows).fill(NaN)])))) as Table;
}
