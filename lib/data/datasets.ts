/**
 * Data files that ship with the project (its data/ folder) and with the npm package vega-datasets (real,
 * public tables: movies.json, penguins.json, flights-3m.parquet, …), found by name so notebooks never
 * spell out node_modules paths.
 */
import * as fs from "fs";
import * as path from "path";
import { loadCsv } from "./load";
import type { Table } from "./table";
import { repoRoot } from "../repo";

/**
 * The path of a data file shipped with the project (its data/ folder), e.g. `dataFile("diabetes.csv")` — for a
 * training channel, or to read it yourself. A name that is not there is an Error listing what is.
 */
export function dataFile(name: string): string {
  const dir = path.join(repoRoot(), "data");
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    const have = fs.existsSync(dir) ? fs.readdirSync(dir).sort().join(", ") : "(no data folder)";
    throw new Error(`dataFile: no "${name}" in ${dir}; it holds: ${have}`);
  }
  return file;
}

/** The diabetes regression data (442 rows, 10 features, label column "target"). */
export function loadDiabetes(): Table {
  return loadCsv(dataFile("diabetes.csv"));
}

/**
 * The path of a file of the vega-datasets package by name, e.g. `vegaDataset("movies.json")`, for loadTable.
 * A name it does not ship is an Error listing the tables it does.
 */
export function vegaDataset(name: string): string {
  let dir: string;
  try {
    // the package exports only its JavaScript entry (build/index.js): its data/ folder sits beside build/
    dir = path.join(path.dirname(require.resolve("vega-datasets")), "..", "data");
  } catch {
    throw new Error("vegaDataset: the npm package vega-datasets is not installed (it is a dependency of ensemble-workbook: run npm ci)");
  }
  const file = path.join(dir, name);
  if (path.dirname(file) !== dir || !fs.existsSync(file)) {
    const tables = fs.readdirSync(dir).filter((f) => /\.(json|csv|tsv|parquet|arrow)$/.test(f)).sort();
    throw new Error(`vegaDataset: vega-datasets has no "${name}"; its tables: ${tables.join(", ")}`);
  }
  return file;
}
